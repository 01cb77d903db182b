//! Uploads cut short on this computer (LinkDrop was killed, the computer went down, or the server
//! was gone when the parts were to be thrown away), as a front end shows them: the file, how far
//! it got, whether sharing it again resumes it, and what stands in the way. What no LinkDrop is
//! carrying on: an upload going on now is not cut short.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::TidyError;
use crate::Context;
use crate::share::ShareError;
use crate::storage::journal::{self, Journal, Unfinished};
use crate::storage::session::Session;

/// How long one profile's server has to answer before its uploads are shown without it.
const ASK_FOR: Duration = Duration::from_secs(10);

/// An upload cut short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "CutShort.ts")]
pub struct CutShort {
    pub upload_id: String,
    pub profile: String,
    /// The file's path, to show.
    pub file: String,
    /// The file's name alone.
    pub name: String,
    pub size: u64,
    #[ts(type = "string")]
    pub started_at: DateTime<Utc>,
    /// How far it got, when its server answered.
    pub percent: Option<u8>,
    /// Sharing the same file again picks up its parts.
    pub resumable: bool,
    /// What stands in the way, in words: why it cannot be resumed, or that its server does not
    /// answer.
    pub note: Option<String>,
}

/// This computer's uploads cut short, oldest first. Asking each profile's server aborts those
/// that cannot be resumed (as any share does); those whose server does not answer are shown
/// without how far they got.
pub async fn list(context: &Context) -> Vec<CutShort> {
    let mut profiles: Vec<String> = abandoned(context).into_iter().map(|u| u.profile).collect();
    profiles.sort();
    profiles.dedup();
    let mut found = Vec::new();
    for name in profiles {
        // Opening a session throws away what cannot be resumed, when its server answers.
        let (session, trouble) =
            match tokio::time::timeout(ASK_FOR, crate::share::open_session(context, Some(&name)))
                .await
            {
                Ok(Ok(session)) => (Some(session), None),
                Ok(Err(e)) => (None, Some(e.to_string())),
                Err(_) => (
                    None,
                    Some(format!(
                        "its server did not answer within {} s",
                        ASK_FOR.as_secs()
                    )),
                ),
            };
        let now = Utc::now();
        for upload in abandoned(context).into_iter().filter(|u| u.profile == name) {
            let why_not = journal::why_not_resumable(&upload, now);
            let mut percent = None;
            let mut note = trouble.clone();
            if let Some(session) = &session {
                if lives_in(session, &upload) {
                    percent = progress(session, &upload).await;
                } else {
                    note = Some(format!(
                        "it was started on {}, where profile {name:?} no longer points",
                        upload.endpoint
                    ));
                }
            }
            if let Some(why) = why_not {
                note = Some(match note {
                    Some(trouble) => {
                        format!(
                            "{why}; its parts are thrown away once its server answers ({trouble})"
                        )
                    }
                    None => why.to_owned(),
                });
            }
            found.push(CutShort {
                name: upload
                    .path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                file: upload.path.display().to_string(),
                size: upload.stamp.size,
                started_at: upload.started_at,
                percent,
                resumable: why_not.is_none(),
                note,
                upload_id: upload.upload_id,
                profile: upload.profile,
            });
        }
    }
    found.sort_by_key(|c| c.started_at);
    found
}

/// Throws away the parts of one upload cut short and forgets it; one already gone is no error.
pub async fn discard(context: &Context, upload_id: &str) -> Result<(), TidyError> {
    let journal = Journal::open(&context.paths.data_dir).map_err(ShareError::from)?;
    let all = journal.all(None).map_err(ShareError::from)?;
    let Some(upload) = all.into_iter().find(|u| u.upload_id == upload_id) else {
        return Ok(());
    };
    let Some((upload, lease)) = journal
        .abandoned(&upload.profile)
        .map_err(ShareError::from)?
        .into_iter()
        .find(|(u, _)| u.upload_id == upload_id)
    else {
        return Err(TidyError::Running {
            file: upload.path.display().to_string(),
        });
    };
    let session = crate::share::open_session(context, Some(&upload.profile)).await?;
    if !lives_in(&session, &upload) {
        return Err(TidyError::Storage {
            action: "throw away an upload in",
            bucket: upload.bucket.clone(),
            endpoint: upload.endpoint.clone(),
            detail: format!(
                "profile {:?} points elsewhere now; point it back to throw the parts away",
                upload.profile
            ),
        });
    }
    let bucket = session.bucket();
    crate::storage::upload::abort(bucket, &upload.key, &upload.upload_id)
        .await
        .map_err(|e| TidyError::Storage {
            action: "throw away an upload in",
            bucket: bucket.name.clone(),
            endpoint: bucket.endpoint.clone(),
            detail: e.to_string(),
        })?;
    journal.finish(lease).map_err(ShareError::from)?;
    Ok(())
}

/// The journal's uploads no process holds now.
fn abandoned(context: &Context) -> Vec<Unfinished> {
    let Ok(journal) = Journal::open(&context.paths.data_dir) else {
        return Vec::new();
    };
    let mut profiles: Vec<String> = journal
        .all(None)
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.profile)
        .collect();
    profiles.sort();
    profiles.dedup();
    profiles
        .iter()
        .flat_map(|p| journal.abandoned(p).unwrap_or_default())
        .map(|(u, _lease)| u)
        .collect()
}

fn lives_in(session: &Session, upload: &Unfinished) -> bool {
    let bucket = session.bucket();
    upload.lives_in(&bucket.name, &bucket.endpoint, session.profile.local_store)
}

/// The share of the file its parts on the server hold (`None` when the server does not say).
pub async fn progress(session: &Session, upload: &Unfinished) -> Option<u8> {
    let parts =
        crate::storage::upload::parts_on_server(session.bucket(), &upload.key, &upload.upload_id)
            .await
            .ok()?;
    let sent: u64 = parts
        .values()
        .map(|p| p.size)
        .filter(|&s| s != u64::MAX)
        .sum();
    super::percent_of(sent, upload.stamp.size)
}
