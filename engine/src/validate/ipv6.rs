//! Rules for a DHCP server's IPv6 half: router advertisements need a
//! static IPv6 prefix on the interface of a length they can serve (SLAAC
//! only works in a /64, dnsmasq's DHCPv6 ranges need /64 or longer), a
//! DHCPv6 range and fixed IPv6 addresses need `ra: stateful` and must lie in
//! that prefix, never on the interface's own address. dnsmasq itself
//! accepts all of these and then silently advertises nothing or ignores
//! the reservation.

use foldhash::HashMap;
use std::net::Ipv6Addr;

use ipnet::{IpNet, Ipv6Net};

use crate::error::{Error, Rule};
use crate::model::{DhcpServer, Index, RaMode};
use crate::types::{Duid, ULA_HINT};

/// Check the IPv6 half of one DHCP server.
pub(super) fn dhcp6(server: &DhcpServer, index: &Index<'_>) -> Vec<Error> {
    let mut errors = duids(server);
    let name = server.interface.value.as_str();
    let ra = server.ipv6.as_ref().map(|ipv6| ipv6.ra.value);
    let stateful = ra == Some(RaMode::Stateful);
    // The fixed addresses need DHCPv6: only a stateful server hands them out.
    if !stateful {
        for host in &server.hosts {
            let Some(ip6) = &host.value.ip6 else { continue };
            let (message, hint) = match ra {
                None => (
                    format!(
                        "the fixed IPv6 lease `{}` for `{}` needs DHCPv6, which the server on `{name}` does not run",
                        ip6.value, host.value.mac
                    ),
                    "add `ra: stateful` to the `dhcp_server` (or to the `vm_network`)",
                ),
                Some(mode) => (
                    format!(
                        "the fixed IPv6 lease `{}` for `{}` needs DHCPv6, which `ra: {}` does not hand out",
                        ip6.value,
                        host.value.mac,
                        mode.name()
                    ),
                    "use `ra: stateful`: the guests then take their addresses from DHCPv6",
                ),
            };
            errors.push(Error::rule(
                Rule::Lease6WithoutDhcpv6,
                &ip6.pos,
                message,
                Some(hint.into()),
            ));
        }
    }
    let Some(ipv6) = &server.ipv6 else {
        return errors;
    };
    if let Some(range) = &ipv6.range
        && !stateful
    {
        errors.push(Error::rule(
            Rule::Range6WithoutStateful,
            &range.pos,
            format!(
                "`range6` hands out DHCPv6 addresses, which `ra: {}` does not",
                ipv6.ra.value.name()
            ),
            Some("use `ra: stateful`, or leave `range6` out".into()),
        ));
    }
    if ipv6.ra.value == RaMode::Off {
        return errors;
    }
    let prefix: Option<Ipv6Net> = index.static_addresses(name).iter().find_map(|net| match net {
        IpNet::V6(net) if !is_link_local(net.addr()) => Some(*net),
        _ => None,
    });
    let Some(prefix) = prefix else {
        errors.push(Error::rule(
            Rule::Dhcp6WithoutAddress,
            &ipv6.ra.pos,
            format!("`{name}` has no static IPv6 address whose prefix its router advertisements could announce"),
            Some(format!(
                "give `{name}` an IPv6 address as well (`address: [172.16.1.1/24, fd42:4242:4242:1::1/64]`); {ULA_HINT}"
            )),
        ));
        return errors;
    };
    let network = prefix.trunc();
    let length = prefix.prefix_len();
    if ipv6.ra.value == RaMode::Stateless && length != 64 {
        errors.push(Error::rule(
            Rule::Ra6PrefixLength,
            &ipv6.ra.pos,
            format!("SLAAC needs a /64, and `{network}` of `{name}` is a /{length}"),
            Some("use a /64 prefix, or `ra: stateful` (DHCPv6 addresses) in a longer one".into()),
        ));
    } else if length < 64 {
        errors.push(Error::rule(
            Rule::Ra6PrefixLength,
            &ipv6.ra.pos,
            format!("dnsmasq's DHCPv6 needs a /64 or longer, and `{network}` of `{name}` is a /{length}"),
            Some(format!("give `{name}` a /64 of it, e.g. `{}`", with_length(prefix, 64))),
        ));
    }
    let own = prefix.addr();
    let usable = |address: Ipv6Addr| network.contains(&address) && address != network.network();
    if let Some(range) = &ipv6.range {
        let (first, last) = range.value;
        if first > last {
            errors.push(Error::rule(
                Rule::DhcpRangeReversed,
                &range.pos,
                format!("the DHCP range starts at `{first}` after it ends at `{last}`"),
                Some(format!("write it as `[{last}, {first}]`")),
            ));
        }
        for end in [first, last] {
            if !usable(end) {
                errors.push(Error::rule(
                    Rule::Range6Outside,
                    &range.pos,
                    format!("`{end}` in the DHCPv6 range is outside `{network}`, the prefix of `{name}`"),
                    Some(format!("use addresses of `{network}` after `{own}`")),
                ));
            }
        }
        if first <= own && own <= last && first <= last {
            errors.push(Error::rule(
                Rule::DhcpRangeHasHost,
                &range.pos,
                format!("the DHCP range `{first}`–`{last}` contains `{own}`, the address of `{name}` itself"),
                Some(format!("start the range after `{own}`")),
            ));
        }
    }
    let mut ips = HashMap::default();
    for host in &server.hosts {
        let Some(ip6) = &host.value.ip6 else { continue };
        let address = ip6.value;
        if !usable(address) {
            errors.push(Error::rule(
                Rule::Lease6Outside,
                &ip6.pos,
                format!(
                    "the fixed IPv6 lease `{address}` for `{}` is outside `{network}`, the prefix of `{name}`",
                    host.value.mac
                ),
                Some(format!(
                    "pick an address of `{network}`, e.g. `{}`",
                    host_in(network, 0x10)
                )),
            ));
        } else if address == own {
            errors.push(Error::rule(
                Rule::Lease6IsHost,
                &ip6.pos,
                format!("the fixed IPv6 lease `{address}` is the address of `{name}` itself"),
                None,
            ));
        }
        if let Some(previous) = ips.insert(address, ip6.pos.clone()) {
            errors.push(Error::rule(
                Rule::LeaseIpTwice,
                &ip6.pos,
                format!("the address `{address}` is leased to two MACs (the other at {previous})"),
                None,
            ));
        }
    }
    errors
}

/// A DUID reserves a lease's `ip6` for one DHCPv6 client: it needs the
/// `ip6`, and names one client of a server only once (dnsmasq would give
/// the first reservation and ignore the second). Two servers may share
/// one: a guest's DUID is the same on each of its NICs.
fn duids(server: &DhcpServer) -> Vec<Error> {
    let mut errors = Vec::new();
    let mut seen: HashMap<&Duid, &crate::source::Pos> = HashMap::default();
    for host in &server.hosts {
        let Some(duid) = &host.value.duid else { continue };
        if host.value.ip6.is_none() {
            errors.push(Error::rule(
                Rule::DuidWithoutLease6,
                &duid.pos,
                format!(
                    "the DUID `{}` of `{}` reserves nothing: this lease has no `ip6`",
                    duid.value, host.value.mac
                ),
                Some("add the `ip6` DHCPv6 should give that client, or leave `duid` out".into()),
            ));
        }
        if let Some(previous) = seen.insert(&duid.value, &duid.pos) {
            errors.push(Error::rule(
                Rule::DuidTwice,
                &duid.pos,
                format!(
                    "the DUID `{}` is reserved twice on `{}` (the other at {previous})",
                    duid.value, server.interface.value
                ),
                Some("a DUID names one DHCPv6 client; give each lease its guest's own".into()),
            ));
        }
    }
    errors
}

/// fe80::/10.
fn is_link_local(address: Ipv6Addr) -> bool {
    address.segments()[0] & 0xffc0 == 0xfe80
}

/// `net`'s address with another prefix length (`fd00::1/48` → `fd00::1/64`).
fn with_length(net: Ipv6Net, length: u8) -> Ipv6Net {
    Ipv6Net::new(net.addr(), length).unwrap_or(net)
}

/// The `index`-th address of a prefix.
fn host_in(network: Ipv6Net, index: u128) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(network.network()).saturating_add(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_lengths_and_hosts() {
        assert!(is_link_local("fe80::1".parse().unwrap()));
        assert!(is_link_local("febf::1".parse().unwrap()));
        assert!(!is_link_local("fec0::1".parse().unwrap()));
        assert!(!is_link_local("fd00::1".parse().unwrap()));
        assert_eq!(
            with_length("fd00:1::1/48".parse().unwrap(), 64),
            "fd00:1::1/64".parse::<Ipv6Net>().unwrap()
        );
        assert_eq!(
            host_in("fd00:1::/64".parse().unwrap(), 0x10),
            "fd00:1::10".parse::<Ipv6Addr>().unwrap()
        );
    }
}
