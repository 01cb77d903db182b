//! The ledger shared by processes: the window and the command line write at once, and any of them
//! may be killed mid-write. The test binary re-runs itself as the writer processes.

use std::process::{Command, Stdio};
use std::time::Duration;

use linkdrop::links::Share;
use linkdrop::links::history::History;

const WRITER_ENV: &str = "LINKDROP_TEST_HISTORY_WRITER";

fn share(id: String) -> Share {
    Share {
        url: format!("http://127.0.0.1:1/b/{id}/f.txt?X-Amz-Signature=0"),
        key: format!("{id}/f.txt"),
        id,
        expires_at: chrono::Utc::now(),
        name: "f.txt".into(),
        size: 1,
        content_type: "text/plain".into(),
        profile: "local".into(),
        bucket: "b".into(),
        e_tag: None,
        encrypted: false,
        deletes_at: None,
        warnings: vec![],
    }
}

/// Not a test on its own: the body of a writer process (`WRITER_ENV` = "path prefix count").
#[test]
fn writer_process() {
    let Ok(spec) = std::env::var(WRITER_ENV) else {
        return;
    };
    let mut parts = spec.split(' ');
    let (path, prefix, count) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let history = History::open(std::path::Path::new(path)).unwrap();
    for i in 0..count.parse::<u32>().unwrap() {
        history
            .record(&share(format!("{prefix}-{i}")), "e")
            .unwrap();
    }
}

fn writer(path: &std::path::Path, prefix: &str, count: u32) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", "writer_process", "--test-threads=1"])
        .env(WRITER_ENV, format!("{} {prefix} {count}", path.display()))
        .stdout(Stdio::null());
    command
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    History::open(&path).unwrap();
    let mut a = writer(&path, "a", 1000).spawn().unwrap();
    let mut b = writer(&path, "b", 1000).spawn().unwrap();
    assert!(
        a.wait().unwrap().success(),
        "writer a failed (database is locked?)"
    );
    assert!(
        b.wait().unwrap().success(),
        "writer b failed (database is locked?)"
    );
    let history = History::open(&path).unwrap();
    assert_eq!(
        history
            .count(
                &linkdrop::links::history::Query::default(),
                chrono::Utc::now()
            )
            .unwrap(),
        2000
    );
    assert_eq!(history.integrity_check().unwrap(), "ok");
}

#[test]
fn killing_a_writer_never_corrupts_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    History::open(&path).unwrap();
    for round in 0..8u64 {
        let mut child = writer(&path, &format!("r{round}"), 100_000)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + 37 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let history = History::open(&path).unwrap();
        assert_eq!(history.integrity_check().unwrap(), "ok", "round {round}");
        assert!(
            history
                .count(
                    &linkdrop::links::history::Query::default(),
                    chrono::Utc::now()
                )
                .unwrap()
                > 0,
            "round {round}: the writer wrote nothing before the kill"
        );
    }
}
