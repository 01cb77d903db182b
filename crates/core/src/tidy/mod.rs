//! What LinkDrop keeps in a bucket, and putting it in order: the storage view (Settings → Storage,
//! `linkdrop storage`). Per profile: the objects and bytes under LinkDrop's own keys, those whose
//! link has expired, the unfinished multipart uploads (billed, and unlisted by most consoles), and
//! LinkDrop's objects this history does not know (shared from another computer, or a history that
//! was lost). One action each: delete the expired, abort the unfinished, adopt or delete the
//! unknown.
//!
//! LinkDrop's keys are its own shape (`<prefix><26-character id>/<name>`, requests under
//! `<prefix>requests/<id>/`): an object of any other shape, even under the profile's prefix (which
//! may be empty: the whole bucket), is the user's, counted apart and never touched.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `links`, `share`, `pages`, `requests` (`tests/architecture.rs` holds it).

pub mod cut_short;
pub mod lifecycle;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Context;
use crate::error::{Coded, ErrorCode};
use crate::links::LedgerError;
use crate::links::history::{HistoryEntry, LinkState};
use crate::share::object_key;
use crate::storage::Bucket;
use crate::storage::session::Session;

#[derive(Debug, thiserror::Error)]
pub enum TidyError {
    #[error(transparent)]
    Share(#[from] crate::share::ShareError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Page(#[from] crate::pages::PageError),
    #[error("cannot {action} bucket {bucket:?} at {endpoint}: {detail}")]
    Storage {
        action: &'static str,
        bucket: String,
        endpoint: String,
        detail: String,
    },
    #[error("the upload of {file} is going on in a LinkDrop running now: it was not cut short")]
    Running { file: String },
}

impl Coded for TidyError {
    fn code(&self) -> ErrorCode {
        match self {
            TidyError::Share(e) => e.code(),
            TidyError::Ledger(e) => e.code(),
            TidyError::Page(e) => e.code(),
            TidyError::Storage { .. } => ErrorCode::Storage,
            TidyError::Running { .. } => ErrorCode::Upload,
        }
    }
}

/// How many objects, and their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "Tally.ts")]
pub struct Tally {
    pub objects: u64,
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, size: u64) {
        self.objects += 1;
        self.bytes += size;
    }
}

/// An object under LinkDrop's keys that the history does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "StrayObject.ts")]
pub struct StrayObject {
    pub key: String,
    pub size: u64,
    #[ts(type = "string | null")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// A multipart upload that was started and never finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "UnfinishedUpload.ts")]
pub struct UnfinishedUpload {
    pub key: String,
    pub upload_id: String,
    #[ts(type = "string | null")]
    pub started_at: Option<DateTime<Utc>>,
    /// The bytes of its parts on the server (billed).
    pub bytes: u64,
    /// The file it was for, when this computer started it (the upload journal knows it).
    pub file: Option<String>,
    /// How far it got, when the file is known.
    pub percent: Option<u8>,
}

/// What LinkDrop keeps in one profile's bucket.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "StorageReport.ts")]
pub struct StorageReport {
    pub profile: String,
    pub bucket: String,
    pub endpoint: String,
    pub prefix: String,
    /// Every object under LinkDrop's keys.
    pub linkdrop: Tally,
    /// Those whose link has expired (and that no one asked to be deleted yet).
    pub expired: Tally,
    /// The history entries (files and pages) behind `expired`.
    pub expired_ids: Vec<String>,
    /// Under LinkDrop's keys, unknown to this history.
    pub unknown: Vec<StrayObject>,
    pub unfinished: Vec<UnfinishedUpload>,
    /// Objects under the prefix that LinkDrop did not make (left alone).
    pub others: Tally,
}

fn storage_error(bucket: &Bucket, action: &'static str, e: impl std::fmt::Display) -> TidyError {
    TidyError::Storage {
        action,
        bucket: bucket.name.clone(),
        endpoint: bucket.endpoint.clone(),
        detail: e.to_string(),
    }
}

fn time_of(t: Option<&aws_sdk_s3::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

/// Every object under `prefix`: (key, size, last modified), a page of 1,000 at a time.
async fn list_objects(
    bucket: &Bucket,
    prefix: &str,
) -> Result<Vec<(String, u64, Option<DateTime<Utc>>)>, TidyError> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = bucket
            .client
            .list_objects_v2()
            .bucket(&bucket.name)
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(|e| storage_error(bucket, "list", crate::credentials::error_chain(&e)))?;
        for object in page.contents() {
            if let Some(key) = object.key() {
                let size = u64::try_from(object.size().unwrap_or(0)).unwrap_or(0);
                found.push((key.to_owned(), size, time_of(object.last_modified())));
            }
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// Every unfinished multipart upload under `prefix`, with the bytes of its parts.
async fn list_unfinished(
    bucket: &Bucket,
    prefix: &str,
) -> Result<Vec<UnfinishedUpload>, TidyError> {
    let mut found = Vec::new();
    let (mut key_marker, mut id_marker): (Option<String>, Option<String>) = (None, None);
    loop {
        let page = bucket
            .client
            .list_multipart_uploads()
            .bucket(&bucket.name)
            .prefix(prefix)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await
            .map_err(|e| {
                storage_error(
                    bucket,
                    "list the unfinished uploads of",
                    crate::credentials::error_chain(&e),
                )
            })?;
        for upload in page.uploads() {
            let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                continue;
            };
            found.push(UnfinishedUpload {
                key: key.to_owned(),
                upload_id: id.to_owned(),
                started_at: time_of(upload.initiated()),
                bytes: parts_bytes(bucket, key, id).await,
                file: None,
                percent: None,
            });
        }
        if page.is_truncated() != Some(true) {
            return Ok(found);
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        id_marker = page.next_upload_id_marker().map(str::to_owned);
        if key_marker.is_none() && id_marker.is_none() {
            return Ok(found);
        }
    }
}

/// The bytes an unfinished upload's parts hold (0 when the server will not say).
async fn parts_bytes(bucket: &Bucket, key: &str, upload_id: &str) -> u64 {
    crate::storage::upload::parts_on_server(bucket, key, upload_id)
        .await
        // A part the server gives no size for is not counted (it reads as u64::MAX).
        .map(|parts| {
            parts
                .values()
                .map(|p| p.size)
                .filter(|&size| size != u64::MAX)
                .fold(0, u64::saturating_add)
        })
        .unwrap_or(0)
}

/// The history's entries in this bucket, by object key.
fn known_keys(
    context: &Context,
    session: &Session,
) -> Result<HashMap<String, HistoryEntry>, TidyError> {
    let history = crate::links::history(&context.paths).map_err(LedgerError::from)?;
    let bucket = session.bucket();
    Ok(history
        .in_bucket(&bucket.name)
        .map_err(LedgerError::from)?
        .into_iter()
        .filter(|e| {
            session.profile.local_store
                || crate::storage::same_endpoint(Some(&e.endpoint), &bucket.endpoint)
        })
        .map(|e| (e.key.clone(), e))
        .collect())
}

/// The ids of the upload requests made for this bucket: their objects are LinkDrop's and known.
fn known_requests(context: &Context, session: &Session) -> HashSet<String> {
    crate::requests::store::Requests::open(&crate::requests::store_path(&context.paths))
        .and_then(|store| store.list())
        .map(|list| {
            list.into_iter()
                .filter(|r| r.bucket == session.bucket().name)
                .map(|r| r.id)
                .collect()
        })
        .unwrap_or_default()
}

/// What LinkDrop keeps through `profile` (the default one when `None`).
pub async fn report(context: &Context, profile: Option<&str>) -> Result<StorageReport, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    report_for(context, &session).await
}

async fn report_for(context: &Context, session: &Session) -> Result<StorageReport, TidyError> {
    let bucket = session.bucket();
    let prefix = session.profile.prefix.clone();
    let known = known_keys(context, session)?;
    let requests = known_requests(context, session);
    let now = Utc::now();
    let mut report = StorageReport {
        profile: session.profile.name.clone(),
        bucket: bucket.name.clone(),
        endpoint: bucket.endpoint.clone(),
        prefix: prefix.clone(),
        linkdrop: Tally::default(),
        expired: Tally::default(),
        expired_ids: Vec::new(),
        unknown: Vec::new(),
        unfinished: Vec::new(),
        others: Tally::default(),
    };
    let mut expired_ids = HashSet::new();
    for (key, size, last_modified) in list_objects(bucket, &prefix).await? {
        let Some(shape) = object_key::linkdrop_shape(&prefix, &key) else {
            report.others.add(size);
            continue;
        };
        report.linkdrop.add(size);
        let entry = match &shape {
            object_key::Shape::Share { .. } => known.get(&key),
            object_key::Shape::Request { id } => {
                if !requests.contains(*id) {
                    report.unknown.push(StrayObject {
                        key,
                        size,
                        last_modified,
                    });
                }
                continue;
            }
        };
        match entry {
            None => report.unknown.push(StrayObject {
                key,
                size,
                last_modified,
            }),
            Some(e) if e.state == LinkState::Active && e.expires_at <= now => {
                report.expired.add(size);
                // A page's file goes with its page.
                expired_ids.insert(e.page_id.clone().unwrap_or_else(|| e.id.clone()));
            }
            Some(_) => {}
        }
    }
    report.expired_ids = expired_ids.into_iter().collect();
    report.expired_ids.sort();
    let journal = crate::storage::journal::Journal::open(&context.paths.data_dir)
        .and_then(|j| j.all(None))
        .unwrap_or_default();
    report.unfinished = list_unfinished(bucket, &prefix).await?;
    for upload in &mut report.unfinished {
        if let Some(written) = journal.iter().find(|u| u.upload_id == upload.upload_id) {
            upload.file = Some(written.path.display().to_string());
            upload.percent = percent_of(upload.bytes, written.stamp.size);
        }
    }
    Ok(report)
}

/// How much of a file of `size` bytes `sent` bytes are, in whole percent.
fn percent_of(sent: u64, size: u64) -> Option<u8> {
    (size > 0).then(|| (u128::from(sent.min(size)) * 100 / u128::from(size)) as u8)
}

/// One action of the storage view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "TidyAction.ts")]
pub enum TidyAction {
    DeleteExpired,
    AbortUnfinished,
    AdoptUnknown,
    DeleteUnknown,
}

impl TidyAction {
    /// What it did, for a report: "deleted the objects of expired links: 3".
    pub fn done(self) -> &'static str {
        match self {
            TidyAction::DeleteExpired => "deleted the objects of expired links",
            TidyAction::AbortUnfinished => "aborted unfinished uploads",
            TidyAction::AdoptUnknown => "adopted objects into the history",
            TidyAction::DeleteUnknown => "deleted objects the history did not know",
        }
    }
}

/// Carries out `action` on `profile`'s bucket (the default profile's when `None`).
pub async fn run(
    context: &Context,
    profile: Option<&str>,
    action: TidyAction,
) -> Result<TidyOutcome, TidyError> {
    match action {
        TidyAction::DeleteExpired => delete_expired(context, profile).await,
        TidyAction::AbortUnfinished => abort_unfinished(context, profile).await,
        TidyAction::AdoptUnknown => adopt_unknown(context, profile).await,
        TidyAction::DeleteUnknown => delete_unknown(context, profile).await,
    }
}

/// What an action did.
#[derive(Debug, Default, Serialize, ts_rs::TS)]
#[ts(export_to = "TidyOutcome.ts")]
pub struct TidyOutcome {
    /// Objects deleted, uploads aborted or objects adopted.
    pub done: u64,
    /// What failed, each with why.
    pub failed: Vec<String>,
}

/// Deletes the objects of the links that have expired (a page with its files); their entries stay,
/// marked deleted.
pub async fn delete_expired(
    context: &Context,
    profile: Option<&str>,
) -> Result<TidyOutcome, TidyError> {
    let report = report(context, profile).await?;
    let history = crate::links::history(&context.paths).map_err(LedgerError::from)?;
    let mut outcome = TidyOutcome::default();
    for id in &report.expired_ids {
        let entry = history.get(id).map_err(LedgerError::from)?;
        match crate::pages::delete_after_expiry(context, &entry).await {
            Ok(_) => outcome.done += 1,
            Err(e) => outcome.failed.push(format!("{}: {e}", entry.name)),
        }
    }
    Ok(outcome)
}

/// Aborts every unfinished upload under LinkDrop's prefix (an upload of this computer's that is
/// running now is not under it long: it finishes or is aborted itself).
pub async fn abort_unfinished(
    context: &Context,
    profile: Option<&str>,
) -> Result<TidyOutcome, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    let report = report_for(context, &session).await?;
    let mut outcome = TidyOutcome::default();
    // This computer's uploads: those a running LinkDrop holds are going on, not left behind.
    let journal = crate::storage::journal::Journal::open(&context.paths.data_dir).ok();
    let written: Vec<String> = journal
        .as_ref()
        .and_then(|j| j.all(None).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.upload_id)
        .collect();
    let mut left = journal
        .as_ref()
        .and_then(|j| j.abandoned(&session.profile.name).ok())
        .unwrap_or_default();
    for upload in &report.unfinished {
        if object_key::linkdrop_shape(&report.prefix, &upload.key).is_none() {
            outcome.failed.push(format!(
                "{}: not one of LinkDrop's uploads, left alone",
                upload.key
            ));
            continue;
        }
        let lease = left
            .iter()
            .position(|(u, _)| u.upload_id == upload.upload_id)
            .map(|i| left.swap_remove(i).1);
        if written.contains(&upload.upload_id) && lease.is_none() {
            outcome.failed.push(format!(
                "{}: being uploaded by LinkDrop on this computer right now, left alone",
                upload.key
            ));
            continue;
        }
        match crate::storage::upload::abort(session.bucket(), &upload.key, &upload.upload_id).await
        {
            Ok(()) => {
                outcome.done += 1;
                if let (Some(journal), Some(lease)) = (&journal, lease) {
                    let _ = journal.finish(lease);
                }
            }
            Err(e) => outcome.failed.push(format!("{}: {e}", upload.key)),
        }
    }
    Ok(outcome)
}

/// Deletes the objects under LinkDrop's keys that this history does not know.
pub async fn delete_unknown(
    context: &Context,
    profile: Option<&str>,
) -> Result<TidyOutcome, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    let report = report_for(context, &session).await?;
    let bucket = session.bucket();
    let mut outcome = TidyOutcome::default();
    for stray in &report.unknown {
        match bucket
            .client
            .delete_object()
            .bucket(&bucket.name)
            .key(&stray.key)
            .send()
            .await
        {
            Ok(_) => outcome.done += 1,
            Err(e) => outcome.failed.push(format!(
                "{}: {}",
                stray.key,
                crate::credentials::error_chain(&e)
            )),
        }
    }
    Ok(outcome)
}

/// Puts the objects this history does not know into it, as expired links: re-issue one to share
/// it again (nothing is uploaded).
pub async fn adopt_unknown(
    context: &Context,
    profile: Option<&str>,
) -> Result<TidyOutcome, TidyError> {
    let session = crate::share::open_session(context, profile).await?;
    let report = report_for(context, &session).await?;
    let history = crate::links::history(&context.paths).map_err(LedgerError::from)?;
    let mut outcome = TidyOutcome::default();
    for stray in &report.unknown {
        let name = stray
            .key
            .rsplit('/')
            .next()
            .unwrap_or(&stray.key)
            .to_owned();
        let at = stray.last_modified.unwrap_or_else(Utc::now);
        let share = crate::links::Share {
            id: object_key::new_share_id(),
            url: String::new(),
            expires_at: at,
            name: name.clone(),
            size: stray.size,
            content_type: mime_guess::from_path(&name)
                .first_or_octet_stream()
                .to_string(),
            profile: session.profile.name.clone(),
            bucket: report.bucket.clone(),
            key: stray.key.clone(),
            e_tag: None,
            encrypted: false,
            deletes_at: None,
            warnings: Vec::new(),
        };
        match history.record(&share, &report.endpoint) {
            Ok(()) => outcome.done += 1,
            Err(e) => outcome.failed.push(format!("{}: {e}", stray.key)),
        }
    }
    Ok(outcome)
}
