//! The `Content-Disposition` a link asks the server to send, so the file downloads under its original
//! name — spaces, quotes, `%`, non-ASCII and emoji included — in every browser and in curl/wget.
//!
//! RFC 6266 with an RFC 5987 `filename*` (UTF-8, percent-encoded) and a plain ASCII `filename`
//! fallback for old clients.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// RFC 5987 `attr-char`s travel as they are; everything else is percent-encoded.
const ATTR_CHAR_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="…"; filename*=UTF-8''…` for the given original file name.
///
/// `attachment` rather than `inline`: a shared HTML or SVG file must not run as a page on the bucket's
/// origin, and recipients expect a download with the right name.
pub fn attachment(file_name: &str) -> String {
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(file_name),
        utf8_percent_encode(file_name, ATTR_CHAR_ENCODE)
    )
}

/// A quoted-string-safe ASCII stand-in: non-ASCII, control characters, `"` and `\` become `_`.
fn ascii_fallback(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if fallback.is_empty() {
        "file".to_owned()
    } else {
        fallback
    }
}

/// Decodes the name a browser would save under (the `filename*` parameter), for tests and checks.
pub fn download_name(header: &str) -> Option<String> {
    let encoded = header
        .split("filename*=UTF-8''")
        .nth(1)?
        .split(';')
        .next()?
        .trim();
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_readable() {
        assert_eq!(
            attachment("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
    }

    #[test]
    fn awkward_names_are_encoded_and_round_trip() {
        for name in [
            "a b.txt",
            "50% off + more.txt",
            "quote \"this\" & that.txt",
            "back\\slash.txt",
            "semi;colon,comma.txt",
            "naïve café.txt",
            "日本語のファイル.pdf",
            "party 🎉.png",
            "tab\there.txt",
            "q?#&=.bin",
        ] {
            let header = attachment(name);
            assert!(header.is_ascii(), "{header}");
            assert_eq!(download_name(&header).as_deref(), Some(name), "{header}");
            let quoted = header
                .split("filename=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            assert!(
                !quoted.contains('\\') && !quoted.chars().any(|c| c.is_control()),
                "{quoted}"
            );
        }
    }

    #[test]
    fn non_ascii_falls_back_to_underscores_in_the_plain_parameter() {
        let header = attachment("naïve.txt");
        assert!(header.contains("filename=\"na_ve.txt\""), "{header}");
        assert!(
            header.contains("filename*=UTF-8''na%C3%AFve.txt"),
            "{header}"
        );
    }

    #[test]
    fn spaces_and_quotes_are_percent_encoded_in_the_extended_parameter() {
        let header = attachment("a \"b\".txt");
        assert!(
            header.ends_with("filename*=UTF-8''a%20%22b%22.txt"),
            "{header}"
        );
    }
}
