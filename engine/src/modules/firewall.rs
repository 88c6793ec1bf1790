//! `firewall`: one intent the guides need, rendered for iptables, nftables or ufw.

use crate::error::{Error, Result};
use crate::model::{FirewallIntent, FirewallRule, PortRange, Protocol};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::source::Pos;
use crate::types::InterfaceName;
use crate::value::At;

pub(super) static FIREWALL: Module = Module {
    name: "firewall",
    context: "`firewall` arguments",
    summary: "One firewall intent: allow input or forwarding on an interface, bridge-internal forwarding, DHCP (and DNS) to the host, isolate the host, or isolate a bridge from forwarding.",
    doc: "Give exactly one of `allow_input`, `allow_forward`, `bridge_forward`, `dhcp_dns`, `dhcp`, \
          `isolate_host`, `isolate_forward`. Rules live in hostnet's own chains (iptables), its own table (nftables) \
          or its managed blocks (ufw), so the user's other rules survive.",
    args: &[
        ArgSpec {
            name: "allow_input",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Accept traffic to the host arriving on this interface (narrowed by `protocols`/`ports`).",
        },
        ArgSpec {
            name: "allow_forward",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Accept traffic forwarded in from this interface (out via `out_interface` when given) and its replies.",
        },
        ArgSpec {
            name: "bridge_forward",
            aliases: &[],
            required: false,
            kind: "bridge name",
            doc: "Accept forwarding between the bridge's own ports (needed where FORWARD is DROP and br_netfilter is on: ufw, Docker).",
        },
        ArgSpec {
            name: "dhcp_dns",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Accept DHCP (udp 67) and DNS (udp/tcp 53) from guests on this interface to the host.",
        },
        ArgSpec {
            name: "dhcp",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Accept DHCP (udp 67) only from guests on this interface to the host (a DHCP server that answers no DNS, or a relay).",
        },
        ArgSpec {
            name: "isolate_host",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Drop everything from this interface to the host (internal mode); guests still reach each other.",
        },
        ArgSpec {
            name: "isolate_forward",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "Forward nothing to or from this bridge but between its own ports (host-only and internal modes), whatever else forwards on the host.",
        },
        ArgSpec {
            name: "out_interface",
            aliases: &[],
            required: false,
            kind: "interface name",
            doc: "With `allow_forward`: only towards this interface.",
        },
        ArgSpec {
            name: "protocols",
            aliases: &["proto"],
            required: false,
            kind: "list of `tcp` | `udp` | `icmp`",
            doc: "With `allow_input`: only these protocols.",
        },
        ArgSpec {
            name: "ports",
            aliases: &["port"],
            required: false,
            kind: "list of ports or ranges",
            doc: "With `allow_input`: only these destination ports (`53`, `8000-8100`); needs `protocols` tcp and/or udp.",
        },
    ],
    handler_ok: false,
    run,
};

const INTENTS: [&str; 7] = [
    "allow_input",
    "allow_forward",
    "bridge_forward",
    "dhcp_dns",
    "dhcp",
    "isolate_host",
    "isolate_forward",
];

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let given: Vec<&str> = INTENTS.iter().copied().filter(|intent| args.has(intent)).collect();
    let intent_name = match given.as_slice() {
        [one] => *one,
        [] => {
            return Err(Error::invalid(
                args.pos(),
                "`firewall` needs one intent",
                Some(format!("one of {}", INTENTS.map(|i| format!("`{i}`")).join(", "))),
            ));
        }
        [first, second, ..] => {
            return Err(Error::invalid(
                args.pos(),
                format!("`firewall` takes one intent per task, and this one has `{first}` and `{second}`"),
                Some("split it into two tasks".into()),
            ));
        }
    };
    let interface = args.required::<At<InterfaceName>>(intent_name)?;
    let out_interface = args.optional_at::<InterfaceName>("out_interface")?;
    let protocols = args.optional_at::<Vec<String>>("protocols")?;
    let ports = args.optional_at::<Vec<String>>("ports")?;
    let extra = [
        ("out_interface", out_interface.as_ref().map(|a| &a.pos), "allow_forward"),
        ("protocols", protocols.as_ref().map(|a| &a.pos), "allow_input"),
        ("ports", ports.as_ref().map(|a| &a.pos), "allow_input"),
    ];
    for (name, pos, belongs) in extra {
        if let Some(pos) = pos
            && intent_name != belongs
        {
            return Err(Error::invalid(
                pos,
                format!("`{name}` goes with `{belongs}`, not `{intent_name}`"),
                None,
            ));
        }
    }
    let protocols: Vec<Protocol> = match &protocols {
        None => Vec::new(),
        Some(list) => list
            .value
            .iter()
            .map(|name| match name.as_str() {
                "tcp" => Ok(Protocol::Tcp),
                "udp" => Ok(Protocol::Udp),
                "icmp" => Ok(Protocol::Icmp),
                other => Err(Error::invalid(
                    &list.pos,
                    format!("unknown protocol `{other}`"),
                    Some("expected `tcp`, `udp` or `icmp`".into()),
                )),
            })
            .collect::<Result<_>>()?,
    };
    let ports: Vec<PortRange> = match &ports {
        None => Vec::new(),
        Some(list) => {
            if !protocols.iter().any(|p| matches!(p, Protocol::Tcp | Protocol::Udp)) {
                return Err(Error::invalid(
                    &list.pos,
                    "`ports` needs `protocols` with `tcp` or `udp`",
                    None,
                ));
            }
            list.value
                .iter()
                .map(|text| PortRange::parse(text).map_err(|message| Error::invalid(&list.pos, message, None)))
                .collect::<Result<_>>()?
        }
    };
    let name = interface.value.clone();
    let intent = match intent_name {
        "allow_input" => FirewallIntent::AllowInput {
            interface: name,
            protocols,
            ports,
        },
        "allow_forward" => FirewallIntent::AllowForward {
            interface: name,
            out_interface: out_interface.map(|a| a.value),
        },
        "bridge_forward" => FirewallIntent::BridgeForward { bridge: name },
        "dhcp_dns" => FirewallIntent::DhcpDns { interface: name },
        "dhcp" => FirewallIntent::Dhcp { interface: name },
        "isolate_forward" => FirewallIntent::IsolateForward { bridge: name },
        _ => FirewallIntent::IsolateHost { interface: name },
    };
    FirewallArgs {
        intent,
        pos: interface.pos,
    }
    .add(context)
}

/// A `firewall` task's intent, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct FirewallArgs {
    pub(super) intent: FirewallIntent,
    /// Where its interface was written.
    #[serde(skip)]
    pub(super) pos: Pos,
}

impl FirewallArgs {
    /// Add the intent to the model (once: the same intent twice is one rule).
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        if !context.model.firewall.iter().any(|rule| rule.intent == self.intent) {
            let origin = context.origin(&self.pos);
            context.model.firewall.push(FirewallRule {
                intent: self.intent,
                origin,
            });
        }
        Ok(())
    }
}
