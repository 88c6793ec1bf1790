//! Guests declared by `vm_network`, kept so `hostnet qemu` prints arguments
//! that match exactly what the plan renders (TAP, bridge, MAC of the lease).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::model::origin::Origin;
use crate::types::{InterfaceName, MacAddr};

/// The networking modes (VirtualBox vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Uplink on the bridge: guests are on the LAN.
    Bridged,
    /// Private bridge, DHCP, forwarding, masquerade.
    Nat,
    /// Private subnet, forwarding, no masquerade; the LAN routes to it.
    Routed,
    /// Private bridge with a host address, no forwarding.
    HostOnly,
    /// Bridge the host cannot be reached from.
    Internal,
    /// QEMU user networking (slirp): nothing on the host.
    User,
}

impl Mode {
    /// All modes.
    pub const ALL: [Self; 6] = [
        Self::Bridged,
        Self::Nat,
        Self::Routed,
        Self::HostOnly,
        Self::Internal,
        Self::User,
    ];

    /// The name used in playbooks.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bridged => "bridged",
            Self::Nat => "nat",
            Self::Routed => "routed",
            Self::HostOnly => "host_only",
            Self::Internal => "internal",
            Self::User => "user",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.name() == text || mode.name().replace('_', "-") == text)
            .ok_or_else(|| {
                format!("unknown mode `{text}` (expected bridged, nat, routed, host_only, internal or user)")
            })
    }
}

/// The guest NIC model QEMU emulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NicModel {
    /// `virtio-net-pci` (fast; Windows needs the virtio-win drivers).
    VirtioNetPci,
    /// `e1000` (works everywhere).
    E1000,
    /// `e1000e`.
    E1000e,
    /// `rtl8139`.
    Rtl8139,
}

impl NicModel {
    /// The `-device` name.
    pub fn device(self) -> &'static str {
        match self {
            Self::VirtioNetPci => "virtio-net-pci",
            Self::E1000 => "e1000",
            Self::E1000e => "e1000e",
            Self::Rtl8139 => "rtl8139",
        }
    }
}

impl FromStr for NicModel {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "virtio" | "virtio-net" | "virtio-net-pci" => Ok(Self::VirtioNetPci),
            "e1000" => Ok(Self::E1000),
            "e1000e" => Ok(Self::E1000e),
            "rtl8139" => Ok(Self::Rtl8139),
            other => Err(format!(
                "unknown NIC model `{other}` (expected virtio-net-pci, e1000, e1000e or rtl8139)"
            )),
        }
    }
}

impl fmt::Display for NicModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.device())
    }
}

/// How the guest's NIC reaches the host side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// A persistent TAP hostnet creates.
    Tap { tap: InterfaceName },
    /// QEMU's bridge helper (`-netdev bridge,br=…`, `/etc/qemu/bridge.conf`).
    BridgeHelper { bridge: InterfaceName },
    /// QEMU user networking.
    User {
        net: Option<Ipv4Net>,
        dhcpstart: Option<Ipv4Addr>,
        hostfwd: Vec<String>,
        restrict: bool,
        hostname: Option<String>,
    },
}

/// A guest.
#[derive(Clone, Debug, Serialize)]
pub struct Vm {
    /// Its name (also the source of a generated MAC).
    pub name: String,
    /// The mode of its network.
    pub mode: Mode,
    /// Its NIC's attachment.
    pub attachment: Attachment,
    /// Its MAC (from the playbook, or generated from the name).
    pub mac: MacAddr,
    /// Was the MAC generated?
    pub mac_generated: bool,
    /// Its fixed address, when it has one.
    pub ip: Option<Ipv4Addr>,
    /// NIC model.
    pub model: NicModel,
    /// Who asked for it.
    pub origin: Origin,
}

/// A stable, locally administered unicast MAC derived from a VM name
/// (FNV-1a), so a guest keeps its lease across runs and reboots.
pub fn generated_mac(name: &str) -> MacAddr {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let bytes = hash.to_be_bytes();
    MacAddr([0x02, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_macs_are_stable_local_unicast() {
        let mac = generated_mac("win7");
        assert_eq!(mac, generated_mac("win7"));
        assert_ne!(mac, generated_mac("win8"));
        assert!(mac.is_local() && !mac.is_multicast());
        assert_eq!(mac.to_string().len(), 17);
    }

    #[test]
    fn mode_names() {
        assert_eq!("host-only".parse::<Mode>().unwrap(), Mode::HostOnly);
        assert_eq!("nat".parse::<Mode>().unwrap().name(), "nat");
        assert!("natt".parse::<Mode>().is_err());
    }
}
