//! The events the backend sends the webview, by name. The window's side reads the same names from
//! `ui/src/lib/bindings/events.ts`, which the bindings test generates from `ALL`.

/// Files to share, handed over by the tray or a second `linkdrop` (payload: `SharePaths`).
pub const SHARE_PATHS: &str = "share-paths";
/// A profile was added, changed or removed (no payload).
pub const PROFILES_CHANGED: &str = "profiles-changed";
/// The history changed (no payload).
pub const HISTORY_CHANGED: &str = "history-changed";
/// What is being shared now, for the drop target (payload: `Activity`).
pub const ACTIVITY: &str = "activity";

/// Each event as TypeScript names it, and its name on the wire (read by the bindings test).
#[cfg_attr(not(test), allow(dead_code))]
pub const ALL: [(&str, &str); 4] = [
    ("sharePaths", SHARE_PATHS),
    ("profilesChanged", PROFILES_CHANGED),
    ("historyChanged", HISTORY_CHANGED),
    ("activity", ACTIVITY),
];
