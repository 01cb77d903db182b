//! Folders are shared as one zip archive, written to a temporary file next to LinkDrop's data (not
//! in memory, and not in a RAM-backed /tmp) and removed once the share is done.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use crate::share::ShareableFile;

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
    _temp: tempfile::TempPath,
}

/// Zips `folder` (recursively, symbolic links skipped so a link loop cannot run forever) into a
/// temporary file in `temp_dir`. Blocking: run it off the async runtime.
pub fn zip_folder(
    folder: &Path,
    temp_dir: &Path,
    cancel: &CancellationToken,
) -> Result<Archive, ArchiveError> {
    let write_err = |detail: String| ArchiveError::Write {
        dir: temp_dir.to_owned(),
        detail,
    };
    std::fs::create_dir_all(temp_dir).map_err(|e| write_err(e.to_string()))?;
    let temp = tempfile::Builder::new()
        .prefix(".folder-")
        .suffix(".zip")
        .tempfile_in(temp_dir)
        .map_err(|e| write_err(e.to_string()))?;
    let (file, temp_path) = temp.into_parts();
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));

    let mut stack = vec![folder.to_owned()];
    while let Some(dir) = stack.pop() {
        let read = |e| ArchiveError::Read {
            path: dir.clone(),
            source: e,
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(read)?
            .collect::<Result<_, _>>()
            .map_err(read)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries.into_iter().rev() {
            if cancel.is_cancelled() {
                return Err(ArchiveError::Cancelled);
            }
            let path = entry.path();
            let file_type = entry.file_type().map_err(|e| ArchiveError::Read {
                path: path.clone(),
                source: e,
            })?;
            let name = entry_name(folder, &path);
            if file_type.is_dir() {
                zip.add_directory(format!("{name}/"), SimpleFileOptions::default())
                    .map_err(|e| write_err(e.to_string()))?;
                stack.push(path);
            } else if file_type.is_file() {
                add_file(&mut zip, &path, &name).map_err(|e| match e {
                    AddError::Read(source) => ArchiveError::Read { path, source },
                    AddError::Write(detail) => write_err(detail),
                })?;
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
    let size = std::fs::metadata(&temp_path)
        .map_err(|e| write_err(e.to_string()))?
        .len();
    Ok(Archive {
        file: ShareableFile {
            path: temp_path.to_path_buf(),
            name: format!("{folder_name}.zip"),
            size,
            content_type: "application/zip".to_owned(),
        },
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

fn add_file<W: Write + std::io::Seek>(
    zip: &mut zip::ZipWriter<W>,
    path: &Path,
    name: &str,
) -> Result<(), AddError> {
    let mut source = std::fs::File::open(path).map_err(AddError::Read)?;
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
    Ok(())
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

        let archive = zip_folder(&folder, &temp, &CancellationToken::new()).unwrap();
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
            zip_folder(dir.path(), &temp, &cancel),
            Err(ArchiveError::Cancelled)
        ));
        assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    }
}
