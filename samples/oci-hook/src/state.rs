// SPDX-License-Identifier: GPL-2.0

//! The OCI state a runtime passes on a hook's standard input, and the
//! annotations of the container's `config.json`.
//!
//! Only the fields the hook uses are read; everything else is ignored, so
//! that a newer runtime, an unknown status or a capability this code never
//! heard of cannot make the hook refuse a container.

use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The most the hook reads from standard input or from `config.json`.
const MAX_JSON: u64 = 4 << 20;

/// The OCI runtime state (runtime-spec `runtime.md`, "State"): the
/// fields the hook uses.  `ociVersion` and `status` are not among them;
/// runtimes disagree on both (runc says `creating` to a createRuntime
/// hook, crun `created`).
#[derive(Debug, Deserialize)]
pub struct State {
    pub id: String,
    /// Absent from podman's poststop state, 0 in crun's for a stopped
    /// container.
    #[serde(default)]
    pub pid: Option<i64>,
    #[serde(default)]
    pub bundle: String,
    #[serde(default)]
    pub annotations: Option<HashMap<String, String>>,
}

/// The one part of a bundle's `config.json` the hook needs.
#[derive(Debug, Deserialize)]
struct ConfigAnnotations {
    #[serde(default)]
    annotations: Option<HashMap<String, String>>,
}

impl State {
    /// Parses the state JSON from `input`.
    pub fn read(input: impl Read) -> Result<Self, String> {
        let mut text = Vec::new();
        input
            .take(MAX_JSON)
            .read_to_end(&mut text)
            .map_err(|e| format!("cannot read the OCI state from standard input: {e}"))?;
        Self::parse(&text)
    }

    /// Parses the state JSON in `text`.
    pub fn parse(text: &[u8]) -> Result<Self, String> {
        let state: State = serde_json::from_slice(text)
            .map_err(|e| format!("cannot parse the OCI state on standard input: {e}"))?;
        if state.id.is_empty() {
            return Err("the OCI state has an empty container id".to_string());
        }
        Ok(state)
    }

    /// The pid of the container's first process, if the state has one.
    pub fn pid(&self) -> Result<i32, String> {
        match self.pid {
            Some(pid) if pid > 0 => {
                i32::try_from(pid).map_err(|_| format!("the OCI state has an impossible pid {pid}"))
            }
            Some(pid) => Err(format!("the OCI state has no process (pid {pid})")),
            None => Err("the OCI state has no pid".to_string()),
        }
    }

    /// The container's annotations: those of the state or, when it has
    /// none (runc and crun leave out an empty map), those of
    /// `<bundle>/config.json`.  `required` says whether a `config.json`
    /// that cannot be read is an error (it is at create; at poststop the
    /// bundle may be gone).
    pub fn annotations(&self, required: bool) -> Result<HashMap<String, String>, String> {
        match &self.annotations {
            Some(map) if !map.is_empty() => return Ok(map.clone()),
            _ => {}
        }
        if self.bundle.is_empty() {
            return if required {
                Err("the OCI state has neither annotations nor a bundle".to_string())
            } else {
                Ok(HashMap::new())
            };
        }
        match config_annotations(&Path::new(&self.bundle).join("config.json")) {
            Ok(map) => Ok(map),
            Err(_) if !required => Ok(HashMap::new()),
            Err(e) => Err(e),
        }
    }
}

/// The annotations in the OCI runtime configuration at `path`.
fn config_annotations(path: &Path) -> Result<HashMap<String, String>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut text = Vec::new();
    file.take(MAX_JSON)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config: ConfigAnnotations = serde_json::from_slice(&text)
        .map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
    Ok(config.annotations.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn parses_runc_state() {
        // What runc 1.1 writes for a createRuntime hook.
        let text = br#"{"ociVersion":"1.0.2-dev","id":"web","status":"creating","pid":4242,
            "bundle":"/run/containerd/io.containerd.runtime.v2.task/default/web",
            "annotations":{"org.linux.audit.containerid":"77","nerdctl/name":"web-1"}}"#;
        let state = State::parse(text).unwrap();
        assert_eq!(state.id, "web");
        assert_eq!(state.pid(), Ok(4242));
        let annotations = state.annotations(true).unwrap();
        assert_eq!(annotations["org.linux.audit.containerid"], "77");
        assert_eq!(annotations["nerdctl/name"], "web-1");
    }

    #[test]
    fn parses_crun_state_with_extra_fields() {
        // crun's hook state: "root" (the rootfs) and a bundle that is its
        // working directory, no "annotations" key when there are none.
        let dir = TempDir::new();
        std::fs::write(dir.path().join("config.json"), br#"{"ociVersion":"1.0.0"}"#).unwrap();
        let text = format!(
            r#"{{"ociVersion":"1.0","id":"c1","pid":99,"root":"/var/lib/c1/rootfs",
               "bundle":"{}","status":"created","created":"2024-01-01T00:00:00Z"}}"#,
            dir.path().display()
        );
        let state = State::parse(text.as_bytes()).unwrap();
        assert_eq!(state.pid(), Ok(99));
        assert!(state.annotations(true).unwrap().is_empty());
    }

    #[test]
    fn state_without_annotations_falls_back_to_config_json() {
        let dir = TempDir::new();
        std::fs::write(
            dir.path().join("config.json"),
            br#"{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":["CAP_FUTURE"]}},
                "linux":{"namespaces":[{"type":"futurens"}]},
                "annotations":{"org.linux.audit.containername":"db"}}"#,
        )
        .unwrap();
        for annotations in ["", r#","annotations":{}"#] {
            let text = format!(
                r#"{{"ociVersion":"1.0.2","id":"x","status":"creating","pid":7,"bundle":"{}"{}}}"#,
                dir.path().display(),
                annotations
            );
            let state = State::parse(text.as_bytes()).unwrap();
            let map = state.annotations(true).unwrap();
            assert_eq!(map.len(), 1, "{annotations}");
            assert_eq!(map["org.linux.audit.containername"], "db");
        }
    }

    #[test]
    fn missing_config_json_is_an_error_only_when_required() {
        let dir = TempDir::new();
        let text = format!(
            r#"{{"ociVersion":"1.0.2","id":"x","status":"stopped","bundle":"{}"}}"#,
            dir.path().display()
        );
        let state = State::parse(text.as_bytes()).unwrap();
        let err = state.annotations(true).unwrap_err();
        assert!(
            err.starts_with("cannot open ") && err.contains("config.json"),
            "{err}"
        );
        assert!(state.annotations(false).unwrap().is_empty());
    }

    #[test]
    fn podman_poststop_state_has_no_pid() {
        let text = br#"{"ociVersion":"1.0.2-dev","id":"abc","status":"stopped",
            "bundle":"/var/lib/containers/storage/overlay-containers/abc/userdata",
            "annotations":{"io.container.manager":"libpod"}}"#;
        let state = State::parse(text).unwrap();
        assert_eq!(state.pid, None);
        assert_eq!(state.pid(), Err("the OCI state has no pid".to_string()));
        let crun_stopped = State::parse(br#"{"id":"abc","pid":0,"status":"stopped"}"#).unwrap();
        assert!(crun_stopped.pid().unwrap_err().contains("no process"));
    }

    #[test]
    fn rejects_malformed_state() {
        for bad in [
            &b""[..],
            b"{",
            b"[]",
            br#"{"pid":1}"#,
            br#"{"id":""}"#,
            br#"{"id":"x","pid":"1"}"#,
        ] {
            assert!(
                State::parse(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let err = State::parse(b"{").unwrap_err();
        assert!(err.starts_with("cannot parse the OCI state"), "{err}");
    }
}
