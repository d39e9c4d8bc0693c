// SPDX-License-Identifier: GPL-2.0

//! Helpers for the unit tests: temporary directories, a fake `/proc`
//! tree and an audit log that keeps what it is given.

use crate::netlink::{AuditLog, LogError};
use crate::procfs::ProcFs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A directory under the system's temporary directory, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "audit-containerid-hook-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A fake `/proc`: a directory per process with a `containerid` file.
pub struct FakeProc {
    dir: TempDir,
}

impl FakeProc {
    pub fn new() -> Self {
        Self {
            dir: TempDir::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn fs(&self) -> ProcFs {
        ProcFs::new(self.path())
    }

    /// Adds process `pid` whose contid file holds `contid` (empty if
    /// `None`, so that a write leaves exactly what was written).
    pub fn add_process(&self, pid: i32, contid: Option<&str>) {
        let dir = self.path().join(pid.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("containerid"), contid.unwrap_or("")).unwrap();
    }

    pub fn contid_text(&self, pid: i32) -> String {
        std::fs::read_to_string(self.path().join(pid.to_string()).join("containerid")).unwrap()
    }
}

/// An audit log that keeps the records' text, or refuses them all with
/// `refuse`.
#[derive(Default)]
pub struct Recorder {
    pub records: Vec<String>,
    pub refuse: Option<i32>,
}

impl AuditLog for Recorder {
    fn log(&mut self, text: &str) -> Result<(), LogError> {
        if let Some(errno) = self.refuse {
            return Err(LogError {
                refused: Some(errno),
                text: format!("the kernel refused the audit record (errno {errno})"),
            });
        }
        self.records.push(text.to_string());
        Ok(())
    }
}
