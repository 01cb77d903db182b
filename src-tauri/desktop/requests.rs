//! Upload requests in the window: the commands of its Requests view, and the watch that lists each
//! open request's folder while the app runs and says when a file arrives. Thin glue over
//! `linkdrop::requests`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, State};

use linkdrop::error::Coded;
use linkdrop::links::Share;
use linkdrop::profiles::expiry::Expiry;
use linkdrop::requests::{self, Arrival, RequestError, RequestSpec, RequestState, UploadRequest};

use super::{Desktop, UiError, events, notify};

impl From<RequestError> for UiError {
    fn from(e: RequestError) -> Self {
        UiError::new(e.code(), &e)
    }
}

/// What the New request form sends. Sizes and types are text as typed ("100M", "image/*, …"),
/// read by the domain's grammar, whose message says what is wrong with them.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[ts(export_to = "RequestForm.ts")]
pub struct RequestForm {
    pub name: String,
    pub from: Option<String>,
    pub note: Option<String>,
    #[ts(type = "string")]
    pub expires: Expiry,
    pub max_size: String,
    pub accept: String,
    pub profile: Option<String>,
}

/// A request with its state and its files, for the Requests view.
#[derive(Debug, Serialize, ts_rs::TS)]
#[ts(export_to = "RequestView.ts")]
pub struct RequestView {
    pub request: UploadRequest,
    pub state: RequestState,
    pub max_size_text: String,
    pub accept_text: Option<String>,
    pub arrivals: Vec<Arrival>,
}

pub(super) fn changed(app: &AppHandle) {
    if let Err(e) = app.emit(events::REQUESTS_CHANGED, ()) {
        tracing::warn!("cannot tell the window the requests changed: {e}");
    }
}

/// Makes a request; its link goes to the clipboard and a notification says so, like a share's.
#[tauri::command]
pub async fn create_request(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    form: RequestForm,
) -> Result<UploadRequest, UiError> {
    let spec = RequestSpec {
        name: form.name,
        from: form.from,
        note: form.note,
        expiry: Some(form.expires),
        max_size: requests::parse_size(&form.max_size)?,
        accept: requests::parse_accept(&form.accept)?,
        // The window never: a server that takes forged forms gets the explanation instead.
        allow_forgeable_server: false,
    };
    let request = requests::create(&desktop.context, &spec, form.profile.as_deref()).await?;
    if let Err(e) = notify::copy(&app, &request.url) {
        tracing::warn!("cannot copy the link: {e}");
    }
    notify::request_link_copied(&request);
    changed(&app);
    desktop.watch.notify_one();
    Ok(request)
}

/// Every request, newest first, with what arrived (as last seen: `refresh_requests` looks again).
#[tauri::command]
pub fn list_requests(desktop: State<'_, Desktop>) -> Result<Vec<RequestView>, UiError> {
    let store = requests::requests(&desktop.context.paths).map_err(RequestError::from)?;
    let now = chrono::Utc::now();
    let all = store.list().map_err(RequestError::from)?;
    all.into_iter()
        .map(|request| {
            let arrivals = store.files(&request.id).map_err(RequestError::from)?;
            Ok(RequestView {
                state: request.state(now),
                max_size_text: linkdrop::system::text::size(request.max_size),
                accept_text: requests::page::accept_text(&request.accept),
                arrivals,
                request,
            })
        })
        .collect()
}

/// Looks in every watched request's folder now (the view's "Check now").
#[tauri::command]
pub async fn refresh_requests(app: AppHandle) -> Result<(), UiError> {
    let context = app.state::<Desktop>().context.clone();
    announce_arrivals(&app, requests::refresh_all(&context).await);
    changed(&app);
    Ok(())
}

#[tauri::command]
pub async fn close_request(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
) -> Result<UploadRequest, UiError> {
    let closed = requests::close(&desktop.context, &id).await?;
    changed(&app);
    Ok(closed)
}

#[tauri::command]
pub async fn delete_arrival(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    key: String,
) -> Result<(), UiError> {
    requests::delete_file(&desktop.context, &id, &key).await?;
    changed(&app);
    Ok(())
}

/// Saves one file (`key`) or all of a request's files into a folder the user picks in the native
/// dialog; the paths written, for the view to say where they went (none when cancelled).
#[tauri::command]
pub async fn save_arrivals(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    key: Option<String>,
) -> Result<Vec<String>, UiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save the files that arrived")
        .pick_folder(move |folder| {
            let _ = tx.send(folder.and_then(|f| f.into_path().ok()));
        });
    let Some(dir) = rx.await.ok().flatten() else {
        return Ok(Vec::new());
    };
    let saved = requests::save(&desktop.context, &id, key.as_deref(), &dir).await?;
    Ok(saved.iter().map(|p| p.display().to_string()).collect())
}

/// Opens an arrived file with the desktop's application for it: downloaded first into LinkDrop's
/// own temporary folder (private to this user, emptied at the next start).
#[tauri::command]
pub async fn open_arrival(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    key: String,
) -> Result<(), UiError> {
    use tauri_plugin_opener::OpenerExt;
    let file = requests::requests(&desktop.context.paths)
        .and_then(|store| store.files(&id))
        .map_err(RequestError::from)?
        .into_iter()
        .find(|a| a.key == key)
        .ok_or_else(|| RequestError::NoSuchFile { key: key.clone() })?;
    if requests::may_run(&file.name) {
        return Err(UiError::new(
            linkdrop::error::ErrorCode::Unsupported,
            format!(
                "{} could run as a program if opened: LinkDrop does not open a stranger's file of that kind; save it and open it yourself if you trust it",
                file.name
            ),
        ));
    }
    let dir = desktop.context.paths.temp_dir().join("arrivals").join(&id);
    let saved = requests::save(&desktop.context, &id, Some(&key), &dir).await?;
    let Some(path) = saved.first() else {
        return Ok(());
    };
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            UiError::new(
                linkdrop::error::ErrorCode::Internal,
                format!("cannot open {}: {e}", path.display()),
            )
        })
}

/// Shares an arrived file on: a presigned link, copied and announced, into the history.
#[tauri::command]
pub async fn share_arrival(
    app: AppHandle,
    desktop: State<'_, Desktop>,
    id: String,
    key: String,
    expires: Expiry,
) -> Result<Share, UiError> {
    let result = requests::share_on(&desktop.context, &id, &key, Some(expires))
        .await
        .map_err(UiError::from);
    let name = result
        .as_ref()
        .map_or_else(|_| key.clone(), |s| s.name.clone());
    notify::announce(&app, &name, &result);
    notify::history_changed(&app);
    result
}

fn announce_arrivals(app: &AppHandle, arrived: Vec<(UploadRequest, Arrival)>) {
    if arrived.is_empty() {
        return;
    }
    for (request, arrival) in &arrived {
        notify::arrived(request, arrival);
    }
    changed(app);
}

/// How often the watch looks while a request is open: soon after a change, then less and less
/// often while nothing arrives.
const FIRST_LOOK: Duration = Duration::from_secs(5);
const SLOWEST_LOOK: Duration = Duration::from_secs(60);

/// Lists each watched request's folder (open, or expired within the grace hour) at start and then
/// with a backoff from 5 s to 60 s, reset when something arrives or a request is made; with none to
/// watch it only wakes once a minute to see whether one appeared (a read of a local file).
pub fn watch(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut wait = FIRST_LOOK;
        loop {
            let context = app.state::<Desktop>().context.clone();
            let now = chrono::Utc::now();
            let watched = requests::list(&context)
                .map(|all| all.iter().any(|r| r.watched(now)))
                .unwrap_or(false);
            if watched {
                let arrived = requests::refresh_all(&context).await;
                wait = if arrived.is_empty() {
                    (wait * 2).min(SLOWEST_LOOK)
                } else {
                    FIRST_LOOK
                };
                announce_arrivals(&app, arrived);
            } else {
                wait = SLOWEST_LOOK;
            }
            let woken = app.state::<Desktop>().watch.clone();
            if tokio::time::timeout(wait, woken.notified()).await.is_ok() {
                wait = FIRST_LOOK;
            }
        }
    });
}
