//! The pages LinkDrop writes into a bucket (an upload request's, a share page): one self-contained
//! HTML file each, its script and style inline and allowed by hash in its own
//! Content-Security-Policy, its data in a JSON element that no text in it can end.

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A page's parts: the template has `{{CSP}}`, `{{STYLE}}`, `{{SCRIPT}}`, `{{TITLE}}` and
/// `{{DATA}}` in it.
pub struct Page {
    pub template: &'static str,
    pub style: &'static str,
    pub script: &'static str,
    /// What the policy allows beyond the page's own script and style (`connect-src 'self'; …`).
    pub allow: &'static str,
}

impl Page {
    /// The policy: nothing by default, exactly this page's script and style, and `allow`.
    pub fn csp(&self) -> String {
        format!(
            "default-src 'none'; script-src {}; style-src {}; {}; form-action 'none'; base-uri 'none'",
            sha256_source(self.script),
            sha256_source(self.style),
            self.allow
        )
    }

    /// The page, each placeholder filled once, in one pass: a title or a name that holds
    /// `{{DATA}}` stays that text.
    pub fn render(&self, title: &str, data: &impl Serialize) -> String {
        let (csp, title, data) = (self.csp(), escape(title), json_for_script(data));
        let mut out = String::with_capacity(self.template.len() + data.len() + self.script.len());
        let mut rest = self.template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start..];
            let Some(end) = after.find("}}") else {
                out.push_str(after);
                return out;
            };
            out.push_str(match &after[2..end] {
                "CSP" => &csp,
                "STYLE" => self.style,
                "SCRIPT" => self.script,
                "TITLE" => &title,
                "DATA" => &data,
                _ => &after[..end + 2],
            });
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The data a page carries in its `<script id="{id}" type="application/json">` element: what
/// a re-issue keeps of a page, and what tests read back.
pub fn data_of(html: &str, id: &str) -> Option<serde_json::Value> {
    let open = format!(r#"<script id="{id}" type="application/json">"#);
    let start = html.find(&open)? + open.len();
    let end = start + html[start..].find("</script>")?;
    serde_json::from_str(&html[start..end]).ok()
}

/// A CSP source for exactly this text: `'sha256-…'`.
pub fn sha256_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Text for HTML content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON that cannot end the `<script>` element it sits in, whatever the names and notes hold.
pub fn json_for_script(data: &impl Serialize) -> String {
    serde_json::to_string(data)
        .unwrap_or_else(|_| "{}".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placeholder_is_filled_once() {
        let page = Page {
            template: "<title>{{TITLE}}</title><s>{{DATA}}</s><x>{{OTHER}}</x>",
            style: "",
            script: "",
            allow: "connect-src 'self'",
        };
        let out = page.render(
            "{{DATA}} & co",
            &serde_json::json!({ "t": "{{TITLE}}</s>" }),
        );
        assert_eq!(
            out,
            "<title>{{DATA}} &amp; co</title><s>{\"t\":\"{{TITLE}}\\u003c/s\\u003e\"}</s><x>{{OTHER}}</x>"
        );
    }
}
