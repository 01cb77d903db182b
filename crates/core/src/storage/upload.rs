//! Uploading a file as a private object, streamed from disk: one PUT for small files, a multipart
//! upload with a few parts in flight for large ones. Every request carries a CRC32C of its bytes that
//! the server checks. Progress goes to a callback; a cancellation token stops the upload, and a
//! multipart upload that fails or is cancelled is aborted so no orphaned parts stay behind. A
//! multipart upload cut short earlier can be resumed: the parts the server has are checked against
//! the file and kept. A file that changes while it uploads is refused, never half-shared.
//!
//! Every byte comes from the one descriptor opened when the file was checked (`pread`), never from
//! the path again: a file renamed over the path mid-upload changes nothing that is sent.

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use aws_smithy_types::body::SdkBody;
use base64::Engine;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use crate::storage::encrypt::Sealer;
use crate::storage::journal::FileStamp;
use crate::storage::{Bucket, StorageError};

/// Files up to this size go in one PUT.
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
const MIN_PART_SIZE: u64 = 8 * 1024 * 1024;
const MAX_PARTS: u64 = 10_000;
/// Parts in flight at once: enough to fill a link (the AWS CLI sends 10, rclone 4; 8 measured best
/// here against SeaweedFS, `make bench`), few enough to keep sockets modest. Memory stays flat:
/// parts stream from the file.
pub const PARTS_IN_FLIGHT: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("upload cancelled")]
    Cancelled,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(
        "the upload could not be finished and its parts could not be cleaned up ({detail}); LinkDrop cleans them up the next time it reaches the server"
    )]
    AbortFailed { upload_id: String, detail: String },
    #[error(
        "{path} changed while it was being shared (its size or modification time is not what it was): nothing was shared; share it again once it is complete"
    )]
    FileChanged { path: PathBuf },
    #[error("cannot keep track of the upload: {detail}")]
    Journal { detail: String },
}

/// Bytes sent so far out of the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub sent: u64,
    pub total: u64,
}

impl Progress {
    /// Whole percent sent, rounded down (100 only once every byte is sent); `None` while the
    /// total is unknown. The one place a percentage is computed: the window, the drop target and
    /// the tray all show this number.
    pub fn percent(&self) -> Option<u8> {
        (self.total > 0)
            .then(|| (u128::from(self.sent.min(self.total)) * 100 / u128::from(self.total)) as u8)
    }
}

/// What the server stored.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub size: u64,
    pub e_tag: Option<String>,
    /// Parts a resumed upload found already on the server and kept.
    pub reused_parts: u64,
}

/// The file to upload and how to label it.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// For messages only: the bytes come from `file`.
    pub path: &'a Path,
    /// The file as it was opened when it was checked.
    pub file: &'a Arc<File>,
    pub size: u64,
    pub content_type: &'a str,
    /// The file as it was checked: it must still be so when the upload ends.
    pub stamp: FileStamp,
    /// Encrypts the file as it is sent: `size` is then the encrypted object's size, and each
    /// part is encrypted in memory (parts in flight times the part size, 64 MiB at most).
    pub sealer: Option<&'a Sealer>,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Told about a multipart upload before its first part: its id, its part size, and whether it is
/// one resumed (already written down). An error stops the upload, which is then aborted.
pub type OnStarted<'a> = &'a (dyn Fn(&str, u64, bool) -> Result<(), String> + Send + Sync);

/// How a multipart upload begins.
pub struct Multipart<'a> {
    /// The id of an upload of this very file cut short earlier, to resume.
    pub resume: Option<String>,
    pub on_started: OnStarted<'a>,
}

pub async fn upload(
    bucket: &Bucket,
    key: &str,
    source: &Source<'_>,
    multipart: Multipart<'_>,
    on_progress: ProgressFn,
    cancel: &CancellationToken,
) -> Result<Uploaded, UploadError> {
    let tracker = Tracker::new(source.size, on_progress);
    if source.size <= MULTIPART_THRESHOLD {
        let put = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(UploadError::Cancelled),
            result = put_whole(bucket, key, source, &tracker) => result,
        }?;
        if !unchanged(source) {
            // The object holds bytes from before and after the change: no link may point at it.
            let _ = bucket
                .client
                .delete_object()
                .bucket(&bucket.name)
                .key(key)
                .send()
                .await;
            return Err(UploadError::FileChanged {
                path: source.path.to_owned(),
            });
        }
        Ok(put)
    } else {
        upload_multipart(bucket, key, source, multipart, &tracker, cancel).await
    }
}

/// The open file is still as it was checked (size and modification time): nobody wrote to it.
fn unchanged(source: &Source<'_>) -> bool {
    FileStamp::of_file(source.file).is_ok_and(|now| now == source.stamp)
}

async fn put_whole(
    bucket: &Bucket,
    key: &str,
    source: &Source<'_>,
    tracker: &Tracker,
) -> Result<Uploaded, UploadError> {
    let bytes = PartBytes::read(source, 0, source.size).await?;
    let crc = bytes.crc32c(source).await?;
    let body = bytes.body(source, tracker.slot());
    let output = bucket
        .client
        .put_object()
        .bucket(&bucket.name)
        .key(key)
        .content_type(source.content_type)
        .content_length(to_i64(source.size))
        .checksum_crc32_c(&crc)
        .body(body)
        .send()
        .await
        .map_err(|e| bucket.classify(e, "upload to it"))?;
    tracker.finish();
    Ok(Uploaded {
        size: source.size,
        e_tag: output.e_tag,
        reused_parts: 0,
    })
}

/// Part size for a file: at least 8 MiB, and large enough to stay within 10,000 parts.
pub fn part_size_for(size: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    let needed = size.div_ceil(MAX_PARTS);
    needed.max(MIN_PART_SIZE).div_ceil(MIB) * MIB
}

async fn upload_multipart(
    bucket: &Bucket,
    key: &str,
    source: &Source<'_>,
    multipart: Multipart<'_>,
    tracker: &Tracker,
    cancel: &CancellationToken,
) -> Result<Uploaded, UploadError> {
    if cancel.is_cancelled() {
        return Err(UploadError::Cancelled);
    }
    let part_size = part_size_for(source.size);
    // A resumed upload keeps the parts the server still has; one the server forgot (aborted by
    // a lifecycle rule, say) starts again from scratch.
    let resumed = match &multipart.resume {
        Some(id) => parts_on_server(bucket, key, id)
            .await
            .ok()
            .map(|p| (id.clone(), p)),
        None => None,
    };
    let (upload_id, on_server) = match resumed {
        Some((id, parts)) => {
            (multipart.on_started)(&id, part_size, true)
                .map_err(|detail| UploadError::Journal { detail })?;
            (id, parts)
        }
        None => {
            let id = create(bucket, key, source).await?;
            if let Err(detail) = (multipart.on_started)(&id, part_size, false) {
                abort(bucket, key, &id).await?;
                return Err(UploadError::Journal { detail });
            }
            (id, HashMap::new())
        }
    };

    let result = tokio::select! {
        biased;
        () = cancel.cancelled() => Err(UploadError::Cancelled),
        result = send_parts_and_complete(bucket, key, &upload_id, source, part_size, &on_server, tracker) => result,
    };
    if result.is_err() {
        // The parts are billed and invisible until aborted: always clean up, whatever failed.
        abort(bucket, key, &upload_id).await?;
    }
    result
}

async fn create(bucket: &Bucket, key: &str, source: &Source<'_>) -> Result<String, UploadError> {
    let created = bucket
        .client
        .create_multipart_upload()
        .bucket(&bucket.name)
        .key(key)
        .content_type(source.content_type)
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .map_err(|e| bucket.classify(e, "upload to it"))?;
    created.upload_id.ok_or_else(|| {
        StorageError::Service {
            endpoint: bucket.endpoint.clone(),
            code: "NoUploadId".into(),
            message: "the server started a multipart upload without an upload id".into(),
        }
        .into()
    })
}

/// A part the server holds: its size and what identifies its bytes.
#[derive(Debug, Clone)]
pub(crate) struct PartOnServer {
    pub(crate) size: u64,
    e_tag: Option<String>,
    checksum_crc32c: Option<String>,
}

/// Every part of an unfinished upload, by part number (ListParts pages through 1,000 at a time).
pub(crate) async fn parts_on_server(
    bucket: &Bucket,
    key: &str,
    upload_id: &str,
) -> Result<HashMap<i32, PartOnServer>, UploadError> {
    let mut parts = HashMap::new();
    let mut marker: Option<String> = None;
    loop {
        let page = bucket
            .client
            .list_parts()
            .bucket(&bucket.name)
            .key(key)
            .upload_id(upload_id)
            .set_part_number_marker(marker.clone())
            .send()
            .await
            .map_err(|e| bucket.classify(e, "resume an upload in it"))?;
        for part in page.parts() {
            if let Some(number) = part.part_number() {
                parts.insert(
                    number,
                    PartOnServer {
                        size: u64::try_from(part.size().unwrap_or(-1)).unwrap_or(u64::MAX),
                        e_tag: part.e_tag().map(str::to_owned),
                        checksum_crc32c: part.checksum_crc32_c().map(str::to_owned),
                    },
                );
            }
        }
        match page.next_part_number_marker() {
            Some(next) if page.is_truncated() == Some(true) => marker = Some(next.to_owned()),
            _ => return Ok(parts),
        }
    }
}

/// Whether the server's part holds exactly these bytes of the file: by its CRC32C when the
/// server keeps one, else by its ETag, the MD5 of the part when it is a plain one.
async fn part_matches(
    on_server: &PartOnServer,
    source: &Source<'_>,
    bytes: &PartBytes,
    crc: &str,
) -> Result<bool, UploadError> {
    if on_server.size != bytes.length() {
        return Ok(false);
    }
    if let Some(theirs) = &on_server.checksum_crc32c {
        return Ok(theirs == crc);
    }
    let Some(e_tag) = on_server
        .e_tag
        .as_deref()
        .map(|t| t.trim_matches('"').to_ascii_lowercase())
    else {
        return Ok(false);
    };
    if e_tag.len() != 32 || !e_tag.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false); // not an MD5 (encrypted with KMS, say): upload it again
    }
    Ok(bytes.md5(source).await? == e_tag)
}

async fn send_parts_and_complete(
    bucket: &Bucket,
    key: &str,
    upload_id: &str,
    source: &Source<'_>,
    part_size: u64,
    on_server: &HashMap<i32, PartOnServer>,
    tracker: &Tracker,
) -> Result<Uploaded, UploadError> {
    let count = source.size.div_ceil(part_size);
    let reused = AtomicU64::new(0);
    let parts: Vec<CompletedPart> = futures::stream::iter(0..count)
        .map(|index| {
            let offset = index * part_size;
            let length = part_size.min(source.size - offset);
            let part_number = i32::try_from(index + 1).unwrap_or(i32::MAX);
            let reused = &reused;
            async move {
                let bytes = PartBytes::read(source, offset, length).await?;
                let crc = bytes.crc32c(source).await?;
                if let Some(there) = on_server.get(&part_number)
                    && part_matches(there, source, &bytes, &crc).await?
                {
                    tracker.slot().store(length, Ordering::Relaxed);
                    reused.fetch_add(1, Ordering::Relaxed);
                    return Ok(CompletedPart::builder()
                        .part_number(part_number)
                        .set_e_tag(there.e_tag.clone())
                        .checksum_crc32_c(crc)
                        .build());
                }
                let body = bytes.body(source, tracker.slot());
                send_part(bucket, key, upload_id, body, part_number, length, crc).await
            }
        })
        .buffer_unordered(PARTS_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    // Every part is read from the open file as it is now: if it was written to meanwhile, the
    // parts may mix its old and new bytes. Checked before completing, so such an object never
    // exists.
    if !unchanged(source) {
        return Err(UploadError::FileChanged {
            path: source.path.to_owned(),
        });
    }
    let mut parts = parts;
    parts.sort_by_key(|p| p.part_number);
    let output = bucket
        .client
        .complete_multipart_upload()
        .bucket(&bucket.name)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(|e| bucket.classify(e, "upload to it"))?;
    tracker.finish();
    Ok(Uploaded {
        size: source.size,
        e_tag: output.e_tag,
        reused_parts: reused.into_inner(),
    })
}

async fn send_part(
    bucket: &Bucket,
    key: &str,
    upload_id: &str,
    body: ByteStream,
    part_number: i32,
    length: u64,
    crc: String,
) -> Result<CompletedPart, UploadError> {
    let output = bucket
        .client
        .upload_part()
        .bucket(&bucket.name)
        .key(key)
        .upload_id(upload_id)
        .part_number(part_number)
        .content_length(to_i64(length))
        .checksum_crc32_c(&crc)
        .body(body)
        .send()
        .await
        .map_err(|e| bucket.classify(e, "upload to it"))?;
    Ok(CompletedPart::builder()
        .part_number(part_number)
        .set_e_tag(output.e_tag)
        .checksum_crc32_c(crc)
        .build())
}

/// Aborts a multipart upload, retrying briefly: it must not be skipped because of one hiccup. Parts
/// that were still in flight can land after an abort (S3 documents this), so the upload is checked
/// and aborted again until no part is left.
pub async fn abort(bucket: &Bucket, key: &str, upload_id: &str) -> Result<(), UploadError> {
    for _ in 0..5 {
        abort_once(bucket, key, upload_id).await?;
        let parts = bucket
            .client
            .list_parts()
            .bucket(&bucket.name)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await;
        match parts {
            // Gone: the usual answer once an upload is aborted.
            Err(_) => return Ok(()),
            Ok(listed) if listed.parts().is_empty() => return Ok(()),
            Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Err(UploadError::AbortFailed {
        upload_id: upload_id.to_owned(),
        detail: "parts kept arriving after the upload was aborted".into(),
    })
}

async fn abort_once(bucket: &Bucket, key: &str, upload_id: &str) -> Result<(), UploadError> {
    let mut last = None;
    for attempt in 0..3u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
        }
        match bucket
            .client
            .abort_multipart_upload()
            .bucket(&bucket.name)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                let err = bucket.classify(e, "clean up an upload in it");
                // Already gone (aborted or completed elsewhere) is what we wanted.
                if let StorageError::NoSuchUpload { .. } = err {
                    return Ok(());
                }
                last = Some(err);
            }
        }
    }
    Err(UploadError::AbortFailed {
        upload_id: upload_id.to_owned(),
        detail: last.map(|e| e.to_string()).unwrap_or_default(),
    })
}

/// The bytes of one request: a range of the file, read from disk as it is sent; or, when the file
/// is encrypted on the way, that range of the encrypted object, made once in memory (off the
/// runtime) and then checksummed and sent from there.
enum PartBytes {
    File { offset: u64, length: u64 },
    Memory(Bytes),
}

impl PartBytes {
    async fn read(source: &Source<'_>, offset: u64, length: u64) -> Result<PartBytes, UploadError> {
        let Some(sealer) = source.sealer else {
            return Ok(PartBytes::File { offset, length });
        };
        let (sealer, file) = (sealer.clone(), source.file.clone());
        let made = tokio::task::spawn_blocking(move || {
            sealer.encrypt_range(offset, length, |at, buf| read_exact_at(&file, buf, at))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|made| made)
        .map_err(|e| UploadError::Read {
            path: source.path.to_owned(),
            source: e,
        })?;
        Ok(PartBytes::Memory(Bytes::from(made)))
    }

    fn length(&self) -> u64 {
        match self {
            PartBytes::File { length, .. } => *length,
            PartBytes::Memory(bytes) => bytes.len() as u64,
        }
    }

    /// CRC32C, base64 as S3 wants it.
    async fn crc32c(&self, source: &Source<'_>) -> Result<String, UploadError> {
        match self {
            PartBytes::File { offset, length } => crc32c_of_range(source, *offset, *length).await,
            PartBytes::Memory(bytes) => Ok(base64::engine::general_purpose::STANDARD
                .encode(crc32c::crc32c(bytes).to_be_bytes())),
        }
    }

    /// MD5, hex, as S3 gives a plain part's ETag.
    async fn md5(&self, source: &Source<'_>) -> Result<String, UploadError> {
        use md5::Digest;
        match self {
            PartBytes::File { offset, length } => md5_of_range(source, *offset, *length).await,
            PartBytes::Memory(bytes) => {
                Ok(data_encoding::HEXLOWER.encode(&md5::Md5::digest(bytes)))
            }
        }
    }

    /// A retryable body, counted as it is sent.
    fn body(&self, source: &Source<'_>, counter: Arc<AtomicU64>) -> ByteStream {
        match self {
            PartBytes::File { offset, length } => file_body(source.file, *offset, *length, counter),
            PartBytes::Memory(bytes) => {
                let bytes = bytes.clone();
                ByteStream::new(SdkBody::retryable(move || {
                    counter.store(0, Ordering::Relaxed);
                    SdkBody::from_body_1_x(MemoryRange {
                        rest: bytes.clone(),
                        counter: counter.clone(),
                    })
                }))
            }
        }
    }
}

/// Bytes in memory handed out in `READ_CHUNK` slices (no copy), counted like a file's.
struct MemoryRange {
    rest: Bytes,
    counter: Arc<AtomicU64>,
}

impl http_body::Body for MemoryRange {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        let n = self.rest.len().min(READ_CHUNK as usize);
        let frame = self.rest.split_to(n);
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(http_body::Frame::data(frame))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.rest.len() as u64)
    }
}

/// A retryable body of `length` bytes at `offset` of the open file, counted as they are sent.
fn file_body(file: &Arc<File>, offset: u64, length: u64, counter: Arc<AtomicU64>) -> ByteStream {
    let file = file.clone();
    ByteStream::new(SdkBody::retryable(move || {
        // A retry starts the count for this body again.
        counter.store(0, Ordering::Relaxed);
        SdkBody::from_body_1_x(FileRange::new(
            file.clone(),
            offset,
            length,
            counter.clone(),
        ))
    }))
}

/// How much of the file one read takes: what tokio's own file reads use, and enough to keep a
/// socket busy.
const READ_CHUNK: u64 = 256 * 1024;

/// `length` bytes of a file at `offset`, read with `pread` off the async workers, the next chunk
/// read while the last one is sent.
struct FileRange {
    file: Arc<File>,
    offset: u64,
    remaining: u64,
    counter: Arc<AtomicU64>,
    reading: Option<tokio::task::JoinHandle<std::io::Result<Bytes>>>,
}

impl FileRange {
    fn new(file: Arc<File>, offset: u64, length: u64, counter: Arc<AtomicU64>) -> FileRange {
        let mut range = FileRange {
            file,
            offset,
            remaining: length,
            counter,
            reading: None,
        };
        range.read_next();
        range
    }

    /// Starts reading the chunk after what was handed out (nothing when the range is done).
    fn read_next(&mut self) {
        if self.remaining == 0 {
            return;
        }
        let (file, offset, len) = (
            self.file.clone(),
            self.offset,
            self.remaining.min(READ_CHUNK),
        );
        self.reading = Some(tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; len as usize];
            read_exact_at(&file, &mut buf, offset)?;
            Ok(Bytes::from(buf))
        }));
    }
}

impl http_body::Body for FileRange {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let Some(reading) = self.reading.as_mut() else {
            return Poll::Ready(None);
        };
        let read = match Pin::new(reading).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(read) => read,
        };
        self.reading = None;
        let bytes = match read {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(e)) => return Poll::Ready(Some(Err(Box::new(e)))),
            Err(e) => return Poll::Ready(Some(Err(Box::new(e)))),
        };
        let n = bytes.len() as u64;
        self.offset += n;
        self.remaining -= n;
        self.counter.fetch_add(n, Ordering::Relaxed);
        self.read_next();
        Poll::Ready(Some(Ok(http_body::Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

impl Drop for FileRange {
    fn drop(&mut self) {
        if let Some(reading) = self.reading.take() {
            reading.abort();
        }
    }
}

/// Fills `buf` from the file at `offset`, whatever its cursor (so parts read at once never get
/// in each other's way); a file that ends early is an error.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset).map_err(shorter)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match file.seek_read(&mut buf[done..], offset + done as u64)? {
                0 => return Err(shorter(std::io::ErrorKind::UnexpectedEof.into())),
                n => done += n,
            }
        }
        Ok(())
    }
}

fn shorter(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the file became shorter while it was being shared",
        )
    } else {
        e
    }
}

/// Feeds a byte range of the open file to `digest` in 1 MiB reads, off the runtime.
async fn digest_range<D: Send + 'static>(
    source: &Source<'_>,
    offset: u64,
    length: u64,
    mut digest: D,
    update: fn(&mut D, &[u8]),
) -> Result<D, UploadError> {
    let file = source.file.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<D> {
        let mut buf = vec![0u8; 1024 * 1024];
        let mut done = 0u64;
        while done < length {
            let n = (length - done).min(buf.len() as u64) as usize;
            read_exact_at(&file, &mut buf[..n], offset + done)?;
            update(&mut digest, &buf[..n]);
            done += n as u64;
        }
        Ok(digest)
    })
    .await
    .map_err(|e| UploadError::Read {
        path: source.path.to_owned(),
        source: std::io::Error::other(e),
    })?
    .map_err(|e| UploadError::Read {
        path: source.path.to_owned(),
        source: e,
    })
}

/// CRC32C of a byte range of the file, base64 as S3 wants it.
async fn crc32c_of_range(
    source: &Source<'_>,
    offset: u64,
    length: u64,
) -> Result<String, UploadError> {
    let crc = digest_range(source, offset, length, 0u32, |crc, bytes| {
        *crc = crc32c::crc32c_append(*crc, bytes);
    })
    .await?;
    Ok(base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes()))
}

/// MD5 of a byte range of the file, hex, as S3 gives a plain part's ETag.
async fn md5_of_range(
    source: &Source<'_>,
    offset: u64,
    length: u64,
) -> Result<String, UploadError> {
    use md5::Digest;
    let hash = digest_range(source, offset, length, md5::Md5::new(), |hash, bytes| {
        hash.update(bytes);
    })
    .await?;
    Ok(data_encoding::HEXLOWER.encode(&hash.finalize()))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Sums the bytes sent by every body and reports them, at most ten times a second.
struct Tracker {
    total: u64,
    slots: Arc<std::sync::Mutex<Vec<Arc<AtomicU64>>>>,
    on_progress: ProgressFn,
    ticker: tokio::task::JoinHandle<()>,
}

impl Tracker {
    const TICK: Duration = Duration::from_millis(100);

    fn new(total: u64, on_progress: ProgressFn) -> Self {
        let slots: Arc<std::sync::Mutex<Vec<Arc<AtomicU64>>>> = Arc::default();
        on_progress(Progress { sent: 0, total });
        let ticker = {
            let slots = slots.clone();
            let on_progress = on_progress.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut interval = tokio::time::interval(Self::TICK);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                loop {
                    interval.tick().await;
                    let sent = sum(&slots).min(total);
                    if sent != last {
                        last = sent;
                        on_progress(Progress { sent, total });
                    }
                }
            })
        };
        Tracker {
            total,
            slots,
            on_progress,
            ticker,
        }
    }

    fn slot(&self) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(0));
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(counter.clone());
        counter
    }

    fn finish(&self) {
        self.ticker.abort();
        (self.on_progress)(Progress {
            sent: self.total,
            total: self.total,
        });
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}

fn sum(slots: &std::sync::Mutex<Vec<Arc<AtomicU64>>>) -> u64 {
    slots
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_down_and_reaches_100_only_at_the_end() {
        let p = |sent, total| Progress { sent, total }.percent();
        assert_eq!(p(0, 0), None);
        assert_eq!(p(0, 10), Some(0));
        assert_eq!(p(999, 1000), Some(99));
        assert_eq!(p(1000, 1000), Some(100));
        // More reported than the total (a file that grew) never shows more than 100.
        assert_eq!(p(2000, 1000), Some(100));
        assert_eq!(p(u64::MAX - 1, u64::MAX), Some(99));
    }

    #[test]
    fn part_sizes_stay_within_s3_limits() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(part_size_for(64 * MIB), 8 * MIB);
        // 5 TiB, the largest S3 object, fits in 10,000 parts.
        let five_tib = 5 * 1024 * 1024 * MIB;
        let part = part_size_for(five_tib);
        assert!(five_tib.div_ceil(part) <= MAX_PARTS);
        assert_eq!(part % MIB, 0);
    }

    fn source<'a>(path: &'a Path, file: &'a Arc<File>) -> Source<'a> {
        Source {
            path,
            file,
            size: file.metadata().unwrap().len(),
            content_type: "application/octet-stream",
            sealer: None,
            stamp: FileStamp::of_file(file).unwrap(),
        }
    }

    #[tokio::test]
    async fn crc32c_matches_the_known_vector() {
        // RFC 3720 B.4: CRC32C of 32 zero bytes is 0x8A9136AA.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zeros");
        std::fs::write(&path, [0u8; 40]).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        let b64 = crc32c_of_range(&source(&path, &file), 4, 32).await.unwrap();
        let expected =
            base64::engine::general_purpose::STANDARD.encode(0x8A91_36AAu32.to_be_bytes());
        assert_eq!(b64, expected);
    }

    #[tokio::test]
    async fn a_file_that_shrank_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short");
        std::fs::write(&path, [1u8; 10]).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        assert!(matches!(
            crc32c_of_range(&source(&path, &file), 0, 20).await,
            Err(UploadError::Read { .. })
        ));
    }

    /// The body reads the descriptor it was given: a file renamed over the path afterwards
    /// changes nothing that is sent.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_body_is_the_open_file_whatever_the_path_becomes() {
        use http_body_util::BodyExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        let original: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &original).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        let swapped = dir.path().join("swap");
        std::fs::write(&swapped, vec![0xAAu8; original.len()]).unwrap();
        std::fs::rename(&swapped, &path).unwrap();
        let counter = Arc::new(AtomicU64::new(0));
        let body = FileRange::new(file, 1000, 600_000, counter.clone());
        let sent = body.collect().await.unwrap().to_bytes();
        assert!(
            sent.as_ref() == &original[1000..601_000],
            "the bytes of the file opened"
        );
        assert_eq!(counter.load(Ordering::Relaxed), 600_000);
    }
}
