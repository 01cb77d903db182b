//! The Tauri shell: the window, the commands the UI calls, clipboard and notifications. Thin glue
//! over the domain modules; this is the only module that imports `tauri`.

mod commands;
mod drop_target;
mod events;
mod handed;
mod notify;
mod requests;
mod shortcut;
mod tray;

use linkdrop::error::{Coded, ErrorCode};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use tokio_util::sync::CancellationToken;

use linkdrop::Context;
use linkdrop::credentials::Keychain;
use linkdrop::system::paths::Paths;
use linkdrop_cli::args::WindowArgs;
use linkdrop_cli::handover::{Request, SharePaths};
use tray::menu::Activity;

/// Files shared at once from the window; the rest wait their turn.
const SHARES_IN_FLIGHT: usize = 3;

/// The only error the UI sees: a stable code to branch on and a message to show.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "UiError.ts")]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
}

impl UiError {
    fn new(code: ErrorCode, err: impl std::fmt::Display) -> Self {
        UiError {
            code,
            message: err.to_string(),
        }
    }
}

impl From<linkdrop::links::LedgerError> for UiError {
    fn from(e: linkdrop::links::LedgerError) -> Self {
        UiError::new(e.code(), &e)
    }
}

impl From<linkdrop::pages::PageError> for UiError {
    fn from(e: linkdrop::pages::PageError) -> Self {
        UiError::new(e.code(), &e)
    }
}

impl From<linkdrop::share::ShareError> for UiError {
    fn from(e: linkdrop::share::ShareError) -> Self {
        UiError::new(e.code(), &e)
    }
}

/// What the window keeps while it runs.
pub struct Desktop {
    context: Context,
    in_flight: tokio::sync::Semaphore,
    /// Each running share, by the upload id the UI gave it: how to cancel it, how far it got.
    uploads: Mutex<HashMap<String, Upload>>,
    /// Files handed over (tray, a second `linkdrop`) before the window listened for them.
    pending: Mutex<Vec<SharePaths>>,
    /// Every file handed to the window, by the id the window knows it by.
    handed: handed::HandedFiles,
    /// The window has taken its pending files and listens for `share-paths`.
    ui_listening: AtomicBool,
    /// Closing the window hides it in the tray (only when there is a tray to come back from).
    keep_in_tray: AtomicBool,
    /// Wakes the watch on upload requests (a request was made: look soon).
    watch: std::sync::Arc<tokio::sync::Notify>,
}

struct Upload {
    cancel: CancellationToken,
    sent: u64,
    total: u64,
}

impl Desktop {
    fn uploads(&self) -> std::sync::MutexGuard<'_, HashMap<String, Upload>> {
        self.uploads.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self, upload_id: &str) -> CancellationToken {
        let cancel = CancellationToken::new();
        let upload = Upload {
            cancel: cancel.clone(),
            sent: 0,
            total: 0,
        };
        self.uploads().insert(upload_id.to_owned(), upload);
        cancel
    }

    fn progress(&self, upload_id: &str, sent: u64, total: u64) {
        if let Some(upload) = self.uploads().get_mut(upload_id) {
            upload.sent = sent;
            upload.total = total;
        }
    }

    fn forget(&self, upload_id: &str) {
        self.uploads().remove(upload_id);
    }

    /// Shares running (or waiting their turn) from the window, and their bytes so far.
    fn activity(&self) -> Activity {
        let uploads = self.uploads();
        Activity::new(
            uploads.len() as u32,
            uploads.values().map(|u| u.sent).sum(),
            uploads.values().map(|u| u.total).sum(),
        )
    }

    fn cancel(&self, upload_id: &str) {
        if let Some(upload) = self.uploads().get(upload_id) {
            upload.cancel.cancel();
        }
    }

    fn cancel_all(&self) {
        for upload in self.uploads().values() {
            upload.cancel.cancel();
        }
    }
}

/// Gives files to the window to share, as if dropped on it: it shows their progress (hidden or
/// not) and its notification says when each link is copied.
fn deliver(app: &AppHandle, request: SharePaths) {
    let desktop = app.state::<Desktop>();
    if desktop.ui_listening.load(Ordering::SeqCst) {
        if let Err(e) = app.emit(events::SHARE_PATHS, desktop.handed.share(&request)) {
            tracing::warn!("cannot give the files to the window: {e}");
        }
    } else {
        desktop
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request);
    }
}

fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// How often the running app looks for expired links to delete (a link shared for deletion goes
/// within this of its expiry and grace).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Deletes what asked to be deleted once its link expired, and the pages of ended upload
/// requests: at start (what came due while the app was not running) and then every
/// `SWEEP_EVERY` while it runs. The window's History and Requests follow.
fn sweep_expired(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let context = app.state::<Desktop>().context.clone();
        loop {
            let swept = linkdrop::pages::sweep(&context, chrono::Utc::now()).await;
            if !swept.deleted.is_empty() {
                notify::history_changed(&app);
            }
            // Ended upload requests' pages go too (their files stay).
            let retired = linkdrop::requests::retire_ended(&context, chrono::Utc::now()).await;
            if retired.iter().any(|(_, done)| done.is_ok()) {
                requests::changed(&app);
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    });
}

/// Uploads cut short when LinkDrop last ran (killed, or the computer went down) are shared again
/// in the window, which resumes them where they stopped; those that cannot be resumed are
/// aborted as soon as their server answers.
fn resume_cut_short(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let context = app.state::<Desktop>().context.clone();
        linkdrop::storage::session::clean_up_abandoned_everywhere(
            &context.paths,
            &context.keychain,
        )
        .await;
        for unfinished in linkdrop::storage::session::resumable_uploads(&context.paths) {
            tracing::info!(path = %unfinished.path.display(), "resuming an upload cut short");
            resume(&app, unfinished);
        }
    });
}

/// Shares the file of the upload cut short `upload_id` again, which picks up its parts; false
/// when it cannot be resumed (any more).
fn resume_upload(app: &AppHandle, upload_id: &str) -> bool {
    let paths = &app.state::<Desktop>().context.paths;
    let found = linkdrop::storage::session::resumable_uploads(paths)
        .into_iter()
        .find(|u| u.upload_id == upload_id);
    match found {
        Some(unfinished) => {
            resume(app, unfinished);
            true
        }
        None => false,
    }
}

fn resume(app: &AppHandle, unfinished: linkdrop::storage::journal::Unfinished) {
    let expires = linkdrop::profiles::expiry::Expiry::from_secs(unfinished.expiry_secs).ok();
    deliver(
        app,
        // A plain upload (an encrypted one is never resumed), on no page.
        SharePaths {
            paths: vec![unfinished.path],
            expires,
            profile: Some(unfinished.profile),
            encrypt: Some(false),
            page: Some(false),
        },
    );
}

/// Files handed over with nothing said about encryption ("Open with", `linkdrop FILE`) follow the
/// saved default, as the tray's do: decided here, before the window may have read it.
fn with_default_encryption(paths: &Paths, mut request: SharePaths) -> SharePaths {
    if request.encrypt.is_none() {
        request.encrypt = Some(
            linkdrop::profiles::preferences::Preferences::load(paths)
                .is_ok_and(|p| p.encrypt_by_default),
        );
    }
    request
}

/// What a second `linkdrop` asked for (see `handover::request`), carried out by the running app.
fn carry_out(app: &AppHandle, request: Request) {
    match request {
        Request::Share(paths) => {
            show_main_window(app);
            let paths = with_default_encryption(&app.state::<Desktop>().context.paths, paths);
            deliver(app, paths);
        }
        Request::ChooseFiles => tray::choose_and_share(app),
        Request::Show => show_main_window(app),
        Request::Nothing => {}
    }
}

/// Opens the window; `window.files` (from "Open with LinkDrop") are shared in it. When LinkDrop
/// already runs, the single-instance plugin hands this process's arguments to it and exits.
pub fn run(window: WindowArgs) -> ExitCode {
    let paths = match Paths::open() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("linkdrop: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Archives of folders a killed LinkDrop left behind.
    linkdrop::share::archive::remove_leftovers(&paths.temp_dir());
    // Copies of arrived files opened last time (see `requests::open_arrival`).
    let _ = std::fs::remove_dir_all(paths.temp_dir().join("arrivals"));
    let first = linkdrop_cli::handover::request(
        &std::env::args_os().collect::<Vec<_>>(),
        &std::env::current_dir().unwrap_or_default(),
    );
    let pending = match &first {
        Request::Share(request) => vec![with_default_encryption(&paths, request.clone())],
        _ => vec![],
    };
    let desktop = Desktop {
        context: Context {
            paths,
            keychain: Keychain::from_env(),
        },
        in_flight: tokio::sync::Semaphore::new(SHARES_IN_FLIGHT),
        uploads: Mutex::default(),
        handed: handed::HandedFiles::default(),
        pending: Mutex::new(pending),
        ui_listening: AtomicBool::new(false),
        keep_in_tray: AtomicBool::new(false),
        watch: std::sync::Arc::default(),
    };
    let hidden = window.hidden;
    let built = tauri::Builder::default()
        // First, so that a second start hands over before anything else is set up.
        .plugin(tauri_plugin_single_instance::init(|app, argv, cwd| {
            let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
            carry_out(app, linkdrop_cli::handover::request(&argv, Path::new(&cwd)));
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        // Used from Rust only (an arrived file opened in its application): the page gets no
        // permission of it.
        .plugin(tauri_plugin_opener::init())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("LinkDrop")
                .arg("--hidden")
                .build(),
        )
        .plugin(
            tauri_plugin_global_shortcut::Builder::new()
                .with_handler(|app, _shortcut, event| {
                    if event.state == tauri_plugin_global_shortcut::ShortcutState::Pressed {
                        tray::choose_and_share(app);
                    }
                })
                .build(),
        )
        .setup(move |app| {
            let handle = app.handle().clone();
            notify::watch_history(handle.clone(), &app.state::<Desktop>().context);
            requests::watch(handle.clone());
            let tray = tray::install(&handle);
            app.state::<Desktop>()
                .keep_in_tray
                .store(tray, Ordering::SeqCst);
            shortcut::register_saved(&handle);
            // Started at login: straight to the tray, when there is one to come back from.
            if hidden
                && tray
                && let Some(window) = handle.get_webview_window("main")
            {
                let _ = window.hide();
            }
            if tray {
                drop_target::restore(&handle);
            }
            if first == Request::ChooseFiles {
                tray::choose_and_share(&handle);
            }
            resume_cut_short(&handle);
            sweep_expired(&handle);
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // With a tray, closing the window keeps LinkDrop running there: uploads go on and
            // report by notification. "Quit" in the tray menu ends it.
            tauri::WindowEvent::CloseRequested { api, .. }
                if window.label() == "main"
                    && window
                        .state::<Desktop>()
                        .keep_in_tray
                        .load(Ordering::SeqCst) =>
            {
                api.prevent_close();
                tracing::debug!("the window closes to the tray");
                let _ = window.hide();
            }
            // Without a tray, closing the window quits: with uploads running, ask first.
            tauri::WindowEvent::CloseRequested { api, .. }
                if window.label() == "main" && window.state::<Desktop>().activity().uploads > 0 =>
            {
                api.prevent_close();
                tray::quit(window.app_handle());
            }
            tauri::WindowEvent::CloseRequested { api, .. }
                if window.label() == drop_target::LABEL =>
            {
                api.prevent_close();
                drop_target::hide(window.app_handle());
            }
            // Drops are taken here, where the paths are exact, and handed to the window (which
            // only follows the drag in the page, to light up).
            tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. })
                if window.label() == drop_target::LABEL || window.label() == "main" =>
            {
                deliver(
                    window.app_handle(),
                    SharePaths {
                        paths: paths.clone(),
                        ..SharePaths::default()
                    },
                );
            }
            _ => {}
        })
        .manage(desktop)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_profiles,
            commands::share_file,
            commands::share_page,
            commands::choose_files,
            commands::endpoint_is_insecure,
            requests::create_request,
            requests::list_requests,
            requests::refresh_requests,
            requests::close_request,
            requests::delete_arrival,
            requests::save_arrivals,
            requests::open_arrival,
            requests::share_arrival,
            commands::cancel_share,
            commands::copy_link,
            commands::history_page,
            commands::history_counts,
            commands::reissue_link,
            commands::page_of_entries,
            commands::copy_entry_link,
            commands::page_files,
            commands::storage_report,
            commands::tidy_storage,
            commands::cut_short_uploads,
            commands::resume_cut_short,
            commands::discard_cut_short,
            commands::lifecycle_plan,
            commands::install_lifecycle,
            commands::set_encrypt_by_default,
            commands::revoke_link,
            commands::forget_link,
            commands::settings_profiles,
            commands::save_profile,
            commands::remove_profile,
            commands::set_default_profile,
            commands::check_profile,
            commands::provider_presets,
            commands::parse_expiry,
            commands::aws_profiles,
            commands::take_pending_shares,
            commands::desktop_prefs,
            commands::set_share_shortcut,
            commands::set_start_at_login,
        ])
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(e) => {
            eprintln!("linkdrop: cannot open the window: {e}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        // Leaving any other way than Quit (the last window closed without a tray, a signal to
        // the event loop) while uploads run: ask first, as Quit does, so nothing is left behind.
        if let tauri::RunEvent::ExitRequested {
            api, code: None, ..
        } = event
            && app.state::<Desktop>().activity().uploads > 0
        {
            api.prevent_exit();
            tray::quit(app);
        }
    });
    ExitCode::SUCCESS
}

#[cfg(test)]
mod bindings {
    //! The TypeScript types of the commands' arguments, results, events and errors are generated
    //! from these Rust types and committed in `ui/src/lib/bindings/`. This test fails when they
    //! drift; `LINKDROP_UPDATE_BINDINGS=1 cargo test -p linkdrop-desktop --lib bindings` rewrites them.

    use std::path::Path;

    use ts_rs::TS;

    fn check<T: TS + 'static>(stale: &mut Vec<String>) {
        let config = ts_rs::Config::new().with_large_int("number");
        let expected = T::export_to_string(&config).unwrap();
        let name = T::output_path().unwrap();
        check_file(&name.display().to_string(), &expected, stale);
    }

    /// Compares `ui/src/lib/bindings/NAME` with what it should hold (or writes it, when asked).
    fn check_file(name: &str, expected: &str, stale: &mut Vec<String>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ui/src/lib/bindings")
            .join(name);
        if std::env::var_os("LINKDROP_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected) {
            stale.push(name.to_owned());
        }
    }

    /// The lifetimes offered as one click, from `profiles::expiry::PRESETS` (a constant, which
    /// ts-rs does not export): the window's list is this generated file.
    fn check_presets(stale: &mut Vec<String>) {
        let entries: Vec<String> = linkdrop::profiles::expiry::PRESETS
            .iter()
            .map(|(value, label, short)| {
                format!("  {{ value: '{value}', label: '{label}', short: '{short}' }},\n")
            })
            .collect();
        let expected = format!(
            "// Generated from profiles::expiry::PRESETS by the bindings test. Do not edit this file manually.\n\n\
             /** The lifetimes offered as one click: value, label, and the label where room is short. */\n\
             export const EXPIRY_PRESETS = [\n{}] as const;\n",
            entries.concat()
        );
        check_file("expiryPresets.ts", &expected, stale);
    }

    /// The events' names, from `events::ALL`.
    fn check_events(stale: &mut Vec<String>) {
        let entries: Vec<String> = super::events::ALL
            .iter()
            .map(|(ts, wire)| format!("  {ts}: '{wire}',\n"))
            .collect();
        let expected = format!(
            "// Generated from desktop/events.rs by the bindings test. Do not edit this file manually.\n\n\
             /** The events the backend sends, by name. */\n\
             export const EVENTS = {{\n{}}} as const;\n",
            entries.concat()
        );
        check_file("events.ts", &expected, stale);
    }

    #[test]
    fn typescript_bindings_match_the_rust_types() {
        let mut stale = Vec::new();
        check::<linkdrop::links::Share>(&mut stale);
        check::<linkdrop::share::ShareEvent>(&mut stale);
        check::<super::UiError>(&mut stale);
        check::<linkdrop::error::ErrorCode>(&mut stale);
        check::<super::commands::ShareRequest>(&mut stale);
        check::<super::commands::PageRequest>(&mut stale);
        check::<linkdrop::pages::PageShare>(&mut stale);
        check::<linkdrop::pages::PageFile>(&mut stale);
        check::<linkdrop::tidy::StorageReport>(&mut stale);
        check::<linkdrop::tidy::cut_short::CutShort>(&mut stale);
        check::<linkdrop::tidy::Tally>(&mut stale);
        check::<linkdrop::tidy::StrayObject>(&mut stale);
        check::<linkdrop::tidy::UnfinishedUpload>(&mut stale);
        check::<linkdrop::tidy::TidyAction>(&mut stale);
        check::<linkdrop::tidy::TidyOutcome>(&mut stale);
        check::<linkdrop::tidy::lifecycle::LifecyclePlan>(&mut stale);
        check::<linkdrop::links::history::EntryKind>(&mut stale);
        check::<super::commands::AppInfo>(&mut stale);
        check::<super::commands::ExpiryCheck>(&mut stale);
        check::<super::commands::ProfileList>(&mut stale);
        check::<super::commands::ProfileSummary>(&mut stale);
        check::<linkdrop::links::history::HistoryEntry>(&mut stale);
        check::<linkdrop::links::history::LinkState>(&mut stale);
        check::<linkdrop::links::history::Filter>(&mut stale);
        check::<linkdrop::links::history::Counts>(&mut stale);
        check::<super::commands::HistoryPage>(&mut stale);
        check::<linkdrop::check::Report>(&mut stale);
        check::<linkdrop::check::Step>(&mut stale);
        check::<linkdrop::check::StepId>(&mut stale);
        check::<linkdrop::check::Outcome>(&mut stale);
        check::<linkdrop::settings::ProfileForm>(&mut stale);
        check::<linkdrop::settings::ProfileView>(&mut stale);
        check::<linkdrop::settings::SecretChange>(&mut stale);
        check::<linkdrop::profiles::providers::Provider>(&mut stale);
        check::<linkdrop::credentials::AwsProfile>(&mut stale);
        check::<super::commands::DesktopPrefs>(&mut stale);
        check::<crate::desktop::tray::menu::Activity>(&mut stale);
        check::<super::handed::FileId>(&mut stale);
        check::<super::handed::HandedFile>(&mut stale);
        check::<super::handed::HandedShare>(&mut stale);
        check::<linkdrop::settings::CredentialChoice>(&mut stale);
        check::<linkdrop::requests::UploadRequest>(&mut stale);
        check::<linkdrop::requests::RequestState>(&mut stale);
        check::<linkdrop::requests::Arrival>(&mut stale);
        check::<super::requests::RequestForm>(&mut stale);
        check::<super::requests::RequestView>(&mut stale);
        check_presets(&mut stale);
        check_events(&mut stale);
        assert!(
            stale.is_empty(),
            "ui/src/lib/bindings is out of date for {stale:?}: run `LINKDROP_UPDATE_BINDINGS=1 cargo test -p linkdrop-desktop --lib bindings`"
        );
    }
}
