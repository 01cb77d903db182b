//! The store of an older LinkDrop, still running after an upgrade. It cannot answer the identity
//! challenge (it predates it), so it looks like a stranger on the profile's port; moving away
//! from it would leave two stores on one folder, the old one unlocked. On Linux it is told apart
//! from a stranger by what the kernel says of the process holding the port: the user's own, a
//! binary named `linkdrop…`, run as `serve`, for this very data directory. Such a store is asked
//! to stop (SIGTERM: it finishes what it is doing) and the new one takes its port. Elsewhere
//! this cannot be told, and it is treated as a stranger (the store moves, as before).

use std::net::SocketAddr;
use std::path::Path;

#[cfg(target_os = "linux")]
use crate::system::paths::DATA_DIR_ENV;
use crate::system::paths::Paths;

/// The process of an older store of this data directory listening on `addr`, if there is one.
pub fn older_store_on(addr: SocketAddr, paths: &Paths) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        linux::older_store_on(addr, paths)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (addr, paths);
        None
    }
}

#[cfg(target_os = "linux")]
/// Whether a process run as `argv` with `environ` (NUL-separated, as /proc gives them) and the
/// binary `exe` is a LinkDrop store of `data_dir`. Without `LINKDROP_DATA_DIR` in its
/// environment it used the default directory, which is ours only when we use it too.
fn is_store_of(
    exe: &Path,
    argv: &[u8],
    environ: &[u8],
    data_dir: &Path,
    ours_is_default: bool,
) -> bool {
    let named_linkdrop = exe
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("linkdrop"));
    let serves = argv.split(|&b| b == 0).nth(1) == Some(b"serve".as_slice())
        && !argv.split(|&b| b == 0).any(|a| a == b"--data");
    let prefix = format!("{DATA_DIR_ENV}=");
    let theirs = environ
        .split(|&b| b == 0)
        .find_map(|var| var.strip_prefix(prefix.as_bytes()));
    let same_dir = match theirs {
        Some(dir) => {
            use std::os::unix::ffi::OsStrExt as _;
            let dir = Path::new(std::ffi::OsStr::from_bytes(dir));
            std::fs::canonicalize(dir).ok() == std::fs::canonicalize(data_dir).ok()
                && std::fs::canonicalize(dir).is_ok()
        }
        None => ours_is_default,
    };
    named_linkdrop && serves && same_dir
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;

    pub fn older_store_on(addr: SocketAddr, paths: &Paths) -> Option<u32> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let inodes: Vec<u64> = ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .filter_map(|table| std::fs::read_to_string(table).ok())
            .flat_map(|table| super::super::identity::listening_sockets(&table, addr))
            .filter(|&(uid, _)| uid == me)
            .map(|(_, inode)| inode)
            .collect();
        if inodes.is_empty() {
            return None;
        }
        let ours_is_default = std::env::var_os(DATA_DIR_ENV).is_none();
        for process in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = process
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let dir = process.path();
            let holds = std::fs::read_dir(dir.join("fd"))
                .into_iter()
                .flatten()
                .flatten()
                .any(|fd| {
                    std::fs::read_link(fd.path()).is_ok_and(|target| {
                        inodes
                            .iter()
                            .any(|i| target.as_os_str() == format!("socket:[{i}]").as_str())
                    })
                });
            if !holds || pid == std::process::id() {
                continue;
            }
            let (Ok(exe), Ok(argv), Ok(environ)) = (
                std::fs::read_link(dir.join("exe")),
                std::fs::read(dir.join("cmdline")),
                std::fs::read(dir.join("environ")),
            ) else {
                continue;
            };
            if is_store_of(&exe, &argv, &environ, &paths.data_dir, ours_is_default) {
                return Some(pid);
            }
        }
        None
    }
}

/// Asks the process to stop and waits (up to `wait`) until it is gone.
pub async fn stop(pid: u32, wait: std::time::Duration) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = i32::try_from(pid) else {
            return false;
        };
        // SAFETY: kill has no memory preconditions; the pid was just read from /proc.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return false;
        }
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            // SAFETY: signal 0 only asks whether the process still exists.
            if unsafe { libc::kill(pid, 0) } != 0 || exited(pid) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
    #[cfg(not(unix))]
    {
        let _ = (pid, wait);
        false
    }
}

/// Whether the process has exited and only waits for its parent to reap it (a zombie holds no
/// socket).
#[cfg(unix)]
fn exited(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']))
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_a_linkdrop_serving_this_data_dir_is_an_older_store() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        let exe = Path::new("/usr/bin/linkdrop (deleted)");
        let argv = b"linkdrop\0serve\0--profile\0local\0--listen\x00127.0.0.1:9000\0";
        let env_for = |d: &Path| format!("HOME=/h\0{DATA_DIR_ENV}={}\0", d.display()).into_bytes();
        assert!(is_store_of(exe, argv, &env_for(&data), &data, false));
        assert!(
            !is_store_of(exe, argv, &env_for(&other), &data, false),
            "another data dir"
        );
        assert!(!is_store_of(
            Path::new("/usr/bin/python3"),
            argv,
            &env_for(&data),
            &data,
            false
        ));
        assert!(!is_store_of(
            exe,
            b"linkdrop\0share\0x\0",
            &env_for(&data),
            &data,
            false
        ));
        assert!(
            !is_store_of(
                exe,
                b"linkdrop\0serve\0--data\0/srv\0",
                &env_for(&data),
                &data,
                false
            ),
            "a store of another folder, started by hand"
        );
        assert!(
            is_store_of(exe, argv, b"HOME=/h\0", &data, true),
            "both on the default"
        );
        assert!(!is_store_of(exe, argv, b"HOME=/h\0", &data, false));
    }
}
