// SPDX-License-Identifier: GPL-2.0

//! `/proc/audit_containerid`: counters for tests and debugging.
//!
//! ```text
//! tasks 0
//! objects 0
//! netns 0
//! ```
//!
//! `tasks` is the number of tasks whose slot holds a container object (the
//! size of the task extension table), `objects` the number of container
//! objects not yet released, `netns` the number of (network namespace,
//! object) entries with tasks.  All are zero once every tagged task exited.

use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;

use crate::netns::NET_ENTRIES;
use crate::object::OBJECTS;
use crate::slot::TASKS;

const NAME: &core::ffi::CStr = c"audit_containerid";

/// Prints the counters.
///
/// # Safety
///
/// Called by the seq_file code with a valid `m`.
unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is valid; the format takes two unsigned longs.
    unsafe {
        bindings::seq_printf(
            m,
            c"tasks %lu\nobjects %lu\nnetns %lu\n".as_ptr().cast(),
            TASKS.load(Ordering::Relaxed),
            OBJECTS.load(Ordering::Relaxed),
            NET_ENTRIES.load(Ordering::Relaxed),
        )
    };
    0
}

/// The proc entry; removed when dropped.
pub(crate) struct StatsFile {
    _private: (),
}

impl StatsFile {
    /// Creates `/proc/audit_containerid`, readable by root only.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: The name is a static string; `show` stays valid until the
        // entry is removed in `drop`.
        let pde = unsafe {
            bindings::proc_create_single_data(
                NAME.as_ptr().cast(),
                0o400,
                core::ptr::null_mut(),
                Some(show),
                core::ptr::null_mut(),
            )
        };
        if pde.is_null() {
            return Err(ENOMEM);
        }
        Ok(Self { _private: () })
    }
}

impl Drop for StatsFile {
    fn drop(&mut self) {
        // SAFETY: Created in `new`; waits for readers to finish.
        unsafe { bindings::remove_proc_entry(NAME.as_ptr().cast(), core::ptr::null_mut()) };
    }
}
