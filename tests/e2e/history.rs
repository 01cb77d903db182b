//! The History view: links shared from the command line show up in the window's ledger, count down
//! live, turn to "expired", and come back to life with one click, without uploading again.

use std::time::Duration;

use serde_json::Value;

use crate::harness::App;

/// Shares `contents` as `name` through the command line, like a script would; returns its JSON.
fn share_from_the_command_line(app: &App, name: &str, contents: &[u8], expires: &str) -> Value {
    let file = app.dir().join(name);
    std::fs::write(&file, contents).unwrap();
    let out = app.cli(&[
        "share",
        file.to_str().unwrap(),
        "--expires",
        expires,
        "--json",
    ]);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn history_entry(app: &App, id: &str) -> Value {
    let list: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} is not in the history"))
}

async fn open_history(app: &App) {
    app.find("button[role='tab'][data-view='history']")
        .await
        .click()
        .await
        .unwrap();
}

/// Waits until the row of `id` has `data-state` = `state`.
async fn wait_for_state(app: &App, id: &str, state: &str) {
    app.wait_for_attr(&format!("[data-entry-id='{id}']"), "data-state", state)
        .await;
}

#[tokio::test]
async fn a_command_line_share_counts_down_in_the_history_and_turns_to_expired() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // The History view is open when a script shares a file: the new link shows up by itself.
    open_history(&app).await;
    let share = share_from_the_command_line(&app, "minutes.txt", b"the minutes", "8s");
    let id = share["id"].as_str().unwrap();
    let row = format!("[data-entry-id='{id}']");

    // The name is cut with an ellipsis when long; its title has it whole.
    let name = app.find(&format!("{row} .name")).await;
    assert_eq!(
        name.attr("title").await.unwrap().as_deref(),
        Some("minutes.txt")
    );
    let countdown = app
        .wait_for_text(&format!("{row} .countdown"), "expires in")
        .await;
    assert!(countdown.ends_with(" s"), "{countdown}");
    let text = app.text(&row).await;
    assert!(text.contains("local"), "the row names the profile: {text}");

    // The same page clock that counts down turns it to expired: no reload, no click.
    wait_for_state(&app, id, "expired").await;
    app.wait_for_text(&format!("{row} .countdown"), "expired")
        .await;
    let response = reqwest::get(share["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(response.status().as_u16(), 403, "the server agrees");

    // The Expired filter shows it; Active does not.
    app.find("[data-filter='active']")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text("[data-filter='active']", "0").await;
    app.find("[data-filter='expired']")
        .await
        .click()
        .await
        .unwrap();
    app.find(&row).await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn an_expired_link_is_reissued_from_its_row_without_uploading_again() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let contents = b"agenda: everything";
    let share = share_from_the_command_line(&app, "agenda.txt", contents, "2s");
    let id = share["id"].as_str().unwrap();
    let old_url = share["url"].as_str().unwrap().to_owned();
    let row = format!("[data-entry-id='{id}']");
    let object = app.dirs.data.join("store").join("buckets");
    let stored_before = files_with_mtimes(&object);
    assert!(!stored_before.is_empty(), "the store holds the object");

    open_history(&app).await;
    wait_for_state(&app, id, "expired").await;

    app.find(&format!("{row} [data-action='reissue']"))
        .await
        .click()
        .await
        .unwrap();
    app.find("dialog[open] [data-expires='1h']")
        .await
        .click()
        .await
        .unwrap();

    wait_for_state(&app, id, "active").await;
    let countdown = app
        .wait_for_text(&format!("{row} .countdown"), "expires in")
        .await;
    assert!(
        countdown.contains("59 min") || countdown.contains("1 h"),
        "{countdown}"
    );

    // A single re-issue is copied and announced like a fresh share.
    let note = app
        .wait_for_notification(Duration::from_secs(10), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    let url = app.clipboard().expect("the new link is in the clipboard");
    assert_ne!(url, old_url, "a new signature");
    assert!(url.contains(&share["key"].as_str().unwrap().replace(' ', "%20")));
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), contents);

    let entry = history_entry(&app, id);
    assert_eq!(entry["issued"], 2);
    assert_eq!(entry["url"], url.as_str());
    assert_eq!(
        files_with_mtimes(&object),
        stored_before,
        "nothing was uploaded again"
    );

    // Revoke from the row, after a confirmation: the link dies, the entry stays.
    app.find(&format!("{row} [data-action='revoke']"))
        .await
        .click()
        .await
        .unwrap();
    app.find("dialog[open] [data-confirm]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_state(&app, id, "revoked").await;
    let status = reqwest::get(&url).await.unwrap().status().as_u16();
    assert!(
        status == 403 || status == 404,
        "revoked link answered {status}"
    );
    assert_eq!(history_entry(&app, id)["state"], "revoked");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// Every file under `dir` (the embedded store's `buckets`: objects' metadata and bytes) with its
/// modification time.
fn files_with_mtimes(dir: &std::path::Path) -> Vec<(String, std::time::SystemTime)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                found.push((path.display().to_string(), modified));
            }
        }
    }
    found.sort();
    found
}

/// Two links shared earlier become one page from a selection in the History view: the page's
/// link is in the clipboard and lists both files, which download; the files are under the page
/// (the row shows them). An encrypted page copied from its row comes with its key, which only
/// the keychain holds.
#[tokio::test]
async fn a_selection_becomes_one_page_and_an_encrypted_page_is_copied_with_its_key() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let first = share_from_the_command_line(&app, "minutes.txt", b"the minutes", "1h");
    let second = share_from_the_command_line(&app, "slides.txt", b"the slides", "1h");
    open_history(&app).await;
    for share in [&first, &second] {
        let id = share["id"].as_str().unwrap();
        app.find(&format!("[data-entry-id='{id}'] input[type='checkbox']"))
            .await
            .click()
            .await
            .unwrap();
    }
    app.find("[data-bulk='page']").await.click().await.unwrap();
    app.find("dialog[open] [data-expires='1d']")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text("[role='status']", "One link for 2 files: copied.")
        .await;
    let url = app
        .clipboard()
        .expect("the page's link is in the clipboard");
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let data = linkdrop::system::html::data_of(&html, "page").expect("a share page");
    let names: Vec<&str> = data["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["minutes.txt", "slides.txt"]);
    let slides = reqwest::get(data["files"][1]["url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(slides.bytes().await.unwrap().as_ref(), b"the slides");

    let list: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    let page = list.as_array().unwrap()[0].clone();
    assert_eq!(page["kind"], "page");
    let page_row = format!("[data-entry-id='{}']", page["id"].as_str().unwrap());
    app.find(&format!("{page_row} [data-action='files']"))
        .await
        .click()
        .await
        .unwrap();
    let files = app.wait_for_text("dialog[open]", "slides.txt").await;
    assert!(files.contains("minutes.txt"), "{files}");

    // An encrypted page, from the command line: the history has no key, the copy does.
    let secret = app.dir().join("plans.txt");
    std::fs::write(&secret, b"the plans").unwrap();
    let out = app.cli(&["share", secret.to_str().unwrap(), "--encrypt", "--json"]);
    let sealed: Value = serde_json::from_str(out.trim()).unwrap();
    let full = sealed["url"].as_str().unwrap();
    let (_, key) = full.split_once('#').unwrap();
    app.find("dialog[open] button").await.click().await.unwrap();
    let sealed_row = format!("[data-entry-id='{}']", sealed["id"].as_str().unwrap());
    app.wait_for_text(&format!("{sealed_row} .meta"), "Encrypted page")
        .await;
    app.find(&format!("{sealed_row} [data-action='copy']"))
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(&format!("{sealed_row} .countdown"), "Copied")
        .await;
    let copied = app.clipboard().unwrap();
    assert!(copied.ends_with(&format!("#{key}")), "{copied}");
    assert!(!app.cli(&["history", "--json"]).contains(key));

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A link shared to be deleted once it expires is deleted by the running app after its grace:
/// the object leaves the bucket, the row says so, and a re-issue cannot bring it back.
#[tokio::test]
async fn the_running_app_deletes_an_expired_share_that_asked_for_it() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    open_history(&app).await;
    let file = app.dir().join("scratch.txt");
    std::fs::write(&file, b"for a moment").unwrap();
    // --json: shared here, not handed to the window; the window's sweep deletes it.
    let out = app.cli(&[
        "share",
        file.to_str().unwrap(),
        "--expires",
        "2s",
        "--delete-after-expiry",
        "--grace",
        "1s",
        "--json",
    ]);
    let share: Value = serde_json::from_str(out.trim()).unwrap();
    let id = share["id"].as_str().unwrap();
    let objects = app.dirs.data.join("store").join("buckets");
    let stored_at_first = files_with_mtimes(&objects).len();
    assert!(stored_at_first > 0, "the object is in the store at first");
    let row = format!("[data-entry-id='{id}']");
    app.wait_for_text(&format!("{row} .meta"), "deleted from the bucket")
        .await;
    wait_for_state(&app, id, "deleted").await;
    app.wait_for_text(&format!("{row} .countdown"), "Deleted after it expired")
        .await;
    assert!(
        files_with_mtimes(&objects).len() < stored_at_first,
        "the object (and its metadata) left the store"
    );
    assert_eq!(history_entry(&app, id)["state"], "deleted");
    let (code, _, err) = app.cli_status(&["reissue", id]);
    assert_eq!(code, Some(1));
    assert!(err.contains("deleted after its link expired"), "{err}");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
