//! What the webview may do (SECURITY.md, "The window"): a page that ran someone else's script could
//! call only LinkDrop's own commands, load nothing from the network and reach no plugin (the file
//! dialog is opened by the backend). These checks read the configuration Tauri builds from, so loosening it fails here.

use std::collections::BTreeSet;

use serde_json::Value;

fn conf() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json"))
        .expect("tauri.conf.json");
    serde_json::from_str(&text).expect("tauri.conf.json is JSON")
}

/// The quoted names in `source` between `start` and the next `end`.
fn names_between(source: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = source
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"))
        + start.len();
    let to = from + source[from..].find(end).unwrap();
    source[from..to]
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn capability(conf: &Value, id: &str) -> BTreeSet<String> {
    conf["app"]["security"]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["identifier"] == id)
        .unwrap_or_else(|| panic!("no capability {id}"))["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_content_security_policy_loads_only_the_app_itself() {
    let conf = conf();
    let security = &conf["app"]["security"];
    let csp = security["csp"].as_object().expect("a CSP is set");
    for (directive, value) in csp {
        let value = value.as_str().unwrap();
        assert!(
            !value.contains("unsafe-") && !value.contains('*') && !value.contains("https:"),
            "{directive}: {value}"
        );
    }
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    // The page talks to the Rust side and to nothing else: uploads and links go through Rust.
    assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost");
    assert_eq!(security["freezePrototype"], true);
    assert_eq!(conf["app"]["withGlobalTauri"], false);
}

#[test]
fn the_window_may_call_exactly_the_apps_commands_and_listen() {
    let conf = conf();
    let build = include_str!("../src-tauri/build.rs");
    let shell = include_str!("../src-tauri/desktop/mod.rs");
    let declared = names_between(build, "commands(&[", "]");
    let handled: BTreeSet<String> = names_between(shell, "generate_handler![", "]")
        .into_iter()
        // `commands::share_file`, `requests::create_request`: the command is the last part.
        .filter_map(|n| n.rsplit("::").next().map(str::to_owned))
        .collect();
    assert_eq!(
        declared, handled,
        "build.rs and the invoke handler list different commands"
    );

    let granted = capability(&conf, "main-window");
    let commands: BTreeSet<String> = granted
        .iter()
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        commands, declared,
        "the main window is granted other commands than there are"
    );
    let plugins: BTreeSet<&str> = granted
        .iter()
        .filter(|p| p.contains(':'))
        .map(String::as_str)
        .collect();
    assert_eq!(
        plugins,
        // The file dialog runs in Rust (`choose_files`): the page cannot open one by itself.
        BTreeSet::from(["core:event:allow-listen", "core:event:allow-unlisten"]),
        "no dialog, file system, shell, HTTP or opener access from the page"
    );
}

#[test]
fn the_drop_target_calls_nothing() {
    let granted = capability(&conf(), "drop-target");
    assert!(
        granted.iter().all(|p| p.starts_with("core:event:")),
        "{granted:?}"
    );
}
