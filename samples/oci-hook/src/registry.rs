// SPDX-License-Identifier: GPL-2.0

//! The registry of the contids this hook handed out, so that two
//! containers whose ids hash alike do not share one.
//!
//! One file per contid in the registry directory, named by the decimal
//! contid and holding two lines: the container id and the pid of its first
//! process.  A file is created with `O_CREAT | O_EXCL`, and every reader
//! and writer holds an exclusive `flock()` on `<dir>/.lock`, so that two
//! hooks running at once neither take the same number nor both reclaim
//! the same stale entry.  The lock goes away with the process, so a hook
//! that dies cannot wedge the others.
//!
//! An entry is stale when its process is gone, or no longer reads that
//! contid from `/proc/<pid>/containerid` (the pid was reused, or the
//! contid was never set); a stale entry may be reclaimed.

use crate::contid::{derived_candidate, PROBE_LIMIT};
use crate::procfs::{ProcFs, ReadError};
use std::fmt;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;

/// Where the registry lives unless `--registry` says otherwise.
pub const DEFAULT_REGISTRY: &str = "/run/audit-containerid";

/// The largest entry file the registry reads.
const MAX_ENTRY: u64 = 4096;

/// The registry directory and the `/proc` it checks entries against.
#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
    proc: ProcFs,
}

/// One registry entry: which container holds a contid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub container_id: String,
    pub pid: i32,
}

/// Who holds a contid that a claim did not get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A live container.
    Live(Entry),
    /// An entry this hook cannot parse, left alone.
    Unreadable,
}

/// The result of claiming a contid in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The entry is now ours; `stale` is the entry it replaced, if any.
    Taken { stale: Option<Entry> },
    /// Someone else holds it.
    Held(Holder),
}

/// An exclusive `flock()` on the registry, released on drop (by closing
/// the file).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Entry {
    /// Parses an entry file: the container id and the pid, one a line.
    pub fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let container_id = lines.next()?.to_string();
        let pid = lines.next()?.parse::<i32>().ok()?;
        if container_id.is_empty() || pid <= 0 || lines.next().is_some() {
            return None;
        }
        Some(Self { container_id, pid })
    }

    fn text(&self) -> String {
        format!("{}\n{}\n", self.container_id, self.pid)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holder::Live(entry) => {
                write!(f, "container {} (pid {})", entry.container_id, entry.pid)
            }
            Holder::Unreadable => f.write_str("an unreadable registry entry"),
        }
    }
}

impl Registry {
    pub fn new(dir: impl Into<PathBuf>, proc: ProcFs) -> Self {
        Self {
            dir: dir.into(),
            proc,
        }
    }

    fn entry_path(&self, contid: u64) -> PathBuf {
        self.dir.join(contid.to_string())
    }

    fn context(&self, what: &str, err: io::Error) -> String {
        format!("registry {}: {what}: {err}", self.dir.display())
    }

    /// Locks the registry, creating its directory (mode 0700) if needed.
    pub fn lock(&self) -> Result<Lock, String> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| self.context("cannot create the directory", e))?;
        self.lock_existing()
    }

    fn lock_existing(&self) -> Result<Lock, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(self.dir.join(".lock"))
            .map_err(|e| self.context("cannot open .lock", e))?;
        loop {
            // SAFETY: `file` owns an open descriptor for the whole call.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(Lock { _file: file });
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(self.context("cannot lock .lock", err));
            }
        }
    }

    /// The raw text of the entry for `contid`, `None` if there is none.
    fn read_entry(&self, contid: u64) -> Result<Option<String>, String> {
        let file = match File::open(self.entry_path(contid)) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.context(&format!("cannot open entry {contid}"), e)),
        };
        let mut text = String::new();
        match file.take(MAX_ENTRY).read_to_string(&mut text) {
            Ok(_) => Ok(Some(text)),
            // Not UTF-8: an entry this hook did not write.
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Ok(Some(String::new())),
            Err(e) => Err(self.context(&format!("cannot read entry {contid}"), e)),
        }
    }

    /// Whether `entry`'s process still holds `contid`.  When that cannot be
    /// told (the contid file cannot be read), the entry counts as live:
    /// reclaiming a live entry would merge two containers.
    pub fn is_live(&self, entry: &Entry, contid: u64) -> bool {
        match self.proc.read_contid(entry.pid) {
            Ok(current) => current == contid,
            // No process, no contid file (no such kernel feature), no
            // module loaded, garbage: no contid can be live there.
            Err(ReadError::ProcessGone) | Err(ReadError::NoContidFile) => false,
            Err(ReadError::Os(errno)) => errno != libc::EOPNOTSUPP && errno != libc::ESRCH,
            Err(ReadError::Garbage(_)) => true,
        }
    }

    fn write_new(&self, contid: u64, entry: &Entry) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true) // O_CREAT | O_EXCL
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(self.entry_path(contid))?;
        file.write_all(entry.text().as_bytes())
    }

    /// Claims `contid` for container `container_id` (first process `pid`):
    /// creates the entry, takes over an entry of the same container (a
    /// rerun, or a reused container id whose poststop never ran), or
    /// reclaims a stale one.  The caller holds `_lock`.
    pub fn claim(
        &self,
        _lock: &Lock,
        contid: u64,
        container_id: &str,
        pid: i32,
    ) -> Result<Claim, String> {
        let ours = Entry {
            container_id: container_id.to_string(),
            pid,
        };
        let mut stale = None;
        // Under the lock the second round cannot find an entry again.
        for _ in 0..2 {
            match self.write_new(contid, &ours) {
                Ok(()) => return Ok(Claim::Taken { stale }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.context(&format!("cannot create entry {contid}"), e)),
            }
            let Some(text) = self.read_entry(contid)? else {
                continue;
            };
            let Some(entry) = Entry::parse(&text) else {
                return Ok(Claim::Held(Holder::Unreadable));
            };
            if entry.container_id != container_id && self.is_live(&entry, contid) {
                return Ok(Claim::Held(Holder::Live(entry)));
            }
            fs::remove_file(self.entry_path(contid))
                .map_err(|e| self.context(&format!("cannot remove entry {contid}"), e))?;
            if entry.container_id != container_id {
                stale = Some(entry);
            }
        }
        Err(format!(
            "registry {}: entry {contid} keeps coming back",
            self.dir.display()
        ))
    }

    /// Claims the first free derived contid of `container_id`, from
    /// candidate `start` on, and says on `notes` which ones were taken.
    /// Returns the contid and its candidate index.
    pub fn reserve_derived(
        &self,
        container_id: &str,
        pid: i32,
        start: u32,
        notes: &mut dyn Write,
    ) -> Result<(u64, u32), String> {
        let lock = self.lock()?;
        for index in start..PROBE_LIMIT {
            let contid = derived_candidate(container_id, index);
            match self.claim(&lock, contid, container_id, pid)? {
                Claim::Taken { stale } => {
                    if let Some(old) = stale {
                        note(
                            notes,
                            &format!(
                                "contid {contid}: reclaimed the stale registry entry of \
                                 container {} (pid {})",
                                old.container_id, old.pid
                            ),
                        );
                    }
                    return Ok((contid, index));
                }
                Claim::Held(holder) => note(
                    notes,
                    &format!(
                        "contid {contid} (candidate {index} for container {container_id}) is \
                         held by {holder}; trying the next candidate"
                    ),
                ),
            }
        }
        Err(format!(
            "no free contid for container {container_id}: all {PROBE_LIMIT} candidates are \
             held (registry {})",
            self.dir.display()
        ))
    }

    /// Records a contid that was given (by annotation) if it is free.
    /// Returns whether it was recorded; a contid held by another live
    /// container is left to it (a pod may share one on purpose).
    pub fn record_given(&self, contid: u64, container_id: &str, pid: i32) -> Result<bool, String> {
        let lock = self.lock()?;
        Ok(matches!(
            self.claim(&lock, contid, container_id, pid)?,
            Claim::Taken { .. }
        ))
    }

    /// Removes the entry for `contid` if it names `container_id`.
    pub fn release(&self, contid: u64, container_id: &str) -> Result<bool, String> {
        if !self.dir.is_dir() {
            return Ok(false);
        }
        let _lock = self.lock_existing()?;
        self.remove_if_named(contid, container_id)
    }

    fn remove_if_named(&self, contid: u64, container_id: &str) -> Result<bool, String> {
        let named = self
            .read_entry(contid)?
            .and_then(|text| Entry::parse(&text))
            .is_some_and(|entry| entry.container_id == container_id);
        if named {
            fs::remove_file(self.entry_path(contid))
                .map_err(|e| self.context(&format!("cannot remove entry {contid}"), e))?;
        }
        Ok(named)
    }

    /// The contids whose entries name `container_id`, in ascending order.
    #[cfg(test)]
    pub fn contids_of(&self, container_id: &str) -> Result<Vec<u64>, String> {
        if !self.dir.is_dir() {
            return Ok(Vec::new());
        }
        let _lock = self.lock_existing()?;
        self.scan(container_id)
    }

    fn scan(&self, container_id: &str) -> Result<Vec<u64>, String> {
        let mut found = Vec::new();
        let dir = fs::read_dir(&self.dir).map_err(|e| self.context("cannot list", e))?;
        for dirent in dir {
            let dirent = dirent.map_err(|e| self.context("cannot list", e))?;
            let Some(contid) = dirent
                .file_name()
                .to_str()
                .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|name| name.parse::<u64>().ok())
            else {
                continue;
            };
            let names_it = self
                .read_entry(contid)?
                .and_then(|text| Entry::parse(&text))
                .is_some_and(|entry| entry.container_id == container_id);
            if names_it {
                found.push(contid);
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    /// Removes every entry that names `container_id` and returns their
    /// contids, in ascending order.
    pub fn release_all(&self, container_id: &str) -> Result<Vec<u64>, String> {
        if !self.dir.is_dir() {
            return Ok(Vec::new());
        }
        let _lock = self.lock_existing()?;
        let found = self.scan(container_id)?;
        for &contid in &found {
            self.remove_if_named(contid, container_id)?;
        }
        Ok(found)
    }
}

/// One line on `notes` (standard error): the hook's remarks that are not
/// failures.  A note that cannot be written is dropped.
pub fn note(notes: &mut dyn Write, text: &str) {
    let _ = writeln!(notes, "audit-containerid-hook: {text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{FakeProc, TempDir};

    fn setup() -> (TempDir, FakeProc, Registry) {
        let dir = TempDir::new();
        let proc = FakeProc::new();
        let registry = Registry::new(dir.path().join("registry"), proc.fs());
        (dir, proc, registry)
    }

    fn entry_text(registry: &Registry, contid: u64) -> Option<String> {
        fs::read_to_string(registry.entry_path(contid)).ok()
    }

    #[test]
    fn reserves_the_first_candidate_and_records_id_and_pid() {
        let (_dir, _proc, registry) = setup();
        let mut notes = Vec::new();
        let (contid, index) = registry.reserve_derived("web", 100, 0, &mut notes).unwrap();
        assert_eq!((contid, index), (derived_candidate("web", 0), 0));
        assert_eq!(entry_text(&registry, contid).unwrap(), "web\n100\n");
        assert!(notes.is_empty());
        // The same container again (a rerun) keeps its number.
        let again = registry.reserve_derived("web", 101, 0, &mut notes).unwrap();
        assert_eq!(again, (contid, 0));
        assert_eq!(entry_text(&registry, contid).unwrap(), "web\n101\n");
    }

    #[test]
    fn a_live_collision_probes_the_next_candidate_and_says_so() {
        let (_dir, proc, registry) = setup();
        let first = derived_candidate("web", 0);
        // Another container holds candidate 0, and its process reads it.
        fs::create_dir_all(&registry.dir).unwrap();
        fs::write(registry.entry_path(first), "db\n200\n").unwrap();
        proc.add_process(200, Some(&first.to_string()));
        let mut notes = Vec::new();
        let (contid, index) = registry.reserve_derived("web", 100, 0, &mut notes).unwrap();
        assert_eq!((contid, index), (derived_candidate("web", 1), 1));
        assert_eq!(entry_text(&registry, first).unwrap(), "db\n200\n");
        let notes = String::from_utf8(notes).unwrap();
        assert_eq!(
            notes,
            format!(
                "audit-containerid-hook: contid {first} (candidate 0 for container web) is held \
                 by container db (pid 200); trying the next candidate\n"
            )
        );
    }

    #[test]
    fn reclaims_an_entry_whose_process_is_gone() {
        let (_dir, _proc, registry) = setup();
        let first = derived_candidate("web", 0);
        fs::create_dir_all(&registry.dir).unwrap();
        fs::write(registry.entry_path(first), "db\n200\n").unwrap();
        let mut notes = Vec::new();
        let (contid, _) = registry.reserve_derived("web", 100, 0, &mut notes).unwrap();
        assert_eq!(contid, first);
        assert_eq!(entry_text(&registry, first).unwrap(), "web\n100\n");
        assert!(String::from_utf8(notes)
            .unwrap()
            .contains("reclaimed the stale registry entry"));
    }

    #[test]
    fn reclaims_an_entry_whose_pid_no_longer_reads_that_contid() {
        let (_dir, proc, registry) = setup();
        let first = derived_candidate("web", 0);
        fs::create_dir_all(&registry.dir).unwrap();
        fs::write(registry.entry_path(first), "db\n200\n").unwrap();
        // pid 200 was reused by a task without a contid.
        proc.add_process(200, Some("18446744073709551615"));
        let mut notes = Vec::new();
        assert_eq!(
            registry
                .reserve_derived("web", 100, 0, &mut notes)
                .unwrap()
                .0,
            first
        );
        // A pid that cannot be checked keeps its entry.
        let second = derived_candidate("api", 0);
        fs::write(registry.entry_path(second), "db2\n201\n").unwrap();
        proc.add_process(201, Some("junk"));
        assert_eq!(
            registry
                .reserve_derived("api", 101, 0, &mut notes)
                .unwrap()
                .0,
            derived_candidate("api", 1)
        );
    }

    #[test]
    fn unreadable_entries_are_left_alone_and_probing_is_bounded() {
        let (_dir, _proc, registry) = setup();
        fs::create_dir_all(&registry.dir).unwrap();
        for index in 0..PROBE_LIMIT {
            fs::write(
                registry.entry_path(derived_candidate("web", index)),
                "garbage",
            )
            .unwrap();
        }
        let mut notes = Vec::new();
        let err = registry
            .reserve_derived("web", 100, 0, &mut notes)
            .unwrap_err();
        assert!(
            err.starts_with("no free contid for container web: all 16 candidates"),
            "{err}"
        );
        let text = String::from_utf8(std::mem::take(&mut notes)).unwrap();
        assert_eq!(text.lines().count(), PROBE_LIMIT as usize);
        assert!(text.contains("an unreadable registry entry"));
        // Starting past the last candidate fails without probing.
        assert!(registry
            .reserve_derived("x", 1, PROBE_LIMIT, &mut notes)
            .is_err());
        assert!(notes.is_empty());
    }

    #[test]
    fn a_given_contid_is_recorded_only_if_free() {
        let (_dir, proc, registry) = setup();
        assert!(registry.record_given(500, "pod-a", 10).unwrap());
        proc.add_process(10, Some("500"));
        // A second container of the pod shares it; the first keeps the entry.
        assert!(!registry.record_given(500, "pod-b", 11).unwrap());
        assert_eq!(entry_text(&registry, 500).unwrap(), "pod-a\n10\n");
    }

    #[test]
    fn release_removes_only_entries_that_name_the_container() {
        let (_dir, _proc, registry) = setup();
        assert_eq!(registry.contids_of("a").unwrap(), Vec::<u64>::new());
        assert_eq!(registry.release_all("a").unwrap(), Vec::<u64>::new());
        assert!(registry.record_given(7, "a", 10).unwrap());
        assert!(registry.record_given(9, "a", 10).unwrap());
        assert!(registry.record_given(8, "b", 11).unwrap());
        assert_eq!(registry.contids_of("a").unwrap(), vec![7, 9]);
        assert!(!registry.release(8, "a").unwrap());
        assert!(registry.release(9, "a").unwrap());
        assert_eq!(registry.release_all("a").unwrap(), vec![7]);
        assert_eq!(entry_text(&registry, 7), None);
        assert_eq!(entry_text(&registry, 8).unwrap(), "b\n11\n");
    }

    #[test]
    fn entry_parsing_is_strict() {
        assert_eq!(
            Entry::parse("web\n42\n"),
            Some(Entry {
                container_id: "web".to_string(),
                pid: 42
            })
        );
        for bad in [
            "",
            "web\n",
            "web\n0\n",
            "web\n-1\n",
            "\n42\n",
            "web\n42\nmore\n",
            "web\nx\n",
        ] {
            assert_eq!(Entry::parse(bad), None, "{bad:?}");
        }
    }
}
