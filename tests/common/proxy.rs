//! A small HTTP proxy in front of a real S3-compatible server that makes it behave like an S3 the
//! tests cannot run here: one whose clock is off, whose bucket lives in another region (AWS answers
//! 301 with `x-amz-bucket-region` to a request signed for the wrong one), or that takes any upload
//! form.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Default)]
pub struct Behaviour {
    /// Added to the `Date` header of every response, in seconds.
    pub clock_offset_secs: i64,
    /// The bucket's "real" region: requests signed for another one get AWS's redirect.
    pub bucket_region: Option<String>,
    /// Takes every POST form upload (204) without looking at it, as a server that checks no
    /// signature on forms would.
    pub take_any_form: bool,
}

/// Runs the proxy on its own thread and runtime for as long as the test lives; returns its address.
pub fn start(upstream: SocketAddr, behaviour: Behaviour) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let behaviour = Arc::new(behaviour);
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let behaviour = behaviour.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let behaviour = behaviour.clone();
                        async move { Ok::<_, Infallible>(handle(req, upstream, &behaviour).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
    });
    rx.recv().unwrap()
}

type Body = BoxBody<Bytes, hyper::Error>;

fn full(text: String) -> Body {
    Full::new(Bytes::from(text))
        .map_err(|never| match never {})
        .boxed()
}

/// The region a request was signed for, from its Authorization header or presigned query.
fn signed_region(req: &Request<Incoming>) -> Option<String> {
    let credential = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1).map(str::to_owned))
        .or_else(|| {
            req.uri().query().and_then(|q| {
                q.split('&')
                    .find_map(|kv| kv.strip_prefix("X-Amz-Credential="))
                    .map(|c| c.replace("%2F", "/"))
            })
        })?;
    credential.split('/').nth(2).map(str::to_owned)
}

async fn handle(
    req: Request<Incoming>,
    upstream: SocketAddr,
    behaviour: &Behaviour,
) -> Response<Body> {
    if behaviour.take_any_form && req.method() == hyper::Method::POST {
        // Read to the end, as a server does, or the client sees its upload cut off.
        let _ = req.into_body().collect().await;
        return Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(full(String::new()))
            .unwrap();
    }
    if let (Some(real), Some(signed)) = (&behaviour.bucket_region, signed_region(&req))
        && &signed != real
    {
        let status = if req.method() == hyper::Method::HEAD {
            StatusCode::MOVED_PERMANENTLY
        } else {
            StatusCode::BAD_REQUEST
        };
        return Response::builder()
            .status(status)
            .header("x-amz-bucket-region", real)
            .header("content-type", "application/xml")
            .body(full(format!(
                "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region '{signed}' is wrong; expecting '{real}'</Message><Region>{real}</Region></Error>"
            )))
            .unwrap();
    }
    let stream = match TcpStream::connect(upstream).await {
        Ok(s) => s,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(full(e.to_string()))
                .unwrap();
        }
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut response = match sender.send_request(req).await {
        Ok(r) => r,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(full(e.to_string()))
                .unwrap();
        }
    };
    if behaviour.clock_offset_secs != 0 {
        let shifted = chrono::Utc::now() + chrono::TimeDelta::seconds(behaviour.clock_offset_secs);
        let date = shifted.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        response.headers_mut().insert("date", date.parse().unwrap());
    }
    response.map(|b| b.boxed())
}
