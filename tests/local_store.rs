//! The embedded store's own guarantees, checked with a plain S3 client: checksums are enforced on
//! every request, unfinished multipart uploads are listed until finished or aborted, keys cannot
//! leave the bucket, what S3 refuses is refused, and its log stays small and holds no signature.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use base64::Engine;
use common::{Backend, TestEnv};

fn crc32c_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(bytes).to_be_bytes())
}

#[test]
fn checksums_are_enforced_and_unfinished_uploads_listed() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let client = backend.client();
    let bucket = backend.bucket.clone();
    common::block_on(async move {
        let body = b"checked bytes".to_vec();
        let wrong = crc32c_b64(b"other bytes");

        let err = client
            .put_object()
            .bucket(&bucket)
            .key("put-wrong")
            .checksum_crc32_c(&wrong)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{err:?}"
        );
        client
            .put_object()
            .bucket(&bucket)
            .key("put-right")
            .checksum_crc32_c(crc32c_b64(&body))
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .unwrap();

        let upload = client
            .create_multipart_upload()
            .bucket(&bucket)
            .key("multi")
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .send()
            .await
            .unwrap();
        let upload_id = upload.upload_id().unwrap().to_owned();
        let listed = client
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = listed
            .uploads()
            .iter()
            .filter_map(|u| u.upload_id())
            .collect();
        assert_eq!(ids, [upload_id.as_str()]);
        assert_eq!(listed.uploads()[0].key(), Some("multi"));

        let err = client
            .upload_part()
            .bucket(&bucket)
            .key("multi")
            .upload_id(&upload_id)
            .part_number(1)
            .checksum_crc32_c(&wrong)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{err:?}"
        );
        assert_eq!(
            err.as_service_error().and_then(|e| e.meta().code()),
            Some("BadDigest")
        );
        let parts = client
            .list_parts()
            .bucket(&bucket)
            .key("multi")
            .upload_id(&upload_id)
            .send()
            .await
            .unwrap();
        assert!(
            parts.parts().is_empty(),
            "a part that failed its checksum is not kept"
        );

        client
            .abort_multipart_upload()
            .bucket(&bucket)
            .key("multi")
            .upload_id(&upload_id)
            .send()
            .await
            .unwrap();
        let listed = client
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        assert!(listed.uploads().is_empty());

        // Aborting again (the client's clean-up loop does when a late part shows up) answers like
        // S3 does: the upload is gone, not "access denied".
        let again = client
            .abort_multipart_upload()
            .bucket(&bucket)
            .key("multi")
            .upload_id(&upload_id)
            .send()
            .await
            .expect_err("a second abort finds no upload");
        assert_eq!(
            again.as_service_error().and_then(|e| e.meta().code()),
            Some("NoSuchUpload"),
            "{again:?}"
        );
    });
}

#[test]
fn serve_refuses_to_listen_beyond_loopback_unless_asked() {
    let env = TestEnv::new();
    let output = env.run(&["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        common::stderr(&output).contains("--allow-remote"),
        "{}",
        common::stderr(&output)
    );
}

/// Clients that send no checksum with their parts (the AWS CLI, boto3 and rclone by default) get
/// their multipart uploads stored whole. The first `make bench` found the store dropping such
/// parts' bodies (IncompleteBody).
#[test]
fn parts_without_a_checksum_are_stored_whole() {
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, RequestChecksumCalculation};
    use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&backend.endpoint)
        .force_path_style(true)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .credentials_provider(Credentials::new(
            &backend.access_key_id,
            &backend.secret,
            None,
            None,
            "test",
        ))
        .build();
    let client = aws_sdk_s3::Client::from_conf(config);
    let bucket = backend.bucket.clone();
    let parts: Vec<Vec<u8>> = vec![
        (0..5 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect(),
        b"the last, short part".to_vec(),
    ];
    let whole: Vec<u8> = parts.concat();
    common::block_on(async move {
        let upload = client
            .create_multipart_upload()
            .bucket(&bucket)
            .key("no-checksum")
            .send()
            .await
            .unwrap();
        let upload_id = upload.upload_id().unwrap();
        let mut done = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let number = i as i32 + 1;
            let out = client
                .upload_part()
                .bucket(&bucket)
                .key("no-checksum")
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(part.clone()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("part {number}: {e:?}"));
            done.push(
                CompletedPart::builder()
                    .part_number(number)
                    .e_tag(out.e_tag().unwrap())
                    .build(),
            );
        }
        client
            .complete_multipart_upload()
            .bucket(&bucket)
            .key("no-checksum")
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(done))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let got = client
            .get_object()
            .bucket(&bucket)
            .key("no-checksum")
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap()
            .into_bytes();
        assert!(got.as_ref() == whole.as_slice(), "the object differs");
    });
}

/// Keys that name a path outside the bucket's folder (`../x` would land among the store's own
/// files), the key `..` (it panicked a worker), NUL and over-long keys (500s): each is refused with
/// S3's own error, nothing is written outside the bucket, and the store goes on answering.
#[test]
fn keys_that_would_leave_the_bucket_are_refused() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let client = backend.client();
    let bucket = backend.bucket.clone();
    let store = env.data_dir().join("store");
    let before = common::files_under(&store);
    let long = "k".repeat(1025);
    let refused: Vec<(&str, &str)> = vec![
        ("../x", "InvalidArgument"),
        ("a/../../x", "InvalidArgument"),
        ("..", "InvalidArgument"),
        ("a/./b", "InvalidArgument"),
        ("nul\0key", "InvalidArgument"),
        (&long, "KeyTooLongError"),
    ];
    common::block_on(async move {
        for (key, code) in refused {
            let err = client
                .put_object()
                .bucket(&bucket)
                .key(key)
                .body(ByteStream::from_static(b"escape"))
                .send()
                .await
                .expect_err(key);
            assert_eq!(
                err.raw_response().map(|r| r.status().as_u16()),
                Some(400),
                "{key:?}: {err:?}"
            );
            assert_eq!(
                err.as_service_error().and_then(|e| e.meta().code()),
                Some(code),
                "{key:?}"
            );
            let err = client
                .get_object()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .expect_err(key);
            assert_eq!(
                err.raw_response().map(|r| r.status().as_u16()),
                Some(400),
                "GET {key:?}"
            );
        }
        // Still answering, and keys S3 takes that no path could hold are kept: a long segment,
        // empty segments, a leading slash.
        for key in [
            "photos/2026/beach.jpg".to_owned(),
            format!("dir/{}", "s".repeat(300)),
            "a//b".to_owned(),
            "/leading".to_owned(),
        ] {
            client
                .put_object()
                .bucket(&bucket)
                .key(&key)
                .body(ByteStream::from_static(b"kept"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        }
    });
    let written: Vec<_> = common::files_under(&store)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    let bucket_dir = store.join("buckets").join(&backend.bucket);
    assert!(
        written.iter().all(|f| f.starts_with(&bucket_dir)),
        "written outside the bucket: {written:?}"
    );
    assert!(!store.join("buckets").join("x").exists() && !store.join("x").exists());
}

fn hmac_sha1_b64(secret: &str, text: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signature Version 2 (a link good for ten years, or a signed header) and SigV4 links signed
/// for longer than 7 days are refused with 403, as S3 refuses them; a 7-day link works.
#[test]
fn signature_version_2_and_links_over_seven_days_are_refused() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let client = backend.client();
    let bucket = backend.bucket.clone();
    common::block_on(async move {
        client
            .put_object()
            .bucket(&bucket)
            .key("plans.txt")
            .body(ByteStream::from_static(b"secret plans"))
            .send()
            .await
            .unwrap()
    });
    let http = common::http();
    let object = format!("/{}/plans.txt", backend.bucket);

    let expires = chrono::Utc::now().timestamp() + 10 * 365 * 24 * 3600;
    let signature = hmac_sha1_b64(&backend.secret, &format!("GET\n\n\n{expires}\n{object}"));
    let v2_link = format!(
        "{}{object}?AWSAccessKeyId={}&Expires={expires}&Signature={}",
        backend.endpoint,
        backend.access_key_id,
        url::form_urlencoded::byte_serialize(signature.as_bytes()).collect::<String>()
    );
    assert_eq!(
        http.get(&v2_link).send().unwrap().status().as_u16(),
        403,
        "a SigV2 link"
    );

    let date = chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let signature = hmac_sha1_b64(&backend.secret, &format!("GET\n\n\n{date}\n{object}"));
    let response = http
        .get(format!("{}{object}", backend.endpoint))
        .header("date", &date)
        .header(
            "authorization",
            format!("AWS {}:{signature}", backend.access_key_id),
        )
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 403, "a SigV2 header");

    let presigned = |secs: u64| {
        use aws_sigv4::http_request::{
            SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
        };
        let unsigned = format!("{}{object}", backend.endpoint);
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(std::time::Duration::from_secs(secs));
        let identity = aws_credential_types::Credentials::new(
            &backend.access_key_id,
            &backend.secret,
            None,
            None,
            "test",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("s3")
            .time(std::time::SystemTime::now())
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let host = backend.endpoint.trim_start_matches("http://").to_owned();
        let request = SignableRequest::new(
            "GET",
            unsigned.as_str(),
            std::iter::once(("host", host.as_str())),
            SignableBody::UnsignedPayload,
        )
        .unwrap();
        let (instructions, _) = sign(request, &params).unwrap().into_parts();
        let query: Vec<String> = instructions
            .params()
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                )
            })
            .collect();
        format!("{unsigned}?{}", query.join("&"))
    };
    assert_eq!(
        http.get(presigned(604_800))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200,
        "7 days is SigV4's limit"
    );
    assert_eq!(
        http.get(presigned(604_801))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403,
        "a second more"
    );
    assert_eq!(
        http.get(presigned(10 * 365 * 86_400))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        403,
        "ten years"
    );
}

/// The store as LinkDrop starts it in the background (with its capped log): the local profile,
/// its endpoint and its secret.
fn background_store(env: &TestEnv, log: Option<&str>) -> (String, String, String) {
    let file = env.file("first.txt", b"first");
    let mut command = env.linkdrop(&["share", "--profile", "local", file.to_str().unwrap()]);
    match log {
        Some(level) => command.env("LINKDROP_LOG", level),
        None => command.env_remove("LINKDROP_LOG"),
    };
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let book = linkdrop::profiles::ProfileBook::load(&env.paths())
        .unwrap()
        .unwrap();
    let profile = book.get("local").unwrap();
    let key = linkdrop::credentials::StoreKey::load(&env.paths())
        .unwrap()
        .unwrap();
    (
        profile.endpoint.clone().unwrap(),
        key.access_key_id,
        key.secret_access_key,
    )
}

/// `count` requests a stranger may send: anonymous, badly signed, with a made-up key, spread
/// over a few connections.
fn refused_requests(endpoint: &str, count: usize) {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let endpoint = endpoint.to_owned();
            std::thread::spawn(move || {
                let http = common::http();
                for i in 0..count / 4 {
                    let status = match i % 3 {
                        0 => http.get(format!("{endpoint}/linkdrop/x{t}-{i}")).send(),
                        1 => http
                            .get(format!(
                                "{endpoint}/linkdrop/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=NOBODY%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature={i:064x}"
                            ))
                            .send(),
                        _ => http
                            .put(format!("{endpoint}/linkdrop/y"))
                            .header("authorization", "AWS4-HMAC-SHA256 Credential=NOBODY/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
                            .body("junk")
                            .send(),
                    }
                    .unwrap()
                    .status()
                    .as_u16();
                    assert!(matches!(status, 400 | 403), "{status}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// Anyone on the computer can send the store requests; refused ones are the sender's mistake, not
/// the store's, and a flood of them must not grow its log (each was logged at ERROR before).
#[test]
fn a_flood_of_refused_requests_leaves_the_store_log_as_it_was() {
    let env = TestEnv::new();
    let (endpoint, _, _) = background_store(&env, None);
    let log = env.data_dir().join("store.log");
    let before = std::fs::metadata(&log).unwrap().len();
    refused_requests(&endpoint, 3000);
    let after = std::fs::metadata(&log).unwrap().len();
    assert_eq!(
        after,
        before,
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// With every request logged (LINKDROP_LOG=debug), the log is rotated at its cap: it never holds
/// more than twice that, however long the store runs.
#[test]
fn the_store_log_is_capped_at_any_level() {
    let env = TestEnv::new();
    let (endpoint, _, _) = background_store(&env, Some("debug"));
    let cap = linkdrop::local_store::STORE_LOG_MAX;
    // Each request is one line of some 150 bytes: enough requests to fill the cap three times.
    refused_requests(&endpoint, 3 * cap as usize / 100);
    let log = env.data_dir().join("store.log");
    let old = env.data_dir().join("store.log.1");
    let (now, before) = (
        std::fs::metadata(&log).unwrap().len(),
        std::fs::metadata(&old).map(|m| m.len()).unwrap_or(0),
    );
    assert!(before > 0, "the log was never rotated ({now} bytes)");
    assert!(
        now <= cap && before <= cap,
        "{now} and {before} bytes, cap {cap}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("status=403"),
        "requests are what is logged: {}",
        &text[..text.len().min(500)]
    );
}

/// At the most verbose level, neither the app's log nor the store's holds a signature, the access
/// key id, the secret or a working link: a log is read by more people than links are meant for.
#[test]
fn no_log_holds_a_signature_or_a_credential() {
    let env = TestEnv::new();
    let file = env.file("board minutes.txt", b"minutes");
    let out = env
        .linkdrop(&[
            "share",
            "--profile",
            "local",
            "--json",
            file.to_str().unwrap(),
        ])
        .env("LINKDROP_LOG", "trace")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let share: serde_json::Value = serde_json::from_str(common::stdout(&out).trim()).unwrap();
    let url = share["url"].as_str().unwrap();
    assert_eq!(
        common::http().get(url).send().unwrap().status().as_u16(),
        200
    );
    let reissued = env
        .linkdrop(&["reissue", share["id"].as_str().unwrap()])
        .env("LINKDROP_LOG", "trace")
        .output()
        .unwrap();
    assert!(reissued.status.success());
    let (endpoint, key_id, secret) = background_store(&env, Some("trace"));
    refused_requests(&endpoint, 8);
    let signature = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "X-Amz-Signature")
        .map(|(_, v)| v.into_owned())
        .unwrap();

    let store_log = std::fs::read_to_string(env.data_dir().join("store.log")).unwrap();
    let app_log = format!("{}{}", common::stderr(&out), common::stderr(&reissued));
    assert!(
        app_log.len() > 10_000 && store_log.contains("request"),
        "trace logging was on"
    );
    let hex_signature = regex::Regex::new(r"(?i)signature=[0-9a-f]{16,}").unwrap();
    for (name, log) in [("store.log", &store_log), ("the app's log", &app_log)] {
        for (what, secret) in [
            ("the link's signature", signature.as_str()),
            ("the access key id", key_id.as_str()),
            ("the secret", secret.as_str()),
        ] {
            assert!(!log.contains(secret), "{what} is in {name}");
        }
        assert!(
            !log.contains(common::stdout(&reissued).trim()),
            "a working link is in {name}"
        );
        assert!(
            hex_signature.find(log).is_none(),
            "a signature is in {name}: {:?}",
            hex_signature.find(log)
        );
    }
}
