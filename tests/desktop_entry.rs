//! The Linux desktop entry (src-tauri/desktop/linkdrop.desktop, what the .deb installs): valid, offered
//! by file managers for any file ("Open with LinkDrop"), with the "Share link…" action, and every
//! command it runs is one the `linkdrop` binary takes. Launching it for real is in tests/e2e/tray.rs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn entry() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/desktop/linkdrop.desktop")
}

/// The value of `key` in the group `[group]`.
fn value(text: &str, group: &str, key: &str) -> Option<String> {
    let mut in_group = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_group = line == format!("[{group}]");
        } else if in_group && let Some(v) = line.strip_prefix(&format!("{key}=")) {
            return Some(v.to_owned());
        }
    }
    None
}

#[test]
fn the_desktop_entry_is_valid() {
    let out = Command::new("desktop-file-validate")
        .arg(entry())
        .output()
        .expect("desktop-file-validate (Debian's desktop-file-utils) is missing: run `make test`");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}

#[test]
fn file_managers_offer_linkdrop_for_any_file_but_not_for_folders() {
    // GIO hides an entry whose TryExec is not on PATH: give it the binary under test.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(linkdrop_bin(), bin.path().join("linkdrop")).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let types = [
        "application/pdf",
        "image/png",
        "video/mp4",
        "text/plain",
        "text/x-python",
        "application/zip",
        "application/x-zerosize",
        "inode/directory",
    ];
    let out = Command::new("/usr/bin/python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/helpers/desktop_entry.py"))
        .arg("offers")
        .arg(entry())
        .args(types)
        .env("PATH", path)
        .output()
        .expect("cannot run desktop_entry.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offers: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for t in &types[..types.len() - 1] {
        assert_eq!(offers[t], true, "not offered for {t}: {offers}");
    }
    // `xdg-open` on a folder must never upload it.
    assert_eq!(offers["inode/directory"], false, "{offers}");
}

#[test]
fn the_entry_runs_commands_linkdrop_takes() {
    let text = std::fs::read_to_string(entry()).unwrap();
    assert_eq!(
        value(&text, "Desktop Entry", "Exec").as_deref(),
        Some("linkdrop %F")
    );
    assert_eq!(
        value(&text, "Desktop Entry", "Actions").as_deref(),
        Some("share-link;")
    );
    assert_eq!(
        value(&text, "Desktop Action share-link", "Name").as_deref(),
        Some("Share link…")
    );
    let action = value(&text, "Desktop Action share-link", "Exec").unwrap();
    let args: Vec<&str> = action.split_whitespace().skip(1).collect();
    // `--help` after the arguments: clap parses them, says nothing is wrong, and opens no window.
    let out = Command::new(linkdrop_bin())
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--choose-files", "--hidden", "[FILE]..."] {
        assert!(
            help.contains(flag),
            "linkdrop --help has no {flag}:\n{help}"
        );
    }
    // The bundle installs this very file.
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        conf["bundle"]["linux"]["deb"]["desktopTemplate"],
        "src-tauri/desktop/linkdrop.desktop"
    );
}

/// The command line's binary, which `cargo test --workspace` builds beside the window's.
fn linkdrop_bin() -> std::path::PathBuf {
    Path::new(env!("CARGO_BIN_EXE_linkdrop-desktop")).with_file_name("linkdrop")
}
