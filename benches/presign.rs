//! Presigning alone, in-process: 10,000 presigned GET links, each with its own download name (what
//! re-issuing a whole ledger, or a script sharing thousands of files, costs in signing). No request
//! is made. `make bench` runs it; `benches/compare.rs` sets boto3's `generate_presigned_url` loop
//! beside it.
//!
//! Target: 10,000 presigns in under 0.5 s on a 2-core CI-class machine.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use linkdrop::credentials::Resolved;
use linkdrop::profiles::expiry::Expiry;
use linkdrop::profiles::{CredentialSource, Profile};
use linkdrop::storage::Bucket;
use linkdrop::storage::presign::presign_get;

pub const LINKS: usize = 10_000;

fn bucket() -> Bucket {
    let profile = Profile {
        endpoint: Some("http://127.0.0.1:9000".into()),
        region: Some("us-east-1".into()),
        path_style: true,
        credentials: CredentialSource::Env,
        ..Profile::new("bench", "linkdrop-bench")
    };
    let keys = Resolved::from_keys(
        "AKIAIOSFODNN7EXAMPLE".into(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
    );
    Bucket::unchecked(&profile, &keys)
}

fn presign(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let bucket = bucket();
    let keys: Vec<(String, String)> = (0..LINKS)
        .map(|i| {
            let name = format!("holiday photo {i}.jpg");
            (format!("01JDBENCH{i:017}/{name}"), name)
        })
        .collect();
    let link = runtime
        .block_on(presign_get(
            &bucket,
            &keys[0].0,
            &keys[0].1,
            Expiry::ONE_HOUR,
            None,
        ))
        .unwrap();
    assert!(link.url.contains("X-Amz-Signature="), "{}", link.url);

    let mut group = c.benchmark_group("presign");
    group.sample_size(10);
    group.bench_function("10k_links", |b| {
        b.iter(|| {
            runtime.block_on(async {
                for (key, name) in &keys {
                    black_box(
                        presign_get(&bucket, key, name, Expiry::ONE_HOUR, None)
                            .await
                            .unwrap(),
                    );
                }
            })
        });
    });
    group.finish();
}

criterion_group!(benches, presign);
criterion_main!(benches);
