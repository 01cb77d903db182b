//! Browser uploads authorised by an S3 POST policy (SigV4 POST form): a signed JSON document that
//! says which bucket, which keys (a prefix), how many bytes and which content types a form may
//! send, and until when. A browser holding the form's fields can upload within those bounds and do
//! nothing else: no read, no list, no delete, no key outside the prefix.
//!
//! S3's conditions are all required at once (there is no "or"), so a request that allows several
//! types gets one signed form per type rule, and the page picks the one its file matches.

use std::time::SystemTime;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::profiles::expiry::Expiry;
use crate::storage::Bucket;
use crate::storage::presign::{PresignError, lifetime, lifetime_said};

/// Which content types one form takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum TypeRule {
    /// Any type at all.
    Any,
    /// Exactly this type (`application/pdf`).
    Exactly(String),
    /// Any subtype of this type (`image/` for `image/*`).
    StartsWith(String),
}

impl TypeRule {
    fn condition(&self) -> Value {
        match self {
            TypeRule::Any => json!(["starts-with", "$Content-Type", ""]),
            TypeRule::Exactly(t) => json!({ "Content-Type": t }),
            TypeRule::StartsWith(prefix) => json!(["starts-with", "$Content-Type", prefix]),
        }
    }
}

/// What one upload form may send.
#[derive(Debug, Clone)]
pub struct Bounds<'a> {
    /// Every key starts with this (the request's own folder).
    pub key_prefix: &'a str,
    /// The largest file, in bytes.
    pub max_size: u64,
    pub types: TypeRule,
}

/// A signed upload form: POST `action` with `fields` (in this order), then the sender's own
/// `key`, `Content-Type`, `Content-Disposition`, `x-amz-meta-sender` and `x-amz-meta-message`, and
/// the file last.
#[derive(Debug, Clone, Serialize)]
pub struct PostForm {
    pub action: String,
    pub types: TypeRule,
    pub fields: Vec<(String, String)>,
}

/// The form fields a sender fills in besides the file; each is bounded by the policy.
pub const SENDER_FIELDS: [&str; 5] = [
    "key",
    "Content-Type",
    "Content-Disposition",
    "x-amz-meta-sender",
    "x-amz-meta-message",
];

/// The signed forms, one per type rule, and when they stop working (on this computer's clock) with
/// what the user should know about that (temporary credentials ending it early, a skewed clock).
#[derive(Debug, Clone)]
pub struct SignedForms {
    pub forms: Vec<PostForm>,
    pub expires_at: DateTime<Utc>,
    pub warnings: Vec<String>,
}

/// Signs one POST form per entry of `types` (at least one: `Any` when empty).
pub async fn sign_forms(
    bucket: &Bucket,
    key_prefix: &str,
    max_size: u64,
    types: &[TypeRule],
    wanted: Expiry,
    credentials_expiry: Option<SystemTime>,
) -> Result<SignedForms, PresignError> {
    let signed_at = bucket.server_now();
    let lifetime = lifetime(wanted, credentials_expiry, signed_at)?;
    let expires = signed_at + lifetime.signed().as_duration();
    let base = super::presign::object_url_base(bucket)
        .await
        .ok_or_else(|| PresignError::Signing {
            detail: "the bucket's URL has a shape LinkDrop does not know, so no upload form can be made for it".into(),
        })?;
    let action = format!("{base}/");
    let rules: Vec<TypeRule> = if types.is_empty() {
        vec![TypeRule::Any]
    } else {
        types.to_vec()
    };
    let forms = rules
        .into_iter()
        .map(|types| {
            let bounds = Bounds {
                key_prefix,
                max_size,
                types,
            };
            sign(bucket, &action, &bounds, signed_at, expires)
        })
        .collect();
    let (expires_at, warnings) = lifetime_said(bucket, lifetime);
    Ok(SignedForms {
        forms,
        expires_at,
        warnings,
    })
}

/// The policy document for `bounds`, signed at `signed_at` (the server's clock) until `expires`.
pub fn sign(
    bucket: &Bucket,
    action: &str,
    bounds: &Bounds<'_>,
    signed_at: SystemTime,
    expires: SystemTime,
) -> PostForm {
    let credentials = &bucket.credentials;
    let date = DateTime::<Utc>::from(signed_at);
    let amz_date = date.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!(
        "{}/{}/s3/aws4_request",
        date.format("%Y%m%d"),
        bucket.region
    );
    let credential = format!("{}/{scope}", credentials.access_key_id());
    let mut fixed = vec![
        ("success_action_status".to_owned(), "201".to_owned()),
        ("x-amz-algorithm".to_owned(), "AWS4-HMAC-SHA256".to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
    ];
    if let Some(token) = credentials.session_token() {
        fixed.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    let mut conditions = vec![
        json!({ "bucket": bucket.name }),
        json!(["starts-with", "$key", bounds.key_prefix]),
        // At least a byte: empty files would let one sender bury the others' in a listing.
        json!(["content-length-range", 1, bounds.max_size]),
        bounds.types.condition(),
        // Whatever arrives downloads as a file, never runs as a page beside the request's own.
        json!(["starts-with", "$Content-Disposition", "attachment"]),
        json!(["starts-with", "$x-amz-meta-sender", ""]),
        json!(["starts-with", "$x-amz-meta-message", ""]),
    ];
    conditions.extend(fixed.iter().map(|(name, value)| json!({ name: value })));
    let policy = json!({
        "expiration": DateTime::<Utc>::from(expires).to_rfc3339_opts(SecondsFormat::Millis, true),
        "conditions": conditions,
    });
    let encoded = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let key = aws_sigv4::sign::v4::generate_signing_key(
        credentials.secret_access_key(),
        signed_at,
        &bucket.region,
        "s3",
    );
    let signature = aws_sigv4::sign::v4::calculate_signature(key, encoded.as_bytes());
    let mut fields = fixed;
    fields.push(("policy".to_owned(), encoded));
    fields.push(("x-amz-signature".to_owned(), signature));
    PostForm {
        action: action.to_owned(),
        types: bounds.types.clone(),
        fields,
    }
}

/// The policy a form carries, decoded (for tests and for showing what a request allows).
pub fn policy_of(form: &PostForm) -> Option<Value> {
    let encoded = form.fields.iter().find(|(n, _)| n == "policy")?.1.as_str();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Bucket {
        let profile = crate::profiles::Profile {
            endpoint: Some("http://127.0.0.1:9".into()),
            region: Some("us-east-1".into()),
            path_style: true,
            ..crate::profiles::Profile::new("p", "inbox")
        };
        let resolved = crate::credentials::Resolved::from_keys(
            "AKIDEXAMPLE".into(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        );
        Bucket::unchecked(&profile, &resolved)
    }

    #[test]
    fn the_policy_names_every_bound_and_every_fixed_field() {
        let bucket = bucket();
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let bounds = Bounds {
            key_prefix: "requests/r1/in/",
            max_size: 100_000_000,
            types: TypeRule::StartsWith("image/".into()),
        };
        let form = sign(
            &bucket,
            "http://127.0.0.1:9/inbox/",
            &bounds,
            at,
            at + std::time::Duration::from_secs(3600),
        );
        let policy = policy_of(&form).unwrap();
        assert_eq!(policy["expiration"], "2027-01-15T09:00:00.000Z");
        let conditions = policy["conditions"].as_array().unwrap();
        assert!(conditions.contains(&json!({ "bucket": "inbox" })));
        assert!(conditions.contains(&json!(["starts-with", "$key", "requests/r1/in/"])));
        assert!(conditions.contains(&json!(["content-length-range", 1, 100_000_000])));
        assert!(conditions.contains(&json!(["starts-with", "$Content-Type", "image/"])));
        // Every field the form sends, fixed or the sender's, has its condition.
        for (name, value) in &form.fields {
            if name == "policy" || name == "x-amz-signature" {
                continue;
            }
            assert!(
                conditions.contains(&json!({ name: value })),
                "{name} is not in the policy"
            );
        }
        for name in SENDER_FIELDS {
            assert!(
                conditions
                    .iter()
                    .any(|c| c.to_string().contains(&format!("${name}"))),
                "{name} is not in the policy"
            );
        }
        let credential = &form
            .fields
            .iter()
            .find(|(n, _)| n == "x-amz-credential")
            .unwrap()
            .1;
        assert_eq!(credential, "AKIDEXAMPLE/20270115/us-east-1/s3/aws4_request");
    }
}
