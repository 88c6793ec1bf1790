//! The model's items by name, built once after the tasks ran (the model no
//! longer changes then), so validation and the backends look a bridge, a
//! port's bridge, a TAP or an interface up in constant time instead of
//! scanning the lists once per item.
//!
//! Each name maps to its first definition, as the lists' own lookups
//! (`HostModel::bridge`, …) would find it; duplicates are validation's
//! business.

use foldhash::HashMap;

use crate::model::{Bridge, HostModel, Interface, Tap};

/// Bridges, ports, TAPs and interfaces by name.
#[derive(Debug, Default)]
pub struct Index<'m> {
    bridges: HashMap<&'m str, &'m Bridge>,
    ports: HashMap<&'m str, &'m Bridge>,
    taps: HashMap<&'m str, &'m Tap>,
    interfaces: HashMap<&'m str, &'m Interface>,
}

impl<'m> Index<'m> {
    /// The index of `model`.
    pub fn of(model: &'m HostModel) -> Self {
        let mut index = Self {
            bridges: HashMap::with_capacity_and_hasher(model.bridges.len(), foldhash::fast::RandomState::default()),
            ports: HashMap::default(),
            taps: HashMap::with_capacity_and_hasher(model.taps.len(), foldhash::fast::RandomState::default()),
            interfaces: HashMap::with_capacity_and_hasher(
                model.interfaces.len(),
                foldhash::fast::RandomState::default(),
            ),
        };
        for bridge in &model.bridges {
            index.bridges.entry(bridge.name.as_str()).or_insert(bridge);
            for port in &bridge.ports {
                index.ports.entry(port.value.as_str()).or_insert(bridge);
            }
        }
        for tap in &model.taps {
            index.taps.entry(tap.name.as_str()).or_insert(tap);
        }
        for interface in &model.interfaces {
            index.interfaces.entry(interface.name.as_str()).or_insert(interface);
        }
        index
    }

    /// The bridge with this name, if any.
    pub fn bridge(&self, name: &str) -> Option<&'m Bridge> {
        self.bridges.get(name).copied()
    }

    /// The (first) bridge a port belongs to, if any.
    pub fn bridge_of(&self, port: &str) -> Option<&'m Bridge> {
        self.ports.get(port).copied()
    }

    /// The TAP with this name, if any.
    pub fn tap(&self, name: &str) -> Option<&'m Tap> {
        self.taps.get(name).copied()
    }

    /// The interface with this name, if any.
    pub fn interface(&self, name: &str) -> Option<&'m Interface> {
        self.interfaces.get(name).copied()
    }

    /// Static addresses configured on a bridge or interface of this name
    /// (the bridge's when both exist, as `HostModel::static_addresses`).
    pub fn static_addresses(&self, name: &str) -> &'m [ipnet::IpNet] {
        if let Some(bridge) = self.bridge(name) {
            return bridge.address.addresses();
        }
        self.interface(name)
            .map_or(&[], |interface| interface.address.addresses())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddressConfig, Origin, Written};
    use crate::source::{Pos, Source};
    use crate::value::At;

    fn pos() -> Pos {
        Pos::new(&Source::new("site.yml", ""), 1, 1)
    }

    fn bridge(name: &str, ports: &[&str], address: &str) -> Bridge {
        Bridge {
            name: name.parse().unwrap(),
            ports: ports
                .iter()
                .map(|port| At {
                    value: port.parse().unwrap(),
                    pos: pos(),
                })
                .collect(),
            address: AddressConfig::Static(vec![address.parse().unwrap()]),
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
            origin: Origin {
                task: crate::change::TaskId(0),
                pos: pos(),
            },
        }
    }

    #[test]
    fn first_definition_wins_as_in_the_lists() {
        let model = HostModel {
            bridges: vec![
                bridge("br0", &["tap0", "tap1"], "172.16.1.1/24"),
                bridge("br1", &["tap1", "tap2"], "172.16.2.1/24"),
                bridge("br0", &["tap3"], "172.16.3.1/24"),
            ],
            ..HostModel::default()
        };
        let index = Index::of(&model);
        for name in ["br0", "br1", "br2"] {
            assert_eq!(
                index.bridge(name).map(|b| b.address.clone()),
                model.bridge(name).map(|b| b.address.clone())
            );
        }
        for port in ["tap0", "tap1", "tap2", "tap3", "eth0"] {
            assert_eq!(
                index.bridge_of(port).map(|b| b.address.clone()),
                model.bridge_of(port).map(|b| b.address.clone()),
                "{port}"
            );
        }
        assert_eq!(index.static_addresses("br0"), model.static_addresses("br0").as_slice());
        assert_eq!(index.static_addresses("eth0"), &[] as &[ipnet::IpNet]);
        assert!(index.tap("tap0").is_none() && index.interface("br0").is_none());
    }
}
