//! Storage profiles: which bucket a share goes to, how to reach it and where its credentials come
//! from. Kept in a plain TOML file in the OS config dir. Secrets are never in it: a profile only says
//! *where* its secret lives (the OS keychain, the environment, or an AWS shared-config profile).
//!
//! May use: `error`, `system` (`tests/architecture.rs` holds it).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod expiry;
pub mod preferences;
pub mod providers;

use crate::system::paths::{Paths, write_atomically};
use expiry::Expiry;

/// The profile made on first run, backed by the embedded local store.
pub const LOCAL_PROFILE: &str = "local";

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profiles from {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot save profiles to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid profiles file ({message}); fix or remove it")]
    Parse { path: PathBuf, message: String },
    #[error("no profile named {name:?}; known profiles: {known}")]
    NotFound { name: String, known: String },
    #[error("a profile named {name:?} exists already; remove it first or pick another name")]
    Exists { name: String },
    #[error("profile name {name:?} is not allowed: use 1 to 64 letters, digits, '.', '-' or '_'")]
    InvalidName { name: String },
    #[error(
        "bucket name {bucket:?} is not valid: S3 bucket names are 3 to 63 characters, no '/' or spaces"
    )]
    InvalidBucket { bucket: String },
    #[error(
        "endpoint {endpoint:?} is not a URL: give it like https://s3.example.com or http://127.0.0.1:9000"
    )]
    InvalidEndpoint { endpoint: String },
    #[error(
        "endpoint {endpoint:?} is plain HTTP: anyone on the network between could read the files and \
         reuse the links (a presigned link is a bearer token). Use https://, or allow insecure HTTP \
         for this profile if you trust that network"
    )]
    InsecureEndpoint { endpoint: String },
    #[error("credential source {input:?} is not known: use keychain, env or aws-profile:NAME")]
    InvalidCredentialSource { input: String },
    #[error("no profile is set up yet: add one")]
    NoProfiles,
    #[error(
        "profile {name:?}: local-store credentials are the embedded store's own; use keychain, env or aws-profile:NAME"
    )]
    NotTheLocalStore { name: String },
}

/// Plain HTTP to another computer: a presigned link is a bearer token, readable on the way. What
/// the profile form warns about as it is typed, and what saving refuses without consent.
pub fn insecure_endpoint(endpoint: &str) -> bool {
    url::Url::parse(endpoint)
        .is_ok_and(|url| url.scheme() == "http" && !crate::system::net::is_loopback(&url))
}

/// Where a profile's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// The secret key is in the OS keychain under this profile's entry; the key id is in the profile.
    Keychain,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, read at use time.
    Env,
    /// A profile of the user's AWS shared config (static keys, SSO, assume-role, credential_process).
    AwsProfile(String),
    /// The embedded store's own key, kept beside its data (the local profile only).
    LocalStore,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Keychain => f.write_str("keychain"),
            CredentialSource::Env => f.write_str("env"),
            CredentialSource::AwsProfile(name) => write!(f, "aws-profile:{name}"),
            CredentialSource::LocalStore => f.write_str("local-store"),
        }
    }
}

impl FromStr for CredentialSource {
    type Err = ProfileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "keychain" => Ok(CredentialSource::Keychain),
            "env" => Ok(CredentialSource::Env),
            "local-store" => Ok(CredentialSource::LocalStore),
            _ => match s.strip_prefix("aws-profile:") {
                Some(name) if !name.trim().is_empty() => {
                    Ok(CredentialSource::AwsProfile(name.trim().to_owned()))
                }
                _ => Err(ProfileError::InvalidCredentialSource {
                    input: s.to_owned(),
                }),
            },
        }
    }
}

impl Serialize for CredentialSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CredentialSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub bucket: String,
    /// `None`: AWS S3's own endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// `None`: the AWS profile's region, or us-east-1; the bucket's real region is detected anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub path_style: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_expiry: Option<Expiry>,
    pub credentials: CredentialSource,
    /// For keychain credentials: the access key id (an identifier, not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// Backed by the embedded local store, which LinkDrop starts when it is needed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local_store: bool,
    /// The user accepted a plain-HTTP endpoint that is not this computer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_insecure_http: bool,
    /// Shares through this profile are deleted from the bucket once their link has expired (and
    /// the grace after it has passed), unless a share says otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_after_expiry: bool,
    /// How long after a link's expiry its object is deleted (`None`: one hour), so that a
    /// download that began just before the end can finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace: Option<Expiry>,
}

impl Profile {
    /// A profile for `bucket` on AWS with the secret in the keychain and nothing else set: the
    /// base to change the rest of with `Profile { endpoint: …, ..Profile::new(…) }`.
    pub fn new(name: &str, bucket: &str) -> Profile {
        Profile {
            name: name.to_owned(),
            bucket: bucket.to_owned(),
            endpoint: None,
            region: None,
            prefix: String::new(),
            path_style: false,
            default_expiry: None,
            credentials: CredentialSource::Keychain,
            access_key_id: None,
            local_store: false,
            allow_insecure_http: false,
            delete_after_expiry: false,
            deletion_grace: None,
        }
    }

    pub fn validate(&self) -> Result<(), ProfileError> {
        validate_name(&self.name)?;
        if self.credentials == CredentialSource::LocalStore && !self.local_store {
            return Err(ProfileError::NotTheLocalStore {
                name: self.name.clone(),
            });
        }
        let b = &self.bucket;
        if b.len() < 3
            || b.len() > 63
            || b.contains(['/', ' ', '\\'])
            || b.chars().any(char::is_control)
        {
            return Err(ProfileError::InvalidBucket { bucket: b.clone() });
        }
        if let Some(endpoint) = &self.endpoint {
            url::Url::parse(endpoint)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| ProfileError::InvalidEndpoint {
                    endpoint: endpoint.clone(),
                })?;
            if insecure_endpoint(endpoint) && !self.allow_insecure_http {
                return Err(ProfileError::InsecureEndpoint {
                    endpoint: endpoint.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn expiry_or_default(&self) -> Expiry {
        self.default_expiry.unwrap_or(Expiry::ONE_HOUR)
    }

    /// The grace after a link's expiry before its object is deleted, when shares are deleted.
    pub fn grace_or_default(&self) -> Expiry {
        self.deletion_grace.unwrap_or(Expiry::ONE_HOUR)
    }
}

pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ProfileError::InvalidName {
            name: name.to_owned(),
        })
    }
}

/// All profiles and which one is the default, as stored in `profiles.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileBook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, rename = "profile")]
    pub profiles: Vec<Profile>,
}

impl ProfileBook {
    /// The stored book, or `None` before the first run wrote one.
    pub fn load(paths: &Paths) -> Result<Option<Self>, ProfileError> {
        Self::load_from(&paths.profiles_file())
    }

    pub fn load_from(path: &Path) -> Result<Option<Self>, ProfileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let book: ProfileBook = toml::from_str(&text).map_err(|e| ProfileError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })?;
        Ok(Some(book))
    }

    pub fn save(&self, paths: &Paths) -> Result<(), ProfileError> {
        let path = paths.profiles_file();
        let text = toml::to_string_pretty(self).map_err(|e| ProfileError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let header =
            "# LinkDrop storage profiles. No secrets here: keys live in the OS keychain.\n";
        write_atomically(&path, format!("{header}{text}").as_bytes())
            .map_err(|source| ProfileError::Write { path, source })
    }

    pub fn get(&self, name: &str) -> Result<&Profile, ProfileError> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_owned(),
                known: self.known_names(),
            })
    }

    pub fn get_mut(&mut self, name: &str) -> Result<&mut Profile, ProfileError> {
        let known = self.known_names();
        self.profiles
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_owned(),
                known,
            })
    }

    /// The named profile, or the default one when `name` is `None`.
    pub fn pick(&self, name: Option<&str>) -> Result<&Profile, ProfileError> {
        match name.or(self.default.as_deref()) {
            Some(name) => self.get(name),
            None => self.profiles.first().ok_or(ProfileError::NoProfiles),
        }
    }

    pub fn add(&mut self, profile: Profile, make_default: bool) -> Result<(), ProfileError> {
        profile.validate()?;
        if self.profiles.iter().any(|p| p.name == profile.name) {
            return Err(ProfileError::Exists { name: profile.name });
        }
        if make_default || self.default.is_none() {
            self.default = Some(profile.name.clone());
        }
        self.profiles.push(profile);
        Ok(())
    }

    pub fn remove(&mut self, name: &str) -> Result<Profile, ProfileError> {
        let index = self
            .profiles
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_owned(),
                known: self.known_names(),
            })?;
        let removed = self.profiles.remove(index);
        if self.default.as_deref() == Some(name) {
            self.default = self.profiles.first().map(|p| p.name.clone());
        }
        Ok(removed)
    }

    pub fn set_default(&mut self, name: &str) -> Result<(), ProfileError> {
        self.get(name)?;
        self.default = Some(name.to_owned());
        Ok(())
    }

    fn known_names(&self) -> String {
        if self.profiles.is_empty() {
            "none".to_owned()
        } else {
            self.profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

impl crate::error::Coded for ProfileError {
    fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            ProfileError::InsecureEndpoint { .. } => ErrorCode::InsecureEndpoint,
            ProfileError::NoProfiles => ErrorCode::NoProfiles,
            _ => ErrorCode::Profile,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_insecure_unless_it_stays_on_this_computer() {
        assert!(insecure_endpoint("http://minio.lan:9000"));
        assert!(insecure_endpoint("http://10.0.0.5"));
        assert!(!insecure_endpoint("http://127.0.0.1:9000"));
        assert!(!insecure_endpoint("http://127.8.9.10:9000"));
        assert!(!insecure_endpoint("http://localhost:9000"));
        assert!(!insecure_endpoint("http://store.localhost:9000"));
        assert!(!insecure_endpoint("http://[::1]:9000"));
        assert!(!insecure_endpoint("https://minio.lan"));
        assert!(!insecure_endpoint("not a url"));
    }

    fn profile(name: &str) -> Profile {
        Profile {
            name: name.to_owned(),
            bucket: "my-bucket".to_owned(),
            endpoint: Some("https://s3.example.com".to_owned()),
            region: Some("eu-west-1".to_owned()),
            prefix: "shares/".to_owned(),
            path_style: true,
            default_expiry: Some("1d".parse().unwrap()),
            credentials: CredentialSource::AwsProfile("work".to_owned()),
            access_key_id: None,
            local_store: false,
            allow_insecure_http: false,
            delete_after_expiry: false,
            deletion_grace: None,
        }
    }

    #[test]
    fn credential_sources_parse_and_print() {
        for s in ["keychain", "env", "aws-profile:work", "local-store"] {
            assert_eq!(s.parse::<CredentialSource>().unwrap().to_string(), s);
        }
        assert!("aws-profile:".parse::<CredentialSource>().is_err());
        assert!("vault".parse::<CredentialSource>().is_err());
    }

    #[test]
    fn book_round_trips_through_toml() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().join("config"),
            data_dir: dir.path().join("data"),
        };
        assert_eq!(ProfileBook::load(&paths).unwrap(), None);
        let mut book = ProfileBook::default();
        book.add(profile("work"), false).unwrap();
        book.add(profile("home"), true).unwrap();
        book.save(&paths).unwrap();
        let loaded = ProfileBook::load(&paths).unwrap().unwrap();
        assert_eq!(loaded, book);
        assert_eq!(loaded.pick(None).unwrap().name, "home");
        let text = std::fs::read_to_string(paths.profiles_file()).unwrap();
        assert!(
            text.contains("credentials = \"aws-profile:work\""),
            "{text}"
        );
        assert!(text.contains("default_expiry = \"1d\""), "{text}");
    }

    #[test]
    fn first_profile_becomes_default_and_removal_moves_it() {
        let mut book = ProfileBook::default();
        book.add(profile("a"), false).unwrap();
        book.add(profile("b"), false).unwrap();
        assert_eq!(book.default.as_deref(), Some("a"));
        book.remove("a").unwrap();
        assert_eq!(book.default.as_deref(), Some("b"));
        assert!(matches!(
            book.add(profile("b"), false),
            Err(ProfileError::Exists { .. })
        ));
        let err = book.get("zzz").unwrap_err().to_string();
        assert!(err.contains("known profiles: b"), "{err}");
    }

    #[test]
    fn validation_catches_bad_names_buckets_and_endpoints() {
        let mut p = profile("ok");
        p.name = "has space".into();
        assert!(matches!(
            p.validate(),
            Err(ProfileError::InvalidName { .. })
        ));
        let mut p = profile("ok");
        p.bucket = "a/b".into();
        assert!(matches!(
            p.validate(),
            Err(ProfileError::InvalidBucket { .. })
        ));
        let mut p = profile("ok");
        p.endpoint = Some("s3.example.com".into());
        assert!(matches!(
            p.validate(),
            Err(ProfileError::InvalidEndpoint { .. })
        ));
        assert!(profile("ok").validate().is_ok());
    }

    #[test]
    fn plain_http_is_for_this_computer_unless_allowed() {
        let mut p = profile("ok");
        for local in [
            "http://127.0.0.1:9000",
            "http://[::1]:9000",
            "http://localhost:9000",
        ] {
            p.endpoint = Some(local.into());
            assert!(p.validate().is_ok(), "{local}");
        }
        p.endpoint = Some("http://minio.lan:9000".into());
        let err = p.validate().unwrap_err();
        assert!(matches!(err, ProfileError::InsecureEndpoint { .. }));
        assert!(err.to_string().contains("allow insecure HTTP"), "{err}");
        assert_eq!(
            crate::error::Coded::code(&err),
            crate::error::ErrorCode::InsecureEndpoint
        );
        p.allow_insecure_http = true;
        assert!(p.validate().is_ok());
    }

    #[test]
    fn a_broken_file_names_itself_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.toml");
        std::fs::write(&path, "this is = = not toml").unwrap();
        let err = ProfileBook::load_from(&path).unwrap_err().to_string();
        assert!(err.contains("profiles.toml"), "{err}");
    }
}
