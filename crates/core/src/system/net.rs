//! How LinkDrop's HTTP clients reach servers. A server on this computer (the embedded store, a
//! MinIO on localhost) is always reached directly: a proxy in the environment must never see an
//! upload meant for loopback, and could not deliver it anyway. Any other server goes through the
//! proxy the environment names (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`), unless `NO_PROXY`
//! names it, as curl and the AWS CLI do.

use std::sync::OnceLock;

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// This computer: `127.0.0.0/8`, `::1` or `localhost` (plain HTTP never leaves it).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

/// [`is_loopback`] for a URL given as text; text that is not a URL is not loopback.
pub fn is_loopback_str(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| is_loopback(&u))
}

/// The S3 client's HTTP client for `endpoint` (`None`: AWS's own endpoints). One of two shared
/// clients: their connection pools and TLS roots are made once per process, not per bucket.
pub fn sdk_http_client(endpoint: Option<&str>) -> SharedHttpClient {
    static DIRECT: OnceLock<SharedHttpClient> = OnceLock::new();
    static FROM_ENV: OnceLock<SharedHttpClient> = OnceLock::new();
    if endpoint.is_some_and(is_loopback_str) {
        DIRECT
            .get_or_init(|| sdk_client(ProxyConfig::disabled))
            .clone()
    } else {
        FROM_ENV
            .get_or_init(|| sdk_client(ProxyConfig::from_env))
            .clone()
    }
}

/// The SDK's default client (hyper 1 and rustls), with the proxy rule chosen here.
fn sdk_client(proxy: fn() -> ProxyConfig) -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder = aws_smithy_http_client::ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(proxy()));
        builder.build()
    })
}

/// A plain HTTP client (one that knows nothing of S3) for requests to `url`: direct when it is
/// loopback, else through the environment's proxy unless `NO_PROXY` says otherwise.
pub fn plain_client_for(url: &str) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    if is_loopback_str(url) {
        builder.no_proxy()
    } else {
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_this_computer_only() {
        for url in [
            "http://127.0.0.1:9000",
            "http://127.8.9.10",
            "http://[::1]:9000",
            "http://localhost:9000",
            "http://LOCALHOST",
            "http://minio.localhost:9000",
        ] {
            assert!(is_loopback_str(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:9000",
            "https://s3.amazonaws.com",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "not a url",
        ] {
            assert!(!is_loopback_str(url), "{url}");
        }
    }
}
