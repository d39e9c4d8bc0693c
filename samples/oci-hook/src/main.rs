// SPDX-License-Identifier: GPL-2.0

//! `audit-containerid-hook`: an OCI runtime hook that gives a container an
//! audit container identifier (contid) and logs the mapping.
//!
//! ```text
//! audit-containerid-hook [--fail-open] [--registry DIR] [--runtime NAME] [STAGE]
//! ```
//!
//! The runtime passes the OCI state on standard input.  STAGE is `create`
//! (also spelled `createRuntime` or `prestart`, the stage names the hook
//! is installed under; the default) or `poststop`.  See README.md.

mod contid;
mod hook;
mod netlink;
mod procfs;
mod record;
mod registry;
mod state;
#[cfg(test)]
mod testutil;

use hook::Hook;
use netlink::{AuditLog, KernelAudit};
use procfs::ProcFs;
use registry::{Registry, DEFAULT_REGISTRY};
use state::State;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: audit-containerid-hook [--fail-open] [--registry DIR] \
                     [--runtime NAME] [create|createRuntime|prestart|poststop]";

/// What the hook was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Create,
    Poststop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    stage: Stage,
    fail_open: bool,
    registry: PathBuf,
    runtime: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Run(Options),
    Help,
}

impl Stage {
    fn parse(word: &str) -> Result<Self, String> {
        match word {
            "create" | "createRuntime" | "prestart" => Ok(Stage::Create),
            "poststop" => Ok(Stage::Poststop),
            "createContainer" | "startContainer" | "poststart" => Err(format!(
                "stage {word} is not supported: install the hook as createRuntime (or \
                 prestart) and poststop"
            )),
            _ => Err(format!("unknown stage {word:?}")),
        }
    }
}

impl Command {
    /// Parses the arguments after the program name.
    fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut stage = None;
        let mut fail_open = false;
        let mut registry = PathBuf::from(DEFAULT_REGISTRY);
        let mut runtime = "oci".to_string();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let arg = arg
                .to_str()
                .ok_or_else(|| format!("argument {arg:?} is not UTF-8"))?;
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
                _ => (arg, None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                match inline {
                    Some(value) => Ok(value.to_string()),
                    None => args
                        .next()
                        .and_then(|v| v.to_str())
                        .map(str::to_string)
                        .ok_or_else(|| format!("{name} needs a value")),
                }
            };
            match flag {
                "-h" | "--help" => return Ok(Command::Help),
                "--fail-open" if inline.is_none() => fail_open = true,
                "--registry" => {
                    let dir = value("--registry")?;
                    if dir.is_empty() {
                        return Err("--registry needs a directory".to_string());
                    }
                    registry = PathBuf::from(dir);
                }
                "--runtime" => {
                    runtime = value("--runtime")?;
                    record::check_bare_word("runtime name", &runtime)?;
                }
                _ if flag.starts_with('-') => return Err(format!("unknown option {arg}")),
                _ if stage.is_some() => return Err(format!("more than one stage: {arg}")),
                _ => stage = Some(Stage::parse(arg)?),
            }
        }
        Ok(Command::Run(Options {
            stage: stage.unwrap_or(Stage::Create),
            fail_open,
            registry,
            runtime,
        }))
    }
}

/// Runs one stage; `Err` is the one line that says what failed.
fn run(
    options: &Options,
    input: impl Read,
    proc: ProcFs,
    exe: &str,
    log: &mut dyn AuditLog,
    notes: &mut dyn Write,
) -> Result<(), String> {
    let state = State::read(input)?;
    let mut hook = Hook {
        setter: &proc,
        registry: Registry::new(&options.registry, proc.clone()),
        runtime: &options.runtime,
        exe,
        log,
        notes,
    };
    match options.stage {
        Stage::Create => hook.create(&state),
        Stage::Poststop => hook.poststop(&state),
    }
}

/// Reports `result` on `stderr` and picks the exit status: a failure is
/// fatal (the runtime then refuses the container) unless `fail_open`.
fn finish(result: Result<(), String>, fail_open: bool, stderr: &mut dyn Write) -> u8 {
    let Err(message) = result else {
        return 0;
    };
    let line = message.replace('\n', " ");
    if fail_open {
        let _ = writeln!(
            stderr,
            "audit-containerid-hook: {line} (ignored: --fail-open)"
        );
        0
    } else {
        let _ = writeln!(stderr, "audit-containerid-hook: {line}");
        1
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut stderr = io::stderr();
    let options = match Command::parse(&args) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(stderr, "audit-containerid-hook: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let exe = std::env::current_exe()
        .map(|path| path.display().to_string())
        .unwrap_or_else(|_| "audit-containerid-hook".to_string());
    let result = run(
        &options,
        io::stdin().lock(),
        ProcFs::new("/proc"),
        &exe,
        &mut KernelAudit,
        &mut io::stderr(),
    );
    ExitCode::from(finish(result, options.fail_open, &mut stderr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{FakeProc, Recorder, TempDir};

    fn parse(args: &[&str]) -> Result<Command, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Command::parse(&args)
    }

    fn options(args: &[&str]) -> Options {
        match parse(args) {
            Ok(Command::Run(options)) => options,
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    #[test]
    fn arguments_default_to_create_and_accept_oci_stage_names() {
        let default = options(&[]);
        assert_eq!(default.stage, Stage::Create);
        assert!(!default.fail_open);
        assert_eq!(default.registry, PathBuf::from("/run/audit-containerid"));
        assert_eq!(default.runtime, "oci");
        for word in ["create", "createRuntime", "prestart"] {
            assert_eq!(options(&[word]).stage, Stage::Create, "{word}");
        }
        let all = options(&[
            "--fail-open",
            "--registry",
            "/tmp/r",
            "--runtime=crun",
            "poststop",
        ]);
        assert_eq!(
            all,
            Options {
                stage: Stage::Poststop,
                fail_open: true,
                registry: PathBuf::from("/tmp/r"),
                runtime: "crun".to_string(),
            }
        );
        assert_eq!(options(&["--registry=/x"]).registry, PathBuf::from("/x"));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn bad_arguments_are_refused() {
        for (args, expected) in [
            (&["--bogus"][..], "unknown option --bogus"),
            (&["create", "poststop"], "more than one stage: poststop"),
            (&["startContainer"], "stage startContainer is not supported"),
            (&["stop"], "unknown stage \"stop\""),
            (&["--registry"], "--registry needs a value"),
            (&["--registry="], "--registry needs a directory"),
            (&["--runtime", "a b"], "runtime name \"a b\""),
            (&["--fail-open=yes"], "unknown option --fail-open=yes"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.starts_with(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn failures_are_fatal_unless_fail_open() {
        let mut stderr = Vec::new();
        assert_eq!(finish(Ok(()), false, &mut stderr), 0);
        assert!(stderr.is_empty());
        let failure = || Err("cannot set contid 123 on pid 456: x\ny".to_string());
        assert_eq!(finish(failure(), false, &mut stderr), 1);
        assert_eq!(
            String::from_utf8(std::mem::take(&mut stderr)).unwrap(),
            "audit-containerid-hook: cannot set contid 123 on pid 456: x y\n"
        );
        assert_eq!(finish(failure(), true, &mut stderr), 0);
        assert_eq!(
            String::from_utf8(stderr).unwrap(),
            "audit-containerid-hook: cannot set contid 123 on pid 456: x y (ignored: --fail-open)\n"
        );
    }

    #[test]
    fn run_reads_the_state_and_dispatches_the_stage() {
        let proc = FakeProc::new();
        proc.add_process(77, None);
        let registry = TempDir::new();
        let mut opts = options(&["--runtime", "crun", "createRuntime"]);
        opts.registry = registry.path().to_path_buf();
        let mut log = Recorder::default();
        let mut notes = Vec::new();
        let state = br#"{"ociVersion":"1.0","id":"c","pid":77,"status":"created",
                         "annotations":{"org.linux.audit.containerid":"8"}}"#;
        run(&opts, &state[..], proc.fs(), "/hook", &mut log, &mut notes).unwrap();
        assert_eq!(proc.contid_text(77), "8");
        assert_eq!(
            log.records,
            vec![
                "virt=crun op=start reason=create vm=\"c\" uuid=c vm-pid=77 contid=8 \
                  exe=\"/hook\" res=success"
            ]
        );
        opts.stage = Stage::Poststop;
        run(&opts, &state[..], proc.fs(), "/hook", &mut log, &mut notes).unwrap();
        assert!(log.records[1]
            .starts_with("virt=crun op=stop reason=destroyed vm=\"c\" uuid=c contid=8 "));
        let err = run(
            &opts,
            &b"not json"[..],
            proc.fs(),
            "/hook",
            &mut log,
            &mut notes,
        )
        .unwrap_err();
        assert!(err.starts_with("cannot parse the OCI state"), "{err}");
    }
}
