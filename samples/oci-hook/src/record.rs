// SPDX-License-Identifier: GPL-2.0

//! The text of the AUDIT_VIRT_CONTROL records, after libvirt's container
//! lifecycle records (`virt=lxc op=start reason=... vm=... uuid=...
//! vm-pid=...`), with a `contid=` field that `ausearch --containerid`
//! finds.
//!
//! Values that a person or an image chose (the container name, the path
//! of this binary) are quoted when safe and otherwise hex-encoded without
//! quotes, as libaudit's `audit_encode_nv_string()` does and as auparse
//! decodes; so a name cannot end the field and forge another one.

use std::collections::HashMap;

/// The annotations that may carry the container's name, in order of
/// preference.  Podman (4.x and 5.x) puts no name in `config.json`: a
/// podman user names the container for audit with
/// `--annotation org.linux.audit.containername=NAME`.
pub const NAME_ANNOTATIONS: [&str; 5] = [
    "org.linux.audit.containername",
    "io.kubernetes.cri-o.ContainerName",
    "io.kubernetes.container.name",
    "io.kubernetes.cri.container-name",
    "nerdctl/name",
];

/// Whether the set (or the stop) succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
        }
    }
}

/// What a record says about one container.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub runtime: &'a str,
    pub name: &'a str,
    pub container_id: &'a str,
    pub contid: u64,
    pub exe: &'a str,
}

/// The container's name: the first non-empty [`NAME_ANNOTATIONS`] value,
/// else its id.
pub fn container_name<'a>(
    annotations: &'a HashMap<String, String>,
    container_id: &'a str,
) -> &'a str {
    NAME_ANNOTATIONS
        .iter()
        .filter_map(|key| annotations.get(*key))
        .find(|value| !value.is_empty())
        .map_or(container_id, String::as_str)
}

/// Whether `value` can stand between double quotes in a record: printable
/// ASCII other than `"` (libaudit's `audit_value_needs_encoding()`, which
/// also encodes the space).
fn quotable(value: &str) -> bool {
    value.bytes().all(|b| b > 0x20 && b < 0x7f && b != b'"')
}

/// `"value"`, or the value's bytes in upper-case hex without quotes.
pub fn encode_value(value: &str) -> String {
    if quotable(value) {
        format!("\"{value}\"")
    } else {
        value.bytes().map(|b| format!("{b:02X}")).collect()
    }
}

/// Checks that a word written without quotes (the container id, the
/// runtime name) cannot be taken for more than one field.
pub fn check_bare_word(what: &str, value: &str) -> Result<(), String> {
    if !value.is_empty() && quotable(value) && !value.contains(['=', '\'']) {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} cannot go into an audit record unquoted (it must be printable \
             ASCII without blanks, quotes or '=')"
        ))
    }
}

/// The record of a container start: `op=start reason=create`.
pub fn start_text(subject: &Subject<'_>, pid: i32, outcome: Outcome) -> String {
    format!(
        "virt={} op=start reason=create vm={} uuid={} vm-pid={} contid={} exe={} res={}",
        subject.runtime,
        encode_value(subject.name),
        subject.container_id,
        pid,
        subject.contid,
        encode_value(subject.exe),
        outcome.as_str()
    )
}

/// The record of a container stop: `op=stop reason=destroyed`.
pub fn stop_text(subject: &Subject<'_>, outcome: Outcome) -> String {
    format!(
        "virt={} op=stop reason=destroyed vm={} uuid={} contid={} exe={} res={}",
        subject.runtime,
        encode_value(subject.name),
        subject.container_id,
        subject.contid,
        encode_value(subject.exe),
        outcome.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(name: &'a str) -> Subject<'a> {
        Subject {
            runtime: "crun",
            name,
            container_id: "c0ffee",
            contid: 123,
            exe: "/usr/libexec/oci/hooks.d/audit-containerid-hook",
        }
    }

    #[test]
    fn start_record_text_is_exact() {
        assert_eq!(
            start_text(&subject("web"), 4242, Outcome::Success),
            "virt=crun op=start reason=create vm=\"web\" uuid=c0ffee vm-pid=4242 contid=123 \
             exe=\"/usr/libexec/oci/hooks.d/audit-containerid-hook\" res=success"
        );
        let failed = start_text(&subject("web"), 4242, Outcome::Failed);
        assert!(failed.ends_with(" res=failed"), "{failed}");
        // ausearch --containerid 123 matches " contid=123".
        assert!(failed.contains(" contid=123 "));
    }

    #[test]
    fn stop_record_text_is_exact() {
        assert_eq!(
            stop_text(&subject("web"), Outcome::Success),
            "virt=crun op=stop reason=destroyed vm=\"web\" uuid=c0ffee contid=123 \
             exe=\"/usr/libexec/oci/hooks.d/audit-containerid-hook\" res=success"
        );
    }

    #[test]
    fn names_with_quotes_blanks_or_controls_are_hex_encoded() {
        assert_eq!(encode_value("web-1_a.b/c"), "\"web-1_a.b/c\"");
        assert_eq!(encode_value("a\"b"), "612262");
        assert_eq!(encode_value("a b"), "612062");
        assert_eq!(encode_value("x\ny"), "780A79");
        assert_eq!(encode_value("caf\u{e9}"), "636166C3A9");
        assert_eq!(encode_value(""), "\"\"");
        let forged = start_text(&subject("x\" contid=1 res=\"success"), 1, Outcome::Success);
        assert_eq!(forged.matches("contid=").count(), 1, "{forged}");
        assert_eq!(forged.matches("res=").count(), 1, "{forged}");
    }

    #[test]
    fn name_comes_from_the_first_annotation_present() {
        let mut annotations = HashMap::new();
        assert_eq!(container_name(&annotations, "abc"), "abc");
        annotations.insert("nerdctl/name".to_string(), "n".to_string());
        assert_eq!(container_name(&annotations, "abc"), "n");
        annotations.insert("io.kubernetes.container.name".to_string(), "k".to_string());
        assert_eq!(container_name(&annotations, "abc"), "k");
        annotations.insert(
            "io.kubernetes.cri-o.ContainerName".to_string(),
            "crio".to_string(),
        );
        assert_eq!(container_name(&annotations, "abc"), "crio");
        // An empty value does not count.
        annotations.insert("org.linux.audit.containername".to_string(), String::new());
        assert_eq!(container_name(&annotations, "abc"), "crio");
        annotations.insert(
            "org.linux.audit.containername".to_string(),
            "mine".to_string(),
        );
        assert_eq!(container_name(&annotations, "abc"), "mine");
    }

    #[test]
    fn bare_words_must_be_single_fields() {
        assert!(check_bare_word("container id", "3f6d0a0c1b2e").is_ok());
        assert!(check_bare_word("container id", "my_ctr.1-2+x:y").is_ok());
        for bad in ["", "a b", "a=b", "a\"b", "a'b", "a\nb", "caf\u{e9}"] {
            let err = check_bare_word("container id", bad).unwrap_err();
            assert!(err.starts_with("container id "), "{err}");
        }
    }
}
