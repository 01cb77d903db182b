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
