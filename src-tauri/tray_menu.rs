//! What the tray menu shows, computed without a display: the items, which are greyed out, and the
//! labels of the recent links with their time left. The shell turns this model into a Tauri menu
//! and maps clicks on item ids back to actions.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::expiry::{Expiry, describe};
use crate::history::{HistoryEntry, LinkState};

/// How many recent links the menu lists.
pub const RECENT: usize = 5;

/// The expiry presets the "Default expiry" submenu offers, as the window's picker does.
pub const EXPIRY_PRESETS: [(&str, &str); 4] = [
    ("15m", "15 minutes"),
    ("1h", "1 hour"),
    ("1d", "1 day"),
    ("7d", "7 days"),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Action {
        id: String,
        label: String,
        enabled: bool,
    },
    Check {
        id: String,
        label: String,
        checked: bool,
    },
    Submenu {
        label: String,
        enabled: bool,
        items: Vec<Item>,
    },
    Separator,
}

/// What a click on a menu item asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    ShareFile,
    ShareCopied,
    Recent(String),
    DefaultExpiry(Expiry),
    Open,
    Quit,
}

impl Action {
    pub fn id(&self) -> String {
        match self {
            Action::ShareFile => "share-file".into(),
            Action::ShareCopied => "share-copied".into(),
            Action::Recent(id) => format!("recent:{id}"),
            Action::DefaultExpiry(e) => format!("expiry:{e}"),
            Action::Open => "open".into(),
            Action::Quit => "quit".into(),
        }
    }

    /// The action of a menu item's id; `None` for ids this model did not make.
    pub fn from_id(id: &str) -> Option<Action> {
        Some(match id {
            "share-file" => Action::ShareFile,
            "share-copied" => Action::ShareCopied,
            "open" => Action::Open,
            "quit" => Action::Quit,
            _ => {
                if let Some(entry) = id.strip_prefix("recent:") {
                    Action::Recent(entry.to_owned())
                } else {
                    Action::DefaultExpiry(id.strip_prefix("expiry:")?.parse().ok()?)
                }
            }
        })
    }
}

/// Everything the menu depends on.
#[derive(Debug, Clone)]
pub struct State {
    /// Newest first; only the first `RECENT` are shown.
    pub recent: Vec<HistoryEntry>,
    /// Files on the clipboard, as `copied_files` found them.
    pub copied: Vec<PathBuf>,
    /// The default profile's default expiry.
    pub default_expiry: Expiry,
    /// Uploads running right now.
    pub uploading: usize,
    pub now: DateTime<Utc>,
}

/// "report.pdf — 3 h 12 min left", "report.pdf — expired, click to re-issue", …
pub fn recent_label(entry: &HistoryEntry, now: DateTime<Utc>) -> String {
    let status = match entry.state {
        LinkState::Revoked => "revoked".to_owned(),
        LinkState::Missing => "file missing".to_owned(),
        LinkState::Active if entry.expires_at <= now => "expired, click to re-issue".to_owned(),
        LinkState::Active => {
            let left = (entry.expires_at - now).to_std().unwrap_or_default();
            // Minutes are enough in a menu that is not redrawn every second.
            let left = if left.as_secs() >= 60 {
                std::time::Duration::from_secs(left.as_secs() / 60 * 60)
            } else {
                left
            };
            format!("{} left", describe(left))
        }
    };
    format!("{} — {status}", shorten(&entry.name, 40))
}

fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let keep: String = name.chars().take(max - 1).collect();
    format!("{keep}…")
}

pub fn build(state: &State) -> Vec<Item> {
    let action = |a: Action, label: &str, enabled: bool| Item::Action {
        id: a.id(),
        label: label.to_owned(),
        enabled,
    };
    let copied_label = match state.copied.len() {
        0 => "Share copied file".to_owned(),
        1 => format!(
            "Share copied file ({})",
            state.copied[0]
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        n => format!("Share {n} copied files"),
    };
    let recent: Vec<Item> = state
        .recent
        .iter()
        .take(RECENT)
        .map(|e| Item::Action {
            id: Action::Recent(e.id.clone()).id(),
            label: recent_label(e, state.now),
            enabled: e.state == LinkState::Active,
        })
        .collect();
    let expiry: Vec<Item> = EXPIRY_PRESETS
        .iter()
        .filter_map(|(value, label)| {
            let e: Expiry = value.parse().ok()?;
            Some(Item::Check {
                id: Action::DefaultExpiry(e).id(),
                label: (*label).to_owned(),
                checked: e == state.default_expiry,
            })
        })
        .collect();
    let mut items = vec![];
    if state.uploading > 0 {
        items.push(Item::Action {
            id: "uploading".into(),
            label: format!(
                "Uploading {} file{}…",
                state.uploading,
                if state.uploading == 1 { "" } else { "s" }
            ),
            enabled: false,
        });
        items.push(Item::Separator);
    }
    items.extend([
        action(Action::ShareFile, "Share file…", true),
        action(Action::ShareCopied, &copied_label, !state.copied.is_empty()),
        Item::Submenu {
            label: "Recent links".into(),
            enabled: !recent.is_empty(),
            items: recent,
        },
        Item::Submenu {
            label: "Default expiry".into(),
            enabled: true,
            items: expiry,
        },
        Item::Separator,
        action(Action::Open, "Open LinkDrop", true),
        action(Action::Quit, "Quit", true),
    ]);
    items
}

/// The files named by clipboard text: one path or `file://` URI per line (file managers copy a
/// list of URIs, GNOME's prefixed with `copy` or `cut`). Only existing regular files count.
pub fn copied_files(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "copy" && *l != "cut" && !l.starts_with('#'))
        .filter_map(|line| {
            if line.starts_with("file://") {
                url::Url::parse(line).ok()?.to_file_path().ok()
            } else if line.starts_with('/') {
                Some(PathBuf::from(line))
            } else {
                None
            }
        })
        .filter(|p| p.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn entry(id: &str, name: &str, left_secs: i64, state: LinkState) -> HistoryEntry {
        let now = Utc::now();
        HistoryEntry {
            id: id.into(),
            profile: "local".into(),
            endpoint: "e".into(),
            bucket: "b".into(),
            key: format!("{id}/{name}"),
            version_id: None,
            e_tag: None,
            name: name.into(),
            size: 1,
            content_type: "text/plain".into(),
            created_at: now,
            url: "http://x".into(),
            expires_at: now + TimeDelta::seconds(left_secs),
            issued_at: now,
            state,
            issued: 1,
        }
    }

    fn state(recent: Vec<HistoryEntry>, copied: Vec<PathBuf>) -> State {
        State {
            recent,
            copied,
            default_expiry: Expiry::ONE_HOUR,
            uploading: 0,
            now: Utc::now(),
        }
    }

    fn find<'a>(items: &'a [Item], label: &str) -> &'a Item {
        items
            .iter()
            .find(|i| match i {
                Item::Action { label: l, .. }
                | Item::Check { label: l, .. }
                | Item::Submenu { label: l, .. } => l.starts_with(label),
                Item::Separator => false,
            })
            .unwrap_or_else(|| panic!("no {label} in {items:?}"))
    }

    #[test]
    fn share_copied_file_is_greyed_without_files_on_the_clipboard() {
        let items = build(&state(vec![], vec![]));
        assert!(matches!(
            find(&items, "Share copied file"),
            Item::Action { enabled: false, .. }
        ));
        assert!(matches!(
            find(&items, "Recent links"),
            Item::Submenu { enabled: false, .. }
        ));
        let items = build(&state(
            vec![],
            vec!["/tmp/a.txt".into(), "/tmp/b.txt".into()],
        ));
        assert!(matches!(
            find(&items, "Share 2 copied files"),
            Item::Action { enabled: true, .. }
        ));
    }

    #[test]
    fn recent_links_show_the_last_five_with_their_time_left() {
        let mut recent: Vec<_> = (0..7)
            .map(|i| {
                entry(
                    &format!("e{i}"),
                    &format!("f{i}.txt"),
                    3 * 3600 + 12 * 60 + 30,
                    LinkState::Active,
                )
            })
            .collect();
        recent[1] = entry("old", "old.txt", -60, LinkState::Active);
        recent[2] = entry("rev", "gone.txt", 3600, LinkState::Revoked);
        let items = build(&state(recent, vec![]));
        let Item::Submenu {
            items: links,
            enabled,
            ..
        } = find(&items, "Recent links")
        else {
            panic!()
        };
        assert!(enabled);
        let labels: Vec<_> = links
            .iter()
            .map(|i| match i {
                Item::Action { label, enabled, .. } => (label.as_str(), *enabled),
                _ => panic!(),
            })
            .collect();
        assert_eq!(labels.len(), RECENT);
        assert_eq!(labels[0], ("f0.txt — 3 hours 12 minutes left", true));
        assert_eq!(labels[1], ("old.txt — expired, click to re-issue", true));
        assert_eq!(labels[2], ("gone.txt — revoked", false));
        assert_eq!(
            Action::from_id(&Action::Recent("e0".into()).id()),
            Some(Action::Recent("e0".into()))
        );
    }

    #[test]
    fn the_default_expiry_is_checked_and_ids_round_trip() {
        let items = build(&state(vec![], vec![]));
        let Item::Submenu { items: presets, .. } = find(&items, "Default expiry") else {
            panic!()
        };
        let checked: Vec<_> = presets
            .iter()
            .filter_map(|i| match i {
                Item::Check {
                    label,
                    checked: true,
                    ..
                } => Some(label.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(checked, ["1 hour"]);
        for a in [
            Action::ShareFile,
            Action::ShareCopied,
            Action::DefaultExpiry("7d".parse().unwrap()),
            Action::Open,
            Action::Quit,
        ] {
            assert_eq!(Action::from_id(&a.id()), Some(a));
        }
        assert_eq!(Action::from_id("expiry:9d"), None);
        assert_eq!(Action::from_id("nonsense"), None);
    }

    #[test]
    fn uploads_show_at_the_top() {
        let mut s = state(vec![], vec![]);
        s.uploading = 2;
        let items = build(&s);
        assert_eq!(
            items[0],
            Item::Action {
                id: "uploading".into(),
                label: "Uploading 2 files…".into(),
                enabled: false
            }
        );
    }

    #[test]
    fn copied_files_come_from_paths_and_file_uris() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a file.txt");
        std::fs::write(&a, "a").unwrap();
        let b = dir.path().join("b.txt");
        std::fs::write(&b, "b").unwrap();
        let uri = url::Url::from_file_path(&a).unwrap();
        let text = format!(
            "copy\n{uri}\n{}\n/nonexistent/file\nhello world\n{}\n",
            b.display(),
            dir.path().display()
        );
        assert_eq!(copied_files(&text), vec![a, b]);
        assert!(copied_files("just some text").is_empty());
    }
}
