//! `vm_network`: one task per networking mode. It expands into the low-level
//! tasks (`tap`, `interface`, `bridge`, `dhcp_server`, `sysctl`, `nat`,
//! `firewall`, `mac_nat`), each shown in the plan as a task of its own, so
//! what a mode means on this distro is visible and learnable, and the result
//! is by construction what the hand-written low-level playbook renders.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use minijinja::Value;

use crate::change::{Block, Change, Placement};
use crate::error::{Error, ErrorKind, Result};
use crate::model::BackendRequest;
use crate::model::vm::{Attachment, Mode, NicModel, Vm, generated_mac};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::{SubTask, TaskContext};
use crate::root::SysPath;
use crate::source::Pos;
use crate::target::Target;
use crate::types::{AccountName, FileMode, InterfaceName, MacAddr};
use crate::value::map_value;
use crate::value::{Arg, ArgValue, At, FromArg};

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
            kind: "list of `{name, tap, mac, ip, model, user, group, helper, hostfwd}`",
            doc: "The guests: `tap` (default `tapN`), `mac` (default generated), `ip` (a fixed lease), `model` (`virtio-net-pci` default, `e1000`, …), `user`/`group` (TAP owner), `helper: true` (QEMU's bridge helper instead of a TAP), `hostfwd` (`user` mode: `tcp::2222-:22`).",
        },
    ],
    handler_ok: false,
    run,
};

/// One guest as written.
struct VmArgs {
    name: String,
    tap: Option<InterfaceName>,
    mac: Option<MacAddr>,
    ip: Option<Ipv4Addr>,
    model: NicModel,
    user: Option<AccountName>,
    group: Option<AccountName>,
    helper: bool,
    hostfwd: Vec<String>,
    pos: Pos,
}

const VM_KEYS: &[&str] = &[
    "name", "tap", "mac", "ip", "model", "user", "group", "helper", "hostfwd",
];

fn vm_args(arg: &Arg) -> Result<VmArgs> {
    let entries = arg.entries("a VM (`name`, `tap`, `mac`, `ip`, `model`, …)")?;
    let mut vm = VmArgs {
        name: String::new(),
        tap: None,
        mac: None,
        ip: None,
        model: NicModel::VirtioNetPci,
        user: None,
        group: None,
        helper: false,
        hostfwd: Vec::new(),
        pos: arg.pos.clone(),
    };
    let mut named = false;
    for (key, value) in entries {
        if value.is_none() {
            continue;
        }
        match key.name.as_str() {
            "name" => {
                vm.name = String::from_arg(value)?;
                named = true;
                vm.pos = value.pos.clone();
            }
            "tap" => vm.tap = Some(InterfaceName::from_arg(value)?),
            "mac" => vm.mac = Some(MacAddr::from_arg(value)?),
            "ip" => vm.ip = Some(Ipv4Addr::from_arg(value)?),
            "model" => {
                let text = value.text("a NIC model")?;
                vm.model = text
                    .parse()
                    .map_err(|message| Error::invalid(&value.pos, message, None))?;
            }
            "user" => vm.user = Some(AccountName::from_arg(value)?),
            "group" => vm.group = Some(AccountName::from_arg(value)?),
            "helper" => vm.helper = bool::from_arg(value)?,
            "hostfwd" => vm.hostfwd = Vec::<String>::from_arg(value)?,
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "a VM",
                        suggestion: crate::error::suggest(&key.name, VM_KEYS.iter().copied()),
                        expected: VM_KEYS.to_vec(),
                    },
                ));
            }
        }
    }
    if !named || vm.name.is_empty() {
        return Err(Error::at(
            &arg.pos,
            ErrorKind::MissingKey {
                key: "name".into(),
                context: "a VM".into(),
            },
        ));
    }
    Ok(vm)
}

/// `dhcp:` as given: off, on with defaults, or with a range and lease.
struct Dhcp {
    enabled: bool,
    range: Option<(Ipv4Addr, Ipv4Addr)>,
    lease: Option<String>,
}

fn dhcp_args(arg: Option<Arg>, default: bool) -> Result<Dhcp> {
    let Some(arg) = arg else {
        return Ok(Dhcp {
            enabled: default,
            range: None,
            lease: None,
        });
    };
    if let ArgValue::Map(entries) = &arg.value {
        let mut dhcp = Dhcp {
            enabled: true,
            range: None,
            lease: None,
        };
        for (key, value) in entries {
            match key.name.as_str() {
                "range" => {
                    let ends = Vec::<Ipv4Addr>::from_arg(value)?;
                    let [first, last] = ends[..] else {
                        return Err(Error::invalid(
                            &value.pos,
                            "`range` is two addresses: `[first, last]`",
                            None,
                        ));
                    };
                    dhcp.range = Some((first, last));
                }
                "lease" => dhcp.lease = Some(String::from_arg(value)?),
                "enabled" => dhcp.enabled = bool::from_arg(value)?,
                _ => {
                    return Err(Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "`dhcp`",
                            suggestion: crate::error::suggest(&key.name, ["range", "lease", "enabled"]),
                            expected: vec!["range", "lease", "enabled"],
                        },
                    ));
                }
            }
        }
        return Ok(dhcp);
    }
    Ok(Dhcp {
        enabled: bool::from_arg(&arg)?,
        range: None,
        lease: None,
    })
}

/// Builds the subtasks' arguments.
struct Expansion<'a> {
    pos: &'a Pos,
    subtasks: Vec<SubTask>,
}

impl Expansion<'_> {
    /// A `firewall` subtask with one intent on `interface`.
    fn firewall(&mut self, intent: &str, interface: &InterfaceName) {
        self.add(
            &super::firewall::FIREWALL,
            format!("{intent} {interface}"),
            vec![(intent, text(interface))],
        );
    }

    fn add(&mut self, module: &'static Module, label: String, entries: Vec<(&str, Value)>) {
        let value = map_value(entries.into_iter().map(|(key, value)| (key.to_owned(), value)));
        self.subtasks.push(SubTask {
            name: format!("{} {label}", module.name),
            module,
            arg: Arg::from_value(self.pos, &value),
        });
    }
}

fn text(value: impl ToString) -> Value {
    Value::from(value.to_string())
}

fn list(values: impl IntoIterator<Item = Value>) -> Value {
    Value::from(values.into_iter().collect::<Vec<_>>())
}

fn host(subnet: Ipv4Net, index: u32) -> Option<Ipv4Addr> {
    let network = u32::from(subnet.network());
    let address = Ipv4Addr::from(network.checked_add(index)?);
    (subnet.contains(&address) && address != subnet.broadcast()).then_some(address)
}

#[expect(
    clippy::too_many_lines,
    reason = "one match arm per mode, each a short list of subtasks"
)]
fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let mode_arg = args.required::<At<String>>("mode")?;
    let mode: Mode = mode_arg
        .value
        .parse()
        .map_err(|message| Error::invalid(&mode_arg.pos, message, None))?;
    let bridge = args
        .optional::<InterfaceName>("bridge")?
        .unwrap_or_else(|| "br0".parse().unwrap_or_else(|_| unreachable!()));
    let uplink = args.optional_at::<InterfaceName>("uplink")?;
    let address = args.optional::<Arg>("address")?;
    let subnet = args.optional_at::<Ipv4Net>("subnet")?;
    let dhcp_default = !matches!(mode, Mode::Bridged | Mode::User);
    let dhcp = dhcp_args(args.optional::<Arg>("dhcp")?, dhcp_default)?;
    let firewall = args.optional_at::<String>("firewall")?;
    let mac_nat = args.optional::<bool>("mac_nat")?.unwrap_or(false);
    let tap_user = args.optional::<AccountName>("tap_user")?;
    let tap_group = args.optional::<AccountName>("tap_group")?;
    let restrict = args.optional::<bool>("restrict")?.unwrap_or(false);
    let vms_arg = args.required::<Arg>("vms")?;
    let vms: Vec<VmArgs> = vms_arg
        .items("a list of VMs")?
        .iter()
        .map(vm_args)
        .collect::<Result<_>>()?;
    let pos = args.pos().clone();

    if let Some(firewall) = &firewall {
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
    if mac_nat && mode != Mode::Nat {
        return Err(Error::invalid(
            &mode_arg.pos,
            "`mac_nat: true` goes with `mode: nat`",
            None,
        ));
    }
    let needs_subnet = matches!(mode, Mode::Nat | Mode::Routed | Mode::HostOnly | Mode::Internal) && !mac_nat;
    let subnet = match (&subnet, needs_subnet) {
        (Some(subnet), _) => {
            if subnet.value != subnet.value.trunc() {
                return Err(Error::invalid(
                    &subnet.pos,
                    format!("`{}` has host bits set", subnet.value),
                    Some(format!("the subnet is `{}`", subnet.value.trunc())),
                ));
            }
            if subnet.value.prefix_len() > 29 {
                return Err(Error::invalid(
                    &subnet.pos,
                    format!("`{}` is too small for a host and guests", subnet.value),
                    Some("use a /24, e.g. `172.16.1.0/24`".into()),
                ));
            }
            Some(subnet.value)
        }
        (None, true) => {
            return Err(Error::at(
                &pos,
                ErrorKind::MissingKey {
                    key: "subnet".into(),
                    context: format!("`vm_network` with `mode: {}`", mode.name()),
                },
            ));
        }
        (None, false) => None,
    };
    let uplink_needed = mode == Mode::Bridged || mac_nat;
    if uplink_needed && uplink.is_none() {
        return Err(Error::at(
            &pos,
            ErrorKind::MissingKey {
                key: "uplink".into(),
                context: format!("`vm_network` with `mode: {}`", mode.name()),
            },
        ));
    }
    if mode == Mode::Bridged
        && let Some(uplink) = &uplink
        && context
            .facts
            .interface(uplink.value.as_str())
            .is_some_and(|fact| fact.wireless)
    {
        return Err(Error::invalid(
            &uplink.pos,
            format!(
                "`{}` is wireless, and a wireless interface cannot be a bridge port (the kernel refuses, and access points drop frames from unknown MACs)",
                uplink.value
            ),
            Some(format!(
                "use `mode: nat` (or `routed`), `mode: nat` with `mac_nat: true` (ebtables MAC NAT), or `iw dev {} set 4addr on` where the access point supports WDS",
                uplink.value
            )),
        ));
    }

    // Guests: TAP names, MACs, fixed addresses.
    let mut guests = Vec::new();
    for (index, vm) in vms.iter().enumerate() {
        let tap = match (&vm.tap, vm.helper || mode == Mode::User) {
            (Some(tap), _) => Some(tap.clone()),
            (None, false) => Some(
                format!("tap{index}")
                    .parse()
                    .map_err(|message: String| Error::invalid(&vm.pos, message, None))?,
            ),
            (None, true) => None,
        };
        let (mac, generated) = match vm.mac {
            Some(mac) => (mac, false),
            None => (generated_mac(&vm.name), true),
        };
        guests.push((vm, tap, mac, generated));
    }

    let mut expansion = Expansion {
        pos: &pos,
        subtasks: Vec::new(),
    };
    // TAPs first: they must exist before the bridge that enslaves them.
    for (vm, tap, _, _) in &guests {
        if let Some(tap) = tap {
            let mut entries = vec![("name", text(tap))];
            if let Some(user) = vm.user.as_ref().or(tap_user.as_ref()) {
                entries.push(("user", text(user)));
            }
            if let Some(group) = vm.group.as_ref().or(tap_group.as_ref()) {
                entries.push(("group", text(group)));
            }
            expansion.add(&super::tap::TAP, tap.to_string(), entries);
        }
    }
    let taps: Vec<Value> = guests
        .iter()
        .filter_map(|(_, tap, _, _)| tap.as_ref().map(text))
        .collect();
    let host_address = subnet
        .and_then(|subnet| host(subnet, 1))
        .map(|address| format!("{address}/{}", subnet.map_or(24, |s| s.prefix_len())));
    let bridge_args = |ports: Vec<Value>, address: Value| {
        vec![
            ("name", text(&bridge)),
            ("ports", list(ports)),
            ("address", address),
            ("stp", Value::from(false)),
            ("forward_delay", Value::from(0)),
        ]
    };
    let dhcp_task = |expansion: &mut Expansion<'_>, router_none: bool| -> Result<()> {
        let Some(subnet) = subnet else { return Ok(()) };
        let last = 2
            + (u32::from(subnet.broadcast()) - u32::from(subnet.network()))
                .saturating_sub(3)
                .min(98);
        let (first, last) = dhcp.range.unwrap_or((
            host(subnet, 2).unwrap_or(subnet.network()),
            host(subnet, last).unwrap_or(subnet.network()),
        ));
        let mut entries = vec![
            ("interface", text(&bridge)),
            ("range", list([text(first), text(last)])),
            ("lease", text(dhcp.lease.as_deref().unwrap_or("12h"))),
        ];
        if router_none {
            entries.push(("router", text("none")));
            entries.push(("dns", text("none")));
        }
        let hosts: Vec<Value> = guests
            .iter()
            .filter_map(|(vm, _, mac, _)| {
                vm.ip.map(|ip| {
                    map_value([
                        ("mac".to_owned(), text(mac)),
                        ("ip".to_owned(), text(ip)),
                        ("name".to_owned(), text(&vm.name)),
                    ])
                })
            })
            .collect();
        if !hosts.is_empty() {
            entries.push(("hosts", list(hosts)));
        }
        expansion.add(&super::dhcp_server::DHCP_SERVER, bridge.to_string(), entries);
        Ok(())
    };
    let bridge_forward_needed = firewall.is_some() || context.facts.ufw_enabled;
    // Bridged and MAC NAT: the uplink joins the bridge and carries no address;
    // the bridge takes the host's LAN address (DHCP unless `address` says otherwise).
    let uplink_on_the_bridge = |expansion: &mut Expansion<'_>| -> InterfaceName {
        let Some(uplink) = &uplink else {
            unreachable!("checked above: these modes need an uplink")
        };
        expansion.add(
            &super::interface::INTERFACE,
            uplink.value.to_string(),
            vec![("name", text(&uplink.value)), ("address", text("none"))],
        );
        let mut ports = vec![text(&uplink.value)];
        ports.extend(taps.iter().cloned());
        let address = address.as_ref().map_or_else(|| text("dhcp"), Arg::to_value);
        expansion.add(&super::bridge::BRIDGE, bridge.to_string(), bridge_args(ports, address));
        uplink.value.clone()
    };
    match mode {
        Mode::Bridged => {
            uplink_on_the_bridge(&mut expansion);
            if bridge_forward_needed {
                expansion.firewall("bridge_forward", &bridge);
            }
        }
        Mode::Nat if mac_nat => {
            let uplink = uplink_on_the_bridge(&mut expansion);
            let nat_guests: Vec<Value> = guests
                .iter()
                .map(|(vm, _, mac, _)| {
                    vm.ip
                        .map(|ip| map_value([("ip".to_owned(), text(ip)), ("mac".to_owned(), text(mac))]))
                        .ok_or_else(|| {
                            Error::invalid(
                                &vm.pos,
                                format!(
                                    "VM `{}` needs a fixed `ip` for MAC NAT (frames come back to it by its address)",
                                    vm.name
                                ),
                                None,
                            )
                        })
                })
                .collect::<Result<_>>()?;
            expansion.add(
                &super::mac_nat::MAC_NAT,
                uplink.to_string(),
                vec![("uplink", text(&uplink)), ("guests", list(nat_guests))],
            );
        }
        Mode::Nat | Mode::Routed => {
            expansion.add(
                &super::bridge::BRIDGE,
                bridge.to_string(),
                bridge_args(taps.clone(), host_address.clone().map_or_else(|| text("none"), text)),
            );
            if dhcp.enabled {
                dhcp_task(&mut expansion, false)?;
            }
            expansion.add(
                &super::sysctl::SYSCTL,
                "net.ipv4.ip_forward".into(),
                vec![("name", text("net.ipv4.ip_forward")), ("value", Value::from(1))],
            );
            let mut nat = vec![("source", text(subnet.map_or_else(String::new, |s| s.to_string())))];
            if let Some(uplink) = &uplink {
                nat.push(("out_interface", text(&uplink.value)));
            }
            if mode == Mode::Routed {
                nat.push(("routed", Value::from(true)));
            }
            expansion.add(
                &super::nat::NAT,
                subnet.map_or_else(String::new, |s| s.to_string()),
                nat,
            );
            if dhcp.enabled {
                expansion.firewall("dhcp_dns", &bridge);
            }
            expansion.firewall("bridge_forward", &bridge);
        }
        Mode::HostOnly => {
            expansion.add(
                &super::bridge::BRIDGE,
                bridge.to_string(),
                bridge_args(taps.clone(), host_address.clone().map_or_else(|| text("none"), text)),
            );
            if dhcp.enabled {
                dhcp_task(&mut expansion, true)?;
                if bridge_forward_needed {
                    expansion.firewall("dhcp_dns", &bridge);
                }
            }
            if bridge_forward_needed {
                expansion.firewall("bridge_forward", &bridge);
            }
        }
        Mode::Internal => {
            let address = if dhcp.enabled {
                host_address.clone().map_or_else(|| text("none"), text)
            } else {
                text("none")
            };
            expansion.add(
                &super::bridge::BRIDGE,
                bridge.to_string(),
                bridge_args(taps.clone(), address),
            );
            if dhcp.enabled {
                dhcp_task(&mut expansion, true)?;
                expansion.firewall("dhcp_dns", &bridge);
            }
            expansion.firewall("isolate_host", &bridge);
            expansion.firewall("bridge_forward", &bridge);
        }
        Mode::User => {}
    }
    if guests.iter().any(|(vm, _, _, _)| vm.helper) && mode != Mode::User {
        context.change(Change::Block(Block {
            path: SysPath::from_static("/etc/qemu/bridge.conf"),
            marker: format!("bridge {bridge}"),
            content: format!("allow {bridge}"),
            present: true,
            placement: Placement::End,
            mode: FileMode(0o644),
            conflicts: Vec::new(),
            unless_present: Some(format!("allow {bridge}")),
            enforce_mode: false,
        }));
    }

    // Remember the guests for `hostnet qemu`.
    for (vm, tap, mac, generated) in guests {
        let attachment = match (mode, tap) {
            (Mode::User, _) => Attachment::User {
                net: subnet,
                dhcpstart: dhcp.range.map(|(first, _)| first),
                hostfwd: vm.hostfwd.clone(),
                restrict,
                hostname: Some(vm.name.clone()),
            },
            (_, Some(tap)) => Attachment::Tap { tap },
            (_, None) => Attachment::BridgeHelper { bridge: bridge.clone() },
        };
        let origin = context.origin(&vm.pos);
        context.model.vms.push(Vm {
            name: vm.name.clone(),
            mode,
            attachment,
            mac,
            mac_generated: generated,
            ip: vm.ip,
            model: vm.model,
            origin,
        });
    }
    context.subtasks.extend(expansion.subtasks);
    Ok(())
}
