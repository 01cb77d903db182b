//! The share pipeline: a file on disk becomes a private object and comes back as a presigned link.
//! Used by the command line and the window alike.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `links` (`tests/architecture.rs` holds it).

pub mod archive;
pub mod object_key;
pub mod secrets;
mod tree;

use crate::error::{Coded, ErrorCode};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use archive::ArchiveError;

use crate::Context;
use crate::credentials::CredentialsError;
use crate::links::Share;
use crate::local_store::LocalStoreError;
use crate::profiles::ProfileError;
use crate::profiles::expiry::Expiry;
use crate::profiles::expiry::ExpiryError;
use crate::storage::StorageError;
use crate::storage::encrypt;
use crate::storage::journal::{FileStamp, Journal, JournalError, Lease, Unfinished};
use crate::storage::presign::{self, PresignError};
use crate::storage::session::{Session, SessionError};
use crate::storage::upload::{self, Multipart, ProgressFn, UploadError};
use crate::system::paths::Paths;

/// The longest path LinkDrop takes, in bytes (Linux's PATH_MAX); longer is a mistake.
pub const MAX_PATH_BYTES: usize = 4096;

/// A path as a message shows it: whole when it is short, else its start and end around an
/// ellipsis, so that a runaway argument never makes a runaway message.
pub trait Shown {
    fn shown(&self) -> String;
}

impl Shown for Path {
    fn shown(&self) -> String {
        let text = self.to_string_lossy();
        if text.chars().count() <= 160 {
            return text.into_owned();
        }
        let head: String = text.chars().take(80).collect();
        let tail: String = text
            .chars()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail} ({} bytes)", self.as_os_str().len())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("an empty path: give the file to share")]
    EmptyPath,
    #[error("{}: the path is too long (over {MAX_PATH_BYTES} bytes, or a name over 255)", .path.shown())]
    PathTooLong { path: PathBuf },
    #[error("{} is not a full path: the window shares files by their full path", .path.shown())]
    NotAbsolute { path: PathBuf },
    #[error("{}: no such file", .path.shown())]
    NotFound { path: PathBuf },
    #[error("{}: its symbolic links loop (or nest too deep): point them at a real file", .path.shown())]
    SymlinkLoop { path: PathBuf },
    #[error("{} is a folder: share the files inside it, or zip it first", .path.shown())]
    IsDirectory { path: PathBuf },
    #[error("{} is not a regular file ({kind}): only files can be shared", .path.shown())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{}: cannot read it ({reason}): check its permissions", .path.shown())]
    Unreadable { path: PathBuf, reason: String },
    #[error(
        "{} looks like {what}: whoever gets the link gets a copy, and a key once shared has to be \
         replaced wherever it is used; nothing was shared",
        .path.shown()
    )]
    LooksSecret { path: PathBuf, what: String },
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    LocalStore(#[from] LocalStoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Presign(#[from] PresignError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Expiry(#[from] ExpiryError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl Coded for ShareError {
    fn code(&self) -> ErrorCode {
        match self {
            ShareError::EmptyPath => ErrorCode::EmptyPath,
            ShareError::PathTooLong { .. } => ErrorCode::PathTooLong,
            ShareError::NotAbsolute { .. } => ErrorCode::NotAbsolute,
            ShareError::SymlinkLoop { .. } => ErrorCode::SymlinkLoop,
            ShareError::NotFound { .. } => ErrorCode::NotFound,
            ShareError::IsDirectory { .. } => ErrorCode::IsDirectory,
            ShareError::NotAFile { .. } => ErrorCode::NotAFile,
            ShareError::Unreadable { .. } => ErrorCode::Unreadable,
            ShareError::LooksSecret { .. } => ErrorCode::LooksSecret,
            ShareError::Profile(e) => e.code(),
            ShareError::Session(e) => e.code(),
            ShareError::Credentials(e) => e.code(),
            ShareError::LocalStore(e) => e.code(),
            ShareError::Storage(e) | ShareError::Upload(UploadError::Storage(e)) => e.code(),
            ShareError::Upload(UploadError::Cancelled)
            | ShareError::Archive(ArchiveError::Cancelled) => ErrorCode::Cancelled,
            ShareError::Upload(UploadError::FileChanged { .. }) => ErrorCode::FileChanged,
            ShareError::Upload(_) => ErrorCode::Upload,
            ShareError::Presign(_) => ErrorCode::Presign,
            ShareError::Archive(_) => ErrorCode::Archive,
            ShareError::Expiry(_) => ErrorCode::Expiry,
            ShareError::Journal(_) => ErrorCode::Journal,
        }
    }
}

/// What happens to one file while it is shared, for progress displays.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "ShareEvent.ts")]
pub enum ShareEvent {
    /// The file (or the zip of a folder) is ready: its name and size as they will be shared, and
    /// how many hidden files and folders a folder's zip left out.
    Preparing {
        name: String,
        size: u64,
        hidden_left_out: u32,
    },
    Progress {
        sent: u64,
        total: u64,
        /// `Progress::percent` of the two: what the window shows.
        percent: u8,
    },
}

/// What the user agreed to for one share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShareOptions {
    /// Share it even though it looks like a secret (the user was asked, or passed `--allow-secrets`).
    pub allow_secrets: bool,
    /// A folder's hidden files and folders go in its zip too.
    pub include_hidden: bool,
    /// A folder is refused like any path that is not a file (the command line, where a folder is
    /// more often a slip of the glob than a wish) instead of shared as its zip (the window).
    pub refuse_folders: bool,
    /// Delete it from the bucket once its link expired (`None`: as the profile says).
    pub delete_after_expiry: Option<bool>,
}

impl ShareOptions {
    /// This share's word on deletion after expiry, over the profile's default.
    pub fn apply_to(&self, session: &mut Session) {
        if let Some(delete) = self.delete_after_expiry {
            session.profile.delete_after_expiry = delete;
        }
    }
}

/// The file, if it looks like a secret: what it looks like, in words.
pub fn looks_secret(file: &ShareableFile) -> Option<&'static str> {
    crate::share::secrets::looks_secret(&file.path, &file.file)
}

/// Shares whatever is at `path` with the named (or default) profile: a file as it is, a folder as a
/// zip archive. The one entry point for front ends that share one path a user drops; the command
/// line, which shares many at once, runs the same steps itself (`prepare` every path, one
/// `open_session`, `share_prepared` each).
pub async fn share_path(
    context: &Context,
    path: &Path,
    expiry: Option<Expiry>,
    profile: Option<&str>,
    options: ShareOptions,
    on_event: Arc<dyn Fn(ShareEvent) + Send + Sync>,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    // What a window drops or hands over is a full path; a relative one would depend on where
    // the app happened to start.
    if !path.as_os_str().is_empty() && !path.is_absolute() {
        return Err(ShareError::NotAbsolute {
            path: path.to_owned(),
        });
    }
    let prepared = prepare(&context.paths, path, options, cancel).await?;
    on_event(ShareEvent::Preparing {
        name: prepared.file.name.clone(),
        size: prepared.file.size,
        hidden_left_out: prepared.hidden_left_out.len() as u32,
    });
    let mut session = open_session(context, profile).await?;
    options.apply_to(&mut session);
    let progress: ProgressFn = Arc::new(move |p: upload::Progress| {
        on_event(ShareEvent::Progress {
            sent: p.sent,
            total: p.total,
            percent: p.percent().unwrap_or(0),
        })
    });
    let mut share = share_prepared(&session, &prepared, expiry, progress, cancel).await?;
    if let Some(port) = session.local_store_moved_from {
        share.warnings.insert(
            0,
            format!(
                "port {port} of the local store was taken by another program: the store moved to {}, and nothing was sent to port {port}; links made before point at the old port (re-issue them in the history)",
                session.bucket().endpoint
            ),
        );
    }
    Ok(share)
}

/// A path made ready to share, before anything is uploaded: the open file, or a folder's zip (kept
/// while this lives).
#[derive(Debug)]
pub struct Prepared {
    pub file: ShareableFile,
    /// What a folder's zip left out (hidden files and folders), by their path in the folder.
    pub hidden_left_out: Vec<String>,
    _archive: Option<archive::Archive>,
}

/// Checks `path` and opens it: a file as it is, a folder zipped in the data directory (unless
/// `options.refuse_folders`). What looks like a secret is refused unless `options.allow_secrets`.
pub async fn prepare(
    paths: &Paths,
    path: &Path,
    options: ShareOptions,
    cancel: &CancellationToken,
) -> Result<Prepared, ShareError> {
    if path.as_os_str().is_empty() {
        return Err(ShareError::EmptyPath);
    }
    let is_folder = std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false);
    if !is_folder || options.refuse_folders {
        let file = ShareableFile::check(path)?;
        if let Some(what) = looks_secret(&file)
            && !options.allow_secrets
        {
            return Err(ShareError::LooksSecret {
                path: path.to_owned(),
                what: what.to_owned(),
            });
        }
        return Ok(Prepared {
            file,
            hidden_left_out: Vec::new(),
            _archive: None,
        });
    }
    let (folder, temp, token) = (path.to_owned(), paths.temp_dir(), cancel.clone());
    let include_hidden = options.include_hidden;
    let archive = tokio::task::spawn_blocking(move || {
        archive::zip_folder(&folder, &temp, include_hidden, &token)
    })
    .await
    .map_err(|e| ArchiveError::Write {
        dir: paths.temp_dir(),
        detail: e.to_string(),
    })??;
    if let Some((name, what)) = archive.secrets.first()
        && !options.allow_secrets
    {
        return Err(ShareError::LooksSecret {
            path: path.to_owned(),
            what: format!("a folder holding {name}, which looks like {what}"),
        });
    }
    Ok(Prepared {
        file: archive.file.clone(),
        hidden_left_out: archive.hidden_left_out.clone(),
        _archive: Some(archive),
    })
}

/// A session on the named (or default) profile, ready for many shares.
pub async fn open_session(context: &Context, profile: Option<&str>) -> Result<Session, ShareError> {
    let book = context.profiles().await?;
    let profile = book.pick(profile)?.clone();
    Ok(Session::open(profile, &context.paths, &context.keychain).await?)
}

/// Shares a prepared path through `session`: the upload (or the resumed one), the link, its
/// history entry; what a folder's zip left out is said in the warnings.
pub async fn share_prepared(
    session: &Session,
    prepared: &Prepared,
    expiry: Option<Expiry>,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    let mut share = share_file(session, &prepared.file, expiry, on_progress, cancel).await?;
    if !prepared.hidden_left_out.is_empty() {
        share
            .warnings
            .push(left_out_warning(&prepared.hidden_left_out));
    }
    Ok(share)
}

/// "left out 3 hidden items (.env, .git, .DS_Store)": what a folder's zip does not hold.
pub(crate) fn left_out_warning(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    let more = if names.len() > 3 { ", …" } else { "" };
    let count = names.len();
    let items = if count == 1 { "item" } else { "items" };
    format!(
        "left out {count} hidden {items} ({}{more}): hidden files and folders stay out of a folder's zip unless asked for",
        shown.join(", ")
    )
}

/// A file that is fit to share: it exists, is a regular file and can be read. It is open: what is
/// shared is read from this very file, whatever its path points at later.
#[derive(Debug, Clone)]
pub struct ShareableFile {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub file: Arc<std::fs::File>,
    /// The open file as it was checked; it must still be so when the upload ends.
    pub stamp: FileStamp,
}

impl ShareableFile {
    /// The open file at `path` (a regular file), labelled `name` and `content_type`.
    pub fn opened(
        path: &Path,
        file: std::fs::File,
        name: String,
        content_type: String,
    ) -> std::io::Result<ShareableFile> {
        let stamp = FileStamp::of_file(&file)?;
        Ok(ShareableFile {
            path: path.to_owned(),
            name,
            size: stamp.size,
            content_type,
            file: Arc::new(file),
            stamp,
        })
    }
}

/// `ErrorKind::FilesystemLoop` is not stable yet: ask the errno.
fn is_symlink_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

impl ShareableFile {
    /// Checks the file before anything is uploaded, so bad input costs nothing.
    pub fn check(path: &Path) -> Result<Self, ShareError> {
        if path.as_os_str().is_empty() {
            return Err(ShareError::EmptyPath);
        }
        if path.as_os_str().len() > MAX_PATH_BYTES {
            return Err(ShareError::PathTooLong {
                path: path.to_owned(),
            });
        }
        let metadata = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ShareError::NotFound {
                    path: path.to_owned(),
                });
            }
            Err(e) if is_symlink_loop(&e) => {
                return Err(ShareError::SymlinkLoop {
                    path: path.to_owned(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidFilename => {
                return Err(ShareError::PathTooLong {
                    path: path.to_owned(),
                });
            }
            Err(e) => {
                return Err(ShareError::Unreadable {
                    path: path.to_owned(),
                    reason: e.kind().to_string(),
                });
            }
        };
        if metadata.is_dir() {
            return Err(ShareError::IsDirectory {
                path: path.to_owned(),
            });
        }
        if !metadata.is_file() {
            return Err(ShareError::NotAFile {
                path: path.to_owned(),
                kind: file_kind(&metadata),
            });
        }
        let unreadable = |e: std::io::Error| ShareError::Unreadable {
            path: path.to_owned(),
            reason: e.kind().to_string(),
        };
        let file = open_no_wait(path).map_err(unreadable)?;
        // What was opened may not be what was looked at (the path was swapped in between): only a
        // regular file is shared, whatever the path said a moment ago.
        let opened = file.metadata().map_err(unreadable)?;
        if !opened.is_file() {
            return Err(ShareError::NotAFile {
                path: path.to_owned(),
                kind: file_kind(&opened),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let content_type = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        ShareableFile::opened(path, file, name, content_type).map_err(unreadable)
    }
}

/// Opens for reading without waiting: a named pipe swapped in for the file after it was looked at
/// would otherwise block the open until a writer comes.
fn open_no_wait(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn file_kind(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = metadata.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = metadata;
    "not a file"
}

/// Uploads the file through the session under a fresh unguessable key (or resumes the upload of
/// this very file cut short earlier), presigns a link to it and records it in the history.
pub async fn share_file(
    session: &Session,
    file: &ShareableFile,
    expiry: Option<Expiry>,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    share_file_as(session, file, None, expiry, on_progress, cancel).await
}

/// Shares `file` encrypted with `key` as it is sent (`encrypt.rs`): the bucket gets only
/// ciphertext, under the name `data`, and its link names it so; the history keeps the file's real
/// name, type and size. Such an upload is not resumed (its nonces are fresh each time): one cut
/// short is written down only to be aborted.
pub async fn share_file_encrypted(
    session: &Session,
    file: &ShareableFile,
    key: &encrypt::Key,
    expiry: Option<Expiry>,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    share_file_as(session, file, Some(key), expiry, on_progress, cancel).await
}

async fn share_file_as(
    session: &Session,
    file: &ShareableFile,
    seal_with: Option<&encrypt::Key>,
    expiry: Option<Expiry>,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    // Credentials that are already dead would leave an object nobody has a link to: check first.
    presign::lifetime(
        expiry,
        session.credentials().expiry(),
        session.bucket().server_now(),
    )?;
    let stamp = file.stamp;
    let sealer = seal_with.map(|key| encrypt::Sealer::new(key, file.size, None));
    let (stored_name, stored_type, stored_size) = match &sealer {
        None => (file.name.as_str(), file.content_type.as_str(), file.size),
        Some(sealer) => (
            encrypt::ENCRYPTED_NAME,
            "application/octet-stream",
            sealer.stored_size(),
        ),
    };
    let source = upload::Source {
        path: &file.path,
        file: &file.file,
        size: stored_size,
        content_type: stored_type,
        stamp,
        sealer: sealer.as_ref(),
    };
    // Big files go in parts, written down before the first one; the same file shared again
    // after an upload was cut short picks up its parts.
    let journal = if stored_size > upload::MULTIPART_THRESHOLD {
        Some(std::sync::Mutex::new(Journal::open(
            &session.paths().data_dir,
        )?))
    } else {
        None
    };
    let canonical = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
    let earlier = match &journal {
        Some(_) if sealer.is_some() => None,
        Some(j) => lock(j)
            .resumable(&session.profile.name, &canonical, stamp)?
            .filter(|(u, _)| {
                let bucket = session.bucket();
                u.lives_in(&bucket.name, &bucket.endpoint, session.profile.local_store)
            }),
        None => None,
    };
    let (id, key) = match &earlier {
        Some((unfinished, _)) => (unfinished.share_id.clone(), unfinished.key.clone()),
        None => {
            let id = object_key::new_share_id();
            let folder = if session.profile.delete_after_expiry {
                object_key::expiring_prefix(
                    &session.profile.prefix,
                    expiry.as_secs() + session.profile.grace_or_default().as_secs(),
                )
            } else {
                session.profile.prefix.clone()
            };
            let key = object_key::object_key(&folder, &id, stored_name);
            (id, key)
        }
    };
    let resume = earlier.as_ref().map(|(u, _)| u.upload_id.clone());
    let resumed_from = earlier.as_ref().map(|(u, _)| u.started_at);
    let lease: std::sync::Mutex<Option<Lease>> =
        std::sync::Mutex::new(earlier.map(|(_, lease)| lease));
    let on_started = |upload_id: &str, part_size: u64, resumed: bool| -> Result<(), String> {
        let Some(journal) = &journal else {
            return Ok(());
        };
        if resumed {
            return Ok(());
        }
        let journal = lock(journal);
        let mut held = lock(&lease);
        // The upload to resume was gone from the server: its entry goes with it.
        if let Some(old) = held.take() {
            let _ = journal.finish(old);
        }
        let entry = Unfinished {
            upload_id: upload_id.to_owned(),
            share_id: id.clone(),
            profile: session.profile.name.clone(),
            endpoint: session.bucket().endpoint.clone(),
            bucket: session.bucket().name.clone(),
            key: key.clone(),
            path: canonical.clone(),
            stamp,
            part_size,
            expiry_secs: expiry.as_secs(),
            started_at: Utc::now(),
            // An encrypted upload cannot be resumed: if it is cut short, its parts are aborted.
            to_abort: sealer.is_some(),
        };
        *held = Some(journal.begin(&entry).map_err(|e| e.to_string())?);
        Ok(())
    };
    let multipart = Multipart {
        resume,
        on_started: &on_started,
    };
    let uploaded = upload::upload(
        session.bucket(),
        &key,
        &source,
        multipart,
        on_progress,
        cancel,
    )
    .await;
    let held = lock(&lease).take();
    if let (Some(journal), Some(held)) = (&journal, held) {
        let journal = lock(journal);
        let kept = match &uploaded {
            // The server went away before the parts could be aborted: next time it answers.
            Err(UploadError::AbortFailed { .. }) => journal.abort_later(&held),
            // Finished, or failed and cleaned up: nothing left to find.
            _ => journal.finish(held),
        };
        if let Err(e) = kept {
            tracing::warn!("the list of unfinished uploads is out of date: {e}");
        }
    }
    let uploaded = uploaded?;
    let link = presign::presign_get(
        session.bucket(),
        &key,
        stored_name,
        expiry,
        session.credentials().expiry(),
    )
    .await?;
    let mut share = Share {
        id,
        url: link.url,
        expires_at: link.expires_at,
        name: file.name.clone(),
        size: file.size,
        content_type: file.content_type.clone(),
        profile: session.profile.name.clone(),
        bucket: session.bucket().name.clone(),
        key,
        e_tag: uploaded.e_tag,
        encrypted: sealer.is_some(),
        deletes_at: session
            .profile
            .delete_after_expiry
            .then(|| link.expires_at + session.profile.grace_or_default().duration()),
        warnings: {
            let mut warnings = link.warnings;
            if let Some(started) = resumed_from
                && uploaded.reused_parts > 0
            {
                warnings.insert(
                    0,
                    format!(
                        "resumed the upload cut short on {}: {} of its parts were already on the server",
                        started.format("%Y-%m-%d %H:%M UTC"),
                        uploaded.reused_parts
                    ),
                );
            }
            warnings
        },
    };
    crate::links::record(session.paths(), &mut share, &session.bucket().endpoint);
    Ok(share)
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checking_refuses_what_cannot_be_shared() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            ShareableFile::check(&dir.path().join("missing")),
            Err(ShareError::NotFound { .. })
        ));
        assert!(matches!(
            ShareableFile::check(dir.path()),
            Err(ShareError::IsDirectory { .. })
        ));
        #[cfg(unix)]
        assert!(matches!(
            ShareableFile::check(Path::new("/dev/null")),
            Err(ShareError::NotAFile {
                kind: "a device",
                ..
            })
        ));
    }

    #[test]
    fn odd_paths_get_clear_errors_that_stay_short() {
        assert!(matches!(
            ShareableFile::check(Path::new("")),
            Err(ShareError::EmptyPath)
        ));
        let huge = PathBuf::from("/tmp/".to_owned() + &"n".repeat(10 * 1024 * 1024));
        let err = ShareableFile::check(&huge).unwrap_err();
        assert!(matches!(err, ShareError::PathTooLong { .. }));
        let message = err.to_string();
        assert!(message.len() < 400, "{} bytes of message", message.len());
        assert!(message.contains("10485765 bytes"), "{message}");
        let long_name = PathBuf::from("/tmp/".to_owned() + &"n".repeat(300));
        assert!(matches!(
            ShareableFile::check(&long_name),
            Err(ShareError::PathTooLong { .. })
        ));
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let (a, b) = (dir.path().join("a"), dir.path().join("b"));
            std::os::unix::fs::symlink(&b, &a).unwrap();
            std::os::unix::fs::symlink(&a, &b).unwrap();
            let err = ShareableFile::check(&a).unwrap_err();
            assert!(matches!(err, ShareError::SymlinkLoop { .. }), "{err}");
        }
    }

    /// What the window sends is checked like the command line's arguments: a relative path
    /// would resolve against wherever the app happened to start.
    #[tokio::test]
    async fn the_window_must_send_absolute_paths() {
        let dir = tempfile::tempdir().unwrap();
        let context = Context::scratch(dir.path());
        let share = |path: &'static str| {
            let context = &context;
            async move {
                share_path(
                    context,
                    Path::new(path),
                    None,
                    None,
                    ShareOptions::default(),
                    Arc::new(|_| {}),
                    &CancellationToken::new(),
                )
                .await
            }
        };
        assert!(matches!(share("").await, Err(ShareError::EmptyPath)));
        let err = share("notes.txt").await.unwrap_err();
        assert!(matches!(err, ShareError::NotAbsolute { .. }), "{err}");
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert!(!dir.path().join("data").exists(), "nothing was written");
    }

    #[test]
    fn checking_reads_name_size_and_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo of me.png");
        std::fs::write(&path, b"12345").unwrap();
        let file = ShareableFile::check(&path).unwrap();
        assert_eq!(file.name, "photo of me.png");
        assert_eq!(file.size, 5);
        assert_eq!(file.content_type, "image/png");
        let other = dir.path().join("data.unknownext");
        std::fs::write(&other, b"").unwrap();
        assert_eq!(
            ShareableFile::check(&other).unwrap().content_type,
            "application/octet-stream"
        );
    }
}
