//! The tray and the hand-over to a running window, as the desktop uses them: a panel reads the
//! tray menu over D-Bus and clicks in it (tests/e2e/helpers/tray_host.py plays the panel), and a
//! second `linkdrop` gives its files to the running window.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{App, UI_TIMEOUT};

fn find<'a>(nodes: &'a Value, prefix: &str) -> Option<&'a Value> {
    nodes.as_array()?.iter().find_map(|n| {
        if n["label"].as_str()?.starts_with(prefix) {
            Some(n)
        } else {
            find(&n["children"], prefix)
        }
    })
}

/// Reads the tray menu until `check` finds what it wants in it (the menu follows the app's state
/// every two seconds).
async fn wait_for_menu(app: &App, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let menu: Value = serde_json::from_str(&app.tray(&["menu"])).unwrap();
        if check(&menu) {
            return menu;
        }
        assert!(
            Instant::now() < deadline,
            "the tray menu never showed {what}: {menu}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn the_tray_shares_a_copied_file_and_lists_it_in_recent_links() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let registered = app.wait_for_tray_item();
    assert!(registered.contains("sender"), "{registered}");

    let menu: Value = serde_json::from_str(&app.tray(&["menu"])).unwrap();
    for label in [
        "Share file…",
        "Share copied file",
        "Recent links",
        "Default expiry",
        "Open LinkDrop",
        "Quit",
    ] {
        assert!(find(&menu, label).is_some(), "no {label} in {menu}");
    }
    assert_eq!(
        find(&menu, "Share copied file").unwrap()["enabled"],
        false,
        "{menu}"
    );
    assert_eq!(
        find(&menu, "1 hour").unwrap()["toggle"],
        1,
        "the default expiry is checked"
    );

    // A file copied in the file manager (a file:// URI on the clipboard) can be shared.
    let file = app.dir().join("tray note.txt");
    std::fs::write(&file, b"shared from the tray").unwrap();
    app.set_clipboard(url::Url::from_file_path(&file).unwrap().as_str());
    wait_for_menu(&app, "Share copied file (tray note.txt), enabled", |m| {
        find(m, "Share copied file (tray note.txt)").is_some_and(|n| n["enabled"] == true)
    })
    .await;
    app.tray(&["click", "Share copied file"]);

    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    assert_eq!(note.body, "tray note.txt");
    let url = app.clipboard().expect("the link is in the clipboard");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        b"shared from the tray"
    );

    // It is the first of the recent links, with its time left.
    let menu = wait_for_menu(&app, "the new link in Recent links", |m| {
        find(m, "tray note.txt — ").is_some()
    })
    .await;
    let recent = find(&menu, "tray note.txt — ").unwrap();
    assert!(
        recent["label"].as_str().unwrap().ends_with("left"),
        "{recent}"
    );

    // The default expiry is the default profile's.
    app.tray(&["click", "7 days"]);
    let profiles = app.dirs.config.join("profiles.toml");
    let deadline = Instant::now() + UI_TIMEOUT;
    while !std::fs::read_to_string(&profiles)
        .unwrap()
        .contains("default_expiry = \"7d\"")
    {
        assert!(
            Instant::now() < deadline,
            "the default expiry was not saved"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_menu(&app, "7 days checked", |m| {
        find(m, "7 days").is_some_and(|n| n["toggle"] == 1)
    })
    .await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn a_second_linkdrop_hands_its_files_to_the_running_window() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let file = app.dir().join("handed over.txt");
    std::fs::write(&file, b"from the terminal").unwrap();

    let (code, out, err) = app.cli_status(&[
        "share",
        file.to_str().unwrap(),
        "--expires",
        "1d",
        "--window",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("sharing in the LinkDrop window"), "{err}");
    assert_eq!(out, "", "the link is the window's, not printed here");

    // The window shares it, with its row and its notification; the link is in the clipboard.
    app.wait_for_text(".row[data-phase='done'] .name", "handed over.txt")
        .await;
    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 day");
    let url = app.clipboard().expect("the link is in the clipboard");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"from the terminal");
    let history: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "handed over.txt" && e["url"] == url.as_str()),
        "{history}"
    );

    // For scripts (--json) the command line still shares by itself and prints the link.
    let out = app.cli(&["share", file.to_str().unwrap(), "--json"]);
    let share: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        share["url"].as_str().unwrap().starts_with("http"),
        "{share}"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
