// SPDX-License-Identifier: GPL-2.0

//! Who signalled auditd: the contid chain of the last task that sent it
//! SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2, kept from the signal until auditd
//! asks (`AUDIT_SIGNAL_INFO2`), when the sender may be gone.
//!
//! The chain's text, as every record prints it, is copied: a reference on
//! the object would keep the contid live (registered, counted, its
//! `op=drop` not logged) after its last task exited.

use core::ptr;
use core::sync::atomic::AtomicPtr;

use kernel::ffi::c_char;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;
use kernel::task::Task;

use crate::{global, slot};

/// The last sender's chain as text (`4,^2,^1`, no NUL); empty if it had
/// no contid.  A spinlock: the signal path cannot sleep.
type Sender = SpinLock<KVec<u8>>;

/// The last sender, published while the module's hooks are registered.
static LAST_SENDER: AtomicPtr<Sender> = AtomicPtr::new(ptr::null_mut());

/// The published last sender; the module drops it after unregistering the
/// hooks.  Unloading the module forgets the chain.
pub(crate) type Published = global::Published<Sender>;

/// Allocates and publishes the (empty) last sender.
pub(crate) fn publish() -> Result<Published> {
    let sender = new_spinlock!(KVec::new(), "audit_containerid:signal");
    global::Published::new(&LAST_SENDER, sender)
}

/// `sender` signals auditd: keep its chain.  `ENOMEM` leaves the last one
/// as it was.  Does not sleep.
pub(crate) fn capture(sender: &Task) -> Result {
    let chain = slot::with_object(sender, |obj| -> Result<KVec<u8>> {
        let mut text = KVec::new();
        if let Some(obj) = obj {
            text.extend_from_slice(obj.chain_text().to_bytes(), GFP_ATOMIC)?;
        }
        Ok(text)
    })?;
    // The old chain is freed after the lock, at the end of the function.
    let _old = core::mem::replace(&mut *global::get(&LAST_SENDER)?.lock(), chain);
    Ok(())
}

/// The kept chain as NUL-terminated text (`4,^2,^1`, or `-1` for a sender
/// without a contid or no signal yet), allocated for the C side to
/// `kfree()`.
pub(crate) fn chain_text() -> Result<*mut c_char> {
    let sender = global::get(&LAST_SENDER)?.lock();
    let chain: &[u8] = if sender.is_empty() { b"-1" } else { &sender };
    let mut text = KVec::with_capacity(chain.len() + 1, GFP_ATOMIC)?;
    text.extend_from_slice(chain, GFP_ATOMIC)?;
    text.push(0, GFP_ATOMIC)?;
    drop(sender);
    // The buffer comes from `kmalloc()`, which `kfree()` takes back.
    Ok(text.into_raw_parts().0.cast())
}
