//! Interfaces, bridges and TAPs.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::origin::Origin;
use crate::types::{AccountName, Centiseconds, InterfaceName, MacAddr};
use crate::value::At;

/// How an interface gets its addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressConfig {
    /// No address (a bridge port, an internal bridge).
    None,
    /// DHCP client.
    Dhcp,
    /// Static addresses with prefix.
    Static(Vec<IpNet>),
}

impl AddressConfig {
    /// Static addresses (empty for `none`/`dhcp`).
    pub fn addresses(&self) -> &[IpNet] {
        match self {
            Self::Static(addresses) => addresses,
            _ => &[],
        }
    }
}

/// A route on an interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Destination (`None`: default route).
    pub to: Option<IpNet>,
    /// Gateway.
    pub via: IpAddr,
    /// Metric, when set.
    pub metric: Option<u32>,
}

/// Where some of an item's arguments were written, for validation messages
/// (the values themselves live in the item's typed fields).
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// Where `mac` was written.
    pub mac: Option<crate::source::Pos>,
    /// Where `address` was written (`None`: left out).
    pub address: Option<crate::source::Pos>,
    /// Where each static address was written (the list's items, or the
    /// whole templated value for each).
    pub addresses: Vec<crate::source::Pos>,
}

/// An existing NIC (the uplink, usually).
#[derive(Clone, Debug, Serialize)]
pub struct Interface {
    /// Its name.
    pub name: InterfaceName,
    /// Addressing (`None` when it is a bridge port: it then carries none).
    pub address: AddressConfig,
    /// MAC address to set.
    pub mac: Option<MacAddr>,
    /// MTU.
    pub mtu: Option<u16>,
    /// Routes through a gateway.
    pub routes: Vec<Route>,
    /// Routes on the link itself, without a gateway (`192.168.1.50/32 dev br0`).
    pub link_routes: Vec<IpNet>,
    /// Name servers (for the host's resolver, where the target configures one).
    pub dns: Vec<IpAddr>,
    /// Is it wireless (from the playbook, else from facts)?
    pub wireless: bool,
    /// Where its arguments were written.
    #[serde(skip)]
    pub written: Written,
    /// Who asked for it.
    pub origin: Origin,
}

/// A Linux bridge.
#[derive(Clone, Debug, Serialize)]
pub struct Bridge {
    /// Its name.
    pub name: InterfaceName,
    /// Ports, in order, each with where it was written.
    pub ports: Vec<At<InterfaceName>>,
    /// Addressing of the bridge itself.
    pub address: AddressConfig,
    /// Where `address` was written (for validation messages).
    #[serde(skip)]
    pub address_pos: crate::source::Pos,
    /// MAC address to set.
    pub mac: Option<MacAddr>,
    /// MTU.
    pub mtu: Option<u16>,
    /// Spanning tree on?
    pub stp: bool,
    /// Forward delay.
    pub forward_delay: Option<At<Centiseconds>>,
    /// Hello time.
    pub hello_time: Option<At<Centiseconds>>,
    /// Max age.
    pub max_age: Option<At<Centiseconds>>,
    /// Bridge priority.
    pub priority: Option<u16>,
    /// The default route's gateway (a static bridge that took over the uplink).
    pub gateway: Option<At<IpAddr>>,
    /// Name servers.
    pub dns: Vec<IpAddr>,
    /// Where its arguments were written.
    #[serde(skip)]
    pub written: Written,
    /// Who asked for it.
    pub origin: Origin,
}

/// A TAP device for a guest.
#[derive(Clone, Debug, Serialize)]
pub struct Tap {
    /// Its name.
    pub name: InterfaceName,
    /// Owner (so QEMU can run as that user).
    pub user: Option<At<AccountName>>,
    /// Group.
    pub group: Option<At<AccountName>>,
    /// MAC of the host side.
    pub mac: Option<MacAddr>,
    /// `multi_queue` flag.
    pub multi_queue: bool,
    /// `vnet_hdr` flag.
    pub vnet_hdr: bool,
    /// Where its arguments were written.
    #[serde(skip)]
    pub written: Written,
    /// Who asked for it.
    pub origin: Origin,
}

impl<T: Serialize> Serialize for At<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}
