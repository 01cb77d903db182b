//! Profiles as the Settings view changes them, against the real Secret Service: a typed secret
//! lands in the keychain and nowhere else; renaming moves it, switching to another credential
//! source or removing the profile deletes it; checking a form saves nothing and uses the secret it
//! holds; the local store's profile stays.

mod common;

use common::{Backend, TestEnv};
use linkdrop::Context;
use linkdrop::check::{Outcome, StepId};
use linkdrop::settings::{self, CredentialChoice, ProfileForm, SecretChange, SettingsError};

fn context(env: &TestEnv) -> Context {
    Context {
        paths: env.paths(),
        keychain: env.keychain(),
    }
}

fn form(backend: &Backend, name: &str) -> ProfileForm {
    ProfileForm {
        name: name.into(),
        bucket: backend.bucket.clone(),
        endpoint: Some(backend.endpoint.clone()),
        region: None,
        prefix: "shares/".into(),
        path_style: true,
        default_expiry: Some("1d".into()),
        credentials: CredentialChoice::Keychain,
        access_key_id: Some(backend.access_key_id.clone()),
        allow_insecure_http: false,
        delete_after_expiry: false,
        deletion_grace: None,
    }
}

/// Every file under the test's config and data dirs, as text, but the embedded store's own key
/// (the secret these tests type is that key: it lives there by design, see `StoreKey`).
fn everything_on_disk(env: &TestEnv) -> String {
    let store_key = linkdrop::credentials::StoreKey::path(&env.paths());
    [env.config_dir(), env.data_dir()]
        .iter()
        .flat_map(|root| common::files_under(root))
        .filter(|path| *path != store_key)
        .map(|path| String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned())
        .collect()
}

#[test]
fn the_secret_follows_the_profile_and_goes_with_it() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let context = context(&env);
    let keychain = env.keychain();
    common::block_on(async {
        // Checking a form with a wrong secret: the credentials line fails, nothing is saved.
        let wrong = SecretChange::Set("not-the-secret-0123456789".into());
        let report = settings::check_form(&context, None, &form(&backend, "work"), wrong)
            .await
            .unwrap();
        assert_eq!(report.step(StepId::Credentials).outcome, Outcome::Failed);
        assert!(keychain.secret("work").is_err(), "a check stores nothing");

        // With the right one every step passes; saving stores it in the keychain only.
        let right = SecretChange::Set(backend.secret.clone());
        let report = settings::check_form(&context, None, &form(&backend, "work"), right.clone())
            .await
            .unwrap();
        assert!(report.ok(), "{report:?}");
        settings::save(&context, None, &form(&backend, "work"), right, true)
            .await
            .unwrap();
        assert_eq!(keychain.secret("work").unwrap(), backend.secret);
        assert!(!everything_on_disk(&env).contains(&backend.secret));
        let book = context.profiles().await.unwrap();
        assert_eq!(book.default.as_deref(), Some("work"));
        assert_eq!(book.get("work").unwrap().prefix, "shares/");

        // A saved profile is checked with its stored secret.
        let report = settings::check_form(
            &context,
            Some("work"),
            &form(&backend, "work"),
            SecretChange::Keep,
        )
        .await
        .unwrap();
        assert!(report.ok(), "{report:?}");

        // A new profile with the same name is refused before anything moves.
        let err = settings::save(
            &context,
            None,
            &form(&backend, "work"),
            SecretChange::Set("x".into()),
            false,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("exists already"), "{err}");
        assert_eq!(keychain.secret("work").unwrap(), backend.secret);

        // Duplicate: the copy gets its own keychain entry with the same secret.
        let copy = SecretChange::CopyFrom("work".into());
        settings::save(&context, None, &form(&backend, "work-copy"), copy, false)
            .await
            .unwrap();
        assert_eq!(keychain.secret("work-copy").unwrap(), backend.secret);

        // Rename: the secret moves, the default follows.
        settings::save(
            &context,
            Some("work"),
            &form(&backend, "job"),
            SecretChange::Keep,
            false,
        )
        .await
        .unwrap();
        assert!(keychain.secret("work").is_err(), "the old entry is gone");
        assert_eq!(keychain.secret("job").unwrap(), backend.secret);
        let book = context.profiles().await.unwrap();
        assert_eq!(book.default.as_deref(), Some("job"));
        assert!(book.get("work").is_err());

        // Switching to the environment drops the keychain entry.
        let mut env_form = form(&backend, "job");
        env_form.credentials = CredentialChoice::Env;
        settings::save(&context, Some("job"), &env_form, SecretChange::Keep, false)
            .await
            .unwrap();
        assert!(keychain.secret("job").is_err());

        // Removing deletes the profile and its secret; the local store's profile stays.
        settings::remove(&context, "work-copy").await.unwrap();
        assert!(keychain.secret("work-copy").is_err());
        assert!(context.profiles().await.unwrap().get("work-copy").is_err());
        assert!(matches!(
            settings::remove(&context, "local").await,
            Err(SettingsError::LocalProfileKept)
        ));
        settings::set_default(&context, "local").await.unwrap();
        assert_eq!(
            context.profiles().await.unwrap().default.as_deref(),
            Some("local")
        );
    });
    for name in ["work", "work-copy", "job"] {
        let _ = keychain.delete(name);
    }
}
