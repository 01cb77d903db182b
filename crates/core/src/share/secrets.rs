//! Files that look like secrets: private keys, saved passwords, cloud credentials. A link hands a
//! copy to whoever holds it for up to 7 days, and a key once shared must be replaced everywhere it
//! was used; so before such a file is shared LinkDrop asks (the window, the tray) or wants
//! `--allow-secrets` (the command line). Told by the path (`~/.ssh/id_ed25519`, `.env`,
//! `~/.aws/credentials`, key stores) and by what the file starts with (PEM private key headers,
//! AWS access key ids). A false alarm costs a click; a miss can cost a production database.

use std::fs::File;
use std::path::{Component, Path};
use std::sync::OnceLock;

/// How much of a file is read to look for keys: a key file is small, and a secret pasted into a
/// large document is found in its first megabyte or not at all.
const SCAN_BYTES: usize = 1024 * 1024;

/// What `path` looks like by its name and place, if it looks like a secret.
pub fn by_path(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let in_dir = |dir: &str| {
        path.parent().is_some_and(|parent| {
            parent
                .components()
                .any(|c| matches!(c, Component::Normal(n) if n.eq_ignore_ascii_case(dir)))
        })
    };
    let parent_is = |dir: &str| {
        path.parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n.eq_ignore_ascii_case(dir))
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    const SSH_KEYS: &[&str] = &[
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
        "identity",
    ];
    const SSH_PUBLIC: &[&str] = &[
        "known_hosts",
        "known_hosts.old",
        "authorized_keys",
        "config",
    ];
    if SSH_KEYS.contains(&name.as_str()) {
        return Some("an SSH private key");
    }
    if in_dir(".ssh") && extension != "pub" && !SSH_PUBLIC.contains(&name.as_str()) {
        return Some("a file from ~/.ssh, where SSH keeps private keys");
    }
    if in_dir(".gnupg") {
        return Some("a file from your GnuPG keyring");
    }
    if parent_is(".aws") && (name == "credentials" || name == "config") {
        return Some("AWS credentials");
    }
    if (parent_is(".kube") && name == "config") || name == "kubeconfig" {
        return Some("Kubernetes credentials");
    }
    if parent_is(".docker") && name == "config.json" {
        return Some("Docker registry credentials");
    }
    let examples = [".example", ".sample", ".template", ".dist"];
    if (name == ".env" || name.starts_with(".env.")) && !examples.iter().any(|e| name.ends_with(e))
    {
        return Some("an environment file (.env), which usually holds passwords and keys");
    }
    const PASSWORD_FILES: &[&str] = &[
        ".netrc",
        "_netrc",
        ".pgpass",
        ".git-credentials",
        ".npmrc",
        ".pypirc",
        ".htpasswd",
    ];
    if PASSWORD_FILES.contains(&name.as_str()) {
        return Some("a file of saved passwords or tokens");
    }
    // `.pem` and `.key` are also certificates and Keynote decks: those are told by their content.
    const KEY_STORES: &[&str] = &["p12", "pfx", "jks", "keystore", "ppk", "kdbx"];
    if KEY_STORES.contains(&extension.as_str()) {
        return Some("a store of private keys or passwords");
    }
    None
}

/// What the start of the open file looks like, if it looks like it holds a secret.
pub fn by_content(file: &File) -> Option<&'static str> {
    static PATTERNS: OnceLock<Vec<(regex::bytes::Regex, &'static str)>> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (
                r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----",
                "a private key (PEM)",
            ),
            (
                r"-----BEGIN PGP PRIVATE KEY BLOCK-----",
                "a PGP private key",
            ),
            (r"PuTTY-User-Key-File-\d", "a PuTTY private key"),
            (
                r"(?i)aws_secret_access_key\s*[=:]",
                "an AWS secret access key",
            ),
            // AWS key ids are AKIA (long-lived) or ASIA (temporary) and 16 base32 characters.
            (r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b", "an AWS access key"),
        ]
        .into_iter()
        .map(|(pattern, what)| {
            (
                regex::bytes::Regex::new(pattern).expect("valid pattern"),
                what,
            )
        })
        .collect()
    });
    let start = read_start(file)?;
    patterns
        .iter()
        .find(|(pattern, _)| pattern.is_match(&start))
        .map(|(_, what)| *what)
}

/// What `path`, open as `file`, looks like, if it looks like a secret.
pub fn looks_secret(path: &Path, file: &File) -> Option<&'static str> {
    by_path(path).or_else(|| by_content(file))
}

/// The first `SCAN_BYTES` of the file, read at offset 0 whatever its cursor.
fn read_start(file: &File) -> Option<Vec<u8>> {
    let len = file.metadata().ok()?.len().min(SCAN_BYTES as u64) as usize;
    let mut buf = vec![0u8; len];
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut buf, 0).ok()?;
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < len {
            match file.seek_read(&mut buf[done..], done as u64).ok()? {
                0 => return None,
                n => done += n,
            }
        }
    }
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_told_by_their_place_and_name() {
        for (path, what) in [
            ("/home/ann/.ssh/id_ed25519", "an SSH private key"),
            ("/tmp/id_rsa", "an SSH private key"),
            ("/home/ann/.ssh/deploy_key", "a file from ~/.ssh"),
            ("/home/ann/.aws/credentials", "AWS credentials"),
            ("/srv/app/.env", "an environment file"),
            ("/srv/app/.env.production", "an environment file"),
            ("/home/ann/.netrc", "saved passwords"),
            (
                "/home/ann/Documents/passwords.kdbx",
                "a store of private keys",
            ),
            ("/home/ann/.gnupg/private-keys-v1.d/ABC.key", "GnuPG"),
        ] {
            let found = by_path(Path::new(path)).unwrap_or_else(|| panic!("{path} not flagged"));
            assert!(found.contains(what), "{path}: {found}");
        }
        for path in [
            "/home/ann/.ssh/id_ed25519.pub",
            "/home/ann/.ssh/known_hosts",
            "/srv/app/.env.example",
            "/home/ann/Talk.key",
            "/home/ann/cert.pem",
            "/home/ann/Photos/beach.jpg",
            "/home/ann/environment.txt",
        ] {
            assert_eq!(by_path(Path::new(path)), None, "{path}");
        }
    }

    fn content(bytes: &[u8]) -> Option<&'static str> {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        by_content(&file)
    }

    #[test]
    fn secrets_are_told_by_what_they_hold() {
        assert_eq!(
            content(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"),
            Some("a private key (PEM)")
        );
        assert_eq!(
            content(b"notes\n-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
            Some("a private key (PEM)")
        );
        assert_eq!(
            content(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
            Some("a private key (PEM)")
        );
        assert_eq!(
            content(b"[default]\naws_access_key_id = x\nAWS_SECRET_ACCESS_KEY=abc\n"),
            Some("an AWS secret access key")
        );
        assert_eq!(
            content(b"key: AKIAIOSFODNN7EXAMPLE in the config"),
            Some("an AWS access key")
        );
        assert_eq!(
            content(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            None,
            "a certificate is public"
        );
        assert_eq!(content(b"just a letter about AKIA and keys"), None);
        assert_eq!(content(&[0u8; 4096]), None);
    }
}
