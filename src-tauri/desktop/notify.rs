//! Telling the user: the link goes to the clipboard, and a desktop notification says so (or says
//! what went wrong, when the window is not in sight).

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt;

use super::UiError;
use linkdrop::Context;
use linkdrop::links::Share;
use linkdrop::links::history::History;
use linkdrop::profiles::expiry::describe;

pub fn copy(app: &AppHandle, text: &str) -> Result<(), tauri_plugin_clipboard_manager::Error> {
    app.clipboard().write_text(text)
}

/// After a share: copy the link and notify; after a failure, notify only when the window is hidden
/// (the row in the window already says it otherwise). Cancelling is the user's own doing: no noise.
/// `name` is what the failure's notification says could not be shared.
pub fn announce(app: &AppHandle, name: &str, result: &Result<Share, UiError>) {
    let (summary, body) = match result {
        Ok(share) => {
            if let Err(e) = copy(app, &share.url) {
                tracing::warn!("cannot copy the link: {e}");
            }
            (
                copied_summary(share, chrono::Utc::now()),
                notification_body(share),
            )
        }
        Err(e) if e.code == linkdrop::error::ErrorCode::Cancelled || window_in_sight(app) => return,
        Err(e) => (format!("Could not share {name}"), e.message.clone()),
    };
    show(summary, body);
}

/// A link from the tray's recent links is in the clipboard; `reissued` when it had expired.
pub fn link_copied(
    name: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
    warnings: &[String],
    reissued: bool,
) {
    let left = summary_expiry(expires_at, chrono::Utc::now());
    let summary = if reissued {
        format!("Link re-issued and copied — expires in {left}")
    } else {
        format!("Link copied — expires in {left}")
    };
    let mut body = name.to_owned();
    for warning in warnings {
        body.push('\n');
        body.push_str(warning);
    }
    show(summary, body);
}

/// Something went wrong away from the window (the tray): a notification says what.
pub fn problem(summary: &str, detail: &str) {
    show(summary.to_owned(), detail.to_owned());
}

fn show(summary: String, body: String) {
    // The body is markup on most desktops, and file names and server messages go in it: shown
    // as text, never as markup or escape sequences (see `text`). The summary is plain text.
    let (summary, body) = (
        linkdrop::system::text::for_terminal(&summary).into_owned(),
        linkdrop::system::text::for_notification(&body),
    );
    // D-Bus round trips: keep them off the async runtime.
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("LinkDrop")
            .summary(&summary)
            .body(&body)
            .show();
        if let Err(e) = shown {
            tracing::warn!("cannot show a notification: {e}");
        }
    });
}

/// "1 hour", "10 minutes", "45 seconds": the time left, rounded to the minute above a minute.
fn summary_expiry(
    expires_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let secs = (expires_at - now).to_std().unwrap_or_default().as_secs();
    // "59 minutes 59 seconds" reads worse than "1 hour".
    let rounded = if secs >= 60 {
        (secs + 30) / 60 * 60
    } else {
        secs
    };
    describe(std::time::Duration::from_secs(rounded))
}

/// "Link copied — expires in 1 hour", with the real expiry (which temporary credentials may cut).
pub fn copied_summary(share: &Share, now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "Link copied — expires in {}",
        summary_expiry(share.expires_at, now)
    )
}

/// An upload request's link is in the clipboard.
pub fn request_link_copied(request: &linkdrop::requests::UploadRequest) {
    let mut body = format!("Upload link for {}", request.name);
    for warning in &request.warnings {
        body.push('\n');
        body.push_str(warning);
    }
    show(
        format!(
            "Upload link copied — open for {}",
            summary_expiry(request.expires_at, chrono::Utc::now())
        ),
        body,
    );
}

/// A file arrived for a request: "contract.pdf arrived for Invoices for March".
pub fn arrived(request: &linkdrop::requests::UploadRequest, arrival: &linkdrop::requests::Arrival) {
    let mut body = match &arrival.sender {
        Some(sender) => format!("from {sender}"),
        None => String::new(),
    };
    if let Some(message) = &arrival.message {
        if !body.is_empty() {
            body.push_str(": ");
        }
        body.push_str(message);
    }
    show(
        format!("{} arrived for {}", arrival.name, request.name),
        body,
    );
}

/// Tells every window the profiles changed, so pickers and the footer can reload them.
pub fn profiles_changed(app: &AppHandle) {
    if let Err(e) = app.emit(super::events::PROFILES_CHANGED, ()) {
        tracing::warn!("cannot tell the window the profiles changed: {e}");
    }
}

/// Tells every window the ledger changed, so a History view can refresh.
pub fn history_changed(app: &AppHandle) {
    if let Err(e) = app.emit(super::events::HISTORY_CHANGED, ()) {
        tracing::warn!("cannot tell the window the history changed: {e}");
    }
}

/// Tells the window when someone else changed the ledger — `linkdrop share` in a terminal, a
/// script — so that the History view shows it without a reload. Polls SQLite's data version: a
/// read of a counter, once a second, on a thread of its own.
pub fn watch_history(app: AppHandle, context: &Context) {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
    let path = linkdrop::links::history_path(&context.paths);
    let watch = move || {
        let (mut history, mut seen) = (None::<History>, None);
        loop {
            // Opened here, and again after an error: the ledger may not exist yet.
            if history.is_none() {
                history = History::open(&path).ok();
                seen = None; // versions of different connections do not compare
            }
            if let Some(h) = &history {
                match h.data_version() {
                    Ok(version) => {
                        // A change between the window's last read and the first version seen
                        // here would go unnoticed: the first version counts as a change too.
                        if seen != Some(version) {
                            tracing::debug!("the history may have changed elsewhere");
                            history_changed(&app);
                        }
                        seen = Some(version);
                    }
                    Err(e) => {
                        tracing::debug!("cannot watch the history: {e}");
                        history = None;
                    }
                }
            }
            std::thread::sleep(EVERY);
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("history-watch".into())
        .spawn(watch)
    {
        tracing::warn!("cannot watch the history for changes: {e}");
    }
}

fn notification_body(share: &Share) -> String {
    let mut body = share.name.clone();
    for warning in &share.warnings {
        body.push('\n');
        body.push_str(warning);
    }
    body
}

fn window_in_sight(app: &AppHandle) -> bool {
    app.get_webview_window("main")
        .is_some_and(|w| w.is_visible().unwrap_or(false) && !w.is_minimized().unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(
        expires_in_secs: i64,
        warnings: Vec<String>,
    ) -> (Share, chrono::DateTime<chrono::Utc>) {
        let now = chrono::Utc::now();
        let share = Share {
            id: "id".into(),
            url: "http://x".into(),
            expires_at: now + chrono::TimeDelta::seconds(expires_in_secs),
            name: "report.pdf".into(),
            size: 1,
            content_type: "application/pdf".into(),
            profile: "local".into(),
            bucket: "b".into(),
            key: "k".into(),
            e_tag: None,
            encrypted: false,
            deletes_at: None,
            warnings,
        };
        (share, now)
    }

    #[test]
    fn the_summary_says_the_real_expiry_in_words() {
        let (s, now) = share(3600, vec![]);
        assert_eq!(copied_summary(&s, now), "Link copied — expires in 1 hour");
        let (s, now) = share(3599, vec![]);
        assert_eq!(copied_summary(&s, now), "Link copied — expires in 1 hour");
        let (s, now) = share(600, vec!["the credentials expire in 10 minutes".into()]);
        assert_eq!(
            copied_summary(&s, now),
            "Link copied — expires in 10 minutes"
        );
        assert_eq!(
            notification_body(&s),
            "report.pdf\nthe credentials expire in 10 minutes"
        );
        let (s, now) = share(45, vec![]);
        assert_eq!(
            copied_summary(&s, now),
            "Link copied — expires in 45 seconds"
        );
    }
}
