//! The folders of days that shares to be deleted once their link expired live in, so that a
//! bucket's lifecycle rule (which counts whole days from an object's writing) can delete them
//! even when LinkDrop never runs again: `<prefix>expire-<N>d/<id>/<name>`.

/// The most days a share to be deleted can wait in its folder: a 7-day link and a 7-day grace,
/// and one more for S3's rounding to midnight.
pub const MAX_EXPIRE_DAYS: u64 = 15;

/// Where a share that is deleted once its link expired goes: `<prefix>expire-<N>d/`, N the whole
/// days it must live (its link and the grace), rounded up. A bucket rule that deletes that folder's
/// objects N days after they were written (`tidy::lifecycle`) then never deletes one early.
pub fn expiring_prefix(prefix: &str, lives_secs: u64) -> String {
    let days = lives_secs.div_ceil(86_400).clamp(1, MAX_EXPIRE_DAYS);
    format!("{prefix}expire-{days}d/")
}

/// The days of the `expire-<N>d/` folder a key is in, if it is in one.
pub fn expire_days(key: &str) -> Option<u64> {
    let mut segments = key.rsplit('/');
    let (_name, _id, folder) = (segments.next()?, segments.next()?, segments.next()?);
    folder
        .strip_prefix("expire-")?
        .strip_suffix('d')?
        .parse()
        .ok()
        .filter(|d| (1..=MAX_EXPIRE_DAYS).contains(d))
}
