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
    fn start(ctx: *mut bindings::audit_context, ty: u32, gfp: bindings::gfp_t) -> Option<Self> {
        // SAFETY: `audit_log_start` accepts any context pointer it gave out,
        // or null; callers pass flags that fit their context.
        let ab = unsafe { bindings::audit_log_start(ctx, gfp, ty as c_int) };
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
        self.name(name);
        match obj {
            Some(obj) => self.ids(obj, true),
            // SAFETY: A started buffer; a constant format.
            None => unsafe { bindings::audit_log_format(self.0, c"-1".as_ptr().cast()) },
        }
    }

    /// Appends ` <name>=`.
    fn name(&mut self, name: &core::ffi::CStr) {
        // SAFETY: `self.0` is a started buffer; the format takes one string.
        unsafe { bindings::audit_log_format(self.0, c" %s=".as_ptr().cast(), name.as_ptr()) };
    }

    /// Appends the chain of `obj`, after a comma unless `first`.
    fn ids(&mut self, obj: &ContainerObject, first: bool) {
        for (i, id) in obj.chain().enumerate() {
            let fmt = match (i, first) {
                (0, true) => c"%llu",
                (0, false) => c",%llu",
                _ => c",^%llu",
            };
            // SAFETY: A started buffer; the format takes one u64.
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

/// Logs a CONTAINER record `op=<op>[ opid=<pid>] contid=<id>
/// old-contid=<chain> res=<0|1>` into the event of `ctx`.
fn log_op(
    ctx: *mut bindings::audit_context,
    op: &core::ffi::CStr,
    opid: Option<i32>,
    contid: u64,
    old: Option<&ContainerObject>,
    ok: bool,
) {
    if !audit_enabled() {
        return;
    }
    let Some(mut rec) = Record::start(ctx, bindings::AUDIT_CONTAINER, bindings::GFP_KERNEL) else {
        return;
    };
    // SAFETY: A started buffer; the format takes a string.
    unsafe { bindings::audit_log_format(rec.0, c"op=%s".as_ptr().cast(), op.as_ptr()) };
    if let Some(pid) = opid {
        // SAFETY: As above; the format takes an int.
        unsafe { bindings::audit_log_format(rec.0, c" opid=%d".as_ptr().cast(), pid as c_int) };
    }
    // SAFETY: As above; the format takes a u64.
    unsafe { bindings::audit_log_format(rec.0, c" contid=%llu".as_ptr().cast(), contid) };
    rec.chain(c"old-contid", old);
    // SAFETY: As above; the format takes an int.
    unsafe { bindings::audit_log_format(rec.0, c" res=%d".as_ptr().cast(), ok as c_int) };
}

/// Logs a set attempt: `op=set opid=<pid> contid=<id> old-contid=<chain>
/// res=<0|1>`, in the event of the writer's syscall.
pub(crate) fn log_set(opid: i32, contid: u64, old: Option<&ContainerObject>, ok: bool) {
    log_op(current_context(), c"set", Some(opid), contid, old, ok);
}

/// Logs `record=<n> contid=<chain>` into the event of `ctx`; true if a
/// record was emitted.
pub(crate) fn log_info(
    ctx: *mut bindings::audit_context,
    obj: &ContainerObject,
    record: i32,
) -> bool {
    let Some(mut rec) = Record::start(ctx, bindings::AUDIT_CONTAINER_INFO, bindings::GFP_KERNEL)
    else {
        return false;
    };
    // SAFETY: A started buffer; the format takes an int.
    unsafe { bindings::audit_log_format(rec.0, c"record=%d".as_ptr().cast(), record as c_int) };
    rec.chain(c"contid", Some(obj));
    true
}

/// Logs that the last holder of `obj` is gone, in an event of its own:
/// `op=drop contid=<id> old-contid=<chain> res=1`.
pub(crate) fn log_drop(obj: &ContainerObject) {
    log_op(
        core::ptr::null_mut(),
        c"drop",
        None,
        obj.id().get(),
        Some(obj),
        true,
    );
}

/// Logs `record=<n> contid=<chains>` for every object of the tasks using
/// `net`, comma-joined, into the event of `ctx`; true if a record was
/// emitted.  Does not sleep.
///
/// # Safety
///
/// `net` is a live namespace and the caller is in an RCU read-side
/// critical section (the C hook runs it in one).
pub(crate) unsafe fn log_net_info(
    ctx: *mut bindings::audit_context,
    net: *mut bindings::net,
    record: i32,
) -> bool {
    // Started at the first object, so a namespace without any gets no record.
    let mut rec: Option<Record> = None;
    let mut refused = false;
    // SAFETY: Per the contract, which is `for_each_object`'s.
    unsafe {
        crate::netns::for_each_object(net, |obj| {
            if refused {
                return;
            }
            let first = rec.is_none();
            if first {
                let Some(r) =
                    Record::start(ctx, bindings::AUDIT_CONTAINER_INFO, bindings::GFP_ATOMIC)
                else {
                    refused = true;
                    return;
                };
                // SAFETY: A started buffer; the format takes an int.
                bindings::audit_log_format(r.0, c"record=%d".as_ptr().cast(), record as c_int);
                rec = Some(r);
            }
            if let Some(r) = rec.as_mut() {
                if first {
                    r.name(c"contid");
                }
                r.ids(obj, first);
            }
        })
    };
    rec.is_some()
}
