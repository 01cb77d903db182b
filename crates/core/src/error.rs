//! Every failure a front end may branch on, by one stable name: `ErrorCode`. Each domain error
//! says its code through `Coded`; the window sends the code with the message (`UiError`, whose
//! TypeScript type is generated from this enum), so a code cannot be misspelt on either side.
//! Uses nothing else of the domain.
//!
//! May use: nothing else of LinkDrop (`tests/architecture.rs` holds it).

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A stable, machine-readable name for a kind of failure (snake_case on the wire).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "snake_case")]
        #[ts(export_to = "ErrorCode.ts")]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, for tests and documentation.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as it travels (`"looks_secret"`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    // A path to share.
    EmptyPath = "empty_path",
    PathTooLong = "path_too_long",
    NotAbsolute = "not_absolute",
    NotFound = "not_found",
    SymlinkLoop = "symlink_loop",
    IsDirectory = "is_directory",
    NotAFile = "not_a_file",
    Unreadable = "unreadable",
    LooksSecret = "looks_secret",
    FileChanged = "file_changed",
    Archive = "archive",
    // Profiles, credentials and settings.
    Profile = "profile",
    NoProfiles = "no_profiles",
    InsecureEndpoint = "insecure_endpoint",
    Credentials = "credentials",
    KeychainUnavailable = "keychain_unavailable",
    NoSecret = "no_secret",
    LocalStore = "local_store",
    Expiry = "expiry",
    SecretNeeded = "secret_needed",
    AccessKeyIdNeeded = "access_key_id_needed",
    LocalProfileKept = "local_profile_kept",
    // The storage server.
    NoSuchBucket = "no_such_bucket",
    NoSuchKey = "no_such_key",
    NoSuchUpload = "no_such_upload",
    InvalidAccessKeyId = "invalid_access_key_id",
    WrongSecret = "wrong_secret",
    AccessDenied = "access_denied",
    ClockSkew = "clock_skew",
    Offline = "offline",
    Timeout = "timeout",
    BadChecksum = "bad_checksum",
    Storage = "storage",
    Upload = "upload",
    Presign = "presign",
    Journal = "journal",
    Cancelled = "cancelled",
    // The history and what is done to a link.
    History = "history",
    NotInHistory = "not_in_history",
    ObjectMissing = "object_missing",
    ObjectChanged = "object_changed",
    Revoked = "revoked",
    /// Deleted after its link expired, as the share asked.
    Deleted = "deleted",
    Unreachable = "unreachable",
    StillServed = "still_served",
    /// Entries that cannot share one page (in different buckets, on a page already, encrypted).
    NotForAPage = "not_for_a_page",
    // Upload requests.
    InvalidRequest = "invalid_request",
    /// The provider cannot do it (R2 and B2 take no browser uploads).
    Unsupported = "unsupported",
    NoSuchRequest = "no_such_request",
    // The desktop: what the window's own parts may fail at.
    Preferences = "preferences",
    Shortcut = "shortcut",
    Autostart = "autostart",
    Clipboard = "clipboard",
    /// The clipboard holds nothing to share.
    NothingCopied = "nothing_copied",
    /// A failure with no better name (a bug, or a task that died).
    Internal = "internal",
}

/// `code == "looks_secret"`: codes compare with their names on the wire.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An error that names its kind.
pub trait Coded {
    fn code(&self) -> ErrorCode;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_travels_under_its_own_name() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str(), "{code:?}");
            assert!(seen.insert(code.as_str()), "{code:?} twice");
        }
        assert!(seen.len() > 40);
    }
}
