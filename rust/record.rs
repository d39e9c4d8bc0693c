// SPDX-License-Identifier: GPL-2.0

//! Audit records: `CONTAINER` for each set attempt and `CONTAINER_INFO`
//! for every event of a task that has a container identifier.
//!
//! Fields are formatted with Rust's `fmt` machinery and handed to
//! `audit_log_format()` through the kernel's `%pA` specifier.

use core::ffi::CStr;
use core::fmt;
use core::ops::ControlFlow;

use kernel::bindings;
use kernel::ffi::c_int;

use crate::object::ContainerObject;

/// The audit context of the event a record goes to: a syscall's, a local
/// one the C side allocated, or none (a standalone event).
///
/// # Invariants
///
/// `self.0` is null or an audit context, valid while the value lives.
pub(crate) struct EventContext(*mut bindings::audit_context);

impl EventContext {
    /// A standalone event.
    const NONE: Self = Self(core::ptr::null_mut());

    /// Wraps a context from the C side.
    ///
    /// # Safety
    ///
    /// `ctx` is null or an audit context that stays valid while the value
    /// lives.
    pub(crate) unsafe fn from_raw(ctx: *mut bindings::audit_context) -> Self {
        // INVARIANT: Guaranteed by the caller.
        Self(ctx)
    }

    /// The context of current's syscall, or none outside one.
    fn current() -> Self {
        // INVARIANT: Current's context lives as long as current does, and
        // the value cannot leave this thread (a raw pointer is not `Send`).
        Self(crate::task::current_audit_context())
    }
}

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
    fn start(ctx: &EventContext, ty: u32, gfp: bindings::gfp_t) -> Option<Self> {
        // SAFETY: `ctx.0` is null or a valid context (its type invariant);
        // callers pass flags that fit their context.
        let ab = unsafe { bindings::audit_log_start(ctx.0, gfp, ty as c_int) };
        // INVARIANT: A started buffer, if not null.
        (!ab.is_null()).then_some(Self(ab))
    }

    /// Appends `args`.
    fn write(&mut self, args: fmt::Arguments<'_>) {
        // SAFETY: A started buffer (type invariant); `%pA` formats the
        // `fmt::Arguments` it points to, which outlives the call.
        unsafe {
            bindings::audit_log_format(
                self.0,
                c"%pA".as_ptr().cast(),
                core::ptr::from_ref(&args).cast::<core::ffi::c_void>(),
            )
        };
    }
}

impl Record {
    /// Appends `record=<record> contid=<chain>`, the chain formatted once
    /// when its object was created.
    fn write_info(&mut self, record: i32, chain: &CStr) {
        // SAFETY: A started buffer (type invariant); the format takes an int
        // and a NUL-terminated string that outlives the call.
        unsafe {
            bindings::audit_log_format(
                self.0,
                c"record=%d contid=%s".as_ptr().cast(),
                record,
                chain.as_ptr(),
            )
        };
    }

    /// Appends `,<chain>`.
    fn append_chain(&mut self, chain: &CStr) {
        // SAFETY: As above.
        unsafe { bindings::audit_log_format(self.0, c",%s".as_ptr().cast(), chain.as_ptr()) };
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        // SAFETY: A started buffer, ended once (type invariant).
        unsafe { bindings::audit_log_end(self.0) };
    }
}

/// The chain of an object: its identifier and its ancestors' as
/// `4,^2,^1`, or `-1` for none.
struct Chain<'a>(Option<&'a ContainerObject>);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(obj) => f.write_str(obj.chain_text().to_str().map_err(|_| fmt::Error)?),
            None => f.write_str("-1"),
        }
    }
}

/// Is audit enabled (`auditctl -e 1`)?
fn audit_enabled() -> bool {
    // SAFETY: Reading an exported `u32`; a racy read is as good as audit's own.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(bindings::audit_enabled)) != 0 }
}

/// Logs a CONTAINER record `op=<op>[ opid=<pid>] contid=<id>
/// old-contid=<chain> res=<0|1>` into the event of `ctx`.
fn log_op(
    ctx: &EventContext,
    op: &str,
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
    rec.write(format_args!("op={op}"));
    if let Some(pid) = opid {
        rec.write(format_args!(" opid={pid}"));
    }
    rec.write(format_args!(
        " contid={contid} old-contid={} res={}",
        Chain(old),
        u8::from(ok)
    ));
}

/// Logs a set attempt: `op=set opid=<pid> contid=<id> old-contid=<chain>
/// res=<0|1>`, in the event of the writer's syscall.
pub(crate) fn log_set(opid: i32, contid: u64, old: Option<&ContainerObject>, ok: bool) {
    log_op(&EventContext::current(), "set", Some(opid), contid, old, ok);
}

/// Logs `record=<n> contid=<chain>` into the event of `ctx`; true if a
/// record was emitted.
pub(crate) fn log_info(ctx: &EventContext, obj: &ContainerObject, record: i32) -> bool {
    let Some(mut rec) = Record::start(ctx, bindings::AUDIT_CONTAINER_INFO, bindings::GFP_KERNEL)
    else {
        return false;
    };
    rec.write_info(record, obj.chain_text());
    true
}

/// Logs that the last holder of `obj` is gone, in an event of its own:
/// `op=drop contid=<id> old-contid=<chain> res=1`.
pub(crate) fn log_drop(obj: &ContainerObject) {
    let id = obj.id().get();
    log_op(&EventContext::NONE, "drop", None, id, Some(obj), true);
}

/// The longest list of chains one CONTAINER_INFO record of a namespace
/// carries: auditd reads at most `AUDIT_MESSAGE_TEXT_MAX` bytes of a
/// record, and `audit(<time>:<serial>): record=<n> contid=` comes first.
const NET_LIST_MAX: usize = bindings::AUDIT_MESSAGE_TEXT_MAX as usize - 128;

/// Logs `record=<n> contid=<chains>` for every object of the tasks using
/// `net`, comma-joined, into the event of `ctx`: in as many records as it
/// takes to keep each list within [`NET_LIST_MAX`], all numbered `record`.
/// True if a record was emitted.  Does not sleep.
///
/// A record audit cannot start is counted as lost by `audit_log_start()`,
/// and the chains that would have followed are left out with it.
///
/// # Safety
///
/// `net` is a live namespace and the caller is in an RCU read-side
/// critical section.
pub(crate) unsafe fn log_net_info(
    ctx: &EventContext,
    net: *mut bindings::net,
    record: i32,
) -> bool {
    let mut rec: Option<Record> = None;
    let mut len = 0;
    let mut any = false;
    // SAFETY: The caller passes a live namespace, in an RCU read-side
    // critical section.
    unsafe {
        crate::netns::for_each_object(net, |obj| {
            let chain = obj.chain_text();
            let n = chain.to_bytes().len();
            if let Some(r) = rec.as_mut().filter(|_| len + 1 + n <= NET_LIST_MAX) {
                r.append_chain(chain);
                len += 1 + n;
                return ControlFlow::Continue(());
            }
            // Ends the full record, if any, before the next one starts.
            drop(rec.take());
            rec = Record::start(ctx, bindings::AUDIT_CONTAINER_INFO, bindings::GFP_ATOMIC);
            let Some(r) = rec.as_mut() else {
                return ControlFlow::Break(());
            };
            r.write_info(record, chain);
            len = n;
            any = true;
            ControlFlow::Continue(())
        })
    };
    any
}
