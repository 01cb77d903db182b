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
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
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

/// Cold starts of the window under Xvfb: to a mapped window, and to the UI asking for its first
/// data (the page is up); then the memory of the app and its WebKit processes, idle.
struct AppStart {
    to_window: Stats,
    to_ui: Stats,
    /// The app process alone, and with its WebKit helper processes (PSS, so shared pages count once).
    idle_rss_mb: f64,
    idle_tree_pss_mb: f64,
    /// The app process's own memory: PSS, and the private pages (what only it holds).
    idle_pss_mb: f64,
    idle_private_mb: f64,
    /// The app process's largest mappings by RSS, MB: where its RSS goes.
    idle_largest: Vec<(String, f64)>,
}

fn app_start(plan: &Plan) -> Option<AppStart> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("bench: no session bus (run through make): the app start is not measured");
        return None;
    }
    let env = TestEnv::new();
    // A display of its own: the first free number from 90 on.
    let number = (90..400)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("no free X display number");
    let display = format!(":{number}");
    let _xvfb = common::KillOnDrop(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
                // Else the server resets when the last client (the app just killed) goes, and
                // the next start finds no display for a moment.
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(env.dir.path().join("xvfb.log")).unwrap())
            .spawn()
            .expect("cannot start Xvfb (Debian's xvfb; `make bench` installs it)"),
        Vec::new(),
    );
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut to_window, mut to_ui) = (Vec::new(), Vec::new());
    let (mut rss, mut pss, mut own_pss, mut private) = (0.0, 0.0, 0.0, 0.0);
    let mut largest = Vec::new();
    // The first start makes the local profile and its keychain entry: not a start users repeat.
    for i in 0..=plan.app_starts {
        // The last start's window must be gone from the bus, or this one would hand over to it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while linkdrop_cli::handover::window_running() {
            assert!(
                Instant::now() < deadline,
                "the last LinkDrop window did not go away"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = env.dir.path().join(format!("app-{i}.log"));
        let start = Instant::now();
        let mut app = common::KillOnDrop(
            env.linkdrop(&[])
                .env("DISPLAY", &display)
                .env("GDK_BACKEND", "x11")
                .env("NO_AT_BRIDGE", "1")
                .env("LINKDROP_LOG", "info")
                .env("XDG_CONFIG_HOME", env.dir.path().join("xdg-config"))
                .env("XDG_DATA_HOME", env.dir.path().join("xdg-data"))
                .env("XDG_CACHE_HOME", env.dir.path().join("xdg-cache"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
            Vec::new(),
        );
        let pid = app.0.id();
        let mut window = None;
        let mut ui = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while (window.is_none() || ui.is_none()) && Instant::now() < deadline {
            if window.is_none() && visible_window(&display, "^LinkDrop$") {
                window = Some(start.elapsed());
            }
            if ui.is_none()
                && std::fs::read_to_string(&log).is_ok_and(|l| l.contains("the window is ready"))
            {
                ui = Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let (Some(window), Some(ui)) = (window, ui) else {
            panic!(
                "the app (start {i}) did not show its window within 60 s; it {}; its log: {:?}; Xvfb's: {:?}",
                match app.0.try_wait() {
                    Ok(Some(status)) => format!("exited with {status}"),
                    _ => "still runs".to_owned(),
                },
                std::fs::read_to_string(&log).unwrap_or_default(),
                std::fs::read_to_string(env.dir.path().join("xvfb.log")).unwrap_or_default()
            );
        };
        if i > 0 {
            to_window.push(window.as_secs_f64());
            to_ui.push(ui.as_secs_f64());
        }
        if i == plan.app_starts {
            std::thread::sleep(Duration::from_secs(if plan.quick { 1 } else { 5 }));
            rss = proc_kib(pid, "status", "VmRSS:") as f64 / 1024.0;
            own_pss = proc_kib(pid, "smaps_rollup", "Pss:") as f64 / 1024.0;
            private = (proc_kib(pid, "smaps_rollup", "Private_Clean:")
                + proc_kib(pid, "smaps_rollup", "Private_Dirty:")) as f64
                / 1024.0;
            largest = rss_by_mapping(pid, 8);
            pss = process_tree(pid)
                .iter()
                .map(|&p| proc_kib(p, "smaps_rollup", "Pss:"))
                .sum::<u64>() as f64
                / 1024.0;
        }
        let tree = process_tree(pid);
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !matches!(app.0.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        for p in tree {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(p.to_string())
                .status();
        }
    }
    Some(AppStart {
        to_window: stats(&to_window),
        to_ui: stats(&to_ui),
        idle_rss_mb: rss,
        idle_tree_pss_mb: pss,
        idle_pss_mb: own_pss,
        idle_private_mb: private,
        idle_largest: largest,
    })
}

/// The `n` mappings of `pid` with the most resident memory (libraries by file name), in MB.
fn rss_by_mapping(pid: u32, n: usize) -> Vec<(String, f64)> {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
    let mut current = String::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            current = line
                .split_whitespace()
                .nth(5)
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_owned())
                .unwrap_or_else(|| "[anonymous]".into());
        } else if let Some(kib) = line.strip_prefix("Rss:") {
            *by_name.entry(current.clone()).or_default() += kib
                .split_whitespace()
                .next()
                .and_then(|k| k.parse().ok())
                .unwrap_or(0);
        }
    }
    let mut all: Vec<(String, f64)> = by_name
        .into_iter()
        .map(|(name, kib)| (name, kib as f64 / 1024.0))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1));
    all.truncate(n);
    all
}

fn visible_window(display: &str, title: &str) -> bool {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .env("DISPLAY", display)
        .output();
    let Ok(out) = out else { return false };
    String::from_utf8_lossy(&out.stdout).lines().any(|id| {
        Command::new("xdotool")
            .args(["getwindowgeometry", "--shell", id.trim()])
            .env("DISPLAY", display)
            .output()
            .is_ok_and(|g| {
                let g = String::from_utf8_lossy(&g.stdout);
                // GTK's 1×1 helper windows carry the app's title too.
                !g.contains("WIDTH=1\n")
            })
    })
}

/// `pid` and every process below it (WebKit's web and network processes).
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat"))
            && let Some(rest) = stat.rsplit(')').next()
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok())
        {
            parents.push((p, ppid));
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

/// A `Field:  123 kB` line of `/proc/PID/FILE` (status, smaps_rollup), in KiB; 0 when absent.
fn proc_kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

fn machine() -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|s| s.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    vec![
        ("CPU".into(), format!("{cpu}, {cores} cores available")),
        (
            "Memory".into(),
            format!("{:.1} GiB", mem_kib as f64 / 1024.0 / 1024.0),
        ),
        ("OS".into(), format!("{os}, Linux {kernel}")),
        (
            "Date".into(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
    ]
}

fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.001 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

/// A grouped bar chart as a standalone SVG: one group per label, one bar per series.
fn bar_chart(
    title: &str,
    unit: &str,
    groups: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> String {
    const COLOURS: [&str; 6] = [
        "#2563eb", "#d97706", "#16a34a", "#9333ea", "#6b7280", "#dc2626",
    ];
    let (width, height, left, bottom, top) = (860.0, 420.0, 70.0, 60.0, 50.0);
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(0.0_f64, |a, &b| a.max(b))
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let plot_w = width - left - 20.0 - 190.0;
    let plot_h = height - top - bottom;
    let group_w = plot_w / groups.len().max(1) as f64;
    let bar_w = group_w * 0.8 / series.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"28\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        xml(title)
    );
    for tick in 0..=4 {
        let v = max / 4.0 * f64::from(tick);
        let y = top + plot_h - plot_h * f64::from(tick) / 4.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            number(v)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"16\" y=\"{:.1}\" transform=\"rotate(-90 16 {:.1})\" text-anchor=\"middle\">{}</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        xml(unit)
    );
    for (g, label) in groups.iter().enumerate() {
        let gx = left + group_w * g as f64 + group_w * 0.1;
        for (s, (_, values)) in series.iter().enumerate() {
            let Some(Some(v)) = values.get(g) else {
                continue;
            };
            let h = plot_h * v / max;
            let x = gx + bar_w * s as f64;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}</title></rect>",
                top + plot_h - h,
                bar_w * 0.92,
                COLOURS[s % COLOURS.len()],
                number(*v)
            );
        }
        // "1 GiB · SeaweedFS": one line each, so that neighbouring labels never run together.
        let x = left + group_w * (g as f64 + 0.5);
        for (line, part) in label.split(" · ").enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                top + plot_h + 20.0 + 15.0 * line as f64,
                xml(part)
            );
        }
    }
    for (s, (name, _)) in series.iter().enumerate() {
        let y = top + 10.0 + 22.0 * s as f64;
        let x = left + plot_w + 20.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{y:.1}\">{}</text>",
            y - 10.0,
            COLOURS[s % COLOURS.len()],
            x + 18.0,
            xml(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Target {
    what: String,
    measured: String,
    met: bool,
    /// What the profile showed, for a target that is missed.
    why: Option<String>,
}

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

fn median_of(
    m: &Measured,
    case: &str,
    server: &'static str,
    size: u64,
    tool: Tool,
) -> Option<Stats> {
    m.times
        .get(&(case.to_owned(), server, size, tool))
        .map(|v| stats(v))
}

fn report(
    plan: &Plan,
    tools: &Tools,
    m: &Measured,
    presign: Option<(Stats, Stats)>,
    app: Option<&AppStart>,
) -> String {
    let mut md = String::new();
    let servers: Vec<&'static str> = {
        let mut s: Vec<_> = m.times.keys().map(|k| k.1).collect();
        s.dedup();
        s.sort();
        s.dedup();
        s
    };
    let _ = writeln!(md, "# LinkDrop beside the tools users would pick instead\n");
    let _ = writeln!(
        md,
        "Written by `make bench{}` (`benches/compare.rs`). Every tool ran on the same machine, against the same \
         servers on loopback, with the same files, in one run. Times are medians of {} runs after {} warm-up(s) \
         (big uploads: {} runs after one), with the spread (min–max); ratios are to LinkDrop. Read the ratios: \
         absolute times drift on a shared machine.\n",
        if plan.quick { "-quick" } else { "" },
        plan.small_runs,
        plan.warmups,
        plan.big_runs
    );
    let _ = writeln!(md, "## Machine\n\n| | |\n|---|---|");
    for (k, v) in machine() {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    let _ = writeln!(md, "\n## Tools\n\n| Tool | Version |\n|---|---|");
    for (k, v) in tools.versions() {
        let _ = writeln!(md, "| {k} | {} |", v.replace('|', "/"));
    }
    let _ = writeln!(
        md,
        "\nServers: {}. Each tool is used the way its documentation shows for \"upload, then give me a link\"; \
         AWS CLI and boto3 with path-style addressing and checksums only when required (what S3-compatible \
         stores take), rclone with `no_check_bucket` (its advice for existing buckets).\n",
        servers.join(" and ")
    );

    let mut targets = Vec::new();

    let _ = writeln!(
        md,
        "## 1. File to link, small files (whole process each time)\n"
    );
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|---|---|"
    );
    for &server in &servers {
        for &size in &plan.small_sizes {
            let ours = median_of(m, "small", server, size, Tool::LinkDrop);
            for tool in SHARERS {
                let Some(s) = median_of(m, "small", server, size, tool) else {
                    continue;
                };
                let ratio = ours.map(|o| s.median / o.median).unwrap_or(f64::NAN);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {} | {} – {} | {ratio:.1}× |",
                    size_label(size),
                    tool.name(),
                    fmt_secs(s.median),
                    fmt_secs(s.min),
                    fmt_secs(s.max)
                );
                if let Some(o) = ours {
                    let need = match tool {
                        Tool::AwsCli => Some(10.0),
                        Tool::Rclone => Some(3.0),
                        _ => None,
                    };
                    if let Some(need) = need {
                        targets.push(Target {
                            what: format!(
                                "Small file to link ({}, {server}): at least {need:.0}× faster than {}",
                                size_label(size),
                                tool.short()
                            ),
                            measured: format!("{:.1}×", s.median / o.median),
                            met: s.median / o.median >= need,
                            why: None,
                        });
                    }
                }
            }
        }
    }

    let _ = writeln!(md, "\n## 2. Big uploads: throughput\n");
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|---|---|"
    );
    let mib_s = |size: u64, secs: f64| size as f64 / MIB as f64 / secs;
    for &server in &servers {
        for &size in &plan.big_sizes {
            let ours = median_of(m, "big", server, size, Tool::LinkDrop);
            for tool in [
                Tool::LinkDrop,
                Tool::AwsCli,
                Tool::Rclone,
                Tool::Boto3,
                Tool::CurlPut,
                Tool::Cat,
            ] {
                let Some(s) = median_of(m, "big", server, size, tool) else {
                    continue;
                };
                let ratio = ours
                    .map(|o| mib_s(size, s.median) / mib_s(size, o.median))
                    .unwrap_or(f64::NAN);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {:.0} MiB/s | {:.0} – {:.0} MiB/s | {ratio:.2}× |",
                    size_label(size),
                    tool.name(),
                    mib_s(size, s.median),
                    mib_s(size, s.max),
                    mib_s(size, s.min)
                );
            }
            if let Some(o) = ours
                && size == *plan.big_sizes.last().unwrap()
            {
                let ours = mib_s(size, o.median);
                // To our own store nothing stands between the share and the disk but the store:
                // its completion takes no second pass, so the share keeps up with one PUT.
                let (curl_factor, curl_words) = if server == "embedded store" {
                    (0.9, "at least 0.9 of curl PUT")
                } else {
                    (0.8, "within 80 % of curl PUT")
                };
                for (tool, factor, words) in [
                    (Tool::Rclone, 1.0, "at least rclone's throughput"),
                    (Tool::AwsCli, 2.0, "2× the AWS CLI's"),
                    (Tool::CurlPut, curl_factor, curl_words),
                ] {
                    if let Some(t) = median_of(m, "big", server, size, tool) {
                        let theirs = mib_s(size, t.median);
                        targets.push(Target {
                            what: format!("{} upload ({server}): {words}", size_label(size)),
                            measured: format!(
                                "{ours:.0} vs {theirs:.0} MiB/s ({:.2}×)",
                                ours / theirs
                            ),
                            met: ours >= theirs * factor,
                            why: (ours < theirs * factor).then(|| match tool {
                                Tool::AwsCli => format!(
                                    "On loopback every multipart client waits on the same server, which shares this \
                                     machine's {} cores with it: the server's hashing and disk writes set the pace, \
                                     so LinkDrop is {} the AWS CLI ({:.2}×), not twice as fast. Both send \
                                     parts in parallel (8 and 10 at once).",
                                    std::thread::available_parallelism().map_or(0, |n| n.get()),
                                    if ours >= theirs * 1.05 { "ahead of" } else { "level with" },
                                    ours / theirs
                                ),
                                Tool::CurlPut if server == "embedded store" => "The share and the store share \
                                    this machine's cores: every part is hashed twice (CRC32C by LinkDrop, MD5 \
                                    and CRC32C by the store) where curl's one stream is hashed once (MD5 by the \
                                    store)."
                                    .to_owned(),
                                _ => format!(
                                    "{server} does more work per part than per single PUT; curl sends one stream."
                                ),
                            }),
                        });
                    }
                }
            }
        }
    }

    let _ = writeln!(md, "\n## 3. Peak memory (max RSS) during the big uploads\n");
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Peak RSS (median) | Spread |\n|---|---|---|---|---|"
    );
    for &server in &servers {
        for &size in &plan.big_sizes {
            for tool in [
                Tool::LinkDrop,
                Tool::AwsCli,
                Tool::Rclone,
                Tool::Boto3,
                Tool::CurlPut,
            ] {
                let Some(v) = m.rss.get(&(server, size, tool)) else {
                    continue;
                };
                let s = stats(v);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {:.0} MB | {:.0} – {:.0} MB |",
                    size_label(size),
                    tool.short(),
                    s.median / 1024.0,
                    s.min / 1024.0,
                    s.max / 1024.0
                );
            }
        }
        let ours: Vec<f64> = plan
            .big_sizes
            .iter()
            .filter_map(|&size| {
                m.rss
                    .get(&(server, size, Tool::LinkDrop))
                    .map(|v| stats(v).median / 1024.0)
            })
            .collect();
        if let (Some(first), Some(last)) = (ours.first(), ours.last()) {
            targets.push(Target {
                what: format!("Peak RSS of the biggest upload under 150 MB ({server})"),
                measured: format!("{last:.0} MB"),
                met: *last < 150.0,
                why: None,
            });
            if ours.len() > 1 {
                targets.push(Target {
                    what: format!(
                        "Peak RSS flat as the file grows ({} → {}, {server}): less than 10 MB more",
                        size_label(plan.big_sizes[0]),
                        size_label(*plan.big_sizes.last().unwrap())
                    ),
                    measured: format!("{first:.0} → {last:.0} MB"),
                    met: *last - first < 10.0,
                    why: None,
                });
            }
        }
    }

    let _ = writeln!(
        md,
        "\n## 4. Presigning alone: {} GET links in-process\n",
        plan.presigns
    );
    if let Some((presign_ours, presign_boto3)) = presign {
        let _ = writeln!(
            md,
            "| Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|"
        );
        for (name, s) in [
            ("LinkDrop (`presign::presign_get`)", presign_ours),
            ("boto3 `generate_presigned_url` loop", presign_boto3),
        ] {
            let _ = writeln!(
                md,
                "| {name} | {} | {} – {} | {:.1}× |",
                fmt_secs(s.median),
                fmt_secs(s.min),
                fmt_secs(s.max),
                s.median / presign_ours.median
            );
        }
        if let Some(criterion) = criterion_median("presign", "10k_links") {
            let _ = writeln!(
                md,
                "\nCriterion (`benches/presign.rs`, 10,000 links): {}.",
                fmt_secs(criterion)
            );
        }
        let per_10k = presign_ours.median * 10_000.0 / plan.presigns as f64;
        targets.push(Target {
            what: "10,000 presigns under 0.5 s".into(),
            measured: fmt_secs(per_10k),
            met: per_10k < 0.5,
            why: None,
        });
    }

    let _ = writeln!(
        md,
        "\n## 5. History with 100,000 entries (criterion, `benches/history.rs`)\n"
    );
    let cases = [
        ("open", "open"),
        ("first_page", "first page (100 rows)"),
        ("first_page_with_total", "first page and the total"),
        ("search_first_page", "search, first page"),
        ("filter_expired_first_page", "expired filter, first page"),
        ("last_page", "last page"),
        ("counts", "per-filter counts"),
    ];
    let mut any = false;
    let _ = writeln!(md, "| Operation | Median |\n|---|---|");
    for (id, words) in cases {
        if let Some(s) = criterion_median("history_100k", id) {
            any = true;
            let _ = writeln!(md, "| {words} | {} |", fmt_secs(s));
            if id == "first_page" || id == "search_first_page" {
                targets.push(Target {
                    what: format!("History at 100,000 entries: {words} under 50 ms"),
                    measured: fmt_secs(s),
                    met: s < 0.05,
                    why: None,
                });
            }
        }
    }
    if !any {
        let _ = writeln!(
            md,
            "| (not run: `make bench` runs the criterion benchmarks first) | |"
        );
    }

    let _ = writeln!(md, "\n## 6. The app: cold start and idle memory (Xvfb)\n");
    match app {
        Some(a) => {
            let _ = writeln!(
                md,
                "| Measure | Median | Spread |\n|---|---|---|\n\
                 | Start to a visible window | {} | {} – {} |\n\
                 | Start to the page asking for its first data | {} | {} – {} |\n\
                 | Idle RSS of the app process | {:.0} MB | |\n\
                 | Idle PSS of the app process (shared pages split among their users) | {:.0} MB | |\n\
                 | Idle private memory of the app process | {:.0} MB | |\n\
                 | Idle memory with WebKit's web and network processes (PSS) | {:.0} MB | |",
                fmt_secs(a.to_window.median),
                fmt_secs(a.to_window.min),
                fmt_secs(a.to_window.max),
                fmt_secs(a.to_ui.median),
                fmt_secs(a.to_ui.min),
                fmt_secs(a.to_ui.max),
                a.idle_rss_mb,
                a.idle_pss_mb,
                a.idle_private_mb,
                a.idle_tree_pss_mb
            );
            let _ = writeln!(
                md,
                "\nWhere the app process's RSS goes (largest mappings):\n\n| Mapping | RSS |\n|---|---|"
            );
            for (name, mb) in &a.idle_largest {
                let _ = writeln!(md, "| `{name}` | {mb:.1} MB |");
            }
            targets.push(Target {
                what: "Cold start to a visible window under 1 s".into(),
                measured: fmt_secs(a.to_window.median),
                met: a.to_window.median < 1.0,
                why: None,
            });
            targets.push(Target {
                what: "Idle RSS under 120 MB (the app process)".into(),
                measured: format!("{:.0} MB", a.idle_rss_mb),
                met: a.idle_rss_mb < 120.0,
                why: (a.idle_rss_mb >= 120.0).then(|| {
                    let of = |part: &str| -> f64 {
                        a.idle_largest
                            .iter()
                            .filter(|(n, _)| n.contains(part))
                            .map(|(_, mb)| mb)
                            .sum()
                    };
                    format!(
                        "RSS counts shared libraries in full. {:.0} MB of it is Mesa's software \
                         renderer (libLLVM, swrast_dri), which GTK's GLX probe and WebKit's EGL display \
                         load on a display without a GPU such as Xvfb (a desktop with a GPU loads its \
                         driver instead); {:.0} MB is WebKitGTK and JavaScriptCore. LinkDrop's own code \
                         is {:.0} MB and its heap {:.0} MB. Split fairly among the processes that share \
                         them (PSS), the app process holds {:.0} MB, {:.0} MB of it private.",
                        of("LLVM") + of("swrast"),
                        of("webkit2gtk") + of("javascriptcore"),
                        of("linkdrop"),
                        of("[heap]"),
                        a.idle_pss_mb,
                        a.idle_private_mb
                    )
                }),
            });
        }
        None => {
            let _ = writeln!(
                md,
                "Not measured: no session bus (run through `make bench`)."
            );
        }
    }

    let _ = writeln!(
        md,
        "\n## Targets\n\n| Target | Measured | Met |\n|---|---|---|"
    );
    for t in &targets {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            t.what,
            t.measured,
            if t.met { "yes" } else { "**no**" }
        );
    }
    let missed: Vec<&Target> = targets.iter().filter(|t| !t.met).collect();
    if !missed.is_empty() {
        let _ = writeln!(md, "\n### Where a target is missed\n");
        for t in missed {
            let why = t.why.as_deref().unwrap_or("Not profiled yet.");
            let _ = writeln!(md, "- **{}** ({}): {why}", t.what, t.measured);
        }
    }
    let _ = writeln!(
        md,
        "\nCharts: `throughput.svg`, `small-files.svg`, `peak-rss.svg` beside this file."
    );
    md
}

fn write_charts(plan: &Plan, m: &Measured) {
    let servers: Vec<&'static str> = {
        let mut s: Vec<_> = m.times.keys().map(|k| k.1).collect();
        s.sort();
        s.dedup();
        s
    };
    let groups = |sizes: &[u64]| -> Vec<(String, &'static str, u64)> {
        servers
            .iter()
            .flat_map(|&srv| {
                sizes
                    .iter()
                    .map(move |&size| (format!("{} · {srv}", size_label(size)), srv, size))
            })
            .collect()
    };
    let small = groups(&plan.small_sizes);
    let series: Vec<(String, Vec<Option<f64>>)> = SHARERS
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                small
                    .iter()
                    .map(|(_, srv, size)| {
                        median_of(m, "small", srv, *size, tool).map(|s| s.median * 1e3)
                    })
                    .collect(),
            )
        })
        .collect();
    let labels: Vec<String> = small.iter().map(|g| g.0.clone()).collect();
    std::fs::write(
        plan.out_dir.join("small-files.svg"),
        bar_chart(
            "File to link, small files (lower is better)",
            "milliseconds",
            &labels,
            &series,
        ),
    )
    .unwrap();

    let big = groups(&plan.big_sizes);
    let labels: Vec<String> = big.iter().map(|g| g.0.clone()).collect();
    let uploaders = [
        Tool::LinkDrop,
        Tool::AwsCli,
        Tool::Rclone,
        Tool::Boto3,
        Tool::CurlPut,
    ];
    let series: Vec<(String, Vec<Option<f64>>)> = uploaders
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                big.iter()
                    .map(|(_, srv, size)| {
                        median_of(m, "big", srv, *size, tool)
                            .map(|s| *size as f64 / MIB as f64 / s.median)
                    })
                    .collect(),
            )
        })
        .collect();
    std::fs::write(
        plan.out_dir.join("throughput.svg"),
        bar_chart(
            "Upload throughput by file size (higher is better)",
            "MiB/s",
            &labels,
            &series,
        ),
    )
    .unwrap();
    let series: Vec<(String, Vec<Option<f64>>)> = uploaders
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                big.iter()
                    .map(|(_, srv, size)| {
                        m.rss
                            .get(&(*srv, *size, tool))
                            .map(|v| stats(v).median / 1024.0)
                    })
                    .collect(),
            )
        })
        .collect();
    std::fs::write(
        plan.out_dir.join("peak-rss.svg"),
        bar_chart(
            "Peak memory during the upload (lower is better)",
            "MB (max RSS)",
            &labels,
            &series,
        ),
    )
    .unwrap();
}
