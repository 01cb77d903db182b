//! The app's own preferences, beside the profiles in the config dir: the global shortcut for
//! "Share file…" (off by default) and whether the drop target window shows. Start-at-login lives
//! in the desktop's autostart folder, where the desktop looks for it, not here.

use serde::{Deserialize, Serialize};

use crate::system::paths::{Paths, write_atomically};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Like `Ctrl+Alt+L`; `None`: no shortcut.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_shortcut: Option<String>,
    /// The drop target window showed when LinkDrop last ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_target: bool,
    /// Files shared from the tray and the shortcut are encrypted, and the window starts with
    /// "Encrypt here first" checked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub encrypt_by_default: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    #[error("cannot read {path}: {detail}; fix or remove it")]
    Read { path: String, detail: String },
    #[error("cannot save {path}: {detail}")]
    Write { path: String, detail: String },
}

impl Preferences {
    fn path(paths: &Paths) -> std::path::PathBuf {
        paths.config_dir.join("preferences.toml")
    }

    /// The saved preferences, or the defaults before anything was saved.
    pub fn load(paths: &Paths) -> Result<Preferences, PreferencesError> {
        let path = Self::path(paths);
        let read = |detail: String| PreferencesError::Read {
            path: path.display().to_string(),
            detail,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| read(e.message().to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Preferences::default()),
            Err(e) => Err(read(e.to_string())),
        }
    }

    pub fn save(&self, paths: &Paths) -> Result<(), PreferencesError> {
        let path = Self::path(paths);
        let write = |detail: String| PreferencesError::Write {
            path: path.display().to_string(),
            detail,
        };
        let text = toml::to_string_pretty(self).map_err(|e| write(e.to_string()))?;
        write_atomically(&path, text.as_bytes()).map_err(|e| write(e.to_string()))
    }

    /// Loads, changes and saves the preferences; nothing is written when `change` changed nothing.
    pub fn update(
        paths: &Paths,
        change: impl FnOnce(&mut Preferences),
    ) -> Result<(), PreferencesError> {
        let mut prefs = Preferences::load(paths)?;
        let before = prefs.clone();
        change(&mut prefs);
        if prefs == before {
            return Ok(());
        }
        prefs.save(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_and_default_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        assert_eq!(Preferences::load(&paths).unwrap(), Preferences::default());
        let prefs = Preferences {
            share_shortcut: Some("Ctrl+Alt+L".into()),
            drop_target: true,
            encrypt_by_default: true,
        };
        prefs.save(&paths).unwrap();
        assert_eq!(Preferences::load(&paths).unwrap(), prefs);
        std::fs::write(
            dir.path().join("config/preferences.toml"),
            "share_shortcut = [",
        )
        .unwrap();
        let err = Preferences::load(&paths).unwrap_err().to_string();
        assert!(err.contains("preferences.toml"), "{err}");
    }

    #[test]
    fn an_update_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        Preferences::update(&paths, |p| p.drop_target = false).unwrap();
        assert!(!Preferences::path(&paths).exists());
        Preferences::update(&paths, |p| p.drop_target = true).unwrap();
        assert!(Preferences::load(&paths).unwrap().drop_target);
        Preferences::update(&paths, |p| p.share_shortcut = Some("Ctrl+Alt+L".into())).unwrap();
        let prefs = Preferences::load(&paths).unwrap();
        assert!(prefs.drop_target, "the other preference is kept");
        assert_eq!(prefs.share_shortcut.as_deref(), Some("Ctrl+Alt+L"));
    }
}
