// SPDX-License-Identifier: GPL-2.0

//! The registry of live identifiers, so that an identifier owned by one
//! orchestrator cannot be taken by another.

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::new_mutex;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::sync::Mutex;
use kernel::types::ARef;

use crate::contid::ContainerId;
use crate::object::ContainerObject;

/// Live identifiers, mapped to their object's address.
///
/// # Invariants
///
/// An address stays in the map while its object has references; the
/// object's release removes it under the registry lock.
pub(crate) struct Registry {
    ids: RBTree<u64, usize>,
}

/// The registry, published while the module's hooks are registered.
static REGISTRY: AtomicPtr<Mutex<Registry>> = AtomicPtr::new(ptr::null_mut());

/// The registry, allocated and published for the hooks; unpublished when
/// dropped, which the module does after it unregistered the hooks.
pub(crate) struct Published {
    _registry: Pin<KBox<Mutex<Registry>>>,
}

impl Published {
    /// Allocates and publishes the registry.
    pub(crate) fn new() -> Result<Self> {
        let reg = KBox::pin_init(
            new_mutex!(
                Registry { ids: RBTree::new() },
                "audit_containerid:registry"
            ),
            GFP_KERNEL,
        )?;
        REGISTRY.store(ptr::from_ref(&*reg).cast_mut(), Ordering::Release);
        Ok(Self { _registry: reg })
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        REGISTRY.store(ptr::null_mut(), Ordering::Release);
    }
}

/// The registry; `ENODEV` outside the hooks' lifetime.
pub(crate) fn get() -> Result<&'static Mutex<Registry>> {
    let p = REGISTRY.load(Ordering::Acquire);
    // SAFETY: `Published` stored a pointer to the registry it owns and
    // clears it before the registry goes; the module drops it only after
    // unregistering the hooks, the only callers.
    unsafe { p.as_ref() }.ok_or(ENODEV)
}

impl Registry {
    /// A new reference to the live object of `id`, if there is one.
    pub(crate) fn lookup(&self, id: ContainerId) -> Option<ARef<ContainerObject>> {
        let addr = *self.ids.get(&id.get())?;
        // SAFETY: The address is that of a valid object while it is in the
        // map (type invariant), and the caller holds the lock that its
        // removal takes.
        let obj = unsafe { &*(addr as *const ContainerObject) };
        obj.try_get()
    }

    /// Records `obj` as the live object of its identifier.
    pub(crate) fn insert(&mut self, obj: &ContainerObject) -> Result {
        self.ids
            .try_create_and_insert(obj.id().get(), ptr::from_ref(obj) as usize, GFP_KERNEL)?;
        Ok(())
    }

    /// Forgets `obj`, if it is still the object recorded for its identifier.
    pub(crate) fn remove(&mut self, obj: &ContainerObject) {
        let addr = ptr::from_ref(obj) as usize;
        if self.ids.get(&obj.id().get()) == Some(&addr) {
            self.ids.remove(&obj.id().get());
        }
    }
}
