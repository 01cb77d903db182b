//! LinkDrop's domain: share files through your own S3 bucket as expiring presigned links.
//!
//! Everything a front end does goes through here, and nothing here knows a front end: no Tauri,
//! GTK or WebKit is in this crate's dependency tree (`tests/architecture.rs` checks it), so the
//! command line (`crates/cli`) and the window (`src-tauri/`) call the same functions.
//!
//! The rooms, from the bottom up (each may use only those before it; `tests/architecture.rs`):
//! - `error`: the one list of error codes (`ErrorCode`) and the trait that names them;
//! - `system`: paths, logging, the network's rules, text for terminals;
//! - `capture`: what is shared without being a file yet (the clipboard's image or text);
//! - `profiles`: profiles, providers, expiry, preferences; `credentials`: keychain and AWS profiles;
//! - `storage`: a bucket session, uploads, presigning, the upload journal;
//! - `local_store`: the embedded S3 store;
//! - `links`: the history ledger and what is done to a link (re-issue, revoke, forget);
//! - `share`: the pipeline from a file to a link (archive, object keys, secrets);
//! - `pages`: share pages, several files behind one link;
//! - `requests`: upload requests, links that let others send files into the bucket;
//! - `tidy`: what LinkDrop keeps in a bucket (the storage view), and putting it in order;
//! - `check`: the connection check; `settings`: editing profiles as the window and CLI do;
//! - `context`: where the files and secrets are, handed to every function above.

pub mod capture;
pub mod check;
mod context;
pub mod credentials;
pub mod error;
pub mod links;
pub mod local_store;
pub mod pages;
pub mod profiles;
pub mod requests;
pub mod settings;
pub mod share;
pub mod storage;
pub mod system;
pub mod tidy;

pub use context::Context;
