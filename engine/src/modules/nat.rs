//! `nat`: masquerade a guest subnet (or route it, with `routed: true`).

use crate::error::Result;
use crate::model::Nat;
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::{InterfaceName, Subnet};
use crate::value::At;

pub(super) static NAT: Module = Module {
    name: "nat",
    context: "`nat` arguments",
    summary: "Masquerade a guest subnet leaving the host (or, with `routed: true`, only forward it).",
    doc: "Traffic from `source` to anywhere outside `source` is masqueraded (never broadcast or \
          multicast), leaving through `out_interface` when given. Forwarding for the subnet (and \
          its replies) is accepted in hostnet's own chains. Needs `net.ipv4.ip_forward=1` \
          (`sysctl` module). With `routed: true` there is no masquerade: the LAN router needs a \
          route to `source` via this host.",
    args: &[
        ArgSpec {
            name: "source",
            aliases: &[],
            required: true,
            kind: "IPv4 subnet",
            doc: "The guests' subnet, e.g. `172.16.1.0/24`.",
        },
        ArgSpec {
            name: "out_interface",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "The uplink; default: any interface.",
        },
        ArgSpec {
            name: "routed",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "`true`: forward without masquerading (routed mode).",
        },
    ],
    handler_ok: false,
    run,
};

/// A `nat` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct NatArgs {
    pub(super) source: At<Subnet>,
    pub(super) out_interface: Option<InterfaceName>,
    pub(super) routed: bool,
}

impl NatArgs {
    /// Add the NAT (or routing) of the subnet to the model.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let origin = context.origin(&self.source.pos);
        context.model.nats.push(Nat {
            source: At {
                value: self.source.value.0,
                pos: self.source.pos,
            },
            out_interface: self.out_interface,
            masquerade: !self.routed,
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    NatArgs {
        source: args.required("source")?,
        out_interface: args.optional("out_interface")?,
        routed: args.optional("routed")?.unwrap_or(false),
    }
    .add(context)
}
