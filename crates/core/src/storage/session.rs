//! A profile connected and ready to share into: its credentials resolved, the embedded store
//! started (and proved the user's own) behind a local profile, the bucket checked, and the uploads
//! it left unfinished aborted or offered for resuming.

use crate::error::{Coded, ErrorCode};
use chrono::Utc;

use crate::credentials::{self, CredentialsError, Keychain, Resolved};
use crate::local_store::{self, LocalStoreError};
use crate::profiles::Profile;
use crate::storage::journal::{self, Journal, Unfinished};
use crate::storage::upload;
use crate::storage::{Bucket, StorageError};
use crate::system::paths::Paths;

/// Why a profile could not be connected.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    LocalStore(#[from] LocalStoreError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Coded for SessionError {
    fn code(&self) -> ErrorCode {
        match self {
            SessionError::Credentials(e) => e.code(),
            SessionError::LocalStore(e) => e.code(),
            SessionError::Storage(e) => e.code(),
        }
    }
}

/// Makes sure the user's own embedded store answers behind a local-store profile (starting it,
/// or moving it off a port a stranger took). `None` for any other profile.
pub async fn start_local_store(
    profile: &Profile,
    paths: &Paths,
    credentials: &Resolved,
) -> Result<Option<local_store::Running>, LocalStoreError> {
    if !profile.local_store {
        return Ok(None);
    }
    local_store::ensure_running(profile, paths, credentials.credentials.secret_access_key())
        .await
        .map(Some)
}

/// A profile connected and ready to share into; open it once for many files.
pub struct Session {
    pub profile: Profile,
    credentials: Resolved,
    bucket: Bucket,
    paths: Paths,
    /// Uploads of this profile cut short earlier that sharing the same file again resumes.
    pub resumable: Vec<Unfinished>,
    /// Set when this session had to start the local store.
    pub started_local_store: bool,
    /// The local store's port was taken by a stranger: the store moved from this one.
    pub local_store_moved_from: Option<u16>,
}

impl Session {
    pub async fn open(
        profile: Profile,
        paths: &Paths,
        keychain: &Keychain,
    ) -> Result<Session, SessionError> {
        let credentials = credentials::resolve(&profile, keychain, paths).await?;
        // Nothing goes to the local store before it has proved it is the user's own.
        let (profile, started_local_store, local_store_moved_from) =
            match start_local_store(&profile, paths, &credentials).await? {
                Some(running) => (running.profile, running.started, running.moved_from),
                None => (profile, false, None),
            };
        let bucket = Bucket::connect(&profile, &credentials).await?;
        let resumable = clean_up_abandoned(paths, &profile, &bucket).await;
        Ok(Session {
            paths: paths.clone(),
            resumable,
            profile,
            credentials,
            bucket,
            started_local_store,
            local_store_moved_from,
        })
    }

    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// What signs this session's requests and links.
    pub fn credentials(&self) -> &Resolved {
        &self.credentials
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// When the signing credentials stop working, if they are temporary.
    pub fn credentials_expiry(&self) -> Option<std::time::SystemTime> {
        self.credentials.expiry()
    }
}

/// Aborts this profile's abandoned multipart uploads that cannot be resumed (their file changed
/// or went away, they waited a week, or aborting them failed earlier) and returns those that can.
/// A server that still does not answer keeps them for the next time.
async fn clean_up_abandoned(paths: &Paths, profile: &Profile, bucket: &Bucket) -> Vec<Unfinished> {
    let journal = match Journal::open(&paths.data_dir) {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!("cannot look for unfinished uploads: {e}");
            return Vec::new();
        }
    };
    let abandoned = match journal.abandoned(&profile.name) {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!("cannot look for unfinished uploads: {e}");
            return Vec::new();
        }
    };
    let mut resumable = Vec::new();
    for (unfinished, lease) in abandoned {
        // Another bucket's, or another server's (the profile was pointed elsewhere since): not
        // this session's to abort or resume; it waits for a profile that reaches it.
        if !unfinished.lives_in(&bucket.name, &bucket.endpoint, profile.local_store) {
            continue;
        }
        if journal::fate(&unfinished, Utc::now()) == journal::Fate::Resumable {
            resumable.push(unfinished);
            continue;
        }
        match upload::abort(bucket, &unfinished.key, &unfinished.upload_id).await {
            Ok(()) => {
                tracing::info!(key = %unfinished.key, "aborted an upload cut short earlier");
                if let Err(e) = journal.finish(lease) {
                    tracing::warn!("the list of unfinished uploads is out of date: {e}");
                }
            }
            Err(e) => {
                tracing::warn!(key = %unfinished.key, "cannot clean up an upload cut short earlier yet: {e}")
            }
        }
    }
    resumable
}

/// The uploads cut short earlier, of any profile, that sharing the same file again would resume
/// (without asking any server: what a front end offers to resume at start).
pub fn resumable_uploads(paths: &Paths) -> Vec<Unfinished> {
    let Ok(journal) = Journal::open(&paths.data_dir) else {
        return Vec::new();
    };
    let Ok(all) = journal.all(None) else {
        return Vec::new();
    };
    let now = Utc::now();
    all.into_iter()
        .filter(|u| {
            journal
                .abandoned(&u.profile)
                .is_ok_and(|a| a.iter().any(|(x, _)| x.upload_id == u.upload_id))
        })
        .filter(|u| journal::fate(u, now) == journal::Fate::Resumable)
        .collect()
}

/// Opens a session for every profile with abandoned uploads to abort, which aborts them; a
/// server that does not answer keeps them for later. What a front end runs at start.
pub async fn clean_up_abandoned_everywhere(paths: &Paths, keychain: &Keychain) {
    let mut profiles: Vec<String> = {
        let Ok(journal) = Journal::open(&paths.data_dir) else {
            return;
        };
        let now = Utc::now();
        journal
            .all(None)
            .unwrap_or_default()
            .into_iter()
            .filter(|u| journal::fate(u, now) == journal::Fate::Abort)
            .map(|u| u.profile)
            .collect()
    };
    profiles.sort();
    profiles.dedup();
    if profiles.is_empty() {
        return;
    }
    let Ok(book) = local_store::profiles(paths).await else {
        return;
    };
    for name in profiles {
        let Ok(profile) = book.get(&name) else {
            continue;
        };
        if let Err(e) = Session::open(profile.clone(), paths, keychain).await {
            tracing::warn!(profile = %name, "cannot clean up uploads cut short yet: {e}");
        }
    }
}
