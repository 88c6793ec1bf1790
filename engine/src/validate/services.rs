//! Rules for DHCP, NAT, firewall and MAC NAT: what dnsmasq's
//! `--test` and the firewall tools do not catch (a lease outside the subnet
//! is silently ignored, a reversed range silently swapped).

use foldhash::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, Rule};
use crate::model::{FirewallIntent, HostModel, Index, Router};

/// Check the service items; an empty list means valid.
pub(super) fn validate(model: &HostModel, index: &Index<'_>) -> Vec<Error> {
    let mut errors = Vec::new();
    for server in &model.dhcp_servers {
        let name = server.interface.value.as_str();
        let subnet: Option<Ipv4Net> = index.static_addresses(name).iter().find_map(|net| match net {
            IpNet::V4(net) => Some(*net),
            IpNet::V6(_) => None,
        });
        let Some(subnet) = subnet else {
            errors.push(Error::rule(Rule::DhcpWithoutAddress,
                &server.interface.pos,
                format!("`{name}` has no static IPv4 address for its DHCP server to serve from"),
                Some(format!("give `{name}` an address (e.g. `address: \"{{{{ subnet | host(1) }}}}\"`) in its `bridge` or `interface` task")),
            ));
            continue;
        };
        let own = subnet.addr();
        let network = subnet.trunc();
        let usable = |address: Ipv4Addr| {
            network.contains(&address) && address != network.network() && address != network.broadcast()
        };
        if let Some(range) = &server.range {
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
                        Rule::DhcpRangeOutside,
                        &range.pos,
                        format!("`{end}` in the DHCP range is outside `{network}`, the subnet of `{name}`"),
                        Some(format!("use host addresses of `{network}`")),
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
        if let Router::Address(router) = server.router
            && !network.contains(&router)
        {
            errors.push(Error::rule(
                Rule::RouterOutside,
                &server.interface.pos,
                format!("the router `{router}` is outside `{network}`, so guests could not reach it"),
                None,
            ));
        }
        let mut macs = HashMap::default();
        let mut ips = HashMap::default();
        for host in &server.hosts {
            let lease = &host.value;
            if let Some(ip) = lease.ip {
                if !usable(ip) {
                    errors.push(Error::rule(
                        Rule::LeaseOutside,
                        &host.pos,
                        format!(
                            "the fixed lease `{ip}` for `{}` is outside `{network}`, the subnet of `{name}`",
                            lease.mac
                        ),
                        Some("dnsmasq would silently ignore it; pick an address in the subnet".into()),
                    ));
                } else if ip == own {
                    errors.push(Error::rule(
                        Rule::LeaseIsHost,
                        &host.pos,
                        format!("the fixed lease `{ip}` is the address of `{name}` itself"),
                        None,
                    ));
                }
            }
            if lease.mac.is_multicast() {
                errors.push(Error::rule(
                    Rule::LeaseMulticastMac,
                    &host.pos,
                    format!("`{}` is a multicast MAC; no NIC can have it", lease.mac),
                    None,
                ));
            }
            if let Some(previous) = macs.insert(lease.mac, host.pos.clone()) {
                errors.push(Error::rule(
                    Rule::LeaseMacTwice,
                    &host.pos,
                    format!("the MAC `{}` has two fixed leases (the other at {previous})", lease.mac),
                    None,
                ));
            }
            if let Some(ip) = lease.ip
                && let Some(previous) = ips.insert(ip, host.pos.clone())
            {
                errors.push(Error::rule(
                    Rule::LeaseIpTwice,
                    &host.pos,
                    format!("the address `{ip}` is leased to two MACs (the other at {previous})"),
                    None,
                ));
            }
        }
        errors.extend(super::ipv6::dhcp6(server, index));
    }
    for mac_nat in &model.mac_nats {
        let mut ips = HashMap::default();
        for guest in &mac_nat.guests {
            if let Some(previous) = ips.insert(IpAddr::V4(guest.value.ip), guest.pos.clone()) {
                errors.push(Error::rule(
                    Rule::MacNatGuestTwice,
                    &guest.pos,
                    format!(
                        "the guest address `{}` appears twice (the other at {previous})",
                        guest.value.ip
                    ),
                    None,
                ));
            }
        }
    }
    for relay in &model.dhcp_relays {
        let name = relay.interface.value.as_str();
        let has = index
            .static_addresses(name)
            .iter()
            .any(|net| net.addr() == IpAddr::V4(relay.address));
        if !has {
            errors.push(Error::rule(
                Rule::RelayWithoutAddress,
                &relay.interface.pos,
                format!(
                    "the DHCP relay on `{name}` sends from `{}`, which `{name}` does not have: dnsmasq relays only \
                     from an address of the interface the requests arrive on",
                    relay.address
                ),
                Some(format!(
                    "give `{name}` the address `{}/32`, or relay from an address `{name}` has",
                    relay.address
                )),
            ));
        }
    }
    for rule in &model.firewall {
        if let FirewallIntent::BridgeForward { bridge } = &rule.intent
            && index.bridge(bridge.as_str()).is_none()
        {
            errors.push(Error::rule(
                Rule::BridgeForwardUnknown,
                &rule.origin.pos,
                format!("`{bridge}` is not a bridge this playbook defines"),
                Some("`bridge_forward` names a bridge from a `bridge` task".into()),
            ));
        }
    }
    errors
}
