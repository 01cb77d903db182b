//! How long a link stays valid: parsing what the user typed (`90s`, `15m`, `1h30m`, `7d`) and keeping
//! it inside what SigV4 query-string auth allows (1 second to 7 days).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest a SigV4 presigned URL may live: 7 days.
pub const MAX_SECONDS: u64 = 604_800;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error("expiry is empty: give a duration like 90s, 15m, 1h, 7d or 1h30m")]
    Empty,
    #[error(
        "expiry {input:?} is not a duration: use a number with a unit, like 90s, 15m, 1h, 7d or 1h30m"
    )]
    Invalid { input: String },
    #[error("expiry {input:?} is negative: a link must live at least 1 second, like 90s or 1h")]
    Negative { input: String },
    #[error("expiry {input:?} is too short: a link must live at least 1 second")]
    TooShort { input: String },
    #[error("expiry {input:?} is too long: presigned links live at most 7 days (7d = 604800 s)")]
    TooLong { input: String },
}

impl ExpiryError {
    /// The same refusal as a sentence for a form field, where the input is on screen already.
    pub fn for_a_field(&self) -> &'static str {
        match self {
            ExpiryError::Empty => "Enter a duration like 2h30m.",
            ExpiryError::Invalid { .. } => {
                "Use a number with a unit, like 90s, 45m, 2h30m or 3d (a bare number is seconds)."
            }
            ExpiryError::Negative { .. } | ExpiryError::TooShort { .. } => {
                "A link must live at least 1 second."
            }
            ExpiryError::TooLong { .. } => "A link can live at most 7 days.",
        }
    }
}

/// The lifetimes offered as one click (the window's choices, the tray's submenu, the re-issue
/// dialog): `(value, label, short label)`. The window's list is generated from this one
/// (`ui/src/lib/bindings/expiryPresets.ts`).
pub const PRESETS: [(&str, &str, &str); 4] = [
    ("15m", "15 minutes", "15 min"),
    ("1h", "1 hour", "1 hour"),
    ("1d", "1 day", "1 day"),
    ("7d", "7 days", "7 days"),
];

/// A validated link lifetime, whole seconds from 1 s to 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry(u64);

impl Expiry {
    pub const MIN: Expiry = Expiry(1);
    pub const ONE_HOUR: Expiry = Expiry(3600);
    pub const MAX: Expiry = Expiry(MAX_SECONDS);

    pub fn from_secs(secs: u64) -> Result<Self, ExpiryError> {
        let input = format!("{secs}s");
        match secs {
            0 => Err(ExpiryError::TooShort { input }),
            s if s > MAX_SECONDS => Err(ExpiryError::TooLong { input }),
            s => Ok(Expiry(s)),
        }
    }

    /// The lifetime as a span of time, to add to an instant.
    pub fn duration(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(i64::try_from(self.as_secs()).unwrap_or(i64::MAX))
    }

    pub fn as_secs(self) -> u64 {
        self.0
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl FromStr for Expiry {
    type Err = ExpiryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        if input.is_empty() {
            return Err(ExpiryError::Empty);
        }
        if input.starts_with('-') {
            return Err(ExpiryError::Negative {
                input: input.to_owned(),
            });
        }
        let invalid = || ExpiryError::Invalid {
            input: input.to_owned(),
        };
        // A bare number means seconds, as in `aws s3 presign --expires-in`.
        let duration = if input.bytes().all(|b| b.is_ascii_digit()) {
            Duration::from_secs(input.parse().map_err(|_| ExpiryError::TooLong {
                input: input.to_owned(),
            })?)
        } else {
            // humantime also knows months and years; those are simply too long below.
            humantime::parse_duration(input).map_err(|e| match e {
                humantime::DurationError::NumberOverflow => ExpiryError::TooLong {
                    input: input.to_owned(),
                },
                _ => invalid(),
            })?
        };
        if duration.subsec_nanos() != 0 {
            // Signatures carry whole seconds; rounding silently would change what the user asked for.
            return Err(invalid());
        }
        match duration.as_secs() {
            0 => Err(ExpiryError::TooShort {
                input: input.to_owned(),
            }),
            s if s > MAX_SECONDS => Err(ExpiryError::TooLong {
                input: input.to_owned(),
            }),
            s => Ok(Expiry(s)),
        }
    }
}

/// Written the way a person says it: `1h 30m`, `7d`, `45s` (and parsed back by `FromStr`).
impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
        let mut rest = self.0;
        let mut first = true;
        for (size, unit) in units {
            if rest >= size {
                if !first {
                    f.write_str(" ")?;
                }
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
                first = false;
            }
        }
        Ok(())
    }
}

/// Plain words for notifications and messages: "1 hour", "2 days 3 hours", "45 seconds".
pub fn describe(duration: Duration) -> String {
    let secs = duration.as_secs();
    let units = [
        (86_400, "day"),
        (3600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, unit) in units {
        if rest >= size && parts.len() < 2 {
            let n = rest / size;
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            rest %= size;
        }
    }
    if parts.is_empty() {
        "0 seconds".to_owned()
    } else {
        parts.join(" ")
    }
}

impl Serialize for Expiry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        s.parse::<Expiry>().unwrap().as_secs()
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("15m"), 900);
        assert_eq!(secs("1h"), 3600);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("1h 30m"), 5400);
        assert_eq!(secs("1s"), 1);
        assert_eq!(secs(" 2h "), 7200);
        assert_eq!(secs("3600"), 3600);
        assert_eq!(secs("1.5h"), 5400);
    }

    #[test]
    fn refuses_the_edges_with_the_right_error() {
        assert!(matches!(
            "0s".parse::<Expiry>(),
            Err(ExpiryError::TooShort { .. })
        ));
        assert!(matches!(
            "0".parse::<Expiry>(),
            Err(ExpiryError::TooShort { .. })
        ));
        assert!(matches!(
            "7d1s".parse::<Expiry>(),
            Err(ExpiryError::TooLong { .. })
        ));
        assert!(matches!(
            "8d".parse::<Expiry>(),
            Err(ExpiryError::TooLong { .. })
        ));
        assert!(matches!(
            "1y".parse::<Expiry>(),
            Err(ExpiryError::TooLong { .. })
        ));
        assert!(matches!(
            "99999999999999999999999".parse::<Expiry>(),
            Err(ExpiryError::TooLong { .. })
        ));
        for bad in ["abc", "1e9s", "h", "1.25s", "1h-", "1 parsec", "500ms"] {
            assert!(
                matches!(bad.parse::<Expiry>(), Err(ExpiryError::Invalid { .. })),
                "{bad} should be invalid, got {:?}",
                bad.parse::<Expiry>()
            );
        }
        for negative in ["-1h", "-0s", " -5m"] {
            assert!(
                matches!(
                    negative.parse::<Expiry>(),
                    Err(ExpiryError::Negative { .. })
                ),
                "{negative:?} should be negative"
            );
        }
        assert_eq!("".parse::<Expiry>(), Err(ExpiryError::Empty));
    }

    #[test]
    fn errors_say_what_to_type() {
        let message = "abc".parse::<Expiry>().unwrap_err().to_string();
        assert!(message.contains("1h30m"), "{message}");
        let message = "8d".parse::<Expiry>().unwrap_err().to_string();
        assert!(message.contains("7 days"), "{message}");
    }

    #[test]
    fn display_round_trips() {
        for s in [1, 59, 60, 3600, 5400, 86_399, 90_061, 604_800] {
            let e = Expiry::from_secs(s).unwrap();
            assert_eq!(e.to_string().parse::<Expiry>().unwrap(), e, "{e}");
        }
        assert_eq!(Expiry::from_secs(5400).unwrap().to_string(), "1h 30m");
        assert_eq!(Expiry::MAX.to_string(), "7d");
    }

    #[test]
    fn from_secs_checks_the_range() {
        assert!(Expiry::from_secs(0).is_err());
        assert!(Expiry::from_secs(MAX_SECONDS + 1).is_err());
        assert_eq!(Expiry::from_secs(MAX_SECONDS).unwrap(), Expiry::MAX);
    }

    #[test]
    fn describes_in_words() {
        assert_eq!(describe(Duration::from_secs(3600)), "1 hour");
        assert_eq!(describe(Duration::from_secs(7 * 86_400)), "7 days");
        assert_eq!(describe(Duration::from_secs(90)), "1 minute 30 seconds");
        assert_eq!(
            describe(Duration::from_secs(86_400 + 7200 + 5)),
            "1 day 2 hours"
        );
        assert_eq!(describe(Duration::from_secs(0)), "0 seconds");
    }
}
