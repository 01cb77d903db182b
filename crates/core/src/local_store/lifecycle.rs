//! Lifecycle rules in the embedded store, kept and applied as S3 does for the two actions LinkDrop
//! writes: `Expiration` (an object goes N days after it was written) and
//! `AbortIncompleteMultipartUpload` (an upload is aborted N days after it began), each under a
//! prefix filter. Applied when the store starts and every hour while it runs. S3 adds the days and
//! rounds up to the next midnight UTC (written on the 15th at 10:30 with 3 days: gone from the 19th
//! at 00:00); so does this, so that a rule means here what it means there.
//!
//! What the store would not apply (transitions, tags, sizes, dates, versions) it refuses when the
//! rule is put, rather than keeping a rule it ignores.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::disk::Disk;

/// How often the rules are applied while the store runs: S3 itself acts about once a day.
pub const APPLY_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// One rule as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: Option<String>,
    /// The keys it applies to start so (`""`: all).
    pub prefix: String,
    pub enabled: bool,
    /// Days after an object was written that it is deleted.
    pub expiration_days: Option<u32>,
    /// Days after an upload began that it is aborted.
    pub abort_days: Option<u32>,
}

/// When something from `since` is due under a rule of `days`: S3's count, rounded up to midnight.
pub fn due(since: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let end = since + TimeDelta::days(i64::from(days));
    let midnight = end
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    if midnight == end {
        end
    } else {
        midnight + TimeDelta::days(1)
    }
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub deleted: u64,
    pub aborted: u64,
}

/// Applies every bucket's enabled rules as of `now`. An object written again since it was listed
/// is left alone (the delete checks it is the one that was due).
pub fn apply(disk: &Disk, now: DateTime<Utc>) -> Applied {
    let mut applied = Applied::default();
    for (bucket, _) in disk.buckets().unwrap_or_default() {
        let rules: Vec<Rule> = match disk.lifecycle(&bucket) {
            Ok(Some(rules)) => rules.into_iter().filter(|r| r.enabled).collect(),
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(bucket, "cannot read the bucket's lifecycle rules: {e}");
                continue;
            }
        };
        let is_due = |key: &str, since: DateTime<Utc>, days: fn(&Rule) -> Option<u32>| {
            rules
                .iter()
                .filter(|r| key.starts_with(&r.prefix))
                .filter_map(days)
                .any(|d| now >= due(since, d))
        };
        if rules.iter().any(|r| r.expiration_days.is_some()) {
            for object in disk.list(&bucket).unwrap_or_default() {
                if is_due(&object.key, object.last_modified, |r| r.expiration_days) {
                    match disk.delete_if(&bucket, &object.key, |o| {
                        o.last_modified == object.last_modified
                    }) {
                        Ok(true) => applied.deleted += 1,
                        Ok(false) => {}
                        Err(e) => tracing::warn!(bucket, "cannot delete an expired object: {e}"),
                    }
                }
            }
        }
        if rules.iter().any(|r| r.abort_days.is_some()) {
            for upload in disk.uploads(&bucket, "").unwrap_or_default() {
                if is_due(&upload.key, upload.initiated, |r| r.abort_days) {
                    match disk.abort(&bucket, &upload.key, &upload.id) {
                        Ok(()) => applied.aborted += 1,
                        Err(e) => tracing::warn!(bucket, "cannot abort an old upload: {e}"),
                    }
                }
            }
        }
        if applied != Applied::default() {
            tracing::info!(
                bucket,
                deleted = applied.deleted,
                aborted = applied.aborted,
                "lifecycle rules applied"
            );
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_to_the_next_midnight_as_s3_counts_them() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // AWS's own example.
        assert_eq!(
            due(at("2014-01-15T10:30:00Z"), 3),
            at("2014-01-19T00:00:00Z")
        );
        assert_eq!(
            due(at("2014-01-15T00:00:00Z"), 1),
            at("2014-01-16T00:00:00Z")
        );
        assert_eq!(
            due(at("2014-01-15T23:59:59Z"), 1),
            at("2014-01-17T00:00:00Z")
        );
    }
}
