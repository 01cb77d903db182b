//! Object keys for shared files: `<prefix><unguessable id>/<sanitised name>`.
//!
//! The id makes every key unique (two files called `report.pdf` never collide) and keeps one link from
//! being guessed from another. The name part is only for people browsing the bucket: the download name
//! comes from the link's Content-Disposition, so the key can be conservative about characters.

use rand::RngCore;

/// Longest sanitised name kept in a key. Object keys may be 1024 bytes, but S3-compatible stores that
/// map keys to file names (and their metadata files) hit the 255-byte file-name limit much sooner.
const MAX_NAME_LEN: usize = 64;

/// A share's id: 128 random bits, lowercase base32 (26 characters, safe in URLs, file names and keys).
pub fn new_share_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    data_encoding::BASE32_DNSSEC.encode(&bytes)
}

pub use crate::storage::folders::{MAX_EXPIRE_DAYS, expire_days, expiring_prefix};

/// What a key under a profile's prefix is, when it has the shape of LinkDrop's own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// `<prefix><id>/<name>`: a shared file or a share page.
    Share { id: &'a str },
    /// `<prefix>requests/<id>/…`: an upload request's page or an arrival.
    Request { id: &'a str },
}

fn is_share_id(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'v'))
}

/// The shape of `key` if LinkDrop made it under `prefix`; `None` for anything else (the user's own
/// objects, which LinkDrop never touches).
pub fn linkdrop_shape<'a>(prefix: &str, key: &'a str) -> Option<Shape<'a>> {
    let mut rest = key.strip_prefix(prefix)?;
    // A share to be deleted lives in its folder of days.
    if let Some(after) = rest.strip_prefix("expire-")
        && let Some((days, tail)) = after.split_once("d/")
        && days
            .parse::<u64>()
            .is_ok_and(|d| (1..=MAX_EXPIRE_DAYS).contains(&d))
    {
        rest = tail;
    }
    if let Some(request) = rest.strip_prefix("requests/") {
        let (id, tail) = request.split_once('/')?;
        return (is_share_id(id) && !tail.is_empty()).then_some(Shape::Request { id });
    }
    let (id, name) = rest.split_once('/')?;
    (is_share_id(id) && !name.is_empty() && !name.contains('/')).then_some(Shape::Share { id })
}

/// The object key for a shared file.
pub fn object_key(prefix: &str, share_id: &str, original_name: &str) -> String {
    format!("{prefix}{share_id}/{}", sanitise_name(original_name))
}

/// A key-safe version of a file name: ASCII letters, digits, `.`, `-` and `_` only, at most
/// `MAX_NAME_LEN` bytes, with the extension kept. Never empty.
pub fn sanitise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len().min(MAX_NAME_LEN));
    let mut last_was_sep = true; // no separator at the start
    for c in name.chars() {
        let mapped = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c),
            '.' | '-' | '_' => Some(c),
            _ => None,
        };
        match mapped {
            Some(c) => {
                out.push(c);
                last_was_sep = matches!(c, '-' | '_');
            }
            None if !last_was_sep => {
                out.push('_');
                last_was_sep = true;
            }
            None => {}
        }
    }
    // Leading dots would hide the object on file-backed stores and `..` must never be a path segment.
    let trimmed = out
        .trim_start_matches(['.', '-', '_'])
        .trim_end_matches(['-', '_']);
    let mut name = if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    };
    if name.len() > MAX_NAME_LEN {
        name = shorten_keeping_extension(&name);
    }
    name
}

fn shorten_keeping_extension(name: &str) -> String {
    // Only ASCII survives sanitising, so byte offsets are char boundaries.
    let ext = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= 16 => &name[dot..],
        _ => "",
    };
    let stem_len = MAX_NAME_LEN - ext.len();
    let stem = name[..stem_len].trim_end_matches(['.', '-', '_']);
    format!("{stem}{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_of_linkdrop_s_own_shape_are_its_own() {
        let id = new_share_id();
        let shared = object_key("shares/", &id, "report.pdf");
        assert_eq!(
            linkdrop_shape("shares/", &shared),
            Some(Shape::Share { id: &id })
        );
        let request = format!("shares/requests/{id}/in/x.pdf");
        assert_eq!(
            linkdrop_shape("shares/", &request),
            Some(Shape::Request { id: &id })
        );
        for theirs in [
            "shares/holiday/photo.jpg".to_owned(),
            format!("shares/{id}"),
            format!("shares/{id}/deeper/file"),
            format!("other/{id}/report.pdf"),
            format!("shares/{}/x", id.to_uppercase()),
            "shares/requests/notes.txt".to_owned(),
        ] {
            assert_eq!(linkdrop_shape("shares/", &theirs), None, "{theirs}");
        }
        let expiring = format!("{}{id}/a.txt", expiring_prefix("shares/", 3600));
        assert_eq!(expiring, format!("shares/expire-1d/{id}/a.txt"));
        assert_eq!(
            linkdrop_shape("shares/", &expiring),
            Some(Shape::Share { id: &id })
        );
        assert_eq!(expire_days(&expiring), Some(1));
        assert_eq!(expire_days(&shared), None);
        // 7 days and an hour of grace: 8 whole days; never more than the folders there are.
        assert!(expiring_prefix("", 7 * 86_400 + 3600).ends_with("expire-8d/"));
        assert!(expiring_prefix("", u64::MAX).ends_with("expire-15d/"));
        assert_eq!(linkdrop_shape("", &format!("expire-99d/{id}/a")), None);
        // An empty prefix: the whole bucket, and still only LinkDrop's shape.
        assert!(linkdrop_shape("", &object_key("", &id, "a")).is_some());
        assert!(linkdrop_shape("", "backups/2026/db.sql").is_none());
    }

    #[test]
    fn ids_are_unguessable_and_key_safe() {
        let a = new_share_id();
        let b = new_share_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 26);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{a}"
        );
    }

    #[test]
    fn keys_have_prefix_id_and_name() {
        assert_eq!(
            object_key("shares/", "abc", "report.pdf"),
            "shares/abc/report.pdf"
        );
        assert_eq!(object_key("", "abc", "a b.txt"), "abc/a_b.txt");
    }

    #[test]
    fn sanitising_keeps_readable_ascii() {
        assert_eq!(
            sanitise_name("Quarterly Report (final).pdf"),
            "Quarterly_Report_final_.pdf"
        );
        assert_eq!(sanitise_name("a+b%c#d?e&f\"g'h.txt"), "a_b_c_d_e_f_g_h.txt");
        assert_eq!(sanitise_name("photo-2024_01.JPG"), "photo-2024_01.JPG");
    }

    #[test]
    fn sanitising_never_yields_empty_or_hidden_or_dot_segments() {
        assert_eq!(sanitise_name(""), "file");
        assert_eq!(sanitise_name("..."), "file");
        assert_eq!(sanitise_name(".."), "file");
        assert_eq!(sanitise_name("日本語"), "file");
        assert_eq!(sanitise_name(".bashrc"), "bashrc");
        assert_eq!(sanitise_name("../../etc/passwd"), "etc_passwd");
        assert_eq!(sanitise_name("日本語.pdf"), "pdf");
        assert_eq!(sanitise_name("🎉 party 🎉.png"), "party_.png");
    }

    #[test]
    fn long_names_are_cut_but_keep_their_extension() {
        let long = format!("{}.tar.gz", "x".repeat(300));
        let s = sanitise_name(&long);
        assert!(s.len() <= MAX_NAME_LEN, "{}", s.len());
        assert!(s.ends_with(".gz"), "{s}");
        let no_ext = "y".repeat(300);
        assert_eq!(sanitise_name(&no_ext).len(), MAX_NAME_LEN);
    }
}
