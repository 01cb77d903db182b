//! The global shortcut for "Share file…": checked, given to the system, and saved only once the
//! system has it. Pressing it is handled where the plugin is set up (`desktop/mod.rs`).

use linkdrop::error::ErrorCode;
use tauri::{AppHandle, Manager};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Modifiers, Shortcut};

use super::{Desktop, UiError};
use linkdrop::profiles::preferences::Preferences;
use linkdrop::system::paths::Paths;

/// Parses what the Settings field recorded. Without Ctrl, Alt or Super a shortcut would take a key
/// away from typing everywhere; function keys are the exception.
fn parse(text: &str) -> Result<Shortcut, UiError> {
    let parsed = text.parse::<Shortcut>().map_err(|_| {
        UiError::new(
            ErrorCode::Shortcut,
            format!("{text:?} is not a shortcut: give modifiers and a key, like Ctrl+Alt+L"),
        )
    })?;
    let key = format!("{:?}", parsed.key);
    let function_key = key
        .strip_prefix('F')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    let modified = parsed
        .mods
        .intersects(Modifiers::CONTROL | Modifiers::ALT | Modifiers::SUPER);
    if !function_key && !modified {
        return Err(UiError::new(
            ErrorCode::Shortcut,
            format!("{text} has no Ctrl, Alt or Super: it would take the key away from typing"),
        ));
    }
    Ok(parsed)
}

/// Sets (or with `None` or blank, removes) the shortcut, and saves it once the system took it.
pub fn set(app: &AppHandle, paths: &Paths, shortcut: Option<String>) -> Result<(), UiError> {
    let shortcut = shortcut
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let parsed = shortcut.as_deref().map(parse).transpose()?;
    let shortcuts = app.global_shortcut();
    shortcuts
        .unregister_all()
        .map_err(|e| UiError::new(ErrorCode::Shortcut, e))?;
    if let (Some(parsed), Some(text)) = (parsed, &shortcut) {
        shortcuts.register(parsed).map_err(|e| {
            UiError::new(
                ErrorCode::Shortcut,
                format!(
                    "{text} cannot be used ({e}): another application may have it; try another"
                ),
            )
        })?;
    }
    Preferences::update(paths, |prefs| prefs.share_shortcut = shortcut)
        .map_err(|e| UiError::new(ErrorCode::Preferences, e))
}

/// Registers the saved shortcut at start; one that no longer works is reported, not fatal.
pub fn register_saved(app: &AppHandle) {
    let desktop = app.state::<Desktop>();
    let Ok(Preferences {
        share_shortcut: Some(text),
        ..
    }) = Preferences::load(&desktop.context.paths)
    else {
        return;
    };
    if let Err(e) = app.global_shortcut().register(text.as_str()) {
        tracing::warn!("the shortcut {text} cannot be used: {e}");
    }
}
