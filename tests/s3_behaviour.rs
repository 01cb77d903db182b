//! The embedded store answers the clients people use as S3 does. Each scenario of
//! `tests/support/s3_behaviour.py` (boto3, the AWS SDK for Python) runs against the embedded store
//! and against SeaweedFS, an independent S3 implementation: the same assertions, so that what the
//! embedded store is held to is S3's behaviour, not a guess at it.

mod common;

use std::process::Command;

use common::{Backend, TestEnv, stderr};

fn run(backend: &Backend, scenario: &str) {
    let script = common::repo().join("tests/support/s3_behaviour.py");
    // make test puts the tools venv, which has boto3, first on PATH.
    let out = Command::new("python3")
        .arg(script)
        .arg(scenario)
        .env("S3_ENDPOINT", &backend.endpoint)
        .env("AWS_ACCESS_KEY_ID", &backend.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &backend.secret)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("python3 with boto3 (make test puts the tools venv on PATH)");
    assert!(
        out.status.success(),
        "[{}] {}{}",
        backend.name,
        common::stdout(&out),
        stderr(&out)
    );
}

macro_rules! on_both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[test]
            fn embedded_store() {
                let env = TestEnv::new();
                run(&Backend::embedded(&env), stringify!($scenario));
            }

            #[test]
            fn seaweedfs() {
                let env = TestEnv::new();
                run(&Backend::seaweedfs_without_profile(&env), stringify!($scenario));
            }
        }
    )*};
}

/// What SeaweedFS 4.48 does not do as S3 does, so that it cannot vouch for it: it creates a
/// bucket on a PUT to it (S3 answers NoSuchBucket, 404), and it ignores `If-Range` (RFC 9110
/// §13.1.5, which S3 follows: a range whose validator no longer matches gets the whole object).
macro_rules! on_the_embedded_store {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[test]
            fn embedded_store() {
                let env = TestEnv::new();
                run(&Backend::embedded(&env), stringify!($scenario));
            }
        }
    )*};
}

on_the_embedded_store!(
    a_put_to_a_bucket_that_is_not_there_is_no_such_bucket,
    a_range_is_resumed_only_while_if_range_holds,
);

on_both!(
    a_completion_sent_again_succeeds_with_the_same_etag,
    a_key_can_be_the_prefix_of_other_keys,
    conditional_gets_answer_412_and_304,
    listings_in_url_encoding_give_back_the_keys,
    completing_with_a_missing_or_wrong_part_is_invalid_part,
    completing_an_upload_never_made_is_no_such_upload,
    an_expired_presigned_put_is_refused_with_403,
);
