//! The connection check: before the first share, tell the user whether a profile works, and if not,
//! what to do. Each step passes, warns or fails with the fix in plain words: the endpoint answers,
//! the credentials are accepted, the bucket exists and where it really lives, a small probe object
//! can be written, read, downloaded through a presigned link by a plain HTTP client and deleted,
//! the clocks agree, and how long links can live with these credentials.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `share` (`tests/architecture.rs` holds it).

use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::ByteStream;
use serde::Serialize;

use crate::Context;
use crate::credentials::{self, CredentialsError, Resolved};
use crate::local_store::LocalStoreError;
use crate::profiles::expiry::{Expiry, describe};
use crate::profiles::{Profile, ProfileError};
use crate::storage::presign;
use crate::storage::session::start_local_store;
use crate::storage::{Bucket, StorageError};

/// How far the clocks may drift before links start dying early or being refused.
const CLOCK_TOLERANCE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CheckOutcome.ts", rename = "CheckOutcome")]
pub enum Outcome {
    Passed,
    Warning,
    Failed,
    /// Not run: an earlier step failed.
    Skipped,
}

/// What each step checks, as a stable name the window can key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "CheckStepId.ts", rename = "CheckStepId")]
pub enum StepId {
    Endpoint,
    Credentials,
    Bucket,
    Region,
    Write,
    Read,
    Link,
    Delete,
    Clock,
    Lifetime,
}

impl StepId {
    const ALL: [StepId; 10] = [
        StepId::Endpoint,
        StepId::Credentials,
        StepId::Bucket,
        StepId::Region,
        StepId::Write,
        StepId::Read,
        StepId::Link,
        StepId::Delete,
        StepId::Clock,
        StepId::Lifetime,
    ];

    /// What the step checks, as the report's line says it.
    pub fn title(self) -> &'static str {
        match self {
            StepId::Endpoint => "Server reachable",
            StepId::Credentials => "Credentials accepted",
            StepId::Bucket => "Bucket exists",
            StepId::Region => "Bucket region",
            StepId::Write => "Write a test file",
            StepId::Read => "Read it back",
            StepId::Link => "Download it through a link",
            StepId::Delete => "Delete it",
            StepId::Clock => "Clock",
            StepId::Lifetime => "Longest link",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "CheckStep.ts", rename = "CheckStep")]
pub struct Step {
    pub id: StepId,
    pub title: String,
    pub outcome: Outcome,
    /// What was found, in plain words.
    pub detail: String,
    /// What to do about a failure or a warning.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "CheckReport.ts", rename = "CheckReport")]
pub struct Report {
    pub profile: String,
    pub steps: Vec<Step>,
    /// Set when the bucket lives elsewhere than the profile says: save this region to the profile.
    pub detected_region: Option<String>,
    /// How long a link can live with these credentials (7 days unless they are temporary).
    pub longest_link_secs: Option<u64>,
}

impl Report {
    /// No step failed (warnings are fine).
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| s.outcome != Outcome::Failed)
    }

    pub fn step(&self, id: StepId) -> &Step {
        self.steps
            .iter()
            .find(|s| s.id == id)
            .expect("every step is in the report")
    }

    fn set(
        &mut self,
        id: StepId,
        outcome: Outcome,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        if let Some(step) = self.steps.iter_mut().find(|s| s.id == id) {
            step.outcome = outcome;
            step.detail = detail.into();
            step.fix = fix;
        }
    }

    fn pass(&mut self, id: StepId, detail: impl Into<String>) {
        self.set(id, Outcome::Passed, detail, None);
    }

    fn fail(&mut self, id: StepId, detail: impl Into<String>, fix: impl Into<String>) {
        self.set(id, Outcome::Failed, detail, Some(fix.into()));
    }

    fn warn(&mut self, id: StepId, detail: impl Into<String>, fix: impl Into<String>) {
        self.set(id, Outcome::Warning, detail, Some(fix.into()));
    }
}

/// Runs every step against `profile`, signing with `credentials` (already resolved by the caller:
/// from the keychain for a saved profile, or the keys typed into a form not saved yet).
pub async fn run(profile: &Profile, credentials: Result<Resolved, CredentialsError>) -> Report {
    let mut report = Report {
        profile: profile.name.clone(),
        steps: StepId::ALL
            .iter()
            .map(|&id| Step {
                id,
                title: id.title().to_owned(),
                outcome: Outcome::Skipped,
                detail: "not checked: an earlier step failed".to_owned(),
                fix: None,
            })
            .collect(),
        detected_region: None,
        longest_link_secs: None,
    };
    let credentials = match credentials {
        Ok(c) => c,
        Err(e) => {
            report.fail(
                StepId::Credentials,
                "LinkDrop could not get the credentials",
                e.to_string(),
            );
            return report;
        }
    };
    lifetime(&mut report, &credentials);
    let bucket = match Bucket::connect(profile, &credentials).await {
        Ok(bucket) => bucket,
        Err(e) => {
            connect_failed(&mut report, profile, e);
            return report;
        }
    };
    report.pass(StepId::Endpoint, format!("{} answered", bucket.endpoint));
    report.pass(
        StepId::Credentials,
        format!(
            "access key {} is accepted",
            key_hint(&credentials.credentials)
        ),
    );
    report.pass(StepId::Bucket, format!("bucket {:?} is there", bucket.name));
    region(&mut report, profile, &bucket);
    clock(&mut report, &bucket);
    probe(&mut report, profile, &bucket, &credentials).await;
    report
}

/// Checks a saved profile (the default one without a name), with its own credentials.
pub async fn saved(context: &Context, name: Option<&str>) -> Result<Report, CheckError> {
    let book = context.profiles().await?;
    let mut profile = book.pick(name)?.clone();
    let credentials = credentials::resolve(&profile, &context.keychain, &context.paths).await;
    if let Ok(resolved) = &credentials
        && let Some(running) = start_local_store(&profile, &context.paths, resolved).await?
    {
        profile = running.profile;
    }
    let mut report = run(&profile, credentials).await;
    // The bucket lives elsewhere than the profile says: say so in the profile, so that every later
    // connection goes straight to the right region.
    if let Some(region) = report.detected_region.clone() {
        let mut book = context.profiles().await?;
        book.get_mut(&profile.name)?.region = Some(region.clone());
        book.save(&context.paths)?;
        report.set(
            StepId::Region,
            Outcome::Passed,
            format!(
                "{region}; the profile said {}, and now says {region}",
                profile.region.as_deref().unwrap_or("nothing")
            ),
            None,
        );
    }
    Ok(report)
}

/// Why a check could not even start.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    LocalStore(#[from] LocalStoreError),
}

/// Only the start of an access key id: enough to recognise it, not to be one.
fn key_hint(credentials: &aws_credential_types::Credentials) -> String {
    let id = credentials.access_key_id();
    let shown: String = id.chars().take(4).collect();
    if id.chars().count() > 4 {
        format!("{shown}…")
    } else {
        shown
    }
}

fn connect_failed(report: &mut Report, profile: &Profile, e: StorageError) {
    let fix = e.to_string();
    let answered = format!(
        "{} answered",
        profile.endpoint.as_deref().unwrap_or("AWS S3")
    );
    match e {
        StorageError::Unreachable { endpoint, detail } => {
            report.fail(
                StepId::Endpoint,
                format!("cannot reach {endpoint}: {}", plain_network_error(&detail)),
                fix,
            );
        }
        StorageError::Timeout { endpoint } => {
            report.fail(
                StepId::Endpoint,
                format!("{endpoint} did not answer in time"),
                fix,
            );
        }
        StorageError::ClockSkew => {
            report.pass(StepId::Endpoint, answered);
            report.fail(
                StepId::Clock,
                "the server refused the request: this computer's clock is too far from its clock",
                fix,
            );
        }
        StorageError::InvalidAccessKeyId { .. } => {
            report.pass(StepId::Endpoint, answered);
            report.fail(StepId::Credentials, "the access key id is not known", fix);
        }
        StorageError::SignatureDoesNotMatch { .. } => {
            report.pass(StepId::Endpoint, answered);
            report.fail(
                StepId::Credentials,
                "the secret access key does not match the access key id",
                "type the secret access key again (copy it whole, without spaces)",
            );
        }
        StorageError::NoSuchBucket { .. } => {
            report.pass(StepId::Endpoint, answered);
            report.pass(StepId::Credentials, "the server knows the access key");
            report.fail(
                StepId::Bucket,
                format!("there is no bucket {:?}", profile.bucket),
                fix,
            );
        }
        StorageError::AccessDenied { .. } => {
            report.pass(StepId::Endpoint, answered);
            report.fail(
                StepId::Bucket,
                format!("access to bucket {:?} is denied", profile.bucket),
                format!(
                    "{fix}. Give these credentials s3:ListBucket, s3:PutObject, s3:GetObject and s3:DeleteObject on the bucket"
                ),
            );
        }
        StorageError::Service { code, .. } if code == "PermanentRedirect" => {
            report.pass(StepId::Endpoint, answered);
            report.fail(
                StepId::Region,
                "the bucket is in another region, which refused the request too",
                "set the profile's region to the bucket's, or check the endpoint",
            );
        }
        other => {
            report.fail(StepId::Endpoint, other.to_string(), other.to_string());
        }
    }
}

/// DNS and TLS failures in words a user recognises; anything else as it came.
fn plain_network_error(detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service")
    {
        format!("the server name does not resolve (DNS: {detail}); check the endpoint's spelling")
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        format!(
            "the secure connection failed (TLS: {detail}); check the endpoint, or the server's certificate"
        )
    } else if lower.contains("refused") {
        format!("the connection was refused ({detail}); is the server running on that port?")
    } else {
        detail.to_owned()
    }
}

fn region(report: &mut Report, profile: &Profile, bucket: &Bucket) {
    match &profile.region {
        Some(region) if region == &bucket.region => {
            report.pass(StepId::Region, format!("{region}, as the profile says"));
        }
        Some(region) => {
            report.detected_region = Some(bucket.region.clone());
            report.warn(
                StepId::Region,
                format!(
                    "the bucket is in {}, not {region}; LinkDrop used {} for this check",
                    bucket.region, bucket.region
                ),
                format!("save {} as the profile's region", bucket.region),
            );
        }
        None => {
            report.detected_region = Some(bucket.region.clone());
            report.pass(StepId::Region, format!("{} (detected)", bucket.region));
        }
    }
}

fn clock(report: &mut Report, bucket: &Bucket) {
    let skew = bucket
        .clock_skew()
        .map(|s| s.abs().to_std().unwrap_or_default())
        .unwrap_or_default();
    if skew > CLOCK_TOLERANCE {
        // The Date header has whole seconds: "9 minutes 59 seconds" would be false precision.
        let minutes = Duration::from_secs((skew.as_secs() + 30) / 60 * 60);
        report.warn(
            StepId::Clock,
            format!(
                "this computer's clock is about {} off the server's",
                describe(minutes)
            ),
            "set the clock right (enable NTP); LinkDrop signs links by the server's clock meanwhile",
        );
    } else {
        report.pass(StepId::Clock, "within a minute of the server's");
    }
}

fn lifetime(report: &mut Report, credentials: &Resolved) {
    let longest = Expiry::MAX.as_duration();
    match credentials.expiry() {
        None => {
            report.longest_link_secs = Some(longest.as_secs());
            report.pass(
                StepId::Lifetime,
                format!(
                    "long-lived keys: links can last up to {}",
                    describe(longest)
                ),
            );
        }
        Some(at) => {
            let left = at.duration_since(SystemTime::now()).unwrap_or_default();
            let left = Duration::from_secs(left.as_secs());
            report.longest_link_secs = Some(left.min(longest).as_secs());
            let until = chrono::DateTime::<chrono::Utc>::from(at)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            if left < longest {
                report.warn(
                    StepId::Lifetime,
                    format!(
                        "temporary credentials, valid until {until}: a link can last at most {}",
                        describe(left)
                    ),
                    "for longer links, use long-lived keys, or renew the credentials before sharing",
                );
            } else {
                report.pass(
                    StepId::Lifetime,
                    format!(
                        "temporary credentials, valid until {until}: links can last up to 7 days"
                    ),
                );
            }
        }
    }
}

/// Writes, reads, downloads through a presigned link, and deletes a small object. The object is
/// deleted whatever happened in between, so a check never leaves anything behind.
async fn probe(report: &mut Report, profile: &Profile, bucket: &Bucket, credentials: &Resolved) {
    let key = format!(
        "{}linkdrop-check/{}.txt",
        profile.prefix,
        crate::share::object_key::new_share_id()
    );
    let body = format!(
        "LinkDrop connection check, {}\n",
        chrono::Utc::now().to_rfc3339()
    );
    let put = bucket
        .client
        .put_object()
        .bucket(&bucket.name)
        .key(&key)
        .content_type("text/plain")
        .body(ByteStream::from(body.clone().into_bytes()))
        .send()
        .await;
    if let Err(e) = put {
        let e = bucket.classify(e, "write to it");
        report.fail(StepId::Write, format!("cannot write {key}"), e.to_string());
        return;
    }
    report.pass(StepId::Write, format!("wrote {key} ({} bytes)", body.len()));

    match bucket
        .client
        .get_object()
        .bucket(&bucket.name)
        .key(&key)
        .send()
        .await
    {
        Ok(object) => match object.body.collect().await.map(|b| b.into_bytes()) {
            Ok(bytes) if bytes.as_ref() == body.as_bytes() => {
                report.pass(StepId::Read, "read back the same bytes");
            }
            Ok(_) => report.fail(
                StepId::Read,
                "the server gave back different bytes",
                "check the endpoint: something between LinkDrop and the bucket changes files",
            ),
            Err(e) => report.fail(
                StepId::Read,
                "the download broke off",
                format!("check your connection and try again ({e})"),
            ),
        },
        Err(e) => {
            let e = bucket.classify(e, "read from it");
            report.fail(StepId::Read, "cannot read the test file", e.to_string());
        }
    }

    link(report, bucket, credentials, &key, body.as_bytes()).await;

    match bucket
        .client
        .delete_object()
        .bucket(&bucket.name)
        .key(&key)
        .send()
        .await
    {
        Ok(_) => report.pass(
            StepId::Delete,
            "deleted the test file (revoking a link works)",
        ),
        Err(e) => {
            let e = bucket.classify(e, "delete from it");
            report.fail(
                StepId::Delete,
                format!("cannot delete {key}: it stays in the bucket"),
                format!("{e}. Without delete permission, links cannot be revoked"),
            );
        }
    }
}

/// The real thing: a presigned GET, downloaded by a client that knows nothing of S3.
async fn link(
    report: &mut Report,
    bucket: &Bucket,
    credentials: &Resolved,
    key: &str,
    want: &[u8],
) {
    let signed = presign::presign_get(
        bucket,
        key,
        "linkdrop-check.txt",
        Expiry::from_secs(60).expect("a minute is a valid expiry"),
        credentials.expiry(),
    )
    .await;
    let url = match signed {
        Ok(link) => link.url,
        Err(e) => {
            report.fail(StepId::Link, "cannot sign a link", e.to_string());
            return;
        }
    };
    let client = match crate::system::net::plain_client_for(&url)
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            report.fail(StepId::Link, "no HTTP client", e.to_string());
            return;
        }
    };
    let response = client.get(&url).send().await;
    match response {
        Ok(r) if r.status().is_success() => match r.bytes().await {
            Ok(bytes) if bytes.as_ref() == want => {
                report.pass(StepId::Link, "a presigned link downloads the file");
            }
            Ok(_) => report.fail(
                StepId::Link,
                "the link downloaded different bytes",
                "check the endpoint: something between the link and the bucket changes files",
            ),
            Err(e) => report.fail(
                StepId::Link,
                "the download broke off",
                format!("check your connection and try again ({e})"),
            ),
        },
        Ok(r) => {
            let status = r.status();
            report.fail(
                StepId::Link,
                format!("the link was refused with HTTP {status}"),
                "the server does not accept presigned links as signed: check the endpoint, the region and the addressing style (path-style)",
            );
        }
        Err(e) => report.fail(
            StepId::Link,
            "the link could not be downloaded",
            format!(
                "{}; links must be reachable from where they are opened",
                crate::credentials::error_chain(&e)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_errors_read_as_what_to_check() {
        assert!(plain_network_error("dns error: failed to lookup address").contains("DNS"));
        assert!(plain_network_error("invalid peer certificate: UnknownIssuer").contains("TLS"));
        assert!(plain_network_error("Connection refused (os error 111)").contains("port"));
        assert_eq!(plain_network_error("something else"), "something else");
    }

    #[test]
    fn only_the_start_of_the_access_key_is_shown() {
        let c = aws_credential_types::Credentials::new("AKIAEXAMPLE123", "s", None, None, "t");
        assert_eq!(key_hint(&c), "AKIA…");
    }
}
