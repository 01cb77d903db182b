//! Credentials for a profile, from wherever the profile says they live: the OS keychain, the
//! environment, or the user's AWS shared config. Secrets stay in memory only as long as a share
//! needs them and never appear in an error message.
//!
//! May use: `error`, `system`, `profiles` (`tests/architecture.rs` holds it).

use std::path::PathBuf;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use crate::profiles::{CredentialSource, Profile, ProfileBook};
use crate::system::paths::{Paths, write_atomically};

/// Overrides the keychain service name, so tests and parallel setups never touch the real entries.
pub const KEYCHAIN_SERVICE_ENV: &str = "LINKDROP_KEYCHAIN_SERVICE";
const DEFAULT_KEYCHAIN_SERVICE: &str = "linkdrop";

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "the OS keychain is not available ({detail}); unlock it or start a keyring \
         (gnome-keyring, KWallet), or let the profile take its secret from the environment or \
         an AWS profile"
    )]
    KeychainUnavailable { detail: String },
    #[error("the keychain has no secret for profile {profile:?}; store it again in the profile")]
    NoSecret { profile: String },
    #[error(
        "profile {profile:?} keeps its secret in the keychain but has no access key id; add it again with --access-key-id"
    )]
    MissingAccessKeyId { profile: String },
    #[error("profile {profile:?} reads credentials from the environment, but {var} is not set")]
    MissingEnv { profile: String, var: &'static str },
    #[error("AWS profile {name:?} gave no credentials: {detail}")]
    AwsProfile { name: String, detail: String },
    #[error("the secret access key is empty")]
    EmptySecret,
    #[error("cannot keep an encrypted page's key in {path}: {detail}")]
    PageKey { path: PathBuf, detail: String },
    #[error("cannot {action} the local store's key {path}: {detail}")]
    StoreKey {
        action: &'static str,
        path: PathBuf,
        detail: String,
    },
    #[error(
        "the local store's key is still in the OS keychain, from an earlier LinkDrop, and the \
         keychain is not available here ({detail}); run LinkDrop once where it is (it moves the key \
         beside the store, where it needs no keychain)"
    )]
    StoreKeyInKeychain { detail: String },
}

/// The embedded store's key pair. Not a user's cloud secret: it guards a loopback port whose
/// objects already sit in the private data directory, so it lives beside them (`store-key.json`,
/// 0600, in the 0700 data dir) and the local profile works without a keyring, on a bare window
/// manager and headless alike. Real cloud secrets stay in the keychain.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreKey {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl StoreKey {
    pub fn path(paths: &Paths) -> PathBuf {
        paths.data_dir.join("store-key.json")
    }

    /// A fresh random pair.
    pub fn random() -> StoreKey {
        StoreKey {
            access_key_id: format!(
                "LD{}",
                Alphanumeric
                    .sample_string(&mut rand::rng(), 18)
                    .to_uppercase()
            ),
            secret_access_key: Alphanumeric.sample_string(&mut rand::rng(), 40),
        }
    }

    /// The stored key; `None` before the local store was first used.
    pub fn load(paths: &Paths) -> Result<Option<StoreKey>, CredentialsError> {
        let path = StoreKey::path(paths);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CredentialsError::StoreKey {
                    action: "read",
                    path,
                    detail: e.to_string(),
                });
            }
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|e| CredentialsError::StoreKey {
                action: "read",
                path,
                detail: format!("{} (remove it to start the store with a new key)", e),
            })
    }

    /// Writes the key, readable by the user alone (a temporary file is 0600, then renamed).
    pub fn save(&self, paths: &Paths) -> Result<(), CredentialsError> {
        let path = StoreKey::path(paths);
        let json = serde_json::to_vec_pretty(self).map_err(|e| CredentialsError::StoreKey {
            action: "write",
            path: path.clone(),
            detail: e.to_string(),
        })?;
        write_atomically(&path, &json).map_err(|e| CredentialsError::StoreKey {
            action: "write",
            path,
            detail: e.to_string(),
        })
    }

    /// The stored key, made on first use. Two processes that start at once (the window and a
    /// `linkdrop share`) end with the same key: the file is created only if it is still missing,
    /// and the one that loses the race reads the winner's.
    pub fn load_or_create(paths: &Paths) -> Result<StoreKey, CredentialsError> {
        if let Some(key) = StoreKey::load(paths)? {
            return Ok(key);
        }
        let key = StoreKey::random();
        let path = StoreKey::path(paths);
        let failed = |e: std::io::Error| CredentialsError::StoreKey {
            action: "write",
            path: path.clone(),
            detail: e.to_string(),
        };
        let json = serde_json::to_vec_pretty(&key).map_err(|e| failed(e.into()))?;
        match crate::system::paths::create_atomically(&path, &json) {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => StoreKey::load(paths)?
                .ok_or_else(|| failed(std::io::Error::other("it vanished as it was made"))),
            Err(e) => Err(failed(e)),
        }
    }

    fn resolved(self) -> Resolved {
        Resolved {
            credentials: Credentials::new(
                self.access_key_id,
                self.secret_access_key,
                None,
                None,
                "linkdrop-local-store",
            ),
            region: None,
        }
    }
}

/// A local profile an earlier LinkDrop made keeps its store's secret in the keychain: it moves
/// beside the store on first use, the profile says so from then on, and the keychain entry goes.
fn move_store_key_out_of_the_keychain(
    profile: &Profile,
    keychain: &Keychain,
    paths: &Paths,
) -> Result<StoreKey, CredentialsError> {
    let key = match StoreKey::load(paths)? {
        // Moved before, and the profile not rewritten then (killed in between).
        Some(key) => key,
        None => {
            let secret = keychain.secret(&profile.name).map_err(|e| match e {
                CredentialsError::KeychainUnavailable { detail } => {
                    CredentialsError::StoreKeyInKeychain { detail }
                }
                e => e,
            })?;
            let key = StoreKey {
                access_key_id: profile.access_key_id.clone().unwrap_or_default(),
                secret_access_key: secret,
            };
            key.save(paths)?;
            key
        }
    };
    let rewritten = ProfileBook::load(paths)
        .ok()
        .flatten()
        .and_then(|mut book| {
            let stored = book.get_mut(&profile.name).ok()?;
            stored.credentials = CredentialSource::LocalStore;
            stored.access_key_id = None;
            book.save(paths).ok()
        });
    if rewritten.is_some() {
        if let Err(e) = keychain.delete(&profile.name) {
            tracing::warn!(
                "the local store's key moved beside the store, but its old keychain entry stays: {e}"
            );
        }
        tracing::info!(
            "the local store's key moved from the keychain to {}",
            StoreKey::path(paths).display()
        );
    }
    Ok(key)
}

/// The keychain entries of LinkDrop: one per profile, holding that profile's secret access key.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    pub fn from_env() -> Self {
        let service = std::env::var(KEYCHAIN_SERVICE_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_KEYCHAIN_SERVICE.to_owned());
        Keychain { service }
    }

    pub fn with_service(service: impl Into<String>) -> Self {
        Keychain {
            service: service.into(),
        }
    }

    /// Blocks on D-Bus (Linux): call it from `spawn_blocking` in async code.
    fn entry(&self, profile: &str) -> Result<keyring::Entry, CredentialsError> {
        self.named_entry(&format!("profile:{profile}"))
    }

    fn named_entry(&self, user: &str) -> Result<keyring::Entry, CredentialsError> {
        keyring::Entry::new(&self.service, user).map_err(|e| match e {
            // The store is set up once per process; its own error says why it is missing.
            keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
                Err(cause) => CredentialsError::KeychainUnavailable {
                    detail: cause.to_string(),
                },
                Ok(()) => unavailable(e),
            },
            e => unavailable(e),
        })
    }

    pub fn set_secret(&self, profile: &str, secret: &str) -> Result<(), CredentialsError> {
        if secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let entry = self.entry(profile)?;
        again_if_the_service_went_away(|| entry.set_password(secret)).map_err(unavailable)
    }

    pub fn secret(&self, profile: &str) -> Result<String, CredentialsError> {
        let entry = self.entry(profile)?;
        match again_if_the_service_went_away(|| entry.get_password()) {
            Ok(secret) => Ok(secret),
            Err(keyring::Error::NoEntry) => Err(CredentialsError::NoSecret {
                profile: profile.to_owned(),
            }),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Removes the profile's entry; an entry that was never there is not an error.
    pub fn delete(&self, profile: &str) -> Result<(), CredentialsError> {
        let entry = self.entry(profile)?;
        match again_if_the_service_went_away(|| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// The keys of encrypted share pages, by the page's id: in the keychain (`page:<id>`), or where
/// there is none (a server, a container), in `page-keys/<id>` in the private data dir, readable by
/// the user alone, as the embedded store's key is. Blocking: call from `spawn_blocking`.
pub struct PageKeys<'a> {
    pub keychain: &'a Keychain,
    pub paths: &'a Paths,
}

impl PageKeys<'_> {
    fn file(&self, id: &str) -> PathBuf {
        self.paths.data_dir.join("page-keys").join(id)
    }

    pub fn store(&self, id: &str, key: &str) -> Result<(), CredentialsError> {
        let in_keychain = self
            .keychain
            .named_entry(&format!("page:{id}"))
            .and_then(|entry| {
                again_if_the_service_went_away(|| entry.set_password(key)).map_err(unavailable)
            });
        match in_keychain {
            Ok(()) => Ok(()),
            Err(CredentialsError::KeychainUnavailable { .. }) => {
                write_atomically(&self.file(id), key.as_bytes()).map_err(|e| {
                    CredentialsError::PageKey {
                        path: self.file(id),
                        detail: e.to_string(),
                    }
                })
            }
            Err(e) => Err(e),
        }
    }

    pub fn get(&self, id: &str) -> Option<String> {
        let from_keychain = self
            .keychain
            .named_entry(&format!("page:{id}"))
            .ok()
            .and_then(|entry| again_if_the_service_went_away(|| entry.get_password()).ok());
        from_keychain.or_else(|| std::fs::read_to_string(self.file(id)).ok())
    }

    pub fn forget(&self, id: &str) {
        if let Ok(entry) = self.keychain.named_entry(&format!("page:{id}")) {
            let _ = again_if_the_service_went_away(|| entry.delete_credential());
        }
        let _ = std::fs::remove_file(self.file(id));
    }
}

/// Runs a keychain call again when the Secret Service went away in the middle of it.
/// gnome-keyring-daemon aborts now and then when clients open sessions at the same moment (an
/// upstream race, GNOME/gnome-keyring#190/#196); the desktop starts it again on the next call
/// (D-Bus activation), so two more tries a moment apart are what the user would do by hand.
fn again_if_the_service_went_away<T>(call: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    let mut tries = 0;
    loop {
        match call() {
            Err(keyring::Error::PlatformFailure(e)) if tries < 2 && service_went_away(&*e) => {
                tries += 1;
                tracing::warn!("the keychain service went away ({e}); asking again");
                std::thread::sleep(std::time::Duration::from_millis(300 * tries));
            }
            other => return other,
        }
    }
}

/// A D-Bus answer that means the service is gone, not that it refused.
fn service_went_away(e: &(dyn std::error::Error + 'static)) -> bool {
    let text = e.to_string();
    [
        "NoReply",
        "disconnected",
        "ServiceUnknown",
        "NameHasNoOwner",
    ]
    .iter()
    .any(|sign| text.contains(sign))
}

/// Describes a keyring failure without the secret: `BadEncoding` and `BadDataFormat` carry the raw
/// secret bytes, so their payloads are never formatted.
fn unavailable(e: keyring::Error) -> CredentialsError {
    let detail = match &e {
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            "the stored secret is not readable text".to_owned()
        }
        keyring::Error::Ambiguous(_) => "several entries match this profile".to_owned(),
        other => other.to_string(),
    };
    CredentialsError::KeychainUnavailable { detail }
}

/// Credentials ready for signing, and the region the credential source suggests (AWS profiles carry
/// one).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credentials: Credentials,
    pub region: Option<String>,
}

impl Resolved {
    /// Long-lived keys, as typed into a form (not stored yet).
    pub fn from_keys(access_key_id: String, secret: String) -> Resolved {
        Resolved {
            credentials: Credentials::new(access_key_id, secret, None, None, "linkdrop-form"),
            region: None,
        }
    }

    /// When temporary credentials stop working; `None` for long-lived keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.credentials.expiry()
    }
}

/// The profile's credentials, from where it says they live. Only a profile whose secret is in the
/// keychain asks the keychain (the local store's, written by an earlier LinkDrop, once: it moves
/// out).
pub async fn resolve(
    profile: &Profile,
    keychain: &Keychain,
    paths: &Paths,
) -> Result<Resolved, CredentialsError> {
    match &profile.credentials {
        CredentialSource::LocalStore => {
            let paths = paths.clone();
            tokio::task::spawn_blocking(move || StoreKey::load_or_create(&paths))
                .await
                .map_err(|e| CredentialsError::StoreKey {
                    action: "read",
                    path: PathBuf::from("store-key.json"),
                    detail: e.to_string(),
                })?
                .map(StoreKey::resolved)
        }
        CredentialSource::Keychain if profile.local_store => {
            let (profile, keychain, paths) = (profile.clone(), keychain.clone(), paths.clone());
            tokio::task::spawn_blocking(move || {
                move_store_key_out_of_the_keychain(&profile, &keychain, &paths)
            })
            .await
            .map_err(|e| CredentialsError::KeychainUnavailable {
                detail: e.to_string(),
            })?
            .map(StoreKey::resolved)
        }
        CredentialSource::Keychain => {
            let key_id = profile
                .access_key_id
                .clone()
                .filter(|k| !k.is_empty())
                .ok_or_else(|| CredentialsError::MissingAccessKeyId {
                    profile: profile.name.clone(),
                })?;
            let keychain = keychain.clone();
            let name = profile.name.clone();
            // The Secret Service client blocks on D-Bus; keep it off the async workers.
            let secret = tokio::task::spawn_blocking(move || keychain.secret(&name))
                .await
                .map_err(|e| CredentialsError::KeychainUnavailable {
                    detail: e.to_string(),
                })??;
            Ok(Resolved {
                credentials: Credentials::new(key_id, secret, None, None, "linkdrop-keychain"),
                region: None,
            })
        }
        CredentialSource::Env => env_credentials(profile, |name| std::env::var(name).ok()),
        CredentialSource::AwsProfile(name) => {
            let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(name)
                .build();
            let credentials =
                provider
                    .provide_credentials()
                    .await
                    .map_err(|e| CredentialsError::AwsProfile {
                        name: name.clone(),
                        detail: error_chain(&e),
                    })?;
            use aws_config::meta::region::ProvideRegion;
            let region = aws_config::profile::ProfileFileRegionProvider::builder()
                .profile_name(name)
                .build()
                .region()
                .await
                .map(|r| r.to_string());
            Ok(Resolved {
                credentials,
                region,
            })
        }
    }
}

/// The standard AWS variables, looked up through `lookup` (the process environment in the app).
fn env_credentials(
    profile: &Profile,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Resolved, CredentialsError> {
    let var = |name: &'static str| {
        lookup(name)
            .filter(|v| !v.is_empty())
            .ok_or(CredentialsError::MissingEnv {
                profile: profile.name.clone(),
                var: name,
            })
    };
    let key_id = var("AWS_ACCESS_KEY_ID")?;
    let secret = var("AWS_SECRET_ACCESS_KEY")?;
    let token = var("AWS_SESSION_TOKEN").ok();
    Ok(Resolved {
        credentials: Credentials::new(key_id, secret, token, None, "linkdrop-env"),
        region: None,
    })
}

/// A profile from the user's AWS shared config (`~/.aws/config`, `~/.aws/credentials`, or where
/// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` say), for "use my AWS profile".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export_to = "AwsProfile.ts")]
pub struct AwsProfile {
    pub name: String,
    /// How it gets credentials, in words: "SSO", "assume role", "credential process", "access key".
    pub kind: String,
    pub region: Option<String>,
}

/// The profiles in the user's AWS shared config, sorted by name; none when there is no config.
pub async fn aws_profiles() -> Vec<AwsProfile> {
    aws_profiles_in(&aws_types::os_shim_internal::Env::real()).await
}

async fn aws_profiles_in(env: &aws_types::os_shim_internal::Env) -> Vec<AwsProfile> {
    let fs = aws_types::os_shim_internal::Fs::real();
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = match aws_config::profile::load(&fs, env, &files, None).await {
        Ok(set) => set,
        Err(e) => {
            tracing::debug!("no AWS shared config: {}", error_chain(&e));
            return Vec::new();
        }
    };
    let mut found: Vec<AwsProfile> = set
        .profiles()
        .filter_map(|name| set.get_profile(name))
        .map(|p| {
            let has = |key: &str| p.get(key).is_some_and(|v| !v.is_empty());
            let kind = if has("sso_session") || has("sso_start_url") {
                "SSO"
            } else if has("role_arn") {
                "assume role"
            } else if has("credential_process") {
                "credential process"
            } else if has("aws_access_key_id") {
                "access key"
            } else {
                "other"
            };
            AwsProfile {
                name: p.name().to_owned(),
                kind: kind.to_owned(),
                region: p.get("region").map(str::to_owned),
            }
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// An error and its causes on one line, the way a user reads them.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

impl crate::error::Coded for CredentialsError {
    fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            CredentialsError::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            CredentialsError::NoSecret { .. } => ErrorCode::NoSecret,
            _ => ErrorCode::Credentials,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_that_make_the_store_key_at_once_end_with_one_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let paths = Paths {
                config_dir: dir.path().join("config"),
                data_dir: dir.path().join("data"),
            };
            let barrier = std::sync::Barrier::new(8);
            let keys: Vec<String> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            StoreKey::load_or_create(&paths).unwrap().secret_access_key
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let stored = StoreKey::load(&paths).unwrap().unwrap().secret_access_key;
            assert!(keys.iter().all(|k| *k == stored), "{keys:?} vs {stored}");
        }
    }

    #[tokio::test]
    async fn aws_profiles_are_listed_with_how_they_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = (dir.path().join("config"), dir.path().join("credentials"));
        std::fs::write(
            &config,
            "[profile work]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\nregion = eu-west-1\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\
             [profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = default\n",
        )
        .unwrap();
        std::fs::write(
            &credentials,
            "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
        )
        .unwrap();
        let env = aws_types::os_shim_internal::Env::from_slice(&[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap()),
        ]);
        let found = aws_profiles_in(&env).await;
        let summary: Vec<_> = found
            .iter()
            .map(|p| (p.name.as_str(), p.kind.as_str(), p.region.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("admin", "assume role", None),
                ("default", "access key", None),
                ("work", "SSO", Some("eu-west-1")),
            ]
        );
        let none = aws_types::os_shim_internal::Env::from_slice(&[
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ]);
        assert!(aws_profiles_in(&none).await.is_empty());
    }

    #[test]
    fn a_service_that_went_away_is_asked_again_and_a_refusal_is_not() {
        let gone = std::io::Error::other(
            "zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying",
        );
        assert!(service_went_away(&gone));
        let locked = std::io::Error::other("the collection is locked");
        assert!(!service_went_away(&locked));
        let calls = std::cell::Cell::new(0);
        let answer = again_if_the_service_went_away(|| {
            calls.set(calls.get() + 1);
            if calls.get() < 2 {
                Err(keyring::Error::PlatformFailure(Box::new(
                    std::io::Error::other("org.freedesktop.DBus.Error.ServiceUnknown"),
                )))
            } else {
                Ok("secret")
            }
        });
        assert_eq!(answer.unwrap(), "secret");
        assert_eq!(calls.get(), 2);
        calls.set(0);
        let refused = again_if_the_service_went_away(|| {
            calls.set(calls.get() + 1);
            Err::<(), _>(keyring::Error::NoEntry)
        });
        assert!(matches!(refused, Err(keyring::Error::NoEntry)));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn keyring_errors_never_carry_the_secret() {
        let secret = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_vec();
        let err = unavailable(keyring::Error::BadEncoding(secret.clone()));
        let text = format!("{err} {err:?}");
        assert!(!text.contains("wJalr"), "{text}");
        assert!(text.contains("not readable text"), "{text}");
    }

    fn env_profile() -> Profile {
        Profile {
            name: "ci".into(),
            bucket: "bucket".into(),
            endpoint: None,
            region: None,
            prefix: String::new(),
            path_style: false,
            default_expiry: None,
            credentials: CredentialSource::Env,
            access_key_id: None,
            local_store: false,
            allow_insecure_http: false,
            delete_after_expiry: false,
            deletion_grace: None,
        }
    }

    #[test]
    fn env_credentials_name_the_missing_variable() {
        let only_key_id =
            |name: &str| (name == "AWS_ACCESS_KEY_ID").then(|| "AKIDEXAMPLE".to_owned());
        let err = env_credentials(&env_profile(), only_key_id).unwrap_err();
        assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
        assert!(err.to_string().contains("\"ci\""), "{err}");
    }

    #[test]
    fn env_credentials_carry_the_session_token() {
        let all = |name: &str| Some(format!("value-of-{name}"));
        let resolved = env_credentials(&env_profile(), all).unwrap();
        assert_eq!(
            resolved.credentials.access_key_id(),
            "value-of-AWS_ACCESS_KEY_ID"
        );
        assert_eq!(
            resolved.credentials.session_token(),
            Some("value-of-AWS_SESSION_TOKEN")
        );
    }
}
