//! End-to-end encryption of shared files: AES-256-GCM in fixed-size chunks, the STREAM
//! construction (a nonce prefix, a chunk counter and a last-chunk flag in every nonce), so that a
//! reordered, truncated, extended or altered object fails to decrypt instead of giving a wrong
//! file. `ENCRYPTION.md` at the repository's root is the format; the share page's script
//! decrypts it with WebCrypto.
//!
//! The key never leaves this computer except in the link's `#fragment`, which browsers do not
//! send to any server.

use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rand::RngCore;

/// "LDE1": LinkDrop encryption, format 1.
pub const MAGIC: &[u8; 4] = b"LDE1";
/// Plaintext bytes per chunk (the last may be shorter, or empty for an empty file).
pub const CHUNK: usize = 64 * 1024;
pub const HEADER_LEN: usize = 16;
pub const TAG_LEN: usize = 16;
/// The name an encrypted object and its link carry: nothing about the file.
pub const ENCRYPTED_NAME: &str = "data";

/// A share's key: 32 random bytes. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<secret>)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptError {
    #[error("not a LinkDrop encrypted object (no LDE1 header)")]
    NotEncrypted,
    #[error("the object was changed, cut short or reordered, or the key is wrong (chunk {chunk})")]
    Tampered { chunk: u64 },
    #[error("the key in the link is not a LinkDrop key")]
    BadKey,
}

impl Key {
    pub fn random() -> Key {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Key(bytes)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    /// The key as the link's fragment carries it: base64url, no padding (43 characters).
    pub fn to_text(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_text(text: &str) -> Result<Key, CryptError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| CryptError::BadKey)?;
        Ok(Key(bytes.try_into().map_err(|_| CryptError::BadKey)?))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&self.0).expect("a 32-byte key")
    }
}

/// The header: magic, chunk size (u32, big-endian), a 7-byte random nonce prefix, a zero byte.
/// It is also each chunk's associated data, so a header swapped from another object fails too.
fn header(prefix: &[u8; 7]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4..8].copy_from_slice(&(CHUNK as u32).to_be_bytes());
    h[8..15].copy_from_slice(prefix);
    h
}

fn nonce(prefix: &[u8], counter: u32, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..7].copy_from_slice(prefix);
    n[7..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// The size of the object for `plain` bytes.
pub fn encrypted_size(plain: u64) -> u64 {
    let chunks = plain.div_ceil(CHUNK as u64).max(1);
    HEADER_LEN as u64 + plain + chunks * TAG_LEN as u64
}

/// How one file is encrypted: the key, its own random nonce prefix and its plaintext size. Any
/// byte range of the encrypted object can be made on its own from the chunks it covers, so the
/// parts of an upload are encrypted as they are sent, side by side, with no copy on disk. A chunk
/// that straddles two ranges is encrypted for each, to the same bytes: the object is a pure
/// function of the key, the prefix and the plaintext.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
    head: [u8; HEADER_LEN],
    plain_size: u64,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("plain_size", &self.plain_size)
            .finish_non_exhaustive()
    }
}

/// What a whole chunk takes in the object: its ciphertext and its tag.
const STORED_CHUNK: u64 = (CHUNK + TAG_LEN) as u64;

impl Sealer {
    /// A fresh nonce prefix for a file of `plain_size` bytes; `prefix` fixes it for test vectors.
    pub fn new(key: &Key, plain_size: u64, prefix: Option<[u8; 7]>) -> Sealer {
        let prefix = prefix.unwrap_or_else(|| {
            let mut p = [0u8; 7];
            rand::rng().fill_bytes(&mut p);
            p
        });
        Sealer {
            cipher: key.cipher(),
            head: header(&prefix),
            plain_size,
        }
    }

    pub fn stored_size(&self) -> u64 {
        encrypted_size(self.plain_size)
    }

    fn chunks(&self) -> u64 {
        self.plain_size.div_ceil(CHUNK as u64).max(1)
    }

    /// Bytes `offset..offset + length` of the encrypted object. `read(at, buf)` fills `buf` with
    /// the plaintext at `at`; it is asked only for the chunks the range covers.
    pub fn encrypt_range(
        &self,
        offset: u64,
        length: u64,
        mut read: impl FnMut(u64, &mut [u8]) -> std::io::Result<()>,
    ) -> std::io::Result<Vec<u8>> {
        let end = offset
            .checked_add(length)
            .filter(|&end| end <= self.stored_size())
            .ok_or_else(|| std::io::Error::other("range beyond the encrypted object"))?;
        let mut out = Vec::with_capacity(length as usize);
        let head_len = HEADER_LEN as u64;
        if offset < head_len {
            out.extend_from_slice(&self.head[offset as usize..end.min(head_len) as usize]);
        }
        let mut chunk = offset.saturating_sub(head_len) / STORED_CHUNK;
        let mut buf = Vec::with_capacity(STORED_CHUNK as usize);
        while chunk < self.chunks() {
            let start = head_len + chunk * STORED_CHUNK;
            if start >= end {
                break;
            }
            let plain_at = chunk * CHUNK as u64;
            let plain_len = (self.plain_size - plain_at).min(CHUNK as u64) as usize;
            buf.resize(plain_len, 0);
            read(plain_at, &mut buf)?;
            let counter = u32::try_from(chunk)
                .map_err(|_| std::io::Error::other("file too large to encrypt (2^32 chunks)"))?;
            let last = chunk + 1 == self.chunks();
            let tag = self
                .cipher
                .encrypt_in_place_detached(
                    Nonce::from_slice(&nonce(&self.head[8..15], counter, last)),
                    &self.head,
                    &mut buf,
                )
                .map_err(|_| std::io::Error::other("encryption failed"))?;
            buf.extend_from_slice(&tag);
            let from = offset.max(start) - start;
            let to = (end - start).min(buf.len() as u64);
            out.extend_from_slice(&buf[from as usize..to as usize]);
            chunk += 1;
        }
        Ok(out)
    }
}

/// The whole encrypted object for `plain` in memory (a page's sealed list, tests).
pub fn encrypt_all(key: &Key, plain: &[u8], prefix: Option<[u8; 7]>) -> Vec<u8> {
    let sealer = Sealer::new(key, plain.len() as u64, prefix);
    sealer
        .encrypt_range(0, sealer.stored_size(), |at, buf| {
            buf.copy_from_slice(&plain[at as usize..at as usize + buf.len()]);
            Ok(())
        })
        .expect("reading from memory")
}

/// Decrypts a whole object (for tests and the command line's checks; the page decrypts in the
/// browser the same way).
pub fn decrypt(key: &Key, object: &[u8]) -> Result<Vec<u8>, CryptError> {
    if object.len() < HEADER_LEN + TAG_LEN || &object[..4] != MAGIC {
        return Err(CryptError::NotEncrypted);
    }
    let head = &object[..HEADER_LEN];
    let chunk = u32::from_be_bytes(head[4..8].try_into().unwrap_or_default()) as usize;
    if chunk == 0 {
        return Err(CryptError::NotEncrypted);
    }
    let prefix = &head[8..15];
    let cipher = key.cipher();
    let mut out = Vec::with_capacity(object.len());
    let mut rest = &object[HEADER_LEN..];
    let mut counter: u32 = 0;
    loop {
        let take = rest.len().min(chunk + TAG_LEN);
        let last = take == rest.len();
        let opened = cipher
            .decrypt(
                Nonce::from_slice(&nonce(prefix, counter, last)),
                Payload {
                    msg: &rest[..take],
                    aad: head,
                },
            )
            .map_err(|_| CryptError::Tampered {
                chunk: u64::from(counter),
            })?;
        out.extend_from_slice(&opened);
        rest = &rest[take..];
        if last {
            return Ok(out);
        }
        counter += 1;
    }
}

/// Encrypts a small value whole (the page's list of names and types): one stream of its own.
pub fn seal(key: &Key, plain: &[u8]) -> Vec<u8> {
    encrypt_all(key, plain, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_bytes(core::array::from_fn(|i| i as u8))
    }

    #[test]
    fn round_trips_at_every_boundary() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let object = encrypt_all(&key(), &plain, None);
            assert_eq!(object.len() as u64, encrypted_size(len as u64), "{len}");
            assert_eq!(decrypt(&key(), &object).unwrap(), plain, "{len}");
        }
    }

    /// An upload's parts are encrypted apart, at any boundary: side by side they are the object.
    #[test]
    fn ranges_cut_anywhere_join_into_the_whole_object() {
        let plain: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i * 7 % 253) as u8).collect();
        let prefix = Some(*b"abcdefg");
        let whole = encrypt_all(&key(), &plain, prefix);
        let sealer = Sealer::new(&key(), plain.len() as u64, prefix);
        let read = |at: u64, buf: &mut [u8]| {
            buf.copy_from_slice(&plain[at as usize..at as usize + buf.len()]);
            Ok(())
        };
        for cut in [1u64, 15, 16, 17, 65_551, 65_552, 65_568, 100_000, 131_120] {
            let mut joined = sealer.encrypt_range(0, cut, read).unwrap();
            let rest = sealer.stored_size() - cut;
            joined.extend(sealer.encrypt_range(cut, rest, read).unwrap());
            assert_eq!(joined, whole, "cut at {cut}");
        }
        let middle = sealer.encrypt_range(70_000, 120_000, read).unwrap();
        assert_eq!(middle, whole[70_000..190_000]);
        assert!(sealer.encrypt_range(1, sealer.stored_size(), read).is_err());
        assert_eq!(decrypt(&key(), &whole).unwrap(), plain);
    }

    #[test]
    fn tampering_truncation_reordering_and_a_wrong_key_are_caught() {
        let plain = vec![7u8; 2 * CHUNK + 5];
        let object = encrypt_all(&key(), &plain, None);
        let mut flipped = object.clone();
        flipped[HEADER_LEN + 100] ^= 1;
        assert!(matches!(
            decrypt(&key(), &flipped),
            Err(CryptError::Tampered { chunk: 0 })
        ));
        // Cut after the first whole chunk: it now looks last, and its nonce says it is not.
        let cut = &object[..HEADER_LEN + CHUNK + TAG_LEN];
        assert!(matches!(
            decrypt(&key(), cut),
            Err(CryptError::Tampered { chunk: 0 })
        ));
        // Two whole chunks swapped.
        let a = HEADER_LEN..HEADER_LEN + CHUNK + TAG_LEN;
        let b = a.end..a.end + CHUNK + TAG_LEN;
        let mut swapped = object[..HEADER_LEN].to_vec();
        swapped.extend_from_slice(&object[b.clone()]);
        swapped.extend_from_slice(&object[a]);
        swapped.extend_from_slice(&object[b.end..]);
        assert!(matches!(
            decrypt(&key(), &swapped),
            Err(CryptError::Tampered { chunk: 0 })
        ));
        assert!(matches!(
            decrypt(&Key::random(), &object),
            Err(CryptError::Tampered { .. })
        ));
        assert_eq!(
            decrypt(&key(), b"plain text, not ours"),
            Err(CryptError::NotEncrypted)
        );
    }

    /// The vector in ENCRYPTION.md: fixed key and prefix, so the page's decryption (and any other
    /// implementation) can be checked against it.
    #[test]
    fn the_documented_vector_holds() {
        let object = encrypt_all(
            &key(),
            b"hello, LinkDrop",
            Some(*b"\x01\x02\x03\x04\x05\x06\x07"),
        );
        let hex: String = object.iter().map(|b| format!("{b:02x}")).collect();
        // "LDE1", 65536, the prefix, a zero byte; then 15 bytes of ciphertext and the tag.
        assert_eq!(&hex[..32], "4c444531000100000102030405060700");
        assert_eq!(object.len(), HEADER_LEN + 15 + TAG_LEN);
        assert_eq!(
            hex,
            include_str!("../../../../tests/vectors/encryption-hello.hex").trim()
        );
        assert_eq!(decrypt(&key(), &object).unwrap(), b"hello, LinkDrop");
    }

    #[test]
    fn keys_travel_as_43_characters_and_come_back() {
        let k = Key::random();
        assert_eq!(k.to_text().len(), 43);
        assert_eq!(Key::from_text(&k.to_text()).unwrap(), k);
        assert_eq!(Key::from_text("short"), Err(CryptError::BadKey));
        assert_eq!(format!("{k:?}"), "Key(<secret>)");
    }
}
