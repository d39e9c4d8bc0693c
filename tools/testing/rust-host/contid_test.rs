// SPDX-License-Identifier: GPL-2.0

//! Host unit tests for the module's pure logic (`rust/contid.rs`): the
//! parser of `/proc/<pid>/containerid` writes, decimal formatting and chain
//! matching.  Run by `make check` with the host's rustc.

#[path = "../../../rust/contid.rs"]
#[allow(dead_code)]
mod contid;

use contid::{chain_matches, format_decimal, ContainerId, ParseError, Parser, CONTID_UNSET};

/// The whole input in one piece.
fn parse(input: &[u8]) -> Result<u64, ParseError> {
    let mut p = Parser::default();
    p.feed(input);
    p.finish()
}

#[test]
fn pieces_parse_like_the_whole() {
    let inputs: [&[u8]; 12] = [
        b"123456",
        b"007",
        b"42\n",
        b"42\n\n",
        b"4\n2",
        b"\n",
        b"",
        b"+5",
        b"18446744073709551615",
        b"18446744073709551616",
        b"99999999999999999999x",
        b"1 ",
    ];
    for input in inputs {
        for cut in 0..=input.len() {
            let mut p = Parser::default();
            p.feed(&input[..cut]);
            p.feed(&input[cut..]);
            assert_eq!(p.finish(), parse(input), "{input:?} cut at {cut}");
        }
        let mut p = Parser::default();
        for b in input {
            p.feed(core::slice::from_ref(b));
        }
        assert_eq!(p.finish(), parse(input), "{input:?} byte by byte");
    }
}

#[test]
fn parses_plain_decimal() {
    assert_eq!(parse(b"123456"), Ok(123456));
    assert_eq!(parse(b"0"), Ok(0));
    assert_eq!(parse(b"007"), Ok(7));
}

#[test]
fn accepts_one_trailing_newline() {
    assert_eq!(parse(b"42\n"), Ok(42));
    assert_eq!(parse(b"42\n\n"), Err(ParseError::Invalid));
}

#[test]
fn parses_the_extremes() {
    assert_eq!(parse(b"18446744073709551614"), Ok(u64::MAX - 1));
    // The unset value is a number; the caller refuses it (and logs).
    assert_eq!(parse(b"18446744073709551615"), Ok(CONTID_UNSET));
}

#[test]
fn refuses_junk_with_einval() {
    for input in [
        &b""[..],
        b"\n",
        b" ",
        b"   ",
        b" 5",
        b"5 ",
        b"-1",
        b"+5",
        b"0x10",
        b"12\x003",
        b"12a",
        b"1e3",
        b"\t7",
    ] {
        assert_eq!(parse(input), Err(ParseError::Invalid), "{input:?}");
    }
}

#[test]
fn refuses_overflow_with_erange() {
    assert_eq!(parse(b"18446744073709551616"), Err(ParseError::Range));
    assert_eq!(
        parse(b"999999999999999999999999999999"),
        Err(ParseError::Range)
    );
    assert_eq!(parse(b"184467440737095516150\n"), Err(ParseError::Range));
}

#[test]
fn junk_after_overflow_is_still_junk() {
    assert_eq!(parse(b"99999999999999999999999x"), Err(ParseError::Invalid));
}

#[test]
fn unset_is_not_an_identifier() {
    assert!(ContainerId::new(CONTID_UNSET).is_none());
    assert_eq!(ContainerId::new(5).map(ContainerId::get), Some(5));
}

#[test]
fn formats_decimal() {
    let mut buf = [0u8; 21];
    let n = format_decimal(u64::MAX, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"18446744073709551615");
    let n = format_decimal(0, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"0");
    let mut small = [0u8; 2];
    assert_eq!(format_decimal(123, &mut small), None);
}

#[test]
fn chain_matching() {
    let chain = [4u64, 2, 1];
    assert!(chain_matches(chain.iter().copied(), 4));
    assert!(chain_matches(chain.iter().copied(), 1));
    assert!(!chain_matches(chain.iter().copied(), 3));
    assert!(!chain_matches(chain.iter().copied(), CONTID_UNSET));
    assert!(chain_matches(core::iter::empty(), CONTID_UNSET));
    assert!(!chain_matches(core::iter::empty(), 4));
}
