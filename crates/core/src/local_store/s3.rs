//! The S3 operations of the embedded store, over `disk`, answering as S3 answers: the status
//! codes and error codes clients branch on (NoSuchUpload 404, InvalidPart, PreconditionFailed,
//! 304 Not Modified), conditional and ranged reads (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since`, `If-Range`), listings in `encoding-type=url`, the checksums a client
//! sends checked, and a completion sent again after the first answer was lost.
//!
//! Before anything else each request is admitted: Signature Version 2, links signed for over 7
//! days and keys that are not keys (`.`/`..` segments, NUL, over 1024 bytes) are refused as S3
//! refuses them.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use md5::Digest;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use s3s::dto::*;
use s3s::{S3, S3Error, S3Request, S3Response, S3Result, s3_error};

use super::disk::{self, Attributes, Checksums, Disk, DiskError, Incoming};
use super::lifecycle::Rule;

pub(super) struct LocalStore {
    pub(super) disk: Arc<Disk>,
}

/// The longest a presigned link may live: 7 days, SigV4's limit.
const MAX_PRESIGNED_SECS: u64 = 7 * 24 * 3600;

/// How far a signed request's time may be from ours, as S3 allows: 15 minutes. s3s applies one
/// setting to this and to a POST form's signing date, which S3 does not limit (a form lives as
/// long as its policy says), so the store gives s3s a week (`POST_FORM_SKEW_SECS`) and holds
/// header-signed requests and presigned links to 15 minutes here.
pub(super) const MAX_SKEW_SECS: i64 = 15 * 60;
pub(super) const POST_FORM_SKEW_SECS: u32 = 7 * 24 * 3600 + 15 * 60;

/// The signing time of a request, `X-Amz-Date` (a header or a query parameter), if it has one.
fn signed_at(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}
/// Incoming bytes are written in pieces of this size (one blocking write each).
const WRITE_CHUNK: usize = 1024 * 1024;

fn internal(e: impl std::fmt::Display) -> S3Error {
    s3_error!(InternalError, "{e}")
}

fn disk_error(e: DiskError) -> S3Error {
    match e {
        DiskError::NoSuchBucket => s3_error!(NoSuchBucket, "The specified bucket does not exist"),
        DiskError::BucketExists => s3_error!(
            BucketAlreadyOwnedByYou,
            "Your previous request to create the named bucket succeeded and you already own it"
        ),
        DiskError::BucketNotEmpty => {
            s3_error!(
                BucketNotEmpty,
                "The bucket you tried to delete is not empty"
            )
        }
        DiskError::NoSuchKey => s3_error!(NoSuchKey, "The specified key does not exist"),
        DiskError::NoSuchUpload => s3_error!(
            NoSuchUpload,
            "The specified multipart upload does not exist: it was aborted or completed, or its id is wrong"
        ),
        DiskError::InvalidPart(why) => s3_error!(InvalidPart, "{why}"),
        DiskError::PreconditionFailed => s3_error!(
            PreconditionFailed,
            "At least one of the pre-conditions you specified did not hold"
        ),
        DiskError::InvalidPartOrder => s3_error!(
            InvalidPartOrder,
            "The list of parts was not in ascending order"
        ),
        DiskError::EntityTooSmall(n) => s3_error!(
            EntityTooSmall,
            "Part {n} is smaller than the minimum allowed size of 5 MiB"
        ),
        DiskError::Io(e) => internal(e),
    }
}

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, DiskError> + Send + 'static,
) -> S3Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(internal)?
        .map_err(disk_error)
}

/// What S3 refuses and s3s would take, checked before every operation.
fn admit<T>(req: &S3Request<T>) -> S3Result<()> {
    // Signature Version 2 (a header, a query or a POST form): S3 stopped taking it, and its links
    // carry an expiry of their own choosing, years away if the signer likes. s3s leaves the region
    // unset for it, which no SigV4 request does.
    let v2_header = req
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS "));
    let query: Vec<(String, String)> = req
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let v2_query = query
        .iter()
        .any(|(name, _)| name == "Signature" || name == "AWSAccessKeyId");
    if v2_header || v2_query || (req.credentials.is_some() && req.region.is_none()) {
        return Err(s3_error!(
            AccessDenied,
            "Signature Version 2 is not accepted: sign requests with AWS4-HMAC-SHA256"
        ));
    }
    let now = chrono::Utc::now();
    let skewed = |at: chrono::DateTime<chrono::Utc>| (now - at).num_seconds().abs() > MAX_SKEW_SECS;
    // A header-signed request is good for 15 minutes around its time.
    if let Some(at) = req
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(signed_at)
        && skewed(at)
    {
        return Err(s3_error!(
            RequestTimeTooSkewed,
            "The difference between the request time and the server's time is too large"
        ));
    }
    // A presigned link may not claim to be signed in the future beyond the same 15 minutes.
    if let Some(at) = query
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("X-Amz-Date"))
        .and_then(|(_, v)| signed_at(v))
        && (at - now).num_seconds() > MAX_SKEW_SECS
    {
        return Err(s3_error!(
            RequestTimeTooSkewed,
            "The request is signed for a time in the future"
        ));
    }
    // SigV4 caps presigned links at 7 days; s3s checks only that a link has not expired yet.
    if let Some((_, expires)) = query
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("X-Amz-Expires"))
        && !expires
            .parse::<u64>()
            .is_ok_and(|secs| secs <= MAX_PRESIGNED_SECS)
    {
        return Err(s3_error!(
            AccessDenied,
            "X-Amz-Expires must be at most 604800 seconds (7 days)"
        ));
    }
    Ok(())
}

/// Keys S3 takes, less those no S3 client means: a `.` or `..` segment (resolved away by HTTP
/// stacks on the way; here they would be a way out of a path-based store), NUL, and keys over
/// S3's 1024 bytes.
fn check_key(key: &str) -> S3Result<()> {
    if key.len() > 1024 {
        return Err(s3_error!(
            KeyTooLongError,
            "Your key is too long: keys are at most 1024 bytes"
        ));
    }
    let invalid = |why: &str| Err(s3_error!(InvalidArgument, "Invalid object key: {why}"));
    if key.is_empty() {
        return invalid("it is empty");
    }
    if key.contains('\0') {
        return invalid("it contains a NUL character");
    }
    if key.split('/').any(|s| s == "." || s == "..") {
        return invalid("'.' and '..' segments are not kept");
    }
    Ok(())
}

fn attributes(
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    metadata: Option<Metadata>,
) -> Attributes {
    Attributes {
        content_type,
        content_encoding,
        content_disposition,
        content_language,
        cache_control,
        metadata: metadata.unwrap_or_default().into_iter().collect(),
    }
}

/// The checksums a request sent (headers, or the trailer named in `x-amz-trailer`), to check
/// what arrived against.
#[derive(Default)]
struct Expected {
    content_md5: Option<String>,
    sent: Checksums,
    /// Algorithms to compute besides CRC32 and CRC32C (always computed: cheap, and what a
    /// resuming client checks parts against).
    sha1: bool,
    sha256: bool,
    crc64nvme: bool,
}

impl Expected {
    #[allow(clippy::too_many_arguments)]
    fn new(
        headers: &hyper::HeaderMap,
        content_md5: Option<String>,
        algorithm: Option<&ChecksumAlgorithm>,
        crc32: Option<String>,
        crc32c: Option<String>,
        sha1: Option<String>,
        sha256: Option<String>,
        crc64nvme: Option<String>,
    ) -> Expected {
        let trailer = headers
            .get("x-amz-trailer")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let named = |alg: &str| {
            algorithm.is_some_and(|a| a.as_str().eq_ignore_ascii_case(alg))
                || trailer.contains(&format!("x-amz-checksum-{}", alg.to_ascii_lowercase()))
        };
        Expected {
            content_md5,
            sha1: sha1.is_some() || named("SHA1"),
            sha256: sha256.is_some() || named("SHA256"),
            crc64nvme: crc64nvme.is_some() || named("CRC64NVME"),
            sent: Checksums {
                crc32,
                crc32c,
                sha1,
                sha256,
                crc64nvme,
            },
        }
    }

    fn hasher(&self) -> s3s::checksum::ChecksumHasher {
        s3s::checksum::ChecksumHasher {
            crc32: Some(Default::default()),
            crc32c: Some(Default::default()),
            sha1: self.sha1.then(Default::default),
            sha256: self.sha256.then(Default::default),
            crc64nvme: self.crc64nvme.then(Default::default),
        }
    }

    /// Takes the trailer's checksums, now that the body (and so the trailer) has arrived.
    fn with_trailer(mut self, trailing: Option<s3s::TrailingHeaders>) -> Expected {
        let Some(headers) = trailing.and_then(|t| t.take()) else {
            return self;
        };
        let value = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let sent = &mut self.sent;
        sent.crc32 = sent.crc32.take().or_else(|| value("x-amz-checksum-crc32"));
        sent.crc32c = sent
            .crc32c
            .take()
            .or_else(|| value("x-amz-checksum-crc32c"));
        sent.sha1 = sent.sha1.take().or_else(|| value("x-amz-checksum-sha1"));
        sent.sha256 = sent
            .sha256
            .take()
            .or_else(|| value("x-amz-checksum-sha256"));
        sent.crc64nvme = sent
            .crc64nvme
            .take()
            .or_else(|| value("x-amz-checksum-crc64nvme"));
        self
    }

    /// What arrived is what was sent, by every checksum the client gave.
    fn check(&self, incoming: &Incoming) -> S3Result<()> {
        if let Some(md5) = &self.content_md5 {
            let sent = base64::engine::general_purpose::STANDARD
                .decode(md5)
                .map_err(|_| s3_error!(InvalidDigest, "Content-MD5 is not base64"))?;
            if data_encoding::HEXLOWER.encode(&sent) != incoming.md5 {
                return Err(s3_error!(
                    BadDigest,
                    "The Content-MD5 you specified did not match what we received"
                ));
            }
        }
        let got = &incoming.checksums;
        for (name, sent, got) in [
            ("CRC32", &self.sent.crc32, &got.crc32),
            ("CRC32C", &self.sent.crc32c, &got.crc32c),
            ("SHA1", &self.sent.sha1, &got.sha1),
            ("SHA256", &self.sent.sha256, &got.sha256),
            ("CRC64NVME", &self.sent.crc64nvme, &got.crc64nvme),
        ] {
            if let Some(sent) = sent
                && Some(sent) != got.as_ref()
            {
                return Err(s3_error!(
                    BadDigest,
                    "The {name} you specified did not match the calculated checksum"
                ));
            }
        }
        Ok(())
    }
}

/// Streams a request body to a temporary file, computing its MD5 and checksums on the way, in
/// pieces of `WRITE_CHUNK` written off the async workers.
async fn receive(disk: &Arc<Disk>, body: StreamingBlob, expected: &Expected) -> S3Result<Incoming> {
    let d = disk.clone();
    let (path, file) = tokio::task::spawn_blocking(move || d.incoming_file())
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let mut incoming = Incoming {
        path,
        size: 0,
        md5: String::new(),
        checksums: Checksums::default(),
    };
    let mut state = Some((file, md5::Md5::new(), expected.hasher()));
    let mut pending: Vec<u8> = Vec::with_capacity(WRITE_CHUNK);
    let flush = |state: &mut Option<(std::fs::File, md5::Md5, s3s::checksum::ChecksumHasher)>,
                 bytes: Vec<u8>| {
        let (mut file, mut md5, mut hasher) = state.take().expect("the writer is back");
        async move {
            tokio::task::spawn_blocking(move || {
                disk::write_chunk(&mut file, &bytes, &mut md5, &mut hasher)
                    .map(|()| (file, md5, hasher))
            })
            .await
            .map_err(internal)?
            .map_err(internal)
        }
    };
    let mut body = body;
    while let Some(chunk) = body.next().await {
        let chunk: Bytes =
            chunk.map_err(|e| s3_error!(IncompleteBody, "the request body broke off: {e}"))?;
        incoming.size += chunk.len() as u64;
        pending.extend_from_slice(&chunk);
        if pending.len() >= WRITE_CHUNK {
            let bytes = std::mem::replace(&mut pending, Vec::with_capacity(WRITE_CHUNK));
            state = Some(flush(&mut state, bytes).await?);
        }
    }
    if !pending.is_empty() {
        state = Some(flush(&mut state, pending).await?);
    }
    let (file, md5, hasher) = state.take().expect("the writer is back");
    tokio::task::spawn_blocking(move || file.sync_data())
        .await
        .map_err(internal)?
        .map_err(internal)?;
    incoming.md5 = data_encoding::HEXLOWER.encode(&md5.finalize());
    let sums = hasher.finalize();
    incoming.checksums = Checksums {
        crc32: sums.checksum_crc32,
        crc32c: sums.checksum_crc32c,
        sha1: sums.checksum_sha1,
        sha256: sums.checksum_sha256,
        crc64nvme: sums.checksum_crc64nvme,
    };
    Ok(incoming)
}

/// A reply's checksums: only those the client asked for (the algorithm it named or sent), as
/// S3 answers.
fn asked(all: &Checksums, expected: &Expected, algorithm: Option<&ChecksumAlgorithm>) -> Checksums {
    let named = |alg: &str| algorithm.is_some_and(|a| a.as_str().eq_ignore_ascii_case(alg));
    Checksums {
        crc32: all
            .crc32
            .clone()
            .filter(|_| expected.sent.crc32.is_some() || named("CRC32")),
        crc32c: all
            .crc32c
            .clone()
            .filter(|_| expected.sent.crc32c.is_some() || named("CRC32C")),
        sha1: all.sha1.clone().filter(|_| expected.sha1),
        sha256: all.sha256.clone().filter(|_| expected.sha256),
        crc64nvme: all.crc64nvme.clone().filter(|_| expected.crc64nvme),
    }
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> Timestamp {
    Timestamp::from(std::time::SystemTime::from(t))
}

/// An object's time as HTTP dates carry it: whole seconds.
fn whole_seconds(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

fn seconds_of(t: &Timestamp) -> i64 {
    time::OffsetDateTime::from(t.clone()).unix_timestamp()
}

/// The preconditions of a read, in RFC 9110's order (as S3 applies them): `If-Match`, else
/// `If-Unmodified-Since`, fail with 412; then `If-None-Match`, else `If-Modified-Since`, answer
/// 304 with the object's ETag and date.
fn preconditions(
    object: &disk::Object,
    if_match: Option<&ETagCondition>,
    if_unmodified_since: Option<&Timestamp>,
    if_none_match: Option<&ETagCondition>,
    if_modified_since: Option<&Timestamp>,
) -> S3Result<()> {
    let current = ETag::Strong(object.e_tag.clone());
    let modified = whole_seconds(object.last_modified);
    match (if_match, if_unmodified_since) {
        (Some(condition), _) => {
            let matches = match condition {
                ETagCondition::Any => true,
                ETagCondition::ETag(e) => e.strong_cmp(&current),
            };
            if !matches {
                return Err(s3_error!(
                    PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold"
                ));
            }
        }
        (None, Some(since)) if modified > seconds_of(since) => {
            return Err(s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            ));
        }
        _ => {}
    }
    let not_modified = match (if_none_match, if_modified_since) {
        (Some(condition), _) => match condition {
            ETagCondition::Any => true,
            ETagCondition::ETag(e) => e.weak_cmp(&current),
        },
        (None, Some(since)) => modified <= seconds_of(since),
        (None, None) => false,
    };
    if not_modified {
        let mut err = s3_error!(NotModified);
        let mut headers = hyper::HeaderMap::new();
        if let Ok(value) = current.to_http_header() {
            headers.insert(hyper::header::ETAG, value);
        }
        if let Ok(value) = hyper::header::HeaderValue::from_str(
            &object
                .last_modified
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ) {
            headers.insert(hyper::header::LAST_MODIFIED, value);
        }
        err.set_headers(headers);
        return Err(err);
    }
    Ok(())
}

/// Whether `If-Range` lets a range through: its ETag (strong comparison) or its date (exact, to
/// the second) must be the object's; otherwise the whole object is sent.
fn range_still_valid(headers: &hyper::HeaderMap, object: &disk::Object) -> bool {
    let Some(value) = headers.get(hyper::header::IF_RANGE) else {
        return true;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let text = text.trim();
    if text.starts_with('"') || text.starts_with("W/") {
        return ETag::parse_http_header(text.as_bytes())
            .is_ok_and(|e| e.strong_cmp(&ETag::Strong(object.e_tag.clone())));
    }
    chrono::DateTime::parse_from_rfc2822(text)
        .is_ok_and(|date| date.timestamp() == whole_seconds(object.last_modified))
}

/// S3's `encoding-type=url`: a key as a query value, `/` kept.
const URL_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

fn encoder(encoding: Option<&EncodingType>) -> impl Fn(String) -> String + use<> {
    let url = encoding.is_some_and(|e| e.as_str() == EncodingType::URL);
    move |text: String| {
        if url {
            utf8_percent_encode(&text, URL_ENCODED).to_string()
        } else {
            text
        }
    }
}

/// One page of a listing: objects and common prefixes after `after`, in key order.
struct Page {
    objects: Vec<disk::Listed>,
    prefixes: Vec<String>,
    truncated: bool,
    /// The last key or common prefix on the page: where the next one starts.
    last: Option<String>,
}

fn page(
    all: Vec<disk::Listed>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max_keys: usize,
) -> Page {
    let mut page = Page {
        objects: Vec::new(),
        prefixes: Vec::new(),
        truncated: false,
        last: None,
    };
    // An empty delimiter groups nothing (as in S3).
    let delimiter = delimiter.filter(|d| !d.is_empty());
    for entry in all {
        if !entry.key.starts_with(prefix) {
            continue;
        }
        let grouped = delimiter.and_then(|d| {
            entry.key[prefix.len()..]
                .find(d)
                .map(|i| entry.key[..prefix.len() + i + d.len()].to_owned())
        });
        // What was listed is what comes at or before `after`: a key by itself, a key that rolls
        // up into a common prefix by that prefix (a page that ended on `a/` has listed all of it;
        // a key `a/` that is an object of its own, a folder marker, has not).
        if let Some(after) = after {
            let listed_as = grouped.as_deref().unwrap_or(&entry.key);
            if listed_as.as_bytes() <= after.as_bytes() {
                continue;
            }
        }
        if let Some(common) = &grouped
            && page.prefixes.last() == Some(common)
        {
            continue;
        }
        if page.objects.len() + page.prefixes.len() == max_keys {
            page.truncated = true;
            break;
        }
        match grouped {
            Some(common) => {
                page.last = Some(common.clone());
                page.prefixes.push(common);
            }
            None => {
                page.last = Some(entry.key.clone());
                page.objects.push(entry);
            }
        }
    }
    page
}

impl Page {
    /// The page's objects and common prefixes as a listing answers them (none: no element).
    fn entries(
        self,
        encode: &impl Fn(String) -> String,
    ) -> (Option<Vec<Object>>, Option<Vec<CommonPrefix>>) {
        let objects: Vec<Object> = self
            .objects
            .into_iter()
            .map(|o| listed_object(o, encode))
            .collect();
        let prefixes: Vec<CommonPrefix> = self
            .prefixes
            .into_iter()
            .map(|p| CommonPrefix {
                prefix: Some(encode(p)),
            })
            .collect();
        (
            (!objects.is_empty()).then_some(objects),
            (!prefixes.is_empty()).then_some(prefixes),
        )
    }
}

fn listed_object(entry: disk::Listed, encode: &impl Fn(String) -> String) -> Object {
    Object {
        key: Some(encode(entry.key)),
        size: Some(i64::try_from(entry.size).unwrap_or(i64::MAX)),
        e_tag: Some(ETag::Strong(entry.e_tag)),
        last_modified: Some(timestamp(entry.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..Default::default()
    }
}

fn max_keys(asked: Option<i32>) -> usize {
    usize::try_from(asked.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000)
}

/// A reader of an object's bytes, `length` of them from `offset`, off the async workers.
fn body_of(
    object: &disk::Object,
    mut files: Vec<std::fs::File>,
    offset: u64,
    length: u64,
) -> StreamingBlob {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let segments = object.segments.clone();
    tokio::task::spawn_blocking(move || {
        let result = disk::read_range(&segments, &mut files, offset, length, |chunk| {
            tx.blocking_send(Ok(chunk)).is_ok()
        });
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(e));
        }
    });
    StreamingBlob::wrap(tokio_stream_of(rx))
}

fn tokio_stream_of<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Send + Sync + 'static {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The rules of a lifecycle configuration as the store keeps them; what it would not apply is
/// refused (NotImplemented), what S3 refuses is refused as S3 does.
fn lifecycle_rules(configuration: BucketLifecycleConfiguration) -> S3Result<Vec<Rule>> {
    if configuration.rules.len() > 1000 {
        return Err(s3_error!(
            InvalidRequest,
            "a configuration has at most 1000 rules"
        ));
    }
    let unsupported = |what: &str| {
        Err(s3_error!(
            NotImplemented,
            "the embedded store keeps only rules with a prefix filter, Expiration in days and AbortIncompleteMultipartUpload, not {what}"
        ))
    };
    let positive = |days: i32, what: &str| match u32::try_from(days) {
        Ok(d) if d > 0 => Ok(d),
        _ => Err(s3_error!(
            InvalidArgument,
            "{what} must be a positive number of days"
        )),
    };
    let mut rules = Vec::new();
    for rule in configuration.rules {
        if rule.transitions.as_ref().is_some_and(|t| !t.is_empty())
            || rule
                .noncurrent_version_transitions
                .as_ref()
                .is_some_and(|t| !t.is_empty())
        {
            return unsupported("transitions");
        }
        if rule.noncurrent_version_expiration.is_some() {
            return unsupported("noncurrent versions");
        }
        let prefix = match (&rule.filter, &rule.prefix) {
            (Some(f), _) if f.and.is_some() || f.tag.is_some() => return unsupported("tags"),
            (Some(f), _)
                if f.object_size_greater_than.is_some() || f.object_size_less_than.is_some() =>
            {
                return unsupported("object sizes");
            }
            (Some(_), Some(_)) => {
                return Err(s3_error!(
                    MalformedXML,
                    "a rule has a Filter or a Prefix, not both"
                ));
            }
            (Some(f), None) => f.prefix.clone().unwrap_or_default(),
            (None, prefix) => prefix.clone().unwrap_or_default(),
        };
        let expiration_days = match &rule.expiration {
            Some(e) if e.date.is_some() || e.expired_object_delete_marker.is_some() => {
                return unsupported("an expiration date or delete markers");
            }
            Some(e) => e.days.map(|d| positive(d, "Expiration Days")).transpose()?,
            None => None,
        };
        let abort_days = rule
            .abort_incomplete_multipart_upload
            .as_ref()
            .and_then(|a| a.days_after_initiation)
            .map(|d| positive(d, "DaysAfterInitiation"))
            .transpose()?;
        if expiration_days.is_none() && abort_days.is_none() {
            return Err(s3_error!(
                InvalidRequest,
                "At least one action needs to be specified in a rule"
            ));
        }
        let enabled = match rule.status.as_str() {
            ExpirationStatus::ENABLED => true,
            ExpirationStatus::DISABLED => false,
            other => {
                return Err(s3_error!(
                    MalformedXML,
                    "Status is Enabled or Disabled, not {other:?}"
                ));
            }
        };
        if rule.id.as_ref().is_some_and(|id| id.len() > 255) {
            return Err(s3_error!(
                InvalidArgument,
                "ID must be at most 255 characters"
            ));
        }
        if rule.id.is_some() && rules.iter().any(|r: &Rule| r.id == rule.id) {
            return Err(s3_error!(InvalidArgument, "Rule ID must be unique"));
        }
        rules.push(Rule {
            id: rule.id,
            prefix,
            enabled,
            expiration_days,
            abort_days,
        });
    }
    Ok(rules)
}

fn lifecycle_rule(rule: Rule) -> LifecycleRule {
    let days = |d: u32| i32::try_from(d).unwrap_or(i32::MAX);
    LifecycleRule {
        id: rule.id,
        status: ExpirationStatus::from_static(if rule.enabled {
            ExpirationStatus::ENABLED
        } else {
            ExpirationStatus::DISABLED
        }),
        filter: Some(LifecycleRuleFilter {
            prefix: Some(rule.prefix),
            ..Default::default()
        }),
        expiration: rule.expiration_days.map(|d| LifecycleExpiration {
            days: Some(days(d)),
            ..Default::default()
        }),
        abort_incomplete_multipart_upload: rule.abort_days.map(|d| {
            AbortIncompleteMultipartUpload {
                days_after_initiation: Some(days(d)),
            }
        }),
        noncurrent_version_expiration: None,
        noncurrent_version_transitions: None,
        prefix: None,
        transitions: None,
    }
}

#[async_trait::async_trait]
impl S3 for LocalStore {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        admit(&req)?;
        let (disk, bucket) = (self.disk.clone(), req.input.bucket.clone());
        blocking(move || disk.create_bucket(&bucket)).await?;
        Ok(S3Response::new(CreateBucketOutput {
            location: Some(format!("/{}", req.input.bucket)),
        }))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        admit(&req)?;
        if !self.disk.bucket_exists(&req.input.bucket) {
            return Err(disk_error(DiskError::NoSuchBucket));
        }
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        admit(&req)?;
        let (disk, bucket) = (self.disk.clone(), req.input.bucket);
        blocking(move || disk.delete_bucket(&bucket)).await?;
        Ok(S3Response::new(DeleteBucketOutput {}))
    }

    async fn put_bucket_lifecycle_configuration(
        &self,
        req: S3Request<PutBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
        admit(&req)?;
        let Some(configuration) = req.input.lifecycle_configuration else {
            return Err(s3_error!(MalformedXML, "no LifecycleConfiguration"));
        };
        let rules = lifecycle_rules(configuration)?;
        let (disk, bucket) = (self.disk.clone(), req.input.bucket);
        blocking(move || disk.set_lifecycle(&bucket, Some(&rules))).await?;
        Ok(S3Response::new(
            PutBucketLifecycleConfigurationOutput::default(),
        ))
    }

    async fn get_bucket_lifecycle_configuration(
        &self,
        req: S3Request<GetBucketLifecycleConfigurationInput>,
    ) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
        admit(&req)?;
        let (disk, bucket) = (self.disk.clone(), req.input.bucket);
        let Some(rules) = blocking(move || disk.lifecycle(&bucket)).await? else {
            return Err(s3_error!(
                NoSuchLifecycleConfiguration,
                "The lifecycle configuration does not exist"
            ));
        };
        Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
            rules: Some(rules.into_iter().map(lifecycle_rule).collect()),
            ..Default::default()
        }))
    }

    async fn delete_bucket_lifecycle(
        &self,
        req: S3Request<DeleteBucketLifecycleInput>,
    ) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
        admit(&req)?;
        let (disk, bucket) = (self.disk.clone(), req.input.bucket);
        blocking(move || disk.set_lifecycle(&bucket, None)).await?;
        Ok(S3Response::new(DeleteBucketLifecycleOutput::default()))
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        admit(&req)?;
        if !self.disk.bucket_exists(&req.input.bucket) {
            return Err(disk_error(DiskError::NoSuchBucket));
        }
        Ok(S3Response::new(GetBucketLocationOutput::default()))
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        admit(&req)?;
        let disk = self.disk.clone();
        let buckets = blocking(move || disk.buckets()).await?;
        Ok(S3Response::new(ListBucketsOutput {
            buckets: Some(
                buckets
                    .into_iter()
                    .map(|(name, made)| Bucket {
                        name: Some(name),
                        creation_date: Some(timestamp(made)),
                        bucket_region: None,
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        if !self.disk.bucket_exists(&req.input.bucket) {
            return Err(disk_error(DiskError::NoSuchBucket));
        }
        let input = req.input;
        let expected = Expected::new(
            &req.headers,
            input.content_md5.clone(),
            input.checksum_algorithm.as_ref(),
            input.checksum_crc32.clone(),
            input.checksum_crc32c.clone(),
            input.checksum_sha1.clone(),
            input.checksum_sha256.clone(),
            input.checksum_crc64nvme.clone(),
        );
        let body = input
            .body
            .ok_or_else(|| s3_error!(IncompleteBody, "no body"))?;
        let incoming = receive(&self.disk, body, &expected).await?;
        let expected = expected.with_trailer(req.trailing_headers);
        expected.check(&incoming)?;
        // A conditional write (If-None-Match: * creates only, If-Match replaces only that ETag),
        // decided where the object is replaced, so that two such writers cannot both win.
        let (if_match, if_none_match) = (input.if_match, input.if_none_match);
        let conditional = if_match.is_some() || if_none_match.is_some();
        let condition =
            move |current: Option<&disk::Object>| match (&if_none_match, &if_match, current) {
                (Some(_), _, Some(_)) | (_, Some(_), None) => false,
                (_, Some(ETagCondition::ETag(e)), Some(c)) => {
                    e.strong_cmp(&ETag::Strong(c.e_tag.clone()))
                }
                _ => true,
            };
        let attributes = attributes(
            input.content_type,
            input.content_encoding,
            input.content_disposition,
            input.content_language,
            input.cache_control,
            input.metadata,
        );
        let (disk, bucket, key) = (self.disk.clone(), input.bucket, input.key);
        let object = blocking(move || {
            let condition: Option<&dyn Fn(Option<&disk::Object>) -> bool> =
                conditional.then_some(&condition);
            disk.put(&bucket, &key, &incoming, attributes, condition)
        })
        .await?;
        let sums = asked(&object.checksums, &expected, None);
        Ok(S3Response::new(PutObjectOutput {
            e_tag: Some(ETag::Strong(object.e_tag)),
            checksum_crc32: sums.crc32,
            checksum_crc32c: sums.crc32c,
            checksum_sha1: sums.sha1,
            checksum_sha256: sums.sha256,
            checksum_crc64nvme: sums.crc64nvme,
            ..Default::default()
        }))
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let (disk, bucket, key) = (self.disk.clone(), input.bucket.clone(), input.key.clone());
        let (object, files) = blocking(move || disk.open_object(&bucket, &key)).await?;
        preconditions(
            &object,
            input.if_match.as_ref(),
            input.if_unmodified_since.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
        )?;
        let range = input
            .range
            .filter(|_| range_still_valid(&req.headers, &object));
        let (offset, length, content_range) = match range {
            None => (0, object.size, None),
            Some(range) => {
                let r = range.check(object.size).map_err(|_| {
                    s3_error!(InvalidRange, "The requested range is not satisfiable")
                })?;
                (
                    r.start,
                    r.end - r.start,
                    Some(format!("bytes {}-{}/{}", r.start, r.end - 1, object.size)),
                )
            }
        };
        let whole = length == object.size;
        let body = body_of(&object, files, offset, length);
        let a = &object.attributes;
        let checksums = object.checksums.clone();
        let checksum_mode = input
            .checksum_mode
            .as_ref()
            .is_some_and(|m| m.as_str() == ChecksumMode::ENABLED);
        Ok(S3Response::new(GetObjectOutput {
            body: Some(body),
            accept_ranges: Some("bytes".into()),
            content_length: Some(i64::try_from(length).unwrap_or(i64::MAX)),
            content_range,
            last_modified: Some(timestamp(object.last_modified)),
            e_tag: Some(ETag::Strong(object.e_tag.clone())),
            // The presigned link's overrides give downloads their names.
            content_type: input
                .response_content_type
                .or_else(|| a.content_type.clone()),
            content_disposition: input
                .response_content_disposition
                .or_else(|| a.content_disposition.clone()),
            content_encoding: input
                .response_content_encoding
                .or_else(|| a.content_encoding.clone()),
            content_language: input
                .response_content_language
                .or_else(|| a.content_language.clone()),
            cache_control: input
                .response_cache_control
                .or_else(|| a.cache_control.clone()),
            metadata: (!a.metadata.is_empty()).then(|| a.metadata.clone().into_iter().collect()),
            // S3 gives checksums only when asked, and only for the whole object.
            checksum_crc32: checksums.crc32.filter(|_| checksum_mode && whole),
            checksum_crc32c: checksums.crc32c.filter(|_| checksum_mode && whole),
            checksum_sha1: checksums.sha1.filter(|_| checksum_mode && whole),
            checksum_sha256: checksums.sha256.filter(|_| checksum_mode && whole),
            checksum_crc64nvme: checksums.crc64nvme.filter(|_| checksum_mode && whole),
            parts_count: (object.segments.len() > 1 && object.e_tag.contains('-'))
                .then(|| i32::try_from(object.segments.len()).unwrap_or(i32::MAX)),
            ..Default::default()
        }))
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let (disk, bucket, key) = (self.disk.clone(), input.bucket.clone(), input.key.clone());
        let object = blocking(move || disk.object(&bucket, &key)).await?;
        preconditions(
            &object,
            input.if_match.as_ref(),
            input.if_unmodified_since.as_ref(),
            input.if_none_match.as_ref(),
            input.if_modified_since.as_ref(),
        )?;
        let a = &object.attributes;
        let checksum_mode = input
            .checksum_mode
            .as_ref()
            .is_some_and(|m| m.as_str() == ChecksumMode::ENABLED);
        let checksums = object.checksums.clone();
        Ok(S3Response::new(HeadObjectOutput {
            accept_ranges: Some("bytes".into()),
            content_length: Some(i64::try_from(object.size).unwrap_or(i64::MAX)),
            last_modified: Some(timestamp(object.last_modified)),
            e_tag: Some(ETag::Strong(object.e_tag.clone())),
            content_type: input
                .response_content_type
                .or_else(|| a.content_type.clone()),
            content_disposition: input
                .response_content_disposition
                .or_else(|| a.content_disposition.clone()),
            content_encoding: a.content_encoding.clone(),
            content_language: a.content_language.clone(),
            cache_control: a.cache_control.clone(),
            metadata: (!a.metadata.is_empty()).then(|| a.metadata.clone().into_iter().collect()),
            checksum_crc32: checksums.crc32.filter(|_| checksum_mode),
            checksum_crc32c: checksums.crc32c.filter(|_| checksum_mode),
            checksum_sha1: checksums.sha1.filter(|_| checksum_mode),
            checksum_sha256: checksums.sha256.filter(|_| checksum_mode),
            checksum_crc64nvme: checksums.crc64nvme.filter(|_| checksum_mode),
            ..Default::default()
        }))
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let (disk, bucket, key) = (self.disk.clone(), req.input.bucket, req.input.key);
        blocking(move || disk.delete(&bucket, &key)).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        admit(&req)?;
        for object in &req.input.delete.objects {
            check_key(&object.key)?;
        }
        let quiet = req.input.delete.quiet.unwrap_or(false);
        let (disk, bucket) = (self.disk.clone(), req.input.bucket);
        let keys: Vec<String> = req
            .input
            .delete
            .objects
            .into_iter()
            .map(|o| o.key)
            .collect();
        let deleted = blocking(move || {
            let mut deleted = Vec::new();
            for key in keys {
                disk.delete(&bucket, &key)?;
                deleted.push(key);
            }
            Ok(deleted)
        })
        .await?;
        Ok(S3Response::new(DeleteObjectsOutput {
            deleted: (!quiet).then(|| {
                deleted
                    .into_iter()
                    .map(|key| DeletedObject {
                        key: Some(key),
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        }))
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let (from_bucket, from_key) = match &input.copy_source {
            CopySource::Bucket { bucket, key, .. } => (bucket.to_string(), key.to_string()),
            _ => return Err(s3_error!(NotImplemented, "only bucket copy sources")),
        };
        check_key(&from_key)?;
        let replace = input
            .metadata_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
        let new_attributes = replace.then(|| {
            attributes(
                input.content_type.clone(),
                input.content_encoding.clone(),
                input.content_disposition.clone(),
                input.content_language.clone(),
                input.cache_control.clone(),
                input.metadata.clone(),
            )
        });
        let disk = self.disk.clone();
        let (fb, fk) = (from_bucket.clone(), from_key.clone());
        let source = blocking(move || disk.object(&fb, &fk)).await?;
        preconditions(
            &source,
            input.copy_source_if_match.as_ref(),
            input.copy_source_if_unmodified_since.as_ref(),
            None,
            None,
        )?;
        // A copy's "not modified" is a failed precondition, as S3 answers it.
        preconditions(
            &source,
            None,
            None,
            input.copy_source_if_none_match.as_ref(),
            input.copy_source_if_modified_since.as_ref(),
        )
        .map_err(|_| {
            s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            )
        })?;
        let disk = self.disk.clone();
        let (to_bucket, to_key) = (input.bucket, input.key);
        let copied = blocking(move || {
            disk.copy(
                (&from_bucket, &from_key),
                (&to_bucket, &to_key),
                new_attributes,
            )
        })
        .await?;
        Ok(S3Response::new(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(ETag::Strong(copied.e_tag)),
                last_modified: Some(timestamp(copied.last_modified)),
                ..Default::default()
            }),
            ..Default::default()
        }))
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        admit(&req)?;
        let input = req.input;
        let (disk, bucket) = (self.disk.clone(), input.bucket.clone());
        let all = blocking(move || disk.list(&bucket)).await?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let after = match &input.continuation_token {
            Some(token) => Some(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(token)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        s3_error!(
                            InvalidArgument,
                            "The continuation token provided is incorrect"
                        )
                    })?,
            ),
            None => input.start_after.clone(),
        };
        let max = max_keys(input.max_keys);
        let page = page(
            all,
            &prefix,
            input.delimiter.as_deref(),
            after.as_deref(),
            max,
        );
        let encode = encoder(input.encoding_type.as_ref());
        let key_count = i32::try_from(page.objects.len() + page.prefixes.len()).unwrap_or(i32::MAX);
        let next = page
            .truncated
            .then(|| page.last.clone())
            .flatten()
            .map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last));
        let truncated = page.truncated;
        let (contents, common_prefixes) = page.entries(&encode);
        Ok(S3Response::new(ListObjectsV2Output {
            name: Some(input.bucket),
            prefix: input.prefix.map(&encode),
            delimiter: input.delimiter.map(&encode),
            start_after: input.start_after.map(&encode),
            encoding_type: input.encoding_type,
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            key_count: Some(key_count),
            is_truncated: Some(truncated),
            continuation_token: input.continuation_token,
            next_continuation_token: next,
            contents,
            common_prefixes,
            ..Default::default()
        }))
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        admit(&req)?;
        let input = req.input;
        let (disk, bucket) = (self.disk.clone(), input.bucket.clone());
        let all = blocking(move || disk.list(&bucket)).await?;
        let prefix = input.prefix.clone().unwrap_or_default();
        let max = max_keys(input.max_keys);
        let page = page(
            all,
            &prefix,
            input.delimiter.as_deref(),
            input.marker.as_deref().filter(|m| !m.is_empty()),
            max,
        );
        let encode = encoder(input.encoding_type.as_ref());
        let (truncated, next_marker) = (page.truncated, page.truncated.then(|| page.last.clone()));
        let (contents, common_prefixes) = page.entries(&encode);
        Ok(S3Response::new(ListObjectsOutput {
            name: Some(input.bucket),
            prefix: input.prefix.map(&encode),
            delimiter: input.delimiter.map(&encode),
            marker: input.marker.map(&encode),
            encoding_type: input.encoding_type,
            max_keys: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(truncated),
            next_marker: next_marker.flatten().map(&encode),
            contents,
            common_prefixes,
            ..Default::default()
        }))
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let algorithm = input.checksum_algorithm.clone();
        let attributes = attributes(
            input.content_type,
            input.content_encoding,
            input.content_disposition,
            input.content_language,
            input.cache_control,
            input.metadata,
        );
        let (disk, bucket, key) = (self.disk.clone(), input.bucket.clone(), input.key.clone());
        let alg = algorithm.as_ref().map(|a| a.as_str().to_owned());
        let upload = blocking(move || disk.create_upload(&bucket, &key, attributes, alg)).await?;
        Ok(S3Response::new(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload.id),
            checksum_algorithm: algorithm,
            ..Default::default()
        }))
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        if !(1..=10_000).contains(&input.part_number) {
            return Err(s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive"
            ));
        }
        let (disk, bucket, key, id) = (
            self.disk.clone(),
            input.bucket.clone(),
            input.key.clone(),
            input.upload_id.clone(),
        );
        // An upload that is not there is said before its bytes are taken.
        let upload = blocking(move || disk.upload(&bucket, &key, &id)).await?;
        let expected = Expected::new(
            &req.headers,
            input.content_md5.clone(),
            input.checksum_algorithm.as_ref(),
            input.checksum_crc32.clone(),
            input.checksum_crc32c.clone(),
            input.checksum_sha1.clone(),
            input.checksum_sha256.clone(),
            input.checksum_crc64nvme.clone(),
        );
        let body = input
            .body
            .ok_or_else(|| s3_error!(IncompleteBody, "no body"))?;
        let incoming = receive(&self.disk, body, &expected).await?;
        let expected = expected.with_trailer(req.trailing_headers);
        expected.check(&incoming)?;
        let disk = self.disk.clone();
        let number = input.part_number;
        let part = blocking(move || disk.put_part(&upload, number, &incoming)).await?;
        let algorithm = input.checksum_algorithm.clone();
        let sums = asked(&part.checksums, &expected, algorithm.as_ref());
        Ok(S3Response::new(UploadPartOutput {
            e_tag: Some(ETag::Strong(part.md5)),
            checksum_crc32: sums.crc32,
            // What a resuming client checks the part against.
            checksum_crc32c: part
                .checksums
                .crc32c
                .filter(|_| expected.sent.crc32c.is_some()),
            checksum_sha1: sums.sha1,
            checksum_sha256: sums.sha256,
            checksum_crc64nvme: sums.crc64nvme,
            ..Default::default()
        }))
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let (disk, bucket, key, id) = (
            self.disk.clone(),
            input.bucket.clone(),
            input.key.clone(),
            input.upload_id.clone(),
        );
        let (upload, parts) = blocking(move || {
            let upload = disk.upload(&bucket, &key, &id)?;
            let parts = disk.parts(&upload)?;
            Ok((upload, parts))
        })
        .await?;
        let marker = input.part_number_marker.unwrap_or(0);
        let max = usize::try_from(input.max_parts.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000);
        let after: Vec<_> = parts.into_iter().filter(|p| p.number > marker).collect();
        let truncated = after.len() > max;
        let shown: Vec<_> = after.into_iter().take(max).collect();
        let next = shown.last().map(|p| p.number);
        Ok(S3Response::new(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload.id),
            part_number_marker: input.part_number_marker,
            next_part_number_marker: next,
            max_parts: Some(i32::try_from(max).unwrap_or(1000)),
            is_truncated: Some(truncated),
            checksum_algorithm: upload.checksum_algorithm.map(ChecksumAlgorithm::from),
            parts: Some(
                shown
                    .into_iter()
                    .map(|p| Part {
                        part_number: Some(p.number),
                        size: Some(i64::try_from(p.size).unwrap_or(i64::MAX)),
                        e_tag: Some(ETag::Strong(p.md5)),
                        last_modified: Some(timestamp(p.last_modified)),
                        checksum_crc32: p.checksums.crc32,
                        checksum_crc32c: p.checksums.crc32c,
                        checksum_sha1: p.checksums.sha1,
                        checksum_sha256: p.checksums.sha256,
                        checksum_crc64nvme: p.checksums.crc64nvme,
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let input = req.input;
        let listed: Vec<(i32, String)> = input
            .multipart_upload
            .and_then(|m| m.parts)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                (
                    p.part_number.unwrap_or(0),
                    p.e_tag.map(ETag::into_value).unwrap_or_default(),
                )
            })
            .collect();
        let (disk, bucket, key, id) = (
            self.disk.clone(),
            input.bucket.clone(),
            input.key.clone(),
            input.upload_id.clone(),
        );
        let finished = blocking(move || disk.complete(&bucket, &key, &id, &listed)).await?;
        Ok(S3Response::new(CompleteMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            e_tag: Some(ETag::Strong(finished.e_tag)),
            checksum_crc32: finished.checksums.crc32,
            checksum_crc32c: finished.checksums.crc32c,
            ..Default::default()
        }))
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let (disk, bucket, key, id) = (
            self.disk.clone(),
            req.input.bucket,
            req.input.key,
            req.input.upload_id,
        );
        blocking(move || disk.abort(&bucket, &key, &id)).await?;
        Ok(S3Response::new(AbortMultipartUploadOutput::default()))
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        admit(&req)?;
        let input = req.input;
        let prefix = input.prefix.clone().unwrap_or_default();
        let (disk, bucket) = (self.disk.clone(), input.bucket.clone());
        let uploads = blocking(move || disk.uploads(&bucket, &prefix)).await?;
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            is_truncated: Some(false),
            uploads: Some(
                uploads
                    .into_iter()
                    .map(|u| MultipartUpload {
                        key: Some(u.key),
                        upload_id: Some(u.id),
                        initiated: Some(timestamp(u.initiated)),
                        checksum_algorithm: u.checksum_algorithm.map(ChecksumAlgorithm::from),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(keys: &[&str]) -> Vec<disk::Listed> {
        keys.iter()
            .map(|k| disk::Listed {
                key: (*k).to_owned(),
                size: 1,
                e_tag: "e".into(),
                last_modified: chrono::Utc::now(),
            })
            .collect()
    }

    #[test]
    fn pages_group_by_delimiter_and_go_on_after_the_last_entry() {
        let all = || listed(&["a/1", "a/2", "b", "c/x/1", "c/y", "d"]);
        let first = page(all(), "", Some("/"), None, 2);
        assert_eq!(first.prefixes, ["a/"]);
        assert_eq!(
            first
                .objects
                .iter()
                .map(|o| o.key.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
        assert!(first.truncated);
        let second = page(all(), "", Some("/"), first.last.as_deref(), 2);
        assert_eq!(second.prefixes, ["c/"]);
        assert_eq!(
            second
                .objects
                .iter()
                .map(|o| o.key.as_str())
                .collect::<Vec<_>>(),
            ["d"]
        );
        assert!(!second.truncated);
        let under_c = page(all(), "c/", Some("/"), None, 10);
        assert_eq!(under_c.prefixes, ["c/x/"]);
        assert_eq!(under_c.objects[0].key, "c/y");
    }

    #[test]
    fn paging_never_drops_a_key_after_a_folder_marker_or_with_an_empty_delimiter() {
        let keys = || listed(&["a/", "a/x", "a/y/1", "b"]);
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let p = page(keys(), "a/", Some("/"), after.as_deref(), 1);
            seen.extend(p.objects.iter().map(|o| o.key.clone()));
            seen.extend(p.prefixes.iter().cloned());
            if !p.truncated {
                break;
            }
            after = p.last;
        }
        assert_eq!(seen, ["a/", "a/x", "a/y/"]);
        let all = page(keys(), "", Some(""), Some("a/"), 10);
        let names: Vec<_> = all.objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            names,
            ["a/x", "a/y/1", "b"],
            "an empty delimiter groups nothing"
        );
        assert!(all.prefixes.is_empty());
    }

    #[test]
    fn url_encoding_keeps_slashes_and_encodes_the_rest() {
        let url = EncodingType::from(EncodingType::URL.to_owned());
        let encode = encoder(Some(&url));
        assert_eq!(encode("a b+c%d/é".into()), "a%20b%2Bc%25d/%C3%A9");
        let plain = encoder(None);
        assert_eq!(plain("a b".into()), "a b");
    }
}
