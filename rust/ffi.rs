// SPDX-License-Identifier: GPL-2.0

//! The provider operations the C hooks call, and their registration.
//!
//! This is the only place where the hooks' raw pointers are turned into
//! typed values (`&Task`, `&ContainerObject`, slices); everything past it
//! is safe code on typed values.  Errors become negative errnos here.

use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::contid::chain_matches;
use crate::netns::{self, Member};
use crate::object::{ContainerObject, OBJECTS};
use crate::proc::{self, OpenFile};
use crate::record::EventContext;
use crate::task::{self, ForkGuard, RcuGuard};
use crate::{record, signal, slot};

/// Converts a hook's result to what C expects.
fn to_ssize(r: Result<usize>) -> isize {
    match r {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// `read` of `/proc/<pid>/containerid`.
///
/// # Safety
///
/// `file` is open, `tsk` a valid task, `buf` a user buffer of `count` bytes
/// and `ppos` the file position, as `read()` of `file_operations` gets them.
unsafe extern "C" fn contid_read(
    file: *mut bindings::file,
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: procfs passes its open `file` and the task it holds a
    // reference on for the whole call.
    let (file, target) = unsafe { (OpenFile::new(file), task::from_raw(tsk)) };
    let mut text = [0u8; 24];
    let len = match proc::read(&file, target, &mut text) {
        Ok(len) => len,
        Err(e) => return to_ssize(Err(e)),
    };
    // SAFETY: `buf`, `count` and `ppos` are `read()`'s; `text` holds `len`
    // bytes.
    unsafe { bindings::simple_read_from_buffer(buf.cast(), count, ppos, text.as_ptr().cast(), len) }
}

/// `write` of `/proc/<pid>/containerid`: one `write()` at offset 0.
///
/// # Safety
///
/// As for [`contid_read`].
unsafe extern "C" fn contid_write(
    file: *mut bindings::file,
    tsk: *mut bindings::task_struct,
    buf: *const c_char,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: procfs passes its open `file`, the task it holds a reference
    // on, and `write()`'s valid, exclusive `ppos`, for the whole call.
    let (file, target, pos) = unsafe { (OpenFile::new(file), task::from_raw(tsk), &mut *ppos) };
    to_ssize((|| {
        if *pos != 0 || count >= kernel::page::PAGE_SIZE {
            return Err(EINVAL);
        }
        proc::write(&file, target, UserSlice::new(buf as usize, count).reader())?;
        // A second write on the same file is at an offset: refused.
        *pos += count as bindings::loff_t;
        Ok(count)
    })())
}

/// Fork hook: `child` inherits current's object, or joins the one of the
/// PID namespace it enters (see [`slot::inherit`]).
///
/// # Safety
///
/// Called by `audit_contid_fork()` with `tasklist_lock` held for writing,
/// in an RCU read-side critical section, for `child`, which current is
/// forking.
unsafe extern "C" fn contid_fork(child: *mut bindings::task_struct) {
    // SAFETY: `copy_process()` calls the hook with `tasklist_lock` held for
    // writing for `child`, a valid task that current is forking.
    let fork = unsafe { ForkGuard::new(task::from_raw(child)) };
    // SAFETY: `audit_contid_call_atomic()` holds the RCU read lock.
    unsafe { slot::inherit(&fork) };
}

/// Exit hook: `tsk` gives up its object.
///
/// # Safety
///
/// `tsk` is a valid task, exiting or failing to fork; sleepable context.
unsafe extern "C" fn contid_free(tsk: *mut bindings::task_struct) {
    // SAFETY: `audit_free()` passes the exiting task, valid for the call.
    slot::detach(unsafe { task::from_raw(tsk) });
}

/// A reference on `tsk`'s object, as an opaque handle, or null.
///
/// # Safety
///
/// `tsk` is a valid task.  Does not sleep.
unsafe extern "C" fn contid_get(tsk: *mut bindings::task_struct) -> *mut bindings::audit_contobj {
    // SAFETY: The audit callers pass a task they hold (current or a signal
    // or ptrace target under its reference), valid for the call.
    let task = unsafe { task::from_raw(tsk) };
    slot::object_of(task).map_or(core::ptr::null_mut(), ContainerObject::into_handle)
}

/// Drops a reference from `contid_get`.
///
/// # Safety
///
/// `obj` came from `contid_get` and is dropped once; sleepable context.
unsafe extern "C" fn contid_put(obj: *mut bindings::audit_contobj) {
    // SAFETY: `obj` is a handle `contid_get` gave out, which audit drops
    // exactly once, here.
    drop(unsafe { ContainerObject::from_handle_owned(obj) });
}

/// Emits the CONTAINER_INFO record of `obj` into the event of `ctx`.
///
/// # Safety
///
/// `obj` is a reference from `contid_get`, `ctx` an audit context;
/// sleepable context.
unsafe extern "C" fn contid_log_info(
    ctx: *mut bindings::audit_context,
    obj: *mut bindings::audit_contobj,
    rec: c_int,
) -> bool {
    // SAFETY: The caller's reference keeps the object valid for the call,
    // and `ctx` is the audit context of the event being logged.
    let (obj, ctx) = unsafe {
        (
            ContainerObject::from_handle(obj),
            EventContext::from_raw(ctx),
        )
    };
    record::log_info(&ctx, obj, rec)
}

/// `tsk` moves to namespace `net`.
///
/// # Safety
///
/// `tsk` is locked with `task_lock()`; `net` is null or live.
unsafe extern "C" fn contid_switch_net(tsk: *mut bindings::task_struct, net: *mut bindings::net) {
    // SAFETY: `switch_task_namespaces()` holds `task_lock(tsk)` for the call
    // and `net` is null or the live namespace the task moves to.
    unsafe { slot::switch_net(task::from_raw(tsk), net) };
}

/// Does a task with a contid use `net`?
///
/// # Safety
///
/// `net` is a live namespace.
unsafe extern "C" fn contid_net_active(net: *mut bindings::net) -> bool {
    let _rcu = RcuGuard::new();
    // SAFETY: A live namespace, in an RCU read-side critical section.
    unsafe { netns::active(net) }
}

/// Emits the CONTAINER_INFO record of `net` into the event of `ctx`.
///
/// # Safety
///
/// `net` is a live namespace, `ctx` an audit context.  Does not sleep.
unsafe extern "C" fn contid_log_net_info(
    ctx: *mut bindings::audit_context,
    net: *mut bindings::net,
    rec: c_int,
) -> bool {
    let _rcu = RcuGuard::new();
    // SAFETY: `ctx` is the packet event's local audit context, valid for the
    // call.
    let ctx = unsafe { EventContext::from_raw(ctx) };
    // SAFETY: A live namespace, in an RCU read-side critical section.
    unsafe { record::log_net_info(&ctx, net, rec) }
}

/// Does `contid` match `tsk`'s chain?
///
/// # Safety
///
/// `tsk` is a valid task.  Runs on every syscall a `containerid` rule looks
/// at, in the caller's RCU read-side critical section; does not sleep.
unsafe extern "C" fn contid_match(tsk: *mut bindings::task_struct, contid: u64) -> bool {
    // SAFETY: The rule filter passes current or the task whose event it
    // filters, valid for the call.
    let task = unsafe { task::from_raw(tsk) };
    // SAFETY: `audit_contid_call_atomic()` calls `match` under
    // `rcu_read_lock()`, for the whole call.
    let rcu = unsafe { RcuGuard::held() };
    match task::rcu_slot(task, &rcu).and_then(Member::obj) {
        Some(obj) => chain_matches(obj.chain(), contid),
        None => chain_matches(core::iter::empty(), contid),
    }
}

/// `sender` signals auditd: keep its chain for `AUDIT_SIGNAL_INFO2`.
///
/// # Safety
///
/// `sender` is a valid task.  Does not sleep.
unsafe extern "C" fn contid_signal(sender: *mut bindings::task_struct) -> c_int {
    // SAFETY: `audit_signal_info()` passes current, valid for the call.
    let sender = unsafe { task::from_raw(sender) };
    match signal::capture(sender) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// The chain kept by `contid_signal` as text for `kfree()`, or null.
extern "C" fn contid_signal_chain() -> *mut c_char {
    signal::chain_text().unwrap_or(core::ptr::null_mut())
}

/// The operations registered with the C side.
static OPS: bindings::audit_contid_ops = bindings::audit_contid_ops {
    read: Some(contid_read),
    write: Some(contid_write),
    fork: Some(contid_fork),
    free: Some(contid_free),
    get: Some(contid_get),
    put: Some(contid_put),
    log_info: Some(contid_log_info),
    match_: Some(contid_match),
    switch_net: Some(contid_switch_net),
    net_active: Some(contid_net_active),
    log_net_info: Some(contid_log_net_info),
    signal: Some(contid_signal),
    signal_chain: Some(contid_signal_chain),
};

/// The provider registration; dropping it unregisters the hooks.
///
/// # Invariants
///
/// `OPS` is registered until `drop`.
pub(crate) struct Registration {
    _private: (),
}

impl Registration {
    /// Registers the hooks.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `OPS` is a static, so it outlives the registration.
        kernel::error::to_result(unsafe { bindings::audit_contid_register(&OPS) })?;
        // INVARIANT: Registered above.
        Ok(Self { _private: () })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: Registered in `new` (type invariant).
        unsafe { bindings::audit_contid_unregister(&OPS) };
        // The module is unloading, so it holds no object: every object pins it.
        debug_assert_eq!(OBJECTS.load(Ordering::Relaxed), 0);
        // SAFETY: No precondition; waits for the `free_rcu` callbacks
        // queued by released objects.
        unsafe { bindings::rcu_barrier() };
    }
}
