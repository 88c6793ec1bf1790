//! The desired state of the host, built by the tasks, typed and validated.
//!
//! Network modules add items here; backends render the whole model. Each
//! item remembers the task (and position) that asked for it, so a backend's
//! output and a validation error can name it.

pub mod backend_request;
pub mod index;
pub mod net;
pub mod netdev;
pub mod origin;
pub mod services;
pub mod sysctl;
pub mod topology;
pub mod vm;

use serde::Serialize;

pub use backend_request::BackendRequest;
pub use index::Index;
pub use net::{AddressConfig, Bridge, Interface, Route, Tap, Written};
pub use origin::Origin;
pub use services::{
    Dhcp6, DhcpHost, DhcpRelay, DhcpServer, Dns, FirewallIntent, FirewallRule, LeaseTime, MacNat, MacNatGuest, Nat,
    PortRange, Protocol, RaMode, Router, Sysctl,
};

/// Everything the tasks ask of the host's network.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HostModel {
    /// Existing NICs (typically the uplink) and how to configure them.
    pub interfaces: Vec<Interface>,
    /// Bridges.
    pub bridges: Vec<Bridge>,
    /// TAP devices for guests.
    pub taps: Vec<Tap>,
    /// DHCP servers (dnsmasq).
    pub dhcp_servers: Vec<DhcpServer>,
    /// DHCP relays (dnsmasq).
    pub dhcp_relays: Vec<DhcpRelay>,
    /// Kernel parameters.
    pub sysctls: Vec<Sysctl>,
    /// NAT / routing for guest subnets.
    pub nats: Vec<Nat>,
    /// Firewall intents.
    pub firewall: Vec<FirewallRule>,
    /// Layer-2 MAC NAT on wireless uplinks.
    pub mac_nats: Vec<MacNat>,
    /// Backends tasks asked for explicitly (`vm_network`'s `firewall:`).
    pub backend_requests: Vec<BackendRequest>,
    /// Guests declared by `vm_network` (for `hostnet qemu`).
    pub vms: Vec<vm::Vm>,
}

impl HostModel {
    /// Is there anything for the interface backends to render?
    pub fn has_network(&self) -> bool {
        !self.interfaces.is_empty() || !self.bridges.is_empty() || !self.taps.is_empty()
    }

    /// The bridge a port belongs to, if any. The look-ups here scan the
    /// lists, for the odd look-up while the tasks still add items; once
    /// they ran, loops use [`Index`], built once.
    pub fn bridge_of(&self, port: &str) -> Option<&Bridge> {
        self.bridges
            .iter()
            .find(|bridge| bridge.ports.iter().any(|p| p.value.as_str() == port))
    }

    /// The TAP with this name, if any.
    pub fn tap(&self, name: &str) -> Option<&Tap> {
        self.taps.iter().find(|tap| tap.name.as_str() == name)
    }

    /// The interface with this name, if any.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name.as_str() == name)
    }

    /// Static addresses configured on an interface, bridge or TAP of this name.
    pub fn static_addresses(&self, name: &str) -> Vec<ipnet::IpNet> {
        if let Some(bridge) = self.bridge(name) {
            return bridge.address.addresses().to_vec();
        }
        if let Some(interface) = self.interface(name) {
            return interface.address.addresses().to_vec();
        }
        Vec::new()
    }

    /// Does anything ask for the firewall (NAT or intents)?
    pub fn has_firewall(&self) -> bool {
        !self.nats.is_empty() || !self.firewall.is_empty()
    }

    /// The bridge with this name, if any.
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|bridge| bridge.name.as_str() == name)
    }
}
