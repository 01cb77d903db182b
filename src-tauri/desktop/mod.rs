//! The Tauri shell: the window and the commands the UI calls. Thin glue over the domain modules;
//! this is the only module that imports `tauri`.

use std::process::ExitCode;

use serde::Serialize;

use crate::credentials::Keychain;
use crate::local_store;
use crate::paths::Paths;

/// The only error the UI sees: a stable code to branch on and a message to show.
#[derive(Debug, Serialize)]
pub struct UiError {
    pub code: &'static str,
    pub message: String,
}

impl UiError {
    fn new(code: &'static str, err: impl std::fmt::Display) -> Self {
        UiError {
            code,
            message: err.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub version: &'static str,
    pub default_profile: Option<String>,
    pub data_dir: String,
}

#[tauri::command]
async fn app_info() -> Result<AppInfo, UiError> {
    let paths = Paths::from_env().map_err(|e| UiError::new("paths", e))?;
    let keychain = Keychain::from_env();
    let for_init = paths.clone();
    let book = tauri::async_runtime::spawn_blocking(move || {
        local_store::load_or_init_profiles(&for_init, &keychain)
    })
    .await
    .map_err(|e| UiError::new("internal", e))?
    .map_err(|e| UiError::new("profiles", e))?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        default_profile: book.pick(None).ok().map(|p| p.name.clone()),
        data_dir: paths.data_dir.display().to_string(),
    })
}

pub fn run() -> ExitCode {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_info])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("linkdrop: cannot open the window: {e}");
            ExitCode::FAILURE
        }
    }
}
