//! The layout of LinkDrop's store before `disk` (s3s-fs's: `objects/<bucket>/<key as a path>`,
//! with `.bucket-….object-….metadata.json` and `….internal.json` beside), moved into the new one
//! when the store first starts: each object's file is renamed into place with its ETag and
//! content type, so the history's ETags still match and links made before keep working. Uploads
//! left unfinished in the old layout are dropped (LinkDrop's journal starts them again). A file
//! that cannot be moved (a name no key can have, an error) is never deleted: the old folder is
//! kept as `objects.unmigrated-<time>` and the log says so.

use std::path::{Path, PathBuf};

use base64::Engine;

use super::disk::{Attributes, Disk};

pub fn migrate(disk: &Disk, root: &Path) -> std::io::Result<()> {
    let old = root.join("objects");
    if !old.is_dir() {
        return Ok(());
    }
    tracing::info!(
        "moving the store's objects from {} to the new layout",
        old.display()
    );
    // Files that could not be moved (a name no key has, a folder no bucket has, an error): never
    // deleted with the old layout's bookkeeping, but kept aside for the user.
    let mut left = 0usize;
    for bucket in std::fs::read_dir(&old)?.flatten() {
        let Ok(kind) = bucket.file_type() else {
            left += 1;
            continue;
        };
        let name = bucket.file_name().to_str().map(str::to_owned);
        if !kind.is_dir() {
            // The old layout's own files are dotfiles at the top: metadata and parts.
            left += usize::from(!bucket.file_name().to_string_lossy().starts_with('.'));
            continue;
        }
        let Some(name) = name.filter(|n| s3s::path::check_bucket_name(n)) else {
            left += 1;
            continue;
        };
        let _ = disk.ensure_bucket(&name);
        let mut files = Vec::new();
        walk(&bucket.path(), &mut files);
        for file in files {
            let Some(key) = key_of(&bucket.path(), &file) else {
                tracing::warn!(file = %file.display(), "an object of the old store has a name no key can have");
                left += 1;
                continue;
            };
            if let Err(e) = adopt(disk, &old, &name, &key, &file) {
                tracing::warn!(%key, "cannot move an object of the old store: {e}");
                left += 1;
            }
        }
    }
    if left > 0 {
        let kept = root.join(format!(
            "objects.unmigrated-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        std::fs::rename(&old, &kept)?;
        tracing::warn!(
            "{left} file(s) of the old store could not be moved to the new layout; they are kept in {}",
            kept.display()
        );
    } else {
        // What is left is the old layout's bookkeeping: its metadata, parts of unfinished uploads.
        let aside = root.join("tmp").join("old-objects");
        std::fs::rename(&old, &aside)?;
        std::fs::remove_dir_all(&aside)?;
    }
    for entry in std::fs::read_dir(root.join("uploads"))?.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&entry.path(), out),
            Ok(t) if t.is_file() => out.push(entry.path()),
            _ => {}
        }
    }
}

fn key_of(bucket: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(bucket).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

fn adopt(disk: &Disk, old: &Path, bucket: &str, key: &str, file: &Path) -> std::io::Result<()> {
    let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let beside = |suffix: &str| {
        old.join(format!(
            ".bucket-{}.object-{}.{suffix}",
            encode(bucket),
            encode(key)
        ))
    };
    let json = |path: PathBuf| -> Option<serde_json::Value> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    };
    let e_tag = match json(beside("internal.json"))
        .and_then(|info| info.get("e_tag")?.as_str().map(str::to_owned))
    {
        Some(e_tag) => e_tag,
        None => md5_of(file)?,
    };
    let text = |v: &serde_json::Value, field: &str| v.get(field)?.as_str().map(str::to_owned);
    let attributes = match json(beside("metadata.json")) {
        // The oldest s3s-fs kept the user's metadata alone, as a bare map of strings.
        Some(v) if !is_attributes(&v) => Attributes {
            metadata: serde_json::from_value(v).unwrap_or_default(),
            ..Attributes::default()
        },
        Some(v) => Attributes {
            content_type: text(&v, "content_type"),
            content_encoding: text(&v, "content_encoding"),
            content_disposition: text(&v, "content_disposition"),
            content_language: text(&v, "content_language"),
            cache_control: text(&v, "cache_control"),
            metadata: v
                .get("user_metadata")
                .and_then(|m| serde_json::from_value(m.clone()).ok())
                .unwrap_or_default(),
        },
        None => Attributes::default(),
    };
    let modified = std::fs::metadata(file)?
        .modified()
        .map(chrono::DateTime::<chrono::Utc>::from)
        .unwrap_or_else(|_| chrono::Utc::now());
    disk.adopt(bucket, key, file, e_tag, attributes, modified)
        .map_err(std::io::Error::other)?;
    std::fs::remove_file(file)
}

/// Whether a metadata file is s3s-fs's `ObjectAttributes` (its fields, none of them a plain
/// string where an object is expected) rather than the older bare map of user metadata.
fn is_attributes(v: &serde_json::Value) -> bool {
    const FIELDS: &[&str] = &[
        "user_metadata",
        "content_type",
        "content_encoding",
        "content_disposition",
        "content_language",
        "cache_control",
        "expires",
        "website_redirect_location",
    ];
    let Some(map) = v.as_object() else {
        return false;
    };
    let user_metadata_fits = map
        .get("user_metadata")
        .is_none_or(|m| m.is_object() || m.is_null());
    user_metadata_fits && !map.is_empty() && map.keys().all(|k| FIELDS.contains(&k.as_str()))
}

fn md5_of(file: &Path) -> std::io::Result<String> {
    use md5::Digest;
    use std::io::Read;
    let mut reader = std::fs::File::open(file)?;
    let mut hash = md5::Md5::new();
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
    }
    Ok(data_encoding::HEXLOWER.encode(&hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store as LinkDrop 0.1 left it: an object of a single PUT (ETag and type beside it), one
    /// of a multipart upload, and the leftovers of an upload never finished.
    #[test]
    fn the_old_layout_moves_with_its_etags_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let bucket = root.join("objects").join("linkdrop");
        std::fs::create_dir_all(bucket.join("abc123")).unwrap();
        std::fs::write(bucket.join("abc123").join("report.pdf"), b"%PDF- old").unwrap();
        std::fs::create_dir_all(bucket.join("def456")).unwrap();
        std::fs::write(bucket.join("def456").join("big.iso"), b"big bytes").unwrap();
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let beside = |key: &str, suffix: &str| {
            root.join("objects").join(format!(
                ".bucket-{}.object-{}.{suffix}",
                encode("linkdrop"),
                encode(key)
            ))
        };
        std::fs::write(
            beside("abc123/report.pdf", "metadata.json"),
            br#"{"content_type":"application/pdf"}"#,
        )
        .unwrap();
        std::fs::write(
            beside("def456/big.iso", "internal.json"),
            br#"{"e_tag":"0123456789abcdef0123456789abcdef-3"}"#,
        )
        .unwrap();
        std::fs::write(
            root.join("objects")
                .join(".upload_id-11111111-2222-3333-4444-555555555555.part-1"),
            b"orphan",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("uploads")).unwrap();
        std::fs::write(
            root.join("uploads")
                .join("11111111-2222-3333-4444-555555555555.json"),
            b"{}",
        )
        .unwrap();

        let disk = Disk::open(root, true).unwrap();
        migrate(&disk, root).unwrap();
        let report = disk.object("linkdrop", "abc123/report.pdf").unwrap();
        assert_eq!(
            report.attributes.content_type.as_deref(),
            Some("application/pdf")
        );
        assert_eq!(report.e_tag, md5_of_bytes(b"%PDF- old"));
        let big = disk.object("linkdrop", "def456/big.iso").unwrap();
        assert_eq!(big.e_tag, "0123456789abcdef0123456789abcdef-3");
        assert_eq!(big.size, 9);
        assert!(!root.join("objects").exists(), "the old layout is gone");
        assert!(
            std::fs::read_dir(root.join("uploads"))
                .unwrap()
                .next()
                .is_none(),
            "old upload records are gone"
        );
    }

    /// What cannot be moved is kept, not deleted with the old layout; metadata of the oldest
    /// format (a bare map of the user's metadata) is kept too.
    #[test]
    fn files_that_cannot_move_are_kept_and_bare_metadata_read() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let objects = root.join("objects");
        let bucket = objects.join("linkdrop");
        std::fs::create_dir_all(bucket.join("a")).unwrap();
        std::fs::write(bucket.join("a").join("notes.txt"), b"notes").unwrap();
        std::fs::write(
            bucket.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")),
            b"latin-1 name",
        )
        .unwrap();
        std::fs::create_dir_all(objects.join("Not_A_Bucket")).unwrap();
        std::fs::write(objects.join("Not_A_Bucket").join("x"), b"x").unwrap();
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        std::fs::write(
            objects.join(format!(
                ".bucket-{}.object-{}.metadata.json",
                encode("linkdrop"),
                encode("a/notes.txt")
            )),
            br#"{"owner":"ann","content_type":"not the type"}"#,
        )
        .unwrap();

        let disk = Disk::open(root, true).unwrap();
        migrate(&disk, root).unwrap();
        let notes = disk.object("linkdrop", "a/notes.txt").unwrap();
        assert_eq!(
            notes.attributes.metadata.get("owner").map(String::as_str),
            Some("ann")
        );
        assert_eq!(
            notes.attributes.content_type, None,
            "a bare map holds no type"
        );
        let kept: Vec<_> = std::fs::read_dir(root)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("objects.unmigrated-")
            })
            .map(|e| e.path())
            .collect();
        assert_eq!(kept.len(), 1, "the files left are kept aside");
        assert_eq!(
            std::fs::read(
                kept[0]
                    .join("linkdrop")
                    .join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"))
            )
            .unwrap(),
            b"latin-1 name"
        );
        assert!(kept[0].join("Not_A_Bucket").join("x").is_file());
        assert!(!objects.exists(), "the old layout is not moved twice");
    }

    fn md5_of_bytes(bytes: &[u8]) -> String {
        use md5::Digest;
        data_encoding::HEXLOWER.encode(&md5::Md5::digest(bytes))
    }
}
