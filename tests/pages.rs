//! Share pages end to end: `linkdrop share FILE... --page` against the embedded store and
//! SeaweedFS, and the page in a real browser (headless Chromium over WebDriver): its rows, its
//! preview, its downloads under the files' own names, its expiry; re-issue and revoke by the
//! page's id.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser::Browser;
use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

/// A 2×2 PNG (red, green, blue, white): small enough to embed, real enough to decode.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xc0,
    0xf0, 0x1f, 0x08, 0x19, 0x18, 0xfe, 0xff, 0xff, 0x0f, 0x00, 0x1f, 0xee, 0x05, 0xfb, 0x7d, 0x9e,
    0x9a, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn page(env: &TestEnv, backend: &Backend, files: &[&Path], expires: &str) -> Value {
    let mut args = vec![
        "share",
        "--page",
        "--json",
        "--profile",
        &backend.profile,
        "--expires",
        expires,
    ];
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let output = env.run(&args);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one link for the page: {lines:?}");
    serde_json::from_str(lines[0]).unwrap()
}

fn status(url: &str) -> u16 {
    common::http().get(url).send().unwrap().status().as_u16()
}

/// Waits for `name` to be downloaded whole into `dir`.
fn downloaded(dir: &Path, name: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let path: PathBuf = dir.join(name);
    loop {
        let partial = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"))
            })
            .unwrap_or(false);
        if path.exists() && !partial {
            return std::fs::read(&path).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "{name} was not downloaded; {:?}",
            std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn scenario_a_page_of_three_files_lists_previews_and_downloads_them(
    env: &TestEnv,
    backend: &Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("holiday photo.png");
    std::fs::write(&image, PNG).unwrap();
    let pdf = dir.path().join("contract (signed).pdf");
    let pdf_bytes =
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec();
    std::fs::write(&pdf, &pdf_bytes).unwrap();
    let binary = dir.path().join("data ünïcode.bin");
    let binary_bytes = common::contents(300_001, 7);
    std::fs::write(&binary, &binary_bytes).unwrap();

    let shared = page(env, backend, &[&image, &pdf, &binary], "1h");
    assert_eq!(shared["encrypted"], false);
    let files = shared["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["name"], "holiday photo.png");
    assert_eq!(files[2]["size"], 300_001);
    assert!(
        files
            .iter()
            .all(|f| f["key"].as_str().is_some_and(|k| !k.is_empty()))
    );
    let url = shared["url"].as_str().unwrap();
    assert!(
        !url.contains(files[0]["key"].as_str().unwrap()),
        "no file URL in the link"
    );

    // The history: one entry, the page, with its files under it.
    let history: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["kind"], "page");
    assert_eq!(history[0]["id"], shared["id"]);

    let downloads = dir.path().join("downloads");
    common::block_on(async {
        let browser = Browser::start_saving_to(dir.path(), &downloads).await;
        browser.client.goto(url).await.unwrap();
        assert_eq!(
            browser.text("h1").await,
            "holiday photo.png and 2 more files"
        );
        let rows = browser.wait_for_text("#files", "data ünïcode.bin").await;
        assert!(
            rows.contains("holiday photo.png\n78 bytes · image/png"),
            "{rows}"
        );
        assert!(rows.contains("300 kB"), "{rows}");
        assert!(
            browser
                .text("#left")
                .await
                .starts_with("Available for 59 minutes")
        );
        // The image's preview decodes (a blob: URL the page made from the fetched file).
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let width = browser
                .client
                .execute(
                    "const i = document.querySelector('.preview img'); return i ? i.naturalWidth : 0",
                    vec![],
                )
                .await
                .unwrap();
            if width == serde_json::json!(2) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the preview did not load: {width}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser
            .client
            .find(fantoccini::Locator::Id("all"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(downloaded(&downloads, "holiday photo.png"), PNG);
        assert_eq!(downloaded(&downloads, "contract (signed).pdf"), pdf_bytes);
        assert_eq!(downloaded(&downloads, "data ünïcode.bin"), binary_bytes);
        browser.close().await;
    });
}

fn scenario_a_page_and_its_files_expire_together_and_reissue_together(
    env: &TestEnv,
    backend: &Backend,
) {
    let a = env.file("a.txt", b"first");
    let b = env.file("b.txt", b"second");
    let shared = page(env, backend, &[&a, &b], "3s");
    let url = shared["url"].as_str().unwrap().to_owned();
    let file_url = shared["files"][1]["url"].as_str().unwrap().to_owned();
    assert_eq!(status(&url), 200);
    assert_eq!(status(&file_url), 200);
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        status(&url),
        403,
        "[{}] the page after its expiry",
        backend.name
    );
    assert_eq!(
        status(&file_url),
        403,
        "[{}] a file after the expiry",
        backend.name
    );

    // Re-issued by the page's id: a new page with new file links, nothing uploaded again.
    let id = shared["id"].as_str().unwrap();
    let output = env.run(&["reissue", id, "--expires", "1h", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let again: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let new_url = again["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    let html = common::fetch_text(new_url);
    let start = html
        .find(r#"<script id="page" type="application/json">"#)
        .unwrap()
        + 42;
    let data: Value =
        serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()])
            .unwrap();
    let second = data["files"][1]["url"].as_str().unwrap();
    assert_eq!(common::fetch_text(second), "second");

    // Revoked by the page's id: the page and every file gone.
    let output = env.run(&["revoke", id]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(matches!(status(new_url), 403 | 404));
    assert!(matches!(status(second), 403 | 404));
    let history: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["state"], "revoked");
}

macro_rules! scenarios {
    ($($scenario:ident),* $(,)?) => {
        mod embedded_store {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    let env = TestEnv::new();
                    let backend = Backend::embedded(&env);
                    super::$scenario(&env, &backend);
                }
            )*
        }
        mod seaweedfs {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    let env = TestEnv::new();
                    let backend = Backend::seaweedfs(&env);
                    super::$scenario(&env, &backend);
                }
            )*
        }
    };
}

scenarios!(
    scenario_a_page_of_three_files_lists_previews_and_downloads_them,
    scenario_a_page_and_its_files_expire_together_and_reissue_together,
);
