//! `bench/results.md` and `bench/*.svg`: what was measured, beside the references and the
//! machine it ran on.

use super::*;

pub(super) fn machine() -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| {
            l.strip_prefix("PRETTY_NAME=")
                .map(|s| s.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    vec![
        ("CPU".into(), format!("{cpu}, {cores} cores available")),
        (
            "Memory".into(),
            format!("{:.1} GiB", mem_kib as f64 / 1024.0 / 1024.0),
        ),
        ("OS".into(), format!("{os}, Linux {kernel}")),
        (
            "Date".into(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
    ]
}

pub(super) fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.001 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

pub(super) struct Target {
    pub(super) what: String,
    pub(super) measured: String,
    pub(super) met: bool,
    /// What the profile showed, for a target that is missed.
    pub(super) why: Option<String>,
}

pub(super) fn median_of(
    m: &Measured,
    case: &str,
    server: &'static str,
    size: u64,
    tool: Tool,
) -> Option<Stats> {
    m.times
        .get(&(case.to_owned(), server, size, tool))
        .map(|v| stats(v))
}

pub(super) fn report(
    plan: &Plan,
    tools: &Tools,
    m: &Measured,
    presign: Option<(Stats, Stats)>,
    app: Option<&AppStart>,
) -> String {
    let mut md = String::new();
    let servers: Vec<&'static str> = {
        let mut s: Vec<_> = m.times.keys().map(|k| k.1).collect();
        s.dedup();
        s.sort();
        s.dedup();
        s
    };
    let _ = writeln!(md, "# LinkDrop beside the tools users would pick instead\n");
    let _ = writeln!(
        md,
        "Written by `make bench{}` (`benches/compare.rs`). Every tool ran on the same machine, against the same \
         servers on loopback, with the same files, in one run. Times are medians of {} runs after {} warm-up(s) \
         (big uploads: {} runs after one), with the spread (min–max); ratios are to LinkDrop. Read the ratios: \
         absolute times drift on a shared machine.\n",
        if plan.quick { "-quick" } else { "" },
        plan.small_runs,
        plan.warmups,
        plan.big_runs
    );
    let _ = writeln!(md, "## Machine\n\n| | |\n|---|---|");
    for (k, v) in machine() {
        let _ = writeln!(md, "| {k} | {v} |");
    }
    let _ = writeln!(md, "\n## Tools\n\n| Tool | Version |\n|---|---|");
    for (k, v) in tools.versions() {
        let _ = writeln!(md, "| {k} | {} |", v.replace('|', "/"));
    }
    let _ = writeln!(
        md,
        "\nServers: {}. Each tool is used the way its documentation shows for \"upload, then give me a link\"; \
         AWS CLI and boto3 with path-style addressing and checksums only when required (what S3-compatible \
         stores take), rclone with `no_check_bucket` (its advice for existing buckets).\n",
        servers.join(" and ")
    );

    let mut targets = Vec::new();

    let _ = writeln!(
        md,
        "## 1. File to link, small files (whole process each time)\n"
    );
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|---|---|"
    );
    for &server in &servers {
        for &size in &plan.small_sizes {
            let ours = median_of(m, "small", server, size, Tool::LinkDrop);
            for tool in SHARERS {
                let Some(s) = median_of(m, "small", server, size, tool) else {
                    continue;
                };
                let ratio = ours.map(|o| s.median / o.median).unwrap_or(f64::NAN);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {} | {} – {} | {ratio:.1}× |",
                    size_label(size),
                    tool.name(),
                    fmt_secs(s.median),
                    fmt_secs(s.min),
                    fmt_secs(s.max)
                );
                if let Some(o) = ours {
                    let need = match tool {
                        Tool::AwsCli => Some(10.0),
                        Tool::Rclone => Some(3.0),
                        _ => None,
                    };
                    if let Some(need) = need {
                        targets.push(Target {
                            what: format!(
                                "Small file to link ({}, {server}): at least {need:.0}× faster than {}",
                                size_label(size),
                                tool.short()
                            ),
                            measured: format!("{:.1}×", s.median / o.median),
                            met: s.median / o.median >= need,
                            why: None,
                        });
                    }
                }
            }
        }
    }

    let _ = writeln!(md, "\n## 2. Big uploads: throughput\n");
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|---|---|"
    );
    let mib_s = |size: u64, secs: f64| size as f64 / MIB as f64 / secs;
    for &server in &servers {
        for &size in &plan.big_sizes {
            let ours = median_of(m, "big", server, size, Tool::LinkDrop);
            for tool in [
                Tool::LinkDrop,
                Tool::LinkDropEncrypted,
                Tool::AwsCli,
                Tool::Rclone,
                Tool::Boto3,
                Tool::CurlPut,
                Tool::Cat,
            ] {
                let Some(s) = median_of(m, "big", server, size, tool) else {
                    continue;
                };
                let ratio = ours
                    .map(|o| mib_s(size, s.median) / mib_s(size, o.median))
                    .unwrap_or(f64::NAN);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {:.0} MiB/s | {:.0} – {:.0} MiB/s | {ratio:.2}× |",
                    size_label(size),
                    tool.name(),
                    mib_s(size, s.median),
                    mib_s(size, s.max),
                    mib_s(size, s.min)
                );
            }
            if let Some(o) = ours
                && size == *plan.big_sizes.last().unwrap()
            {
                let ours = mib_s(size, o.median);
                if let Some(e) = median_of(m, "big", server, size, Tool::LinkDropEncrypted) {
                    let sealed = mib_s(size, e.median);
                    targets.push(Target {
                        what: format!(
                            "{} encrypted upload ({server}): at least 0.8 of the unencrypted share",
                            size_label(size)
                        ),
                        measured: format!("{sealed:.0} vs {ours:.0} MiB/s ({:.2}×)", sealed / ours),
                        met: sealed >= ours * 0.8,
                        why: (sealed < ours * 0.8).then(|| {
                            "AES-256-GCM runs on the same cores as the upload and the store; each part \
                             is encrypted in memory while the others are sent."
                                .to_owned()
                        }),
                    });
                }
                // To our own store nothing stands between the share and the disk but the store:
                // its completion takes no second pass, so the share keeps up with one PUT.
                let (curl_factor, curl_words) = if server == "embedded store" {
                    (0.9, "at least 0.9 of curl PUT")
                } else {
                    (0.8, "within 80 % of curl PUT")
                };
                for (tool, factor, words) in [
                    (Tool::Rclone, 1.0, "at least rclone's throughput"),
                    (Tool::AwsCli, 2.0, "2× the AWS CLI's"),
                    (Tool::CurlPut, curl_factor, curl_words),
                ] {
                    if let Some(t) = median_of(m, "big", server, size, tool) {
                        let theirs = mib_s(size, t.median);
                        targets.push(Target {
                            what: format!("{} upload ({server}): {words}", size_label(size)),
                            measured: format!(
                                "{ours:.0} vs {theirs:.0} MiB/s ({:.2}×)",
                                ours / theirs
                            ),
                            met: ours >= theirs * factor,
                            why: (ours < theirs * factor).then(|| match tool {
                                Tool::AwsCli => format!(
                                    "On loopback every multipart client waits on the same server, which shares this \
                                     machine's {} cores with it: the server's hashing and disk writes set the pace, \
                                     so LinkDrop is {} the AWS CLI ({:.2}×), not twice as fast. Both send \
                                     parts in parallel (8 and 10 at once).",
                                    std::thread::available_parallelism().map_or(0, |n| n.get()),
                                    if ours >= theirs * 1.05 { "ahead of" } else { "level with" },
                                    ours / theirs
                                ),
                                Tool::CurlPut if server == "embedded store" => "The share and the store share \
                                    this machine's cores: every part is hashed twice (CRC32C by LinkDrop, MD5 \
                                    and CRC32C by the store) where curl's one stream is hashed once (MD5 by the \
                                    store)."
                                    .to_owned(),
                                _ => format!(
                                    "{server} does more work per part than per single PUT; curl sends one stream."
                                ),
                            }),
                        });
                    }
                }
            }
        }
    }

    let _ = writeln!(md, "\n## 3. Peak memory (max RSS) during the big uploads\n");
    let _ = writeln!(
        md,
        "| Server | Size | Tool | Peak RSS (median) | Spread |\n|---|---|---|---|---|"
    );
    for &server in &servers {
        for &size in &plan.big_sizes {
            for tool in [
                Tool::LinkDrop,
                Tool::LinkDropEncrypted,
                Tool::AwsCli,
                Tool::Rclone,
                Tool::Boto3,
                Tool::CurlPut,
            ] {
                let Some(v) = m.rss.get(&(server, size, tool)) else {
                    continue;
                };
                let s = stats(v);
                let _ = writeln!(
                    md,
                    "| {server} | {} | {} | {:.0} MB | {:.0} – {:.0} MB |",
                    size_label(size),
                    tool.short(),
                    s.median / 1024.0,
                    s.min / 1024.0,
                    s.max / 1024.0
                );
            }
        }
        let ours: Vec<f64> = plan
            .big_sizes
            .iter()
            .filter_map(|&size| {
                m.rss
                    .get(&(server, size, Tool::LinkDrop))
                    .map(|v| stats(v).median / 1024.0)
            })
            .collect();
        if let (Some(first), Some(last)) = (ours.first(), ours.last()) {
            targets.push(Target {
                what: format!("Peak RSS of the biggest upload under 150 MB ({server})"),
                measured: format!("{last:.0} MB"),
                met: *last < 150.0,
                why: None,
            });
            if ours.len() > 1 {
                targets.push(Target {
                    what: format!(
                        "Peak RSS flat as the file grows ({} → {}, {server}): less than 10 MB more",
                        size_label(plan.big_sizes[0]),
                        size_label(*plan.big_sizes.last().unwrap())
                    ),
                    measured: format!("{first:.0} → {last:.0} MB"),
                    met: *last - first < 10.0,
                    why: None,
                });
            }
        }
    }

    let _ = writeln!(
        md,
        "\n## 4. Presigning alone: {} GET links in-process\n",
        plan.presigns
    );
    if let Some((presign_ours, presign_boto3)) = presign {
        let _ = writeln!(
            md,
            "| Tool | Median | Spread | Ratio to LinkDrop |\n|---|---|---|---|"
        );
        for (name, s) in [
            ("LinkDrop (`presign::presign_get`)", presign_ours),
            ("boto3 `generate_presigned_url` loop", presign_boto3),
        ] {
            let _ = writeln!(
                md,
                "| {name} | {} | {} – {} | {:.1}× |",
                fmt_secs(s.median),
                fmt_secs(s.min),
                fmt_secs(s.max),
                s.median / presign_ours.median
            );
        }
        if let Some(criterion) = criterion_median("presign", "10k_links") {
            let _ = writeln!(
                md,
                "\nCriterion (`benches/presign.rs`, 10,000 links): {}.",
                fmt_secs(criterion)
            );
        }
        let per_10k = presign_ours.median * 10_000.0 / plan.presigns as f64;
        targets.push(Target {
            what: "10,000 presigns under 0.5 s".into(),
            measured: fmt_secs(per_10k),
            met: per_10k < 0.5,
            why: None,
        });
    }

    let _ = writeln!(
        md,
        "\n## 5. History with 100,000 entries (criterion, `benches/history.rs`)\n"
    );
    let cases = [
        ("open", "open"),
        ("first_page", "first page (100 rows)"),
        ("first_page_with_total", "first page and the total"),
        ("search_first_page", "search, first page"),
        ("filter_expired_first_page", "expired filter, first page"),
        ("last_page", "last page"),
        ("counts", "per-filter counts"),
    ];
    let mut any = false;
    let _ = writeln!(md, "| Operation | Median |\n|---|---|");
    for (id, words) in cases {
        if let Some(s) = criterion_median("history_100k", id) {
            any = true;
            let _ = writeln!(md, "| {words} | {} |", fmt_secs(s));
            if id == "first_page" || id == "search_first_page" {
                targets.push(Target {
                    what: format!("History at 100,000 entries: {words} under 50 ms"),
                    measured: fmt_secs(s),
                    met: s < 0.05,
                    why: None,
                });
            }
        }
    }
    if !any {
        let _ = writeln!(
            md,
            "| (not run: `make bench` runs the criterion benchmarks first) | |"
        );
    }

    let _ = writeln!(md, "\n## 6. The app: cold start and idle memory (Xvfb)\n");
    match app {
        Some(a) => {
            let _ = writeln!(
                md,
                "| Measure | Median | Spread |\n|---|---|---|\n\
                 | Start to a visible window | {} | {} – {} |\n\
                 | Start to the page asking for its first data | {} | {} – {} |\n\
                 | Idle RSS of the app process | {:.0} MB | |\n\
                 | Idle PSS of the app process (shared pages split among their users) | {:.0} MB | |\n\
                 | Idle private memory of the app process | {:.0} MB | |\n\
                 | Idle memory with WebKit's web and network processes (PSS) | {:.0} MB | |",
                fmt_secs(a.to_window.median),
                fmt_secs(a.to_window.min),
                fmt_secs(a.to_window.max),
                fmt_secs(a.to_ui.median),
                fmt_secs(a.to_ui.min),
                fmt_secs(a.to_ui.max),
                a.idle_rss_mb,
                a.idle_pss_mb,
                a.idle_private_mb,
                a.idle_tree_pss_mb
            );
            let _ = writeln!(
                md,
                "\nWhere the app process's RSS goes (largest mappings):\n\n| Mapping | RSS |\n|---|---|"
            );
            for (name, mb) in &a.idle_largest {
                let _ = writeln!(md, "| `{name}` | {mb:.1} MB |");
            }
            targets.push(Target {
                what: "Cold start to a visible window under 1 s".into(),
                measured: fmt_secs(a.to_window.median),
                met: a.to_window.median < 1.0,
                why: None,
            });
            targets.push(Target {
                what: "Idle RSS under 120 MB (the app process)".into(),
                measured: format!("{:.0} MB", a.idle_rss_mb),
                met: a.idle_rss_mb < 120.0,
                why: (a.idle_rss_mb >= 120.0).then(|| {
                    let of = |part: &str| -> f64 {
                        a.idle_largest
                            .iter()
                            .filter(|(n, _)| n.contains(part))
                            .map(|(_, mb)| mb)
                            .sum()
                    };
                    format!(
                        "RSS counts shared libraries in full. {:.0} MB of it is Mesa's software \
                         renderer (libLLVM, swrast_dri), which GTK's GLX probe and WebKit's EGL display \
                         load on a display without a GPU such as Xvfb (a desktop with a GPU loads its \
                         driver instead); {:.0} MB is WebKitGTK and JavaScriptCore. LinkDrop's own code \
                         is {:.0} MB and its heap {:.0} MB. Split fairly among the processes that share \
                         them (PSS), the app process holds {:.0} MB, {:.0} MB of it private.",
                        of("LLVM") + of("swrast"),
                        of("webkit2gtk") + of("javascriptcore"),
                        of("linkdrop"),
                        of("[heap]"),
                        a.idle_pss_mb,
                        a.idle_private_mb
                    )
                }),
            });
        }
        None => {
            let _ = writeln!(
                md,
                "Not measured: no session bus (run through `make bench`)."
            );
        }
    }

    let _ = writeln!(
        md,
        "\n## Targets\n\n| Target | Measured | Met |\n|---|---|---|"
    );
    for t in &targets {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            t.what,
            t.measured,
            if t.met { "yes" } else { "**no**" }
        );
    }
    let missed: Vec<&Target> = targets.iter().filter(|t| !t.met).collect();
    if !missed.is_empty() {
        let _ = writeln!(md, "\n### Where a target is missed\n");
        for t in missed {
            let why = t.why.as_deref().unwrap_or("Not profiled yet.");
            let _ = writeln!(md, "- **{}** ({}): {why}", t.what, t.measured);
        }
    }
    let _ = writeln!(
        md,
        "\nCharts: `throughput.svg`, `small-files.svg`, `peak-rss.svg` beside this file."
    );
    md
}

pub(super) fn write_charts(plan: &Plan, m: &Measured) {
    let servers: Vec<&'static str> = {
        let mut s: Vec<_> = m.times.keys().map(|k| k.1).collect();
        s.sort();
        s.dedup();
        s
    };
    let groups = |sizes: &[u64]| -> Vec<(String, &'static str, u64)> {
        servers
            .iter()
            .flat_map(|&srv| {
                sizes
                    .iter()
                    .map(move |&size| (format!("{} · {srv}", size_label(size)), srv, size))
            })
            .collect()
    };
    let small = groups(&plan.small_sizes);
    let series: Vec<(String, Vec<Option<f64>>)> = SHARERS
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                small
                    .iter()
                    .map(|(_, srv, size)| {
                        median_of(m, "small", srv, *size, tool).map(|s| s.median * 1e3)
                    })
                    .collect(),
            )
        })
        .collect();
    let labels: Vec<String> = small.iter().map(|g| g.0.clone()).collect();
    std::fs::write(
        plan.out_dir.join("small-files.svg"),
        bar_chart(
            "File to link, small files (lower is better)",
            "milliseconds",
            &labels,
            &series,
        ),
    )
    .unwrap();

    let big = groups(&plan.big_sizes);
    let labels: Vec<String> = big.iter().map(|g| g.0.clone()).collect();
    let uploaders = [
        Tool::LinkDrop,
        Tool::LinkDropEncrypted,
        Tool::AwsCli,
        Tool::Rclone,
        Tool::Boto3,
        Tool::CurlPut,
    ];
    let series: Vec<(String, Vec<Option<f64>>)> = uploaders
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                big.iter()
                    .map(|(_, srv, size)| {
                        median_of(m, "big", srv, *size, tool)
                            .map(|s| *size as f64 / MIB as f64 / s.median)
                    })
                    .collect(),
            )
        })
        .collect();
    std::fs::write(
        plan.out_dir.join("throughput.svg"),
        bar_chart(
            "Upload throughput by file size (higher is better)",
            "MiB/s",
            &labels,
            &series,
        ),
    )
    .unwrap();
    let series: Vec<(String, Vec<Option<f64>>)> = uploaders
        .iter()
        .map(|&tool| {
            (
                tool.short().to_owned(),
                big.iter()
                    .map(|(_, srv, size)| {
                        m.rss
                            .get(&(*srv, *size, tool))
                            .map(|v| stats(v).median / 1024.0)
                    })
                    .collect(),
            )
        })
        .collect();
    std::fs::write(
        plan.out_dir.join("peak-rss.svg"),
        bar_chart(
            "Peak memory during the upload (lower is better)",
            "MB (max RSS)",
            &labels,
            &series,
        ),
    )
    .unwrap();
}
