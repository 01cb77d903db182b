//! Where LinkDrop keeps its files: the profile config in the OS config dir, the local store's objects
//! (and later the history) in the OS data dir. `LINKDROP_CONFIG_DIR` and `LINKDROP_DATA_DIR` override
//! both, so tests and scripts never touch a user's real files.

use std::path::{Path, PathBuf};

pub const CONFIG_DIR_ENV: &str = "LINKDROP_CONFIG_DIR";
pub const DATA_DIR_ENV: &str = "LINKDROP_DATA_DIR";

#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    #[error("cannot tell where the {what} directory is on this system: set {env} to a directory")]
    Unknown {
        what: &'static str,
        env: &'static str,
    },
    #[error("cannot make LinkDrop's {what} directory {dir}: {reason}")]
    Create {
        what: &'static str,
        dir: PathBuf,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn from_env() -> Result<Self, PathsError> {
        let pick =
            |env: &'static str, base: Option<PathBuf>, what: &'static str| match std::env::var_os(
                env,
            )
            .filter(|v| !v.is_empty())
            {
                Some(dir) => Ok(PathBuf::from(dir)),
                None => base
                    .map(|b| b.join("linkdrop"))
                    .ok_or(PathsError::Unknown { what, env }),
            };
        Ok(Paths {
            config_dir: pick(CONFIG_DIR_ENV, dirs::config_dir(), "config")?,
            data_dir: pick(DATA_DIR_ENV, dirs::data_dir(), "data")?,
        })
    }

    /// [`Paths::from_env`], with both directories made and private to the user: the data directory
    /// holds the history (every link is a bearer token) and the local store's objects, the config
    /// directory says which buckets are used. Directories made by an older LinkDrop with the
    /// umask's group and world bits lose them.
    pub fn open() -> Result<Self, PathsError> {
        let paths = Paths::from_env()?;
        make_private(&paths.config_dir, "config")?;
        make_private(&paths.data_dir, "data")?;
        Ok(paths)
    }

    pub fn profiles_file(&self) -> PathBuf {
        self.config_dir.join("profiles.toml")
    }

    /// Objects of the embedded local store.
    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    pub fn store_log(&self) -> PathBuf {
        self.data_dir.join("store.log")
    }

    /// The ports the local store moved off because a stranger held them (one per line).
    pub fn store_ports_left(&self) -> PathBuf {
        self.data_dir.join("store-ports-left")
    }

    /// Where folders are zipped before they are shared (on disk beside the data, not in a
    /// RAM-backed /tmp).
    pub fn temp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }
}

fn make_private(dir: &Path, what: &'static str) -> Result<(), PathsError> {
    let fail = |e: std::io::Error| PathsError::Create {
        what,
        dir: dir.to_owned(),
        reason: e.kind().to_string(),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).map_err(fail)?;
        let mode = std::fs::metadata(dir).map_err(fail)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700 | 0o700))
                .map_err(fail)?;
        }
    }
    // Elsewhere the per-user profile directories are private already.
    #[cfg(not(unix))]
    builder.create(dir).map_err(fail)?;
    Ok(())
}

/// Writes `contents` to `path` through a temporary file and a rename, so a crash never leaves a
/// half-written file behind.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `path` whole, as `write_atomically`, only if it does not exist yet: of two processes
/// that race to create it one wins, and the other gets `AlreadyExists` (and reads the winner's).
pub fn create_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// The command line's binary, and the window's, installed side by side.
pub const CLI_BINARY: &str = "linkdrop";
pub const DESKTOP_BINARY: &str = "linkdrop-desktop";

/// The binary `name` beside the running one (`.exe` on Windows), if it is there.
pub fn sibling_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let sibling = exe.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    sibling.is_file().then_some(sibling)
}

/// What to run LinkDrop's own commands with (`linkdrop serve` for the embedded store): the command
/// line's binary when it is installed beside this one (it loads no GUI library, so a store that
/// runs for days weighs less), else this very binary, which takes every command too.
pub fn command_binary() -> std::io::Result<PathBuf> {
    match sibling_binary(CLI_BINARY) {
        Some(cli) => Ok(cli),
        None => std::env::current_exe(),
    }
}
