//! Presigned GET links (SigV4 query-string auth). A link lives as long as the user chose, unless the
//! credentials that sign it die first: then its real expiry is the credentials' and the result says
//! so. Links are signed by the server's clock, so a skewed local clock does not shorten them.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use chrono::{DateTime, Timelike, Utc};

use crate::content_disposition;
use crate::expiry::{Expiry, describe};
use crate::storage::Bucket;

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
    let signed_at = bucket.server_now();
    let lifetime = lifetime(wanted, credentials_expiry, signed_at)?;
    let config = PresigningConfig::builder()
        .start_time(signed_at)
        .expires_in(lifetime.signed().as_duration())
        .build()
        .map_err(|e| PresignError::Signing {
            detail: e.to_string(),
        })?;
    let request = bucket
        .client
        .get_object()
        .bucket(&bucket.name)
        .key(key)
        .response_content_disposition(content_disposition::attachment(download_name))
        .presigned(config)
        .await
        .map_err(|e| PresignError::Signing {
            detail: crate::credentials::error_chain(&e),
        })?;

    // Report the expiry on the user's clock: that is the clock their countdown runs on.
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
    Ok(Link {
        url: request.uri().to_owned(),
        expires_at,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
