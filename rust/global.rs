// SPDX-License-Identifier: GPL-2.0

//! State the hooks share: allocated when the module loads, published for
//! the hooks, and unpublished when the module unloads, after the hooks are
//! unregistered.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::prelude::*;

/// A pinned allocation, published in a static slot until dropped.
///
/// # Invariants
///
/// `slot` points to `_value` while the value lives.
pub(crate) struct Published<T: 'static> {
    slot: &'static AtomicPtr<T>,
    _value: Pin<KBox<T>>,
}

impl<T> Published<T> {
    /// Allocates `init` and publishes it in `slot`.
    pub(crate) fn new<E>(slot: &'static AtomicPtr<T>, init: impl PinInit<T, E>) -> Result<Self>
    where
        Error: From<E>,
    {
        let value = KBox::pin_init(init, GFP_KERNEL)?;
        slot.store(ptr::from_ref(&*value).cast_mut(), Ordering::Release);
        // INVARIANT: Published just above.
        Ok(Self {
            slot,
            _value: value,
        })
    }
}

impl<T> Drop for Published<T> {
    fn drop(&mut self) {
        self.slot.store(ptr::null_mut(), Ordering::Release);
    }
}

/// The value published in `slot`; `ENODEV` outside the hooks' lifetime.
pub(crate) fn get<T>(slot: &AtomicPtr<T>) -> Result<&'static T> {
    let p = slot.load(Ordering::Acquire);
    // SAFETY: A `Published` stored a pointer to the value it owns and clears
    // it before the value goes; the module drops it only after unregistering
    // the hooks, the only callers.
    unsafe { p.as_ref() }.ok_or(ENODEV)
}
