//! How the embedded store keeps buckets, objects and multipart uploads on disk. A key is not a
//! path: each object is a metadata file named by the SHA-256 of its key, beside the immutable
//! files that hold its bytes, so any key S3 takes can be kept (`a/b` and `a/b/c` both, `%`, `+`,
//! spaces) and no key can name a file outside its bucket.
//!
//! ```text
//! root/buckets/<bucket>/objects/<h[..2]>/<h>.json        the object: key, size, ETag, type, …
//! root/buckets/<bucket>/data/<h[..2]>/<h>.<version>.<n>   its bytes, one file per segment
//! root/uploads/<upload id>/upload.json, part-<n>, part-<n>.json
//! root/completed/<upload id>.json                           a finished upload, for retries
//! root/tmp/                                                 bytes on their way in
//! ```
//!
//! A single PUT is one segment; a completed multipart upload is its parts, moved (renamed) into
//! place as its segments, so completing takes no pass over the data and its ETag (the MD5 of the
//! parts' MD5s) and composite CRC32C come from what each part recorded when it arrived. Segment
//! files are never changed once written: an overwrite writes new ones under a new version and
//! swaps the metadata file by rename, so a reader sees the old object or the new one, whole.
//!
//! Written by hand rather than kept on s3s-fs, whose layout maps keys to paths (`a/b` and `a/b/c`
//! cannot both exist, `../x` leaves the bucket) and which re-reads and re-writes every part to
//! complete an upload.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use md5::Digest;
use serde::{Deserialize, Serialize};

use super::lifecycle::Rule;

/// What S3 requires of every part but the last.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// How long a completed upload is remembered, so that a client's retry of the completion (its
/// first answer lost on the way) gets the same success.
const COMPLETED_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// What went wrong, in S3's terms.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error("no such bucket")]
    NoSuchBucket,
    #[error("bucket exists")]
    BucketExists,
    #[error("bucket is not empty")]
    BucketNotEmpty,
    #[error("no such key")]
    NoSuchKey,
    #[error("no such upload")]
    NoSuchUpload,
    #[error("{0}")]
    InvalidPart(String),
    #[error("parts must be listed in ascending order")]
    InvalidPartOrder,
    #[error("part {0} is smaller than 5 MiB and not the last")]
    EntityTooSmall(i32),
    #[error("the object is not what the request's precondition says")]
    PreconditionFailed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Why a directory cannot be opened as a store.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0} is served by another store already (it holds the directory's lock)")]
    InUse(PathBuf),
    #[error(
        "{0} is not empty and is not a store's directory: give an empty (or new) directory, so that nothing in it is taken for the store's"
    )]
    NotAStore(PathBuf),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The file that says a directory is a store's: nothing of a directory without it is touched.
const MARKER: &str = ".linkdrop-store";

/// What the store knows of an object besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// User metadata (`x-amz-meta-*`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Checksums, base64 as S3 writes them; a multipart object's are composite (`…-N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksums {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32c: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64nvme: Option<String>,
}

/// One file of an object's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Its name in the bucket's data directory for this key.
    pub file: String,
    pub size: u64,
}

/// A test on the object a write would replace (`None`: there is none), made under the lock.
pub type Condition = dyn Fn(Option<&Object>) -> bool;

/// An object as its metadata file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    pub key: String,
    pub size: u64,
    /// Without quotes: an MD5 in hex, or `…-N` for a multipart object.
    pub e_tag: String,
    pub last_modified: DateTime<Utc>,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub checksums: Checksums,
    pub segments: Vec<Segment>,
}

/// A part of an unfinished upload, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub number: i32,
    pub size: u64,
    /// MD5 in hex: the part's ETag.
    pub md5: String,
    #[serde(default)]
    pub checksums: Checksums,
    pub last_modified: DateTime<Utc>,
}

/// An unfinished multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub bucket: String,
    pub key: String,
    pub initiated: DateTime<Utc>,
    #[serde(default)]
    pub attributes: Attributes,
    /// The checksum algorithm the upload was created with, as S3 names it (`CRC32C`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
}

/// A finished upload, remembered for a while for retries of its completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Completed {
    bucket: String,
    key: String,
    e_tag: String,
    checksums: Checksums,
    at: DateTime<Utc>,
}

/// The object a completion made (or made before, for a retry).
#[derive(Debug, Clone)]
pub struct Finished {
    pub e_tag: String,
    pub checksums: Checksums,
}

/// A listing's entries, in key order.
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    pub e_tag: String,
    pub last_modified: DateTime<Utc>,
}

/// Bytes written to a temporary file, with what was computed over them on the way.
pub struct Incoming {
    pub path: PathBuf,
    pub size: u64,
    pub md5: String,
    pub checksums: Checksums,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Moved into place (renamed away) or not kept: either way nothing is left in tmp/.
        let _ = std::fs::remove_file(&self.path);
    }
}

pub struct Disk {
    root: PathBuf,
    /// Held as long as the store runs: one store per directory, and a second one started by
    /// mistake touches nothing (it would clean out the first one's uploads on their way in).
    _lock: File,
}

/// Writes a file and makes it durable before it is renamed into place: an answered request is
/// not undone by a power cut.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_data()
}

fn to_json<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Makes a directory's entries (renames into it) durable.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn key_hash(key: &str) -> String {
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(key.as_bytes()))
}

fn random_id() -> String {
    data_encoding::HEXLOWER.encode(&rand::random::<[u8; 16]>())
}

/// A new upload id, in the UUID shape clients and LinkDrop's own journal expect.
fn new_upload_id() -> String {
    let hex = random_id();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Only the ids this store hands out may name a directory.
fn valid_upload_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> std::io::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl Disk {
    /// The store in `root`, its directories made and locked for this process. A directory that
    /// holds other things is refused, unless `legacy` says it is LinkDrop's own store of the old
    /// layout (see `legacy`, which the caller runs next).
    pub fn open(root: &Path, legacy: bool) -> Result<Disk, OpenError> {
        let marked = root.join(MARKER).is_file();
        let empty = std::fs::read_dir(root).map_or(true, |mut d| d.next().is_none());
        let old_layout = legacy && root.join("objects").is_dir();
        if !(marked || empty || old_layout) {
            return Err(OpenError::NotAStore(root.to_owned()));
        }
        std::fs::create_dir_all(root)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(MARKER))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OpenError::InUse(root.to_owned()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        let disk = Disk {
            root: root.to_owned(),
            _lock: lock,
        };
        for dir in ["buckets", "uploads", "completed", "tmp"] {
            std::fs::create_dir_all(root.join(dir))?;
        }
        // What a crash left on its way in (no other store runs here: the lock says so).
        for entry in std::fs::read_dir(disk.tmp())?.flatten() {
            let _ = std::fs::remove_file(entry.path())
                .or_else(|_| std::fs::remove_dir_all(entry.path()));
        }
        disk.forget_old_completions();
        disk.sweep_orphans();
        Ok(disk)
    }

    fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.root.join("buckets").join(bucket)
    }

    fn meta_path(&self, bucket: &str, key: &str) -> (PathBuf, String) {
        let hash = key_hash(key);
        let path = self
            .bucket_dir(bucket)
            .join("objects")
            .join(&hash[..2])
            .join(format!("{hash}.json"));
        (path, hash)
    }

    fn data_dir(&self, bucket: &str, hash: &str) -> PathBuf {
        self.bucket_dir(bucket).join("data").join(&hash[..2])
    }

    fn upload_dir(&self, id: &str) -> Result<PathBuf, DiskError> {
        if !valid_upload_id(id) {
            return Err(DiskError::NoSuchUpload);
        }
        Ok(self.root.join("uploads").join(id))
    }

    fn require_bucket(&self, bucket: &str) -> Result<PathBuf, DiskError> {
        let dir = self.bucket_dir(bucket);
        if dir.is_dir() {
            Ok(dir)
        } else {
            Err(DiskError::NoSuchBucket)
        }
    }

    /// A file to write incoming bytes to.
    pub fn incoming_file(&self) -> std::io::Result<(PathBuf, File)> {
        let path = self.tmp().join(format!("in-{}", random_id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok((path, file))
    }

    // Buckets.

    pub fn create_bucket(&self, bucket: &str) -> Result<(), DiskError> {
        let dir = self.bucket_dir(bucket);
        match std::fs::create_dir(&dir) {
            Ok(()) => {
                std::fs::create_dir_all(dir.join("objects"))?;
                std::fs::create_dir_all(dir.join("data"))?;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(DiskError::BucketExists),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes the bucket if it is not there yet.
    pub fn ensure_bucket(&self, bucket: &str) -> Result<(), DiskError> {
        match self.create_bucket(bucket) {
            Ok(()) | Err(DiskError::BucketExists) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub fn bucket_exists(&self, bucket: &str) -> bool {
        self.bucket_dir(bucket).is_dir()
    }

    pub fn delete_bucket(&self, bucket: &str) -> Result<(), DiskError> {
        let dir = self.require_bucket(bucket)?;
        if !self.list(bucket)?.is_empty() {
            return Err(DiskError::BucketNotEmpty);
        }
        // Aside first, so that the bucket is gone at once, whatever removing takes.
        let aside = self.tmp().join(format!("bucket-{}", random_id()));
        std::fs::rename(&dir, &aside)?;
        std::fs::remove_dir_all(&aside)?;
        Ok(())
    }

    /// Every bucket, by name, with when it was made.
    pub fn buckets(&self) -> Result<Vec<(String, DateTime<Utc>)>, DiskError> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.root.join("buckets"))?.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let made = entry
                .metadata()
                .and_then(|m| m.created().or_else(|_| m.modified()))
                .map(DateTime::<Utc>::from)
                .unwrap_or_else(|_| Utc::now());
            found.push((name, made));
        }
        found.sort();
        Ok(found)
    }

    // Objects.

    /// The object at `key`, if there is one.
    pub fn object(&self, bucket: &str, key: &str) -> Result<Object, DiskError> {
        self.require_bucket(bucket)?;
        let (path, _) = self.meta_path(bucket, key);
        read_json::<Object>(&path)?
            .filter(|o| o.key == key)
            .ok_or(DiskError::NoSuchKey)
    }

    /// The object's segment files, opened: once open they stay readable whatever happens to the
    /// key (an overwrite removes the old files, which open descriptors keep alive).
    pub fn open_object(&self, bucket: &str, key: &str) -> Result<(Object, Vec<File>), DiskError> {
        // An overwrite between reading the metadata and opening its files: read it again.
        for _ in 0..5 {
            let object = self.object(bucket, key)?;
            let (_, hash) = self.meta_path(bucket, key);
            let dir = self.data_dir(bucket, &hash);
            let opened: std::io::Result<Vec<File>> = object
                .segments
                .iter()
                .map(|s| File::open(dir.join(&s.file)))
                .collect();
            match opened {
                Ok(files) => return Ok((object, files)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DiskError::NoSuchKey)
    }

    /// Writes `object` as the one at its key, its segments `(file in tmp, name)` moved into place
    /// first; the object it replaces, if any, has its files removed. With a `condition`, it is
    /// written only if the condition holds of the object there now (checked under the lock, so two
    /// conditional writers cannot both win).
    fn commit(
        &self,
        bucket: &str,
        object: &Object,
        moves: Vec<(PathBuf, String)>,
        condition: Option<&Condition>,
    ) -> Result<(), DiskError> {
        let (meta, hash) = self.meta_path(bucket, &object.key);
        let data = self.data_dir(bucket, &hash);
        std::fs::create_dir_all(&data)?;
        let meta_dir = meta.parent().unwrap_or(&self.root).to_owned();
        std::fs::create_dir_all(&meta_dir)?;
        let mut placed = Vec::new();
        let undo = |placed: &[PathBuf]| {
            for file in placed {
                let _ = std::fs::remove_file(file);
            }
        };
        for (from, name) in &moves {
            if let Err(e) = std::fs::rename(from, data.join(name)) {
                undo(&placed);
                return Err(e.into());
            }
            placed.push(data.join(name));
        }
        sync_dir(&data);
        let tmp = self.tmp().join(format!("meta-{}", random_id()));
        let written = to_json(object).and_then(|json| write_synced(&tmp, &json));
        if let Err(e) = written {
            undo(&placed);
            return Err(e.into());
        }
        // One writer at a time replaces an object (processes too: the lock is a file's), so
        // that each replaced object's files are removed once, by the one that replaced it.
        let lock = File::create(self.bucket_dir(bucket).join(".lock"))?;
        lock.lock()?;
        let old = read_json::<Object>(&meta)
            .ok()
            .flatten()
            .filter(|o| o.key == object.key);
        if let Some(condition) = condition
            && !condition(old.as_ref())
        {
            drop(lock);
            let _ = std::fs::remove_file(&tmp);
            undo(&placed);
            return Err(DiskError::PreconditionFailed);
        }
        let renamed = std::fs::rename(&tmp, &meta);
        drop(lock);
        if let Err(e) = renamed {
            let _ = std::fs::remove_file(&tmp);
            undo(&placed);
            return Err(e.into());
        }
        sync_dir(&meta_dir);
        if let Some(old) = old {
            for segment in old.segments {
                if !object.segments.iter().any(|s| s.file == segment.file) {
                    let _ = std::fs::remove_file(data.join(segment.file));
                }
            }
        }
        Ok(())
    }

    /// Keeps incoming bytes as the object at `key`, if `condition` (when given) holds of the
    /// object there now.
    pub fn put(
        &self,
        bucket: &str,
        key: &str,
        incoming: &Incoming,
        attributes: Attributes,
        condition: Option<&Condition>,
    ) -> Result<Object, DiskError> {
        self.require_bucket(bucket)?;
        let (_, hash) = self.meta_path(bucket, key);
        let file = format!("{hash}.{}.0", random_id());
        let object = Object {
            key: key.to_owned(),
            size: incoming.size,
            e_tag: incoming.md5.clone(),
            last_modified: Utc::now(),
            attributes,
            checksums: incoming.checksums.clone(),
            segments: vec![Segment {
                file: file.clone(),
                size: incoming.size,
            }],
        };
        self.commit(
            bucket,
            &object,
            vec![(incoming.path.clone(), file)],
            condition,
        )?;
        Ok(object)
    }

    /// Copies an object: its files are linked, not copied (they never change), where the file
    /// system allows, and copied where it does not.
    pub fn copy(
        &self,
        from: (&str, &str),
        to: (&str, &str),
        attributes: Option<Attributes>,
    ) -> Result<Object, DiskError> {
        let (source, files) = self.open_object(from.0, from.1)?;
        self.require_bucket(to.0)?;
        let (_, from_hash) = self.meta_path(from.0, from.1);
        let (_, to_hash) = self.meta_path(to.0, to.1);
        let from_dir = self.data_dir(from.0, &from_hash);
        let version = random_id();
        let mut moves = Vec::new();
        let mut segments = Vec::new();
        for (n, (segment, mut file)) in source.segments.iter().zip(files).enumerate() {
            let staged = self.tmp().join(format!("copy-{}", random_id()));
            if std::fs::hard_link(from_dir.join(&segment.file), &staged).is_err() {
                let mut out = File::create(&staged)?;
                std::io::copy(&mut file, &mut out)?;
            }
            let name = format!("{to_hash}.{version}.{n}");
            moves.push((staged, name.clone()));
            segments.push(Segment {
                file: name,
                size: segment.size,
            });
        }
        let object = Object {
            key: to.1.to_owned(),
            last_modified: Utc::now(),
            attributes: attributes.unwrap_or_else(|| source.attributes.clone()),
            segments,
            ..source
        };
        let result = self.commit(to.0, &object, moves.clone(), None);
        for (staged, _) in moves {
            let _ = std::fs::remove_file(staged);
        }
        result.map(|()| object)
    }

    /// Deletes the object at `key`; one that is not there is not an error (as in S3).
    pub fn delete(&self, bucket: &str, key: &str) -> Result<(), DiskError> {
        self.delete_if(bucket, key, |_| true).map(|_| ())
    }

    /// Deletes the object at `key` if `still` accepts it, decided under the bucket's lock (a
    /// lifecycle rule deletes the object that was due, not one written since). Whether one went.
    pub fn delete_if(
        &self,
        bucket: &str,
        key: &str,
        still: impl FnOnce(&Object) -> bool,
    ) -> Result<bool, DiskError> {
        self.require_bucket(bucket)?;
        let (meta, hash) = self.meta_path(bucket, key);
        let lock = File::create(self.bucket_dir(bucket).join(".lock"))?;
        lock.lock()?;
        let old = match read_json::<Object>(&meta) {
            Ok(Some(old)) if old.key == key => old,
            Ok(_) => return Ok(false),
            // Unreadable (a power cut mid-write): it goes, and its files with the next sweep.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                std::fs::remove_file(&meta)?;
                return Ok(true);
            }
            Err(e) => return Err(e.into()),
        };
        if !still(&old) {
            return Ok(false);
        }
        std::fs::remove_file(&meta)?;
        drop(lock);
        let data = self.data_dir(bucket, &hash);
        for segment in old.segments {
            let _ = std::fs::remove_file(data.join(segment.file));
        }
        Ok(true)
    }

    // Lifecycle configuration.

    fn lifecycle_path(&self, bucket: &str) -> Result<PathBuf, DiskError> {
        Ok(self.require_bucket(bucket)?.join("lifecycle.json"))
    }

    /// The bucket's lifecycle rules as they were put; `None` when it has none.
    pub fn lifecycle(&self, bucket: &str) -> Result<Option<Vec<Rule>>, DiskError> {
        Ok(read_json(&self.lifecycle_path(bucket)?)?)
    }

    /// Replaces the bucket's lifecycle rules (`None`: removes them).
    pub fn set_lifecycle(&self, bucket: &str, rules: Option<&[Rule]>) -> Result<(), DiskError> {
        let path = self.lifecycle_path(bucket)?;
        let Some(rules) = rules else {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            };
        };
        let staged = self.tmp().join(format!("lifecycle-{}", random_id()));
        write_synced(&staged, &to_json(&rules)?)?;
        std::fs::rename(&staged, &path)?;
        sync_dir(path.parent().unwrap_or(&self.root));
        Ok(())
    }

    /// Every object of the bucket, in key order (S3's: by UTF-8 bytes).
    pub fn list(&self, bucket: &str) -> Result<Vec<Listed>, DiskError> {
        let dir = self.require_bucket(bucket)?.join("objects");
        let mut found = Vec::new();
        for fan in std::fs::read_dir(&dir)?.flatten() {
            for entry in std::fs::read_dir(fan.path())?.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                // Removed meanwhile by a delete: not there.
                if let Ok(Some(object)) = read_json::<Object>(&path) {
                    found.push(Listed {
                        key: object.key,
                        size: object.size,
                        e_tag: object.e_tag,
                        last_modified: object.last_modified,
                    });
                }
            }
        }
        found.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        Ok(found)
    }

    // Multipart uploads.

    pub fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        attributes: Attributes,
        checksum_algorithm: Option<String>,
    ) -> Result<Upload, DiskError> {
        self.require_bucket(bucket)?;
        let upload = Upload {
            id: new_upload_id(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            initiated: Utc::now(),
            attributes,
            checksum_algorithm,
        };
        let staged = self.tmp().join(format!("upload-{}", upload.id));
        std::fs::create_dir(&staged)?;
        write_synced(&staged.join("upload.json"), &to_json(&upload)?)?;
        std::fs::rename(&staged, self.upload_dir(&upload.id)?)?;
        Ok(upload)
    }

    /// The unfinished upload `id` of `key` in `bucket`.
    pub fn upload(&self, bucket: &str, key: &str, id: &str) -> Result<Upload, DiskError> {
        let dir = self.upload_dir(id)?;
        read_json::<Upload>(&dir.join("upload.json"))?
            .filter(|u| u.bucket == bucket && u.key == key)
            .ok_or(DiskError::NoSuchUpload)
    }

    /// Keeps incoming bytes as part `number` of the upload. A part that lands after its upload
    /// was aborted or completed is dropped: the upload's directory is gone, and so is it.
    pub fn put_part(
        &self,
        upload: &Upload,
        number: i32,
        incoming: &Incoming,
    ) -> Result<Part, DiskError> {
        let dir = self.upload_dir(&upload.id)?;
        let part = Part {
            number,
            size: incoming.size,
            md5: incoming.md5.clone(),
            checksums: incoming.checksums.clone(),
            last_modified: Utc::now(),
        };
        let meta_tmp = self.tmp().join(format!("part-{}", random_id()));
        write_synced(&meta_tmp, &to_json(&part)?)?;
        let gone = |e: std::io::Error| {
            let _ = std::fs::remove_file(&meta_tmp);
            if e.kind() == std::io::ErrorKind::NotFound {
                DiskError::NoSuchUpload
            } else {
                DiskError::Io(e)
            }
        };
        // The bytes first, then what they are: a part is listed only once both are there.
        std::fs::rename(&incoming.path, dir.join(format!("part-{number}"))).map_err(gone)?;
        std::fs::rename(&meta_tmp, dir.join(format!("part-{number}.json"))).map_err(gone)?;
        Ok(part)
    }

    /// The upload's parts, by number.
    pub fn parts(&self, upload: &Upload) -> Result<Vec<Part>, DiskError> {
        let dir = self.upload_dir(&upload.id)?;
        let mut parts = Vec::new();
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DiskError::NoSuchUpload
            } else {
                DiskError::Io(e)
            }
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !(name.starts_with("part-") && name.ends_with(".json")) {
                continue;
            }
            if let Ok(Some(part)) = read_json::<Part>(&entry.path()) {
                parts.push(part);
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Every unfinished upload in the bucket whose key starts with `prefix`.
    pub fn uploads(&self, bucket: &str, prefix: &str) -> Result<Vec<Upload>, DiskError> {
        self.require_bucket(bucket)?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.root.join("uploads"))?.flatten() {
            if let Ok(Some(upload)) = read_json::<Upload>(&entry.path().join("upload.json"))
                && upload.bucket == bucket
                && upload.key.starts_with(prefix)
            {
                found.push(upload);
            }
        }
        found.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(found)
    }

    /// Aborts the upload: its parts go, and a part still arriving goes when it lands.
    pub fn abort(&self, bucket: &str, key: &str, id: &str) -> Result<(), DiskError> {
        self.upload(bucket, key, id)?;
        let dir = self.upload_dir(id)?;
        let aside = self.tmp().join(format!("aborted-{}", random_id()));
        std::fs::rename(&dir, &aside).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                DiskError::NoSuchUpload
            } else {
                DiskError::Io(e)
            }
        })?;
        std::fs::remove_dir_all(&aside)?;
        Ok(())
    }

    /// Completes the upload with the parts the client lists `(number, ETag)`: each must be one
    /// that arrived, with that ETag, in ascending order, and all but the last at least 5 MiB.
    /// The parts become the object's segments by hard links (no copy), and the upload goes only
    /// once the object is in place: a completion that fails midway leaves the upload as it was,
    /// to complete again. A completion sent again for an upload that completed (its first answer
    /// lost) gets the same answer.
    pub fn complete(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        listed: &[(i32, String)],
    ) -> Result<Finished, DiskError> {
        if let Ok(done) = self.completed_before(bucket, key, id) {
            // Finished, but a crash came before its directory went.
            self.remove_upload_dir(id);
            return Ok(done);
        }
        let upload = match self.upload(bucket, key, id) {
            Ok(upload) => upload,
            Err(DiskError::NoSuchUpload) => return self.completed_before(bucket, key, id),
            Err(e) => return Err(e),
        };
        if listed.is_empty() {
            return Err(DiskError::InvalidPart(
                "You must specify at least one part".into(),
            ));
        }
        let parts: BTreeMap<i32, Part> = self
            .parts(&upload)?
            .into_iter()
            .map(|p| (p.number, p))
            .collect();
        if listed.windows(2).any(|w| w[1].0 <= w[0].0) {
            return Err(DiskError::InvalidPartOrder);
        }
        let mut chosen = Vec::with_capacity(listed.len());
        for (i, (number, e_tag)) in listed.iter().enumerate() {
            let part = parts
                .get(number)
                .ok_or_else(|| DiskError::InvalidPart(format!("part {number} was not uploaded")))?;
            let given = e_tag.trim().trim_matches('"');
            if !given.eq_ignore_ascii_case(&part.md5) {
                return Err(DiskError::InvalidPart(format!(
                    "part {number}'s ETag is not the one given"
                )));
            }
            if i + 1 < listed.len() && part.size < MIN_PART_SIZE {
                return Err(DiskError::EntityTooSmall(*number));
            }
            chosen.push(part.clone());
        }
        let mut md5s = md5::Md5::new();
        for part in &chosen {
            let raw = data_encoding::HEXLOWER_PERMISSIVE
                .decode(part.md5.as_bytes())
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            md5s.update(&raw);
        }
        let e_tag = format!(
            "{}-{}",
            data_encoding::HEXLOWER.encode(&md5s.finalize()),
            chosen.len()
        );
        let checksums = composite(&chosen);
        let (_, hash) = self.meta_path(bucket, key);
        let version = random_id();
        let dir = self.upload_dir(id)?;
        let mut moves = Vec::new();
        let mut segments = Vec::new();
        let unstage = |moves: &[(PathBuf, String)]| {
            for (staged, _) in moves {
                let _ = std::fs::remove_file(staged);
            }
        };
        for part in &chosen {
            let name = format!("{hash}.{version}.{}", part.number);
            let staged = self.tmp().join(format!("seg-{}", random_id()));
            let from = dir.join(format!("part-{}", part.number));
            if let Err(e) = std::fs::hard_link(&from, &staged).or_else(|_| {
                // No hard links here (some file systems): the part is copied.
                std::fs::copy(&from, &staged).map(|_| ())
            }) {
                unstage(&moves);
                return Err(e.into());
            }
            moves.push((staged, name.clone()));
            segments.push(Segment {
                file: name,
                size: part.size,
            });
        }
        let object = Object {
            key: key.to_owned(),
            size: chosen.iter().map(|p| p.size).sum(),
            e_tag: e_tag.clone(),
            last_modified: Utc::now(),
            attributes: upload.attributes.clone(),
            checksums: checksums.clone(),
            segments,
        };
        let staged = moves.clone();
        let committed = self.commit(bucket, &object, moves, None);
        unstage(&staged);
        committed?;
        let completed = Completed {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            e_tag: e_tag.clone(),
            checksums: checksums.clone(),
            at: Utc::now(),
        };
        let marker = self.root.join("completed").join(format!("{id}.json"));
        let tmp = self.tmp().join(format!("done-{}", random_id()));
        if to_json(&completed)
            .and_then(|json| write_synced(&tmp, &json))
            .and_then(|()| std::fs::rename(&tmp, &marker))
            .is_err()
        {
            let _ = std::fs::remove_file(&tmp);
        }
        // The parts not listed go with the upload, as S3 drops them.
        self.remove_upload_dir(id);
        Ok(Finished { e_tag, checksums })
    }

    fn remove_upload_dir(&self, id: &str) {
        let Ok(dir) = self.upload_dir(id) else { return };
        let aside = self.tmp().join(format!("gone-{}", random_id()));
        if std::fs::rename(&dir, &aside).is_ok() {
            let _ = std::fs::remove_dir_all(&aside);
        }
    }

    fn completed_before(&self, bucket: &str, key: &str, id: &str) -> Result<Finished, DiskError> {
        if !valid_upload_id(id) {
            return Err(DiskError::NoSuchUpload);
        }
        read_json::<Completed>(&self.root.join("completed").join(format!("{id}.json")))?
            .filter(|c| c.bucket == bucket && c.key == key)
            .map(|c| Finished {
                e_tag: c.e_tag,
                checksums: c.checksums,
            })
            .ok_or(DiskError::NoSuchUpload)
    }

    fn forget_old_completions(&self) {
        let Ok(entries) = std::fs::read_dir(self.root.join("completed")) else {
            return;
        };
        let now = Utc::now();
        for entry in entries.flatten() {
            let old = read_json::<Completed>(&entry.path())
                .ok()
                .flatten()
                .is_none_or(|c| now - c.at > COMPLETED_KEPT);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Keeps an existing file (the old layout's) as the object at `key`. The file is linked in,
    /// not moved: a crash before the object's metadata is written loses nothing, and adopting
    /// again is harmless. The caller removes the old file once this returned.
    pub(super) fn adopt(
        &self,
        bucket: &str,
        key: &str,
        file: &Path,
        e_tag: String,
        attributes: Attributes,
        last_modified: DateTime<Utc>,
    ) -> Result<(), DiskError> {
        self.ensure_bucket(bucket)?;
        let size = std::fs::metadata(file)?.len();
        let (_, hash) = self.meta_path(bucket, key);
        let name = format!("{hash}.{}.0", random_id());
        let object = Object {
            key: key.to_owned(),
            size,
            e_tag,
            last_modified,
            attributes,
            checksums: Checksums::default(),
            segments: vec![Segment {
                file: name.clone(),
                size,
            }],
        };
        let staged = self.tmp().join(format!("adopt-{}", random_id()));
        if std::fs::hard_link(file, &staged).is_err() {
            std::fs::copy(file, &staged)?;
        }
        let result = self.commit(bucket, &object, vec![(staged.clone(), name)], None);
        let _ = std::fs::remove_file(&staged);
        result
    }

    /// Removes data files no object names, left by a crash between a segment's arrival and its
    /// object's metadata. Only old ones: a writer in another process may be between the two now.
    fn sweep_orphans(&self) {
        const OLD: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
        let Ok(buckets) = std::fs::read_dir(self.root.join("buckets")) else {
            return;
        };
        for bucket in buckets.flatten() {
            let mut named = std::collections::HashSet::new();
            let objects = bucket.path().join("objects");
            for fan in std::fs::read_dir(&objects).into_iter().flatten().flatten() {
                for entry in std::fs::read_dir(fan.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    if let Ok(Some(object)) = read_json::<Object>(&entry.path()) {
                        named.extend(object.segments.into_iter().map(|s| s.file));
                    }
                }
            }
            let data = bucket.path().join("data");
            for fan in std::fs::read_dir(&data).into_iter().flatten().flatten() {
                for entry in std::fs::read_dir(fan.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let old = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > OLD);
                    if old && !named.contains(&name) {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
    }
}

/// A multipart object's checksums: for each algorithm every part has, the checksum of the
/// parts' checksums, suffixed with their count (S3's composite checksums).
fn composite(parts: &[Part]) -> Checksums {
    let of = |pick: fn(&Checksums) -> &Option<String>, hash: fn(&[u8]) -> Vec<u8>| {
        let mut raw = Vec::new();
        for part in parts {
            let value = pick(&part.checksums).as_ref()?;
            raw.extend(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value).ok()?,
            );
        }
        Some(format!(
            "{}-{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash(&raw)),
            parts.len()
        ))
    };
    Checksums {
        crc32: of(|c| &c.crc32, |b| crc32fast::hash(b).to_be_bytes().to_vec()),
        crc32c: of(|c| &c.crc32c, |b| crc32c::crc32c(b).to_be_bytes().to_vec()),
        sha1: None,
        sha256: None,
        crc64nvme: None,
    }
}

/// Reads `length` bytes at `offset` across an object's segments into `out` in chunks.
pub fn read_range(
    segments: &[Segment],
    files: &mut [File],
    offset: u64,
    length: u64,
    mut out: impl FnMut(bytes::Bytes) -> bool,
) -> std::io::Result<()> {
    const CHUNK: usize = 256 * 1024;
    let mut start = offset;
    let end = offset + length;
    let mut segment_start = 0u64;
    for (segment, file) in segments.iter().zip(files.iter_mut()) {
        let segment_end = segment_start + segment.size;
        if segment_end <= start {
            segment_start = segment_end;
            continue;
        }
        if segment_start >= end {
            break;
        }
        let mut at = start - segment_start;
        let until = end.min(segment_end) - segment_start;
        while at < until {
            let n = ((until - at) as usize).min(CHUNK);
            let mut buf = vec![0u8; n];
            read_exact_at(file, &mut buf, at)?;
            at += n as u64;
            start += n as u64;
            if !out(bytes::Bytes::from(buf)) {
                return Ok(());
            }
        }
        segment_start = segment_end;
    }
    Ok(())
}

fn read_exact_at(file: &mut File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// Writes `bytes` to `file`, updating the digests on the way.
pub fn write_chunk(
    file: &mut File,
    bytes: &[u8],
    md5: &mut md5::Md5,
    hasher: &mut s3s::checksum::ChecksumHasher,
) -> std::io::Result<()> {
    md5.update(bytes);
    hasher.update(bytes);
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incoming(disk: &Disk, bytes: &[u8]) -> Incoming {
        let (path, mut file) = disk.incoming_file().unwrap();
        let mut md5 = md5::Md5::new();
        let mut hasher = s3s::checksum::ChecksumHasher {
            crc32c: Some(Default::default()),
            ..Default::default()
        };
        write_chunk(&mut file, bytes, &mut md5, &mut hasher).unwrap();
        let c = hasher.finalize();
        Incoming {
            path,
            size: bytes.len() as u64,
            md5: data_encoding::HEXLOWER.encode(&md5.finalize()),
            checksums: Checksums {
                crc32c: c.checksum_crc32c,
                ..Default::default()
            },
        }
    }

    fn read(disk: &Disk, bucket: &str, key: &str) -> Vec<u8> {
        let (object, mut files) = disk.open_object(bucket, key).unwrap();
        let mut out = Vec::new();
        read_range(&object.segments, &mut files, 0, object.size, |b| {
            out.extend_from_slice(&b);
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn a_key_that_is_also_a_prefix_and_keys_that_are_not_paths_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        for key in ["a/b", "a/b/c", "a//b", "100% + sure", "../x", "ä/ö ü"] {
            let data = format!("bytes of {key}");
            disk.put(
                "b",
                key,
                &incoming(&disk, data.as_bytes()),
                Attributes::default(),
                None,
            )
            .unwrap();
        }
        for key in ["a/b", "a/b/c", "a//b", "100% + sure", "../x", "ä/ö ü"] {
            assert_eq!(read(&disk, "b", key), format!("bytes of {key}").as_bytes());
        }
        let keys: Vec<String> = disk.list("b").unwrap().into_iter().map(|l| l.key).collect();
        assert_eq!(
            keys,
            ["../x", "100% + sure", "a//b", "a/b", "a/b/c", "ä/ö ü"]
        );
        assert!(!dir.path().join("buckets").join("x").exists());
        disk.delete("b", "a/b").unwrap();
        assert!(matches!(disk.object("b", "a/b"), Err(DiskError::NoSuchKey)));
        assert_eq!(read(&disk, "b", "a/b/c"), b"bytes of a/b/c");
    }

    /// The rules LinkDrop installs, applied as S3 applies them: what is due goes, what is not
    /// yet due, under no rule, under a disabled rule or written again since stays.
    #[test]
    fn lifecycle_rules_delete_and_abort_what_is_due_and_nothing_else() {
        use super::super::lifecycle::{self, Applied};
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        let put = |key: &str| {
            disk.put(
                "b",
                key,
                &incoming(&disk, key.as_bytes()),
                Attributes::default(),
                None,
            )
            .unwrap()
        };
        for key in ["expire-1d/a/x", "expire-3d/b/y", "notes/mine.txt", "off/z"] {
            put(key);
        }
        let upload = disk
            .create_upload("b", "big.bin", Attributes::default(), None)
            .unwrap();
        let rule = |id: &str, prefix: &str, expire, abort| Rule {
            id: Some(id.into()),
            prefix: prefix.into(),
            enabled: true,
            expiration_days: expire,
            abort_days: abort,
        };
        let rules = [
            rule("abort", "", None, Some(7)),
            rule("1d", "expire-1d/", Some(1), None),
            rule("3d", "expire-3d/", Some(3), None),
            Rule {
                enabled: false,
                ..rule("off", "off/", Some(1), None)
            },
        ];
        disk.set_lifecycle("b", Some(&rules)).unwrap();
        assert_eq!(disk.lifecycle("b").unwrap().as_deref(), Some(&rules[..]));
        let keys =
            || -> Vec<String> { disk.list("b").unwrap().into_iter().map(|l| l.key).collect() };
        let now = Utc::now();

        // A day and a bit on: not yet (S3 rounds up to the next midnight).
        assert_eq!(
            lifecycle::apply(&disk, now + chrono::TimeDelta::hours(23)),
            Applied::default()
        );
        // Two days on: the 1-day folder goes, and nothing else.
        let applied = lifecycle::apply(&disk, now + chrono::TimeDelta::days(2));
        assert_eq!(
            applied,
            Applied {
                deleted: 1,
                aborted: 0
            }
        );
        assert_eq!(keys(), ["expire-3d/b/y", "notes/mine.txt", "off/z"]);
        // The 3-day folder's object is not due before its three days.
        assert_eq!(
            lifecycle::apply(&disk, now + chrono::TimeDelta::days(3)),
            Applied::default()
        );
        // Eight days on: the upload is aborted, the 3-day object goes; the rest stays.
        let applied = lifecycle::apply(&disk, now + chrono::TimeDelta::days(8));
        assert_eq!(
            applied,
            Applied {
                deleted: 1,
                aborted: 1
            }
        );
        assert_eq!(keys(), ["notes/mine.txt", "off/z"]);
        assert!(matches!(
            disk.upload("b", "big.bin", &upload.id),
            Err(DiskError::NoSuchUpload)
        ));
        // A delete that finds another object than the one that was due leaves it.
        assert!(!disk.delete_if("b", "off/z", |_| false).unwrap());
        assert_eq!(keys(), ["notes/mine.txt", "off/z"]);

        disk.set_lifecycle("b", None).unwrap();
        assert_eq!(disk.lifecycle("b").unwrap(), None);
        disk.set_lifecycle("b", None).unwrap();
    }

    #[test]
    fn an_overwrite_keeps_what_a_reader_opened_and_removes_the_old_files() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        disk.put(
            "b",
            "k",
            &incoming(&disk, b"first"),
            Attributes::default(),
            None,
        )
        .unwrap();
        let (old, mut files) = disk.open_object("b", "k").unwrap();
        disk.put(
            "b",
            "k",
            &incoming(&disk, b"second!"),
            Attributes::default(),
            None,
        )
        .unwrap();
        let mut seen = Vec::new();
        read_range(&old.segments, &mut files, 0, old.size, |b| {
            seen.extend_from_slice(&b);
            true
        })
        .unwrap();
        assert_eq!(seen, b"first", "the reader finishes the object it opened");
        assert_eq!(read(&disk, "b", "k"), b"second!");
        let data_files = crate::local_store::disk::tests::files(&dir.path().join("buckets/b/data"));
        assert_eq!(data_files, 1, "the old object's file is gone");
        assert!(
            std::fs::read_dir(dir.path().join("tmp"))
                .unwrap()
                .next()
                .is_none()
        );
    }

    pub(crate) fn files(dir: &Path) -> usize {
        let mut n = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                n += files(&entry.path());
            } else {
                n += 1;
            }
        }
        n
    }

    #[test]
    fn completing_moves_the_parts_and_checks_what_the_client_lists() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        let upload = disk
            .create_upload("b", "big", Attributes::default(), Some("CRC32C".into()))
            .unwrap();
        let one = vec![1u8; MIN_PART_SIZE as usize];
        let p1 = disk.put_part(&upload, 1, &incoming(&disk, &one)).unwrap();
        let p2 = disk
            .put_part(&upload, 2, &incoming(&disk, b"tail"))
            .unwrap();
        let listed = |parts: &[(i32, &str)]| -> Vec<(i32, String)> {
            parts
                .iter()
                .map(|(n, e)| (*n, format!("\"{e}\"")))
                .collect()
        };
        assert!(matches!(
            disk.complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(1, &p1.md5), (3, &p2.md5)])
            ),
            Err(DiskError::InvalidPart(_))
        ));
        assert!(matches!(
            disk.complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(1, &p1.md5), (2, "0000")])
            ),
            Err(DiskError::InvalidPart(_))
        ));
        assert!(matches!(
            disk.complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(2, &p2.md5), (1, &p1.md5)])
            ),
            Err(DiskError::InvalidPartOrder)
        ));
        assert!(matches!(
            disk.complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(2, &p2.md5), (3, &p1.md5)])
            ),
            Err(DiskError::InvalidPart(_) | DiskError::EntityTooSmall(_))
        ));
        let done = disk
            .complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(1, &p1.md5), (2, &p2.md5)]),
            )
            .unwrap();
        assert!(done.e_tag.ends_with("-2"), "{}", done.e_tag);
        assert!(
            done.checksums
                .crc32c
                .as_deref()
                .is_some_and(|c| c.ends_with("-2"))
        );
        let whole = read(&disk, "b", "big");
        assert_eq!(whole.len(), one.len() + 4);
        assert!(whole.ends_with(b"tail"));
        let again = disk
            .complete(
                "b",
                "big",
                &upload.id,
                &listed(&[(1, &p1.md5), (2, &p2.md5)]),
            )
            .unwrap();
        assert_eq!(again.e_tag, done.e_tag, "a retry gets the same answer");
        assert!(matches!(disk.parts(&upload), Err(DiskError::NoSuchUpload)));
        assert!(matches!(
            disk.complete(
                "b",
                "big",
                "00000000-0000-0000-0000-000000000000",
                &listed(&[(1, "x")])
            ),
            Err(DiskError::NoSuchUpload)
        ));
    }

    #[test]
    fn files_a_crash_left_unnamed_are_swept_and_objects_kept() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        disk.put(
            "b",
            "kept",
            &incoming(&disk, b"kept"),
            Attributes::default(),
            None,
        )
        .unwrap();
        let fan = dir.path().join("buckets/b/data/00");
        std::fs::create_dir_all(&fan).unwrap();
        let (orphan, fresh) = (fan.join("orphan.1.0"), fan.join("fresh.1.0"));
        std::fs::write(&orphan, b"left by a crash").unwrap();
        std::fs::write(&fresh, b"a writer is between its segment and its metadata").unwrap();
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        File::options()
            .write(true)
            .open(&orphan)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        drop(disk);
        let disk = Disk::open(dir.path(), false).unwrap();
        assert!(!orphan.exists(), "an old file no object names is swept");
        assert!(fresh.exists(), "a recent one may be a live writer's");
        assert_eq!(read(&disk, "b", "kept"), b"kept");
    }

    #[test]
    fn one_store_per_directory_and_never_a_directory_of_other_things() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        assert!(matches!(
            Disk::open(dir.path(), false),
            Err(OpenError::InUse(_))
        ));
        drop(disk);
        Disk::open(dir.path(), false).unwrap();
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join("tmp")).unwrap();
        std::fs::write(
            other.path().join("tmp").join("thesis.tex"),
            b"years of work",
        )
        .unwrap();
        assert!(matches!(
            Disk::open(other.path(), false),
            Err(OpenError::NotAStore(_))
        ));
        assert!(
            other.path().join("tmp").join("thesis.tex").exists(),
            "nothing was touched"
        );
    }

    #[test]
    fn a_conditional_write_is_decided_under_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let disk = std::sync::Arc::new(Disk::open(dir.path(), false).unwrap());
        disk.create_bucket("b").unwrap();
        let only_if_absent = |current: Option<&Object>| current.is_none();
        let winners: usize = (0..8)
            .map(|i| {
                let disk = disk.clone();
                std::thread::spawn(move || {
                    let bytes = format!("writer {i}");
                    let incoming = incoming(&disk, bytes.as_bytes());
                    disk.put(
                        "b",
                        "once",
                        &incoming,
                        Attributes::default(),
                        Some(&only_if_absent),
                    )
                    .is_ok()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(winners, 1, "exactly one If-None-Match: * writer wins");
        assert_eq!(
            files(&dir.path().join("buckets/b/data")),
            1,
            "the losers left nothing"
        );
    }

    #[test]
    fn a_completion_that_fails_midway_leaves_the_upload_to_complete_again() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        let upload = disk
            .create_upload("b", "k", Attributes::default(), None)
            .unwrap();
        let part = disk
            .put_part(&upload, 1, &incoming(&disk, b"the only part"))
            .unwrap();
        let listed = vec![(1, part.md5.clone())];
        // Where the object's data would go, a file: the completion cannot put its segments there.
        let (_, hash) = disk.meta_path("b", "k");
        let fan = disk.data_dir("b", &hash);
        std::fs::create_dir_all(fan.parent().unwrap()).unwrap();
        std::fs::write(&fan, b"in the way").unwrap();
        assert!(disk.complete("b", "k", &upload.id, &listed).is_err());
        assert_eq!(
            disk.parts(&upload).unwrap().len(),
            1,
            "the part is still there"
        );
        std::fs::remove_file(&fan).unwrap();
        let done = disk.complete("b", "k", &upload.id, &listed).unwrap();
        assert_eq!(read(&disk, "b", "k"), b"the only part");
        assert_eq!(
            disk.complete("b", "k", &upload.id, &listed).unwrap().e_tag,
            done.e_tag
        );
    }

    #[test]
    fn unreadable_metadata_can_be_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        disk.put(
            "b",
            "k",
            &incoming(&disk, b"x"),
            Attributes::default(),
            None,
        )
        .unwrap();
        let (meta, _) = disk.meta_path("b", "k");
        std::fs::write(&meta, b"").unwrap();
        assert!(disk.object("b", "k").is_err());
        disk.delete("b", "k").unwrap();
        assert!(matches!(disk.object("b", "k"), Err(DiskError::NoSuchKey)));
    }

    #[test]
    fn a_part_landing_after_the_abort_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let disk = Disk::open(dir.path(), false).unwrap();
        disk.create_bucket("b").unwrap();
        let upload = disk
            .create_upload("b", "k", Attributes::default(), None)
            .unwrap();
        let late = incoming(&disk, b"late");
        disk.abort("b", "k", &upload.id).unwrap();
        assert!(matches!(
            disk.put_part(&upload, 1, &late),
            Err(DiskError::NoSuchUpload)
        ));
        drop(late);
        assert_eq!(files(&dir.path().join("uploads")), 0);
        assert_eq!(files(&dir.path().join("tmp")), 0);
    }
}
