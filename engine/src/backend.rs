//! The seam between the engine and the targets.
//!
//! A backend is a pure function of `(&HostModel, &Facts)` to changes: no
//! file reads, no commands, no environment. The engine knows no concrete
//! backend; the CLI hands it a [`Registry`] built by `hostnet-backends`.

use serde::Serialize;

use crate::change::Planned;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::model::HostModel;

/// The part of the host a backend owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Interfaces, bridges, TAPs (netifrc, ifupdown, networkd).
    Network,
    /// DHCP server (dnsmasq).
    Dhcp,
    /// Kernel parameters (sysctl.d).
    Sysctl,
    /// NAT and filtering (iptables, nftables, ufw).
    Firewall,
    /// Layer-2 MAC NAT (ebtables).
    MacNat,
    /// Managed files for QEMU itself (bridge helper ACL).
    Qemu,
}

impl Target {
    /// Every target, in rendering order.
    pub const ALL: [Self; 6] = [
        Self::Network,
        Self::Dhcp,
        Self::Sysctl,
        Self::Firewall,
        Self::MacNat,
        Self::Qemu,
    ];

    /// The name used in messages and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Dhcp => "dhcp",
            Self::Sysctl => "sysctl",
            Self::Firewall => "firewall",
            Self::MacNat => "mac_nat",
            Self::Qemu => "qemu",
        }
    }
}

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
    /// Stable name (`gentoo-netifrc`, `iptables`, …), used by `--network-backend`/`--firewall`.
    fn id(&self) -> &'static str;
    /// The part of the host it owns.
    fn target(&self) -> Target;
    /// Is it the right backend for this host?
    fn detect(&self, facts: &Facts) -> Detection;
    /// Does the model ask for anything this backend renders?
    fn wanted(&self, model: &HostModel) -> bool;
    /// Desired state in, changes out. No I/O.
    fn render(&self, model: &HostModel, facts: &Facts) -> Result<Vec<Planned>>;
}

/// User choices that override detection, per target.
#[derive(Clone, Debug, Default)]
pub struct Choices {
    /// `--network-backend`.
    pub network: Option<String>,
    /// `--firewall`.
    pub firewall: Option<String>,
}

impl Choices {
    fn get(&self, target: Target) -> Option<&str> {
        match target {
            Target::Network => self.network.as_deref(),
            Target::Firewall => self.firewall.as_deref(),
            _ => None,
        }
    }
}

/// All known backends.
#[derive(Default)]
pub struct Registry {
    backends: Vec<Box<dyn Backend>>,
}

impl Registry {
    /// A registry of these backends.
    pub fn new(backends: Vec<Box<dyn Backend>>) -> Self {
        Self { backends }
    }

    /// Every backend.
    pub fn all(&self) -> impl Iterator<Item = &dyn Backend> {
        self.backends.iter().map(AsRef::as_ref)
    }

    /// The backend for `target`: the user's choice (`choice`, else `choices`),
    /// else the first preferred one, else the first supported one.
    pub fn choose(
        &self,
        target: Target,
        facts: &Facts,
        choices: &Choices,
        choice: Option<&str>,
    ) -> Result<&dyn Backend> {
        let candidates: Vec<&dyn Backend> = self.all().filter(|b| b.target() == target).collect();
        if let Some(wanted) = choice.or_else(|| choices.get(target)) {
            let backend = candidates
                .iter()
                .copied()
                .find(|backend| backend.id() == wanted)
                .ok_or_else(|| {
                    Error::new(ErrorKind::Backend {
                        message: format!(
                            "unknown {} backend `{wanted}` (available: {})",
                            target.name(),
                            candidates.iter().map(|b| b.id()).collect::<Vec<_>>().join(", ")
                        ),
                    })
                })?;
            if let Detection::Unsupported(reason) = backend.detect(facts) {
                return Err(Error::new(ErrorKind::Backend {
                    message: format!(
                        "the {} backend `{wanted}` cannot be used on this host: {reason}",
                        target.name()
                    ),
                }));
            }
            return Ok(backend);
        }
        let preferred = candidates
            .iter()
            .copied()
            .find(|b| b.detect(facts) == Detection::Preferred);
        let supported = || {
            candidates
                .iter()
                .copied()
                .find(|b| b.detect(facts) == Detection::Supported)
        };
        preferred.or_else(supported).ok_or_else(|| {
            let reasons: Vec<String> = candidates
                .iter()
                .map(|b| match b.detect(facts) {
                    Detection::Unsupported(reason) => format!("{}: {reason}", b.id()),
                    _ => b.id().to_owned(),
                })
                .collect();
            Error::new(ErrorKind::Backend {
                message: format!("no {} backend fits this host ({})", target.name(), reasons.join("; ")),
            })
        })
    }
}
