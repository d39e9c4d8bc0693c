// SPDX-License-Identifier: GPL-2.0

//! Choosing a contid: the annotation that names one, or a number derived
//! from the container id.
//!
//! Pure logic, no I/O.

use std::collections::HashMap;

/// The annotation an orchestrator sets to choose the contid itself.
pub const CONTID_ANNOTATION: &str = "org.linux.audit.containerid";

/// What `/proc/<pid>/containerid` reads for a task without a contid,
/// `(u64)-1`.  It cannot be written.
pub const CONTID_UNSET: u64 = u64::MAX;

/// Derived contids lie in `1..=DERIVED_MAX`: never 0, never the unset
/// value, and clear of the top half that a scheme such as
/// `node << 48 | counter` with a large node number would use.
pub const DERIVED_MAX: u64 = (1 << 63) - 1;

/// How many candidates a derived contid may try: the hash of the id, then
/// of `<id>#1` up to `<id>#<PROBE_LIMIT - 1>`.
pub const PROBE_LIMIT: u32 = 16;

/// Parses the value of [`CONTID_ANNOTATION`]: plain decimal digits, the
/// way the kernel reads a write, but without the trailing newline it
/// tolerates.  Leading zeros are accepted, as the kernel accepts them.
pub fn parse_contid(value: &str) -> Result<u64, String> {
    if value.is_empty() {
        return Err("empty".to_string());
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a plain decimal number (no signs, blanks or hex)".to_string());
    }
    let contid = value
        .parse::<u64>()
        .map_err(|_| "above 18446744073709551615".to_string())?;
    if contid == CONTID_UNSET {
        return Err("18446744073709551615 is the unset value and cannot be set".to_string());
    }
    Ok(contid)
}

/// The contid that the annotations ask for, if any.
pub fn requested_contid(annotations: &HashMap<String, String>) -> Result<Option<u64>, String> {
    match annotations.get(CONTID_ANNOTATION) {
        None => Ok(None),
        Some(value) => parse_contid(value)
            .map(Some)
            .map_err(|e| format!("annotation {CONTID_ANNOTATION}={value:?}: {e}")),
    }
}

/// 64-bit FNV-1a of `bytes` (offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3).  Chosen for being stable, specified in a few lines and
/// free of dependencies; the contid space is not adversarial (whoever
/// chooses container ids can also choose the annotation).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Candidate number `index` for container `id`: the hash of `id` for 0,
/// of `<id>#<index>` after that, mapped onto `1..=DERIVED_MAX`.
pub fn derived_candidate(id: &str, index: u32) -> u64 {
    let hash = if index == 0 {
        fnv1a64(id.as_bytes())
    } else {
        fnv1a64(format!("{id}#{index}").as_bytes())
    };
    hash % DERIVED_MAX + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_accepts_plain_decimal() {
        assert_eq!(parse_contid("0"), Ok(0));
        assert_eq!(parse_contid("123"), Ok(123));
        assert_eq!(parse_contid("007"), Ok(7));
        assert_eq!(
            parse_contid("18446744073709551614"),
            Ok(18_446_744_073_709_551_614)
        );
    }

    #[test]
    fn annotation_rejects_unset_garbage_signs_and_overflow() {
        for bad in [
            "",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "+5",
            "-1",
            " 5",
            "5 ",
            "5\n",
            "0x10",
            "1_000",
            "1e3",
            "\u{0665}", // ARABIC-INDIC DIGIT FIVE: a digit, but not ASCII
            "abc",
        ] {
            assert!(parse_contid(bad).is_err(), "{bad:?} was accepted");
        }
        let unset = parse_contid("18446744073709551615").unwrap_err();
        assert!(unset.contains("unset"), "{unset}");
        let overflow = parse_contid("18446744073709551616").unwrap_err();
        assert!(overflow.contains("above"), "{overflow}");
    }

    #[test]
    fn requested_contid_names_the_annotation_in_errors() {
        let mut annotations = HashMap::new();
        assert_eq!(requested_contid(&annotations), Ok(None));
        annotations.insert(CONTID_ANNOTATION.to_string(), "42".to_string());
        assert_eq!(requested_contid(&annotations), Ok(Some(42)));
        annotations.insert(CONTID_ANNOTATION.to_string(), "-42".to_string());
        let err = requested_contid(&annotations).unwrap_err();
        assert!(
            err.starts_with("annotation org.linux.audit.containerid=\"-42\": "),
            "{err}"
        );
    }

    #[test]
    fn fnv1a64_matches_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn derivation_is_stable() {
        // Pinned values, computed independently of this code: a change of
        // algorithm would silently renumber every container that a running
        // host has already logged.
        assert_eq!(derived_candidate("a", 0), 3_414_815_163_700_866_190);
        assert_eq!(
            derived_candidate("4b2f6c1e0d9a", 0),
            6_839_712_669_488_707_390
        );
        assert_eq!(
            derived_candidate("4b2f6c1e0d9a", 3),
            1_453_423_049_612_326_779
        );
        let podman_id = "3f6d0a0c1b2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
        assert_eq!(derived_candidate(podman_id, 0), 8_063_789_449_323_327_809);
    }

    #[test]
    fn derivation_stays_in_range_and_probes_differ() {
        for n in 0..5000u32 {
            let id = format!("container-{n}");
            let first = derived_candidate(&id, 0);
            for index in 0..PROBE_LIMIT {
                let contid = derived_candidate(&id, index);
                assert!(
                    (1..=DERIVED_MAX).contains(&contid),
                    "{id}#{index} -> {contid}"
                );
                if index > 0 {
                    assert_ne!(contid, first, "{id}#{index} repeats candidate 0");
                }
            }
        }
    }
}
