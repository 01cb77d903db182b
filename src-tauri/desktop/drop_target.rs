//! The drop target: a small always-on-top window to drop files on. Linux trays take no drops, so
//! this is how a file gets from the file manager to LinkDrop while the main window is hidden.
//! Dropped files are shared like files dropped on the main window (its expiry, its progress rows,
//! its notification). Toggled from the tray menu; whether it shows is remembered.

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

use super::{Desktop, notify};
use linkdrop::profiles::preferences::Preferences;

pub const LABEL: &str = "drop-target";
const SIZE: f64 = 176.0;
/// From the lower right corner of the screen, clear of most panels and docks.
const MARGIN: f64 = 64.0;

pub fn showing(app: &AppHandle) -> bool {
    app.get_webview_window(LABEL)
        .is_some_and(|w| w.is_visible().unwrap_or(false))
}

pub fn toggle(app: &AppHandle) {
    if showing(app) { hide(app) } else { show(app) }
}

/// Shows it at start when it showed when LinkDrop last ran.
pub fn restore(app: &AppHandle) {
    let desktop = app.state::<Desktop>();
    if Preferences::load(&desktop.context.paths).is_ok_and(|p| p.drop_target) {
        show(app);
    }
}

pub fn show(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.show();
    } else if let Err(e) = create(app) {
        return notify::problem("Could not open the drop target", &e.to_string());
    }
    remember(app, true);
}

pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(LABEL) {
        let _ = window.hide();
    }
    remember(app, false);
}

fn create(app: &AppHandle) -> tauri::Result<()> {
    let mut builder = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("drop.html".into()))
        .title("LinkDrop drop target")
        .inner_size(SIZE, SIZE)
        .resizable(false)
        .minimizable(false)
        .maximizable(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .visible_on_all_workspaces(true)
        .focused(false);
    if let Ok(Some(monitor)) = app.primary_monitor() {
        let scale = monitor.scale_factor();
        let size = monitor.size().to_logical::<f64>(scale);
        let origin = monitor.position().to_logical::<f64>(scale);
        builder = builder.position(
            origin.x + size.width - SIZE - MARGIN,
            origin.y + size.height - SIZE - MARGIN,
        );
    }
    builder.build().map(|_| ())
}

fn remember(app: &AppHandle, shown: bool) {
    let desktop = app.state::<Desktop>();
    let paths = &desktop.context.paths;
    if let Err(e) = Preferences::update(paths, |prefs| prefs.drop_target = shown) {
        tracing::warn!("cannot remember the drop target: {e}");
    }
}
