//! `interface`: an existing NIC, typically the uplink.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::Result;
use crate::model::{AddressConfig, Interface, Route, Written};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::net_args::RouteArg;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::{InterfaceName, MacAddr};
use crate::value::At;

pub(super) static INTERFACE: Module = Module {
    name: "interface",
    context: "`interface` arguments",
    summary: "An existing NIC (usually the uplink): addressing, MAC, MTU, routes.",
    doc: "A NIC that is a bridge port must have `address: none` (the bridge carries the address). \
          Whether it is wireless is taken from facts (`/sys/class/net/NAME/wireless`) unless given.",
    args: &[
        ArgSpec {
            name: "name",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "e.g. `eth0`.",
        },
        ArgSpec {
            name: "address",
            aliases: &[],
            required: false,
            kind: "`none` | `dhcp` | list of CIDRs",
            doc: "Default `dhcp`.",
        },
        ArgSpec {
            name: "mac",
            aliases: &[],
            required: false,
            kind: "MAC address",
            doc: "Set this MAC.",
        },
        ArgSpec {
            name: "mtu",
            aliases: &[],
            required: false,
            kind: "integer",
            doc: "MTU (68–65535).",
        },
        ArgSpec {
            name: "routes",
            aliases: &[],
            required: false,
            kind: "list of `{to, via, metric}`",
            doc: "`to: default` for the default route; without `via`, a route on the link itself (`{to: 192.168.1.50/32}`).",
        },
        ArgSpec {
            name: "gateway",
            aliases: &[],
            required: false,
            kind: "IP address",
            doc: "Shorthand for the default route `{to: default, via: GATEWAY}`.",
        },
        ArgSpec {
            name: "dns",
            aliases: &[],
            required: false,
            kind: "list of IP addresses",
            doc: "Name servers for the host (netifrc `dns_servers_X`, ifupdown `dns-nameservers` with resolvconf, networkd `DNS=`, NetworkManager `dns=`).",
        },
        ArgSpec {
            name: "wireless",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "Override the wireless fact.",
        },
    ],
    handler_ok: false,
    run,
};

/// An `interface` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct InterfaceArgs {
    pub(super) name: At<InterfaceName>,
    /// The address and where it (and each static address) was written.
    #[serde(serialize_with = "super::net_args::address_only")]
    pub(super) address: (AddressConfig, Written),
    pub(super) mac: Option<At<MacAddr>>,
    pub(super) mtu: Option<u16>,
    pub(super) routes: Vec<Route>,
    pub(super) link_routes: Vec<IpNet>,
    pub(super) dns: Vec<IpAddr>,
    /// `None`: from facts.
    pub(super) wireless: Option<bool>,
}

impl InterfaceArgs {
    /// An uplink that joins a bridge: no address of its own.
    pub(super) fn port(name: At<InterfaceName>) -> Self {
        Self {
            name,
            address: (AddressConfig::None, Written::default()),
            mac: None,
            mtu: None,
            routes: Vec::new(),
            link_routes: Vec::new(),
            dns: Vec::new(),
            wireless: None,
        }
    }

    fn read(args: &mut Args) -> Result<Self> {
        let name = args.required("name")?;
        let address = super::net_args::address(args.optional("address")?, AddressConfig::Dhcp)?;
        let mac = args.optional("mac")?;
        let mtu = super::bridge::mtu(args)?;
        let mut routes = Vec::new();
        let mut link_routes = Vec::new();
        for route in args.optional::<Vec<RouteArg>>("routes")?.unwrap_or_default() {
            match route {
                RouteArg::Via(route) => routes.push(route),
                RouteArg::Link(to) => link_routes.push(to),
            }
        }
        if let Some(gateway) = args.optional::<IpAddr>("gateway")? {
            routes.push(Route {
                to: None,
                via: gateway,
                metric: None,
            });
        }
        Ok(Self {
            name,
            address,
            mac,
            mtu,
            routes,
            link_routes,
            dns: args.optional("dns")?.unwrap_or_default(),
            wireless: args.optional("wireless")?,
        })
    }

    /// Add the interface to the model (wireless from facts unless given).
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let wireless = self.wireless.unwrap_or_else(|| {
            context
                .facts
                .interface(self.name.value.as_str())
                .is_some_and(|fact| fact.wireless)
        });
        let (address, mut written) = self.address;
        written.mac = self.mac.as_ref().map(|mac| mac.pos.clone());
        let origin = context.origin(&self.name.pos);
        context.model.interfaces.push(Interface {
            name: self.name.value,
            address,
            mac: self.mac.map(|mac| mac.value),
            mtu: self.mtu,
            routes: self.routes,
            link_routes: self.link_routes,
            dns: self.dns,
            wireless,
            written,
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    InterfaceArgs::read(args)?.add(context)
}
