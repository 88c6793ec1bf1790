//! Guests declared by `vm_network`, kept so `hostnet qemu` prints arguments
//! that match exactly what the plan renders (TAP, bridge, MAC of the lease).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::model::netdev::{HostFwd, SocketEnd, VdeSocket};
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
    /// Guests on the LAN's subnet behind a wireless uplink: the host answers
    /// ARP for them on the uplink and routes to each by a host route.
    ProxyArp,
    /// QEMU `socket` netdevs between guests: nothing on the host.
    Socket,
    /// A VDE switch's port per guest (the switch is not hostnet's).
    Vde,
    /// A QEMU-internal hub (`hubport`): NICs on one hub inside each QEMU.
    Hubport,
}

impl Mode {
    /// All modes.
    pub const ALL: [Self; 10] = [
        Self::Bridged,
        Self::Nat,
        Self::Routed,
        Self::HostOnly,
        Self::Internal,
        Self::User,
        Self::ProxyArp,
        Self::Socket,
        Self::Vde,
        Self::Hubport,
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
            Self::ProxyArp => "proxy_arp",
            Self::Socket => "socket",
            Self::Vde => "vde",
            Self::Hubport => "hubport",
        }
    }

    /// Does every guest get a TAP (or the bridge helper) on a host bridge?
    pub fn uses_taps(self) -> bool {
        !matches!(self, Self::User | Self::Socket | Self::Vde | Self::Hubport)
    }

    /// Are the guests on the LAN the uplink is on (so their MACs meet other hosts')?
    pub fn on_the_lan(self) -> bool {
        matches!(self, Self::Bridged | Self::ProxyArp)
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.name() == text || mode.name().replace('_', "-") == text)
            .ok_or_else(|| {
                format!(
                    "unknown mode `{text}` (expected bridged, nat, routed, host_only, internal, user, \
                     proxy_arp, socket, vde or hubport)"
                )
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

    /// libvirt's `<model type='…'/>`.
    pub fn libvirt(self) -> &'static str {
        match self {
            Self::VirtioNetPci => "virtio",
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
        hostfwd: Vec<HostFwd>,
        restrict: bool,
        hostname: Option<String>,
    },
    /// A `socket` netdev (listen, connect, multicast or UDP).
    Socket { end: SocketEnd },
    /// A port of a VDE switch.
    Vde { sock: VdeSocket, port: Option<u16> },
    /// A port of a QEMU-internal hub.
    Hubport { hub: u32 },
}

/// A guest.
#[derive(Clone, Debug, Serialize)]
pub struct Vm {
    /// Its name (also the source of a generated MAC). A VM in several
    /// networks has one `Vm` per NIC, in playbook order.
    pub name: String,
    /// The network this NIC is on (its bridge, `user`, the socket, …): one
    /// NIC per VM and network.
    pub network: String,
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
    /// vhost-net for the TAP (`vhost=on`): the kernel moves the packets.
    pub vhost: bool,
    /// Who asked for it.
    pub origin: Origin,
}

/// A stable, locally administered unicast MAC derived from a name (a VM's,
/// or a bridge's) and, when known, the host's identity `seed` (the
/// `mac_seed` variable, else `/etc/machine-id`): FNV-1a over the seed, a
/// NUL byte and the name, so a guest keeps its lease across runs and
/// reboots, and two hosts that bridge guests of the same name onto one LAN
/// do not give them the same MAC. Without a seed, the name alone.
pub fn generated_mac(seed: Option<&str>, name: &str) -> MacAddr {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    if let Some(seed) = seed {
        feed(seed.as_bytes());
        feed(&[0]);
    }
    feed(name.as_bytes());
    let bytes = hash.to_be_bytes();
    MacAddr([0x02, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_macs_are_stable_local_unicast() {
        let mac = generated_mac(None, "win7");
        assert_eq!(mac, generated_mac(None, "win7"));
        assert_ne!(mac, generated_mac(None, "win8"));
        assert!(mac.is_local() && !mac.is_multicast());
        assert_eq!(mac.to_string(), "02:a6:1f:bf:f6:55");
        // Two hosts, one VM name: two MACs; one host: the same one every run.
        let seed = "0123456789abcdef0123456789abcdef";
        let here = generated_mac(Some(seed), "win7");
        assert_eq!(here, generated_mac(Some(seed), "win7"));
        assert_ne!(here, generated_mac(Some("fedcba9876543210fedcba9876543210"), "win7"));
        assert_ne!(here, mac);
        assert!(here.is_local() && !here.is_multicast());
    }

    #[test]
    fn mode_names() {
        assert_eq!("host-only".parse::<Mode>().unwrap(), Mode::HostOnly);
        assert_eq!("nat".parse::<Mode>().unwrap().name(), "nat");
        assert!("natt".parse::<Mode>().is_err());
    }
}
