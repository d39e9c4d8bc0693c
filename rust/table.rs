// SPDX-License-Identifier: GPL-2.0

//! The task extension table: which container object each task belongs to.
//!
//! Each task has one slot, `task_struct::audit_contid`, that the C side
//! declares and this module owns.  A slot points to the task's
//! [`Member`]: the tasks of one [`ContainerObject`] in one network
//! namespace, which holds a reference on the object.  Objects are shared
//! by every task of a container and chained to the object of the
//! orchestrator that created them (nesting).
//!
//! Readers look a slot up in an RCU read-side critical section without
//! taking a lock, in O(1).  Writers (set, fork, exit) take the locks of
//! `audit_contid_lock_target()` (or, for fork, the C side holds
//! `tasklist_lock` for writing).  Objects are freed an RCU grace period after
//! their last reference goes.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::sync::Mutex;
use kernel::types::Opaque;

use crate::contid::ContainerId;
use crate::netns::{self, Member};

/// Number of tasks whose slot holds an object.
pub(crate) static TASKS: AtomicUsize = AtomicUsize::new(0);
/// Number of container objects not yet released.
pub(crate) static OBJECTS: AtomicUsize = AtomicUsize::new(0);

/// The module, pinned while any object exists.
static THIS_MODULE: AtomicPtr<bindings::module> = AtomicPtr::new(core::ptr::null_mut());
/// The registry of live identifiers, set while the module is loaded.
static REGISTRY: AtomicPtr<Mutex<Registry>> = AtomicPtr::new(core::ptr::null_mut());

/// Live identifiers, so that an identifier owned by one orchestrator cannot
/// be taken by another.  Maps an identifier to its object's address.
pub(crate) struct Registry {
    ids: RBTree<u64, usize>,
}

impl Registry {
    /// An empty registry.
    pub(crate) fn new() -> Self {
        Self { ids: RBTree::new() }
    }

    /// A new reference to the live object of `id`, if there is one.
    pub(crate) fn lookup(&self, id: ContainerId) -> Option<ContidRef> {
        let addr = *self.ids.get(&id.get())?;
        // SAFETY: The registry holds the address of an object until that
        // object's last reference is gone, and that removal takes the
        // registry lock, which the caller holds: the object is valid.
        let obj = unsafe { &*(addr as *const ContainerObject) };
        obj.try_get()
    }

    /// Records `obj` as the live object of its identifier.
    pub(crate) fn insert(&mut self, obj: &ContidRef) -> Result {
        self.ids
            .try_create_and_insert(obj.id().get(), obj.addr(), GFP_KERNEL)?;
        Ok(())
    }

    /// Forgets `obj`, if it is still the object recorded for its identifier.
    fn remove(&mut self, obj: &ContainerObject) {
        let addr = obj as *const ContainerObject as usize;
        if self.ids.get(&obj.id.get()) == Some(&addr) {
            self.ids.remove(&obj.id.get());
        }
    }
}

/// Publishes the module and the registry for the hooks.
///
/// # Safety
///
/// `registry` must stay valid until [`unpublish`] is called, and no hook
/// may run after that.
pub(crate) unsafe fn publish(module: *mut bindings::module, registry: *const Mutex<Registry>) {
    THIS_MODULE.store(module, Ordering::Release);
    REGISTRY.store(registry.cast_mut(), Ordering::Release);
}

/// Forgets what [`publish`] published.
pub(crate) fn unpublish() {
    REGISTRY.store(core::ptr::null_mut(), Ordering::Release);
}

/// The registry; valid while the module is loaded and its hooks registered.
pub(crate) fn registry() -> &'static Mutex<Registry> {
    // SAFETY: `publish` stored a pointer that stays valid while hooks run,
    // and this is only called from hooks (see `publish`).
    unsafe { &*REGISTRY.load(Ordering::Acquire) }
}

/// A container: an identifier shared by the tasks of one process tree.
///
/// # Invariants
///
/// - `holders` counts the references: members (each for all its tasks),
///   child objects (through `parent`) and [`ContidRef`]s.  The object is in
///   the registry while it is not zero.
/// - `orphan` is the object's member for tasks that no network namespace
///   counts (see [`netns`]).
/// - `owner` is a thread-group leader on which the object holds a task
///   reference until its last reference goes.
/// - `parent`, if not null, is an object on which this one holds a
///   reference until its last reference goes.
/// - `user_ns` is the user namespace of the task the object was first set
///   on (the container's user namespace), on which the object holds a
///   reference until its last reference goes.
/// - The memory is freed an RCU grace period after the last reference goes,
///   so RCU readers may follow slot and parent pointers without references.
#[repr(C)]
pub(crate) struct ContainerObject {
    rcu: Opaque<bindings::callback_head>,
    id: ContainerId,
    holders: AtomicUsize,
    /// Was the object ever given to a task?  A fresh object whose set was
    /// refused is released without a trace (no `op=drop`).
    used: AtomicBool,
    owner: *mut bindings::task_struct,
    parent: *const ContainerObject,
    user_ns: *mut bindings::user_namespace,
    orphan: Member,
}

impl ContainerObject {
    /// Creates an object for `id`, owned by `owner`'s thread group, nested
    /// below `parent` and first set on `target`, whose user namespace it
    /// records.  It is not yet in the registry.
    pub(crate) fn create(
        id: ContainerId,
        owner: *mut bindings::task_struct,
        parent: Option<&ContidRef>,
        target: *mut bindings::task_struct,
    ) -> Result<ContidRef> {
        // SAFETY: `owner` is a valid task (the caller's current task), so its
        // group leader is valid while it runs.
        let leader = unsafe { bindings::audit_contid_task_leader(owner) };
        let parent = match parent {
            Some(p) => p.clone_ref().into_raw(),
            None => core::ptr::null(),
        };
        let mut obj = match KBox::new(
            ContainerObject {
                rcu: Opaque::uninit(),
                id,
                holders: AtomicUsize::new(1),
                used: AtomicBool::new(false),
                owner: leader,
                parent,
                user_ns: core::ptr::null_mut(),
                orphan: Member::new(core::ptr::null_mut()),
            },
            GFP_KERNEL,
        ) {
            Ok(obj) => obj,
            Err(e) => {
                if !parent.is_null() {
                    // SAFETY: We took this reference above and give it back.
                    drop(unsafe { ContidRef::from_raw(parent) });
                }
                return Err(e.into());
            }
        };
        // SAFETY: `leader` is valid (see above); the object keeps a reference.
        unsafe { bindings::get_task_struct(leader) };
        // INVARIANT: The object keeps the reference on the user namespace.
        // SAFETY: `target` is a valid task (the caller holds a reference).
        obj.user_ns = unsafe { bindings::audit_contid_get_task_user_ns(target) };
        obj.orphan.init_orphan(&obj);
        if OBJECTS.fetch_add(1, Ordering::Relaxed) == 0 {
            // SAFETY: The module is loaded (this runs in one of its hooks,
            // which the C side keeps pinned); pin it while objects exist.
            unsafe { bindings::__module_get(THIS_MODULE.load(Ordering::Acquire)) };
        }
        // INVARIANT: One reference, owned by the returned `ContidRef`.
        let raw = KBox::into_raw(obj);
        // SAFETY: `raw` comes from a live `KBox` and is not null.
        Ok(ContidRef(unsafe { NonNull::new_unchecked(raw) }))
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

    /// Is `task` in this object's owner's thread group?
    pub(crate) fn is_owned_by(&self, task: *mut bindings::task_struct) -> bool {
        // SAFETY: `task` is valid (the caller's task).
        unsafe { bindings::audit_contid_task_leader(task) == self.owner }
    }

    /// The owner's thread-group leader.
    pub(crate) fn owner(&self) -> *mut bindings::task_struct {
        self.owner
    }

    /// The user namespace of the task the object was first set on.
    pub(crate) fn user_ns(&self) -> *mut bindings::user_namespace {
        self.user_ns
    }

    /// The member for the object's tasks that no namespace counts.
    pub(crate) fn orphan(&self) -> &Member {
        &self.orphan
    }

    /// A new reference.
    ///
    /// # Safety
    ///
    /// The caller holds a reference, or knows a counted member or task
    /// does, so that the count is not zero.
    pub(crate) unsafe fn new_ref(&self) -> ContidRef {
        self.holders.fetch_add(1, Ordering::Relaxed);
        // INVARIANT: The reference taken is owned by the `ContidRef`.
        ContidRef(NonNull::from(self))
    }

    /// Is `other` this object's parent (both `None`: no parent)?
    pub(crate) fn parent_is(&self, other: Option<&ContainerObject>) -> bool {
        core::ptr::eq(self.parent, other.map_or(core::ptr::null(), |o| o))
    }

    /// The identifiers of this object and its ancestors, innermost first.
    ///
    /// The caller holds a reference on `self` or is in an RCU read-side
    /// critical section, which keeps the whole chain valid.
    pub(crate) fn chain(&self) -> impl Iterator<Item = u64> + '_ {
        let mut next: *const ContainerObject = self;
        core::iter::from_fn(move || {
            // SAFETY: Each object holds a reference on its parent, and `self`
            // is kept valid by the caller, so every object met is valid.
            let obj = unsafe { next.as_ref()? };
            next = obj.parent;
            Some(obj.id.get())
        })
    }

    /// Takes a reference unless the last one is already gone.
    pub(crate) fn try_get(&self) -> Option<ContidRef> {
        let mut cur = self.holders.load(Ordering::Relaxed);
        while cur != 0 {
            match self.holders.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                // INVARIANT: The reference taken is owned by the `ContidRef`.
                Ok(_) => return Some(ContidRef(NonNull::from(self))),
                Err(seen) => cur = seen,
            }
        }
        None
    }

    /// Releases the object after its last reference is gone.
    ///
    /// # Safety
    ///
    /// `this` has no references left and is not reachable from any slot,
    /// except for RCU readers.  The caller may sleep.
    unsafe fn release(this: NonNull<ContainerObject>) {
        // SAFETY: Valid until the RCU callback below runs.
        let obj = unsafe { this.as_ref() };
        if obj.used.load(Ordering::Relaxed) {
            crate::record::log_drop(obj);
        }
        registry().lock().remove(obj);
        if !obj.parent.is_null() {
            // SAFETY: Our reference on the parent (type invariant).
            drop(unsafe { ContidRef::from_raw(obj.parent) });
        }
        // SAFETY: The reference taken in `create`.
        unsafe { bindings::put_task_struct(obj.owner) };
        // SAFETY: The reference taken in `create`.
        unsafe { bindings::put_user_ns(obj.user_ns) };
        // SAFETY: `rcu` is ours and not queued yet; `free_rcu` frees the
        // `KBox` allocation once readers are done with it.
        unsafe { bindings::call_rcu(obj.rcu.get(), Some(free_rcu)) };
        if OBJECTS.fetch_sub(1, Ordering::Relaxed) == 1 {
            // SAFETY: Taken in `create` when the first object appeared; the
            // C side holds its own reference while this hook runs, and the
            // module waits for `free_rcu` callbacks (`rcu_barrier`) on exit.
            unsafe { bindings::module_put(THIS_MODULE.load(Ordering::Acquire)) };
        }
    }
}

/// Frees an object an RCU grace period after its release.
///
/// # Safety
///
/// `head` is the `rcu` field of a released [`ContainerObject`] allocated by
/// `KBox`.
unsafe extern "C" fn free_rcu(head: *mut bindings::callback_head) {
    // `rcu` is the first field of a `#[repr(C)]` struct.
    let obj = head.cast::<ContainerObject>();
    // SAFETY: Per the function's contract, `obj` came from `KBox::into_raw`
    // and nothing uses it any more.
    drop(unsafe { KBox::from_raw(obj) });
}

/// One reference on a [`ContainerObject`].
///
/// # Invariants
///
/// `self.0` points to a valid object on which this value owns a reference.
pub(crate) struct ContidRef(NonNull<ContainerObject>);

// SAFETY: The object is shared through atomics and immutable fields; a
// reference may be dropped on any thread of a sleepable context.
unsafe impl Send for ContidRef {}

impl ContidRef {
    /// The reference `task`'s slot holds, as a new reference.
    pub(crate) fn of_task(task: *mut bindings::task_struct) -> Option<ContidRef> {
        with_task_object(task, |obj| obj.and_then(ContainerObject::try_get))
    }

    /// Another reference on the same object.
    pub(crate) fn clone_ref(&self) -> ContidRef {
        self.holders.fetch_add(1, Ordering::Relaxed);
        ContidRef(self.0)
    }

    /// Gives up the reference as a raw pointer, for a slot or a parent link.
    pub(crate) fn into_raw(self) -> *const ContainerObject {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    /// Gives up the reference as the C side's opaque handle.
    pub(crate) fn into_handle(self) -> *mut bindings::audit_contid {
        self.into_raw().cast_mut().cast()
    }

    /// Takes back a reference given up by [`ContidRef::into_raw`].
    ///
    /// # Safety
    ///
    /// `p` came from `into_raw` and its reference has not been taken back.
    pub(crate) unsafe fn from_raw(p: *const ContainerObject) -> ContidRef {
        // SAFETY: Not null per the contract.
        ContidRef(unsafe { NonNull::new_unchecked(p.cast_mut()) })
    }

    /// Drops the reference where sleeping is not allowed, because another
    /// reference is known to remain.  If it was the last after all, the
    /// object is leaked rather than released in the wrong context.
    pub(crate) fn put_not_last(self) {
        let prev = self.holders.fetch_sub(1, Ordering::Release);
        core::mem::forget(self);
        if prev == 1 {
            pr_err!("contid object lost its last reference in atomic context\n");
        }
    }

    /// The address, as recorded in the registry.
    fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }

    /// Is this the same object as `other`?
    pub(crate) fn same(&self, other: &ContainerObject) -> bool {
        core::ptr::eq(self.0.as_ptr(), other)
    }
}

impl core::ops::Deref for ContidRef {
    type Target = ContainerObject;

    fn deref(&self) -> &ContainerObject {
        // SAFETY: Valid while we hold a reference (type invariant).
        unsafe { self.0.as_ref() }
    }
}

impl Drop for ContidRef {
    fn drop(&mut self) {
        if self.holders.fetch_sub(1, Ordering::Release) == 1 {
            core::sync::atomic::fence(Ordering::Acquire);
            // SAFETY: That was the last reference.  References are dropped in
            // sleepable context only, never under the registry lock.
            unsafe { ContainerObject::release(self.0) };
        }
    }
}

/// Runs `f` on the object in `task`'s slot, without a reference.
///
/// For paths that cannot sleep; `f` runs in an RCU read-side critical
/// section and must not sleep either.
pub(crate) fn with_task_object<R>(
    task: *mut bindings::task_struct,
    f: impl FnOnce(Option<&ContainerObject>) -> R,
) -> R {
    // SAFETY: Plain RCU read-side critical section.
    unsafe { bindings::rcu_read_lock() };
    // SAFETY: `task` is valid and we are in an RCU read-side critical section.
    let m = unsafe { bindings::audit_contid_task_deref(task) }.cast::<Member>();
    // SAFETY: Members reachable from slots stay valid for RCU readers.
    let r = f(unsafe { m.as_ref() }.and_then(Member::obj));
    // SAFETY: Pairs with the `rcu_read_lock` above.
    unsafe { bindings::rcu_read_unlock() };
    r
}

/// The member `task`'s slot points to.
///
/// # Safety
///
/// `task` is valid and its slot cannot change: it is locked with
/// `audit_contid_lock_target()` or `task_lock()`, or `tasklist_lock` is held
/// for writing and `task` is current.  The returned member is valid while
/// that lasts.
unsafe fn slot<'a>(task: *mut bindings::task_struct) -> Option<&'a Member> {
    // SAFETY: Per the contract.
    unsafe {
        bindings::audit_contid_task_deref(task)
            .cast::<Member>()
            .as_ref()
    }
}

/// The object of `task`, whose slot cannot change.
///
/// # Safety
///
/// As for [`slot`].
pub(crate) unsafe fn locked_object<'a>(
    task: *mut bindings::task_struct,
) -> Option<&'a ContainerObject> {
    // SAFETY: Per the contract.
    unsafe { slot(task) }.and_then(Member::obj)
}

/// Points `task`'s slot to `m` (or empties it); returns what was there.
///
/// # Safety
///
/// As for [`slot`], for `task` or for a task being forked by current; `m`
/// counts `task` already.
unsafe fn set_slot(task: *mut bindings::task_struct, m: Option<&Member>) -> *const Member {
    let new = m.map_or(core::ptr::null_mut(), |m| core::ptr::from_ref(m).cast_mut());
    // SAFETY: Per the contract.
    unsafe { bindings::audit_contid_task_replace(task, new.cast()) }
        .cast_const()
        .cast()
}

/// Gives `child`, a task being forked by current, current's object.
///
/// Allocates nothing and does not search (see [`netns::join_fork`]).
///
/// # Safety
///
/// Called from the fork hook: `tasklist_lock` is held for writing, `child`
/// is valid and its slot is empty.
pub(crate) unsafe fn inherit(child: *mut bindings::task_struct) {
    // SAFETY: Current is valid; with `tasklist_lock` held for writing no set
    // can change its slot.
    let Some(parent) = (unsafe { slot(bindings::get_current()) }) else {
        return;
    };
    // SAFETY: The child is not running yet, so its namespaces are stable
    // and its network namespace is live.
    let m = unsafe { netns::join_fork(parent, bindings::audit_contid_task_net(child)) };
    TASKS.fetch_add(1, Ordering::Relaxed);
    // SAFETY: `tasklist_lock` is held for writing (the contract), as
    // `audit_contid_task_replace` requires for a task being forked.
    unsafe { set_slot(child, Some(m)) };
}

/// Moves `task` to its object's member of namespace `new`.
///
/// # Safety
///
/// `task` is valid and locked with `task_lock()`; `new` is null or a live
/// namespace.  Does not sleep.
pub(crate) unsafe fn switch_net(task: *mut bindings::task_struct, new: *mut bindings::net) {
    // SAFETY: `task` is locked, so its slot is stable.
    let Some(old) = (unsafe { slot(task) }) else {
        return;
    };
    let Some(obj) = old.obj() else {
        return;
    };
    // SAFETY: Per the contract; `old` holds a reference on `obj`.
    let m = unsafe { netns::join(new, obj, &mut None, Some(GFP_ATOMIC)) };
    // SAFETY: Locked as required; `m` counts `task`.
    unsafe { set_slot(task, Some(m)) };
    if let Some(released) = netns::leave(old) {
        // `m` holds a reference on the same object.
        released.finish_not_last();
    }
}

/// Points `target`'s slot to a member of `obj` in its namespace, using
/// `spare` if it needs a new one; returns the member it left.
///
/// # Safety
///
/// `target` is valid and locked with `audit_contid_lock_target()`; the
/// caller holds a reference on `obj`.
pub(crate) unsafe fn attach<'a>(
    target: *mut bindings::task_struct,
    obj: &ContainerObject,
    spare: &mut Option<KBox<Member>>,
) -> Option<&'a Member> {
    // SAFETY: Locked as required.
    let old = unsafe { slot(target) };
    // SAFETY: `target` is locked, so its namespaces are stable and live.
    let m = unsafe { netns::join(bindings::audit_contid_task_net(target), obj, spare, None) };
    // SAFETY: Locked as required; `m` counts `target`.
    unsafe { set_slot(target, Some(m)) };
    if old.is_none() {
        TASKS.fetch_add(1, Ordering::Relaxed);
    }
    old
}

/// Empties `task`'s slot; for an exiting task.
///
/// # Safety
///
/// `task` is valid; the caller may sleep.
pub(crate) unsafe fn detach(task: *mut bindings::task_struct) {
    // SAFETY: `task` is valid; the lock is released below.
    unsafe { bindings::audit_contid_lock_target(task) };
    // SAFETY: The locks are held as required.
    let old = unsafe { set_slot(task, None) };
    // SAFETY: Taken above.
    unsafe { bindings::audit_contid_unlock_target(task) };
    // SAFETY: The slot counted the task in the member, which stays valid
    // until the task leaves it below.
    if let Some(m) = unsafe { old.as_ref() } {
        TASKS.fetch_sub(1, Ordering::Relaxed);
        // The member's reference on the object may be the last: dropped
        // here, where sleeping is allowed.
        drop(netns::leave(m));
    }
}
