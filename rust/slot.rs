// SPDX-License-Identifier: GPL-2.0

//! The task extension table: each task's `audit_contobj` slot points to the
//! [`Member`] that counts it, the tasks of one [`ContainerObject`] in one
//! network namespace (see [`crate::netns`]).
//!
//! Readers follow a slot in an RCU read-side critical section, without a
//! lock, in O(1).  Every change of a locked task's slot goes through
//! [`move_task`], which keeps the slot, the namespace member and the task
//! count consistent; fork and namespace switches, which run under other
//! locks, have their own entry points below.

use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::task::Task;
use kernel::types::ARef;

use crate::netns::{self, Member, Released};
use crate::object::{self, ContainerObject};
use crate::task::{self, ForkGuard, RcuGuard, TargetGuard, TaskLocked};

/// Number of tasks whose slot holds an object.
pub(crate) static TASKS: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` on the object of `task`, without taking a reference.
///
/// `f` runs in an RCU read-side critical section and must not sleep.
pub(crate) fn with_object<R>(task: &Task, f: impl FnOnce(Option<&ContainerObject>) -> R) -> R {
    let rcu = RcuGuard::new();
    f(task::rcu_slot(task, &rcu).and_then(Member::obj))
}

/// A reference on the object of `task`, if it has one.
pub(crate) fn object_of(task: &Task) -> Option<ARef<ContainerObject>> {
    with_object(task, |obj| obj.and_then(ContainerObject::try_get))
}

/// Moves the locked `target` to `obj` (or out of any object, for `None`),
/// counting it in `obj`'s member of its namespace (allocated from `spare`
/// when needed).  Returns the object it left, if any, and what is left to
/// finish of the member it left; drop both after the target lock.
pub(crate) fn move_task(
    target: &mut TargetGuard<'_>,
    obj: Option<&ContainerObject>,
    spare: &mut Option<KBox<Member>>,
) -> (Option<ARef<ContainerObject>>, Option<Released>) {
    let joined = obj.map(|obj| {
        // SAFETY: The target is locked, so its namespace is stable and live;
        // the caller holds a reference on `obj`.
        unsafe { netns::join(target.net(), obj, spare, Some(GFP_ATOMIC)) }
    });
    let left = target.replace(joined);
    match (left.is_some(), joined.is_some()) {
        (false, true) => {
            TASKS.fetch_add(1, Ordering::Relaxed);
        }
        (true, false) => {
            TASKS.fetch_sub(1, Ordering::Relaxed);
        }
        _ => {}
    }
    let Some(left) = left else {
        return (None, None);
    };
    // The member still counts the target, so it holds a reference on its
    // object, until the target leaves it here.
    let old = left.obj().map(ARef::from);
    (old, netns::leave(left))
}

/// Moves the other threads of the locked `target`'s process to `obj`, as
/// [`move_task`] just moved `target` itself out of `old`: a process is
/// tagged as a whole.
///
/// A thread in a namespace where `obj` has no member yet, once `spare` is
/// used, gets one allocated atomically (or the orphan), as a namespace
/// switch does.
pub(crate) fn move_other_threads(
    target: &mut TargetGuard<'_>,
    obj: &ContainerObject,
    old: Option<&ARef<ContainerObject>>,
    spare: &mut Option<KBox<Member>>,
) {
    target.for_each_other_thread(|thread| {
        // Every thread of a process has its object: threads inherit it at
        // `clone()` (never across PID namespaces, which `copy_process()`
        // refuses), and sets change all of them under `tasklist_lock`.  A
        // thread that started to exit is not passed here.  So the check
        // below never fails; were it to, the thread is left alone rather
        // than dropping a reference the caller does not hold.
        let cur = thread.slot().and_then(Member::obj).map(ptr::from_ref);
        if cur != old.map(|o| ptr::from_ref(&**o)) {
            return;
        }
        let (left, released) = move_task(thread, Some(obj), spare);
        // `old`, held by the caller, keeps the object the thread left: no
        // reference dropped here is the last.
        if let Some(left) = left {
            object::put_not_last(left);
        }
        if let Some(released) = released {
            released.finish_not_last();
        }
    });
}

/// Gives `child`, a task being forked by current, current's object; or, if
/// the child enters another PID namespace whose init has an object, that
/// object, when current has none or it is nested below current's.  So a
/// process that a runtime starts inside a running container (`runc exec`,
/// `nsenter -p`) belongs to the container, and a task of one container
/// that enters another's namespace keeps its own.
///
/// Allocates nothing and does not search (see [`netns::join_fork`]).
///
/// # Safety
///
/// Called in the fork hook's RCU read-side critical section.
pub(crate) unsafe fn inherit(fork: &ForkGuard<'_>) {
    // SAFETY: The caller's RCU section lasts as long as this call.
    let rcu = unsafe { RcuGuard::held() };
    let parent = fork.parent_slot();
    let from = match (fork.entered_claim(&rcu), parent) {
        (Some(claim), Some(p)) if !nested_below(claim, p) => p,
        (Some(claim), _) => claim,
        (None, Some(p)) => p,
        (None, None) => return,
    };
    // SAFETY: The child is not running yet, so its namespace is live.
    let m = unsafe { netns::join_fork(from, fork.child_net()) };
    TASKS.fetch_add(1, Ordering::Relaxed);
    fork.set_child(m);
}

/// Is `claim`'s object nested below `parent`'s?
fn nested_below(claim: &Member, parent: &Member) -> bool {
    match (claim.obj(), parent.obj()) {
        (Some(c), Some(p)) => c.is_below(p),
        _ => false,
    }
}

/// Moves `task` to its object's member of namespace `new`.
///
/// # Safety
///
/// `task` is locked with `task_lock()`, and `new` is null or a live
/// namespace.  Does not sleep.
pub(crate) unsafe fn switch_net(task: &Task, new: *mut bindings::net) {
    // SAFETY: `task_lock()` orders this against every other slot change of
    // `task`, which all take it (`TargetGuard`) or run before the task does
    // (fork), so the slot and its member are stable here.
    let locked = unsafe { TaskLocked::assume(task) };
    let Some(old) = locked.slot() else {
        return;
    };
    let Some(obj) = old.obj() else {
        return;
    };
    // SAFETY: `new` is null or live (the caller's guarantee), and `old`
    // holds a reference on `obj`.
    let m = unsafe { netns::join(new, obj, &mut None, Some(GFP_ATOMIC)) };
    locked.replace(m);
    if let Some(released) = netns::leave(old) {
        // `m` holds a reference on the same object.
        released.finish_not_last();
    }
}

/// Empties the slot of `task`, which exits.  Sleepable context.
pub(crate) fn detach(task: &Task) {
    let (old, released) = {
        let mut guard = TargetGuard::lock(task);
        move_task(&mut guard, None, &mut None)
    };
    // The member's reference on the object may be the last: dropped here,
    // where sleeping is allowed.
    drop(released);
    drop(old);
}
