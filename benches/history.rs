//! The link ledger at 100,000 entries: what the History view and `linkdrop history` wait for.
//! Opening the file, the first page (and its total), a page deep in the list, a search, a filter,
//! and the per-filter counts. `make bench` runs it.
//!
//! Targets on a 2-core CI-class machine (measured 2026-11-24 in brackets): open < 1 ms (0.06 ms),
//! first page < 1 ms (0.13 ms), first page with its total < 5 ms (0.9 ms), last page < 50 ms
//! (13 ms), search or filter first page < 5 ms (0.2 ms), per-filter counts < 150 ms (64 ms). The
//! window asks for a page as rows scroll into view, and for the counts only when the search, the
//! filter or the history changes.

use std::hint::black_box;
use std::path::Path;

use chrono::{TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use linkdrop::links::history::{Filter, History, Query};
use rusqlite::params;

const ENTRIES: u32 = 100_000;
const PAGE: u32 = 100;

/// A ledger of `ENTRIES` links shared over the last year: a mix of active, expired, revoked and
/// missing ones, with names that a search has to look through.
fn fill(path: &Path) {
    // Creates the schema the way the app does.
    drop(History::open(path).unwrap());
    let mut db = rusqlite::Connection::open(path).unwrap();
    let tx = db.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO entries (id, profile, endpoint, bucket, key, version_id, e_tag, name,
                    size, content_type, created_at, url, expires_at, issued_at, state, issued)
                 VALUES (?1, 'local', 'http://127.0.0.1:9000', 'linkdrop', ?2, NULL, '\"etag\"',
                    ?3, ?4, 'application/octet-stream', ?5, ?6, ?7, ?5, ?8, 1)",
            )
            .unwrap();
        let now = Utc::now();
        let kinds = ["report", "photo", "invoice", "slides", "backup"];
        for i in 0..ENTRIES {
            let id = format!("{i:026}");
            let name = format!("{} {i}.pdf", kinds[i as usize % kinds.len()]);
            let created = now - TimeDelta::minutes(i64::from(ENTRIES - i) * 5);
            let expires = created + TimeDelta::days(i64::from(i % 9));
            let state = match i % 50 {
                0 => "revoked",
                1 => "missing",
                _ => "active",
            };
            insert
                .execute(params![
                    id,
                    format!("{id}/{name}"),
                    name,
                    i64::from(i) * 1000,
                    created.to_rfc3339(),
                    format!("http://127.0.0.1:9000/linkdrop/{id}/x?X-Amz-Signature={i:064}"),
                    expires.to_rfc3339(),
                    state,
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn ledger(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    fill(&path);
    let history = History::open(&path).unwrap();
    let now = Utc::now();
    let all = Query::default();
    assert_eq!(history.count(&all, now).unwrap(), u64::from(ENTRIES));

    let mut group = c.benchmark_group("history_100k");
    group.bench_function("open", |b| {
        b.iter(|| black_box(History::open(&path).unwrap()));
    });
    group.bench_function("first_page", |b| {
        b.iter(|| black_box(history.list(&all, now, PAGE, 0).unwrap()));
    });
    // What the window asks for each page: the rows and the total for the scrollbar.
    group.bench_function("first_page_with_total", |b| {
        b.iter(|| {
            black_box(history.list(&all, now, PAGE, 0).unwrap());
            black_box(history.count(&all, now).unwrap())
        });
    });
    group.bench_function("last_page", |b| {
        b.iter(|| black_box(history.list(&all, now, PAGE, ENTRIES - PAGE).unwrap()));
    });
    let search = Query {
        search: Some("invoice 99".into()),
        filter: Filter::All,
    };
    group.bench_function("search_first_page", |b| {
        b.iter(|| black_box(history.list(&search, now, PAGE, 0).unwrap()));
    });
    let expired = Query {
        search: None,
        filter: Filter::Expired,
    };
    group.bench_function("filter_expired_first_page", |b| {
        b.iter(|| black_box(history.list(&expired, now, PAGE, 0).unwrap()));
    });
    group.bench_function("counts", |b| {
        b.iter(|| black_box(history.counts(None, now).unwrap()));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = ledger
}
criterion_main!(benches);
