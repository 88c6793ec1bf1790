//! Validation: the one home of every check no single value can make on its
//! own (a value's own shape is its type's business, see `types.rs` and
//! `value.rs`). [`validate`] is the one entry point; each concern has its
//! file:
//!
//! - `names.rs`: one definition per bridge, TAP, interface, DHCP server, VM
//!   and kernel parameter; names that collide, also after netifrc's mangling;
//! - `ports.rs`: ports claimed twice, bridges as ports, wireless ports,
//!   missing ports, ports with addresses, more ports than a bridge holds;
//! - `addresses.rs`: network/broadcast addresses, overlapping subnets (with
//!   each other and with the host's addresses), a bridge's gateway outside
//!   its subnets;
//! - `macs.rs`: duplicate or multicast MACs, a guest's MAC on the host, two
//!   guest NICs with one MAC;
//! - `timers.rs`: bridge timers the kernel rejects;
//! - `owners.rs`: TAP owners missing on the host;
//! - `services.rs`: DHCP ranges and leases, MAC NAT guests, firewall intents;
//! - `ipv6.rs`: a DHCP server's router advertisements, DHCPv6 range and
//!   fixed IPv6 addresses against the interface's IPv6 prefix.
//!
//! Every error points where the value at fault was written: ports, timers
//! and owners carry their positions, and each item's `written` holds those
//! of its MAC and addresses. All errors are reported at once, in the order of
//! those positions.

mod addresses;
mod ipv6;
mod macs;
mod names;
mod owners;
mod ports;
mod services;
mod timers;

use foldhash::{HashMap, HashSet};

use ipnet::IpNet;

use crate::error::{Error, Rule};
use crate::facts::{Facts, InterfaceFact};
use crate::model::{HostModel, Index};
use crate::source::Pos;
use crate::types::{InterfaceName, MacAddr};

/// Check the model; an empty list means valid.
pub fn validate(model: &HostModel, facts: &Facts) -> Vec<Error> {
    let mut check = Check {
        model,
        facts,
        index: Index::of(model),
        host: facts
            .interfaces
            .iter()
            .rev()
            .map(|fact| (fact.name.as_str(), fact))
            .collect(),
        errors: Vec::new(),
    };
    // A second definition hides what the item would mean: until every item
    // is defined once, nothing else is checked.
    check.definitions();
    if check.errors.is_empty() {
        check.names();
        check.ports();
        check.port_limit();
        check.port_addresses();
        check.host_addresses();
        check.macs();
        check.guest_macs();
        check.subnets();
        check.gateways();
        check.timers();
        check.owners();
        check.errors.extend(services::validate(model, &check.index));
    }
    let mut errors = check.errors;
    errors.sort_by(|a, b| order(a.pos.as_ref()).cmp(&order(b.pos.as_ref())));
    // A looped task adds one item per loop item, all written at the same
    // template: report a problem there once. Sorted, the errors at one
    // position are next to each other.
    let mut group: Option<Pos> = None;
    let mut messages: HashSet<String> = HashSet::default();
    errors.retain(|error| {
        if group != error.pos {
            group.clone_from(&error.pos);
            messages.clear();
        }
        messages.insert(error.kind.to_string())
    });
    errors
}

/// Sort key: file, line, column (errors without a position first).
fn order(pos: Option<&Pos>) -> (Option<&std::path::Path>, u32, u32) {
    pos.map_or((None, 0, 0), |pos| (Some(pos.path()), pos.line, pos.column))
}

/// The model under check, its items by name (built once: no rule scans a
/// list once per item), and the errors found so far.
struct Check<'a> {
    model: &'a HostModel,
    facts: &'a Facts,
    index: Index<'a>,
    /// The host's interfaces by name (the first of a name, as `Facts::interface`).
    host: HashMap<&'a str, &'a InterfaceFact>,
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
    fn error(&mut self, rule: Rule, pos: &Pos, message: String, hint: Option<String>) {
        self.errors.push(Error::rule(rule, pos, message, hint));
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
}

#[cfg(test)]
mod tests {
    use crate::types::InterfaceName;

    #[test]
    fn netifrc_mangling_collides() {
        let name = |text: &str| text.parse::<InterfaceName>().unwrap();
        assert_eq!(name("br-0").shell_var(), name("br_0").shell_var());
        assert_eq!(name("eth0.100").shell_var(), "eth0_100");
        assert_ne!(name("br0").shell_var(), name("br_0").shell_var());
    }
}
