//! The command line where there is no keychain, as on a server, in a CI job, a container or an
//! SSH login: no D-Bus session, no Secret Service. Every command works against the embedded store
//! and against SeaweedFS with credentials from the environment; only a profile whose secret is in
//! the keychain needs one, and says so.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};

use common::{Backend, KillOnDrop, TestEnv, stderr, stdout};
use serde_json::Value;

/// `linkdrop ARGS` with no session bus to find a Secret Service on (nor a display to start one).
fn headless(env: &TestEnv, args: &[&str]) -> Command {
    let runtime = env.dir.path().join("runtime-without-a-bus");
    std::fs::create_dir_all(&runtime).unwrap();
    let mut command = env.linkdrop(args);
    command
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_RUNTIME_DIR", &runtime);
    command
}

fn ok(mut command: Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn run_ok(env: &TestEnv, args: &[&str]) -> String {
    ok(headless(env, args))
}

/// The same flow on any profile: share, history, re-issue, the check, revoke, forget.
fn every_command_on(env: &TestEnv, profile: &str, vars: &[(&str, &str)]) {
    let with = |args: &[&str]| {
        let mut command = headless(env, args);
        command.envs(vars.iter().copied());
        ok(command)
    };
    let file = env.file(&format!("for {profile}.txt"), b"headless bytes");
    let out = with(&[
        "share",
        "--json",
        "--profile",
        profile,
        file.to_str().unwrap(),
    ]);
    let share: Value = serde_json::from_str(out.trim()).unwrap();
    let (id, url) = (
        share["id"].as_str().unwrap(),
        share["url"].as_str().unwrap(),
    );
    assert_eq!(common::fetch_text(url), "headless bytes");
    let history: Value = serde_json::from_str(&with(&["history", "--json"])).unwrap();
    assert!(
        history.as_array().unwrap().iter().any(|e| e["id"] == id),
        "{history}"
    );
    let again = with(&["reissue", id]);
    assert_eq!(
        common::http()
            .get(again.trim())
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let checked = with(&["profile", "check", profile]);
    assert!(!checked.contains("FAIL"), "{checked}");
    with(&["revoke", id]);
    assert!(matches!(
        common::http()
            .get(again.trim())
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403 | 404
    ));
    with(&["forget", id]);
}

#[test]
fn every_command_works_headless_on_the_embedded_store() {
    let env = TestEnv::new();
    let listed = run_ok(&env, &["profile", "list"]);
    assert!(
        listed.contains("local") && listed.contains("local-store"),
        "{listed}"
    );
    every_command_on(&env, "local", &[]);
    use std::os::unix::fs::PermissionsExt;
    let key = linkdrop::credentials::StoreKey::path(&env.paths());
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the store's key is the user's alone");
}

#[test]
fn every_command_works_headless_on_seaweedfs_with_credentials_from_the_environment() {
    let env = TestEnv::new();
    // Nothing has run in this world yet: `profile add` is its very first command.
    let seaweed = Backend::seaweedfs_without_profile(&env);
    run_ok(
        &env,
        &[
            "profile",
            "add",
            "ci",
            "--bucket",
            &seaweed.bucket,
            "--endpoint",
            &seaweed.endpoint,
            "--path-style",
            "--credentials",
            "env",
        ],
    );
    let listed: Value =
        serde_json::from_str(&run_ok(&env, &["profile", "list", "--json"])).unwrap();
    assert!(
        listed.as_array().unwrap().iter().any(|p| p["name"] == "ci"),
        "{listed}"
    );
    let vars = [
        ("AWS_ACCESS_KEY_ID", seaweed.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", seaweed.secret.as_str()),
    ];
    every_command_on(&env, "ci", &vars);

    // A profile whose secret is in the keychain (added where there is one) cannot work here, and
    // says what would.
    seaweed.add_profile(&env, "seaweed", &seaweed.bucket, &seaweed.secret);
    let file = env.file("k.txt", b"k");
    let out = headless(
        &env,
        &["share", "--profile", "seaweed", file.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("keychain is not available") && said.contains("--credentials env"),
        "{said}"
    );

    let listed = run_ok(&env, &["profile", "list"]);
    assert!(listed.contains("ci\t"), "{listed}");
    run_ok(&env, &["profile", "remove", "ci"]);
    let listed = run_ok(&env, &["profile", "list"]);
    assert!(!listed.contains("ci\t"), "{listed}");
}

#[test]
fn a_keychain_profile_added_headless_is_refused_with_what_to_do() {
    let env = TestEnv::new();
    let out = headless(
        &env,
        &[
            "profile",
            "add",
            "work",
            "--bucket",
            "my-bucket",
            "--access-key-id",
            "AKIDEXAMPLE",
        ],
    )
    .env("LINKDROP_SECRET_ACCESS_KEY", "secret")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--credentials env"),
        "{}",
        stderr(&out)
    );
    let listed = run_ok(&env, &["profile", "list"]);
    assert!(!listed.contains("work"), "nothing was saved: {listed}");
}

/// `linkdrop serve --data DIR`: a tiny S3 server for a script, signed with the environment's
/// credentials, its endpoint on stdout; the AWS CLI uses it as it would S3. LinkDrop's own files
/// are not made.
#[test]
fn serve_data_is_a_tiny_s3_server_for_scripts() {
    let env = TestEnv::new();
    let data = env.dir.path().join("s3-data");
    let child = headless(&env, &["serve", "--data", data.to_str().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "SCRIPTKEY")
        .env("AWS_SECRET_ACCESS_KEY", "script-secret")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = KillOnDrop(child, Vec::new());
    let mut line = String::new();
    std::io::BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line.trim().to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint:?}");

    let aws = |args: &[&str]| {
        let out = Command::new("aws")
            .args(["--endpoint-url", &endpoint, "--region", "us-east-1"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "SCRIPTKEY")
            .env("AWS_SECRET_ACCESS_KEY", "script-secret")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("HOME", env.dir.path())
            .output()
            .expect("the AWS CLI (make test puts it on PATH)");
        assert!(out.status.success(), "aws {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let file = env.file("artifact.tar", b"build output");
    aws(&["s3", "mb", "s3://ci-artifacts"]);
    aws(&[
        "s3",
        "cp",
        file.to_str().unwrap(),
        "s3://ci-artifacts/builds/1/artifact.tar",
    ]);
    assert!(aws(&["s3", "ls", "s3://ci-artifacts/builds/1/"]).contains("artifact.tar"));
    let back = env.dir.path().join("back.tar");
    aws(&[
        "s3",
        "cp",
        "s3://ci-artifacts/builds/1/artifact.tar",
        back.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&back).unwrap(), b"build output");

    // Another key is refused: the store checks signatures.
    let wrong = Command::new("aws")
        .args([
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
            "s3",
            "ls",
            "s3://ci-artifacts",
        ])
        .env("AWS_ACCESS_KEY_ID", "SCRIPTKEY")
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(!wrong.status.success());

    assert!(
        !env.config_dir().exists() && !env.data_dir().exists(),
        "LinkDrop's own dirs were made"
    );
}

#[test]
fn serve_data_without_credentials_says_which_are_missing() {
    let env = TestEnv::new();
    let out = headless(
        &env,
        &[
            "serve",
            "--data",
            env.dir.path().join("d").to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("AWS_ACCESS_KEY_ID"),
        "{}",
        stderr(&out)
    );
}

/// A local profile made by an earlier LinkDrop keeps its store's secret in the keychain: on first
/// use the key moves beside the store (the same key: links made before keep working), the
/// profile says so, and the keychain entry goes.
#[test]
fn an_older_local_profile_moves_its_key_out_of_the_keychain() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let port = common::free_port();
    std::fs::write(
        env.config_dir().join("profiles.toml"),
        format!(
            "default = \"local\"\n\n[[profile]]\nname = \"local\"\nbucket = \"linkdrop\"\n\
             endpoint = \"http://127.0.0.1:{port}\"\nregion = \"us-east-1\"\nprefix = \"\"\n\
             path_style = true\ncredentials = \"keychain\"\naccess_key_id = \"LDOLDKEY\"\n\
             local_store = true\n"
        ),
    )
    .unwrap();
    env.keychain()
        .set_secret("local", "the-old-store-secret")
        .unwrap();

    let file = env.file("after the upgrade.txt", b"upgraded");
    let share = common::share_json(&env, "local", &file);
    assert_eq!(
        common::fetch_text(share["url"].as_str().unwrap()),
        "upgraded"
    );

    let key = linkdrop::credentials::StoreKey::load(&env.paths())
        .unwrap()
        .unwrap();
    assert_eq!(
        (key.access_key_id.as_str(), key.secret_access_key.as_str()),
        ("LDOLDKEY", "the-old-store-secret")
    );
    let book = linkdrop::profiles::ProfileBook::load(&env.paths())
        .unwrap()
        .unwrap();
    let local = book.get("local").unwrap();
    assert_eq!(
        local.credentials,
        linkdrop::profiles::CredentialSource::LocalStore
    );
    assert_eq!(local.access_key_id, None);
    assert!(matches!(
        env.keychain().secret("local"),
        Err(linkdrop::credentials::CredentialsError::NoSecret { .. })
    ));
    // And from now on, headless too.
    every_command_on(&env, "local", &[]);
}

/// The command line edits profiles as the window's Settings do (`settings`): the local store's
/// profile is kept, with what to do instead, and a keychain profile without its key id is
/// refused before any secret is asked for.
#[test]
fn profiles_are_edited_by_the_same_rules_as_in_the_window() {
    let env = TestEnv::new();
    run_ok(&env, &["profile", "list"]);
    let out = headless(&env, &["profile", "remove", "local"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("cannot be removed") && said.contains("linkdrop profile default"),
        "{said}"
    );
    let listed = run_ok(&env, &["profile", "list"]);
    assert!(
        listed.contains("local\t"),
        "the local profile went: {listed}"
    );

    let mut add = headless(
        &env,
        &[
            "profile",
            "add",
            "work",
            "--bucket",
            "b",
            "--credentials",
            "keychain",
        ],
    );
    let out = add.stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("access key id is needed") && said.contains("--access-key-id"),
        "{said}"
    );
    assert!(
        !said.contains("no secret given"),
        "the secret was asked for first: {said}"
    );

    // The domain's refusal names no flag (the window shows it too); the command line adds it.
    let out = headless(
        &env,
        &[
            "profile",
            "add",
            "lan",
            "--bucket",
            "shared-files",
            "--endpoint",
            "http://minio.lan:9000",
            "--credentials",
            "env",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("allow insecure HTTP") && said.contains("(--allow-insecure-http)"),
        "{said}"
    );
}

/// With no keyring (a server), an encrypted page's key is kept beside the store's, readable by
/// the user alone, so a re-issue still gives a link that opens; forgetting the page removes it.
/// Upload requests work headless too.
#[test]
fn encrypted_pages_and_upload_requests_work_without_a_keyring() {
    let env = TestEnv::new();
    let file = env.file("report.pdf", b"%PDF-1.4 quarterly");
    let shared: Value = serde_json::from_str(
        run_ok(
            &env,
            &["share", "--encrypt", "--json", file.to_str().unwrap()],
        )
        .trim(),
    )
    .unwrap();
    let url = shared["url"].as_str().unwrap();
    let (_, key) = url.split_once('#').unwrap();
    let id = shared["id"].as_str().unwrap();
    let kept = env.data_dir().join("page-keys").join(id);
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), key);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the key is the user's alone");
    let again: Value =
        serde_json::from_str(run_ok(&env, &["reissue", id, "--expires", "2h", "--json"]).trim())
            .unwrap();
    assert!(again["url"].as_str().unwrap().ends_with(&format!("#{key}")));
    run_ok(&env, &["forget", id, "--delete-object"]);
    assert!(!kept.exists(), "the key goes with the page");

    let request: Value =
        serde_json::from_str(run_ok(&env, &["request", "create", "--json"]).trim()).unwrap();
    let page = common::fetch_text(request["url"].as_str().unwrap());
    assert!(page.contains("<script id=\"request\""), "the page opens");
    let listed = run_ok(&env, &["request", "list", "--json"]);
    assert!(listed.contains(request["id"].as_str().unwrap()), "{listed}");
}
