//! The commands the window calls. Each parses its arguments, calls one domain function and maps the
//! error; nothing else.

use linkdrop::error::{Coded, ErrorCode};
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tokio_util::sync::CancellationToken;

use super::handed::{FileId, HandedFile, HandedShare};
use super::{Desktop, UiError, notify};
use linkdrop::check::Report;
use linkdrop::credentials::AwsProfile;
use linkdrop::links::Share;
use linkdrop::links::history::{Counts, Filter, HistoryEntry, Query};
use linkdrop::profiles::expiry::Expiry;
use linkdrop::profiles::preferences::Preferences;
use linkdrop::profiles::providers::{PROVIDERS, Provider};
use linkdrop::settings::{self, ProfileForm, ProfileView, SecretChange, SettingsError};
use linkdrop::share::{self, ShareEvent};

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "AppInfo.ts")]
pub struct AppInfo {
    pub version: String,
    pub default_profile: Option<String>,
    pub data_dir: String,
    /// No link shared yet and no bucket connected: the window shows its welcome.
    pub new_user: bool,
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "ProfileList.ts")]
pub struct ProfileList {
    pub default: Option<String>,
    pub profiles: Vec<ProfileSummary>,
}

#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "ProfileSummary.ts")]
pub struct ProfileSummary {
    pub name: String,
    pub bucket: String,
    pub endpoint: Option<String>,
    pub default_expiry: Option<String>,
    /// Its shares are deleted from the bucket once their links expired, unless one says otherwise.
    pub delete_after_expiry: bool,
}

/// One file (or folder) to share. `upload_id` is chosen by the UI and names the share for
/// `cancel_share`; `expires` is a duration like `1h` or `2h30m`. `allow_secrets` once the user
/// said yes to sharing a file that looks like a secret; `include_hidden` for a folder's hidden
/// files.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(export_to = "ShareRequest.ts")]
pub struct ShareRequest {
    pub upload_id: String,
    /// A file handed to the window (`HandedFile.id`).
    pub file: FileId,
    /// Read (and checked) as it arrives: a lifetime the grammar refuses never reaches the command.
    #[ts(type = "string")]
    pub expires: Expiry,
    pub profile: Option<String>,
    #[serde(default)]
    pub allow_secrets: bool,
    #[serde(default)]
    pub include_hidden: bool,
    /// Delete it from the bucket once the link expired; `null`: as the profile says.
    #[serde(default)]
    pub delete_after_expiry: Option<bool>,
}

/// Several files (or one) behind one link to a share page; like `ShareRequest` otherwise.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(export_to = "PageRequest.ts")]
pub struct PageRequest {
    pub upload_id: String,
    pub files: Vec<FileId>,
    #[ts(type = "string")]
    pub expires: Expiry,
    pub profile: Option<String>,
    #[serde(default)]
    pub allow_secrets: bool,
    #[serde(default)]
    pub include_hidden: bool,
    /// Encrypted on this computer; the link carries the key after `#`.
    #[serde(default)]
    pub encrypt: bool,
    /// Delete the page and its files once the link expired; `null`: as the profile says.
    #[serde(default)]
    pub delete_after_expiry: Option<bool>,
}

async fn profile_book(desktop: &Desktop) -> Result<linkdrop::profiles::ProfileBook, UiError> {
    desktop
        .context
        .profiles()
        .await
        .map_err(|e| UiError::new(e.code(), e))
}

#[tauri::command]
pub async fn app_info(desktop: State<'_, Desktop>) -> Result<AppInfo, UiError> {
    let book = profile_book(&desktop).await?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        default_profile: book.pick(None).ok().map(|p| p.name.clone()),
        data_dir: desktop.context.paths.data_dir.display().to_string(),
        new_user: linkdrop::links::is_new_user(&desktop.context, &book),
    })
}

#[tauri::command]
pub async fn list_profiles(desktop: State<'_, Desktop>) -> Result<ProfileList, UiError> {
    let book = profile_book(&desktop).await?;
    Ok(ProfileList {
        default: book.pick(None).ok().map(|p| p.name.clone()),
        profiles: book
            .profiles
            .iter()
            .map(|p| ProfileSummary {
                name: p.name.clone(),
                bucket: p.bucket.clone(),
                endpoint: p.endpoint.clone(),
                default_expiry: p.default_expiry.map(|e| e.to_string()),
                delete_after_expiry: p.delete_after_expiry,
            })
            .collect(),
    })
}

/// A link lifetime as the backend reads it: the window checks what is typed through this, so the
/// grammar (`90`, `90s`, `1h30m`, `2 days`) is the command line's, written once.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "ExpiryCheck.ts")]
pub struct ExpiryCheck {
    pub secs: u64,
    /// As LinkDrop writes it back (`1h 30m`).
    pub text: String,
}

#[tauri::command]
pub fn parse_expiry(text: String) -> Result<ExpiryCheck, UiError> {
    let expiry: Expiry = text
        .parse()
        .map_err(|e: linkdrop::profiles::expiry::ExpiryError| {
            UiError::new(ErrorCode::Expiry, e.for_a_field())
        })?;
    Ok(ExpiryCheck {
        secs: expiry.as_secs(),
        text: expiry.to_string(),
    })
}

type OnEvent = Arc<dyn Fn(ShareEvent) + Send + Sync>;

/// What every share from the window takes around its one domain call: a turn among the shares in
/// flight, progress for the tray and the drop target, cancelling by `upload_id`, the window brought
/// forward to ask about a secret, the link announced (`name` says what failed otherwise).
async fn run_share<Fut>(
    app: &AppHandle,
    desktop: &Desktop,
    upload_id: &str,
    name: &str,
    on_event: Channel<ShareEvent>,
    share: impl FnOnce(OnEvent, CancellationToken) -> Fut,
) -> Result<Share, UiError>
where
    Fut: std::future::Future<Output = Result<Share, UiError>>,
{
    let cancel = desktop.register(upload_id);
    let result = async {
        let _turn = tokio::select! {
            permit = desktop.in_flight.acquire() => permit.map_err(|e| UiError::new(ErrorCode::Internal, e))?,
            () = cancel.cancelled() => return Err(UiError::new(ErrorCode::Cancelled, "cancelled")),
        };
        let (app, id) = (app.clone(), upload_id.to_owned());
        let on_event: OnEvent = Arc::new(move |event: ShareEvent| {
            let desktop = app.state::<Desktop>();
            match &event {
                ShareEvent::Preparing { size, .. } => desktop.progress(&id, 0, *size),
                ShareEvent::Progress { sent, total, .. } => desktop.progress(&id, *sent, *total),
            }
            let _ = on_event.send(event);
        });
        share(on_event, cancel.clone()).await
    }
    .await;
    desktop.forget(upload_id);
    // The window asks before a file that looks like a secret is shared: from the tray or a
    // hand-over it may be hidden, so it comes forward to ask.
    if matches!(&result, Err(e) if e.code == ErrorCode::LooksSecret) {
        super::show_main_window(app);
    }
    notify::announce(app, name, &result);
    notify::history_changed(app);
    result
}

fn handed_path(desktop: &Desktop, file: FileId) -> Result<PathBuf, UiError> {
    desktop
        .handed
        .path(file)
        .ok_or_else(|| UiError::new(ErrorCode::Internal, "no file was handed over by that id"))
}

/// Shares one path; the link is in the clipboard and announced by a notification when this returns.
#[tauri::command]
pub async fn share_file(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    request: ShareRequest,
    on_event: Channel<ShareEvent>,
) -> Result<Share, UiError> {
    let path = handed_path(&desktop, request.file)?;
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned();
    let options = share::ShareOptions {
        allow_secrets: request.allow_secrets,
        include_hidden: request.include_hidden,
        refuse_folders: false,
        delete_after_expiry: request.delete_after_expiry,
    };
    let context = &desktop.context;
    let (expires, profile) = (request.expires, request.profile.clone());
    run_share(
        &app,
        &desktop,
        &request.upload_id,
        &name,
        on_event,
        |on_event, cancel| async move {
            share::share_path(
                context,
                &path,
                Some(expires),
                profile.as_deref(),
                options,
                on_event,
                &cancel,
            )
            .await
            .map_err(UiError::from)
        },
    )
    .await
}

/// Shares files through one share page; the page's link is in the clipboard and announced when
/// this returns. Progress is over all the files.
#[tauri::command]
pub async fn share_page(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    request: PageRequest,
    on_event: Channel<ShareEvent>,
) -> Result<Share, UiError> {
    let paths = request
        .files
        .iter()
        .map(|id| handed_path(&desktop, *id))
        .collect::<Result<Vec<PathBuf>, _>>()?;
    let name = format!("{} files as a page", paths.len());
    let options = share::ShareOptions {
        allow_secrets: request.allow_secrets,
        include_hidden: request.include_hidden,
        refuse_folders: false,
        delete_after_expiry: request.delete_after_expiry,
    };
    let context = &desktop.context;
    let (expires, profile, encrypt) = (request.expires, request.profile.clone(), request.encrypt);
    run_share(
        &app,
        &desktop,
        &request.upload_id,
        &name,
        on_event,
        |on_event, cancel| async move {
            linkdrop::pages::share_paths(
                context,
                &paths,
                Some(expires),
                profile.as_deref(),
                options,
                encrypt,
                on_event,
                &cancel,
            )
            .await
            .map(|page| page.as_share())
            .map_err(UiError::from)
        },
    )
    .await
}

/// One page of the History view, and how many entries its search and filter give in all.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "HistoryPage.ts")]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    pub total: u64,
}

#[tauri::command]
pub async fn history_page(
    desktop: State<'_, Desktop>,
    search: Option<String>,
    filter: Filter,
    limit: u32,
    offset: u32,
) -> Result<HistoryPage, UiError> {
    let query = Query { search, filter };
    let now = chrono::Utc::now();
    let history = linkdrop::links::history(&desktop.context.paths).map_err(history_error)?;
    Ok(HistoryPage {
        entries: history
            .list(&query, now, limit, offset)
            .map_err(history_error)?,
        total: history.count(&query, now).map_err(history_error)?,
    })
}

/// How many entries each filter of the History view shows for a search.
#[tauri::command]
pub async fn history_counts(
    desktop: State<'_, Desktop>,
    search: Option<String>,
) -> Result<Counts, UiError> {
    linkdrop::links::history(&desktop.context.paths)
        .and_then(|h| h.counts(search.as_deref(), chrono::Utc::now()))
        .map_err(history_error)
}

fn history_error(e: linkdrop::links::history::HistoryError) -> UiError {
    UiError::new(ErrorCode::History, e)
}

#[tauri::command]
pub async fn reissue_link(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    expires: Expiry,
    announce: bool,
) -> Result<Share, UiError> {
    let result = linkdrop::pages::reissue(&desktop.context, &id, Some(expires))
        .await
        .map_err(UiError::from);
    // One link re-issued from its row goes to the clipboard like a fresh share; a bulk re-issue
    // would only leave the last one there, so the window reports those itself.
    if announce {
        let name = linkdrop::links::history(&desktop.context.paths)
            .and_then(|h| h.get(&id))
            .map_or(id.clone(), |entry| entry.name);
        notify::announce(&app, &name, &result);
    }
    notify::history_changed(&app);
    result
}

/// One page for entries in the history (a selection): their links re-issued for `expires`, the
/// page written beside them; its link goes to the clipboard like a fresh share's.
#[tauri::command]
pub async fn page_of_entries(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    ids: Vec<String>,
    expires: Expiry,
) -> Result<linkdrop::pages::PageShare, UiError> {
    let result = linkdrop::pages::page_of_entries(&desktop.context, &ids, Some(expires))
        .await
        .map_err(UiError::from);
    let announced = result
        .as_ref()
        .map(|page| page.as_share())
        .map_err(Clone::clone);
    notify::announce(&app, &format!("{} files", ids.len()), &announced);
    notify::history_changed(&app);
    result
}

/// Copies an entry's link: for an encrypted page with its key from the keychain, which the
/// history (and so the window's list) never holds.
#[tauri::command]
pub async fn copy_entry_link(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
) -> Result<(), UiError> {
    let link = linkdrop::pages::link_of(&desktop.context, &id)
        .await
        .map_err(UiError::from)?;
    notify::copy(&app, &link).map_err(|e| UiError::new(ErrorCode::Clipboard, e))
}

#[tauri::command]
pub fn page_files(desktop: State<'_, Desktop>, id: String) -> Result<Vec<HistoryEntry>, UiError> {
    linkdrop::pages::page_files(&desktop.context, &id).map_err(UiError::from)
}

/// What LinkDrop keeps in a profile's bucket (Settings → Storage).
#[tauri::command]
pub async fn storage_report(
    desktop: State<'_, Desktop>,
    profile: Option<String>,
) -> Result<linkdrop::tidy::StorageReport, UiError> {
    linkdrop::tidy::report(&desktop.context, profile.as_deref())
        .await
        .map_err(|e| UiError::new(e.code(), e))
}

/// The lifecycle rules LinkDrop would add to the bucket, exactly, and whether they are there.
#[tauri::command]
pub async fn lifecycle_plan(
    desktop: State<'_, Desktop>,
    profile: Option<String>,
) -> Result<linkdrop::tidy::lifecycle::LifecyclePlan, UiError> {
    linkdrop::tidy::lifecycle::plan(&desktop.context, profile.as_deref())
        .await
        .map_err(|e| UiError::new(e.code(), e))
}

/// Adds LinkDrop's lifecycle rules beside the bucket's own, once the user saw them and said yes.
#[tauri::command]
pub async fn install_lifecycle(
    desktop: State<'_, Desktop>,
    profile: Option<String>,
) -> Result<linkdrop::tidy::lifecycle::LifecyclePlan, UiError> {
    linkdrop::tidy::lifecycle::install(&desktop.context, profile.as_deref())
        .await
        .map_err(|e| UiError::new(e.code(), e))
}

/// One action of the storage view; the History follows what it changed.
#[tauri::command]
pub async fn tidy_storage(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    profile: Option<String>,
    action: linkdrop::tidy::TidyAction,
) -> Result<linkdrop::tidy::TidyOutcome, UiError> {
    let result = linkdrop::tidy::run(&desktop.context, profile.as_deref(), action)
        .await
        .map_err(|e| UiError::new(e.code(), e));
    notify::history_changed(&app);
    result
}

/// This computer's uploads cut short that no LinkDrop carries on (the Share view lists them).
#[tauri::command]
pub async fn cut_short_uploads(
    desktop: State<'_, Desktop>,
) -> Result<Vec<linkdrop::tidy::cut_short::CutShort>, UiError> {
    Ok(linkdrop::tidy::cut_short::list(&desktop.context).await)
}

/// Shares the file of an upload cut short again, which picks up its parts.
#[tauri::command]
pub fn resume_cut_short(app: AppHandle, upload_id: String) -> Result<(), UiError> {
    super::resume_upload(&app, &upload_id)
        .then_some(())
        .ok_or_else(|| {
            UiError::new(
                ErrorCode::FileChanged,
                "this upload cannot be resumed any more: its file changed or went away, or another LinkDrop took it up",
            )
        })
}

/// Throws away the parts of an upload cut short.
#[tauri::command]
pub async fn discard_cut_short(
    desktop: State<'_, Desktop>,
    upload_id: String,
) -> Result<(), UiError> {
    linkdrop::tidy::cut_short::discard(&desktop.context, &upload_id)
        .await
        .map_err(|e| UiError::new(e.code(), e))
}

#[tauri::command]
pub async fn revoke_link(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
) -> Result<HistoryEntry, UiError> {
    let result = linkdrop::pages::revoke(&desktop.context, &id)
        .await
        .map_err(UiError::from);
    notify::history_changed(&app);
    result
}

#[tauri::command]
pub async fn forget_link(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    delete_object: bool,
) -> Result<HistoryEntry, UiError> {
    let result = linkdrop::pages::forget(&desktop.context, &id, delete_object)
        .await
        .map_err(UiError::from);
    notify::history_changed(&app);
    result
}

#[tauri::command]
pub fn cancel_share(desktop: State<'_, Desktop>, upload_id: String) {
    desktop.cancel(&upload_id);
}

#[tauri::command]
pub fn copy_link(app: AppHandle, url: String) -> Result<(), UiError> {
    notify::copy(&app, &url).map_err(|e| UiError::new(ErrorCode::Clipboard, e))
}

fn settings_error(e: SettingsError) -> UiError {
    UiError::new(e.code(), e)
}

/// Every profile with its fields (no secret) for the Settings view.
#[tauri::command]
pub async fn settings_profiles(desktop: State<'_, Desktop>) -> Result<Vec<ProfileView>, UiError> {
    Ok(settings::list(&profile_book(&desktop).await?))
}

/// Saves a new profile (`original` null) or changes one; a typed secret goes to the keychain.
#[tauri::command]
pub async fn save_profile(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    original: Option<String>,
    form: ProfileForm,
    secret: SecretChange,
    make_default: bool,
) -> Result<ProfileView, UiError> {
    let saved = settings::save(
        &desktop.context,
        original.as_deref(),
        &form,
        secret,
        make_default,
    )
    .await
    .map_err(settings_error)?;
    notify::profiles_changed(&app);
    let book = profile_book(&desktop).await?;
    settings::list(&book)
        .into_iter()
        .find(|v| v.form.name == saved.name)
        .ok_or_else(|| UiError::new(ErrorCode::Profile, "the profile vanished while saving"))
}

#[tauri::command]
pub async fn remove_profile(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    name: String,
) -> Result<(), UiError> {
    settings::remove(&desktop.context, &name)
        .await
        .map_err(settings_error)?;
    notify::profiles_changed(&app);
    Ok(())
}

#[tauri::command]
pub async fn set_default_profile(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    name: String,
) -> Result<(), UiError> {
    settings::set_default(&desktop.context, &name)
        .await
        .map_err(settings_error)?;
    notify::profiles_changed(&app);
    Ok(())
}

/// The connection check of what the form describes, with the secret it holds; saves nothing.
#[tauri::command]
pub async fn check_profile(
    desktop: State<'_, Desktop>,
    original: Option<String>,
    form: ProfileForm,
    secret: SecretChange,
) -> Result<Report, UiError> {
    settings::check_form(&desktop.context, original.as_deref(), &form, secret)
        .await
        .map_err(settings_error)
}

#[tauri::command]
pub fn provider_presets() -> Vec<Provider> {
    PROVIDERS.to_vec()
}

/// Whether the endpoint being typed is plain HTTP to another computer (`profiles::insecure_endpoint`).
#[tauri::command]
pub fn endpoint_is_insecure(endpoint: Option<String>) -> bool {
    endpoint.is_some_and(|e| linkdrop::profiles::insecure_endpoint(&e))
}

/// The profiles of the user's AWS shared config, for "use my AWS profile".
#[tauri::command]
pub async fn aws_profiles() -> Vec<AwsProfile> {
    linkdrop::credentials::aws_profiles().await
}

/// The native file dialog; the chosen files, handed to the window (none when cancelled).
#[tauri::command]
pub async fn choose_files(app: AppHandle) -> Result<Vec<HandedFile>, UiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Share files with LinkDrop")
        .pick_files(move |chosen| {
            let _ = tx.send(chosen.unwrap_or_default());
        });
    let chosen = rx.await.unwrap_or_default();
    let paths: Vec<PathBuf> = chosen
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect();
    Ok(app.state::<Desktop>().handed.hand_all(&paths))
}

/// Files handed to the app before the window listened; from now on they come as `share-paths`.
#[tauri::command]
pub fn take_pending_shares(desktop: State<'_, Desktop>) -> Vec<HandedShare> {
    // The page is up and listening: what the start-up benchmark (benches/compare.rs) waits for.
    tracing::info!("the window is ready");
    desktop
        .ui_listening
        .store(true, std::sync::atomic::Ordering::SeqCst);
    std::mem::take(&mut *desktop.pending.lock().unwrap_or_else(|p| p.into_inner()))
        .iter()
        .map(|request| desktop.handed.share(request))
        .collect()
}

/// The desktop integration the Settings view shows: the global shortcut for "Share file…" and
/// whether LinkDrop starts at login. Both are off until the user turns them on.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "DesktopPrefs.ts")]
pub struct DesktopPrefs {
    pub share_shortcut: Option<String>,
    pub start_at_login: bool,
    /// The tray and the shortcut encrypt what they share; the window starts with Encrypt checked.
    pub encrypt_by_default: bool,
}

#[tauri::command]
pub fn desktop_prefs(app: AppHandle, desktop: State<'_, Desktop>) -> Result<DesktopPrefs, UiError> {
    use tauri_plugin_autostart::ManagerExt;
    let prefs = Preferences::load(&desktop.context.paths)
        .map_err(|e| UiError::new(ErrorCode::Preferences, e))?;
    Ok(DesktopPrefs {
        share_shortcut: prefs.share_shortcut,
        start_at_login: app.autolaunch().is_enabled().unwrap_or(false),
        encrypt_by_default: prefs.encrypt_by_default,
    })
}

#[tauri::command]
pub fn set_encrypt_by_default(desktop: State<'_, Desktop>, enabled: bool) -> Result<(), UiError> {
    let paths = &desktop.context.paths;
    let mut prefs =
        Preferences::load(paths).map_err(|e| UiError::new(ErrorCode::Preferences, e))?;
    prefs.encrypt_by_default = enabled;
    prefs
        .save(paths)
        .map_err(|e| UiError::new(ErrorCode::Preferences, e))
}

/// Sets (or with `null`, removes) the global shortcut for "Share file…"; saved only once it works.
#[tauri::command]
pub fn set_share_shortcut(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    shortcut: Option<String>,
) -> Result<(), UiError> {
    super::shortcut::set(&app, &desktop.context.paths, shortcut)
}

#[tauri::command]
pub fn set_start_at_login(app: AppHandle, enabled: bool) -> Result<(), UiError> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|e| {
        UiError::new(
            ErrorCode::Autostart,
            format!("cannot change start at login: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window reads lifetimes with the command line's grammar: what `linkdrop share
    /// --expires` takes, the window takes (a bare number of seconds, words for units), and
    /// refuses the same, in a form field's words.
    #[test]
    fn the_window_reads_lifetimes_as_the_command_line_does() {
        for (text, secs) in [
            ("90", 90),
            ("90s", 90),
            ("2h30m", 9000),
            ("2 days", 172_800),
            ("7d", 604_800),
        ] {
            let cli: Expiry = text.parse().unwrap();
            let window = parse_expiry(text.into()).unwrap();
            assert_eq!((window.secs, cli.as_secs()), (secs, secs), "{text}");
            assert_eq!(window.text, cli.to_string());
        }
        for (text, said) in [
            ("8d", "at most 7 days"),
            ("0s", "at least 1 second"),
            ("-1h", "at least 1 second"),
            ("soon", "a number with a unit"),
            ("", "Enter a duration"),
        ] {
            assert!(text.parse::<Expiry>().is_err(), "{text}");
            let refused = parse_expiry(text.into()).unwrap_err();
            assert_eq!(refused.code, ErrorCode::Expiry);
            assert!(
                refused.message.contains(said),
                "{text}: {}",
                refused.message
            );
        }
    }
}
