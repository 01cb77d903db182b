//! Tidy buckets: what is shared to be deleted once its link expires is deleted then (after a
//! grace), by the next LinkDrop that runs if none ran at the time; a link re-issued in time keeps
//! its object; the history keeps the entry, marked deleted, and a re-issue says why there is
//! nothing to sign. On both servers, with the command line as the "next start".

#[macro_use]
mod common;

use std::path::Path;
use std::time::Duration;

use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

fn share(env: &TestEnv, backend: &Backend, files: &[&Path], extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["share", "--json", "--profile", &backend.profile];
    args.extend_from_slice(extra);
    let texts: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    args.extend(texts.iter().map(String::as_str));
    let output = env.run(&args);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn state_of(env: &TestEnv, id: &str) -> String {
    let list: Vec<Value> = serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    list.iter()
        .find(|e| e["id"] == id)
        .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("{id} is not in the history"))
}

const DELETE_SOON: &[&str] = &["--expires", "2s", "--delete-after-expiry", "--grace", "1s"];

fn scenario_expired_links_shared_for_deletion_are_deleted_after_the_grace(
    env: &TestEnv,
    backend: &Backend,
) {
    let gone = env.file("gone.txt", b"deleted after expiry");
    let kept = env.file("re-issued.txt", b"kept by a re-issue");
    let plain = env.file("plain.txt", b"kept: no deletion asked");
    let (a, b) = (env.file("a.txt", b"page a"), env.file("b.txt", b"page b"));

    let gone = share(env, backend, &[&gone], DELETE_SOON).remove(0);
    let expires =
        chrono::DateTime::parse_from_rfc3339(gone["expires_at"].as_str().unwrap()).unwrap();
    let deletes =
        chrono::DateTime::parse_from_rfc3339(gone["deletes_at"].as_str().unwrap()).unwrap();
    assert_eq!((deletes - expires).num_seconds(), 1, "the grace: {gone}");
    let kept = share(env, backend, &[&kept], DELETE_SOON).remove(0);
    let plain = share(env, backend, &[&plain], &["--expires", "2s"]).remove(0);
    assert!(plain.get("deletes_at").is_none(), "{plain}");
    let mut page_args = vec!["--page"];
    page_args.extend_from_slice(DELETE_SOON);
    let page = share(env, backend, &[&a, &b], &page_args).remove(0);

    // Re-issued before its expiry: a newer link is active, so the object stays.
    let output = env.run(&["reissue", kept["id"].as_str().unwrap(), "--expires", "1h"]);
    assert!(output.status.success(), "{}", stderr(&output));

    std::thread::sleep(Duration::from_secs(4));
    // The next LinkDrop to run deletes what is due, and says so.
    let output = env.run(&["history"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains("deleted gone.txt"),
        "[{}] {said}",
        backend.name
    );
    assert!(!said.contains("re-issued.txt"), "{said}");

    let keys = backend.keys();
    let has = |share: &Value| keys.iter().any(|k| k == share["key"].as_str().unwrap());
    assert!(
        !has(&gone),
        "[{}] the expired object is gone: {keys:?}",
        backend.name
    );
    assert!(!has(&page), "the page is gone");
    for file in page["files"].as_array().unwrap() {
        assert!(!has(file), "the page's {} is gone", file["name"]);
    }
    assert!(has(&kept), "the re-issued object stays");
    assert!(has(&plain), "the object shared without deletion stays");

    assert_eq!(state_of(env, gone["id"].as_str().unwrap()), "deleted");
    assert_eq!(state_of(env, page["id"].as_str().unwrap()), "deleted");
    assert_eq!(state_of(env, kept["id"].as_str().unwrap()), "active");
    let deleted: Vec<Value> = serde_json::from_str(&stdout(
        &env.run(&["history", "--state", "deleted", "--json"]),
    ))
    .unwrap();
    assert_eq!(deleted.len(), 2, "{deleted:?}");

    // Nothing to sign any more, and it says why.
    for id in [&gone["id"], &page["id"]] {
        let output = env.run(&["reissue", id.as_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("deleted after its link expired"),
            "{}",
            stderr(&output)
        );
    }
    // A second run finds nothing more to do.
    let output = env.run(&["history"]);
    assert!(!stderr(&output).contains("deleted"), "{}", stderr(&output));
}

/// The profile's default: on for every share through it, unless a share says `--keep-after-expiry`.
fn scenario_a_profile_that_deletes_by_default_and_a_share_that_keeps(
    env: &TestEnv,
    backend: &Backend,
) {
    let profiles = env.config_dir().join("profiles.toml");
    let text = std::fs::read_to_string(&profiles).unwrap();
    let mut book: toml::Table = toml::from_str(&text).unwrap();
    let found = book["profile"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["name"].as_str() == Some(&backend.profile))
        .expect("the backend's profile");
    found
        .as_table_mut()
        .unwrap()
        .insert("delete_after_expiry".into(), true.into());
    found
        .as_table_mut()
        .unwrap()
        .insert("deletion_grace".into(), "1s".into());
    std::fs::write(&profiles, toml::to_string(&book).unwrap()).unwrap();

    let by_default = env.file("default.txt", b"deleted by the profile's default");
    let kept = env.file("kept.txt", b"kept by the share's word");
    let by_default = share(env, backend, &[&by_default], &["--expires", "1s"]).remove(0);
    assert!(by_default.get("deletes_at").is_some(), "{by_default}");
    let kept = share(
        env,
        backend,
        &[&kept],
        &["--expires", "1s", "--keep-after-expiry"],
    )
    .remove(0);
    assert!(kept.get("deletes_at").is_none(), "{kept}");
    std::thread::sleep(Duration::from_secs(3));
    env.run(&["history"]);
    assert_eq!(state_of(env, by_default["id"].as_str().unwrap()), "deleted");
    let keys = backend.keys();
    assert!(
        !keys
            .iter()
            .any(|k| k == by_default["key"].as_str().unwrap())
    );
    assert!(keys.iter().any(|k| k == kept["key"].as_str().unwrap()));
}

scenarios!(
    scenario_expired_links_shared_for_deletion_are_deleted_after_the_grace,
    scenario_a_profile_that_deletes_by_default_and_a_share_that_keeps,
);
