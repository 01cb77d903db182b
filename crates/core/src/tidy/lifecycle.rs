//! The backstop in the bucket: lifecycle rules that clean up even when no LinkDrop runs again
//! (the computer is gone). Installed only when the user asks, after seeing the exact rules; merged
//! with the bucket's configuration: rules LinkDrop did not write (their ids do not start with
//! `linkdrop-`) are put back exactly as they were.
//!
//! - `linkdrop-abort-unfinished` aborts a multipart upload under LinkDrop's prefix a week after
//!   it began (as long as LinkDrop itself keeps one to resume), so parts cut short never stay
//!   billed for good.
//! - `linkdrop-expire-<N>d` (N = 1 to 15) deletes what is in `<prefix>expire-<N>d/` N days after
//!   it was written: shares to be deleted once their link expired go in the folder of the whole
//!   days they must live (S3 counts lifecycle expiry in days), so the bucket deletes them even if
//!   LinkDrop never runs again, and never before their link and grace are over.
//!
//! The embedded store keeps and applies both kinds as S3 does (`local_store::lifecycle`).

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
};
use serde::Serialize;

use super::TidyError;
use crate::Context;
use crate::share::object_key;
use crate::storage::Bucket;
use crate::storage::session::Session;

/// The ids of LinkDrop's rules start so; any other rule is the bucket owner's.
pub const RULE_PREFIX: &str = "linkdrop-";
/// Days after which an unfinished upload is aborted: the week LinkDrop keeps one to resume.
pub const ABORT_AFTER_DAYS: i32 = 7;

/// What installing would do, or did, on one bucket.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "LifecyclePlan.ts")]
pub struct LifecyclePlan {
    pub bucket: String,
    /// The server takes lifecycle rules.
    pub supported: bool,
    /// Why not, when not.
    pub note: Option<String>,
    /// LinkDrop's rules, exactly as they are sent (the S3 XML).
    pub rules: String,
    /// LinkDrop's rules are in the bucket's configuration as they should be.
    pub installed: bool,
    /// The ids of the bucket's other rules, kept as they are.
    pub others: Vec<String>,
}

fn our_rules(session: &Session) -> Vec<LifecycleRule> {
    let prefix = &session.profile.prefix;
    let expiring = (1..=object_key::MAX_EXPIRE_DAYS).map(|days| {
        LifecycleRule::builder()
            .id(format!("{RULE_PREFIX}expire-{days}d"))
            .status(ExpirationStatus::Enabled)
            .filter(
                LifecycleRuleFilter::builder()
                    .prefix(format!("{prefix}expire-{days}d/"))
                    .build(),
            )
            .expiration(
                LifecycleExpiration::builder()
                    .days(i32::try_from(days).unwrap_or(i32::MAX))
                    .build(),
            )
            .build()
            .expect("a rule with a status")
    });
    let mut rules = vec![
        LifecycleRule::builder()
            .id(format!("{RULE_PREFIX}abort-unfinished"))
            .status(ExpirationStatus::Enabled)
            .filter(
                LifecycleRuleFilter::builder()
                    .prefix(&session.profile.prefix)
                    .build(),
            )
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(ABORT_AFTER_DAYS)
                    .build(),
            )
            .build()
            .expect("a rule with a status"),
    ];
    rules.extend(expiring);
    rules
}

/// The rules as the S3 API carries them, for a person to read before saying yes.
fn as_xml(rules: &[LifecycleRule]) -> String {
    let mut out = String::from("<LifecycleConfiguration>\n");
    for rule in rules {
        let prefix = rule.filter().and_then(|f| f.prefix()).unwrap_or_default();
        out.push_str(&format!(
            "  <Rule>\n    <ID>{}</ID>\n    <Filter><Prefix>{}</Prefix></Filter>\n    <Status>Enabled</Status>\n",
            crate::system::html::escape(rule.id().unwrap_or_default()),
            crate::system::html::escape(prefix)
        ));
        if let Some(days) = rule.expiration().and_then(|e| e.days()) {
            out.push_str(&format!(
                "    <Expiration><Days>{days}</Days></Expiration>\n"
            ));
        }
        if let Some(abort) = rule.abort_incomplete_multipart_upload() {
            out.push_str(&format!(
                "    <AbortIncompleteMultipartUpload><DaysAfterInitiation>{}</DaysAfterInitiation></AbortIncompleteMultipartUpload>\n",
                abort.days_after_initiation().unwrap_or_default()
            ));
        }
        out.push_str("  </Rule>\n");
    }
    out.push_str("</LifecycleConfiguration>");
    out
}

/// The bucket's rules; none when it has no configuration.
async fn current(bucket: &Bucket) -> Result<Vec<LifecycleRule>, TidyError> {
    match bucket
        .client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .send()
        .await
    {
        Ok(got) => Ok(got.rules().to_vec()),
        Err(e) => {
            let code = e
                .as_service_error()
                .and_then(|s| aws_sdk_s3::error::ProvideErrorMetadata::code(s).map(str::to_owned));
            if code.as_deref() == Some("NoSuchLifecycleConfiguration") {
                Ok(Vec::new())
            } else {
                Err(TidyError::Storage {
                    action: "read the lifecycle rules of",
                    bucket: bucket.name.clone(),
                    endpoint: bucket.endpoint.clone(),
                    detail: crate::credentials::error_chain(&e),
                })
            }
        }
    }
}

fn is_ours(rule: &LifecycleRule) -> bool {
    rule.id().is_some_and(|id| id.starts_with(RULE_PREFIX))
}

fn plan_for(session: &Session, existing: &[LifecycleRule]) -> LifecyclePlan {
    let ours = our_rules(session);
    let theirs: Vec<&LifecycleRule> = existing.iter().filter(|r| !is_ours(r)).collect();
    let present: Vec<&LifecycleRule> = existing.iter().filter(|r| is_ours(r)).collect();
    LifecyclePlan {
        bucket: session.bucket().name.clone(),
        supported: true,
        note: None,
        rules: as_xml(&ours),
        installed: present.len() == ours.len() && ours.iter().all(|r| present.contains(&r)),
        others: theirs
            .iter()
            .map(|r| r.id().unwrap_or("(no id)").to_owned())
            .collect(),
    }
}

/// What installing the backstop on `profile`'s bucket would do.
pub async fn plan(context: &Context, profile: Option<&str>) -> Result<LifecyclePlan, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    let existing = current(session.bucket()).await?;
    Ok(plan_for(&session, &existing))
}

/// Installs LinkDrop's rules beside the bucket's own (which are put back unchanged), then reads
/// the configuration back to say what the server keeps.
pub async fn install(context: &Context, profile: Option<&str>) -> Result<LifecyclePlan, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    let bucket = session.bucket();
    let mut rules: Vec<LifecycleRule> = current(bucket)
        .await?
        .into_iter()
        .filter(|r| !is_ours(r))
        .collect();
    rules.extend(our_rules(&session));
    let configuration = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| TidyError::Storage {
            action: "write the lifecycle rules of",
            bucket: bucket.name.clone(),
            endpoint: bucket.endpoint.clone(),
            detail: e.to_string(),
        })?;
    bucket
        .client
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket.name)
        .lifecycle_configuration(configuration)
        .send()
        .await
        .map_err(|e| TidyError::Storage {
            action: "write the lifecycle rules of",
            bucket: bucket.name.clone(),
            endpoint: bucket.endpoint.clone(),
            detail: crate::credentials::error_chain(&e),
        })?;
    let existing = current(bucket).await?;
    Ok(plan_for(&session, &existing))
}
