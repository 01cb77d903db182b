//! Presigned GET links (SigV4 query-string auth). A link lives as long as the user chose, unless the
//! credentials that sign it die first: then its real expiry is the credentials' and the result says
//! so. Links are signed by the server's clock, so a skewed local clock does not shorten them.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use chrono::{DateTime, Timelike, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::profiles::expiry::{Expiry, describe};
use crate::storage::Bucket;
use crate::storage::content_disposition;

#[derive(Debug, thiserror::Error)]
pub enum PresignError {
    #[error(
        "the credentials expired at {at}: renew them (for example `aws sso login`) and try again"
    )]
    CredentialsExpired { at: DateTime<Utc> },
    #[error("cannot sign the link: {detail}")]
    Signing { detail: String },
}

/// A working link and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub expires_at: DateTime<Utc>,
    /// Things the user should know about this link, in plain words.
    pub warnings: Vec<String>,
}

/// How long a link can really live, given when the signing credentials expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    AsAsked(Expiry),
    /// The credentials expire first; the link is signed for what is left of them.
    CutShort {
        wanted: Expiry,
        left: Expiry,
    },
}

impl Lifetime {
    pub fn signed(self) -> Expiry {
        match self {
            Lifetime::AsAsked(e) => e,
            Lifetime::CutShort { left, .. } => left,
        }
    }
}

/// Clamps the lifetime to the credentials' expiry. `now` is the server's time.
pub fn lifetime(
    wanted: Expiry,
    credentials_expiry: Option<SystemTime>,
    now: SystemTime,
) -> Result<Lifetime, PresignError> {
    let Some(dies_at) = credentials_expiry else {
        return Ok(Lifetime::AsAsked(wanted));
    };
    let left = dies_at
        .duration_since(now)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    if left == 0 {
        return Err(PresignError::CredentialsExpired { at: dies_at.into() });
    }
    if left >= wanted.as_secs() {
        return Ok(Lifetime::AsAsked(wanted));
    }
    let left = Expiry::from_secs(left).map_err(|e| PresignError::Signing {
        detail: e.to_string(),
    })?;
    Ok(Lifetime::CutShort { wanted, left })
}

/// Presigns a GET of `key` that downloads under `download_name`.
pub async fn presign_get(
    bucket: &Bucket,
    key: &str,
    download_name: &str,
    wanted: Expiry,
    credentials_expiry: Option<SystemTime>,
) -> Result<Link, PresignError> {
    let disposition = content_disposition::attachment(download_name);
    presign_with(bucket, key, &disposition, wanted, credentials_expiry).await
}

/// A presigned GET that the browser shows instead of downloading (`inline`): for a page LinkDrop
/// wrote itself (an upload request's), never for a file someone shared or sent.
pub async fn presign_inline(
    bucket: &Bucket,
    key: &str,
    wanted: Expiry,
    credentials_expiry: Option<SystemTime>,
) -> Result<Link, PresignError> {
    presign_with(bucket, key, "inline", wanted, credentials_expiry).await
}

async fn presign_with(
    bucket: &Bucket,
    key: &str,
    disposition: &str,
    wanted: Expiry,
    credentials_expiry: Option<SystemTime>,
) -> Result<Link, PresignError> {
    let signed_at = bucket.server_now();
    let lifetime = lifetime(wanted, credentials_expiry, signed_at)?;
    let expires_in = lifetime.signed().as_duration();
    let url = match object_url_base(bucket).await {
        Some(base) => sign_get(bucket, &base, key, disposition, signed_at, expires_in)?,
        None => sdk_presign_get(bucket, key, disposition, signed_at, expires_in).await?,
    };
    let (expires_at, warnings) = lifetime_said(bucket, lifetime);
    Ok(Link {
        url,
        expires_at,
        warnings,
    })
}

/// When a link (or an upload form) signed for `lifetime` just now stops working, on the user's
/// clock (the one their countdown runs on), and what they should know about it in plain words.
pub(crate) fn lifetime_said(bucket: &Bucket, lifetime: Lifetime) -> (DateTime<Utc>, Vec<String>) {
    let local_signed_at = SystemTime::now();
    // Whole seconds: signatures carry no fractions, and RFC 3339 without them reads better.
    let expires_at: DateTime<Utc> = (local_signed_at + lifetime.signed().as_duration()).into();
    let expires_at = expires_at.with_nanosecond(0).unwrap_or(expires_at);
    let mut warnings = Vec::new();
    if let Lifetime::CutShort { wanted, left } = lifetime {
        warnings.push(format!(
            "the credentials expire in {}, so this link works for {} instead of {} (until {})",
            describe(left.as_duration()),
            describe(left.as_duration()),
            describe(wanted.as_duration()),
            expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    if let Some(skew) = bucket.clock_skew() {
        warnings.push(format!(
            "this computer's clock is {} {} the server's; the link was signed by the server's clock",
            describe(skew.abs().to_std().unwrap_or_default()),
            if skew > chrono::TimeDelta::zero() { "behind" } else { "ahead of" }
        ));
    }
    (expires_at, warnings)
}

/// The key a bucket's URL shape is learned from; never uploaded.
const PROBE_KEY: &str = "linkdrop-probe";

/// Where the bucket's objects live as URLs, without the key: `http://127.0.0.1:9000/bucket` for a
/// path-style endpoint, `https://bucket.s3.eu-west-1.amazonaws.com` for AWS. Learned once per
/// bucket from one link the SDK presigns (so its endpoint rules decide, as for every request);
/// `None` when that link has a shape we do not recognise, and the SDK then signs every link.
pub(crate) async fn object_url_base(bucket: &Bucket) -> Option<String> {
    if let Some(base) = bucket.object_url_base.get() {
        return base.clone();
    }
    let probe = sdk_presign_get(
        bucket,
        PROBE_KEY,
        "attachment",
        SystemTime::now(),
        Duration::from_secs(60),
    )
    .await
    .ok()?;
    let path_end = probe.find('?').unwrap_or(probe.len());
    // The host in lower case, as browsers send it (and sign-checking servers then expect).
    let base = probe[..path_end]
        .strip_suffix(&format!("/{PROBE_KEY}"))
        .and_then(|base| {
            let (scheme, rest) = base.split_once("://")?;
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            Some(format!(
                "{scheme}://{}{path}",
                authority.to_ascii_lowercase()
            ))
        });
    if base.is_none() {
        tracing::debug!("unexpected presigned URL shape; the SDK signs every link");
    }
    bucket.object_url_base.get_or_init(|| base).clone()
}

/// S3's encoding of a key in a URL path: everything but unreserved characters and `/`.
const KEY_IN_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');
/// A query value: everything but unreserved characters.
const QUERY_VALUE: &AsciiSet = &KEY_IN_PATH.add(b'/');

/// A presigned GET signed here with SigV4 query-string auth, exactly as the SDK signs it (the
/// tests compare the two): the same URL, the same parameters, the same signature.
fn sign_get(
    bucket: &Bucket,
    base: &str,
    key: &str,
    disposition: &str,
    signed_at: SystemTime,
    expires_in: Duration,
) -> Result<String, PresignError> {
    use aws_sigv4::http_request::{
        SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
    };
    let signing = |e: &dyn std::fmt::Display| PresignError::Signing {
        detail: e.to_string(),
    };
    let unsigned = format!(
        "{base}/{}?response-content-disposition={}&x-id=GetObject",
        utf8_percent_encode(key, KEY_IN_PATH),
        utf8_percent_encode(disposition, QUERY_VALUE)
    );
    let host = base
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .filter(|host| !host.is_empty())
        .ok_or_else(|| signing(&"the link has no host"))?;
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(expires_in);
    // S3 signs the path as sent: no second encoding, no normalising of `//` or `.`.
    settings.percent_encoding_mode = aws_sigv4::http_request::PercentEncodingMode::Single;
    settings.uri_path_normalization_mode =
        aws_sigv4::http_request::UriPathNormalizationMode::Disabled;
    let identity = bucket.credentials.clone().into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&bucket.region)
        .name("s3")
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|e| signing(&e))?
        .into();
    let request = SignableRequest::new(
        "GET",
        unsigned.as_str(),
        std::iter::once(("host", host)),
        SignableBody::UnsignedPayload,
    )
    .map_err(|e| signing(&e))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| signing(&e))?
        .into_parts();
    let mut url = unsigned;
    for (name, value) in instructions.params() {
        url.push('&');
        url.push_str(name);
        url.push('=');
        url.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    Ok(url)
}

/// A presigned GET through the SDK's own pipeline: what `sign_get` must equal.
async fn sdk_presign_get(
    bucket: &Bucket,
    key: &str,
    disposition: &str,
    signed_at: SystemTime,
    expires_in: Duration,
) -> Result<String, PresignError> {
    let config = PresigningConfig::builder()
        .start_time(signed_at)
        .expires_in(expires_in)
        .build()
        .map_err(|e| PresignError::Signing {
            detail: e.to_string(),
        })?;
    let request = bucket
        .client
        .get_object()
        .bucket(&bucket.name)
        .key(key)
        .response_content_disposition(disposition)
        .presigned(config)
        .await
        .map_err(|e| PresignError::Signing {
            detail: crate::credentials::error_chain(&e),
        })?;
    Ok(request.uri().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Resolved;
    use crate::profiles::{CredentialSource, Profile};

    fn bucket(endpoint: Option<&str>, region: &str, token: Option<&str>) -> Bucket {
        let profile = Profile {
            endpoint: endpoint.map(str::to_owned),
            region: Some(region.into()),
            path_style: endpoint.is_some(),
            credentials: CredentialSource::Env,
            ..Profile::new("p", "my-bucket")
        };
        let mut keys = Resolved::from_keys(
            "AKIDEXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        );
        if let Some(token) = token {
            keys.credentials = aws_credential_types::Credentials::new(
                "ASIAEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                Some(token.into()),
                Some(SystemTime::now() + Duration::from_secs(3600)),
                "test",
            );
        }
        Bucket::unchecked(&profile, &keys)
    }

    #[tokio::test]
    async fn links_signed_here_are_the_links_the_sdk_signs() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_547_200);
        let cases = [
            (Some("http://127.0.0.1:9000"), "us-east-1", None),
            (None, "eu-west-1", None),
            (
                Some("https://0123abcd.r2.cloudflarestorage.com"),
                "auto",
                None,
            ),
            (None, "us-west-2", Some("FwoGZXIvYXdzE+session/token=")),
        ];
        let keys = [
            ("01JDX4/report.pdf", "report.pdf"),
            (
                "team/01JDX5/holiday plan (v2) & more.txt",
                "holiday plan (v2) & more.txt",
            ),
            ("01JDX6/résumé ünïcode 東京.pdf", "résumé ünïcode 東京.pdf"),
            (
                "01JDX7/quote\"s and 100%~.tar.gz",
                "quote\"s and 100%~.tar.gz",
            ),
        ];
        for (endpoint, region, token) in cases {
            let bucket = bucket(endpoint, region, token);
            let base = object_url_base(&bucket)
                .await
                .expect("a recognised URL shape");
            for (key, name) in keys {
                let disposition = content_disposition::attachment(name);
                let ours = sign_get(
                    &bucket,
                    &base,
                    key,
                    &disposition,
                    at,
                    Duration::from_secs(3600),
                )
                .unwrap();
                let sdk =
                    sdk_presign_get(&bucket, key, &disposition, at, Duration::from_secs(3600))
                        .await
                        .unwrap();
                let split = |u: &str| {
                    let (path, query) = u.split_once('?').unwrap();
                    let mut q: Vec<String> = query.split('&').map(str::to_owned).collect();
                    q.sort();
                    (path.to_owned(), q)
                };
                assert_eq!(split(&ours), split(&sdk), "{endpoint:?} {key}");
                assert!(ours.contains("X-Amz-Signature="), "{ours}");
            }
        }
    }

    #[tokio::test]
    async fn the_url_shape_is_learned_once_per_bucket() {
        let local = bucket(Some("http://127.0.0.1:9000"), "us-east-1", None);
        assert_eq!(
            object_url_base(&local).await.as_deref(),
            Some("http://127.0.0.1:9000/my-bucket")
        );
        let aws = bucket(None, "eu-central-1", None);
        assert_eq!(
            object_url_base(&aws).await.as_deref(),
            Some("https://my-bucket.s3.eu-central-1.amazonaws.com")
        );
        assert!(
            aws.object_url_base.get().is_some(),
            "kept for the next link"
        );
        // A host typed in capitals is signed as browsers will send it.
        let typed = bucket(
            Some("https://ACCOUNT.R2.cloudflarestorage.com"),
            "auto",
            None,
        );
        assert_eq!(
            object_url_base(&typed).await.as_deref(),
            Some("https://account.r2.cloudflarestorage.com/my-bucket")
        );
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn long_lived_keys_sign_for_the_asked_time() {
        let day: Expiry = "1d".parse().unwrap();
        assert_eq!(
            lifetime(day, None, at(1000)).unwrap(),
            Lifetime::AsAsked(day)
        );
    }

    #[test]
    fn temporary_credentials_cut_the_link_short() {
        let day: Expiry = "1d".parse().unwrap();
        let got = lifetime(day, Some(at(1000 + 3600)), at(1000)).unwrap();
        assert_eq!(
            got,
            Lifetime::CutShort {
                wanted: day,
                left: Expiry::from_secs(3600).unwrap()
            }
        );
        assert_eq!(got.signed().as_secs(), 3600);
    }

    #[test]
    fn credentials_that_outlive_the_link_change_nothing() {
        let hour = Expiry::ONE_HOUR;
        assert_eq!(
            lifetime(hour, Some(at(1000 + 7200)), at(1000)).unwrap(),
            Lifetime::AsAsked(hour)
        );
    }

    #[test]
    fn expired_credentials_are_an_error() {
        let err = lifetime(Expiry::ONE_HOUR, Some(at(999)), at(1000)).unwrap_err();
        assert!(matches!(err, PresignError::CredentialsExpired { .. }));
        assert!(err.to_string().contains("renew"), "{err}");
    }
}
