// SPDX-License-Identifier: GPL-2.0

//! `/proc/<pid>/containerid`: who may read and set a task's container
//! identifier, and the set operation itself.

use kernel::bindings;
use kernel::prelude::*;
use kernel::task::Task;
use kernel::types::ARef;
use kernel::uaccess::UserSliceReader;

use crate::contid::{format_decimal, ContainerId, ParseError, Parser, CONTID_UNSET};
use crate::netns::Member;
use crate::object::{ContainerObject, UserNs};
use crate::task::{self, RcuGuard, TargetGuard};
use crate::{record, registry, slot};

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
    Nested(ARef<ContainerObject>),
}

/// The file a read or write came through.
///
/// # Invariants
///
/// `self.0` is an open file for the duration of the hook.
pub(crate) struct OpenFile(*const bindings::file);

impl OpenFile {
    /// # Safety
    ///
    /// `file` is open while the value lives.
    pub(crate) unsafe fn new(file: *const bindings::file) -> Self {
        // INVARIANT: The caller keeps `file` open while the value lives.
        Self(file)
    }

    /// Do the file's opener and current have `CAP_AUDIT_CONTROL` in `ns`
    /// (`None`: the initial user namespace)?
    fn both_capable(&self, ns: Option<&UserNs>) -> bool {
        let cap = bindings::CAP_AUDIT_CONTROL as i32;
        let ns = ns.map_or(
            core::ptr::addr_of_mut!(bindings::init_user_ns),
            UserNs::as_ptr,
        );
        // SAFETY: `ns` is a live user namespace (the initial one, or one
        // `UserNs` holds a reference on) and the file is open (type
        // invariant); both functions only inspect credentials.
        unsafe { bindings::ns_capable(ns, cap) && bindings::file_ns_capable(self.0, ns, cap) }
    }
}

/// May the current task, through `file`, read or set identifiers at all?
///
/// The identifier serves audit: a task that holds `CAP_AUDIT_CONTROL` in a
/// user namespace it created itself, or that opened the file for a
/// privileged program, must not be able to forge one.
fn privilege(file: &OpenFile) -> Result<Privilege> {
    if file.both_capable(None) {
        return Ok(Privilege::Host);
    }
    let mine = slot::object_of(kernel::current!()).ok_or(EPERM)?;
    if file.both_capable(Some(mine.user_ns())) {
        Ok(Privilege::Nested(mine))
    } else {
        Err(EPERM)
    }
}

/// Is `target` in current's own subtree: current's process or below?
fn in_own_subtree(target: &Task) -> bool {
    let current = kernel::current!();
    if task::same_process(target, current) {
        return true;
    }
    let _rcu = RcuGuard::new();
    // SAFETY: In an RCU read-side critical section.
    unsafe { task::is_descendant(current, target) }
}

/// Formats `target`'s identifier (or the unset value) into `buf`.
///
/// Reading needs the privilege of setting; a nested orchestrator reads
/// only its own subtree.
pub(crate) fn read(file: &OpenFile, target: &Task, buf: &mut [u8]) -> Result<usize> {
    if let Privilege::Nested(_) = privilege(file)? {
        if !in_own_subtree(target) {
            return Err(EXDEV);
        }
    }
    let id = slot::with_object(target, |obj| obj.map_or(CONTID_UNSET, |o| o.id().get()));
    format_decimal(id, buf).ok_or(EINVAL)
}

/// Handles a write: parses `input` and sets `target`'s identifier.
///
/// A value that is not a number is refused before anything else happens.
/// Every attempt to set a number, refused or not, is logged: the input is
/// parsed in pieces from the stack, so no allocation can fail before that.
pub(crate) fn write(file: &OpenFile, target: &Task, mut input: UserSliceReader) -> Result {
    let mut parser = Parser::default();
    let mut piece = [0u8; 64];
    while !input.is_empty() {
        let n = input.len().min(piece.len());
        input.read_slice(&mut piece[..n])?;
        parser.feed(&piece[..n]);
    }
    let value = parser.finish().map_err(|e| match e {
        ParseError::Invalid => EINVAL,
        ParseError::Range => ERANGE,
    })?;
    let opid = task::tgid(target);
    match set(file, target, value) {
        Ok(old) => {
            record::log_set(opid, value, old.as_deref(), true);
            Ok(())
        }
        Err(e) => {
            let old = slot::object_of(target);
            record::log_set(opid, value, old.as_deref(), false);
            Err(e)
        }
    }
}

/// Why the structural checks refused a locked target.
fn check_target(current: &Task, target: &TargetGuard<'_>) -> Result {
    // Descent first, so that a writer learns nothing about tasks outside
    // its tree.
    if !target.is_descendant_of(current) && !target.is_sibling_init_of(current) {
        return Err(EXDEV);
    }
    if !target.is_childless_leader() {
        return Err(EBUSY);
    }
    match target.slot().and_then(Member::obj) {
        Some(old) if !may_nest(current, old) => Err(EEXIST),
        _ => Ok(()),
    }
}

/// May `current` give a task of container `old` a nested identifier?
///
/// Only a nested orchestrator may: a task that runs inside `old` itself
/// (so that it cannot reach over another nested orchestrator) and is not
/// in `old`'s owner's process.  Being inside `old` is what makes it part
/// of the container, not descent from the owner: a runtime that tagged the
/// container has usually exited (its hook always has), the container's
/// tasks were reparented, and a process started with `exec` was never the
/// owner's descendant.
fn may_nest(current: &Task, old: &ContainerObject) -> bool {
    !old.is_owned_by(current)
        && slot::with_object(current, |mine| mine.is_some_and(|m| core::ptr::eq(m, old)))
}

/// Sets `target`'s identifier to `value`; returns the previous object.
fn set(file: &OpenFile, target: &Task, value: u64) -> Result<Option<ARef<ContainerObject>>> {
    let mine = match privilege(file)? {
        Privilege::Host => None,
        Privilege::Nested(mine) => Some(mine),
    };
    let id = ContainerId::new(value).ok_or(EINVAL)?;
    let current = kernel::current!();
    // A host writer may itself run under an object: what it creates nests
    // below that, as for a nested writer.
    let mine = mine.or_else(|| slot::object_of(current));

    // A member for the target's namespace, allocated before any lock is
    // taken, in case the namespace has none for the object yet.
    let mut spare = Some(KBox::new(Member::new(), GFP_KERNEL)?);
    let registry = registry::get()?;

    // References dropped only after the registry lock is released, since
    // dropping the last one takes it.
    let existing: Option<ARef<ContainerObject>>;
    let mut fresh: Option<ARef<ContainerObject>> = None;
    let mut old = None;
    let mut released = None;

    let res = {
        let mut reg = registry.lock();
        existing = reg.lookup(id);
        let candidate: Result<&ContainerObject> = match existing.as_deref() {
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
                inserted.map(|()| &**f)
            }
        };
        let mut guard = TargetGuard::lock(target);
        let res = check_target(current, &guard).and_then(|()| {
            let obj = candidate?;
            let cur = guard.slot().and_then(Member::obj);
            if cur.is_some_and(|c| core::ptr::eq(c, obj)) {
                return Err(EEXIST);
            }
            (old, released) = slot::move_task(&mut guard, Some(obj), &mut spare);
            slot::move_other_threads(&mut guard, obj, old.as_ref(), &mut spare);
            Ok(())
        });
        drop(guard);
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
