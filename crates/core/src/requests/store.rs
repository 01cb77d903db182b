//! The requests LinkDrop made and the files that arrived for them: `requests.sqlite3` in the data
//! dir, beside the history (a file of its own, so that neither's migrations wait for the other).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Arrival, UploadRequest};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the list of upload requests {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the list of upload requests: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("no upload request with id {id:?} (see `linkdrop request list`)")]
    NotFound { id: String },
}

pub struct Requests {
    db: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sender_note TEXT,
    asked_by TEXT,
    profile TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    bucket TEXT NOT NULL,
    folder TEXT NOT NULL,
    page_key TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    max_size INTEGER NOT NULL,
    accept TEXT NOT NULL,
    closed_at TEXT
);
CREATE TABLE IF NOT EXISTS arrivals (
    request_id TEXT NOT NULL REFERENCES requests(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT,
    received_at TEXT NOT NULL,
    sender TEXT,
    message TEXT,
    e_tag TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, key)
);
";

fn time(text: String) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Requests {
    pub fn open(path: &Path) -> Result<Requests, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let db = Connection::open(path).map_err(open_err)?;
        db.busy_timeout(Duration::from_secs(10)).map_err(open_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        db.execute_batch(SCHEMA).map_err(open_err)?;
        // Stores made before requests' pages were deleted at their end.
        let has_column = |name: &str| -> rusqlite::Result<bool> {
            db.prepare("SELECT 1 FROM pragma_table_info('requests') WHERE name = ?1")?
                .exists([name])
        };
        if !has_column("page_deleted_at").map_err(open_err)? {
            db.execute_batch("ALTER TABLE requests ADD COLUMN page_deleted_at TEXT;")
                .map_err(open_err)?;
        }
        Ok(Requests { db })
    }

    pub fn insert(&self, r: &UploadRequest) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO requests (id, name, sender_note, asked_by, profile, endpoint, bucket, folder,
                page_key, url, created_at, expires_at, max_size, accept, closed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL)",
            params![
                r.id,
                r.name,
                r.note,
                r.from,
                r.profile,
                r.endpoint,
                r.bucket,
                r.folder,
                r.page_key,
                r.url,
                r.created_at.to_rfc3339(),
                r.expires_at.to_rfc3339(),
                i64::try_from(r.max_size).unwrap_or(i64::MAX),
                serde_json::to_string(&r.accept).unwrap_or_else(|_| "[]".into()),
            ],
        )?;
        Ok(())
    }

    fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<UploadRequest> {
        let accept: String = row.get("accept")?;
        Ok(UploadRequest {
            id: row.get("id")?,
            name: row.get("name")?,
            note: row.get("sender_note")?,
            from: row.get("asked_by")?,
            profile: row.get("profile")?,
            endpoint: row.get("endpoint")?,
            bucket: row.get("bucket")?,
            folder: row.get("folder")?,
            page_key: row.get("page_key")?,
            url: row.get("url")?,
            created_at: time(row.get("created_at")?),
            expires_at: time(row.get("expires_at")?),
            max_size: u64::try_from(row.get::<_, i64>("max_size")?).unwrap_or(0),
            accept: serde_json::from_str(&accept).unwrap_or_default(),
            closed_at: row.get::<_, Option<String>>("closed_at")?.map(time),
            page_deleted_at: row.get::<_, Option<String>>("page_deleted_at")?.map(time),
            files: row.get::<_, i64>("files").map(|n| n as u64).unwrap_or(0),
            warnings: Vec::new(),
        })
    }

    const SELECT: &'static str = "SELECT r.*, (SELECT COUNT(*) FROM arrivals a
            WHERE a.request_id = r.id AND a.deleted = 0) AS files FROM requests r";

    /// Newest first.
    pub fn list(&self) -> Result<Vec<UploadRequest>, StoreError> {
        let mut stmt = self
            .db
            .prepare(&format!("{} ORDER BY r.created_at DESC", Self::SELECT))?;
        let rows = stmt.query_map([], Self::row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn get(&self, id: &str) -> Result<UploadRequest, StoreError> {
        self.db
            .query_row(
                &format!("{} WHERE r.id = ?1", Self::SELECT),
                [id],
                Self::row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound { id: id.to_owned() })
    }

    pub fn close(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE requests SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
            params![id, at.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The request's page left the bucket at its end (`at`).
    pub fn page_deleted(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE requests SET page_deleted_at = ?2 WHERE id = ?1 AND page_deleted_at IS NULL",
            params![id, at.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The ETag this key had when it was seen (`Some("")` when unknown); `None` if never seen.
    pub fn seen(&self, request_id: &str, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT coalesce(e_tag, '') FROM arrivals WHERE request_id = ?1 AND key = ?2",
                params![request_id, key],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Whether this key was refused (it came after a close) or its file deleted.
    pub fn refused_or_deleted(&self, request_id: &str, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT deleted FROM arrivals WHERE request_id = ?1 AND key = ?2",
                params![request_id, key],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .is_some_and(|d| d != 0))
    }

    /// Drops what was recorded of a key (its object was replaced since).
    pub fn forget_arrival(&self, request_id: &str, key: &str) -> Result<(), StoreError> {
        self.db.execute(
            "DELETE FROM arrivals WHERE request_id = ?1 AND key = ?2",
            params![request_id, key],
        )?;
        Ok(())
    }

    /// Records an arrival; `false` when it was known already (another LinkDrop saw it first).
    pub fn arrived(&self, a: &Arrival) -> Result<bool, StoreError> {
        let added = self.db.execute(
            "INSERT OR IGNORE INTO arrivals (request_id, key, name, size, content_type, received_at,
                sender, message, e_tag, deleted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)",
            params![
                a.request_id,
                a.key,
                a.name,
                i64::try_from(a.size).unwrap_or(i64::MAX),
                a.content_type,
                a.received_at.to_rfc3339(),
                a.sender,
                a.message,
                a.e_tag,
            ],
        )?;
        Ok(added == 1)
    }

    /// A key seen and deleted at once (it came after the request was closed): remembered, so that
    /// it is not taken for new again, and never listed.
    pub fn refused(&self, request_id: &str, key: &str) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT OR REPLACE INTO arrivals (request_id, key, name, size, received_at, deleted)
             VALUES (?1, ?2, '', 0, ?3, 1)",
            params![request_id, key, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    pub fn mark_deleted(&self, request_id: &str, key: &str) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE arrivals SET deleted = 1 WHERE request_id = ?1 AND key = ?2",
            params![request_id, key],
        )?;
        Ok(())
    }

    /// The files kept for a request, oldest first.
    pub fn files(&self, request_id: &str) -> Result<Vec<Arrival>, StoreError> {
        let mut stmt = self.db.prepare(
            "SELECT * FROM arrivals WHERE request_id = ?1 AND deleted = 0
             ORDER BY received_at, key",
        )?;
        let rows = stmt.query_map([request_id], |row| {
            Ok(Arrival {
                request_id: row.get("request_id")?,
                key: row.get("key")?,
                name: row.get("name")?,
                size: u64::try_from(row.get::<_, i64>("size")?).unwrap_or(0),
                content_type: row.get("content_type")?,
                received_at: time(row.get("received_at")?),
                sender: row.get("sender")?,
                message: row.get("message")?,
                e_tag: row.get("e_tag")?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
