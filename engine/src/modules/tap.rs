//! `tap`: a persistent TAP device for a guest, owned by the user QEMU runs as.

use crate::error::Result;
use crate::model::Tap;
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::InterfaceName;
use crate::value::At;

pub(super) static TAP: Module = Module {
    name: "tap",
    context: "`tap` arguments",
    summary: "A persistent TAP device for a guest, owned by the user QEMU runs as.",
    doc: "Created before any bridge that lists it as a port (netifrc: `rc_net_BRIDGE_need`; \
          ifupdown: `pre-up` in the bridge stanza; networkd: its own `.netdev`).",
    args: &[
        ArgSpec {
            name: "name",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "e.g. `tap0`.",
        },
        ArgSpec {
            name: "user",
            aliases: &["owner"],
            required: false,
            kind: "user name",
            doc: "Owner, so QEMU can open it unprivileged (e.g. `qemu`).",
        },
        ArgSpec {
            name: "group",
            aliases: &[],
            required: false,
            kind: "group name",
            doc: "Group (e.g. `kvm`).",
        },
        ArgSpec {
            name: "mac",
            aliases: &[],
            required: false,
            kind: "MAC address",
            doc: "MAC of the host side of the TAP (not the guest's).",
        },
        ArgSpec {
            name: "multi_queue",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "Create with `multi_queue` (default `false`).",
        },
        ArgSpec {
            name: "vnet_hdr",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "Create with `vnet_hdr` (default `false`).",
        },
    ],
    handler_ok: false,
    run,
};

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let name = args.required::<At<InterfaceName>>("name")?;
    let user = args.optional("user")?;
    let group = args.optional("group")?;
    let (mac, mac_pos) = super::net_args::mac(args)?;
    let multi_queue = args.optional("multi_queue")?.unwrap_or(false);
    let vnet_hdr = args.optional("vnet_hdr")?.unwrap_or(false);
    let origin = context.origin(&name.pos);
    context.model.taps.push(Tap {
        name: name.value,
        user,
        group,
        mac,
        multi_queue,
        vnet_hdr,
        written: crate::model::Written {
            mac: mac_pos,
            ..crate::model::Written::default()
        },
        origin,
    });
    Ok(())
}
