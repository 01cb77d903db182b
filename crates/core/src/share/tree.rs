//! Walking a folder to zip it without being led out of it. Someone who can write to the folder
//! could, between a look at an entry and its open, put a symbolic link in its place (to
//! `~/.ssh/id_ed25519`, to `/`) or a named pipe (which blocks a plain open for ever). On Unix every
//! step is taken from the descriptor of the folder already opened (`openat` with `O_NOFOLLOW`),
//! so what is read is what was listed, or the walk stops with an error; a file is opened without
//! waiting and must be a regular file once open. Elsewhere the walk goes by path and checks each
//! entry just before it is opened, which narrows the window rather than closing it.

use std::ffi::OsString;
use std::path::Path;

/// What an entry of a folder is, as listed (never following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    /// A link, a pipe, a socket, a device: never followed or read.
    Other,
}

/// An open folder.
pub struct Dir {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    path: std::path::PathBuf,
}

fn changed(what: &str) -> std::io::Error {
    std::io::Error::other(format!(
        "{what} changed while the folder was being zipped (try again)"
    ))
}

#[cfg(unix)]
impl Dir {
    /// The folder the user picked (a link to it is fine: it is what they chose).
    pub fn open(path: &Path) -> std::io::Result<Dir> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Dir { fd })
    }

    /// The entries, by name.
    pub fn entries(&self) -> std::io::Result<Vec<(OsString, Kind)>> {
        use rustix::fs::FileType;
        use std::os::unix::ffi::OsStrExt;
        let mut found = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let mut file_type = entry.file_type();
            if file_type == FileType::Unknown {
                // Some file systems do not say in the listing.
                let stat =
                    rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
                file_type = FileType::from_raw_mode(stat.st_mode);
            }
            let kind = match file_type {
                FileType::Directory => Kind::Dir,
                FileType::RegularFile => Kind::File,
                _ => Kind::Other,
            };
            found.push((std::ffi::OsStr::from_bytes(name).to_owned(), kind));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// The sub-folder `name`; an error if it is no longer one (a link swapped in is not followed).
    pub fn open_dir(&self, name: &std::ffi::OsStr) -> std::io::Result<Dir> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Ok(Dir { fd }),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => Err(changed("a folder")),
            Err(e) => Err(e.into()),
        }
    }

    /// The file `name`, opened without waiting; an error if it is no longer a regular file.
    pub fn open_file(&self, name: &std::ffi::OsStr) -> std::io::Result<std::fs::File> {
        use rustix::fs::{FileType, Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::LOOP) => return Err(changed("a file")),
            Err(e) => return Err(e.into()),
        };
        if FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode) != FileType::RegularFile {
            return Err(changed("a file"));
        }
        Ok(std::fs::File::from(fd))
    }
}

#[cfg(not(unix))]
impl Dir {
    pub fn open(path: &Path) -> std::io::Result<Dir> {
        if !std::fs::metadata(path)?.is_dir() {
            return Err(std::io::Error::other("not a folder"));
        }
        Ok(Dir {
            path: path.to_owned(),
        })
    }

    pub fn entries(&self) -> std::io::Result<Vec<(OsString, Kind)>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            let entry = entry?;
            let t = entry.file_type()?;
            let kind = if t.is_dir() {
                Kind::Dir
            } else if t.is_file() {
                Kind::File
            } else {
                Kind::Other
            };
            found.push((entry.file_name(), kind));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    pub fn open_dir(&self, name: &std::ffi::OsStr) -> std::io::Result<Dir> {
        let path = self.path.join(name);
        if !std::fs::symlink_metadata(&path)?.is_dir() {
            return Err(changed("a folder"));
        }
        Ok(Dir { path })
    }

    pub fn open_file(&self, name: &std::ffi::OsStr) -> std::io::Result<std::fs::File> {
        let path = self.path.join(name);
        if !std::fs::symlink_metadata(&path)?.is_file() {
            return Err(changed("a file"));
        }
        let file = std::fs::File::open(&path)?;
        if !file.metadata()?.is_file() {
            return Err(changed("a file"));
        }
        Ok(file)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_pipes_and_swaps_are_never_followed_or_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("f");
        std::fs::create_dir_all(folder.join("sub")).unwrap();
        std::fs::write(folder.join("a.txt"), b"a").unwrap();
        std::fs::write(dir.path().join("secret"), b"outside").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), folder.join("link")).unwrap();
        let fifo = folder.join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);

        let root = Dir::open(&folder).unwrap();
        let listed = root.entries().unwrap();
        let kinds: Vec<(&str, Kind)> = listed
            .iter()
            .map(|(n, k)| (n.to_str().unwrap(), *k))
            .collect();
        assert_eq!(
            kinds,
            [
                ("a.txt", Kind::File),
                ("link", Kind::Other),
                ("pipe", Kind::Other),
                ("sub", Kind::Dir)
            ]
        );
        // What a swap between the listing and the open would hand over.
        assert!(
            root.open_file("link".as_ref()).is_err(),
            "a link is not followed"
        );
        let started = std::time::Instant::now();
        assert!(
            root.open_file("pipe".as_ref()).is_err(),
            "a pipe is not read"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "nor waited on"
        );
        std::fs::remove_dir(folder.join("sub")).unwrap();
        std::os::unix::fs::symlink(dir.path(), folder.join("sub")).unwrap();
        let err = root.open_dir("sub".as_ref()).err().unwrap();
        assert!(err.to_string().contains("changed while"), "{err}");
        assert_eq!(
            std::io::read_to_string(root.open_file("a.txt".as_ref()).unwrap()).unwrap(),
            "a"
        );
    }
}
