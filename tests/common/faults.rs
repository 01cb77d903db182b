//! A fault-injecting HTTP proxy in front of a real S3-compatible server, on tokio: what toxiproxy
//! would do (it is not packaged here), with S3 in mind. It can answer some requests itself with a
//! 500 or a 503 SlowDown, reset the connection part-way through a request body, hold a request
//! (stall), and go away entirely (refuse and cut every connection) and come back on the same port.
//! Everything else is passed through untouched, so signatures stay valid.
// Each test binary that includes this uses only some of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::AbortHandle;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `PUT …?partNumber=N&uploadId=…`
    UploadPart,
    /// A PUT of a whole object.
    PutObject,
    /// `POST …?uploadId=…`
    CompleteMultipartUpload,
    /// `DELETE /bucket/key`
    DeleteObject,
}

impl Target {
    fn matches(self, req: &Request<Incoming>) -> bool {
        let query = req.uri().query().unwrap_or_default();
        let part = query.contains("partNumber=") && query.contains("uploadId=");
        match self {
            Target::UploadPart => req.method() == hyper::Method::PUT && part,
            Target::PutObject => {
                req.method() == hyper::Method::PUT
                    && !part
                    && req.uri().path().matches('/').count() > 1
            }
            Target::CompleteMultipartUpload => {
                req.method() == hyper::Method::POST && query.contains("uploadId=")
            }
            Target::DeleteObject => {
                req.method() == hyper::Method::DELETE && !query.contains("uploadId=")
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer with this status and S3 error code, without passing the request on.
    Status(u16, &'static str),
    /// Read this many bytes of the request body, then cut the connection.
    ResetAfter(usize),
    /// Hold the request this long, then pass it on.
    Stall(Duration),
    /// Answer with this status and an empty body, as if it had been done, without passing the
    /// request on (a server that lies).
    Pretend(u16),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub target: Target,
    /// Let this many matching requests through first.
    pub skip: usize,
    /// Then fault this many (`usize::MAX`: all).
    pub times: usize,
    pub fault: Fault,
}

struct State {
    upstream: SocketAddr,
    rules: Mutex<Vec<Rule>>,
    down: AtomicBool,
    /// One line per request: `PUT /bucket/key?partNumber=2… -> 503`.
    log: Mutex<Vec<String>>,
    connections: Mutex<Vec<AbortHandle>>,
    listener: Mutex<Option<AbortHandle>>,
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    runtime: tokio::runtime::Handle,
    _thread: std::thread::JoinHandle<()>,
}

type Body = BoxBody<Bytes, hyper::Error>;

fn text(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/xml")
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap()
}

impl FaultProxy {
    /// Starts the proxy on its own thread and runtime, passing everything through to `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            tx.send(runtime.handle().clone()).unwrap();
            runtime.block_on(std::future::pending::<()>());
        });
        let runtime = rx.recv().unwrap();
        let state = Arc::new(State {
            upstream,
            rules: Mutex::default(),
            down: AtomicBool::new(false),
            log: Mutex::default(),
            connections: Mutex::default(),
            listener: Mutex::default(),
        });
        let addr = runtime.block_on(listen(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0))));
        FaultProxy {
            addr,
            state,
            runtime,
            _thread: thread,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn add(&self, rule: Rule) {
        self.state.rules.lock().unwrap().push(rule);
    }

    /// Forgets every rule and the request log.
    pub fn clear(&self) {
        self.state.rules.lock().unwrap().clear();
        self.state.log.lock().unwrap().clear();
    }

    /// Stops listening and cuts every open connection, like a server that went away.
    pub fn go_away(&self) {
        self.state.down.store(true, Ordering::SeqCst);
        if let Some(listener) = self.state.listener.lock().unwrap().take() {
            listener.abort();
        }
        for connection in self.state.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// Listens again, on the same port.
    pub fn come_back(&self) {
        self.state.down.store(false, Ordering::SeqCst);
        let addr = self.runtime.block_on(listen(self.state.clone(), self.addr));
        assert_eq!(addr, self.addr);
    }

    /// What the proxy saw, one line per request, oldest first.
    pub fn log(&self) -> Vec<String> {
        self.state.log.lock().unwrap().clone()
    }
}

async fn listen(state: Arc<State>, addr: SocketAddr) -> SocketAddr {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    // Coming back on the same port may race the old sockets' shutdown for a moment.
    let mut tries = 0;
    loop {
        match socket.bind(addr) {
            Ok(()) => break,
            Err(e) if tries < 50 => {
                let _ = e;
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot listen on {addr}: {e}"),
        }
    }
    let listener = socket.listen(128).unwrap();
    let bound = listener.local_addr().unwrap();
    let accept_state = state.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let state = accept_state.clone();
            let connection = tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let state = state.clone();
                    async move { handle(req, &state).await }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
            accept_state
                .connections
                .lock()
                .unwrap()
                .push(connection.abort_handle());
        }
    });
    *state.listener.lock().unwrap() = Some(task.abort_handle());
    bound
}

/// The fault for this request, if a rule wants one (counting the request against the rule).
fn fault_for(state: &State, req: &Request<Incoming>) -> Option<Fault> {
    let mut rules = state.rules.lock().unwrap();
    for rule in rules.iter_mut() {
        if !rule.target.matches(req) {
            continue;
        }
        if rule.skip > 0 {
            rule.skip -= 1;
            continue;
        }
        if rule.times > 0 {
            rule.times = rule.times.saturating_sub(1);
            return Some(rule.fault);
        }
    }
    None
}

#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by the fault proxy")
    }
}

impl std::error::Error for Cut {}

async fn handle(req: Request<Incoming>, state: &State) -> Result<Response<Body>, Cut> {
    let line = format!(
        "{} {}",
        req.method(),
        req.uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let note = |what: String| state.log.lock().unwrap().push(format!("{line} -> {what}"));
    if state.down.load(Ordering::SeqCst) {
        note("cut (down)".into());
        return Err(Cut);
    }
    match fault_for(state, &req) {
        Some(Fault::Status(status, code)) => {
            note(format!("{status} {code}"));
            // Drain the body so the client sees the answer, not a broken pipe.
            let _ = req.into_body().collect().await;
            return Ok(text(
                status,
                format!(
                    "<Error><Code>{code}</Code><Message>injected by the test</Message></Error>"
                ),
            ));
        }
        Some(Fault::ResetAfter(bytes)) => {
            note(format!("reset after {bytes} bytes"));
            let mut body = req.into_body();
            let mut read = 0;
            while read < bytes {
                match body.frame().await {
                    Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len()),
                    _ => break,
                }
            }
            return Err(Cut);
        }
        Some(Fault::Pretend(status)) => {
            note(format!("pretended {status}"));
            let _ = req.into_body().collect().await;
            return Ok(text(status, String::new()));
        }
        Some(Fault::Stall(how_long)) => {
            note(format!("stalled {how_long:?}"));
            tokio::time::sleep(how_long).await;
        }
        None => note("passed".into()),
    }
    let stream = match TcpStream::connect(state.upstream).await {
        Ok(s) => s,
        Err(e) => return Ok(text(502, e.to_string())),
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Cut)?;
    tokio::spawn(connection);
    match sender.send_request(req).await {
        Ok(response) => Ok(response.map(|b| b.boxed())),
        Err(_) => Err(Cut),
    }
}
