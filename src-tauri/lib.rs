//! LinkDrop: share files through your own S3 bucket as expiring presigned links.
//!
//! The domain modules (everything but `desktop`) know nothing of Tauri: they upload, presign, keep
//! profiles and read credentials, and are used by the command line and the window alike.

pub mod check;
pub mod cli;
mod context;
pub mod credentials;
pub mod desktop;
pub mod handover;
pub mod links;
pub mod local_store;
pub mod profiles;
pub mod settings;
pub mod share;
pub mod storage;
pub mod system;

pub use context::Context;

use std::process::ExitCode;

use clap::Parser;

/// The `linkdrop` binary: a command runs headless; no command opens the window (see `window`).
/// Nothing here may reach `desktop`: that keeps WebKit and GTK out of the command line's binary.
pub fn cli_main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(&cli);
    match cli.command {
        Some(command) => cli::run(command),
        None => window(),
    }
}

/// The `linkdrop-desktop` binary: the window, and every command of the command line too.
pub fn desktop_main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(&cli);
    match cli.command {
        Some(command) => cli::run(command),
        None => desktop::run(cli.window),
    }
}

/// `linkdrop` with no command: a running LinkDrop takes this process's arguments (files to share,
/// `--choose-files`, or just "show yourself") over D-Bus; otherwise `linkdrop-desktop`, installed
/// beside this binary, starts with them.
fn window() -> ExitCode {
    match handover::send_to_running_window() {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(e) => tracing::warn!("{e}; starting the window"),
    }
    let Some(desktop) = system::paths::sibling_binary(system::paths::DESKTOP_BINARY) else {
        eprintln!(
            "linkdrop: the window ({}) is not installed beside this program; the commands work without it (linkdrop --help)",
            system::paths::DESKTOP_BINARY
        );
        return ExitCode::FAILURE;
    };
    let mut command = std::process::Command::new(&desktop);
    command.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // The same process, so that whoever started `linkdrop` (a launcher, a test driver) has
        // the window's process; the same name, so that the desktop matches its windows to it.
        let err = command
            .arg0(
                std::env::args_os()
                    .next()
                    .unwrap_or_else(|| "linkdrop".into()),
            )
            .exec();
        eprintln!("linkdrop: cannot start {}: {err}", desktop.display());
        ExitCode::FAILURE
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("linkdrop: cannot start {}: {err}", desktop.display());
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; the background store's (`serve --log FILE`) to its capped file.
fn init_logging(cli: &cli::Cli) {
    match &cli.command {
        Some(cli::Command::Serve(cli::ServeArgs {
            log: Some(path), ..
        })) => system::logging::init(system::logging::Target::CappedFile {
            path,
            max: local_store::STORE_LOG_MAX,
        }),
        _ => system::logging::init(system::logging::Target::Stderr),
    }
}
