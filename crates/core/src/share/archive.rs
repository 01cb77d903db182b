//! Folders are shared as one zip archive, written to a temporary file next to LinkDrop's data (not
//! in memory, and not in a RAM-backed /tmp) and removed once the share is done. The process that
//! writes an archive holds a lock on it, so an archive a crash left behind is told from one in use
//! and removed at the next start ([`remove_leftovers`]).
//!
//! Hidden files and folders (`.env`, `.git/`, `.ssh/`) stay out unless asked for: they are
//! rarely what someone means by "this folder", and often what must not leave it. How many were
//! left out is said; the files that go in are looked at for secrets (see `secrets`).

use std::ffi::OsString;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tokio_util::sync::CancellationToken;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::share::{ShareableFile, tree};

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read {path} to zip the folder: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the zip archive in {dir}: {detail}")]
    Write { dir: PathBuf, detail: String },
    #[error("zipping cancelled")]
    Cancelled,
}

/// A zip archive of a folder, deleted when dropped.
#[derive(Debug)]
pub struct Archive {
    pub file: ShareableFile,
    /// Hidden files and folders left out, by their path in the folder (a folder counts once).
    pub hidden_left_out: Vec<String>,
    /// Files that went in and look like secrets: their path in the folder, and what they look like.
    pub secrets: Vec<(String, &'static str)>,
    /// The writer's lock, held as long as the archive is in use.
    _lock: std::fs::File,
    _temp: tempfile::TempPath,
}

/// What archives are called in the temporary directory.
const PREFIX: &str = ".folder-";
const SUFFIX: &str = ".zip";

/// Zips `folder` (recursively; symbolic links, pipes and devices skipped, see `tree`) into a
/// temporary file in `temp_dir`; hidden entries only with `include_hidden`. Blocking: run it off
/// the async runtime.
pub fn zip_folder(
    folder: &Path,
    temp_dir: &Path,
    include_hidden: bool,
    cancel: &CancellationToken,
) -> Result<Archive, ArchiveError> {
    let write_err = |detail: String| ArchiveError::Write {
        dir: temp_dir.to_owned(),
        detail,
    };
    std::fs::create_dir_all(temp_dir).map_err(|e| write_err(e.to_string()))?;
    let temp = tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(SUFFIX)
        .tempfile_in(temp_dir)
        .map_err(|e| write_err(e.to_string()))?;
    let (file, temp_path) = temp.into_parts();
    // Held until the archive is dropped (or the process dies): "in use" for `remove_leftovers`.
    let lock = file.try_clone().map_err(|e| write_err(e.to_string()))?;
    lock.try_lock().map_err(|e| write_err(e.to_string()))?;
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let mut hidden_left_out = Vec::new();
    let mut secrets = Vec::new();

    // Folders waiting to be zipped: the open folder they are in, their name there, their path.
    // Each is opened from its parent's descriptor when its turn comes (so a wide tree does not
    // hold a descriptor per folder), never by path (see `tree`).
    let read = |path: &Path, source| ArchiveError::Read {
        path: path.to_owned(),
        source,
    };
    let root = Rc::new(tree::Dir::open(folder).map_err(|e| read(folder, e))?);
    let mut stack: Vec<(Rc<tree::Dir>, Option<OsString>, PathBuf)> =
        vec![(root, None, folder.to_owned())];
    while let Some((parent, name, dir_path)) = stack.pop() {
        let dir = match name {
            None => parent,
            Some(name) => Rc::new(parent.open_dir(&name).map_err(|e| read(&dir_path, e))?),
        };
        let entries = dir.entries().map_err(|e| read(&dir_path, e))?;
        for (file_name, kind) in entries.into_iter().rev() {
            if cancel.is_cancelled() {
                return Err(ArchiveError::Cancelled);
            }
            let path = dir_path.join(&file_name);
            let name = entry_name(folder, &path);
            if !include_hidden && file_name.to_string_lossy().starts_with('.') {
                hidden_left_out.push(name);
                continue;
            }
            match kind {
                tree::Kind::Dir => {
                    zip.add_directory(format!("{name}/"), SimpleFileOptions::default())
                        .map_err(|e| write_err(e.to_string()))?;
                    stack.push((dir.clone(), Some(file_name), path));
                }
                tree::Kind::File => {
                    let source = dir.open_file(&file_name).map_err(|e| read(&path, e))?;
                    let secret = add_file(&mut zip, &path, source, &name).map_err(|e| match e {
                        AddError::Read(source) => ArchiveError::Read { path, source },
                        AddError::Write(detail) => write_err(detail),
                    })?;
                    if let Some(what) = secret {
                        secrets.push((name, what));
                    }
                }
                // Links (a loop could run for ever, and one may lead out of the folder), pipes,
                // sockets and devices stay out.
                tree::Kind::Other => {}
            }
        }
    }
    let mut writer = zip.finish().map_err(|e| write_err(e.to_string()))?;
    writer.flush().map_err(|e| write_err(e.to_string()))?;
    drop(writer);

    let folder_name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "folder".to_owned());
    let opened = std::fs::File::open(&temp_path).map_err(|e| write_err(e.to_string()))?;
    let file = ShareableFile::opened(
        &temp_path,
        opened,
        format!("{folder_name}.zip"),
        "application/zip".to_owned(),
    )
    .map_err(|e| write_err(e.to_string()))?;
    hidden_left_out.sort();
    Ok(Archive {
        file,
        hidden_left_out,
        secrets,
        _lock: lock,
        _temp: temp_path,
    })
}

/// The entry's path inside the archive: relative to the folder, `/`-separated.
fn entry_name(folder: &Path, path: &Path) -> String {
    path.strip_prefix(folder)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

enum AddError {
    Read(std::io::Error),
    Write(String),
}

/// Adds the file; says what it looks like when it looks like a secret.
fn add_file<W: Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    path: &Path,
    mut source: std::fs::File,
    name: &str,
) -> Result<Option<&'static str>, AddError> {
    let secret = crate::share::secrets::looks_secret(path, &source);
    let size = source.metadata().map_err(AddError::Read)?.len();
    // Media and archives are compressed already: deflating them again costs time and saves nothing.
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let stored = matches!(mime.type_().as_str(), "image" | "video" | "audio")
        || matches!(
            mime.essence_str(),
            "application/zip"
                | "application/gzip"
                | "application/x-7z-compressed"
                | "application/x-xz"
        );
    let options = SimpleFileOptions::default()
        .compression_method(if stored {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        })
        .large_file(size >= u64::from(u32::MAX));
    zip.start_file(name, options)
        .map_err(|e| AddError::Write(e.to_string()))?;
    std::io::copy(&mut source, zip).map_err(|e| {
        if e.kind() == std::io::ErrorKind::Other {
            AddError::Write(e.to_string())
        } else {
            AddError::Read(e)
        }
    })?;
    Ok(secret)
}

/// Removes the archives a crashed or killed LinkDrop left in `temp_dir`: those no live process
/// holds a lock on. What cannot be removed stays for the next time.
pub fn remove_leftovers(temp_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(temp_dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(PREFIX) && name.ends_with(SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = std::fs::OpenOptions::new().read(true).open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
            tracing::info!(path = %path.display(), "removed an archive left by an earlier run");
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_folder_becomes_a_zip_with_its_tree() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("Holiday photos");
        std::fs::create_dir_all(folder.join("day 1")).unwrap();
        std::fs::write(folder.join("notes.txt"), b"sunny").unwrap();
        std::fs::write(folder.join("day 1").join("beach.jpg"), vec![7u8; 5000]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&folder, folder.join("loop")).unwrap();
        let temp = dir.path().join("tmp");

        let archive = zip_folder(&folder, &temp, false, &CancellationToken::new()).unwrap();
        assert_eq!(archive.file.name, "Holiday photos.zip");
        assert_eq!(archive.file.content_type, "application/zip");
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(&archive.file.path).unwrap()).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["day 1/", "day 1/beach.jpg", "notes.txt"]);
        let mut text = String::new();
        zip.by_name("notes.txt")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "sunny");

        let path = archive.file.path.clone();
        drop(archive);
        assert!(!path.exists(), "the temporary archive is removed");
    }

    #[test]
    fn cancelling_stops_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"a").unwrap();
        let temp = dir.path().join("tmp");
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert!(matches!(
            zip_folder(dir.path(), &temp, false, &cancel),
            Err(ArchiveError::Cancelled)
        ));
        assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    }

    fn names(archive: &Archive) -> Vec<String> {
        let zip = zip::ZipArchive::new(std::fs::File::open(&archive.file.path).unwrap()).unwrap();
        let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn hidden_files_stay_out_unless_asked_for_and_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("project");
        std::fs::create_dir_all(folder.join(".git")).unwrap();
        std::fs::create_dir_all(folder.join("src/.cache")).unwrap();
        std::fs::write(folder.join(".git/config"), b"[core]").unwrap();
        std::fs::write(folder.join(".env"), b"DATABASE_PASSWORD=hunter2").unwrap();
        std::fs::write(folder.join("src/main.rs"), b"fn main() {}").unwrap();
        std::fs::write(folder.join("src/.cache/x"), b"x").unwrap();
        let temp = dir.path().join("tmp");
        let cancel = CancellationToken::new();

        let archive = zip_folder(&folder, &temp, false, &cancel).unwrap();
        assert_eq!(names(&archive), ["src/", "src/main.rs"]);
        let mut left_out = archive.hidden_left_out.clone();
        left_out.sort();
        assert_eq!(left_out, [".env", ".git", "src/.cache"]);
        assert!(archive.secrets.is_empty());

        let archive = zip_folder(&folder, &temp, true, &cancel).unwrap();
        assert!(names(&archive).contains(&".env".to_owned()));
        assert!(archive.hidden_left_out.is_empty());
        assert_eq!(archive.secrets.len(), 1, "{:?}", archive.secrets);
        assert_eq!(archive.secrets[0].0, ".env");
    }

    #[test]
    fn only_archives_no_process_holds_are_removed_as_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join("tmp");
        std::fs::create_dir_all(&temp).unwrap();
        let crashed = temp.join(".folder-crashed.zip");
        std::fs::write(&crashed, b"PK").unwrap();
        let other = temp.join("notes.txt");
        std::fs::write(&other, b"not ours").unwrap();
        let folder = dir.path().join("f");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.txt"), b"a").unwrap();
        let live = zip_folder(&folder, &temp, false, &CancellationToken::new()).unwrap();

        assert_eq!(remove_leftovers(&temp), 1);
        assert!(!crashed.exists(), "the crashed run's archive is gone");
        assert!(live.file.path.exists(), "the one in use stays");
        assert!(other.exists(), "nothing else is touched");
    }
}
