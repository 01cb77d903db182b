//! Bad input at the command line: every argument is checked before anything is uploaded, each
//! mistake gets one clear line on stderr and a usage or failure exit status, nothing panics,
//! nothing is uploaded and nothing is written to the history. File names that are not UTF-8 are
//! shared under a clearly replaced name.

mod common;

use common::{Backend, TestEnv, stderr, stdout};

fn nothing_was_shared(env: &TestEnv, backend: &Backend) {
    assert_eq!(
        backend.keys(),
        Vec::<String>::new(),
        "an object was uploaded"
    );
    assert_eq!(backend.multipart_uploads(), Vec::<String>::new());
    let history = env.run(&["history", "--json"]);
    assert_eq!(stdout(&history).trim(), "[]", "{}", stderr(&history));
}

/// Runs `linkdrop ARGS`, expects exit status `code` and a message containing every `needle`.
fn refused(env: &TestEnv, args: &[&str], code: i32, needles: &[&str]) {
    let out = env.run(args);
    let said = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "linkdrop {args:?}: {said}");
    assert!(!said.contains("panicked"), "{said}");
    assert!(
        said.len() < 2000,
        "a {} byte message for {args:?}",
        said.len()
    );
    for needle in needles {
        assert!(
            said.contains(needle),
            "linkdrop {args:?} said {said:?}, not {needle:?}"
        );
    }
    assert_eq!(stdout(&out), "", "linkdrop {args:?} printed a link");
}

#[test]
fn paths_profiles_and_expiries_that_make_no_sense_are_refused_before_any_upload() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let file = env.file("ok.txt", b"fine");
    let ok = file.to_str().unwrap();

    refused(&env, &["share", ""], 1, &["empty path"]);
    let long = format!("/tmp/{}", "x".repeat(100_000));
    refused(&env, &["share", &long], 1, &["too long", "100005 bytes"]);
    let dir = env.dir.path();
    std::os::unix::fs::symlink(dir.join("loop-b"), dir.join("loop-a")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop-a"), dir.join("loop-b")).unwrap();
    refused(
        &env,
        &["share", dir.join("loop-a").to_str().unwrap()],
        1,
        &["symbolic links loop"],
    );
    refused(
        &env,
        &["share", "/dev/null"],
        1,
        &["not a regular file", "a device"],
    );
    // A named pipe would block the first read forever: it is refused before it is opened.
    let fifo = dir.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    refused(
        &env,
        &["share", fifo.to_str().unwrap()],
        1,
        &["not a regular file", "a named pipe"],
    );
    refused(&env, &["share", ok, "--profile", "nope"], 1, &["nope"]);
    // A negative expiry is taken as the value it is meant to be, not as an unknown option.
    refused(
        &env,
        &["share", ok, "--expires", "-1h"],
        2,
        &["\"-1h\" is negative"],
    );
    for (expiry, why) in [
        ("-1h", "negative"),
        ("-0s", "negative"),
        ("1e9s", "not a duration"),
        ("7d1s", "too long"),
        ("abc", "not a duration"),
        ("0s", "too short"),
        ("1.5s", "not a duration"),
        ("", "empty"),
    ] {
        refused(
            &env,
            &["share", ok, &format!("--expires={expiry}")],
            2,
            &[why],
        );
    }
    // One bad file among good ones: nothing is uploaded at all.
    refused(
        &env,
        &["share", ok, "/no/such/file"],
        1,
        &["/no/such/file: no such file"],
    );
    nothing_was_shared(&env, &backend);

    // Relative paths are the command line's everyday input: they resolve against the directory.
    let out = env
        .linkdrop(&["share", "ok.txt", "--json"])
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_file_name_that_is_not_utf8_is_shared_under_a_clearly_replaced_name() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let _backend = Backend::embedded(&env);
    let dir = env.dir.path().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(std::ffi::OsStr::from_bytes(b"caf\xe9 menu.txt"));
    std::fs::write(&path, b"latin-1 name").unwrap();
    let out = env
        .linkdrop(&["share", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let share: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(share["name"], "caf\u{fffd} menu.txt");
    let response = common::http()
        .get(share["url"].as_str().unwrap())
        .send()
        .unwrap();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        linkdrop::storage::content_disposition::download_name(&disposition).as_deref(),
        Some("caf\u{fffd} menu.txt")
    );
    assert_eq!(response.bytes().unwrap().as_ref(), b"latin-1 name");
    let history = stdout(&env.run(&["history", "--json"]));
    assert!(history.contains("caf\u{fffd} menu.txt"), "{history}");
}
