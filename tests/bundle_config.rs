//! The bundle configuration for the three platforms (tauri.conf.json > bundle), checked where it
//! can be without building for macOS or Windows: every file it names exists, the icons have the
//! sizes their names say, and the metadata agrees with Cargo.toml.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn conf() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("tauri.conf.json")).unwrap()).unwrap()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn every_icon_exists_with_the_size_its_name_says() {
    let conf = conf();
    let icons: Vec<&str> = conf["bundle"]["icon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    for wanted in [
        "icons/icon.icns",
        "icons/icon.ico",
        "icons/icon.png",
        "icons/32x32.png",
    ] {
        assert!(icons.contains(&wanted), "{wanted} is not in bundle.icon");
    }
    for icon in &icons {
        let path = root().join(icon);
        let name = Path::new(icon).file_name().unwrap().to_str().unwrap();
        if let Some(size) = name.strip_suffix(".png") {
            let (w, h) = png_size(&path);
            assert_eq!(w, h, "{icon} is not square");
            let expected = match size.split_once('x') {
                // 128x128@2x.png is the 128 point icon at twice the pixels.
                Some((side, rest)) => {
                    side.parse::<u32>().unwrap() * if rest.ends_with("@2x") { 2 } else { 1 }
                }
                None => 512,
            };
            assert_eq!(w, expected, "{icon}");
        } else {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{icon}: {e}"));
            let magic: &[u8] = if name.ends_with(".icns") {
                b"icns"
            } else {
                &[0, 0, 1, 0]
            };
            assert!(
                bytes.starts_with(magic),
                "{icon} is not what its extension says"
            );
        }
    }
    // The Windows Store tiles come from the same source.
    assert_eq!(
        png_size(&root().join("icons/Square150x150Logo.png")),
        (150, 150)
    );
}

#[test]
fn each_platform_is_configured_and_every_file_named_exists() {
    let conf = conf();
    let bundle = &conf["bundle"];
    assert_eq!(conf["identifier"], "app.linkdrop.desktop");
    assert_eq!(conf["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(bundle["license"], env!("CARGO_PKG_LICENSE"));
    assert_eq!(bundle["category"], "Utility");
    assert!(bundle["macOS"]["minimumSystemVersion"].is_string());
    // Offered for any file on macOS (as the Linux desktop entry and the Windows context menu do),
    // never as the default program.
    let association = &bundle["fileAssociations"][0];
    assert_eq!(association["contentTypes"][0], "public.data");
    assert_eq!(association["rank"], "Alternate");
    for file in [
        &bundle["linux"]["deb"]["desktopTemplate"],
        &bundle["linux"]["rpm"]["desktopTemplate"],
        &bundle["windows"]["nsis"]["installerHooks"],
    ] {
        let file = file.as_str().unwrap();
        assert!(root().join(file).is_file(), "{file} does not exist");
    }
    for kind in ["deb", "rpm"] {
        for (_, source) in bundle["linux"][kind]["files"].as_object().unwrap() {
            let source = source.as_str().unwrap();
            assert!(root().join(source).is_file(), "{source} does not exist");
        }
    }
    let hooks =
        std::fs::read_to_string(root().join("src-tauri/windows/installer-hooks.nsh")).unwrap();
    assert!(hooks.contains("NSIS_HOOK_POSTINSTALL") && hooks.contains("NSIS_HOOK_POSTUNINSTALL"));
}

#[test]
fn the_appstream_metadata_names_this_release_and_the_installed_desktop_entry() {
    let conf = conf();
    let metainfo = std::fs::read_to_string(
        root().join("src-tauri/desktop/app.linkdrop.LinkDrop.metainfo.xml"),
    )
    .unwrap();
    let product = conf["productName"].as_str().unwrap();
    // Tauri installs the desktop entry under the product name.
    assert!(
        metainfo.contains(&format!(
            r#"<launchable type="desktop-id">{product}.desktop</launchable>"#
        )),
        "the launchable is not {product}.desktop"
    );
    assert!(
        metainfo.contains(&format!(
            r#"<release version="{}""#,
            env!("CARGO_PKG_VERSION")
        )),
        "no <release> for version {}",
        env!("CARGO_PKG_VERSION")
    );
    let out = std::process::Command::new("appstreamcli")
        .args(["validate", "--no-net"])
        .arg(root().join("src-tauri/desktop/app.linkdrop.LinkDrop.metainfo.xml"))
        .output()
        .expect("appstreamcli (Debian package appstream) is installed by make deps");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
