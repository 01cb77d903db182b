//! The house's shape, checked: which room may use which, and what each binary carries.
//!
//! - The domain (`crates/core`, the library `linkdrop`) and the command line (`crates/cli`) have
//!   no Tauri, GTK, WebKit or wry in their dependency tree: the compiler keeps the boundary, and
//!   this test keeps the manifests honest.
//! - The `linkdrop` binary links no GUI library (`ldd`), while `linkdrop-desktop` does.
//! - Inside each crate, a folder uses only the folders its line in `ALLOWED` names, and no two
//!   folders use each other, directly or around a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Which room of the domain may use which (`crate::X` in its files). From the bottom up: a room
/// uses only rooms listed before it.
const CORE: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("system", &["error"]),
    ("capture", &["error", "system"]),
    ("profiles", &["error", "system"]),
    ("credentials", &["error", "system", "profiles"]),
    (
        "local_store",
        &["error", "system", "profiles", "credentials"],
    ),
    (
        "context",
        &["error", "system", "profiles", "credentials", "local_store"],
    ),
    (
        "storage",
        &["error", "system", "profiles", "credentials", "local_store"],
    ),
    (
        "links",
        &[
            "error",
            "system",
            "profiles",
            "context",
            "local_store",
            "storage",
        ],
    ),
    (
        "share",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "links",
        ],
    ),
    (
        "check",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "share",
        ],
    ),
    (
        "settings",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "check",
        ],
    ),
    (
        "pages",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "links",
            "share",
        ],
    ),
    (
        "requests",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "links",
            "share",
        ],
    ),
    (
        "tidy",
        &[
            "error",
            "system",
            "profiles",
            "credentials",
            "local_store",
            "context",
            "storage",
            "links",
            "share",
            "pages",
            "requests",
        ],
    ),
];

/// The command line's rooms (`crate::X`); the domain is `linkdrop::`, open to all.
const CLI: &[(&str, &[&str])] = &[
    ("args", &[]),
    ("output", &[]),
    ("handover", &["args"]),
    ("request", &["args", "output"]),
    ("run", &["args", "handover", "output", "request"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module each file of `src` belongs to, and the `crate::X` it uses.
fn uses(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut found: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let room = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if room == "lib" || room == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let entry = found.entry(room.clone()).or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let used = if name == "Context" {
                    "context".to_owned()
                } else {
                    name
                };
                if !used.is_empty() && used != room {
                    entry
                        .entry(used)
                        .or_insert_with(|| format!("{}:{}", relative.display(), n + 1));
                }
            }
        }
    }
    found
}

fn check_rooms(crate_dir: &str, allowed: &[(&str, &[&str])]) {
    let src = repo().join(crate_dir).join("src");
    let found = uses(&src);
    let allowed: BTreeMap<&str, BTreeSet<&str>> = allowed
        .iter()
        .map(|(room, may)| (*room, may.iter().copied().collect()))
        .collect();
    let mut wrong = Vec::new();
    for (room, used) in &found {
        let Some(may) = allowed.get(room.as_str()) else {
            wrong.push(format!(
                "{crate_dir}: the room {room} is not in the allow-list"
            ));
            continue;
        };
        for (other, at) in used {
            if !may.contains(other.as_str()) {
                wrong.push(format!("{crate_dir}: {room} uses {other} ({at})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses outside the allow-list:\n{}",
        wrong.join("\n")
    );
    if let Some(circle) = find_circle(&found) {
        panic!(
            "{crate_dir}: the rooms use each other around a circle: {}",
            circle.join(" -> ")
        );
    }
}

/// A circle in the graph, if there is one (depth-first, three colours).
fn find_circle(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn each_room_of_the_domain_uses_only_what_it_may_and_no_circle() {
    check_rooms("crates/core", CORE);
}

#[test]
fn each_room_of_the_command_line_uses_only_what_it_may_and_no_circle() {
    check_rooms("crates/cli", CLI);
}

#[test]
fn a_circle_is_found_where_there_is_one() {
    let graph: BTreeMap<String, BTreeMap<String, String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_owned(),
            v.into_iter()
                .map(|x| (x.to_owned(), String::new()))
                .collect(),
        )
    })
    .collect();
    assert_eq!(find_circle(&graph).unwrap(), ["a", "b", "c", "a"]);
    let mut acyclic = graph.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(find_circle(&acyclic), None);
}

/// Crates no front end but the window may pull in.
const GUI: &[&str] = &[
    "tauri",
    "gtk",
    "gdk",
    "webkit2gtk",
    "wry",
    "javascriptcore-rs",
    "soup3",
    "tao",
];

fn dependency_tree(package: &str) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo())
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn gui_crates(tree: &[String]) -> Vec<&String> {
    tree.iter()
        .filter(|name| {
            GUI.iter().any(|g| {
                name == g
                    || name.starts_with(&format!("{g}-"))
                    || name.starts_with(&format!("{g}_"))
            })
        })
        .collect()
}

#[test]
fn the_domain_and_the_command_line_have_no_gui_in_their_tree() {
    for package in ["linkdrop-core", "linkdrop-cli"] {
        let tree = dependency_tree(package);
        assert!(tree.len() > 50, "{package}: {tree:?}");
        let gui = gui_crates(&tree);
        assert!(gui.is_empty(), "{package} depends on {gui:?}");
    }
    // The same look finds them where they are.
    let window = dependency_tree("linkdrop-desktop");
    assert!(
        !gui_crates(&window).is_empty(),
        "the window's tree has no tauri?"
    );
}

#[test]
fn the_command_line_binary_links_no_gui_library() {
    let desktop = PathBuf::from(env!("CARGO_BIN_EXE_linkdrop-desktop"));
    let cli = desktop.with_file_name("linkdrop");
    assert!(
        cli.is_file(),
        "{} is not built (cargo test --workspace builds it)",
        cli.display()
    );
    let libraries = |binary: &Path| {
        let out = Command::new("ldd").arg(binary).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let gui = |listing: &str| -> Vec<String> {
        listing
            .lines()
            .filter(|l| {
                [
                    "libwebkit2gtk",
                    "libgtk-",
                    "libjavascriptcoregtk",
                    "libgdk-",
                ]
                .iter()
                .any(|g| l.contains(g))
            })
            .map(|l| l.trim().to_owned())
            .collect()
    };
    let in_cli = gui(&libraries(&cli));
    assert!(in_cli.is_empty(), "linkdrop links {in_cli:?}");
    assert!(
        !gui(&libraries(&desktop)).is_empty(),
        "ldd finds no GTK in the window either?"
    );
}

#[test]
fn only_the_desktop_shell_imports_tauri() {
    let mut files = Vec::new();
    for dir in ["crates/core/src", "crates/cli/src"] {
        rust_files(&repo().join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {files:?}");
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines().any(|l| {
                let l = l.trim_start();
                !l.starts_with("//") && (l.contains("tauri::") || l.contains("use tauri"))
            })
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "domain files import tauri: {offenders:?}"
    );
}

/// Each room's first lines say what it may use, and say it as the allow-list does.
#[test]
fn each_room_says_what_it_may_use_as_the_allow_list_does() {
    let rooms = [("crates/core", CORE), ("crates/cli", CLI)];
    for (crate_dir, allowed) in rooms {
        for (room, may) in allowed {
            let src = repo().join(crate_dir).join("src");
            let file = [
                src.join(room).join("mod.rs"),
                src.join(format!("{room}.rs")),
            ]
            .into_iter()
            .find(|f| f.is_file())
            .unwrap_or_else(|| panic!("{crate_dir}: no file for {room}"));
            let text = std::fs::read_to_string(&file).unwrap();
            let doc: String = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .map(|l| l.trim_start_matches("//!").trim())
                .collect::<Vec<_>>()
                .join(" ");
            let said = doc
                .split_once("May use:")
                .unwrap_or_else(|| panic!("{}: no \"May use:\" line", file.display()))
                .1;
            let said = said.split(" (`tests/architecture.rs`").next().unwrap();
            let named: BTreeSet<&str> = said
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|name| *name != "linkdrop")
                .collect();
            let listed: BTreeSet<&str> = may.iter().copied().collect();
            assert_eq!(named, listed, "{}: says {said:?}", file.display());
        }
    }
}
