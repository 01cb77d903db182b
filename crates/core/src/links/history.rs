//! The link ledger: every link LinkDrop handed out, in SQLite in the data dir. WAL mode and a busy
//! timeout let the window and the command line write at once; each change is one transaction, so a
//! crash or kill never leaves half an entry. No secret is ever stored here.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use serde::{Deserialize, Serialize};

use crate::links::Share;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot open the link history at {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the link history could not be read or written: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no link with id {id:?} in the history: `linkdrop history` lists them")]
    NotFound { id: String },
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "LinkState.ts")]
pub enum LinkState {
    Active,
    Revoked,
    /// The object is gone or changed at the server: re-issuing would hand out a broken link.
    Missing,
    /// Deleted by LinkDrop once its link had expired, as the share asked.
    Deleted,
}

impl LinkState {
    fn as_str(self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Revoked => "revoked",
            LinkState::Missing => "missing",
            LinkState::Deleted => "deleted",
        }
    }

    fn from_sql(s: &str) -> LinkState {
        match s {
            "revoked" => LinkState::Revoked,
            "missing" => LinkState::Missing,
            "deleted" => LinkState::Deleted,
            _ => LinkState::Active,
        }
    }
}

/// One entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "HistoryEntry.ts")]
pub struct HistoryEntry {
    pub id: String,
    pub profile: String,
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub version_id: Option<String>,
    pub e_tag: Option<String>,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    pub url: String,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    /// When the current link was signed: with `expires_at`, its whole lifetime.
    #[ts(type = "string")]
    pub issued_at: DateTime<Utc>,
    /// From when an active link counts as "expiring soon" (a tenth of its lifetime left): the
    /// rule lives here, and front ends with a clock of their own compare with this time.
    #[ts(type = "string")]
    pub expiring_soon_at: DateTime<Utc>,
    pub state: LinkState,
    pub issued: u32,
    /// A file's link, or a share page's (whose files are `History::page_files`).
    pub kind: EntryKind,
    /// For a file shared on a page: the page's entry.
    pub page_id: Option<String>,
    /// Encrypted on this computer: the bucket holds ciphertext, and the key is in the keychain.
    pub encrypted: bool,
    /// When LinkDrop deletes the object (its link's expiry and the grace after it); `None`: kept.
    #[ts(type = "string | null")]
    pub deletes_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "EntryKind.ts")]
pub enum EntryKind {
    #[default]
    File,
    Page,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Page => "page",
        }
    }
}

/// A link signed at `issued_at` until `expires_at` is "expiring soon" from this time on: when
/// less than a tenth of its lifetime is left (as `EXPIRING_SOON` says it in SQL).
pub fn expiring_soon_at(issued_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> DateTime<Utc> {
    let lifetime = (expires_at - issued_at).max(chrono::TimeDelta::zero());
    expires_at - lifetime / 10
}

impl HistoryEntry {
    /// An active link past its expiry is expired; the stored state says only what the server knows.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.state == LinkState::Active && self.expires_at <= now
    }

    /// What a user calls this entry's state: the stored one, or "expired" or "expiring soon" by
    /// the clock (what the window shows, and `history --json` says).
    pub fn shown_state(&self, now: DateTime<Utc>) -> Filter {
        match self.state {
            LinkState::Active if self.is_expired(now) => Filter::Expired,
            LinkState::Active
                if now > self.expiring_soon_at && self.expires_at > self.issued_at =>
            {
                Filter::ExpiringSoon
            }
            LinkState::Active => Filter::Active,
            LinkState::Revoked => Filter::Revoked,
            LinkState::Missing => Filter::Missing,
            LinkState::Deleted => Filter::Deleted,
        }
    }
}

/// Which entries a listing shows. "Expiring soon" is an active link with less than a tenth of its
/// lifetime left: the window shows those in amber.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "HistoryFilter.ts", rename = "HistoryFilter")]
pub enum Filter {
    #[default]
    All,
    Active,
    ExpiringSoon,
    Expired,
    Revoked,
    Missing,
    Deleted,
}

impl Filter {
    /// Every filter, in the order listings offer them.
    pub const ALL: [Filter; 7] = [
        Filter::All,
        Filter::Active,
        Filter::ExpiringSoon,
        Filter::Expired,
        Filter::Revoked,
        Filter::Missing,
        Filter::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Active => "active",
            Filter::ExpiringSoon => "expiring_soon",
            Filter::Expired => "expired",
            Filter::Revoked => "revoked",
            Filter::Missing => "missing",
            Filter::Deleted => "deleted",
        }
    }

    /// The SQL condition, with `:now` the current time as RFC 3339; none for `All`.
    fn condition(self) -> Option<&'static str> {
        Some(match self {
            Filter::All => return None,
            Filter::Active => "state = 'active' AND expires_at > :now",
            Filter::ExpiringSoon => EXPIRING_SOON,
            Filter::Expired => "state = 'active' AND expires_at <= :now",
            Filter::Revoked => "state = 'revoked'",
            Filter::Missing => "state = 'missing'",
            Filter::Deleted => "state = 'deleted'",
        })
    }
}

// Times are stored as RFC 3339 in UTC, which compare as text in time order.
const EXPIRING_SOON: &str = "state = 'active' AND expires_at > :now
    AND (julianday(expires_at) - julianday(:now)) * 10 < julianday(expires_at) - julianday(issued_at)";

/// A search and a filter: what the window's History view and `linkdrop history` ask for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Matches the file name, case-insensitively; `%` and `_` are literal.
    pub search: Option<String>,
    pub filter: Filter,
}

impl Query {
    fn search(&self) -> Option<&str> {
        self.search.as_deref().filter(|s| !s.is_empty())
    }

    /// The LIKE pattern for `:search`.
    fn pattern(&self) -> String {
        let escaped = self
            .search()
            .unwrap_or("")
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    }

    /// The WHERE clause: top-level entries (files and pages, not a page's files) that match.
    fn clause(&self) -> String {
        let search = self.search().map(|_| "name LIKE :search ESCAPE '\\'");
        // A page's files are shown with their page, not as entries of their own.
        let conditions: Vec<&str> = std::iter::once("page_id IS NULL")
            .chain(search)
            .chain(self.filter.condition())
            .collect();
        format!("WHERE ({})", conditions.join(") AND ("))
    }
}

/// The named parameters `sql` uses, out of `values`: SQLite refuses a value for a name it lacks.
fn bound<'a>(
    sql: &str,
    values: &[(&'static str, &'a dyn ToSql)],
) -> Vec<(&'static str, &'a dyn ToSql)> {
    values
        .iter()
        .filter(|(name, _)| sql.contains(name))
        .copied()
        .collect()
}

/// How many entries each filter shows, for one search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "HistoryCounts.ts", rename = "HistoryCounts")]
pub struct Counts {
    pub all: u64,
    pub active: u64,
    pub expiring_soon: u64,
    pub expired: u64,
    pub revoked: u64,
    pub missing: u64,
    pub deleted: u64,
}

/// Schema versions, applied in order; `PRAGMA user_version` says how many are in.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE entries (
        -- The order links were handed out in: the list's order, newest first, read straight
        -- from the table without sorting (created_at may repeat or go back with the clock).
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        profile TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        version_id TEXT,
        e_tag TEXT,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        url TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        -- When the current link was signed: its lifetime (and 'expiring soon') after a re-issue.
        issued_at TEXT NOT NULL,
        state TEXT NOT NULL,
        issued INTEGER NOT NULL
    );",
    // Share pages: one entry for the page (kind 'page'), and its files under it (page_id set),
    // which listings leave out (they are shown with their page).
    "ALTER TABLE entries ADD COLUMN kind TEXT NOT NULL DEFAULT 'file';
     ALTER TABLE entries ADD COLUMN page_id TEXT;
     CREATE INDEX entries_page ON entries (page_id) WHERE page_id IS NOT NULL;",
    // Encrypted shares: their object and its links carry no name, so a re-issue must not sign
    // the real one into the link.
    "ALTER TABLE entries ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;",
    // Deletion after expiry: the grace after the link's expiry (NULL: kept). Due entries are
    // found by the active ones whose link has expired, the index's order.
    "ALTER TABLE entries ADD COLUMN delete_grace_secs INTEGER;
     CREATE INDEX entries_to_delete ON entries (expires_at)
         WHERE delete_grace_secs IS NOT NULL AND state = 'active';",
];

pub struct History {
    db: Connection,
}

impl History {
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let open_err = |source| HistoryError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut db = Connection::open(path).map_err(open_err)?;
        // Another process may hold the write lock for a moment: wait rather than fail.
        db.busy_timeout(Duration::from_secs(10)).map_err(open_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        migrate(&mut db).map_err(open_err)?;
        Ok(History { db })
    }

    /// Records a fresh share as an active link issued once.
    pub fn record(&self, share: &Share, endpoint: &str) -> Result<(), HistoryError> {
        self.db.execute(
            "INSERT INTO entries (id, profile, endpoint, bucket, key, version_id, e_tag, name, size,
                content_type, created_at, url, expires_at, issued_at, state, issued, encrypted,
                delete_grace_secs)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?10, 'active', 1, ?13,
                ?14)",
            params![
                share.id,
                share.profile,
                endpoint,
                share.bucket,
                share.key,
                share.e_tag,
                share.name,
                i64::try_from(share.size).unwrap_or(i64::MAX),
                share.content_type,
                Utc::now().to_rfc3339(),
                share.url,
                share.expires_at.to_rfc3339(),
                share.encrypted,
                share
                    .deletes_at
                    .map(|at| (at - share.expires_at).num_seconds().max(0)),
            ],
        )?;
        Ok(())
    }

    /// Records a page's entry and puts its files (recorded already) under it, in one transaction.
    pub fn record_page(
        &self,
        page: &Share,
        endpoint: &str,
        files: &[String],
    ) -> Result<(), HistoryError> {
        let tx = self.db.unchecked_transaction()?;
        self.record(page, endpoint)?;
        tx.execute(
            "UPDATE entries SET kind = ?2 WHERE id = ?1",
            params![page.id, EntryKind::Page.as_str()],
        )?;
        for id in files {
            tx.execute(
                "UPDATE entries SET page_id = ?2 WHERE id = ?1",
                params![id, page.id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Top-level entries (files and pages) whose object is due for deletion at `now`: deletion was
    /// asked for, the link has expired, and so has the grace after it.
    pub fn due_for_deletion(&self, now: DateTime<Utc>) -> Result<Vec<HistoryEntry>, HistoryError> {
        let mut statement = self.db.prepare_cached(&format!(
            "{SELECT} WHERE delete_grace_secs IS NOT NULL AND state = 'active'
                AND expires_at <= ?1 AND page_id IS NULL ORDER BY expires_at"
        ))?;
        let rows = statement.query_map([now.to_rfc3339()], row_to_entry)?;
        let mut due = Vec::new();
        for entry in rows {
            let entry = entry?;
            if entry.deletes_at.is_some_and(|at| at <= now) {
                due.push(entry);
            }
        }
        Ok(due)
    }

    /// Every entry (files, pages and a page's files) in `bucket`, for the storage view.
    pub fn in_bucket(&self, bucket: &str) -> Result<Vec<HistoryEntry>, HistoryError> {
        let mut statement = self
            .db
            .prepare_cached(&format!("{SELECT} WHERE bucket = ?1"))?;
        let rows = statement.query_map([bucket], row_to_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The files of a page, in the order they were shared.
    pub fn page_files(&self, page_id: &str) -> Result<Vec<HistoryEntry>, HistoryError> {
        let mut statement = self
            .db
            .prepare_cached(&format!("{SELECT} WHERE page_id = ?1 ORDER BY seq"))?;
        let rows = statement.query_map([page_id], row_to_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn get(&self, id: &str) -> Result<HistoryEntry, HistoryError> {
        self.db
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row_to_entry)
            .optional()?
            .ok_or_else(|| HistoryError::NotFound { id: id.to_owned() })
    }

    /// Newest first, `limit` entries from `offset`, as seen at `now`.
    pub fn list(
        &self,
        query: &Query,
        now: DateTime<Utc>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<HistoryEntry>, HistoryError> {
        let sql = format!(
            "{SELECT} {} ORDER BY seq DESC LIMIT :limit OFFSET :offset",
            query.clause()
        );
        let (pattern, now) = (query.pattern(), now.to_rfc3339());
        let values: [(&str, &dyn ToSql); 4] = [
            (":search", &pattern),
            (":now", &now),
            (":limit", &limit),
            (":offset", &offset),
        ];
        let mut statement = self.db.prepare_cached(&sql)?;
        let rows = statement.query_map(bound(&sql, &values).as_slice(), row_to_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many entries `query` lists.
    pub fn count(&self, query: &Query, now: DateTime<Utc>) -> Result<u64, HistoryError> {
        let sql = format!("SELECT count(*) FROM entries {}", query.clause());
        let (pattern, now) = (query.pattern(), now.to_rfc3339());
        let values: [(&str, &dyn ToSql); 2] = [(":search", &pattern), (":now", &now)];
        let n: i64 = self
            .db
            .prepare_cached(&sql)?
            .query_row(bound(&sql, &values).as_slice(), |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many entries each filter shows for `search`, in one pass.
    pub fn counts(&self, search: Option<&str>, now: DateTime<Utc>) -> Result<Counts, HistoryError> {
        let query = Query {
            search: search.map(str::to_owned),
            filter: Filter::All,
        };
        let sum = |f: Filter| format!("coalesce(sum({}), 0)", f.condition().unwrap_or("1"));
        let sql = format!(
            "SELECT count(*), {}, {}, {}, {}, {}, {} FROM entries {}",
            sum(Filter::Active),
            sum(Filter::ExpiringSoon),
            sum(Filter::Expired),
            sum(Filter::Revoked),
            sum(Filter::Missing),
            sum(Filter::Deleted),
            query.clause()
        );
        let (pattern, now) = (query.pattern(), now.to_rfc3339());
        let values: [(&str, &dyn ToSql); 2] = [(":search", &pattern), (":now", &now)];
        let n = |row: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
            Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0))
        };
        let mut statement = self.db.prepare_cached(&sql)?;
        Ok(statement.query_row(bound(&sql, &values).as_slice(), |row| {
            Ok(Counts {
                all: n(row, 0)?,
                active: n(row, 1)?,
                expiring_soon: n(row, 2)?,
                expired: n(row, 3)?,
                revoked: n(row, 4)?,
                missing: n(row, 5)?,
                deleted: n(row, 6)?,
            })
        })?)
    }

    /// A new link for the same object (re-issue): one more issue, active again.
    pub fn reissued(
        &self,
        id: &str,
        url: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), HistoryError> {
        let changed = self.db.execute(
            "UPDATE entries SET url = ?2, expires_at = ?3, issued_at = ?4, state = 'active',
                issued = issued + 1 WHERE id = ?1",
            params![id, url, expires_at.to_rfc3339(), Utc::now().to_rfc3339()],
        )?;
        if changed == 0 {
            return Err(HistoryError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }

    pub fn set_state(&self, id: &str, state: LinkState) -> Result<(), HistoryError> {
        let changed = self.db.execute(
            "UPDATE entries SET state = ?2 WHERE id = ?1",
            params![id, state.as_str()],
        )?;
        if changed == 0 {
            return Err(HistoryError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }

    /// A number that changes whenever another connection — another process, such as the command
    /// line, or another part of this one — commits to the ledger. Cheap enough to poll.
    pub fn data_version(&self) -> Result<i64, HistoryError> {
        Ok(self.db.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// SQLite's own check of the file: "ok" when nothing is corrupt.
    pub fn integrity_check(&self) -> Result<String, HistoryError> {
        Ok(self
            .db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn remove(&self, id: &str) -> Result<(), HistoryError> {
        if self.db.execute("DELETE FROM entries WHERE id = ?1", [id])? == 0 {
            return Err(HistoryError::NotFound { id: id.to_owned() });
        }
        Ok(())
    }
}

const SELECT: &str = "SELECT id, profile, endpoint, bucket, key, version_id, e_tag, name, size,
    content_type, created_at, url, expires_at, issued_at, state, issued, kind, page_id, encrypted,
    delete_grace_secs FROM entries";

fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<HistoryEntry> {
    let time = |i: usize| -> rusqlite::Result<DateTime<Utc>> {
        let text: String = row.get(i)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.to_utc())
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
    };
    Ok(HistoryEntry {
        id: row.get(0)?,
        profile: row.get(1)?,
        endpoint: row.get(2)?,
        bucket: row.get(3)?,
        key: row.get(4)?,
        version_id: row.get(5)?,
        e_tag: row.get(6)?,
        name: row.get(7)?,
        size: u64::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
        content_type: row.get(9)?,
        created_at: time(10)?,
        url: row.get(11)?,
        expires_at: time(12)?,
        issued_at: time(13)?,
        expiring_soon_at: expiring_soon_at(time(13)?, time(12)?),
        state: LinkState::from_sql(&row.get::<_, String>(14)?),
        issued: row.get(15)?,
        kind: if row.get::<_, String>(16)? == "page" {
            EntryKind::Page
        } else {
            EntryKind::File
        },
        page_id: row.get(17)?,
        encrypted: row.get(18)?,
        deletes_at: row
            .get::<_, Option<i64>>(19)?
            .map(|grace| time(12).map(|end| end + chrono::TimeDelta::seconds(grace)))
            .transpose()?,
    })
}

fn migrate(db: &mut Connection) -> rusqlite::Result<()> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (index, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(applied).unwrap_or(0))
    {
        tx.execute_batch(migration)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(id: &str, name: &str) -> Share {
        Share {
            id: id.into(),
            url: format!("http://127.0.0.1:1/b/{id}/{name}?X-Amz-Signature=abc"),
            expires_at: Utc::now() + chrono::TimeDelta::hours(1),
            name: name.into(),
            size: 42,
            content_type: "text/plain".into(),
            profile: "local".into(),
            bucket: "b".into(),
            key: format!("{id}/{name}"),
            e_tag: Some("\"etag\"".into()),
            encrypted: false,
            deletes_at: None,
            warnings: vec![],
        }
    }

    fn search(text: &str) -> Query {
        Query {
            search: Some(text.into()),
            filter: Filter::All,
        }
    }

    #[test]
    fn entries_round_trip_newest_first_and_search_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&dir.path().join("history.sqlite3")).unwrap();
        history
            .record(&share("a", "Report.pdf"), "http://127.0.0.1:1")
            .unwrap();
        history
            .record(&share("b", "photo.png"), "http://127.0.0.1:1")
            .unwrap();
        let all = history.list(&Query::default(), Utc::now(), 10, 0).unwrap();
        assert_eq!(
            all.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        let found = history.list(&search("report"), Utc::now(), 10, 0).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Report.pdf");
        assert_eq!(found[0].state, LinkState::Active);
        assert_eq!(found[0].issued, 1);
        assert!(
            history
                .list(&search("%"), Utc::now(), 10, 0)
                .unwrap()
                .is_empty(),
            "wildcards are literal"
        );
        history.record(&share("c", "100%_done.txt"), "e").unwrap();
        let found = history.list(&search("0%_d"), Utc::now(), 10, 0).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "c");
    }

    #[test]
    fn reissue_revoke_and_remove_change_one_entry() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&dir.path().join("h.sqlite3")).unwrap();
        history.record(&share("a", "a.txt"), "e").unwrap();
        let later = Utc::now() + chrono::TimeDelta::days(1);
        let later = later.with_timezone(&Utc);
        history.reissued("a", "http://new", later).unwrap();
        let entry = history.get("a").unwrap();
        assert_eq!((entry.url.as_str(), entry.issued), ("http://new", 2));
        history.set_state("a", LinkState::Revoked).unwrap();
        assert_eq!(history.get("a").unwrap().state, LinkState::Revoked);
        assert!(matches!(
            history.set_state("zz", LinkState::Missing),
            Err(HistoryError::NotFound { .. })
        ));
        history.remove("a").unwrap();
        assert!(matches!(
            history.get("a"),
            Err(HistoryError::NotFound { .. })
        ));
    }

    #[test]
    fn filters_and_counts_follow_the_clock_and_the_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&dir.path().join("h.sqlite3")).unwrap();
        let now = Utc::now();
        // Each issued an hour ago; what is left of its lifetime decides its filter.
        for (id, left) in [
            ("fresh", 3600),
            ("soon", 300),
            ("gone", -60),
            ("revoked", 3600),
        ] {
            history
                .record(&share(id, &format!("{id}.txt")), "e")
                .unwrap();
            history
                .db
                .execute(
                    "UPDATE entries SET issued_at = ?2, expires_at = ?3 WHERE id = ?1",
                    params![
                        id,
                        (now - chrono::TimeDelta::hours(1)).to_rfc3339(),
                        (now + chrono::TimeDelta::seconds(left)).to_rfc3339()
                    ],
                )
                .unwrap();
        }
        history.set_state("revoked", LinkState::Revoked).unwrap();
        let ids = |filter: Filter| -> Vec<String> {
            let query = Query {
                search: None,
                filter,
            };
            let mut ids: Vec<_> = history
                .list(&query, now, 10, 0)
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect();
            ids.sort();
            assert_eq!(history.count(&query, now).unwrap(), ids.len() as u64);
            ids
        };
        assert_eq!(ids(Filter::Active), ["fresh", "soon"]);
        assert_eq!(ids(Filter::ExpiringSoon), ["soon"]);
        assert_eq!(ids(Filter::Expired), ["gone"]);
        assert_eq!(ids(Filter::Revoked), ["revoked"]);
        assert!(ids(Filter::Missing).is_empty());
        assert_eq!(
            history.counts(None, now).unwrap(),
            Counts {
                all: 4,
                active: 2,
                expiring_soon: 1,
                expired: 1,
                revoked: 1,
                missing: 0,
                deleted: 0
            }
        );
        assert_eq!(history.counts(Some("so"), now).unwrap().expiring_soon, 1);
        assert_eq!(history.counts(Some("so"), now).unwrap().all, 1);
        // An hour later the fresh link is gone too.
        let later = now + chrono::TimeDelta::hours(2);
        assert_eq!(history.counts(None, later).unwrap().expired, 3);
        let gone = history.get("gone").unwrap();
        assert_eq!(gone.shown_state(now), Filter::Expired);
        // What an entry says of itself is what the filters (in SQL) say of it.
        for entry in history.list(&Query::default(), now, 10, 0).unwrap() {
            let shown = entry.shown_state(now);
            assert_eq!(
                ids(Filter::ExpiringSoon).contains(&entry.id),
                shown == Filter::ExpiringSoon,
                "{}: {shown:?}",
                entry.id
            );
            assert!(ids(shown).contains(&entry.id), "{}: {shown:?}", entry.id);
        }
        assert_eq!(
            history.get("soon").unwrap().shown_state(now),
            Filter::ExpiringSoon
        );
    }

    #[test]
    fn reissue_restarts_the_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&dir.path().join("h.sqlite3")).unwrap();
        history.record(&share("a", "a.txt"), "e").unwrap();
        let first = history.get("a").unwrap();
        assert_eq!(first.issued_at, first.created_at);
        std::thread::sleep(std::time::Duration::from_millis(20));
        history
            .reissued("a", "http://new", Utc::now() + chrono::TimeDelta::hours(1))
            .unwrap();
        let again = history.get("a").unwrap();
        assert!(again.issued_at > first.issued_at);
        assert_eq!(again.created_at, first.created_at);
    }

    #[test]
    fn data_version_moves_when_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        let (watcher, writer) = (History::open(&path).unwrap(), History::open(&path).unwrap());
        let before = watcher.data_version().unwrap();
        assert_eq!(watcher.data_version().unwrap(), before, "nothing changed");
        writer.record(&share("a", "a.txt"), "e").unwrap();
        let after = watcher.data_version().unwrap();
        assert_ne!(after, before);
        watcher.remove("a").unwrap();
        assert_eq!(
            watcher.data_version().unwrap(),
            after,
            "its own writes it knows about"
        );
    }

    #[test]
    fn reopening_keeps_entries_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        History::open(&path)
            .unwrap()
            .record(&share("a", "a.txt"), "e")
            .unwrap();
        let history = History::open(&path).unwrap();
        assert_eq!(
            history
                .list(&Query::default(), Utc::now(), 10, 0)
                .unwrap()
                .len(),
            1
        );
        let version: i64 = history
            .db
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn two_writers_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        History::open(&path).unwrap();
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let history = History::open(&path).unwrap();
                    for i in 0..300 {
                        history
                            .record(&share(&format!("{w}-{i}"), "f.txt"), "e")
                            .unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(
            History::open(&path)
                .unwrap()
                .list(&Query::default(), Utc::now(), 1000, 0)
                .unwrap()
                .len(),
            600
        );
    }
}
