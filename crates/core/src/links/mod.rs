//! The links LinkDrop handed out: the ledger of every one (`history`), and what can be done to a
//! link afterwards (`actions`: re-issue, revoke, forget).
//!
//! May use: `error`, `system`, `profiles`, `context`, `local_store`, `storage`
//! (`tests/architecture.rs` holds it).

mod actions;
pub mod history;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use actions::{
    LedgerError, Unreachable, delete_expired, forget, is_new_user, lifecycle_cap, record, reissue,
    revoke, session_for,
};
use history::{History, HistoryError};

use crate::system::paths::Paths;

/// One shared file: what `share --json` prints, one object per file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export_to = "Share.ts")]
pub struct Share {
    pub id: String,
    pub url: String,
    /// RFC 3339, in UTC, whole seconds.
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub profile: String,
    pub bucket: String,
    pub key: String,
    pub e_tag: Option<String>,
    /// Encrypted on this computer before it left (its page holds the key's other half: the link's
    /// fragment).
    pub encrypted: bool,
    /// When LinkDrop deletes the object from the bucket: the link's expiry and a grace after it
    /// (`share --delete-after-expiry`); absent: it is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub deletes_at: Option<DateTime<Utc>>,
    pub warnings: Vec<String>,
}

/// The ledger's file in the data dir.
pub fn history_path(paths: &Paths) -> std::path::PathBuf {
    paths.data_dir.join("history.sqlite3")
}

pub fn history(paths: &Paths) -> Result<History, HistoryError> {
    History::open(&history_path(paths))
}
