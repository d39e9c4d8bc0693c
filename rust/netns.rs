// SPDX-License-Identifier: GPL-2.0

//! Per network namespace lists of the container objects of the tasks that
//! use the namespace, for the CONTAINER_INFO record of NETFILTER_PKT events.
//!
//! Each namespace counts, per object, the tasks with that object that use
//! it.  Membership changes on set, fork, namespace switch (unshare, setns)
//! and exit; an object leaves the list when its last task leaves the
//! namespace.
//!
//! Writers hold the namespace's spinlock with interrupts disabled (the fork
//! hook runs with them disabled); the list itself is an RCU-published array,
//! so the packet path, which runs in softirq, reads it without a lock.
//! Entries hold no reference on their object: a task that is counted holds
//! one, and objects are freed only an RCU grace period after release.

use core::mem::MaybeUninit;
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::types::Opaque;

use crate::table::ContainerObject;

/// Number of (namespace, object) entries with tasks, over all namespaces.
pub(crate) static NET_ENTRIES: AtomicUsize = AtomicUsize::new(0);

/// One object and the number of tasks with it in the namespace.
struct NetEntry {
    obj: *const ContainerObject,
    tasks: AtomicUsize,
}

/// An RCU-published array of entries.
#[repr(C)]
struct EntryArray {
    rcu: Opaque<bindings::callback_head>,
    items: KVec<NetEntry>,
}

/// The per-namespace state, in the namespace's `net_generic` storage.
///
/// # Invariants
///
/// `lock` is initialised; `entries` is null or a `KBox<EntryArray>` that is
/// replaced, under `lock`, by a new array and freed an RCU grace period
/// later.  Only `tasks` of an entry changes in place, under `lock`.
#[repr(C)]
pub(crate) struct NetContids {
    lock: Opaque<bindings::spinlock_t>,
    entries: AtomicPtr<EntryArray>,
}

/// The lock class of every namespace's lock.
struct LockKey(Opaque<bindings::lock_class_key>);
// SAFETY: Lockdep handles the key's concurrency.
unsafe impl Sync for LockKey {}
static LOCK_KEY: LockKey = LockKey(Opaque::uninit());

/// The pernet registration; `id` is written by the network core.
static NET_ID: AtomicU32 = AtomicU32::new(0);
static mut PERNET: MaybeUninit<bindings::pernet_operations> = MaybeUninit::zeroed();

impl NetContids {
    /// The state of `net`.
    ///
    /// # Safety
    ///
    /// `net` is a live network namespace and the pernet operations are
    /// registered.
    unsafe fn of(net: *mut bindings::net) -> &'static NetContids {
        // SAFETY: Per the contract, `net_generic` holds our initialised state.
        unsafe { &*bindings::net_generic(net, NET_ID.load(Ordering::Relaxed)).cast::<NetContids>() }
    }

    /// Runs `f` on the current array (or an empty slice) with the lock held.
    fn locked<R>(&self, f: impl FnOnce(&[NetEntry]) -> R) -> R {
        // SAFETY: `lock` is initialised (type invariant).
        let flags = unsafe { bindings::spin_lock_irqsave(self.lock.get()) };
        let arr = self.entries.load(Ordering::Relaxed);
        // SAFETY: Arrays are replaced only under the lock, which we hold.
        let items: &[NetEntry] = unsafe { arr.as_ref() }.map_or(&[], |a| &a.items);
        let r = f(items);
        // SAFETY: Taken above.
        unsafe { bindings::spin_unlock_irqrestore(self.lock.get(), flags) };
        r
    }

    /// Publishes a copy of `items` that keeps the entries `keep` accepts and
    /// appends `extra`; frees the old array after a grace period.  Called
    /// with the lock held.  False if out of memory.
    fn republish(
        &self,
        items: &[NetEntry],
        keep: impl Fn(&NetEntry) -> bool,
        extra: Option<*const ContainerObject>,
    ) -> bool {
        let mut v = match KVec::with_capacity(items.len() + 1, GFP_ATOMIC) {
            Ok(v) => v,
            Err(_) => return false,
        };
        for e in items.iter().filter(|e| keep(e)) {
            let n = e.tasks.load(Ordering::Relaxed);
            // Cannot fail: the capacity is reserved.
            let _ = v.push(
                NetEntry {
                    obj: e.obj,
                    tasks: AtomicUsize::new(n),
                },
                GFP_ATOMIC,
            );
        }
        if let Some(obj) = extra {
            let _ = v.push(
                NetEntry {
                    obj,
                    tasks: AtomicUsize::new(1),
                },
                GFP_ATOMIC,
            );
        }
        let new = match KBox::new(
            EntryArray {
                rcu: Opaque::uninit(),
                items: v,
            },
            GFP_ATOMIC,
        ) {
            Ok(b) => KBox::into_raw(b),
            Err(_) => return false,
        };
        let old = self.entries.swap(new, Ordering::Release);
        if !old.is_null() {
            // SAFETY: `old` is no longer reachable for new readers; the
            // callback frees it once current readers are done.
            unsafe { bindings::call_rcu((*old).rcu.get(), Some(free_array)) };
        }
        true
    }

    /// Counts one more task of `obj` in this namespace.
    pub(crate) fn add(&self, obj: &ContainerObject) {
        self.locked(|items| {
            if let Some(e) = items.iter().find(|e| ptr::eq(e.obj, obj)) {
                // Release: a packet-path reader that sees the revived count
                // (Acquire, in `for_each_rcu`) sees the task's reference.
                if e.tasks.fetch_add(1, Ordering::Release) == 0 {
                    NET_ENTRIES.fetch_add(1, Ordering::Relaxed);
                }
            } else if self.republish(items, |e| e.tasks.load(Ordering::Relaxed) > 0, Some(obj)) {
                NET_ENTRIES.fetch_add(1, Ordering::Relaxed);
            } else {
                // The packets of this namespace will miss the contid:
                // count the loss, as audit does for every record it drops.
                // SAFETY: `audit_log_lost` takes a constant string and may
                // be called in atomic context.
                unsafe {
                    bindings::audit_log_lost(c"audit_containerid: netns list out of memory".as_ptr().cast())
                };
            }
        });
    }

    /// Counts one task of `obj` less; the object leaves the list with its
    /// last task.
    pub(crate) fn remove(&self, obj: &ContainerObject) {
        self.locked(|items| {
            let Some(e) = items.iter().find(|e| ptr::eq(e.obj, obj)) else {
                return;
            };
            if e.tasks.fetch_sub(1, Ordering::Relaxed) == 1 {
                NET_ENTRIES.fetch_sub(1, Ordering::Relaxed);
                // Readers skip entries without tasks, so if the smaller
                // array cannot be allocated the entry just stays until the
                // next change.
                self.republish(items, |e| e.tasks.load(Ordering::Relaxed) > 0, None);
            }
        });
    }

    /// Runs `f` on each object with tasks in the namespace.  The caller is in
    /// an RCU read-side critical section.
    fn for_each_rcu(&self, mut f: impl FnMut(&ContainerObject)) {
        let arr = self.entries.load(Ordering::Acquire);
        // SAFETY: Arrays are freed an RCU grace period after replacement.
        let Some(arr) = (unsafe { arr.as_ref() }) else {
            return;
        };
        for e in arr
            .items
            .iter()
            .filter(|e| e.tasks.load(Ordering::Acquire) > 0)
        {
            // SAFETY: A counted task holds a reference on the object, and
            // objects are freed an RCU grace period after their release.
            f(unsafe { &*e.obj });
        }
    }
}

/// Frees an array an RCU grace period after it was replaced.
///
/// # Safety
///
/// `head` is the `rcu` field of an `EntryArray` from `KBox::into_raw`.
unsafe extern "C" fn free_array(head: *mut bindings::callback_head) {
    // SAFETY: `rcu` is the first field of the `#[repr(C)]` array.
    drop(unsafe { KBox::from_raw(head.cast::<EntryArray>()) });
}

/// Pernet init: sets up a new namespace's state.
///
/// # Safety
///
/// Called by the network core for a new namespace.
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
    // INVARIANT: The lock is initialised and the zeroed `entries` is null.
    0
}

/// Pernet exit: frees a dead namespace's state.
///
/// # Safety
///
/// Called by the network core once no task uses `net`.
unsafe extern "C" fn net_exit(net: *mut bindings::net) {
    // SAFETY: Our state, initialised by `net_init`.
    let state = unsafe { NetContids::of(net) };
    let old = state.entries.swap(ptr::null_mut(), Ordering::AcqRel);
    if !old.is_null() {
        // SAFETY: As in `republish`.
        unsafe { bindings::call_rcu((*old).rcu.get(), Some(free_array)) };
    }
}

/// Registers the per-namespace state; dropping it unregisters.
pub(crate) struct NetRegistration {
    _private: (),
}

impl NetRegistration {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Not registered yet, so nothing else uses `PERNET`.
        let ops = unsafe { &mut *ptr::addr_of_mut!(PERNET) };
        let ops = ops.as_mut_ptr();
        // SAFETY: `ops` is valid zeroed memory; set the fields we use.  The
        // `id` and `size` fields are const in C, hence the raw writes.
        unsafe {
            ptr::addr_of_mut!((*ops).init).write(Some(net_init));
            ptr::addr_of_mut!((*ops).exit).write(Some(net_exit));
            ptr::addr_of_mut!((*ops).id)
                .cast::<*mut u32>()
                .write(NET_ID.as_ptr());
            ptr::addr_of_mut!((*ops).size)
                .cast::<usize>()
                .write(core::mem::size_of::<NetContids>());
        }
        // SAFETY: `ops` is a static that outlives the registration.
        kernel::error::to_result(unsafe { bindings::register_pernet_subsys(ops) })?;
        Ok(Self { _private: () })
    }
}

impl Drop for NetRegistration {
    fn drop(&mut self) {
        // SAFETY: Registered in `new`.
        unsafe { bindings::unregister_pernet_subsys((*ptr::addr_of_mut!(PERNET)).as_mut_ptr()) };
        // SAFETY: Waits for the `free_array` callbacks queued above.
        unsafe { bindings::rcu_barrier() };
    }
}

/// The state of `net`, if `net` is not null.
///
/// # Safety
///
/// `net` is null or a live namespace (held by a task's nsproxy), and the
/// pernet operations are registered (true while hooks run).
pub(crate) unsafe fn of(net: *mut bindings::net) -> Option<&'static NetContids> {
    if net.is_null() {
        None
    } else {
        // SAFETY: Per the contract.
        Some(unsafe { NetContids::of(net) })
    }
}

/// Does any task with a contid use `net`?
///
/// # Safety
///
/// `net` is a live namespace and the caller is in an RCU read-side
/// critical section (the C hook runs it in one).
pub(crate) unsafe fn active(net: *mut bindings::net) -> bool {
    let mut any = false;
    // SAFETY: Per the contract, which is `for_each_object`'s.
    unsafe { for_each_object(net, |_| any = true) };
    any
}

/// Runs `f` on each object with tasks in `net`.
///
/// # Safety
///
/// `net` is a live namespace and the caller is in an RCU read-side
/// critical section (the C hook runs it in one).
pub(crate) unsafe fn for_each_object(net: *mut bindings::net, f: impl FnMut(&ContainerObject)) {
    // SAFETY: Per the contract.
    unsafe { NetContids::of(net) }.for_each_rcu(f);
}
