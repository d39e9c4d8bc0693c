// SPDX-License-Identifier: GPL-2.0

//! The two things the hook does: tag a container that is being created,
//! and log a container that has stopped.

use crate::contid::{derived_candidate, requested_contid, PROBE_LIMIT};
use crate::netlink::{AuditLog, LogError};
use crate::procfs::{ProcFs, SetError};
use crate::record::{check_bare_word, container_name, start_text, stop_text, Outcome, Subject};
use crate::registry::{note, Registry};
use crate::state::State;
use std::io::Write;

/// Whatever sets a contid on a process: `/proc/<pid>/containerid` in
/// production, a stand-in in tests that need the kernel's refusals.
pub trait SetContid {
    fn set_contid(&self, pid: i32, contid: u64) -> Result<(), SetError>;
}

impl SetContid for ProcFs {
    fn set_contid(&self, pid: i32, contid: u64) -> Result<(), SetError> {
        self.write_contid(pid, contid)
    }
}

/// Everything one run of the hook works with.
pub struct Hook<'a> {
    pub setter: &'a dyn SetContid,
    pub registry: Registry,
    /// `virt=` of the records.
    pub runtime: &'a str,
    /// `exe=` of the records: the path of this binary.
    pub exe: &'a str,
    pub log: &'a mut dyn AuditLog,
    /// Remarks that are not failures (standard error).
    pub notes: &'a mut dyn Write,
}

/// Where a contid came from.
enum Source {
    /// The annotation; `recorded` says whether the registry entry is ours.
    Given { recorded: bool },
    /// Derived from the container id, candidate `index`.
    Derived { index: u32 },
}

impl Hook<'_> {
    /// `create` (createRuntime or prestart): chooses the contid, writes it
    /// to `/proc/<pid>/containerid` and logs the mapping.  Every failure
    /// is an error, so that the runtime refuses the container.
    pub fn create(&mut self, state: &State) -> Result<(), String> {
        let id = state.id.as_str();
        check_bare_word("container id", id)?;
        let pid = state.pid()?;
        let annotations = state.annotations(true)?;
        let name = container_name(&annotations, id);
        let requested = requested_contid(&annotations)?;

        let mut next = 0;
        loop {
            let (contid, source) = match requested {
                Some(contid) => {
                    let recorded = self.registry.record_given(contid, id, pid)?;
                    (contid, Source::Given { recorded })
                }
                None => {
                    let (contid, index) =
                        self.registry.reserve_derived(id, pid, next, self.notes)?;
                    (contid, Source::Derived { index })
                }
            };
            let subject = Subject {
                runtime: self.runtime,
                name,
                container_id: id,
                contid,
                exe: self.exe,
            };
            let err = match self.setter.set_contid(pid, contid) {
                Ok(()) => {
                    let text = start_text(&subject, pid, Outcome::Success);
                    let unlogged = format!(
                        "contid {contid} is set on pid {pid}; its VIRT_CONTROL record naming \
                         container {id} is not logged"
                    );
                    return self.log_or_note(&text, &unlogged).map_err(|e| {
                        format!(
                            "contid {contid} is set on pid {pid}, but its audit record failed: {e}"
                        )
                    });
                }
                Err(err) => err,
            };

            let mut message = format!("cannot set contid {contid} on pid {pid}: {err}");
            let ours = match source {
                Source::Given { recorded } => recorded,
                Source::Derived { .. } => true,
            };
            if ours {
                if let Err(e) = self.registry.release(contid, id) {
                    message.push_str(&format!("; and cannot clean up: {e}"));
                }
            }
            // A derived number that another orchestrator holds outside
            // the registry: try the next candidate.
            if let Source::Derived { index } = source {
                if err.errno() == Some(libc::ENOTUNIQ) && index + 1 < PROBE_LIMIT {
                    note(
                        self.notes,
                        &format!(
                            "contid {contid} (candidate {index} for container {id}) is owned \
                             by another orchestrator; trying the next candidate"
                        ),
                    );
                    next = index + 1;
                    continue;
                }
            }
            if let Err(e) = self.log.log(&start_text(&subject, pid, Outcome::Failed)) {
                message.push_str(&format!(
                    "; and the audit record of the failure failed: {e}"
                ));
            }
            return Err(message);
        }
    }

    /// `poststop`: logs the stop with the container's contid and removes
    /// its registry entries.  A container without an entry is no error.
    pub fn poststop(&mut self, state: &State) -> Result<(), String> {
        let id = state.id.as_str();
        check_bare_word("container id", id)?;
        let annotations = state.annotations(false)?;
        let name = container_name(&annotations, id);
        let released = self.registry.release_all(id)?;
        let contid = match released.first() {
            Some(&contid) => contid,
            None => requested_contid(&annotations)?.unwrap_or_else(|| derived_candidate(id, 0)),
        };
        let subject = Subject {
            runtime: self.runtime,
            name,
            container_id: id,
            contid,
            exe: self.exe,
        };
        let unlogged = format!("the stop of container {id} (contid {contid}) is not logged");
        self.log_or_note(&stop_text(&subject, Outcome::Success), &unlogged)
            .map_err(|e| format!("cannot log the stop of container {id} (contid {contid}): {e}"))
    }

    /// Logs `text`.  A refusal because the hook runs outside the initial
    /// user namespace (a runtime nested in a container with its own) is
    /// only noted, as `unlogged`: the container is tagged and the kernel
    /// logged the set itself (CONTAINER op=set); only the name is missing.
    /// Any other error is returned.
    fn log_or_note(&mut self, text: &str, unlogged: &str) -> Result<(), LogError> {
        match self.log.log(text) {
            Err(e) if e.outside_initial_namespace() => {
                note(
                    self.notes,
                    &format!(
                        "{unlogged}: {e} (the kernel takes audit messages only from the \
                         initial user namespace)"
                    ),
                );
                Ok(())
            }
            result => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{FakeProc, Recorder, TempDir};
    use std::cell::RefCell;

    /// A kernel that refuses the first `refusals` writes with `errno`.
    struct Refusing {
        errno: i32,
        refusals: RefCell<u32>,
        writes: RefCell<Vec<u64>>,
    }

    impl SetContid for Refusing {
        fn set_contid(&self, _pid: i32, contid: u64) -> Result<(), SetError> {
            self.writes.borrow_mut().push(contid);
            let mut left = self.refusals.borrow_mut();
            if *left > 0 {
                *left -= 1;
                return Err(SetError::Os(self.errno));
            }
            Ok(())
        }
    }

    #[derive(Clone, Copy)]
    enum Stage {
        Create,
        Poststop,
    }

    struct Setup {
        _dir: TempDir,
        proc: FakeProc,
        registry: Registry,
    }

    fn setup() -> Setup {
        let dir = TempDir::new();
        let proc = FakeProc::new();
        let registry = Registry::new(dir.path().join("reg"), proc.fs());
        Setup {
            _dir: dir,
            proc,
            registry,
        }
    }

    fn run(
        setup: &Setup,
        setter: &dyn SetContid,
        state: &str,
        stage: Stage,
    ) -> (Result<(), String>, Vec<String>, String) {
        run_logging(setup, setter, state, stage, Recorder::default())
    }

    fn run_logging(
        setup: &Setup,
        setter: &dyn SetContid,
        state: &str,
        stage: Stage,
        mut log: Recorder,
    ) -> (Result<(), String>, Vec<String>, String) {
        let mut notes = Vec::new();
        let state = State::parse(state.as_bytes()).unwrap();
        let mut hook = Hook {
            setter,
            registry: setup.registry.clone(),
            runtime: "runc",
            exe: "/usr/bin/audit-containerid-hook",
            log: &mut log,
            notes: &mut notes,
        };
        let result = match stage {
            Stage::Create => hook.create(&state),
            Stage::Poststop => hook.poststop(&state),
        };
        (result, log.records, String::from_utf8(notes).unwrap())
    }

    #[test]
    fn create_sets_registers_and_logs_a_derived_contid() {
        let s = setup();
        s.proc.add_process(4242, None);
        let fs = s.proc.fs();
        let state = r#"{"id":"web","status":"creating","pid":4242,"bundle":"/nonexistent",
                        "annotations":{"io.kubernetes.cri-o.ContainerName":"frontend"}}"#;
        let (result, records, notes) = run(&s, &fs, state, Stage::Create);
        result.unwrap();
        let contid = derived_candidate("web", 0);
        assert_eq!(s.proc.contid_text(4242), contid.to_string());
        assert_eq!(s.registry.contids_of("web").unwrap(), vec![contid]);
        assert_eq!(
            records,
            vec![format!(
                "virt=runc op=start reason=create vm=\"frontend\" uuid=web vm-pid=4242 \
                 contid={contid} exe=\"/usr/bin/audit-containerid-hook\" res=success"
            )]
        );
        assert_eq!(notes, "");
    }

    #[test]
    fn create_writes_an_annotated_contid_even_when_a_pod_mate_holds_it() {
        let s = setup();
        s.proc.add_process(10, Some("900"));
        assert!(s.registry.record_given(900, "pod-a", 10).unwrap());
        s.proc.add_process(11, None);
        let fs = s.proc.fs();
        let state =
            r#"{"id":"pod-b","pid":11,"annotations":{"org.linux.audit.containerid":"900"}}"#;
        let (result, records, _) = run(&s, &fs, state, Stage::Create);
        result.unwrap();
        assert_eq!(s.proc.contid_text(11), "900");
        assert_eq!(s.registry.contids_of("pod-b").unwrap(), Vec::<u64>::new());
        assert!(
            records[0].contains(" uuid=pod-b vm-pid=11 contid=900 "),
            "{}",
            records[0]
        );
    }

    /// A runtime nested in a container with its own user namespace: the
    /// kernel refuses its audit messages, but the contid is set.
    #[test]
    fn a_record_refused_outside_the_initial_user_namespace_is_a_note() {
        let s = setup();
        s.proc.add_process(77, None);
        let fs = s.proc.fs();
        let state = r#"{"id":"inner","pid":77,"annotations":{"org.linux.audit.containerid":"5"}}"#;
        let refusing = || Recorder {
            refuse: Some(libc::ECONNREFUSED),
            ..Recorder::default()
        };
        let (result, records, notes) = run_logging(&s, &fs, state, Stage::Create, refusing());
        result.unwrap();
        assert_eq!(s.proc.contid_text(77), "5");
        assert!(records.is_empty());
        assert!(
            notes.contains(
                "contid 5 is set on pid 77; its VIRT_CONTROL record naming container \
                            inner is not logged"
            ),
            "{notes}"
        );
        let (result, _, notes) = run_logging(&s, &fs, state, Stage::Poststop, refusing());
        result.unwrap();
        assert!(notes.contains("the stop of container inner (contid 5) is not logged"));

        // Any other refusal still fails the hook.
        s.proc.add_process(78, None);
        let state = r#"{"id":"other","pid":78,"annotations":{"org.linux.audit.containerid":"6"}}"#;
        let eperm = Recorder {
            refuse: Some(libc::EPERM),
            ..Recorder::default()
        };
        let (result, _, _) = run_logging(&s, &fs, state, Stage::Create, eperm);
        let err = result.unwrap_err();
        assert!(err.starts_with("contid 6 is set on pid 78, but its audit record failed"));
    }

    #[test]
    fn a_failed_set_is_logged_cleaned_up_and_reported() {
        let s = setup();
        let refusing = Refusing {
            errno: libc::EPERM,
            refusals: RefCell::new(1),
            writes: RefCell::new(Vec::new()),
        };
        let state = r#"{"id":"web","pid":456,"annotations":{"org.linux.audit.containerid":"123"}}"#;
        let (result, records, _) = run(&s, &refusing, state, Stage::Create);
        let err = result.unwrap_err();
        assert!(
            err.starts_with("cannot set contid 123 on pid 456: permission denied: ")
                && err.ends_with("(EPERM)"),
            "{err}"
        );
        assert_eq!(records.len(), 1);
        assert!(
            records[0].ends_with(" contid=123 exe=\"/usr/bin/audit-containerid-hook\" res=failed")
        );
        // The reservation is gone with the failure.
        assert_eq!(s.registry.contids_of("web").unwrap(), Vec::<u64>::new());
    }

    #[test]
    fn enotuniq_on_a_derived_contid_moves_to_the_next_candidate() {
        let s = setup();
        let refusing = Refusing {
            errno: libc::ENOTUNIQ,
            refusals: RefCell::new(1),
            writes: RefCell::new(Vec::new()),
        };
        let state = r#"{"id":"web","pid":456,"annotations":{"a":"b"}}"#;
        let (result, records, notes) = run(&s, &refusing, state, Stage::Create);
        result.unwrap();
        let (first, second) = (derived_candidate("web", 0), derived_candidate("web", 1));
        assert_eq!(*refusing.writes.borrow(), vec![first, second]);
        assert_eq!(s.registry.contids_of("web").unwrap(), vec![second]);
        assert!(notes.contains(&format!(
            "contid {first} (candidate 0 for container web) is owned by another orchestrator"
        )));
        assert!(records[0].contains(&format!(" contid={second} ")));
        // An annotated contid is not renumbered behind the orchestrator's back.
        let refusing = Refusing {
            errno: libc::ENOTUNIQ,
            refusals: RefCell::new(1),
            writes: RefCell::new(Vec::new()),
        };
        let state = r#"{"id":"api","pid":457,"annotations":{"org.linux.audit.containerid":"5"}}"#;
        let (result, _, _) = run(&s, &refusing, state, Stage::Create);
        assert!(result.unwrap_err().ends_with("(ENOTUNIQ)"));
        assert_eq!(*refusing.writes.borrow(), vec![5]);
    }

    #[test]
    fn create_refuses_bad_input_before_touching_anything() {
        let s = setup();
        let fs = s.proc.fs();
        for (state, expected) in [
            (
                r#"{"id":"a b","pid":1,"annotations":{"x":"y"}}"#,
                "container id \"a b\"",
            ),
            (
                r#"{"id":"web","annotations":{"x":"y"}}"#,
                "the OCI state has no pid",
            ),
            (
                r#"{"id":"web","pid":3,"annotations":{"org.linux.audit.containerid":"18446744073709551615"}}"#,
                "annotation org.linux.audit.containerid=\"18446744073709551615\": ",
            ),
        ] {
            let (result, records, _) = run(&s, &fs, state, Stage::Create);
            let err = result.unwrap_err();
            assert!(err.starts_with(expected), "{err}");
            assert!(records.is_empty());
        }
        assert_eq!(s.registry.contids_of("web").unwrap(), Vec::<u64>::new());
    }

    #[test]
    fn poststop_logs_the_registered_contid_and_removes_the_entry() {
        let s = setup();
        s.proc.add_process(4242, None);
        let fs = s.proc.fs();
        let create = r#"{"id":"web","pid":4242,"annotations":{"nerdctl/name":"w"}}"#;
        run(&s, &fs, create, Stage::Create).0.unwrap();
        let contid = derived_candidate("web", 0);
        // podman's poststop state: no pid.
        let stop = r#"{"ociVersion":"1.0.2-dev","id":"web","status":"stopped","bundle":"/gone",
                       "annotations":{"nerdctl/name":"w"}}"#;
        let (result, records, _) = run(&s, &fs, stop, Stage::Poststop);
        result.unwrap();
        assert_eq!(
            records,
            vec![format!(
                "virt=runc op=stop reason=destroyed vm=\"w\" uuid=web contid={contid} \
                 exe=\"/usr/bin/audit-containerid-hook\" res=success"
            )]
        );
        assert_eq!(s.registry.contids_of("web").unwrap(), Vec::<u64>::new());
        // Again, with the entry gone: no error, the annotation or derivation says the number.
        let (result, records, _) = run(&s, &fs, stop, Stage::Poststop);
        result.unwrap();
        assert!(records[0].contains(&format!(" contid={contid} ")));
        let annotated =
            r#"{"id":"x","status":"stopped","annotations":{"org.linux.audit.containerid":"31"}}"#;
        let (result, records, _) = run(&s, &fs, annotated, Stage::Poststop);
        result.unwrap();
        assert!(records[0].contains(" uuid=x contid=31 "), "{}", records[0]);
    }
}
