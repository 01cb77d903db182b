//! LinkDrop side by side with the tools people would use instead, on the same machine, the same
//! files and the same servers, in one run: the AWS CLI (`aws s3 cp` + `aws s3 presign`), rclone
//! (`copyto` + `link --expire`), a boto3 script, and for big uploads the near-limit references
//! (`cat > /dev/null`, and curl PUT to a presigned URL). Absolute times drift on a shared machine;
//! the ratios to LinkDrop are what to read.
//!
//! - `make bench`: the full run (release build, both servers: the embedded store and SeaweedFS),
//!   written to `bench/results.md` and `bench/*.svg`, with the machine it ran on.
//! - `make bench-quick`, and `cargo test --all-targets` (so every `make test`): tiny sizes, one run,
//!   the embedded store only, written under the target dir. It still checks that every tool's
//!   link downloads the file, so the suite cannot rot.
//!
//! Cases: (1) small file to link, the whole process each time; (2) big upload throughput; (3) peak
//! memory (max RSS) during the big uploads; (4) 10,000 presigned GETs in-process against boto3's
//! `generate_presigned_url` loop; (5) the 100,000-entry history, from the criterion run of
//! `benches/history.rs`; (6) the app's cold start to a visible window under Xvfb, and its idle
//! memory.

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, TestEnv};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

struct Plan {
    quick: bool,
    small_sizes: Vec<u64>,
    big_sizes: Vec<u64>,
    small_runs: usize,
    big_runs: usize,
    warmups: usize,
    presigns: usize,
    app_starts: usize,
    seaweedfs: bool,
    out_dir: PathBuf,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        let root = common::repo();
        let root = root.as_path();
        if quick {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"));
            Plan {
                quick,
                small_sizes: vec![KIB],
                // Above LinkDrop's single-PUT limit, so the multipart path runs too.
                big_sizes: vec![20 * MIB],
                small_runs: 1,
                big_runs: 1,
                warmups: 0,
                presigns: 1000,
                app_starts: 1,
                seaweedfs: false,
                out_dir: target.join("bench-quick"),
            }
        } else {
            Plan {
                quick,
                small_sizes: vec![KIB, MIB],
                big_sizes: vec![256 * MIB, GIB],
                small_runs: 10,
                big_runs: 3,
                warmups: 2,
                presigns: 10_000,
                app_starts: 5,
                seaweedfs: true,
                out_dir: root.join("bench"),
            }
        }
    }
}

/// One process run to the end: how long it took, its peak memory, what it printed.
struct Run {
    wall: Duration,
    max_rss_kib: u64,
    stdout: String,
}

/// Runs `cmd` to the end, timing it from spawn to exit, with its peak RSS measured by GNU time.
///
/// Not by our own wait4(2): Linux carries the parent's memory into a child's max RSS across
/// fork and exec, so every tool would weigh at least what this process weighs. GNU time is small
/// and forks the tool itself. The tool gets a clean environment: the session's bus and PATH, and
/// what `cmd` sets.
fn run(cmd: &mut Command) -> Run {
    let what = format!("{cmd:?}");
    let rss_file = std::env::temp_dir().join(format!("linkdrop-bench-rss-{}", std::process::id()));
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["--format", "%M", "--output"])
        .arg(&rss_file)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for name in [
        "PATH",
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_RUNTIME_DIR",
        "LANG",
    ] {
        if let Some(value) = std::env::var_os(name) {
            timed.env(name, value);
        }
    }
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(name, value),
            None => timed.env_remove(name),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let start = Instant::now();
    let output = timed
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} under /usr/bin/time: {e}"));
    let wall = start.elapsed();
    assert!(
        output.status.success(),
        "{what} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let max_rss_kib = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|t| t.trim().lines().last()?.trim().parse().ok())
        .unwrap_or_else(|| panic!("GNU time wrote no peak RSS for {what}"));
    let _ = std::fs::remove_file(&rss_file);
    Run {
        wall,
        max_rss_kib,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// The tools compared, found on PATH (`make bench` puts its venv first).
struct Tools {
    aws: PathBuf,
    python: PathBuf,
    rclone: PathBuf,
    curl: PathBuf,
}

fn on_path(name: &str) -> PathBuf {
    common::find_on_path(name)
        .unwrap_or_else(|| panic!("{name} is not on PATH: run `make bench`, which installs it"))
}

impl Tools {
    fn find() -> Tools {
        let aws = on_path("aws");
        // The python of the venv the AWS CLI is in: boto3 is installed beside it.
        let python = aws.with_file_name("python3");
        Tools {
            aws,
            python,
            rclone: on_path("rclone"),
            curl: on_path("curl"),
        }
    }

    fn versions(&self) -> Vec<(String, String)> {
        let first_line = |cmd: &mut Command| {
            let out = cmd.output().expect("cannot ask a tool its version");
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            text.lines().next().unwrap_or_default().trim().to_owned()
        };
        vec![
            (
                "LinkDrop".into(),
                first_line(Command::new(common::bin()).arg("--version")),
            ),
            (
                "AWS CLI".into(),
                first_line(Command::new(&self.aws).arg("--version")),
            ),
            (
                "rclone".into(),
                first_line(Command::new(&self.rclone).arg("version")),
            ),
            (
                "boto3".into(),
                first_line(Command::new(&self.python).args([
                    "-c",
                    "import boto3, sys; print('boto3', boto3.__version__, 'on Python', sys.version.split()[0])",
                ])),
            ),
            (
                "curl".into(),
                first_line(Command::new(&self.curl).arg("--version")),
            ),
        ]
    }
}

/// A server under test, and how each tool reaches it.
struct Server {
    backend: Backend,
    label: &'static str,
    /// AWS CLI and boto3: keys, region, path-style addressing, no aws-chunked checksums (which
    /// not every S3-compatible server takes).
    aws_env: Vec<(String, String)>,
    rclone_env: Vec<(String, String)>,
}

impl Server {
    fn new(env: &TestEnv, backend: Backend, label: &'static str) -> Server {
        let dir = env.dir.path().join(format!("tools-{}", backend.profile));
        std::fs::create_dir_all(&dir).unwrap();
        let aws_config = dir.join("aws-config");
        // AWS CLI v1 presigns with Signature Version 2 unless told otherwise, which S3 refuses for
        // buckets made since 2020, and so does the embedded store: SigV4, as users set it.
        std::fs::write(
            &aws_config,
            "[default]\ns3 =\n  addressing_style = path\n  signature_version = s3v4\n",
        )
        .unwrap();
        let rclone_config = dir.join("rclone.conf");
        std::fs::write(&rclone_config, "").unwrap();
        let s = |v: &str| v.to_owned();
        let aws_env = vec![
            (s("AWS_ACCESS_KEY_ID"), backend.access_key_id.clone()),
            (s("AWS_SECRET_ACCESS_KEY"), backend.secret.clone()),
            (s("AWS_DEFAULT_REGION"), s("us-east-1")),
            (s("AWS_CONFIG_FILE"), aws_config.display().to_string()),
            (
                s("AWS_SHARED_CREDENTIALS_FILE"),
                dir.join("none").display().to_string(),
            ),
            (s("AWS_REQUEST_CHECKSUM_CALCULATION"), s("when_required")),
            (s("AWS_RESPONSE_CHECKSUM_VALIDATION"), s("when_required")),
            (s("BENCH_ENDPOINT"), backend.endpoint.clone()),
            (s("HOME"), dir.display().to_string()),
        ];
        let rclone_env = vec![
            (s("RCLONE_CONFIG"), rclone_config.display().to_string()),
            (s("RCLONE_CONFIG_BENCH_TYPE"), s("s3")),
            (s("RCLONE_CONFIG_BENCH_PROVIDER"), s("Other")),
            (
                s("RCLONE_CONFIG_BENCH_ACCESS_KEY_ID"),
                backend.access_key_id.clone(),
            ),
            (
                s("RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY"),
                backend.secret.clone(),
            ),
            (s("RCLONE_CONFIG_BENCH_ENDPOINT"), backend.endpoint.clone()),
            (s("RCLONE_CONFIG_BENCH_REGION"), s("us-east-1")),
            (s("RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE"), s("true")),
            // The bucket exists: rclone's own advice for buckets it may not create.
            (s("RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET"), s("true")),
            (s("HOME"), dir.display().to_string()),
        ];
        Server {
            backend,
            label,
            aws_env,
            rclone_env,
        }
    }

    fn delete(&self, key: &str) {
        let client = self.backend.client();
        let (bucket, key) = (self.backend.bucket.clone(), key.to_owned());
        common::block_on(async move {
            client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
        });
    }

    fn size_of(&self, key: &str) -> u64 {
        let client = self.backend.client();
        let (bucket, key) = (self.backend.bucket.clone(), key.to_owned());
        common::block_on(async move {
            let head = client.head_object().bucket(bucket).key(key).send().await;
            head.unwrap().content_length().unwrap_or(-1) as u64
        })
    }

    /// A presigned PUT, for curl.
    fn presigned_put(&self, key: &str) -> String {
        let client = self.backend.client();
        let (bucket, key) = (self.backend.bucket.clone(), key.to_owned());
        common::block_on(async move {
            let config =
                aws_sdk_s3::presigning::PresigningConfig::expires_in(Duration::from_secs(3600))
                    .unwrap();
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .presigned(config)
                .await
                .unwrap()
                .uri()
                .to_owned()
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tool {
    LinkDrop,
    /// `share --encrypt`: the file encrypted as it is sent, behind its own page.
    LinkDropEncrypted,
    AwsCli,
    Rclone,
    Boto3,
    CurlPut,
    Cat,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::LinkDrop => "LinkDrop (`linkdrop share --json`)",
            Tool::LinkDropEncrypted => "LinkDrop encrypted (`linkdrop share --encrypt --json`)",
            Tool::AwsCli => "AWS CLI (`aws s3 cp` + `aws s3 presign`)",
            Tool::Rclone => "rclone (`copyto` + `link --expire`)",
            Tool::Boto3 => "boto3 script (`upload_file` + `generate_presigned_url`)",
            Tool::CurlPut => "curl PUT to a presigned URL (reference)",
            Tool::Cat => "`cat FILE > /dev/null` (reference)",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Tool::LinkDrop => "LinkDrop",
            Tool::LinkDropEncrypted => "LinkDrop encrypted",
            Tool::AwsCli => "AWS CLI",
            Tool::Rclone => "rclone",
            Tool::Boto3 => "boto3",
            Tool::CurlPut => "curl PUT",
            Tool::Cat => "cat",
        }
    }
}

const SHARERS: [Tool; 4] = [Tool::LinkDrop, Tool::AwsCli, Tool::Rclone, Tool::Boto3];

/// One share (or upload) by `tool`: the processes it takes, summed; the link when it makes one;
/// the object key, to delete afterwards.
fn share(
    tool: Tool,
    tools: &Tools,
    env: &TestEnv,
    server: &Server,
    file: &Path,
    key: &str,
    link: bool,
) -> (Duration, u64, Option<String>, Option<String>) {
    let bucket = &server.backend.bucket;
    let endpoint = &server.backend.endpoint;
    let target = format!("s3://{bucket}/{key}");
    let remote = format!("bench:{bucket}/{key}");
    let file_arg = file.to_str().unwrap();
    let mut runs = Vec::new();
    let mut url = None;
    let mut object = Some(key.to_owned());
    match tool {
        Tool::LinkDrop => {
            let r = run(env
                .linkdrop(&["share", file_arg, "--json", "--expires", "1h"])
                .args(["--profile", &server.backend.profile]));
            let share: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
            url = share["url"].as_str().map(str::to_owned);
            object = share["key"].as_str().map(str::to_owned);
            runs.push(r);
        }
        Tool::LinkDropEncrypted => {
            let r = run(env
                .linkdrop(&["share", file_arg, "--encrypt", "--json", "--expires", "1h"])
                .args(["--profile", &server.backend.profile]));
            let page: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
            // The link is the page's (checked by the page tests in a browser); the object is
            // checked here by its size: the file's, encrypted.
            let stored = page["files"][0]["key"].as_str().unwrap().to_owned();
            let plain = std::fs::metadata(file).unwrap().len();
            assert_eq!(
                server.size_of(&stored),
                linkdrop::storage::encrypt::encrypted_size(plain),
                "the encrypted object's size"
            );
            server.delete(page["key"].as_str().unwrap());
            object = Some(stored);
            runs.push(r);
        }
        Tool::AwsCli => {
            let aws = |args: &[&str]| {
                let mut cmd = Command::new(&tools.aws);
                cmd.envs(server.aws_env.iter().cloned())
                    .args(["--endpoint-url", endpoint])
                    .args(args);
                cmd
            };
            runs.push(run(&mut aws(&[
                "s3",
                "cp",
                file_arg,
                &target,
                "--only-show-errors",
            ])));
            if link {
                let r = run(&mut aws(&[
                    "s3",
                    "presign",
                    &target,
                    "--expires-in",
                    "3600",
                ]));
                url = Some(r.stdout.trim().to_owned());
                runs.push(r);
            }
        }
        Tool::Rclone => {
            let rclone = |args: &[&str]| {
                let mut cmd = Command::new(&tools.rclone);
                cmd.envs(server.rclone_env.iter().cloned()).args(args);
                cmd
            };
            runs.push(run(&mut rclone(&["copyto", file_arg, &remote])));
            if link {
                let r = run(&mut rclone(&["link", "--expire", "1h", &remote]));
                url = Some(r.stdout.trim().to_owned());
                runs.push(r);
            }
        }
        Tool::Boto3 => {
            let script = common::repo().join("benches/boto3_share.py");
            let r = run(Command::new(&tools.python)
                .envs(server.aws_env.iter().cloned())
                .arg(script)
                .args([if link { "share" } else { "upload" }, file_arg, bucket, key]));
            if link {
                url = Some(r.stdout.trim().to_owned());
            }
            runs.push(r);
        }
        Tool::CurlPut => {
            let put = server.presigned_put(key);
            runs.push(run(Command::new(&tools.curl).args([
                "--silent",
                "--show-error",
                "--fail",
                "--upload-file",
                file_arg,
                "--output",
                "/dev/null",
                &put,
            ])));
        }
        Tool::Cat => {
            runs.push(run(Command::new("/bin/sh")
                .arg("-c")
                .arg("exec cat \"$1\" > /dev/null")
                .arg("cat")
                .arg(file)));
            object = None;
        }
    }
    let wall = runs.iter().map(|r| r.wall).sum();
    let rss = runs.iter().map(|r| r.max_rss_kib).max().unwrap_or(0);
    (wall, rss, url, object)
}

/// Median, min and max of some measurements.
#[derive(Clone, Copy, Debug)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

fn stats(values: &[f64]) -> Stats {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let median = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    Stats {
        median,
        min: v[0],
        max: v[v.len() - 1],
    }
}

/// A file of `size` bytes that no filesystem or server can compress away.
fn make_file(dir: &Path, size: u64) -> PathBuf {
    let path = dir.join(format!("bench-{}.bin", size_label(size).replace(' ', "")));
    if path.metadata().is_ok_and(|m| m.len() == size) {
        return path;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ size;
    let mut block = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            // xorshift64*: fast, and random enough to defeat compression.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let word = state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        let n = left.min(MIB) as usize;
        std::io::Write::write_all(&mut file, &block[..n]).unwrap();
        left -= n as u64;
    }
    std::io::Write::flush(&mut file).unwrap();
    path
}

fn size_label(size: u64) -> String {
    if size >= GIB && size.is_multiple_of(GIB) {
        format!("{} GiB", size / GIB)
    } else if size >= MIB {
        format!("{} MiB", size / MIB)
    } else {
        format!("{} KiB", size / KIB)
    }
}

/// Checks that a link downloads exactly `file`: a comparison of tools that do not all work would
/// be worth nothing.
fn check_link(url: &str, file: &Path, tool: Tool) {
    let response = common::http().get(url).send().unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{}'s link does not download: {url}",
        tool.short()
    );
    let body = response.bytes().unwrap();
    assert!(
        body.as_ref() == std::fs::read(file).unwrap().as_slice(),
        "{}'s link downloads other bytes",
        tool.short()
    );
}

struct Measured {
    /// (case, server, size, tool) -> seconds per run
    times: BTreeMap<(String, &'static str, u64, Tool), Vec<f64>>,
    /// (server, size, tool) -> peak RSS per run, KiB
    rss: BTreeMap<(&'static str, u64, Tool), Vec<f64>>,
}

fn small_files(plan: &Plan, tools: &Tools, env: &TestEnv, server: &Server, m: &mut Measured) {
    for &size in &plan.small_sizes {
        let file = make_file(env.dir.path(), size);
        for tool in SHARERS {
            eprintln!(
                "bench: small file {} with {} on {}",
                size_label(size),
                tool.short(),
                server.label
            );
            for i in 0..plan.warmups + plan.small_runs {
                let key = format!("bench/{}/{i}/{}", tool.short().replace(' ', "-"), size);
                let (wall, _, url, object) = share(tool, tools, env, server, &file, &key, true);
                if i == 0 {
                    check_link(url.as_deref().expect("a link"), &file, tool);
                }
                if let Some(object) = object {
                    server.delete(&object);
                }
                if i >= plan.warmups {
                    m.times
                        .entry(("small".into(), server.label, size, tool))
                        .or_default()
                        .push(wall.as_secs_f64());
                }
            }
        }
    }
}

fn big_files(plan: &Plan, tools: &Tools, env: &TestEnv, server: &Server, m: &mut Measured) {
    let uploaders = [
        Tool::LinkDrop,
        Tool::LinkDropEncrypted,
        Tool::AwsCli,
        Tool::Rclone,
        Tool::Boto3,
        Tool::CurlPut,
        Tool::Cat,
    ];
    for &size in &plan.big_sizes {
        let file = make_file(env.dir.path(), size);
        for tool in uploaders {
            eprintln!(
                "bench: upload {} with {} on {}",
                size_label(size),
                tool.short(),
                server.label
            );
            // One warm-up: the file in the page cache for everyone alike.
            for i in 0..1 + plan.big_runs {
                let key = format!("bench/big/{}/{i}", tool.short().replace(' ', "-"));
                let (wall, rss, url, object) = share(
                    tool,
                    tools,
                    env,
                    server,
                    &file,
                    &key,
                    tool == Tool::LinkDrop,
                );
                if i == 0
                    && let Some(url) = &url
                    && plan.quick
                {
                    check_link(url, &file, tool);
                }
                if let Some(object) = object {
                    server.delete(&object);
                }
                if i == 0 && !plan.quick {
                    continue;
                }
                m.times
                    .entry(("big".into(), server.label, size, tool))
                    .or_default()
                    .push(wall.as_secs_f64());
                if tool != Tool::Cat {
                    m.rss
                        .entry((server.label, size, tool))
                        .or_default()
                        .push(rss as f64);
                }
            }
        }
    }
}

/// 10,000 presigned GETs: LinkDrop's signing, in this process (the release build under `make
/// bench`), and boto3's loop in its own (interpreter start not counted).
fn presigning(plan: &Plan, tools: &Tools, server: &Server) -> (Stats, Stats) {
    use linkdrop::credentials::Resolved;
    use linkdrop::profiles::{CredentialSource, Profile};
    let profile = Profile {
        endpoint: Some(server.backend.endpoint.clone()),
        region: Some("us-east-1".into()),
        path_style: true,
        credentials: CredentialSource::Env,
        ..Profile::new("bench", &server.backend.bucket)
    };
    let keys = Resolved::from_keys(
        server.backend.access_key_id.clone(),
        server.backend.secret.clone(),
    );
    let bucket = linkdrop::storage::Bucket::unchecked(&profile, &keys);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut ours = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        runtime.block_on(async {
            for i in 0..plan.presigns {
                let name = format!("holiday photo {i}.jpg");
                let key = format!("01JDBENCH{i:017}/{name}");
                std::hint::black_box(
                    linkdrop::storage::presign::presign_get(
                        &bucket,
                        &key,
                        &name,
                        linkdrop::profiles::expiry::Expiry::ONE_HOUR,
                        None,
                    )
                    .await
                    .unwrap(),
                );
            }
        });
        ours.push(start.elapsed().as_secs_f64());
    }
    let script = common::repo().join("benches/boto3_share.py");
    let mut theirs = Vec::new();
    for _ in 0..3 {
        let r = run(Command::new(&tools.python)
            .envs(server.aws_env.iter().cloned())
            .arg(&script)
            .args([
                "presign",
                &plan.presigns.to_string(),
                &server.backend.bucket,
            ]));
        theirs.push(r.stdout.trim().parse::<f64>().unwrap());
    }
    (stats(&ours), stats(&theirs))
}

/// The criterion estimate (median, seconds) of `group/name`, when `make bench` ran it.
fn criterion_median(group: &str, name: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo().join("target"));
    let path = target
        .join("criterion")
        .join(group)
        .join(name)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some(json["median"]["point_estimate"].as_f64()? / 1e9)
}

#[path = "compare/report.rs"]
mod report;
#[path = "compare/svg.rs"]
mod svg;
#[path = "compare/window.rs"]
mod window;

use report::*;
use svg::*;
use window::*;

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this without it: the quick run.
    let quick = !std::env::args().any(|a| a == "--bench")
        || std::env::var_os("LINKDROP_BENCH_QUICK").is_some();
    let mut plan = Plan::new(quick);
    // `cargo bench --bench compare -- big app`: only those cases (small, big, presign, app).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |case: &str| only.is_empty() || only.iter().any(|o| o == case);
    if !wanted("small") {
        plan.small_sizes.clear();
    }
    if !wanted("big") {
        plan.big_sizes.clear();
    }
    std::fs::create_dir_all(&plan.out_dir).unwrap();
    let tools = Tools::find();
    let env = TestEnv::new();
    let mut servers = vec![Server::new(&env, Backend::embedded(&env), "embedded store")];
    if plan.seaweedfs {
        servers.push(Server::new(&env, Backend::seaweedfs(&env), "SeaweedFS"));
    }
    let mut m = Measured {
        times: BTreeMap::new(),
        rss: BTreeMap::new(),
    };
    for server in &servers {
        small_files(&plan, &tools, &env, server, &mut m);
        big_files(&plan, &tools, &env, server, &mut m);
    }
    let presign = wanted("presign").then(|| {
        eprintln!("bench: presigning");
        presigning(&plan, &tools, &servers[0])
    });
    let app = if wanted("app") {
        eprintln!("bench: the app's cold start");
        app_start(&plan)
    } else {
        None
    };

    let report = report(&plan, &tools, &m, presign, app.as_ref());
    // A partial run (some cases only) is for looking at, not for bench/results.md.
    let path = if only.is_empty() {
        plan.out_dir.join("results.md")
    } else {
        std::env::temp_dir().join("linkdrop-bench-partial.md")
    };
    std::fs::write(&path, report).unwrap();
    write_charts(&plan, &m);
    eprintln!("bench: wrote {}", path.display());
}
