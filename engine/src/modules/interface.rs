//! `interface`: an existing NIC, typically the uplink.

use crate::error::Result;
use crate::model::{AddressConfig, Interface};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::InterfaceName;

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
            doc: "`to: default` for the default route.",
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

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let name = args.required::<crate::value::At<InterfaceName>>("name")?;
    let (address, mut written) = super::net_args::address(args.optional("address")?, AddressConfig::Dhcp)?;
    let (mac, mac_pos) = super::net_args::mac(args)?;
    written.mac = mac_pos;
    let mtu = super::bridge::mtu(args)?;
    let routes = args.optional("routes")?.unwrap_or_default();
    let wireless = match args.optional::<bool>("wireless")? {
        Some(wireless) => wireless,
        None => context
            .facts
            .interface(name.value.as_str())
            .is_some_and(|fact| fact.wireless),
    };
    let origin = context.origin(&name.pos);
    context.model.interfaces.push(Interface {
        name: name.value,
        address,
        mac,
        mtu,
        routes,
        wireless,
        written,
        origin,
    });
    Ok(())
}
