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

use std::collections::{HashMap, HashSet};

use crate::change::TaskId;
use crate::model::{Bridge, HostModel, Interface, Tap};
use crate::types::InterfaceName;

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
}

impl<'m> Topology<'m> {
    /// The topology of `model`.
    pub fn of(model: &'m HostModel) -> Self {
        let taps: HashMap<&str, &Tap> = model.taps.iter().rev().map(|tap| (tap.name.as_str(), tap)).collect();
        let configs: HashMap<&str, &Interface> = model
            .interfaces
            .iter()
            .rev()
            .map(|interface| (interface.name.as_str(), interface))
            .collect();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut bridges = Vec::new();
        for bridge in &model.bridges {
            let mut ports = Vec::new();
            for port in &bridge.ports {
                let name = port.value.as_str();
                if !seen.insert(name) {
                    continue;
                }
                ports.push(Port {
                    name: &port.value,
                    kind: taps.get(name).map_or(PortKind::Nic, |tap| PortKind::Tap(tap)),
                    config: configs.get(name).copied(),
                });
            }
            if seen.insert(bridge.name.as_str()) {
                bridges.push(BridgeDevice {
                    bridge,
                    config: configs.get(bridge.name.as_str()).copied(),
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
        let mut seen = HashSet::new();
        origins.retain(|task| seen.insert(*task));
        origins
    }
}

impl BridgeDevice<'_> {
    /// The bridge's task and its `interface` task, if any.
    pub fn origins(&self) -> Vec<TaskId> {
        with_config(self.bridge.origin.task, self.config)
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
    use crate::model::{AddressConfig, Origin, Written};
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
            written: Written::default(),
            origin: origin(task),
        }
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
        let topology = Topology::of(&model);
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
        let topology = Topology::of(&model);
        assert!(topology.bridges.iter().all(BridgeDevice::only_taps));
        assert!(topology.taps.is_empty() && topology.nics.is_empty());
        assert!(!topology.is_empty());
        assert!(Topology::of(&HostModel::default()).is_empty());
    }
}
