//! The store's front door: every HTTP request passes here before s3s sees it. It answers the
//! challenge that proves the store is the user's own (`identity`), and writes one log line per
//! request: method, path, status and time, never the query string or a header, which carry
//! signatures. Requests refused for their credentials are the sender's mistake, not the store's:
//! they are logged at debug level only, so an anonymous flood cannot fill the disk.

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use hyper::body::Incoming;
use hyper::http;
use s3s::service::S3Service;
use s3s::{Body, HttpError, HttpResponse};

use super::identity;

#[derive(Clone)]
pub(super) struct Gate {
    s3: S3Service,
    secret: Arc<str>,
    port: u16,
    /// Ports this store moved off because a stranger holds them (see `host_is_ours`).
    ports_left: Arc<[u16]>,
}

impl Gate {
    pub(super) fn new(s3: S3Service, secret: &str, port: u16, mut ports_left: Vec<u16>) -> Gate {
        // A port left long ago may be free again and taken back.
        ports_left.retain(|&p| p != port);
        Gate {
            s3,
            secret: secret.into(),
            port,
            ports_left: ports_left.into(),
        }
    }

    /// The request does not name a port this store moved off. A link made for that port now
    /// reaches the stranger who holds it, who could replay it here with its Host header (which
    /// its signature covers); such a request is refused. Other names pass: a proxy or tunnel in
    /// front of the store signs for its own.
    fn host_is_ours(&self, req: &http::Request<Incoming>) -> bool {
        let Some(host) = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
        else {
            return true;
        };
        let Some((name, given)) = host.rsplit_once(':') else {
            return true;
        };
        let loopback = matches!(
            name.to_ascii_lowercase().as_str(),
            "127.0.0.1" | "localhost" | "[::1]"
        );
        !(loopback
            && given
                .parse::<u16>()
                .is_ok_and(|p| self.ports_left.contains(&p)))
    }

    async fn handle(self, req: http::Request<Incoming>) -> Result<HttpResponse, HttpError> {
        let started = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let mut response = if path == identity::HELLO_PATH {
            self.hello(req.uri().query().unwrap_or_default())
        } else if !self.host_is_ours(&req) {
            plain(
                421,
                "this store has moved off the port this request names\n",
            )
        } else {
            self.s3.call(req.map(Body::from)).await?
        };
        // s3s writes an error document for every error; a 304 carries no body.
        if response.status() == http::StatusCode::NOT_MODIFIED {
            *response.body_mut() = Body::empty();
            response.headers_mut().remove(http::header::CONTENT_TYPE);
            response.headers_mut().remove(http::header::CONTENT_LENGTH);
        }
        let status = response.status();
        let took = started.elapsed();
        if status.is_server_error() {
            tracing::warn!(%method, path, status = status.as_u16(), ?took, "the store failed a request");
        } else {
            tracing::debug!(%method, path, status = status.as_u16(), ?took, "request");
        }
        Ok(response)
    }

    /// `GET /.linkdrop/hello?nonce=HEX`: the HMAC of the challenge, which only the user's store
    /// can give (see `identity`).
    fn hello(&self, query: &str) -> HttpResponse {
        let nonce = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "nonce")
            .map(|(_, value)| value.into_owned())
            .filter(|n| identity::valid_nonce(n));
        match nonce {
            Some(nonce) => plain(200, &identity::answer(&self.secret, self.port, &nonce)),
            None => plain(400, "a challenge is 32 to 128 hex digits\n"),
        }
    }
}

fn plain(status: u16, body: &str) -> HttpResponse {
    let mut response = http::Response::new(Body::from(body.to_owned()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    response
}

impl hyper::service::Service<http::Request<Incoming>> for Gate {
    type Response = HttpResponse;
    type Error = HttpError;
    type Future = BoxFuture<'static, Result<HttpResponse, HttpError>>;

    fn call(&self, req: http::Request<Incoming>) -> Self::Future {
        Box::pin(self.clone().handle(req))
    }
}
