//! The README's pictures: each view of the real window under Xvfb, with real shares in it.
//! `make screenshots` runs this (it is ignored otherwise) and writes them to `docs/screenshots/`.

use std::path::PathBuf;

use crate::harness::App;

async fn tab(app: &App, view: &str) {
    app.find(&format!("button[role='tab'][data-view='{view}']"))
        .await
        .click()
        .await
        .unwrap();
}

async fn save(app: &App, out: &std::path::Path, name: &str) {
    let shot = app.screenshot(name).await;
    let target = out.join(format!("{name}.png"));
    std::fs::copy(&shot, &target).unwrap();
    let png = std::fs::read(&target).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{}",
        target.display()
    );
}

#[tokio::test]
#[ignore = "writes docs/screenshots: make screenshots"]
async fn every_view() {
    let out = PathBuf::from(
        std::env::var_os("LINKDROP_SCREENSHOTS").expect("LINKDROP_SCREENSHOTS: where to write"),
    );
    std::fs::create_dir_all(&out).unwrap();
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // Roomier than the first window, as people use it, so each picture shows the whole view.
    app.client().set_window_size(900, 860).await.unwrap();

    // A first start: the welcome.
    app.wait_for_text("section[data-welcome='true']", "Welcome")
        .await;
    save(&app, &out, "welcome").await;

    // Files handed to the window, as from a terminal or a file manager: rows with their links.
    for (name, size) in [
        ("holiday photos.zip", 48 << 20),
        ("quarterly report.pdf", 900 << 10),
    ] {
        let file = app.dir().join(name);
        std::fs::write(&file, vec![7u8; size]).unwrap();
        let (code, said) =
            app.cli_at_terminal(&["share", file.to_str().unwrap(), "--expires", "1d"]);
        assert_eq!(code, Some(0), "{said}");
        app.wait_for_text(".row[data-phase='done'] .name", name)
            .await;
    }
    save(&app, &out, "share").await;

    // The history with links of different ages: one expired, re-issuable.
    let old = app.dir().join("meeting notes.txt");
    std::fs::write(&old, b"notes").unwrap();
    app.cli(&["share", old.to_str().unwrap(), "--expires", "1s", "--json"]);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    tab(&app, "history").await;
    app.wait_for_text("[data-state='expired']", "expired").await;
    save(&app, &out, "history").await;

    tab(&app, "settings").await;
    app.wait_for_text(".settings", "local").await;
    save(&app, &out, "settings").await;

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
