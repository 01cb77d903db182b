//! The attacks SECURITY.md defends against, performed for real: another account on this computer
//! taking the store's port, a profile edited after the fact, a server that lies about a deletion,
//! a file swapped mid-upload, a proxy in the environment, file names full of escape codes, files
//! that look like secrets, archives a crash left behind. Each test fails without the protection
//! it is named for (SECURITY.md names the test for each promise).

mod common;
#[path = "common/faults.rs"]
mod faults;
#[path = "common/forward_proxy.rs"]
mod forward_proxy;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    Backend, KillOnDrop, TestEnv, contents, fetch_text, is_root, set_mode, share_json, stderr,
    stdout,
};
use faults::{Fault, FaultProxy, Rule, Target};
use forward_proxy::ForwardProxy;
use linkdrop::error::Coded;
use serde_json::Value;

const MIB: usize = 1024 * 1024;

fn status_of(url: &str) -> u16 {
    common::http().get(url).send().unwrap().status().as_u16()
}

fn history_state(env: &TestEnv, id: &str) -> String {
    let out = env.run(&["history", "--json"]);
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .map(|e| e["state"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no entry {id}"))
}

fn addr_of(endpoint: &str) -> SocketAddr {
    endpoint.trim_start_matches("http://").parse().unwrap()
}

/// The local profile of a fresh world: made by a first command, its store not started yet.
fn local_profile(env: &TestEnv) -> linkdrop::profiles::Profile {
    let out = env.run(&["profile", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    linkdrop::profiles::ProfileBook::load(&env.paths())
        .unwrap()
        .unwrap()
        .get("local")
        .unwrap()
        .clone()
}

/// A fake S3 server that says yes to everything and writes down every request with its body,
/// as a stranger would run it: as `nobody` when the tests run as root.
const STRANGER: &str = r#"
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class Yes(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def any(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n else b""
        with open(log, "ab") as f:
            f.write(("%s %s\n" % (self.command, self.path)).encode() + body + b"\n")
        self.send_response(200)
        self.send_header("ETag", '"d41d8cd98f00b204e9800998ecf8427e"')
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = any
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Yes).serve_forever()
"#;

/// A listener that takes connections and never answers.
const SILENT: &str = r#"
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
time.sleep(600)
"#;

struct Stranger {
    log: std::path::PathBuf,
    _server: KillOnDrop,
}

impl Stranger {
    fn start(env: &TestEnv, port: u16) -> Stranger {
        Stranger::run(env, port, STRANGER)
    }

    fn run(env: &TestEnv, port: u16, program: &str) -> Stranger {
        let dir = env.dir.path().join("stranger");
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o777);
        let script = dir.join("yes.py");
        std::fs::write(&script, program).unwrap();
        set_mode(&script, 0o644);
        let log = dir.join("received");
        let mut command = if is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "python3",
            ]);
            c
        } else {
            Command::new("python3")
        };
        let child = command
            .arg(&script)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        common::wait_for_port(port, Duration::from_secs(10), "the stranger's server");
        Stranger {
            log,
            _server: KillOnDrop(child, Vec::new()),
        }
    }

    fn received(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }
}

/// Another account listens on the local store's port while the store is down (after a reboot,
/// a crash). Sharing must send it nothing but the challenge it cannot answer, and the link must
/// point at the real store, which moved to a free port with the profile.
#[test]
fn a_stranger_on_the_stores_port_gets_nothing_and_the_store_moves() {
    let env = TestEnv::new();
    let profile = local_profile(&env);
    let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();
    let stranger = Stranger::start(&env, port);
    let marker = format!(
        "payslip of ann, {}",
        linkdrop::share::object_key::new_share_id()
    );
    let file = env.file("payslip.pdf", marker.as_bytes());
    set_mode(&file, 0o600);

    let out = env.run(&[
        "share",
        "--json",
        "--profile",
        "local",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("port {port} of the local store was taken")),
        "{said}"
    );

    let seen = stranger.received();
    assert!(!seen.contains(&marker), "the stranger got the file: {seen}");
    assert!(
        seen.lines()
            .filter(|l| l.starts_with("GET ") || l.starts_with("PUT ") || l.starts_with("HEAD "))
            .all(|l| l.starts_with("GET /.linkdrop/hello?nonce=")),
        "the stranger was sent more than the challenge: {seen}"
    );
    assert!(
        seen.contains("/.linkdrop/hello"),
        "the challenge was not sent: {seen}"
    );

    let share: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let url = share["url"].as_str().unwrap();
    let link_port = url::Url::parse(url).unwrap().port().unwrap();
    assert_ne!(link_port, port, "the link points at the stranger");
    let moved = linkdrop::profiles::ProfileBook::load(&env.paths())
        .unwrap()
        .unwrap()
        .get("local")
        .unwrap()
        .clone();
    assert_eq!(
        linkdrop::local_store::listen_addr(&moved).unwrap().port(),
        link_port,
        "the profile follows the store"
    );
    let response = common::http().get(url).send().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().unwrap(), marker);

    // A link signed for the port the store left (as an older link, or one the stranger asked a
    // client to make) must not be honoured when it reaches the store through another path: the
    // stranger's port is not the store's, and a link naming it is refused.
    let path = url::Url::parse(url).unwrap().path().to_owned();
    let (bucket, key) = path.trim_start_matches('/').split_once('/').unwrap();
    let key = percent_decode(key);
    let old_link = presign_for(&env, &format!("http://127.0.0.1:{port}"), bucket, &key);
    let old_path_and_query = old_link.splitn(4, '/').nth(3).unwrap();
    let response = common::http()
        .get(format!("http://127.0.0.1:{link_port}/{old_path_and_query}"))
        .header("host", format!("127.0.0.1:{port}"))
        .send()
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        421,
        "a link for the old port was served: {:?}",
        response.text()
    );
    // The same link made for the store's port works, so the refusal is about the port alone.
    let new_link = presign_for(&env, &format!("http://127.0.0.1:{link_port}"), bucket, &key);
    assert_eq!(fetch_text(&new_link), marker);
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("k={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

/// A GET of `bucket/key` signed with the local store's key for `endpoint`, by the AWS SDK.
fn presign_for(env: &TestEnv, endpoint: &str, bucket: &str, key: &str) -> String {
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
    let store_key = linkdrop::credentials::StoreKey::load(&env.paths())
        .unwrap()
        .unwrap();
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(
            &store_key.access_key_id,
            &store_key.secret_access_key,
            None,
            None,
            "test",
        ))
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    let (bucket, key) = (bucket.to_owned(), key.to_owned());
    common::block_on(async move {
        client
            .get_object()
            .bucket(bucket)
            .key(key)
            .presigned(
                aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(300))
                    .unwrap(),
            )
            .await
            .unwrap()
            .uri()
            .to_owned()
    })
}

/// Another account's listener that takes the connection and never answers is a stranger too: the
/// store moves away from it rather than wait on it.
#[test]
fn a_stranger_that_never_answers_is_moved_away_from() {
    // A silent listener of the user's own is given time (it may be the store, stopped): this one
    // has to be another account's, which takes root to start (as the test suite runs).
    if !is_root() {
        eprintln!("skipped: acting as another account needs root");
        return;
    }
    let env = TestEnv::new();
    let profile = local_profile(&env);
    let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();
    let _stranger = Stranger::run(&env, port, SILENT);
    let file = env.file("notes.txt", b"mine");
    let share = share_json(&env, "local", &file);
    let url = share["url"].as_str().unwrap();
    assert_ne!(url::Url::parse(url).unwrap().port(), Some(port));
    assert_eq!(fetch_text(url), "mine");
}

/// A store of another LinkDrop (another data dir, another secret) on the port is a stranger too.
#[test]
fn another_linkdrops_store_on_the_port_is_not_taken_for_ours() {
    let env = TestEnv::new();
    let profile = local_profile(&env);
    let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();
    let other = TestEnv::new();
    let _theirs = KillOnDrop(
        other
            .linkdrop(&["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        Vec::new(),
    );
    common::wait_for_port(port, Duration::from_secs(20), "the other store");
    let file = env.file("notes.txt", b"mine");
    let share = share_json(&env, "local", &file);
    let link_port = url::Url::parse(share["url"].as_str().unwrap())
        .unwrap()
        .port();
    assert_ne!(link_port, Some(port));
    assert_eq!(fetch_text(share["url"].as_str().unwrap()), "mine");
}

/// A share made through profile `seaweed`, then `seaweed` pointed at another server whose bucket
/// has the same name: revoking must not delete nothing over there and say "revoked".
#[test]
fn revoke_acts_where_the_link_was_shared_or_refuses() {
    let env = TestEnv::new();
    let seaweed = Backend::seaweedfs(&env);
    let embedded = Backend::embedded(&env);
    let client = embedded.client();
    let bucket = seaweed.bucket.clone();
    common::block_on(async move { client.create_bucket().bucket(bucket).send().await.unwrap() });

    let file = env.file("contract.pdf", b"%PDF- signed");
    let share = share_json(&env, "seaweed", &file);
    let (id, url) = (
        share["id"].as_str().unwrap(),
        share["url"].as_str().unwrap(),
    );
    assert_eq!(status_of(url), 200);

    assert!(env.run(&["profile", "remove", "seaweed"]).status.success());
    embedded.add_profile(&env, "seaweed", &seaweed.bucket, &embedded.secret);
    let out = env.run(&["revoke", id]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("no profile reaches it"), "{said}");
    assert!(said.contains(&seaweed.endpoint), "{said}");
    assert!(said.contains("the link keeps working until"), "{said}");
    assert_eq!(history_state(&env, id), "active");
    assert_eq!(status_of(url), 200, "nothing was deleted");
    let out = env.run(&["reissue", id]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "re-issue refuses too: {}",
        stderr(&out)
    );
    assert_eq!(history_state(&env, id), "active", "not marked missing");

    // Pointed back where it was shared, the profile reaches it again.
    assert!(env.run(&["profile", "remove", "seaweed"]).status.success());
    seaweed.add_profile(&env, "seaweed", &seaweed.bucket, &seaweed.secret);
    let out = env.run(&["revoke", id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(history_state(&env, id), "revoked");
    assert!(matches!(status_of(url), 403 | 404));
}

/// A server (or a cache in front of it) that accepts a deletion and goes on serving: "revoked"
/// is said only once the object is gone and the link refused.
#[test]
fn revoke_is_not_reported_while_the_link_still_works() {
    let env = TestEnv::new();
    let seaweed = Backend::seaweedfs(&env);
    let proxy = FaultProxy::start(addr_of(&seaweed.endpoint));
    seaweed.add_profile_at(&env, "liar", &proxy.endpoint(), "us-east-1");
    let file = env.file("minutes.txt", b"board minutes");
    let share = share_json(&env, "liar", &file);
    let (id, url) = (
        share["id"].as_str().unwrap(),
        share["url"].as_str().unwrap(),
    );
    proxy.add(Rule {
        target: Target::DeleteObject,
        skip: 0,
        times: usize::MAX,
        fault: Fault::Pretend(204),
    });

    let out = env.run(&["revoke", id]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is NOT revoked"), "{}", stderr(&out));
    assert_eq!(history_state(&env, id), "active");
    assert_eq!(status_of(url), 200);

    proxy.clear();
    let out = env.run(&["revoke", id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(history_state(&env, id), "revoked");
    assert!(matches!(status_of(url), 403 | 404));
}

/// Someone who can write to the folder renames another file, of the same size and time, over
/// the one being shared while its parts go out. What is shared is still the file that was picked.
#[test]
fn a_file_swapped_mid_upload_is_shared_as_the_file_picked() {
    let env = TestEnv::new();
    let seaweed = Backend::seaweedfs(&env);
    let proxy = FaultProxy::start(addr_of(&seaweed.endpoint));
    seaweed.add_profile_at(&env, "slow", &proxy.endpoint(), "us-east-1");
    // 10 parts of 8 MiB: the first 8 are held while the file is swapped, the last 2 start after.
    let picked = contents(80 * MIB, 1);
    let path = env.file("holiday.mov", &picked);
    let decoy = env.file("decoy.mov", &contents(80 * MIB, 2));
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::fs::File::options()
        .write(true)
        .open(&decoy)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    proxy.add(Rule {
        target: Target::UploadPart,
        skip: 0,
        times: 8,
        fault: Fault::Stall(Duration::from_secs(3)),
    });

    let child = env
        .linkdrop(&[
            "share",
            "--json",
            "--profile",
            "slow",
            path.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.log().iter().filter(|l| l.contains("stalled")).count() < 8 {
        assert!(
            Instant::now() < deadline,
            "the parts never went out: {:?}",
            proxy.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::rename(&decoy, &path).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let share: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let got = common::http()
        .get(share["url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert!(
        got.len() == picked.len() && got.as_ref() == picked.as_slice(),
        "the link serves other bytes than the file picked"
    );
}

/// Every proxy variable set to a proxy that writes down what it is asked: nothing meant for this
/// computer (the embedded store, SeaweedFS on 127.0.0.1, the links the connection check fetches)
/// goes through it, and it all works.
#[test]
fn a_proxy_in_the_environment_never_sees_what_goes_to_this_computer() {
    let env = TestEnv::new();
    let _seaweed = Backend::seaweedfs(&env);
    let proxy = ForwardProxy::start(None);
    let with_proxy = |args: &[&str]| {
        let mut command = env.linkdrop(args);
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            command.env(var, proxy.url());
        }
        command.env_remove("NO_PROXY").env_remove("no_proxy");
        command.output().unwrap()
    };
    let file = env.file("plan.txt", b"the plan");
    for profile in ["local", "seaweed"] {
        let out = with_proxy(&[
            "share",
            "--json",
            "--profile",
            profile,
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "[{profile}] {}", stderr(&out));
        let share: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(fetch_text(share["url"].as_str().unwrap()), "the plan");
        let out = with_proxy(&["profile", "check", profile]);
        assert!(out.status.success(), "[{profile}] {}", stdout(&out));
    }
    assert_eq!(proxy.requests(), Vec::<String>::new());
}

/// This computer's address on its network (not loopback), if it has one: a server "elsewhere"
/// as far as proxy rules go, where nothing listens on the test's ports.
fn network_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks the route and the local address.
    socket.connect("10.255.255.255:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// A server elsewhere (not loopback) goes through the environment's proxy, unless `NO_PROXY`
/// names it.
#[test]
fn other_servers_go_through_the_proxy_unless_no_proxy_names_them() {
    let env = TestEnv::new();
    let seaweed = Backend::seaweedfs(&env);
    // Through the proxy the requests reach SeaweedFS; straight, they find nobody listening.
    let proxy = ForwardProxy::start(Some(addr_of(&seaweed.endpoint)));
    let port = addr_of(&seaweed.endpoint).port();
    let host = network_address()
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "seaweed.invalid".to_owned());
    let out = env
        .linkdrop(&[
            "profile",
            "add",
            "elsewhere",
            "--bucket",
            &seaweed.bucket,
            "--endpoint",
            &format!("http://{host}:{port}"),
            "--region",
            "us-east-1",
            "--path-style",
            "--allow-insecure-http",
            "--access-key-id",
            &seaweed.access_key_id,
        ])
        .env("LINKDROP_SECRET_ACCESS_KEY", &seaweed.secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let file = env.file("far.txt", b"far away");
    let share = |no_proxy: Option<&str>| {
        let mut command = env.linkdrop(&[
            "share",
            "--json",
            "--profile",
            "elsewhere",
            file.to_str().unwrap(),
        ]);
        command
            .env("HTTP_PROXY", proxy.url())
            .env_remove("no_proxy");
        match no_proxy {
            Some(hosts) => command.env("NO_PROXY", hosts),
            None => command.env_remove("NO_PROXY"),
        };
        command.output().unwrap()
    };
    let out = share(None);
    assert!(out.status.success(), "{}", stderr(&out));
    let carried = proxy.requests();
    assert!(
        carried
            .iter()
            .any(|r| r.starts_with(&format!("PUT http://{host}:{port}/"))),
        "{carried:?}"
    );

    let out = share(Some(&format!("example.com,{host}")));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach"), "{}", stderr(&out));
    assert_eq!(
        proxy.requests().len(),
        carried.len(),
        "NO_PROXY was not honoured"
    );
}

/// A file name made of escape sequences (retitle the terminal, clear it, write the clipboard)
/// is printed as text by `history` and in error messages; JSON keeps it exact.
#[test]
fn escape_codes_in_names_reach_the_terminal_as_text() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let name = "report\u{1b}]0;pwned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{202e}fdp.txt";
    let file = env.file(name, b"numbers");
    let share = share_json(&env, &backend.profile, &file);
    assert_eq!(share["name"], name, "JSON keeps the exact name");

    let out = env.run(&["history"]);
    let printed = stdout(&out);
    assert!(
        !printed.contains('\u{1b}') && !printed.contains('\u{7}') && !printed.contains('\u{202e}'),
        "{printed:?}"
    );
    assert!(printed.contains("report\\x1b]0;pwned\\x07"), "{printed}");
    let out = env.run(&["history", "--json"]);
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list[0]["name"], name);

    let missing = env
        .dir
        .path()
        .join("files")
        .join("\u{1b}[31mmissing\u{1b}[0m.txt");
    let out = env.run(&["share", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(!said.contains('\u{1b}'), "{said:?}");
    assert!(said.contains("\\x1b[31mmissing"), "{said}");
}

/// A private key, an `.env` or a file holding an AWS key is not shared from the command line
/// without `--allow-secrets`, and nothing at all is uploaded when one of the files is one.
#[test]
fn files_that_look_like_secrets_need_allow_secrets() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let key = env.file(
        "id_ed25519",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n",
    );
    let notes = env.file("notes.txt", b"meeting notes\nAKIAIOSFODNN7EXAMPLE\n");
    let dotenv = env.file(".env", b"DATABASE_URL=postgres://app:hunter2@db/app\n");
    let harmless = env.file("photo.jpg", b"\xff\xd8\xff\xe0 a photo");
    for secret in [&key, &notes, &dotenv] {
        let out = env.run(&[
            "share",
            "--profile",
            &backend.profile,
            harmless.to_str().unwrap(),
            secret.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(
            said.contains("looks like") && said.contains("--allow-secrets"),
            "{said}"
        );
        assert!(stdout(&out).is_empty(), "no link: {}", stdout(&out));
    }
    assert_eq!(backend.keys(), Vec::<String>::new(), "nothing was uploaded");
    let out = env.run(&["history", "--json"]);
    assert_eq!(stdout(&out).trim(), "[]");

    let out = env.run(&[
        "share",
        "--allow-secrets",
        "--profile",
        &backend.profile,
        key.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(backend.keys().len(), 1);
}

/// A folder dropped on the window (the window's entry point, `share_path`): its hidden files
/// stay out of the zip and are counted; asked for, they go in, and then a secret among them
/// stops the share until the user says yes.
#[test]
fn a_folders_hidden_files_stay_out_and_its_secrets_are_asked_about() {
    use std::sync::{Arc, Mutex};
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let folder = env.dir.path().join("files").join("webapp");
    std::fs::create_dir_all(folder.join(".git")).unwrap();
    std::fs::write(folder.join(".git").join("config"), b"[remote]").unwrap();
    std::fs::write(
        folder.join(".env"),
        b"SECRET_KEY=hunter2\naws_secret_access_key = x\n",
    )
    .unwrap();
    std::fs::write(folder.join("index.html"), b"<h1>hi</h1>").unwrap();
    let context = linkdrop::Context {
        paths: env.paths(),
        keychain: env.keychain(),
    };
    let share = |options: linkdrop::share::ShareOptions| {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let result = common::block_on(linkdrop::share::share_path(
            &context,
            &folder,
            None,
            Some(&backend.profile),
            options,
            Arc::new(move |e| seen.lock().unwrap().push(e)),
            &tokio_util::sync::CancellationToken::new(),
        ));
        let events = events.lock().unwrap().clone();
        (result, events)
    };
    let names_in = |url: &str| {
        let body = common::http().get(url).send().unwrap().bytes().unwrap();
        let zip = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        names
    };

    let (result, events) = share(Default::default());
    let shared = result.unwrap();
    assert_eq!(names_in(&shared.url), ["index.html"]);
    assert!(
        matches!(
            &events[0],
            linkdrop::share::ShareEvent::Preparing {
                hidden_left_out: 2,
                ..
            }
        ),
        "{events:?}"
    );
    assert!(
        shared
            .warnings
            .iter()
            .any(|w| w.contains("left out 2 hidden items (.env, .git)")),
        "{:?}",
        shared.warnings
    );

    let with_hidden = linkdrop::share::ShareOptions {
        include_hidden: true,
        ..Default::default()
    };
    let (result, _) = share(with_hidden);
    let err = result.unwrap_err();
    assert_eq!(err.code(), "looks_secret");
    assert!(err.to_string().contains(".env"), "{err}");
    assert_eq!(backend.keys().len(), 1, "nothing more was uploaded");

    let (result, _) = share(linkdrop::share::ShareOptions {
        allow_secrets: true,
        ..with_hidden
    });
    let shared = result.unwrap();
    assert_eq!(
        names_in(&shared.url),
        [".env", ".git/", ".git/config", "index.html"]
    );
}

/// An archive of a folder that a killed LinkDrop left in its data dir is removed by the next
/// start; one that a live LinkDrop is sharing right now stays.
#[test]
fn archives_left_by_a_crash_are_removed_at_the_next_start() {
    let env = TestEnv::new();
    let temp = env.data_dir().join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let left = temp.join(".folder-a1b2c3.zip");
    std::fs::write(&left, vec![0u8; 4096]).unwrap();
    let live = temp.join(".folder-d4e5f6.zip");
    std::fs::write(&live, b"PK").unwrap();
    // The lock a sharing LinkDrop holds on its archive, held here by a process of its own.
    let holder = KillOnDrop(
        Command::new("flock")
            .arg(&live)
            .args(["sleep", "60"])
            .spawn()
            .unwrap(),
        Vec::new(),
    );
    std::thread::sleep(Duration::from_millis(300));

    let out = env.run(&["history"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!left.exists(), "the crashed run's archive is still there");
    assert!(live.exists(), "an archive in use was removed");
    drop(holder);
}

/// `Cargo.lock` holds none of the legacy HTTP stack that aws-sdk-s3's default features pull in
/// (hyper 0.14 with rustls 0.21): LinkDrop never uses it, and these versions carry advisories.
#[test]
fn the_lock_holds_no_legacy_tls_stack() {
    let lock = std::fs::read_to_string(common::repo().join("Cargo.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&lock).unwrap();
    let packages: Vec<(String, String)> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let unwanted = |name: &str, major_minor: &str| {
        packages
            .iter()
            .filter(|(n, v)| {
                n == name && (v == major_minor || v.starts_with(&format!("{major_minor}.")))
            })
            .map(|(n, v)| format!("{n} {v}"))
            .collect::<Vec<_>>()
    };
    let found: Vec<String> = [
        ("rustls-webpki", "0.101"),
        ("rustls", "0.21"),
        ("h2", "0.3"),
        ("hyper", "0.14"),
        ("hyper-rustls", "0.24"),
    ]
    .iter()
    .flat_map(|(name, version)| unwanted(name, version))
    .collect();
    assert!(found.is_empty(), "Cargo.lock holds {found:?}");
}

/// A store of the LinkDrop before the challenge: the program it runs as, and what it answers
/// (404 to everything, as s3s did to `/.linkdrop/hello`). A copy of Python named `linkdrop`, run
/// as `linkdrop serve …` (a folder `serve` with a `__main__.py`), so the kernel shows what an
/// older store shows: the binary's name, `serve`, its data directory in its environment.
const OLD_STORE: &str = r#"
import http.server, sys
class Old(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = b"<Error><Code>NoSuchBucket</Code></Error>"
        self.send_response(404)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_PUT = do_HEAD = do_POST = answer
    def log_message(self, *args):
        pass
port = int(sys.argv[sys.argv.index("--listen") + 1].rsplit(":", 1)[1])
http.server.HTTPServer(("127.0.0.1", port), Old).serve_forever()
"#;

fn run_old_store(env: &TestEnv, port: u16, data_dir: &Path) -> KillOnDrop {
    let dir = env.dir.path().join("old-linkdrop");
    std::fs::create_dir_all(dir.join("serve")).unwrap();
    std::fs::write(dir.join("serve").join("__main__.py"), OLD_STORE).unwrap();
    let python = common::find_on_path("python3").expect("python3 on PATH");
    let exe = dir.join("linkdrop");
    if !exe.exists() {
        std::fs::copy(&python, &exe).unwrap();
    }
    let child = Command::new(&exe)
        .current_dir(&dir)
        .args(["serve", "--profile", "local", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env("LINKDROP_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::wait_for_port(port, Duration::from_secs(10), "the older store");
    KillOnDrop(child, Vec::new())
}

/// After an upgrade the older LinkDrop's store still serves the folder on the profile's port, and
/// cannot answer the challenge. It is the user's own store, not a stranger: it is stopped and the
/// new store takes its port (moving away would leave two stores on one folder). An older store
/// of another data directory is not touched.
#[test]
fn an_older_linkdrops_store_of_this_folder_is_replaced_on_its_port() {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: telling an older store apart needs /proc");
        return;
    }
    let env = TestEnv::new();
    let profile = local_profile(&env);
    let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();

    let elsewhere = env.dir.path().join("someone-elses-data");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut other = run_old_store(&env, port, &elsewhere);
    let file = env.file("first.txt", b"first");
    let share = share_json(&env, "local", &file);
    let moved_to = url::Url::parse(share["url"].as_str().unwrap())
        .unwrap()
        .port();
    assert_ne!(
        moved_to,
        Some(port),
        "the store of another folder kept its port"
    );
    assert!(
        other.0.try_wait().unwrap().is_none(),
        "an older store of another folder was stopped"
    );
    drop(other);

    let env = TestEnv::new();
    let profile = local_profile(&env);
    let port = linkdrop::local_store::listen_addr(&profile).unwrap().port();
    let mut old = run_old_store(&env, port, &env.paths().data_dir);
    let file = env.file("notes.txt", b"mine, after the upgrade");
    let out = env.run(&[
        "share",
        "--json",
        "--profile",
        "local",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("was taken"), "{}", stderr(&out));
    let share: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let url = share["url"].as_str().unwrap();
    assert_eq!(
        url::Url::parse(url).unwrap().port(),
        Some(port),
        "the store kept its port"
    );
    assert_eq!(fetch_text(url), "mine, after the upgrade");
    let deadline = Instant::now() + Duration::from_secs(5);
    while old.0.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        old.0.try_wait().unwrap().is_some(),
        "the older store still runs"
    );
}
