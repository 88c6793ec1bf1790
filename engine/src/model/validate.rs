//! Whole-model checks no single task can make. Every error names the
//! position of the value at fault; all errors are reported at once, in the
//! order of those positions.
//!
//! The checks: names that collide (also after netifrc's variable mangling),
//! ports claimed twice or that are bridges, ports with addresses, wireless
//! ports, network/broadcast addresses, duplicate or multicast MACs,
//! overlapping subnets (with each other and with the host's addresses),
//! bridge timers the kernel rejects, TAP owners missing on the host, and
//! ports that would not exist when the bridge comes up.
//!
//! Every error points where the value at fault was written: ports, timers
//! and owners carry their positions, and each item's `written` holds those
//! of its MAC and addresses.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, suggest};
use crate::facts::Facts;
use crate::model::{AddressConfig, HostModel};
use crate::source::Pos;
use crate::types::{Centiseconds, InterfaceName, MacAddr};
use crate::value::At;

/// Check the model; an empty list means valid.
pub fn validate(model: &HostModel, facts: &Facts) -> Vec<Error> {
    let mut check = Check {
        model,
        facts,
        errors: Vec::new(),
    };
    check.names();
    check.ports();
    check.port_addresses();
    check.host_addresses();
    check.macs();
    check.subnets();
    check.timers();
    check.owners();
    let mut errors = check.errors;
    errors.sort_by(|a, b| order(a.pos.as_ref()).cmp(&order(b.pos.as_ref())));
    // A looped task adds one item per loop item, all written at the same
    // template: report a problem there once.
    let mut seen = Vec::new();
    errors.retain(|error| {
        let key = (error.pos.clone(), error.kind.to_string());
        let new = !seen.contains(&key);
        if new {
            seen.push(key);
        }
        new
    });
    errors
}

fn order(pos: Option<&Pos>) -> (Option<&std::path::Path>, u32, u32) {
    pos.map_or((None, 0, 0), |pos| (Some(pos.path()), pos.line, pos.column))
}

struct Check<'a> {
    model: &'a HostModel,
    facts: &'a Facts,
    errors: Vec<Error>,
}

/// A bridge, TAP or interface of the model, by name.
struct Item<'a> {
    kind: &'static str,
    name: &'a InterfaceName,
    pos: &'a Pos,
    mac: Option<MacAddr>,
    mac_pos: Option<&'a Pos>,
}

/// One static address of a bridge or interface, where it was written.
struct Address<'a> {
    owner: &'a InterfaceName,
    net: IpNet,
    pos: Pos,
}

impl<'a> Check<'a> {
    fn error(&mut self, pos: &Pos, message: String, hint: Option<String>) {
        self.errors.push(Error::invalid(pos, message, hint));
    }

    /// Every bridge, TAP and interface, in the order they were written.
    fn items(&self) -> Vec<Item<'a>> {
        let model = self.model;
        let mut items: Vec<Item<'a>> = model
            .bridges
            .iter()
            .map(|b| Item {
                kind: "bridge",
                name: &b.name,
                pos: &b.origin.pos,
                mac: b.mac,
                mac_pos: b.written.mac.as_ref(),
            })
            .chain(model.taps.iter().map(|t| Item {
                kind: "TAP",
                name: &t.name,
                pos: &t.origin.pos,
                mac: t.mac,
                mac_pos: t.written.mac.as_ref(),
            }))
            .chain(model.interfaces.iter().map(|i| Item {
                kind: "interface",
                name: &i.name,
                pos: &i.origin.pos,
                mac: i.mac,
                mac_pos: i.written.mac.as_ref(),
            }))
            .collect();
        items.sort_by(|a, b| order(Some(a.pos)).cmp(&order(Some(b.pos))));
        items
    }

    /// Rule: one name per device, also after netifrc turns it into a variable suffix.
    /// An `interface` item may share its name with a TAP or bridge: it then
    /// configures that device (a host-only TAP's address, a bridge's routes).
    fn names(&mut self) {
        let items = self.items();
        let configures =
            |a: &Item<'_>, b: &Item<'_>| a.name == b.name && (a.kind == "interface") != (b.kind == "interface");
        for (index, item) in items.iter().enumerate() {
            let earlier: Vec<&Item<'_>> = items[..index].iter().filter(|e| !configures(e, item)).collect();
            if let Some(first) = earlier.iter().find(|e| e.name == item.name) {
                self.error(
                    item.pos,
                    format!(
                        "{} `{}` has the same name as {} `{}` at {}",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("give each bridge, TAP and interface its own name".into()),
                );
            } else if let Some(first) = earlier.iter().find(|e| e.name.shell_var() == item.name.shell_var()) {
                let var = item.name.shell_var();
                self.error(
                    item.pos,
                    format!(
                        "{} `{}` and {} `{}` at {} would share netifrc's variables (`config_{var}`)",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("netifrc turns every character outside `[A-Za-z0-9_]` into `_`; rename one of them".into()),
                );
            }
        }
    }

    /// Rules: a port belongs to one bridge; bridges are not ports; ports exist.
    fn ports(&mut self) {
        let model = self.model;
        let mut seen: Vec<(&InterfaceName, &InterfaceName, &Pos)> = Vec::new();
        for bridge in &model.bridges {
            for port in &bridge.ports {
                let name = &port.value;
                if name == &bridge.name {
                    self.error(
                        &port.pos,
                        format!("bridge `{name}` cannot be a port of itself"),
                        Some(format!("remove `{name}` from its `ports`")),
                    );
                    continue;
                }
                if model.bridge(name.as_str()).is_some() {
                    self.error(
                        &port.pos,
                        format!(
                            "`{name}` is a bridge and cannot be a port of bridge `{}` (the kernel does not nest bridges)",
                            bridge.name
                        ),
                        Some(format!(
                            "list the ports of `{name}` in `{}` directly, or connect the two bridges with a veth pair",
                            bridge.name
                        )),
                    );
                    continue;
                }
                if let Some((_, other, pos)) = seen.iter().find(|(p, _, _)| *p == name) {
                    let (other, pos) = (*other, (*pos).clone());
                    if other == &bridge.name {
                        self.error(
                            &port.pos,
                            format!("port `{name}` is listed twice in bridge `{other}`"),
                            Some("remove one of them".into()),
                        );
                    } else {
                        self.error(
                            &port.pos,
                            format!("port `{name}` is already in bridge `{other}` at {pos}"),
                            Some("an interface can be a port of one bridge only; remove it from one of them".into()),
                        );
                    }
                    continue;
                }
                seen.push((name, &bridge.name, &port.pos));
                self.wireless_port(port);
                self.missing_port(port, &bridge.name);
            }
        }
    }

    /// Rule: wireless interfaces cannot be bridge ports.
    fn wireless_port(&mut self, port: &At<InterfaceName>) {
        let name = &port.value;
        let wireless = match self.model.interface(name.as_str()) {
            Some(interface) => interface.wireless,
            None => self.facts.interface(name.as_str()).is_some_and(|fact| fact.wireless),
        };
        // With ebtables MAC NAT (and `4addr` on) the uplink may join the bridge.
        let mac_nat = self.model.mac_nats.iter().any(|nat| nat.uplink.value == *name);
        if wireless && !mac_nat {
            self.error(
                &port.pos,
                format!(
                    "`{name}` is a wireless interface and cannot be a bridge port \
                     (the kernel refuses, and access points drop frames from unknown MACs)"
                ),
                Some(format!(
                    "use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), \
                     or `iw dev {name} set 4addr on` where the access point supports WDS"
                )),
            );
        }
    }

    /// Rule: a port nothing creates and the host lacks (only when the host's interfaces are known).
    fn missing_port(&mut self, port: &At<InterfaceName>, bridge: &InterfaceName) {
        let name = port.value.as_str();
        let facts = self.facts;
        if facts.interfaces.is_empty()
            || self.model.tap(name).is_some()
            || self.model.interface(name).is_some()
            || facts.interface(name).is_some()
        {
            return;
        }
        let hint = match suggest(name, facts.interfaces.iter().map(|i| i.name.as_str())) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "the host has {}; add a `tap` task if hostnet should create `{name}`",
                facts
                    .interfaces
                    .iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            &port.pos,
            format!(
                "`{name}` does not exist on the host and no task creates it, so bridge `{bridge}` \
                 would come up without it (ifupdown skips missing ports silently)"
            ),
            Some(hint),
        );
    }

    /// Rule: a bridge port carries no address; the bridge does.
    fn port_addresses(&mut self) {
        let model = self.model;
        for interface in &model.interfaces {
            if interface.address == AddressConfig::None {
                continue;
            }
            let Some(bridge) = model.bridge_of(interface.name.as_str()) else {
                continue;
            };
            let written = &interface.written;
            let name = &interface.name;
            let message = if written.address.is_none() {
                format!(
                    "`{name}` is a port of bridge `{}` and cannot have an address of its own, \
                     but `interface` defaults to `address: dhcp`",
                    bridge.name
                )
            } else {
                format!(
                    "`{name}` is a port of bridge `{}` and cannot have an address of its own",
                    bridge.name
                )
            };
            let pos = written
                .addresses
                .first()
                .or(written.address.as_ref())
                .unwrap_or(&interface.origin.pos)
                .clone();
            self.error(
                &pos,
                message,
                Some(format!(
                    "the bridge carries the address; use `address: none` on `{name}`"
                )),
            );
        }
    }

    /// Every static address of the bridges and interfaces, in the order written.
    fn addresses(&mut self) -> Vec<Address<'a>> {
        let model = self.model;
        let owners = model
            .bridges
            .iter()
            .map(|b| (&b.name, &b.address, &b.written, &b.address_pos))
            .chain(
                model
                    .interfaces
                    .iter()
                    .map(|i| (&i.name, &i.address, &i.written, &i.origin.pos)),
            );
        let mut addresses = Vec::new();
        for (owner, config, written, fallback) in owners {
            let nets = config.addresses();
            let positions = if written.addresses.len() == nets.len() {
                written.addresses.clone()
            } else {
                vec![fallback.clone(); nets.len()]
            };
            addresses.extend(
                nets.iter()
                    .zip(positions)
                    .map(|(net, pos)| Address { owner, net: *net, pos }),
            );
        }
        addresses.sort_by(|a, b| order(Some(&a.pos)).cmp(&order(Some(&b.pos))));
        addresses
    }

    /// Rule: an IPv4 host address is neither the network nor the broadcast address.
    fn host_addresses(&mut self) {
        for address in self.addresses() {
            match not_a_host(&address.net) {
                Some(NotAHost::Network { first }) => self.error(
                    &address.pos,
                    format!(
                        "`{}` is the network address of its subnet, not a host address",
                        address.net
                    ),
                    Some(format!("the first host address is `{first}`")),
                ),
                Some(NotAHost::Broadcast { last }) => self.error(
                    &address.pos,
                    format!(
                        "`{}` is the broadcast address of its subnet, not a host address",
                        address.net
                    ),
                    Some(format!("the last host address is `{last}`")),
                ),
                None => {}
            }
        }
    }

    /// Rule: unicast MACs, each used once (a bridge may share one with its own port).
    fn macs(&mut self) {
        let items = self.items();
        let mut seen: Vec<(MacAddr, &Item<'_>, Pos)> = Vec::new();
        for item in &items {
            let Some(mac) = item.mac else {
                continue;
            };
            let pos = item.mac_pos.unwrap_or(item.pos).clone();
            if mac.is_multicast() {
                self.error(
                    &pos,
                    format!("`{mac}` is a multicast MAC address (the group bit of its first byte is set)"),
                    Some(format!(
                        "an interface needs a unicast MAC, e.g. `{}` (locally administered)",
                        unicast(mac)
                    )),
                );
                continue;
            }
            let duplicate = seen
                .iter()
                .find(|(other, first, _)| *other == mac && !self.bridge_and_port(first, item));
            if let Some((_, first, first_pos)) = duplicate {
                let message = format!(
                    "MAC `{mac}` of {} `{}` is already used by {} `{}` at {first_pos}",
                    item.kind, item.name, first.kind, first.name
                );
                self.error(&pos, message, Some("give each interface its own MAC address".into()));
                continue;
            }
            seen.push((mac, item, pos));
        }
    }

    /// A bridge takes a port's MAC by default, so sharing one is fine.
    fn bridge_and_port(&self, a: &Item<'_>, b: &Item<'_>) -> bool {
        let is_port = |bridge: &Item<'_>, port: &Item<'_>| {
            bridge.kind == "bridge"
                && self
                    .model
                    .bridge_of(port.name.as_str())
                    .is_some_and(|owner| &owner.name == bridge.name)
        };
        is_port(a, b) || is_port(b, a)
    }

    /// Rule: one subnet per interface, and none the host already has elsewhere.
    fn subnets(&mut self) {
        let addresses = self.addresses();
        for (index, address) in addresses.iter().enumerate() {
            if is_link_local(&address.net) {
                continue;
            }
            let earlier = addresses[..index]
                .iter()
                .find(|other| other.owner != address.owner && overlaps(&other.net, &address.net));
            if let Some(other) = earlier {
                let (subnet, other_subnet) = (address.net.trunc(), other.net.trunc());
                let message = if subnet == other_subnet {
                    format!(
                        "`{}` is on subnet `{subnet}`, which `{}` already uses at {}",
                        address.owner, other.owner, other.pos
                    )
                } else {
                    format!(
                        "subnet `{subnet}` of `{}` overlaps subnet `{other_subnet}` of `{}` at {}",
                        address.owner, other.owner, other.pos
                    )
                };
                self.error(
                    &address.pos,
                    message,
                    Some("give each bridge and interface its own subnet, or the host cannot route between them".into()),
                );
                continue;
            }
            if let Some((interface, host)) = self.host_overlap(address) {
                self.error(
                    &address.pos,
                    format!(
                        "subnet `{}` of `{}` overlaps `{host}`, which the host already has on `{interface}`",
                        address.net.trunc(),
                        address.owner
                    ),
                    Some(format!(
                        "pick a subnet the host does not use yet for `{}` (a private bridge cannot share the uplink's LAN)",
                        address.owner
                    )),
                );
            }
        }
    }

    /// An address the host has now on another interface that overlaps `address`.
    /// Interfaces whose addresses the model replaces (ports, static or `none`) do not count.
    fn host_overlap(&self, address: &Address<'_>) -> Option<(&'a InterfaceName, &'a str)> {
        let model = self.model;
        self.facts.interfaces.iter().find_map(|fact| {
            let name = fact.name.as_str();
            let replaced = model.bridge_of(name).is_some()
                || model
                    .bridge(name)
                    .map(|b| &b.address)
                    .or_else(|| model.interface(name).map(|i| &i.address))
                    .is_some_and(|config| *config != AddressConfig::Dhcp);
            if &fact.name == address.owner || replaced {
                return None;
            }
            fact.addresses
                .iter()
                .find(|text| fact_address(text).is_some_and(|net| !is_link_local(&net) && overlaps(&net, &address.net)))
                .map(|text| (&fact.name, text.as_str()))
        })
    }

    /// Rule: bridge timers within the kernel's ranges.
    fn timers(&mut self) {
        for bridge in &self.model.bridges {
            if let Some(delay) = &bridge.forward_delay {
                let seconds = delay.value.seconds_text();
                if bridge.stp && delay.value.0 == 0 {
                    self.error(
                        &delay.pos,
                        "`forward_delay: 0` is only possible with STP off, and this bridge has `stp: true`".into(),
                        Some(
                            "either `stp: false` with `forward_delay: 0`, or keep STP and use `forward_delay: 2`, \
                             the kernel minimum"
                                .into(),
                        ),
                    );
                } else if bridge.stp && !(200..=3000).contains(&delay.value.0) {
                    let (nearest, bound) = nearest(delay.value, 200, 3000);
                    self.error(
                        &delay.pos,
                        format!(
                            "`forward_delay: {seconds}` is outside the range the kernel accepts with STP on (2–30 s)"
                        ),
                        Some(format!(
                            "use `forward_delay: {nearest}`, the kernel {bound}, or turn STP off with `stp: false`"
                        )),
                    );
                }
            }
            for (key, timer, min, max) in [
                ("hello_time", &bridge.hello_time, 100, 1000),
                ("max_age", &bridge.max_age, 600, 4000),
            ] {
                let Some(timer) = timer else {
                    continue;
                };
                if (min..=max).contains(&timer.value.0) {
                    continue;
                }
                let (nearest, bound) = nearest(timer.value, min, max);
                self.error(
                    &timer.pos,
                    format!(
                        "`{key}: {}` is outside the range the kernel accepts ({}–{} s)",
                        timer.value.seconds_text(),
                        min / 100,
                        max / 100
                    ),
                    Some(format!("use `{key}: {nearest}`, the kernel {bound}")),
                );
            }
        }
    }

    /// Rule: TAP owners exist on the host (when its accounts are known).
    fn owners(&mut self) {
        for tap in &self.model.taps {
            for (what, owner, known, create) in [
                ("user", &tap.user, &self.facts.users, "useradd --system"),
                ("group", &tap.group, &self.facts.groups, "groupadd --system"),
            ] {
                let (Some(owner), Some(known)) = (owner, known) else {
                    continue;
                };
                let name = owner.value.as_str();
                if name.bytes().all(|b| b.is_ascii_digit()) || known.iter().any(|k| k == name) {
                    continue;
                }
                let hint = match suggest(name, known.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("create it first (`{create} {name}`), or name an existing {what}"),
                };
                self.errors.push(Error::invalid(
                    &owner.pos,
                    format!("{what} `{name}` does not exist on the host"),
                    Some(hint),
                ));
            }
        }
    }
}

/// Why an IPv4 address with prefix is not usable as a host address.
#[derive(Debug, PartialEq, Eq)]
enum NotAHost {
    /// It is the network address; `first` is the first host address.
    Network { first: Ipv4Net },
    /// It is the broadcast address; `last` is the last host address.
    Broadcast { last: Ipv4Net },
}

/// Network or broadcast address of its own subnet? (/31 and /32 have neither.)
fn not_a_host(net: &IpNet) -> Option<NotAHost> {
    let IpNet::V4(net) = net else {
        return None;
    };
    let prefix = net.prefix_len();
    if prefix >= 31 {
        return None;
    }
    let address = u32::from(net.addr());
    let network = u32::from(net.network());
    let broadcast = u32::from(net.broadcast());
    let with = |value: u32| Ipv4Net::new(value.into(), prefix).unwrap_or(*net);
    if address == network {
        Some(NotAHost::Network {
            first: with(network + 1),
        })
    } else if address == broadcast {
        Some(NotAHost::Broadcast {
            last: with(broadcast - 1),
        })
    } else {
        None
    }
}

/// Do the two subnets share any address?
fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Link-local addresses (169.254/16, fe80::/10) are per link and may repeat.
fn is_link_local(net: &IpNet) -> bool {
    match net.addr() {
        IpAddr::V4(address) => address.is_link_local(),
        IpAddr::V6(address) => address.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// An address from facts: `192.168.1.10/24`, or a bare address (a host route).
fn fact_address(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The same MAC as unicast and locally administered.
fn unicast(mac: MacAddr) -> MacAddr {
    let mut bytes = mac.0;
    bytes[0] = (bytes[0] & !1) | 2;
    MacAddr(bytes)
}

/// The nearest valid timer value, in seconds, and which bound it is.
fn nearest(value: Centiseconds, min: u32, max: u32) -> (String, &'static str) {
    if value.0 < min {
        (Centiseconds(min).seconds_text(), "minimum")
    } else {
        (Centiseconds(max).seconds_text(), "maximum")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn v4(text: &str) -> Ipv4Net {
        text.parse().unwrap()
    }

    #[test]
    fn network_and_broadcast_addresses() {
        assert_eq!(
            not_a_host(&net("172.16.2.0/24")),
            Some(NotAHost::Network {
                first: v4("172.16.2.1/24")
            })
        );
        assert_eq!(
            not_a_host(&net("172.16.2.255/24")),
            Some(NotAHost::Broadcast {
                last: v4("172.16.2.254/24")
            })
        );
        assert_eq!(
            not_a_host(&net("10.0.0.0/8")),
            Some(NotAHost::Network {
                first: v4("10.0.0.1/8")
            })
        );
        assert_eq!(
            not_a_host(&net("192.168.1.3/30")),
            Some(NotAHost::Broadcast {
                last: v4("192.168.1.2/30")
            })
        );
        assert_eq!(not_a_host(&net("172.16.2.1/24")), None);
        assert_eq!(not_a_host(&net("172.16.2.254/24")), None);
        // /31 (RFC 3021) and /32 have no network or broadcast address.
        assert_eq!(not_a_host(&net("10.0.0.0/31")), None);
        assert_eq!(not_a_host(&net("10.0.0.1/31")), None);
        assert_eq!(not_a_host(&net("10.0.0.0/32")), None);
        // IPv6 has no broadcast; the subnet-router anycast address is not checked.
        assert_eq!(not_a_host(&net("fd00::/64")), None);
    }

    #[test]
    fn subnet_overlaps() {
        assert!(overlaps(&net("172.16.1.1/24"), &net("172.16.1.200/24")));
        assert!(overlaps(&net("172.16.0.1/16"), &net("172.16.1.1/24")));
        assert!(overlaps(&net("172.16.1.1/24"), &net("172.16.0.1/16")));
        assert!(!overlaps(&net("172.16.1.1/24"), &net("172.16.2.1/24")));
        assert!(!overlaps(&net("172.16.1.1/24"), &net("fd00::1/64")));
        assert!(overlaps(&net("192.168.1.10/32"), &net("192.168.1.1/24")));
    }

    #[test]
    fn link_local_and_fact_addresses() {
        assert!(is_link_local(&net("169.254.3.4/16")));
        assert!(is_link_local(&net("fe80::1/64")));
        assert!(!is_link_local(&net("fd00::1/64")));
        assert_eq!(fact_address("192.168.1.10/24"), Some(net("192.168.1.10/24")));
        assert_eq!(fact_address("192.168.1.10"), Some(net("192.168.1.10/32")));
        assert_eq!(fact_address("fd00::1"), Some(net("fd00::1/128")));
        assert_eq!(fact_address("nonsense"), None);
    }

    #[test]
    fn netifrc_mangling_collides() {
        let name = |text: &str| text.parse::<InterfaceName>().unwrap();
        assert_eq!(name("br-0").shell_var(), name("br_0").shell_var());
        assert_eq!(name("eth0.100").shell_var(), "eth0_100");
        assert_ne!(name("br0").shell_var(), name("br_0").shell_var());
    }

    #[test]
    fn unicast_suggestion() {
        let mac: MacAddr = "01:00:5e:00:00:01".parse().unwrap();
        assert_eq!(unicast(mac).to_string(), "02:00:5e:00:00:01");
        assert!(!unicast(mac).is_multicast());
        let mac: MacAddr = "ff:ff:ff:ff:ff:ff".parse().unwrap();
        assert_eq!(unicast(mac).to_string(), "fe:ff:ff:ff:ff:ff");
    }

    #[test]
    fn nearest_timer_bounds() {
        assert_eq!(nearest(Centiseconds(50), 100, 1000), ("1".into(), "minimum"));
        assert_eq!(nearest(Centiseconds(4100), 600, 4000), ("40".into(), "maximum"));
    }
}
