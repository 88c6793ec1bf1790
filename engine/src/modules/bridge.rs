//! `bridge`: a Linux bridge with its ports, address and STP timers.

use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::model::{AddressConfig, Bridge, Written};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::{Centiseconds, InterfaceName, MacAddr};
use crate::value::At;

pub(super) static BRIDGE: Module = Module {
    name: "bridge",
    context: "`bridge` arguments",
    summary: "A Linux bridge: ports, address, MAC, MTU, STP and its timers.",
    doc: "Times are in seconds; each target gets its own units (netifrc sysfs centiseconds, \
          ifupdown/brctl seconds, networkd time spans). With `stp: true` the kernel accepts \
          forward delay 2–30 s, hello time 1–10 s, max age 6–40 s; a forward delay of 0 is only \
          possible with STP off, and hostnet refuses the combination instead of letting the \
          kernel silently ignore it.",
    args: &[
        ArgSpec {
            name: "name",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "e.g. `br0`.",
        },
        ArgSpec {
            name: "ports",
            aliases: &[],
            required: false,
            kind: "list of interface names",
            doc: "NICs and TAPs to enslave, in order (at most 1,023: the kernel refuses more).",
        },
        ArgSpec {
            name: "address",
            aliases: &[],
            required: false,
            kind: "`none` | `dhcp` | list of CIDRs",
            doc: "Default `none`.",
        },
        ArgSpec {
            name: "mac",
            aliases: &[],
            required: false,
            kind: "MAC address",
            doc: "Fixed bridge MAC (default: its uplink's, the first NIC port's, from facts; a bridge of TAPs only gets a stable generated MAC).",
        },
        ArgSpec {
            name: "mtu",
            aliases: &[],
            required: false,
            kind: "integer",
            doc: "MTU (68–65535).",
        },
        ArgSpec {
            name: "stp",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "Spanning tree protocol (default `false`).",
        },
        ArgSpec {
            name: "forward_delay",
            aliases: &[],
            required: false,
            kind: "seconds",
            doc: "Forward delay (kernel default 15 s).",
        },
        ArgSpec {
            name: "hello_time",
            aliases: &[],
            required: false,
            kind: "seconds",
            doc: "Hello time (kernel default 2 s).",
        },
        ArgSpec {
            name: "max_age",
            aliases: &[],
            required: false,
            kind: "seconds",
            doc: "Max message age (kernel default 20 s).",
        },
        ArgSpec {
            name: "priority",
            aliases: &[],
            required: false,
            kind: "integer 0–65535",
            doc: "Bridge priority (kernel default 32768).",
        },
        ArgSpec {
            name: "gateway",
            aliases: &[],
            required: false,
            kind: "IP address",
            doc: "The default route's gateway, for a static `address` (a bridge that takes over the uplink must recreate the host's default route).",
        },
        ArgSpec {
            name: "dns",
            aliases: &[],
            required: false,
            kind: "list of IP addresses",
            doc: "Name servers for the host, with a static `address`.",
        },
    ],
    handler_ok: false,
    run,
};

/// Read and check an `mtu` argument.
pub(super) fn mtu(args: &mut Args) -> Result<Option<u16>> {
    let Some(mtu) = args.optional_at::<u16>("mtu")? else {
        return Ok(None);
    };
    if mtu.value < 68 {
        return Err(Error::invalid(
            &mtu.pos,
            format!("MTU {} is below the IPv4 minimum of 68", mtu.value),
            None,
        ));
    }
    Ok(Some(mtu.value))
}

/// A `bridge` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct BridgeArgs {
    pub(super) name: At<InterfaceName>,
    pub(super) ports: Vec<At<InterfaceName>>,
    /// The address and where it (and each static address) was written.
    #[serde(serialize_with = "super::net_args::address_only")]
    pub(super) address: (AddressConfig, Written),
    pub(super) mac: Option<At<MacAddr>>,
    pub(super) mtu: Option<u16>,
    pub(super) stp: bool,
    pub(super) forward_delay: Option<At<Centiseconds>>,
    pub(super) hello_time: Option<At<Centiseconds>>,
    pub(super) max_age: Option<At<Centiseconds>>,
    pub(super) priority: Option<u16>,
    pub(super) gateway: Option<At<IpAddr>>,
    pub(super) dns: Vec<IpAddr>,
}

impl BridgeArgs {
    fn read(args: &mut Args) -> Result<Self> {
        Ok(Self {
            name: args.required("name")?,
            ports: args.optional("ports")?.unwrap_or_default(),
            address: super::net_args::address(args.optional("address")?, AddressConfig::None)?,
            mac: args.optional("mac")?,
            mtu: mtu(args)?,
            stp: args.optional("stp")?.unwrap_or(false),
            forward_delay: args.optional("forward_delay")?,
            hello_time: args.optional("hello_time")?,
            max_age: args.optional("max_age")?,
            priority: args.optional("priority")?,
            gateway: args.optional("gateway")?,
            dns: args.optional("dns")?.unwrap_or_default(),
        })
    }

    /// Add the bridge to the model.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let (address, mut written) = self.address;
        let address_pos = written.address.clone().unwrap_or_else(|| self.name.pos.clone());
        written.mac = self.mac.as_ref().map(|mac| mac.pos.clone());
        let origin = context.origin(&self.name.pos);
        context.model.bridges.push(Bridge {
            name: self.name.value,
            ports: self.ports,
            address,
            address_pos,
            mac: self.mac.map(|mac| mac.value),
            mtu: self.mtu,
            stp: self.stp,
            forward_delay: self.forward_delay,
            hello_time: self.hello_time,
            max_age: self.max_age,
            priority: self.priority,
            gateway: self.gateway,
            dns: self.dns,
            written,
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    BridgeArgs::read(args)?.add(context)
}
