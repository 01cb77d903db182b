//! What LinkDrop needs of the computer it runs on, below everything else: where its files go
//! (`paths`), how it logs (`logging`), how it reaches servers (`net`), how text from outside is
//! shown on a terminal or in a notification (`text`), and the pages it writes (`html`). Uses nothing of the rest of LinkDrop.
//!
//! May use: `error` (`tests/architecture.rs` holds it).

pub mod html;
pub mod logging;
pub mod net;
pub mod paths;
pub mod text;
