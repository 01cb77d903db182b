//! A connection to the bucket of a profile: the S3 client, the bucket's real region and how far the
//! server's clock is from ours. Connecting checks the bucket once (HEAD), which gives clear errors
//! before any byte is uploaded, finds the bucket's region when the profile names another, and
//! measures the clock skew from the server's `Date` header.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store` (`tests/architecture.rs`
//! holds it).

pub mod content_disposition;
pub mod encrypt;
pub mod folders;
pub mod journal;
pub mod post_policy;
pub mod presign;
pub mod session;
pub mod upload;

use crate::error::{Coded, ErrorCode};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    BehaviorVersion, Intercept, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    RuntimeComponents, SharedCredentialsProvider, StalledStreamProtectionConfig,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::credentials::{Resolved, error_chain};
use crate::profiles::Profile;

const DEFAULT_REGION: &str = "us-east-1";

/// What went wrong talking to the storage server, in terms a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    #[error(
        "bucket {bucket:?} does not exist at {endpoint}: create it, or fix the bucket name in the profile"
    )]
    NoSuchBucket { bucket: String, endpoint: String },
    #[error("the object is not in bucket {bucket:?} at {endpoint} (deleted, or never there)")]
    NoSuchKey { bucket: String, endpoint: String },
    #[error("the upload is not known to {endpoint} (aborted or completed already)")]
    NoSuchUpload { endpoint: String },
    #[error("the access key id is not known to {endpoint}: check the profile's access key id")]
    InvalidAccessKeyId { endpoint: String },
    #[error(
        "{endpoint} refused the signature: the secret access key is wrong; store the right one in the profile"
    )]
    SignatureDoesNotMatch { endpoint: String },
    #[error(
        "access denied to bucket {bucket:?}: the credentials were refused or lack permission to {action}"
    )]
    AccessDenied {
        bucket: String,
        action: &'static str,
    },
    #[error(
        "this computer's clock is too far from the server's: set the clock right (enable NTP) and try again"
    )]
    ClockSkew,
    #[error(
        "cannot reach {endpoint} ({detail}): check the endpoint, your connection, or that the server is running"
    )]
    Unreachable { endpoint: String, detail: String },
    #[error("{endpoint} did not answer in time: check your connection and try again")]
    Timeout { endpoint: String },
    #[error(
        "the server refused the upload's checksum (the file was corrupted on the way): try again"
    )]
    BadChecksum,
    #[error("{endpoint} answered {code}: {message}")]
    Service {
        endpoint: String,
        code: String,
        message: String,
    },
}

impl Coded for StorageError {
    fn code(&self) -> ErrorCode {
        match self {
            StorageError::NoSuchBucket { .. } => ErrorCode::NoSuchBucket,
            StorageError::NoSuchKey { .. } => ErrorCode::NoSuchKey,
            StorageError::NoSuchUpload { .. } => ErrorCode::NoSuchUpload,
            StorageError::InvalidAccessKeyId { .. } => ErrorCode::InvalidAccessKeyId,
            StorageError::SignatureDoesNotMatch { .. } => ErrorCode::WrongSecret,
            StorageError::AccessDenied { .. } => ErrorCode::AccessDenied,
            StorageError::ClockSkew => ErrorCode::ClockSkew,
            StorageError::Unreachable { .. } => ErrorCode::Offline,
            StorageError::Timeout { .. } => ErrorCode::Timeout,
            StorageError::BadChecksum => ErrorCode::BadChecksum,
            StorageError::Service { .. } => ErrorCode::Storage,
        }
    }
}

/// The same server: scheme, host, port and path, as URLs compare (case, default ports, a slash).
pub fn same_endpoint(a: Option<&str>, b: &str) -> bool {
    let parts = |text: &str| {
        url::Url::parse(text).ok().map(|u| {
            (
                u.scheme().to_owned(),
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
                u.path().trim_end_matches('/').to_owned(),
            )
        })
    };
    match (a.and_then(parts), parts(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A bucket ready for requests.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub client: Client,
    pub name: String,
    pub region: String,
    /// The endpoint as users know it, for messages: the profile's, or AWS's.
    pub endpoint: String,
    /// What signs this bucket's requests (and links).
    pub credentials: aws_credential_types::Credentials,
    /// Where this bucket's objects live as URLs (`scheme://host[/bucket]`), learned once from the
    /// SDK's endpoint rules; see `presign`.
    pub(crate) object_url_base: Arc<std::sync::OnceLock<Option<String>>>,
    clock: ClockSkew,
}

impl Bucket {
    /// Builds the client and checks the bucket; the region is corrected when the bucket lives
    /// elsewhere than the profile says.
    pub async fn connect(
        profile: &Profile,
        credentials: &Resolved,
    ) -> Result<Bucket, StorageError> {
        let bucket = Bucket::unchecked(profile, credentials);
        match bucket.head().await {
            Ok(()) => Ok(bucket),
            Err(HeadFailure::WrongRegion(real)) if real != bucket.region => {
                tracing::info!(bucket = %bucket.name, from = %bucket.region, to = %real, "bucket lives in another region");
                let moved = Bucket::build(profile, credentials, real);
                match moved.head().await {
                    Ok(()) => Ok(moved),
                    Err(failure) => Err(moved.explain_head_failure(failure).await),
                }
            }
            Err(failure) => Err(bucket.explain_head_failure(failure).await),
        }
    }

    /// The bucket as the profile describes it, without asking the server anything (no region
    /// detection, no clock reading): for presigning where no request may be made first.
    pub fn unchecked(profile: &Profile, credentials: &Resolved) -> Bucket {
        let region = profile
            .region
            .clone()
            .or_else(|| credentials.region.clone())
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        Bucket::build(profile, credentials, region)
    }

    fn build(profile: &Profile, credentials: &Resolved, region: String) -> Bucket {
        let clock = ClockSkew::default();
        let mut config = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(
                credentials.credentials.clone(),
            ))
            .force_path_style(profile.path_style)
            // We send our own CRC32C per request (computed from the file), which every
            // S3-compatible server understands, instead of the SDK's aws-chunked trailers.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .read_timeout(Duration::from_secs(60))
                    .build(),
            )
            .stalled_stream_protection(StalledStreamProtectionConfig::enabled().build())
            // Transient failures (500, 503 SlowDown, a connection reset mid-part) are retried with
            // jittered exponential backoff: five tries, from 200 ms up to 5 s apart, so that a
            // part of a big upload survives a hiccup and a server that is gone fails in seconds.
            .retry_config(
                aws_sdk_s3::config::retry::RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(5)),
            )
            .interceptor(clock.clone())
            // Loopback directly, anything else through the environment's proxy (see `net`).
            .http_client(crate::system::net::sdk_http_client(
                profile.endpoint.as_deref(),
            ));
        if let Some(endpoint) = &profile.endpoint {
            config = config.endpoint_url(endpoint);
        }
        let endpoint = profile
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        Bucket {
            client: Client::from_conf(config.build()),
            name: profile.bucket.clone(),
            region,
            endpoint,
            credentials: credentials.credentials.clone(),
            object_url_base: Arc::default(),
            clock,
        }
    }

    async fn head(&self) -> Result<(), HeadFailure> {
        match self.client.head_bucket().bucket(&self.name).send().await {
            Ok(_) => Ok(()),
            Err(err) => {
                if let Some(region) = err
                    .raw_response()
                    .and_then(|r| r.headers().get("x-amz-bucket-region"))
                    .filter(|r| !r.is_empty())
                {
                    let status = err.raw_response().map(|r| r.status().as_u16());
                    if matches!(status, Some(301 | 307 | 400)) {
                        return Err(HeadFailure::WrongRegion(region.to_owned()));
                    }
                }
                Err(HeadFailure::Other(self.classify(err, "read it")))
            }
        }
    }

    /// HEAD responses have no body, so a 403 does not say *why*; a one-key listing does.
    async fn explain_head_failure(&self, failure: HeadFailure) -> StorageError {
        let err = match failure {
            HeadFailure::Other(err) => err,
            HeadFailure::WrongRegion(region) => {
                return StorageError::Service {
                    endpoint: self.endpoint.clone(),
                    code: "PermanentRedirect".into(),
                    message: format!(
                        "the bucket is in region {region}, which refused the request too"
                    ),
                };
            }
        };
        match err {
            StorageError::AccessDenied { .. } | StorageError::Service { .. } => {
                match self
                    .client
                    .list_objects_v2()
                    .bucket(&self.name)
                    .max_keys(1)
                    .send()
                    .await
                {
                    Err(list_err) => self.classify(list_err, "list it"),
                    Ok(_) => err,
                }
            }
            err => err,
        }
    }

    /// The server's clock minus ours, when it differs by more than the `Date` header can tell.
    pub fn clock_skew(&self) -> Option<chrono::TimeDelta> {
        self.clock.skew()
    }

    /// Now, by the server's clock.
    pub fn server_now(&self) -> SystemTime {
        let now = SystemTime::now();
        match self.clock_skew() {
            Some(skew) => match skew.to_std() {
                Ok(ahead) => now + ahead,
                Err(_) => now - (-skew).to_std().unwrap_or_default(),
            },
            None => now,
        }
    }

    /// Maps an SDK error to something the user can act on.
    pub fn classify<E>(&self, err: SdkError<E, HttpResponse>, action: &'static str) -> StorageError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        classify(&self.endpoint, &self.name, err, action)
    }
}

enum HeadFailure {
    WrongRegion(String),
    Other(StorageError),
}

/// Maps an SDK error to a [`StorageError`].
pub fn classify<E>(
    endpoint: &str,
    bucket: &str,
    err: SdkError<E, HttpResponse>,
    action: &'static str,
) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let endpoint = endpoint.to_owned();
    match &err {
        SdkError::TimeoutError(_) => return StorageError::Timeout { endpoint },
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                return StorageError::Timeout { endpoint };
            }
            return StorageError::Unreachable {
                endpoint,
                detail: dispatch_detail(&err),
            };
        }
        SdkError::ResponseError(_) => {
            return StorageError::Unreachable {
                endpoint,
                detail: error_chain(&err),
            };
        }
        _ => {}
    }
    let status = err.raw_response().map(|r| r.status().as_u16());
    let service = err.as_service_error();
    let code = service
        .and_then(|e| e.code())
        .unwrap_or_default()
        .to_owned();
    let message = service
        .and_then(|e| e.message())
        .unwrap_or_default()
        .to_owned();
    match (code.as_str(), status) {
        ("NoSuchKey", _) => StorageError::NoSuchKey {
            bucket: bucket.to_owned(),
            endpoint,
        },
        ("NoSuchUpload", _) => StorageError::NoSuchUpload { endpoint },
        ("NoSuchBucket" | "NotFound", _) | ("", Some(404)) => StorageError::NoSuchBucket {
            bucket: bucket.to_owned(),
            endpoint,
        },
        ("InvalidAccessKeyId", _) => StorageError::InvalidAccessKeyId { endpoint },
        ("SignatureDoesNotMatch", _) => StorageError::SignatureDoesNotMatch { endpoint },
        ("RequestTimeTooSkewed", _) => StorageError::ClockSkew,
        ("BadDigest" | "InvalidDigest" | "XAmzContentChecksumMismatch", _) => {
            StorageError::BadChecksum
        }
        ("AccessDenied" | "Forbidden", _) | ("", Some(403)) => StorageError::AccessDenied {
            bucket: bucket.to_owned(),
            action,
        },
        _ => StorageError::Service {
            endpoint,
            code: if code.is_empty() {
                status
                    .map(|s| format!("HTTP {s}"))
                    .unwrap_or_else(|| "an error".into())
            } else {
                code
            },
            message: if message.is_empty() {
                error_chain(&err)
            } else {
                message
            },
        },
    }
}

/// The innermost cause of a connection failure ("Connection refused", "dns error: …"), which is
/// what a user recognises.
fn dispatch_detail(err: &dyn std::error::Error) -> String {
    let mut innermost = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        innermost = cause.to_string();
        source = cause.source();
    }
    innermost
}

/// Measures the server's clock against ours from the `Date` header of every response.
#[derive(Debug, Clone, Default)]
struct ClockSkew {
    skew: Arc<Mutex<Option<chrono::TimeDelta>>>,
}

impl ClockSkew {
    fn skew(&self) -> Option<chrono::TimeDelta> {
        *self.skew.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record(&self, date_header: &str, received_at: chrono::DateTime<chrono::Utc>) {
        if let Some(skew) = skew_from_date(date_header, received_at) {
            *self.skew.lock().unwrap_or_else(|p| p.into_inner()) = Some(skew);
        }
    }
}

/// The server's clock minus ours, or `None` when the difference is within the one-second resolution
/// of the `Date` header (correcting for that would only add noise).
fn skew_from_date(
    date_header: &str,
    received_at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::TimeDelta> {
    let server = chrono::DateTime::parse_from_rfc2822(date_header).ok()?;
    // The header truncates to the second: the server's real time was somewhere in [Date, Date+1s).
    let server_mid = server.to_utc() + chrono::TimeDelta::milliseconds(500);
    let skew = server_mid - received_at;
    (skew.num_milliseconds().abs() > 1500).then_some(skew)
}

impl Intercept for ClockSkew {
    fn name(&self) -> &'static str {
        "LinkDropClockSkew"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            self.record(date, chrono::Utc::now());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn skew_is_measured_from_the_date_header() {
        let ours = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .unwrap();
        let ahead = skew_from_date("Mon, 23 Nov 2026 12:10:00 GMT", ours).unwrap();
        assert_eq!(ahead.num_seconds(), 600);
        let behind = skew_from_date("Mon, 23 Nov 2026 11:59:00 GMT", ours).unwrap();
        assert_eq!(behind.num_seconds(), -59);
    }

    #[test]
    fn sub_second_differences_are_not_skew() {
        let ours = chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .unwrap()
            + chrono::TimeDelta::milliseconds(700);
        assert_eq!(skew_from_date("Mon, 23 Nov 2026 12:00:00 GMT", ours), None);
        assert_eq!(skew_from_date("Mon, 23 Nov 2026 12:00:01 GMT", ours), None);
        assert_eq!(skew_from_date("not a date", ours), None);
    }
}
