// SPDX-License-Identifier: GPL-2.0

//! Per network namespace lists of the container objects of the tasks that
//! use the namespace, for the CONTAINER_INFO record of NETFILTER_PKT events.
//!
//! A task's slot points to a [`Member`]: the tasks of one container object
//! that use one network namespace.  Each namespace lists its members in an
//! RCU list, so the packet path, which runs in softirq, walks it without a
//! lock.  A member is listed while it has tasks, and freed an RCU grace
//! period after its last task left.
//!
//! The fork hook runs under `tasklist_lock` with interrupts disabled, so it
//! must neither allocate nor search:
//!
//! - a child in its parent's namespace joins its parent's member: a
//!   counter increment;
//! - a child in a new namespace (`CLONE_NEWNET`) joins the spare member
//!   that the namespace's pernet init allocated, in sleepable context, for
//!   the tagged task that created it.
//!
//! Namespace switches (`unshare`, `setns`) run under `task_lock()` and may
//! allocate atomically; a set allocates before taking any lock.  Whatever
//! cannot be attributed to a namespace (out of memory, or a set of the
//! forking task racing its own `clone(CLONE_NEWNET)`) goes to the object's
//! orphan member, which no namespace lists, and is counted by the audit
//! lost counter: packets miss that contid, visibly.
//!
//! Writers hold the namespace's spinlock with interrupts disabled.  A set
//! or a namespace switch finds the member of its object in the target's
//! namespace through the object's own short list of members, one per
//! namespace its tasks use ([`ObjMembers`]), and walks the namespace's list
//! only when the namespace has a spare: no search grows with the number of
//! containers sharing a namespace.

use core::ops::ControlFlow;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::types::{ARef, Opaque};

use crate::object::{self, ContainerObject};

/// Number of (namespace, object) members with tasks, over all namespaces.
pub(crate) static NET_ENTRIES: AtomicUsize = AtomicUsize::new(0);

/// The tasks of one container object that use one network namespace.
///
/// # Invariants
///
/// - `obj` is null only for a spare (no task, listed, waiting for the
///   tagged task whose `copy_net_ns()` allocated it).  A listed member
///   with an object holds one reference on it.  An orphan (`net` null,
///   embedded in its object) holds one reference on its object while
///   `tasks` is not zero.
/// - `tasks` counts the task slots that point to the member.  It changes
///   under the lock of `net` (atomically for an orphan).
/// - A listed member with an object is in that object's [`ObjMembers`].
/// - A listed member is unlinked, under the lock, when its last task
///   leaves, and freed an RCU grace period later.  `pprev` is valid while
///   the member is listed, and only used under the lock.
#[repr(C)]
pub(crate) struct Member {
    rcu: Opaque<bindings::callback_head>,
    next: AtomicPtr<Member>,
    pprev: AtomicPtr<AtomicPtr<Member>>,
    obj: AtomicPtr<ContainerObject>,
    /// The next member of the same object ([`ObjMembers`]).
    sibling: AtomicPtr<Member>,
    net: *mut bindings::net,
    tasks: AtomicUsize,
}

// SAFETY: Shared between CPUs through atomics and the namespace lock; the
// raw `net` never changes after creation.
unsafe impl Sync for Member {}
// SAFETY: As above.
unsafe impl Send for Member {}

impl Member {
    /// A member without namespace (an orphan until listed), object and
    /// tasks.
    pub(crate) const fn new() -> Self {
        Self {
            rcu: Opaque::uninit(),
            next: AtomicPtr::new(ptr::null_mut()),
            pprev: AtomicPtr::new(ptr::null_mut()),
            obj: AtomicPtr::new(ptr::null_mut()),
            sibling: AtomicPtr::new(ptr::null_mut()),
            net: ptr::null_mut(),
            tasks: AtomicUsize::new(0),
        }
    }

    /// Makes `self` the orphan member of `obj`, which embeds it.
    pub(crate) fn init_orphan(&self, obj: &ContainerObject) {
        self.obj
            .store(ptr::from_ref(obj).cast_mut(), Ordering::Release);
    }

    /// The object; `None` for a spare.
    ///
    /// The caller holds a task slot's claim on the member or is in an RCU
    /// read-side critical section.
    pub(crate) fn obj(&self) -> Option<&ContainerObject> {
        // SAFETY: A member's object outlives the member's use: it holds a
        // reference while it has tasks or is listed, and objects are freed
        // an RCU grace period after their release.
        unsafe { self.obj.load(Ordering::Acquire).as_ref() }
    }

    fn is_orphan(&self) -> bool {
        self.net.is_null()
    }
}

/// What is left to do after a task left a member for the last time: drop
/// the member's reference on its object and, for a listed member, free it
/// after a grace period.  Dropped in sleepable context, or consumed by
/// [`Released::finish_not_last`].
pub(crate) struct Released {
    member: Option<*mut Member>,
    obj: Option<ARef<ContainerObject>>,
}

impl Released {
    /// Finishes where sleeping is not allowed, because the caller knows the
    /// object keeps another reference (the task moved to another member of
    /// the same object).
    pub(crate) fn finish_not_last(mut self) {
        if let Some(obj) = self.obj.take() {
            object::put_not_last(obj);
        }
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        if let Some(m) = self.member.take() {
            // SAFETY: The member is unlinked and no slot points to it; the
            // callback frees it once current readers are done.
            unsafe {
                bindings::call_rcu(Opaque::raw_get(ptr::addr_of!((*m).rcu)), Some(free_member))
            };
        }
        drop(self.obj.take());
    }
}

/// Frees a member an RCU grace period after it was unlinked.
///
/// # Safety
///
/// `head` is the `rcu` field of a member from `KBox::into_raw`.
unsafe extern "C" fn free_member(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the `rcu` field of a `Member`.
    let m = unsafe { kernel::container_of!(head, Member, rcu) };
    // SAFETY: The member came from `KBox::into_raw` and is unlinked, and no
    // slot or reader uses it any more.
    drop(unsafe { KBox::from_raw(m.cast_mut()) });
}

/// The per-namespace state, in the namespace's `net_generic` storage.
///
/// # Invariants
///
/// `lock` is initialised; `head` starts the list of members, changed only
/// under `lock`; `spares` counts the listed members without an object.
#[repr(C)]
pub(crate) struct NetContids {
    lock: Opaque<bindings::spinlock_t>,
    head: AtomicPtr<Member>,
    /// Listed members without an object, changed under `lock`.
    spares: AtomicUsize,
}

/// The lock class of every namespace's lock.
struct LockKey(Opaque<bindings::lock_class_key>);
// SAFETY: Lockdep handles the key's concurrency.
unsafe impl Sync for LockKey {}
static LOCK_KEY: LockKey = LockKey(Opaque::uninit());

/// The pernet registration; `id` is written by the network core.
static NET_ID: AtomicU32 = AtomicU32::new(0);

impl NetContids {
    /// The state of `net`.
    ///
    /// # Safety
    ///
    /// `net` is a live network namespace and the pernet operations are
    /// registered.
    unsafe fn of(net: *mut bindings::net) -> &'static NetContids {
        // SAFETY: `net` is live and our pernet operations are registered, so
        // its `net_generic` slot holds the state `net_init` initialised.
        unsafe { &*bindings::net_generic(net, NET_ID.load(Ordering::Relaxed)).cast::<NetContids>() }
    }

    /// Runs `f` with the lock held.
    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: `lock` is initialised (type invariant).
        let flags = unsafe { bindings::spin_lock_irqsave(self.lock.get()) };
        let r = f();
        // SAFETY: Taken above.
        unsafe { bindings::spin_unlock_irqrestore(self.lock.get(), flags) };
        r
    }

    /// The members, first to last.  Under the lock, or in an RCU read-side
    /// critical section.
    fn members(&self) -> impl Iterator<Item = &Member> + '_ {
        let mut next = self.head.load(Ordering::Acquire);
        core::iter::from_fn(move || {
            // SAFETY: Listed members are freed only an RCU grace period
            // after they were unlinked; the caller holds the lock or is an
            // RCU reader.
            let m = unsafe { next.as_ref()? };
            next = m.next.load(Ordering::Acquire);
            Some(m)
        })
    }

    /// Lists `m` first and gives up the box to the list, which frees it
    /// an RCU grace period after unlinking it.  Under the lock.
    fn link(&self, m: KBox<Member>) -> &Member {
        let m = KBox::into_raw(m);
        // SAFETY: `m` comes from a live box that the list now owns; it stays
        // valid until it is unlinked and a grace period has passed.
        let mr = unsafe { &*m };
        let first = self.head.load(Ordering::Relaxed);
        mr.next.store(first, Ordering::Relaxed);
        mr.pprev
            .store(ptr::from_ref(&self.head).cast_mut(), Ordering::Relaxed);
        // SAFETY: `first` is null or a listed member.
        if let Some(f) = unsafe { first.as_ref() } {
            f.pprev
                .store(ptr::from_ref(&mr.next).cast_mut(), Ordering::Relaxed);
        }
        // Release: readers that find `m` see it initialised.
        self.head.store(m, Ordering::Release);
        mr
    }

    /// Unlinks `m`.  Under the lock; readers may still see it for a grace
    /// period.
    fn unlink(&self, m: &Member) {
        let pprev = m.pprev.swap(ptr::null_mut(), Ordering::Relaxed);
        if pprev.is_null() {
            return;
        }
        let next = m.next.load(Ordering::Relaxed);
        // SAFETY: `next` is null or a listed member.
        if let Some(n) = unsafe { next.as_ref() } {
            n.pprev.store(pprev, Ordering::Relaxed);
        }
        // SAFETY: `pprev` points to the head or to a listed member's `next`.
        unsafe { (*pprev).store(next, Ordering::Release) };
    }

    /// Counts a task of `obj` in this namespace: joins the member of `obj`,
    /// or claims a spare, or lists `spare` (allocated by the caller) or,
    /// with `gfp`, a member allocated here.  `None` if none of them exists.
    ///
    /// # Safety
    ///
    /// `net` is the live namespace whose state `self` is.
    unsafe fn join<'a>(
        &'a self,
        net: *mut bindings::net,
        obj: &ContainerObject,
        spare: &mut Option<KBox<Member>>,
        gfp: Option<kernel::alloc::Flags>,
    ) -> Option<&'a Member> {
        self.locked(|| {
            if let Some(m) = obj.members().find(net) {
                // SAFETY: A member listed in `net`, whose lock is held; it
                // stays valid while it counts the task added here.
                let m = unsafe { m.as_ref() };
                add_task(m);
                return Some(m);
            }
            let free = if self.spares.load(Ordering::Relaxed) == 0 {
                None
            } else {
                self.members().find(|m| m.obj().is_none())
            };
            let m: &Member = match free {
                Some(m) => {
                    self.spares.fetch_sub(1, Ordering::Relaxed);
                    m
                }
                None => {
                    let mut new = match spare.take() {
                        Some(s) => s,
                        None => KBox::new(Member::new(), gfp?).ok()?,
                    };
                    new.net = net;
                    self.link(new)
                }
            };
            // INVARIANT: A listed member with an object holds a reference.
            let r = ARef::from(obj);
            m.obj.store(ARef::into_raw(r).as_ptr(), Ordering::Release);
            obj.members().add(m);
            add_task(m);
            Some(m)
        })
    }
}

/// The lock class of every object's member list.
static OBJ_LOCK_KEY: LockKey = LockKey(Opaque::uninit());

/// The listed members of one object, linked through [`Member::sibling`]:
/// one per namespace that its tasks use, usually one.
///
/// # Invariants
///
/// After [`ObjMembers::init`], `lock` is initialised; `head` and the
/// `sibling` links change only under it, which is taken only under the
/// lock of the namespace of the member added, removed or looked for.  So
/// while a namespace's lock is held, whether the object has a member there
/// cannot change.
pub(crate) struct ObjMembers {
    lock: Opaque<bindings::spinlock_t>,
    head: AtomicPtr<Member>,
}

impl ObjMembers {
    /// An empty list; [`ObjMembers::init`] must run before it is used.
    pub(crate) const fn new() -> Self {
        Self {
            lock: Opaque::uninit(),
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Initialises the lock in place, at the list's final address.
    pub(crate) fn init(&self) {
        // SAFETY: The caller owns the new object that embeds `self`, so no
        // one uses the lock yet; its class key is static.
        unsafe {
            bindings::__spin_lock_init(
                self.lock.get(),
                c"audit_containerid:obj".as_ptr().cast(),
                OBJ_LOCK_KEY.0.get(),
            )
        };
    }

    /// Runs `f` with the lock held.  Under a namespace's lock, so with
    /// interrupts disabled.
    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: Initialised by `init` (type invariant).
        unsafe { bindings::spin_lock(self.lock.get()) };
        let r = f();
        // SAFETY: Taken above.
        unsafe { bindings::spin_unlock(self.lock.get()) };
        r
    }

    /// The member in `net`, if any.  Under the lock of `net`.
    fn find(&self, net: *mut bindings::net) -> Option<NonNull<Member>> {
        self.locked(|| {
            let mut next = self.head.load(Ordering::Relaxed);
            // SAFETY: The members on the list are listed, hence valid.
            while let Some(m) = unsafe { next.as_ref() } {
                if m.net == net {
                    return Some(NonNull::from(m));
                }
                next = m.sibling.load(Ordering::Relaxed);
            }
            None
        })
    }

    /// Adds `m`, just given the object.  Under the lock of `m`'s namespace.
    fn add(&self, m: &Member) {
        self.locked(|| {
            m.sibling
                .store(self.head.load(Ordering::Relaxed), Ordering::Relaxed);
            self.head
                .store(ptr::from_ref(m).cast_mut(), Ordering::Relaxed);
        });
    }

    /// Removes `m`, being unlinked.  Under the lock of `m`'s namespace.
    fn remove(&self, m: &Member) {
        self.locked(|| {
            let mut link = &self.head;
            // SAFETY: The members on the list are listed, hence valid.
            while let Some(cur) = unsafe { link.load(Ordering::Relaxed).as_ref() } {
                if ptr::eq(cur, m) {
                    link.store(m.sibling.load(Ordering::Relaxed), Ordering::Relaxed);
                    return;
                }
                link = &cur.sibling;
            }
        });
    }
}

/// One more task in `m`.  Under the lock of `m`'s namespace.
fn add_task(m: &Member) {
    // Release: a packet-path reader that sees the count (Acquire) sees the
    // member's object.
    if m.tasks.fetch_add(1, Ordering::Release) == 0 {
        NET_ENTRIES.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts a task of `obj`, which has no namespace or could not be counted
/// in one, in `obj`'s orphan member.
fn join_orphan(obj: &ContainerObject) -> &Member {
    let m = obj.orphan();
    if m.tasks.fetch_add(1, Ordering::AcqRel) == 0 {
        // INVARIANT: The orphan holds a reference while it has tasks.
        core::mem::forget(ARef::from(obj));
    }
    m
}

/// Counts a task of `obj` that uses `net`, allocating nothing: joins the
/// member of `obj` or a spare of `net`.  Falls back to the orphan, and
/// counts the loss.
///
/// # Safety
///
/// `net` is null or a live namespace, and the pernet operations are
/// registered.  The caller holds a reference on `obj`.
pub(crate) unsafe fn join<'a>(
    net: *mut bindings::net,
    obj: &'a ContainerObject,
    spare: &mut Option<KBox<Member>>,
    gfp: Option<kernel::alloc::Flags>,
) -> &'a Member {
    if net.is_null() {
        return join_orphan(obj);
    }
    // SAFETY: `net` is not null, hence live, and the pernet operations are
    // registered (the caller's guarantees).
    let state = unsafe { NetContids::of(net) };
    // SAFETY: `state` is the state of `net`, which is live.
    match unsafe { state.join(net, obj, spare, gfp) } {
        Some(m) => m,
        None => {
            lost(c"audit_containerid: contid not attributed to a netns");
            join_orphan(obj)
        }
    }
}

/// The member a child forked by a task of `parent` joins, in namespace
/// `net`: `parent` itself when the child shares its namespace (a counter
/// increment), else the member of `parent`'s object or the spare in the
/// child's new namespace.  Allocates nothing.
///
/// # Safety
///
/// `parent` is the member of the forking task, `net` the child's live
/// namespace; the pernet operations are registered.
pub(crate) unsafe fn join_fork<'a>(parent: &'a Member, net: *mut bindings::net) -> &'a Member {
    // A task slot's member always has an object (spares are in no slot).
    let Some(obj) = parent.obj() else {
        return parent;
    };
    if parent.is_orphan() {
        return join_orphan(obj);
    }
    if parent.net == net {
        // SAFETY: `net` is live (the child's namespace).
        unsafe { NetContids::of(net) }.locked(|| add_task(parent));
        return parent;
    }
    // SAFETY: `net` is the child's live namespace, and the parent's member
    // holds a reference on `obj`.
    unsafe { join(net, obj, &mut None, None) }
}

/// A task leaves `m`.  If it was the last, the member is unlinked and the
/// caller finishes the returned [`Released`].
pub(crate) fn leave(m: &Member) -> Option<Released> {
    if m.is_orphan() {
        if m.tasks.fetch_sub(1, Ordering::AcqRel) != 1 {
            return None;
        }
        // SAFETY: The reference the orphan held while it had tasks.
        let obj = m.obj().map(|o| unsafe { ARef::from_raw(NonNull::from(o)) });
        return Some(Released { member: None, obj });
    }
    // SAFETY: A member with tasks is listed in a live namespace: each task
    // holds its namespace through its nsproxy.
    let state = unsafe { NetContids::of(m.net) };
    let last = state.locked(|| {
        if m.tasks.fetch_sub(1, Ordering::Relaxed) != 1 {
            return false;
        }
        NET_ENTRIES.fetch_sub(1, Ordering::Relaxed);
        state.unlink(m);
        if let Some(obj) = m.obj() {
            obj.members().remove(m);
        }
        true
    });
    if !last {
        return None;
    }
    let obj = m.obj.swap(ptr::null_mut(), Ordering::Relaxed);
    Some(Released {
        member: Some(ptr::from_ref(m).cast_mut()),
        // SAFETY: The listed member's reference, now ours.
        obj: NonNull::new(obj).map(|p| unsafe { ARef::from_raw(p) }),
    })
}

/// Moves the loss of an attribution to the audit lost counter.
fn lost(why: &core::ffi::CStr) {
    // SAFETY: `audit_log_lost` takes a constant string and may be called in
    // any context.
    unsafe { bindings::audit_log_lost(why.as_ptr().cast()) };
}

/// Pernet init: sets up a new namespace's state, with a spare member when
/// a tagged task creates it (fork with `CLONE_NEWNET`, `unshare`), so that
/// the fork hook need not allocate.
///
/// # Safety
///
/// Called by the network core for a new namespace, in process context.
unsafe extern "C" fn net_init(net: *mut bindings::net) -> c_int {
    // SAFETY: `net_generic` points to zeroed storage of our size.
    let state =
        unsafe { bindings::net_generic(net, NET_ID.load(Ordering::Relaxed)) }.cast::<NetContids>();
    // SAFETY: Initialising the lock in place, with a static class key.
    unsafe {
        bindings::__spin_lock_init(
            Opaque::raw_get(ptr::addr_of!((*state).lock)),
            c"audit_containerid:net".as_ptr().cast(),
            LOCK_KEY.0.get(),
        )
    };
    // INVARIANT: The lock is initialised; the zeroed `head` is null and
    // `spares` zero.
    // SAFETY: Initialised above; the namespace outlives its state's users.
    let state = unsafe { &*state };
    if crate::task::has_slot(kernel::current!()) {
        // Out of memory: no spare, and the fork or unshare that follows
        // counts the loss.
        if let Ok(mut spare) = KBox::new(Member::new(), GFP_KERNEL) {
            spare.net = net;
            state.locked(|| {
                state.link(spare);
                state.spares.fetch_add(1, Ordering::Relaxed);
            });
        }
    }
    0
}

/// Pernet exit: frees a dead namespace's members (spares; no task uses the
/// namespace any more).
///
/// # Safety
///
/// Called by the network core once no task uses `net`, in process context.
unsafe extern "C" fn net_exit(net: *mut bindings::net) {
    // SAFETY: Our state, initialised by `net_init`.
    let state = unsafe { NetContids::of(net) };
    loop {
        let m = state.locked(|| {
            let m = state.head.load(Ordering::Relaxed);
            // SAFETY: Null or a listed member.
            if let Some(mr) = unsafe { m.as_ref() } {
                state.unlink(mr);
                match mr.obj() {
                    Some(obj) => obj.members().remove(mr),
                    None => {
                        state.spares.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
            m
        });
        // SAFETY: Unlinked above; only this function can free it now.
        let Some(mr) = (unsafe { m.as_ref() }) else {
            break;
        };
        let tasks = mr.tasks.load(Ordering::Relaxed);
        if tasks != 0 {
            // Cannot happen: a task holds its namespace.  Leak rather than
            // free what a slot points to.
            pr_err!("netns freed with {} counted tasks\n", tasks);
            continue;
        }
        let obj = mr.obj.swap(ptr::null_mut(), Ordering::Relaxed);
        drop(Released {
            member: Some(m),
            // SAFETY: The listed member's reference, now ours.
            obj: NonNull::new(obj).map(|p| unsafe { ARef::from_raw(p) }),
        });
    }
}

/// Registers the per-namespace state; dropping it unregisters.
///
/// # Invariants
///
/// `ops` is registered with `register_pernet_subsys()` until `drop`.
pub(crate) struct NetRegistration {
    ops: KBox<Opaque<bindings::pernet_operations>>,
}

// SAFETY: `NetRegistration` gives no access to `ops`: after registration
// only the network core uses it, under its own lock, and `drop` takes it
// back from any thread once unregistered.
unsafe impl Send for NetRegistration {}
// SAFETY: As above; `&NetRegistration` allows nothing.
unsafe impl Sync for NetRegistration {}

impl NetRegistration {
    pub(crate) fn new() -> Result<Self> {
        let ops = KBox::new(Opaque::<bindings::pernet_operations>::uninit(), GFP_KERNEL)?;
        let p = ops.get();
        // SAFETY: `p` points to memory we own; zeroed, then the fields we use
        // are set.  `id` and `size` are const in C, hence the raw writes.
        unsafe {
            p.write_bytes(0, 1);
            ptr::addr_of_mut!((*p).init).write(Some(net_init));
            ptr::addr_of_mut!((*p).exit).write(Some(net_exit));
            ptr::addr_of_mut!((*p).id)
                .cast::<*mut u32>()
                .write(NET_ID.as_ptr());
            ptr::addr_of_mut!((*p).size)
                .cast::<usize>()
                .write(core::mem::size_of::<NetContids>());
        }
        // SAFETY: The boxed `ops` stays at its address until `drop`
        // unregisters it.
        kernel::error::to_result(unsafe { bindings::register_pernet_subsys(p) })?;
        // INVARIANT: Registered above.
        Ok(Self { ops })
    }
}

impl Drop for NetRegistration {
    fn drop(&mut self) {
        // SAFETY: Registered in `new` (type invariant).
        unsafe { bindings::unregister_pernet_subsys(self.ops.get()) };
        // SAFETY: Waits for the `free_member` callbacks queued above.
        unsafe { bindings::rcu_barrier() };
    }
}

/// Runs `f` on each object with tasks in `net`, until it breaks.
///
/// # Safety
///
/// `net` is a live namespace and the caller is in an RCU read-side
/// critical section (the C hook runs it in one).
pub(crate) unsafe fn for_each_object(
    net: *mut bindings::net,
    mut f: impl FnMut(&ContainerObject) -> ControlFlow<()>,
) {
    // SAFETY: The caller passes a live namespace, and the pernet operations
    // are registered while hooks run.
    let state = unsafe { NetContids::of(net) };
    for m in state.members() {
        if m.tasks.load(Ordering::Acquire) == 0 {
            continue;
        }
        if let Some(obj) = m.obj() {
            if f(obj).is_break() {
                return;
            }
        }
    }
}

/// Does any task with a contid use `net`?
///
/// # Safety
///
/// As for [`for_each_object`].
pub(crate) unsafe fn active(net: *mut bindings::net) -> bool {
    let mut any = false;
    // SAFETY: Same namespace and RCU section as our caller's.
    unsafe {
        for_each_object(net, |_| {
            any = true;
            ControlFlow::Break(())
        })
    };
    any
}
