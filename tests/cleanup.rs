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
    assert!(
        gone["key"].as_str().unwrap().starts_with("expire-1d/"),
        "in the folder of its days: {gone}"
    );
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
    common::set_profile_field(env, &backend.profile, "delete_after_expiry", true.into());
    common::set_profile_field(env, &backend.profile, "deletion_grace", "1s".into());

    let by_default = env.file("default.txt", b"deleted by the profile's default");
    let kept = env.file("kept.txt", b"kept by the share's word");
    let by_default = share(env, backend, &[&by_default], &["--expires", "1s"]).remove(0);
    assert!(by_default.get("deletes_at").is_some(), "{by_default}");
    // Re-issued for longer than its folder of days lasts: cut to the lifecycle's day, and said.
    let long = env.file("long.txt", b"a week asked");
    let long = share(env, backend, &[&long], &["--expires", "1h"]).remove(0);
    assert!(
        long["key"].as_str().unwrap().starts_with("expire-1d/"),
        "{long}"
    );
    let output = env.run(&[
        "reissue",
        long["id"].as_str().unwrap(),
        "--expires",
        "7d",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let again: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(again["expires_at"].as_str().unwrap()).unwrap();
    let left = end.to_utc() - chrono::Utc::now();
    assert!(
        left <= chrono::TimeDelta::days(1) && left > chrono::TimeDelta::hours(23),
        "{again}"
    );
    assert!(
        again["warnings"].to_string().contains("lifecycle rule"),
        "{again}"
    );
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

/// The bucket as boto3 lists it (another client, written by others): every object under `prefix`
/// with its size, and every unfinished multipart upload with the bytes of its parts.
fn listed_by_boto3(backend: &Backend, prefix: &str) -> Value {
    let aws = common::find_on_path("aws").expect("the AWS CLI's venv (make bench-tools)");
    let python = aws.with_file_name("python3");
    let script = r#"
import json, sys, boto3
from botocore.config import Config
endpoint, bucket, prefix = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
objects = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
    for o in page.get("Contents", []):
        objects[o["Key"]] = o["Size"]
uploads = []
for u in s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []):
    parts = s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", [])
    uploads.append({"key": u["Key"], "bytes": sum(p["Size"] for p in parts)})
print(json.dumps({"objects": objects, "uploads": uploads}))
"#;
    let output = std::process::Command::new(python)
        .args(["-c", script, &backend.endpoint, &backend.bucket, prefix])
        .env("AWS_ACCESS_KEY_ID", &backend.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &backend.secret)
        .env("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
        .env("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(output.status.success(), "boto3: {}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

fn storage(env: &TestEnv, backend: &Backend, extra: &[&str]) -> Value {
    let mut args = vec!["storage", "--json", "--profile", &backend.profile];
    args.extend_from_slice(extra);
    let output = env.run(&args);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

/// Puts an object with the S3 client, as another computer or tool would.
fn put(backend: &Backend, key: &str, bytes: &[u8]) {
    let (client, bucket, key, bytes) = (
        backend.client(),
        backend.bucket.clone(),
        key.to_owned(),
        bytes.to_vec(),
    );
    common::block_on(async move {
        client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .unwrap();
    });
}

/// Starts sharing `file` and SIGKILLs the process once the server holds a part of it.
fn kill_once_a_part_is_up(env: &TestEnv, backend: &Backend, file: &Path) {
    let mut child = env
        .linkdrop(&[
            "share",
            file.to_str().unwrap(),
            "--json",
            "--profile",
            &backend.profile,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = backend.client();
    let bucket = backend.bucket.clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    common::block_on(async move {
        loop {
            assert!(std::time::Instant::now() < deadline, "no part arrived");
            let uploads = client
                .list_multipart_uploads()
                .bucket(&bucket)
                .send()
                .await
                .unwrap();
            if let Some(u) = uploads.uploads().first() {
                let parts = client
                    .list_parts()
                    .bucket(&bucket)
                    .key(u.key().unwrap())
                    .upload_id(u.upload_id().unwrap())
                    .send()
                    .await
                    .unwrap();
                if !parts.parts().is_empty() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    child.kill().unwrap(); // SIGKILL: nothing cleaned up
    let _ = child.wait();
}

/// The storage view's figures are the bucket's as another client lists it: LinkDrop's objects,
/// the expired ones, an upload cut short by a SIGKILL (with its file and how far it got), an
/// object this history does not know and one that is not LinkDrop's. Each action does its part
/// and nothing else: the user's own object survives all of them.
fn scenario_the_storage_view_matches_another_client_and_tidies_only_its_own(
    env: &TestEnv,
    backend: &Backend,
) {
    let kept = env.file("kept.txt", b"an active link");
    let old = env.file("old.txt", b"an expired link");
    share(env, backend, &[&kept], &["--expires", "1h"]);
    let old = share(env, backend, &[&old], &["--expires", "1s"]).remove(0);
    let stray_id = linkdrop::share::object_key::new_share_id();
    let stray_key = format!("{stray_id}/from-another-computer.bin");
    put(backend, &stray_key, &common::contents(1234, 3));
    put(backend, "notes/mine.txt", b"the user's own, not LinkDrop's");
    let big = env.file("huge.bin", &common::contents(160 << 20, 4));
    kill_once_a_part_is_up(env, backend, &big);
    std::thread::sleep(Duration::from_secs(2));

    let report = storage(env, backend, &[]);
    let theirs = listed_by_boto3(backend, "");
    let objects = theirs["objects"].as_object().unwrap();
    let all_bytes: u64 = objects.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(
        report["linkdrop"]["objects"].as_u64().unwrap()
            + report["others"]["objects"].as_u64().unwrap(),
        objects.len() as u64,
        "[{}] {report} vs {theirs}",
        backend.name
    );
    assert_eq!(
        report["linkdrop"]["bytes"].as_u64().unwrap() + report["others"]["bytes"].as_u64().unwrap(),
        all_bytes
    );
    assert_eq!(report["others"]["objects"], 1, "{report}");
    assert_eq!(report["others"]["bytes"], objects["notes/mine.txt"]);
    assert_eq!(report["expired"]["objects"], 1);
    assert_eq!(report["expired"]["bytes"], 15);
    assert_eq!(report["expired_ids"], serde_json::json!([old["id"]]));
    assert_eq!(report["unknown"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["unknown"][0]["key"], stray_key.as_str());
    assert_eq!(report["unknown"][0]["size"], 1234);
    let uploads = theirs["uploads"].as_array().unwrap();
    assert_eq!(
        report["unfinished"].as_array().unwrap().len(),
        uploads.len()
    );
    assert_eq!(uploads.len(), 1, "{theirs}");
    let cut = &report["unfinished"][0];
    assert_eq!(cut["bytes"], uploads[0]["bytes"]);
    assert!(cut["bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        cut["file"],
        big.to_str().unwrap(),
        "the journal names the file"
    );
    let percent = cut["percent"].as_u64().unwrap();
    assert!(percent < 100, "{cut}");
    assert_eq!(
        percent,
        cut["bytes"].as_u64().unwrap() * 100 / (160 << 20),
        "{cut}"
    );
    // For a person: each part with the command that tidies it.
    let text = stdout(&env.run(&["storage", "--profile", &backend.profile]));
    assert!(text.contains("huge.bin cut short at"), "{text}");
    assert!(text.contains("--abort-unfinished"), "{text}");
    assert!(text.contains("--delete-expired"), "{text}");
    assert!(
        text.contains("not LinkDrop's (left alone): 1 object"),
        "{text}"
    );
    // Sharing something else says so too, with how far it got, and the two ways out.
    let other = env.file("other.txt", b"another share");
    let output = env.run(&[
        "share",
        other.to_str().unwrap(),
        "--profile",
        &backend.profile,
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains(&format!("huge.bin was cut short at {percent} %")),
        "{said}"
    );
    assert!(said.contains("resumes it"), "{said}");
    assert!(said.contains("--abort-unfinished"), "{said}");

    let after = storage(env, backend, &["--delete-expired", "--abort-unfinished"]);
    assert_eq!(after["expired"]["objects"], 0, "{after}");
    assert_eq!(after["unfinished"], serde_json::json!([]));
    assert_eq!(after["unknown"].as_array().unwrap().len(), 1, "not touched");
    // Adopted: known now, as an expired link.
    let adopted_report = storage(env, backend, &["--adopt-unknown"]);
    assert_eq!(adopted_report["unknown"], serde_json::json!([]));
    assert_eq!(adopted_report["expired"]["objects"], 1, "{adopted_report}");
    assert_eq!(state_of(env, old["id"].as_str().unwrap()), "deleted");
    let theirs = listed_by_boto3(backend, "");
    assert_eq!(
        theirs["uploads"],
        serde_json::json!([]),
        "[{}] aborted",
        backend.name
    );
    assert!(
        theirs["objects"].get("notes/mine.txt").is_some(),
        "the user's own stays"
    );
    assert!(
        theirs["objects"]
            .get(old["key"].as_str().unwrap())
            .is_none()
    );

    // The adopted object is an expired link now: a re-issue shares it, nothing uploaded.
    let list: Vec<Value> = serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    let adopted = list
        .iter()
        .find(|e| e["key"] == stray_key.as_str())
        .expect("adopted into the history");
    assert_eq!(adopted["name"], "from-another-computer.bin");
    let output = env.run(&["reissue", adopted["id"].as_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let link: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let body = common::http()
        .get(link["url"].as_str().unwrap())
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(body.as_ref(), common::contents(1234, 3).as_slice());

    // Delete the unknown: a fresh stray goes, the user's own stays.
    let another = format!("{}/x.bin", linkdrop::share::object_key::new_share_id());
    put(backend, &another, b"x");
    let last = storage(env, backend, &["--delete-unknown"]);
    assert_eq!(last["unknown"], serde_json::json!([]));
    let theirs = listed_by_boto3(backend, "");
    assert!(theirs["objects"].get(&another).is_none());
    assert!(theirs["objects"].get("notes/mine.txt").is_some());
}

/// The backstop in the bucket: LinkDrop's rule is shown before it is installed, read back from
/// the server after, installed once however often asked, and a rule the bucket had already stays
/// exactly as it was. SeaweedFS keeps the configuration and applies it with its daily lifecycle
/// worker; the embedded store keeps it and applies it itself (`local_store::lifecycle`, whose
/// unit test moves the clock on).
fn scenario_the_lifecycle_rule_is_merged_with_the_bucket_s_own_and_read_back(
    env: &TestEnv,
    backend: &Backend,
) {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
        LifecycleRuleFilter,
    };
    let foreign = LifecycleRule::builder()
        .id("their-logs")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .expiration(LifecycleExpiration::builder().days(30).build())
        .build()
        .unwrap();
    let rules_on_server = || {
        let (client, bucket) = (backend.client(), backend.bucket.clone());
        common::block_on(async move {
            client
                .get_bucket_lifecycle_configuration()
                .bucket(bucket)
                .send()
                .await
                .unwrap()
                .rules()
                .to_vec()
        })
    };
    {
        let (client, bucket, rule) = (backend.client(), backend.bucket.clone(), foreign.clone());
        common::block_on(async move {
            client
                .put_bucket_lifecycle_configuration()
                .bucket(bucket)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(rule)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        });
    }

    let shown = env.run(&["storage", "--lifecycle", "--profile", &backend.profile]);
    let text = stdout(&shown);
    assert!(text.contains("not installed"), "{text}");
    assert!(
        text.contains("<ID>linkdrop-abort-unfinished</ID>"),
        "{text}"
    );
    assert!(
        text.contains("<DaysAfterInitiation>7</DaysAfterInitiation>"),
        "{text}"
    );
    assert!(text.contains("their-logs"), "{text}");
    assert!(text.contains("<ID>linkdrop-expire-8d</ID>"), "{text}");
    assert!(text.contains("<Prefix>expire-8d/</Prefix>"), "{text}");
    assert!(text.contains("<Days>8</Days>"), "{text}");
    assert_eq!(
        rules_on_server(),
        vec![foreign.clone()],
        "showing changes nothing"
    );

    for _ in 0..2 {
        let output = env.run(&[
            "storage",
            "--install-lifecycle",
            "--json",
            "--profile",
            &backend.profile,
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let plan: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
        assert_eq!(plan["installed"], true, "{plan}");
        assert_eq!(plan["others"], serde_json::json!(["their-logs"]));
    }
    let rules = rules_on_server();
    assert_eq!(rules.len(), 1 + 1 + 15, "installed once: {rules:?}");
    let eight = rules
        .iter()
        .find(|r| r.id() == Some("linkdrop-expire-8d"))
        .expect("the 8-day folder's rule");
    assert_eq!(eight.expiration().and_then(|e| e.days()), Some(8));
    assert_eq!(eight.filter().and_then(|f| f.prefix()), Some("expire-8d/"));
    assert!(
        rules.contains(&foreign),
        "the bucket's own rule is unchanged: {rules:?}"
    );
    let ours = rules
        .iter()
        .find(|r| r.id() == Some("linkdrop-abort-unfinished"))
        .expect("read back from the server");
    assert_eq!(
        ours.abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
        Some(7)
    );
    assert_eq!(ours.filter().and_then(|f| f.prefix()), Some(""));
}

scenarios!(
    scenario_the_storage_view_matches_another_client_and_tidies_only_its_own,
    scenario_expired_links_shared_for_deletion_are_deleted_after_the_grace,
    scenario_a_profile_that_deletes_by_default_and_a_share_that_keeps,
    scenario_the_lifecycle_rule_is_merged_with_the_bucket_s_own_and_read_back,
);
