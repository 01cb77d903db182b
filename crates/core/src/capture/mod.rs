//! What is shared without being a file yet: what is on the clipboard (copied files, an image,
//! text). Each becomes a file of its own in LinkDrop's private captures folder, under the name its
//! link will carry (`Screenshot 2026-12-01 18.42.05.png`, `Meeting notes for Tuesday.txt`), and is
//! then shared as any file is: expiry, profile, encryption, pages and deletion all apply.
//!
//! May use: `error`, `system` (`tests/architecture.rs` holds it).

pub mod clipboard;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};

use crate::error::{Coded, ErrorCode};
use crate::system::paths::Paths;

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "cannot read the clipboard: {detail} (a server or a container has none: share a file instead)"
    )]
    NoClipboard { detail: String },
    #[error(
        "the clipboard holds nothing LinkDrop can share: copy a file, an image or some text first"
    )]
    NothingCopied,
    #[error("cannot keep the capture in {}: {source}", dir.display())]
    Keep {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode the image as PNG: {0}")]
    Encode(String),
}

impl Coded for CaptureError {
    fn code(&self) -> ErrorCode {
        match self {
            CaptureError::NoClipboard { .. } => ErrorCode::Clipboard,
            CaptureError::NothingCopied => ErrorCode::NothingCopied,
            CaptureError::Keep { .. } | CaptureError::Encode(_) => ErrorCode::Unreadable,
        }
    }
}

/// Where captures wait to be shared: `<data dir>/captures`, the user's alone.
pub fn captures_dir(paths: &Paths) -> PathBuf {
    paths.data_dir.join("captures")
}

/// Writes `bytes` as `name` in a folder of its own under the captures folder (two captures of
/// the same second never collide), readable by the user alone; its path, to share.
pub fn keep(paths: &Paths, name: &str, bytes: &[u8]) -> Result<PathBuf, CaptureError> {
    let root = captures_dir(paths);
    let keep_err = |source| CaptureError::Keep {
        dir: root.clone(),
        source,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&root).map_err(keep_err)?;
    let dir = tempfile::Builder::new()
        .prefix("capture-")
        .tempdir_in(&root)
        .map_err(keep_err)?
        .keep();
    let path = dir.join(name);
    crate::system::paths::create_atomically(&path, bytes).map_err(keep_err)?;
    Ok(path)
}

/// Removes a kept capture once it is shared (its folder too); a path outside the captures folder
/// is never touched.
pub fn discard(paths: &Paths, path: &Path) {
    let root = captures_dir(paths);
    if let Some(dir) = path.parent().filter(|d| d.parent() == Some(root.as_path())) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// `Screenshot 2026-12-01 18.42.05.png`: the local time, as the desktop names screenshots.
pub fn screenshot_name(at: DateTime<Local>) -> String {
    format!("Screenshot {}.png", at.format("%Y-%m-%d %H.%M.%S"))
}

/// `Copied image 2026-12-01 18.42.05.png`: an image from the clipboard, by when it was shared.
pub fn image_name(at: DateTime<Local>) -> String {
    format!("Copied image {}.png", at.format("%Y-%m-%d %H.%M.%S"))
}

/// The longest name made from copied text, before `.txt`.
const TEXT_NAME_CHARS: usize = 40;

/// A name for copied text, from its first words: letters, digits and spaces of the first line
/// with words, cut at a word to at most 40 characters; `Copied text.txt` when it has none. No
/// path separator, control character or escape code reaches the name.
pub fn text_name(text: &str) -> String {
    let line = text
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect::<String>()
        })
        .find(|l| l.chars().any(char::is_alphanumeric))
        .unwrap_or_default();
    let mut name = String::new();
    for word in line.split_whitespace() {
        let next = if name.is_empty() {
            word.chars().count()
        } else {
            name.chars().count() + 1 + word.chars().count()
        };
        if next > TEXT_NAME_CHARS {
            if name.is_empty() {
                name = word.chars().take(TEXT_NAME_CHARS).collect();
            }
            break;
        }
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(word);
    }
    if name.is_empty() {
        "Copied text.txt".to_owned()
    } else {
        format!("{name}.txt")
    }
}

/// An RGBA image (8 bits a channel, rows top to bottom) as PNG.
pub fn png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| CaptureError::Encode(e.to_string()))?;
    writer
        .write_image_data(rgba)
        .map_err(|e| CaptureError::Encode(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| CaptureError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_text_is_named_from_its_first_words_and_nothing_else() {
        assert_eq!(
            text_name("Meeting notes for Tuesday\nmore"),
            "Meeting notes for Tuesday.txt"
        );
        assert_eq!(
            text_name("\n\n  --- \n  hello, world!  "),
            "hello world.txt"
        );
        assert_eq!(text_name("../../etc/passwd"), "etc passwd.txt");
        assert_eq!(
            text_name("\u{1b}[31mred\u{1b}[0m alert"),
            "31mred 0m alert.txt"
        );
        assert_eq!(text_name("  \n\t"), "Copied text.txt");
        assert_eq!(text_name("résumé Zoë 東京"), "résumé Zoë 東京.txt");
        let long = "one two three four five six seven eight nine ten eleven";
        let name = text_name(long);
        assert_eq!(name, "one two three four five six seven eight.txt");
        assert!(name.chars().count() <= TEXT_NAME_CHARS + 4);
        let word = "x".repeat(100);
        assert_eq!(text_name(&word), format!("{}.txt", "x".repeat(40)));
    }

    #[test]
    fn a_screenshot_is_named_by_its_local_time() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(18, 42, 5)
            .unwrap()
            .and_local_timezone(Local)
            .unwrap();
        assert_eq!(screenshot_name(at), "Screenshot 2026-12-01 18.42.05.png");
    }

    #[test]
    fn a_capture_is_kept_privately_and_discarded_with_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("c"),
            data_dir: dir.path().join("d"),
        };
        let a = keep(&paths, "same.txt", b"one").unwrap();
        let b = keep(&paths, "same.txt", b"two").unwrap();
        assert_ne!(a, b);
        assert_eq!(std::fs::read(&a).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(captures_dir(&paths))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        discard(&paths, &a);
        assert!(!a.exists() && a.parent().is_some_and(|d| !d.exists()));
        assert!(b.exists());
        // Something not kept here is left alone.
        let elsewhere = dir.path().join("mine.txt");
        std::fs::write(&elsewhere, b"x").unwrap();
        discard(&paths, &elsewhere);
        assert!(elsewhere.exists());
    }

    #[test]
    fn the_png_holds_the_pixels() {
        let rgba: Vec<u8> = (0..4 * 3 * 2).map(|i| i as u8 * 10).collect();
        let bytes = png(3, 2, &rgba).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&buf[..info.buffer_size()], rgba.as_slice());
    }
}
