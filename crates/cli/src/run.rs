//! The command line: `linkdrop share`, `linkdrop profile …`, `linkdrop serve`. Its flags and its
//! `--json` output are a contract scripts rely on: extend them, never rename them.
//!
//! Errors go to stderr, one line each, and say what to do next. Exit status: 0 when every file got a
//! link, 1 when something failed, 2 for a usage error, 130 when interrupted.
//!
//! May use: `args`, `handover`, `output`, `request`; the domain (`linkdrop`) (`tests/architecture.rs`
//! holds it).

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::args::*;
use crate::output::{plural, report, say, say_fields, with_hint};
use linkdrop::Context;
use linkdrop::credentials::Keychain;
use linkdrop::links::history::Query;
use linkdrop::local_store::{self, ServeConfig, Server};
use linkdrop::profiles::{CredentialSource, Profile};
use linkdrop::settings::{self, ProfileForm, SecretChange, SettingsError};
use linkdrop::share::{Prepared, ShareError, ShareOptions};
use linkdrop::system::paths::Paths;
use linkdrop::system::text::for_terminal;

pub fn run(command: Command) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report(format!("cannot start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    // A store for a script: none of LinkDrop's own files are made or read.
    if let Command::Serve(args @ ServeArgs { data: Some(_), .. }) = command {
        return runtime.block_on(serve_standalone(args));
    }
    let context = match Paths::open() {
        Ok(paths) => {
            // Archives of folders a killed LinkDrop left behind.
            linkdrop::share::archive::remove_leftovers(&paths.temp_dir());
            Context {
                paths,
                keychain: Keychain::from_env(),
            }
        }
        Err(e) => {
            report(e);
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        // What asked to be deleted once its link expired goes now, if this computer was off then:
        // before a share or a listing, which then say so.
        if matches!(
            command,
            Command::Share(_) | Command::History(_) | Command::Request(RequestCommand::List { .. })
        ) {
            sweep(&context).await;
        }
        match command {
            Command::Share(args) => share(&context, args).await,
            Command::Profile(cmd) => profile(&context, cmd).await,
            Command::Request(cmd) => crate::request::run(&context, cmd).await,
            Command::Serve(args) => serve(&context, args).await,
            Command::History(args) => history(&context, args),
            Command::Reissue(args) => reissue(&context, args).await,
            Command::Page(args) => page_of(&context, args).await,
            Command::Storage(args) => storage(&context, args).await,
            Command::Revoke { id } => {
                finish(linkdrop::pages::revoke(&context, &id).await, "revoked")
            }
            Command::Forget { id, delete_object } => finish(
                linkdrop::pages::forget(&context, &id, delete_object).await,
                if delete_object {
                    "forgot and deleted"
                } else {
                    "forgot"
                },
            ),
        }
    })
}

async fn share(context: &Context, mut args: ShareArgs) -> ExitCode {
    if !args.clipboard {
        return share_files(context, args).await;
    }
    let kept = match from_clipboard(context).await {
        Ok(kept) => kept,
        Err(e) => {
            report(with_hint(&e));
            return ExitCode::FAILURE;
        }
    };
    args.files = kept.files.clone();
    let code = share_files(context, args).await;
    for path in &kept.made {
        linkdrop::capture::discard(&context.paths, path);
    }
    code
}

/// What `share --clipboard` shares: the copied files, or the file made of a copied image or text
/// (in `made`, removed once shared).
struct FromClipboard {
    files: Vec<std::path::PathBuf>,
    made: Vec<std::path::PathBuf>,
}

async fn from_clipboard(
    context: &Context,
) -> Result<FromClipboard, linkdrop::capture::CaptureError> {
    use linkdrop::capture::{self, CaptureError, clipboard::Copied};
    let copied = tokio::task::spawn_blocking(capture::clipboard::read)
        .await
        .map_err(|e| CaptureError::NoClipboard {
            detail: e.to_string(),
        })??;
    let (name, bytes) = match copied {
        Copied::Files(files) => {
            return Ok(FromClipboard {
                files,
                made: Vec::new(),
            });
        }
        Copied::Image {
            width,
            height,
            rgba,
        } => (
            capture::image_name(chrono::Local::now()),
            capture::png(width, height, &rgba)?,
        ),
        Copied::Text(text) => (capture::text_name(&text), text.into_bytes()),
        Copied::Nothing => return Err(CaptureError::NothingCopied),
    };
    let path = capture::keep(&context.paths, &name, &bytes)?;
    Ok(FromClipboard {
        files: vec![path.clone()],
        made: vec![path],
    })
}

async fn share_files(context: &Context, args: ShareArgs) -> ExitCode {
    // At a terminal (or when asked), a running window does the sharing: progress there, the
    // link in the clipboard. Scripts (--json, or output not to a terminal) keep getting links here.
    // Deletion after expiry is not handed over (the window's shares follow the profile's
    // default): a share that says something about it is done here, as it says.
    let says_deletion = args.delete_after_expiry || args.keep_after_expiry || args.grace.is_some();
    // What came from the clipboard is shared here: the file made of it goes once it is shared.
    if !says_deletion
        && !args.clipboard
        && (args.window || (!args.json && std::io::stdout().is_terminal()))
    {
        match tokio::task::spawn_blocking(crate::handover::send_to_running_window).await {
            Ok(Ok(true)) => {
                eprintln!(
                    "linkdrop: sharing in the LinkDrop window; the link goes to the clipboard"
                );
                return ExitCode::SUCCESS;
            }
            Ok(Ok(false)) => {}
            Ok(Err(e)) => report(format!("{e}; sharing here instead")),
            Err(e) => report(format!("{e}; sharing here instead")),
        }
    }
    let mut failed = false;
    let mut secrets = false;
    let options = ShareOptions {
        allow_secrets: args.allow_secrets,
        include_hidden: false,
        refuse_folders: true,
        // Applied to the session below, with --grace.
        delete_after_expiry: None,
    };
    let cancel = CancellationToken::new();
    // Every path is checked (through the same steps as the window's) before anything is uploaded.
    let mut files: Vec<Prepared> = Vec::new();
    for path in &args.files {
        match linkdrop::share::prepare(&context.paths, path, options, &cancel).await {
            Ok(prepared) => files.push(prepared),
            Err(e) => {
                secrets |= matches!(e, ShareError::LooksSecret { .. });
                report(e);
                failed = true;
            }
        }
    }
    if failed || files.is_empty() {
        // All or nothing: a typo in one argument must not leave the others half-shared.
        if secrets {
            report("pass --allow-secrets if you do mean to share them");
        } else if !files.is_empty() {
            report("nothing was shared: fix the paths above and run it again");
        }
        return ExitCode::FAILURE;
    }
    let mut session = match linkdrop::share::open_session(context, args.profile.as_deref()).await {
        Ok(s) => s,
        Err(e) => {
            report(with_hint(&e));
            return ExitCode::FAILURE;
        }
    };
    // This share's word on deletion after expiry beats the profile's default.
    if args.delete_after_expiry {
        session.profile.delete_after_expiry = true;
    } else if args.keep_after_expiry {
        session.profile.delete_after_expiry = false;
    }
    if args.grace.is_some() {
        session.profile.deletion_grace = args.grace;
    }
    if let Some(port) = session.local_store_moved_from {
        report(format!(
            "warning: port {port} of the local store was taken by another program (not LinkDrop's store); \
             the store moved to {} and nothing was sent to port {port}. Links made before point at the old \
             port: `linkdrop reissue ID` gives working ones",
            session.bucket().endpoint
        ));
    } else if session.started_local_store {
        report(format!(
            "started the local store at {} in the background; links to it work while it runs (log: {})",
            session.bucket().endpoint,
            context.paths.store_log().display()
        ));
    }
    // Uploads cut short earlier (LinkDrop was killed, the computer slept): say how to finish them,
    // unless this very command does.
    for unfinished in &session.resumable {
        let shared_now = files
            .iter()
            .any(|f| std::fs::canonicalize(&f.file.path).is_ok_and(|p| p == unfinished.path));
        if !shared_now {
            let at = linkdrop::tidy::cut_short::progress(&session, unfinished)
                .await
                .map(|p| format!(" at {p} %"))
                .unwrap_or_default();
            report(format!(
                "{} was cut short{at} (started {}): `linkdrop share {}` resumes it, `linkdrop storage --abort-unfinished` throws its parts away",
                for_terminal(&unfinished.path.display().to_string()),
                unfinished.started_at.format("%Y-%m-%d %H:%M UTC"),
                for_terminal(&unfinished.path.display().to_string())
            ));
        }
    }

    let interrupted = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    if args.page || args.encrypt {
        // One page for all (--page), or each file its own encrypted page (--encrypt alone).
        let groups: Vec<&[Prepared]> = if args.page {
            vec![&files[..]]
        } else {
            files.chunks(1).collect()
        };
        let mut result = Ok(());
        for group in groups {
            let progress = |i: usize| progress_printer(show_progress, group[i].file.name.clone());
            let shared = linkdrop::pages::share_page(
                context,
                &session,
                group,
                args.expires,
                args.encrypt,
                progress,
                &cancel,
            )
            .await;
            if show_progress {
                eprint!("\r\x1b[2K");
            }
            match shared {
                Ok(page) => {
                    for warning in &page.warnings {
                        report(format!("warning: {warning}"));
                    }
                    if args.json {
                        println!("{}", serde_json::to_string(&page).unwrap_or_default());
                    } else {
                        println!("{}", page.url);
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        interrupted.abort();
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(linkdrop::pages::PageError::Share(ShareError::Upload(
                linkdrop::storage::upload::UploadError::Cancelled,
            ))) => {
                report("cancelled, nothing was left in the bucket");
                ExitCode::from(130)
            }
            Err(e) => {
                report(with_hint(&e));
                ExitCode::FAILURE
            }
        };
    }
    let mut stdout = std::io::stdout().lock();
    for prepared in &files {
        let file = &prepared.file;
        let progress = progress_printer(show_progress, file.name.clone());
        match linkdrop::share::share_prepared(&session, prepared, args.expires, progress, &cancel)
            .await
        {
            Ok(share) => {
                if show_progress {
                    eprint!("\r\x1b[2K");
                }
                let line = if args.json {
                    serde_json::to_string(&share).unwrap_or_default()
                } else {
                    share.url.clone()
                };
                for warning in &share.warnings {
                    report(format!("warning: {}: {warning}", share.name));
                }
                if writeln!(stdout, "{line}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    return ExitCode::FAILURE;
                }
            }
            Err(ShareError::Upload(linkdrop::storage::upload::UploadError::Cancelled)) => {
                if show_progress {
                    eprint!("\r\x1b[2K");
                }
                report(format!(
                    "{}: cancelled, nothing was left in the bucket",
                    file.name
                ));
                return ExitCode::from(130);
            }
            Err(e) => {
                if show_progress {
                    eprint!("\r\x1b[2K");
                }
                report(format!("{}: {}", file.path.display(), with_hint(&e)));
                failed = true;
            }
        }
    }
    interrupted.abort();
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn history(context: &Context, args: HistoryArgs) -> ExitCode {
    let now = chrono::Utc::now();
    let query = Query {
        search: args.search,
        filter: args.state,
    };
    let entries = match linkdrop::links::history(&context.paths)
        .and_then(|h| h.list(&query, now, u32::MAX, 0))
    {
        Ok(entries) => entries,
        Err(e) => {
            report(e);
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        let list: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["state"] = e.shown_state(now).as_str().into();
                v
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for e in &entries {
            say_fields(&[
                &e.id,
                e.shown_state(now).as_str(),
                &e.expires_at.format("%Y-%m-%d %H:%M").to_string(),
                &e.name,
            ]);
        }
    }
    ExitCode::SUCCESS
}

async fn reissue(context: &Context, args: ReissueArgs) -> ExitCode {
    match linkdrop::pages::reissue(context, &args.id, args.expires).await {
        Ok(share) => {
            for warning in &share.warnings {
                report(format!("warning: {}: {warning}", share.name));
            }
            if args.json {
                println!("{}", serde_json::to_string(&share).unwrap_or_default());
            } else {
                println!("{}", share.url);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(with_hint(&e));
            ExitCode::FAILURE
        }
    }
}

/// Deletes what is due (`pages::sweep`) and says so on stderr, names only: stdout stays the
/// command's own.
async fn sweep(context: &Context) {
    let swept = linkdrop::pages::sweep(context, chrono::Utc::now()).await;
    for entry in &swept.deleted {
        report(format!(
            "deleted {} from bucket {:?}: its link expired on {}, and it was shared to be deleted then",
            entry.name,
            entry.bucket,
            entry.expires_at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    for (entry, why) in &swept.failed {
        report(format!(
            "warning: {} is due for deletion but could not be deleted yet ({why}); LinkDrop tries again next time",
            entry.name
        ));
    }
    for (request, done) in linkdrop::requests::retire_ended(context, chrono::Utc::now()).await {
        match done {
            Ok(()) => report(format!(
                "deleted the page of upload request {} from bucket {:?}: it ended on {} (its {} kept)",
                for_terminal(&request.name),
                request.bucket,
                request.expires_at.format("%Y-%m-%d %H:%M UTC"),
                plural(request.files, "file")
            )),
            Err(e) => report(format!(
                "warning: the page of upload request {} is due for deletion but could not be deleted yet ({e}); LinkDrop tries again next time",
                for_terminal(&request.name)
            )),
        }
    }
}

/// `linkdrop storage`: the report, or the actions asked for and then the report as it is after.
async fn storage(context: &Context, args: StorageArgs) -> ExitCode {
    use linkdrop::tidy;
    let profile = args.profile.as_deref();
    if args.lifecycle || args.install_lifecycle {
        let plan = if args.install_lifecycle {
            tidy::lifecycle::install(context, profile).await
        } else {
            tidy::lifecycle::plan(context, profile).await
        };
        return match plan {
            Ok(plan) if args.json => {
                println!("{}", serde_json::to_string(&plan).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Ok(plan) => {
                print!(
                    "{}",
                    crate::output::lifecycle_plan(&plan, args.install_lifecycle)
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                report(with_hint(&e));
                ExitCode::FAILURE
            }
        };
    }
    let actions = [
        (args.delete_expired, tidy::TidyAction::DeleteExpired),
        (args.abort_unfinished, tidy::TidyAction::AbortUnfinished),
        (args.delete_unknown, tidy::TidyAction::DeleteUnknown),
        (args.adopt_unknown, tidy::TidyAction::AdoptUnknown),
    ];
    let mut failed = false;
    for (asked, action) in actions {
        if !asked {
            continue;
        }
        match tidy::run(context, profile, action).await {
            Ok(outcome) => {
                report(format!("{}: {}", action.done(), outcome.done));
                for why in &outcome.failed {
                    report(format!("warning: {why}"));
                }
                failed |= !outcome.failed.is_empty();
            }
            Err(e) => {
                report(with_hint(&e));
                return ExitCode::FAILURE;
            }
        }
    }
    let shown = match tidy::report(context, profile).await {
        Ok(shown) => shown,
        Err(e) => {
            report(with_hint(&e));
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&shown).unwrap_or_default());
    } else {
        print!("{}", crate::output::storage_report(&shown));
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

async fn page_of(context: &Context, args: PageArgs) -> ExitCode {
    match linkdrop::pages::page_of_entries(context, &args.ids, args.expires).await {
        Ok(page) => {
            for warning in &page.warnings {
                report(format!("warning: {warning}"));
            }
            if args.json {
                println!("{}", serde_json::to_string(&page).unwrap_or_default());
            } else {
                println!("{}", page.url);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(with_hint(&e));
            ExitCode::FAILURE
        }
    }
}

fn finish(
    result: Result<linkdrop::links::history::HistoryEntry, linkdrop::pages::PageError>,
    done: &str,
) -> ExitCode {
    match result {
        Ok(entry) => {
            report(format!("{done} {} ({})", entry.name, entry.id));
            ExitCode::SUCCESS
        }
        Err(e) => {
            report(with_hint(&e));
            ExitCode::FAILURE
        }
    }
}

fn progress_printer(enabled: bool, name: String) -> linkdrop::storage::upload::ProgressFn {
    if !enabled {
        return Arc::new(|_| {});
    }
    let started = std::time::Instant::now();
    let name = for_terminal(&name).into_owned();
    Arc::new(move |p: linkdrop::storage::upload::Progress| {
        let percent = (p.sent * 100).checked_div(p.total).unwrap_or(100);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let rate = p.sent as f64 / secs / (1024.0 * 1024.0);
        eprint!("\r\x1b[2K{name}: {percent}% ({rate:.1} MiB/s)");
    })
}

async fn profile(context: &Context, command: ProfileCommand) -> ExitCode {
    match profile_inner(context, command).await {
        Ok(code) => code,
        Err(e) => {
            report(e);
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ProfileCliError {
    #[error("{}", with_hint(.0))]
    Profile(#[from] linkdrop::profiles::ProfileError),
    #[error(transparent)]
    LocalStore(#[from] local_store::LocalStoreError),
    #[error("{}", with_hint(.0))]
    Credentials(#[from] linkdrop::credentials::CredentialsError),
    #[error("{}", with_hint(.0))]
    Settings(#[from] SettingsError),
    #[error("no secret given: set {SECRET_ENV} or type it on stdin")]
    NoSecret,
    #[error("cannot read the secret from stdin: {0}")]
    Stdin(std::io::Error),
}

/// Adding, removing and choosing profiles go through `settings`, as the window's Settings do:
/// the same checks, the same keychain moves, the same refusals.
async fn profile_inner(
    context: &Context,
    command: ProfileCommand,
) -> Result<ExitCode, ProfileCliError> {
    let book = context.profiles().await?;
    match command {
        ProfileCommand::Add(args) => {
            let form = ProfileForm::from_profile(&Profile {
                name: args.name.clone(),
                bucket: args.bucket,
                endpoint: args.endpoint,
                region: args.region,
                prefix: args.prefix,
                path_style: args.path_style,
                default_expiry: args.expires,
                credentials: args.credentials,
                access_key_id: args.access_key_id,
                local_store: false,
                allow_insecure_http: args.allow_insecure_http,
                delete_after_expiry: args.delete_after_expiry,
                deletion_grace: args.deletion_grace,
            });
            // Everything is checked before the secret is asked for.
            let profile = settings::check_new(&book, &form, args.default)?;
            let secret = if profile.credentials == CredentialSource::Keychain {
                SecretChange::Set(read_secret()?)
            } else {
                SecretChange::Keep
            };
            settings::save(context, None, &form, secret, args.default).await?;
            report(format!("added profile {}", args.name));
        }
        ProfileCommand::List { json } => {
            let default = book.default.clone();
            if json {
                let list: Vec<serde_json::Value> = book
                    .profiles
                    .iter()
                    .map(|p| {
                        let mut v = serde_json::to_value(p).unwrap_or_default();
                        v["default"] = serde_json::Value::Bool(default.as_deref() == Some(&p.name));
                        v
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for p in &book.profiles {
                    let mark = if default.as_deref() == Some(&p.name) {
                        "*"
                    } else {
                        " "
                    };
                    let endpoint = p.endpoint.as_deref().unwrap_or("AWS S3");
                    say_fields(&[
                        &format!("{mark} {}", p.name),
                        &format!("{} at {endpoint} ({})", p.bucket, p.credentials),
                    ]);
                }
            }
        }
        ProfileCommand::Remove { name } => {
            settings::remove(context, &name).await?;
            report(format!("removed profile {name}"));
        }
        ProfileCommand::Default { name } => {
            settings::set_default(context, &name).await?;
        }
        ProfileCommand::Check { name, json } => {
            return Ok(check(context, name.as_deref(), json).await);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `profile check`: one line per step, its fix under it; exit status 1 when a step failed.
async fn check(context: &Context, name: Option<&str>, json: bool) -> ExitCode {
    use linkdrop::check::Outcome;
    let report = match linkdrop::check::saved(context, name).await {
        Ok(report) => report,
        Err(e) => {
            report(e);
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        say(format!("Checking profile {}", report.profile));
        for step in &report.steps {
            let mark = match step.outcome {
                Outcome::Passed => "ok  ",
                Outcome::Warning => "warn",
                Outcome::Failed => "FAIL",
                Outcome::Skipped => "skip",
            };
            say(format!("  {mark}  {}: {}", step.title, step.detail));
            if let Some(fix) = &step.fix {
                say(format!("        fix: {fix}"));
            }
        }
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The secret from `LINKDROP_SECRET_ACCESS_KEY`, or stdin (hidden when typed at a terminal); never
/// from an argument, where it would land in shell history and `ps`.
fn read_secret() -> Result<String, ProfileCliError> {
    if let Ok(secret) = std::env::var(SECRET_ENV)
        && !secret.is_empty()
    {
        return Ok(secret);
    }
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Secret access key: ").map_err(ProfileCliError::Stdin)?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(ProfileCliError::Stdin)?;
        line
    };
    let secret = secret.trim().to_owned();
    if secret.is_empty() {
        return Err(ProfileCliError::NoSecret);
    }
    Ok(secret)
}

async fn serve(context: &Context, args: ServeArgs) -> ExitCode {
    match serve_inner(context, args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(e);
            ExitCode::FAILURE
        }
    }
}

async fn serve_inner(context: &Context, args: ServeArgs) -> Result<(), ProfileCliError> {
    let book = context.profiles().await?;
    let profile = match &args.profile {
        Some(name) => book.get(name)?.clone(),
        None => book
            .profiles
            .iter()
            .find(|p| p.local_store)
            .cloned()
            .ok_or_else(|| linkdrop::profiles::ProfileError::NotFound {
                name: linkdrop::profiles::LOCAL_PROFILE.to_owned(),
                known: "none backed by the local store".to_owned(),
            })?,
    };
    let listen = match args.listen {
        Some(addr) => addr,
        None => local_store::listen_addr(&profile)?,
    };
    let resolved =
        linkdrop::credentials::resolve(&profile, &context.keychain, &context.paths).await?;
    let server = Server::bind(ServeConfig {
        root: context.paths.store_dir(),
        listen,
        allow_remote: args.allow_remote,
        access_key_id: resolved.credentials.access_key_id().to_owned(),
        secret: resolved.credentials.secret_access_key().to_owned(),
        buckets: vec![profile.bucket.clone()],
        own_store: true,
        ports_left: local_store::ports_left::load(&context.paths).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the ports the store left");
            Vec::new()
        }),
    })
    .await?;
    let addr = server
        .local_addr()
        .map_err(|e| local_store::LocalStoreError::Bind {
            addr: listen,
            source: e,
        })?;
    report(format!(
        "local store for profile {} listening on http://{addr} (objects in {})",
        profile.name,
        context.paths.store_dir().display()
    ));
    run_until_stopped(server).await;
    Ok(())
}

/// Serves until Ctrl-C or SIGTERM, then lets open requests finish.
async fn run_until_stopped(server: Server) {
    let stop = CancellationToken::new();
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            stop.cancel();
        });
    }
    server.run(stop).await;
}

/// `serve --data DIR`: the store over DIR for whoever signs with the environment's credentials;
/// the endpoint goes to stdout, where a script reads it.
async fn serve_standalone(args: ServeArgs) -> ExitCode {
    let run = async {
        let root = args.data.clone().unwrap_or_default();
        let var = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or(ServeError::MissingEnv { var: name })
        };
        let (access_key_id, secret) = (var("AWS_ACCESS_KEY_ID")?, var("AWS_SECRET_ACCESS_KEY")?);
        let listen = args
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let server = Server::bind(ServeConfig {
            root: root.clone(),
            listen,
            allow_remote: args.allow_remote,
            access_key_id,
            secret,
            buckets: Vec::new(),
            own_store: false,
            ports_left: Vec::new(),
        })
        .await?;
        let addr = server
            .local_addr()
            .map_err(|source| local_store::LocalStoreError::Bind {
                addr: listen,
                source,
            })?;
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "http://{addr}").and_then(|()| stdout.flush());
        drop(stdout);
        report(format!(
            "S3 store listening on http://{addr} (buckets in {}); Ctrl-C stops it",
            root.display()
        ));
        run_until_stopped(server).await;
        Ok::<(), ServeError>(())
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(e);
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("serve --data needs {var}: the credentials clients sign their requests with")]
    MissingEnv { var: &'static str },
    #[error(transparent)]
    LocalStore(#[from] local_store::LocalStoreError),
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
