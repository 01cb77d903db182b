//! What the command line takes: its commands, flags and arguments (clap). A contract scripts rely
//! on: extend it, never rename. Read by `run` (which carries the commands out) and by `handover`
//! (which reads a second `linkdrop`'s arguments in the window); it uses nothing of either.
//!
//! May use: nothing else of the command line; the domain (`linkdrop`) (`tests/architecture.rs`
//! holds it).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use linkdrop::links::history::Filter;
use linkdrop::profiles::CredentialSource;
use linkdrop::profiles::expiry::Expiry;

/// Environment variable a `profile add … --credentials keychain` reads the secret from.
pub const SECRET_ENV: &str = "LINKDROP_SECRET_ACCESS_KEY";

#[derive(Debug, Parser)]
#[command(
    name = "linkdrop",
    version,
    about = "Share files through your own S3 bucket as expiring links",
    long_about = "Share files through your own S3 bucket as expiring links.\n\nWith no command, opens the LinkDrop window (and shares the FILEs given).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub window: WindowArgs,
}

/// Paths as given, the empty one included: clap's own path parser would call `""` a missing
/// argument, where the file check says what is wrong with it ("an empty path").
fn path_parser() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser as _;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

/// How the window starts (or what a running one is asked to do) when no command is given.
#[derive(Debug, Default, Args)]
pub struct WindowArgs {
    /// Files to share in the window (what a file manager's "Open with LinkDrop" passes)
    #[arg(value_name = "FILE", value_parser = path_parser())]
    pub files: Vec<PathBuf>,
    /// Start in the tray without showing the window (how LinkDrop starts at login)
    #[arg(long)]
    pub hidden: bool,
    /// Open the file dialog and share what is chosen (the desktop entry's "Share link…" action)
    #[arg(long, conflicts_with = "files")]
    pub choose_files: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload files and print a presigned link for each, one per line
    Share(ShareArgs),
    /// Manage storage profiles (buckets and their credentials)
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Upload requests: a link that lets others send files into your bucket
    #[command(subcommand)]
    Request(RequestCommand),
    /// Run the embedded local S3-compatible store in the foreground (with --data: a tiny S3 server
    /// for tests and scripts)
    Serve(ServeArgs),
    /// List the links LinkDrop handed out, newest first
    History(HistoryArgs),
    /// Presign a shared object again, without uploading it again
    Reissue(ReissueArgs),
    /// One page for files shared earlier, by their ids: their links re-issued, nothing uploaded again
    Page(PageArgs),
    /// What LinkDrop keeps in the bucket: its objects, expired links, unfinished uploads and
    /// objects this history does not know; and putting it in order
    Storage(StorageArgs),
    /// Delete a shared object, which kills every link to it (the entry stays, marked revoked)
    Revoke { id: String },
    /// Remove an entry from the history (the object stays unless --delete-object)
    Forget {
        id: String,
        /// Delete the object too
        #[arg(long)]
        delete_object: bool,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only entries whose file name contains TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only entries in this state (expiring-soon: less than a tenth of the link's lifetime left)
    #[arg(long, value_parser = state_parser(), default_value = "all")]
    pub state: Filter,
    /// Print one JSON array
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReissueArgs {
    /// The id `share --json` printed
    pub id: String,
    /// How long the new link works (default: the profile's, or 1h)
    #[arg(long, short = 'e', value_name = "DURATION", allow_hyphen_values = true)]
    pub expires: Option<Expiry>,
    /// Print the same JSON object as `share --json`
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StorageArgs {
    /// Profile to look at (default: the default profile)
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Print one JSON object
    #[arg(long)]
    pub json: bool,
    /// Delete the objects of links that have expired (their entries stay, marked deleted)
    #[arg(long)]
    pub delete_expired: bool,
    /// Abort the unfinished multipart uploads under LinkDrop's prefix
    #[arg(long)]
    pub abort_unfinished: bool,
    /// Delete LinkDrop's objects that this history does not know
    #[arg(long, conflicts_with = "adopt_unknown")]
    pub delete_unknown: bool,
    /// Put LinkDrop's objects that this history does not know into it, as expired links to re-issue
    #[arg(long)]
    pub adopt_unknown: bool,
    /// Show the lifecycle rules LinkDrop would add to the bucket (a backstop that aborts unfinished
    /// uploads even when no LinkDrop runs), and whether they are there
    #[arg(long)]
    pub lifecycle: bool,
    /// Add those rules to the bucket, beside its own (which stay as they are)
    #[arg(long)]
    pub install_lifecycle: bool,
}

#[derive(Debug, Args)]
pub struct PageArgs {
    /// The ids `share --json` or `history --json` printed (files in one bucket)
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// How long the page and its files' new links work (default: the profile's, or 1h)
    #[arg(long, short = 'e', value_name = "DURATION", allow_hyphen_values = true)]
    pub expires: Option<Expiry>,
    /// Print the same JSON object as `share --page --json`
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// Files to share
    #[arg(required_unless_present = "clipboard", value_name = "FILE", value_parser = path_parser())]
    pub files: Vec<PathBuf>,
    /// Share what is on the clipboard instead of files: copied files as they are, an image as a
    /// PNG, text as a UTF-8 .txt file named from its first words
    #[arg(long, conflicts_with = "files")]
    pub clipboard: bool,
    /// How long the links work: 90s, 15m, 1h, 7d, 1h30m (1 second to 7 days; default: the profile's, or 1h)
    #[arg(long, short = 'e', value_name = "DURATION", allow_hyphen_values = true)]
    pub expires: Option<Expiry>,
    /// Profile to share with (default: the default profile)
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Print one JSON object per file (JSON Lines) instead of bare links
    #[arg(long)]
    pub json: bool,
    /// Share in the running LinkDrop window, with its progress and notification (the default at
    /// a terminal without --json); without a running window, share here
    #[arg(long, conflicts_with = "json")]
    pub window: bool,
    /// Share files that look like secrets (private keys, .env files, cloud credentials) without
    /// stopping
    #[arg(long)]
    pub allow_secrets: bool,
    /// One link to a page listing all the files (with previews and downloads) instead of a link
    /// per file; with --json, one object with the page's id, url, expires_at and files
    #[arg(long)]
    pub page: bool,
    /// Encrypt each file on this computer first (AES-256-GCM); the link ends in #KEY, which
    /// browsers never send to a server. Without --page, each file gets its own encrypted page
    #[arg(long)]
    pub encrypt: bool,
    /// Delete the files (and the page) from the bucket once the link has expired, after a grace
    /// period (--grace; default: the profile's, or 1h). The history keeps the entry, marked deleted
    #[arg(long, conflicts_with = "keep_after_expiry")]
    pub delete_after_expiry: bool,
    /// Keep the files after the link expires, whatever the profile's default says
    #[arg(long)]
    pub keep_after_expiry: bool,
    /// How long after the expiry the files are deleted (with --delete-after-expiry)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub grace: Option<Expiry>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a profile; with keychain credentials the secret is read from LINKDROP_SECRET_ACCESS_KEY or stdin
    Add(ProfileAddArgs),
    /// List profiles
    List {
        /// Print a JSON array
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its keychain entry (the bucket and its objects are not touched)
    Remove { name: String },
    /// Make a profile the default
    Default { name: String },
    /// Check that a profile works: credentials, bucket, region, write/read/link/delete, clock
    Check {
        /// The profile (default: the default profile)
        name: Option<String>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Make an upload request and print its link
    Create(RequestCreateArgs),
    /// List the upload requests, newest first
    List {
        #[arg(long)]
        json: bool,
    },
    /// The files that arrived for a request (looking for new ones first)
    Files {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Download a request's files into a folder (never over a file already there)
    Save {
        id: String,
        /// Where to put them (default: the current folder)
        #[arg(long, value_name = "DIR", value_parser = path_parser())]
        to: Option<PathBuf>,
        /// Only this file (its key, from `request files`)
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// Close a request: its link stops working, and what still arrives is deleted
    Close { id: String },
}

#[derive(Debug, Args)]
pub struct RequestCreateArgs {
    /// What the files are for, as the page says it ("Invoices for March")
    #[arg(long, default_value = "Files")]
    pub name: String,
    /// Who asks, as the page says it
    #[arg(long, value_name = "TEXT")]
    pub from: Option<String>,
    /// How long the link takes files (default: the profile's link lifetime)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub expires: Option<Expiry>,
    /// Largest file: bytes, or 500K, 100M, 2G
    #[arg(long, value_name = "SIZE", default_value = "100M")]
    pub max_size: String,
    /// Allowed types: a comma list of MIME types or type/* (default: any)
    #[arg(long, value_name = "TYPES", default_value = "")]
    pub accept: String,
    /// A note for the sender, shown on the page
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Make it even on a server that takes upload forms with a forged signature (anyone with the
    /// link could then write anything into the bucket): for private test servers only
    #[arg(long)]
    pub allow_forgeable_server: bool,
}

#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    pub name: String,
    #[arg(long)]
    pub bucket: String,
    /// S3 endpoint URL (default: AWS S3)
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    /// Key prefix for shared objects, e.g. "shares/"
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Path-style addressing (endpoint/bucket/key), needed by MinIO and most self-hosted stores
    #[arg(long)]
    pub path_style: bool,
    /// Default link lifetime for this profile
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub expires: Option<Expiry>,
    /// keychain, env or aws-profile:NAME
    #[arg(long, default_value = "keychain", value_name = "SOURCE")]
    pub credentials: CredentialSource,
    /// Access key id, for keychain credentials
    #[arg(long, value_name = "ID")]
    pub access_key_id: Option<String>,
    /// Make it the default profile
    #[arg(long)]
    pub default: bool,
    /// Accept a plain-HTTP endpoint on another computer (links and files travel unencrypted)
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Delete shares from the bucket once their links have expired (a share can say otherwise)
    #[arg(long)]
    pub delete_after_expiry: bool,
    /// How long after a link's expiry its files are deleted (default 1h)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub deletion_grace: Option<Expiry>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The local-store profile to serve (default: the local profile)
    #[arg(long, value_name = "NAME", conflicts_with = "data")]
    pub profile: Option<String>,
    /// Serve the buckets in DIR instead, to clients signing with AWS_ACCESS_KEY_ID and
    /// AWS_SECRET_ACCESS_KEY; prints the endpoint on stdout (no profile, no LinkDrop files)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Address to listen on (default: the profile's endpoint; with --data, a free port on loopback)
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Allow listening on an address other computers can reach
    #[arg(long)]
    pub allow_remote: bool,
    /// Log to FILE, capped and rotated (how LinkDrop starts the store in the background)
    #[arg(long, value_name = "FILE", hide = true)]
    pub log: Option<PathBuf>,
}

/// `--state` takes the filters' names as the command line spells words (`expiring-soon`).
fn state_parser() -> impl clap::builder::TypedValueParser<Value = Filter> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new([
        "all",
        "active",
        "expiring-soon",
        "expired",
        "revoked",
        "missing",
        "deleted",
    ])
    .map(|name| {
        Filter::ALL
            .into_iter()
            .find(|f| f.as_str() == name.replace('-', "_"))
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_history_filter_can_be_asked_for_by_name() {
        for filter in Filter::ALL {
            let name = filter.as_str().replace('_', "-");
            let cli = Cli::try_parse_from(["linkdrop", "history", "--state", &name]).unwrap();
            match cli.command {
                Some(Command::History(args)) => assert_eq!(args.state, filter, "{name}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(Cli::try_parse_from(["linkdrop", "history", "--state", "soon"]).is_err());
    }
}
