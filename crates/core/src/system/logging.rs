//! Logs: to stderr, quiet by default (`LINKDROP_LOG=debug`, tracing's filter syntax, for more), or
//! for the background store to `store.log`, capped and rotated. Whatever the level, no line carries
//! a signature, a credential or a working presigned link: every line is passed through [`redact`]
//! before it is written, because the libraries below us (the AWS SDK, hyper, s3s) print requests
//! whole at debug and trace level, and a presigned URL in a log is a link anyone reading it can use.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use regex::Regex;

/// Where the log goes.
pub enum Target<'a> {
    Stderr,
    /// A file capped at `max` bytes: past that it is renamed to `FILE.1` (replacing the one before)
    /// and a new one is started.
    CappedFile {
        path: &'a Path,
        max: u64,
    },
}

/// Sets up logging for this process; a second call does nothing.
pub fn init(target: Target<'_>) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LINKDROP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
        // s3s logs every refused request at ERROR (a stranger's bad signature is not our error,
        // and a flood of them would fill the disk) and every request whole at DEBUG. The store's
        // front door (`local_store::gate`) logs one line per request instead.
        .add_directive("s3s=off".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match target {
        Target::Stderr => builder.with_writer(Redacting(Sink::Stderr)).try_init(),
        Target::CappedFile { path, max } => match CappedFile::open(path, max) {
            Ok(file) => builder
                .with_ansi(false)
                .with_writer(Redacting(Sink::File(Arc::new(file))))
                .try_init(),
            Err(e) => {
                eprintln!("linkdrop: cannot write the log {}: {e}", path.display());
                builder.with_writer(Redacting(Sink::Stderr)).try_init()
            }
        },
    };
}

/// Opens a log file for appending, readable by the user alone.
pub fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// `text` with signatures, credentials and security tokens cut out: the values of the query
/// parameters and form fields that carry them (SigV4 and SigV2), and of `Authorization` headers.
pub fn redact(text: &str) -> Cow<'_, str> {
    static PATTERNS: OnceLock<[(Regex, &str); 3]> = OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        let params = r"x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid";
        let fields = r"access_key_id|secret_access_key|session_token|security_token|accesskeyid";
        [
            // In a URL or a header value: `X-Amz-Signature=…`, `Signature=…` (up to a separator),
            // also inside a URL that is itself percent-encoded (`X-Amz-Signature%3D…` up to `%26`,
            // as in a link carried in another link's query).
            (
                Regex::new(&format!(
                    r#"(?i)(^|[^a-z0-9_-]|%3F|%26)({params})(=|%3D)(?:[^&%\s"'<>,;)\]\}}\\]|%(?:[013-9a-f][0-9a-f]|2[0-57-9a-f]))+"#
                ))
                .expect("valid"),
                "${1}${2}${3}<redacted>",
            ),
            // A header, a form field or a struct field as Debug prints it: `"authorization": "…"`,
            // `("signature", "…")`, `access_key_id: "…"`.
            (
                Regex::new(&format!(
                    r#"(?i)("?\b(?:proxy-authorization|authorization|{params}|{fields})"?\s*[:,=]\s*")[^"]*"#
                ))
                .expect("valid"),
                "${1}<redacted>",
            ),
            // A header as text: `Authorization: AWS4-HMAC-SHA256 …`.
            (
                Regex::new(r"(?im)\b((?:proxy-)?authorization:\s*)\S[^\r\n]*").expect("valid"),
                "${1}<redacted>",
            ),
        ]
    });
    let mut text = Cow::Borrowed(text);
    for (pattern, replacement) in patterns {
        if let Cow::Owned(replaced) = pattern.replace_all(&text, *replacement) {
            text = Cow::Owned(replaced);
        }
    }
    text
}

#[derive(Clone)]
enum Sink {
    Stderr,
    File(Arc<CappedFile>),
}

/// A writer that redacts each formatted line before it reaches its sink.
#[derive(Clone)]
struct Redacting(Sink);

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Redacting {
    type Writer = Redacting;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // tracing's formatter hands over each event whole, in one write.
        let text = String::from_utf8_lossy(buf);
        let clean = redact(&text);
        match &self.0 {
            Sink::Stderr => std::io::stderr().write_all(clean.as_bytes())?,
            Sink::File(file) => file.write(clean.as_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A log file that never grows past `max` bytes: past that it becomes `FILE.1` and a new one starts.
/// Written by hand because the rotating writers on crates.io rotate by time, or do not carry the
/// process's stderr along (below); it is a rename and a reopen.
struct CappedFile {
    path: PathBuf,
    max: u64,
    state: Mutex<(std::fs::File, u64)>,
    /// The process's stderr follows the file (the background store); not in tests.
    carry_stderr: bool,
}

impl CappedFile {
    fn open(path: &Path, max: u64) -> std::io::Result<CappedFile> {
        let file = open_log(path)?;
        let size = file.metadata()?.len();
        follow_with_stderr(&file);
        Ok(CappedFile {
            path: path.to_owned(),
            max,
            state: Mutex::new((file, size)),
            carry_stderr: true,
        })
    }

    fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.1 + bytes.len() as u64 > self.max && state.1 > 0 {
            let mut old = self.path.clone().into_os_string();
            old.push(".1");
            std::fs::rename(&self.path, &old)?;
            let file = open_log(&self.path)?;
            if self.carry_stderr {
                follow_with_stderr(&file);
            }
            *state = (file, 0);
        }
        state.0.write_all(bytes)?;
        state.1 += bytes.len() as u64;
        Ok(())
    }
}

/// Points the process's stderr at the log too, so that a panic or an early error lands in the
/// current file, not in one rotated away.
fn follow_with_stderr(file: &std::fs::File) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 on two open descriptors we own; stderr stays open whatever it returns.
        unsafe {
            libc::dup2(file.as_raw_fd(), libc::STDERR_FILENO);
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_credentials_are_cut_out() {
        let url = "http://127.0.0.1:9000/linkdrop/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=LDKEY%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let clean = redact(url);
        assert!(!clean.contains("0123456789abcdef"), "{clean}");
        assert!(!clean.contains("LDKEY"), "{clean}");
        assert!(clean.contains("X-Amz-Signature=<redacted>"), "{clean}");
        assert!(
            clean.contains("X-Amz-Expires=3600"),
            "what is not secret stays: {clean}"
        );

        let v2 = "GET /b/k?AWSAccessKeyId=AKIDEXAMPLE&Expires=2000000000&Signature=abc%2Bdef%3D";
        let clean = redact(v2);
        assert!(
            !clean.contains("AKIDEXAMPLE") && !clean.contains("abc%2B"),
            "{clean}"
        );

        let nested = "https://example.com/open?next=http%3A%2F%2F127.0.0.1%3A9000%2Fb%2Fk%3FX-Amz-Credential%3DLDNESTED%252F20261201%26X-Amz-Signature%3Ddeadbeef99%26x-id%3DGetObject";
        let clean = redact(nested);
        assert!(
            !clean.contains("LDNESTED") && !clean.contains("deadbeef99"),
            "{clean}"
        );
        assert!(
            clean.contains("X-Amz-Signature%3D<redacted>%26x-id%3DGetObject"),
            "what follows the secret stays: {clean}"
        );

        let debug = r#"headers: {"host": "127.0.0.1", "authorization": "AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=feedface", "x-amz-security-token": "TOKEN123"}"#;
        let clean = redact(debug);
        for secret in ["AKID", "feedface", "TOKEN123"] {
            assert!(!clean.contains(secret), "{secret} in {clean}");
        }
        assert!(clean.contains(r#""host": "127.0.0.1""#), "{clean}");

        let form =
            r#"fields: [("key", "a/b"), ("x-amz-signature", "cafebabe"), ("policy", "eyJ")]"#;
        assert!(!redact(form).contains("cafebabe"), "{}", redact(form));

        let sdk = r#"Credentials { provider_name: "linkdrop-keychain", access_key_id: "LDKEYID", secret_access_key: "** redacted **" }"#;
        let clean = redact(sdk);
        assert!(!clean.contains("LDKEYID"), "{clean}");
        assert!(
            clean.contains(r#"provider_name: "linkdrop-keychain""#),
            "{clean}"
        );

        let raw = "Authorization: AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=\r\nHost: x";
        let clean = redact(raw);
        assert!(!clean.contains("frJIUN8"), "{clean}");
        assert!(clean.contains("Host: x"), "{clean}");
    }

    #[test]
    fn lines_without_secrets_are_left_alone() {
        let line = "share finished: report.pdf, 12 parts in 3.2 s";
        assert!(matches!(redact(line), Cow::Borrowed(_)));
    }

    #[test]
    fn the_capped_file_rotates_and_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.log");
        let log = CappedFile {
            path: path.clone(),
            max: 1000,
            state: Mutex::new((open_log(&path).unwrap(), 0)),
            carry_stderr: false,
        };
        for i in 0..500 {
            log.write(format!("line {i:04} of the log\n").as_bytes())
                .unwrap();
        }
        let now = std::fs::metadata(&path).unwrap().len();
        let old = std::fs::metadata(dir.path().join("store.log.1"))
            .unwrap()
            .len();
        assert!(now <= 1000 && old <= 1000, "{now} and {old} bytes");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.ends_with("line 0499 of the log\n"),
            "the newest lines are kept"
        );
    }
}
