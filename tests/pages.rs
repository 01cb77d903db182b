//! Share pages end to end: `linkdrop share FILE... --page` against the embedded store and
//! SeaweedFS, and the page in a real browser (headless Chromium over WebDriver): its rows, its
//! preview, its downloads under the files' own names, its expiry; re-issue and revoke by the
//! page's id.

#[path = "common/browser.rs"]
mod browser;
#[macro_use]
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
    downloaded_within(dir, name, Duration::from_secs(30))
}

fn downloaded_within(dir: &Path, name: &str, within: Duration) -> Vec<u8> {
    let deadline = Instant::now() + within;
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
    let data = linkdrop::system::html::data_of(&html, "page").expect("the page has its data");
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

/// Files shared one by one become one page later, from their history entries: nothing uploaded
/// again, the page in their bucket, its files under it in the history. What cannot share a page
/// is refused, saying why, and changes nothing.
fn scenario_files_shared_earlier_become_one_page(env: &TestEnv, backend: &Backend) {
    let a = env.file("minutes.txt", b"the minutes");
    let b = env.file("slides.txt", b"the slides");
    let output = env.run(&[
        "share",
        "--json",
        "--expires",
        "10m",
        "--profile",
        &backend.profile,
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shares: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = shares.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let keys_before = backend.keys();

    let output = env.run(&["page", ids[0], ids[1], "--expires", "2h", "--json"]);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let page: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(page["encrypted"], false);
    assert_eq!(page["files"][0]["name"], "minutes.txt");
    assert_eq!(page["files"][1]["key"], shares[1]["key"], "the same object");
    let added: Vec<String> = backend
        .keys()
        .into_iter()
        .filter(|k| !keys_before.contains(k))
        .collect();
    assert_eq!(
        added,
        vec![page["key"].as_str().unwrap().to_owned()],
        "[{}] only the page is written",
        backend.name
    );
    let html = common::fetch_text(page["url"].as_str().unwrap());
    let data = linkdrop::system::html::data_of(&html, "page").unwrap();
    assert_eq!(
        common::fetch_text(data["files"][1]["url"].as_str().unwrap()),
        "the slides"
    );
    // Its files' links now last as long as the page.
    let left = |at: &str| {
        (chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc() - chrono::Utc::now())
            .num_minutes()
    };
    assert!(left(data["expires_at"].as_str().unwrap()) > 100);
    let history: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    assert_eq!(
        history.len(),
        1,
        "the files are under the page: {history:?}"
    );
    assert_eq!(history[0]["id"], page["id"]);

    // A page of a page, a file already on one, and an encrypted file: refused, each said.
    let c = env.file("notes.txt", b"notes");
    let output = env.run(&[
        "share",
        "--json",
        "--profile",
        &backend.profile,
        c.to_str().unwrap(),
    ]);
    let single: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let single = single["id"].as_str().unwrap();
    for (ids, says) in [
        (
            vec![page["id"].as_str().unwrap(), single],
            "is a page already",
        ),
        (vec![ids[0], single], "is on a page already"),
    ] {
        let mut args = vec!["page"];
        args.extend(ids);
        let output = env.run(&args);
        assert_eq!(output.status.code(), Some(1));
        assert!(stderr(&output).contains(says), "{}", stderr(&output));
    }
    let sealed = env.run(&[
        "share",
        "--encrypt",
        "--json",
        "--profile",
        &backend.profile,
        c.to_str().unwrap(),
    ]);
    let sealed: Value = serde_json::from_str(stdout(&sealed).trim()).unwrap();
    let output = env.run(&["page", single, sealed["files"][0]["id"].as_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is on a page already"),
        "{}",
        stderr(&output)
    );
    let history: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    assert_eq!(history.len(), 3, "nothing changed: {history:?}");
}

fn object(backend: &Backend, key: &str) -> Vec<u8> {
    let (client, bucket, key) = (backend.client(), backend.bucket.clone(), key.to_owned());
    common::block_on(async move {
        let out = client
            .get_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    })
}

fn put_object(backend: &Backend, key: &str, bytes: Vec<u8>) {
    let (client, bucket, key) = (backend.client(), backend.bucket.clone(), key.to_owned());
    common::block_on(async move {
        client
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .body(bytes.into())
            .send()
            .await
            .unwrap();
    });
}

/// Whether any 16-byte window of `plain` appears in `stored` (for a shorter `plain`, `plain`
/// itself: names and keys).
fn leaks(plain: &[u8], stored: &[u8]) -> bool {
    if plain.len() < 16 {
        return stored.windows(plain.len().max(1)).any(|w| w == plain);
    }
    let windows: std::collections::HashSet<&[u8]> = plain.windows(16).collect();
    stored.windows(16).any(|w| windows.contains(w))
}

/// The names a page's file links carry, decoded: its query (`response-content-disposition`) is in
/// the page and in the bucket's access logs.
fn names_in_links(page_html: &[u8]) -> Vec<String> {
    let data = linkdrop::system::html::data_of(std::str::from_utf8(page_html).unwrap(), "page")
        .expect("the page's data");
    data["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let url = url::Url::parse(f["url"].as_str().unwrap()).unwrap();
            url.query_pairs()
                .find(|(k, _)| k == "response-content-disposition")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

fn scenario_an_encrypted_page_decrypts_in_the_browser_and_the_bucket_holds_only_ciphertext(
    env: &TestEnv,
    backend: &Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    // 1 byte, a chunk and a byte over 1 MiB, and a size that is no multiple of the 64 KiB chunk.
    let sent: Vec<(String, Vec<u8>)> = [
        ("one byte.txt", 1usize),
        ("über secret plan 🗝.bin", 1_048_577),
        ("odd size.dat", 200_001),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, len))| ((*name).to_owned(), common::contents(*len, 100 + i as u64)))
    .collect();
    let paths: Vec<PathBuf> = sent
        .iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let mut args = vec![
        "share",
        "--page",
        "--encrypt",
        "--json",
        "--profile",
        &backend.profile,
    ];
    let texts: Vec<String> = refs.iter().map(|p| p.display().to_string()).collect();
    args.extend(texts.iter().map(String::as_str));
    let output = env.run(&args);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let shared: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(shared["encrypted"], true);
    let url = shared["url"].as_str().unwrap().to_owned();
    let (_, key) = url.split_once('#').expect("the key in the fragment");
    assert_eq!(key.len(), 43);
    assert_eq!(shared["files"][1]["name"], "über secret plan 🗝.bin");
    assert_eq!(shared["files"][1]["size"], 1_048_577);

    // The bucket: ciphertext under names that say nothing, and a page without the names.
    let page_key = shared["key"].as_str().unwrap();
    let page_html = object(backend, page_key);
    for (i, (name, plain)) in sent.iter().enumerate() {
        let key_of = shared["files"][i]["key"].as_str().unwrap();
        assert!(key_of.ends_with("/data"), "{key_of}");
        let stored = object(backend, key_of);
        assert!(stored.starts_with(b"LDE1"));
        // A 1-byte file has no 16-byte window (and any byte appears in random ciphertext by
        // chance): its size in the object is what is checked.
        if plain.len() >= 16 {
            assert!(
                !leaks(plain, &stored),
                "[{}] plaintext of {name} in the bucket",
                backend.name
            );
        } else {
            assert_eq!(stored.len(), 16 + plain.len() + 16);
        }
        assert!(!leaks(name.as_bytes(), &stored) && !leaks(name.as_bytes(), &page_html));
    }
    // The key: in none of LinkDrop's files (the history, the logs) and not in the bucket.
    for file in common::files_under(&env.data_dir()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !leaks(key.as_bytes(), &bytes),
            "the key is in {}",
            file.display()
        );
    }
    assert!(!leaks(key.as_bytes(), &page_html));
    let named_only_data = |html: &[u8]| {
        let names = names_in_links(html);
        assert_eq!(names.len(), sent.len());
        for signed in names {
            assert!(
                !sent.iter().any(|(name, _)| signed.contains(name.as_str())),
                "a real name in a link: {signed}"
            );
        }
    };
    named_only_data(&page_html);

    let downloads = dir.path().join("downloads");
    common::block_on(async {
        let browser = Browser::start_saving_to(dir.path(), &downloads).await;
        browser.client.goto(&url).await.unwrap();
        assert_eq!(browser.text("h1").await, "one byte.txt and 2 more files");
        browser.wait_for_text("#files", "odd size.dat").await;
        browser
            .client
            .find(fantoccini::Locator::Id("all"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for (name, plain) in &sent {
            assert_eq!(
                &downloaded(&downloads, name),
                plain,
                "[{}] {name}",
                backend.name
            );
        }
        browser.close().await;
    });

    // Re-issued by the page's id, with the key from the keychain: a new link that still opens.
    let id = shared["id"].as_str().unwrap();
    let output = env.run(&["reissue", id, "--expires", "2h", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let again: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let again_url = again["url"].as_str().unwrap();
    assert!(again_url.ends_with(&format!("#{key}")), "{again_url}");
    assert_ne!(again_url, url);
    // The re-signed links in the page still name nothing (they were signed with the real names
    // once, into the bucket's page).
    named_only_data(&object(backend, page_key));
    let history = stdout(&env.run(&["history", "--json"]));
    assert!(!history.contains(key), "the history shows no key");
    common::block_on(async {
        let browser = Browser::start(dir.path()).await;
        browser.client.goto(again_url).await.unwrap();
        browser.wait_for_text("#files", "über secret plan").await;
        browser.close().await;
    });
}

/// What can go wrong with an encrypted page, each said as itself and never saved as a file.
#[test]
fn a_tampered_truncated_or_reordered_file_and_a_wrong_or_missing_key_are_caught() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let dir = tempfile::tempdir().unwrap();
    let names = ["flipped.bin", "cut.bin", "swapped.bin", "fine.bin"];
    let paths: Vec<PathBuf> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let path = dir.path().join(name);
            std::fs::write(&path, common::contents(200_000, i as u64)).unwrap();
            path
        })
        .collect();
    let texts: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut args = vec!["share", "--page", "--encrypt", "--json"];
    args.extend(texts.iter().map(String::as_str));
    let output = env.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let shared: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let key_of = |i: usize| shared["files"][i]["key"].as_str().unwrap().to_owned();
    let mut flipped = object(&backend, &key_of(0));
    flipped[5000] ^= 0x40;
    put_object(&backend, &key_of(0), flipped);
    let cut = object(&backend, &key_of(1));
    put_object(&backend, &key_of(1), cut[..16 + 65_536 + 16].to_vec());
    let whole = object(&backend, &key_of(2));
    let (a, b) = (16..16 + 65_552, 16 + 65_552..16 + 2 * 65_552);
    let mut swapped = whole[..16].to_vec();
    swapped.extend_from_slice(&whole[b.clone()]);
    swapped.extend_from_slice(&whole[a]);
    swapped.extend_from_slice(&whole[b.end..]);
    put_object(&backend, &key_of(2), swapped);

    let url = shared["url"].as_str().unwrap().to_owned();
    let downloads = dir.path().join("downloads");
    common::block_on(async {
        let browser = Browser::start_saving_to(dir.path(), &downloads).await;
        browser.client.goto(&url).await.unwrap();
        browser.wait_for_text("#files", "fine.bin").await;
        browser
            .client
            .find(fantoccini::Locator::Id("all"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert_eq!(
            downloaded(&downloads, "fine.bin"),
            common::contents(200_000, 3)
        );
        let rows = browser.wait_for_text("#files", "cut short").await;
        assert_eq!(
            rows.matches(
                "This file was changed or cut short after it was shared: nothing was saved."
            )
            .count(),
            3,
            "{rows}"
        );
        for name in &names[..3] {
            assert!(!downloads.join(name).exists(), "{name} was saved");
        }

        let (base, key) = url.split_once('#').unwrap();
        let mut wrong = key.chars().collect::<Vec<_>>();
        wrong[0] = if wrong[0] == 'A' { 'B' } else { 'A' };
        let wrong: String = wrong.into_iter().collect();
        // Only the fragment differs from the page open: load it afresh, as a new tab would.
        browser.client.goto("about:blank").await.unwrap();
        browser
            .client
            .goto(&format!("{base}#{wrong}"))
            .await
            .unwrap();
        browser
            .wait_for_text("#left", "The key in this link is wrong")
            .await;
        browser.client.goto("about:blank").await.unwrap();
        browser.client.goto(base).await.unwrap();
        browser
            .wait_for_text("#left", "This link is missing its key")
            .await;
        browser.client.goto("about:blank").await.unwrap();
        browser.client.goto(&format!("{base}#short")).await.unwrap();
        browser.wait_for_text("#left", "not a LinkDrop key").await;
        browser.close().await;
    });
}

/// Stands in for the browser's save dialog (`showSaveFilePicker`, which headless Chromium opens
/// and nobody answers): the file it "chose" keeps what the page writes, and on `close()` its
/// SHA-256, in `window.saved`. `abort()` is what the real one does with a side copy: discards it.
const SAVE_DIALOG: &str = r#"
    window.saved = { writes: 0, closed: false, aborted: false, digest: null };
    window.showSaveFilePicker = async function (options) {
      window.saved.suggested = options.suggestedName;
      var parts = [];
      return { createWritable: async function () { return {
        write: async function (chunk) { window.saved.writes += 1; parts.push(chunk.slice()); },
        close: async function () {
          var all = await new Blob(parts).arrayBuffer();
          var d = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
          window.saved.digest = Array.from(d, function (b) { return b.toString(16).padStart(2, '0'); }).join('');
          window.saved.closed = true;
        },
        abort: async function () { parts = []; window.saved.aborted = true; },
      }; } };
    };
"#;

/// Opens the page afresh, runs `script` in it, and clicks its (first) file's Download.
async fn open_and_download(browser: &Browser, url: &str, script: &str) {
    browser.client.goto("about:blank").await.unwrap();
    browser.client.goto(url).await.unwrap();
    browser.wait_for_text("#files", "big.bin").await;
    browser.client.execute(script, vec![]).await.unwrap();
    browser
        .client
        .find(fantoccini::Locator::Css("#files a.button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// A 100 MiB file, encrypted as it is sent and decrypted in the browser, byte for byte: through
/// memory where the browser cannot write to disk, and straight to the chosen file where it can;
/// a byte changed near its end aborts the file being written, so nothing is saved.
#[test]
fn a_hundred_mebibytes_encrypted_arrive_whole_through_memory_or_straight_to_disk() {
    use sha2::Digest as _;
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.bin");
    let bytes = common::contents(100 << 20, 9);
    std::fs::write(&big, &bytes).unwrap();
    let output = env.run(&["share", "--encrypt", "--json", big.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let shared: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(
        shared["encrypted"], true,
        "--encrypt alone gives the file its own page"
    );
    let url = shared["url"].as_str().unwrap().to_owned();
    let digest = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bytes));
    let downloads = dir.path().join("downloads");
    common::block_on(async {
        let browser = Browser::start_saving_to(dir.path(), &downloads).await;
        // A browser without the File System Access API (Firefox, Safari): through memory.
        open_and_download(&browser, &url, "window.showSaveFilePicker = undefined;").await;
        assert!(downloaded_within(&downloads, "big.bin", Duration::from_secs(120)) == bytes);

        // One with it: each chunk written to the chosen file as it checks.
        open_and_download(&browser, &url, SAVE_DIALOG).await;
        browser
            .wait_for_text("#files", "Decrypted and saved.")
            .await;
        let saved = browser
            .client
            .execute("return window.saved;", vec![])
            .await
            .unwrap();
        assert_eq!(saved["suggested"], "big.bin");
        assert_eq!(saved["closed"], true, "{saved}");
        assert_eq!(
            saved["digest"],
            digest.as_str(),
            "the file written is the file shared"
        );
        assert!(
            saved["writes"].as_u64().unwrap() >= 1600,
            "written a chunk at a time: {saved}"
        );
        browser.close().await;
    });

    // A byte changed in the last chunk: all but that chunk is written, then the file is dropped.
    let key = shared["files"][0]["key"].as_str().unwrap();
    let mut stored = object(&backend, key);
    let at = stored.len() - 20;
    stored[at] ^= 1;
    put_object(&backend, key, stored);
    common::block_on(async {
        let browser = Browser::start(dir.path()).await;
        open_and_download(&browser, &url, SAVE_DIALOG).await;
        browser
            .wait_for_text(
                "#files",
                "changed or cut short after it was shared: nothing was saved",
            )
            .await;
        let saved = browser
            .client
            .execute("return window.saved;", vec![])
            .await
            .unwrap();
        assert_eq!(saved["aborted"], true, "{saved}");
        assert_eq!(saved["closed"], false, "{saved}");
        assert!(saved["writes"].as_u64().unwrap() > 1000, "{saved}");
        browser.close().await;
    });
}

scenarios!(
    scenario_files_shared_earlier_become_one_page,
    scenario_a_page_of_three_files_lists_previews_and_downloads_them,
    scenario_a_page_and_its_files_expire_together_and_reissue_together,
    scenario_an_encrypted_page_decrypts_in_the_browser_and_the_bucket_holds_only_ciphertext,
);
