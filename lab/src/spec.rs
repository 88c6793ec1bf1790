//! What the lab builds for a playbook, read from its model: the mode whose
//! promise is checked, the bridge and its TAPs (one guest each, with the
//! MAC its fixed lease is for), the uplink the host's LAN NIC is named
//! after, and the firewall backend the plan chose.
//!
//! The mode is the `vm_network` task's when there is one; for a playbook
//! written task by task it follows from what the tasks ask: a bridge port
//! that is not a TAP (the uplink on the bridge) is bridged, a masquerade is
//! nat, forwarding without masquerade is routed, a bridge with the host's
//! address is host-only, one without is internal. A `mac_nat` on the
//! bridge's uplink is mac_nat; proxy ARP on a NIC besides the bridge is
//! proxy_arp (that NIC is the uplink, the bridge's host routes are the
//! guests' fixed addresses).

use std::net::Ipv4Addr;

use hostnet_engine::model::vm::{Attachment, Mode as VmMode};
use hostnet_engine::model::{AddressConfig, HostModel};
use ipnet::IpNet;

use crate::error::LabError;
use crate::expect::{Firewall, Mode};

/// Does a firewall task keep the guests on `bridge` from the host?
fn isolated(model: &HostModel, bridge: &str) -> bool {
    model.firewall.iter().any(|rule| {
        matches!(&rule.intent, hostnet_engine::model::FirewallIntent::IsolateHost { interface } if interface.as_str() == bridge)
    })
}

/// One guest: a namespace behind the playbook's TAP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestSpec {
    /// The guest's name (the fixed lease's host name, or the TAP's).
    pub name: String,
    /// Its TAP.
    pub tap: String,
    /// Its MAC: the fixed lease's, or one the lab makes up.
    pub mac: String,
    /// The address its fixed lease gives it.
    pub fixed: Option<Ipv4Addr>,
    /// Its NIC's QEMU `-device` (the `vm_network` guest's `model`, else virtio).
    pub model: &'static str,
}

/// What the lab builds and checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The mode whose row is promised.
    pub mode: Mode,
    /// The firewall backend the plan chose.
    pub firewall: Firewall,
    /// The guests' bridge.
    pub bridge: String,
    /// The host's NIC on the LAN (the playbook's uplink, else `eth0`).
    pub uplink: String,
    /// The host's address on the bridge (not in bridged mode).
    pub host_address: Option<Ipv4Addr>,
    /// The bridge takes its address from the LAN's DHCP (bridged).
    pub bridge_dhcp: bool,
    /// One per TAP on the bridge.
    pub guests: Vec<GuestSpec>,
    /// The host serves DHCP on the bridge: every guest must get a lease.
    pub dhcp: bool,
    /// The accounts the TAPs are owned by (users, then groups): the lab's
    /// sandbox has them, whether or not this machine does.
    pub accounts: (Vec<String>, Vec<String>),
    /// The uplink's rename at boot the playbook asks udev for (the lab
    /// plays it).
    pub rename: Option<crate::rename::Rename>,
    /// The guests' IPv6 (`None`: an IPv4-only playbook).
    pub ipv6: Option<crate::ipv6::Spec6>,
}

impl Spec {
    /// Read the spec from a prepared model; `firewall` is the chosen
    /// firewall backend's id (`iptables`, `nftables`, `ufw`), if any.
    pub fn from_model(model: &HostModel, firewall: Option<&str>) -> Result<Self, LabError> {
        let is_tap = |name: &str| model.taps.iter().any(|tap| tap.name.as_str() == name);
        let bridge = model
            .bridges
            .iter()
            .find(|bridge| bridge.ports.iter().any(|port| is_tap(port.value.as_str())))
            .ok_or_else(|| {
                LabError::with_hint(
                    "the playbook puts no TAP on a bridge: the lab has no guest to put behind it",
                    "`hostnet lab` proves the bridged, nat, routed, host-only and internal modes; \
                     user mode and socket networks put nothing on the host",
                )
            })?;
        let uplink_port = bridge
            .ports
            .iter()
            .map(|port| port.value.as_str())
            .find(|port| !is_tap(port));
        let nat = model.nats.first();
        let mac_nat = model
            .mac_nats
            .iter()
            .find(|mac_nat| Some(mac_nat.uplink.value.as_str()) == uplink_port);
        // Proxy ARP on the bridge and on the NIC towards the LAN.
        let proxy_arp: Vec<&str> = model
            .sysctls
            .iter()
            .filter(|sysctl| sysctl.value == "1")
            .filter_map(|sysctl| sysctl.name.strip_prefix("net.ipv4.conf.")?.strip_suffix(".proxy_arp"))
            .collect();
        let proxy_arp_uplink = proxy_arp.iter().find(|name| **name != bridge.name.as_str());
        let declared = model.vms.iter().find_map(|vm| match &vm.attachment {
            Attachment::Tap { tap } if bridge.ports.iter().any(|port| port.value == *tap) => Some(vm.mode),
            _ => None,
        });
        let mode = match declared {
            _ if mac_nat.is_some() => Mode::MacNat,
            Some(VmMode::ProxyArp) => Mode::ProxyArp,
            None if proxy_arp_uplink.is_some() => Mode::ProxyArp,
            Some(VmMode::Bridged) => Mode::Bridged,
            Some(VmMode::Nat) => Mode::Nat,
            Some(VmMode::Routed) => Mode::Routed,
            Some(VmMode::HostOnly) => Mode::HostOnly,
            Some(VmMode::Internal) => Mode::Internal,
            Some(other) => {
                return Err(LabError::new(format!(
                    "the lab does not prove {} networks yet: it measures bridged, nat, routed, host-only and internal",
                    format!("{other:?}").to_lowercase()
                )));
            }
            None if uplink_port.is_some() => Mode::Bridged,
            None => match nat {
                Some(nat) if nat.masquerade => Mode::Nat,
                Some(_) => Mode::Routed,
                None if bridge.address.addresses().is_empty() || isolated(model, bridge.name.as_str()) => {
                    Mode::Internal
                }
                None => Mode::HostOnly,
            },
        };
        let uplink = uplink_port
            .or(proxy_arp_uplink.copied())
            .map(str::to_owned)
            .or_else(|| {
                nat.and_then(|nat| nat.out_interface.as_ref())
                    .map(|name| name.as_str().to_owned())
            })
            .unwrap_or_else(|| "eth0".to_owned());
        let host_net = bridge.address.addresses().iter().find_map(|address| match address {
            IpNet::V4(net) => Some(*net),
            IpNet::V6(_) => None,
        });
        let host_address = host_net.map(|net| net.addr());
        if mode == Mode::ProxyArp {
            crate::lan::proxy_arp_fits(host_net, model, bridge.name.as_str())?;
        } else if let Some(net) = host_net {
            let lan: ipnet::Ipv4Net = crate::topology::LAN
                .parse()
                .map_err(|_| LabError::new("the lab's LAN"))?;
            if net.contains(&lan.network()) || lan.contains(&net.network()) {
                return Err(LabError::with_hint(
                    format!("the guests' subnet {} overlaps the lab's LAN {lan}", net.trunc()),
                    "the lab's LAN is 192.168.1.0/24: a nat, routed, host-only or internal network needs a subnet of its own \
                     (guests on the LAN's own subnet are proxy_arp's, bridged's or mac_nat's)",
                ));
            }
        }
        let leases: Vec<_> = model
            .dhcp_servers
            .iter()
            .filter(|server| server.interface.value == bridge.name)
            .flat_map(|server| server.hosts.iter().map(|host| &host.value))
            .collect();
        let bridge_routes: Vec<Ipv4Addr> = model
            .interfaces
            .iter()
            .filter(|interface| interface.name == bridge.name)
            .flat_map(|interface| &interface.link_routes)
            .filter_map(|net| match net {
                IpNet::V4(net) if net.prefix_len() == 32 => Some(net.addr()),
                _ => None,
            })
            .collect();
        let guests = bridge
            .ports
            .iter()
            .map(|port| port.value.as_str())
            .filter(|port| is_tap(port))
            .enumerate()
            .map(|(index, tap)| {
                let vm = model
                    .vms
                    .iter()
                    .find(|vm| matches!(&vm.attachment, Attachment::Tap { tap: t } if t.as_str() == tap));
                let lease = vm
                    .and_then(|vm| leases.iter().find(|lease| lease.mac == vm.mac))
                    .or_else(|| leases.get(index))
                    .copied();
                let name = vm
                    .map(|vm| vm.name.clone())
                    .or_else(|| lease.and_then(|lease| lease.name.clone()))
                    .unwrap_or_else(|| tap.to_owned());
                // MAC NAT's guests, and proxy ARP's host routes (one per
                // guest, in the TAPs' order): their fixed addresses.
                let mac_nat_guest = mac_nat
                    .and_then(|mac_nat| mac_nat.guests.get(index))
                    .map(|guest| &guest.value);
                let routed = bridge_routes.get(index).copied().filter(|_| mode == Mode::ProxyArp);
                let mac = vm
                    .map(|vm| vm.mac.to_string())
                    .or_else(|| lease.map(|lease| lease.mac.to_string()))
                    .or_else(|| mac_nat_guest.map(|guest| guest.mac.to_string()));
                GuestSpec {
                    name,
                    tap: tap.to_owned(),
                    mac: mac.unwrap_or_else(|| format!("52:54:00:4c:ab:{:02x}", index + 1)),
                    fixed: lease
                        .and_then(|lease| lease.ip)
                        .or_else(|| vm.and_then(|vm| vm.ip))
                        .or_else(|| mac_nat_guest.map(|guest| guest.ip))
                        .or(routed),
                    model: vm.map_or("virtio-net-pci", |vm| vm.model.device()),
                }
            })
            .collect::<Vec<_>>();
        let ipv6 = (mode != Mode::Bridged)
            .then(|| {
                let macs: Vec<&str> = guests.iter().map(|guest: &GuestSpec| guest.mac.as_str()).collect();
                crate::ipv6::Spec6::from_model(model, bridge.name.as_str(), &macs)
            })
            .flatten();
        let firewall = match firewall {
            Some("nftables") => Firewall::Nftables,
            Some("ufw") => Firewall::Ufw,
            _ => Firewall::Iptables,
        };
        Ok(Self {
            mode,
            firewall,
            bridge: bridge.name.as_str().to_owned(),
            uplink,
            host_address,
            bridge_dhcp: matches!(bridge.address, AddressConfig::Dhcp),
            guests,
            dhcp: model
                .dhcp_servers
                .iter()
                .any(|server| server.interface.value == bridge.name),
            accounts: (
                model
                    .taps
                    .iter()
                    .filter_map(|tap| tap.user.as_ref())
                    .map(|user| user.value.as_str().to_owned())
                    .collect(),
                model
                    .taps
                    .iter()
                    .filter_map(|tap| tap.group.as_ref())
                    .map(|group| group.value.as_str().to_owned())
                    .collect(),
            ),
            rename: None,
            ipv6,
        })
    }

    /// Is the uplink a wireless NIC (by its name, as the lab simulates it)?
    pub fn wireless(&self) -> bool {
        self.uplink.starts_with("wl")
    }
}
