// SPDX-License-Identifier: GPL-2.0

//! Audit container identifiers as values: parsing what is written to
//! `/proc/<pid>/containerid` and formatting them.
//!
//! Pure logic with no kernel dependency, so that it is unit-tested on the
//! host as well (`tools/testing/rust-host/`).

/// The value a task without a container identifier reads as, `(u64)-1`.
///
/// It cannot be written: an identifier, once set, is never unset.
pub(crate) const CONTID_UNSET: u64 = u64::MAX;

/// Why a write to `/proc/<pid>/containerid` was not a container identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not a plain decimal number (empty, blanks, signs, hex, NUL, junk).
    Invalid,
    /// A decimal number that does not fit in 64 bits.
    Range,
}

/// An audit container identifier: any `u64` but [`CONTID_UNSET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ContainerId(u64);

impl ContainerId {
    /// Wraps `value`, which must not be [`CONTID_UNSET`].
    pub(crate) fn new(value: u64) -> Option<Self> {
        if value == CONTID_UNSET {
            None
        } else {
            Some(Self(value))
        }
    }

    /// The identifier as a number.
    pub(crate) fn get(self) -> u64 {
        self.0
    }
}

/// Parses what a writer gave: decimal digits with at most one trailing
/// newline, nothing else.
///
/// Unlike `kstrtou64()` this refuses a leading `+`: a contid has no sign,
/// and `+1` is refused as `-1` is.  Leading zeros are accepted, as
/// `kstrtou64()` accepts them.  The unset value parses (it is a number) and
/// is refused later by the caller, which logs the attempt.
///
/// The input may arrive in pieces, so that a write is parsed from a small
/// buffer on the stack: nothing is allocated before the attempt is logged.
#[derive(Default)]
pub(crate) struct Parser {
    value: u64,
    digits: bool,
    newline: bool,
    invalid: bool,
    overflow: bool,
}

impl Parser {
    /// Takes the next piece of the input.
    pub(crate) fn feed(&mut self, piece: &[u8]) {
        for &c in piece {
            // Nothing may follow the one trailing newline.
            if self.newline || !(c.is_ascii_digit() || c == b'\n') {
                self.invalid = true;
            } else if c == b'\n' {
                self.newline = true;
            } else {
                self.digits = true;
                match self
                    .value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(c - b'0')))
                {
                    Some(v) => self.value = v,
                    // Keep scanning: junk after an overflow is still junk.
                    None => self.overflow = true,
                }
            }
        }
    }

    /// The value of the whole input.
    pub(crate) fn finish(self) -> Result<u64, ParseError> {
        if self.invalid || !self.digits {
            Err(ParseError::Invalid)
        } else if self.overflow {
            Err(ParseError::Range)
        } else {
            Ok(self.value)
        }
    }
}

/// Formats `value` in decimal into `buf`, returning the number of bytes
/// used, or `None` if `buf` is too small (21 bytes always suffice).
pub(crate) fn format_decimal(value: u64, buf: &mut [u8]) -> Option<usize> {
    let mut tmp = [0u8; 20];
    let mut n = 0;
    let mut v = value;
    loop {
        tmp[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let out = buf.get_mut(..n)?;
    for (dst, src) in out.iter_mut().zip(tmp[..n].iter().rev()) {
        *dst = *src;
    }
    Some(n)
}

/// Does a chain of identifiers (the task's own first, then its ancestors')
/// match a rule value?
///
/// [`CONTID_UNSET`] in a rule matches a task without an identifier, that is
/// an empty chain; any other value matches when one element equals it.
pub(crate) fn chain_matches(mut chain: impl Iterator<Item = u64>, rule: u64) -> bool {
    if rule == CONTID_UNSET {
        return chain.next().is_none();
    }
    chain.any(|id| id == rule)
}
