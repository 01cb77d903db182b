//! What can be done to a link after it was handed out: re-issue it (presign again, without
//! uploading again, after checking the object is still the one shared), revoke it (delete the
//! object, which kills every link to it) or forget it. Used by the command line and the window.

use crate::expiry::Expiry;
use crate::history::{History, HistoryEntry, HistoryError, LinkState};
use crate::presign;
use crate::share::{Context, Session, Share, ShareError};
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(
        "{name} is no longer in bucket {bucket:?} (deleted elsewhere?): the link cannot be re-issued; share the file again"
    )]
    ObjectMissing { name: String, bucket: String },
    #[error(
        "{name} was replaced in bucket {bucket:?} since it was shared: the link cannot be re-issued; share the file again"
    )]
    ObjectChanged { name: String, bucket: String },
    #[error(
        "{name} was revoked: its object is deleted, so no link can be issued; share the file again"
    )]
    Revoked { name: String },
}

impl Context {
    pub fn history_path(&self) -> std::path::PathBuf {
        self.paths.data_dir.join("history.sqlite3")
    }

    pub fn history(&self) -> Result<History, HistoryError> {
        History::open(&self.history_path())
    }
}

/// Someone who has not used LinkDrop yet: no link in the history and no bucket of their own (only
/// the embedded store). The window greets them with a choice instead of an empty screen.
pub fn is_new_user(context: &Context, book: &crate::profiles::ProfileBook) -> bool {
    let only_local = book.profiles.iter().all(|p| p.local_store);
    let no_links = context
        .history()
        .and_then(|h| h.count(&crate::history::Query::default(), chrono::Utc::now()))
        .is_ok_and(|n| n == 0);
    only_local && no_links
}

/// Records a fresh share; a ledger that cannot be written costs the ledger entry, not the link.
pub fn record(context: &Context, share: &mut Share, endpoint: &str) {
    if let Err(e) = context.history().and_then(|h| h.record(share, endpoint)) {
        share
            .warnings
            .push(format!("the link works but is not in the history: {e}"));
    }
}

async fn session_for(context: &Context, entry: &HistoryEntry) -> Result<Session, ShareError> {
    let book = context.profiles().await?;
    let profile = book.get(&entry.profile)?.clone();
    Session::open(profile, &context.paths, &context.keychain).await
}

/// A fresh link to the same object, after checking it is still there and unchanged.
pub async fn reissue(
    context: &Context,
    id: &str,
    expiry: Option<Expiry>,
) -> Result<Share, LedgerError> {
    let history = context.history()?;
    let entry = history.get(id)?;
    if entry.state == LinkState::Revoked {
        return Err(LedgerError::Revoked { name: entry.name });
    }
    let session = session_for(context, &entry).await?;
    let bucket = session.bucket();
    let head = bucket
        .client
        .head_object()
        .bucket(&entry.bucket)
        .key(&entry.key)
        .send()
        .await;
    let current = match head {
        Ok(head) => head,
        Err(e) => {
            let err = bucket.classify(e, "read it");
            let gone = matches!(&err, StorageError::NoSuchBucket { .. })
                || matches!(&err, StorageError::Service { code, .. } if code == "NoSuchKey" || code == "HTTP 404");
            if gone {
                history.set_state(id, LinkState::Missing)?;
                return Err(LedgerError::ObjectMissing {
                    name: entry.name,
                    bucket: entry.bucket,
                });
            }
            return Err(ShareError::Storage(err).into());
        }
    };
    if entry.e_tag.is_some() && current.e_tag() != entry.e_tag.as_deref() {
        history.set_state(id, LinkState::Missing)?;
        return Err(LedgerError::ObjectChanged {
            name: entry.name,
            bucket: entry.bucket,
        });
    }
    let expiry = expiry.unwrap_or_else(|| session.profile.expiry_or_default());
    let link = presign::presign_get(
        bucket,
        &entry.key,
        &entry.name,
        expiry,
        session.credentials_expiry(),
    )
    .await
    .map_err(ShareError::from)?;
    history.reissued(id, &link.url, link.expires_at)?;
    Ok(Share {
        id: entry.id,
        url: link.url,
        expires_at: link.expires_at,
        name: entry.name,
        size: entry.size,
        content_type: entry.content_type,
        profile: entry.profile,
        bucket: entry.bucket,
        key: entry.key,
        e_tag: entry.e_tag,
        warnings: link.warnings,
    })
}

/// Deletes the object, which kills every link to it; the entry stays, marked revoked.
pub async fn revoke(context: &Context, id: &str) -> Result<HistoryEntry, LedgerError> {
    let history = context.history()?;
    let entry = history.get(id)?;
    delete_object(context, &entry).await?;
    history.set_state(id, LinkState::Revoked)?;
    Ok(history.get(id)?)
}

/// Removes the entry from the history; with `delete_object`, the object too.
pub async fn forget(
    context: &Context,
    id: &str,
    delete: bool,
) -> Result<HistoryEntry, LedgerError> {
    let history = context.history()?;
    let entry = history.get(id)?;
    if delete && entry.state != LinkState::Revoked {
        delete_object(context, &entry).await?;
    }
    history.remove(id)?;
    Ok(entry)
}

async fn delete_object(context: &Context, entry: &HistoryEntry) -> Result<(), LedgerError> {
    let session = session_for(context, entry).await?;
    let bucket = session.bucket();
    bucket
        .client
        .delete_object()
        .bucket(&entry.bucket)
        .key(&entry.key)
        .send()
        .await
        .map_err(|e| ShareError::Storage(bucket.classify(e, "delete from it")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{Profile, ProfileBook};

    fn profile(name: &str, local_store: bool) -> Profile {
        Profile {
            local_store,
            ..Profile::new(name, "my-bucket")
        }
    }

    #[test]
    fn a_new_user_has_no_links_and_no_bucket_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let context = Context::scratch(dir.path());
        let mut book = ProfileBook::default();
        book.add(profile("local", true), true).unwrap();
        assert!(is_new_user(&context, &book));
        book.add(profile("work", false), false).unwrap();
        assert!(!is_new_user(&context, &book));
    }
}
