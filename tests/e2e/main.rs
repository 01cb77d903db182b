//! End-to-end tests: the real LinkDrop window (the `linkdrop` binary, its webview and its backend)
//! under Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver), one isolated desktop per test.
//! See tests/e2e/README.md for what they need and how to run them.

// Not every test uses every helper.
#[allow(dead_code)]
mod harness;
mod history;
mod requests;
mod screenshots;
mod settings;
mod tray;
mod window;

use harness::App;

#[tokio::test]
async fn first_start_opens_the_window_on_the_local_profile() {
    let app = App::launch().await;

    // A real X window, titled by tauri.conf.json.
    let window = app.x_window();
    assert!(window.width >= 400 && window.height >= 420, "{window:?}");

    assert_eq!(app.text("h1").await, "LinkDrop");
    // The footer shows the default profile once the backend answered: on a first start that is the
    // embedded local store's profile, created (with its secret in the keychain) by this very start.
    let footer = app.wait_for_text("footer", "profile local").await;
    assert!(footer.starts_with("LinkDrop v"), "{footer:?}");
    assert!(
        app.dirs.config.join("profiles.toml").exists(),
        "the first start did not write profiles.toml"
    );

    // Someone new is greeted in the drop zone with the two ways in.
    let welcome = app
        .wait_for_text("section[data-welcome='true']", "Welcome to LinkDrop")
        .await;
    assert!(welcome.contains("this computer only"), "{welcome:?}");
    let shot = app.screenshot("first-start").await;
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG: {}", shot.display());
    // "Connect your bucket" opens the new profile's form in Settings.
    app.find("[data-action=connect-bucket]")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text("form.editor h2", "New profile").await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
