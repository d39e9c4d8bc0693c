// SPDX-License-Identifier: GPL-2.0

//! Audit records: `CONTAINER` for each set attempt and `CONTAINER_INFO`
//! for every event of a task that has a container identifier.

use kernel::bindings;
use kernel::ffi::c_int;

use crate::table::ContainerObject;

/// An audit record being built; ended (queued) when dropped.
///
/// # Invariants
///
/// `self.0` is a buffer returned by `audit_log_start` and not yet ended.
struct Record(*mut bindings::audit_buffer);

impl Record {
    /// Starts a record of type `ty` in the event of `ctx` (or a standalone
    /// event when `ctx` is null).  `None` when audit drops it (disabled,
    /// filtered out by an exclude rule, or out of memory).
    fn start(ctx: *mut bindings::audit_context, ty: u32) -> Option<Self> {
        // SAFETY: `audit_log_start` accepts any context pointer it gave out,
        // or null; GFP_KERNEL: callers are in sleepable context.
        let ab = unsafe { bindings::audit_log_start(ctx, bindings::GFP_KERNEL, ty as c_int) };
        if ab.is_null() {
            None
        } else {
            // INVARIANT: A started buffer.
            Some(Self(ab))
        }
    }

    /// Appends ` <name>=<chain>`: the identifiers of `obj` and its
    /// ancestors as `4,^2,^1`, or `-1` when there is none.
    fn chain(&mut self, name: &core::ffi::CStr, obj: Option<&ContainerObject>) {
        // SAFETY: `self.0` is a started buffer; the format takes one string.
        unsafe { bindings::audit_log_format(self.0, c" %s=".as_ptr().cast(), name.as_ptr()) };
        let Some(obj) = obj else {
            // SAFETY: As above, a constant format.
            unsafe { bindings::audit_log_format(self.0, c"-1".as_ptr().cast()) };
            return;
        };
        for (i, id) in obj.chain().enumerate() {
            let fmt = if i == 0 { c"%llu" } else { c",^%llu" };
            // SAFETY: As above; the format takes one u64.
            unsafe { bindings::audit_log_format(self.0, fmt.as_ptr().cast(), id) };
        }
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: A started buffer, ended once (type invariant).
        unsafe { bindings::audit_log_end(self.0) };
    }
}

/// The audit context of the current task's event (null outside a syscall).
pub(crate) fn current_context() -> *mut bindings::audit_context {
    // SAFETY: No precondition.
    unsafe { bindings::audit_contid_current_context() }
}

/// Is audit enabled (`auditctl -e 1`)?
fn audit_enabled() -> bool {
    // SAFETY: Reading an exported `u32`; a racy read is as good as audit's own.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(bindings::audit_enabled)) != 0 }
}

/// Logs a set attempt: `op=set opid=<pid> contid=<id> old-contid=<chain>
/// res=<0|1>`, in the event of the writer's syscall.
pub(crate) fn log_set(opid: i32, contid: u64, old: Option<&ContainerObject>, ok: bool) {
    if !audit_enabled() {
        return;
    }
    let Some(mut rec) = Record::start(current_context(), bindings::AUDIT_CONTAINER) else {
        return;
    };
    // SAFETY: A started buffer; the format takes an int and a u64.
    unsafe {
        bindings::audit_log_format(
            rec.0,
            c"op=set opid=%d contid=%llu".as_ptr().cast(),
            opid as c_int,
            contid,
        )
    };
    rec.chain(c"old-contid", old);
    // SAFETY: As above; the format takes an int.
    unsafe { bindings::audit_log_format(rec.0, c" res=%d".as_ptr().cast(), ok as c_int) };
}

/// Logs `record=<n> contid=<chain>` into the event of `ctx`; true if a
/// record was emitted.
pub(crate) fn log_info(ctx: *mut bindings::audit_context, obj: &ContainerObject, record: i32) -> bool {
    let Some(mut rec) = Record::start(ctx, bindings::AUDIT_CONTAINER_INFO) else {
        return false;
    };
    // SAFETY: A started buffer; the format takes an int.
    unsafe { bindings::audit_log_format(rec.0, c"record=%d".as_ptr().cast(), record as c_int) };
    rec.chain(c"contid", Some(obj));
    true
}
