//! What is on the clipboard, read with arboard (X11, Wayland's data-control protocol, macOS,
//! Windows): copied files first (a file manager's `text/uri-list`, or text that names files), then
//! an image, then text.

use std::path::PathBuf;

use super::CaptureError;

/// What the clipboard holds, as LinkDrop would share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// Existing regular files, in the order copied.
    Files(Vec<PathBuf>),
    /// RGBA pixels, 8 bits a channel, rows top to bottom.
    Image {
        width: u32,
        height: u32,
        rgba: Vec<u8>,
    },
    Text(String),
    Nothing,
}

impl Copied {
    /// What sharing it would share, for a menu: "copied image 1920×1080".
    pub fn describe(&self) -> Option<String> {
        match self {
            Copied::Files(files) if files.len() == 1 => Some("copied file".into()),
            Copied::Files(files) => Some(format!("{} copied files", files.len())),
            Copied::Image { width, height, .. } => Some(format!("copied image {width}×{height}")),
            Copied::Text(_) => Some("copied text".into()),
            Copied::Nothing => None,
        }
    }
}

/// Reads the clipboard. A machine without one (no display) is `NoClipboard`.
pub fn read() -> Result<Copied, CaptureError> {
    let mut clipboard = arboard::Clipboard::new().map_err(|e| CaptureError::NoClipboard {
        detail: e.to_string(),
    })?;
    if let Ok(files) = clipboard.get().file_list() {
        let files: Vec<PathBuf> = files.into_iter().filter(|p| p.is_file()).collect();
        if !files.is_empty() {
            return Ok(Copied::Files(files));
        }
    }
    let text = clipboard.get_text().ok();
    if let Some(files) = text.as_deref().map(copied_files).filter(|f| !f.is_empty()) {
        return Ok(Copied::Files(files));
    }
    if let Ok(image) = clipboard.get_image()
        && image.width > 0
        && image.height > 0
    {
        return Ok(Copied::Image {
            width: u32::try_from(image.width).unwrap_or(u32::MAX),
            height: u32::try_from(image.height).unwrap_or(u32::MAX),
            rgba: image.bytes.into_owned(),
        });
    }
    Ok(match text {
        Some(text) if !text.trim().is_empty() => Copied::Text(text),
        _ => Copied::Nothing,
    })
}

/// The files named by clipboard text: one path or `file://` URI per line (file managers copy a
/// list of URIs, GNOME's prefixed with `copy` or `cut`); of those, the existing regular files (one
/// deleted since, or a folder, is left out). Text with any other line is text, not a file list:
/// nothing is shared as a file that the user did not copy as one.
pub fn copied_files(text: &str) -> Vec<PathBuf> {
    let named: Option<Vec<PathBuf>> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "copy" && *l != "cut" && !l.starts_with('#'))
        .map(|line| {
            if line.starts_with("file://") {
                url::Url::parse(line).ok()?.to_file_path().ok()
            } else if line.starts_with('/') {
                Some(PathBuf::from(line))
            } else {
                None
            }
        })
        .collect();
    named
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_a_file_list_only_when_every_line_names_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a file.txt");
        std::fs::write(&a, "a").unwrap();
        let b = dir.path().join("b.txt");
        std::fs::write(&b, "b").unwrap();
        let uri = url::Url::from_file_path(&a).unwrap();
        // A folder and a file gone since are left out; the rest are the files.
        let text = format!(
            "copy\n{uri}\n{}\n/nonexistent/file\n{}\n",
            b.display(),
            dir.path().display()
        );
        assert_eq!(copied_files(&text), vec![a.clone(), b]);
        assert!(copied_files("just some text").is_empty());
        assert!(copied_files(&format!("see {}", a.display())).is_empty());
        assert!(copied_files(&format!("{uri}\nand a sentence")).is_empty());
        assert!(copied_files("").is_empty());
    }

    #[test]
    fn the_menu_says_what_would_be_shared() {
        let image = Copied::Image {
            width: 1920,
            height: 1080,
            rgba: Vec::new(),
        };
        assert_eq!(image.describe().as_deref(), Some("copied image 1920×1080"));
        assert_eq!(
            Copied::Files(vec!["/a".into(), "/b".into()])
                .describe()
                .as_deref(),
            Some("2 copied files")
        );
        assert_eq!(
            Copied::Text("x".into()).describe().as_deref(),
            Some("copied text")
        );
        assert_eq!(Copied::Nothing.describe(), None);
    }
}
