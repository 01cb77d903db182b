//! Profiles as the Settings view edits them: a form in, a profile and its keychain entry out.
//! A typed secret goes straight to the keychain and is never returned, logged or put in an error;
//! renaming a profile moves its secret, removing it deletes the secret, and a profile is checked
//! (see `check`) with the secret the form holds before anything is saved.
//!
//! May use: `error`, `system`, `profiles`, `credentials`, `local_store`, `context`, `storage`,
//! `check` (`tests/architecture.rs` holds it).

use crate::error::{Coded, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::Context;
use crate::check::{self, Report};
use crate::credentials::{self, CredentialsError, Keychain, Resolved};
use crate::local_store::LocalStoreError;
use crate::profiles::expiry::{Expiry, ExpiryError};
use crate::profiles::{CredentialSource, Profile, ProfileBook, ProfileError};
use crate::storage::session::start_local_store;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    LocalStore(#[from] LocalStoreError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error("default link lifetime: {0}")]
    Expiry(#[from] ExpiryError),
    #[error("type the secret access key: it is stored in the OS keychain, never in a file")]
    SecretNeeded,
    #[error("the access key id is needed with a secret from the keychain")]
    AccessKeyIdNeeded,
    #[error(
        "the local store's profile cannot be removed: LinkDrop needs it to work without a bucket; make another profile the default instead"
    )]
    LocalProfileKept,
}

impl Coded for SettingsError {
    fn code(&self) -> ErrorCode {
        match self {
            SettingsError::Profile(e) => e.code(),
            SettingsError::LocalStore(e) => e.code(),
            SettingsError::Credentials(e) => e.code(),
            SettingsError::Expiry(_) => ErrorCode::Expiry,
            SettingsError::SecretNeeded => ErrorCode::SecretNeeded,
            SettingsError::AccessKeyIdNeeded => ErrorCode::AccessKeyIdNeeded,
            SettingsError::LocalProfileKept => ErrorCode::LocalProfileKept,
        }
    }
}

/// A profile as the form shows it: every field a user edits, and none that is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export_to = "ProfileForm.ts")]
pub struct ProfileForm {
    pub name: String,
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub prefix: String,
    pub path_style: bool,
    /// A duration like `1h`; `None` for LinkDrop's default (1 hour).
    pub default_expiry: Option<String>,
    pub credentials: CredentialChoice,
    pub access_key_id: Option<String>,
    pub allow_insecure_http: bool,
    /// Shares are deleted from the bucket once their link has expired (and the grace passed).
    #[serde(default)]
    pub delete_after_expiry: bool,
    /// A duration like `1h`; `None` for LinkDrop's default (1 hour).
    #[serde(default)]
    pub deletion_grace: Option<String>,
}

/// Where a profile's credentials come from, as the form picks it: `CredentialSource` with a shape
/// the window can branch on (`{ kind: "aws_profile", name }`) instead of the text `profiles.toml`
/// keeps (`aws-profile:NAME`), whose grammar stays on this side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
#[ts(export_to = "CredentialChoice.ts")]
pub enum CredentialChoice {
    Keychain,
    Env,
    AwsProfile(String),
    LocalStore,
}

impl From<&CredentialSource> for CredentialChoice {
    fn from(source: &CredentialSource) -> Self {
        match source {
            CredentialSource::Keychain => CredentialChoice::Keychain,
            CredentialSource::Env => CredentialChoice::Env,
            CredentialSource::AwsProfile(name) => CredentialChoice::AwsProfile(name.clone()),
            CredentialSource::LocalStore => CredentialChoice::LocalStore,
        }
    }
}

impl CredentialChoice {
    fn to_source(&self) -> Result<CredentialSource, ProfileError> {
        Ok(match self {
            CredentialChoice::Keychain => CredentialSource::Keychain,
            CredentialChoice::Env => CredentialSource::Env,
            CredentialChoice::LocalStore => CredentialSource::LocalStore,
            CredentialChoice::AwsProfile(name) if !name.trim().is_empty() => {
                CredentialSource::AwsProfile(name.trim().to_owned())
            }
            CredentialChoice::AwsProfile(name) => {
                return Err(ProfileError::InvalidCredentialSource {
                    input: format!("aws-profile:{name}"),
                });
            }
        })
    }
}

/// A stored profile for the Settings list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "ProfileView.ts")]
pub struct ProfileView {
    pub form: ProfileForm,
    pub is_default: bool,
    /// The embedded store's profile: its endpoint and keys are LinkDrop's own.
    pub local_store: bool,
}

/// What to do with the keychain secret when saving or checking. Its `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[ts(export_to = "SecretChange.ts")]
pub enum SecretChange {
    /// Keep the one stored for the profile being edited.
    Keep,
    /// A newly typed secret.
    Set(String),
    /// The secret of another profile (duplicating it).
    CopyFrom(String),
}

impl std::fmt::Debug for SecretChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretChange::Keep => f.write_str("Keep"),
            SecretChange::Set(_) => f.write_str("Set(<secret>)"),
            SecretChange::CopyFrom(name) => write!(f, "CopyFrom({name:?})"),
        }
    }
}

impl ProfileForm {
    pub fn from_profile(p: &Profile) -> ProfileForm {
        ProfileForm {
            name: p.name.clone(),
            bucket: p.bucket.clone(),
            endpoint: p.endpoint.clone(),
            region: p.region.clone(),
            prefix: p.prefix.clone(),
            path_style: p.path_style,
            default_expiry: p.default_expiry.map(|e| e.to_string()),
            credentials: CredentialChoice::from(&p.credentials),
            access_key_id: p.access_key_id.clone(),
            allow_insecure_http: p.allow_insecure_http,
            delete_after_expiry: p.delete_after_expiry,
            deletion_grace: p.deletion_grace.map(|e| e.to_string()),
        }
    }

    /// The profile this form describes, validated; `local_store` comes from the profile it edits.
    pub fn to_profile(&self, local_store: bool) -> Result<Profile, SettingsError> {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let credentials = self.credentials.to_source()?;
        let access_key_id = text(&self.access_key_id);
        if credentials == CredentialSource::Keychain && access_key_id.is_none() {
            return Err(SettingsError::AccessKeyIdNeeded);
        }
        let profile = Profile {
            name: self.name.trim().to_owned(),
            bucket: self.bucket.trim().to_owned(),
            endpoint: text(&self.endpoint).map(|e| e.trim_end_matches('/').to_owned()),
            region: text(&self.region),
            prefix: self.prefix.trim().to_owned(),
            path_style: self.path_style,
            default_expiry: text(&self.default_expiry)
                .map(|e| e.parse::<Expiry>())
                .transpose()?,
            access_key_id: if credentials == CredentialSource::Keychain {
                access_key_id
            } else {
                None
            },
            credentials,
            local_store,
            allow_insecure_http: self.allow_insecure_http,
            delete_after_expiry: self.delete_after_expiry,
            deletion_grace: text(&self.deletion_grace)
                .map(|e| e.parse::<Expiry>())
                .transpose()?,
        };
        profile.validate()?;
        Ok(profile)
    }
}

/// The embedded store's address, bucket and key are LinkDrop's own: a form edits only the rest
/// (name, default link lifetime, key prefix) of the local profile, whatever else it says.
fn store_fields_kept(form: &ProfileForm, old: Option<&Profile>) -> ProfileForm {
    match old.filter(|o| o.local_store) {
        Some(store) => ProfileForm {
            name: form.name.clone(),
            default_expiry: form.default_expiry.clone(),
            prefix: form.prefix.clone(),
            ..ProfileForm::from_profile(store)
        },
        None => form.clone(),
    }
}

pub fn list(book: &ProfileBook) -> Vec<ProfileView> {
    book.profiles
        .iter()
        .map(|p| ProfileView {
            form: ProfileForm::from_profile(p),
            is_default: book.default.as_deref() == Some(&p.name),
            local_store: p.local_store,
        })
        .collect()
}

/// The new profile `form` describes, checked against `book` as `save` would check it (name free,
/// fields valid, an access key id where the keychain holds the secret): for front ends that ask
/// for the secret only once the rest is right.
pub fn check_new(
    book: &ProfileBook,
    form: &ProfileForm,
    make_default: bool,
) -> Result<Profile, SettingsError> {
    let profile = form.to_profile(false)?;
    book.clone().add(profile.clone(), make_default)?;
    Ok(profile)
}

/// Saves a new profile (`original` is `None`) or changes one (renaming it when the name changed).
pub async fn save(
    context: &Context,
    original: Option<&str>,
    form: &ProfileForm,
    secret: SecretChange,
    make_default: bool,
) -> Result<Profile, SettingsError> {
    let mut book = context.profiles().await?;
    let old = original.map(|name| book.get(name).cloned()).transpose()?;
    let form = store_fields_kept(form, old.as_ref());
    let profile = form.to_profile(old.as_ref().is_some_and(|p| p.local_store))?;
    let renamed = old.as_ref().is_some_and(|o| o.name != profile.name);
    if old.is_none() || renamed {
        // Fails early, before any secret moves, when the new name is taken.
        if book.get(&profile.name).is_ok() {
            return Err(ProfileError::Exists { name: profile.name }.into());
        }
    }
    let was_keychain = old
        .as_ref()
        .is_some_and(|o| o.credentials == CredentialSource::Keychain);

    if profile.credentials == CredentialSource::Keychain {
        let value = match secret {
            SecretChange::Set(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            SecretChange::Set(_) => return Err(SettingsError::SecretNeeded),
            SecretChange::CopyFrom(from) => {
                Some(keychain(context, move |k| k.secret(&from)).await?)
            }
            SecretChange::Keep if was_keychain && renamed => {
                let from = old.as_ref().map(|o| o.name.clone()).unwrap_or_default();
                Some(keychain(context, move |k| k.secret(&from)).await?)
            }
            SecretChange::Keep if was_keychain => None,
            SecretChange::Keep => return Err(SettingsError::SecretNeeded),
        };
        if let Some(value) = value {
            let name = profile.name.clone();
            keychain(context, move |k| k.set_secret(&name, &value)).await?;
        }
    }

    let is_default = old
        .as_ref()
        .is_some_and(|o| book.default.as_deref() == Some(&o.name));
    match &old {
        Some(o) => {
            let slot = book.get_mut(&o.name)?;
            *slot = profile.clone();
            if is_default || make_default {
                book.default = Some(profile.name.clone());
            }
        }
        None => book.add(profile.clone(), make_default)?,
    }
    book.save(&context.paths)?;

    // Only once the book no longer points at it: the old name's secret, or a secret no longer used.
    if let Some(o) = &old
        && was_keychain
        && (renamed || profile.credentials != CredentialSource::Keychain)
    {
        let name = o.name.clone();
        keychain(context, move |k| k.delete(&name)).await?;
    }
    Ok(profile)
}

/// Removes a profile and its keychain entry; the bucket and its objects are not touched.
pub async fn remove(context: &Context, name: &str) -> Result<(), SettingsError> {
    let mut book = context.profiles().await?;
    if book.get(name)?.local_store {
        return Err(SettingsError::LocalProfileKept);
    }
    let removed = book.remove(name)?;
    book.save(&context.paths)?;
    if removed.credentials == CredentialSource::Keychain {
        let name = removed.name;
        keychain(context, move |k| k.delete(&name)).await?;
    }
    Ok(())
}

pub async fn set_default(context: &Context, name: &str) -> Result<(), SettingsError> {
    let mut book = context.profiles().await?;
    book.set_default(name)?;
    book.save(&context.paths)?;
    Ok(())
}

/// Checks what the form describes, with the secret it holds (or the stored one), before saving.
pub async fn check_form(
    context: &Context,
    original: Option<&str>,
    form: &ProfileForm,
    secret: SecretChange,
) -> Result<Report, SettingsError> {
    let book = context.profiles().await?;
    let old = original.map(|name| book.get(name).cloned()).transpose()?;
    let form = store_fields_kept(form, old.as_ref());
    let mut profile = form.to_profile(old.as_ref().is_some_and(|p| p.local_store))?;
    let credentials = if profile.credentials == CredentialSource::Keychain {
        let key_id = profile.access_key_id.clone().unwrap_or_default();
        let stored =
            |name: String| async move { keychain(context, move |k| k.secret(&name)).await };
        let secret = match secret {
            SecretChange::Set(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            SecretChange::Set(_) => return Err(SettingsError::SecretNeeded),
            SecretChange::CopyFrom(from) => stored(from).await,
            SecretChange::Keep => match &old {
                Some(o) => stored(o.name.clone()).await,
                None => return Err(SettingsError::SecretNeeded),
            },
        };
        secret.map(|s| Resolved::from_keys(key_id, s))
    } else {
        credentials::resolve(&profile, &context.keychain, &context.paths).await
    };
    if let Ok(resolved) = &credentials
        && let Some(running) = start_local_store(&profile, &context.paths, resolved).await?
    {
        profile.endpoint = running.profile.endpoint;
    }
    Ok(check::run(&profile, credentials).await)
}

/// Runs a keychain call off the async workers (the Secret Service blocks on D-Bus).
async fn keychain<T: Send + 'static>(
    context: &Context,
    call: impl FnOnce(&Keychain) -> Result<T, CredentialsError> + Send + 'static,
) -> Result<T, CredentialsError> {
    let keychain = context.keychain.clone();
    tokio::task::spawn_blocking(move || call(&keychain))
        .await
        .map_err(|e| CredentialsError::KeychainUnavailable {
            detail: e.to_string(),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProfileForm {
        ProfileForm {
            name: " work ".into(),
            bucket: "my-bucket".into(),
            endpoint: Some("https://s3.example.com/".into()),
            region: Some("".into()),
            prefix: "".into(),
            path_style: true,
            default_expiry: Some("1d".into()),
            credentials: CredentialChoice::Keychain,
            access_key_id: Some("AKIA1".into()),
            allow_insecure_http: false,
            delete_after_expiry: false,
            deletion_grace: None,
        }
    }

    #[test]
    fn a_form_becomes_a_tidy_profile_and_back() {
        let profile = form().to_profile(false).unwrap();
        assert_eq!(profile.name, "work");
        assert_eq!(profile.endpoint.as_deref(), Some("https://s3.example.com"));
        assert_eq!(profile.region, None, "an empty region means detect it");
        assert_eq!(profile.default_expiry, Some("1d".parse().unwrap()));
        let back = ProfileForm::from_profile(&profile);
        assert_eq!(back.to_profile(false).unwrap(), profile);
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let change = SecretChange::Set("hunter2-secret".into());
        assert_eq!(format!("{change:?}"), "Set(<secret>)");
    }

    #[test]
    fn bad_forms_say_which_field_is_wrong() {
        let mut f = form();
        f.access_key_id = None;
        assert!(matches!(
            f.to_profile(false),
            Err(SettingsError::AccessKeyIdNeeded)
        ));
        let mut f = form();
        f.default_expiry = Some("9d".into());
        let err = f.to_profile(false).unwrap_err().to_string();
        assert!(err.starts_with("default link lifetime"), "{err}");
        let mut f = form();
        f.endpoint = Some("http://minio.lan:9000".into());
        assert!(matches!(
            f.to_profile(false),
            Err(SettingsError::Profile(
                ProfileError::InsecureEndpoint { .. }
            ))
        ));
        let mut f = form();
        f.credentials = CredentialChoice::AwsProfile("sso".into());
        let p = f.to_profile(false).unwrap();
        assert_eq!(p.access_key_id, None, "no key id kept for another source");
        assert_eq!(p.credentials, CredentialSource::AwsProfile("sso".into()));
        assert_eq!(ProfileForm::from_profile(&p).credentials, f.credentials);
        f.credentials = CredentialChoice::AwsProfile("  ".into());
        assert!(matches!(
            f.to_profile(false),
            Err(SettingsError::Profile(
                ProfileError::InvalidCredentialSource { .. }
            ))
        ));
    }
}
