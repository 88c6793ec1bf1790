//! What the kernel should hold for the model, distro-independent: each
//! device of the topology with its kind, attributes, master, MAC, MTU,
//! static addresses and routes, and each kernel parameter. Built from the
//! same [`Desired`] the backends render, with the topology's decisions (a
//! bridge keeps its uplink's MAC, its `gateway` is its default route, a
//! wireless port needs 4-address mode), so live state and persistent files
//! can never mean different things.

use ipnet::IpNet;

use crate::backend::Desired;
use crate::change::TaskId;
use crate::model::topology::BridgeDevice;
use crate::model::{AddressConfig, Interface, Route, Tap};
use crate::types::{Centiseconds, InterfaceName, MacAddr};

/// Every device and kernel parameter the model asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wanted {
    /// Devices in bring-up order: per bridge its ports then the bridge, then
    /// standalone TAPs, then NICs (the topology's order).
    pub links: Vec<WantedLink>,
    /// Kernel parameters: key, value, task.
    pub sysctls: Vec<(String, String, TaskId)>,
}

/// One device as the model wants it.
#[derive(Clone, Debug, PartialEq)]
pub struct WantedLink {
    /// Its name.
    pub name: InterfaceName,
    /// What it is.
    pub kind: WantedKind,
    /// The bridge it is a port of.
    pub master: Option<InterfaceName>,
    /// A fixed MAC.
    pub mac: Option<MacAddr>,
    /// A fixed MTU.
    pub mtu: Option<u16>,
    /// How it gets its addresses.
    pub address: AddressConfig,
    /// Its routes through a gateway.
    pub routes: Vec<Route>,
    /// Its routes on the link, without a gateway (`192.168.1.50/32 dev br0`).
    pub link_routes: Vec<IpNet>,
    /// A wireless NIC (a bridge port only in 4-address mode, which `ip`
    /// cannot set: its bridge is brought up by the distro's tool).
    pub wireless: bool,
    /// The tasks that asked.
    pub origins: Vec<TaskId>,
}

/// The kind of device, with what the model says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WantedKind {
    /// A bridge hostnet creates; unset timers are left as the kernel has them.
    Bridge {
        stp: bool,
        forward_delay: Option<Centiseconds>,
        hello_time: Option<Centiseconds>,
        max_age: Option<Centiseconds>,
        priority: Option<u16>,
    },
    /// A TAP hostnet creates.
    Tap {
        user: Option<String>,
        group: Option<String>,
        multi_queue: bool,
        vnet_hdr: bool,
    },
    /// An existing NIC (the uplink): never created or deleted.
    Nic,
}

impl WantedLink {
    /// Static addresses (empty for DHCP and none).
    pub fn static_addresses(&self) -> &[IpNet] {
        self.address.addresses()
    }
}

impl Wanted {
    /// The runtime state `desired` asks for.
    pub fn of(desired: &Desired<'_>) -> Self {
        let topology = &desired.topology;
        let mut links = Vec::new();
        for device in &topology.bridges {
            let bridge = device.bridge;
            for port in &device.ports {
                let config = port.config;
                let mut link = match port.tap() {
                    Some(tap) => tap_link(tap, config),
                    None => nic_link(port.name, config),
                };
                link.master = Some(bridge.name.clone());
                link.wireless = port.wireless;
                // A port carries no address of its own; the bridge does.
                link.address = AddressConfig::None;
                link.routes = Vec::new();
                link.link_routes = Vec::new();
                links.push(link);
            }
            links.push(bridge_link(device));
        }
        for device in &topology.taps {
            links.push(tap_link(device.tap, device.config));
        }
        for nic in &topology.nics {
            links.push(nic_link(&nic.name, Some(nic)));
        }
        let sysctls = desired
            .model
            .sysctls
            .iter()
            .map(|sysctl| (sysctl.name.clone(), sysctl.value.clone(), sysctl.origin.task))
            .collect();
        Self { links, sysctls }
    }

    /// The wanted device of this name.
    pub fn link(&self, name: &str) -> Option<&WantedLink> {
        self.links.iter().find(|link| link.name.as_str() == name)
    }
}

fn with_config(task: TaskId, config: Option<&Interface>) -> Vec<TaskId> {
    let mut origins = vec![task];
    origins.extend(config.map(|config| config.origin.task));
    origins
}

fn bridge_link(device: &BridgeDevice<'_>) -> WantedLink {
    let (bridge, config) = (device.bridge, device.config);
    WantedLink {
        name: bridge.name.clone(),
        kind: WantedKind::Bridge {
            stp: bridge.stp,
            forward_delay: bridge.forward_delay.as_ref().map(|time| time.value),
            hello_time: bridge.hello_time.as_ref().map(|time| time.value),
            max_age: bridge.max_age.as_ref().map(|time| time.value),
            priority: bridge.priority,
        },
        master: None,
        // Written, else its uplink's (or a generated one): the topology's choice.
        mac: device.mac.mac(),
        mtu: bridge.mtu.or(config.and_then(|config| config.mtu)),
        address: bridge.address.clone(),
        routes: device.routes(),
        link_routes: device.link_routes().to_vec(),
        wireless: false,
        origins: with_config(bridge.origin.task, config),
    }
}

fn tap_link(tap: &Tap, config: Option<&Interface>) -> WantedLink {
    WantedLink {
        name: tap.name.clone(),
        kind: WantedKind::Tap {
            user: tap.user.as_ref().map(|user| user.value.to_string()),
            group: tap.group.as_ref().map(|group| group.value.to_string()),
            multi_queue: tap.multi_queue,
            vnet_hdr: tap.vnet_hdr,
        },
        master: None,
        mac: tap.mac.or(config.and_then(|config| config.mac)),
        mtu: config.and_then(|config| config.mtu),
        address: config.map_or(AddressConfig::None, |config| config.address.clone()),
        routes: config.map(|config| config.routes.clone()).unwrap_or_default(),
        link_routes: config.map(|config| config.link_routes.clone()).unwrap_or_default(),
        wireless: false,
        origins: with_config(tap.origin.task, config),
    }
}

fn nic_link(name: &InterfaceName, config: Option<&Interface>) -> WantedLink {
    WantedLink {
        name: name.clone(),
        kind: WantedKind::Nic,
        master: None,
        mac: config.and_then(|config| config.mac),
        mtu: config.and_then(|config| config.mtu),
        address: config.map_or(AddressConfig::None, |config| config.address.clone()),
        routes: config.map(|config| config.routes.clone()).unwrap_or_default(),
        link_routes: config.map(|config| config.link_routes.clone()).unwrap_or_default(),
        wireless: config.is_some_and(|config| config.wireless),
        origins: config.map(|config| vec![config.origin.task]).unwrap_or_default(),
    }
}
