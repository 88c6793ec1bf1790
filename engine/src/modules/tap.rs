//! `tap`: a persistent TAP device for a guest, owned by the user QEMU runs as.

use crate::error::Result;
use crate::model::{Tap, Written};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::{AccountName, InterfaceName, MacAddr};
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

/// A `tap` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct TapArgs {
    pub(super) name: At<InterfaceName>,
    pub(super) user: Option<At<AccountName>>,
    pub(super) group: Option<At<AccountName>>,
    pub(super) mac: Option<At<MacAddr>>,
    pub(super) multi_queue: bool,
    pub(super) vnet_hdr: bool,
}

impl TapArgs {
    fn read(args: &mut Args) -> Result<Self> {
        Ok(Self {
            name: args.required("name")?,
            user: args.optional("user")?,
            group: args.optional("group")?,
            mac: args.optional("mac")?,
            multi_queue: args.optional("multi_queue")?.unwrap_or(false),
            vnet_hdr: args.optional("vnet_hdr")?.unwrap_or(false),
        })
    }

    /// Add the TAP to the model.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let origin = context.origin(&self.name.pos);
        context.model.taps.push(Tap {
            name: self.name.value,
            user: self.user,
            group: self.group,
            mac: self.mac.as_ref().map(|mac| mac.value),
            multi_queue: self.multi_queue,
            vnet_hdr: self.vnet_hdr,
            written: Written {
                mac: self.mac.map(|mac| mac.pos),
                ..Written::default()
            },
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    TapArgs::read(args)?.add(context)
}
