//! The tray icon and its menu: the model comes from `tray_menu` (tested without a display); this
//! turns it into a Tauri menu, keeps it current, and carries out the clicks.

use std::time::Duration;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

use super::{Desktop, drop_target, notify};
use linkdrop::links::history::Query;
use linkdrop::profiles::ProfileBook;
use linkdrop::profiles::expiry::Expiry;
use linkdrop_cli::handover::SharePaths;
pub mod menu;

use menu::{Action, Activity, Item};

pub const TRAY_ID: &str = "linkdrop";
/// How often the icon follows the uploads; the menu (clipboard, countdowns) every fourth time.
const TICK: Duration = Duration::from_millis(500);
const MENU_EVERY: u32 = 4;
/// How long Quit waits for cancelled uploads to abort their multipart uploads.
const QUIT_GRACE: Duration = Duration::from_secs(15);

/// The tray's own icon: sharper in a panel than the 32-pixel window icon.
fn idle_icon() -> Image<'static> {
    tauri::include_image!("icons/128x128.png")
}

/// Creates the tray icon; `false` when the desktop has no tray to put it in.
pub fn install(app: &AppHandle) -> bool {
    let items = menu::build(&state(app));
    let built = to_menu(app, &items).and_then(|menu| {
        TrayIconBuilder::with_id(TRAY_ID)
            .tooltip("LinkDrop")
            .icon(idle_icon())
            .menu(&menu)
            .show_menu_on_left_click(true)
            .on_menu_event(|app, event| on_click(app, event.id().as_ref()))
            .build(app)
    });
    if let Err(e) = built {
        tracing::warn!("no tray icon: {e}");
        return false;
    }
    let app = app.clone();
    let keep_current = move || {
        let mut shown = items;
        let mut drawn = Activity::default();
        for tick in 1u32.. {
            std::thread::sleep(TICK);
            let Some(tray) = app.tray_by_id(TRAY_ID) else {
                return;
            };
            let activity = app.state::<Desktop>().activity();
            if activity != drawn {
                // The badge is redrawn only when it looks different (in eighths).
                if activity.uploads == 0 {
                    let _ = tray.set_icon(Some(idle_icon()));
                } else if drawn.uploads == 0 || activity.eighths() != drawn.eighths() {
                    let _ = tray.set_icon(Some(busy_icon(activity.eighths())));
                }
                let _ = tray.set_title(activity.title().as_deref());
                let _ = app.emit_to(drop_target::LABEL, super::events::ACTIVITY, activity);
            }
            let started_or_ended = (activity.uploads == 0) != (drawn.uploads == 0);
            drawn = activity;
            if tick % MENU_EVERY != 0 && !started_or_ended {
                continue;
            }
            let items = menu::build(&state(&app));
            if items != shown {
                match to_menu(&app, &items) {
                    Ok(menu) => {
                        let _ = tray.set_menu(Some(menu));
                        shown = items;
                    }
                    Err(e) => tracing::warn!("cannot update the tray menu: {e}"),
                }
            }
        }
    };
    if let Err(e) = std::thread::Builder::new()
        .name("tray".into())
        .spawn(keep_current)
    {
        tracing::warn!("the tray menu will not update: {e}");
    }
    true
}

/// What the menu shows now.
fn state(app: &AppHandle) -> menu::State {
    let desktop = app.state::<Desktop>();
    let context = &desktop.context;
    let now = chrono::Utc::now();
    let recent = linkdrop::links::history(&context.paths)
        .and_then(|h| h.list(&Query::default(), now, menu::RECENT as u32, 0))
        .unwrap_or_default();
    let copied = app
        .clipboard()
        .read_text()
        .map(|text| linkdrop::capture::clipboard::copied_files(&text))
        .unwrap_or_default();
    menu::State {
        recent,
        copied,
        default_expiry: default_expiry(app),
        activity: desktop.activity(),
        drop_target: drop_target::showing(app),
        now,
    }
}

fn busy_icon(eighths: u8) -> Image<'static> {
    let idle = idle_icon();
    let rgba = menu::activity_icon(idle.rgba(), idle.width(), eighths);
    Image::new_owned(rgba, idle.width(), idle.height())
}

/// Brings the menu up to date now (after a click changed what it shows).
fn refresh_menu(app: &AppHandle) {
    let items = menu::build(&state(app));
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), to_menu(app, &items)) {
        let _ = tray.set_menu(Some(menu));
    }
}

/// The default profile's default link lifetime: what the tray shares with.
fn default_expiry(app: &AppHandle) -> Expiry {
    let desktop = app.state::<Desktop>();
    ProfileBook::load(&desktop.context.paths)
        .ok()
        .flatten()
        .and_then(|book| book.pick(None).ok().map(|p| p.expiry_or_default()))
        .unwrap_or(Expiry::ONE_HOUR)
}

fn to_menu(app: &AppHandle, items: &[Item]) -> tauri::Result<Menu<Wry>> {
    let built = items
        .iter()
        .map(|item| to_item(app, item))
        .collect::<tauri::Result<Vec<_>>>()?;
    let refs: Vec<&dyn IsMenuItem<Wry>> = built.iter().map(|b| b.as_ref()).collect();
    Menu::with_items(app, &refs)
}

fn to_item(app: &AppHandle, item: &Item) -> tauri::Result<Box<dyn IsMenuItem<Wry>>> {
    Ok(match item {
        Item::Action { id, label, enabled } => Box::new(MenuItem::with_id(
            app,
            id.as_str(),
            label,
            *enabled,
            None::<&str>,
        )?),
        Item::Check { id, label, checked } => Box::new(CheckMenuItem::with_id(
            app,
            id.as_str(),
            label,
            true,
            *checked,
            None::<&str>,
        )?),
        Item::Submenu {
            label,
            enabled,
            items,
        } => {
            let built = items
                .iter()
                .map(|i| to_item(app, i))
                .collect::<tauri::Result<Vec<_>>>()?;
            let refs: Vec<&dyn IsMenuItem<Wry>> = built.iter().map(|b| b.as_ref()).collect();
            Box::new(Submenu::with_items(app, label, *enabled, &refs)?)
        }
        Item::Separator => Box::new(PredefinedMenuItem::separator(app)?),
    })
}

fn on_click(app: &AppHandle, id: &str) {
    let Some(action) = Action::from_id(id) else {
        return;
    };
    match action {
        Action::ShareFile => choose_and_share(app),
        Action::ShareCopied => {
            let text = app.clipboard().read_text().unwrap_or_default();
            share(app, linkdrop::capture::clipboard::copied_files(&text));
        }
        Action::Recent(id) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { copy_recent(&app, &id).await });
        }
        Action::DropTarget => {
            drop_target::toggle(app);
            refresh_menu(app);
        }
        Action::DefaultExpiry(expiry) => set_default_expiry(app, expiry),
        Action::Open => super::show_main_window(app),
        Action::NewRequest => {
            // The window's Requests view, where the form is.
            super::show_main_window(app);
            if let Err(e) = app.emit(super::events::OPEN_VIEW, "requests") {
                tracing::warn!("cannot open the Requests view: {e}");
            }
        }
        Action::Quit => quit(app),
    }
}

/// Quits; with uploads running, asks first, then cancels them and waits (a little) until their
/// multipart uploads are aborted, so that nothing is left half-uploaded in the bucket.
pub fn quit(app: &AppHandle) {
    let running = app.state::<Desktop>().activity().uploads;
    if running == 0 {
        return app.exit(0);
    }
    let plural = if running == 1 { "" } else { "s" };
    let app = app.clone();
    app.clone()
        .dialog()
        .message(format!(
            "{running} upload{plural} still running. Quitting cancels {}; nothing half-uploaded is left in the bucket.",
            if running == 1 { "it" } else { "them" }
        ))
        .title("Quit LinkDrop?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Cancel uploads and quit".into(),
            "Keep uploading".into(),
        ))
        .show(move |quit| {
            if !quit {
                return;
            }
            let desktop = app.state::<Desktop>();
            tracing::info!("quitting: cancelling {running} upload(s)");
            desktop.cancel_all();
            let deadline = std::time::Instant::now() + QUIT_GRACE;
            while desktop.activity().uploads > 0 && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let left = desktop.activity().uploads;
            if left > 0 {
                tracing::warn!("quitting with {left} upload(s) still aborting");
            }
            tracing::info!("quitting");
            app.exit(0);
        });
}

/// "Share file…" (the tray, the global shortcut): the native file dialog, then a share of each
/// chosen file.
pub fn choose_and_share(app: &AppHandle) {
    let app = app.clone();
    app.clone()
        .dialog()
        .file()
        .set_title("Share files with LinkDrop")
        .pick_files(move |chosen| {
            let paths = chosen
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.into_path().ok())
                .collect();
            share(&app, paths);
        });
}

/// Shares with the default profile and its default expiry, through the window (which shows the
/// progress when open, and whose notification says when the link is copied).
fn share(app: &AppHandle, paths: Vec<std::path::PathBuf>) {
    if paths.is_empty() {
        return;
    }
    let expires = Some(default_expiry(app));
    // The tray's shares follow the saved default, not the window's checkbox of the moment.
    let encrypt =
        linkdrop::profiles::preferences::Preferences::load(&app.state::<Desktop>().context.paths)
            .map(|p| p.encrypt_by_default)
            .unwrap_or(false);
    super::deliver(
        app,
        SharePaths {
            paths,
            expires,
            encrypt: Some(encrypt),
            ..SharePaths::default()
        },
    );
}

/// Copies a recent link; an expired one is re-issued first (and the notification says so).
async fn copy_recent(app: &AppHandle, id: &str) {
    let desktop = app.state::<Desktop>();
    let entry = match linkdrop::links::history(&desktop.context.paths).and_then(|h| h.get(id)) {
        Ok(entry) => entry,
        Err(e) => return notify::problem("Could not copy the link", &e.to_string()),
    };
    if !entry.is_expired(chrono::Utc::now()) {
        if let Err(e) = notify::copy(app, &entry.url) {
            return notify::problem("Could not copy the link", &e.to_string());
        }
        return notify::link_copied(&entry.name, entry.expires_at, &[], false);
    }
    let expiry = default_expiry(app);
    match linkdrop::pages::reissue(&desktop.context, id, Some(expiry)).await {
        Ok(share) => {
            if let Err(e) = notify::copy(app, &share.url) {
                return notify::problem("Could not copy the link", &e.to_string());
            }
            notify::link_copied(&share.name, share.expires_at, &share.warnings, true);
        }
        Err(e) => notify::problem(
            &format!("Could not re-issue {}", entry.name),
            &e.to_string(),
        ),
    }
    notify::history_changed(app);
}

fn set_default_expiry(app: &AppHandle, expiry: Expiry) {
    let desktop = app.state::<Desktop>();
    let paths = &desktop.context.paths;
    let saved = ProfileBook::load(paths)
        .ok()
        .flatten()
        .ok_or_else(|| "no profiles yet".to_owned())
        .and_then(|mut book| {
            let name = book.pick(None).map_err(|e| e.to_string())?.name.clone();
            book.get_mut(&name)
                .map_err(|e| e.to_string())?
                .default_expiry = Some(expiry);
            book.save(paths).map_err(|e| e.to_string())
        });
    match saved {
        Ok(()) => notify::profiles_changed(app),
        Err(e) => notify::problem("Could not change the default expiry", &e),
    }
}
