//! Text that comes from outside (file names, bucket keys, what a server answered) on its way to a
//! terminal or a desktop notification. A terminal obeys escape sequences wherever they come from:
//! a file named with `ESC ]0;…` retitles the window, `ESC [2J` wipes it, OSC 52 writes the
//! clipboard on some terminals. A notification body is markup (`<b>`, `<a href>`, `<img>`) on
//! most desktops. So control characters are shown as escapes, and markup as text. JSON output
//! keeps the exact text: it is for programs, which escape it themselves.

use std::borrow::Cow;
use std::fmt::Write;

/// A character a terminal would act on or that would hide what the text says: C0 and C1
/// controls, DEL, and the Unicode controls that reorder or hide text (bidi overrides and
/// isolates, zero-width marks).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
        )
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
}

/// `text` as a terminal may print it: control characters written as escapes (`\x1b`, `\n`,
/// `\u{202e}`), a backslash as it is. Text without them is returned as it is.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_dangerous(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` for a notification's body: `&`, `<` and `>` as entities (the body is markup), control
/// characters as escapes, line breaks kept (they separate the body's lines).
pub fn for_notification(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push('\n'),
            c if is_dangerous(c) => escape_into(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// "100 MB", "1.5 GB", "500 kB", "900 bytes": decimal units, as the sizes people type (`100M`).
pub fn size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1_000_000_000_000, "TB"),
        (1_000_000_000, "GB"),
        (1_000_000, "MB"),
        (1_000, "kB"),
    ];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenths} {name}")
            };
        }
    }
    format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_reach_the_terminal_as_text() {
        let name = "report\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}fdp.exe\nnext line.pdf";
        let shown = for_terminal(name);
        assert!(!shown.chars().any(is_dangerous), "{shown:?}");
        assert_eq!(
            shown,
            "report\\x1b]0;pwned\\x07\\x1b[2J\\u{009b}31m\\u{202e}fdp.exe\\nnext line.pdf"
        );
        assert!(matches!(
            for_terminal("naïve café 🎉.txt"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn markup_reaches_the_notification_as_text() {
        let body = for_notification("<b>x</b> & <a href=\"http://evil\">y</a>\u{1b}[1m\nline two");
        assert_eq!(
            body,
            "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=\"http://evil\"&gt;y&lt;/a&gt;\\x1b[1m\nline two"
        );
    }
}
