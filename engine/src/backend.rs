//! The seam between the engine and the targets.
//!
//! A backend is a pure function of `(&HostModel, &Facts)` to changes: no
//! file reads, no commands, no environment. The engine knows no concrete
//! backend; the CLI hands it a [`crate::registry::Registry`] built by
//! `hostnet-backends`.

use crate::change::Planned;
use crate::error::Result;
use crate::facts::Facts;
use crate::model::HostModel;

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
    fn render(&self, model: &HostModel, facts: &Facts) -> Result<Vec<Planned>>;
}
