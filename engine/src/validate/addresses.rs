//! Rules: an IPv4 host address is neither its subnet's network nor its
//! broadcast address; each subnet belongs to one interface, and none
//! overlaps what the host already has elsewhere (a host address borrowed as
//! a /32, as the proxy-ARP bridge has the uplink's, is no subnet of its
//! own); a bridge's gateway is on one of its subnets.

use std::collections::BTreeMap;

use foldhash::HashMap;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use crate::error::Rule;
use crate::model::AddressConfig;
use crate::types::{InterfaceName, ULA_HINT};
use crate::validate::{Address, Check};

impl<'a> Check<'a> {
    /// Rule: an IPv4 host address is neither the network nor the broadcast address.
    pub(super) fn host_addresses(&mut self) {
        for address in self.addresses() {
            match not_a_host(&address.net) {
                Some(NotAHost::Network { first }) => self.error(
                    Rule::NetworkAddress,
                    &address.pos,
                    format!(
                        "`{}` is the network address of its subnet, not a host address",
                        address.net
                    ),
                    Some(format!("the first host address is `{first}`")),
                ),
                Some(NotAHost::Broadcast { last }) => self.error(
                    Rule::BroadcastAddress,
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

    /// Rule: a bridge's `gateway` is on one of its own subnets.
    pub(super) fn gateways(&mut self) {
        for bridge in &self.model.bridges {
            let Some(gateway) = &bridge.gateway else {
                continue;
            };
            let on_link = bridge
                .address
                .addresses()
                .iter()
                .any(|net| net.prefix_len() < net.max_prefix_len() && net.contains(&gateway.value));
            if on_link {
                continue;
            }
            let message = match &bridge.address {
                AddressConfig::Static(_) => format!(
                    "the gateway `{}` of `{}` is on none of its subnets, so the host could not reach it",
                    gateway.value, bridge.name
                ),
                _ => format!(
                    "`{}` has a `gateway` but no static address (with DHCP the lease brings the router)",
                    bridge.name
                ),
            };
            self.error(
                Rule::GatewayOutside,
                &gateway.pos,
                message,
                Some("the gateway is the LAN router's address on the bridge's subnet, e.g. `192.168.1.1` for `192.168.1.10/24`".into()),
            );
        }
    }

    /// Rule: one subnet per interface, and none the host already has elsewhere.
    pub(super) fn subnets(&mut self) {
        let addresses = self.addresses();
        let host = self.host_nets();
        let borrowed = self.owners_of_ips(&addresses);
        let mut earlier: Nets<&InterfaceName> = Nets::default();
        for (index, address) in addresses.iter().enumerate() {
            let other = earlier.first_other(&address.net, address.owner);
            earlier.insert(address.net, index, address.owner);
            if is_link_local(&address.net) || borrowed.of(address) {
                continue;
            }
            if let Some(other) = other.map(|other| &addresses[other]) {
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
                    Rule::SubnetOverlap,
                    &address.pos,
                    message,
                    Some("give each bridge and interface its own subnet, or the host cannot route between them".into()),
                );
                continue;
            }
            if let Some((interface, host)) = host.overlap(address) {
                self.error(Rule::HostSubnetOverlap,
                    &address.pos,
                    format!(
                        "subnet `{}` of `{}` overlaps `{host}`, which the host already has on `{interface}`",
                        address.net.trunc(),
                        address.owner
                    ),
                    Some(match address.net {
                        IpNet::V4(_) => format!(
                            "pick a subnet the host does not use yet for `{}` (a private bridge cannot share the uplink's LAN)",
                            address.owner
                        ),
                        IpNet::V6(_) => format!(
                            "pick a prefix the host does not use yet for `{}`: {ULA_HINT}",
                            address.owner
                        ),
                    }),
                );
            }
        }
    }

    /// Who has each single address, in the model and on the host now.
    fn owners_of_ips(&self, addresses: &[Address<'a>]) -> Owners<'a> {
        let mut owners = Owners::default();
        for address in addresses {
            owners.insert(address.net.addr(), address.owner);
        }
        for fact in &self.facts.interfaces {
            for net in fact.addresses.iter().filter_map(|text| fact_address(text)) {
                owners.insert(net.addr(), &fact.name);
            }
        }
        owners
    }

    /// The addresses the host has now, except link-local ones and those of
    /// interfaces whose addresses the model replaces (ports, static or `none`).
    fn host_nets(&self) -> HostNets<'a> {
        let index = &self.index;
        let mut host = HostNets::default();
        for fact in &self.facts.interfaces {
            let name = fact.name.as_str();
            let replaced = index.bridge_of(name).is_some()
                || index
                    .bridge(name)
                    .map(|b| &b.address)
                    .or_else(|| index.interface(name).map(|i| &i.address))
                    .is_some_and(|config| *config != AddressConfig::Dhcp);
            if replaced {
                continue;
            }
            for text in &fact.addresses {
                if let Some(net) = fact_address(text).filter(|net| !is_link_local(net)) {
                    host.nets.insert(net, host.found.len(), &fact.name);
                    host.found.push((&fact.name, text));
                }
            }
        }
        host
    }
}

/// The host's addresses that a model address may not overlap, in the
/// order of the host's interfaces.
#[derive(Default)]
struct HostNets<'a> {
    found: Vec<(&'a InterfaceName, &'a str)>,
    nets: Nets<&'a InterfaceName>,
}

impl<'a> HostNets<'a> {
    /// The first address on another interface than `address`'s owner that
    /// overlaps it.
    fn overlap(&self, address: &Address<'_>) -> Option<(&'a InterfaceName, &'a str)> {
        self.nets
            .first_other(&address.net, address.owner)
            .map(|found| self.found[found])
    }
}

/// The first owner of each IP address and whether another one has it too.
#[derive(Default)]
struct Owners<'a> {
    ips: HashMap<IpAddr, (&'a InterfaceName, bool)>,
}

impl<'a> Owners<'a> {
    fn insert(&mut self, ip: IpAddr, owner: &'a InterfaceName) {
        let entry = self.ips.entry(ip).or_insert((owner, false));
        if entry.0 != owner {
            entry.1 = true;
        }
    }

    /// Is `address` a single address (/32, /128) that another interface of
    /// the model or the host has too: a borrowed host address, no subnet of
    /// its own?
    fn of(&self, address: &Address<'_>) -> bool {
        address.net.prefix_len() == address.net.max_prefix_len()
            && self
                .ips
                .get(&address.net.addr())
                .is_some_and(|(first, more)| *first != address.owner || *more)
    }
}

/// Subnets by network, each with the first item (its order and owner) that
/// has it, and the first one of another owner than that, so "the first
/// overlapping subnet of another owner" is a few look-ups, not a scan.
/// Two CIDR subnets overlap when one contains the other: the ones that
/// contain a subnet are its supernets (one look-up per shorter prefix), and
/// the ones it contains start inside it (one range of the sorted map).
struct Nets<O> {
    nets: BTreeMap<IpNet, Firsts<O>>,
}

impl<O> Default for Nets<O> {
    fn default() -> Self {
        Self { nets: BTreeMap::new() }
    }
}

/// The first item of a subnet, and the first of another owner than it.
struct Firsts<O> {
    first: (usize, O),
    other: Option<usize>,
}

impl<O: PartialEq + Copy> Nets<O> {
    fn insert(&mut self, net: IpNet, order: usize, owner: O) {
        let firsts = self.nets.entry(net.trunc()).or_insert(Firsts {
            first: (order, owner),
            other: None,
        });
        if firsts.other.is_none() && firsts.first.1 != owner {
            firsts.other = Some(order);
        }
    }

    /// The smallest order among the subnets overlapping `net` whose owner is not `owner`.
    fn first_other(&self, net: &IpNet, owner: O) -> Option<usize> {
        let net = net.trunc();
        let of = |firsts: &Firsts<O>| {
            if firsts.first.1 != owner {
                Some(firsts.first.0)
            } else {
                firsts.other
            }
        };
        let inside = IpNet::new(net.network(), 0).ok()?..=IpNet::new(net.broadcast(), net.max_prefix_len()).ok()?;
        let contained = self.nets.range(inside).filter_map(|(_, firsts)| of(firsts));
        let containing = (0..net.prefix_len()).filter_map(|prefix| {
            let supernet = IpNet::new(net.network(), prefix).ok()?.trunc();
            self.nets.get(&supernet).and_then(of)
        });
        contained.chain(containing).min()
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

/// Do the two subnets share any address? (What [`Nets`] answers without a scan.)
#[cfg(test)]
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
    fn nets_find_the_first_overlap_of_another_owner() {
        // Every pair of a few hundred subnets of mixed prefixes and owners:
        // the index answers what a scan of the earlier ones answers.
        let mut nets = Vec::new();
        for (i, prefix) in [8u8, 12, 16, 20, 24, 28, 30, 32]
            .into_iter()
            .cycle()
            .take(240)
            .enumerate()
        {
            let address = format!("10.{}.{}.{}/{prefix}", i % 3, (i * 7) % 5, (i * 13) % 9);
            nets.push((net(&address), i % 4));
        }
        nets.push((net("fd00::1/64"), 0));
        nets.push((net("fd00:0:0:0:1::1/80"), 1));
        let mut index: Nets<usize> = Nets::default();
        for (order, (subnet, owner)) in nets.iter().enumerate() {
            let scan = nets[..order]
                .iter()
                .position(|(other, other_owner)| other_owner != owner && overlaps(other, subnet));
            assert_eq!(index.first_other(subnet, *owner), scan, "{subnet}");
            index.insert(*subnet, order, *owner);
        }
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
}
