//! The domain knows nothing of Tauri: only `src-tauri/desktop/` may import it, so everything that
//! uploads, presigns, stores profiles or reads credentials builds and is tested without a window.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_desktop_shell_imports_tauri() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let shell = root.join("desktop");
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| !f.starts_with(&shell) && !f.ends_with("build.rs"))
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
