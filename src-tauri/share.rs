//! The share pipeline: a file on disk becomes a private object and comes back as a presigned link.
//! Used by the command line and the window alike.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::archive::{self, ArchiveError};
use crate::credentials::{self, CredentialsError, Keychain, Resolved};
use crate::expiry::Expiry;
use crate::expiry::ExpiryError;
use crate::local_store::{self, LocalStoreError};
use crate::object_key;
use crate::paths::Paths;
use crate::presign::{self, PresignError};
use crate::profiles::{Profile, ProfileError};
use crate::storage::{Bucket, StorageError};
use crate::upload::{self, ProgressFn, UploadError};

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },
    #[error("{path} is a folder: share the files inside it, or zip it first")]
    IsDirectory { path: PathBuf },
    #[error("{path} is not a regular file ({kind}): only files can be shared")]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{path}: cannot read it ({reason}): check its permissions")]
    Unreadable { path: PathBuf, reason: String },
    #[error(transparent)]
    Profile(#[from] ProfileError),
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
}

impl ShareError {
    /// A stable, machine-readable name for the kind of failure, for front ends to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ShareError::NotFound { .. } => "not_found",
            ShareError::IsDirectory { .. } => "is_directory",
            ShareError::NotAFile { .. } => "not_a_file",
            ShareError::Unreadable { .. } => "unreadable",
            ShareError::Profile(_) => "profile",
            ShareError::Credentials(_) => "credentials",
            ShareError::LocalStore(_) => "local_store",
            ShareError::Storage(e) | ShareError::Upload(UploadError::Storage(e)) => e.code(),
            ShareError::Upload(UploadError::Cancelled)
            | ShareError::Archive(ArchiveError::Cancelled) => "cancelled",
            ShareError::Upload(_) => "upload",
            ShareError::Presign(_) => "presign",
            ShareError::Archive(_) => "archive",
            ShareError::Expiry(_) => "expiry",
        }
    }
}

/// What happens to one file while it is shared, for progress displays.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "ShareEvent.ts")]
pub enum ShareEvent {
    /// The file (or the zip of a folder) is ready: its name and size as they will be shared.
    Preparing {
        name: String,
        size: u64,
    },
    Progress {
        sent: u64,
        total: u64,
    },
}

/// Where LinkDrop's files and secrets are, for the share pipeline.
#[derive(Debug, Clone)]
pub struct Context {
    pub paths: Paths,
    pub keychain: Keychain,
}

impl Context {
    /// The profile book, with the local profile made on first run (off the async workers: the
    /// keychain blocks on D-Bus).
    pub async fn profiles(&self) -> Result<crate::profiles::ProfileBook, LocalStoreError> {
        let (paths, keychain) = (self.paths.clone(), self.keychain.clone());
        tokio::task::spawn_blocking(move || local_store::load_or_init_profiles(&paths, &keychain))
            .await
            .map_err(|e| LocalStoreError::Io {
                path: self.paths.config_dir.clone(),
                source: std::io::Error::other(e),
            })?
    }
}

/// Shares whatever is at `path` with the named (or default) profile: a file as it is, a folder as a
/// zip archive. The one entry point for front ends that take any path a user drops.
pub async fn share_path(
    context: &Context,
    path: &Path,
    expiry: Option<Expiry>,
    profile: Option<&str>,
    on_event: Arc<dyn Fn(ShareEvent) + Send + Sync>,
    cancel: &CancellationToken,
) -> Result<Share, ShareError> {
    let is_folder = std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false);
    let mut _archive = None;
    let file = if is_folder {
        let (folder, temp, token) = (
            path.to_owned(),
            context.paths.data_dir.join("tmp"),
            cancel.clone(),
        );
        let archive =
            tokio::task::spawn_blocking(move || archive::zip_folder(&folder, &temp, &token))
                .await
                .map_err(|e| ArchiveError::Write {
                    dir: context.paths.data_dir.join("tmp"),
                    detail: e.to_string(),
                })??;
        let file = archive.file.clone();
        _archive = Some(archive);
        file
    } else {
        ShareableFile::check(path)?
    };
    on_event(ShareEvent::Preparing {
        name: file.name.clone(),
        size: file.size,
    });
    let book = context.profiles().await?;
    let profile = book.pick(profile)?.clone();
    let session = Session::open(profile, &context.paths, &context.keychain).await?;
    let progress: ProgressFn = Arc::new(move |p: upload::Progress| {
        on_event(ShareEvent::Progress {
            sent: p.sent,
            total: p.total,
        })
    });
    let mut share = session.share(&file, expiry, progress, cancel).await?;
    crate::ledger::record(context, &mut share, &session.bucket().endpoint);
    Ok(share)
}

/// One shared file: what `share --json` prints, one object per file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
#[ts(export_to = "Share.ts")]
pub struct Share {
    pub id: String,
    pub url: String,
    /// RFC 3339, in UTC, whole seconds.
    #[ts(type = "string")]
    pub expires_at: DateTime<Utc>,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub profile: String,
    pub bucket: String,
    pub key: String,
    pub e_tag: Option<String>,
    pub warnings: Vec<String>,
}

/// A file that is fit to share: it exists, is a regular file and can be read.
#[derive(Debug, Clone)]
pub struct ShareableFile {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

impl ShareableFile {
    /// Checks the file before anything is uploaded, so bad input costs nothing.
    pub fn check(path: &Path) -> Result<Self, ShareError> {
        let metadata = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ShareError::NotFound {
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
        std::fs::File::open(path).map_err(|e| ShareError::Unreadable {
            path: path.to_owned(),
            reason: e.kind().to_string(),
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".to_owned());
        let content_type = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        Ok(ShareableFile {
            path: path.to_owned(),
            name,
            size: metadata.len(),
            content_type,
        })
    }
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

/// Starts the embedded store behind a local-store profile when it is not running (off the async
/// workers: it waits for the store to answer). True when it had to start it.
pub async fn start_local_store(profile: &Profile, paths: &Paths) -> Result<bool, LocalStoreError> {
    if !profile.local_store {
        return Ok(false);
    }
    let (p, paths) = (profile.clone(), paths.clone());
    tokio::task::spawn_blocking(move || local_store::ensure_running(&p, &paths))
        .await
        .map_err(|e| LocalStoreError::Io {
            path: PathBuf::from("linkdrop serve"),
            source: std::io::Error::other(e),
        })?
}

/// A profile connected and ready to share into; open it once for many files.
pub struct Session {
    pub profile: Profile,
    credentials: Resolved,
    bucket: Bucket,
    /// Set when this session had to start the local store.
    pub started_local_store: bool,
}

impl Session {
    pub async fn open(
        profile: Profile,
        paths: &Paths,
        keychain: &Keychain,
    ) -> Result<Session, ShareError> {
        let started_local_store = start_local_store(&profile, paths).await?;
        let credentials = credentials::resolve(&profile, keychain).await?;
        let bucket = Bucket::connect(&profile, &credentials).await?;
        Ok(Session {
            profile,
            credentials,
            bucket,
            started_local_store,
        })
    }

    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// When the signing credentials stop working, if they are temporary.
    pub fn credentials_expiry(&self) -> Option<std::time::SystemTime> {
        self.credentials.expiry()
    }

    /// Uploads the file under a fresh unguessable key and presigns a link to it.
    pub async fn share(
        &self,
        file: &ShareableFile,
        expiry: Option<Expiry>,
        on_progress: ProgressFn,
        cancel: &CancellationToken,
    ) -> Result<Share, ShareError> {
        let expiry = expiry.unwrap_or_else(|| self.profile.expiry_or_default());
        // Credentials that are already dead would leave an object nobody has a link to: check first.
        presign::lifetime(expiry, self.credentials.expiry(), self.bucket.server_now())?;
        let id = object_key::new_share_id();
        let key = object_key::object_key(&self.profile.prefix, &id, &file.name);
        let source = upload::Source {
            path: &file.path,
            size: file.size,
            content_type: &file.content_type,
        };
        let uploaded = upload::upload(&self.bucket, &key, &source, on_progress, cancel).await?;
        let link = presign::presign_get(
            &self.bucket,
            &key,
            &file.name,
            expiry,
            self.credentials.expiry(),
        )
        .await?;
        Ok(Share {
            id,
            url: link.url,
            expires_at: link.expires_at,
            name: file.name.clone(),
            size: uploaded.size,
            content_type: file.content_type.clone(),
            profile: self.profile.name.clone(),
            bucket: self.bucket.name.clone(),
            key,
            e_tag: uploaded.e_tag,
            warnings: link.warnings,
        })
    }
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
