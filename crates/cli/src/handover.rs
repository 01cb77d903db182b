//! Handing files to a running LinkDrop window: `linkdrop share FILE` at a terminal, `linkdrop
//! FILE` from a file manager's "Open with", or a second `linkdrop` started while one runs. The
//! window owns a D-Bus name (through tauri-plugin-single-instance); the second process calls its
//! `ExecuteCallback(argv, cwd)` and the window shares what `request` makes of them.
//!
//! May use: `args`; the domain (`linkdrop`) (`tests/architecture.rs` holds it).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Parser;

use linkdrop::profiles::expiry::Expiry;

use crate::args::{Cli, Command};

/// The app's identifier (tauri.conf.json) with the plugin's suffix, and the object path from it.
pub const BUS_NAME: &str = "app.linkdrop.desktop.SingleInstance";
const OBJECT_PATH: &str = "/app/linkdrop/desktop/SingleInstance";
const INTERFACE: &str = "org.SingleInstance.DBus";

/// Files for the window to share, and how: the expiry asked for, the profile to use, whether to
/// encrypt them and whether to put them on one page (each `None`: the window's choice).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharePaths {
    pub paths: Vec<PathBuf>,
    pub expires: Option<Expiry>,
    pub profile: Option<String>,
    pub encrypt: Option<bool>,
    pub page: Option<bool>,
}

/// Why the running window did not take this process's arguments.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    /// The hand-over's D-Bus call carries text; a name that is not UTF-8 would arrive changed.
    #[error("{} is not valid UTF-8, and the running LinkDrop window can only be handed UTF-8 names", .arg.to_string_lossy())]
    NotUtf8 { arg: OsString },
    #[error("the running LinkDrop window did not take the files: {0}")]
    Bus(#[from] zbus::Error),
}

/// What a second `linkdrop` asks of the running app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Share these files in the window.
    Share(SharePaths),
    /// Open the file dialog and share what is chosen ("Share link…" in the desktop entry).
    ChooseFiles,
    /// Just show the window.
    Show,
    /// Nothing: a second start at login (`--hidden`) finds LinkDrop already in the tray.
    Nothing,
}

/// What a second `linkdrop` started with `argv` in `cwd` asks of the running app.
pub fn request(argv: &[OsString], cwd: &Path) -> Request {
    let Ok(cli) = Cli::try_parse_from(argv) else {
        return Request::Show;
    };
    let absolute = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        }
    };
    match cli.command {
        // `share` says all of it: without --encrypt the files are not encrypted, whatever the
        // window's checkbox says (it shares them as this command would).
        Some(Command::Share(args)) => Request::Share(SharePaths {
            paths: args.files.iter().map(absolute).collect(),
            expires: args.expires,
            profile: args.profile,
            encrypt: Some(args.encrypt),
            page: Some(args.page),
        }),
        None if cli.window.choose_files => Request::ChooseFiles,
        None if cli.window.hidden && cli.window.files.is_empty() => Request::Nothing,
        None if !cli.window.files.is_empty() => Request::Share(SharePaths {
            paths: cli.window.files.iter().map(absolute).collect(),
            ..SharePaths::default()
        }),
        _ => Request::Show,
    }
}

/// Gives this process's arguments to the running window. `Ok(false)` when no window runs (or
/// there is no session bus): then the caller carries on by itself.
pub fn send_to_running_window() -> Result<bool, HandoverError> {
    let Ok(connection) = zbus::blocking::Connection::session() else {
        return Ok(false);
    };
    if !window_owns_its_name(&connection) {
        return Ok(false);
    }
    let text = |arg: OsString| {
        arg.into_string()
            .map_err(|arg| HandoverError::NotUtf8 { arg })
    };
    let argv = std::env::args_os()
        .map(text)
        .collect::<Result<Vec<String>, _>>()?;
    let cwd = text(std::env::current_dir().unwrap_or_default().into_os_string())?;
    connection.call_method(
        Some(BUS_NAME),
        OBJECT_PATH,
        Some(INTERFACE),
        "ExecuteCallback",
        &(argv, cwd),
    )?;
    Ok(true)
}

/// Whether a LinkDrop window runs on this session bus.
pub fn window_running() -> bool {
    zbus::blocking::Connection::session().is_ok_and(|c| window_owns_its_name(&c))
}

fn window_owns_its_name(connection: &zbus::blocking::Connection) -> bool {
    zbus::names::BusName::try_from(BUS_NAME)
        .ok()
        .zip(zbus::blocking::fdo::DBusProxy::new(connection).ok())
        .and_then(|(name, bus)| bus.name_has_owner(name).ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn share_and_open_with_become_files_for_the_window() {
        let cwd = Path::new("/home/me");
        assert_eq!(
            request(
                &argv(&[
                    "linkdrop",
                    "share",
                    "a.txt",
                    "/tmp/b.pdf",
                    "--expires",
                    "1d"
                ]),
                cwd
            ),
            Request::Share(SharePaths {
                paths: vec!["/home/me/a.txt".into(), "/tmp/b.pdf".into()],
                expires: Some("1d".parse().unwrap()),
                profile: None,
                encrypt: Some(false),
                page: Some(false),
            })
        );
        assert_eq!(
            request(&argv(&["linkdrop", "report.pdf"]), cwd),
            Request::Share(SharePaths {
                paths: vec!["/home/me/report.pdf".into()],
                ..SharePaths::default()
            })
        );
        assert_eq!(
            request(&argv(&["linkdrop", "--choose-files"]), cwd),
            Request::ChooseFiles
        );
        assert_eq!(request(&argv(&["linkdrop"]), cwd), Request::Show);
        assert_eq!(
            request(&argv(&["linkdrop", "--hidden"]), cwd),
            Request::Nothing,
            "a second start at login leaves LinkDrop in the tray"
        );
        assert_eq!(request(&argv(&["linkdrop", "history"]), cwd), Request::Show);
        assert_eq!(
            request(&argv(&["linkdrop", "--no-such-flag"]), cwd),
            Request::Show
        );
    }
}
