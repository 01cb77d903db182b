//! What can be done to a link after it was handed out: re-issue it (presign again, without
//! uploading again, after checking the object is still the one shared), revoke it (delete the
//! object, which kills every link to it) or forget it. Used by the command line and the window.
//!
//! Each acts on the endpoint and bucket the entry was shared to, never on wherever its profile
//! points today: a profile edited since (another endpoint, another bucket) would delete nothing
//! and report success. Revoking says "revoked" only once the object is gone and its link refused.

use super::Share;
use crate::Context;
use crate::error::{Coded, ErrorCode};
use crate::links::history::{HistoryEntry, HistoryError, LinkState};
use crate::local_store::LocalStoreError;
use crate::profiles::expiry::Expiry;
use crate::profiles::{Profile, ProfileBook};
use crate::storage::StorageError;
use crate::storage::presign::{self, PresignError};
use crate::storage::session::{Session, SessionError};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    LocalStore(#[from] LocalStoreError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Presign(#[from] PresignError),
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
    #[error(
        "{name} is gone from the bucket: it was deleted after its link expired, as it was shared to be; share the file again for a new link"
    )]
    Deleted { name: String },
    #[error(transparent)]
    Unreachable(Box<Unreachable>),
    #[error(
        "{name} is NOT revoked: {endpoint} accepted the deletion, but {what}. Check the bucket \
         (versioning, a replica, a cache in front of it) and try again"
    )]
    StillServed {
        name: String,
        endpoint: String,
        what: &'static str,
    },
}

impl Coded for LedgerError {
    fn code(&self) -> ErrorCode {
        match self {
            LedgerError::History(crate::links::history::HistoryError::NotFound { .. }) => {
                ErrorCode::NotInHistory
            }
            LedgerError::History(_) => ErrorCode::History,
            LedgerError::LocalStore(e) => e.code(),
            LedgerError::Session(e) => e.code(),
            LedgerError::Storage(e) => e.code(),
            LedgerError::Presign(_) => ErrorCode::Presign,
            LedgerError::ObjectMissing { .. } => ErrorCode::ObjectMissing,
            LedgerError::ObjectChanged { .. } => ErrorCode::ObjectChanged,
            LedgerError::Revoked { .. } => ErrorCode::Revoked,
            LedgerError::Deleted { .. } => ErrorCode::Deleted,
            LedgerError::Unreachable(_) => ErrorCode::Unreachable,
            LedgerError::StillServed { .. } => ErrorCode::StillServed,
        }
    }
}

/// No profile reaches the bucket and endpoint an entry was shared to.
#[derive(Debug, thiserror::Error)]
#[error(
    "{name} was shared to bucket {bucket:?} at {endpoint}, and no profile reaches it now \
     (profile {profile:?} {now}): nothing was done. Point a profile at that endpoint and \
     bucket again, then try again{until}"
)]
pub struct Unreachable {
    pub name: String,
    pub bucket: String,
    pub endpoint: String,
    pub profile: String,
    /// What became of the profile: "points at …", "no longer exists".
    pub now: String,
    /// For a revoke: how long the link keeps working meanwhile.
    pub until: String,
}

/// Someone who has not used LinkDrop yet: no link in the history and no bucket of their own (only
/// the embedded store). The window greets them with a choice instead of an empty screen.
pub fn is_new_user(context: &Context, book: &crate::profiles::ProfileBook) -> bool {
    let only_local = book.profiles.iter().all(|p| p.local_store);
    let no_links = crate::links::history(&context.paths)
        .and_then(|h| h.count(&crate::links::history::Query::default(), chrono::Utc::now()))
        .is_ok_and(|n| n == 0);
    only_local && no_links
}

/// Records a fresh share; a ledger that cannot be written costs the ledger entry, not the link.
pub fn record(paths: &crate::system::paths::Paths, share: &mut Share, endpoint: &str) {
    if let Err(e) = super::history(paths).and_then(|h| h.record(share, endpoint)) {
        share
            .warnings
            .push(format!("the link works but is not in the history: {e}"));
    }
}

/// Whether `profile` gets to the bucket and endpoint `entry` was shared to.
fn reaches(profile: &Profile, entry: &HistoryEntry) -> bool {
    if profile.local_store {
        // The data dir's one store, wherever its port has moved since.
        return entry.profile == profile.name
            || crate::storage::same_endpoint(profile.endpoint.as_deref(), &entry.endpoint);
    }
    match profile.endpoint.as_deref() {
        Some(endpoint) => crate::storage::same_endpoint(Some(endpoint), &entry.endpoint),
        // AWS: bucket names are global, whatever region the entry's endpoint named.
        None => url::Url::parse(&entry.endpoint).is_ok_and(|u| {
            u.host_str()
                .is_some_and(|h| h.to_ascii_lowercase().ends_with(".amazonaws.com"))
        }),
    }
}

/// The profile that reaches the entry's bucket: its own when it still does, else any that does.
fn profile_for<'a>(
    book: &'a ProfileBook,
    entry: &HistoryEntry,
    until: String,
) -> Result<&'a Profile, LedgerError> {
    let own = book.get(&entry.profile).ok();
    own.filter(|p| reaches(p, entry))
        .or_else(|| book.profiles.iter().find(|p| reaches(p, entry)))
        .ok_or_else(|| {
            LedgerError::Unreachable(Box::new(Unreachable {
                name: entry.name.clone(),
                bucket: entry.bucket.clone(),
                endpoint: entry.endpoint.clone(),
                profile: entry.profile.clone(),
                now: match own {
                    Some(p) => format!(
                        "points at bucket {:?} at {}",
                        p.bucket,
                        p.endpoint.as_deref().unwrap_or("AWS S3")
                    ),
                    None => "no longer exists".to_owned(),
                },
                until,
            }))
        })
}

/// A session on the entry's own bucket, through a profile that reaches it.
pub async fn session_for(
    context: &Context,
    entry: &HistoryEntry,
    until: String,
) -> Result<Session, LedgerError> {
    let book = context.profiles().await?;
    let mut profile = profile_for(&book, entry, until)?.clone();
    profile.bucket = entry.bucket.clone();
    Session::open(profile, &context.paths, &context.keychain)
        .await
        .map_err(LedgerError::from)
}

/// The object is missing at the server (as opposed to the server failing to say).
fn is_missing(err: &StorageError) -> bool {
    // A HEAD has no body to name the error: its 404 comes as NoSuchBucket.
    matches!(
        err,
        StorageError::NoSuchBucket { .. } | StorageError::NoSuchKey { .. }
    )
}

/// A share to be deleted lives in a folder of days (`storage::folders`) that the bucket's
/// lifecycle rule, once installed, empties that many days after each object was written: a
/// re-issued link never outlasts it, and says so when it is cut short.
pub fn lifecycle_cap(
    entry: &HistoryEntry,
    expiry: Expiry,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Expiry, Option<String>), LedgerError> {
    let Some(days) = crate::storage::folders::expire_days(&entry.key) else {
        return Ok((expiry, None));
    };
    let end = entry.created_at + chrono::TimeDelta::days(i64::try_from(days).unwrap_or(0));
    let left = u64::try_from((end - now).num_seconds()).unwrap_or(0);
    if expiry.as_secs() <= left {
        return Ok((expiry, None));
    }
    let until = end.format("%Y-%m-%d %H:%M UTC");
    let capped = Expiry::from_secs(left).map_err(|_| LedgerError::Deleted {
        name: entry.name.clone(),
    })?;
    Ok((
        capped,
        Some(format!(
            "it was shared to be deleted: the bucket's lifecycle rule may delete it from {until}, so the link lasts until then"
        )),
    ))
}

/// A fresh link to the same object, after checking it is still there and unchanged.
pub async fn reissue(
    context: &Context,
    id: &str,
    expiry: Option<Expiry>,
) -> Result<Share, LedgerError> {
    let history = super::history(&context.paths)?;
    let entry = history.get(id)?;
    match entry.state {
        LinkState::Revoked => return Err(LedgerError::Revoked { name: entry.name }),
        LinkState::Deleted => return Err(LedgerError::Deleted { name: entry.name }),
        _ => {}
    }
    let session = session_for(context, &entry, String::new()).await?;
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
            if is_missing(&err) {
                history.set_state(id, LinkState::Missing)?;
                return Err(LedgerError::ObjectMissing {
                    name: entry.name,
                    bucket: entry.bucket,
                });
            }
            return Err(LedgerError::Storage(err));
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
    let (expiry, capped) = lifecycle_cap(&entry, expiry, chrono::Utc::now())?;
    // An encrypted object's link names it as its object is named: nothing about the file.
    let signed_name = if entry.encrypted {
        crate::storage::encrypt::ENCRYPTED_NAME
    } else {
        &entry.name
    };
    let link = presign::presign_get(
        bucket,
        &entry.key,
        signed_name,
        expiry,
        session.credentials_expiry(),
    )
    .await?;
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
        encrypted: entry.encrypted,
        deletes_at: entry
            .deletes_at
            .map(|at| link.expires_at + (at - entry.expires_at)),
        warnings: capped.into_iter().chain(link.warnings).collect(),
    })
}

/// Deletes the object, which kills every link to it; the entry stays, marked revoked.
pub async fn revoke(context: &Context, id: &str) -> Result<HistoryEntry, LedgerError> {
    let history = super::history(&context.paths)?;
    let entry = history.get(id)?;
    delete_object(context, &entry).await?;
    history.set_state(id, LinkState::Revoked)?;
    Ok(history.get(id)?)
}

/// Deletes the object of a link that has expired and asked to be deleted then; the entry stays,
/// marked deleted (a re-issue says why there is nothing to sign).
pub async fn delete_expired(context: &Context, id: &str) -> Result<HistoryEntry, LedgerError> {
    let history = super::history(&context.paths)?;
    let entry = history.get(id)?;
    delete_object(context, &entry).await?;
    history.set_state(id, LinkState::Deleted)?;
    Ok(history.get(id)?)
}

/// Removes the entry from the history; with `delete_object`, the object too.
pub async fn forget(
    context: &Context,
    id: &str,
    delete: bool,
) -> Result<HistoryEntry, LedgerError> {
    let history = super::history(&context.paths)?;
    let entry = history.get(id)?;
    if delete && entry.state != LinkState::Revoked {
        delete_object(context, &entry).await?;
    }
    history.remove(id)?;
    Ok(entry)
}

/// Deletes the entry's object where it was shared to, then checks that it is gone and that its
/// link, while it has not expired, is refused.
async fn delete_object(context: &Context, entry: &HistoryEntry) -> Result<(), LedgerError> {
    let until = if entry.is_expired(chrono::Utc::now()) {
        String::new()
    } else {
        format!(
            "; meanwhile the link keeps working until {}",
            entry.expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    };
    let session = session_for(context, entry, until).await?;
    let bucket = session.bucket();
    bucket
        .client
        .delete_object()
        .bucket(&entry.bucket)
        .key(&entry.key)
        .send()
        .await
        .map_err(|e| LedgerError::Storage(bucket.classify(e, "delete from it")))?;
    let still = |what| LedgerError::StillServed {
        name: entry.name.clone(),
        endpoint: bucket.endpoint.clone(),
        what,
    };
    match bucket
        .client
        .head_object()
        .bucket(&entry.bucket)
        .key(&entry.key)
        .send()
        .await
    {
        Ok(_) => return Err(still("the object is still there")),
        Err(e) => {
            let err = bucket.classify(e, "read it");
            if !is_missing(&err) {
                return Err(LedgerError::Storage(err));
            }
        }
    }
    if !entry.is_expired(chrono::Utc::now()) && link_is_ours(entry, &session) {
        let client = crate::system::net::plain_client_for(&entry.url)
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| {
                LedgerError::Storage(StorageError::Unreachable {
                    endpoint: bucket.endpoint.clone(),
                    detail: e.to_string(),
                })
            })?;
        // One byte is enough to tell; a link that no longer connects is refused too.
        if let Ok(response) = client
            .get(&entry.url)
            .header("range", "bytes=0-0")
            .send()
            .await
            && response.status().is_success()
        {
            return Err(still("the link still downloads it"));
        }
    }
    Ok(())
}

/// The entry's link points at the server the session deleted from. Not so for a link to the
/// local store's old port (the store moved off it because a stranger took it): what answers
/// there is not ours, and says nothing about our object.
fn link_is_ours(entry: &HistoryEntry, session: &Session) -> bool {
    if !session.profile.local_store {
        return true;
    }
    let port = |text: &str| {
        url::Url::parse(text)
            .ok()
            .and_then(|u| u.port_or_known_default())
    };
    port(&entry.url) == port(&session.bucket().endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn entry(profile: &str, endpoint: &str, bucket: &str) -> HistoryEntry {
        let now = chrono::Utc::now();
        HistoryEntry {
            id: "id".into(),
            profile: profile.into(),
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            key: "id/report.pdf".into(),
            version_id: None,
            e_tag: None,
            name: "report.pdf".into(),
            size: 1,
            content_type: "application/pdf".into(),
            created_at: now,
            url: format!("{endpoint}/{bucket}/id/report.pdf?X-Amz-Signature=0"),
            expires_at: now,
            issued_at: now,
            expiring_soon_at: now,
            state: LinkState::Active,
            issued: 1,
            kind: Default::default(),
            page_id: None,
            encrypted: false,
            deletes_at: None,
        }
    }

    #[test]
    fn an_entry_is_reached_only_through_its_endpoint_and_bucket() {
        let work = |endpoint: Option<&str>| Profile {
            endpoint: endpoint.map(str::to_owned),
            ..profile("work", false)
        };
        let shared = entry("work", "https://minio.example.com:9000", "my-bucket");
        assert!(reaches(
            &work(Some("https://MINIO.example.com:9000/")),
            &shared
        ));
        assert!(!reaches(
            &work(Some("https://other.example.com:9000")),
            &shared
        ));
        assert!(!reaches(
            &work(Some("http://minio.example.com:9000")),
            &shared
        ));
        assert!(!reaches(&work(None), &shared), "AWS is another server");
        let on_aws = entry("work", "https://s3.eu-west-1.amazonaws.com", "my-bucket");
        assert!(
            reaches(&work(None), &on_aws),
            "any region: bucket names are global"
        );
        let local = Profile {
            endpoint: Some("http://127.0.0.1:4000".into()),
            ..profile("local", true)
        };
        let moved = entry("local", "http://127.0.0.1:3999", "linkdrop");
        assert!(reaches(&local, &moved), "the local store moved its port");
        let minio = entry("minio", "http://127.0.0.1:9000", "linkdrop");
        assert!(
            !reaches(&local, &minio),
            "another loopback server is not the store"
        );
    }

    #[test]
    fn another_profile_that_reaches_the_bucket_will_do_and_none_is_a_clear_refusal() {
        let mut book = ProfileBook::default();
        let mut work = profile("work", false);
        work.endpoint = Some("https://other.example.com".into());
        book.add(work, true).unwrap();
        let shared = entry("work", "https://minio.example.com", "my-bucket");
        let err = profile_for(&book, &shared, String::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://minio.example.com"), "{err}");
        assert!(
            err.contains("points at bucket \"my-bucket\" at https://other.example.com"),
            "{err}"
        );
        let mut renamed = profile("work-2", false);
        renamed.endpoint = Some("https://minio.example.com".into());
        book.add(renamed, false).unwrap();
        assert_eq!(
            profile_for(&book, &shared, String::new()).unwrap().name,
            "work-2"
        );
    }
}
