//! `dhcp_relay`: dnsmasq relays the DHCP requests arriving on an interface to
//! a server elsewhere (the LAN's), as the proxy-ARP mode's guests need.

use std::net::Ipv4Addr;

use crate::error::{Error, Result};
use crate::model::DhcpRelay;
use crate::modules::args::{ArgSpec, Args};
use crate::modules::spec::{Module, TaskContext};
use crate::types::InterfaceName;
use crate::value::At;

pub(super) static DHCP_RELAY: Module = Module {
    name: "dhcp_relay",
    context: "`dhcp_relay` arguments",
    summary: "A DHCP relay (dnsmasq): the guests' requests on an interface go to the LAN's DHCP server.",
    doc: "Renders a dnsmasq drop-in with `dhcp-relay=ADDRESS,SERVER`: requests arriving on \
          `interface` are sent to `server` from `address`, which must be an address of \
          `interface` (the server answers it and picks the pool of its subnet, so `address` is \
          the host's LAN address). The server must hand out the guests' addresses (fixed leases \
          by MAC, for the proxy-ARP mode's host routes) and accept relayed requests.",
    args: &[
        ArgSpec {
            name: "interface",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "Where the guests' requests arrive (their bridge).",
        },
        ArgSpec {
            name: "address",
            aliases: &[],
            required: true,
            kind: "IPv4 address",
            doc: "The relay's address on `interface` (the host's LAN address).",
        },
        ArgSpec {
            name: "server",
            aliases: &[],
            required: true,
            kind: "IPv4 address",
            doc: "The DHCP server to relay to.",
        },
    ],
    handler_ok: false,
    run,
};

/// A `dhcp_relay` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct DhcpRelayArgs {
    pub(super) interface: At<InterfaceName>,
    pub(super) address: At<Ipv4Addr>,
    pub(super) server: At<Ipv4Addr>,
}

impl DhcpRelayArgs {
    fn read(args: &mut Args) -> Result<Self> {
        Ok(Self {
            interface: args.required("interface")?,
            address: args.required("address")?,
            server: args.required("server")?,
        })
    }

    /// Add the relay to the model.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        if self.server.value == self.address.value {
            return Err(Error::invalid(
                &self.server.pos,
                format!(
                    "`{}` is the relay's own address; a relay sends to another server",
                    self.server.value
                ),
                None,
            ));
        }
        let origin = context.origin(&self.interface.pos);
        context.model.dhcp_relays.push(DhcpRelay {
            interface: self.interface,
            address: self.address.value,
            server: self.server,
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    DhcpRelayArgs::read(args)?.add(context)
}
