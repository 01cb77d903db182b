//! The page behind an upload request's link: one self-contained HTML object (its style, script and
//! the request's signed forms inside it), served from the bucket itself so that its uploads go to
//! the same origin and need no CORS rule. Its Content-Security-Policy allows exactly its own
//! script and style (by hash) and connections to that origin; nothing is loaded from anywhere.

use serde::Serialize;

use crate::system::html;

use crate::storage::post_policy::PostForm;

const TEMPLATE: &str = include_str!("page/page.html");
const STYLE: &str = include_str!("page/page.css");
const SCRIPT: &str = include_str!("page/page.js");

/// What the page shows and signs with.
#[derive(Debug, Serialize)]
pub struct PageData<'a> {
    pub from: Option<&'a str>,
    pub name: &'a str,
    pub note: Option<&'a str>,
    /// RFC 3339: the page counts down to it and refuses files after it.
    pub expires_at: String,
    pub max_size: u64,
    /// "100 MB".
    pub max_size_text: String,
    pub accept: &'a [String],
    /// "only PDF files", "only images or PDF files"; `None` for any type.
    pub accept_text: Option<String>,
    /// Every key the page makes starts with this.
    pub key_prefix: &'a str,
    pub forms: &'a [PostForm],
}

const PAGE: html::Page = html::Page {
    template: TEMPLATE,
    style: STYLE,
    script: SCRIPT,
    // Uploads go to the page's own origin (the bucket); nothing else is reached.
    allow: "connect-src 'self'; img-src data:",
};

/// The policy the page carries: its own script and style, connections to its own origin (the
/// bucket), nothing else; no form posts, no base URL, no frames.
pub fn csp() -> String {
    PAGE.csp()
}

pub fn render(data: &PageData<'_>) -> String {
    PAGE.render(data.name, data)
}

/// The allowed types in words: "only PDF files", "only images or PDF files".
pub fn accept_text(accept: &[String]) -> Option<String> {
    if accept.is_empty() {
        return None;
    }
    let words: Vec<String> = accept
        .iter()
        .map(|t| match t.as_str() {
            "image/*" => "images".to_owned(),
            "video/*" => "videos".to_owned(),
            "audio/*" => "audio files".to_owned(),
            "text/*" => "text files".to_owned(),
            "application/pdf" => "PDF files".to_owned(),
            "application/zip" => "ZIP archives".to_owned(),
            other => format!("{other} files"),
        })
        .collect();
    let joined = match words.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => return None,
    };
    Some(format!("only {joined}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data<'a>(name: &'a str, note: Option<&'a str>) -> PageData<'a> {
        PageData {
            from: None,
            name,
            note,
            expires_at: "2026-12-02T05:00:00Z".into(),
            max_size: 100_000_000,
            max_size_text: crate::system::text::size(100_000_000),
            accept: &[],
            accept_text: None,
            key_prefix: "requests/r/in/",
            forms: &[],
        }
    }

    #[test]
    fn a_name_or_note_full_of_markup_stays_text() {
        let page = render(&data(
            "</title><script>alert(1)</script>",
            Some("</script><img src=x onerror=alert(2)>"),
        ));
        assert!(!page.contains("<script>alert(1)"));
        assert!(!page.contains("<img src=x"));
        assert!(page.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Two script elements, the data and the code: nothing a name adds.
        assert_eq!(page.matches("</script>").count(), 2);
    }

    #[test]
    fn the_policy_allows_exactly_the_pages_own_script_and_style() {
        let page = render(&data("x", None));
        let csp = csp();
        assert!(page.contains(&format!("content=\"{csp}\"")));
        assert!(csp.starts_with("default-src 'none'; "));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert!(csp.contains(&html::sha256_source(SCRIPT)));
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external resource"
        );
    }

    #[test]
    fn sizes_and_types_read_as_people_write_them() {
        assert_eq!(crate::system::text::size(100_000_000), "100 MB");
        assert_eq!(crate::system::text::size(1_500_000_000), "1.5 GB");
        assert_eq!(crate::system::text::size(500_000), "500 kB");
        assert_eq!(crate::system::text::size(1), "1 byte");
        assert_eq!(
            accept_text(&["application/pdf".into()]).unwrap(),
            "only PDF files"
        );
        assert_eq!(
            accept_text(&["image/*".into(), "application/pdf".into()]).unwrap(),
            "only images or PDF files"
        );
        assert_eq!(accept_text(&[]), None);
    }
}
