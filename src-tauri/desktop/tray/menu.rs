//! What the tray shows, computed without a display: the menu's items, which are greyed out, the
//! labels of the recent links with their time left, and the icon while uploads run. The shell
//! turns this model into a Tauri menu and icon and maps clicks on item ids back to actions.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use linkdrop::links::history::{HistoryEntry, LinkState};
use linkdrop::profiles::expiry::{Expiry, describe};

/// How many recent links the menu lists.
pub const RECENT: usize = 5;

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
    NewRequest,
    DropTarget,
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
            Action::NewRequest => "new-request".into(),
            Action::DropTarget => "drop-target".into(),
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
            "new-request" => Action::NewRequest,
            "drop-target" => Action::DropTarget,
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
    /// Uploads running right now, and how far along.
    pub activity: Activity,
    /// The small always-on-top drop target window is showing.
    pub drop_target: bool,
    pub now: DateTime<Utc>,
}

/// The uploads running (or waiting their turn) and their bytes so far, summed, with the share
/// of them sent (`None` before any size is known), computed once by the domain's rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export_to = "Activity.ts")]
pub struct Activity {
    pub uploads: u32,
    pub sent: u64,
    pub total: u64,
    pub percent: Option<u8>,
}

impl Activity {
    pub fn new(uploads: u32, sent: u64, total: u64) -> Activity {
        let percent = linkdrop::storage::upload::Progress { sent, total }.percent();
        Activity {
            uploads,
            sent,
            total,
            percent,
        }
    }

    /// How much is sent, in eighths: what the tray icon draws, so that it changes a few times per
    /// upload rather than at every progress event. 0 before any size is known.
    pub fn eighths(&self) -> u8 {
        self.percent.map_or(0, |p| (u16::from(p) * 8 / 100) as u8)
    }

    /// The label beside the tray icon: "↑ 2 · 45%"; `None` when nothing runs.
    pub fn title(&self) -> Option<String> {
        if self.uploads == 0 {
            return None;
        }
        Some(match self.percent {
            Some(percent) => format!("↑ {} · {percent}%", self.uploads),
            None => format!("↑ {}", self.uploads),
        })
    }
}

/// The tray icon while uploads run: `rgba` (the idle icon, `size`×`size`) with a progress badge in
/// its lower right corner, a pie filled `eighths`/8 clockwise from twelve o'clock. Edges are
/// smoothed by sampling each pixel 4×4 times.
pub fn activity_icon(rgba: &[u8], size: u32, eighths: u8) -> Vec<u8> {
    const RING: [u8; 3] = [255, 255, 255];
    const TRACK: [u8; 3] = [30, 58, 138];
    const FILL: [u8; 3] = [74, 222, 128];
    let mut out = rgba.to_vec();
    let s = size as f64;
    let radius = s * 0.3;
    let (cx, cy) = (s - radius - s * 0.02, s - radius - s * 0.02);
    let ring = (s * 0.06).max(1.0);
    let filled = f64::from(eighths.min(8)) / 8.0;
    for y in 0..size {
        for x in 0..size {
            let mut cover = [0u32; 3]; // samples of ring, track and fill
            for sy in 0..4 {
                for sx in 0..4 {
                    let px = f64::from(x) + (f64::from(sx) + 0.5) / 4.0 - cx;
                    let py = f64::from(y) + (f64::from(sy) + 0.5) / 4.0 - cy;
                    let d = (px * px + py * py).sqrt();
                    if d > radius {
                        continue;
                    }
                    if d > radius - ring {
                        cover[0] += 1;
                        continue;
                    }
                    // Clockwise from twelve o'clock, in turns.
                    let turn = (px.atan2(-py) / std::f64::consts::TAU).rem_euclid(1.0);
                    cover[if turn < filled { 2 } else { 1 }] += 1;
                }
            }
            let samples: u32 = cover.iter().sum();
            if samples == 0 {
                continue;
            }
            let i = ((y * size + x) * 4) as usize;
            let Some(pixel) = out.get_mut(i..i + 4) else {
                continue;
            };
            let alpha = f64::from(samples) / 16.0;
            for c in 0..3 {
                let badge = (f64::from(RING[c]) * f64::from(cover[0])
                    + f64::from(TRACK[c]) * f64::from(cover[1])
                    + f64::from(FILL[c]) * f64::from(cover[2]))
                    / f64::from(samples);
                let under = f64::from(pixel[c]) * f64::from(pixel[3]) / 255.0;
                let base_alpha = f64::from(pixel[3]) / 255.0;
                let out_alpha = alpha + base_alpha * (1.0 - alpha);
                pixel[c] = ((badge * alpha + under * (1.0 - alpha)) / out_alpha.max(1e-9))
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
            let base_alpha = f64::from(pixel[3]) / 255.0;
            pixel[3] = ((alpha + base_alpha * (1.0 - alpha)) * 255.0).round() as u8;
        }
    }
    out
}

/// "report.pdf — 3 h 12 min left", "report.pdf — expired, click to re-issue", …
pub fn recent_label(entry: &HistoryEntry, now: DateTime<Utc>) -> String {
    let status = match entry.state {
        LinkState::Revoked => "revoked".to_owned(),
        LinkState::Missing => "file missing".to_owned(),
        LinkState::Deleted => "deleted after it expired".to_owned(),
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
    format!("{} — {status}", menu_text(&shorten(&entry.name, 40)))
}

/// A file name as a menu shows it, literally: menus read `&` as the mark of an access key (a
/// file "Tom & Jerry.mp4" would show "Tom Jerry.mp4" with the J underlined), so it is doubled,
/// and control characters are written as escapes.
fn menu_text(name: &str) -> String {
    linkdrop::system::text::for_terminal(name).replace('&', "&&")
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
    let expiry: Vec<Item> = linkdrop::profiles::expiry::PRESETS
        .iter()
        .filter_map(|(value, label, _)| {
            let e: Expiry = value.parse().ok()?;
            Some(Item::Check {
                id: Action::DefaultExpiry(e).id(),
                label: (*label).to_owned(),
                checked: e == state.default_expiry,
            })
        })
        .collect();
    let mut items = vec![];
    let uploads = state.activity.uploads;
    if uploads > 0 {
        let plural = if uploads == 1 { "" } else { "s" };
        let label = match state.activity.percent {
            Some(percent) => format!("Uploading {uploads} file{plural}… {percent}%"),
            None => format!("Uploading {uploads} file{plural}…"),
        };
        items.push(Item::Action {
            id: "uploading".into(),
            label,
            enabled: false,
        });
        items.push(Item::Separator);
    }
    items.extend([
        action(Action::ShareFile, "Share file…", true),
        action(Action::ShareCopied, &copied_label, !state.copied.is_empty()),
        action(Action::NewRequest, "Request files…", true),
        Item::Check {
            id: Action::DropTarget.id(),
            label: "Drop target".into(),
            checked: state.drop_target,
        },
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
            expiring_soon_at: linkdrop::links::history::expiring_soon_at(
                now,
                now + TimeDelta::seconds(left_secs),
            ),
            state,
            issued: 1,
            kind: Default::default(),
            page_id: None,
            encrypted: false,
            deletes_at: None,
        }
    }

    fn state(recent: Vec<HistoryEntry>, copied: Vec<PathBuf>) -> State {
        State {
            recent,
            copied,
            default_expiry: Expiry::ONE_HOUR,
            activity: Activity::default(),
            drop_target: false,
            now: Utc::now(),
        }
    }

    #[test]
    fn file_names_in_the_menu_are_shown_literally() {
        let e = entry(
            "tom",
            "Tom & Jerry\u{1b}[2J.mp4",
            3600 + 30,
            LinkState::Active,
        );
        assert_eq!(
            recent_label(&e, Utc::now()),
            "Tom && Jerry\\x1b[2J.mp4 — 1 hour left"
        );
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
            Action::NewRequest,
            Action::DropTarget,
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
    fn uploads_show_at_the_top_with_their_progress() {
        let mut s = state(vec![], vec![]);
        s.activity = Activity::new(2, 0, 0);
        assert_eq!(
            build(&s)[0],
            Item::Action {
                id: "uploading".into(),
                label: "Uploading 2 files…".into(),
                enabled: false
            }
        );
        s.activity = Activity::new(1, 450, 1000);
        assert!(
            matches!(&build(&s)[0], Item::Action { label, .. } if label == "Uploading 1 file… 45%")
        );
        assert_eq!(s.activity.title().as_deref(), Some("↑ 1 · 45%"));
        assert_eq!(s.activity.eighths(), 3);
        assert_eq!(Activity::default().title(), None);
        assert!(!matches!(
            &build(&state(vec![], vec![]))[0],
            Item::Action { id, .. } if id == "uploading"
        ));
    }

    #[test]
    fn the_drop_target_item_is_checked_while_it_shows() {
        let mut s = state(vec![], vec![]);
        let checked = |s: &State| match find(&build(s), "Drop target") {
            Item::Check { checked, id, .. } => {
                assert_eq!(Action::from_id(id), Some(Action::DropTarget));
                *checked
            }
            other => panic!("{other:?}"),
        };
        assert!(!checked(&s));
        s.drop_target = true;
        assert!(checked(&s));
    }

    /// The badge's pixel at (x, y) of a `size` icon.
    fn pixel(icon: &[u8], size: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * size + x) * 4) as usize;
        icon[i..i + 4].try_into().unwrap()
    }

    #[test]
    fn the_activity_icon_draws_progress_in_the_corner_and_leaves_the_rest() {
        let size = 64;
        let idle: Vec<u8> = (0..size * size).flat_map(|_| [10, 20, 30, 255]).collect();
        let none = activity_icon(&idle, size, 0);
        let half = activity_icon(&idle, size, 4);
        let full = activity_icon(&idle, size, 8);
        // Top left: the icon itself, untouched.
        assert_eq!(pixel(&half, size, 2, 2), [10, 20, 30, 255]);
        // The badge's centre is 0.3 of the size from the corner; sample left and right of it.
        let (cx, cy) = (size - 21, size - 21);
        let right = (cx + 8, cy + 2);
        let left = (cx - 8, cy + 2);
        // Half done: the right half (clockwise from twelve) is filled, the left is not.
        assert_eq!(pixel(&half, size, right.0, right.1), [74, 222, 128, 255]);
        assert_eq!(pixel(&half, size, left.0, left.1), [30, 58, 138, 255]);
        assert_eq!(pixel(&none, size, right.0, right.1), [30, 58, 138, 255]);
        assert_eq!(pixel(&full, size, left.0, left.1), [74, 222, 128, 255]);
        assert_ne!(none, half);
        assert_ne!(half, full);
        // Drawn on a transparent icon, the badge is opaque where it covers.
        let clear = vec![0u8; (size * size * 4) as usize];
        assert_eq!(
            pixel(&activity_icon(&clear, size, 8), size, right.0, right.1)[3],
            255
        );
        assert_eq!(pixel(&activity_icon(&clear, size, 8), size, 1, 1)[3], 0);
    }
}
