// SPDX-License-Identifier: GPL-2.0

//! Sending a user message to the kernel audit subsystem over the audit
//! netlink socket, the way libaudit's `audit_send()` does, and waiting
//! for the kernel's acknowledgement.

use std::fmt;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `NETLINK_AUDIT` from `<linux/netlink.h>`.
const NETLINK_AUDIT: libc::c_int = 9;

/// `AUDIT_VIRT_CONTROL` from `<linux/audit.h>`: a user message in the
/// 2500 range (virtualisation), which carries the sender's contid like
/// every 2100-2999 user message.
pub const AUDIT_VIRT_CONTROL: u16 = 2500;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;

/// How long to wait for the kernel's acknowledgement.
const ACK_TIMEOUT_SECS: libc::time_t = 5;

/// A sink for the audit records the hook emits; the kernel in production,
/// a list in tests.
pub trait AuditLog {
    fn log(&mut self, text: &str) -> Result<(), LogError>;
}

/// Why a record was not logged.
#[derive(Debug)]
pub struct LogError {
    /// The errno of the kernel's acknowledgement, when it refused it.
    pub refused: Option<i32>,
    pub text: String,
}

impl LogError {
    /// The kernel takes audit messages only from the initial user (and
    /// PID) namespace, and refused this one with `ECONNREFUSED`: a hook of
    /// a runtime nested in a container with its own user namespace.
    pub fn outside_initial_namespace(&self) -> bool {
        self.refused == Some(libc::ECONNREFUSED)
    }
}

impl From<String> for LogError {
    fn from(text: String) -> Self {
        Self {
            refused: None,
            text,
        }
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn nlmsg_align(len: usize) -> usize {
    (len + 3) & !3
}

/// One netlink request of type `msg_type` carrying `text` and its NUL
/// (libaudit sends the terminator; the kernel drops it), padded to
/// 4 bytes.  `nlmsg_len` is the unpadded length.
pub fn build_request(seq: u32, msg_type: u16, text: &str) -> Vec<u8> {
    let len = NLMSG_HDRLEN + text.len() + 1;
    let mut buf = Vec::with_capacity(nlmsg_align(len));
    buf.extend_from_slice(&(len as u32).to_ne_bytes());
    buf.extend_from_slice(&msg_type.to_ne_bytes());
    buf.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid: the kernel
    buf.extend_from_slice(text.as_bytes());
    buf.push(0);
    buf.resize(nlmsg_align(len), 0);
    buf
}

fn read_u32(buf: &[u8], at: usize) -> Option<u32> {
    let bytes = buf.get(at..at + 4)?;
    Some(u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn read_u16(buf: &[u8], at: usize) -> Option<u16> {
    let bytes = buf.get(at..at + 2)?;
    Some(u16::from_ne_bytes([bytes[0], bytes[1]]))
}

/// Looks through the netlink messages in `buf` for the acknowledgement of
/// request `seq`: `Some(Ok(()))` for success, `Some(Err(errno))` for a
/// refusal, `None` if it is not there.
pub fn find_ack(buf: &[u8], seq: u32) -> Option<Result<(), i32>> {
    let mut at = 0;
    while at + NLMSG_HDRLEN <= buf.len() {
        let len = read_u32(buf, at)? as usize;
        let msg_type = read_u16(buf, at + 4)?;
        let msg_seq = read_u32(buf, at + 8)?;
        if len < NLMSG_HDRLEN || at + len > buf.len() {
            return None;
        }
        if msg_type == NLMSG_ERROR && msg_seq == seq {
            // struct nlmsgerr { int error; struct nlmsghdr msg; }
            let error = read_u32(buf, at + NLMSG_HDRLEN)? as i32;
            return Some(if error == 0 { Ok(()) } else { Err(-error) });
        }
        at += nlmsg_align(len);
    }
    None
}

/// What an errno from the audit socket means here.
fn audit_errno_meaning(errno: i32) -> String {
    let why = match errno {
        libc::EPERM => "the hook needs CAP_AUDIT_WRITE",
        libc::ECONNREFUSED => "audit is not reachable from this user or network namespace",
        libc::EPROTONOSUPPORT => "the kernel was built without CONFIG_AUDIT",
        libc::EAGAIN => "no acknowledgement from the kernel",
        _ => "",
    };
    let os = io::Error::from_raw_os_error(errno);
    if why.is_empty() {
        os.to_string()
    } else {
        format!("{why} ({os})")
    }
}

fn os_error(what: &str) -> String {
    let err = io::Error::last_os_error();
    format!(
        "{what}: {}",
        audit_errno_meaning(err.raw_os_error().unwrap_or(libc::EIO))
    )
}

/// The kernel audit subsystem, reached over `NETLINK_AUDIT`.
pub struct KernelAudit;

impl AuditLog for KernelAudit {
    fn log(&mut self, text: &str) -> Result<(), LogError> {
        send_user_message(AUDIT_VIRT_CONTROL, text)
    }
}

/// Sends `text` as an audit user message of type `msg_type` and waits for
/// the kernel's acknowledgement.
pub fn send_user_message(msg_type: u16, text: &str) -> Result<(), LogError> {
    // SAFETY: socket(2) takes no pointers; the result is checked below.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            NETLINK_AUDIT,
        )
    };
    if fd < 0 {
        return Err(os_error("cannot open the audit netlink socket").into());
    }
    // SAFETY: `fd` is a descriptor that nothing else owns.
    let socket = unsafe { OwnedFd::from_raw_fd(fd) };

    let timeout = libc::timeval {
        tv_sec: ACK_TIMEOUT_SECS,
        tv_usec: 0,
    };
    // SAFETY: `timeout` is a valid timeval for the duration of the call
    // and the length passed is its size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&timeout as *const libc::timeval).cast(),
            mem::size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(os_error("cannot set a timeout on the audit socket").into());
    }

    let seq = 1;
    let request = build_request(seq, msg_type, text);
    // SAFETY: sockaddr_nl is plain data; all-zero is a valid value.
    let mut kernel: libc::sockaddr_nl = unsafe { mem::zeroed() };
    kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    let sent = loop {
        // SAFETY: `request` and `kernel` are valid for the given lengths
        // for the duration of the call.
        let n = unsafe {
            libc::sendto(
                socket.as_raw_fd(),
                request.as_ptr().cast(),
                request.len(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if n >= 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break n;
        }
    };
    if sent < 0 {
        return Err(os_error("cannot send the audit record").into());
    }
    if sent as usize != request.len() {
        return Err(format!(
            "cannot send the audit record: sent {sent} of {} bytes",
            request.len()
        )
        .into());
    }

    let mut reply = [0u8; 8192];
    // A few non-acknowledgement messages at most; then give up.
    for _ in 0..8 {
        // SAFETY: `reply` is writable for its whole length.
        let n = unsafe {
            libc::recv(
                socket.as_raw_fd(),
                reply.as_mut_ptr().cast(),
                reply.len(),
                0,
            )
        };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(os_error("no acknowledgement for the audit record").into());
        }
        let received = reply.get(..n as usize).unwrap_or_default();
        match find_ack(received, seq) {
            Some(Ok(())) => return Ok(()),
            Some(Err(errno)) => {
                return Err(LogError {
                    refused: Some(errno),
                    text: format!(
                        "the kernel refused the audit record: {}",
                        audit_errno_meaning(errno)
                    ),
                })
            }
            None => continue,
        }
    }
    Err("no acknowledgement for the audit record".to_string().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout_matches_libaudit() {
        let buf = build_request(7, AUDIT_VIRT_CONTROL, "op=x");
        // 16-byte header + "op=x" + NUL = 21, padded to 24.
        assert_eq!(buf.len(), 24);
        assert_eq!(read_u32(&buf, 0), Some(21));
        assert_eq!(read_u16(&buf, 4), Some(2500));
        assert_eq!(read_u16(&buf, 6), Some(5));
        assert_eq!(read_u32(&buf, 8), Some(7));
        assert_eq!(read_u32(&buf, 12), Some(0));
        assert_eq!(&buf[16..21], b"op=x\0");
        assert_eq!(&buf[21..], &[0, 0, 0]);
    }

    fn nlmsgerr(seq: u32, error: i32) -> Vec<u8> {
        let mut buf = Vec::new();
        buf.extend_from_slice(&36u32.to_ne_bytes());
        buf.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        buf.extend_from_slice(&0u16.to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&error.to_ne_bytes());
        buf.extend_from_slice(&[0u8; 16]); // the echoed request header
        buf
    }

    #[test]
    fn acknowledgements_are_matched_by_sequence_number() {
        assert_eq!(find_ack(&nlmsgerr(1, 0), 1), Some(Ok(())));
        assert_eq!(
            find_ack(&nlmsgerr(1, -libc::EPERM), 1),
            Some(Err(libc::EPERM))
        );
        assert_eq!(find_ack(&nlmsgerr(2, 0), 1), None);
        // An unrelated message first, then ours.
        let mut two = build_request(1, 1000, "ab");
        two.extend(nlmsgerr(1, -libc::EINVAL));
        assert_eq!(find_ack(&two, 1), Some(Err(libc::EINVAL)));
        // Truncated input is not an acknowledgement.
        assert_eq!(find_ack(&nlmsgerr(1, 0)[..20], 1), None);
        assert!(audit_errno_meaning(libc::EPERM).contains("CAP_AUDIT_WRITE"));
    }
}
