//! `linkdrop profile check`: against the embedded store and SeaweedFS every step passes and nothing
//! is left in the bucket; a wrong secret fails the credentials line with its fix (and the secret is
//! nowhere in the output); a bucket in another region is found and the profile fixed; a skewed
//! server clock is reported; a server that is not there says so.

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::net::SocketAddr;

use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

fn check(env: &TestEnv, profile: &str) -> (Option<i32>, Value, String) {
    let output = env.run(&["profile", "check", profile, "--json"]);
    let text = format!("{}{}", stdout(&output), stderr(&output));
    let report: Value =
        serde_json::from_str(stdout(&output).trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    (output.status.code(), report, text)
}

fn step<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {report}"))
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn all_green_and_nothing_left(env: &TestEnv, backend: &Backend) {
    let before = backend.keys();
    let (code, report, text) = check(env, &backend.profile);
    assert_eq!(code, Some(0), "[{}] {text}", backend.name);
    for (id, outcome) in outcomes(&report) {
        assert_eq!(outcome, "passed", "[{}] {id}: {report}", backend.name);
    }
    assert_eq!(report["longest_link_secs"], 604_800);
    assert_eq!(
        backend.keys(),
        before,
        "[{}] the probe is deleted",
        backend.name
    );
    // The human-readable form says the same.
    let output = env.run(&["profile", "check", &backend.profile]);
    assert!(output.status.success());
    assert!(
        stdout(&output).contains("ok    Download it through a link"),
        "{}",
        stdout(&output)
    );
}

fn a_wrong_secret_fails_the_credentials_line(env: &TestEnv, backend: &Backend) {
    let wrong = "WRONG-secret-that-must-not-leak-0123456789";
    backend.add_profile(env, "wrong-secret", &backend.bucket, wrong);
    let (code, report, text) = check(env, "wrong-secret");
    assert_eq!(code, Some(1), "[{}] {text}", backend.name);
    let credentials = step(&report, "credentials");
    assert_eq!(
        credentials["outcome"], "failed",
        "[{}] {report}",
        backend.name
    );
    assert!(
        credentials["fix"]
            .as_str()
            .unwrap()
            .contains("secret access key"),
        "[{}] {credentials}",
        backend.name
    );
    assert_eq!(step(&report, "write")["outcome"], "skipped");
    assert!(!text.contains(wrong), "the secret leaked: {text}");
    assert!(
        !text.contains(&backend.secret),
        "the real secret leaked: {text}"
    );
    let _ = env.keychain().delete("wrong-secret");
}

#[test]
fn embedded_store() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    all_green_and_nothing_left(&env, &backend);
    a_wrong_secret_fails_the_credentials_line(&env, &backend);
}

#[test]
fn seaweedfs() {
    let env = TestEnv::new();
    let backend = Backend::seaweedfs(&env);
    all_green_and_nothing_left(&env, &backend);
    a_wrong_secret_fails_the_credentials_line(&env, &backend);
    let _ = env.keychain().delete(&backend.profile);
}

fn upstream(backend: &Backend) -> SocketAddr {
    backend
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap()
}

#[test]
fn a_bucket_in_another_region_is_found_and_the_profile_fixed() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let proxy = proxy::start(
        upstream(&backend),
        proxy::Behaviour {
            bucket_region: Some("eu-central-1".into()),
            ..Default::default()
        },
    );
    backend.add_profile_at(&env, "moved", &format!("http://{proxy}"), "us-east-1");
    let (code, report, text) = check(&env, "moved");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(report["detected_region"], "eu-central-1");
    let region = step(&report, "region");
    assert!(
        region["detail"]
            .as_str()
            .unwrap()
            .contains("now says eu-central-1"),
        "{region}"
    );
    assert_eq!(step(&report, "link")["outcome"], "passed", "{report}");
    let book = linkdrop::profiles::ProfileBook::load(&env.paths())
        .unwrap()
        .unwrap();
    assert_eq!(
        book.get("moved").unwrap().region.as_deref(),
        Some("eu-central-1")
    );
    let _ = env.keychain().delete("moved");
}

#[test]
fn a_skewed_server_clock_is_a_warning_and_a_missing_server_a_failure() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let proxy = proxy::start(
        upstream(&backend),
        proxy::Behaviour {
            clock_offset_secs: 600,
            ..Default::default()
        },
    );
    backend.add_profile_at(&env, "skewed", &format!("http://{proxy}"), "us-east-1");
    let (code, report, text) = check(&env, "skewed");
    assert_eq!(code, Some(0), "a warning is not a failure: {text}");
    let clock = step(&report, "clock");
    assert_eq!(clock["outcome"], "warning", "{report}");
    assert!(
        clock["detail"].as_str().unwrap().contains("10 minutes"),
        "{clock}"
    );
    assert!(clock["fix"].as_str().unwrap().contains("NTP"), "{clock}");

    let closed = format!("http://127.0.0.1:{}", common::free_port());
    backend.add_profile_at(&env, "nowhere", &closed, "us-east-1");
    let (code, report, text) = check(&env, "nowhere");
    assert_eq!(code, Some(1), "{text}");
    let endpoint = step(&report, "endpoint");
    assert_eq!(endpoint["outcome"], "failed");
    assert!(
        endpoint["detail"].as_str().unwrap().contains("refused"),
        "{endpoint}"
    );
    for id in ["skewed", "nowhere"] {
        let _ = env.keychain().delete(id);
    }
}

#[test]
fn temporary_credentials_say_how_long_a_link_can_live() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    // An AWS profile whose credential_process hands out keys that die in 10 minutes.
    common::temporary_aws_profile(&env, &backend, "temp", 10);
    let output = env.run(&[
        "profile",
        "add",
        "temporary",
        "--bucket",
        &backend.bucket,
        "--endpoint",
        &backend.endpoint,
        "--path-style",
        "--credentials",
        "aws-profile:temp",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (code, report, text) = check(&env, "temporary");
    assert_eq!(code, Some(0), "a warning is not a failure: {text}");
    let lifetime = step(&report, "lifetime");
    assert_eq!(lifetime["outcome"], "warning", "{report}");
    assert!(
        lifetime["detail"].as_str().unwrap().contains("at most"),
        "{lifetime}"
    );
    let longest = report["longest_link_secs"].as_u64().unwrap();
    assert!((500..=600).contains(&longest), "{longest}");
    assert!(!text.contains(&backend.secret), "the secret leaked: {text}");
}
