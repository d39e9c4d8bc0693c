// SPDX-License-Identifier: GPL-2.0

//! The provider operations the C hooks call, and their registration.
//!
//! Errors are converted to negative errnos at this boundary.

use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;

use crate::contid::chain_matches;
use crate::netns;
use crate::proc;
use crate::record;
use crate::table::{self, ContainerObject, ContidRef};

/// `read` hook of `/proc/<pid>/containerid`.
///
/// # Safety
///
/// `file` is the open file read, `tsk` is a valid task and `buf` points to
/// `size` writable bytes.
unsafe extern "C" fn contid_read(
    file: *const bindings::file,
    tsk: *mut bindings::task_struct,
    buf: *mut c_char,
    size: usize,
) -> c_int {
    // SAFETY: Per the function's contract.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    match proc::read(file, tsk, buf) {
        Ok(len) => len as c_int,
        Err(e) => e.to_errno(),
    }
}

/// `write` hook of `/proc/<pid>/containerid`.
///
/// # Safety
///
/// `file` is the open file written, `tsk` is a valid task and `buf`
/// points to `count` readable bytes.
unsafe extern "C" fn contid_write(
    file: *const bindings::file,
    tsk: *mut bindings::task_struct,
    buf: *const c_char,
    count: usize,
) -> c_int {
    // SAFETY: Per the function's contract.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
    match proc::write(file, tsk, input) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Fork hook: `child` inherits current's object.
///
/// # Safety
///
/// Called by `__audit_contid_fork()` with `tasklist_lock` held for writing.
unsafe extern "C" fn contid_fork(child: *mut bindings::task_struct) {
    // SAFETY: Per the function's contract, which is `inherit`'s.
    unsafe { table::inherit(child) };
}

/// Exit hook: `tsk` gives up its object.
///
/// # Safety
///
/// `tsk` is a valid task, exiting or failing to fork; sleepable context.
unsafe extern "C" fn contid_free(tsk: *mut bindings::task_struct) {
    // SAFETY: Per the function's contract.
    unsafe { table::detach(tsk) };
}

/// A reference on `tsk`'s object, as an opaque handle, or null.
///
/// # Safety
///
/// `tsk` is a valid task.  Does not sleep.
unsafe extern "C" fn contid_get(tsk: *mut bindings::task_struct) -> *mut bindings::audit_contid {
    ContidRef::of_task(tsk).map_or(core::ptr::null_mut(), ContidRef::into_handle)
}

/// Drops a reference from `contid_get`.
///
/// # Safety
///
/// `contid` came from `contid_get` and is dropped once; sleepable context.
unsafe extern "C" fn contid_put(contid: *mut bindings::audit_contid) {
    // SAFETY: Per the function's contract.
    drop(unsafe { ContidRef::from_raw(contid.cast_const().cast()) });
}

/// Emits the CONTAINER_INFO record of `contid` into the event of `ctx`.
///
/// # Safety
///
/// `contid` is a reference from `contid_get`, `ctx` an audit context;
/// sleepable context.
unsafe extern "C" fn contid_log_info(
    ctx: *mut bindings::audit_context,
    contid: *mut bindings::audit_contid,
    record: c_int,
) -> bool {
    // SAFETY: The caller's reference keeps the object valid.
    let obj = unsafe { &*contid.cast_const().cast::<ContainerObject>() };
    record::log_info(ctx, obj, record)
}

/// `tsk` moves from namespace `_old` to `new`.
///
/// # Safety
///
/// `tsk` is locked with `task_lock()`; `new` is null or live.
unsafe extern "C" fn contid_switch_net(
    tsk: *mut bindings::task_struct,
    _old: *mut bindings::net,
    new: *mut bindings::net,
) {
    // SAFETY: Per the function's contract, which is `switch_net`'s.
    unsafe { table::switch_net(tsk, new) };
}

/// Does a task with a contid use `net`?
///
/// # Safety
///
/// `net` is a live namespace; called in an RCU read-side critical section.
unsafe extern "C" fn contid_net_active(net: *mut bindings::net) -> bool {
    // SAFETY: Per the function's contract.
    unsafe { netns::active(net) }
}

/// Emits the CONTAINER_INFO record of `net` into the event of `ctx`.
///
/// # Safety
///
/// `net` is a live namespace, `ctx` an audit context; called in an RCU
/// read-side critical section.  Does not sleep.
unsafe extern "C" fn contid_log_net_info(
    ctx: *mut bindings::audit_context,
    net: *mut bindings::net,
    record: c_int,
) -> bool {
    // SAFETY: Per the function's contract.
    unsafe { record::log_net_info(ctx, net, record) }
}

/// Does `contid` match `tsk`'s chain?
///
/// # Safety
///
/// `tsk` is a valid task; called in an RCU read-side critical section.
unsafe extern "C" fn contid_match(tsk: *mut bindings::task_struct, contid: u64) -> bool {
    table::with_task_object(tsk, |obj| match obj {
        Some(obj) => chain_matches(obj.chain(), contid),
        None => chain_matches(core::iter::empty(), contid),
    })
}

/// The operations registered with the C side.
struct Ops(bindings::audit_contid_ops);

// SAFETY: The table is immutable after initialisation.
unsafe impl Sync for Ops {}

static mut OPS: Ops = Ops(bindings::audit_contid_ops {
    owner: core::ptr::null_mut(),
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
});

/// The provider registration; dropping it unregisters the hooks.
pub(crate) struct Registration {
    _private: (),
}

impl Registration {
    /// Registers the hooks for `module`.
    pub(crate) fn new(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Not registered yet, so nothing else reads `OPS`.
        let ops = unsafe { &mut *core::ptr::addr_of_mut!(OPS) };
        ops.0.owner = module.as_ptr();
        // SAFETY: `ops` lives as long as the module, and stays registered
        // only until `drop` below.
        kernel::error::to_result(unsafe { bindings::audit_contid_register(&ops.0) })?;
        Ok(Self { _private: () })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: Registered in `new`.
        unsafe { bindings::audit_contid_unregister(core::ptr::addr_of!(OPS.0)) };
        // The module is unloading, so it holds no object: every object pins it.
        debug_assert_eq!(table::OBJECTS.load(Ordering::Relaxed), 0);
        // SAFETY: Waits for `free_rcu` callbacks queued by released objects.
        unsafe { bindings::rcu_barrier() };
        table::unpublish();
    }
}
