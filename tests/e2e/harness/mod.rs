//! The end-to-end harness: one real LinkDrop window per test, driven over WebDriver.
//!
//! `App::launch()` gives a test its own Xvfb display, its own D-Bus session bus with an unlocked
//! throwaway keyring and a stand-in notification server, its own LinkDrop config and data dirs and
//! keychain service name, and its own tauri-driver (which starts WebKitWebDriver, which starts the
//! app). Everything the app gets reaches it through tauri-driver's environment: WebKitWebDriver and
//! the app inherit it. Dropping the `App` (also when the test panics) ends every process the test
//! started, found by a marker in their environment; a failing test keeps its temp dir (logs,
//! screenshots) and prints where it is.
//!
//! Tools (see tests/e2e/README.md): Xvfb, dbus-daemon, dbus-send, gnome-keyring-daemon, xdotool,
//! xclip, /usr/bin/python3 with python3-gi and gir1.2-gtk-3.0, WebKitWebDriver (webkit2gtk-driver),
//! tauri-driver 2.1.0 (`LINKDROP_TAURI_DRIVER`, else ~/.cache/linkdrop/tools/bin/tauri-driver, else
//! PATH).

pub mod desktop;
pub mod procs;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub use desktop::Notification;
use desktop::{Bus, Display, SCREEN, helper, python, x_command};
use procs::{Lines, Proc};

/// How long a test waits for something the UI should show.
pub const UI_TIMEOUT: Duration = Duration::from_secs(15);
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

/// What to start the app with, beyond the isolation every test gets.
#[derive(Default)]
pub struct Launch {
    env: Vec<(String, String)>,
    args: Vec<String>,
    /// No Secret Service on the test's bus (a desktop without a keyring).
    no_keyring: bool,
}

impl Launch {
    /// An environment variable for the app (and tauri-driver, WebKitWebDriver); wins over the defaults.
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// Command-line arguments for the app.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// A desktop with no keyring: nothing owns the Secret Service's name on the bus, and nothing
    /// starts it on demand.
    pub fn without_keyring(mut self) -> Self {
        self.no_keyring = true;
        self
    }

    pub async fn launch(self) -> App {
        App::start(self).await
    }
}

/// The app's own isolation: where it keeps its files and which keychain service it uses.
pub struct AppDirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub keychain_service: String,
}

/// An X window's place on the test display.
#[derive(Debug, Clone, Copy)]
pub struct XWindow {
    pub id: u64,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// What the drag source saw of a drag (see helpers/drag_source.py).
#[derive(Debug)]
pub struct DragOutcome {
    /// The target the drop asked for (`text/uri-list` for a file drop), if the drop asked at all.
    pub data_requested: Option<String>,
    /// GTK's reason when the drag failed (`no-target`, `user-cancelled`, ...).
    pub failed: Option<String>,
}

/// What teardown found: processes that ignored SIGTERM and had to be killed, and any left after that.
#[derive(Debug)]
pub struct Teardown {
    pub killed: Vec<String>,
    pub left: Vec<u32>,
}

pub struct App {
    client: Option<Client>,
    id: String,
    dir: Option<tempfile::TempDir>,
    pub dirs: AppDirs,
    display: Display,
    bus: Bus,
    procs: Vec<Proc>,
    app_bin: PathBuf,
    driver_log: PathBuf,
    torn_down: bool,
}

impl App {
    pub fn builder() -> Launch {
        Launch::default()
    }

    /// The app as a first-time user gets it: fresh config, data and keychain.
    pub async fn launch() -> App {
        Launch::default().launch().await
    }

    async fn start(launch: Launch) -> App {
        procs::end_orphans();
        let id = procs::new_id();
        let dir = tempfile::Builder::new()
            .prefix("linkdrop-e2e-")
            .tempdir()
            .expect("cannot create the test's temp dir");
        let root = dir.path().to_owned();
        let logs = root.join("logs");
        for sub in [
            "logs",
            "screenshots",
            "app/config",
            "app/data",
            "home",
            "tmp",
        ] {
            std::fs::create_dir_all(root.join(sub)).expect("cannot create the test dirs");
        }
        for sub in ["data", "config", "cache", "runtime"] {
            std::fs::create_dir_all(root.join("xdg").join(sub))
                .expect("cannot create the XDG dirs");
        }
        let dirs = AppDirs {
            config: root.join("app/config"),
            data: root.join("app/data"),
            keychain_service: format!("linkdrop-e2e-{id}"),
        };

        let mut procs = Vec::new();
        // Build the app struct early so that a panic below still tears down what was started.
        let display = Display::start(&id, &logs, &mut procs);
        let bus = Bus::start(&id, &root, &logs, &mut procs, !launch.no_keyring);
        let mut app = App {
            client: None,
            id,
            dir: Some(dir),
            dirs,
            display,
            bus,
            procs,
            app_bin: app_binary(),
            driver_log: logs.join("tauri-driver.log"),
            torn_down: false,
        };
        app.start_driver_and_session(&root, launch).await;
        app
    }

    async fn start_driver_and_session(&mut self, root: &Path, launch: Launch) {
        let (port, native_port) = (free_port(), free_port());
        let mut cmd = Command::new(tauri_driver());
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(webkit_webdriver());
        // A clean environment: nothing of the developer's desktop (DISPLAY, WAYLAND_DISPLAY, session
        // bus, XDG dirs, themes) reaches the app; WebKitWebDriver and the app inherit all of this.
        cmd.env_clear().envs(self.app_env(root));
        for (name, value) in &launch.env {
            cmd.env(name, value);
        }
        let logs = root.join("logs");
        let driver = Proc::spawn("tauri-driver", cmd, &self.id, &logs);
        self.procs.push(driver);

        let deadline = Instant::now() + Duration::from_secs(10);
        while !(listening(port) && listening(native_port)) {
            self.procs.last_mut().unwrap().check_alive();
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {port} / {native_port} within 10 s; log:\n{}",
                procs::read_lossy(&self.driver_log)
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": self.app_bin, "args": launch.args }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        match tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&url)).await {
            Ok(Ok(client)) => self.client = Some(client),
            Ok(Err(e)) => panic!(
                "WebDriver session failed: {e}; tauri-driver log:\n{}",
                procs::read_lossy(&self.driver_log)
            ),
            Err(_) => panic!(
                "no WebDriver session within {SESSION_TIMEOUT:?}; tauri-driver log:\n{}",
                procs::read_lossy(&self.driver_log)
            ),
        }
    }

    /// The environment the app runs in: its own desktop, bus, dirs and keychain service.
    fn app_env(&self, root: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("PATH", std::env::var_os("PATH").unwrap_or_default()),
            ("LANG", "C.UTF-8".into()),
            ("HOME", root.join("home").into()),
            ("TMPDIR", root.join("tmp").into()),
            ("XDG_DATA_HOME", root.join("xdg/data").into()),
            ("XDG_CONFIG_HOME", root.join("xdg/config").into()),
            ("XDG_CACHE_HOME", root.join("xdg/cache").into()),
            ("XDG_RUNTIME_DIR", root.join("xdg/runtime").into()),
            ("DISPLAY", self.display.name().into()),
            ("GDK_BACKEND", "x11".into()),
            ("NO_AT_BRIDGE", "1".into()),
            ("DBUS_SESSION_BUS_ADDRESS", self.bus.address.clone().into()),
            ("LINKDROP_CONFIG_DIR", self.dirs.config.clone().into()),
            ("LINKDROP_DATA_DIR", self.dirs.data.clone().into()),
            (
                "LINKDROP_KEYCHAIN_SERVICE",
                self.dirs.keychain_service.clone().into(),
            ),
            (
                "LINKDROP_LOG",
                std::env::var("LINKDROP_E2E_LOG")
                    .unwrap_or_else(|_| "info,linkdrop=debug".into())
                    .into(),
            ),
            ("RUST_BACKTRACE", "1".into()),
        ]
    }

    /// Runs the same binary's command line (`linkdrop share ...`) as this app's user: same dirs,
    /// keychain and bus. Returns its stdout; panics with its stderr when it fails.
    pub fn cli(&self, args: &[&str]) -> String {
        self.cli_with(args, &[])
    }

    /// `cli`, with these environment variables set too.
    pub fn cli_with(&self, args: &[&str], vars: &[(&str, &str)]) -> String {
        let mut cmd = Command::new(&self.app_bin);
        cmd.env_clear()
            .envs(self.app_env(self.dir()))
            .env(procs::ID_ENV, &self.id)
            .env(procs::OWNER_ENV, std::process::id().to_string())
            .envs(vars.iter().copied())
            .args(args);
        procs::run(cmd, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("linkdrop {}: {e}", args.join(" ")))
    }

    /// Starts the command line as `cli` does, without waiting: for a test that kills it.
    pub fn spawn_cli(&self, args: &[&str]) -> std::process::Child {
        Command::new(&self.app_bin)
            .env_clear()
            .envs(self.app_env(self.dir()))
            .env(procs::ID_ENV, &self.id)
            .env(procs::OWNER_ENV, std::process::id().to_string())
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run linkdrop {}: {e}", args.join(" ")))
    }

    /// Like `cli`, for a command that may fail: its exit code, stdout and stderr.
    pub fn cli_status(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = Command::new(&self.app_bin)
            .env_clear()
            .envs(self.app_env(self.dir()))
            .env(procs::ID_ENV, &self.id)
            .env(procs::OWNER_ENV, std::process::id().to_string())
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run linkdrop {}: {e}", args.join(" ")));
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Like `cli_status`, at a terminal (a pseudo-terminal from util-linux's `script`), as a person
    /// typing the command: its exit code and everything it printed.
    pub fn cli_at_terminal(&self, args: &[&str]) -> (Option<i32>, String) {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let line = std::iter::once(self.app_bin.to_string_lossy().into_owned())
            .chain(args.iter().map(|a| (*a).to_owned()))
            .map(|a| quote(&a))
            .collect::<Vec<_>>()
            .join(" ");
        let output = Command::new("script")
            .args(["--quiet", "--return", "--command", &line, "/dev/null"])
            .env_clear()
            .envs(self.app_env(self.dir()))
            .env(procs::ID_ENV, &self.id)
            .env(procs::OWNER_ENV, std::process::id().to_string())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run script(1): {e}"));
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is closed")
    }

    /// The test's temp dir: logs/, screenshots/, app/config, app/data, ...
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("torn down").path()
    }

    /// Waits for the first element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client()
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let shot = self.screenshot("missing-element").await;
                panic!(
                    "no element {css:?} within {UI_TIMEOUT:?}: {e}; screenshot {}",
                    shot.display()
                )
            }
        }
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the text of {css:?}: {e}"))
    }

    /// Waits until the text of `css` contains `needle`; returns the whole text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let text = match self.client().find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("wait-for-text").await;
                panic!(
                    "{css:?} did not show {needle:?} within {UI_TIMEOUT:?} (last: {text:?}); screenshot {}; app log {}",
                    shot.display(),
                    self.driver_log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the first element matching `css` has `attr` = `want`.
    pub async fn wait_for_attr(&self, css: &str, attr: &str, want: &str) {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let now = match self.client().find(Locator::Css(css)).await {
                Ok(element) => element.attr(attr).await.unwrap_or_default(),
                Err(_) => None,
            };
            if now.as_deref() == Some(want) {
                return;
            }
            if Instant::now() >= deadline {
                let shot = self.screenshot("wait-for-attr").await;
                panic!(
                    "{css:?} has {attr}={now:?}, not {want:?}, after {UI_TIMEOUT:?}; screenshot {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a PNG of the webview as screenshots/<name>.png and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // WebKit takes the snapshot from what it last painted: let two frames pass so that what the
        // DOM already says is on screen too.
        let _ = self
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1];\n\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        let png = self
            .client()
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot failed: {e}"));
        let path = self.dir().join("screenshots").join(format!("{name}.png"));
        std::fs::write(&path, png).expect("cannot save the screenshot");
        path
    }

    /// The test's X display, e.g. ":3", for X clients a test runs itself.
    pub fn display_name(&self) -> String {
        self.display.name()
    }

    /// The X clipboard's text (CLIPBOARD selection) on the test's display, if anything owns it.
    pub fn clipboard(&self) -> Option<String> {
        let mut cmd = x_command(&self.display, &self.id, "xclip");
        cmd.args(["-o", "-selection", "clipboard"]);
        procs::run(cmd, Duration::from_secs(5)).ok()
    }

    /// Sets the X clipboard to `text` (xclip keeps serving it until another client takes it).
    pub fn set_clipboard(&self, text: &str) {
        let file = self.dir().join("tmp").join("clipboard-in");
        std::fs::write(&file, text).expect("cannot write the clipboard text");
        let mut cmd = x_command(&self.display, &self.id, "xclip");
        cmd.args(["-selection", "clipboard", "-i"]).arg(&file);
        procs::run(cmd, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
    }

    /// Waits until a tray item registered with the test's tray host; returns what it registered.
    pub fn wait_for_tray_item(&self) -> String {
        self.bus
            .tray
            .wait_for(UI_TIMEOUT, |l| {
                l.contains("\"registered\"").then(|| l.to_owned())
            })
            .expect("no tray item registered with the tray host")
    }

    /// Runs tests/e2e/helpers/desktop_entry.py (a desktop entry used through GIO, as a file
    /// manager or launcher does) with `args`, as this app's user, with the binary under test as
    /// the `linkdrop` on PATH.
    pub fn desktop_entry(&self, args: &[&str]) -> String {
        let bin = self.dir().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let link = bin.join("linkdrop");
        if !link.exists() {
            std::os::unix::fs::symlink(&self.app_bin, &link).unwrap();
        }
        let mut path = std::ffi::OsString::from(&bin);
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        let mut cmd = Command::new(python());
        cmd.env_clear()
            .envs(self.app_env(self.dir()))
            .env("PATH", path)
            .env(procs::ID_ENV, &self.id)
            .env(procs::OWNER_ENV, std::process::id().to_string())
            .arg(helper("desktop_entry.py"))
            .args(args);
        procs::run(cmd, Duration::from_secs(15)).unwrap_or_else(|e| panic!("desktop_entry.py: {e}"))
    }

    /// The tray item's icon (a PNG file path, as libayatana-appindicator gives it) and label.
    pub fn tray_props(&self) -> serde_json::Value {
        serde_json::from_str(&self.tray(&["props"])).expect("tray_host.py props gave no JSON")
    }

    /// Runs tests/e2e/helpers/tray_host.py with `args` on the test's bus (the tray menu as a
    /// panel reads it and clicks in it); its stdout.
    pub fn tray(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(python());
        cmd.arg(helper("tray_host.py"))
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address);
        procs::run(cmd, Duration::from_secs(15)).unwrap_or_else(|e| panic!("tray_host.py: {e}"))
    }

    /// Every desktop notification sent on the test's bus so far, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        self.bus.notifications()
    }

    /// Waits for a notification that `pick` accepts.
    pub async fn wait_for_notification(
        &self,
        timeout: Duration,
        mut pick: impl FnMut(&Notification) -> bool,
    ) -> Notification {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(n) = self.notifications().into_iter().find(|n| pick(n)) {
                return n;
            }
            assert!(
                Instant::now() < deadline,
                "no matching notification within {timeout:?}; got {:?}",
                self.notifications()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs xdotool on the test's display; its stdout.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let mut cmd = x_command(&self.display, &self.id, "xdotool");
        cmd.args(args);
        procs::run(cmd, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The app's main X window (title "LinkDrop"), as the X server sees it.
    pub fn x_window(&self) -> XWindow {
        self.x_window_named("^LinkDrop$")
            .expect("no visible X window titled LinkDrop")
    }

    /// The first visible X window whose title matches the regular expression `title` (GTK's 1×1
    /// helper windows, which some toolkits title after the app, do not count).
    pub fn x_window_named(&self, title: &str) -> Option<XWindow> {
        let mut cmd = x_command(&self.display, &self.id, "xdotool");
        cmd.args(["search", "--onlyvisible", "--name", title]);
        // xdotool exits 1 when nothing matches.
        let ids = procs::run(cmd, Duration::from_secs(5)).unwrap_or_default();
        ids.lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .filter_map(|id| {
                let mut cmd = x_command(&self.display, &self.id, "xdotool");
                cmd.args(["getwindowgeometry", "--shell", &id.to_string()]);
                // The window may be gone between the search and this.
                let out = procs::run(cmd, Duration::from_secs(5)).ok()?;
                let field = |name: &str| -> Option<i64> {
                    out.lines()
                        .find_map(|l| l.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                };
                Some(XWindow {
                    id,
                    x: field("X")? as i32,
                    y: field("Y")? as i32,
                    width: field("WIDTH")? as u32,
                    height: field("HEIGHT")? as u32,
                })
            })
            .find(|w| w.width > 1 && w.height > 1)
    }

    /// Waits for a visible X window whose title matches `title`.
    pub async fn wait_for_x_window(&self, title: &str) -> XWindow {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            if let Some(window) = self.x_window_named(title) {
                return window;
            }
            assert!(
                Instant::now() < deadline,
                "no window titled {title:?} within {UI_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks an X window to close, as a window manager's close button does (WM_DELETE_WINDOW), and
    /// waits until it is no longer shown. Right after start GTK sometimes does not act on the first
    /// request here (no window manager; cause not found): like a person, it asks again.
    pub async fn close_x_window(&self, window: XWindow) {
        let shown = || {
            let mut cmd = x_command(&self.display, &self.id, "xdotool");
            cmd.args(["search", "--onlyvisible", "--name", "."]);
            // xdotool exits 1 when no window is shown at all.
            procs::run(cmd, Duration::from_secs(5))
                .unwrap_or_default()
                .lines()
                .any(|id| id.trim() == window.id.to_string())
        };
        for attempt in 0..3 {
            let mut cmd = Command::new(python());
            cmd.arg(helper("x_close.py"))
                .arg(window.id.to_string())
                .env("DISPLAY", self.display.name());
            procs::run(cmd, Duration::from_secs(5)).unwrap_or_else(|e| panic!("x_close.py: {e}"));
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if !shown() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            eprintln!(
                "e2e: window {} still shown after close request {attempt}",
                window.id
            );
        }
        panic!("the window {window:?} did not close after three requests");
    }

    /// Answers the GTK file dialog titled `title` with `path`, typed into its location field as a
    /// person would (Ctrl+L, the path, Enter).
    pub async fn answer_file_dialog(&self, title: &str, path: &Path) {
        let dialog = self.wait_for_x_window(title).await;
        let id = dialog.id.to_string();
        // No window manager here: give the dialog the keyboard by hand, and let it draw first.
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.xdotool(&["windowfocus", "--sync", &id]);
        self.xdotool(&["key", "--clearmodifiers", "ctrl+l"]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.xdotool(&["type", "--delay", "5", path.to_str().expect("a UTF-8 path")]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.xdotool(&["key", "Return"]);
        let deadline = Instant::now() + UI_TIMEOUT;
        while self.x_window_named(title).is_some() {
            assert!(
                Instant::now() < deadline,
                "the file dialog {title:?} did not close after Enter"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Drags `files` from another application's window (a real GTK drag source) onto the element
    /// `css` of the app, with the X pointer (xdotool), as a person would.
    pub async fn drag_files_onto(&self, files: &[&Path], css: &str) -> DragOutcome {
        let (ex, ey, ew, eh) = self
            .find(css)
            .await
            .rectangle()
            .await
            .unwrap_or_else(|e| panic!("no rectangle for {css:?}: {e}"));
        let window = self.x_window();
        let target = (
            window.x + (ex + ew / 2.0) as i32,
            window.y + (ey + eh / 2.0) as i32,
        );
        self.drag_files_to(files, target).await
    }

    /// Drags `files` from a real GTK drag source to the point `target` of the screen.
    pub async fn drag_files_to(&self, files: &[&Path], target: (i32, i32)) -> DragOutcome {
        let mut cmd = Command::new(python());
        cmd.arg(helper("drag_source.py"))
            .arg("20")
            .arg((SCREEN.1 - 140).to_string())
            .args(files)
            .env("DISPLAY", self.display.name())
            .env("GDK_BACKEND", "x11")
            .env("NO_AT_BRIDGE", "1")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address);
        let logs = self.dir().join("logs");
        let mut source = Proc::spawn_piped("drag-source", cmd, &self.id, &logs);
        let lines = Lines::collect(&mut source);
        let ready = lines.wait_for(Duration::from_secs(10), |l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v.get("ready")?;
            let n = |k: &str| v.get(k).and_then(|x| x.as_i64()).unwrap_or(0) as i32;
            Some((n("x") + n("width") / 2, n("y") + n("height") / 2))
        });
        let Some(start) = ready else {
            source.check_alive();
            panic!("the drag source window did not show within 10 s");
        };

        // Press on the source, move over in steps (GTK starts the drag after a few pixels; XDND
        // sends positions as the pointer moves), linger on the target, release.
        let xdotool = |args: &[String]| {
            let mut cmd = x_command(&self.display, &self.id, "xdotool");
            cmd.args(args);
            procs::run(cmd, Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
        };
        let mv = |x: i32, y: i32| vec!["mousemove".to_owned(), x.to_string(), y.to_string()];
        xdotool(&mv(start.0, start.1));
        xdotool(&["mousedown".into(), "1".into()]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let steps = 12;
        for i in 1..=steps {
            let x = start.0 + (target.0 - start.0) * i / steps;
            let y = start.1 + (target.1 - start.1) * i / steps;
            xdotool(&mv(x, y));
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        for (dx, dy) in [(3, 2), (-2, 1), (0, 0)] {
            xdotool(&mv(target.0 + dx, target.1 + dy));
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
        xdotool(&["mouseup".into(), "1".into()]);

        let end = lines.wait_for(Duration::from_secs(10), |l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v.get("end")?;
            Some(v.get("failed").and_then(|f| f.as_str()).map(str::to_owned))
        });
        let data_requested = lines.wait_for(Duration::ZERO, |l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            v.get("data_requested")?.as_str().map(str::to_owned)
        });
        eprintln!("drag source said: {:?}", lines.snapshot());
        let _ = source.child.kill();
        let _ = source.child.wait();
        let failed = end.unwrap_or_else(|| {
            panic!(
                "the drag did not end within 10 s; source said {:?}",
                lines.snapshot()
            )
        });
        DragOutcome {
            data_requested,
            failed,
        }
    }

    /// Pid of the app process (the `linkdrop` that WebKitWebDriver started, which became
    /// `linkdrop-desktop`), if it runs.
    pub fn app_pid(&self) -> Option<u32> {
        let desktop = self.app_bin.with_file_name("linkdrop-desktop");
        self.linkdrop_pid(&desktop, |arg| arg != Some("serve"))
    }

    /// The test's process running `binary` whose first argument `first_arg` accepts.
    fn linkdrop_pid(&self, binary: &Path, first_arg: impl Fn(Option<&str>) -> bool) -> Option<u32> {
        let bin = std::fs::canonicalize(binary).ok()?;
        procs::pids_with_env(&format!("{}={}", procs::ID_ENV, self.id))
            .into_iter()
            .find(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == bin)
                    && first_arg(procs::cmdline(*pid).split(' ').nth(1))
            })
    }

    /// Pid of the embedded store (`linkdrop serve`, started by the app's first share).
    pub fn store_pid(&self) -> Option<u32> {
        self.linkdrop_pid(&self.app_bin, |arg| arg == Some("serve"))
    }

    /// Sends `signal` (`STOP`, `CONT`, …) to the embedded store: a stopped store answers nothing,
    /// which holds a share in flight for as long as a test needs to look at it.
    pub fn signal_store(&self, signal: &str) {
        let pid = self.store_pid().expect("the embedded store does not run");
        let status = Command::new("kill")
            .args(["-s", signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {signal} {pid}");
    }

    /// Kills the Secret Service (gnome-keyring-daemon) the way it dies on its own now and then:
    /// the bus starts it again on the next call, with the same unlocked keyring.
    pub fn kill_keyring(&self) {
        let keyring = self
            .procs
            .iter()
            .find(|p| p.name == "keyring")
            .expect("the keyring daemon was started");
        let status = Command::new("kill")
            .args(["-s", "KILL", &keyring.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Everything tauri-driver, WebKitWebDriver and the app wrote on stderr so far.
    pub fn app_log(&self) -> String {
        procs::read_lossy(&self.driver_log)
    }

    /// Ends the WebDriver session (which closes the app) and then every process of the test.
    pub async fn close(mut self) -> Teardown {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        self.teardown()
    }

    fn teardown(&mut self) -> Teardown {
        self.torn_down = true;
        let killed = procs::end_all(&self.id, Duration::from_secs(5));
        for proc in &mut self.procs {
            let _ = proc.child.kill();
            let _ = proc.child.wait();
        }
        let left = procs::pids_with_env(&format!("{}={}", procs::ID_ENV, self.id));
        if let Some(dir) = self.dir.take() {
            let keep = std::thread::panicking() || std::env::var_os("LINKDROP_E2E_KEEP").is_some();
            if keep {
                eprintln!("e2e: kept the test's files in {}", dir.keep().display());
            }
        }
        Teardown { killed, left }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if !self.torn_down {
            let report = self.teardown();
            if !report.killed.is_empty() || !report.left.is_empty() {
                eprintln!("e2e: teardown {report:?}");
            }
        }
    }
}

/// The binary under test, the command line a user starts the app with (it becomes the window,
/// `linkdrop-desktop` beside it): `LINKDROP_E2E_APP`, else the one `cargo test --workspace` built
/// beside the window cargo built for this run.
fn app_binary() -> PathBuf {
    std::env::var_os("LINKDROP_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_BIN_EXE_linkdrop-desktop")).with_file_name("linkdrop")
        })
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("LINKDROP_TAURI_DRIVER") {
        return path.into();
    }
    let cached = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/linkdrop/tools/bin/tauri-driver"));
    match cached {
        Some(path) if path.exists() => path,
        _ => "tauri-driver".into(),
    }
}

fn webkit_webdriver() -> PathBuf {
    std::env::var_os("LINKDROP_WEBKIT_WEBDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/WebKitWebDriver".into())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

fn listening(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}
