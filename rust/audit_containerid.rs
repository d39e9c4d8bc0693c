// SPDX-License-Identifier: GPL-2.0

//! Audit container identifier provider.
//!
//! An orchestrator tags a process tree with an audit container identifier
//! by writing it to `/proc/<pid>/containerid`; the kernel then adds it to
//! the audit records the tree causes.  The C side of the kernel holds only
//! hooks (`include/linux/audit_containerid.h`); this module owns the state
//! (the task extension table, [`slot`], of container objects, [`object`])
//! and the policy ([`proc`]).

use kernel::prelude::*;

mod contid;
mod ffi;
mod global;
mod netns;
mod object;
mod proc;
mod record;
mod registry;
mod signal;
mod slot;
mod stats;
mod task;

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
    _signal: signal::Published,
    _registry: registry::Published,
}

impl kernel::Module for AuditContainerId {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registry = registry::publish()?;
        let signal = signal::publish()?;
        let stats = stats::StatsFile::new()?;
        let net = netns::NetRegistration::new()?;
        let hooks = ffi::Registration::new()?;
        Ok(Self {
            _hooks: hooks,
            _net: net,
            _stats: stats,
            _signal: signal,
            _registry: registry,
        })
    }
}
