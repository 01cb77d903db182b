//! How the command line speaks: one line per message on stderr (`linkdrop: …`), output lines on
//! stdout, every one made safe for a terminal, and the flag that mends an error added to the
//! domain's message (the domain speaks to the window too, so it names no flag).
//!
//! May use: the domain (`linkdrop`) (`tests/architecture.rs` holds it).

use linkdrop::error::{Coded, ErrorCode};
use linkdrop::system::text::for_terminal;

/// One line on stderr: `linkdrop: <message>`, with any control character in it (from a file
/// name, a server's answer) shown as an escape, never obeyed by the terminal.
pub fn report(message: impl std::fmt::Display) {
    eprintln!("linkdrop: {}", for_terminal(&message.to_string()));
}

/// A domain error as the command line says it: the domain's message, and the command that mends
/// it where there is one (the domain speaks to the window too, so it names no flag).
pub fn with_hint(e: &(impl std::fmt::Display + Coded)) -> String {
    let hint = match e.code() {
        ErrorCode::WrongSecret | ErrorCode::InvalidAccessKeyId => {
            " (`linkdrop profile add NAME … --credentials keychain` stores a key pair)"
        }
        ErrorCode::ObjectMissing | ErrorCode::ObjectChanged | ErrorCode::Revoked => {
            " (`linkdrop share FILE`)"
        }
        ErrorCode::KeychainUnavailable => {
            " (`linkdrop profile add … --credentials env` or `--credentials aws-profile:NAME`)"
        }
        ErrorCode::NoSecret => {
            " (`linkdrop profile add NAME … --credentials keychain`, the secret read from \
             LINKDROP_SECRET_ACCESS_KEY or stdin)"
        }
        ErrorCode::InsecureEndpoint => " (--allow-insecure-http)",
        ErrorCode::AccessKeyIdNeeded => " (--access-key-id)",
        ErrorCode::LocalProfileKept => " (`linkdrop profile default NAME`)",
        ErrorCode::NoProfiles => " (`linkdrop profile add`)",
        ErrorCode::NoSuchRequest => " (`linkdrop request list`)",
        _ => "",
    };
    format!("{e}{hint}")
}

/// One line of human output on stdout, made safe for a terminal like `report`'s.
pub fn say(line: impl std::fmt::Display) {
    println!("{}", for_terminal(&line.to_string()));
}

/// One line of tab-separated fields on stdout (for `cut -f`): each field made safe like `say`'s,
/// the tabs between them kept.
pub fn say_fields(fields: &[&str]) {
    let fields: Vec<_> = fields.iter().map(|f| for_terminal(f)).collect();
    println!("{}", fields.join("\t"));
}

/// `linkdrop storage` for a person: what is kept, and the command that tidies each part. Names
/// and keys go through `for_terminal` (an object key may hold escape codes).
pub fn storage_report(r: &linkdrop::tidy::StorageReport) -> String {
    use std::fmt::Write as _;
    let size = |bytes: u64| linkdrop::system::text::size(bytes);
    let mut out = String::new();
    let prefix = if r.prefix.is_empty() {
        "no prefix".to_owned()
    } else {
        format!("prefix {:?}", for_terminal(&r.prefix))
    };
    let _ = writeln!(
        out,
        "Profile {} — bucket {:?} at {} ({prefix})",
        for_terminal(&r.profile),
        for_terminal(&r.bucket),
        for_terminal(&r.endpoint)
    );
    let _ = writeln!(
        out,
        "  LinkDrop keeps {}, {}",
        plural(r.linkdrop.objects, "object"),
        size(r.linkdrop.bytes)
    );
    let _ = writeln!(
        out,
        "  expired links: {}, {}{}",
        plural(r.expired.objects, "object"),
        size(r.expired.bytes),
        if r.expired.objects > 0 {
            " — `linkdrop storage --delete-expired`"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "  unfinished uploads: {}{}",
        r.unfinished.len(),
        if r.unfinished.is_empty() {
            ""
        } else {
            " — `linkdrop storage --abort-unfinished`"
        }
    );
    for u in &r.unfinished {
        let what = u
            .file
            .as_deref()
            .map_or_else(|| u.key.clone(), str::to_owned);
        let at = u
            .percent
            .map(|p| format!(" cut short at {p} %"))
            .unwrap_or_default();
        let since = u
            .started_at
            .map(|t| format!(", started {}", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {}{at}: {} in its parts{since}",
            for_terminal(&what),
            size(u.bytes)
        );
    }
    let stray: u64 = r.unknown.iter().map(|o| o.size).sum();
    let _ = writeln!(
        out,
        "  unknown to this history: {}, {}{}",
        plural(r.unknown.len() as u64, "object"),
        size(stray),
        if r.unknown.is_empty() {
            ""
        } else {
            " — `linkdrop storage --adopt-unknown` or `--delete-unknown`"
        }
    );
    if r.others.objects > 0 {
        let _ = writeln!(
            out,
            "  not LinkDrop's (left alone): {}, {}",
            plural(r.others.objects, "object"),
            size(r.others.bytes)
        );
    }
    out
}

/// `linkdrop storage --lifecycle` for a person: the exact rules, and where they stand.
pub fn lifecycle_plan(
    plan: &linkdrop::tidy::lifecycle::LifecyclePlan,
    installed_now: bool,
) -> String {
    if !plan.supported {
        return format!(
            "Bucket {:?}: {}\n",
            for_terminal(&plan.bucket),
            plan.note.as_deref().unwrap_or("no lifecycle rules here")
        );
    }
    let state = match (plan.installed, installed_now) {
        (true, true) => "installed; the server now keeps them",
        (true, false) => "already installed",
        (false, _) => "not installed: `linkdrop storage --install-lifecycle` adds them",
    };
    let others = if plan.others.is_empty() {
        "the bucket has no rules of its own".to_owned()
    } else {
        format!(
            "the bucket's own rules stay as they are: {}",
            plan.others
                .iter()
                .map(|id| for_terminal(id).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "Bucket {:?}: LinkDrop's lifecycle rules, {state}; {others}.\n{}\n",
        for_terminal(&plan.bucket),
        plan.rules
    )
}

/// "1 file", "3 files": a count with its noun.
pub fn plural(n: u64, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}
