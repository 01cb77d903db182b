//! LinkDrop's command line: `linkdrop share FILE`, `linkdrop history`, `linkdrop serve`, … run
//! headless over the domain crate (`linkdrop`), and the D-Bus hand-over to a running window. It
//! depends on no GUI library: the window (`linkdrop-desktop`) uses this crate, never the reverse.
//!
//! - `args`: what the command line takes (clap), read by both others;
//! - `handover`: a second `linkdrop` hands its arguments to the running window;
//! - `run`: carries a command out and prints what it did; `request`: the upload-request commands;
//! - `output`: how it all is said on stdout and stderr.

pub mod args;
pub mod handover;
mod output;
mod request;
pub mod run;

use std::process::ExitCode;

use clap::Parser;

use linkdrop::{local_store, system};

/// The `linkdrop` binary: a command runs headless; no command opens the window (see `window`).
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging(&cli);
    match cli.command {
        Some(command) => run::run(command),
        None => window(),
    }
}

/// `linkdrop` with no command: a running LinkDrop takes this process's arguments (files to share,
/// `--choose-files`, or just "show yourself") over D-Bus; otherwise `linkdrop-desktop`, installed
/// beside this binary, starts with them.
fn window() -> ExitCode {
    match handover::send_to_running_window() {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(e @ handover::HandoverError::NotUtf8 { .. }) => {
            // A second window would be handed over the same way, by the single-instance plugin.
            eprintln!("linkdrop: {e}; `linkdrop share FILE` shares it from here");
            return ExitCode::FAILURE;
        }
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
pub fn init_logging(cli: &args::Cli) {
    match &cli.command {
        Some(args::Command::Serve(args::ServeArgs {
            log: Some(path), ..
        })) => system::logging::init(system::logging::Target::CappedFile {
            path,
            max: local_store::STORE_LOG_MAX,
        }),
        _ => system::logging::init(system::logging::Target::Stderr),
    }
}
