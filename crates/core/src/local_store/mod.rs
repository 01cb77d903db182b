//! The embedded local store: a real S3-compatible server (s3s's protocol layer over a store of our
//! own, `disk`) bound to loopback, so LinkDrop works before any bucket is connected, and so that
//! scripts get a tiny S3 server (`linkdrop serve --data DIR`). It verifies SigV4 signatures and
//! presigned expiry like S3 does, refuses what S3 refuses but s3s would take (Signature Version 2,
//! links signed for over 7 days), checks the checksums clients send, lists unfinished multipart
//! uploads (so none can be orphaned unseen), keeps and applies lifecycle rules (`lifecycle`: the
//! backstop LinkDrop installs on any bucket) and answers as S3 answers the clients people use
//! (`s3`): conditional reads, `encoding-type=url`, retried completions, S3's error codes.
//!
//! The store runs as its own `linkdrop serve` process, started on demand, so links keep working after
//! the command that shared them exits. A client sends it nothing before the store has proved it is
//! the user's own (`identity`): a port is not an identity.
//!
//! May use: `error`, `system`, `profiles`, `credentials` (`tests/architecture.rs` holds it).

mod disk;
mod gate;
pub mod identity;
mod legacy;
mod lifecycle;
mod predecessor;
mod s3;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::credentials::CredentialsError;
use crate::profiles::{CredentialSource, LOCAL_PROFILE, Profile, ProfileBook, ProfileError};
use crate::system::paths::Paths;
use identity::Listener;

/// The bucket the local profile shares into.
pub const LOCAL_BUCKET: &str = "linkdrop";

/// How big `store.log` grows before it is rotated to `store.log.1` (which the next rotation
/// replaces): the log of a store that runs for months stays under twice this.
pub const STORE_LOG_MAX: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LocalStoreError {
    #[error("cannot prepare the local store in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot listen on {addr}: {source} (is another program using that port? pick another with --listen)"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "refusing to listen on {addr}: that is reachable from other computers; pass --allow-remote if you mean it"
    )]
    NotLoopback { addr: SocketAddr },
    #[error("the local store did not start within {seconds} s; see {log}")]
    DidNotStart { seconds: u64, log: PathBuf },
    #[error(
        "the local store's port {port} is taken by a program that is not LinkDrop's store ({detail}), \
         and the store could not start on another port either; see {log}"
    )]
    PortTaken {
        port: u16,
        detail: String,
        log: PathBuf,
    },
    #[error("profile {name:?} is not backed by the local store")]
    NotLocal { name: String },
    #[error("another store serves {} already: stop it first, or give another directory", .root.display())]
    InUse { root: PathBuf },
    #[error(
        "{} is not empty and is not a store's directory: give an empty or new directory, so that nothing in it is taken for the store's",
        .root.display()
    )]
    NotAStore { root: PathBuf },
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

impl crate::error::Coded for LocalStoreError {
    fn code(&self) -> crate::error::ErrorCode {
        match self {
            // A broken or missing profiles.toml is the profile's problem, not the store's.
            LocalStoreError::Profile(e) => e.code(),
            LocalStoreError::Credentials(e) => e.code(),
            _ => crate::error::ErrorCode::LocalStore,
        }
    }
}

/// The profile book, with the local profile created on first run. Nothing else is made: the store's
/// key is made when the local profile is first used (see `credentials::StoreKey`), and no keychain
/// is asked, so a first command works on a server with no keyring.
pub fn load_or_init_profiles(paths: &Paths) -> Result<ProfileBook, LocalStoreError> {
    if let Some(book) = ProfileBook::load(paths)? {
        return Ok(book);
    }
    let port = free_loopback_port().map_err(|source| LocalStoreError::Io {
        path: paths.config_dir.clone(),
        source,
    })?;
    let profile = Profile {
        name: LOCAL_PROFILE.to_owned(),
        bucket: LOCAL_BUCKET.to_owned(),
        endpoint: Some(loopback_endpoint(port)),
        region: Some("us-east-1".to_owned()),
        prefix: String::new(),
        path_style: true,
        default_expiry: None,
        credentials: CredentialSource::LocalStore,
        access_key_id: None,
        local_store: true,
        allow_insecure_http: false,
        delete_after_expiry: false,
        deletion_grace: None,
    };
    let mut book = ProfileBook::default();
    book.add(profile, true)?;
    book.save(paths)?;
    Ok(book)
}

/// [`load_or_init_profiles`], off the async workers (it reads and writes files).
pub async fn profiles(paths: &Paths) -> Result<ProfileBook, LocalStoreError> {
    let owned = paths.clone();
    tokio::task::spawn_blocking(move || load_or_init_profiles(&owned))
        .await
        .map_err(|e| LocalStoreError::Io {
            path: paths.config_dir.clone(),
            source: std::io::Error::other(e),
        })?
}

/// The ports the local store left (see [`ensure_running`]), kept beside its data.
pub mod ports_left {
    use crate::system::paths::Paths;

    pub fn load(paths: &Paths) -> std::io::Result<Vec<u16>> {
        match std::fs::read_to_string(paths.store_ports_left()) {
            Ok(text) => Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    pub(super) fn add(paths: &Paths, port: u16) -> std::io::Result<()> {
        let mut ports = load(paths)?;
        if ports.contains(&port) {
            return Ok(());
        }
        ports.push(port);
        let text: String = ports.iter().map(|p| format!("{p}\n")).collect();
        std::fs::create_dir_all(&paths.data_dir)?;
        crate::system::paths::write_atomically(&paths.store_ports_left(), text.as_bytes())
    }
}

fn loopback_endpoint(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn free_loopback_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port())
}

/// The address a local profile's store listens on.
pub fn listen_addr(profile: &Profile) -> Result<SocketAddr, LocalStoreError> {
    let not_local = || LocalStoreError::NotLocal {
        name: profile.name.clone(),
    };
    if !profile.local_store {
        return Err(not_local());
    }
    let url = profile
        .endpoint
        .as_deref()
        .and_then(|e| url::Url::parse(e).ok())
        .ok_or_else(not_local)?;
    url.socket_addrs(|| Some(80))
        .ok()
        .and_then(|addrs| addrs.into_iter().next())
        .ok_or_else(not_local)
}

/// The user's own store, answering: the profile to reach it by (its endpoint is where the store
/// listens now), and what it took.
#[derive(Debug, Clone)]
pub struct Running {
    pub profile: Profile,
    /// This call started the store.
    pub started: bool,
    /// The port the profile named was taken by a stranger: the store moved from it.
    pub moved_from: Option<u16>,
}

/// Makes sure the user's own store answers for the local profile, starting `linkdrop serve` in
/// the background when nothing does. Whatever answers on the profile's port must prove it holds
/// `secret` (see `identity`); when a stranger holds the port, the store starts on a free port and
/// the profile follows, so that no file and no link ever goes to the stranger.
pub async fn ensure_running(
    profile: &Profile,
    paths: &Paths,
    secret: &str,
) -> Result<Running, LocalStoreError> {
    let addr = listen_addr(profile)?;
    if let Listener::Ours | Listener::Silent = identity::who_listens(addr, secret).await {
        return Ok(Running {
            profile: profile.clone(),
            started: false,
            moved_from: None,
        });
    }
    // One process at a time decides where the store goes (the window and a terminal may both
    // find it down); the others then find it answering.
    let _lock = StartLock::take(paths).await?;
    let mut profile = ProfileBook::load(paths)?
        .and_then(|book| book.get(&profile.name).ok().cloned())
        .unwrap_or_else(|| profile.clone());
    let addr = listen_addr(&profile)?;
    let stranger = match identity::who_listens(addr, secret).await {
        // The user's own store, stopped or busy: requests to it wait, as they would for S3.
        Listener::Ours | Listener::Silent => {
            return Ok(Running {
                profile,
                started: false,
                moved_from: None,
            });
        }
        Listener::Nobody => match start_and_wait(&profile.name, addr, paths, secret).await? {
            Started::Ours => {
                return Ok(Running {
                    profile,
                    started: true,
                    moved_from: None,
                });
            }
            // Someone took the port between our look and the store's bind.
            Started::PortTaken(detail) => detail,
        },
        Listener::Stranger { detail } => detail,
    };
    // An older LinkDrop's store of this very folder (it predates the challenge): stopped, and
    // replaced on its port, rather than left serving the folder beside the new one.
    if let Some(pid) = predecessor::older_store_on(addr, paths) {
        tracing::warn!(
            pid,
            port = addr.port(),
            "stopping the store of an older LinkDrop"
        );
        if predecessor::stop(pid, Duration::from_secs(10)).await
            && let Started::Ours = start_and_wait(&profile.name, addr, paths, secret).await?
        {
            return Ok(Running {
                profile,
                started: true,
                moved_from: None,
            });
        }
    }
    tracing::warn!(port = addr.port(), %stranger, "the local store's port is taken; moving the store");
    // Links made for the old port now reach the stranger, who may replay them here: the moved
    // store refuses them (see `Gate`).
    ports_left::add(paths, addr.port()).map_err(|source| LocalStoreError::Io {
        path: paths.store_ports_left(),
        source,
    })?;
    // A few tries: a free port can be taken again before the store binds it.
    for _ in 0..3 {
        let port = free_loopback_port().map_err(|source| LocalStoreError::Io {
            path: paths.data_dir.clone(),
            source,
        })?;
        let moved_to = SocketAddr::from(([127, 0, 0, 1], port));
        profile.endpoint = Some(loopback_endpoint(port));
        let mut book = ProfileBook::load(paths)?.unwrap_or_default();
        *book.get_mut(&profile.name)? = profile.clone();
        book.save(paths)?;
        if let Started::Ours = start_and_wait(&profile.name, moved_to, paths, secret).await? {
            return Ok(Running {
                profile,
                started: true,
                moved_from: Some(addr.port()),
            });
        }
    }
    Err(LocalStoreError::PortTaken {
        port: addr.port(),
        detail: stranger,
        log: paths.store_log(),
    })
}

enum Started {
    Ours,
    PortTaken(String),
}

/// Starts `linkdrop serve` for the profile on `addr` and waits until it proves it is ours.
async fn start_and_wait(
    profile: &str,
    addr: SocketAddr,
    paths: &Paths,
    secret: &str,
) -> Result<Started, LocalStoreError> {
    let log_path = paths.store_log();
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LocalStoreError::Io { path, source }
    };
    std::fs::create_dir_all(&paths.data_dir).map_err(io(&paths.data_dir))?;
    // Until the store has set up its own (capped) log, what it says goes to the end of it.
    let log = crate::system::logging::open_log(&log_path).map_err(io(&log_path))?;
    let exe = crate::system::paths::command_binary().map_err(io(Path::new("linkdrop")))?;
    let mut command = std::process::Command::new(exe);
    command
        .args(["serve", "--profile", profile, "--listen", &addr.to_string()])
        .arg("--log")
        .arg(&log_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
    #[cfg(unix)]
    {
        // Its own process group: Ctrl-C in the terminal that shared a file must not stop the store.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(io(Path::new("linkdrop serve")))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match identity::who_listens(addr, secret).await {
            Listener::Ours => return Ok(Started::Ours),
            Listener::Stranger { detail } => return Ok(Started::PortTaken(detail)),
            Listener::Silent | Listener::Nobody => {}
        }
        if let Ok(Some(_)) = child.try_wait() {
            // It could not bind: whoever did is not ours (or it would have answered above).
            return match identity::who_listens(addr, secret).await {
                Listener::Ours => Ok(Started::Ours),
                Listener::Stranger { detail } => Ok(Started::PortTaken(detail)),
                Listener::Silent => Ok(Started::PortTaken(
                    "a program of yours that does not answer".into(),
                )),
                Listener::Nobody => Err(LocalStoreError::DidNotStart {
                    seconds: 0,
                    log: log_path,
                }),
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(LocalStoreError::DidNotStart {
        seconds: 10,
        log: log_path,
    })
}

/// `store.lock` in the data dir, held while a process looks for the store and starts it.
struct StartLock(#[allow(dead_code)] std::fs::File);

impl StartLock {
    async fn take(paths: &Paths) -> Result<StartLock, LocalStoreError> {
        let path = paths.data_dir.join("store.lock");
        let io = |source| LocalStoreError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&paths.data_dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        // Another LinkDrop starting the store holds it for a few seconds at most.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(StartLock(file)),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(io(std::io::Error::other(
                        "another LinkDrop has been starting the store for 15 s",
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

/// What `serve` needs to run a store.
pub struct ServeConfig {
    pub root: PathBuf,
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub access_key_id: String,
    pub secret: String,
    /// Buckets made when the store starts (the local profile's, so its first share is one round
    /// trip shorter).
    pub buckets: Vec<String>,
    /// `root` is LinkDrop's own store (the data dir's): one of the old layout there moves in.
    /// Never for a directory a user names (`serve --data`).
    pub own_store: bool,
    /// Ports this store moved off (a stranger holds them): requests naming them are refused.
    pub ports_left: Vec<u16>,
}

/// A bound store, ready to serve.
pub struct Server {
    listener: TcpListener,
    disk: std::sync::Arc<disk::Disk>,
    gate: gate::Gate,
}

impl Server {
    pub async fn bind(config: ServeConfig) -> Result<Server, LocalStoreError> {
        if !config.listen.ip().is_loopback() && !config.allow_remote {
            return Err(LocalStoreError::NotLoopback {
                addr: config.listen,
            });
        }
        // The port first: a second store started by mistake goes no further, and touches nothing.
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| LocalStoreError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let port = listener
            .local_addr()
            .map_err(|source| LocalStoreError::Bind {
                addr: config.listen,
                source,
            })?
            .port();
        let io = |source| LocalStoreError::Io {
            path: config.root.clone(),
            source,
        };
        let disk = disk::Disk::open(&config.root, config.own_store).map_err(|e| match e {
            disk::OpenError::InUse(root) => LocalStoreError::InUse { root },
            disk::OpenError::NotAStore(root) => LocalStoreError::NotAStore { root },
            disk::OpenError::Io(e) => io(e),
        })?;
        if config.own_store {
            // A store of LinkDrop before this layout moves in, so that links made before keep
            // working.
            legacy::migrate(&disk, &config.root).map_err(io)?;
        }
        for bucket in &config.buckets {
            disk.ensure_bucket(bucket)
                .map_err(|e| io(std::io::Error::other(e)))?;
        }
        let disk = std::sync::Arc::new(disk);
        let store = s3::LocalStore { disk: disk.clone() };
        let mut builder = s3s::service::S3ServiceBuilder::new(store);
        // See `s3::MAX_SKEW_SECS`: s3s's one skew setting would end a POST form 15 minutes after
        // it was signed; the store keeps S3's 15 minutes for everything else itself.
        let mut s3_config = s3s::config::S3Config::default();
        s3_config.presigned_url_max_skew_time_secs = s3::POST_FORM_SKEW_SECS;
        builder.set_config(std::sync::Arc::new(s3s::config::StaticConfigProvider::new(
            std::sync::Arc::new(s3_config),
        )));
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            config.access_key_id,
            config.secret.clone(),
        ));
        Ok(Server {
            listener,
            disk,
            gate: gate::Gate::new(builder.build(), &config.secret, port, config.ports_left),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` is cancelled, then lets open requests finish (at most 5 s). Applies
    /// the buckets' lifecycle rules meanwhile.
    pub async fn run(self, stop: CancellationToken) {
        // The buckets' lifecycle rules: at start (what came due while the store was not running)
        // and then every hour.
        let disk = self.disk.clone();
        let rules_stop = stop.clone();
        tokio::spawn(async move {
            loop {
                let disk = disk.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    lifecycle::apply(&disk, chrono::Utc::now())
                })
                .await;
                tokio::select! {
                    () = rules_stop.cancelled() => break,
                    () = tokio::time::sleep(lifecycle::APPLY_EVERY) => {}
                }
            }
        });
        let http = ConnBuilder::new(TokioExecutor::new());
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        loop {
            let socket = tokio::select! {
                () = stop.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((socket, _)) => socket,
                    Err(e) => {
                        tracing::warn!("accepting a connection failed: {e}");
                        continue;
                    }
                },
            };
            let connection = http.serve_connection(TokioIo::new(socket), self.gate.clone());
            let connection = graceful.watch(connection.into_owned());
            tokio::spawn(async move {
                let _ = connection.await;
            });
        }
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}
