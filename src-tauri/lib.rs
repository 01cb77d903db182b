//! LinkDrop: share files through your own S3 bucket as expiring presigned links.
//!
//! The domain modules (everything but `desktop`) know nothing of Tauri: they upload, presign, keep
//! profiles and read credentials, and are used by the command line and the window alike.

pub mod archive;
pub mod check;
pub mod cli;
pub mod content_disposition;
pub mod credentials;
pub mod desktop;
pub mod expiry;
pub mod handover;
pub mod history;
pub mod ledger;
pub mod local_store;
pub mod object_key;
pub mod paths;
pub mod preferences;
pub mod presign;
pub mod profiles;
pub mod providers;
pub mod settings;
pub mod share;
pub mod storage;
pub mod tray_menu;
pub mod upload;

use std::process::ExitCode;

use clap::Parser;

/// The one entry point of the `linkdrop` binary: a command runs headless; no command opens the window.
pub fn main() -> ExitCode {
    init_logging();
    let cli = cli::Cli::parse();
    match cli.command {
        Some(command) => cli::run(command),
        None => desktop::run(cli.window),
    }
}

/// Logs go to stderr, quiet by default; `LINKDROP_LOG=debug` (tracing's filter syntax) for more.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LINKDROP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
