// SPDX-License-Identifier: GPL-2.0

//! Typed access to the tasks the hooks pass in: the `task_struct` fields the
//! module reads, the `audit_contobj` slot, and the lock that freezes a
//! target while its slot changes ([`TargetGuard`]).
//!
//! `rust/bindings/lib.rs` of the series fails the build if bindgen lays out
//! any of the fields read here elsewhere than C does.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::bindings;
use kernel::task::Task;

use crate::netns::Member;

/// The raw pointer behind `task`, for the C functions that take one.
pub(crate) fn raw(task: &Task) -> *mut bindings::task_struct {
    ptr::from_ref(task)
        .cast::<bindings::task_struct>()
        .cast_mut()
}

/// The task behind `ptr`.
///
/// # Safety
///
/// `ptr` is a valid task that stays valid for `'a`.
pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::task_struct) -> &'a Task {
    // SAFETY: `Task` is a transparent wrapper of `task_struct`, and the
    // caller keeps `ptr` valid for `'a`.
    unsafe { &*ptr.cast::<Task>() }
}

/// The process id of `task` (its thread group's), in the initial namespace.
pub(crate) fn tgid(task: &Task) -> i32 {
    task.group_leader().pid()
}

/// Are `a` and `b` threads of one process (C's `same_thread_group()`)?
pub(crate) fn same_process(a: &Task, b: &Task) -> bool {
    // SAFETY: Both tasks are valid; `signal` is set at fork and not changed
    // until the task is reaped.
    unsafe { ptr::eq((*raw(a)).signal, (*raw(b)).signal) }
}

/// The audit context of current's syscall; null outside one.
pub(crate) fn current_audit_context() -> *mut bindings::audit_context {
    // SAFETY: Current is valid and only current changes its own
    // `audit_context`.
    unsafe { (*raw(kernel::current!())).audit_context }
}

/// `task`'s slot, as an atomic pointer.
fn slot_of(task: &Task) -> &AtomicPtr<Member> {
    // SAFETY: `audit_contobj` is a pointer-sized, aligned field of a valid
    // task, written only through this atomic view (or by C's
    // `RCU_INIT_POINTER()` before the task runs).
    unsafe { AtomicPtr::from_ptr(ptr::addr_of_mut!((*raw(task)).audit_contobj).cast()) }
}

/// The member in `task`'s slot, for a reader in an RCU read-side critical
/// section ([`RcuGuard`]); members are freed a grace period after they
/// leave their last slot.
pub(crate) fn rcu_slot<'a>(task: &Task, _rcu: &'a RcuGuard) -> Option<&'a Member> {
    // SAFETY: See above; the acquire load pairs with the release store of
    // [`TargetGuard::replace`] and [`ForkGuard::set_child`].
    unsafe { slot_of(task).load(Ordering::Acquire).as_ref() }
}

/// Does `task` have a contid?  Safe anywhere: the slot is not dereferenced.
pub(crate) fn has_slot(task: &Task) -> bool {
    !slot_of(task).load(Ordering::Relaxed).is_null()
}

/// An RCU read-side critical section, left when dropped.
pub(crate) struct RcuGuard {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl RcuGuard {
    /// Enters a read-side critical section.
    pub(crate) fn new() -> Self {
        // SAFETY: No precondition; paired with `drop`.
        unsafe { bindings::rcu_read_lock() };
        Self {
            _not_send: core::marker::PhantomData,
        }
    }
}

impl RcuGuard {
    /// The read-side critical section the caller is in already: the C side
    /// runs the operations that must not sleep in one.  Dropping the value
    /// does not leave it.
    ///
    /// # Safety
    ///
    /// The caller stays in an RCU read-side critical section while the
    /// value lives.
    pub(crate) unsafe fn held() -> core::mem::ManuallyDrop<Self> {
        core::mem::ManuallyDrop::new(Self {
            _not_send: core::marker::PhantomData,
        })
    }
}

impl Drop for RcuGuard {
    fn drop(&mut self) {
        // SAFETY: Entered in `new`, on this CPU (`RcuGuard` is not `Send`).
        unsafe { bindings::rcu_read_unlock() };
    }
}

/// A target task, frozen by `audit_contid_lock_target()`: it gains no child
/// or thread, its ancestry does not change, it does not pass the exit hook,
/// and only the holder changes its slot.
///
/// The other threads of a target's process are frozen the same way, one at
/// a time, by [`TargetGuard::for_each_other_thread`].
///
/// # Invariants
///
/// `tasklist_lock` is held for reading and `task_lock(task)` is held until
/// `drop`: both taken by `audit_contid_lock_target()` when `outer`, else
/// `task_lock()` only, under an outer guard of another thread of the
/// process.
pub(crate) struct TargetGuard<'a> {
    task: &'a Task,
    outer: bool,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<'a> TargetGuard<'a> {
    /// Locks `task`.  Sleepable context only (it spins with the lock).
    pub(crate) fn lock(task: &'a Task) -> Self {
        // SAFETY: `task` is valid; unlocked in `drop`.
        unsafe { bindings::audit_contid_lock_target(raw(task)) };
        // INVARIANT: Locked above.
        Self {
            task,
            outer: true,
            _not_send: core::marker::PhantomData,
        }
    }

    /// Runs `f` on every other thread of the target's process that is not
    /// exiting, each locked with `task_lock()` in turn.
    ///
    /// `tasklist_lock` stays held, so the process gains no thread and the
    /// list of its threads does not change.  The target's own `task_lock()`
    /// is released meanwhile, so that no two are ever nested.
    pub(crate) fn for_each_other_thread(&mut self, mut f: impl FnMut(&mut TargetGuard<'_>)) {
        let t = raw(self.task);
        // SAFETY: `task_lock(t)` is held (type invariant) and taken back
        // below, before anything else uses the guard.
        unsafe { bindings::spin_unlock(ptr::addr_of_mut!((*t).alloc_lock)) };
        // SAFETY: `tasklist_lock` is held (type invariant) until the walk
        // is over.
        for th in unsafe { threads(t) } {
            if ptr::eq(th, t) {
                continue;
            }
            // SAFETY: A listed thread is valid under `tasklist_lock`, which
            // removes it from the list only when held for writing.
            unsafe { bindings::spin_lock(ptr::addr_of_mut!((*th).alloc_lock)) };
            // INVARIANT: `tasklist_lock` is held by `self`, `task_lock(th)`
            // just above; released in `drop`.
            let mut guard = TargetGuard {
                // SAFETY: As above, `th` stays valid while it is locked.
                task: unsafe { from_raw(th) },
                outer: false,
                _not_send: core::marker::PhantomData,
            };
            if !guard.is_exiting() {
                f(&mut guard);
            }
        }
        // SAFETY: Released above; `tasklist_lock` is still held.
        unsafe { bindings::spin_lock(ptr::addr_of_mut!((*t).alloc_lock)) };
    }

    /// Has the task started to exit?  If it has not, its exit hook, which
    /// takes `task_lock()` after setting `PF_EXITING`, will see the slot.
    fn is_exiting(&self) -> bool {
        // SAFETY: `flags` of a valid task; `PF_EXITING` is ordered by
        // `task_lock()`, held (type invariant).
        unsafe { (*raw(self.task)).flags & bindings::PF_EXITING != 0 }
    }

    /// The member in the slot; stable while the guard lives.
    pub(crate) fn slot(&self) -> Option<&Member> {
        // SAFETY: Only a holder of the lock changes the slot (type
        // invariant), and a member stays valid while a slot points to it.
        unsafe { slot_of(self.task).load(Ordering::Acquire).as_ref() }
    }

    /// Points the slot to `new`; returns what was there, still counting
    /// the task.  RCU readers may see the old member until a grace period.
    pub(crate) fn replace(&mut self, new: Option<&Member>) -> Option<&'a Member> {
        let new = new.map_or(ptr::null_mut(), |m| ptr::from_ref(m).cast_mut());
        // SAFETY: The old member counts the task, so it stays valid until the
        // caller makes the task leave it.
        unsafe { slot_of(self.task).swap(new, Ordering::AcqRel).as_ref() }
    }

    /// The network namespace of the task; null once it left its namespaces.
    pub(crate) fn net(&self) -> *mut bindings::net {
        // SAFETY: `task_lock()` is held (type invariant), which keeps
        // `nsproxy` and what it points to stable.
        unsafe { net_of(self.task) }
    }

    /// Is the task a thread-group leader, not exiting, whose process has
    /// no child (of any of its threads)?
    ///
    /// Its contid, given to every thread of the process, then covers
    /// everything the process will ever create.
    pub(crate) fn is_childless_leader(&self) -> bool {
        let t = raw(self.task);
        // SAFETY: `tasklist_lock` is held (type invariant), which keeps the
        // thread list, the children lists and `group_leader` (changed by
        // `de_thread()` under it) stable.
        unsafe {
            ptr::eq((*t).group_leader, t)
                && !self.is_exiting()
                && threads(t).all(|th| {
                    let children = ptr::addr_of_mut!((*th).children);
                    ptr::eq((*children).next, children)
                })
        }
    }

    /// Is the task the init of a PID namespace other than `writer`'s, and
    /// a child of `writer`'s parent process?
    ///
    /// That is a container's first process as an OCI runtime hook sees it:
    /// the runtime forks both the container's init (into a new PID
    /// namespace) and the hook, so the hook is the init's sibling, not its
    /// ancestor.  The runtime is the orchestrator; its hook writes for it.
    pub(crate) fn is_sibling_init_of(&self, writer: &Task) -> bool {
        let (t, w) = (raw(self.task), raw(writer));
        // SAFETY: `tasklist_lock` is held (type invariant), which keeps both
        // tasks' `real_parent` and pids stable; a task's active PID
        // namespace lives as long as its pid, and `level` and
        // `child_reaper` come before any field that depends on the
        // configuration.
        unsafe {
            if !same_process(from_raw((*t).real_parent), from_raw((*w).real_parent)) {
                return false;
            }
            let ns = bindings::task_active_pid_ns(t);
            !ns.is_null()
                && !ptr::eq(ns, bindings::task_active_pid_ns(w))
                && (*ns).level > 0
                && ptr::eq((*ns).child_reaper, t)
        }
    }

    /// Is the task below `ancestor`'s process in the process tree?
    pub(crate) fn is_descendant_of(&self, ancestor: &Task) -> bool {
        // SAFETY: `tasklist_lock` is held (type invariant).
        unsafe { is_descendant(ancestor, self.task) }
    }
}

impl Drop for TargetGuard<'_> {
    fn drop(&mut self) {
        let t = raw(self.task);
        if self.outer {
            // SAFETY: Locked in `lock` (type invariant).
            unsafe { bindings::audit_contid_unlock_target(t) };
        } else {
            // SAFETY: Locked in `for_each_other_thread` (type invariant).
            unsafe { bindings::spin_unlock(ptr::addr_of_mut!((*t).alloc_lock)) };
        }
    }
}

/// The threads of `t`'s process.
///
/// # Safety
///
/// `t` is valid and the caller holds `tasklist_lock` while it uses the
/// iterator, so that no thread leaves the list.
unsafe fn threads(
    t: *mut bindings::task_struct,
) -> impl Iterator<Item = *mut bindings::task_struct> {
    // SAFETY: `signal` is valid for a task that has not been reaped, and
    // `thread_head` lists its threads through `thread_node`.
    let head = unsafe { ptr::addr_of_mut!((*(*t).signal).thread_head) };
    // SAFETY: As above.
    let mut pos = unsafe { (*head).next };
    core::iter::from_fn(move || {
        if ptr::eq(pos, head) {
            return None;
        }
        // SAFETY: `pos` is the `thread_node` of a listed thread, which the
        // caller's `tasklist_lock` keeps valid and listed.
        unsafe {
            let th = kernel::container_of!(pos, bindings::task_struct, thread_node);
            pos = (*pos).next;
            Some(th.cast_mut())
        }
    })
}

/// Is `task` below `ancestor`'s process?  A process is not its own
/// descendant.
///
/// # Safety
///
/// The caller holds `tasklist_lock` or is in an RCU read-side critical
/// section, so that the real parents met stay valid.
pub(crate) unsafe fn is_descendant(ancestor: &Task, task: &Task) -> bool {
    if same_process(ancestor, task) {
        return false;
    }
    let mut walker = raw(task);
    // SAFETY: Under `tasklist_lock` or RCU (the caller's) every real parent
    // met is valid;
    // the walk ends at the idle task, whose pid is 0.
    unsafe {
        while (*walker).pid > 0 {
            walker = ptr::read_volatile(ptr::addr_of!((*walker).real_parent));
            if same_process(from_raw(walker), ancestor) {
                return true;
            }
        }
    }
    false
}

/// The network namespace of `task`; null once it left its namespaces.
///
/// # Safety
///
/// `task` is current, or not yet running, or locked with `task_lock()`.
pub(crate) unsafe fn net_of(task: &Task) -> *mut bindings::net {
    // SAFETY: `task` is current, not running yet or locked (the caller's
    // guarantee), so `nsproxy` is stable and, when not
    // null, valid.
    unsafe {
        let ns = (*raw(task)).nsproxy;
        if ns.is_null() {
            ptr::null_mut()
        } else {
            (*ns).net_ns
        }
    }
}

/// Proof that `task_lock()` of a task is held, for the namespace switch
/// hook: every slot change takes that lock too, or runs before the task does.
///
/// # Invariants
///
/// `task` is locked with `task_lock()` while the value lives.
pub(crate) struct TaskLocked<'a> {
    task: &'a Task,
}

impl<'a> TaskLocked<'a> {
    /// # Safety
    ///
    /// The caller holds `task_lock(task)` while the value lives.
    pub(crate) unsafe fn assume(task: &'a Task) -> Self {
        // INVARIANT: The caller holds `task_lock(task)` while we live.
        Self { task }
    }

    /// The member in the slot; stable while the lock is held.
    pub(crate) fn slot(&self) -> Option<&'a Member> {
        // SAFETY: Only a holder of `task_lock()` changes the slot of a running
        // task, and a member stays valid while a slot points to it.
        unsafe { slot_of(self.task).load(Ordering::Acquire).as_ref() }
    }

    /// Points the slot to `m`, which counts the task; the caller makes the
    /// task leave the member it replaced.
    pub(crate) fn replace(&self, m: &Member) {
        slot_of(self.task).store(ptr::from_ref(m).cast_mut(), Ordering::Release);
    }
}

/// The fork hook's proof that `tasklist_lock` is held for writing, so that
/// no set changes current's slot and the child is not running yet.
///
/// # Invariants
///
/// Exists only inside the fork hook.
pub(crate) struct ForkGuard<'a> {
    child: &'a Task,
}

impl<'a> ForkGuard<'a> {
    /// # Safety
    ///
    /// Called by the fork hook, with `tasklist_lock` held for writing, for
    /// `child`, which current is forking.
    pub(crate) unsafe fn new(child: &'a Task) -> Self {
        // INVARIANT: Only the fork hook, under `tasklist_lock`, creates one.
        Self { child }
    }

    /// Current's member; stable while `tasklist_lock` is held for writing.
    pub(crate) fn parent_slot(&self) -> Option<&'a Member> {
        // SAFETY: Every slot change of current takes `tasklist_lock` (for
        // reading) or is current's own exit, which is not running now.
        unsafe { slot_of(kernel::current!()).load(Ordering::Acquire).as_ref() }
    }

    /// The child's network namespace.
    pub(crate) fn child_net(&self) -> *mut bindings::net {
        // SAFETY: The child is not running yet (type invariant).
        unsafe { net_of(self.child) }
    }

    /// The member of the init of the PID namespace the child enters, when
    /// that is not current's namespace and the init has a contid.
    ///
    /// The member is valid in the hook's RCU read-side critical section
    /// (`rcu`), which the C side holds across the hook.
    pub(crate) fn entered_claim<'r>(&self, _rcu: &'r RcuGuard) -> Option<&'r Member> {
        let child = raw(self.child);
        // SAFETY: The child is not running yet, so its `nsproxy` is stable;
        // the namespace its pid was allocated in is
        // `nsproxy->pid_ns_for_children` and is live.  It still admits
        // tasks (`copy_process()` checked `PIDNS_ADDING` under
        // `tasklist_lock`), so its init has not passed `exit_notify()` and
        // `child_reaper` is that init, valid in the RCU section; a task
        // slot's member is valid in it too.  `child_reaper` comes before any
        // field that depends on the configuration.
        unsafe {
            let nsproxy = (*child).nsproxy;
            if nsproxy.is_null() {
                return None;
            }
            let ns = (*nsproxy).pid_ns_for_children;
            if ns.is_null() || ptr::eq(ns, bindings::task_active_pid_ns(raw(kernel::current!()))) {
                return None;
            }
            let init = (*ns).child_reaper;
            if init.is_null() {
                return None;
            }
            slot_of(from_raw(init)).load(Ordering::Acquire).as_ref()
        }
    }

    /// Points the child's empty slot to `m`, which counts it.
    pub(crate) fn set_child(&self, m: &Member) {
        slot_of(self.child).store(ptr::from_ref(m).cast_mut(), Ordering::Release);
    }
}
