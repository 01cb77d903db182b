//! The Linux packages as users get them: `make test-package` builds the .deb and .rpm (from the
//! debug build `make test` already made) and runs this with `LINKDROP_DEB` and `LINKDROP_RPM`
//! set. The .deb is installed with dpkg on this machine, used from /usr/bin (version, the embedded
//! store, a share whose link downloads the same bytes) and removed again. It is ignored by a plain
//! `cargo test`, which builds no package.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Backend, TestEnv, stderr, stdout};

/// Tauri names the package after the product name, kebab-cased.
const PACKAGE: &str = "link-drop";
const INSTALLED: &str = "/usr/bin/linkdrop";

/// What every package must put on the system: both binaries, the desktop entry, the AppStream
/// metadata, and the icons under the name the desktop entry gives (`Icon=`).
static FILES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let entry = include_str!("../src-tauri/desktop/linkdrop.desktop");
    let icon = entry
        .lines()
        .find_map(|l| l.strip_prefix("Icon="))
        .expect("the desktop entry names its icon");
    let mut files: Vec<String> = [
        "/usr/bin/linkdrop",
        "/usr/bin/linkdrop-desktop",
        "/usr/share/applications/LinkDrop.desktop",
        "/usr/share/metainfo/app.linkdrop.LinkDrop.metainfo.xml",
    ]
    .map(String::from)
    .into();
    for size in ["32x32", "128x128", "256x256@2", "512x512"] {
        files.push(format!("/usr/share/icons/hicolor/{size}/apps/{icon}.png"));
    }
    files
});

fn package_from_env(var: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{var} is not set: run `make test-package`"));
    assert!(path.is_file(), "{} is not a file", path.display());
    path
}

fn run(program: &str, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(program);
    command.args(args);
    if !common::is_root() && matches!(program, "dpkg" | "apt-get") {
        command = Command::new("sudo");
        command.arg("-n").arg(program).args(args);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn installed() -> bool {
    let out = run("dpkg-query", &["-W", "-f=${Status}", PACKAGE]);
    out.status.success() && stdout(&out).contains("install ok installed")
}

/// Removes the package however the test ends.
struct Uninstall;

impl Drop for Uninstall {
    fn drop(&mut self) {
        let _ = run("dpkg", &["--purge", PACKAGE]);
    }
}

#[test]
#[ignore = "needs the packages: make test-package"]
fn the_deb_installs_shares_a_file_and_uninstalls() {
    let deb = package_from_env("LINKDROP_DEB");
    assert!(
        !installed() && !Path::new(INSTALLED).exists(),
        "linkdrop is installed on this machine already: this test installs and removes its own"
    );

    // Its metadata and its files, before anything is installed.
    let info = ok(
        "dpkg-deb",
        &[
            "--field",
            deb.to_str().unwrap(),
            "Package",
            "Version",
            "Depends",
        ],
    );
    assert!(info.contains(&format!("Package: {PACKAGE}")), "{info}");
    assert!(
        info.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{info}"
    );
    assert!(info.contains("libwebkit2gtk-4.1-0"), "{info}");
    let contents = ok("dpkg-deb", &["--contents", deb.to_str().unwrap()]);
    for file in FILES.iter() {
        // dpkg-deb lists paths without the leading slash (or with "./").
        let listed = contents.lines().any(|line| {
            line.split_whitespace()
                .last()
                .is_some_and(|p| p.trim_start_matches('.').trim_start_matches('/') == &file[1..])
        });
        assert!(listed, "{file} is not in the .deb:\n{contents}");
    }

    let _uninstall = Uninstall;
    ok("dpkg", &["--install", deb.to_str().unwrap()]);
    assert!(installed());
    for file in FILES.iter() {
        assert!(Path::new(file).is_file(), "{file} was not installed");
    }
    // Our desktop entry ("Open with" for any file, the Share link… action), not a generated one.
    assert_eq!(
        std::fs::read_to_string("/usr/share/applications/LinkDrop.desktop").unwrap(),
        include_str!("../src-tauri/desktop/linkdrop.desktop")
    );
    ok(
        "desktop-file-validate",
        &["/usr/share/applications/LinkDrop.desktop"],
    );
    ok(
        "appstreamcli",
        &[
            "validate",
            "--no-net",
            "/usr/share/metainfo/app.linkdrop.LinkDrop.metainfo.xml",
        ],
    );

    let version = ok(INSTALLED, &["--version"]);
    assert_eq!(
        version.trim(),
        format!("linkdrop {}", env!("CARGO_PKG_VERSION"))
    );

    // The installed binary on its own embedded store, as a new user starts.
    let mut env = TestEnv::new();
    env.bin = PathBuf::from(INSTALLED);
    let backend = Backend::embedded(&env);
    let contents = b"shared from the installed package\n".repeat(1000);
    let file = env.file("from the package.txt", &contents);
    let out = env.run(&[
        "share",
        "--profile",
        &backend.profile,
        "--expires",
        "10m",
        "--json",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let share: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let url = share["url"].as_str().unwrap();
    let downloaded = reqwest::blocking::get(url).unwrap();
    assert_eq!(downloaded.status(), 200);
    assert_eq!(downloaded.bytes().unwrap().as_ref(), &contents[..]);
    drop(backend);

    ok("dpkg", &["--remove", PACKAGE]);
    assert!(!Path::new(INSTALLED).exists(), "{INSTALLED} is still there");
    assert!(!Path::new("/usr/bin/linkdrop-desktop").exists());
}

#[test]
#[ignore = "needs the packages: make test-package"]
fn the_rpm_holds_the_same_files() {
    let rpm = package_from_env("LINKDROP_RPM");
    let info = ok("rpm", &["-qip", rpm.to_str().unwrap()]);
    assert!(info.contains(&format!("Name        : {PACKAGE}")), "{info}");
    let listed = ok("rpm", &["-qlp", rpm.to_str().unwrap()]);
    for file in FILES.iter() {
        assert!(
            listed.lines().any(|l| l == file),
            "{file} is not in the .rpm:\n{listed}"
        );
    }
    let requires = ok("rpm", &["-qRp", rpm.to_str().unwrap()]);
    assert!(requires.contains("libwebkit2gtk-4.1.so.0"), "{requires}");
}
