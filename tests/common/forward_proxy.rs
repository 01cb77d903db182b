//! A forward HTTP proxy, the kind `HTTP_PROXY` names, that writes down every request it is asked
//! to carry. With an upstream it carries each one there, whatever host the request names (so a
//! test can name a server "elsewhere", on a host name that resolves nowhere, and still reach a
//! local one through the proxy); without one it answers 502, like a proxy that cannot reach this
//! computer's loopback.
// Each test binary that includes this uses only some of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

type Body = BoxBody<Bytes, hyper::Error>;

pub struct ForwardProxy {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ForwardProxy {
    pub fn start(upstream: Option<SocketAddr>) -> ForwardProxy {
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let seen = requests.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let seen = seen.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let seen = seen.clone();
                            async move { Ok::<_, Infallible>(carry(req, upstream, &seen).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(socket), service)
                            .await;
                    });
                }
            });
        });
        ForwardProxy {
            addr: rx.recv().unwrap(),
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request asked of the proxy so far: `METHOD target`.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(status: u16, text: &str) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(text.to_owned()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
    response
}

async fn carry(
    mut req: Request<Incoming>,
    upstream: Option<SocketAddr>,
    seen: &Mutex<Vec<String>>,
) -> Response<Body> {
    seen.lock()
        .unwrap()
        .push(format!("{} {}", req.method(), req.uri()));
    let Some(upstream) = upstream else {
        return answer(502, "this proxy reaches nothing");
    };
    if req.method() == hyper::Method::CONNECT {
        return answer(502, "no tunnels here");
    }
    // What a proxy sends on: the path alone, the Host header as the client signed it.
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    *req.uri_mut() = path.parse().unwrap();
    req.headers_mut().remove("proxy-connection");
    let Ok(stream) = TcpStream::connect(upstream).await else {
        return answer(502, "upstream down");
    };
    let Ok((mut sender, connection)) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        return answer(502, "upstream handshake failed");
    };
    tokio::spawn(connection);
    match sender.send_request(req).await {
        Ok(response) => response.map(|b| b.boxed()),
        Err(e) => answer(502, &e.to_string()),
    }
}
