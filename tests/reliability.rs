//! Reliability under faults: a fault-injecting proxy (tests/common/faults.rs) between LinkDrop and
//! the embedded store makes the server misbehave — 503 SlowDown and 500 answers, connections reset
//! mid-body, stalls, the server gone and back — and LinkDrop is killed mid-upload. Every test checks
//! what users care about: the file that arrives is byte-identical, or the error is clear and
//! nothing is left behind (no multipart upload, no object, no link in the history).

mod common;
#[path = "common/faults.rs"]
mod faults;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, TestEnv, contents, stderr, stdout};
use faults::{Fault, FaultProxy, Rule, Target};

const MIB: usize = 1024 * 1024;

/// The embedded store behind a fault proxy, and a profile `flaky` that reaches it through it.
fn flaky(env: &TestEnv) -> (Backend, FaultProxy) {
    let backend = Backend::embedded(env);
    let upstream = backend
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let proxy = FaultProxy::start(upstream);
    backend.add_profile_at(env, "flaky", &proxy.endpoint(), "us-east-1");
    (backend, proxy)
}

fn share(env: &TestEnv, file: &std::path::Path) -> std::process::Output {
    env.linkdrop(&[
        "share",
        file.to_str().unwrap(),
        "--profile",
        "flaky",
        "--json",
    ])
    .output()
    .unwrap()
}

/// Shares `file` through the proxy, expects success, and returns the share's JSON.
fn shared(env: &TestEnv, file: &std::path::Path) -> serde_json::Value {
    let out = share(env, file);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

/// The link downloads exactly `bytes`, and no multipart upload or journal row is left.
fn arrives_whole_and_leaves_nothing(
    env: &TestEnv,
    backend: &Backend,
    link: &serde_json::Value,
    bytes: &[u8],
) {
    assert!(
        download(link["url"].as_str().unwrap()) == bytes,
        "the download differs"
    );
    assert_eq!(backend.multipart_uploads(), Vec::<String>::new());
    assert!(journal_rows(env).is_empty());
}

fn download(url: &str) -> Vec<u8> {
    let response = common::http().get(url).send().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.bytes().unwrap().to_vec()
}

fn count(log: &[String], needle: &str) -> usize {
    log.iter().filter(|l| l.contains(needle)).count()
}

fn history_len(env: &TestEnv) -> usize {
    let out = env.run(&["history", "--json"]);
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .map(|v| v.as_array().map_or(0, Vec::len))
        .unwrap_or(0)
}

/// Unfinished uploads LinkDrop has written down (its journal).
fn journal_rows(env: &TestEnv) -> Vec<linkdrop::storage::journal::Unfinished> {
    linkdrop::storage::journal::Journal::open(&env.data_dir())
        .unwrap()
        .all(None)
        .unwrap()
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "never saw {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn spawn_share(env: &TestEnv, file: &std::path::Path, extra: &[&str]) -> Child {
    env.linkdrop(&[
        "share",
        file.to_str().unwrap(),
        "--profile",
        "flaky",
        "--json",
    ])
    .args(extra)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

#[test]
fn transient_errors_and_resets_are_retried_and_the_file_arrives_whole() {
    let env = TestEnv::new();
    let (backend, proxy) = flaky(&env);
    // 40 MiB: five parts of 8 MiB.
    let big = contents(40 * MIB, 1);
    let file = env.file("big.bin", &big);
    proxy.add(Rule {
        target: Target::UploadPart,
        skip: 1,
        times: 2,
        fault: Fault::Status(503, "SlowDown"),
    });
    proxy.add(Rule {
        target: Target::UploadPart,
        skip: 0,
        times: 2,
        fault: Fault::ResetAfter(MIB),
    });
    proxy.add(Rule {
        target: Target::CompleteMultipartUpload,
        skip: 0,
        times: 1,
        fault: Fault::Status(500, "InternalError"),
    });
    let link = shared(&env, &file);
    arrives_whole_and_leaves_nothing(&env, &backend, &link, &big);
    let log = proxy.log();
    assert_eq!(count(&log, "503 SlowDown"), 2, "{log:#?}");
    assert_eq!(count(&log, "reset after"), 2, "{log:#?}");
    assert_eq!(count(&log, "500 InternalError"), 1, "{log:#?}");

    // A small file (one PUT) through a SlowDown too.
    proxy.clear();
    proxy.add(Rule {
        target: Target::PutObject,
        skip: 0,
        times: 1,
        fault: Fault::Status(503, "SlowDown"),
    });
    let small = contents(100_000, 2);
    let file = env.file("small.bin", &small);
    let link = shared(&env, &file);
    arrives_whole_and_leaves_nothing(&env, &backend, &link, &small);
}

#[test]
fn a_server_gone_mid_upload_is_a_clear_error_and_its_parts_go_when_it_returns() {
    let env = TestEnv::new();
    let (backend, proxy) = flaky(&env);
    let file = env.file("video.bin", &contents(80 * MIB, 3));
    // Hold one part so that the upload is surely mid-way when the server goes.
    proxy.add(Rule {
        target: Target::UploadPart,
        skip: 2,
        times: 1,
        fault: Fault::Stall(Duration::from_secs(3)),
    });
    let started = Instant::now();
    let child = spawn_share(&env, &file, &[]);
    wait_until("the stalled part", Duration::from_secs(30), || {
        count(&proxy.log(), "stalled") == 1
    });
    proxy.go_away();
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        took < Duration::from_secs(90),
        "giving up took {took:?}: {said}"
    );
    assert!(
        said.contains("video.bin") && (said.contains("reach") || said.contains("connect")),
        "not a clear error: {said}"
    );
    assert_eq!(stdout(&out), "", "no link was printed");
    assert_eq!(history_len(&env), 0, "nothing in the history claims a link");
    // The parts could not be aborted while the server was gone: they are written down.
    let rows = journal_rows(&env);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].to_abort);
    assert_eq!(backend.multipart_uploads().len(), 1);

    // The server is back: the next time LinkDrop reaches it, the upload is aborted.
    proxy.come_back();
    proxy.clear();
    let note = env.file("note.txt", b"hello again");
    let out = share(&env, &note);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(backend.multipart_uploads(), Vec::<String>::new());
    assert!(journal_rows(&env).is_empty());
}

/// Starts a share that hangs after `parts` parts (the proxy holds the next ones), and kills it.
fn kill_mid_upload(
    env: &TestEnv,
    proxy: &FaultProxy,
    file: &std::path::Path,
    parts: usize,
    extra: &[&str],
) {
    proxy.clear();
    proxy.add(Rule {
        target: Target::UploadPart,
        skip: parts,
        times: usize::MAX,
        fault: Fault::Stall(Duration::from_secs(600)),
    });
    let before = count(&proxy.log(), "partNumber");
    let mut child = spawn_share(env, file, extra);
    wait_until("the parts before the kill", Duration::from_secs(60), || {
        let log = proxy.log();
        count(&log, "partNumber") - before > parts && count(&log, "stalled") >= 1
    });
    // Give the last passed parts time to be stored.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap(); // SIGKILL: no clean-up of any kind
    let _ = child.wait();
    proxy.clear();
}

#[test]
fn killed_mid_upload_it_resumes_with_the_parts_already_sent_and_leaves_nothing() {
    let env = TestEnv::new();
    let (backend, proxy) = flaky(&env);
    // 80 MiB: ten parts.
    let data = contents(80 * MIB, 4);
    let file = env.file("backup.tar", &data);
    kill_mid_upload(&env, &proxy, &file, 4, &[]);
    assert_eq!(
        journal_rows(&env).len(),
        1,
        "written down before its first part"
    );
    assert_eq!(backend.multipart_uploads().len(), 1);

    // Shared again: the parts already on the server are checked and kept.
    let before = count(&proxy.log(), "partNumber");
    let link = shared(&env, &file);
    let sent_again = count(&proxy.log(), "partNumber") - before;
    assert!(
        sent_again <= 10 - 4,
        "resuming sent {sent_again} parts again; at least 4 were on the server"
    );
    let warnings = link["warnings"].to_string();
    assert!(warnings.contains("resumed"), "{warnings}");
    arrives_whole_and_leaves_nothing(&env, &backend, &link, &data);
    assert_eq!(history_len(&env), 1);

    // Killed again, and the file changes before the next run: that upload cannot be resumed, it
    // is aborted, and the new file is shared from scratch.
    let data = contents(80 * MIB, 5);
    std::fs::write(&file, &data).unwrap();
    kill_mid_upload(&env, &proxy, &file, 3, &[]);
    assert_eq!(backend.multipart_uploads().len(), 1);
    let mut changed = data.clone();
    changed.extend_from_slice(b"one more line");
    std::fs::write(&file, &changed).unwrap();
    let link = shared(&env, &file);
    assert!(!link["warnings"].to_string().contains("resumed"));
    arrives_whole_and_leaves_nothing(&env, &backend, &link, &changed);
}

/// An encrypted upload is encrypted as it goes, with fresh nonces: a killed one leaves no copy
/// anywhere, its parts are written down to be aborted (never resumed: they cannot match), and the
/// same file shared next, plainly, does not take them for its own.
#[test]
fn an_encrypted_upload_killed_midway_is_aborted_at_the_next_run_and_never_resumed() {
    let env = TestEnv::new();
    let (backend, proxy) = flaky(&env);
    let data = contents(40 * MIB, 8);
    let file = env.file("plans.bin", &data);
    kill_mid_upload(&env, &proxy, &file, 2, &["--encrypt"]);
    let rows = journal_rows(&env);
    assert_eq!(rows.len(), 1, "written down before its first part");
    assert!(rows[0].to_abort, "an encrypted upload is only ever aborted");
    assert!(rows[0].key.ends_with("/data"), "{}", rows[0].key);
    assert_eq!(backend.multipart_uploads().len(), 1);
    // The parts are in the embedded store (under the data dir): nothing else there holds more
    // than a few bytes of the file.
    let copies: Vec<_> = common::files_under(&env.data_dir())
        .into_iter()
        .filter(|f| !f.starts_with(env.data_dir().join("store")))
        .filter(|f| std::fs::metadata(f).is_ok_and(|m| m.len() >= MIB as u64))
        .collect();
    assert!(copies.is_empty(), "a copy of the file on disk: {copies:?}");

    let link = shared(&env, &file);
    assert!(!link["warnings"].to_string().contains("resumed"));
    assert!(link["key"].as_str().unwrap().ends_with("/plans.bin"));
    arrives_whole_and_leaves_nothing(&env, &backend, &link, &data);
}

#[test]
fn a_file_that_changes_while_it_uploads_is_refused_and_nothing_is_shared() {
    let env = TestEnv::new();
    let (backend, proxy) = flaky(&env);
    for (name, size, target) in [
        ("grows.bin", 40 * MIB, Target::UploadPart),
        ("small.txt", 50_000, Target::PutObject),
    ] {
        proxy.clear();
        proxy.add(Rule {
            target,
            skip: 1.min(size / (8 * MIB)),
            times: 1,
            fault: Fault::Stall(Duration::from_secs(2)),
        });
        let file = env.file(name, &contents(size, 6));
        let child = spawn_share(&env, &file, &[]);
        wait_until("the stalled request", Duration::from_secs(30), || {
            count(&proxy.log(), "stalled") == 1
        });
        // Someone is still writing the file.
        let mut more = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        std::io::Write::write_all(&mut more, b"late bytes").unwrap();
        drop(more);
        let out = child.wait_with_output().unwrap();
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {said}");
        assert!(
            said.contains("changed while it was being shared"),
            "{name}: {said}"
        );
        assert_eq!(stdout(&out), "");
        assert_eq!(backend.keys(), Vec::<String>::new(), "no object is left");
        assert_eq!(backend.multipart_uploads(), Vec::<String>::new());
        assert_eq!(history_len(&env), 0);
    }
}
