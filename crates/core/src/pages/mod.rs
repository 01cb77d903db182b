//! Share pages: several files behind one link. The page is one HTML object in the bucket (its
//! script and style inside it, allowed by hash in its own CSP), served inline by its own presigned
//! GET; it lists each file with its name, size and type, previews what the browser can show, and
//! downloads each (or all) through the files' own presigned links, which keep
//! `Content-Disposition: attachment`. The page and its files share one expiry; the history keeps
//! one entry for the page with its files under it.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `links`, `share` (`tests/architecture.rs` holds it).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::Context;
use crate::error::{Coded, ErrorCode};
use crate::links::history::{EntryKind, HistoryEntry};
use crate::links::{LedgerError, Share};
use crate::profiles::expiry::Expiry;
use crate::share::{Prepared, ShareError};
use crate::storage::Bucket;
use crate::storage::encrypt;
use crate::storage::presign::{self, PresignError};
use crate::storage::session::Session;
use crate::storage::upload::ProgressFn;
use crate::system::html;
use base64::Engine as _;

const PAGE: html::Page = html::Page {
    template: include_str!("page/page.html"),
    style: include_str!("page/page.css"),
    script: include_str!("page/page.js"),
    // The files are fetched from the page's own origin (the bucket) for previews and shown from
    // blob: URLs; nothing else is reached.
    allow: "connect-src 'self'; img-src blob: data:; media-src blob:; frame-src blob:",
};

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Presign(#[from] PresignError),
    #[error("{detail}")]
    Storage { detail: String },
    #[error("a page needs at least one file")]
    NoFiles,
    #[error("{detail}")]
    NotForAPage { detail: String },
    #[error(
        "the key of {name} is not on this computer, so its link cannot be given whole: share the files again"
    )]
    NoKey { name: String },
}

impl Coded for PageError {
    fn code(&self) -> ErrorCode {
        match self {
            PageError::Share(e) => e.code(),
            PageError::Ledger(e) => e.code(),
            PageError::Presign(_) => ErrorCode::Presign,
            PageError::Storage { .. } => ErrorCode::Storage,
            PageError::NoFiles => ErrorCode::EmptyPath,
            PageError::NotForAPage { .. } => ErrorCode::NotForAPage,
            PageError::NoKey { .. } => ErrorCode::NoSecret,
        }
    }
}

/// One file of a page, as the command line's `--json` and the window show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "PageFile.ts")]
pub struct PageFile {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub key: String,
    pub url: String,
}

/// A share page: the page's own link (what is handed out) and its files.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export_to = "PageShare.ts")]
pub struct PageShare {
    /// The page's history entry: `reissue` and `revoke` take it.
    pub id: String,
    pub url: String,
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    pub name: String,
    /// All files' bytes.
    pub size: u64,
    pub encrypted: bool,
    pub profile: String,
    pub bucket: String,
    /// The page's object.
    pub key: String,
    pub files: Vec<PageFile>,
    pub warnings: Vec<String>,
}

/// What the page's script reads. For an encrypted page, `files` holds only each file's link and
/// stored size, and `manifest` the names, types and sizes, sealed with the key in the link.
#[derive(Serialize)]
struct PageData<'a> {
    title: &'a str,
    expires_at: String,
    files: Vec<PageDataFile<'a>>,
    encrypted: bool,
    manifest: Option<String>,
}

/// The title an encrypted page shows: its real one is in the sealed manifest.
pub const ENCRYPTED_TITLE: &str = "Encrypted files";

#[derive(Serialize)]
struct PageDataFile<'a> {
    name: &'a str,
    size: u64,
    #[serde(rename = "type")]
    content_type: &'a str,
    url: &'a str,
}

/// "photo.jpg", or "photo.jpg and 2 more files".
pub fn title(names: &[&str]) -> String {
    match names {
        [] => "Files".to_owned(),
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!(
            "{first} and {} more file{}",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

pub fn render(title: &str, expires_at: DateTime<Utc>, files: &[PageFile]) -> String {
    PAGE.render(
        title,
        &PageData {
            title,
            expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            files: files
                .iter()
                .map(|f| PageDataFile {
                    name: &f.name,
                    size: f.size,
                    content_type: &f.content_type,
                    url: &f.url,
                })
                .collect(),
            encrypted: false,
            manifest: None,
        },
    )
}

/// An encrypted page: no name, type or plaintext size in it but inside `manifest`; `stored` is
/// each file's link and its object's size.
fn render_encrypted(
    expires_at: DateTime<Utc>,
    stored: &[(String, u64)],
    manifest: String,
) -> String {
    PAGE.render(
        ENCRYPTED_TITLE,
        &PageData {
            title: ENCRYPTED_TITLE,
            expires_at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            files: stored
                .iter()
                .map(|(url, size)| PageDataFile {
                    name: "",
                    size: *size,
                    content_type: "",
                    url,
                })
                .collect(),
            encrypted: true,
            manifest: Some(manifest),
        },
    )
}

pub fn csp() -> String {
    PAGE.csp()
}

fn storage_error(bucket: &Bucket, action: &'static str, e: impl std::fmt::Display) -> PageError {
    PageError::Storage {
        detail: format!(
            "cannot {action} in bucket {:?} at {}: {e}",
            bucket.name, bucket.endpoint
        ),
    }
}

async fn put_page(bucket: &Bucket, key: &str, html: String) -> Result<(), PageError> {
    bucket
        .client
        .put_object()
        .bucket(&bucket.name)
        .key(key)
        .content_type("text/html; charset=utf-8")
        .cache_control("no-store")
        .body(html.into_bytes().into())
        .send()
        .await
        .map_err(|e| {
            storage_error(
                bucket,
                "write the share page",
                crate::credentials::error_chain(&e),
            )
        })?;
    Ok(())
}

fn page_file(share: &Share) -> PageFile {
    PageFile {
        id: share.id.clone(),
        name: share.name.clone(),
        size: share.size,
        content_type: share.content_type.clone(),
        key: share.key.clone(),
        url: share.url.clone(),
    }
}

/// Shares `prepared` files through one page: each file is uploaded and signed as usual (its own
/// history entry, under the page's), then the page is written and signed for the same expiry.
/// `on_file(i)` gives the progress callback for the `i`th file.
/// With `encrypt`, each file is encrypted on this computer first (a fresh key for the page, kept in
/// the keychain for re-issue), uploaded under a name that says nothing, and the page carries the
/// names and types sealed; the link ends in `#` and the key.
#[allow(clippy::too_many_arguments)]
pub async fn share_page(
    context: &Context,
    session: &Session,
    prepared: &[Prepared],
    expiry: Option<Expiry>,
    encrypt: bool,
    on_file: impl Fn(usize) -> ProgressFn,
    cancel: &CancellationToken,
) -> Result<PageShare, PageError> {
    if prepared.is_empty() {
        return Err(PageError::NoFiles);
    }
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    let key_of_page = encrypt.then(encrypt::Key::random);
    let mut shares = Vec::with_capacity(prepared.len());
    let mut files = Vec::with_capacity(prepared.len());
    let mut manifest = Vec::new();
    for (i, file) in prepared.iter().enumerate() {
        let Some(secret) = &key_of_page else {
            let share =
                crate::share::share_prepared(session, file, Some(expiry), on_file(i), cancel)
                    .await?;
            files.push(page_file(&share));
            shares.push(share);
            continue;
        };
        let plain = &file.file;
        let mut share = crate::share::share_file_encrypted(
            session,
            plain,
            secret,
            Some(expiry),
            on_file(i),
            cancel,
        )
        .await?;
        if !file.hidden_left_out.is_empty() {
            share
                .warnings
                .push(crate::share::left_out_warning(&file.hidden_left_out));
        }
        manifest.push(serde_json::json!({
            "name": plain.name, "type": plain.content_type, "size": plain.size,
        }));
        files.push(PageFile {
            id: share.id.clone(),
            name: plain.name.clone(),
            size: plain.size,
            content_type: plain.content_type.clone(),
            key: share.key.clone(),
            url: share.url.clone(),
        });
        shares.push(share);
    }
    let sealed = key_of_page.map(|key| (key, manifest));
    publish(context, session, expiry, &shares, files, sealed).await
}

/// Writes the page for files already uploaded and signed (`shares`, as `files` shows them), signs
/// it for `expiry` and records it with its files under it. With `sealed`, the page is encrypted
/// with that key (`manifest` holds the names and types it seals), and the key is kept for a
/// re-issue and goes into the link's fragment only.
async fn publish(
    context: &Context,
    session: &Session,
    expiry: Expiry,
    shares: &[Share],
    files: Vec<PageFile>,
    sealed: Option<(encrypt::Key, Vec<serde_json::Value>)>,
) -> Result<PageShare, PageError> {
    let (key_of_page, manifest) = match sealed {
        Some((key, manifest)) => (Some(key), manifest),
        None => (None, Vec::new()),
    };
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    let title = title(&names);
    let id = crate::share::object_key::new_share_id();
    let folder = if session.profile.delete_after_expiry {
        crate::share::object_key::expiring_prefix(
            &session.profile.prefix,
            expiry.as_secs() + session.profile.grace_or_default().as_secs(),
        )
    } else {
        session.profile.prefix.clone()
    };
    let key = format!("{folder}{id}/index.html");
    let bucket = session.bucket();
    // The page shows the files' expiry: the earliest, if temporary credentials cut one short.
    let files_end = shares
        .iter()
        .map(|s| s.expires_at)
        .min()
        .unwrap_or_else(Utc::now);
    let html = match &key_of_page {
        None => render(&title, files_end, &files),
        Some(secret) => {
            let sealed = encrypt::seal(
                secret,
                serde_json::Value::Array(manifest).to_string().as_bytes(),
            );
            let stored: Vec<(String, u64)> = shares
                .iter()
                .map(|s| (s.url.clone(), encrypt::encrypted_size(s.size)))
                .collect();
            render_encrypted(
                files_end,
                &stored,
                base64::engine::general_purpose::STANDARD.encode(sealed),
            )
        }
    };
    put_page(bucket, &key, html).await?;
    let link = presign::presign_inline(bucket, &key, expiry, session.credentials_expiry()).await?;
    let mut warnings: Vec<String> = link.warnings.clone();
    for share in shares {
        for w in &share.warnings {
            let w = format!("{}: {w}", share.name);
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }
    let page = Share {
        id: id.clone(),
        url: link.url,
        expires_at: link.expires_at.min(files_end),
        name: title.clone(),
        size: files.iter().map(|f| f.size).sum(),
        content_type: "text/html".into(),
        profile: session.profile.name.clone(),
        bucket: bucket.name.clone(),
        key: key.clone(),
        e_tag: None,
        encrypted: key_of_page.is_some(),
        deletes_at: session.profile.delete_after_expiry.then(|| {
            link.expires_at.min(files_end) + session.profile.grace_or_default().duration()
        }),
        warnings: Vec::new(),
    };
    let ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    if let Err(e) = crate::links::history(session.paths())
        .and_then(|h| h.record_page(&page, &bucket.endpoint, &ids))
    {
        warnings.push(format!("the page works but is not in the history: {e}"));
    }
    // The key goes in the link's fragment, and in the keychain for a re-issue; never into the
    // history, a log or a notification.
    let url = match &key_of_page {
        None => page.url,
        Some(secret) => {
            let (keychain, paths, page_id, text) = (
                context.keychain.clone(),
                context.paths.clone(),
                id.clone(),
                secret.to_text(),
            );
            let kept = tokio::task::spawn_blocking(move || {
                crate::credentials::PageKeys {
                    keychain: &keychain,
                    paths: &paths,
                }
                .store(&page_id, &text)
            })
            .await;
            if !matches!(kept, Ok(Ok(()))) {
                warnings.push(
                    "the key could not be kept for a re-issue: keep this link, it is the only copy of the key".into(),
                );
            }
            format!("{}#{}", page.url, secret.to_text())
        }
    };
    Ok(PageShare {
        id,
        url,
        expires_at: page.expires_at,
        name: title,
        size: page.size,
        encrypted: key_of_page.is_some(),
        profile: page.profile,
        bucket: page.bucket,
        key,
        files,
        warnings,
    })
}

/// What a sweep deleted, and what it could not reach (tried again at the next sweep).
#[derive(Debug, Default)]
pub struct Swept {
    pub deleted: Vec<HistoryEntry>,
    pub failed: Vec<(HistoryEntry, String)>,
}

/// Deletes what asked to be deleted once its link expired and the grace after it passed: a
/// file's object, or a page and its files. The entries stay, marked deleted. What fails (the
/// server away) stays due and is tried at the next sweep; a link re-issued in time moved its own
/// expiry, so it is not due.
pub async fn sweep(context: &Context, now: DateTime<Utc>) -> Swept {
    let mut swept = Swept::default();
    let due = match crate::links::history(&context.paths).and_then(|h| h.due_for_deletion(now)) {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!("cannot read the history for links to delete: {e}");
            return swept;
        }
    };
    for entry in due {
        match delete_after_expiry(context, &entry).await {
            Ok(deleted) => {
                tracing::info!(id = %deleted.id, "deleted after its link expired");
                swept.deleted.push(deleted);
            }
            Err(e) => {
                tracing::warn!(id = %entry.id, "cannot delete after expiry yet: {e}");
                swept.failed.push((entry, e.to_string()));
            }
        }
    }
    swept
}

/// Deletes an expired entry's object (a page with its files); the entry stays, marked deleted.
pub async fn delete_after_expiry(
    context: &Context,
    entry: &HistoryEntry,
) -> Result<HistoryEntry, PageError> {
    if entry.kind == EntryKind::Page {
        for file in page_files(context, &entry.id)? {
            if file.state == crate::links::history::LinkState::Active {
                crate::links::delete_expired(context, &file.id).await?;
            }
        }
    }
    let deleted = crate::links::delete_expired(context, &entry.id).await?;
    if entry.kind == EntryKind::Page {
        forget_page_key(context, &entry.id).await;
    }
    Ok(deleted)
}

/// One page for files shared earlier (a selection in the history), without uploading them again:
/// each file's link is re-issued for `expiry` (its object checked first), then the page is written
/// beside them and the files go under it in the history, as if shared on it. The files must be in
/// one bucket, plain (an encrypted file's key belongs to its own page), on no page yet, and not
/// revoked.
pub async fn page_of_entries(
    context: &Context,
    ids: &[String],
    expiry: Option<Expiry>,
) -> Result<PageShare, PageError> {
    let entries = ids
        .iter()
        .map(|id| entry(context, id))
        .collect::<Result<Vec<_>, _>>()?;
    let first = entries.first().ok_or(PageError::NoFiles)?;
    let refuse = |detail: String| Err(PageError::NotForAPage { detail });
    for e in &entries {
        if e.kind == EntryKind::Page {
            return refuse(format!(
                "{} is a page already: one page cannot hold another (select files only)",
                e.name
            ));
        }
        if e.page_id.is_some() {
            return refuse(format!("{} is on a page already", e.name));
        }
        if e.encrypted {
            return refuse(format!(
                "{} was encrypted for its own page: share it again to put it on another",
                e.name
            ));
        }
        if e.state == crate::links::history::LinkState::Revoked {
            return Err(LedgerError::Revoked {
                name: e.name.clone(),
            }
            .into());
        }
        if (e.profile.as_str(), e.endpoint.as_str(), e.bucket.as_str())
            != (
                first.profile.as_str(),
                first.endpoint.as_str(),
                first.bucket.as_str(),
            )
        {
            return refuse(format!(
                "{} and {} are in different buckets: a page and its files live in one",
                first.name, e.name
            ));
        }
    }
    let session = crate::links::session_for(context, first, String::new()).await?;
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    let mut shares = Vec::with_capacity(entries.len());
    for e in &entries {
        shares.push(crate::links::reissue(context, &e.id, Some(expiry)).await?);
    }
    let files = shares.iter().map(page_file).collect();
    publish(context, &session, expiry, &shares, files, None).await
}

/// The link to hand out for entry `id`: its URL, and for an encrypted page the key after `#`, from
/// the keychain (the history never holds it).
pub async fn link_of(context: &Context, id: &str) -> Result<String, PageError> {
    let entry = entry(context, id)?;
    if !(entry.encrypted && entry.kind == EntryKind::Page) {
        return Ok(entry.url);
    }
    page_key(context, &entry.id)
        .await
        .map(|key| format!("{}#{key}", entry.url))
        .ok_or(PageError::NoKey { name: entry.name })
}

/// Shares what is at `paths` through one page, as `share::share_path` shares one path: each path
/// checked and opened (a folder zipped), then uploaded, with one `Preparing` event for the whole
/// page (its title and bytes) and `Progress` over all of them. What the window and tray call.
#[allow(clippy::too_many_arguments)]
pub async fn share_paths(
    context: &Context,
    paths: &[std::path::PathBuf],
    expiry: Option<Expiry>,
    profile: Option<&str>,
    options: crate::share::ShareOptions,
    encrypt: bool,
    on_event: std::sync::Arc<dyn Fn(crate::share::ShareEvent) + Send + Sync>,
    cancel: &CancellationToken,
) -> Result<PageShare, PageError> {
    if paths.is_empty() {
        return Err(PageError::NoFiles);
    }
    let mut prepared = Vec::with_capacity(paths.len());
    for path in paths {
        if !path.is_absolute() {
            return Err(ShareError::NotAbsolute { path: path.clone() }.into());
        }
        prepared.push(crate::share::prepare(&context.paths, path, options, cancel).await?);
    }
    let names: Vec<&str> = prepared.iter().map(|p| p.file.name.as_str()).collect();
    let sizes: Vec<u64> = prepared.iter().map(|p| p.file.size).collect();
    let total: u64 = sizes.iter().sum();
    on_event(crate::share::ShareEvent::Preparing {
        name: title(&names),
        size: total,
        hidden_left_out: prepared
            .iter()
            .map(|p| p.hidden_left_out.len() as u32)
            .sum(),
    });
    let mut session = crate::share::open_session(context, profile).await?;
    options.apply_to(&mut session);
    let on_file = |i: usize| -> ProgressFn {
        let before: u64 = sizes[..i].iter().sum();
        let on_event = on_event.clone();
        std::sync::Arc::new(move |p: crate::storage::upload::Progress| {
            let progress = crate::storage::upload::Progress {
                sent: before + p.sent,
                total,
            };
            on_event(crate::share::ShareEvent::Progress {
                sent: progress.sent,
                total,
                percent: progress.percent().unwrap_or(0),
            })
        })
    };
    share_page(
        context, &session, &prepared, expiry, encrypt, on_file, cancel,
    )
    .await
}

impl PageShare {
    /// The page as a share (its own link, its files' bytes): what a front end shows for one link.
    pub fn as_share(&self) -> Share {
        Share {
            id: self.id.clone(),
            url: self.url.clone(),
            expires_at: self.expires_at,
            name: self.name.clone(),
            size: self.size,
            content_type: "text/html".into(),
            profile: self.profile.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            e_tag: None,
            encrypted: self.encrypted,
            deletes_at: None,
            warnings: self.warnings.clone(),
        }
    }
}

fn entry(context: &Context, id: &str) -> Result<HistoryEntry, PageError> {
    Ok(crate::links::history(&context.paths)
        .and_then(|h| h.get(id))
        .map_err(LedgerError::from)?)
}

/// The files on page `id`, in the order they were shared.
pub fn page_files(context: &Context, id: &str) -> Result<Vec<HistoryEntry>, PageError> {
    Ok(crate::links::history(&context.paths)
        .and_then(|h| h.page_files(id))
        .map_err(LedgerError::from)?)
}

/// A fresh link: for a file, as `links::reissue`; for a page, every file re-signed (none uploaded
/// again), the page rewritten with the new links and signed for the same expiry.
pub async fn reissue(
    context: &Context,
    id: &str,
    expiry: Option<Expiry>,
) -> Result<Share, PageError> {
    let page = entry(context, id)?;
    if page.kind != EntryKind::Page {
        return Ok(crate::links::reissue(context, id, expiry).await?);
    }
    match page.state {
        crate::links::history::LinkState::Revoked => {
            return Err(LedgerError::Revoked { name: page.name }.into());
        }
        crate::links::history::LinkState::Deleted => {
            return Err(LedgerError::Deleted { name: page.name }.into());
        }
        _ => {}
    }
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let mut files_end: Option<DateTime<Utc>> = None;
    for file in page_files(context, id)? {
        let share = crate::links::reissue(context, &file.id, expiry).await?;
        warnings.extend(
            share
                .warnings
                .iter()
                .map(|w| format!("{}: {w}", share.name)),
        );
        files_end = Some(files_end.map_or(share.expires_at, |end| end.min(share.expires_at)));
        files.push(page_file(&share));
    }
    let files_end = files_end.ok_or(PageError::NoFiles)?;
    let session = crate::links::session_for(context, &page, String::new()).await?;
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    let (expiry, capped) = crate::links::lifecycle_cap(&page, expiry, Utc::now())?;
    warnings.extend(capped);
    let bucket = session.bucket();
    let secret = page_key(context, id).await;
    // The page as it is, with its files' new links and end: an encrypted page's sealed list stays
    // as it was (this computer never writes names into it).
    let html = match read_page_data(bucket, &page.key).await {
        Some(mut data) => {
            data["expires_at"] = files_end
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .into();
            if let Some(listed) = data["files"].as_array_mut() {
                for (slot, file) in listed.iter_mut().zip(&files) {
                    slot["url"] = file.url.clone().into();
                }
            }
            let title = data["title"].as_str().unwrap_or(ENCRYPTED_TITLE).to_owned();
            PAGE.render(&title, &data)
        }
        None if secret.is_none() => render(&page.name, files_end, &files),
        None => {
            return Err(PageError::Storage {
                detail: format!(
                    "the encrypted page {} is no longer in bucket {:?}: share the files again",
                    page.name, bucket.name
                ),
            });
        }
    };
    put_page(bucket, &page.key, html).await?;
    let link =
        presign::presign_inline(bucket, &page.key, expiry, session.credentials_expiry()).await?;
    let expires_at = link.expires_at.min(files_end);
    crate::links::history(&context.paths)
        .and_then(|h| h.reissued(id, &link.url, expires_at))
        .map_err(LedgerError::from)?;
    warnings.extend(link.warnings);
    let url = match secret {
        Some(key) => format!("{}#{key}", link.url),
        None => link.url,
    };
    Ok(Share {
        id: page.id,
        url,
        expires_at,
        name: page.name,
        size: page.size,
        content_type: page.content_type,
        profile: page.profile,
        bucket: page.bucket,
        key: page.key,
        e_tag: None,
        encrypted: page.encrypted,
        deletes_at: page
            .deletes_at
            .map(|at| expires_at + (at - page.expires_at)),
        warnings,
    })
}

/// The key of an encrypted page, from the keychain (or the private data dir without one).
async fn page_key(context: &Context, id: &str) -> Option<String> {
    let (keychain, paths, id) = (
        context.keychain.clone(),
        context.paths.clone(),
        id.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        crate::credentials::PageKeys {
            keychain: &keychain,
            paths: &paths,
        }
        .get(&id)
    })
    .await
    .ok()
    .flatten()
}

/// The data a page in the bucket carries (the JSON in its data element).
async fn read_page_data(bucket: &Bucket, key: &str) -> Option<serde_json::Value> {
    let object = bucket
        .client
        .get_object()
        .bucket(&bucket.name)
        .key(key)
        .send()
        .await
        .ok()?;
    let bytes = object.body.collect().await.ok()?.into_bytes();
    html::data_of(std::str::from_utf8(&bytes).ok()?, "page")
}

/// Revokes a link; a page's files first, then the page (so nothing stays reachable from it).
pub async fn revoke(context: &Context, id: &str) -> Result<HistoryEntry, PageError> {
    for file in page_files(context, id)? {
        if file.state != crate::links::history::LinkState::Revoked {
            crate::links::revoke(context, &file.id).await?;
        }
    }
    let revoked = crate::links::revoke(context, id).await?;
    // Nothing is left for the key to open.
    forget_page_key(context, id).await;
    Ok(revoked)
}

/// Forgets an entry; a page with its files (and, with `delete`, their objects and the page's).
pub async fn forget(context: &Context, id: &str, delete: bool) -> Result<HistoryEntry, PageError> {
    for file in page_files(context, id)? {
        crate::links::forget(context, &file.id, delete).await?;
    }
    let forgotten = crate::links::forget(context, id, delete).await?;
    forget_page_key(context, id).await;
    Ok(forgotten)
}

async fn forget_page_key(context: &Context, id: &str) {
    let (keychain, paths, id) = (
        context.keychain.clone(),
        context.paths.clone(),
        id.to_owned(),
    );
    let _ = tokio::task::spawn_blocking(move || {
        crate::credentials::PageKeys {
            keychain: &keychain,
            paths: &paths,
        }
        .forget(&id)
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_first_file_and_count_the_rest() {
        assert_eq!(title(&["a.jpg"]), "a.jpg");
        assert_eq!(title(&["a.jpg", "b.pdf"]), "a.jpg and 1 more file");
        assert_eq!(title(&["a.jpg", "b.pdf", "c"]), "a.jpg and 2 more files");
    }

    #[test]
    fn a_page_is_self_contained_and_its_names_stay_text() {
        let files = [PageFile {
            id: "f".into(),
            name: "</script><img src=x onerror=alert(1)>.png".into(),
            size: 3,
            content_type: "image/png".into(),
            key: "k".into(),
            url: "http://127.0.0.1:1/b/k?X-Amz-Signature=0".into(),
        }];
        let page = render("</title><b>x</b>", Utc::now(), &files);
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the data and the code"
        );
        assert!(!page.contains("<img src=x"));
        assert!(page.contains("&lt;/title&gt;&lt;b&gt;x&lt;/b&gt;"));
        let csp = csp();
        assert!(page.contains(&format!("content=\"{csp}\"")));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert!(csp.contains("connect-src 'self'"));
    }
}
