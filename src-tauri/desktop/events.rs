//! The events the backend sends the webview, by name. The window's side reads the same names from
//! `ui/src/lib/bindings/events.ts`, which the bindings test generates from `ALL`.

/// Files to share, dropped or handed over by the tray or a second `linkdrop` (payload:
/// `HandedShare`).
pub const SHARE_PATHS: &str = "share-paths";
/// A profile was added, changed or removed (no payload).
pub const PROFILES_CHANGED: &str = "profiles-changed";
/// The history changed (no payload).
pub const HISTORY_CHANGED: &str = "history-changed";
/// What is being shared now, for the drop target (payload: `Activity`).
pub const ACTIVITY: &str = "activity";

/// Upload requests or their files changed: a request made or closed, a file arrived (no payload).
pub const REQUESTS_CHANGED: &str = "requests-changed";
/// The tray asks the window to open a view (payload: its name, `"requests"`).
pub const OPEN_VIEW: &str = "open-view";

/// Each event as TypeScript names it, and its name on the wire (read by the bindings test).
#[cfg_attr(not(test), allow(dead_code))]
pub const ALL: [(&str, &str); 6] = [
    ("sharePaths", SHARE_PATHS),
    ("profilesChanged", PROFILES_CHANGED),
    ("historyChanged", HISTORY_CHANGED),
    ("activity", ACTIVITY),
    ("requestsChanged", REQUESTS_CHANGED),
    ("openView", OPEN_VIEW),
];
