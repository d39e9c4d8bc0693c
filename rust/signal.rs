// SPDX-License-Identifier: GPL-2.0

//! Who signalled auditd: the contid chain of the last task that sent it
//! SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2, kept from the signal until auditd
//! asks (`AUDIT_SIGNAL_INFO2`), when the sender may be gone.
//!
//! The identifiers are copied: a reference on the object would keep the
//! contid live (registered, counted, its `op=drop` not logged) after its
//! last task exited.

use core::fmt;
use core::ptr;
use core::sync::atomic::AtomicPtr;

use kernel::ffi::c_char;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;
use kernel::task::Task;

use crate::object::ContainerObject;
use crate::{global, record, slot};

/// The last sender's chain, innermost first; empty if it had no contid.
/// A spinlock: the signal path cannot sleep.
type Sender = SpinLock<KVec<u64>>;

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
    let chain = slot::with_object(sender, |obj| -> Result<KVec<u64>> {
        let mut ids = KVec::new();
        for id in obj.into_iter().flat_map(ContainerObject::chain) {
            ids.push(id, GFP_ATOMIC)?;
        }
        Ok(ids)
    })?;
    // The old chain is freed after the lock, at the end of the function.
    let _old = core::mem::replace(&mut *global::get(&LAST_SENDER)?.lock(), chain);
    Ok(())
}

/// Appends to a vector that has room (so the pushes cannot fail).
struct Text<'a>(&'a mut KVec<u8>);

impl fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_ATOMIC)
            .map_err(|_| fmt::Error)
    }
}

/// The kept chain as NUL-terminated text (`4,^2,^1`, or `-1` for a sender
/// without a contid or no signal yet), allocated for the C side to
/// `kfree()`.
pub(crate) fn chain_text() -> Result<*mut c_char> {
    let sender = global::get(&LAST_SENDER)?.lock();
    // At most 20 digits and ",^" per identifier, or "-1"; and the NUL.
    let mut text = KVec::with_capacity(sender.len() * 22 + 3, GFP_ATOMIC)?;
    record::write_chain(&mut Text(&mut text), sender.iter().copied()).map_err(|_| ENOMEM)?;
    text.push(0, GFP_ATOMIC)?;
    drop(sender);
    // The buffer comes from `kmalloc()`, which `kfree()` takes back.
    Ok(text.into_raw_parts().0.cast())
}
