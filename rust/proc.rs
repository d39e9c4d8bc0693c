// SPDX-License-Identifier: GPL-2.0

//! `/proc/<pid>/containerid`: who may read and set a task's container
//! identifier, and the set operation itself.

use kernel::bindings;
use kernel::prelude::*;

use crate::contid::{format_decimal, ContainerId, ParseError, CONTID_UNSET};
use crate::netns;
use crate::record;
use crate::table::{self, ContainerObject, ContidRef, TASKS};

/// `ENOTUNIQ`, which the kernel crate has no constant for: the identifier is
/// live and owned by another orchestrator.
fn enotuniq() -> Error {
    Error::from_errno(-(bindings::ENOTUNIQ as i32))
}

/// May the current task read or set the identifier of `target`?
///
/// The identifier serves audit, so both need `CAP_AUDIT_CONTROL` in the
/// initial user namespace.  A nested orchestrator in a user namespace may
/// instead have it in a user namespace that owns `target`, provided it
/// already runs under an identifier, so that all it sets nests below an id
/// the host assigned (and the set rules keep it inside its own subtree).
fn permitted(target: *mut bindings::task_struct) -> bool {
    let cap = bindings::CAP_AUDIT_CONTROL as i32;
    // SAFETY: `capable` only inspects the current task's credentials.
    if unsafe { bindings::capable(cap) } {
        return true;
    }
    // SAFETY: Always valid.
    let current = unsafe { bindings::get_current() };
    // SAFETY: `target` is valid (the caller holds a reference).
    table::with_task_object(current, |o| o.is_some())
        && unsafe { bindings::audit_contid_ns_capable(target, cap) }
}

/// Formats `target`'s identifier (or the unset value) into `buf`.
pub(crate) fn read(target: *mut bindings::task_struct, buf: &mut [u8]) -> Result<usize> {
    if !permitted(target) {
        return Err(EPERM);
    }
    let id = table::with_task_object(target, |obj| obj.map_or(CONTID_UNSET, |o| o.id().get()));
    format_decimal(id, buf).ok_or(EINVAL)
}

/// Handles a write: parses `input` and sets `target`'s identifier.
///
/// A value that is not a number is refused before anything else happens.
/// Every attempt to set a number, refused or not, is logged.
pub(crate) fn write(target: *mut bindings::task_struct, input: &[u8]) -> Result {
    let value = ContainerId::parse(input).map_err(|e| match e {
        ParseError::Invalid => EINVAL,
        ParseError::Range => ERANGE,
    })?;
    // SAFETY: `target` is valid (the C caller holds a reference).
    let opid = unsafe { bindings::audit_contid_task_tgid(target) };
    match set(target, value) {
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
fn set(target: *mut bindings::task_struct, value: u64) -> Result<Option<ContidRef>> {
    if !permitted(target) {
        return Err(EPERM);
    }
    let id = ContainerId::new(value).ok_or(EINVAL)?;
    // SAFETY: Always valid.
    let current = unsafe { bindings::get_current() };
    let mine = ContidRef::of_task(current);

    // References dropped only after the registry lock is released, since
    // dropping the last one takes it.
    let existing: Option<ContidRef>;
    let mut fresh: Option<ContidRef> = None;
    let mut old: *mut bindings::audit_contid = core::ptr::null_mut();

    let res = {
        let mut reg = table::registry().lock();
        existing = reg.lookup(id);
        let candidate: Result<&ContidRef> = match existing.as_ref() {
            Some(e) if e.is_owned_by(current) => Ok(e),
            Some(_) => Err(enotuniq()),
            None => {
                fresh = Some(ContainerObject::create(id, current, mine.as_ref())?);
                Ok(fresh.as_ref().ok_or(ENOMEM)?)
            }
        };
        // SAFETY: `target` is valid; unlocked below.
        unsafe { bindings::audit_contid_lock_target(target) };
        // SAFETY: Locked as required.
        let cur = unsafe { bindings::audit_contid_task_deref(target) }.cast::<ContainerObject>();
        // SAFETY: The slot holds a reference and cannot change while locked.
        let cur_ref = unsafe { cur.as_ref() };
        let res = check_target(current, target, cur_ref).and_then(|()| {
            let obj = candidate?;
            if cur_ref.is_some_and(|c| obj.same(c)) {
                return Err(EEXIST);
            }
            let new = obj.clone_ref().into_raw();
            // SAFETY: Locked as required; the slot takes the new reference.
            old = unsafe { bindings::audit_contid_task_replace(target, new.cast_mut().cast()) };
            // SAFETY: `target` is locked, so its namespaces are stable.
            if let Some(net) = unsafe { netns::of(bindings::audit_contid_task_net(target)) } {
                net.add(obj);
                if let Some(c) = cur_ref {
                    net.remove(c);
                }
            }
            Ok(())
        });
        // SAFETY: Locked above.
        unsafe { bindings::audit_contid_unlock_target(target) };
        if res.is_ok() {
            if old.is_null() {
                TASKS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            }
            if let Some(f) = fresh.as_ref() {
                f.mark_used();
                if let Err(e) = reg.insert(f) {
                    // The target keeps the object; it is just not protected
                    // against reuse of its identifier.  Out of memory only.
                    pr_warn!("contid {} not registered: {:?}\n", id.get(), e);
                }
            }
        }
        res
    };
    drop(existing);
    drop(fresh);
    drop(mine);
    res?;
    // SAFETY: The slot's old reference is now ours.
    Ok((!old.is_null()).then(|| unsafe { ContidRef::from_raw(old.cast()) }))
}
