// SPDX-License-Identifier: GPL-2.0

//! Container objects: an identifier shared by the tasks of one process tree,
//! chained to the object of the orchestrator that created it (nesting).
//!
//! Objects are reference counted with a saturating `refcount_t` and handed
//! around as [`ARef<ContainerObject>`].  The last reference goes in
//! sleepable context (it logs the drop and leaves the registry); paths that
//! cannot sleep only drop references they know are not the last
//! ([`put_not_last`]).  The memory is freed an RCU grace period later, so
//! RCU readers may follow slot and parent pointers without a reference.

use core::ffi::CStr;
use core::fmt::Write;
use core::mem::ManuallyDrop;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::task::Task;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

use crate::contid::ContainerId;
use crate::netns::{Member, ObjMembers};
use crate::registry;

/// Number of container objects not yet released.
pub(crate) static OBJECTS: AtomicUsize = AtomicUsize::new(0);

/// A reference on a user namespace, dropped with `put_user_ns()`.
///
/// # Invariants
///
/// `self.0` is a user namespace on which this value holds a reference.
pub(crate) struct UserNs(NonNull<bindings::user_namespace>);

impl UserNs {
    /// The user namespace of `task`'s credentials.
    fn of_task(task: &Task) -> Self {
        let _rcu = crate::task::RcuGuard::new();
        // SAFETY: `task` is valid and its `real_cred`, read as
        // `__task_cred()` does, stays valid in the RCU read-side critical
        // section; credentials always have a user namespace.
        unsafe {
            let cred = ptr::read_volatile(ptr::addr_of!((*crate::task::raw(task)).real_cred));
            let ns = bindings::get_user_ns((*cred).user_ns);
            // INVARIANT: `get_user_ns()` took the reference.
            Self(NonNull::new_unchecked(ns))
        }
    }

    /// The namespace, for the C functions that take one.
    pub(crate) fn as_ptr(&self) -> *mut bindings::user_namespace {
        self.0.as_ptr()
    }
}

impl Drop for UserNs {
    fn drop(&mut self) {
        // SAFETY: The reference of the type invariant.
        unsafe { bindings::put_user_ns(self.0.as_ptr()) };
    }
}

/// A container.
///
/// # Invariants
///
/// - `refcount` counts the references: the [`ARef`]s, the members with
///   tasks (one each) and the child objects (through `parent`).  The object
///   is in the registry while it is not zero.
/// - `owner`, `parent` and `user_ns` are dropped only by [`release`], after
///   the last reference went; `user_ns` is the user namespace of the task
///   the object was first set on (the container's).
/// - `chain` is the text of [`ContainerObject::chain`], `4,^2,^1`, and a
///   NUL, written once when the object is created.
/// - `members` lists the object's listed members (see [`ObjMembers`]).
/// - `orphan` is the object's member for tasks that no network namespace
///   counts (see [`crate::netns`]).
/// - The memory comes from a `KBox` and is freed an RCU grace period after
///   the last reference went.
pub(crate) struct ContainerObject {
    rcu: Opaque<bindings::callback_head>,
    refcount: Opaque<bindings::refcount_t>,
    id: ContainerId,
    /// Was the object ever given to a task?  A fresh object whose set was
    /// refused is released without a trace (no `op=drop`).
    used: AtomicBool,
    owner: ManuallyDrop<ARef<Task>>,
    parent: ManuallyDrop<Option<ARef<ContainerObject>>>,
    user_ns: ManuallyDrop<UserNs>,
    /// Formatted at create, so that records copy it and never format it.
    chain: KVec<u8>,
    orphan: Member,
    members: ObjMembers,
}

// SAFETY: Shared through the atomic `refcount` and `used` and immutable
// fields; the last reference is dropped in any thread's sleepable context.
unsafe impl Send for ContainerObject {}
// SAFETY: As above.
unsafe impl Sync for ContainerObject {}

// SAFETY: `refcount` counts the references and the object is released only
// when it drops to zero (`dec_ref`).
unsafe impl AlwaysRefCounted for ContainerObject {
    fn inc_ref(&self) {
        // SAFETY: A shared reference implies a counted one or a caller that
        // knows the count is not zero (see `try_get` for the other case).
        unsafe { bindings::refcount_inc(self.refcount.get()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference, so the object is valid.
        let count = unsafe { obj.as_ref() }.refcount.get();
        // SAFETY: As above.
        if unsafe { bindings::refcount_dec_and_test(count) } {
            // SAFETY: That was the last reference; references are dropped in
            // sleepable context, never under the registry lock.
            unsafe { release(obj) };
        }
    }
}

impl ContainerObject {
    /// Creates an object for `id`, owned by `owner`'s process, nested below
    /// `parent` and first set on `target`, whose user namespace it records.
    /// It is not yet in the registry.
    pub(crate) fn create(
        id: ContainerId,
        owner: &Task,
        parent: Option<&ARef<ContainerObject>>,
        target: &Task,
    ) -> Result<ARef<ContainerObject>> {
        // Each object pins the module until its release.  Unlike a pin
        // taken only for the first object, `try_module_get()` fails once
        // an unload has begun: a set racing `rmmod` is refused instead of
        // leaving a contid in a module that is going away.
        // SAFETY: `THIS_MODULE` is this module, loaded while its hooks run.
        if !unsafe { bindings::try_module_get(crate::THIS_MODULE.as_ptr()) } {
            return Err(Error::from_errno(-(bindings::EOPNOTSUPP as i32)));
        }
        // Allocated before the references the fields take, which a failed
        // allocation would otherwise leak through `ManuallyDrop`.
        let alloc = chain_text(id, parent.map(|p| p.chain_text()))
            .and_then(|chain| Ok((chain, KBox::new_uninit(GFP_KERNEL)?)));
        let (chain, obj) = match alloc {
            Ok(alloc) => alloc,
            Err(e) => {
                // SAFETY: Taken just above.
                unsafe { bindings::module_put(crate::THIS_MODULE.as_ptr()) };
                return Err(e);
            }
        };
        let obj = KBox::write(
            obj,
            ContainerObject {
                rcu: Opaque::uninit(),
                // SAFETY: No precondition.
                refcount: Opaque::new(unsafe { bindings::REFCOUNT_INIT(1) }),
                id,
                used: AtomicBool::new(false),
                owner: ManuallyDrop::new(owner.group_leader().into()),
                parent: ManuallyDrop::new(parent.cloned()),
                user_ns: ManuallyDrop::new(UserNs::of_task(target)),
                chain,
                orphan: Member::new(),
                members: ObjMembers::new(),
            },
        );
        obj.orphan.init_orphan(&obj);
        obj.members.init();
        OBJECTS.fetch_add(1, Ordering::Relaxed);
        let raw = KBox::into_raw(obj);
        // SAFETY: `raw` is a live object with one reference, which the
        // returned `ARef` owns.
        Ok(unsafe { ARef::from_raw(NonNull::new_unchecked(raw)) })
    }

    /// Records that the object was given to a task, so that its release
    /// is logged.
    pub(crate) fn mark_used(&self) {
        self.used.store(true, Ordering::Relaxed);
    }

    /// The identifier.
    pub(crate) fn id(&self) -> ContainerId {
        self.id
    }

    /// Is `task` in this object's owner's process?
    pub(crate) fn is_owned_by(&self, task: &Task) -> bool {
        crate::task::same_process(&self.owner, task)
    }

    /// The user namespace of the task the object was first set on.
    pub(crate) fn user_ns(&self) -> &UserNs {
        &self.user_ns
    }

    /// The member for the object's tasks that no namespace counts.
    pub(crate) fn orphan(&self) -> &Member {
        &self.orphan
    }

    /// The members of the object's tasks, one per namespace.
    pub(crate) fn members(&self) -> &ObjMembers {
        &self.members
    }

    /// Is `ancestor` one of this object's ancestors (not itself)?
    pub(crate) fn is_below(&self, ancestor: &ContainerObject) -> bool {
        let mut next = self.parent.as_deref();
        while let Some(obj) = next {
            if ptr::eq(obj, ancestor) {
                return true;
            }
            // Each object holds a reference on its parent.
            next = obj.parent.as_deref();
        }
        false
    }

    /// Is `other` this object's parent (both `None`: no parent)?
    pub(crate) fn parent_is(&self, other: Option<&ContainerObject>) -> bool {
        match (self.parent.as_deref(), other) {
            (Some(a), Some(b)) => ptr::eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// The identifiers of this object and its ancestors, innermost first.
    pub(crate) fn chain(&self) -> impl Iterator<Item = u64> + '_ {
        let mut next = Some(self);
        core::iter::from_fn(move || {
            let obj = next?;
            // Each object holds a reference on its parent until it is
            // released, and is valid as long as `self` is.
            next = obj.parent.as_deref();
            Some(obj.id.get())
        })
    }

    /// The chain as records print it: `4,^2,^1`.
    pub(crate) fn chain_text(&self) -> &CStr {
        // SAFETY: `chain` is text and one NUL, at its end (type invariant).
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.chain) }
    }

    /// A new reference, unless the last one is already gone (an RCU reader
    /// or a registry lookup may meet such an object).
    pub(crate) fn try_get(&self) -> Option<ARef<ContainerObject>> {
        // SAFETY: The object is valid (the caller's RCU section or the
        // registry lock keeps its memory).
        if unsafe { bindings::refcount_inc_not_zero(self.refcount.get()) } {
            // SAFETY: The reference just taken is owned by the `ARef`.
            Some(unsafe { ARef::from_raw(NonNull::from(self)) })
        } else {
            None
        }
    }

    /// The object behind a pointer from [`ContainerObject::into_handle`].
    ///
    /// # Safety
    ///
    /// `handle` came from `into_handle` and its reference is still held.
    pub(crate) unsafe fn from_handle<'a>(handle: *mut bindings::audit_contobj) -> &'a Self {
        // SAFETY: The handle is an object pointer on which the caller holds
        // a reference, so it is valid for `'a`.
        unsafe { &*handle.cast::<ContainerObject>() }
    }

    /// Gives up a reference as the C side's opaque handle.
    pub(crate) fn into_handle(this: ARef<ContainerObject>) -> *mut bindings::audit_contobj {
        ARef::into_raw(this).as_ptr().cast()
    }

    /// Takes back a reference given up by [`ContainerObject::into_handle`].
    ///
    /// # Safety
    ///
    /// `handle` came from `into_handle` and is taken back once.
    pub(crate) unsafe fn from_handle_owned(
        handle: *mut bindings::audit_contobj,
    ) -> ARef<ContainerObject> {
        // SAFETY: A handle from `into_handle` is a non-null object pointer
        // owning one reference, taken back once.
        unsafe { ARef::from_raw(NonNull::new_unchecked(handle.cast())) }
    }
}

/// The chain of a new object `id` below a parent whose chain is `parent`:
/// `4,^2,^1` and a NUL.
fn chain_text(id: ContainerId, parent: Option<&CStr>) -> Result<KVec<u8>> {
    struct Text(KVec<u8>);

    impl core::fmt::Write for Text {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.0
                .extend_from_slice(s.as_bytes(), GFP_KERNEL)
                .map_err(|_| core::fmt::Error)
        }
    }

    let parent = parent.map_or(&b""[..], CStr::to_bytes);
    // A u64 and ",^" fit in 22 bytes.
    let mut text = Text(KVec::with_capacity(22 + parent.len() + 1, GFP_KERNEL)?);
    write!(text, "{}", id.get()).map_err(|_| ENOMEM)?;
    if !parent.is_empty() {
        text.0.extend_from_slice(b",^", GFP_KERNEL)?;
        // Every id of the parent's chain but the first has its `^` already.
        text.0.extend_from_slice(parent, GFP_KERNEL)?;
    }
    text.0.push(0, GFP_KERNEL)?;
    Ok(text.0)
}

/// Drops `obj` where sleeping is not allowed, because another reference is
/// known to remain.  Were it the last after all, the object is leaked rather
/// than released in the wrong context.
pub(crate) fn put_not_last(obj: ARef<ContainerObject>) {
    let p = ARef::into_raw(obj);
    // SAFETY: We owned the reference given up above.
    if unsafe { bindings::refcount_dec_and_test(p.as_ref().refcount.get()) } {
        pr_err!("contid object lost its last reference in atomic context\n");
    }
}

/// Releases an object after its last reference went.
///
/// # Safety
///
/// `this` has no references left and no slot points to it; RCU readers may
/// still use it.  The caller may sleep and does not hold the registry lock.
unsafe fn release(this: NonNull<ContainerObject>) {
    let p = this.as_ptr();
    // SAFETY: Valid until the RCU callback below runs.
    let obj = unsafe { this.as_ref() };
    if obj.used.load(Ordering::Relaxed) {
        crate::record::log_drop(obj);
    }
    if let Ok(reg) = registry::get() {
        reg.lock().remove(obj);
    }
    // SAFETY: The fields are read out once, here (type invariant), without
    // a `&mut` that would alias the readers' shared references; concurrent
    // RCU readers only read them, and the parent stays valid for them: its
    // own release, if this drops the last reference, frees it only after a
    // grace period that starts now.
    let (parent, owner, user_ns) = unsafe {
        (
            ptr::read(ptr::addr_of!((*p).parent)),
            ptr::read(ptr::addr_of!((*p).owner)),
            ptr::read(ptr::addr_of!((*p).user_ns)),
        )
    };
    drop(ManuallyDrop::into_inner(parent));
    drop(ManuallyDrop::into_inner(owner));
    drop(ManuallyDrop::into_inner(user_ns));
    // SAFETY: `rcu` is ours and not queued yet; `free_rcu` frees the
    // allocation once readers are done with it.
    unsafe { bindings::call_rcu(obj.rcu.get(), Some(free_rcu)) };
    OBJECTS.fetch_sub(1, Ordering::Relaxed);
    // SAFETY: The object's pin, taken in `create`.  The hook running this
    // is in the SRCU section that unregistering waits for, and the module
    // waits for `free_rcu` callbacks on exit.
    unsafe { bindings::module_put(crate::THIS_MODULE.as_ptr()) };
}

/// Frees an object an RCU grace period after its release.
///
/// # Safety
///
/// `head` is the `rcu` field of a released [`ContainerObject`].
unsafe extern "C" fn free_rcu(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the `rcu` field of a `ContainerObject`.
    let obj = unsafe { kernel::container_of!(head, ContainerObject, rcu) };
    // SAFETY: The allocation came from `KBox::into_raw` in `create` and
    // nothing uses it any more; its `ManuallyDrop` fields were taken.
    drop(unsafe { KBox::from_raw(obj.cast_mut()) });
}
