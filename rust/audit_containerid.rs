// SPDX-License-Identifier: GPL-2.0

//! Audit container identifier provider.
//!
//! An orchestrator tags a process tree with an audit container identifier
//! by writing it to `/proc/<pid>/containerid`; the kernel then adds it to
//! the audit records the tree causes.  The C side of the kernel holds only
//! hooks (`include/linux/audit_containerid.h`); this module owns the state
//! (the task extension table, [`table`]) and the policy ([`proc`]).

use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::Mutex;

mod contid;
mod ffi;
mod netns;
mod proc;
mod record;
mod stats;
mod table;

module! {
    type: AuditContainerId,
    name: "audit_containerid",
    author: "audit-containerid developers",
    description: "Audit container identifier provider",
    license: "GPL",
}

/// The loaded module: dropping it tears everything down in reverse order.
struct AuditContainerId {
    // Field order is drop order: unregister the hooks first, so that no hook
    // runs while the rest goes away.
    _hooks: ffi::Registration,
    _net: netns::NetRegistration,
    _stats: stats::StatsFile,
    _registry: Pin<KBox<Mutex<table::Registry>>>,
}

impl kernel::Module for AuditContainerId {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let registry = KBox::pin_init(
            new_mutex!(table::Registry::new(), "audit_containerid:registry"),
            GFP_KERNEL,
        )?;
        // SAFETY: The registry lives in `Self` and so outlives the hooks,
        // which are unregistered first when `Self` is dropped.
        unsafe { table::publish(module.as_ptr(), &*registry) };
        let stats = stats::StatsFile::new()?;
        let net = netns::NetRegistration::new()?;
        let hooks = ffi::Registration::new(module)?;
        Ok(Self {
            _hooks: hooks,
            _net: net,
            _stats: stats,
            _registry: registry,
        })
    }
}
