//! The host's devices as the network backends bring them up: one typed view
//! of the model, built once (after validation) and read by every network
//! backend, so none of them re-derives which interface is whose port.
//!
//! Order: each bridge with its ports (in the order written), then the TAPs
//! on no bridge, then the NICs that are neither ports nor TAPs nor bridges.
//! An `interface` task with the name of a bridge, TAP or port configures that
//! device (a host-only TAP's address, a bridge's routes, a port's MTU): it is
//! attached as the device's `config`, not listed as a NIC of its own. Each
//! name appears once; duplicates are validation's business.
//!
//! Decisions every network backend needs the same way are made here:
//! - the MAC each bridge gets: the one written (on the bridge or its
//!   `interface` task), else its uplink's (the first NIC port's, from its
//!   `interface` task or the facts), so the host's LAN lease stays the
//!   uplink's whatever the kernel would pick (the lowest port MAC, a TAP's
//!   random one; networkd generates its own); a bridge of TAPs only gets a
//!   stable generated MAC, so the host's address on it keeps its neighbour
//!   entries in the guests across reboots;
//! - which ports are wireless (they need `4addr` to be enslaved);
//! - the per-device kernel parameters (`net.ipv4.conf.br0.proxy_arp`) of the
//!   devices hostnet creates: the distro's sysctl service runs before they
//!   exist, so the backend applies them when the device comes up.

use foldhash::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::change::TaskId;
use crate::facts::Facts;
use crate::model::vm::generated_mac;
use crate::model::{Bridge, HostModel, Interface, Route, Tap};
use crate::types::{InterfaceName, MacAddr};

/// Every device the network backends configure, in bring-up order.
#[derive(Debug)]
pub struct Topology<'m> {
    /// Bridges with their ports.
    pub bridges: Vec<BridgeDevice<'m>>,
    /// TAPs on no bridge (host-only TAPs).
    pub taps: Vec<TapDevice<'m>>,
    /// NICs that are neither ports, TAPs nor bridges (routed or NAT uplinks).
    pub nics: Vec<&'m Interface>,
}

/// A bridge, its ports, and the `interface` task of its name.
#[derive(Debug)]
pub struct BridgeDevice<'m> {
    /// The bridge.
    pub bridge: &'m Bridge,
    /// An `interface` task with the bridge's name (its routes; MAC/MTU when the bridge sets none).
    pub config: Option<&'m Interface>,
    /// Its ports, in order, each once.
    pub ports: Vec<Port<'m>>,
    /// The MAC it gets, and why.
    pub mac: BridgeMac<'m>,
    /// Its kernel parameters, applied when it comes up.
    pub sysctls: Vec<DeviceSysctl>,
}

/// Where a bridge's MAC comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BridgeMac<'m> {
    /// Written on the bridge (or on an `interface` task of its name).
    Written(MacAddr),
    /// Its uplink's: the first NIC port's.
    Uplink { port: &'m InterfaceName, mac: MacAddr },
    /// Generated from its name and the host's identity (a bridge of TAPs only).
    Generated(MacAddr),
    /// Its uplink's, but the uplink's MAC is not known (no fact, none written).
    Unknown { port: &'m InterfaceName },
}

impl BridgeMac<'_> {
    /// The MAC to set, when known.
    pub fn mac(&self) -> Option<MacAddr> {
        match self {
            Self::Written(mac) | Self::Uplink { mac, .. } | Self::Generated(mac) => Some(*mac),
            Self::Unknown { .. } => None,
        }
    }
}

/// A per-device kernel parameter: `/proc/sys/net/{family}/conf/{device}/{key}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSysctl {
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// The device.
    pub device: InterfaceName,
    /// The parameter under `conf/DEVICE/` (`proxy_arp`).
    pub key: String,
    /// Its value.
    pub value: String,
}

impl DeviceSysctl {
    /// The file under `/proc/sys`.
    pub fn proc_path(&self) -> String {
        format!("/proc/sys/net/{}/conf/{}/{}", self.family, self.device, self.key)
    }

    /// The key as `sysctl` takes it (`/` separators, so a device name with a dot stays whole).
    pub fn sysctl_key(&self) -> String {
        format!("net/{}/conf/{}/{}", self.family, self.device, self.key)
    }
}

/// A bridge port.
#[derive(Debug)]
pub struct Port<'m> {
    /// Its name.
    pub name: &'m InterfaceName,
    /// What it is.
    pub kind: PortKind<'m>,
    /// An `interface` task with the port's name (MAC, MTU).
    pub config: Option<&'m Interface>,
    /// Is it a wireless NIC (from its `interface` task, else the facts)?
    /// The kernel enslaves one only in 4-address mode (`iw dev X set 4addr on`).
    pub wireless: bool,
}

/// What a bridge port is.
#[derive(Debug)]
pub enum PortKind<'m> {
    /// A TAP hostnet creates.
    Tap(&'m Tap),
    /// An existing NIC (the uplink).
    Nic,
}

/// A TAP on no bridge and the `interface` task of its name (its address).
#[derive(Debug)]
pub struct TapDevice<'m> {
    /// The TAP.
    pub tap: &'m Tap,
    /// An `interface` task with the TAP's name.
    pub config: Option<&'m Interface>,
    /// Its kernel parameters, applied when it comes up.
    pub sysctls: Vec<DeviceSysctl>,
}

impl<'m> Topology<'m> {
    /// The topology of `model` on the host `facts` describe.
    pub fn of(model: &'m HostModel, facts: &Facts) -> Self {
        let taps: HashMap<&str, &Tap> = model.taps.iter().rev().map(|tap| (tap.name.as_str(), tap)).collect();
        let configs: HashMap<&str, &Interface> = model
            .interfaces
            .iter()
            .rev()
            .map(|interface| (interface.name.as_str(), interface))
            .collect();
        let mut seen: HashSet<&str> = HashSet::default();
        let mut bridges = Vec::new();
        for bridge in &model.bridges {
            let mut ports = Vec::new();
            for port in &bridge.ports {
                let name = port.value.as_str();
                if !seen.insert(name) {
                    continue;
                }
                let config = configs.get(name).copied();
                let tap = taps.get(name);
                ports.push(Port {
                    name: &port.value,
                    kind: tap.map_or(PortKind::Nic, |tap| PortKind::Tap(tap)),
                    config,
                    wireless: tap.is_none()
                        && config.map_or_else(
                            || facts.interface(name).is_some_and(|fact| fact.wireless),
                            |config| config.wireless,
                        ),
                });
            }
            if seen.insert(bridge.name.as_str()) {
                let config = configs.get(bridge.name.as_str()).copied();
                bridges.push(BridgeDevice {
                    bridge,
                    config,
                    mac: bridge_mac(bridge, config, &ports, facts),
                    sysctls: device_sysctls(model, &bridge.name),
                    ports,
                });
            }
        }
        let mut standalone = Vec::new();
        for tap in &model.taps {
            if seen.insert(tap.name.as_str()) {
                standalone.push(TapDevice {
                    tap,
                    config: configs.get(tap.name.as_str()).copied(),
                    sysctls: device_sysctls(model, &tap.name),
                });
            }
        }
        let mut nics = Vec::new();
        for interface in &model.interfaces {
            if seen.insert(interface.name.as_str()) {
                nics.push(interface);
            }
        }
        Self {
            bridges,
            taps: standalone,
            nics,
        }
    }

    /// Is there any device at all?
    pub fn is_empty(&self) -> bool {
        self.bridges.is_empty() && self.taps.is_empty() && self.nics.is_empty()
    }

    /// The tasks that fed every device, in order, each once.
    pub fn origins(&self) -> Vec<TaskId> {
        let mut origins: Vec<TaskId> = Vec::new();
        for bridge in &self.bridges {
            origins.extend(bridge.origins());
            for port in &bridge.ports {
                origins.extend(port.origins());
            }
        }
        for tap in &self.taps {
            origins.extend(tap.origins());
        }
        origins.extend(self.nics.iter().map(|nic| nic.origin.task));
        let mut seen = HashSet::default();
        origins.retain(|task| seen.insert(*task));
        origins
    }
}

/// The MAC `bridge` gets (see the module's documentation).
fn bridge_mac<'m>(bridge: &Bridge, config: Option<&Interface>, ports: &[Port<'m>], facts: &Facts) -> BridgeMac<'m> {
    if let Some(mac) = bridge.mac.or(config.and_then(|config| config.mac)) {
        return BridgeMac::Written(mac);
    }
    let Some(uplink) = ports.iter().find(|port| port.tap().is_none()) else {
        let seed = facts.machine_id.as_deref();
        return BridgeMac::Generated(generated_mac(seed, &format!("bridge {}", bridge.name)));
    };
    let mac = uplink
        .config
        .and_then(|config| config.mac)
        .or_else(|| facts.interface(uplink.name.as_str()).and_then(|fact| fact.mac));
    match mac {
        Some(mac) => BridgeMac::Uplink { port: uplink.name, mac },
        None => BridgeMac::Unknown { port: uplink.name },
    }
}

/// The model's `net.ipv4.conf.DEVICE.KEY` (and `ipv6`) parameters of `device`
/// (the sysctl module writes `.` or `/` separators; either way the device
/// name is what lies between `conf.` and the last component).
fn device_sysctls(model: &HostModel, device: &InterfaceName) -> Vec<DeviceSysctl> {
    let mut found = Vec::new();
    for sysctl in &model.sysctls {
        for family in ["ipv4", "ipv6"] {
            let prefix = format!("net.{family}.conf.{device}.");
            if let Some(key) = sysctl.name.strip_prefix(&prefix)
                && !key.is_empty()
                && !key.contains('.')
            {
                found.push(DeviceSysctl {
                    family: family.to_owned(),
                    device: device.clone(),
                    key: key.to_owned(),
                    value: sysctl.value.clone(),
                });
            }
        }
    }
    found
}

impl BridgeDevice<'_> {
    /// The bridge's task and its `interface` task, if any.
    pub fn origins(&self) -> Vec<TaskId> {
        with_config(self.bridge.origin.task, self.config)
    }

    /// The routes through a gateway: its `interface` task's, then its own `gateway`'s default route.
    pub fn routes(&self) -> Vec<Route> {
        let mut routes: Vec<Route> = self.config.map(|config| config.routes.clone()).unwrap_or_default();
        if let Some(gateway) = &self.bridge.gateway {
            routes.push(Route {
                to: None,
                via: gateway.value,
                metric: None,
            });
        }
        routes
    }

    /// Routes on the bridge's link (its `interface` task's).
    pub fn link_routes(&self) -> &[IpNet] {
        self.config.map_or(&[], |config| config.link_routes.as_slice())
    }

    /// Name servers: the bridge's own, else its `interface` task's.
    pub fn dns(&self) -> &[IpAddr] {
        if self.bridge.dns.is_empty() {
            self.config.map_or(&[], |config| config.dns.as_slice())
        } else {
            &self.bridge.dns
        }
    }

    /// Its wireless NIC ports (each needs 4-address mode).
    pub fn wireless_ports(&self) -> impl Iterator<Item = &InterfaceName> {
        self.ports.iter().filter(|port| port.wireless).map(|port| port.name)
    }

    /// The ports that are TAPs.
    pub fn taps(&self) -> impl Iterator<Item = &Tap> {
        self.ports.iter().filter_map(|port| match port.kind {
            PortKind::Tap(tap) => Some(tap),
            PortKind::Nic => None,
        })
    }

    /// Are all its ports TAPs (a private bridge; true without ports)?
    pub fn only_taps(&self) -> bool {
        self.ports.iter().all(|port| matches!(port.kind, PortKind::Tap(_)))
    }
}

impl Port<'_> {
    /// The TAP's task (for a TAP port) and the port's `interface` task, if any.
    pub fn origins(&self) -> Vec<TaskId> {
        let mut origins = Vec::new();
        if let PortKind::Tap(tap) = self.kind {
            origins.push(tap.origin.task);
        }
        origins.extend(self.config.map(|config| config.origin.task));
        origins
    }

    /// The TAP, for a TAP port.
    pub fn tap(&self) -> Option<&Tap> {
        match self.kind {
            PortKind::Tap(tap) => Some(tap),
            PortKind::Nic => None,
        }
    }
}

impl TapDevice<'_> {
    /// The TAP's task and its `interface` task, if any.
    pub fn origins(&self) -> Vec<TaskId> {
        with_config(self.tap.origin.task, self.config)
    }
}

fn with_config(task: TaskId, config: Option<&Interface>) -> Vec<TaskId> {
    let mut origins = vec![task];
    origins.extend(config.map(|config| config.origin.task));
    origins
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::InterfaceFact;
    use crate::model::{AddressConfig, Origin, Sysctl, Written};
    use crate::source::{Pos, Source};
    use crate::value::At;

    fn pos() -> Pos {
        Pos::new(&Source::new("t.yml", "x\n"), 1, 1)
    }

    fn name(text: &str) -> InterfaceName {
        text.parse().unwrap()
    }

    fn origin(task: usize) -> Origin {
        Origin {
            task: TaskId(task),
            pos: pos(),
        }
    }

    fn interface(text: &str, task: usize) -> Interface {
        Interface {
            name: name(text),
            address: AddressConfig::None,
            mac: None,
            mtu: None,
            routes: Vec::new(),
            link_routes: Vec::new(),
            dns: Vec::new(),
            wireless: false,
            written: Written::default(),
            origin: origin(task),
        }
    }

    fn tap(text: &str, task: usize) -> Tap {
        Tap {
            name: name(text),
            user: None,
            group: None,
            mac: None,
            multi_queue: false,
            vnet_hdr: false,
            written: Written::default(),
            origin: origin(task),
        }
    }

    fn bridge(text: &str, ports: &[&str], task: usize) -> Bridge {
        Bridge {
            name: name(text),
            ports: ports
                .iter()
                .map(|port| At {
                    value: name(port),
                    pos: pos(),
                })
                .collect(),
            address: AddressConfig::Dhcp,
            address_pos: pos(),
            mac: None,
            mtu: None,
            stp: false,
            forward_delay: None,
            hello_time: None,
            max_age: None,
            priority: None,
            gateway: None,
            dns: Vec::new(),
            written: Written::default(),
            origin: origin(task),
        }
    }

    fn facts() -> Facts {
        Facts::bare(crate::facts::Distro::Debian)
    }

    #[test]
    fn ports_taps_and_nics_each_once_in_bring_up_order() {
        let model = HostModel {
            interfaces: vec![
                interface("eth0", 0),
                interface("br0", 4),
                interface("tap9", 5),
                interface("eth1", 6),
                interface("eth1", 7),
            ],
            taps: vec![tap("tap0", 1), tap("tap9", 2)],
            bridges: vec![bridge("br0", &["eth0", "tap0", "eth0"], 3)],
            ..HostModel::default()
        };
        let topology = Topology::of(&model, &facts());
        let bridge = &topology.bridges[0];
        assert_eq!(bridge.bridge.name.as_str(), "br0");
        assert_eq!(bridge.config.map(|c| c.origin.task), Some(TaskId(4)));
        let ports: Vec<(&str, bool, Option<TaskId>)> = bridge
            .ports
            .iter()
            .map(|port| {
                (
                    port.name.as_str(),
                    port.tap().is_some(),
                    port.config.map(|c| c.origin.task),
                )
            })
            .collect();
        assert_eq!(ports, [("eth0", false, Some(TaskId(0))), ("tap0", true, None)]);
        assert!(!bridge.only_taps());
        assert_eq!(bridge.taps().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["tap0"]);
        let taps: Vec<(&str, Option<TaskId>)> = topology
            .taps
            .iter()
            .map(|tap| (tap.tap.name.as_str(), tap.config.map(|c| c.origin.task)))
            .collect();
        assert_eq!(taps, [("tap9", Some(TaskId(5)))]);
        // `eth1` twice is one NIC (the second is a validation error, not a second device).
        let nics: Vec<(&str, TaskId)> = topology
            .nics
            .iter()
            .map(|nic| (nic.name.as_str(), nic.origin.task))
            .collect();
        assert_eq!(nics, [("eth1", TaskId(6))]);
        assert_eq!(
            topology.origins(),
            [
                TaskId(3),
                TaskId(4),
                TaskId(0),
                TaskId(1),
                TaskId(2),
                TaskId(5),
                TaskId(6)
            ]
        );
    }

    #[test]
    fn a_private_bridge_has_only_taps() {
        let model = HostModel {
            taps: vec![tap("tap0", 0)],
            bridges: vec![bridge("br0", &["tap0"], 1), bridge("br1", &[], 2)],
            ..HostModel::default()
        };
        let topology = Topology::of(&model, &facts());
        assert!(topology.bridges.iter().all(BridgeDevice::only_taps));
        assert!(topology.taps.is_empty() && topology.nics.is_empty());
        assert!(!topology.is_empty());
        assert!(Topology::of(&HostModel::default(), &facts()).is_empty());
    }

    #[test]
    fn a_bridge_takes_its_uplinks_mac_and_a_private_one_a_stable_generated_mac() {
        let mut facts = facts();
        facts.interfaces.push(InterfaceFact {
            name: name("eth0"),
            mac: Some("52:54:00:12:34:56".parse().unwrap()),
            wireless: false,
            addresses: Vec::new(),
            gateway: None,
            accept_ra: None,
            networkd: None,
        });
        let model = HostModel {
            taps: vec![tap("tap0", 0), tap("tap1", 1)],
            bridges: vec![
                bridge("br0", &["tap0", "eth0"], 2),
                bridge("br1", &["tap1"], 3),
                bridge("br2", &["eth9"], 4),
            ],
            ..HostModel::default()
        };
        let topology = Topology::of(&model, &facts);
        let macs: Vec<BridgeMac<'_>> = topology.bridges.iter().map(|bridge| bridge.mac.clone()).collect();
        let eth0 = name("eth0");
        let eth9 = name("eth9");
        assert_eq!(
            macs,
            [
                BridgeMac::Uplink {
                    port: &eth0,
                    mac: "52:54:00:12:34:56".parse().unwrap()
                },
                BridgeMac::Generated(generated_mac(None, "bridge br1")),
                BridgeMac::Unknown { port: &eth9 },
            ]
        );
        assert_eq!(macs[1].mac().unwrap().to_string(), "02:75:d9:2f:4b:5a");
        // The host's identity changes the generated MAC; a written MAC wins over all.
        facts.machine_id = Some("0123456789abcdef0123456789abcdef".into());
        let first = macs[1].mac();
        let mut model = model.clone();
        model.bridges[0].mac = Some("02:00:00:00:00:01".parse().unwrap());
        let topology = Topology::of(&model, &facts);
        assert_eq!(
            topology.bridges[0].mac,
            BridgeMac::Written("02:00:00:00:00:01".parse().unwrap())
        );
        assert_eq!(
            topology.bridges[1].mac,
            BridgeMac::Generated(generated_mac(facts.machine_id.as_deref(), "bridge br1"))
        );
        assert_ne!(topology.bridges[1].mac.mac(), first);
    }

    #[test]
    fn per_device_kernel_parameters_and_wireless_ports() {
        let mut facts = facts();
        facts.interfaces.push(InterfaceFact {
            name: name("wlan0"),
            mac: None,
            wireless: true,
            addresses: Vec::new(),
            gateway: None,
            accept_ra: None,
            networkd: None,
        });
        let sysctl = |key: &str| Sysctl {
            name: key.into(),
            value: "1".into(),
            origin: origin(9),
        };
        let model = HostModel {
            taps: vec![tap("tap0", 0), tap("eth0.100", 1)],
            bridges: vec![bridge("br0", &["tap0", "wlan0"], 2)],
            sysctls: vec![
                sysctl("net.ipv4.conf.br0.proxy_arp"),
                sysctl("net.ipv4.conf.wlan0.proxy_arp"),
                sysctl("net.ipv4.conf.eth0.100.forwarding"),
                sysctl("net.ipv4.ip_forward"),
            ],
            ..HostModel::default()
        };
        let topology = Topology::of(&model, &facts);
        let bridge = &topology.bridges[0];
        assert_eq!(
            bridge.sysctls.iter().map(DeviceSysctl::proc_path).collect::<Vec<_>>(),
            ["/proc/sys/net/ipv4/conf/br0/proxy_arp"]
        );
        assert_eq!(
            bridge.wireless_ports().map(InterfaceName::as_str).collect::<Vec<_>>(),
            ["wlan0"]
        );
        assert_eq!(
            topology.taps[0]
                .sysctls
                .iter()
                .map(DeviceSysctl::sysctl_key)
                .collect::<Vec<_>>(),
            ["net/ipv4/conf/eth0.100/forwarding"]
        );
    }
}
