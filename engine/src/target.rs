//! The parts of the host a backend owns, and the ids backends are known by.
//! A leaf: the model names targets and ids in its requests, the registry
//! resolves them to backends.

use std::fmt;

use serde::Serialize;

/// The part of the host a backend owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

    /// The command-line flag that chooses this target's backend, if there is one.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            Self::Network => Some("--network-backend"),
            Self::Firewall => Some("--firewall"),
            _ => None,
        }
    }
}

/// A backend's stable id (`gentoo-netifrc`, `iptables`, …). Backends declare
/// theirs; text from a playbook or the command line becomes one only through
/// the registry, which knows which ids exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BackendId(&'static str);

impl BackendId {
    /// A backend's own id (for backend implementations).
    pub const fn new(id: &'static str) -> Self {
        Self(id)
    }

    /// The id as text.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for BackendId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<&str> for BackendId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for BackendId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}
