//! Files handed to the app (dropped on a window, picked in a dialog, copied for the tray, passed by
//! a second `linkdrop`, or an upload to resume). The backend keeps each exact path and the window
//! gets an id and the name to show: a path crosses the bridge as JSON text, which cannot carry a
//! name that is not UTF-8 (allowed on Linux, and kept exactly by the upload journal), and the
//! window never needs more than a name to show and an id to give back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use linkdrop::profiles::expiry::Expiry;
use linkdrop_cli::handover::SharePaths;

/// How the window names a handed file in `share_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "FileId.ts", type = "number")]
pub struct FileId(u64);

/// One handed file as the window sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "HandedFile.ts")]
pub struct HandedFile {
    pub id: FileId,
    /// The file's own name, for the row (lossy only where the name is not UTF-8).
    pub name: String,
    /// The whole path, for a tooltip.
    pub shown_path: String,
}

/// Files to share that reached the app: what `share-paths` carries and `take_pending_shares`
/// returns. `expires` and `profile` are set when the sender chose them (the tray's default, a
/// `--expires` on the command line, a resumed upload's own); otherwise the window's choice holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "HandedShare.ts")]
pub struct HandedShare {
    pub files: Vec<HandedFile>,
    #[ts(type = "string | null")]
    pub expires: Option<Expiry>,
    pub profile: Option<String>,
    /// Encrypt them (`linkdrop share --encrypt`, the tray's saved default); `null`: the window's
    /// checkbox.
    pub encrypt: Option<bool>,
    /// One page for them (`linkdrop share --page`); `null`: the window's checkbox.
    pub page: Option<bool>,
}

/// Every path handed over while the app runs, by id. Ids stay valid until the app quits, so that
/// "share anyway" or "with hidden files" can repeat a share; a path is a few hundred bytes.
#[derive(Default)]
pub struct HandedFiles {
    paths: Mutex<HashMap<FileId, PathBuf>>,
}

impl HandedFiles {
    fn paths(&self) -> std::sync::MutexGuard<'_, HashMap<FileId, PathBuf>> {
        self.paths.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn hand(&self, path: &Path) -> HandedFile {
        let mut paths = self.paths();
        let id = FileId(paths.len() as u64 + 1);
        paths.insert(id, path.to_owned());
        HandedFile {
            id,
            name: path
                .file_name()
                .unwrap_or(path.as_os_str())
                .to_string_lossy()
                .into_owned(),
            shown_path: path.display().to_string(),
        }
    }

    pub fn hand_all(&self, paths: &[PathBuf]) -> Vec<HandedFile> {
        paths.iter().map(|p| self.hand(p)).collect()
    }

    pub fn share(&self, request: &SharePaths) -> HandedShare {
        HandedShare {
            files: self.hand_all(&request.paths),
            expires: request.expires,
            profile: request.profile.clone(),
            encrypt: request.encrypt,
            page: request.page,
        }
    }

    /// The exact path behind an id the window gives back; `None` for an id never handed out.
    pub fn path(&self, id: FileId) -> Option<PathBuf> {
        self.paths().get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_comes_back_exactly() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/caf\xe9 menu.pdf"));
        let handed = HandedFiles::default();
        let file = handed.hand(path);
        assert_eq!(file.name, "caf\u{fffd} menu.pdf");
        assert_eq!(handed.path(file.id).as_deref(), Some(path));
        assert_eq!(handed.path(FileId(999)), None);
    }

    #[test]
    fn each_handed_file_gets_its_own_id() {
        let handed = HandedFiles::default();
        let files = handed.hand_all(&[PathBuf::from("/a/x"), PathBuf::from("/a/x")]);
        assert_ne!(files[0].id, files[1].id);
        assert_eq!(files[0].name, "x");
    }
}
