//! `vm_network`: one task per networking mode. It expands into the low-level
//! tasks (`tap`, `interface`, `bridge`, `dhcp_server`, `sysctl`, `nat`,
//! `firewall`, `mac_nat`), each shown in the plan as a task of its own, so
//! what a mode means on this distro is visible and learnable, and the result
//! is by construction what the hand-written low-level playbook renders: the
//! subtasks carry the low-level modules' typed arguments, with the positions
//! the user wrote (a generated TAP name points at its VM's `name`), and are
//! added by the same code. `vm_network` renders nothing itself.
//!
//! - `network.rs`: the task's arguments, read and checked;
//! - `guests.rs`: each guest's TAP and MAC (given, or generated);
//! - `expand.rs`: the subtasks of each mode.

mod expand;
mod guests;
mod network;

use crate::error::{Error, Result};
use crate::model::BackendRequest;
use crate::model::vm::{Attachment, Mode, Vm};
use crate::modules::args::{ArgSpec, Args};
use crate::modules::spec::{Module, TaskContext};
use crate::target::Target;

pub(super) static VM_NETWORK: Module = Module {
    name: "vm_network",
    context: "`vm_network` arguments",
    summary: "A whole networking mode for a set of guests (bridged, nat, routed, host_only, internal, user).",
    doc: "Expands into the low-level tasks and shows them as such. Modes (who reaches whom): \
          `bridged` — the uplink joins the bridge, guests are on the LAN and the LAN reaches them; \
          `nat` — a private bridge with DHCP, forwarding and masquerade: guests reach the LAN and \
          the internet, the LAN does not reach them (`mac_nat: true`: the ebtables L2 variant for \
          wireless uplinks); `routed` — like nat without masquerade, the LAN router needs a route \
          to `subnet` via this host; `host_only` — host and guests only; `internal` — guests only, \
          the host is firewalled off; `user` — QEMU user networking, nothing on the host. \
          A VM without `mac` gets a stable locally administered MAC derived from its name.",
    args: &[
        ArgSpec {
            name: "mode",
            aliases: &[],
            required: true,
            kind: "`bridged` | `nat` | `routed` | `host_only` | `internal` | `user`",
            doc: "The networking mode.",
        },
        ArgSpec {
            name: "bridge",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "The bridge (default `br0`).",
        },
        ArgSpec {
            name: "uplink",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "The host's LAN interface: a bridge port in `bridged`, the masquerade/forward interface in `nat`/`routed`.",
        },
        ArgSpec {
            name: "address",
            aliases: &[],
            required: false,
            kind: "`dhcp` | `none` | CIDRs",
            doc: "`bridged` only: the bridge's own address (default `dhcp`, taken over from the uplink).",
        },
        ArgSpec {
            name: "subnet",
            aliases: &[],
            required: false,
            kind: "IPv4 subnet",
            doc: "The guests' private subnet (`nat`, `routed`, `host_only`, `internal`; `user`: QEMU's `net=`). The host gets its first address.",
        },
        ArgSpec {
            name: "subnet6",
            aliases: &[],
            required: false,
            kind: "IPv6 prefix",
            doc: "The guests' IPv6 prefix (`nat`: NAT66, `routed`: forwarded, `host_only`/`internal`: local only), e.g. a unique local `fd42:4242:4242:1::/64`. The host gets its `::1`.",
        },
        ArgSpec {
            name: "ra",
            aliases: &[],
            required: false,
            kind: "`stateless` | `stateful` | `off`",
            doc: "With `subnet6`: router advertisements from dnsmasq on the bridge — `stateless` (default) SLAAC in a /64, `stateful` DHCPv6 addresses (a VM's `ip6` is its fixed one), `off` none.",
        },
        ArgSpec {
            name: "dhcp",
            aliases: &[],
            required: false,
            kind: "bool | `{range, lease}`",
            doc: "DHCP for the guests (default on for nat, routed, host_only, internal; `user`: `range` sets `dhcpstart`).",
        },
        ArgSpec {
            name: "firewall",
            aliases: &[],
            required: false,
            kind: "`iptables` | `nftables` | `ufw`",
            doc: "Firewall backend for this host (default: detected).",
        },
        ArgSpec {
            name: "mac_nat",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "`nat` only: ebtables MAC NAT instead of IP masquerade (wireless uplink, guests on the LAN's subnet with fixed IPs).",
        },
        ArgSpec {
            name: "tap_user",
            aliases: &[],
            required: false,
            kind: "user name",
            doc: "Default owner of the guests' TAPs (the user QEMU runs as).",
        },
        ArgSpec {
            name: "tap_group",
            aliases: &[],
            required: false,
            kind: "group name",
            doc: "Default group of the guests' TAPs.",
        },
        ArgSpec {
            name: "restrict",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "`user` only: QEMU's `restrict=on` (guests cannot reach out; hostfwd still works).",
        },
        ArgSpec {
            name: "vms",
            aliases: &[],
            required: true,
            kind: "list of `{name, tap, mac, ip, ip6, model, user, group, helper, hostfwd}`",
            doc: "The guests: `tap` (default `tapN`), `mac` (default generated), `ip` (a fixed lease), `ip6` (a fixed DHCPv6 address, `ra: stateful`), `model` (`virtio-net-pci` default, `e1000`, …), `user`/`group` (TAP owner), `helper: true` (QEMU's bridge helper instead of a TAP), `hostfwd` (`user` mode: `tcp::2222-:22`).",
        },
    ],
    handler_ok: false,
    run,
};

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let network = network::Network::read(args)?;
    if let Some(firewall) = &network.firewall {
        let id = context
            .registry
            .parse(Target::Firewall, &firewall.value)
            .map_err(|kind| Error::at(&firewall.pos, kind))?;
        let origin = context.origin(&firewall.pos);
        context.model.backend_requests.push(BackendRequest {
            target: Target::Firewall,
            id,
            origin,
        });
    }
    let guests = guests::resolve(&network, context.model)?;
    // ufw, firewalld and Docker (FORWARD policy DROP, br_netfilter) drop
    // what no rule accepts: the guests need the bridge and DHCP rules even
    // where the playbook names no firewall.
    let facts = context.facts;
    let bridge_forward_needed = network.firewall.is_some()
        || facts.ufw_enabled
        || facts.runs("firewalld")
        || facts.runs("docker")
        || facts.br_netfilter;
    context
        .subtasks
        .extend(expand::subtasks(&network, &guests, bridge_forward_needed)?);
    // Remember the guests for `hostnet qemu` (and the bridge helper's ACL).
    for guest in guests {
        let vm = guest.vm;
        let attachment = match (network.mode.value, guest.tap) {
            (Mode::User, _) => Attachment::User {
                net: network.subnet.as_ref().map(|subnet| subnet.value.0),
                dhcpstart: network.dhcp.range.as_ref().map(|range| range.value.0),
                hostfwd: vm.hostfwd.clone(),
                restrict: network.restrict,
                hostname: Some(vm.name.value.clone()),
            },
            (_, Some(tap)) => Attachment::Tap { tap: tap.value },
            (_, None) => Attachment::BridgeHelper {
                bridge: network.bridge.value.clone(),
            },
        };
        let origin = context.origin(&vm.name.pos);
        context.model.vms.push(Vm {
            name: vm.name.value.clone(),
            mode: network.mode.value,
            attachment,
            mac: guest.mac.value,
            mac_generated: guest.generated,
            ip: vm.ip.as_ref().map(|ip| ip.value),
            model: vm.model,
            origin,
        });
    }
    Ok(())
}
