//! Upload requests end to end: `linkdrop request …` against real S3-compatible servers (the
//! embedded store and SeaweedFS), and the page behind the link in a real browser (headless
//! Chromium over WebDriver), uploading through its own file input. A forged signature is refused
//! by both (SeaweedFS 4.48 checks POST signatures once its S3 auth is configured, as here); the
//! policy's own shape and expiry are asserted against the embedded store, whose messages are
//! checked.

#[path = "common/browser.rs"]
mod browser;
#[macro_use]
mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::path::Path;
use std::time::Duration;

use browser::Browser;
use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

/// Names that break naive key building, header quoting or file systems.
const AWKWARD: &[&str] = &[
    "\"Q3\" résumé 📄.pdf",
    "with spaces & ünïcode.txt",
    "it's 100% #1?.txt",
];

fn create(env: &TestEnv, backend: &Backend, args: &[&str]) -> Value {
    let mut all = vec!["request", "create", "--json", "--profile", &backend.profile];
    all.extend_from_slice(args);
    let output = env.run(&all);
    assert!(
        output.status.success(),
        "[{}] request create failed: {}",
        backend.name,
        stderr(&output)
    );
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

fn files(env: &TestEnv, id: &str) -> Vec<Value> {
    let output = env.run(&["request", "files", id, "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

/// What the page carries: the request and its signed forms (the JSON in its data element).
fn page_data(url: &str) -> Value {
    data_of(&common::fetch_text(url))
}

fn data_of(html: &str) -> Value {
    linkdrop::system::html::data_of(html, "request").expect("the page has its data")
}

/// A POST as a browser would send it through the form (fields, then the sender's, then the file);
/// `edit` may change any field before it goes. Returns the status and the body.
fn post(
    data: &Value,
    form: usize,
    key_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    edit: impl Fn(&mut Vec<(String, String)>),
) -> (u16, String) {
    let form = &data["forms"][form];
    let mut fields: Vec<(String, String)> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f[0].as_str().unwrap().to_owned(),
                f[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fields.push((
        "key".into(),
        format!("{}test/{key_name}", data["key_prefix"].as_str().unwrap()),
    ));
    fields.push(("Content-Type".into(), content_type.into()));
    fields.push((
        "Content-Disposition".into(),
        format!("attachment; filename*=UTF-8''{key_name}"),
    ));
    fields.push(("x-amz-meta-sender".into(), "curl".into()));
    fields.push(("x-amz-meta-message".into(), String::new()));
    edit(&mut fields);
    let mut multipart = reqwest::blocking::multipart::Form::new();
    for (name, value) in fields {
        multipart = multipart.text(name, value);
    }
    multipart = multipart.part(
        "file",
        reqwest::blocking::multipart::Part::bytes(bytes).file_name(key_name.to_owned()),
    );
    let response = common::http()
        .post(form["action"].as_str().unwrap())
        .multipart(multipart)
        .send()
        .unwrap();
    (
        response.status().as_u16(),
        response.text().unwrap_or_default(),
    )
}

fn inbox_keys(backend: &Backend, request: &Value) -> Vec<String> {
    let prefix = request["prefix"].as_str().unwrap();
    backend
        .keys()
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

fn scenario_a_browser_sends_files_through_the_page(env: &TestEnv, backend: &Backend) {
    let request = create(
        env,
        backend,
        &[
            "--name",
            "Photos from the trip ✨",
            "--from",
            "Ana <ana@example.com>",
            "--note",
            "Anything from Tuesday, please.\n<b>not bold</b>",
            "--max-size",
            "1M",
            "--expires",
            "2h",
        ],
    );
    assert_eq!(request["max_size"], 1_000_000);
    assert_eq!(request["accept"], serde_json::json!([]));
    assert_eq!(request["bucket"], backend.bucket.as_str());
    assert!(
        request["prefix"]
            .as_str()
            .unwrap()
            .ends_with(&format!("requests/{}/in/", request["id"].as_str().unwrap())),
        "{request}"
    );
    let dir = tempfile::tempdir().unwrap();
    let sent: Vec<(std::path::PathBuf, Vec<u8>)> = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let bytes = common::contents(20_000 + i * 7919, i as u64);
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            (path, bytes)
        })
        .collect();

    common::block_on(async {
        let browser = Browser::start(dir.path()).await;
        browser
            .client
            .goto(request["url"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(browser.text("h1").await, "Photos from the trip ✨");
        assert_eq!(
            browser.text("#asker").await,
            "Ana <ana@example.com> asks you for files"
        );
        assert!(browser.text("#note").await.contains("<b>not bold</b>"));
        assert!(
            browser
                .text("#limits")
                .await
                .contains("Up to 1 MB per file"),
            "{}",
            browser.text("#limits").await
        );
        assert!(browser.text("#left").await.starts_with("Open for 1 hour"));
        browser.type_into("#from", "Bob Müller").await;
        browser.type_into("#message", "Here you go 👋").await;
        let paths: Vec<&Path> = sent.iter().map(|(p, _)| p.as_path()).collect();
        browser.choose_files("#files", &paths).await;
        let done = browser.wait_for_text("#done", "arrived").await;
        assert_eq!(done, "All 3 files arrived. You can close this page.");
        let rows = browser.text("#list").await;
        assert_eq!(rows.matches("Sent").count(), 3, "{rows}");
        browser.close().await;
    });

    let id = request["id"].as_str().unwrap();
    let arrived = files(env, id);
    assert_eq!(arrived.len(), 3, "{arrived:?}");
    for (path, bytes) in &sent {
        let name = path.file_name().unwrap().to_str().unwrap();
        let file = arrived
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("[{}] {name} did not arrive: {arrived:?}", backend.name));
        assert_eq!(file["size"], bytes.len() as u64);
        assert_eq!(file["sender"], "Bob Müller");
        assert_eq!(file["message"], "Here you go 👋");
        assert!(
            file["key"]
                .as_str()
                .unwrap()
                .starts_with(request["prefix"].as_str().unwrap())
        );
    }
    let listed: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["request", "list", "--json"]))).unwrap();
    assert_eq!(listed[0]["files"], 3);
    assert_eq!(listed[0]["state"], "open");

    // Saved byte for byte, under their own names, never over a file already there.
    let to = dir.path().join("saved");
    std::fs::create_dir_all(&to).unwrap();
    std::fs::write(to.join(AWKWARD[1]), b"mine, not the sender's").unwrap();
    let output = env.run(&["request", "save", id, "--to", to.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(to.join(AWKWARD[1])).unwrap(),
        b"mine, not the sender's"
    );
    for (path, bytes) in &sent {
        let name = path.file_name().unwrap().to_str().unwrap();
        let saved = if name == AWKWARD[1] {
            to.join("with spaces & ünïcode (2).txt")
        } else {
            to.join(name)
        };
        assert_eq!(
            &std::fs::read(&saved).unwrap(),
            bytes,
            "{}",
            saved.display()
        );
    }
}

fn scenario_the_page_refuses_what_the_request_does_not_allow(env: &TestEnv, backend: &Backend) {
    let request = create(
        env,
        backend,
        &[
            "--name",
            "Invoices",
            "--max-size",
            "2K",
            "--accept",
            "application/pdf",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pdf");
    std::fs::write(&big, vec![b'%'; 3_000]).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, b"not a pdf").unwrap();
    let fine = dir.path().join("fine.pdf");
    std::fs::write(&fine, b"%PDF-1.4 small").unwrap();
    common::block_on(async {
        let browser = Browser::start(dir.path()).await;
        browser
            .client
            .goto(request["url"].as_str().unwrap())
            .await
            .unwrap();
        assert!(browser.text("#limits").await.contains("only PDF files"));
        browser.choose_files("#files", &[&big, &text, &fine]).await;
        let rows = browser.wait_for_text("#list", "Sent").await;
        assert!(
            rows.contains("big.pdf\nNot sent: larger than the 2 kB the requester allows"),
            "{rows}"
        );
        assert!(
            rows.contains("notes.txt\nNot sent: only PDF files"),
            "{rows}"
        );
        assert_eq!(
            browser.wait_for_text("#done", "arrived").await,
            "1 of 3 files arrived; the others were not sent. You can close this page."
        );
        browser.close().await;
    });
    let arrived = files(env, request["id"].as_str().unwrap());
    let names: Vec<&str> = arrived
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["fine.pdf"],
        "[{}] nothing else is stored",
        backend.name
    );
    assert_eq!(inbox_keys(backend, &request).len(), 1);
}

/// The server holds the bounds even for a sender who skips the page's own checks.
fn scenario_the_policy_bounds_hold_without_the_page(env: &TestEnv, backend: &Backend) {
    let request = create(
        env,
        backend,
        &["--max-size", "1K", "--accept", "image/*,application/pdf"],
    );
    let data = page_data(request["url"].as_str().unwrap());
    assert_eq!(
        data["forms"].as_array().unwrap().len(),
        2,
        "one form per type rule"
    );
    let (status, body) = post(&data, 0, "ok.png", "image/png", vec![1; 100], |_| {});
    assert!(
        (200..300).contains(&status),
        "[{}] {status} {body}",
        backend.name
    );

    let refused = |what: &str, (status, body): (u16, String)| {
        assert!(
            status >= 400,
            "[{}] {what} was accepted: {status} {body}",
            backend.name
        );
    };
    refused(
        "a file over the size",
        post(&data, 0, "big.png", "image/png", vec![1; 1_500], |_| {}),
    );
    refused(
        "a type the form does not take",
        post(&data, 0, "x.txt", "text/plain", vec![1; 10], |_| {}),
    );
    refused(
        "a PDF through the images' form",
        post(&data, 0, "x.pdf", "application/pdf", vec![1; 10], |_| {}),
    );
    refused(
        "a key outside the request's folder",
        post(&data, 0, "x.png", "image/png", vec![1; 10], |fields| {
            for (name, value) in fields.iter_mut() {
                if name == "key" {
                    *value = "requests/elsewhere.png".into();
                }
            }
        }),
    );
    refused(
        "a key that climbs out of the folder",
        post(&data, 0, "x.png", "image/png", vec![1; 10], |fields| {
            for (name, value) in fields.iter_mut() {
                if name == "key" {
                    *value = format!("{}../index.html", data["key_prefix"].as_str().unwrap());
                }
            }
        }),
    );
    refused(
        "an inline Content-Disposition",
        post(&data, 0, "x.png", "image/png", vec![1; 10], |fields| {
            for (name, value) in fields.iter_mut() {
                if name == "Content-Disposition" {
                    *value = "inline".into();
                }
            }
        }),
    );
    let arrived = files(env, request["id"].as_str().unwrap());
    assert_eq!(arrived.len(), 1, "[{}] {arrived:?}", backend.name);
    assert_eq!(inbox_keys(backend, &request).len(), 1);
}

fn scenario_closing_stops_the_link_and_deletes_what_comes_after(env: &TestEnv, backend: &Backend) {
    let request = create(env, backend, &["--name", "Before and after"]);
    let url = request["url"].as_str().unwrap();
    let data = page_data(url);
    let (status, _) = post(
        &data,
        0,
        "before.txt",
        "text/plain",
        b"early".to_vec(),
        |_| {},
    );
    assert!((200..300).contains(&status));
    let id = request["id"].as_str().unwrap();
    let output = env.run(&["request", "close", id]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(said.contains("closed Before and after"), "{said}");
    assert!(
        said.contains("stays signed until"),
        "honest about the policy: {said}"
    );
    let page = common::http().get(url).send().unwrap().status().as_u16();
    assert!(
        page == 403 || page == 404,
        "[{}] the page still opens: {page}",
        backend.name
    );

    // A form loaded before the close still signs (S3 cannot take a policy back): what it sends
    // is deleted when LinkDrop next looks.
    std::thread::sleep(Duration::from_millis(1100));
    let (status, body) = post(
        &data,
        0,
        "after.txt",
        "text/plain",
        b"late".to_vec(),
        |_| {},
    );
    assert!((200..300).contains(&status), "{status} {body}");
    let arrived = files(env, id);
    let names: Vec<&str> = arrived
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["before.txt"]);
    let keys = inbox_keys(backend, &request);
    assert_eq!(
        keys.len(),
        1,
        "[{}] the late file is deleted: {keys:?}",
        backend.name
    );
    assert!(keys[0].ends_with("/before.txt"));
    let listed: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["request", "list", "--json"]))).unwrap();
    assert_eq!(listed[0]["state"], "closed");
}

/// An ended request's page leaves the bucket once the profile's deletion grace has passed, at the
/// next LinkDrop that runs (none ran at the time); what was sent stays, and is still listed.
fn scenario_an_ended_requests_page_is_deleted_after_the_grace(env: &TestEnv, backend: &Backend) {
    common::set_profile_field(env, &backend.profile, "deletion_grace", "1s".into());
    let request = create(env, backend, &["--name", "Short-lived", "--expires", "3s"]);
    let id = request["id"].as_str().unwrap();
    let folder = request["prefix"].as_str().unwrap().trim_end_matches("in/");
    let page = format!("{folder}index.html");
    let (status, body) = post(
        &page_data(request["url"].as_str().unwrap()),
        0,
        "kept.txt",
        "text/plain",
        b"sent in time".to_vec(),
        |_| {},
    );
    assert!((200..300).contains(&status), "{status} {body}");
    // Before its end nothing goes.
    let output = env.run(&["request", "list", "--json"]);
    assert!(
        !stderr(&output).contains("deleted the page"),
        "{}",
        stderr(&output)
    );
    assert!(
        backend.keys().contains(&page),
        "[{}] the page is there",
        backend.name
    );

    std::thread::sleep(Duration::from_millis(4500));
    let output = env.run(&["request", "list", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains("deleted the page of upload request Short-lived")
            && said.contains("(its 1 file kept)"),
        "[{}] {said}",
        backend.name
    );
    let listed: Vec<Value> = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(listed[0]["page_deleted_at"].is_string(), "{}", listed[0]);
    assert_eq!(listed[0]["state"], "expired");
    let keys = backend.keys();
    assert!(
        !keys.contains(&page),
        "[{}] the page is still there: {keys:?}",
        backend.name
    );
    assert_eq!(
        inbox_keys(backend, &request).len(),
        1,
        "[{}] {keys:?}",
        backend.name
    );
    let names: Vec<String> = files(env, id)
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["kept.txt"]);
    // Done once: the next run has nothing to say.
    let output = env.run(&["request", "list"]);
    assert!(
        !stderr(&output).contains("deleted the page"),
        "{}",
        stderr(&output)
    );
}

/// Re-signs `policy` with the store's own secret, as a forger who had the key would: what the
/// store must still refuse is then the policy itself, not its signature.
fn resign(backend: &Backend, fields: &mut [(String, String)], policy: &Value) {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let date = fields
        .iter()
        .find(|(n, _)| n == "x-amz-date")
        .map(|(_, v)| v.clone())
        .unwrap();
    let at = chrono::NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ")
        .unwrap()
        .and_utc();
    let key =
        aws_sigv4::sign::v4::generate_signing_key(&backend.secret, at.into(), "us-east-1", "s3");
    let signature = aws_sigv4::sign::v4::calculate_signature(key, encoded.as_bytes());
    for (name, value) in fields.iter_mut() {
        match name.as_str() {
            "policy" => *value = encoded.clone(),
            "x-amz-signature" => *value = signature.clone(),
            _ => {}
        }
    }
}

fn policy_of(fields: &[(String, String)]) -> Value {
    use base64::Engine as _;
    let encoded = &fields.iter().find(|(n, _)| n == "policy").unwrap().1;
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

/// The embedded store checks what S3 checks: the signature over the policy, the policy's own
/// expiry and shape, and that every field the form sends is one the policy names.
#[test]
fn the_embedded_store_refuses_forged_expired_and_incomplete_policies() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let request = create(&env, &backend, &["--max-size", "1K"]);
    let data = page_data(request["url"].as_str().unwrap());
    let set = |fields: &mut Vec<(String, String)>, field: &str, to: &str| {
        for (name, value) in fields.iter_mut() {
            if name == field {
                *value = to.to_owned();
            }
        }
    };
    let refused = |what: &str, (status, body): (u16, String), expect: &str| {
        assert!(status >= 400, "{what} was accepted: {status} {body}");
        assert!(body.contains(expect), "{what}: {status} {body}");
    };
    refused(
        "a policy edited to allow 1 GB, with the old signature",
        post(
            &data,
            0,
            "big.bin",
            "application/octet-stream",
            vec![0; 2_000],
            |f| {
                let mut policy = policy_of(f);
                for c in policy["conditions"].as_array_mut().unwrap() {
                    if c[0] == "content-length-range" {
                        c[2] = 1_000_000_000.into();
                    }
                }
                use base64::Engine as _;
                let forged = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
                set(f, "policy", &forged);
            },
        ),
        "SignatureDoesNotMatch",
    );
    refused(
        "a signature of zeros",
        post(
            &data,
            0,
            "z.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| set(f, "x-amz-signature", &"0".repeat(64)),
        ),
        "SignatureDoesNotMatch",
    );
    refused(
        "a field the policy does not name",
        post(
            &data,
            0,
            "x.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| f.push(("x-amz-meta-extra".into(), "smuggled".into())),
        ),
        "not specified in the policy",
    );
    refused(
        "a policy whose expiration is not a date",
        post(
            &data,
            0,
            "x.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| {
                let mut policy = policy_of(f);
                policy["expiration"] = "next Tuesday".into();
                resign(&backend, f, &policy);
            },
        ),
        "InvalidPolicyDocument",
    );
    refused(
        "a policy that expired",
        post(
            &data,
            0,
            "x.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| {
                let mut policy = policy_of(f);
                policy["expiration"] = "2020-01-01T00:00:00.000Z".into();
                resign(&backend, f, &policy);
            },
        ),
        "expired",
    );
    refused(
        "a policy without an expiration",
        post(
            &data,
            0,
            "x.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| {
                let mut policy = policy_of(f);
                policy.as_object_mut().unwrap().remove("expiration");
                resign(&backend, f, &policy);
            },
        ),
        "InvalidPolicyDocument",
    );
    refused(
        "no policy at all",
        post(
            &data,
            0,
            "x.bin",
            "application/octet-stream",
            vec![0; 10],
            |f| f.retain(|(n, _)| n != "policy" && n != "x-amz-signature"),
        ),
        "AccessDenied",
    );
    // The resigning itself is right: the same policy resigned unchanged is taken.
    let (status, body) = post(
        &data,
        0,
        "ok.bin",
        "application/octet-stream",
        vec![0; 10],
        |f| {
            let policy = policy_of(f);
            resign(&backend, f, &policy);
        },
    );
    assert!((200..300).contains(&status), "{status} {body}");
    let names: Vec<String> = files(&env, request["id"].as_str().unwrap())
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["ok.bin"]);
}

/// A form lives as long as its policy says (S3 does not limit a POST's signing date), so a
/// request keeps taking files long after it was made; a header-signed request still has S3's 15
/// minutes. The embedded store had held forms to those 15 minutes too.
#[test]
fn a_form_signed_long_ago_takes_files_and_old_requests_do_not() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let request = create(&env, &backend, &["--expires", "2h"]);
    let data = page_data(request["url"].as_str().unwrap());
    let (status, body) = post(
        &data,
        0,
        "late.bin",
        "application/octet-stream",
        vec![1; 10],
        |f| {
            // The same form, as if made 40 minutes ago (re-signed for that time with the store's key).
            let then = chrono::Utc::now() - chrono::TimeDelta::minutes(40);
            let date = then.format("%Y%m%dT%H%M%SZ").to_string();
            let credential = format!(
                "{}/{}/us-east-1/s3/aws4_request",
                backend.access_key_id,
                then.format("%Y%m%d")
            );
            let mut policy = policy_of(f);
            for c in policy["conditions"].as_array_mut().unwrap() {
                if let Some(o) = c.as_object_mut() {
                    if o.contains_key("x-amz-date") {
                        o.insert("x-amz-date".into(), date.clone().into());
                    }
                    if o.contains_key("x-amz-credential") {
                        o.insert("x-amz-credential".into(), credential.clone().into());
                    }
                }
            }
            for (name, value) in f.iter_mut() {
                match name.as_str() {
                    "x-amz-date" => *value = date.clone(),
                    "x-amz-credential" => *value = credential.clone(),
                    _ => {}
                }
            }
            resign(&backend, f, &policy);
        },
    );
    assert!(
        (200..300).contains(&status),
        "a 40-minute-old form was refused: {status} {body}"
    );

    // A header-signed request from 40 minutes ago is refused, as S3 refuses it.
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let url = format!("{}/{}?list-type=2", backend.endpoint, backend.bucket);
    let host = url::Url::parse(&url)
        .unwrap()
        .host_str()
        .unwrap()
        .to_owned()
        + &format!(":{}", url::Url::parse(&url).unwrap().port().unwrap());
    let identity = aws_credential_types::Credentials::new(
        &backend.access_key_id,
        &backend.secret,
        None,
        None,
        "test",
    )
    .into();
    let then = std::time::SystemTime::now() - Duration::from_secs(40 * 60);
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(then)
        .settings({
            let mut settings = SigningSettings::default();
            settings.payload_checksum_kind =
                aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
            settings
        })
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.as_str(),
        std::iter::once(("host", host.as_str())),
        SignableBody::Bytes(&[]),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = common::http().get(&url);
    for (name, value) in instructions.headers() {
        request = request.header(name, value);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let body = response.text().unwrap();
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("RequestTimeTooSkewed"), "{body}");
}

/// A form with a forged signature is refused by both servers (the check that the policy binds).
fn scenario_a_forged_form_is_refused(env: &TestEnv, backend: &Backend) {
    let request = create(env, backend, &["--max-size", "1K"]);
    let data = page_data(request["url"].as_str().unwrap());
    let (status, body) = post(
        &data,
        0,
        "z.bin",
        "application/octet-stream",
        vec![0; 10],
        |f| {
            for (name, value) in f.iter_mut() {
                if name == "x-amz-signature" {
                    *value = "0".repeat(64);
                }
            }
        },
    );
    assert!(
        status == 403 && body.contains("SignatureDoesNotMatch"),
        "[{}] {status} {body}",
        backend.name
    );
    let (status, body) = post(
        &data,
        0,
        "big.bin",
        "application/octet-stream",
        vec![0; 5_000],
        |f| {
            let mut policy = policy_of(f);
            for c in policy["conditions"].as_array_mut().unwrap() {
                if c[0] == "content-length-range" {
                    c[2] = 1_000_000_000.into();
                }
            }
            use base64::Engine as _;
            let forged = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
            for (name, value) in f.iter_mut() {
                if name == "policy" {
                    *value = forged.clone();
                }
            }
        },
    );
    assert!(
        status == 403,
        "[{}] an edited policy was taken: {status} {body}",
        backend.name
    );
    assert!(inbox_keys(backend, &request).is_empty());
}

/// A server that takes a form whatever its signature would let anyone with the link write
/// anything into the bucket: LinkDrop checks before handing out a link, and refuses.
#[test]
fn a_server_that_takes_forged_forms_gets_no_request() {
    let env = TestEnv::new();
    let backend = Backend::seaweedfs(&env);
    let upstream = backend
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let lax = proxy::start(
        upstream,
        proxy::Behaviour {
            take_any_form: true,
            ..Default::default()
        },
    );
    backend.add_profile_at(&env, "lax", &format!("http://{lax}"), "us-east-1");
    let output = env.run(&["request", "create", "--profile", "lax"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("took an upload form with a forged signature"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        stdout(&env.run(&["request", "list", "--json"])).trim(),
        "[]"
    );
    // Asked for explicitly (a private test server), it is made, and says why it should not be.
    let output = env.run(&[
        "request",
        "create",
        "--profile",
        "lax",
        "--allow-forgeable-server",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("does not check upload forms' signatures"),
        "{}",
        stderr(&output)
    );
}

/// After its expiry the page says so and takes nothing, and the store refuses its forms.
#[test]
fn an_expired_request_takes_nothing() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("late.txt");
    std::fs::write(&file, b"too late").unwrap();
    let (request, data) = common::block_on(async {
        // The browser first: on a busy machine it may take longer to start than the link lives.
        let browser = Browser::start(dir.path()).await;
        let request = create(&env, &backend, &["--expires", "3s"]);
        let html = reqwest::get(request["url"].as_str().unwrap())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let data = data_of(&html);
        browser
            .client
            .goto(request["url"].as_str().unwrap())
            .await
            .unwrap();
        browser
            .wait_for_text("#left", "This request has expired")
            .await;
        // The input is off; a file chosen anyway is refused by the page itself.
        let disabled = browser
            .client
            .execute("return document.getElementById('files').disabled", vec![])
            .await
            .unwrap();
        assert_eq!(disabled, serde_json::json!(true));
        browser
            .client
            .execute(
                "document.getElementById('files').disabled = false; return null",
                vec![],
            )
            .await
            .unwrap();
        browser.choose_files("#files", &[&file]).await;
        let rows = browser.wait_for_text("#list", "Not sent").await;
        assert!(
            rows.contains("late.txt\nNot sent: this request has expired"),
            "{rows}"
        );
        browser.close().await;
        (request, data)
    });
    // The page shows the expiry in whole seconds, rounded down: the form itself ends up to a
    // second later.
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = post(&data, 0, "late.txt", "text/plain", b"late".to_vec(), |_| {});
    assert!(status >= 400 && body.contains("expired"), "{status} {body}");
    assert!(files(&env, request["id"].as_str().unwrap()).is_empty());
    let listed: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["request", "list", "--json"]))).unwrap();
    assert_eq!(listed[0]["state"], "expired");
}

/// Cloudflare R2 and Backblaze B2 take no browser form uploads: saying so beats a link that fails.
#[test]
fn a_provider_without_browser_uploads_gets_no_request() {
    let env = TestEnv::new();
    for (name, endpoint) in [
        ("r2", "https://abc123.r2.cloudflarestorage.com"),
        ("b2", "https://s3.eu-central-003.backblazeb2.com"),
    ] {
        let output = env.run(&[
            "profile",
            "add",
            name,
            "--bucket",
            "files",
            "--endpoint",
            endpoint,
            "--region",
            "auto",
            "--credentials",
            "env",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let output = env.run(&["request", "create", "--profile", name]);
        assert_eq!(output.status.code(), Some(1));
        let said = stderr(&output);
        assert!(
            said.contains("does not take uploads from a browser form"),
            "{said}"
        );
        assert!(stdout(&output).is_empty());
    }
    let listed = stdout(&env.run(&["request", "list", "--json"]));
    assert_eq!(listed.trim(), "[]");
}

/// Bad input is refused before anything is made, with the grammar in the message.
#[test]
fn bad_sizes_and_types_are_refused_with_the_grammar() {
    let env = TestEnv::new();
    for (args, expect) in [
        (&["--max-size", "lots"][..], "is not a size"),
        (
            &["--max-size", "6G"][..],
            "largest file a request can allow is 5 GB",
        ),
        (&["--accept", "pdf"][..], "is not a file type"),
        (&["--name", "  "][..], "give the request a name"),
    ] {
        let mut all = vec!["request", "create"];
        all.extend_from_slice(args);
        let output = env.run(&all);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).contains(expect),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = env.run(&["request", "files", "nosuchid"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`linkdrop request list`"),
        "{}",
        stderr(&output)
    );
}

/// Temporary credentials end an upload form early exactly as they end a link, and it says so:
/// the page counts down to the credentials' end, and its forms are signed no longer than that.
fn scenario_temporary_credentials_cut_a_request_short_and_say_so(env: &TestEnv, backend: &Backend) {
    common::temporary_aws_profile(env, backend, "temp", 10);
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
    let output = env.run(&[
        "request",
        "create",
        "--json",
        "--profile",
        "temporary",
        "--expires",
        "1d",
    ]);
    assert!(
        output.status.success(),
        "[{}] {}",
        backend.name,
        stderr(&output)
    );
    let request: Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    let expires_at = chrono::DateTime::parse_from_rfc3339(request["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let left = expires_at - chrono::Utc::now();
    assert!(
        left <= chrono::TimeDelta::minutes(10) && left > chrono::TimeDelta::minutes(8),
        "[{}] {left}",
        backend.name
    );
    assert!(
        stderr(&output).contains("the credentials expire in"),
        "{}",
        stderr(&output)
    );
    let data = page_data(request["url"].as_str().unwrap());
    let policy = policy_of(
        &data["forms"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f[0].as_str().unwrap().to_owned(),
                    f[1].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>(),
    );
    let policy_end = chrono::DateTime::parse_from_rfc3339(policy["expiration"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert!(
        policy_end - chrono::Utc::now() <= chrono::TimeDelta::minutes(10),
        "the form is signed past the credentials: {policy_end}"
    );
}

/// A sender who posts the same key again replaces the file: the list shows the new one, and a save
/// gets exactly the bytes that were listed.
fn scenario_a_file_posted_again_is_listed_and_saved_as_it_is_now(env: &TestEnv, backend: &Backend) {
    let request = create(env, backend, &[]);
    let data = page_data(request["url"].as_str().unwrap());
    let id = request["id"].as_str().unwrap();
    let (status, _) = post(
        &data,
        0,
        "same.txt",
        "text/plain",
        b"first".to_vec(),
        |_| {},
    );
    assert!((200..300).contains(&status));
    assert_eq!(files(env, id)[0]["size"], 5);
    let (status, _) = post(
        &data,
        0,
        "same.txt",
        "text/plain",
        b"second, longer".to_vec(),
        |_| {},
    );
    assert!((200..300).contains(&status));
    let listed = files(env, id);
    assert_eq!(listed.len(), 1, "[{}] {listed:?}", backend.name);
    assert_eq!(
        listed[0]["size"], 14,
        "[{}] the list shows what is there now",
        backend.name
    );
    let to = tempfile::tempdir().unwrap();
    let output = env.run(&["request", "save", id, "--to", to.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(to.path().join("same.txt")).unwrap(),
        b"second, longer"
    );
}

scenarios!(
    scenario_a_browser_sends_files_through_the_page,
    scenario_the_page_refuses_what_the_request_does_not_allow,
    scenario_the_policy_bounds_hold_without_the_page,
    scenario_closing_stops_the_link_and_deletes_what_comes_after,
    scenario_an_ended_requests_page_is_deleted_after_the_grace,
    scenario_temporary_credentials_cut_a_request_short_and_say_so,
    scenario_a_forged_form_is_refused,
    scenario_a_file_posted_again_is_listed_and_saved_as_it_is_now,
);
