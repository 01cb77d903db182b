//! The Settings view against the real backend, keychain and store: the connection check of the
//! local profile passes every step; a profile added with a wrong secret fails its credentials line
//! with the fix, can still be saved on request (the secret lands in the keychain, not on disk),
//! shows up in the Share view's picker, and goes with its keychain entry when removed.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{App, UI_TIMEOUT};

async fn click(app: &App, css: &str) {
    app.find(css).await.click().await.unwrap();
}

async fn fill(app: &App, label: &str, value: &str) {
    let input = app
        .client()
        .find(fantoccini::Locator::XPath(&format!(
            "//label[normalize-space(text())='{label}']/following-sibling::input[1]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no field {label}: {e}"));
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

#[tokio::test]
async fn profiles_are_checked_added_and_removed_from_the_window() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    click(&app, "button[role='tab'][data-view='settings']").await;

    // The local profile, checked through the window against the real embedded store.
    click(&app, "[data-profile='local'] [data-action='edit']").await;
    click(&app, "[data-action='test']").await;
    app.wait_for_attr("[data-step='link']", "data-outcome", "passed")
        .await;
    for step in [
        "endpoint",
        "credentials",
        "bucket",
        "write",
        "read",
        "delete",
        "clock",
    ] {
        app.wait_for_attr(&format!("[data-step='{step}']"), "data-outcome", "passed")
            .await;
    }
    click(&app, "form.editor button:not([data-action])").await; // Cancel

    // A second profile on the same store, with a wrong secret.
    let book: toml::Value =
        toml::from_str(&std::fs::read_to_string(app.dirs.config.join("profiles.toml")).unwrap())
            .unwrap();
    let local = &book["profile"][0];
    let endpoint = local["endpoint"].as_str().unwrap();
    // The store's key is beside its data.
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(app.dirs.data.join("store-key.json")).unwrap())
            .unwrap();
    let key_id = key["access_key_id"].as_str().unwrap();
    let wrong = "not-the-secret-e2e-0123456789";
    click(&app, "[data-action='add-profile']").await;
    let provider = app.find("form.editor select").await;
    provider.select_by_value("custom").await.unwrap();
    fill(&app, "Name", "second").await;
    fill(&app, "Bucket", "linkdrop").await;
    fill(&app, "Endpoint", endpoint).await;
    fill(&app, "Access key ID", key_id).await;
    fill(&app, "Secret access key", wrong).await;
    click(&app, "[data-action='save']").await;
    app.wait_for_attr("[data-step='credentials']", "data-outcome", "failed")
        .await;
    let line = app.text("[data-step='credentials']").await;
    assert!(line.contains("secret access key"), "{line}");
    assert!(!line.contains(wrong));
    click(&app, "[data-action='save-anyway']").await;
    app.find("[data-profile='second']").await;

    let on_disk = std::fs::read_to_string(app.dirs.config.join("profiles.toml")).unwrap();
    assert!(on_disk.contains("name = \"second\""), "{on_disk}");
    assert!(
        !on_disk.contains(wrong),
        "the secret is not in the config file"
    );
    // The secret is in the keychain: the command line signs with it (and is refused).
    let report: Value =
        serde_json::from_str(&app.cli_status(&["profile", "check", "second", "--json"]).1).unwrap();
    let credentials = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "credentials")
        .unwrap();
    assert_eq!(credentials["outcome"], "failed", "{report}");

    // Two profiles: the Share view offers the choice.
    click(&app, "button[role='tab'][data-view='share']").await;
    app.wait_for_text(".options", "second").await;

    // Removing it asks first, then removes the profile and its keychain entry.
    click(&app, "button[role='tab'][data-view='settings']").await;
    click(&app, "[data-profile='second'] [data-action='remove']").await;
    click(&app, "dialog[open] [data-confirm]").await;
    let deadline = Instant::now() + UI_TIMEOUT;
    while app
        .client()
        .find(fantoccini::Locator::Css("[data-profile='second']"))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "the profile stayed in the list");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let on_disk = std::fs::read_to_string(app.dirs.config.join("profiles.toml")).unwrap();
    assert!(!on_disk.contains("\"second\""), "{on_disk}");
    let (code, _, err) = app.cli_status(&["profile", "check", "second"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no profile named \"second\""), "{err}");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// Settings → Storage against the real embedded store: what is kept and what expired are
/// counted as the store holds them, an expired link's file goes with its button after a
/// confirmation, and the history follows.
#[tokio::test]
async fn the_storage_view_counts_what_the_store_keeps_and_tidies_it() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let file = app.dir().join("old notes.txt");
    std::fs::write(&file, b"expired soon").unwrap();
    let out = app.cli(&["share", file.to_str().unwrap(), "--expires", "1s", "--json"]);
    let share: Value = serde_json::from_str(out.trim()).unwrap();
    let kept = app.dir().join("kept.txt");
    std::fs::write(&kept, b"still shared").unwrap();
    app.cli(&["share", kept.to_str().unwrap(), "--expires", "1h", "--json"]);
    tokio::time::sleep(Duration::from_secs(2)).await;

    click(&app, "button[role='tab'][data-view='settings']").await;
    click(&app, "[data-action='look']").await;
    let kept_text = app.wait_for_text("[data-figure='kept']", "2 objects").await;
    assert!(kept_text.contains("24 B"), "{kept_text}");
    app.wait_for_text("[data-figure='expired']", "1 object, 12 B")
        .await;
    click(&app, "[data-action='delete-expired']").await;
    click(&app, "dialog[open] [data-confirm]").await;
    app.wait_for_text("[data-figure='expired']", "0 objects")
        .await;
    app.wait_for_text("[data-figure='kept']", "1 object, 12 B")
        .await;
    let list: Value = serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == share["id"])
        .unwrap()
        .clone();
    assert_eq!(entry["state"], "deleted");
    let status = reqwest::get(share["url"].as_str().unwrap())
        .await
        .unwrap()
        .status()
        .as_u16();
    assert!(matches!(status, 403 | 404), "{status}");

    // The backstop, on the embedded store too: the exact rules shown, added after a yes, and
    // read back from the store.
    click(&app, "[data-action='lifecycle']").await;
    let rules = app
        .wait_for_text(
            "[data-lifecycle='missing'] .rules",
            "linkdrop-abort-unfinished",
        )
        .await;
    assert!(
        rules.contains("<DaysAfterInitiation>7</DaysAfterInitiation>"),
        "{rules}"
    );
    click(&app, "[data-action='install-lifecycle']").await;
    click(&app, "dialog[open] [data-confirm]").await;
    app.wait_for_text(
        "[data-lifecycle='installed']",
        "lifecycle rules are in the bucket",
    )
    .await;
    let plan: Value =
        serde_json::from_str(&app.cli(&["storage", "--lifecycle", "--json"])).unwrap();
    assert_eq!(plan["installed"], true, "{plan}");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
