//! `linkdrop share` end to end, against real S3-compatible servers: the embedded local store and
//! SeaweedFS. Each server is started once per test and every scenario runs against it, so the
//! expensive part (a server) is paid once and each scenario still says which server failed it.

#[macro_use]
mod common;

use std::time::Duration;

use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

/// Names that break naive URL building, header quoting or file systems.
const AWKWARD_NAMES: &[&str] = &[
    "with spaces.txt",
    "plus+sign.txt",
    "100% sure.txt",
    "hash#tag.txt",
    "what?.txt",
    "this&that.txt",
    "\"quoted\" 'single'.txt",
    "naïve café.txt",
    "日本語のファイル.txt",
    "party 🎉.txt",
];

fn long_name() -> String {
    format!("{}.txt", "long name ".repeat(22))
}

fn shares(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn share_json(
    env: &TestEnv,
    backend: &Backend,
    files: &[&std::path::Path],
    expires: &str,
) -> Vec<Value> {
    let mut args = vec![
        "share",
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
        "[{}] share failed: {}",
        backend.name,
        stderr(&output)
    );
    let shares = shares(&output);
    assert_eq!(
        shares.len(),
        files.len(),
        "[{}] one JSON line per file",
        backend.name
    );
    shares
}

/// Downloads with a plain HTTP client: status, body and the Content-Disposition header.
fn download(url: &str) -> (u16, Vec<u8>, Option<String>) {
    let response = common::http().get(url).send().unwrap();
    let status = response.status().as_u16();
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    (status, response.bytes().unwrap().to_vec(), disposition)
}

fn scenario_links_download_the_same_bytes_under_the_original_name(
    env: &TestEnv,
    backend: &Backend,
) {
    let long = long_name();
    let mut names: Vec<&str> = AWKWARD_NAMES.to_vec();
    names.push(&long);
    let files: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| env.file(name, format!("contents of file {i}: {name}\n").as_bytes()))
        .collect();
    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let shares = share_json(env, backend, &refs, "1h");
    for ((share, name), path) in shares.iter().zip(&names).zip(&files) {
        for field in [
            "id",
            "url",
            "expires_at",
            "bucket",
            "key",
            "size",
            "warnings",
        ] {
            assert!(
                share.get(field).is_some(),
                "[{}] {field} missing in {share}",
                backend.name
            );
        }
        assert_eq!(share["bucket"], backend.bucket.as_str());
        assert_eq!(share["name"], *name);
        let key = share["key"].as_str().unwrap();
        assert!(key.starts_with(share["id"].as_str().unwrap()), "{key}");
        assert!(
            key.is_ascii() && !key.contains(' '),
            "key should be sanitised: {key}"
        );
        let expires_at =
            chrono::DateTime::parse_from_rfc3339(share["expires_at"].as_str().unwrap()).unwrap();
        let left = expires_at
            .signed_duration_since(chrono::Utc::now())
            .num_seconds();
        assert!((3500..=3600).contains(&left), "expires in {left} s");
        assert_eq!(share["warnings"], serde_json::json!([]));

        let (status, body, disposition) = download(share["url"].as_str().unwrap());
        assert_eq!(status, 200, "[{}] {name}", backend.name);
        assert_eq!(
            body,
            std::fs::read(path).unwrap(),
            "[{}] {name}",
            backend.name
        );
        let disposition = disposition
            .unwrap_or_else(|| panic!("[{}] no Content-Disposition for {name}", backend.name));
        assert_eq!(
            linkdrop::storage::content_disposition::download_name(&disposition).as_deref(),
            Some(*name),
            "[{}] {disposition}",
            backend.name
        );
    }
}

fn scenario_an_empty_file_is_shared(env: &TestEnv, backend: &Backend) {
    let empty = env.file("empty.bin", b"");
    let shares = share_json(env, backend, &[&empty], "15m");
    assert_eq!(shares[0]["size"], 0);
    let (status, body, _) = download(shares[0]["url"].as_str().unwrap());
    assert_eq!((status, body.len()), (200, 0), "[{}]", backend.name);
}

fn scenario_a_tampered_link_is_refused(env: &TestEnv, backend: &Backend) {
    let file = env.file("secret-plans.txt", b"do not read without a valid link");
    let shares = share_json(env, backend, &[&file], "1h");
    let url = shares[0]["url"].as_str().unwrap();
    let (status, _, _) = download(url);
    assert_eq!(status, 200);
    // Flip the last hex digit of the signature.
    let last = url.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &url[..url.len() - 1]);
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (status, body, _) = download(&tampered);
    assert_eq!(
        status,
        403,
        "[{}] tampered link: {}",
        backend.name,
        String::from_utf8_lossy(&body)
    );
    // A longer expiry than signed is tampering too.
    let stretched = url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200");
    assert_ne!(stretched, url);
    assert_eq!(
        download(&stretched).0,
        403,
        "[{}] stretched expiry",
        backend.name
    );
}

fn scenario_a_one_second_link_dies_after_two(env: &TestEnv, backend: &Backend) {
    let file = env.file("brief.txt", b"here and gone");
    let shares = share_json(env, backend, &[&file], "1s");
    let url = shares[0]["url"].as_str().unwrap().to_owned();
    assert!(url.contains("X-Amz-Expires=1&"), "{url}");
    std::thread::sleep(Duration::from_millis(2500));
    let (status, body, _) = download(&url);
    assert_eq!(
        status,
        403,
        "[{}] expired link: {}",
        backend.name,
        String::from_utf8_lossy(&body)
    );
}

fn scenario_a_large_file_goes_multipart_and_round_trips(env: &TestEnv, backend: &Backend) {
    // 72 MiB of non-repeating bytes: 9 parts of 8 MiB, several in flight at once.
    let size = 72 * 1024 * 1024;
    let mut contents = vec![0u8; size];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for chunk in contents.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let big = env.file("big video.mp4", &contents);
    let shares = share_json(env, backend, &[&big], "1h");
    assert_eq!(shares[0]["size"], size as u64);
    assert_eq!(shares[0]["content_type"], "video/mp4");
    let e_tag = shares[0]["e_tag"].as_str().unwrap_or_default();
    assert!(
        e_tag.ends_with("-9\"") || e_tag.ends_with("-9"),
        "[{}] multipart ETag: {e_tag}",
        backend.name
    );
    let (status, body, _) = download(shares[0]["url"].as_str().unwrap());
    assert_eq!(status, 200);
    assert!(
        body == contents,
        "[{}] downloaded bytes differ",
        backend.name
    );
    assert_eq!(
        backend.multipart_uploads(),
        Vec::<String>::new(),
        "[{}]",
        backend.name
    );
}

/// Bad input: a clear error, a failed exit status, and nothing uploaded or left behind.
fn scenario_bad_input_is_refused_and_leaves_nothing(env: &TestEnv, backend: &Backend) {
    let before = backend.keys();
    let good = env.file("fine.txt", b"fine");
    let dir = env.dir.path().join("a folder");
    std::fs::create_dir_all(&dir).unwrap();
    let missing = env.dir.path().join("missing.txt");
    let unreadable = env.file("locked.txt", b"you cannot read me");
    common::set_mode(&unreadable, 0o000);

    let cases: Vec<(Vec<String>, &str, i32)> = vec![
        (vec![missing.display().to_string()], "no such file", 1),
        (vec![dir.display().to_string()], "is a folder", 1),
        (
            vec![good.display().to_string(), "--expires".into(), "0s".into()],
            "at least 1 second",
            2,
        ),
        (
            vec![good.display().to_string(), "--expires".into(), "8d".into()],
            "at most 7 days",
            2,
        ),
        (
            vec![good.display().to_string(), "--expires".into(), "abc".into()],
            "90s, 15m, 1h",
            2,
        ),
        (
            vec![
                good.display().to_string(),
                "--profile".into(),
                "nope".into(),
            ],
            "no profile named \"nope\"",
            1,
        ),
        (vec!["/dev/null".into()], "not a regular file", 1),
    ];
    for (args, expected, code) in cases {
        let mut all = vec![
            "share".to_owned(),
            "--profile".into(),
            backend.profile.clone(),
        ];
        if args.iter().any(|a| a == "--profile") {
            all.truncate(1);
        }
        all.extend(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let output = env.run(&refs);
        assert_eq!(
            output.status.code(),
            Some(code),
            "[{}] {refs:?}: {}",
            backend.name,
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "[{}] {refs:?}: {}",
            backend.name,
            stderr(&output)
        );
        assert_eq!(
            stdout(&output),
            "",
            "[{}] no link for {refs:?}",
            backend.name
        );
    }

    // Unreadable: as root permissions do not stop reads, so read as an unprivileged user then.
    let output = if common::is_root() {
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(common::bin())
            .arg("share");
        // Its own LinkDrop directories: the test's are private to root.
        let home = tempfile::tempdir().unwrap();
        common::set_mode(home.path(), 0o777);
        command
            .arg(&unreadable)
            .env("LINKDROP_CONFIG_DIR", home.path().join("config"))
            .env("LINKDROP_DATA_DIR", home.path().join("data"));
        command.output().unwrap()
    } else {
        env.run(&[
            "share",
            "--profile",
            &backend.profile,
            unreadable.to_str().unwrap(),
        ])
    };
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot read it"),
        "{}",
        stderr(&output)
    );

    // One bad file among good ones: nothing is shared, so fixing the typo and running the same
    // command again shares each file once.
    let output = env.run(&[
        "share",
        "--profile",
        &backend.profile,
        good.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "", "no link for any file");
    let said = stderr(&output);
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "the error, then what to do: {said}");
    assert!(lines[0].contains("no such file"), "{said}");
    assert!(lines[1].contains("nothing was shared"), "{said}");
    assert_eq!(
        backend.keys(),
        before,
        "[{}] nothing was uploaded",
        backend.name
    );
    assert_eq!(backend.multipart_uploads(), Vec::<String>::new());
}

/// Wrong secret, missing bucket, dead endpoint: each says what to fix, and nothing is uploaded.
fn scenario_server_side_errors_are_actionable(env: &TestEnv, backend: &Backend) {
    let before = backend.keys();
    let file = env.file("attempt.txt", b"attempt");
    let path = file.to_str().unwrap();

    backend.add_profile(
        env,
        "wrong-secret",
        &backend.bucket,
        "not-the-secret-key-at-all",
    );
    let output = env.run(&["share", "--profile", "wrong-secret", path]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("secret access key is wrong"),
        "[{}] {err}",
        backend.name
    );
    assert!(
        !err.contains("not-the-secret-key-at-all"),
        "the secret leaked: {err}"
    );

    backend.add_profile(env, "no-bucket", "no-such-bucket-here", &backend.secret);
    let output = env.run(&["share", "--profile", "no-bucket", path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not exist"),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );

    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let output = env
        .linkdrop(&[
            "profile",
            "add",
            "offline",
            "--bucket",
            "whatever",
            "--endpoint",
            &dead,
            "--path-style",
            "--access-key-id",
            "AKID",
        ])
        .env("LINKDROP_SECRET_ACCESS_KEY", "s3cr3t")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let started = std::time::Instant::now();
    let output = env.run(&["share", "--profile", "offline", path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot reach"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains(&dead), "{}", stderr(&output));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "gave up after {:?}",
        started.elapsed()
    );

    assert_eq!(
        backend.keys(),
        before,
        "[{}] nothing uploaded",
        backend.name
    );
}

/// Cancelling mid-upload stops it and aborts the multipart upload: no parts stay behind.
fn scenario_a_cancelled_multipart_upload_leaves_nothing(env: &TestEnv, backend: &Backend) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    let before = backend.keys();
    // Large enough that the upload is still running at the first progress report (a sparse file:
    // free to make); the progress callback cancels it part-way.
    let big = env.file("cancel me.bin", b"");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(1024 * 1024 * 1024)
        .unwrap();
    let file = linkdrop::share::ShareableFile::check(&big).unwrap();
    let result = common::block_on(async {
        let book = linkdrop::profiles::ProfileBook::load(&env.paths())
            .unwrap()
            .unwrap();
        let profile = book.get(&backend.profile).unwrap().clone();
        let session =
            linkdrop::storage::session::Session::open(profile, &env.paths(), &env.keychain())
                .await
                .unwrap();
        let cancel = tokio_util::sync::CancellationToken::new();
        let seen = Arc::new(AtomicU64::new(0));
        let progress = {
            let (cancel, seen) = (cancel.clone(), seen.clone());
            Arc::new(move |p: linkdrop::storage::upload::Progress| {
                seen.store(p.sent, Ordering::Relaxed);
                if p.sent > 0 && p.sent < p.total {
                    cancel.cancel();
                }
            })
        };
        let result = linkdrop::share::share_file(&session, &file, None, progress, &cancel).await;
        (result, seen.load(Ordering::Relaxed))
    });
    let (result, sent) = result;
    assert!(
        matches!(
            result,
            Err(linkdrop::share::ShareError::Upload(
                linkdrop::storage::upload::UploadError::Cancelled
            ))
        ),
        "[{}] {result:?}",
        backend.name
    );
    assert!(
        sent > 0 && sent < file.size,
        "cancelled part-way, after {sent} bytes"
    );
    assert_eq!(
        backend.multipart_uploads(),
        Vec::<String>::new(),
        "[{}] orphaned parts",
        backend.name
    );
    assert_eq!(
        backend.keys(),
        before,
        "[{}] no object from a cancelled upload",
        backend.name
    );
}

/// The window's entry point: a dropped folder is shared as a zip archive, with events on the way,
/// and the temporary archive is gone afterwards.
fn scenario_a_folder_is_shared_as_a_zip(env: &TestEnv, backend: &Backend) {
    use std::sync::{Arc, Mutex};

    let folder = env.dir.path().join("files").join("Project notes");
    std::fs::create_dir_all(folder.join("drafts")).unwrap();
    std::fs::write(folder.join("todo.txt"), b"ship it").unwrap();
    std::fs::write(folder.join("drafts").join("v1.md"), b"# first").unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let context = linkdrop::Context {
        paths: env.paths(),
        keychain: env.keychain(),
    };
    let share = common::block_on(async {
        let events = events.clone();
        linkdrop::share::share_path(
            &context,
            &folder,
            Some("1h".parse().unwrap()),
            Some(&backend.profile),
            linkdrop::share::ShareOptions::default(),
            Arc::new(move |e| events.lock().unwrap().push(e)),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap()
    });
    assert_eq!(share.name, "Project notes.zip");
    assert_eq!(share.content_type, "application/zip");
    let events = events.lock().unwrap().clone();
    assert!(
        matches!(&events[0], linkdrop::share::ShareEvent::Preparing { name, size, .. } if name == "Project notes.zip" && *size == share.size),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(linkdrop::share::ShareEvent::Progress { sent, total, percent }) if sent == total && *percent == 100),
        "{events:?}"
    );
    let (status, body, disposition) = download(&share.url);
    assert_eq!(status, 200, "[{}]", backend.name);
    assert!(disposition.unwrap().contains("Project%20notes.zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("drafts/v1.md").unwrap(), &mut text).unwrap();
    assert_eq!(text, "# first");
    let leftovers = std::fs::read_dir(env.data_dir().join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "the temporary archive is removed");
}

fn history_entry(env: &TestEnv, id: &str) -> Option<Value> {
    let output = env.run(&["history", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list: Value = serde_json::from_str(&stdout(&output)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
}

fn head(backend: &Backend, key: &str) -> Option<(Option<String>, Option<String>)> {
    let client = backend.client();
    let (bucket, key) = (backend.bucket.clone(), key.to_owned());
    common::block_on(async move {
        client
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .ok()
            .map(|h| {
                (
                    h.e_tag().map(str::to_owned),
                    h.last_modified().map(|t| t.to_string()),
                )
            })
    })
}

/// The ledger: every share is listed; an expired link is re-issued without uploading again; a link
/// to an object deleted elsewhere is not handed out; revoking kills the link.
fn scenario_the_history_reissues_and_revokes(env: &TestEnv, backend: &Backend) {
    let file = env.file("ledger.txt", b"in the ledger");
    let share = &share_json(env, backend, &[&file], "1s")[0];
    let id = share["id"].as_str().unwrap();
    let key = share["key"].as_str().unwrap();
    let entry = history_entry(env, id).expect("the share is in the history");
    for field in ["id", "name", "url", "expires_at", "state", "bucket", "key"] {
        assert!(entry.get(field).is_some(), "{field} missing in {entry}");
    }
    assert_eq!(entry["url"], share["url"]);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(download(share["url"].as_str().unwrap()).0, 403);
    assert_eq!(history_entry(env, id).unwrap()["state"], "expired");
    let listed = stdout(&env.run(&[
        "history", "--json", "--state", "expired", "--search", "LEDGER",
    ]));
    assert!(listed.contains(id), "{listed}");

    let before = head(backend, key).unwrap();
    let output = env.run(&["reissue", id, "--expires", "1h", "--json"]);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let reissued: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(reissued["id"], id);
    assert_ne!(reissued["url"], share["url"]);
    let (status, body, _) = download(reissued["url"].as_str().unwrap());
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"in the ledger"[..]),
        "[{}]",
        backend.name
    );
    assert_eq!(
        head(backend, key).unwrap(),
        before,
        "re-issuing uploaded nothing"
    );
    let entry = history_entry(env, id).unwrap();
    assert_eq!(
        (entry["state"].as_str(), entry["issued"].as_u64()),
        (Some("active"), Some(2))
    );

    // Deleted elsewhere: no link to a 404, and the entry says so.
    let client = backend.client();
    let (bucket, k) = (backend.bucket.clone(), key.to_owned());
    common::block_on(async move {
        client
            .delete_object()
            .bucket(&bucket)
            .key(&k)
            .send()
            .await
            .unwrap()
    });
    let output = env.run(&["reissue", id]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("no longer in bucket"),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(history_entry(env, id).unwrap()["state"], "missing");

    // Revoke: the object goes, every link to it dies, the entry stays.
    let other = env.file("revoke me.txt", b"soon gone");
    let share = &share_json(env, backend, &[&other], "1h")[0];
    let id = share["id"].as_str().unwrap();
    let output = env.run(&["revoke", id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let status = download(share["url"].as_str().unwrap()).0;
    assert!(
        status == 403 || status == 404,
        "[{}] revoked link answered {status}",
        backend.name
    );
    assert_eq!(history_entry(env, id).unwrap()["state"], "revoked");
    let output = env.run(&["forget", id]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(history_entry(env, id).is_none());

    // Forget keeps the object unless asked; with --delete-object the object goes too.
    let kept = env.file("kept.txt", b"kept");
    let share = &share_json(env, backend, &[&kept], "1h")[0];
    let (id, key) = (
        share["id"].as_str().unwrap(),
        share["key"].as_str().unwrap(),
    );
    let output = env.run(&["forget", id]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(history_entry(env, id).is_none());
    assert_eq!(
        download(share["url"].as_str().unwrap()).0,
        200,
        "forget alone keeps the file"
    );
    assert!(head(backend, key).is_some());

    let dropped = env.file("dropped.txt", b"dropped");
    let share = &share_json(env, backend, &[&dropped], "1h")[0];
    let (id, key) = (
        share["id"].as_str().unwrap(),
        share["key"].as_str().unwrap(),
    );
    let output = env.run(&["forget", id, "--delete-object"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(history_entry(env, id).is_none());
    assert!(
        head(backend, key).is_none(),
        "[{}] the object is deleted",
        backend.name
    );
    let status = download(share["url"].as_str().unwrap()).0;
    assert!(
        status == 403 || status == 404,
        "[{}] {status}",
        backend.name
    );

    // Replaced elsewhere under the same key: not the file that was shared, so no new link.
    let replaced = env.file("replaced.txt", b"original bytes");
    let share = &share_json(env, backend, &[&replaced], "1h")[0];
    let (id, key) = (
        share["id"].as_str().unwrap(),
        share["key"].as_str().unwrap(),
    );
    let client = backend.client();
    let (bucket, k) = (backend.bucket.clone(), key.to_owned());
    common::block_on(async move {
        client
            .put_object()
            .bucket(&bucket)
            .key(&k)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                b"other bytes",
            ))
            .send()
            .await
            .unwrap()
    });
    let output = env.run(&["reissue", id]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("was replaced"),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    assert_eq!(history_entry(env, id).unwrap()["state"], "missing");

    let output = env.run(&["reissue", "no-such-id"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("linkdrop history"),
        "{}",
        stderr(&output)
    );
}

/// Ctrl-C in the terminal: the command stops, says so, and aborts its multipart upload.
fn scenario_ctrl_c_aborts_the_upload(env: &TestEnv, backend: &Backend) {
    let before = backend.keys();
    let big = env.file("interrupted.bin", b"");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let child = env
        .linkdrop(&[
            "share",
            "--profile",
            &backend.profile,
            big.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the multipart upload exists, then interrupt it the way a terminal does.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while backend.multipart_uploads().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "[{}] the upload never started",
            backend.name
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    assert!(stderr(&output).contains("cancelled"), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        backend.multipart_uploads(),
        Vec::<String>::new(),
        "[{}] orphaned parts",
        backend.name
    );
    assert_eq!(backend.keys(), before);
}

/// Temporary credentials that expire before the link would: the link's real expiry is theirs, and
/// the result says so.
fn scenario_temporary_credentials_shorten_the_link_and_say_so(env: &TestEnv, backend: &Backend) {
    common::temporary_aws_profile(env, backend, "temp", 10);
    let output = env.run(&[
        "profile",
        "add",
        "temporary",
        "--bucket",
        &backend.bucket,
        "--endpoint",
        &backend.endpoint,
        "--path-style",
        "--credentials",
        "aws-profile:temp",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));

    let file = env.file("short-lived.txt", b"as long as the credentials last");
    let output = env.run(&[
        "share",
        "--json",
        "--profile",
        "temporary",
        "--expires",
        "1d",
        file.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let share = &shares(&output)[0];
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(share["expires_at"].as_str().unwrap()).unwrap();
    let left = expires_at
        .signed_duration_since(chrono::Utc::now())
        .num_seconds();
    assert!(
        (500..=600).contains(&left),
        "[{}] real expiry in {left} s, not a day",
        backend.name
    );
    let warnings = share["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].as_str().unwrap().contains("instead of 1 day"),
        "{warnings:?}"
    );
    assert!(
        stderr(&output).contains("warning"),
        "the warning is shown: {}",
        stderr(&output)
    );
    assert_eq!(
        download(share["url"].as_str().unwrap()).0,
        200,
        "[{}]",
        backend.name
    );
}

/// A cloud secret goes to the keychain and nowhere else; removing the profile removes it. The
/// embedded store's own key is the exception, by design: it lives beside the store's data, in a
/// file of its own readable by the user alone, and nowhere else either.
fn scenario_secrets_stay_in_the_keychain(env: &TestEnv, backend: &Backend) {
    let store_key = linkdrop::credentials::StoreKey::path(&env.paths());
    if backend.profile == "local" {
        let key = linkdrop::credentials::StoreKey::load(&env.paths())
            .unwrap()
            .unwrap();
        assert_eq!(key.secret_access_key, backend.secret);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store_key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the store's key is the user's alone");
        assert!(
            env.keychain().secret(&backend.profile).is_err(),
            "the store's key is not in the keychain"
        );
    } else {
        let stored = env.keychain().secret(&backend.profile).unwrap();
        assert_eq!(stored, backend.secret);
    }

    // A full flow with every log on: share, re-issue, the connection check, and error paths (a
    // bucket that is not there, a wrong secret). The secret is in no output.
    backend.add_profile(env, "no-bucket", "no-such-bucket-here", &backend.secret);
    backend.add_profile(
        env,
        "wrong-secret",
        &backend.bucket,
        "not-the-secret-key-at-all",
    );
    let file = env.file("secretive.txt", b"nothing to see");
    let traced = |args: &[&str]| {
        let output = env
            .linkdrop(args)
            .env("LINKDROP_LOG", "trace")
            .output()
            .unwrap();
        format!("{}{}", stdout(&output), stderr(&output))
    };
    let mut said = traced(&[
        "share",
        "--json",
        "--profile",
        &backend.profile,
        file.to_str().unwrap(),
    ]);
    let id = said
        .lines()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("[{}] no share in {said}", backend.name));
    said += &traced(&["reissue", &id, "--expires", "1h"]);
    said += &traced(&["profile", "check", &backend.profile]);
    said += &traced(&["share", "--profile", "no-bucket", file.to_str().unwrap()]);
    said += &traced(&["share", "--profile", "wrong-secret", file.to_str().unwrap()]);
    assert!(
        said.len() > 10_000,
        "the trace logs are on: {} bytes",
        said.len()
    );
    assert!(
        !said.contains(&backend.secret),
        "[{}] the secret is in the output",
        backend.name
    );

    let mut leaks = Vec::new();
    for root in [env.config_dir(), env.data_dir()] {
        for entry in common::files_under(&root) {
            if entry == store_key {
                continue;
            }
            let bytes = std::fs::read(&entry).unwrap_or_default();
            if bytes
                .windows(backend.secret.len())
                .any(|w| w == backend.secret.as_bytes())
            {
                leaks.push(entry);
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "[{}] the secret is written in {leaks:?}",
        backend.name
    );

    let output = env.run(&["profile", "remove", "wrong-secret"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(matches!(
        env.keychain().secret("wrong-secret"),
        Err(linkdrop::credentials::CredentialsError::NoSecret { .. })
    ));
    let listed = stdout(&env.run(&["profile", "list", "--json"]));
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "wrong-secret")
    );
}

// One `#[test]` per scenario and server, so that the first failure hides none of the others.
scenarios!(
    scenario_links_download_the_same_bytes_under_the_original_name,
    scenario_an_empty_file_is_shared,
    scenario_a_tampered_link_is_refused,
    scenario_a_one_second_link_dies_after_two,
    scenario_bad_input_is_refused_and_leaves_nothing,
    scenario_server_side_errors_are_actionable,
    scenario_secrets_stay_in_the_keychain,
    scenario_temporary_credentials_shorten_the_link_and_say_so,
    scenario_a_large_file_goes_multipart_and_round_trips,
    scenario_a_cancelled_multipart_upload_leaves_nothing,
    scenario_ctrl_c_aborts_the_upload,
    scenario_a_folder_is_shared_as_a_zip,
    scenario_the_history_reissues_and_revokes,
);
