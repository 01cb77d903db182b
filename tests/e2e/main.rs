//! End-to-end tests: the real LinkDrop window (the `linkdrop` binary, its webview and its backend)
//! under Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver), one isolated desktop per test.
//! See tests/e2e/README.md for what they need and how to run them.

// Not every test uses every helper.
#[allow(dead_code)]
mod harness;
mod history;
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

    // Someone new is greeted with the two ways in, above a drop zone that already works.
    let welcome = app
        .wait_for_text("section[aria-labelledby=welcome-title]", "Welcome")
        .await;
    assert!(welcome.contains("Connect your bucket"), "{welcome:?}");
    let shot = app.screenshot("first-start").await;
    app.find("[data-action=try-it]")
        .await
        .click()
        .await
        .unwrap();
    let note = app.wait_for_text("[role=note]", "this computer only").await;
    assert!(note.contains("connect your bucket"), "{note:?}");
    assert_eq!(
        app.client()
            .find_all(fantoccini::Locator::Css(
                "section[aria-labelledby=welcome-title]"
            ))
            .await
            .unwrap()
            .len(),
        0,
        "the welcome went"
    );

    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG: {}", shot.display());

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
