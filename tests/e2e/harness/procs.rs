//! Processes of one test: every process the harness starts carries the test's marker in its
//! environment, and so does everything those start in turn (tauri-driver → WebKitWebDriver → the app
//! → WebKit's helpers and `linkdrop serve`, which runs in a process group of its own). Teardown finds
//! them all by that marker in `/proc/*/environ`, whatever their parent or process group, so a test
//! leaves no process behind; a run that was killed outright is cleaned up by the next one.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `LINKDROP_E2E_ID=<id>` marks the processes of one test; `LINKDROP_E2E_OWNER=<pid>` those of one
/// test binary, so that processes whose test binary is gone can be told apart and ended.
pub const ID_ENV: &str = "LINKDROP_E2E_ID";
pub const OWNER_ENV: &str = "LINKDROP_E2E_OWNER";

pub fn new_id() -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    format!(
        "{}-{}-{nanos:x}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// A process started for a test: stdout and stderr go to `logs/<name>.log`, unless stdout is read.
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with the test's marker (and whatever env `cmd` already has), stdin closed.
    pub fn spawn(name: &str, mut cmd: Command, id: &str, logs: &Path) -> Proc {
        Self::spawn_with(name, &mut cmd, id, logs, false, Stdio::null())
    }

    /// Like `spawn`, but stdout is a pipe for the caller (`child.stdout`); stderr still goes to the log.
    pub fn spawn_piped(name: &str, mut cmd: Command, id: &str, logs: &Path) -> Proc {
        Self::spawn_with(name, &mut cmd, id, logs, true, Stdio::null())
    }

    /// Like `spawn`, with `stdin` as the process's standard input.
    pub fn spawn_with_stdin(
        name: &str,
        mut cmd: Command,
        id: &str,
        logs: &Path,
        stdin: Stdio,
    ) -> Proc {
        Self::spawn_with(name, &mut cmd, id, logs, false, stdin)
    }

    fn spawn_with(
        name: &str,
        cmd: &mut Command,
        id: &str,
        logs: &Path,
        piped: bool,
        stdin: Stdio,
    ) -> Proc {
        let log = logs.join(format!("{name}.log"));
        let file =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        cmd.env(ID_ENV, id)
            .env(OWNER_ENV, std::process::id().to_string())
            .stdin(stdin)
            .stderr(file.try_clone().expect("cannot clone a log file handle"));
        if piped {
            cmd.stdout(Stdio::piped());
        } else {
            cmd.stdout(file);
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {name} ({:?}): {e}; see tests/e2e/README.md for what the end-to-end tests need",
                cmd.get_program()
            )
        });
        Proc {
            name: name.to_owned(),
            child,
            log,
        }
    }

    /// Fails loudly, with its log, when the process has already exited.
    pub fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}); its log {}:\n{}",
                self.name,
                self.log.display(),
                read_lossy(&self.log)
            );
        }
    }
}

pub fn read_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_end(&mut bytes));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Lines a child writes on stdout, collected by a thread, for tests to wait on. Each line is also
/// appended to the child's log.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    pub fn collect(proc: &mut Proc) -> Lines {
        let stdout = proc.child.stdout.take().expect("stdout was not piped");
        let lines = Lines::default();
        let sink = lines.clone();
        let log = proc.log.clone();
        std::thread::spawn(move || {
            let mut log = std::fs::OpenOptions::new().append(true).open(log).ok();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(log) = log.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(log, "{line}");
                }
                sink.0.lock().unwrap().push(line);
            }
        });
        lines
    }

    pub fn snapshot(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// The first line (from the start) that `pick` accepts, waiting up to `timeout` for it.
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.0.lock().unwrap().iter().find_map(|l| pick(l)) {
                return Some(found);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Pids of the live processes whose environment has exactly `entry` (`NAME=value`).
pub fn pids_with_env(entry: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|b| *b == 0).any(|kv| kv == entry.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

fn signal(sig: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-s")
        .arg(sig)
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Ends every process marked with test `id`: SIGTERM, then SIGKILL for what is left after `grace`.
/// Returns what had to be killed, by command line, for the caller to report.
pub fn end_all(id: &str, grace: Duration) -> Vec<String> {
    let entry = format!("{ID_ENV}={id}");
    let pids = pids_with_env(&entry);
    signal("TERM", &pids);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && !pids_with_env(&entry).is_empty() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = pids_with_env(&entry);
    let names = left.iter().map(|pid| cmdline(*pid)).collect();
    signal("KILL", &left);
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && !pids_with_env(&entry).is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    names
}

/// Kills what earlier test binaries left behind when they died without tearing down (SIGKILL, a
/// timeout): marked processes whose owner pid is gone.
pub fn end_orphans() {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    let mut orphans = Vec::new();
    for pid in dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
    {
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let vars: HashMap<&[u8], &[u8]> = env
            .split(|b| *b == 0)
            .filter_map(|kv| {
                let eq = kv.iter().position(|b| *b == b'=')?;
                Some((&kv[..eq], &kv[eq + 1..]))
            })
            .collect();
        if let Some(owner) = vars.get(OWNER_ENV.as_bytes()) {
            let owner = String::from_utf8_lossy(owner);
            if !Path::new(&format!("/proc/{owner}")).exists() {
                orphans.push(pid);
            }
        }
    }
    signal("KILL", &orphans);
}

pub fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| {
            String::from_utf8_lossy(&c)
                .replace('\0', " ")
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// Runs a short command to completion with a time limit; its stdout on success. Output goes through
/// files, not pipes: a command that leaves a process behind holding them (`xclip -i` serves the
/// selection from a forked child) must not make us wait for that process.
pub fn run(mut cmd: Command, timeout: Duration) -> Result<String, String> {
    use std::io::{Seek, SeekFrom};
    let what = format!("{cmd:?}");
    let mut out = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut err = tempfile::tempfile().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what} did not finish within {timeout:?}"));
            }
        }
    };
    let read = |f: &mut File| {
        let mut s = String::new();
        let _ = f.seek(SeekFrom::Start(0));
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        s.push_str(&String::from_utf8_lossy(&bytes));
        s
    };
    if status.success() {
        Ok(read(&mut out))
    } else {
        Err(format!(
            "{what} failed ({status}): {}",
            read(&mut err).trim()
        ))
    }
}
