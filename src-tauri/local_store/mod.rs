//! The embedded local store: a real S3-compatible server (s3s over a directory, via s3s-fs) bound to
//! loopback, so LinkDrop works before any bucket is connected. It verifies SigV4 signatures and
//! presigned expiry like S3 does, and refuses what S3 refuses but s3s would take (Signature
//! Version 2, links signed for over 7 days, keys that would leave the bucket's folder). On top of
//! s3s-fs it checks each part's CRC32C, lists unfinished multipart uploads (so none can be
//! orphaned unseen) and honours `response-content-disposition`, which gives downloads their
//! original names.
//!
//! The store runs as its own `linkdrop serve` process, started on demand, so links keep working after
//! the command that shared them exits. A client sends it nothing before the store has proved it is
//! the user's own (`identity`): a port is not an identity.

mod gate;
pub mod identity;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use futures::Stream;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use rand::distr::{Alphanumeric, SampleString};
use s3s::dto::*;
use s3s::{S3, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::credentials::{CredentialsError, Keychain};
use crate::paths::{Paths, write_atomically};
use crate::profiles::{CredentialSource, LOCAL_PROFILE, Profile, ProfileBook, ProfileError};
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
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// The profile book, with the local profile created on first run.
///
/// The local store gets its own random credentials: the access key id goes in the profile, the secret
/// in the keychain, like any other profile's.
pub fn load_or_init_profiles(
    paths: &Paths,
    keychain: &Keychain,
) -> Result<ProfileBook, LocalStoreError> {
    if let Some(book) = ProfileBook::load(paths)? {
        return Ok(book);
    }
    let port = free_loopback_port().map_err(|source| LocalStoreError::Io {
        path: paths.config_dir.clone(),
        source,
    })?;
    let access_key_id = format!(
        "LD{}",
        Alphanumeric
            .sample_string(&mut rand::rng(), 18)
            .to_uppercase()
    );
    let secret = Alphanumeric.sample_string(&mut rand::rng(), 40);
    keychain.set_secret(LOCAL_PROFILE, &secret)?;
    let profile = Profile {
        name: LOCAL_PROFILE.to_owned(),
        bucket: LOCAL_BUCKET.to_owned(),
        endpoint: Some(loopback_endpoint(port)),
        region: Some("us-east-1".to_owned()),
        prefix: String::new(),
        path_style: true,
        default_expiry: None,
        credentials: CredentialSource::Keychain,
        access_key_id: Some(access_key_id),
        local_store: true,
        allow_insecure_http: false,
    };
    let mut book = ProfileBook::default();
    book.add(profile, true)?;
    book.save(paths)?;
    Ok(book)
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
    tracing::warn!(port = addr.port(), %stranger, "the local store's port is taken; moving the store");
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
    let log = crate::logging::open_log(&log_path).map_err(io(&log_path))?;
    let exe = crate::paths::command_binary().map_err(io(Path::new("linkdrop")))?;
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
}

/// A bound store, ready to serve.
pub struct Server {
    listener: TcpListener,
    gate: gate::Gate,
}

impl Server {
    pub async fn bind(config: ServeConfig) -> Result<Server, LocalStoreError> {
        if !config.listen.ip().is_loopback() && !config.allow_remote {
            return Err(LocalStoreError::NotLoopback {
                addr: config.listen,
            });
        }
        let objects = config.root.join("objects");
        let uploads = config.root.join("uploads");
        for dir in [&objects, &uploads.clone()] {
            std::fs::create_dir_all(dir).map_err(|source| LocalStoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // The bucket is a directory; creating it here keeps the first share one round trip shorter.
        let bucket_dir = objects.join(LOCAL_BUCKET);
        std::fs::create_dir_all(&bucket_dir).map_err(|source| LocalStoreError::Io {
            path: bucket_dir,
            source,
        })?;
        let fs = s3s_fs::FileSystem::new(&objects).map_err(|e| LocalStoreError::Io {
            path: objects.clone(),
            source: std::io::Error::other(format!("{e:?}")),
        })?;
        let store = LocalStore {
            fs,
            objects,
            uploads,
        };
        let mut builder = s3s::service::S3ServiceBuilder::new(store);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            config.access_key_id,
            config.secret.clone(),
        ));
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
        Ok(Server {
            listener,
            gate: gate::Gate::new(builder.build(), &config.secret, port),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` is cancelled, then lets open requests finish (at most 5 s).
    pub async fn run(self, stop: CancellationToken) {
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

/// s3s-fs plus what LinkDrop relies on that it lacks.
struct LocalStore {
    fs: s3s_fs::FileSystem,
    /// s3s-fs's root, where it keeps parts as `.upload_id-<id>.part-<n>`.
    objects: PathBuf,
    /// One JSON record per unfinished multipart upload, for ListMultipartUploads.
    uploads: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct UploadRecord {
    bucket: String,
    key: String,
    initiated: chrono::DateTime<chrono::Utc>,
}

impl LocalStore {
    fn record_path(&self, upload_id: &str) -> S3Result<PathBuf> {
        // Upload ids come from clients: only s3s-fs's own UUIDs may name a file.
        let id = uuid_like(upload_id).ok_or_else(|| s3_error!(NoSuchUpload))?;
        Ok(self.uploads.join(format!("{id}.json")))
    }

    /// Removes whatever s3s-fs keeps for an upload: its parts, its owner record and its metadata.
    /// Files that vanish meanwhile (a late part removing itself) are what we wanted anyway.
    fn remove_upload_files(&self, upload_id: &str) {
        let Some(id) = uuid_like(upload_id) else {
            return;
        };
        let (parts, owner, metadata) = (
            format!(".upload_id-{id}"),
            format!(".upload-{id}.json"),
            format!(".upload-{id}.metadata.json"),
        );
        let Ok(entries) = std::fs::read_dir(&self.objects) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(&parts) || name == owner || name.ends_with(&metadata) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    fn forget_upload(&self, upload_id: &str) {
        if let Ok(path) = self.record_path(upload_id) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn uuid_like(s: &str) -> Option<&str> {
    (s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(s)
}

/// Streams the body through, and fails it at the end if its CRC32C is not the one the client sent;
/// a failed stream makes s3s-fs drop the part instead of keeping corrupt bytes.
/// MD5 (hex) and CRC32C (base64) of a file, as S3 reports a part's.
fn digests(path: &Path) -> std::io::Result<(String, String)> {
    use md5::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1024 * 1024];
    let (mut md5, mut crc) = (md5::Md5::new(), 0u32);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        crc = crc32c::crc32c_append(crc, &buf[..n]);
    }
    Ok((
        data_encoding::HEXLOWER.encode(&md5.finalize()),
        base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes()),
    ))
}

fn verify_crc32c(body: StreamingBlob, expected: String) -> StreamingBlob {
    struct Verify {
        inner: StreamingBlob,
        crc: u32,
        expected: String,
        done: bool,
    }
    impl Stream for Verify {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            use std::task::Poll;
            if self.done {
                return Poll::Ready(None);
            }
            match std::pin::Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    self.crc = crc32c::crc32c_append(self.crc, &bytes);
                    Poll::Ready(Some(Ok(bytes)))
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(std::io::Error::other(e)))),
                Poll::Ready(None) => {
                    self.done = true;
                    let got =
                        base64::engine::general_purpose::STANDARD.encode(self.crc.to_be_bytes());
                    if got == self.expected {
                        Poll::Ready(None)
                    } else {
                        Poll::Ready(Some(Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "x-amz-checksum-crc32c mismatch",
                        ))))
                    }
                }
                Poll::Pending => Poll::Pending,
            }
        }
    }
    StreamingBlob::wrap(Verify {
        inner: body,
        crc: 0,
        expected,
        done: false,
    })
}

/// What S3 refuses and s3s would take, checked before every operation.
fn admit<T>(req: &S3Request<T>) -> S3Result<()> {
    // Signature Version 2 (a header, a query or a POST form): S3 stopped taking it, and its links
    // carry an expiry of their own choosing, years away if the signer likes. s3s leaves the region
    // unset for it, which no SigV4 request does.
    let v2_header = req
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS "));
    let query: Vec<(String, String)> = req
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let v2_query = query
        .iter()
        .any(|(name, _)| name == "Signature" || name == "AWSAccessKeyId");
    if v2_header || v2_query || (req.credentials.is_some() && req.region.is_none()) {
        return Err(s3_error!(
            AccessDenied,
            "Signature Version 2 is not accepted: sign requests with AWS4-HMAC-SHA256"
        ));
    }
    // SigV4 caps presigned links at 7 days; s3s checks only that a link has not expired yet.
    if let Some((_, expires)) = query
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("X-Amz-Expires"))
        && !expires
            .parse::<u64>()
            .is_ok_and(|secs| secs <= MAX_PRESIGNED_SECS)
    {
        return Err(s3_error!(
            AccessDenied,
            "X-Amz-Expires must be at most 604800 seconds (7 days)"
        ));
    }
    Ok(())
}

/// The longest a presigned link may live: 7 days, SigV4's limit.
const MAX_PRESIGNED_SECS: u64 = 7 * 24 * 3600;

/// Keys the store can keep. S3 takes any key of up to 1024 bytes; this store keeps a key as a
/// path under the bucket's folder, so a key must also be a path that stays there: no `.` or `..`
/// segment (s3s-fs resolves them, `../x` would land beside the bucket among the store's own
/// files), no empty segment but a last one, no NUL, no segment longer than a file name may be.
fn check_key(key: &str) -> S3Result<()> {
    if key.len() > 1024 {
        return Err(s3_error!(
            KeyTooLongError,
            "Your key is too long: keys are at most 1024 bytes"
        ));
    }
    let invalid = |why: &str| Err(s3_error!(InvalidArgument, "Invalid object key: {why}"));
    if key.is_empty() {
        return invalid("it is empty");
    }
    if key.contains('\0') {
        return invalid("it contains a NUL character");
    }
    let segments: Vec<&str> = key.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if *segment == "." || *segment == ".." {
            return invalid("'.' and '..' segments are not kept by this store");
        }
        if segment.is_empty() && i + 1 < segments.len() {
            return invalid("empty segments ('//', or a leading '/') are not kept by this store");
        }
        if segment.len() > 255 {
            return Err(s3_error!(
                KeyTooLongError,
                "Your key is too long: each '/'-separated part is at most 255 bytes in this store"
            ));
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl S3 for LocalStore {
    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        // s3s-fs ignores the response-* overrides; presigned links depend on them for the file name.
        let disposition = req.input.response_content_disposition.clone();
        let content_type = req.input.response_content_type.clone();
        let mut response = self.fs.get_object(req).await?;
        if disposition.is_some() {
            response.output.content_disposition = disposition;
        }
        if content_type.is_some() {
            response.output.content_type = content_type;
        }
        Ok(response)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        self.fs.head_object(req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        self.fs.put_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        self.fs.delete_object(req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        admit(&req)?;
        for object in &req.input.delete.objects {
            check_key(&object.key)?;
        }
        self.fs.delete_objects(req).await
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        if let CopySource::Bucket { key, .. } = &req.input.copy_source {
            check_key(key)?;
        }
        self.fs.copy_object(req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        admit(&req)?;
        self.fs.head_bucket(req).await
    }

    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        admit(&req)?;
        self.fs.create_bucket(req).await
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        admit(&req)?;
        self.fs.delete_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        admit(&req)?;
        self.fs.get_bucket_location(req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        admit(&req)?;
        self.fs.list_buckets(req).await
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        admit(&req)?;
        self.fs.list_objects(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        admit(&req)?;
        self.fs.list_objects_v2(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let bucket = req.input.bucket.clone();
        let key = req.input.key.clone();
        let response = self.fs.create_multipart_upload(req).await?;
        if let Some(upload_id) = &response.output.upload_id {
            let record = UploadRecord {
                bucket,
                key,
                initiated: chrono::Utc::now(),
            };
            let json = serde_json::to_vec(&record).map_err(|e| s3_error!(e, InternalError))?;
            write_atomically(&self.record_path(upload_id)?, &json)
                .map_err(|e| s3_error!(e, InternalError))?;
        }
        Ok(response)
    }

    async fn upload_part(
        &self,
        mut req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        // Only a part that comes with a CRC32C is checked; the body of one without (the AWS CLI,
        // boto3 and rclone send none by default) must pass through untouched.
        if let Some(expected) = req.input.checksum_crc32c.clone()
            && let Some(body) = req.input.body.take()
        {
            req.input.body = Some(verify_crc32c(body, expected));
        }
        let checksum = req.input.checksum_crc32c.clone();
        let (upload_id, part_number) = (req.input.upload_id.clone(), req.input.part_number);
        let mut response = self.fs.upload_part(req).await.map_err(|e| {
            if e.message().is_some_and(|m| m.contains("mismatch"))
                || e.to_string().contains("mismatch")
            {
                s3_error!(BadDigest, "x-amz-checksum-crc32c does not match the part")
            } else {
                e
            }
        })?;
        // A part still arriving when its upload was aborted must not outlive it (S3 itself may keep
        // such parts until a second abort; here there is no second chance, so drop it now).
        if !self.record_path(&upload_id)?.exists() {
            let part = self
                .objects
                .join(format!(".upload_id-{upload_id}.part-{part_number}"));
            let _ = std::fs::remove_file(part);
            return Err(s3_error!(NoSuchUpload, "the multipart upload was aborted"));
        }
        response.output.checksum_crc32c = checksum;
        Ok(response)
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        // s3s-fs lists sizes only; S3 also gives each part's ETag and checksum, which a client
        // resuming an upload checks its file against. Parts were checked (CRC32C) when they came,
        // and are read back here to say what they hold.
        let upload_id = req.input.upload_id.clone();
        let mut response = self.fs.list_parts(req).await?;
        let objects = self.objects.clone();
        let parts = response.output.parts.take().unwrap_or_default();
        let parts = tokio::task::spawn_blocking(move || {
            parts
                .into_iter()
                .map(|mut part| {
                    let number = part.part_number.unwrap_or(0);
                    let path = objects.join(format!(".upload_id-{upload_id}.part-{number}"));
                    if let Ok((md5, crc)) = digests(&path) {
                        part.e_tag = Some(s3s::dto::ETag::Strong(md5));
                        part.checksum_crc32c = Some(crc);
                    }
                    part
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| s3_error!(e, InternalError))?;
        response.output.parts = Some(parts);
        Ok(response)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        let upload_id = req.input.upload_id.clone();
        let response = self.fs.complete_multipart_upload(req).await?;
        self.forget_upload(&upload_id);
        Ok(response)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        admit(&req)?;
        check_key(&req.input.key)?;
        // Forget the upload first: a part that finishes writing after this point sees it gone and
        // removes itself, and one that finished before is removed by the abort below.
        let upload_id = req.input.upload_id.clone();
        let known = self.record_path(&upload_id)?.exists();
        self.forget_upload(&upload_id);
        if !known {
            // Aborted before: a client aborts again when a late part shows up. S3 answers
            // NoSuchUpload here; s3s-fs would say AccessDenied, which reads as a wrong secret.
            self.remove_upload_files(&upload_id);
            return Err(s3_error!(NoSuchUpload, "the multipart upload was aborted"));
        }
        match self.fs.abort_multipart_upload(req).await {
            Err(e) if *e.code() == S3ErrorCode::InternalError => {
                // A late part removed itself while s3s-fs was sweeping (its sweep stops at the
                // first vanished file): finish the sweep here, tolerating such races.
                tracing::debug!(upload_id, error = %e, "finishing an interrupted abort");
                self.remove_upload_files(&upload_id);
                Ok(S3Response::new(AbortMultipartUploadOutput::default()))
            }
            result => result,
        }
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        admit(&req)?;
        let bucket = req.input.bucket;
        let prefix = req.input.prefix.unwrap_or_default();
        let mut uploads = Vec::new();
        let entries = std::fs::read_dir(&self.uploads).map_err(|e| s3_error!(e, InternalError))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(upload_id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            let Ok(record) = serde_json::from_slice::<UploadRecord>(&bytes) else {
                continue;
            };
            if record.bucket == bucket && record.key.starts_with(&prefix) {
                uploads.push(MultipartUpload {
                    key: Some(record.key),
                    upload_id: Some(upload_id.to_owned()),
                    initiated: Some(Timestamp::from(std::time::SystemTime::from(
                        record.initiated,
                    ))),
                    ..Default::default()
                });
            }
        }
        uploads.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(S3Response::new(ListMultipartUploadsOutput {
            bucket: Some(bucket),
            uploads: Some(uploads),
            is_truncated: Some(false),
            ..Default::default()
        }))
    }
}
