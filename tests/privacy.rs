//! Who can read what LinkDrop keeps: its config and data directories are the user's alone, since
//! the history holds every link (a link is a bearer token) and the data directory the embedded
//! store's objects. See SECURITY.md.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Backend, TestEnv, is_root, set_mode, stderr};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_history_and_the_store_are_private_to_the_user() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let file = env.file("payslip.pdf", b"%PDF- private");
    let out = env.run(&[
        "share",
        "--profile",
        &backend.profile,
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    assert_eq!(mode(&env.config_dir()), 0o700, "config dir");
    assert_eq!(mode(&env.data_dir()), 0o700, "data dir");
    let history = env.data_dir().join("history.sqlite3");
    assert!(history.is_file());

    // Another account on the machine cannot open it (root reads anything, so ask as nobody).
    if is_root() {
        let other = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "cat"])
            .arg(&history)
            .output()
            .unwrap();
        assert!(!other.status.success(), "nobody read the history");
        assert!(
            String::from_utf8_lossy(&other.stderr).contains("Permission denied"),
            "{}",
            String::from_utf8_lossy(&other.stderr)
        );
    }
}

#[test]
fn directories_left_open_by_an_older_version_are_closed() {
    let env = TestEnv::new();
    for dir in [env.config_dir(), env.data_dir()] {
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o755);
    }
    let out = env.run(&["history", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&env.config_dir()), 0o700);
    assert_eq!(mode(&env.data_dir()), 0o700);
}

#[test]
fn a_data_directory_that_cannot_be_made_is_a_clear_error() {
    let env = TestEnv::new();
    let blocker = env.dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").unwrap();
    let out = env
        .linkdrop(&["history"])
        .env("LINKDROP_DATA_DIR", blocker.join("linkdrop"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("cannot make LinkDrop's data directory") && said.contains("not-a-dir"),
        "{said}"
    );
}
