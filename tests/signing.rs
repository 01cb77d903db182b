//! Signing against servers that differ from what the profile says: a bucket in another region, and a
//! server clock that is off. The embedded store serves the bytes; a proxy in front of it plays the
//! part of AWS's region redirect and of a skewed server clock.

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::net::SocketAddr;

use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

fn upstream(backend: &Backend) -> SocketAddr {
    backend
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap()
}

fn query_param<'a>(url: &'a str, name: &str) -> &'a str {
    url.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} not in {url}"))
}

fn share_through(
    env: &TestEnv,
    backend: &Backend,
    profile: &str,
    proxy: SocketAddr,
    region: &str,
) -> Value {
    backend.add_profile_at(env, profile, &format!("http://{proxy}"), region);
    let file = env.file(&format!("{profile}.txt"), profile.as_bytes());
    let output = env.run(&[
        "share",
        "--json",
        "--profile",
        profile,
        "--expires",
        "1h",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let share: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let _ = env.keychain().delete(profile);
    share
}

#[test]
fn a_bucket_in_another_region_is_found_and_used() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let proxy = proxy::start(
        upstream(&backend),
        proxy::Behaviour {
            bucket_region: Some("eu-central-1".into()),
            ..Default::default()
        },
    );
    let share = share_through(&env, &backend, "moved", proxy, "us-east-1");
    let url = share["url"].as_str().unwrap();
    assert!(
        query_param(url, "X-Amz-Credential").contains("%2Feu-central-1%2F"),
        "signed for the bucket's region: {url}"
    );
    let response = common::http().get(url).send().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().unwrap(), "moved");
}

#[test]
fn links_are_signed_by_the_servers_clock() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    // Within the 15 minutes servers tolerate for signed requests, so the upload itself goes through;
    // what is checked is the clock the link is signed by.
    for (offset_secs, profile) in [(600i64, "server-ahead"), (-600, "server-behind")] {
        let proxy = proxy::start(
            upstream(&backend),
            proxy::Behaviour {
                clock_offset_secs: offset_secs,
                ..Default::default()
            },
        );
        let share = share_through(&env, &backend, profile, proxy, "us-east-1");
        let url = share["url"].as_str().unwrap();
        let signed_at =
            chrono::NaiveDateTime::parse_from_str(query_param(url, "X-Amz-Date"), "%Y%m%dT%H%M%SZ")
                .unwrap()
                .and_utc();
        let skew = (signed_at - chrono::Utc::now()).num_seconds();
        assert!(
            (skew - offset_secs).abs() <= 5,
            "{profile}: signed {skew} s from now, server is {offset_secs} s off"
        );
        // The expiry shown to the user stays on the user's clock: an hour from now.
        let expires_at =
            chrono::DateTime::parse_from_rfc3339(share["expires_at"].as_str().unwrap()).unwrap();
        let left = (expires_at.to_utc() - chrono::Utc::now()).num_seconds();
        assert!(
            (3590..=3600).contains(&left),
            "{profile}: expires in {left} s"
        );
        let warnings = share["warnings"].to_string();
        assert!(warnings.contains("clock"), "{profile}: {warnings}");
        assert_eq!(
            common::http().get(url).send().unwrap().status().as_u16(),
            200,
            "{profile}"
        );
    }
}
