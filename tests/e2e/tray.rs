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

    // Typed at a terminal, `linkdrop share` gives the file to the running window.
    let (code, out) = app.cli_at_terminal(&["share", file.to_str().unwrap(), "--expires", "1d"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("sharing in the LinkDrop window"), "{out}");
    assert!(
        !out.contains("http"),
        "the link is the window's, not printed here: {out}"
    );

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

    // For scripts (--json, or output not to a terminal) the command line still shares by itself
    // and prints the link; `--window` asks for the hand-over from a script.
    let out = app.cli(&["share", file.to_str().unwrap(), "--json"]);
    let share: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        share["url"].as_str().unwrap().starts_with("http"),
        "{share}"
    );
    let out = app.cli(&["share", file.to_str().unwrap()]);
    assert!(out.trim().starts_with("http"), "{out}");
    let (code, out, err) = app.cli_status(&["share", file.to_str().unwrap(), "--window"]);
    assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    let handed_over = || {
        app.notifications()
            .iter()
            .filter(|n| n.summary.starts_with("Link copied") && n.body == "handed over.txt")
            .count()
    };
    wait_until("the --window share's notification", || handed_over() >= 2).await;
    let handed_over = handed_over();
    assert_eq!(
        handed_over, 2,
        "the terminal's and --window's, not the scripts'"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// `linkdrop share --encrypt` typed at a terminal is encrypted by the window that takes it, even
/// with the window's Encrypt unchecked (before, the window shared it in the clear); the tray
/// follows the default saved in Settings, not the window's checkbox.
#[tokio::test]
async fn an_encrypted_share_handed_to_the_window_stays_encrypted_and_the_tray_follows_the_default()
{
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    let file = app.dir().join("plans.txt");
    std::fs::write(&file, b"the plans").unwrap();
    let encrypted_pages = || -> Vec<Value> {
        let list: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "page" && e["encrypted"] == true)
            .cloned()
            .collect()
    };

    let (code, out) = app.cli_at_terminal(&["share", file.to_str().unwrap(), "--encrypt"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("sharing in the LinkDrop window"), "{out}");
    wait_until("the encrypted page", || encrypted_pages().len() == 1).await;
    let url = app.clipboard().expect("the link is in the clipboard");
    assert!(
        url.split_once('#').is_some_and(|(_, key)| key.len() == 43),
        "{url}"
    );

    // Encrypt by default, saved in Settings: the tray's next share is encrypted too.
    app.find("button[role='tab'][data-view='settings']")
        .await
        .click()
        .await
        .unwrap();
    app.find("[data-action='encrypt-by-default']")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".desktop [role='status']", "are encrypted here first")
        .await;
    let prefs = std::fs::read_to_string(app.dirs.config.join("preferences.toml")).unwrap();
    assert!(prefs.contains("encrypt_by_default = true"), "{prefs}");
    let other = app.dir().join("minutes.txt");
    std::fs::write(&other, b"the minutes").unwrap();
    app.set_clipboard(url::Url::from_file_path(&other).unwrap().as_str());
    wait_for_menu(&app, "Share copied file (minutes.txt), enabled", |m| {
        find(m, "Share copied file (minutes.txt)").is_some_and(|n| n["enabled"] == true)
    })
    .await;
    app.tray(&["click", "Share copied file"]);
    wait_until("the tray's encrypted page", || encrypted_pages().len() == 2).await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// The tray icon as the panel shows it: the bytes of the PNG the item names.
fn tray_icon(app: &App) -> Vec<u8> {
    let props = app.tray_props();
    let icon = props["icon"].as_str().expect("the tray item has an icon");
    let theme = props["theme_path"].as_str().unwrap_or_default();
    let path = if icon.starts_with('/') {
        std::path::PathBuf::from(icon)
    } else {
        std::path::Path::new(theme).join(format!("{icon}.png"))
    };
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read the tray icon {path:?}: {e}"))
}

/// The label beside the tray icon ("" when there is none).
fn tray_label(app: &App) -> String {
    app.tray_props()["label"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "never saw {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn history_names(app: &App) -> Vec<String> {
    let history: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn share_file_in_the_tray_opens_the_file_dialog_and_shares_the_choice() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    let file = app.dir().join("chosen in the dialog.txt");
    std::fs::write(&file, b"picked by hand").unwrap();

    app.tray(&["click", "Share file…"]);
    app.answer_file_dialog("^Share files with LinkDrop$", &file)
        .await;

    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    assert_eq!(note.body, "chosen in the dialog.txt");
    let url = app.clipboard().expect("the link is in the clipboard");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"picked by hand");
    assert_eq!(history_names(&app), ["chosen in the dialog.txt"]);

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn closing_the_window_keeps_linkdrop_in_the_tray_and_the_upload_going() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    let idle = tray_icon(&app);
    assert_eq!(tray_label(&app), "");

    // A first share starts the embedded store; stopped, it holds the next share in flight.
    let first = app.dir().join("first.txt");
    std::fs::write(&first, b"1").unwrap();
    app.cli(&["share", first.to_str().unwrap(), "--json"]);
    app.signal_store("STOP");

    let file = app.dir().join("report.bin");
    let contents: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &contents).unwrap();
    let (code, _, err) = app.cli_status(&["share", file.to_str().unwrap(), "--window"]);
    assert_eq!(code, Some(0), "{err}");

    // Uploading: the icon wears a progress badge and the label counts the uploads.
    wait_until("the upload in the tray label", || {
        tray_label(&app).starts_with("↑ 1")
    })
    .await;
    assert_eq!(tray_label(&app), "↑ 1 · 0%");
    assert_ne!(tray_icon(&app), idle, "the icon shows the upload");
    let menu: Value = serde_json::from_str(&app.tray(&["menu"])).unwrap();
    assert!(find(&menu, "Uploading 1 file… 0%").is_some(), "{menu}");

    // Closing the window hides it; LinkDrop stays in the tray and the upload goes on.
    app.close_x_window(app.x_window()).await;
    assert!(app.app_pid().is_some(), "closing the window ended LinkDrop");
    app.signal_store("CONT");

    let note = app
        .wait_for_notification(Duration::from_secs(30), |n| n.body == "report.bin")
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    let url = app.clipboard().expect("the link is in the clipboard");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert!(body.as_ref() == contents.as_slice(), "the download differs");
    wait_until("the idle icon back", || {
        tray_label(&app).is_empty() && tray_icon(&app) == idle
    })
    .await;

    // "Open LinkDrop" brings the window back, with the finished row.
    app.tray(&["click", "Open LinkDrop"]);
    app.wait_for_x_window("^LinkDrop$").await;
    app.wait_for_text(".row[data-phase='done'] .name", "report.bin")
        .await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn the_drop_target_takes_files_while_the_window_is_hidden() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    app.close_x_window(app.x_window()).await;

    app.tray(&["click", "Drop target"]);
    let target = app.wait_for_x_window("^LinkDrop drop target$").await;
    assert!(target.width < 300 && target.height < 300, "{target:?}");
    wait_for_menu(&app, "Drop target checked", |m| {
        find(m, "Drop target").is_some_and(|n| n["toggle"] == 1)
    })
    .await;
    let prefs = app.dirs.config.join("preferences.toml");
    assert!(
        std::fs::read_to_string(&prefs)
            .unwrap()
            .contains("drop_target = true"),
        "the drop target is remembered"
    );

    let file = app.dir().join("dropped on the target.txt");
    std::fs::write(&file, b"onto the little window").unwrap();
    // Let it draw before the drag reaches it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let centre = (
        target.x + target.width as i32 / 2,
        target.y + target.height as i32 / 2,
    );
    let outcome = app.drag_files_to(&[&file], centre).await;
    assert!(
        outcome.failed.is_none() && outcome.data_requested.is_some(),
        "the drop did not reach the drop target: {outcome:?}"
    );
    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| {
            n.body == "dropped on the target.txt"
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    let url = app.clipboard().expect("the link is in the clipboard");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"onto the little window");
    assert!(
        app.x_window_named("^LinkDrop$").is_none(),
        "the main window stayed hidden"
    );

    app.tray(&["click", "Drop target"]);
    wait_until("the drop target hidden", || {
        app.x_window_named("^LinkDrop drop target$").is_none()
    })
    .await;
    assert!(
        !std::fs::read_to_string(&prefs)
            .unwrap()
            .contains("drop_target"),
        "hidden is the default again"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn open_with_linkdrop_and_its_share_link_action_go_to_the_running_app() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let entry =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/desktop/linkdrop.desktop");
    let file = app.dir().join("opened with.txt");
    std::fs::write(&file, b"from the file manager").unwrap();

    // What GNOME Files does for "Open With LinkDrop": runs the entry's Exec with the file.
    app.desktop_entry(&["open", entry.to_str().unwrap(), file.to_str().unwrap()]);
    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| n.body == "opened with.txt")
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    let url = app.clipboard().expect("the link is in the clipboard");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"from the file manager");
    assert_eq!(history_names(&app), ["opened with.txt"]);

    // The launcher's "Share link…": the running app opens its file dialog.
    let second = app.dir().join("from the launcher.txt");
    std::fs::write(&second, b"chosen after Share link").unwrap();
    app.desktop_entry(&["action", entry.to_str().unwrap(), "share-link"]);
    app.answer_file_dialog("^Share files with LinkDrop$", &second)
        .await;
    app.wait_for_notification(Duration::from_secs(20), |n| {
        n.body == "from the launcher.txt"
    })
    .await;
    assert_eq!(
        history_names(&app),
        ["from the launcher.txt", "opened with.txt"]
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn started_at_login_linkdrop_waits_in_the_tray_until_asked() {
    let app = App::builder().arg("--hidden").launch().await;
    app.wait_for_tray_item();
    // The page loads (WebDriver sees it) but no window shows.
    app.wait_for_text("footer", "profile local").await;
    assert!(
        app.x_window_named("^LinkDrop$").is_none(),
        "--hidden showed the window"
    );
    // Starting LinkDrop again (the app menu) shows the running one.
    let (code, _, err) = app.cli_status(&[]);
    assert_eq!(code, Some(0), "{err}");
    app.wait_for_x_window("^LinkDrop$").await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn the_shortcut_and_start_at_login_are_off_until_turned_on_in_settings() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let autostart = app.dir().join("home/.config/autostart/LinkDrop.desktop");
    assert!(!autostart.exists());
    assert!(
        !app.dirs.config.join("preferences.toml").exists(),
        "no shortcut before one is set"
    );
    let window = app.x_window();
    app.xdotool(&["windowfocus", "--sync", &window.id.to_string()]);

    app.find("#tab-settings").await.click().await.unwrap();
    let field = app.find("#share-shortcut").await;
    field.click().await.unwrap();
    app.xdotool(&["key", "ctrl+alt+l"]);
    app.wait_for_attr("#share-shortcut", "value", "Ctrl+Alt+L")
        .await;
    app.find("[data-action='save-shortcut']")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".desktop [role='status']", "Ctrl+Alt+L opens")
        .await;
    let prefs = std::fs::read_to_string(app.dirs.config.join("preferences.toml")).unwrap();
    assert!(prefs.contains("share_shortcut = \"Ctrl+Alt+L\""), "{prefs}");

    // Pressed anywhere, the shortcut opens "Share file…".
    let file = app.dir().join("by shortcut.txt");
    std::fs::write(&file, b"one key press away").unwrap();
    app.xdotool(&["key", "ctrl+alt+l"]);
    app.answer_file_dialog("^Share files with LinkDrop$", &file)
        .await;
    app.wait_for_notification(Duration::from_secs(20), |n| n.body == "by shortcut.txt")
        .await;

    // Start at login writes the desktop's autostart entry, which starts LinkDrop in the tray.
    // (The share took the window to its Share tab.)
    app.find("#tab-settings").await.click().await.unwrap();
    app.find("[data-action='start-at-login']")
        .await
        .click()
        .await
        .unwrap();
    wait_until("the autostart entry", || autostart.exists()).await;
    let entry = std::fs::read_to_string(&autostart).unwrap();
    assert!(entry.contains("--hidden"), "{entry}");
    app.find("[data-action='start-at-login']")
        .await
        .click()
        .await
        .unwrap();
    wait_until("the autostart entry removed", || !autostart.exists()).await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn quitting_while_uploading_asks_first_and_leaves_nothing_half_uploaded() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    // A sparse 4 GiB file: no disk, and long enough to upload that Quit comes mid-way.
    let big = app.dir().join("backup.tar");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let (code, _, err) = app.cli_status(&["share", big.to_str().unwrap(), "--window"]);
    assert_eq!(code, Some(0), "{err}");
    app.wait_for_text(".row[data-phase='uploading'] .status", "/s")
        .await;
    let uploads = app.dirs.data.join("store").join("uploads");
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 1);

    // "Keep uploading" (Escape) changes nothing.
    app.tray(&["click", "Quit"]);
    let dialog = app.wait_for_x_window("^Quit LinkDrop\\?$").await;
    app.xdotool(&["windowfocus", "--sync", &dialog.id.to_string()]);
    app.xdotool(&["key", "Escape"]);
    wait_until("the question gone", || {
        app.x_window_named("^Quit LinkDrop\\?$").is_none()
    })
    .await;
    assert!(app.app_pid().is_some(), "Keep uploading quit anyway");
    assert!(
        app.x_window_named("^LinkDrop$").is_some(),
        "the window is still there"
    );

    // "Cancel uploads and quit": the upload is aborted before LinkDrop ends.
    app.tray(&["click", "Quit"]);
    let dialog = app.wait_for_x_window("^Quit LinkDrop\\?$").await;
    app.xdotool(&["windowfocus", "--sync", &dialog.id.to_string()]);
    app.xdotool(&["key", "Return"]);
    wait_until("LinkDrop ended", || app.app_pid().is_none()).await;
    // An upload's parts live in its directory under uploads/; one arriving late, in tmp/.
    let parts: Vec<_> = std::fs::read_dir(app.dirs.data.join("store").join("tmp"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let records = std::fs::read_dir(&uploads).unwrap().count();
    assert!(
        parts.is_empty() && records == 0,
        "left in the store: {parts:?}, {records} upload records"
    );
    assert!(
        !history_names(&app).contains(&"backup.tar".to_owned()),
        "no link was recorded"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn quit_in_the_tray_ends_linkdrop() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    assert!(app.app_pid().is_some());
    app.tray(&["click", "Quit"]);
    wait_until("LinkDrop ended", || app.app_pid().is_none()).await;
    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// Linux allows any bytes in a name; a path that crossed the bridge as JSON text would come back
/// changed (U+FFFD) and name no file. A file copied in the file manager (its URI percent-encodes
/// the bytes) is kept exactly by the backend, and the page shares it by id.
#[tokio::test]
async fn a_copied_file_whose_name_is_not_utf8_is_shared_as_that_file() {
    use std::os::unix::ffi::OsStrExt;
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.wait_for_tray_item();
    let file = app
        .dir()
        .join(std::ffi::OsStr::from_bytes(b"menu caf\xe9 (latin-1).txt"));
    std::fs::write(&file, b"soupe du jour\n").unwrap();
    // Its name read as UTF-8 names nothing: only the exact bytes open the file.
    assert!(!app.dir().join("menu caf\u{fffd} (latin-1).txt").exists());
    let uri = url::Url::from_file_path(&file).unwrap();
    assert!(uri.as_str().contains("caf%E9"), "{uri}");
    app.set_clipboard(uri.as_str());
    wait_for_menu(&app, "Share copied file, enabled", |m| {
        find(m, "Share copied file").is_some_and(|n| n["enabled"] == true)
    })
    .await;
    app.tray(&["click", "Share copied file"]);

    app.wait_for_text(".row[data-phase='done'] .countdown", "expires in")
        .await;
    assert_eq!(
        app.text(".row[data-phase='done'] .name").await,
        "menu caf\u{fffd} (latin-1).txt"
    );
    let url = app.clipboard().expect("the link is in the clipboard");
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"soupe du jour\n");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A file that looks like a secret shared from the tray while the window is hidden: nothing is
/// shared, and the window comes forward with the question (a notification alone would be missed).
#[tokio::test]
async fn a_secret_shared_from_the_tray_brings_the_window_to_ask() {
    let app = App::builder().arg("--hidden").launch().await;
    app.wait_for_tray_item();
    app.wait_for_text("footer", "profile local").await;
    assert!(
        app.x_window_named("^LinkDrop$").is_none(),
        "--hidden showed the window"
    );
    let key = app.dir().join("deploy.pem");
    std::fs::write(&key, b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n").unwrap();
    app.set_clipboard(url::Url::from_file_path(&key).unwrap().as_str());
    wait_for_menu(&app, "Share copied file (deploy.pem), enabled", |m| {
        find(m, "Share copied file (deploy.pem)").is_some_and(|n| n["enabled"] == true)
    })
    .await;
    app.tray(&["click", "Share copied file"]);

    app.wait_for_x_window("^LinkDrop$").await;
    let asked = app
        .wait_for_text(".row[data-phase='asking']", "Share it anyway?")
        .await;
    assert!(asked.contains("a private key (PEM)"), "{asked}");
    assert_eq!(app.cli(&["history", "--json"]).trim(), "[]");
    assert!(
        !app.notifications()
            .iter()
            .any(|n| n.summary.starts_with("Link copied")),
        "{:?}",
        app.notifications()
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
