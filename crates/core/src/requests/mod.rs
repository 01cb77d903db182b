//! Upload requests: links that let others send files into the user's bucket, with no server. A
//! request is a folder of the bucket (`<prefix>requests/<id>/`), a page in it (`index.html`, served
//! by a presigned GET) and S3 POST forms signed for its `in/` folder only, with a size cap, the
//! allowed types and an expiry. LinkDrop learns of arrivals by listing that folder.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `links`, `share` (`tests/architecture.rs` holds it).

pub mod page;
pub mod store;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Context;
use crate::error::{Coded, ErrorCode};
use crate::links::Share;
use crate::profiles::expiry::Expiry;
use crate::profiles::providers::Provider;
use crate::share::ShareError;
use crate::storage::Bucket;
use crate::storage::post_policy::{self, TypeRule};
use crate::storage::presign::{self, PresignError};
use crate::storage::session::Session;
use store::{Requests, StoreError};

/// How long after its expiry a request is still listed by itself: S3 checks a POST's policy when
/// the upload starts, so a big file begun a minute before the end lands after it.
pub const GRACE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The largest file a request may allow: S3's largest single PUT (a POST is one request).
pub const MAX_SIZE: u64 = 5_000_000_000;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Presign(#[from] PresignError),
    #[error(
        "{provider} does not take uploads from a browser form (S3's POST Object), so an upload request on profile {profile:?} could not work: use a profile on AWS S3, MinIO, Garage, Wasabi, SeaweedFS or the local store"
    )]
    Unsupported { provider: String, profile: String },
    #[error("{input:?} is not a size: give bytes or a number with K, M or G (500K, 100M, 2G)")]
    InvalidSize { input: String },
    #[error("the largest file a request can allow is 5 GB (one upload; S3's limit for it)")]
    SizeTooLarge,
    #[error(
        "{input:?} is not a file type: give a MIME type like application/pdf, or image/* for any image"
    )]
    InvalidType { input: String },
    #[error("give the request a name, so that senders know what it is for")]
    NoName,
    #[error(
        "{endpoint} took an upload form with a forged signature: on it, anyone with the link could write anything anywhere in the bucket, so LinkDrop makes no upload request there (SeaweedFS is known to do this); use AWS S3, MinIO, Garage, Wasabi or the local store, or accept the risk explicitly"
    )]
    ForgeableServer { endpoint: String },
    #[error("{detail}")]
    Storage { detail: String },
    #[error(
        "profile {profile:?} no longer points at the bucket {bucket} at {endpoint} that this request is in; point it back, or use the bucket's own tools"
    )]
    Unreachable {
        profile: String,
        bucket: String,
        endpoint: String,
    },
    #[error("no file {key:?} arrived for this request (see `linkdrop request files ID`)")]
    NoSuchFile { key: String },
    #[error("cannot save to {}: {source}", .path.display())]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Coded for RequestError {
    fn code(&self) -> ErrorCode {
        match self {
            RequestError::Share(e) => e.code(),
            RequestError::Store(StoreError::NotFound { .. }) => ErrorCode::NoSuchRequest,
            RequestError::Store(_) => ErrorCode::History,
            RequestError::Presign(_) => ErrorCode::Presign,
            RequestError::Unsupported { .. } => ErrorCode::Unsupported,
            RequestError::InvalidSize { .. }
            | RequestError::SizeTooLarge
            | RequestError::InvalidType { .. }
            | RequestError::NoName => ErrorCode::InvalidRequest,
            RequestError::ForgeableServer { .. } => ErrorCode::Unsupported,
            RequestError::Storage { .. } => ErrorCode::Storage,
            RequestError::Unreachable { .. } => ErrorCode::Unreachable,
            RequestError::NoSuchFile { .. } => ErrorCode::NoSuchKey,
            RequestError::Save { .. } => ErrorCode::Unreadable,
        }
    }
}

/// What the requester asks for.
#[derive(Debug, Clone, Default)]
pub struct RequestSpec {
    pub name: String,
    /// Who asks, as the page says it ("Ana from Accounting"); none: the page says "You are asked".
    pub from: Option<String>,
    pub note: Option<String>,
    pub expiry: Option<Expiry>,
    pub max_size: u64,
    /// MIME types or `type/*`; empty: any.
    pub accept: Vec<String>,
    /// Make the request even on a server that takes forged forms (see `takes_forged_forms`),
    /// with a warning: for test servers the user knows to be private.
    pub allow_forgeable_server: bool,
}

/// An upload request as LinkDrop keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "UploadRequest.ts")]
pub struct UploadRequest {
    pub id: String,
    pub name: String,
    pub from: Option<String>,
    pub note: Option<String>,
    pub profile: String,
    pub endpoint: String,
    pub bucket: String,
    /// The request's folder in the bucket; files arrive under its `in/`.
    pub folder: String,
    pub page_key: String,
    pub url: String,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    pub max_size: u64,
    pub accept: Vec<String>,
    #[ts(type = "string | null")]
    pub closed_at: Option<DateTime<Utc>>,
    /// When its page was deleted from the bucket, once its end (and the grace hour) passed:
    /// nobody can send with it any more, and the bucket keeps nothing of it but the files.
    #[ts(type = "string | null")]
    pub page_deleted_at: Option<DateTime<Utc>>,
    /// Files kept for it.
    pub files: u64,
    /// What the requester should know (temporary credentials ending it early, a skewed clock, what
    /// closing cannot do).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "RequestState.ts")]
pub enum RequestState {
    Open,
    Expired,
    Closed,
}

impl UploadRequest {
    pub fn state(&self, now: DateTime<Utc>) -> RequestState {
        if self.closed_at.is_some() {
            RequestState::Closed
        } else if now >= self.expires_at {
            RequestState::Expired
        } else {
            RequestState::Open
        }
    }

    /// Where senders' files land.
    pub fn inbox(&self) -> String {
        format!("{}in/", self.folder)
    }

    /// Still worth listing by itself: its forms may still be used, or an upload begun before
    /// the end may still land.
    pub fn watched(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at + GRACE
    }

    /// Ended `grace` ago (its profile's deletion grace, an hour by default) with its page still in
    /// the bucket: `retire_ended` deletes it. A closed request's page went at the close.
    pub fn page_due_for_deletion(&self, now: DateTime<Utc>, grace: Expiry) -> bool {
        self.closed_at.is_none()
            && self.page_deleted_at.is_none()
            && now >= self.expires_at + grace.duration()
    }
}

/// A file that arrived for a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "Arrival.ts")]
pub struct Arrival {
    pub request_id: String,
    pub key: String,
    pub name: String,
    pub size: u64,
    pub content_type: Option<String>,
    #[ts(type = "string")]
    pub received_at: DateTime<Utc>,
    /// The sender's name and message, as they typed them (both optional).
    pub sender: Option<String>,
    pub message: Option<String>,
    /// The object's ETag when it was recorded: a save downloads exactly those bytes.
    pub e_tag: Option<String>,
}

pub fn store_path(paths: &crate::system::paths::Paths) -> PathBuf {
    paths.data_dir.join("requests.sqlite3")
}

pub fn requests(paths: &crate::system::paths::Paths) -> Result<Requests, StoreError> {
    Requests::open(&store_path(paths))
}

/// `500K`, `100M`, `2G` (decimal, as the page says them: "100 MB"), `1.5G`, or plain bytes.
pub fn parse_size(text: &str) -> Result<u64, RequestError> {
    let invalid = || RequestError::InvalidSize {
        input: text.to_owned(),
    };
    let size = parse_size::Config::new()
        .with_decimal()
        .parse_size(text.trim())
        .map_err(|_| invalid())?;
    if size == 0 {
        return Err(invalid());
    }
    if size > MAX_SIZE {
        return Err(RequestError::SizeTooLarge);
    }
    Ok(size)
}

/// A comma list of MIME types or `type/*`, checked and lower-cased.
pub fn parse_accept(text: &str) -> Result<Vec<String>, RequestError> {
    let mut types = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_ascii_lowercase();
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        let ok = match lower.split_once('/') {
            Some((kind, "*")) => token(kind),
            Some((kind, sub)) => token(kind) && token(sub),
            None => false,
        };
        if !ok {
            return Err(RequestError::InvalidType {
                input: part.to_owned(),
            });
        }
        if !types.contains(&lower) {
            types.push(lower);
        }
    }
    Ok(types)
}

fn type_rules(accept: &[String]) -> Vec<TypeRule> {
    accept
        .iter()
        .map(|t| match t.strip_suffix('*') {
            Some(prefix) => TypeRule::StartsWith(prefix.to_owned()),
            None => TypeRule::Exactly(t.clone()),
        })
        .collect()
}

fn sdk_error<E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static>(
    bucket: &Bucket,
    action: &'static str,
    e: aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> RequestError {
    RequestError::Storage {
        detail: bucket.classify(e, action).to_string(),
    }
}

/// What closing does and cannot do, in the words the requester reads.
pub fn close_note(request: &UploadRequest) -> String {
    format!(
        "the page is deleted, so the link no longer opens; a form someone already has open stays signed until {} (S3 cannot take back a signed upload policy, short of disabling the key that signed it), and LinkDrop deletes whatever still arrives for this request while it runs",
        request
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// Creates a request: signs its forms, writes its page to the bucket, presigns the page's link and
/// keeps the request in the list.
pub async fn create(
    context: &Context,
    spec: &RequestSpec,
    profile: Option<&str>,
) -> Result<UploadRequest, RequestError> {
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(RequestError::NoName);
    }
    if spec.max_size == 0 {
        return Err(RequestError::InvalidSize { input: "0".into() });
    }
    if spec.max_size > MAX_SIZE {
        return Err(RequestError::SizeTooLarge);
    }
    let book = context.profiles().await.map_err(ShareError::from)?;
    let picked = book.pick(profile).map_err(ShareError::from)?.clone();
    if !picked.local_store
        && let Some(provider) = Provider::of_endpoint(picked.endpoint.as_deref())
        && !provider.browser_uploads
    {
        return Err(RequestError::Unsupported {
            provider: provider.name.to_owned(),
            profile: picked.name.clone(),
        });
    }
    let session = crate::share::open_session(context, Some(&picked.name)).await?;
    let expiry = spec
        .expiry
        .unwrap_or_else(|| session.profile.expiry_or_default());
    let id = crate::share::object_key::new_share_id();
    let folder = format!("{}requests/{id}/", session.profile.prefix);
    let page_key = format!("{folder}index.html");
    let inbox = format!("{folder}in/");
    let bucket = session.bucket();
    let signed = post_policy::sign_forms(
        bucket,
        &inbox,
        spec.max_size,
        &type_rules(&spec.accept),
        expiry,
        session.credentials_expiry(),
    )
    .await?;
    let mut warnings = signed.warnings.clone();
    if let Some(form) = signed.forms.first()
        && takes_forged_forms(bucket, form, &inbox).await?
    {
        if !spec.allow_forgeable_server {
            return Err(RequestError::ForgeableServer {
                endpoint: bucket.endpoint.clone(),
            });
        }
        warnings.push(format!(
            "{} does not check upload forms' signatures: anyone with the link can write anything into the bucket",
            bucket.endpoint
        ));
    }
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (from, note) = (text(&spec.from), text(&spec.note));
    let html = page::render(&page::PageData {
        from: from.as_deref(),
        name,
        note: note.as_deref(),
        expires_at: signed
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        max_size: spec.max_size,
        max_size_text: crate::system::text::size(spec.max_size),
        accept: &spec.accept,
        accept_text: page::accept_text(&spec.accept),
        key_prefix: &inbox,
        forms: &signed.forms,
    });
    bucket
        .client
        .put_object()
        .bucket(&bucket.name)
        .key(&page_key)
        .content_type("text/html; charset=utf-8")
        .cache_control("no-store")
        .body(html.into_bytes().into())
        .send()
        .await
        .map_err(|e| sdk_error(bucket, "write the request's page", e))?;
    let link = match presign::presign_inline(
        bucket,
        &page_key,
        expiry,
        session.credentials_expiry(),
    )
    .await
    {
        Ok(link) => link,
        Err(e) => {
            // A page nobody watches or can close would keep taking files: none is left.
            let _ = delete_object(bucket, &page_key).await;
            return Err(e.into());
        }
    };
    if session.profile.local_store {
        warnings.push(
            "the local store answers on this computer only: send the link to someone on another computer once a bucket of your own is connected".into(),
        );
    }
    let request = UploadRequest {
        id,
        name: name.to_owned(),
        from,
        note,
        profile: session.profile.name.clone(),
        endpoint: bucket.endpoint.clone(),
        bucket: bucket.name.clone(),
        folder,
        page_key,
        url: link.url,
        created_at: Utc::now(),
        // The page and its forms end together: the earlier of the two.
        expires_at: link.expires_at.min(signed.expires_at),
        max_size: spec.max_size,
        accept: spec.accept.clone(),
        closed_at: None,
        page_deleted_at: None,
        files: 0,
        warnings,
    };
    if let Err(e) = requests(&context.paths).and_then(|store| store.insert(&request)) {
        let _ = delete_object(bucket, &request.page_key).await;
        return Err(e.into());
    }
    Ok(request)
}

/// Whether the server takes `form` with its signature replaced by zeros. A server that does lets
/// anyone who sees a form (everyone with the link) write any key, any size, any type: the policy
/// binds nothing there. What the probe wrote is deleted at once.
async fn takes_forged_forms(
    bucket: &Bucket,
    form: &post_policy::PostForm,
    inbox: &str,
) -> Result<bool, RequestError> {
    let key = format!("{inbox}linkdrop-probe");
    let content_type = match &form.types {
        TypeRule::Any => "application/octet-stream".to_owned(),
        TypeRule::Exactly(t) => t.clone(),
        TypeRule::StartsWith(prefix) => format!("{prefix}probe"),
    };
    let mut multipart = reqwest::multipart::Form::new();
    for (name, value) in &form.fields {
        let value = if name == "x-amz-signature" {
            "0".repeat(64)
        } else {
            value.clone()
        };
        multipart = multipart.text(name.clone(), value);
    }
    let multipart = multipart
        .text("key", key.clone())
        .text("Content-Type", content_type)
        .text("Content-Disposition", "attachment")
        .text("x-amz-meta-sender", "")
        .text("x-amz-meta-message", "")
        .part("file", reqwest::multipart::Part::bytes(b"probe".to_vec()));
    let client = crate::system::net::plain_client_for(&form.action)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| RequestError::Storage {
            detail: format!("cannot check the server: {e}"),
        })?;
    let response = client
        .post(&form.action)
        .multipart(multipart)
        .send()
        .await
        .map_err(|e| RequestError::Storage {
            detail: format!(
                "cannot reach {} to check it takes upload forms: {e}",
                bucket.endpoint
            ),
        })?;
    if response.status().is_success() {
        delete_object(bucket, &key).await?;
        return Ok(true);
    }
    Ok(false)
}

/// A session on the bucket the request lives in, through the profile it was made with.
async fn session_for(context: &Context, request: &UploadRequest) -> Result<Session, RequestError> {
    let session = crate::share::open_session(context, Some(&request.profile)).await?;
    let same_place = session.bucket().name == request.bucket
        && (session.profile.local_store
            || crate::storage::same_endpoint(
                session.profile.endpoint.as_deref(),
                &request.endpoint,
            )
            || (session.profile.endpoint.is_none() && request.endpoint.contains("amazonaws.com")));
    if !same_place {
        return Err(RequestError::Unreachable {
            profile: request.profile.clone(),
            bucket: request.bucket.clone(),
            endpoint: request.endpoint.clone(),
        });
    }
    Ok(session)
}

fn decoded(value: Option<&String>) -> Option<String> {
    value
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .trim()
                .to_owned()
        })
        .filter(|v| !v.is_empty())
}

/// Lists the request's inbox and records what is new; returns the new arrivals. Anything that
/// arrived after the request was closed is deleted instead.
pub async fn refresh(
    context: &Context,
    request: &UploadRequest,
) -> Result<Vec<Arrival>, RequestError> {
    let session = session_for(context, request).await?;
    refresh_in(&session, context, request).await
}

async fn refresh_in(
    session: &Session,
    context: &Context,
    request: &UploadRequest,
) -> Result<Vec<Arrival>, RequestError> {
    let bucket = session.bucket();
    let store = requests(&context.paths)?;
    let mut new = Vec::new();
    let mut token: Option<String> = None;
    // At most 20 pages of 1,000 keys a refresh: a request is for a handful of files.
    for _ in 0..20 {
        let page = bucket
            .client
            .list_objects_v2()
            .bucket(&bucket.name)
            .prefix(request.inbox())
            .set_continuation_token(token.clone())
            .send()
            .await
            .map_err(|e| sdk_error(bucket, "list the files that arrived", e))?;
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            let e_tag = object.e_tag().unwrap_or_default();
            match store.seen(&request.id, key)? {
                // The same bytes as when they were recorded.
                Some(seen) if seen == e_tag && !store.refused_or_deleted(&request.id, key)? => {
                    continue;
                }
                // Replaced since, or posted again after it was refused or deleted: the old record
                // goes, and it counts as arriving now (or late, after a close).
                Some(_) => store.forget_arrival(&request.id, key)?,
                None => {}
            }
            let modified = object
                .last_modified()
                .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), 0))
                .unwrap_or_else(Utc::now);
            // The close listed the folder first: whatever is new after it came late.
            if request.closed_at.is_some() {
                tracing::info!(%key, "deleting a file that arrived after its request was closed");
                delete_object(bucket, key).await?;
                store.refused(&request.id, key)?;
                continue;
            }
            let head = match bucket
                .client
                .head_object()
                .bucket(&bucket.name)
                .key(key)
                .send()
                .await
            {
                Ok(head) => head,
                // Gone between the listing and now, or not readable this time: the next look
                // sees it again; the others are not held up.
                Err(e) => {
                    tracing::warn!(%key, "cannot read what a sender sent: {}", sdk_error(bucket, "read it", e));
                    continue;
                }
            };
            let metadata = head.metadata();
            let name = head
                .content_disposition()
                .and_then(crate::storage::content_disposition::download_name)
                .unwrap_or_else(|| key.rsplit('/').next().unwrap_or(key).to_owned());
            let arrival = Arrival {
                request_id: request.id.clone(),
                key: key.to_owned(),
                name,
                size: object
                    .size()
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(0),
                content_type: head.content_type().map(str::to_owned),
                received_at: modified,
                sender: decoded(metadata.and_then(|m| m.get("sender"))),
                message: decoded(metadata.and_then(|m| m.get("message"))),
                e_tag: head
                    .e_tag()
                    .map(str::to_owned)
                    .or_else(|| Some(e_tag.to_owned())),
            };
            if store.arrived(&arrival)? {
                new.push(arrival);
            }
        }
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
            _ => break,
        }
    }
    Ok(new)
}

/// Refreshes every request still watched (see `UploadRequest::watched`); what failed is logged
/// and tried again next time. Returns each new arrival with its request.
pub async fn refresh_all(context: &Context) -> Vec<(UploadRequest, Arrival)> {
    let now = Utc::now();
    let Ok(all) = requests(&context.paths).and_then(|s| s.list()) else {
        return Vec::new();
    };
    let mut arrived = Vec::new();
    for request in all.into_iter().filter(|r| r.watched(now)) {
        match refresh(context, &request).await {
            Ok(new) => arrived.extend(new.into_iter().map(|a| (request.clone(), a))),
            Err(e) => tracing::warn!(request = %request.id, "cannot look for arrivals: {e}"),
        }
    }
    arrived
}

/// Deletes the pages of requests that ended (and whose profile's deletion grace passed), after a
/// last look for what arrived; the files that came stay, and arrivals are still watched for
/// `GRACE`. Returns each request due with what became of it (an unreachable server: tried again
/// next time), as it is after. Without one due, nothing is asked of any server.
pub async fn retire_ended(
    context: &Context,
    now: DateTime<Utc>,
) -> Vec<(UploadRequest, Result<(), RequestError>)> {
    let all = match requests(&context.paths).and_then(|s| s.list()) {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!("cannot read the upload requests: {e}");
            return Vec::new();
        }
    };
    if !all
        .iter()
        .any(|r| r.page_due_for_deletion(now, Expiry::MIN))
    {
        return Vec::new();
    }
    // The grace as the profile says now (a profile gone: the default hour).
    let book = context.profiles().await.ok();
    let grace = |r: &UploadRequest| {
        book.as_ref()
            .and_then(|b| b.get(&r.profile).ok())
            .map_or(Expiry::ONE_HOUR, |p| p.grace_or_default())
    };
    let due: Vec<UploadRequest> = all
        .into_iter()
        .filter(|r| r.page_due_for_deletion(now, grace(r)))
        .collect();
    let mut done = Vec::new();
    for request in due {
        match retire(context, &request).await {
            Ok(retired) => done.push((retired, Ok(()))),
            Err(e) => {
                tracing::warn!(request = %request.id, "cannot delete an ended request's page yet: {e}");
                done.push((request, Err(e)));
            }
        }
    }
    done
}

/// The request as it is after: its page gone, what arrived until then counted.
async fn retire(context: &Context, request: &UploadRequest) -> Result<UploadRequest, RequestError> {
    let session = session_for(context, request).await?;
    refresh_in(&session, context, request).await?;
    delete_object(session.bucket(), &request.page_key).await?;
    let store = requests(&context.paths)?;
    store.page_deleted(&request.id, Utc::now())?;
    Ok(store.get(&request.id)?)
}

/// The requests, newest first (without listing their buckets).
pub fn list(context: &Context) -> Result<Vec<UploadRequest>, RequestError> {
    Ok(requests(&context.paths)?.list()?)
}

/// The request's files, after looking for new ones when its bucket can be reached.
pub async fn files(
    context: &Context,
    id: &str,
) -> Result<(UploadRequest, Vec<Arrival>), RequestError> {
    let request = requests(&context.paths)?.get(id)?;
    refresh(context, &request).await?;
    let store = requests(&context.paths)?;
    Ok((store.get(id)?, store.files(id)?))
}

async fn delete_object(bucket: &Bucket, key: &str) -> Result<(), RequestError> {
    bucket
        .client
        .delete_object()
        .bucket(&bucket.name)
        .key(key)
        .send()
        .await
        .map_err(|e| sdk_error(bucket, "delete from the bucket", e))?;
    Ok(())
}

/// Closes the request: its page is deleted (the link stops working), and from now on what still
/// arrives under it is deleted. Files that came before stay.
pub async fn close(context: &Context, id: &str) -> Result<UploadRequest, RequestError> {
    let request = requests(&context.paths)?.get(id)?;
    let session = session_for(context, &request).await?;
    // What came before the close is the requester's: recorded first, so it is not taken for late.
    refresh_in(&session, context, &request).await?;
    delete_object(session.bucket(), &request.page_key).await?;
    requests(&context.paths)?.close(id, Utc::now())?;
    let mut closed = requests(&context.paths)?.get(id)?;
    closed.warnings.push(close_note(&closed));
    Ok(closed)
}

fn arrival(store: &Requests, id: &str, key: &str) -> Result<Arrival, RequestError> {
    store
        .files(id)?
        .into_iter()
        .find(|a| a.key == key)
        .ok_or_else(|| RequestError::NoSuchFile {
            key: key.to_owned(),
        })
}

/// Deletes one arrived file from the bucket and the list.
pub async fn delete_file(context: &Context, id: &str, key: &str) -> Result<(), RequestError> {
    let store = requests(&context.paths)?;
    let request = store.get(id)?;
    arrival(&store, id, key)?;
    let session = session_for(context, &request).await?;
    delete_object(session.bucket(), key).await?;
    store.mark_deleted(id, key)?;
    Ok(())
}

/// A name a stranger chose, made safe to create in a folder of ours: no separators, no control
/// characters (escape codes), no leading dot (hidden files, `..`), none of the characters Windows
/// refuses there, not empty.
pub fn safe_file_name(name: &str) -> String {
    let refused: &[char] = if cfg!(windows) {
        &['/', '\\', ':', '*', '?', '"', '<', '>', '|']
    } else {
        &['/', '\\']
    };
    // Bidi overrides and other invisible formatting (U+202E makes "gpj.exe" read "exe.jpg").
    let invisible = |c: char| matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}');
    let cleaned: String = name
        .chars()
        .filter(|c| !invisible(*c))
        .map(|c| {
            if c.is_control() || refused.contains(&c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut cleaned = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .trim()
        .to_owned();
    // Windows' device names stay devices whatever the extension ("NUL.txt").
    let stem = cleaned.split('.').next().unwrap_or("").to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        cleaned.insert(0, '_');
    }
    // File systems take 255 bytes a name: a long one keeps its end (the extension), and room
    // for " (2)".
    const MAX: usize = 240;
    if cleaned.len() > MAX {
        let mut start = cleaned.len() - MAX;
        while !cleaned.is_char_boundary(start) {
            start += 1;
        }
        cleaned = cleaned[start..].to_owned();
    }
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Whether opening a file of this name could run it as a program (or as a page or a launcher)
/// rather than show it: a stranger's file of that kind is saved, never opened by LinkDrop.
pub fn may_run(name: &str) -> bool {
    const RUNNABLE: &[&str] = &[
        "exe",
        "msi",
        "msp",
        "bat",
        "cmd",
        "com",
        "scr",
        "pif",
        "cpl",
        "ps1",
        "psm1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "mjs",
        "wsf",
        "wsh",
        "hta",
        "lnk",
        "url",
        "reg",
        "inf",
        "jar",
        "jnlp",
        "sh",
        "bash",
        "zsh",
        "fish",
        "csh",
        "ksh",
        "py",
        "pl",
        "rb",
        "php",
        "command",
        "tool",
        "app",
        "pkg",
        "dmg",
        "desktop",
        "run",
        "bin",
        "appimage",
        "flatpakref",
        "snap",
        "deb",
        "rpm",
        "html",
        "htm",
        "xhtml",
        "shtml",
        "svg",
        "svgz",
        "mht",
        "mhtml",
        "webloc",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "library-ms",
        "scf",
        "appref-ms",
        "application",
        "xbap",
        "msix",
        "appx",
    ];
    match name.rsplit_once('.') {
        Some((_, ext)) => RUNNABLE.contains(&ext.trim().to_ascii_lowercase().as_str()),
        // No extension: on Linux and macOS that is how programs and scripts are named.
        None => true,
    }
}

/// `name`, or `name (2).ext`, … : the first that does not exist in `dir`, created empty and
/// exclusively (so that two saves never write one file).
fn create_unique(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_owned(), format!(".{ext}")),
        _ => (name.to_owned(), String::new()),
    };
    for n in 1..10_000 {
        let candidate = if n == 1 {
            name.to_owned()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(candidate);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many files of that name"))
}

/// Downloads the request's files (or the one `key`) into `dir`, never over an existing file.
/// Returns where each went.
pub async fn save(
    context: &Context,
    id: &str,
    key: Option<&str>,
    dir: &Path,
) -> Result<Vec<PathBuf>, RequestError> {
    let (request, files) = files(context, id).await?;
    let chosen: Vec<Arrival> = match key {
        Some(key) => vec![files.into_iter().find(|a| a.key == key).ok_or_else(|| {
            RequestError::NoSuchFile {
                key: key.to_owned(),
            }
        })?],
        None => files,
    };
    let session = session_for(context, &request).await?;
    let bucket = session.bucket();
    std::fs::create_dir_all(dir).map_err(|source| RequestError::Save {
        path: dir.to_owned(),
        source,
    })?;
    let mut saved = Vec::new();
    let mut failed: Option<RequestError> = None;
    for file in chosen {
        match save_one(bucket, &file, dir).await {
            Ok(path) => saved.push(path),
            // One file that cannot be saved does not keep the others from being saved.
            Err(e) => {
                tracing::warn!(file = %file.name, "cannot save: {e}");
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) if saved.is_empty() => Err(e),
        _ => Ok(saved),
    }
}

async fn save_one(bucket: &Bucket, file: &Arrival, dir: &Path) -> Result<PathBuf, RequestError> {
    let object = bucket
        .client
        .get_object()
        .bucket(&bucket.name)
        .key(&file.key)
        // The bytes that were recorded, not whatever replaced them since.
        .set_if_match(file.e_tag.clone())
        .send()
        .await
        .map_err(|e| sdk_error(bucket, "download a file that arrived", e))?;
    let (path, out) =
        create_unique(dir, &safe_file_name(&file.name)).map_err(|source| RequestError::Save {
            path: dir.join(safe_file_name(&file.name)),
            source,
        })?;
    let written = async {
        let mut out = tokio::fs::File::from_std(out);
        let mut body = object.body.into_async_read();
        tokio::io::copy(&mut body, &mut out).await?;
        tokio::io::AsyncWriteExt::flush(&mut out).await?;
        out.sync_all().await
    }
    .await;
    if let Err(source) = written {
        // A half-written file is worse than none: it would pass for the sender's.
        let _ = std::fs::remove_file(&path);
        return Err(RequestError::Save { path, source });
    }
    Ok(path)
}

/// Shares an arrived file on: a normal presigned link to the object where it is, in the history.
pub async fn share_on(
    context: &Context,
    id: &str,
    key: &str,
    expiry: Option<Expiry>,
) -> Result<Share, RequestError> {
    let store = requests(&context.paths)?;
    let request = store.get(id)?;
    let file = arrival(&store, id, key)?;
    let session = session_for(context, &request).await?;
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    let link = presign::presign_get(
        session.bucket(),
        key,
        &file.name,
        expiry,
        session.credentials_expiry(),
    )
    .await?;
    let mut share = Share {
        id: crate::share::object_key::new_share_id(),
        url: link.url,
        expires_at: link.expires_at,
        name: file.name.clone(),
        size: file.size,
        content_type: file
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
        profile: session.profile.name.clone(),
        bucket: session.bucket().name.clone(),
        key: key.to_owned(),
        e_tag: None,
        encrypted: false,
        deletes_at: None,
        warnings: link.warnings,
    };
    crate::links::record(session.paths(), &mut share, &session.bucket().endpoint);
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_types_are_read_or_refused_with_the_grammar() {
        assert_eq!(parse_size("500K").unwrap(), 500_000);
        assert_eq!(parse_size("100M").unwrap(), 100_000_000);
        assert_eq!(parse_size("2G").unwrap(), 2_000_000_000);
        assert_eq!(parse_size("1234").unwrap(), 1234);
        assert!(matches!(
            parse_size("lots"),
            Err(RequestError::InvalidSize { .. })
        ));
        assert!(matches!(
            parse_size("0"),
            Err(RequestError::InvalidSize { .. })
        ));
        assert!(matches!(parse_size("6G"), Err(RequestError::SizeTooLarge)));
        assert_eq!(
            parse_accept("image/*, application/PDF,image/*").unwrap(),
            ["image/*", "application/pdf"]
        );
        assert!(matches!(
            parse_accept("pdf"),
            Err(RequestError::InvalidType { .. })
        ));
        assert!(matches!(
            parse_accept("*/*x"),
            Err(RequestError::InvalidType { .. })
        ));
        assert_eq!(parse_accept("").unwrap(), Vec::<String>::new());
        assert_eq!(
            type_rules(&["image/*".into(), "application/pdf".into()]),
            [
                TypeRule::StartsWith("image/".into()),
                TypeRule::Exactly("application/pdf".into())
            ]
        );
    }

    #[test]
    fn a_strangers_file_name_cannot_leave_the_folder() {
        assert_eq!(safe_file_name("../../.bashrc"), "_.._.bashrc");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name("a/b\\c\u{1b}[31m.txt"), "a_b_c_[31m.txt");
        #[cfg(unix)]
        assert_eq!(
            safe_file_name("\"Q3\" résumé 📄.pdf"),
            "\"Q3\" résumé 📄.pdf"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(may_run("setup.exe") && may_run("invoice.PDF.exe") && may_run("x.desktop"));
        assert!(may_run("page.html") && may_run("logo.svg") && may_run("install"));
        assert!(!may_run("contract.pdf") && !may_run("photo.JPG") && !may_run("notes.txt"));
        let (first, _) = create_unique(dir.path(), "a.txt").unwrap();
        let (second, _) = create_unique(dir.path(), "a.txt").unwrap();
        assert_eq!(first, dir.path().join("a.txt"));
        assert_eq!(second, dir.path().join("a (2).txt"));
    }
}
