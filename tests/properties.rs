//! Property tests (proptest) of what takes arbitrary text from users and file systems: the expiry
//! parser, the object-key name sanitiser and the Content-Disposition encoder. They must never panic,
//! keep their promises for any input, and round-trip. Failing cases proptest finds are kept in
//! `proptest-regressions/` and replayed first on every run; the hand-picked cases below are the
//! inputs worth keeping forever.

use linkdrop::profiles::expiry::{Expiry, MAX_SECONDS};
use linkdrop::share::object_key::{object_key, sanitise_name};
use linkdrop::storage::content_disposition::{attachment, download_name};
use proptest::prelude::*;

/// Strings shaped like durations people type, and near misses.
fn duration_like() -> impl Strategy<Value = String> {
    let piece = (
        "[-+]?[0-9]{0,12}(\\.[0-9]{1,3})?(e[0-9]{1,3})?",
        "(s|sec|m|min|h|hr|d|day|days|w|M|y|ms|us|ns|x|)?",
    );
    prop::collection::vec(piece, 0..4).prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(n, u)| format!("{n}{u}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn check_expiry(input: &str) -> Result<(), TestCaseError> {
    if let Ok(expiry) = input.parse::<Expiry>() {
        prop_assert!(
            (1..=MAX_SECONDS).contains(&expiry.as_secs()),
            "{input:?} gave {}",
            expiry.as_secs()
        );
        prop_assert_eq!(expiry.to_string().parse::<Expiry>(), Ok(expiry));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_parses_to_a_valid_expiry_or_a_clear_error(input in ".*") {
        check_expiry(&input)?;
    }

    #[test]
    fn duration_like_text_parses_to_a_valid_expiry_or_a_clear_error(input in duration_like()) {
        check_expiry(&input)?;
        if let Err(e) = input.parse::<Expiry>() {
            let message = e.to_string();
            prop_assert!(message.contains("expiry"), "{message}");
        }
    }

    #[test]
    fn every_lifetime_round_trips_through_its_text(secs in 1..=MAX_SECONDS) {
        let expiry = Expiry::from_secs(secs).unwrap();
        prop_assert_eq!(expiry.to_string().parse::<Expiry>(), Ok(expiry));
        prop_assert_eq!(secs.to_string().parse::<Expiry>(), Ok(expiry));
    }

    #[test]
    fn sanitised_names_are_short_safe_and_never_empty(name in ".*") {
        let safe = sanitise_name(&name);
        prop_assert!(!safe.is_empty());
        prop_assert!(safe.len() <= 64, "{} bytes: {safe}", safe.len());
        prop_assert!(safe.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)), "{safe:?}");
        prop_assert!(!safe.starts_with('.'), "{safe:?}");
        prop_assert!(safe.chars().any(|c| c != '.'), "{safe:?}");
        let key = object_key("team/", "0123456789abcdefghijklmnop", &name);
        prop_assert_eq!(key, format!("team/0123456789abcdefghijklmnop/{safe}"));
    }

    #[test]
    fn a_short_extension_survives_sanitising(stem in ".{0,200}", ext in "[a-z0-9]{1,5}") {
        let safe = sanitise_name(&format!("{stem}.{ext}"));
        let kept = format!(".{ext}");
        prop_assert!(safe.ends_with(&kept) || safe == ext || safe == "file", "{safe:?} lost {ext}");
    }

    #[test]
    fn the_download_name_is_exactly_the_file_name(name in ".*") {
        let header = attachment(&name);
        prop_assert!(header.is_ascii(), "{header:?}");
        prop_assert!(!header.bytes().any(|b| b.is_ascii_control()), "{header:?}");
        prop_assert!(header.starts_with("attachment; filename=\""));
        let fallback = header
            .trim_start_matches("attachment; filename=\"")
            .split("\"; filename*=")
            .next()
            .unwrap_or_default();
        prop_assert!(!fallback.contains('"') && !fallback.contains('\\'), "{header:?}");
        prop_assert_eq!(download_name(&header), Some(name));
    }
}

#[test]
fn inputs_worth_keeping() {
    for (input, ok) in [
        ("7d", Some(604_800)),
        ("7d1s", None),
        ("1e9s", None),
        ("-1h", None),
        ("1.5h", Some(5400)),
        ("1.5s", None),
        ("604800", Some(604_800)),
        ("604801", None),
        ("99999999999999999999999", None),
        (" 1h ", Some(3600)),
        ("1h30m", Some(5400)),
        ("", None),
        ("\u{0}", None),
    ] {
        assert_eq!(
            input.parse::<Expiry>().ok().map(Expiry::as_secs),
            ok,
            "{input:?}"
        );
    }
    for (name, safe) in [
        ("..", "file"),
        ("../../etc/passwd", "etc_passwd"),
        (".hidden", "hidden"),
        ("😀😀😀", "file"),
        ("a\r\nb.txt", "a_b.txt"),
        ("", "file"),
    ] {
        assert_eq!(sanitise_name(name), safe, "{name:?}");
    }
    for name in [
        "",
        "\"quoted\" \\ back.txt",
        "line\r\nbreak.txt",
        "100% 東京 😀.pdf",
        "\u{0}",
    ] {
        assert_eq!(
            download_name(&attachment(name)).as_deref(),
            Some(name),
            "{name:?}"
        );
    }
}
