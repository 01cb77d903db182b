//! LinkDrop's window: the Tauri shell over the domain crate (`linkdrop`) and the command line's
//! (`linkdrop_cli`). Thin glue: commands that turn the webview's calls into domain calls, the tray,
//! notifications, the global shortcut, drag and drop. Nothing here decides what a share is.

pub mod desktop;

use std::process::ExitCode;

use clap::Parser;

/// The `linkdrop-desktop` binary: the window, and every command of the command line too.
pub fn main() -> ExitCode {
    let cli = linkdrop_cli::args::Cli::parse();
    linkdrop_cli::init_logging(&cli);
    match cli.command {
        Some(command) => linkdrop_cli::run::run(command),
        None => desktop::run(cli.window),
    }
}
