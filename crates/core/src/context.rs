//! Where LinkDrop's files and secrets are: what a front end opens once and hands to the domain's
//! functions. Plain data with one reader of its own (the profile book); nothing else adds to it.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store` (`tests/architecture.rs`
//! holds it).

use crate::credentials::Keychain;
use crate::local_store::{self, LocalStoreError};
use crate::profiles::ProfileBook;
use crate::system::paths::Paths;

/// Where LinkDrop's files and secrets are.
#[derive(Debug, Clone)]
pub struct Context {
    pub paths: Paths,
    pub keychain: Keychain,
}

impl Context {
    /// A context in a directory of its own with a keychain service no test writes to: for unit
    /// tests of what happens before any file or secret is touched.
    #[cfg(test)]
    pub(crate) fn scratch(dir: &std::path::Path) -> Context {
        Context {
            paths: Paths {
                config_dir: dir.join("config"),
                data_dir: dir.join("data"),
            },
            keychain: Keychain::with_service("linkdrop-unit-test-unused"),
        }
    }

    /// The profile book, with the local profile made on first run.
    pub async fn profiles(&self) -> Result<ProfileBook, LocalStoreError> {
        local_store::profiles(&self.paths).await
    }
}
