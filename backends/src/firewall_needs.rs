//! What the host's firewall would drop that the playbook's DHCP servers and
//! bridges need, when the playbook asks for no rule that lets it through:
//! a warning with the exact task to add. `vm_network` adds these rules by
//! itself where the facts show such a firewall; a playbook written task by
//! task (a `dhcp_server`, a `bridge`) says what it wants, so hostnet adds
//! nothing to it unasked, but says what is missing.
//!
//! - ufw enabled: INPUT's policy is DROP, so guests get no answer from
//!   dnsmasq; firewalld: the interface's zone does not offer `dhcp`.
//! - br_netfilter loaded with ufw or Docker (FORWARD policy DROP): frames
//!   bridged between the ports of a bridge traverse iptables' FORWARD and
//!   are dropped, the guests' DHCP to the LAN's server included.

use hostnet_engine::backend::Desired;
use hostnet_engine::change::{Change, Planned};
use hostnet_engine::model::{Dns, FirewallIntent};
use hostnet_engine::types::InterfaceName;

/// What drops the guests' requests to the host, if anything.
fn input_dropper(desired: &Desired<'_>) -> Option<&'static str> {
    let facts = desired.facts;
    if facts.ufw_enabled {
        Some("ufw is enabled here, and its INPUT policy drops")
    } else if facts.runs("firewalld") {
        Some("firewalld runs here, and its default zone drops")
    } else {
        None
    }
}

/// What drops bridged frames, if anything.
fn forward_dropper(desired: &Desired<'_>) -> Option<&'static str> {
    let facts = desired.facts;
    if !facts.br_netfilter {
        return None;
    }
    if facts.ufw_enabled {
        Some("ufw's")
    } else if facts.runs("docker") {
        Some("Docker's")
    } else {
        None
    }
}

/// Does an intent of the model accept DHCP from guests on `interface`?
fn accepts_dhcp(desired: &Desired<'_>, interface: &InterfaceName) -> bool {
    desired.model.firewall.iter().any(|rule| match &rule.intent {
        FirewallIntent::DhcpDns { interface: on } | FirewallIntent::Dhcp { interface: on } => on == interface,
        FirewallIntent::AllowInput {
            interface: on, ports, ..
        } => on == interface && (ports.is_empty() || ports.iter().any(|port| port.first <= 67 && 67 <= port.last)),
        _ => false,
    })
}

/// Warnings for the DHCP servers and relays no rule lets the guests reach.
pub(crate) fn dhcp(desired: &Desired<'_>) -> Vec<Planned> {
    let Some(dropper) = input_dropper(desired) else {
        return Vec::new();
    };
    let model = desired.model;
    let served = model
        .dhcp_servers
        .iter()
        .map(|server| {
            (
                &server.interface.value,
                server.origin.task,
                matches!(server.dns, Dns::Local),
            )
        })
        .chain(
            model
                .dhcp_relays
                .iter()
                .map(|relay| (&relay.interface.value, relay.origin.task, false)),
        );
    let mut changes = Vec::new();
    for (interface, task, dns) in served {
        if accepts_dhcp(desired, interface) {
            continue;
        }
        let task_text = if dns {
            format!("- firewall: {{ dhcp_dns: {interface} }}")
        } else {
            format!("- firewall: {{ dhcp: {interface} }}")
        };
        changes.push(Planned::new(
            Change::Warn {
                message: format!(
                    "{dropper} the guests' DHCP requests on `{interface}`: they get no lease from dnsmasq; \
                     add the task `{task_text}`"
                ),
            },
            task,
        ));
    }
    changes
}

/// Warnings for the bridges whose bridged frames the firewall drops.
pub(crate) fn bridges(desired: &Desired<'_>) -> Vec<Planned> {
    let Some(dropper) = forward_dropper(desired) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    for device in &desired.topology.bridges {
        let bridge = &device.bridge.name;
        let forwarded = desired.model.firewall.iter().any(|rule| {
            matches!(&rule.intent,
                    FirewallIntent::BridgeForward { bridge: on } | FirewallIntent::IsolateForward { bridge: on }
                    if on == bridge)
        });
        if forwarded || device.ports.len() < 2 {
            continue;
        }
        changes.push(Planned::from_tasks(
            Change::Warn {
                message: format!(
                    "bridged frames traverse iptables' FORWARD here (br_netfilter), and {dropper} FORWARD policy \
                     drops them: the guests on `{bridge}` reach nothing through it, not even a DHCP server; add the \
                     task `- firewall: {{ bridge_forward: {bridge} }}`"
                ),
            },
            device.origins(),
        ));
    }
    changes
}
