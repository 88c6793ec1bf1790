//! `mac_nat`: ebtables MAC NAT for guests behind a wireless uplink.

use std::net::Ipv4Addr;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{MacNat, MacNatGuest};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::{InterfaceName, MacAddr};
use crate::value::{Arg, At, FromArg};

pub(super) static MAC_NAT: Module = Module {
    name: "mac_nat",
    context: "`mac_nat` arguments",
    summary: "Layer-2 MAC NAT (ebtables) so bridged guests can use a wireless uplink.",
    doc: "An access point drops frames from MACs it has not authenticated. Frames leaving through \
          the uplink get its MAC (`snat --snat-arp`, ARP payload included); frames coming back to \
          a guest's IP get the guest's MAC (`dnat`, for IPv4 and ARP). Each guest needs a fixed \
          IP (static, or a `dhcp_server` fixed lease). Rules are persisted in a file restored at \
          boot by a small unit (systemd) or the ebtables service (OpenRC).",
    args: &[
        ArgSpec {
            name: "uplink",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "The wireless uplink, e.g. `wlan0`.",
        },
        ArgSpec {
            name: "mac",
            aliases: &[],
            required: false,
            kind: "MAC address",
            doc: "The MAC frames leave with (default: the uplink's, from facts).",
        },
        ArgSpec {
            name: "guests",
            aliases: &[],
            required: true,
            kind: "list of `{ip, mac}`",
            doc: "The guests; extra keys are ignored, so a `vms` list can be passed as is.",
        },
    ],
    handler_ok: false,
    run,
};

fn guest(arg: &Arg) -> Result<At<MacNatGuest>> {
    let entries = arg.entries("a guest (`ip`, `mac`)")?;
    let find = |key: &str| entries.iter().find(|(k, _)| k.name == key).map(|(_, value)| value);
    let missing = |key: &str| {
        Error::at(
            &arg.pos,
            ErrorKind::MissingKey {
                key: key.into(),
                context: "a guest".into(),
            },
        )
    };
    let ip = find("ip").ok_or_else(|| missing("ip"))?;
    let mac = find("mac").ok_or_else(|| missing("mac"))?;
    Ok(At {
        value: MacNatGuest {
            ip: Ipv4Addr::from_arg(ip)?,
            mac: MacAddr::from_arg(mac)?,
        },
        pos: ip.pos.clone(),
    })
}

/// A `mac_nat` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct MacNatArgs {
    pub(super) uplink: At<InterfaceName>,
    /// `None`: the uplink's MAC from facts.
    pub(super) mac: Option<MacAddr>,
    pub(super) guests: Vec<At<MacNatGuest>>,
}

impl MacNatArgs {
    /// Add the MAC NAT to the model; the uplink's MAC comes from facts unless given.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let uplink = self.uplink;
        let mac = match self.mac {
            Some(mac) => mac,
            None => context
                .facts
                .interface(uplink.value.as_str())
                .and_then(|fact| fact.mac)
                .ok_or_else(|| {
                    Error::invalid(
                        &uplink.pos,
                        format!("the MAC of `{}` is not known", uplink.value),
                        Some("give `mac:` (the uplink's MAC), or plan on the host itself so facts know it".into()),
                    )
                })?,
        };
        let origin = context.origin(&uplink.pos);
        context.model.mac_nats.push(MacNat {
            uplink,
            mac,
            guests: self.guests,
            origin,
        });
        Ok(())
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let uplink = args.required::<At<InterfaceName>>("uplink")?;
    let mac = args.optional::<MacAddr>("mac")?;
    let guests = args.required::<Arg>("guests")?;
    let guests = guests
        .items("a list of guests")?
        .iter()
        .map(guest)
        .collect::<Result<_>>()?;
    MacNatArgs { uplink, mac, guests }.add(context)
}
