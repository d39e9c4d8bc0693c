// SPDX-License-Identifier: GPL-2.0

//! `/proc/<pid>/containerid`: setting a contid, reading one back, and
//! saying in words why the kernel refused.
//!
//! The root is a field so that tests run against a fake `/proc` tree.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// A `/proc` mount (or a test's stand-in for one).
#[derive(Debug, Clone)]
pub struct ProcFs {
    root: PathBuf,
}

/// Why a contid could not be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    /// `/proc/<pid>` does not exist.
    ProcessGone,
    /// `/proc/<pid>` exists but `containerid` does not.
    NoContidFile,
    /// The open or the write failed with this errno.
    Os(i32),
    /// The kernel took fewer bytes than offered.
    ShortWrite { written: usize, len: usize },
}

/// Why a contid could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    ProcessGone,
    NoContidFile,
    Os(i32),
    Garbage(String),
}

impl ProcFs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn process_dir(&self, pid: i32) -> PathBuf {
        self.root.join(pid.to_string())
    }

    /// The path of the contid file of `pid`, for messages.
    pub fn contid_path(&self, pid: i32) -> PathBuf {
        self.process_dir(pid).join("containerid")
    }

    /// Whether process `pid` exists.
    pub fn process_exists(&self, pid: i32) -> bool {
        self.process_dir(pid).is_dir()
    }

    /// Sets the contid of `pid` with one `write()` at offset 0 of the
    /// decimal value, no newline: the kernel takes the whole value in one
    /// write and refuses a second one.
    pub fn write_contid(&self, pid: i32, contid: u64) -> Result<(), SetError> {
        let path = self.contid_path(pid);
        let mut file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| self.set_error(pid, &e))?;
        let text = contid.to_string();
        // `write`, not `write_all`: one system call, whatever happens.
        match file.write(text.as_bytes()) {
            Ok(n) if n == text.len() => Ok(()),
            Ok(n) => Err(SetError::ShortWrite {
                written: n,
                len: text.len(),
            }),
            Err(e) => Err(self.set_error(pid, &e)),
        }
    }

    fn set_error(&self, pid: i32, err: &io::Error) -> SetError {
        match err.raw_os_error() {
            Some(libc::ENOENT) if self.process_exists(pid) => SetError::NoContidFile,
            Some(libc::ENOENT) => SetError::ProcessGone,
            Some(errno) => SetError::Os(errno),
            None => SetError::Os(libc::EIO),
        }
    }

    /// Reads the contid of `pid` ([`crate::contid::CONTID_UNSET`] if it
    /// has none).
    pub fn read_contid(&self, pid: i32) -> Result<u64, ReadError> {
        let mut text = String::new();
        let read =
            File::open(self.contid_path(pid)).and_then(|f| f.take(64).read_to_string(&mut text));
        if let Err(e) = read {
            return Err(match e.raw_os_error() {
                Some(libc::ENOENT) if self.process_exists(pid) => ReadError::NoContidFile,
                Some(libc::ENOENT) | Some(libc::ESRCH) => ReadError::ProcessGone,
                Some(errno) => ReadError::Os(errno),
                None => ReadError::Garbage(e.to_string()),
            });
        }
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        trimmed
            .parse::<u64>()
            .map_err(|_| ReadError::Garbage(format!("{trimmed:?}")))
    }
}

/// The symbolic name of the errnos this hook explains.
pub fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EIO => "EIO",
        libc::EACCES => "EACCES",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EXDEV => "EXDEV",
        libc::EINVAL => "EINVAL",
        libc::ENOMEM => "ENOMEM",
        libc::ERANGE => "ERANGE",
        libc::ENOTUNIQ => "ENOTUNIQ",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EROFS => "EROFS",
        _ => return None,
    })
}

/// What an errno from `/proc/<pid>/containerid` means for this hook
/// (Documentation/ABI/testing/procfs-audit_containerid).
pub fn errno_meaning(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EPERM | libc::EACCES => {
            "permission denied: the hook needs CAP_AUDIT_CONTROL in the initial user \
             namespace (or must run as a delegated nested orchestrator)"
        }
        libc::EXDEV => {
            "the container process is neither a descendant of this hook nor the init of a \
             new PID namespace started by the hook's runtime (a container that shares the \
             host's PID namespace cannot be tagged by a hook), or the contid is one of the \
             writer's at another nesting level"
        }
        libc::EBUSY => {
            "the container process has children (of any of its threads), is exiting, or is \
             not a thread-group leader: it must be tagged before it forks"
        }
        libc::EEXIST => "the container process already has a contid",
        libc::ENOTUNIQ => "the contid is live and owned by another orchestrator",
        libc::EINVAL => {
            "the kernel refused the value (not plain decimal, the unset value, or not \
             written at offset 0)"
        }
        libc::ERANGE => "the value does not fit in 64 bits",
        libc::ENOMEM => "the kernel is out of memory",
        libc::EOPNOTSUPP => "the audit_containerid module is not loaded",
        libc::ENOENT => {
            "no such file: the kernel was built without CONFIG_AUDIT_CONTAINERID, or the \
             process is gone"
        }
        libc::ESRCH => "the container process is gone",
        _ => return None,
    })
}

/// `<meaning> (<ERRNO>)`, or the C library's text for an errno this hook
/// does not explain.
pub fn describe_errno(errno: i32) -> String {
    match (errno_meaning(errno), errno_name(errno)) {
        (Some(meaning), Some(name)) => format!("{meaning} ({name})"),
        _ => io::Error::from_raw_os_error(errno).to_string(),
    }
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::ProcessGone => {
                write!(
                    f,
                    "{} (ENOENT)",
                    errno_meaning(libc::ESRCH).unwrap_or_default()
                )
            }
            SetError::NoContidFile => f.write_str(
                "the process has no containerid file in /proc: the kernel was built \
                 without CONFIG_AUDIT_CONTAINERID (ENOENT)",
            ),
            SetError::Os(errno) => f.write_str(&describe_errno(*errno)),
            SetError::ShortWrite { written, len } => {
                write!(f, "the kernel took {written} of {len} bytes")
            }
        }
    }
}

impl SetError {
    /// The errno, for callers that react to one (`ENOTUNIQ`).
    pub fn errno(&self) -> Option<i32> {
        match self {
            SetError::Os(errno) => Some(*errno),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{FakeProc, TempDir};

    #[test]
    fn writes_the_decimal_value_without_newline() {
        let proc = FakeProc::new();
        proc.add_process(4242, None);
        proc.fs().write_contid(4242, 123_456).unwrap();
        assert_eq!(proc.contid_text(4242), "123456");
    }

    #[test]
    fn enoent_tells_a_dead_process_from_a_kernel_without_the_file() {
        let proc = FakeProc::new();
        assert_eq!(proc.fs().write_contid(77, 1), Err(SetError::ProcessGone));
        std::fs::create_dir(proc.path().join("77")).unwrap();
        assert_eq!(proc.fs().write_contid(77, 1), Err(SetError::NoContidFile));
        assert!(SetError::NoContidFile
            .to_string()
            .contains("CONFIG_AUDIT_CONTAINERID"));
        assert!(SetError::ProcessGone.to_string().contains("gone"));
    }

    #[test]
    fn reads_contids_and_tells_why_not() {
        let proc = FakeProc::new();
        proc.add_process(10, Some("42"));
        proc.add_process(11, Some("18446744073709551615\n"));
        proc.add_process(12, Some("junk"));
        let fs = proc.fs();
        assert_eq!(fs.read_contid(10), Ok(42));
        assert_eq!(fs.read_contid(11), Ok(u64::MAX));
        assert!(matches!(fs.read_contid(12), Err(ReadError::Garbage(_))));
        assert_eq!(fs.read_contid(13), Err(ReadError::ProcessGone));
        let dir = TempDir::new();
        std::fs::create_dir(dir.path().join("5")).unwrap();
        assert_eq!(
            ProcFs::new(dir.path()).read_contid(5),
            Err(ReadError::NoContidFile)
        );
    }

    #[test]
    fn errno_messages_say_what_to_do() {
        let eperm = describe_errno(libc::EPERM);
        assert!(
            eperm.contains("CAP_AUDIT_CONTROL") && eperm.ends_with("(EPERM)"),
            "{eperm}"
        );
        let ebusy = describe_errno(libc::EBUSY);
        assert!(ebusy.contains("has children") && ebusy.ends_with("(EBUSY)"));
        assert!(describe_errno(libc::EEXIST).contains("already has a contid"));
        let enotuniq = describe_errno(libc::ENOTUNIQ);
        assert!(enotuniq.contains("another orchestrator") && enotuniq.ends_with("(ENOTUNIQ)"));
        assert!(describe_errno(libc::EXDEV).contains("neither a descendant of this hook"));
        assert!(describe_errno(libc::EINVAL).ends_with("(EINVAL)"));
        assert!(describe_errno(libc::ENOENT).contains("CONFIG_AUDIT_CONTAINERID"));
        assert!(describe_errno(libc::EOPNOTSUPP).contains("module is not loaded"));
        assert!(describe_errno(libc::ESRCH).contains("gone"));
        // An errno the hook does not explain still reads as words.
        assert_eq!(
            describe_errno(libc::ENOSPC),
            io::Error::from_raw_os_error(libc::ENOSPC).to_string()
        );
        assert_eq!(SetError::Os(libc::ENOTUNIQ).errno(), Some(libc::ENOTUNIQ));
    }
}
