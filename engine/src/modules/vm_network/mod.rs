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
//!
//! A VM named in several `vm_network` tasks gets one NIC per network (each
//! with its own MAC and lease); `hostnet qemu` prints them all.

mod expand;
mod guests;
mod network;

use crate::change::Change;
use crate::error::{Error, Result};
use crate::model::BackendRequest;
use crate::model::vm::{Attachment, Mode, Vm};
use crate::modules::args::{ArgSpec, Args};
use crate::modules::spec::{Module, TaskContext};
use crate::target::Target;

pub(super) static VM_NETWORK: Module = Module {
    name: "vm_network",
    context: "`vm_network` arguments",
    summary: "A whole networking mode for a set of guests (bridged, nat, routed, host_only, internal, user, proxy_arp, socket, vde, hubport).",
    doc: "Expands into the low-level tasks and shows them as such. Modes (who reaches whom): \
          `bridged` — the uplink joins the bridge, guests are on the LAN and the LAN reaches them; \
          `nat` — a private bridge with DHCP, forwarding and masquerade: guests reach the LAN and \
          the internet, the LAN does not reach them (`mac_nat: true`: the ebtables L2 variant for \
          wireless uplinks); `routed` — like nat without masquerade, the LAN router needs a route \
          to `subnet` via this host; `host_only` — host and guests only; `internal` — guests only, \
          the host is firewalled off; `user` — QEMU user networking, nothing on the host; \
          `proxy_arp` — guests on the LAN's subnet behind an uplink that cannot be bridged (Wi-Fi): \
          the host answers ARP for them on the uplink and routes to each by a host route; \
          `socket`, `vde`, `hubport` — QEMU links between guests (a socket, a VDE switch, a QEMU hub), \
          nothing on the host. A VM without `mac` gets a stable locally administered MAC derived \
          from its name and the host's identity (the `mac_seed` variable, else `/etc/machine-id`); \
          a VM in several networks gets one NIC in each.",
    args: &[
        ArgSpec {
            name: "mode",
            aliases: &[],
            required: true,
            kind: "`bridged` | `nat` | `routed` | `host_only` | `internal` | `user` | `proxy_arp` | `socket` | `vde` | `hubport`",
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
            doc: "The host's LAN interface: a bridge port in `bridged`, the masquerade/forward interface in `nat`/`routed`, the interface that answers ARP for the guests in `proxy_arp`.",
        },
        ArgSpec {
            name: "address",
            aliases: &[],
            required: false,
            kind: "`dhcp` | `none` | CIDRs",
            doc: "`bridged` (and MAC NAT): the bridge's own address (default `dhcp`, taken over from the uplink); `proxy_arp`: the host's LAN address (the relay's source).",
        },
        ArgSpec {
            name: "gateway",
            aliases: &[],
            required: false,
            kind: "IP address",
            doc: "`bridged` (and MAC NAT) with a static `address`: the default route (the uplink's, which the bridge takes over).",
        },
        ArgSpec {
            name: "dns",
            aliases: &[],
            required: false,
            kind: "list of IP addresses",
            doc: "`bridged` (and MAC NAT) with a static `address`: the host's name servers.",
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
            name: "dhcp_relay",
            aliases: &[],
            required: false,
            kind: "IPv4 address",
            doc: "`proxy_arp` only: relay the guests' DHCP to this server on the LAN (dnsmasq `dhcp-relay`; needs `address`).",
        },
        ArgSpec {
            name: "socket",
            aliases: &[],
            required: false,
            kind: "`{listen: [ADDR:]PORT}` | `{mcast: GROUP:PORT, localaddr}` | `{udp: [ADDR:PORT, ADDR:PORT]}`",
            doc: "`socket` only: `listen` — the first VM listens, the others connect; `mcast` — every VM joins the group; `udp` — a tunnel between two VMs.",
        },
        ArgSpec {
            name: "vde",
            aliases: &[],
            required: false,
            kind: "path | `{sock}`",
            doc: "`vde` only: the VDE switch's control socket (`vde_switch -s PATH`).",
        },
        ArgSpec {
            name: "hub",
            aliases: &[],
            required: false,
            kind: "integer",
            doc: "`hubport` only: the QEMU hub id the VMs' NICs join (`hubid=`).",
        },
        ArgSpec {
            name: "vms",
            aliases: &[],
            required: true,
            kind: "list of `{name, tap, mac, ip, ip6, duid, model, user, group, helper, hostfwd, vhost}`",
            doc: "The guests: `tap` (default `tapN`), `mac` (default generated), `ip` (a fixed lease; `proxy_arp`: required, the host route), `ip6` (a fixed DHCPv6 address, `ra: stateful`), `duid` (the guest's DHCPv6 client identifier: `ip6` is reserved for it instead of the MAC), `model` (`virtio-net-pci` default, `e1000`, …), `user`/`group` (TAP owner), `helper: true` (QEMU's bridge helper instead of a TAP), `vhost: true` (vhost-net, virtio only), `hostfwd` (`user` mode: `tcp::2222-:22`, `tcp:127.0.0.1:2222-:22`).",
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
    let label = network_label(&network);
    // The host's identity for generated MACs: `mac_seed`, else the machine ID.
    let seed = context
        .scope
        .get_attr("mac_seed")
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_none())
        .map(|value| value.to_string())
        .or_else(|| context.facts.machine_id.clone());
    let guests = guests::resolve(&network, &label, context.model, seed.as_deref())?;
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
    if seed.is_none() && network.mode.value.on_the_lan() {
        let generated: Vec<String> = guests
            .iter()
            .filter(|guest| guest.generated)
            .map(|guest| format!("`{}`", guest.vm.name.value))
            .collect();
        if !generated.is_empty() {
            context.change(Change::Warn {
                message: format!(
                    "{}: the generated MACs of {} depend on their names only (no `/etc/machine-id` in the facts, \
                     no `mac_seed` variable): another host that bridges guests of the same names onto this LAN \
                     generates the same MACs; set `mac_seed` (e.g. `-e mac_seed=$(hostname)`) or give each VM a `mac`",
                    network.mode.pos,
                    generated.join(", ")
                ),
            });
        }
    }
    // Remember the guests for `hostnet qemu` (and the bridge helper's ACL).
    for (index, guest) in guests.into_iter().enumerate() {
        let vm = guest.vm;
        let attachment = match (network.mode.value, guest.tap) {
            (Mode::User, _) => Attachment::User {
                net: network.subnet.as_ref().map(|subnet| subnet.value.0),
                dhcpstart: network.dhcp.range.as_ref().map(|range| range.value.0),
                hostfwd: vm.hostfwd.iter().map(|forward| forward.value).collect(),
                restrict: network.restrict,
                hostname: Some(vm.name.value.clone()),
            },
            (Mode::Socket, _) => {
                let Some(end) = network.socket.as_ref().and_then(|socket| socket.value.end(index)) else {
                    unreachable!("checked when reading: a socket network has an end for each VM")
                };
                Attachment::Socket { end }
            }
            (Mode::Vde, _) => Attachment::Vde {
                sock: network
                    .vde
                    .as_ref()
                    .map(|vde| vde.value.clone())
                    .unwrap_or_else(|| unreachable!("checked when reading: `vde` is required")),
                port: None,
            },
            (Mode::Hubport, _) => Attachment::Hubport {
                hub: network.hub.as_ref().map_or(0, |hub| hub.value),
            },
            (_, Some(tap)) => Attachment::Tap { tap: tap.value },
            (_, None) => Attachment::BridgeHelper {
                bridge: network.bridge.value.clone(),
            },
        };
        let origin = context.origin(&vm.name.pos);
        context.model.vms.push(Vm {
            name: vm.name.value.clone(),
            network: label.clone(),
            mode: network.mode.value,
            attachment,
            mac: guest.mac.value,
            mac_generated: guest.generated,
            ip: vm.ip.as_ref().map(|ip| ip.value),
            model: vm.model,
            vhost: vm.vhost,
            origin,
        });
    }
    Ok(())
}

/// What a network is called (a VM has one NIC per network): its bridge, or
/// the QEMU-side link for the modes without one.
fn network_label(network: &network::Network) -> String {
    match network.mode.value {
        Mode::User => "user".to_owned(),
        Mode::Socket => network
            .socket
            .as_ref()
            .map_or_else(|| "socket".to_owned(), |socket| socket.value.label()),
        Mode::Vde => network
            .vde
            .as_ref()
            .map_or_else(|| "vde".to_owned(), |vde| format!("vde {}", vde.value)),
        Mode::Hubport => format!("hub {}", network.hub.as_ref().map_or(0, |hub| hub.value)),
        _ => network.bridge.value.to_string(),
    }
}
