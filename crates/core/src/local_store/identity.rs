//! How LinkDrop knows that the store answering on a loopback port is its own. A port is not an
//! identity: once the store is down (a reboot, a crash, a kill) any account on the computer may
//! listen on it, and would then be sent every file shared. So before a byte of a file goes to the
//! store, the client sends a fresh random challenge and the store answers with an HMAC of it keyed
//! by the profile's secret, which only the user's store holds. The port the store listens on is in
//! what is signed: a squatter that relays the challenge to the real store (moved to another port)
//! gets an answer for the wrong port.

use std::net::SocketAddr;
use std::time::Duration;

use hmac::{KeyInit, Mac};

/// The path of the challenge. No S3 request can ask for it: bucket names never start with a dot.
pub const HELLO_PATH: &str = "/.linkdrop/hello";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// What is signed: a label no S3 signature starts with, the port, the challenge.
fn mac(secret: &str, port: u16, nonce: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("LinkDrop store hello v1\n{port}\n{nonce}").as_bytes());
    mac
}

/// The store's answer to `nonce`, as lowercase hex.
pub fn answer(secret: &str, port: u16, nonce: &str) -> String {
    data_encoding::HEXLOWER.encode(&mac(secret, port, nonce).finalize().into_bytes())
}

/// A challenge is 32 to 128 hex digits; anything else is not one of ours.
pub fn valid_nonce(nonce: &str) -> bool {
    (32..=128).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Who answers on a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listener {
    /// The user's own store: it proved it holds the secret.
    Ours,
    /// Something else: another program, another account's server, a store with another secret.
    Stranger { detail: String },
    /// Something of the user's own listens there and does not answer (a store that is stopped or
    /// hung): not a stranger, whom the user would have to fear, and not proved ours either.
    Silent,
    /// Nothing listens there.
    Nobody,
}

/// Asks whoever listens on `addr` to prove it is the store keyed by `secret`. Nothing but the
/// challenge is sent; the connection goes direct, never through a proxy.
pub async fn who_listens(addr: SocketAddr, secret: &str) -> Listener {
    let nonce = data_encoding::HEXLOWER.encode(&rand::random::<[u8; 32]>());
    let url = format!("http://{addr}{HELLO_PATH}?nonce={nonce}");
    let client = match reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            return Listener::Stranger {
                detail: e.to_string(),
            };
        }
    };
    let response = match client.get(&url).send().await {
        Ok(response) => response,
        Err(e) if e.is_connect() => return Listener::Nobody,
        // Only the user's own programs are given the benefit of the doubt: a port held by
        // another account that will not answer is a stranger's.
        Err(e) if e.is_timeout() && listener_is_the_users(addr) => return Listener::Silent,
        Err(e) => {
            return Listener::Stranger {
                detail: format!("it did not answer LinkDrop's challenge ({e})"),
            };
        }
    };
    let status = response.status();
    let Some(body) = read_at_most(response, MAX_ANSWER).await else {
        return Listener::Stranger {
            detail: format!("it answered LinkDrop's challenge with HTTP {status}"),
        };
    };
    let proof = data_encoding::HEXLOWER_PERMISSIVE.decode(body.trim_ascii());
    match proof {
        Ok(proof)
            if status.is_success()
                && mac(secret, addr.port(), &nonce)
                    .verify_slice(&proof)
                    .is_ok() =>
        {
            Listener::Ours
        }
        _ => Listener::Stranger {
            detail: format!(
                "it answered LinkDrop's challenge with HTTP {status}, without the proof"
            ),
        },
    }
}

/// An answer is 64 hex digits; a stranger's body is not read further than this.
const MAX_ANSWER: usize = 256;

/// The body, read chunk by chunk and given up on (`None`) as soon as it passes `limit` bytes, so
/// a stranger that streams gigabytes costs no memory.
async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > limit {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

/// Whether the socket listening on `addr` belongs to this user (Linux: the uid the kernel shows
/// for it in /proc/net/tcp). Elsewhere this cannot be told, and it is taken as not.
fn listener_is_the_users(addr: SocketAddr) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .filter_map(|table| std::fs::read_to_string(table).ok())
            .any(|table| listening_uids(&table, addr).contains(&me))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = addr;
        false
    }
}

/// The uids of the sockets in a /proc/net/tcp(6) table that would take a connection to `addr`:
/// listening on its port, bound to its address or to every address. (Another account's socket on
/// 127.0.0.2 with the same port does not make a socket of ours on 127.0.0.1 its owner's.)
#[cfg(any(target_os = "linux", test))]
fn listening_uids(table: &str, addr: SocketAddr) -> Vec<u32> {
    listening_sockets(table, addr)
        .into_iter()
        .map(|(uid, _)| uid)
        .collect()
}

/// The owner's uid and the socket's inode of each such socket.
#[cfg(any(target_os = "linux", test))]
pub(super) fn listening_sockets(table: &str, addr: SocketAddr) -> Vec<(u32, u64)> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local_ip, local_port) = fields.get(1)?.rsplit_once(':')?;
            let listening = *fields.get(3)? == LISTEN;
            let takes = listening
                && u16::from_str_radix(local_port, 16).ok()? == addr.port()
                && would_take(kernel_ip(local_ip)?, addr.ip());
            takes
                .then(|| Some((fields.get(7)?.parse().ok()?, fields.get(9)?.parse().ok()?)))
                .flatten()
        })
        .collect()
}

/// An address as /proc/net/tcp(6) prints it: each 32-bit word of the address in network order,
/// printed as a native-endian number.
#[cfg(any(target_os = "linux", test))]
fn kernel_ip(hex: &str) -> Option<std::net::IpAddr> {
    let words: Option<Vec<[u8; 4]>> = (0..hex.len() / 8)
        .map(|i| {
            let word = hex.get(i * 8..i * 8 + 8)?;
            Some(u32::from_str_radix(word, 16).ok()?.to_ne_bytes())
        })
        .collect();
    let bytes: Vec<u8> = words?.concat();
    match bytes.len() {
        4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

/// Whether a socket bound to `bound` takes connections to `wanted`.
#[cfg(any(target_os = "linux", test))]
fn would_take(bound: std::net::IpAddr, wanted: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    let as_v4 = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    bound.is_unspecified() || as_v4(bound) == as_v4(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_depends_on_the_secret_the_port_and_the_challenge() {
        let nonce = "00112233445566778899aabbccddeeff";
        let base = answer("secret", 9000, nonce);
        assert_eq!(base.len(), 64);
        assert_eq!(base, answer("secret", 9000, nonce), "deterministic");
        assert_ne!(base, answer("other secret", 9000, nonce));
        assert_ne!(base, answer("secret", 9001, nonce));
        assert_ne!(
            base,
            answer("secret", 9000, "00112233445566778899aabbccddeefe")
        );
    }

    #[test]
    fn the_owner_of_a_listening_socket_is_read_from_the_kernels_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 20 4 30 10 -1
   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000    65534        0 99 1 0 100 0 0 10 0";
        let at = |ip: &str, port| SocketAddr::new(ip.parse().unwrap(), port);
        assert_eq!(
            listening_uids(table, at("127.0.0.1", 8080)),
            [1000],
            "only the listening socket counts"
        );
        assert!(
            listening_uids(table, at("127.0.0.2", 8080)).is_empty(),
            "a socket on another address is not the one connected to"
        );
        assert_eq!(
            listening_uids(table, at("127.0.0.1", 22)),
            [65534],
            "a socket on every address takes loopback's connections"
        );
        assert!(listening_uids(table, at("127.0.0.1", 9000)).is_empty());
    }

    #[test]
    fn addresses_are_read_as_the_kernel_prints_them() {
        let v6_loopback = "00000000000000000000000001000000";
        let v6_mapped = "0000000000000000FFFF00000100007F";
        if cfg!(target_endian = "little") {
            assert_eq!(kernel_ip("0100007F"), Some("127.0.0.1".parse().unwrap()));
            assert_eq!(kernel_ip(v6_loopback), Some("::1".parse().unwrap()));
            let mapped = kernel_ip(v6_mapped).unwrap();
            assert!(would_take(mapped, "127.0.0.1".parse().unwrap()));
        }
        assert!(would_take(
            kernel_ip(&"0".repeat(32)).unwrap(),
            "::1".parse().unwrap()
        ));
        assert!(!would_take(
            "::1".parse().unwrap(),
            "127.0.0.1".parse().unwrap()
        ));
        assert_eq!(kernel_ip("zz"), None);
    }

    #[tokio::test]
    async fn a_strangers_endless_answer_is_not_read_to_its_end() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = sent.clone();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
            while socket.write_all(chunk.as_bytes()).await.is_ok() {
                counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
            }
        });
        let started = std::time::Instant::now();
        let said = who_listens(addr, "secret").await;
        assert!(matches!(said, Listener::Stranger { .. }), "{said:?}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "it read until the timeout"
        );
        let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
        assert!(sent < 64 << 20, "{sent} bytes were taken in");
    }

    #[test]
    fn only_hex_challenges_of_a_sane_length_are_taken() {
        assert!(valid_nonce(&"a".repeat(64)));
        assert!(!valid_nonce(&"a".repeat(31)));
        assert!(!valid_nonce(&"a".repeat(129)));
        assert!(!valid_nonce(&format!("{}g", "a".repeat(40))));
    }
}
