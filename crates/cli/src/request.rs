//! `linkdrop request create | list | files | save | close`: upload requests from the command line,
//! over `linkdrop::requests`. Their output is a contract like `share`'s: one link on stdout, or with
//! `--json` one object (or array) whose field names stay.
//!
//! May use: `args`, `output`; the domain (`linkdrop`) (`tests/architecture.rs` holds it).

use std::process::ExitCode;

use chrono::Utc;
use serde_json::json;

use linkdrop::Context;
use linkdrop::requests::{self, Arrival, RequestSpec, UploadRequest};

use crate::args::{RequestCommand, RequestCreateArgs};
use crate::output::{plural, report, say, say_fields, with_hint};

pub async fn run(context: &Context, command: RequestCommand) -> ExitCode {
    let result = match command {
        RequestCommand::Create(args) => create(context, args).await,
        RequestCommand::List { json } => list(context, json),
        RequestCommand::Files { id, json } => files(context, &id, json).await,
        RequestCommand::Save { id, to, key } => {
            let dir = to.unwrap_or_else(|| std::path::PathBuf::from("."));
            requests::save(context, &id, key.as_deref(), &dir)
                .await
                .map(|saved| {
                    for path in saved {
                        say(path.display());
                    }
                })
        }
        RequestCommand::Close { id } => requests::close(context, &id).await.map(|closed| {
            report(format!("closed {} ({})", closed.name, closed.id));
            for warning in &closed.warnings {
                report(format!("note: {warning}"));
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(with_hint(&e));
            ExitCode::FAILURE
        }
    }
}

fn request_json(r: &UploadRequest) -> serde_json::Value {
    json!({
        "id": r.id,
        "name": r.name,
        "from": r.from,
        "note": r.note,
        "url": r.url,
        "expires_at": r.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "created_at": r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "closed_at": r.closed_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "page_deleted_at": r.page_deleted_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "state": r.state(Utc::now()),
        "max_size": r.max_size,
        "accept": r.accept,
        "profile": r.profile,
        "bucket": r.bucket,
        "prefix": r.inbox(),
        "files": r.files,
        "warnings": r.warnings,
    })
}

fn file_json(a: &Arrival) -> serde_json::Value {
    json!({
        "name": a.name,
        "size": a.size,
        "content_type": a.content_type,
        "received_at": a.received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "key": a.key,
        "sender": a.sender,
        "message": a.message,
    })
}

async fn create(context: &Context, args: RequestCreateArgs) -> Result<(), requests::RequestError> {
    let spec = RequestSpec {
        name: args.name,
        from: args.from,
        note: args.note,
        expiry: args.expires,
        max_size: requests::parse_size(&args.max_size)?,
        accept: requests::parse_accept(&args.accept)?,
        allow_forgeable_server: args.allow_forgeable_server,
    };
    let request = requests::create(context, &spec, args.profile.as_deref()).await?;
    for warning in &request.warnings {
        report(format!("warning: {}: {warning}", request.name));
    }
    if args.json {
        println!("{}", request_json(&request));
    } else {
        println!("{}", request.url);
    }
    Ok(())
}

fn list(context: &Context, json: bool) -> Result<(), requests::RequestError> {
    let all = requests::list(context)?;
    if json {
        let items: Vec<_> = all.iter().map(request_json).collect();
        println!("{}", serde_json::Value::Array(items));
        return Ok(());
    }
    let now = Utc::now();
    for r in &all {
        let state = match r.state(now) {
            requests::RequestState::Open => "open",
            requests::RequestState::Expired => "expired",
            requests::RequestState::Closed => "closed",
        };
        say_fields(&[
            &r.id,
            state,
            &r.expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            &plural(r.files, "file"),
            &r.name,
        ]);
    }
    Ok(())
}

async fn files(context: &Context, id: &str, json: bool) -> Result<(), requests::RequestError> {
    let (_, files) = requests::files(context, id).await?;
    if json {
        let items: Vec<_> = files.iter().map(file_json).collect();
        println!("{}", serde_json::Value::Array(items));
        return Ok(());
    }
    for a in &files {
        say_fields(&[
            &a.name,
            &a.size.to_string(),
            &a.received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            a.sender.as_deref().unwrap_or(""),
            &a.key,
        ]);
    }
    Ok(())
}
