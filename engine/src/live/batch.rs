//! Operations as commands: every link, address and route operation as one
//! line of a single `ip -batch -` (iproute2 stops at the first failing
//! line and names it), kernel parameters as one `sysctl -w`. And the inverse
//! of each operation against the state before it, for runtime rollback.

use crate::live::diff::{BridgeSet, Op, RouteSpec};
use crate::live::state::{LinkKind, LiveState};

/// The `ip -batch` line of an operation (`None`: not an `ip` operation).
pub fn ip_line(op: &Op) -> Option<String> {
    Some(match op {
        Op::Delete { name } => format!("link del dev {name}"),
        Op::CreateTap {
            name,
            user,
            group,
            multi_queue,
            vnet_hdr,
        } => {
            let mut line = format!("tuntap add dev {name} mode tap");
            if let Some(user) = user {
                line.push_str(&format!(" user {user}"));
            }
            if let Some(group) = group {
                line.push_str(&format!(" group {group}"));
            }
            if *multi_queue {
                line.push_str(" multi_queue");
            }
            if *vnet_hdr {
                line.push_str(" vnet_hdr");
            }
            line
        }
        Op::CreateBridge { name, set } => format!("link add name {name} type bridge{}", bridge_words(set)),
        // The kernel sets the timers before STP in one request, and with STP
        // still on it refuses a forward delay under 2 s: STP off goes first.
        Op::SetBridge { name, set } if set.stp == Some(false) && set != &stp_only(false) => {
            let timers = BridgeSet { stp: None, ..*set };
            format!(
                "link set dev {name} type bridge stp_state 0\nlink set dev {name} type bridge{}",
                bridge_words(&timers)
            )
        }
        Op::SetBridge { name, set } => format!("link set dev {name} type bridge{}", bridge_words(set)),
        Op::SetMtu { name, mtu } => format!("link set dev {name} mtu {mtu}"),
        Op::SetMac { name, mac } => format!("link set dev {name} address {mac}"),
        Op::NoMaster { name } => format!("link set dev {name} nomaster"),
        Op::SetMaster { name, master } => format!("link set dev {name} master {master}"),
        Op::DelAddress { name, address } => format!("address del {address} dev {name}"),
        Op::AddAddress { name, address } => format!("address add {address} dev {name}"),
        Op::Up { name } => format!("link set dev {name} up"),
        Op::Down { name } => format!("link set dev {name} down"),
        Op::ReplaceRoute { name, route } => format!("route replace {} dev {name}", route_words(route)),
        Op::DelRoute { name, route } => format!("route del {} dev {name}", route_words(route)),
        Op::Sysctl { .. } => return None,
    })
}

/// The whole `ip -batch` input for these operations (empty: no `ip` call).
pub fn ip_batch<'a>(ops: impl IntoIterator<Item = &'a Op>) -> String {
    ops.into_iter().filter_map(ip_line).map(|line| line + "\n").collect()
}

/// `sysctl -w k=v …` for the kernel parameters among these operations.
pub fn sysctl_argv<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Option<Vec<String>> {
    let pairs: Vec<String> = ops
        .into_iter()
        .filter_map(|op| match op {
            Op::Sysctl { key, value } => Some(format!("{key}={value}")),
            _ => None,
        })
        .collect();
    (!pairs.is_empty()).then(|| {
        let mut argv = vec!["sysctl".to_owned(), "-w".to_owned()];
        argv.extend(pairs);
        argv
    })
}

fn stp_only(stp: bool) -> BridgeSet {
    BridgeSet {
        stp: Some(stp),
        ..BridgeSet::default()
    }
}

fn bridge_words(set: &BridgeSet) -> String {
    let mut words = String::new();
    if let Some(stp) = set.stp {
        words.push_str(&format!(" stp_state {}", u8::from(stp)));
    }
    for (key, value) in [
        ("forward_delay", set.forward_delay),
        ("hello_time", set.hello_time),
        ("max_age", set.max_age),
    ] {
        if let Some(value) = value {
            words.push_str(&format!(" {key} {}", value.0));
        }
    }
    if let Some(priority) = set.priority {
        words.push_str(&format!(" priority {priority}"));
    }
    words
}

fn route_words(route: &RouteSpec) -> String {
    let to = route.to.map_or_else(|| "default".to_owned(), |to| to.to_string());
    let mut words = match route.via {
        Some(via) => format!("{to} via {via}"),
        None => to,
    };
    if let Some(metric) = route.metric {
        words.push_str(&format!(" metric {metric}"));
    }
    words
}

/// The operations that undo `op`, given the state before it ran (in the
/// order they must run; undoing a whole run applies the runs' inverses in
/// reverse). `None` when it cannot be undone from what `before` knows.
pub fn inverse(op: &Op, before: &LiveState) -> Option<Vec<Op>> {
    Some(match op {
        Op::CreateTap { name, .. } | Op::CreateBridge { name, .. } => vec![Op::Delete { name: name.clone() }],
        Op::Delete { name } => recreate(name, before)?,
        Op::SetBridge { name, .. } => match &before.link(name)?.kind {
            LinkKind::Bridge(old) => vec![Op::SetBridge {
                name: name.clone(),
                set: BridgeSet {
                    stp: Some(old.stp),
                    forward_delay: Some(old.forward_delay),
                    hello_time: Some(old.hello_time),
                    max_age: Some(old.max_age),
                    priority: Some(old.priority),
                },
            }],
            _ => return None,
        },
        Op::SetMtu { name, .. } => vec![Op::SetMtu {
            name: name.clone(),
            mtu: before.link(name)?.mtu,
        }],
        Op::SetMac { name, .. } => vec![Op::SetMac {
            name: name.clone(),
            mac: before.link(name)?.mac?,
        }],
        Op::NoMaster { name } | Op::SetMaster { name, .. } => match &before.link(name)?.master {
            Some(master) => vec![Op::SetMaster {
                name: name.clone(),
                master: master.clone(),
            }],
            None => vec![Op::NoMaster { name: name.clone() }],
        },
        Op::DelAddress { name, address } => vec![Op::AddAddress {
            name: name.clone(),
            address: *address,
        }],
        Op::AddAddress { name, address } => vec![Op::DelAddress {
            name: name.clone(),
            address: *address,
        }],
        Op::Up { name } => vec![Op::Down { name: name.clone() }],
        Op::Down { name } => vec![Op::Up { name: name.clone() }],
        Op::ReplaceRoute { name, route } => {
            let old = before
                .routes
                .iter()
                .find(|current| current.dev == *name && current.to == route.to && current.metric == route.metric);
            match old {
                Some(old) => vec![Op::ReplaceRoute {
                    name: name.clone(),
                    route: RouteSpec {
                        to: old.to,
                        via: old.via,
                        metric: old.metric,
                    },
                }],
                None => vec![Op::DelRoute {
                    name: name.clone(),
                    route: route.clone(),
                }],
            }
        }
        Op::DelRoute { name, route } => vec![Op::ReplaceRoute {
            name: name.clone(),
            route: route.clone(),
        }],
        Op::Sysctl { key, .. } => vec![Op::Sysctl {
            key: key.clone(),
            value: before
                .sysctls
                .get(key)
                .or_else(|| device_default(key).and_then(|default| before.sysctls.get(&default)))?
                .clone(),
        }],
    })
}

/// The `conf.default` parameter a device's own one starts from when the
/// device appears (`net.ipv4.conf.default.proxy_arp` for
/// `net.ipv4.conf.br0.proxy_arp`); `None` for any other key.
pub fn device_default(key: &str) -> Option<String> {
    ["ipv4", "ipv6"].iter().find_map(|family| {
        let rest = key.strip_prefix(&format!("net.{family}.conf."))?;
        let (device, parameter) = rest.rsplit_once('.')?;
        (!matches!(device, "all" | "default")).then(|| format!("net.{family}.conf.default.{parameter}"))
    })
}

/// Recreate a deleted TAP or bridge as it was: kind, attributes, MAC, MTU,
/// master, addresses, up.
fn recreate(name: &str, before: &LiveState) -> Option<Vec<Op>> {
    let link = before.link(name)?;
    let mut ops = vec![match &link.kind {
        LinkKind::Tap(tap) => Op::CreateTap {
            name: name.to_owned(),
            user: tap.user.clone(),
            group: tap.group.clone(),
            multi_queue: tap.multi_queue,
            vnet_hdr: tap.vnet_hdr,
        },
        LinkKind::Bridge(bridge) => Op::CreateBridge {
            name: name.to_owned(),
            set: BridgeSet {
                stp: Some(bridge.stp),
                forward_delay: Some(bridge.forward_delay),
                hello_time: Some(bridge.hello_time),
                max_age: Some(bridge.max_age),
                priority: Some(bridge.priority),
            },
        },
        LinkKind::Other { .. } => return None,
    }];
    ops.push(Op::SetMtu {
        name: name.to_owned(),
        mtu: link.mtu,
    });
    if let Some(master) = &link.master {
        ops.push(Op::SetMaster {
            name: name.to_owned(),
            master: master.clone(),
        });
    }
    for address in &link.addresses {
        ops.push(Op::AddAddress {
            name: name.to_owned(),
            address: *address,
        });
    }
    if link.up {
        ops.push(Op::Up { name: name.to_owned() });
    }
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Centiseconds;

    fn set_bridge(stp: bool, forward_delay: Option<u32>) -> Op {
        Op::SetBridge {
            name: "br0".into(),
            set: BridgeSet {
                stp: Some(stp),
                forward_delay: forward_delay.map(Centiseconds),
                ..BridgeSet::default()
            },
        }
    }

    #[test]
    fn stp_goes_off_before_the_timers_that_need_it_off() {
        assert_eq!(
            ip_batch(&[set_bridge(false, Some(0))]),
            "link set dev br0 type bridge stp_state 0\nlink set dev br0 type bridge forward_delay 0\n"
        );
        assert_eq!(
            ip_batch(&[set_bridge(false, None)]),
            "link set dev br0 type bridge stp_state 0\n"
        );
        // On: the kernel sets the timers first, then STP, in one request.
        assert_eq!(
            ip_batch(&[set_bridge(true, Some(1500))]),
            "link set dev br0 type bridge stp_state 1 forward_delay 1500\n"
        );
    }
}
