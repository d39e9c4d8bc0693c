// SPDX-License-Identifier: GPL-2.0

//! The registry of live identifiers, so that an identifier owned by one
//! orchestrator cannot be taken by another.

use core::ptr;
use core::sync::atomic::AtomicPtr;

use kernel::new_mutex;
use kernel::prelude::*;
use kernel::rbtree::RBTree;
use kernel::sync::Mutex;
use kernel::types::ARef;

use crate::contid::ContainerId;
use crate::global;
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

/// The published registry; the module drops it after unregistering the
/// hooks.
pub(crate) type Published = global::Published<Mutex<Registry>>;

/// Allocates and publishes the registry.
pub(crate) fn publish() -> Result<Published> {
    let registry = new_mutex!(
        Registry { ids: RBTree::new() },
        "audit_containerid:registry"
    );
    global::Published::new(&REGISTRY, registry)
}

/// The registry; `ENODEV` outside the hooks' lifetime.
pub(crate) fn get() -> Result<&'static Mutex<Registry>> {
    global::get(&REGISTRY)
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
