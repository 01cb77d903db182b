//! The window as a person uses it: files dragged from another application, the link in the system
//! clipboard and a notification, a big upload cancelled, a file that cannot be shared.

use std::time::Duration;

use crate::harness::App;

/// The link a finished row shows (its full text is in the title; the row shortens it visibly).
async fn link_of_done_row(app: &App) -> String {
    app.wait_for_text(".row[data-phase='done'] .countdown", "expires in")
        .await;
    app.find(".row[data-phase='done'] .link")
        .await
        .attr("title")
        .await
        .unwrap()
        .expect("the link has its full URL as a title")
}

/// "One link for all the files": a drop of two files gives one row and one link, to a page that
/// lists both, and one history entry.
#[tokio::test]
async fn two_dropped_files_become_one_link_to_a_page_when_asked() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let a = app.dir().join("first.txt");
    std::fs::write(&a, b"one").unwrap();
    let b = app.dir().join("second.txt");
    std::fs::write(&b, b"two").unwrap();
    app.find(".page-option input").await.click().await.unwrap();

    let outcome = app.drag_files_onto(&[&a, &b], "section.zone").await;
    assert!(outcome.failed.is_none(), "{outcome:?}");
    let url = link_of_done_row(&app).await;
    assert_eq!(
        app.text(".row[data-phase='done'] .name").await,
        "first.txt and 1 more file"
    );
    assert!(url.contains("/index.html?"), "{url}");
    assert_eq!(app.clipboard().as_deref(), Some(url.as_str()));
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("first.txt") && page.contains("second.txt"));
    let history: Vec<serde_json::Value> =
        serde_json::from_str(app.cli(&["history", "--json"]).trim()).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["kind"], "page");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// "Encrypt here first": the link in the row and the clipboard ends in the key; the key is in no
/// notification and in none of LinkDrop's files, and the bucket holds ciphertext.
#[tokio::test]
async fn an_encrypted_drop_keeps_its_key_in_the_link_alone() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let file = app.dir().join("private notes.txt");
    std::fs::write(
        &file,
        b"nobody but the recipient reads this, not even the bucket",
    )
    .unwrap();
    app.find(".page-option:nth-of-type(2) input")
        .await
        .click()
        .await
        .unwrap();
    let outcome = app.drag_files_onto(&[&file], "section.zone").await;
    assert!(outcome.failed.is_none(), "{outcome:?}");
    let url = link_of_done_row(&app).await;
    let (_, key) = url.split_once('#').expect("the key after #");
    assert_eq!(key.len(), 43);
    assert_eq!(app.clipboard().as_deref(), Some(url.as_str()));
    let note = app
        .wait_for_notification(Duration::from_secs(10), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert!(
        !note.body.contains(key) && !note.summary.contains(key),
        "{note:?}"
    );
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("\"encrypted\":true") && !page.contains("private notes"));
    for dir in [&app.dirs.data, &app.dirs.config] {
        for entry in walk(dir) {
            let bytes = std::fs::read(&entry).unwrap_or_default();
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "the key is in {}",
                entry.display()
            );
        }
    }
    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn a_dropped_file_becomes_a_link_in_the_clipboard_that_downloads_the_same_bytes() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let file = app.dir().join("holiday plan (v2).txt");
    let contents = b"day 1: beach\nday 2: more beach\n";
    std::fs::write(&file, contents).unwrap();

    let outcome = app.drag_files_onto(&[&file], "section.zone").await;
    assert!(
        outcome.failed.is_none() && outcome.data_requested.is_some(),
        "the drop did not reach the window: {outcome:?}"
    );

    let url = link_of_done_row(&app).await;
    assert_eq!(
        app.text(".row[data-phase='done'] .name").await,
        "holiday plan (v2).txt"
    );
    assert_eq!(
        app.clipboard().as_deref(),
        Some(url.as_str()),
        "the clipboard holds the link"
    );

    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("holiday%20plan%20%28v2%29.txt"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), contents);

    let note = app
        .wait_for_notification(Duration::from_secs(10), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(note.summary, "Link copied — expires in 1 hour");
    assert_eq!(note.body, "holiday plan (v2).txt");
    assert_eq!(note.app_name, "LinkDrop");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn cancelling_a_large_upload_stops_it_and_leaves_no_parts() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // A sparse 4 GiB file: costs no disk, takes long enough to upload to be cancelled mid-way.
    let big = app.dir().join("disk image.iso");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();

    let outcome = app.drag_files_onto(&[&big], "section.zone").await;
    assert!(
        outcome.failed.is_none() && outcome.data_requested.is_some(),
        "{outcome:?}"
    );
    // Uploading: the rate shows once progress arrives.
    app.wait_for_text(".row[data-phase='uploading'] .status", "/s")
        .await;
    let uploads = app.dirs.data.join("store").join("uploads");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        1,
        "one multipart upload running"
    );

    app.find(".row[data-phase='uploading'] button")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".row .cancelled", "Cancelled").await;

    // The multipart upload is aborted: the store lists none and keeps no parts (an upload's
    // parts live in its directory under uploads/; one arriving late, in tmp/ until it lands).
    let incoming = app.dirs.data.join("store").join("tmp");
    let leftovers = || -> Vec<String> {
        [&uploads, &incoming]
            .iter()
            .flat_map(|dir| std::fs::read_dir(dir).unwrap().flatten())
            .map(|e| e.path().display().to_string())
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !leftovers().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the multipart upload was not cleaned up: {:?}",
            leftovers()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        app.clipboard().is_none_or(|c| !c.contains("disk")),
        "no link was copied"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

#[tokio::test]
async fn a_file_that_cannot_be_read_gets_an_error_row_and_no_link() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // Permissions do not stop root (these tests run as root in CI), and a named pipe cannot be read
    // as a file whoever you are: the row must say so in plain words.
    let pipe = app.dir().join("not really a file");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());

    let outcome = app.drag_files_onto(&[&pipe], "section.zone").await;
    assert!(
        outcome.failed.is_none() && outcome.data_requested.is_some(),
        "{outcome:?}"
    );
    let message = app.wait_for_text(".row .error", "not a regular file").await;
    assert!(message.contains("not really a file"), "{message}");
    assert_eq!(
        app.find(".row .error")
            .await
            .attr("data-code")
            .await
            .unwrap()
            .as_deref(),
        Some("not_a_file")
    );
    assert!(
        app.clipboard().is_none_or(|c| !c.starts_with("http")),
        "no link was copied"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// gnome-keyring-daemon aborts now and then (an upstream race between clients); the desktop
/// starts it again on the next call, and LinkDrop carries on with the same secrets.
#[tokio::test]
async fn a_keyring_that_died_is_started_again_and_shares_go_on() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // A profile whose secret is in the keychain (the local store's key is not): the embedded
    // store, reached with its own key, stored this time in the keychain.
    let first = app.dir().join("first.txt");
    std::fs::write(&first, b"1").unwrap();
    app.cli(&["share", first.to_str().unwrap(), "--json"]);
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(app.dirs.data.join("store-key.json")).unwrap())
            .unwrap();
    let paths = linkdrop::system::paths::Paths {
        config_dir: app.dirs.config.clone(),
        data_dir: app.dirs.data.clone(),
    };
    let book = linkdrop::profiles::ProfileBook::load(&paths)
        .unwrap()
        .unwrap();
    let endpoint = book.get("local").unwrap().endpoint.clone().unwrap();
    app.cli_with(
        &[
            "profile",
            "add",
            "keyed",
            "--bucket",
            "linkdrop",
            "--endpoint",
            &endpoint,
            "--path-style",
            "--access-key-id",
            key["access_key_id"].as_str().unwrap(),
        ],
        &[(
            "LINKDROP_SECRET_ACCESS_KEY",
            key["secret_access_key"].as_str().unwrap(),
        )],
    );
    app.kill_keyring();
    let file = app.dir().join("after the crash.txt");
    std::fs::write(&file, b"still here").unwrap();
    let out = app.cli(&[
        "share",
        file.to_str().unwrap(),
        "--json",
        "--profile",
        "keyed",
    ]);
    let share: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    let body = reqwest::get(share["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.as_ref(), b"still here");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A file that looks like a secret is not shared when it is dropped: its row asks first, and only
/// "Share anyway" shares it. "Don't share" leaves nothing in the bucket or the history.
#[tokio::test]
async fn a_file_that_looks_like_a_secret_is_shared_only_once_the_user_says_so() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let key = app.dir().join("id_ed25519");
    let pem = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n";
    std::fs::write(&key, pem).unwrap();

    let outcome = app.drag_files_onto(&[&key], "section.zone").await;
    assert!(outcome.failed.is_none(), "{outcome:?}");
    let asked = app
        .wait_for_text(".row[data-phase='asking']", "Share it anyway?")
        .await;
    assert!(asked.contains("looks like an SSH private key"), "{asked}");
    assert!(
        app.notifications().is_empty(),
        "nothing was shared, nothing announced"
    );
    app.find(".row[data-phase='asking'] [data-action=share-anyway]")
        .await
        .click()
        .await
        .unwrap();
    let url = link_of_done_row(&app).await;
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), pem);

    let dotenv = app.dir().join(".env");
    std::fs::write(&dotenv, b"DATABASE_PASSWORD=hunter2\n").unwrap();
    app.drag_files_onto(&[&dotenv], "section.zone").await;
    app.wait_for_text(".row[data-phase='asking']", "environment file")
        .await;
    app.find(".row[data-phase='asking'] [data-action=dont-share]")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".row[data-phase='cancelled']", "Not shared")
        .await;
    let history: serde_json::Value =
        serde_json::from_str(&app.cli(&["history", "--json"])).unwrap();
    let names: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["id_ed25519"], "only what the user said yes to");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// Handed over by a second `linkdrop` (a terminal, a script, "Open with"), a file that looks like
/// a secret gets the same question in the window, which comes forward to ask it.
#[tokio::test]
async fn a_handed_over_secret_is_asked_about_too() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    let credentials = app.dir().join("credentials.txt");
    std::fs::write(
        &credentials,
        b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n",
    )
    .unwrap();
    let (code, out) = app.cli_at_terminal(&["share", credentials.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    let asked = app
        .wait_for_text(".row[data-phase='asking']", "Share it anyway?")
        .await;
    assert!(asked.contains("credentials.txt"), "{asked}");
    assert!(asked.contains("AWS"), "{asked}");
    let history = app.cli(&["history", "--json"]);
    assert_eq!(history.trim(), "[]", "nothing shared before the answer");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A notification body is markup on most desktops: a file name with tags and `&` arrives as the
/// text it is, escaped, never as bold text or a link.
#[tokio::test]
async fn a_file_name_with_markup_reaches_the_notification_as_text() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // No closing tags: a file name cannot hold a slash.
    let file = app.dir().join("<b>Q3 & <a href=x>figures<img src=x>.txt");
    std::fs::write(&file, b"figures").unwrap();
    app.drag_files_onto(&[&file], "section.zone").await;
    let note = app
        .wait_for_notification(Duration::from_secs(20), |n| {
            n.summary.starts_with("Link copied")
        })
        .await;
    assert_eq!(
        note.body,
        "&lt;b&gt;Q3 &amp; &lt;a href=x&gt;figures&lt;img src=x&gt;.txt"
    );

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A desktop with no keyring (a bare window manager): the window starts, and its first share, on
/// the embedded store, works, since the store's key lives beside its data.
#[tokio::test]
async fn the_first_share_works_on_a_desktop_without_a_keyring() {
    let app = App::builder().without_keyring().launch().await;
    app.wait_for_text("footer", "profile local").await;
    let file = app.dir().join("no keyring.txt");
    std::fs::write(&file, b"shared without a keyring").unwrap();
    app.drag_files_onto(&[&file], "section.zone").await;
    let url = link_of_done_row(&app).await;
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"shared without a keyring");
    let key = app.dirs.data.join("store-key.json");
    assert!(key.is_file(), "the store's key is beside its data");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// A custom lifetime is read by the backend, with the command line's grammar: a bare number of
/// seconds (`linkdrop share --expires 90`), which the window used to refuse, is taken; eight days
/// are refused in the field's words.
#[tokio::test]
async fn a_custom_lifetime_is_read_as_the_command_line_reads_it() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    app.find("input[type=radio][value=custom]")
        .await
        .click()
        .await
        .unwrap();
    let field = app.find(".custom input").await;
    field.send_keys("8d").await.unwrap();
    app.wait_for_attr(".custom input", "aria-invalid", "true")
        .await;
    app.wait_for_text(".custom .note", "at most 7 days").await;

    field.clear().await.unwrap();
    field.send_keys("90").await.unwrap();
    app.wait_for_attr(".custom input", "aria-invalid", "false")
        .await;
    let note = app.text(".custom .note").await;
    assert!(!note.contains("at most"), "{note}");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// The embedded store's multipart uploads in progress: each one's directory and its parts.
fn store_uploads(app: &App) -> Vec<(String, usize)> {
    let uploads = app.dirs.data.join("store").join("uploads");
    std::fs::read_dir(&uploads)
        .map(|dirs| {
            dirs.flatten()
                .map(|d| {
                    let parts = std::fs::read_dir(d.path())
                        .map(|f| {
                            f.flatten()
                                .filter(|f| {
                                    let name = f.file_name().to_string_lossy().into_owned();
                                    name.starts_with("part-") && name.ends_with(".json")
                                })
                                .count()
                        })
                        .unwrap_or(0);
                    (d.file_name().to_string_lossy().into_owned(), parts)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `linkdrop share` of `file`, killed (SIGKILL: nothing cleaned up) once two parts are stored;
/// returns the store's id of the upload it leaves.
async fn cut_short_from_the_command_line(app: &App, file: &std::path::Path) -> String {
    let mut child = app.spawn_cli(&["share", file.to_str().unwrap(), "--json"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let id = loop {
        if let Some((id, parts)) = store_uploads(app).into_iter().next()
            && parts >= 2
        {
            break id;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no part arrived: {:?}",
            child.try_wait()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    child.kill().unwrap();
    let _ = child.wait();
    id
}

/// An upload cut short while the window runs shows as its own row, with how far it got: Resume
/// carries on the very same upload in the window, Throw away aborts it and the row goes.
#[tokio::test]
async fn an_upload_cut_short_is_shown_with_resume_and_throw_away() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // Sparse: costs no disk, and long enough to upload that it is killed half way.
    let big = app.dir().join("huge.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    let upload = cut_short_from_the_command_line(&app, &big).await;
    // Any change to the history makes the window look again (here another share of a script's).
    let note = app.dir().join("note.txt");
    std::fs::write(&note, b"a note").unwrap();
    app.cli(&["share", note.to_str().unwrap(), "--json"]);
    let row = app
        .wait_for_text("[data-view='cut-short'] li", "huge.bin")
        .await;
    assert!(row.contains("4.0 GiB · cut short at "), "{row}");
    let percent: u32 = row
        .split("cut short at ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no percent in {row:?}"));
    assert!(percent < 100, "{row}");

    app.find("[data-view='cut-short'] button[data-action='resume']")
        .await
        .click()
        .await
        .unwrap();
    // The window carries it on: the same upload, not a new one, and the row is gone.
    app.wait_for_text(".row[data-phase='uploading'] .status", "/s")
        .await;
    let now = store_uploads(&app);
    assert_eq!(
        now.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        vec![upload.clone()],
        "resumed, not started again"
    );
    assert!(
        app.client()
            .find(fantoccini::Locator::Css("[data-view='cut-short']"))
            .await
            .is_err(),
        "the row went once the window took the upload up"
    );
    app.find(".row[data-phase='uploading'] button")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".row .cancelled", "Cancelled").await;

    // Cut short again, and thrown away from the window: its parts leave the store.
    let upload = cut_short_from_the_command_line(&app, &big).await;
    app.cli(&["share", note.to_str().unwrap(), "--json"]);
    app.wait_for_text("[data-view='cut-short'] li", "huge.bin")
        .await;
    assert!(store_uploads(&app).iter().any(|(id, _)| *id == upload));
    app.find("[data-view='cut-short'] button[data-action='discard']")
        .await
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !store_uploads(&app).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the parts were not thrown away: {:?}",
            store_uploads(&app)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let report: serde_json::Value =
        serde_json::from_str(app.cli(&["storage", "--json"]).trim()).unwrap();
    assert_eq!(report["unfinished"], serde_json::json!([]), "{report}");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while app
        .client()
        .find(fantoccini::Locator::Css("[data-view='cut-short']"))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the row stayed after its parts were thrown away"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}
