//! The desktop one test gets to itself: an X display (Xvfb), a private D-Bus session bus with an
//! unlocked throwaway Secret Service (gnome-keyring) and a stand-in notification server on it.
//! Nothing is shared between tests, so they can run in parallel: each has its own clipboard (the X
//! display's), its own keychain and its own notifications.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use super::procs::{Lines, Proc, run};

/// Screen size of every test display; the app's window (720×560) sits at the top left.
pub const SCREEN: (u32, u32) = (1280, 800);

pub struct Display {
    pub number: u32,
}

impl Display {
    /// Starts Xvfb on the first free display: `-displayfd` makes the server pick it and tell us,
    /// so parallel tests never race for a display number.
    pub fn start(id: &str, logs: &Path, procs: &mut Vec<Proc>) -> Display {
        let mut cmd = Command::new("Xvfb");
        cmd.args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{}x{}x24", SCREEN.0, SCREEN.1));
        let mut xvfb = Proc::spawn_piped("xvfb", cmd, id, logs);
        let lines = Lines::collect(&mut xvfb);
        let number = lines.wait_for(Duration::from_secs(10), |l| l.trim().parse::<u32>().ok());
        procs.push(xvfb);
        match number {
            Some(number) => Display { number },
            None => {
                procs.last_mut().unwrap().check_alive();
                panic!("Xvfb did not report a display within 10 s");
            }
        }
    }

    pub fn name(&self) -> String {
        format!(":{}", self.number)
    }
}

/// A notification as the app sent it over D-Bus (org.freedesktop.Notifications.Notify).
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    #[serde(default)]
    pub icon: String,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub hints: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub timeout: i32,
}

pub struct Bus {
    pub address: String,
    /// What the tray host saw: `{"registered": …}` per tray item.
    pub tray: Lines,
    notifications: Lines,
}

const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- A session bus for one end-to-end test. One service is started on demand, the Secret Service,
     as a desktop does when gnome-keyring-daemon has died (it aborts on an upstream race now and then);
     nothing else (no portals, no accessibility bus). -->
<busconfig>
  <type>session</type>
  <listen>unix:path=@SOCKET@</listen>
  <servicedir>@SERVICES@</servicedir>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

impl Bus {
    /// dbus-daemon, then gnome-keyring-daemon (secrets only, its "login" keyring created and unlocked
    /// with a throwaway password, its files under `dir`) unless `keyring` is false (a desktop with
    /// no keyring, a bare window manager), then the notification stand-in.
    pub fn start(id: &str, dir: &Path, logs: &Path, procs: &mut Vec<Proc>, keyring: bool) -> Bus {
        let config = dir.join("bus.conf");
        let socket = dir.join("bus");
        std::fs::create_dir_all(dir.join("services")).expect("cannot create the service dir");
        std::fs::write(
            &config,
            BUS_CONFIG
                .replace(
                    "@SOCKET@",
                    socket.to_str().expect("temp dir path is not UTF-8"),
                )
                .replace(
                    "@SERVICES@",
                    dir.join("services")
                        .to_str()
                        .expect("temp dir path is not UTF-8"),
                ),
        )
        .expect("cannot write bus.conf");
        let mut cmd = Command::new("dbus-daemon");
        cmd.arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"]);
        let mut daemon = Proc::spawn_piped("dbus", cmd, id, logs);
        let lines = Lines::collect(&mut daemon);
        let address = lines.wait_for(Duration::from_secs(10), |l| {
            l.starts_with("unix:").then(|| l.trim().to_owned())
        });
        procs.push(daemon);
        let Some(address) = address else {
            procs.last_mut().unwrap().check_alive();
            panic!("dbus-daemon did not print its address within 10 s");
        };

        if keyring {
            start_keyring(&address, dir, logs, id, procs);
        }

        let mut cmd = Command::new(python());
        cmd.arg(helper("notifyd.py"))
            .env("DBUS_SESSION_BUS_ADDRESS", &address);
        let mut notifyd = Proc::spawn_piped("notifyd", cmd, id, logs);
        let notifications = Lines::collect(&mut notifyd);
        let ready = notifications.wait_for(Duration::from_secs(10), |l| {
            l.contains("\"ready\"").then_some(())
        });
        procs.push(notifyd);
        if ready.is_none() {
            procs.last_mut().unwrap().check_alive();
            panic!(
                "the notification stand-in did not own org.freedesktop.Notifications within 10 s"
            );
        }
        // A panel's tray host, so tray icons register as StatusNotifierItems on this bus.
        let mut cmd = Command::new(python());
        cmd.arg(helper("tray_host.py"))
            .arg("serve")
            .env("DBUS_SESSION_BUS_ADDRESS", &address);
        let mut host = Proc::spawn_piped("tray-host", cmd, id, logs);
        let tray = Lines::collect(&mut host);
        let ready = tray.wait_for(Duration::from_secs(10), |l| {
            l.contains("\"ready\"").then_some(())
        });
        procs.push(host);
        if ready.is_none() {
            procs.last_mut().unwrap().check_alive();
            panic!("the tray host stand-in did not own org.kde.StatusNotifierWatcher within 10 s");
        }
        Bus {
            address,
            notifications,
            tray,
        }
    }

    /// Every notification sent so far, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        self.notifications
            .snapshot()
            .iter()
            .filter(|l| l.contains("\"summary\""))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// gnome-keyring-daemon on the bus at `address`, and its D-Bus activation file, so the bus starts
/// it again when it dies, as a desktop does.
fn start_keyring(address: &str, dir: &Path, logs: &Path, id: &str, procs: &mut Vec<Proc>) {
    // The keyring daemon's own HOME and XDG dirs, so it never touches a real keyring.
    let home = dir.join("keyring");
    for sub in ["data", "config", "cache", "runtime"] {
        std::fs::create_dir_all(home.join(sub)).expect("cannot create keyring dirs");
    }
    set_mode_700(&home.join("runtime"));
    let password = dir.join("keyring-password");
    std::fs::write(&password, "linkdrop-e2e-keyring").expect("cannot write the keyring password");
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--foreground", "--unlock", "--components=secrets"])
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_RUNTIME_DIR", home.join("runtime"));
    // Started again on demand with the same files and password, as a desktop restarts it.
    let again = dir.join("keyring-again.sh");
    std::fs::write(
        &again,
        format!(
            "#!/bin/sh\nexport DBUS_SESSION_BUS_ADDRESS='{address}' HOME='{home}' \
             XDG_DATA_HOME='{home}/data' XDG_CONFIG_HOME='{home}/config' \
             XDG_CACHE_HOME='{home}/cache' XDG_RUNTIME_DIR='{home}/runtime'\n\
             exec gnome-keyring-daemon --foreground --unlock --components=secrets \
             <'{password}' >>'{log}' 2>&1\n",
            home = home.display(),
            password = password.display(),
            log = logs.join("keyring-again.log").display(),
        ),
    )
    .expect("cannot write the keyring restart script");
    std::fs::write(
        dir.join("services/org.freedesktop.secrets.service"),
        format!(
            "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/sh {}\n",
            again.display()
        ),
    )
    .expect("cannot write the Secret Service activation file");
    // --unlock reads the password from stdin: a file, so it is all there at once and then ends.
    let stdin = std::fs::File::open(&password).expect("cannot open the keyring password file");
    let keyring = Proc::spawn_with_stdin("keyring", cmd, id, logs, stdin.into());
    procs.push(keyring);
    wait_for_name(address, "org.freedesktop.secrets", procs);
}

fn set_mode_700(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
}

/// Waits (10 s at most) until `name` has an owner on the bus. NameHasOwner never starts anything.
fn wait_for_name(address: &str, name: &str, procs: &mut [Proc]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut cmd = Command::new("dbus-send");
        cmd.arg(format!("--bus={address}"))
            .args([
                "--print-reply=literal",
                "--reply-timeout=2000",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
            ])
            .arg(format!("string:{name}"));
        if run(cmd, Duration::from_secs(3)).is_ok_and(|out| out.contains("true")) {
            return;
        }
        if std::time::Instant::now() >= deadline {
            for p in procs.iter_mut() {
                p.check_alive();
            }
            panic!("nothing owned {name} on the test bus within 10 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A helper script shipped with the tests (tests/e2e/helpers/).
pub fn helper(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/e2e/helpers")
        .join(name)
}

/// Runs an X client (xdotool, xclip) against the test's display, marked as the test's (`xclip -i`
/// leaves a process behind that serves the selection).
pub fn x_command(display: &Display, id: &str, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("DISPLAY", display.name())
        .env_remove("WAYLAND_DISPLAY")
        .env(super::procs::ID_ENV, id)
        .env(super::procs::OWNER_ENV, std::process::id().to_string());
    cmd
}

/// Debian's python3 (python3-gi lives there), not whatever `python3` a version manager puts first;
/// `LINKDROP_E2E_PYTHON` overrides it.
pub fn python() -> PathBuf {
    std::env::var_os("LINKDROP_E2E_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/python3".into())
}
