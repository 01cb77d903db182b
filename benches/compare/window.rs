//! Cold starts of the window under Xvfb, and its memory: what `make bench` measures of the app.

use super::*;

/// Cold starts of the window under Xvfb: to a mapped window, and to the UI asking for its first
/// data (the page is up); then the memory of the app and its WebKit processes, idle.
pub(super) struct AppStart {
    pub(super) to_window: Stats,
    pub(super) to_ui: Stats,
    /// The app process alone, and with its WebKit helper processes (PSS, so shared pages count once).
    pub(super) idle_rss_mb: f64,
    pub(super) idle_tree_pss_mb: f64,
    /// The app process's own memory: PSS, and the private pages (what only it holds).
    pub(super) idle_pss_mb: f64,
    pub(super) idle_private_mb: f64,
    /// The app process's largest mappings by RSS, MB: where its RSS goes.
    pub(super) idle_largest: Vec<(String, f64)>,
}

pub(super) fn app_start(plan: &Plan) -> Option<AppStart> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("bench: no session bus (run through make): the app start is not measured");
        return None;
    }
    let env = TestEnv::new();
    // A display of its own: the first free number from 90 on.
    let number = (90..400)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("no free X display number");
    let display = format!(":{number}");
    let _xvfb = common::KillOnDrop(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
                // Else the server resets when the last client (the app just killed) goes, and
                // the next start finds no display for a moment.
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(env.dir.path().join("xvfb.log")).unwrap())
            .spawn()
            .expect("cannot start Xvfb (Debian's xvfb; `make bench` installs it)"),
        Vec::new(),
    );
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (mut to_window, mut to_ui) = (Vec::new(), Vec::new());
    let (mut rss, mut pss, mut own_pss, mut private) = (0.0, 0.0, 0.0, 0.0);
    let mut largest = Vec::new();
    // The first start makes the local profile and its keychain entry: not a start users repeat.
    for i in 0..=plan.app_starts {
        // The last start's window must be gone from the bus, or this one would hand over to it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while linkdrop_cli::handover::window_running() {
            assert!(
                Instant::now() < deadline,
                "the last LinkDrop window did not go away"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = env.dir.path().join(format!("app-{i}.log"));
        let start = Instant::now();
        let mut app = common::KillOnDrop(
            env.linkdrop(&[])
                .env("DISPLAY", &display)
                .env("GDK_BACKEND", "x11")
                .env("NO_AT_BRIDGE", "1")
                .env("LINKDROP_LOG", "info")
                .env("XDG_CONFIG_HOME", env.dir.path().join("xdg-config"))
                .env("XDG_DATA_HOME", env.dir.path().join("xdg-data"))
                .env("XDG_CACHE_HOME", env.dir.path().join("xdg-cache"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
            Vec::new(),
        );
        let pid = app.0.id();
        let mut window = None;
        let mut ui = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while (window.is_none() || ui.is_none()) && Instant::now() < deadline {
            if window.is_none() && visible_window(&display, "^LinkDrop$") {
                window = Some(start.elapsed());
            }
            if ui.is_none()
                && std::fs::read_to_string(&log).is_ok_and(|l| l.contains("the window is ready"))
            {
                ui = Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let (Some(window), Some(ui)) = (window, ui) else {
            panic!(
                "the app (start {i}) did not show its window within 60 s; it {}; its log: {:?}; Xvfb's: {:?}",
                match app.0.try_wait() {
                    Ok(Some(status)) => format!("exited with {status}"),
                    _ => "still runs".to_owned(),
                },
                std::fs::read_to_string(&log).unwrap_or_default(),
                std::fs::read_to_string(env.dir.path().join("xvfb.log")).unwrap_or_default()
            );
        };
        if i > 0 {
            to_window.push(window.as_secs_f64());
            to_ui.push(ui.as_secs_f64());
        }
        if i == plan.app_starts {
            std::thread::sleep(Duration::from_secs(if plan.quick { 1 } else { 5 }));
            rss = proc_kib(pid, "status", "VmRSS:") as f64 / 1024.0;
            own_pss = proc_kib(pid, "smaps_rollup", "Pss:") as f64 / 1024.0;
            private = (proc_kib(pid, "smaps_rollup", "Private_Clean:")
                + proc_kib(pid, "smaps_rollup", "Private_Dirty:")) as f64
                / 1024.0;
            largest = rss_by_mapping(pid, 8);
            pss = process_tree(pid)
                .iter()
                .map(|&p| proc_kib(p, "smaps_rollup", "Pss:"))
                .sum::<u64>() as f64
                / 1024.0;
        }
        let tree = process_tree(pid);
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !matches!(app.0.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        for p in tree {
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(p.to_string())
                .status();
        }
    }
    Some(AppStart {
        to_window: stats(&to_window),
        to_ui: stats(&to_ui),
        idle_rss_mb: rss,
        idle_tree_pss_mb: pss,
        idle_pss_mb: own_pss,
        idle_private_mb: private,
        idle_largest: largest,
    })
}

/// The `n` mappings of `pid` with the most resident memory (libraries by file name), in MB.
pub(super) fn rss_by_mapping(pid: u32, n: usize) -> Vec<(String, f64)> {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
    let mut current = String::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            current = line
                .split_whitespace()
                .nth(5)
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_owned())
                .unwrap_or_else(|| "[anonymous]".into());
        } else if let Some(kib) = line.strip_prefix("Rss:") {
            *by_name.entry(current.clone()).or_default() += kib
                .split_whitespace()
                .next()
                .and_then(|k| k.parse().ok())
                .unwrap_or(0);
        }
    }
    let mut all: Vec<(String, f64)> = by_name
        .into_iter()
        .map(|(name, kib)| (name, kib as f64 / 1024.0))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1));
    all.truncate(n);
    all
}

pub(super) fn visible_window(display: &str, title: &str) -> bool {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", title])
        .env("DISPLAY", display)
        .output();
    let Ok(out) = out else { return false };
    String::from_utf8_lossy(&out.stdout).lines().any(|id| {
        Command::new("xdotool")
            .args(["getwindowgeometry", "--shell", id.trim()])
            .env("DISPLAY", display)
            .output()
            .is_ok_and(|g| {
                let g = String::from_utf8_lossy(&g.stdout);
                // GTK's 1×1 helper windows carry the app's title too.
                !g.contains("WIDTH=1\n")
            })
    })
}

/// `pid` and every process below it (WebKit's web and network processes).
pub(super) fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat"))
            && let Some(rest) = stat.rsplit(')').next()
            && let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse().ok())
        {
            parents.push((p, ppid));
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

/// A `Field:  123 kB` line of `/proc/PID/FILE` (status, smaps_rollup), in KiB; 0 when absent.
pub(super) fn proc_kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(field)?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}
