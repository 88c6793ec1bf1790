//! The seam between the engine and the targets.
//!
//! A backend is a pure function of the [`Desired`] state (the model, its
//! topology, the facts) to changes: no file reads, no commands, no
//! environment. The engine knows no concrete
//! backend; the CLI hands it a [`crate::registry::Registry`] built by
//! `hostnet-backends`.

use crate::change::Planned;
use crate::error::Result;
use crate::facts::Facts;
use crate::model::topology::Topology;
use crate::model::{HostModel, Index};

pub use crate::target::{BackendId, Target};

/// How well a backend fits a host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    /// The natural choice for this host.
    Preferred,
    /// Works here if asked for.
    Supported,
    /// Does not work here, and why.
    Unsupported(String),
}

/// What becomes of one of a backend's commands on the live root, where
/// hostnet changes the live host itself (`engine/src/live/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnLiveHost {
    /// It still runs (a service enable, a firewall reload, `networkctl reload`).
    Keep,
    /// It brings up this device with the distro's tool (`ifup br0`,
    /// `rc-service net.br0 restart`): it runs only where hostnet hands the
    /// device over (a DHCP bridge that is not up yet), never under running guests.
    BringUp(String),
    /// hostnet's live operations do exactly this (`sysctl -p` of its file).
    Replaced,
}

/// A renderer for one target format.
pub trait Backend: Send + Sync {
    /// Stable id (`gentoo-netifrc`, `iptables`, …), used by `--network-backend`/`--firewall`.
    fn id(&self) -> BackendId;
    /// The part of the host it owns.
    fn target(&self) -> Target;
    /// Is it the right backend for this host?
    fn detect(&self, facts: &Facts) -> Detection;
    /// Does the model ask for anything this backend renders?
    fn wanted(&self, model: &HostModel) -> bool;
    /// Desired state in, changes out. No I/O.
    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>>;
    /// What this backend's tool needs when `chosen` renders its target
    /// instead (NetworkManager told to leave the chosen backend's devices
    /// alone). Called for every backend of a chosen target but the chosen
    /// one; nothing by default. No I/O.
    fn alongside(&self, desired: &Desired<'_>, chosen: BackendId) -> Result<Vec<Planned>> {
        let _ = (desired, chosen);
        Ok(Vec::new())
    }
    /// What becomes of `command` (one of this backend's) on the live root.
    fn on_live_host(&self, command: &crate::change::Command) -> OnLiveHost {
        let _ = command;
        OnLiveHost::Keep
    }
    /// Does hostnet change this target's devices itself on the live root?
    /// (`false` for a daemon that manages them live, like NetworkManager.)
    fn live_devices(&self) -> bool {
        true
    }
}

/// What backends render: the validated model, its topology (built once,
/// read by every network backend), its items by name and the facts.
#[derive(Debug)]
pub struct Desired<'a> {
    /// What the tasks ask for.
    pub model: &'a HostModel,
    /// The model's devices in bring-up order.
    pub topology: Topology<'a>,
    /// The model's bridges, ports, TAPs and interfaces by name (no backend
    /// scans the lists once per item).
    pub index: Index<'a>,
    /// What hostnet detected.
    pub facts: &'a Facts,
}

impl<'a> Desired<'a> {
    /// The desired state of a (validated) model on a host.
    pub fn new(model: &'a HostModel, facts: &'a Facts) -> Self {
        Self {
            model,
            topology: Topology::of(model, facts),
            index: Index::of(model),
            facts,
        }
    }
}
