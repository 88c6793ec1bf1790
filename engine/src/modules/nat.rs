//! `nat`: masquerade a guest subnet (or route it, with `routed: true`).

use ipnet::Ipv4Net;

use crate::error::{Error, Result};
use crate::model::Nat;
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::InterfaceName;
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

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let source = args.required::<At<Ipv4Net>>("source")?;
    if source.value != source.value.trunc() {
        return Err(Error::invalid(
            &source.pos,
            format!("`{}` has host bits set", source.value),
            Some(format!("the subnet is `{}`", source.value.trunc())),
        ));
    }
    let out_interface = args.optional::<InterfaceName>("out_interface")?;
    let routed = args.optional::<bool>("routed")?.unwrap_or(false);
    let origin = context.origin(&source.pos);
    context.model.nats.push(Nat {
        source,
        out_interface,
        masquerade: !routed,
        origin,
    });
    Ok(())
}
