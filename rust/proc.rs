// SPDX-License-Identifier: GPL-2.0

//! `/proc/<pid>/containerid`: who may read and set a task's container
//! identifier, and the set operation itself.

use kernel::bindings;
use kernel::prelude::*;

use crate::contid::{format_decimal, ContainerId, ParseError, CONTID_UNSET};
use crate::netns::{self, Member};
use crate::record;
use crate::table::{self, ContainerObject, ContidRef};

/// `ENOTUNIQ`, which the kernel crate has no constant for: the identifier is
/// live and owned by another orchestrator.
fn enotuniq() -> Error {
    Error::from_errno(-(bindings::ENOTUNIQ as i32))
}

/// What entitles the current task to read or set identifiers.
enum Privilege {
    /// `CAP_AUDIT_CONTROL` in the initial user namespace, held by current
    /// and by the opener of the file: every task.
    Host,
    /// A nested orchestrator: current runs under `mine` and, with the
    /// opener of the file, has `CAP_AUDIT_CONTROL` in the user namespace
    /// recorded on `mine` (the container's).  Its own subtree only.
    Nested(ContidRef),
}

/// Does `file`'s opener have `cap` in `ns`, and does current?
fn both_capable(file: *const bindings::file, ns: *mut bindings::user_namespace) -> bool {
    let cap = bindings::CAP_AUDIT_CONTROL as i32;
    // SAFETY: `ns` is a live user namespace (the initial one, or one an
    // object holds a reference on) and `file` is the open file of the
    // caller's read or write; both helpers only inspect credentials.
    unsafe { bindings::ns_capable(ns, cap) && bindings::file_ns_capable(file, ns, cap) }
}

/// May the current task, through `file`, read or set identifiers at all?
///
/// The identifier serves audit: a task that holds `CAP_AUDIT_CONTROL` in a
/// user namespace it created itself, or that opened the file for a
/// privileged program, must not be able to forge one.
fn privilege(file: *const bindings::file) -> Result<Privilege> {
    if both_capable(file, core::ptr::addr_of_mut!(bindings::init_user_ns)) {
        return Ok(Privilege::Host);
    }
    // SAFETY: Always valid.
    let current = unsafe { bindings::get_current() };
    let mine = ContidRef::of_task(current).ok_or(EPERM)?;
    if both_capable(file, mine.user_ns()) {
        Ok(Privilege::Nested(mine))
    } else {
        Err(EPERM)
    }
}

/// Is `target` in current's own subtree: current's thread group or below?
fn in_own_subtree(target: *mut bindings::task_struct) -> bool {
    // SAFETY: Always valid.
    let current = unsafe { bindings::get_current() };
    // SAFETY: Both tasks are valid; the leader of a live task is valid.
    if unsafe {
        bindings::audit_contid_task_leader(target) == bindings::audit_contid_task_leader(current)
    } {
        return true;
    }
    // SAFETY: Plain RCU read-side critical section, which the descent
    // walk needs for the parent pointers it follows.
    unsafe { bindings::rcu_read_lock() };
    // SAFETY: Both tasks are valid; in an RCU read-side critical section.
    let below = unsafe { bindings::audit_contid_task_is_descendant(current, target) };
    // SAFETY: Pairs with the `rcu_read_lock` above.
    unsafe { bindings::rcu_read_unlock() };
    below
}

/// Formats `target`'s identifier (or the unset value) into `buf`.
///
/// Reading needs the privilege of setting; a nested orchestrator reads
/// only its own subtree.
pub(crate) fn read(
    file: *const bindings::file,
    target: *mut bindings::task_struct,
    buf: &mut [u8],
) -> Result<usize> {
    if let Privilege::Nested(_) = privilege(file)? {
        if !in_own_subtree(target) {
            return Err(EXDEV);
        }
    }
    let id = table::with_task_object(target, |obj| obj.map_or(CONTID_UNSET, |o| o.id().get()));
    format_decimal(id, buf).ok_or(EINVAL)
}

/// Handles a write: parses `input` and sets `target`'s identifier.
///
/// A value that is not a number is refused before anything else happens.
/// Every attempt to set a number, refused or not, is logged.
pub(crate) fn write(
    file: *const bindings::file,
    target: *mut bindings::task_struct,
    input: &[u8],
) -> Result {
    let value = ContainerId::parse(input).map_err(|e| match e {
        ParseError::Invalid => EINVAL,
        ParseError::Range => ERANGE,
    })?;
    // SAFETY: `target` is valid (the C caller holds a reference).
    let opid = unsafe { bindings::audit_contid_task_tgid(target) };
    match set(file, target, value) {
        Ok(old) => {
            record::log_set(opid, value, old.as_deref(), true);
            Ok(())
        }
        Err(e) => {
            let old = ContidRef::of_task(target);
            record::log_set(opid, value, old.as_deref(), false);
            Err(e)
        }
    }
}

/// Why the structural checks refused a target.
fn check_target(
    current: *mut bindings::task_struct,
    target: *mut bindings::task_struct,
    old: Option<&ContainerObject>,
) -> Result {
    // SAFETY: Both tasks are valid and `audit_contid_lock_target(target)` is
    // held by the caller, as both helpers require.  Descent is checked
    // first, so that a writer learns nothing about tasks outside its tree.
    unsafe {
        if !bindings::audit_contid_task_is_descendant(current, target) {
            return Err(EXDEV);
        }
        if !bindings::audit_contid_target_is_alone(target) {
            return Err(EBUSY);
        }
    }
    if let Some(old) = old {
        if !may_nest(current, old) {
            return Err(EEXIST);
        }
    }
    Ok(())
}

/// May `current` give a task of container `old` a nested identifier?
///
/// Only a nested orchestrator may: a descendant of `old`'s owner that is
/// not in the owner's thread group, and is itself inside `old` (so that it
/// cannot reach over another nested orchestrator).
fn may_nest(current: *mut bindings::task_struct, old: &ContainerObject) -> bool {
    if old.is_owned_by(current) {
        return false;
    }
    // SAFETY: Both tasks are valid; `tasklist_lock` is held by the caller.
    let below_owner = unsafe { bindings::audit_contid_task_is_descendant(old.owner(), current) };
    if !below_owner {
        return false;
    }
    table::with_task_object(current, |mine| mine.is_some_and(|m| core::ptr::eq(m, old)))
}

/// Sets `target`'s identifier to `value`; returns the previous object.
fn set(
    file: *const bindings::file,
    target: *mut bindings::task_struct,
    value: u64,
) -> Result<Option<ContidRef>> {
    let mine = match privilege(file)? {
        Privilege::Host => None,
        Privilege::Nested(mine) => Some(mine),
    };
    let id = ContainerId::new(value).ok_or(EINVAL)?;
    // SAFETY: Always valid.
    let current = unsafe { bindings::get_current() };
    // A host writer may itself run under an object: what it creates nests
    // below that, as for a nested writer.
    let mine = mine.or_else(|| ContidRef::of_task(current));

    // A member for the target's namespace, allocated before any lock is
    // taken, in case the namespace has none for the object yet.
    let mut spare = Some(KBox::new(Member::new(core::ptr::null_mut()), GFP_KERNEL)?);

    // References dropped only after the registry lock is released, since
    // dropping the last one takes it.
    let existing: Option<ContidRef>;
    let mut fresh: Option<ContidRef> = None;
    let mut left: Option<&Member> = None;
    let mut old: Option<ContidRef> = None;
    let mut released = None;

    let res = {
        let mut reg = table::registry().lock();
        existing = reg.lookup(id);
        let candidate: Result<&ContidRef> = match existing.as_ref() {
            // Injection only at the writer's own level: the object nests
            // directly below the writer's own (or both are top level), so
            // that it never moves a task out of the writer's container.
            Some(e) if e.is_owned_by(current) && e.parent_is(mine.as_deref()) => Ok(e),
            Some(e) if e.is_owned_by(current) => Err(EXDEV),
            Some(_) => Err(enotuniq()),
            None => {
                // Reserved before any task gets it, so that running out of
                // memory refuses the set instead of leaving the id
                // unprotected.  Not `?`: a refused set's object must be
                // dropped (leaving the registry) after the lock is released.
                let f = ContainerObject::create(id, current, mine.as_ref(), target)?;
                let inserted = reg.insert(&f);
                let f = fresh.insert(f);
                inserted.map(|()| &*f)
            }
        };
        // SAFETY: `target` is valid; unlocked below.
        unsafe { bindings::audit_contid_lock_target(target) };
        // SAFETY: Locked as required.
        let cur_ref = unsafe { table::locked_object(target) };
        let res = check_target(current, target, cur_ref).and_then(|()| {
            let obj = candidate?;
            if cur_ref.is_some_and(|c| obj.same(c)) {
                return Err(EEXIST);
            }
            // SAFETY: Locked as required; `obj` is a reference we hold.
            left = unsafe { table::attach(target, obj, &mut spare) };
            Ok(())
        });
        // SAFETY: Locked above.
        unsafe { bindings::audit_contid_unlock_target(target) };
        if let Some(m) = left {
            // SAFETY: `m` still counts the target, so it holds a reference
            // on its object, until the target leaves it here.
            old = m.obj().map(|o| unsafe { o.new_ref() });
            released = netns::leave(m);
        }
        if res.is_ok() {
            if let Some(f) = fresh.as_ref() {
                f.mark_used();
            }
        }
        res
    };
    drop(released);
    drop(existing);
    drop(fresh);
    drop(mine);
    drop(spare);
    res?;
    Ok(old)
}
