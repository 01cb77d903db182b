//! Multipart uploads in progress, written down before their first part. An upload cut short (the
//! app killed, the server gone before it could be aborted) leaves parts in the bucket that are
//! billed and invisible; this is how LinkDrop finds its own again: the same file shared again
//! resumes where it stopped, and anything that cannot be resumed is aborted.
//!
//! Each entry is a row in `uploads.sqlite3` in the data dir; while an upload runs, its process
//! holds an exclusive lock on `uploads/<upload id>.lock`, so another LinkDrop (the window and a
//! terminal at once) never takes a live upload for an abandoned one. The OS releases the lock
//! when the process dies, however it dies.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// How long an abandoned upload waits to be resumed before it is aborted.
pub const KEEP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot open the list of unfinished uploads at {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error("the list of unfinished uploads could not be read or written: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a file looked like when its upload began: a resume needs the very same bytes. The device
/// and inode say which file it is: another file renamed over the path, with the same size and
/// time, is not the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified_ns: i64,
    /// Device and inode (0 where the system has no stable file identity).
    pub device: u64,
    pub inode: u64,
}

impl FileStamp {
    /// The file at `path` now.
    pub fn of(path: &Path) -> std::io::Result<FileStamp> {
        FileStamp::of_metadata(&std::fs::metadata(path)?)
    }

    /// An open file, whatever its path points at now.
    pub fn of_file(file: &std::fs::File) -> std::io::Result<FileStamp> {
        FileStamp::of_metadata(&file.metadata()?)
    }

    pub fn of_metadata(metadata: &std::fs::Metadata) -> std::io::Result<FileStamp> {
        let modified = metadata.modified()?;
        let modified_ns = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        #[cfg(unix)]
        let (device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (metadata.dev(), metadata.ino())
        };
        #[cfg(not(unix))]
        let (device, inode) = (0, 0);
        Ok(FileStamp {
            size: metadata.len(),
            modified_ns,
            device,
            inode,
        })
    }
}

/// One multipart upload that was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub upload_id: String,
    /// The share's id (in its object key, and its history entry once finished).
    pub share_id: String,
    pub profile: String,
    /// The server it was started on (the bucket's endpoint as users know it); empty for uploads
    /// written down before it was kept.
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    /// The file, byte for byte (a path need not be UTF-8).
    pub path: PathBuf,
    pub stamp: FileStamp,
    pub part_size: u64,
    /// The link lifetime asked for, in seconds, to sign the link with once it is finished.
    pub expiry_secs: u64,
    pub started_at: DateTime<Utc>,
    /// The upload could not be aborted (the server was gone): abort it, do not resume it.
    pub to_abort: bool,
}

/// The lock on a live upload; dropping it (or the process dying) releases it.
#[derive(Debug)]
pub struct Lease {
    _file: std::fs::File,
    pub upload_id: String,
}

pub struct Journal {
    db: Connection,
    locks: PathBuf,
}

const MIGRATIONS: &[&str] = &[
    "CREATE TABLE uploads (
        upload_id TEXT PRIMARY KEY,
        share_id TEXT NOT NULL,
        profile TEXT NOT NULL,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        path BLOB NOT NULL,
        size INTEGER NOT NULL,
        modified_ns INTEGER NOT NULL,
        part_size INTEGER NOT NULL,
        expiry_secs INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        to_abort INTEGER NOT NULL DEFAULT 0
    );",
    // Which file, not only which path: uploads written down before this are never resumed
    // (their 0s match no file) but aborted.
    "ALTER TABLE uploads ADD COLUMN device INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE uploads ADD COLUMN inode INTEGER NOT NULL DEFAULT 0;",
    // Which server: a profile edited to point elsewhere must not abort (or resume) its uploads
    // there, which would leave the parts on the first server for good.
    "ALTER TABLE uploads ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';",
];

impl Journal {
    /// The journal in `data_dir` (`uploads.sqlite3`, and the lock files in `uploads/`).
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        let path = data_dir.join("uploads.sqlite3");
        let open_err = |detail: String| JournalError::Open {
            path: path.clone(),
            detail,
        };
        let locks = data_dir.join("uploads");
        std::fs::create_dir_all(&locks).map_err(|e| open_err(e.to_string()))?;
        let mut db = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        db.busy_timeout(Duration::from_secs(10))
            .map_err(|e| open_err(e.to_string()))?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| open_err(e.to_string()))?;
        let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let applied: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, migration) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(applied).unwrap_or(0))
        {
            tx.execute_batch(migration)?;
            tx.pragma_update(None, "user_version", i64::try_from(i + 1).unwrap_or(0))?;
        }
        tx.commit()?;
        Ok(Journal { db, locks })
    }

    fn lock_path(&self, upload_id: &str) -> PathBuf {
        // Upload ids are opaque server strings: keep only what is safe in a file name.
        let safe: String = upload_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(120)
            .collect();
        self.locks.join(format!("{safe}.lock"))
    }

    /// Takes the lock of `upload_id`; `None` when a live process holds it.
    fn try_lease(&self, upload_id: &str) -> Result<Option<Lease>, JournalError> {
        let path = self.lock_path(upload_id);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| JournalError::Lock {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lease {
                _file: file,
                upload_id: upload_id.to_owned(),
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Lock { path, source }),
        }
    }

    /// Writes the upload down and locks it for this process: call before the first part.
    pub fn begin(&self, upload: &Unfinished) -> Result<Lease, JournalError> {
        let lease = self
            .try_lease(&upload.upload_id)?
            .ok_or_else(|| JournalError::Lock {
                path: self.lock_path(&upload.upload_id),
                source: std::io::Error::other("another process holds this upload"),
            })?;
        self.db.execute(
            "INSERT OR REPLACE INTO uploads (upload_id, profile, bucket, key, path, size,
                modified_ns, part_size, expiry_secs, started_at, to_abort, share_id, device, inode,
                endpoint)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                upload.upload_id,
                upload.profile,
                upload.bucket,
                upload.key,
                path_bytes(&upload.path),
                i64::try_from(upload.stamp.size).unwrap_or(i64::MAX),
                upload.stamp.modified_ns,
                i64::try_from(upload.part_size).unwrap_or(i64::MAX),
                i64::try_from(upload.expiry_secs).unwrap_or(i64::MAX),
                upload.started_at.to_rfc3339(),
                upload.to_abort,
                upload.share_id,
                sql_u64(upload.stamp.device),
                sql_u64(upload.stamp.inode),
                upload.endpoint,
            ],
        )?;
        Ok(lease)
    }

    /// The upload is over (finished, or aborted): forget it.
    pub fn finish(&self, lease: Lease) -> Result<(), JournalError> {
        self.db.execute(
            "DELETE FROM uploads WHERE upload_id = ?1",
            params![lease.upload_id],
        )?;
        let path = self.lock_path(&lease.upload_id);
        drop(lease);
        let _ = std::fs::remove_file(path);
        Ok(())
    }

    /// The upload failed and could not be aborted: abort it the next time the server answers.
    pub fn abort_later(&self, lease: &Lease) -> Result<(), JournalError> {
        self.db.execute(
            "UPDATE uploads SET to_abort = 1 WHERE upload_id = ?1",
            params![lease.upload_id],
        )?;
        Ok(())
    }

    /// Uploads of `profile` that no live process holds, locked now for the caller, oldest first.
    pub fn abandoned(&self, profile: &str) -> Result<Vec<(Unfinished, Lease)>, JournalError> {
        let mut found = Vec::new();
        for upload in self.all(Some(profile))? {
            if let Some(lease) = self.try_lease(&upload.upload_id)? {
                found.push((upload, lease));
            }
        }
        Ok(found)
    }

    /// Every upload written down (for `profile`, or all), oldest first.
    pub fn all(&self, profile: Option<&str>) -> Result<Vec<Unfinished>, JournalError> {
        let mut statement = self.db.prepare(
            "SELECT upload_id, profile, bucket, key, path, size, modified_ns, part_size,
                expiry_secs, started_at, to_abort, share_id, device, inode, endpoint
             FROM uploads WHERE ?1 IS NULL OR profile = ?1 ORDER BY started_at",
        )?;
        let rows = statement.query_map(params![profile], |row| {
            let started_at: String = row.get(9)?;
            Ok(Unfinished {
                upload_id: row.get(0)?,
                profile: row.get(1)?,
                bucket: row.get(2)?,
                key: row.get(3)?,
                path: path_from_bytes(row.get(4)?),
                stamp: FileStamp {
                    size: u64::try_from(row.get::<_, i64>(5)?).unwrap_or(0),
                    modified_ns: row.get(6)?,
                    device: row.get::<_, i64>(12)? as u64,
                    inode: row.get::<_, i64>(13)? as u64,
                },
                part_size: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
                expiry_secs: u64::try_from(row.get::<_, i64>(8)?).unwrap_or(0),
                started_at: DateTime::parse_from_rfc3339(&started_at)
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
                to_abort: row.get(10)?,
                share_id: row.get(11)?,
                endpoint: row.get(14)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The abandoned upload of exactly this file (same path, size and modification time), if any.
    pub fn resumable(
        &self,
        profile: &str,
        path: &Path,
        stamp: FileStamp,
    ) -> Result<Option<(Unfinished, Lease)>, JournalError> {
        let id: Option<String> = self
            .db
            .query_row(
                "SELECT upload_id FROM uploads WHERE profile = ?1 AND path = ?2 AND size = ?3
                    AND modified_ns = ?4 AND device = ?5 AND inode = ?6 AND to_abort = 0
                    ORDER BY started_at DESC LIMIT 1",
                params![
                    profile,
                    path_bytes(path),
                    i64::try_from(stamp.size).unwrap_or(i64::MAX),
                    stamp.modified_ns,
                    sql_u64(stamp.device),
                    sql_u64(stamp.inode),
                ],
                |row| row.get(0),
            )
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        let Some(lease) = self.try_lease(&id)? else {
            return Ok(None);
        };
        Ok(self
            .all(Some(profile))?
            .into_iter()
            .find(|u| u.upload_id == id)
            .map(|u| (u, lease)))
    }
}

/// What to do with an abandoned upload now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The same file is still there, unchanged: sharing it again resumes the upload.
    Resumable,
    /// Abort it: the file changed or went away, it waited too long, or it was meant to be aborted.
    Abort,
}

impl Unfinished {
    /// Whether this upload lives where `bucket` is: the same bucket on the same server (the data
    /// dir's one store wherever its port moved, for `local_store`). Uploads written down before
    /// the server was kept are taken to be there.
    pub fn lives_in(&self, bucket: &str, endpoint: &str, local_store: bool) -> bool {
        self.bucket == bucket
            && (local_store
                || self.endpoint.is_empty()
                || crate::storage::same_endpoint(Some(&self.endpoint), endpoint))
    }
}

pub fn fate(upload: &Unfinished, now: DateTime<Utc>) -> Fate {
    match why_not_resumable(upload, now) {
        None => Fate::Resumable,
        Some(_) => Fate::Abort,
    }
}

/// Why sharing the same file again would not pick this upload up, in words for a user; `None`
/// when it would.
pub fn why_not_resumable(upload: &Unfinished, now: DateTime<Utc>) -> Option<&'static str> {
    let waited = (now - upload.started_at).to_std().unwrap_or_default();
    if upload.to_abort {
        // Encrypted uploads (fresh nonces each time) and those whose abort failed.
        return Some("it cannot be resumed");
    }
    if waited > KEEP_FOR {
        return Some("it waited more than 7 days");
    }
    match FileStamp::of(&upload.path) {
        Ok(stamp) if stamp == upload.stamp => None,
        Ok(_) => Some("the file changed since"),
        Err(_) => Some("the file is gone"),
    }
}

/// Device and inode numbers use all 64 bits: stored bit for bit in SQLite's signed integers.
fn sql_u64(n: u64) -> i64 {
    n as i64
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(OsString::from(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(dir: &Path, id: &str) -> Unfinished {
        let path = dir.join("big.iso");
        std::fs::write(&path, b"some bytes").unwrap();
        Unfinished {
            upload_id: id.into(),
            share_id: format!("share-{id}"),
            profile: "local".into(),
            endpoint: "http://127.0.0.1:1".into(),
            bucket: "b".into(),
            key: format!("{id}/big.iso"),
            stamp: FileStamp::of(&path).unwrap(),
            path,
            part_size: 8 << 20,
            expiry_secs: 3600,
            started_at: Utc::now(),
            to_abort: false,
        }
    }

    #[test]
    fn a_live_upload_is_not_abandoned_and_a_released_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let u = upload(dir.path(), "upload-1");
        let lease = journal.begin(&u).unwrap();
        // Another LinkDrop looking at the journal while this one uploads.
        let other = Journal::open(dir.path()).unwrap();
        assert!(other.abandoned("local").unwrap().is_empty());
        assert!(
            other
                .resumable("local", &u.path, u.stamp)
                .unwrap()
                .is_none()
        );
        drop(lease); // the process died
        let found = other.abandoned("local").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, u);
        assert_eq!(fate(&found[0].0, Utc::now()), Fate::Resumable);
        drop(found);
        let (again, lease) = other.resumable("local", &u.path, u.stamp).unwrap().unwrap();
        assert_eq!(again.upload_id, "upload-1");
        other.finish(lease).unwrap();
        assert!(journal.all(None).unwrap().is_empty());
    }

    #[test]
    fn a_changed_file_an_old_upload_or_a_failed_abort_is_aborted() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let mut u = upload(dir.path(), "upload-2");
        assert_eq!(fate(&u, Utc::now()), Fate::Resumable);
        assert_eq!(why_not_resumable(&u, Utc::now()), None);
        u.started_at = Utc::now() - chrono::TimeDelta::days(8);
        assert_eq!(fate(&u, Utc::now()), Fate::Abort);
        assert_eq!(
            why_not_resumable(&u, Utc::now()),
            Some("it waited more than 7 days")
        );
        u.started_at = Utc::now();
        u.stamp.size += 1;
        assert_eq!(fate(&u, Utc::now()), Fate::Abort);
        assert_eq!(
            why_not_resumable(&u, Utc::now()),
            Some("the file changed since")
        );
        u.stamp.size -= 1;
        let lease = journal.begin(&u).unwrap();
        journal.abort_later(&lease).unwrap();
        drop(lease);
        let found = journal.abandoned("local").unwrap();
        assert!(found[0].0.to_abort);
        assert_eq!(fate(&found[0].0, Utc::now()), Fate::Abort);
        drop(found);
        assert!(
            journal
                .resumable("local", &u.path, u.stamp)
                .unwrap()
                .is_none(),
            "an upload to abort is never resumed"
        );
        std::fs::remove_file(&u.path).unwrap();
        let mut gone = u.clone();
        gone.to_abort = false;
        assert_eq!(fate(&gone, Utc::now()), Fate::Abort);
        assert_eq!(
            why_not_resumable(&gone, Utc::now()),
            Some("the file is gone")
        );
    }

    /// Another file of the same size and time renamed over the path is another file: its bytes
    /// must not complete the upload of the first.
    #[cfg(unix)]
    #[test]
    fn a_file_swapped_in_under_the_same_name_is_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let u = upload(dir.path(), "upload-4");
        drop(journal.begin(&u).unwrap());
        let other = dir.path().join("other.iso");
        std::fs::write(&other, b"other byte").unwrap();
        let modified = std::fs::metadata(&u.path).unwrap().modified().unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        std::fs::rename(&other, &u.path).unwrap();
        let now = FileStamp::of(&u.path).unwrap();
        assert_eq!(
            (now.size, now.modified_ns),
            (u.stamp.size, u.stamp.modified_ns)
        );
        assert_ne!(now, u.stamp, "the inode tells them apart");
        assert!(journal.resumable("local", &u.path, now).unwrap().is_none());
        assert_eq!(fate(&u, Utc::now()), Fate::Abort);
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_kept_byte_for_byte() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let mut u = upload(dir.path(), "upload-3");
        u.path = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.iso"));
        let lease = journal.begin(&u).unwrap();
        assert_eq!(journal.all(None).unwrap()[0].path, u.path);
        journal.finish(lease).unwrap();
    }

    #[test]
    fn an_upload_belongs_to_the_server_it_was_started_on() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let mut u = upload(dir.path(), "upload-4");
        u.endpoint = "https://S3.Example.com:443/".into();
        drop(journal.begin(&u).unwrap());
        let kept = journal.all(None).unwrap().remove(0);
        assert_eq!(kept.endpoint, u.endpoint, "the server is written down");
        assert!(kept.lives_in("b", "https://s3.example.com", false));
        assert!(
            !kept.lives_in("b", "https://other.example.com", false),
            "a profile pointed elsewhere does not reach it"
        );
        assert!(!kept.lives_in("other-bucket", "https://s3.example.com", false));
        assert!(
            kept.lives_in("b", "http://127.0.0.1:9999", true),
            "the local store is the data dir's, wherever its port moved"
        );
        let mut old = kept.clone();
        old.endpoint.clear();
        assert!(old.lives_in("b", "https://anywhere.example.com", false));
    }
}
