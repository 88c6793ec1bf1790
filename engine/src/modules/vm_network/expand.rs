//! The subtasks of each mode, in the order they run: the guests' TAPs
//! first (they must exist before the bridge that enslaves them), then what
//! the mode needs. Every value keeps the position the user wrote; a default
//! points at what implied it (`mode`, `subnet`, the VM's `name`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::error::{Error, Result};
use crate::model::vm::Mode;
use crate::model::{
    AddressConfig, Dhcp6, DhcpHost, Dns, FirewallIntent, MacNatGuest, PortRange, Protocol, RaMode, Router, Written,
};
use crate::modules::bridge::{BRIDGE, BridgeArgs};
use crate::modules::dhcp_relay::{DHCP_RELAY, DhcpRelayArgs};
use crate::modules::dhcp_server::{self, DHCP_SERVER, DhcpServerArgs};
use crate::modules::firewall::{FIREWALL, FirewallArgs};
use crate::modules::interface::{INTERFACE, InterfaceArgs};
use crate::modules::mac_nat::{MAC_NAT, MacNatArgs};
use crate::modules::nat::{NAT, NatArgs};
use crate::modules::spec::SubTask;
use crate::modules::sysctl::{SYSCTL, SysctlArgs};
use crate::modules::tap::{TAP, TapArgs};
use crate::modules::vm_network::guests::Guest;
use crate::modules::vm_network::network::Network;
use crate::types::{Centiseconds, InterfaceName, Subnet};
use crate::value::At;

/// The subtasks for `network` with these guests. `bridge_forward` adds the
/// accept for traffic between the bridge's ports where a firewall would
/// otherwise drop it (an explicit firewall, or ufw enabled on the host).
pub(super) fn subtasks(network: &Network, guests: &[Guest<'_>], bridge_forward: bool) -> Result<Vec<SubTask>> {
    let mut out = Vec::new();
    for guest in guests {
        if let Some(tap) = &guest.tap {
            let vm = guest.vm;
            let args = TapArgs {
                name: tap.clone(),
                user: vm.user.clone().or_else(|| network.tap_user.clone()),
                group: vm.group.clone().or_else(|| network.tap_group.clone()),
                mac: None,
                multi_queue: false,
                vnet_hdr: false,
            };
            out.push(SubTask::new(&TAP, &tap.value, args, TapArgs::add));
        }
    }
    let taps: Vec<At<InterfaceName>> = guests.iter().filter_map(|guest| guest.tap.clone()).collect();
    let bridge = &network.bridge;
    let firewall = |out: &mut Vec<SubTask>, intent: FirewallIntent, name: &str| {
        let args = FirewallArgs {
            intent,
            pos: bridge.pos.clone(),
        };
        out.push(SubTask::new(
            &FIREWALL,
            format!("{name} {}", bridge.value),
            args,
            FirewallArgs::add,
        ));
    };
    match network.mode.value {
        Mode::Bridged => {
            uplink_on_the_bridge(network, &taps, &mut out);
            if bridge_forward {
                firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
            }
        }
        Mode::Nat if network.mac_nat => {
            let uplink = uplink_on_the_bridge(network, &taps, &mut out);
            let nat_guests = guests
                .iter()
                .map(|guest| {
                    let ip = guest.vm.ip.as_ref().ok_or_else(|| {
                        Error::invalid(
                            &guest.vm.name.pos,
                            format!(
                                "VM `{}` needs a fixed `ip` for MAC NAT (frames come back to it by its address)",
                                guest.vm.name.value
                            ),
                            None,
                        )
                    })?;
                    Ok(At {
                        value: MacNatGuest {
                            ip: ip.value,
                            mac: guest.mac.value,
                        },
                        pos: ip.pos.clone(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let args = MacNatArgs {
                uplink: uplink.clone(),
                mac: None,
                guests: nat_guests,
            };
            out.push(SubTask::new(&MAC_NAT, &uplink.value, args, MacNatArgs::add));
            // Bridged frames, as in bridged mode: under a FORWARD DROP with
            // br_netfilter the guests lose the LAN without the accept.
            if bridge_forward {
                firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
            }
        }
        Mode::Nat | Mode::Routed => {
            private_bridge(network, &taps, host_address(network), &mut out);
            if network.dhcp.enabled {
                dhcp(network, guests, false, &mut out)?;
            }
            sysctl(network, "net.ipv4.ip_forward", "1", &mut out);
            if network.subnet6.is_some() {
                // Forwarding makes the kernel ignore the uplink's router
                // advertisements (`accept_ra=1`), and turning it on deletes
                // the default routes they gave, except on interfaces that
                // already have `accept_ra=2`: so that comes first, or the
                // host loses its own IPv6 default route.
                if let Some(uplink) = &network.uplink {
                    let name = crate::model::sysctl::interface_key("ipv6", uplink.value.as_str(), "accept_ra");
                    sysctl(network, &name, "2", &mut out);
                }
                sysctl(network, "net.ipv6.conf.all.forwarding", "1", &mut out);
            }
            let sources = network
                .subnet
                .as_ref()
                .map(|subnet| At {
                    value: IpNet::V4(subnet.value.0),
                    pos: subnet.pos.clone(),
                })
                .into_iter()
                .chain(network.subnet6.as_ref().map(|subnet6| At {
                    value: IpNet::V6(subnet6.value.0),
                    pos: subnet6.pos.clone(),
                }));
            for source in sources {
                let name = source.value;
                let args = NatArgs {
                    source: At {
                        value: Subnet(source.value),
                        pos: source.pos,
                    },
                    out_interface: network.uplink.as_ref().map(|uplink| uplink.value.clone()),
                    routed: network.mode.value == Mode::Routed,
                };
                out.push(SubTask::new(&NAT, name, args, NatArgs::add));
            }
            if network.dhcp.enabled {
                firewall(&mut out, dhcp_dns_intent(network), "dhcp_dns");
            }
            firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
        }
        Mode::HostOnly => {
            private_bridge(network, &taps, host_address(network), &mut out);
            if network.dhcp.enabled {
                dhcp(network, guests, true, &mut out)?;
                if bridge_forward {
                    // dnsmasq answers no DNS here (`dns: none`): DHCP only.
                    firewall(&mut out, dhcp_intent(network), "dhcp");
                }
            }
            if bridge_forward {
                firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
            }
            firewall(&mut out, isolate_forward_intent(network), "isolate_forward");
        }
        Mode::Internal => {
            let address = if network.dhcp.enabled {
                host_address(network)
            } else {
                no_address()
            };
            private_bridge(network, &taps, address, &mut out);
            if network.dhcp.enabled {
                dhcp(network, guests, true, &mut out)?;
                firewall(&mut out, dhcp_intent(network), "dhcp");
            }
            firewall(
                &mut out,
                FirewallIntent::IsolateHost {
                    interface: bridge.value.clone(),
                },
                "isolate_host",
            );
            firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
            firewall(&mut out, isolate_forward_intent(network), "isolate_forward");
        }
        Mode::ProxyArp => proxy_arp(network, guests, &taps, bridge_forward, &mut out),
        Mode::User | Mode::Socket | Mode::Vde | Mode::Hubport => {}
    }
    Ok(out)
}

/// A `sysctl` subtask, written at `mode`.
fn sysctl(network: &Network, name: &str, value: &str, out: &mut Vec<SubTask>) {
    let args = SysctlArgs {
        name: At {
            value: name.into(),
            pos: network.mode.pos.clone(),
        },
        value: At {
            value: value.into(),
            pos: network.mode.pos.clone(),
        },
    };
    out.push(SubTask::new(&SYSCTL, name, args, SysctlArgs::add));
}

/// Proxy ARP: the TAPs on a bridge without a subnet of its own (the host's
/// LAN address as a /32 when it is given, so relayed requests and the
/// host's own packets come from it), a host route per guest, proxy ARP on
/// the uplink (the LAN's questions for the guests) and on the bridge (the
/// guests' for the LAN), forwarding, and the optional relay to the LAN's
/// DHCP server. Where a firewall drops forwarded traffic, the accepts both
/// ways and the relay's DHCP.
fn proxy_arp(
    network: &Network,
    guests: &[Guest<'_>],
    taps: &[At<InterfaceName>],
    firewall_needed: bool,
    out: &mut Vec<SubTask>,
) {
    let Some(uplink) = &network.uplink else {
        unreachable!("checked when reading: proxy_arp needs an uplink")
    };
    let bridge_name = &network.bridge;
    let lan = network.lan_address();
    let address = match (lan, &network.address) {
        (Some(lan), Some((_, written))) => (
            AddressConfig::Static(vec![IpNet::V4(
                Ipv4Net::new(lan.addr(), 32).unwrap_or_else(|_| unreachable!("a valid prefix")),
            )]),
            Written {
                mac: None,
                address: written.address.clone(),
                addresses: written.addresses.first().cloned().into_iter().collect(),
            },
        ),
        _ => no_address(),
    };
    private_bridge(network, taps, address, out);
    let mut routes = InterfaceArgs::port(bridge_name.clone());
    routes.link_routes = guests
        .iter()
        .filter_map(|guest| guest.vm.ip.as_ref())
        .map(|ip| IpNet::V4(Ipv4Net::new(ip.value, 32).unwrap_or_else(|_| unreachable!("a valid prefix"))))
        .collect();
    out.push(SubTask::new(
        &INTERFACE,
        format!("{} (host routes)", bridge_name.value),
        routes,
        InterfaceArgs::add,
    ));
    let sysctl = |name: String, out: &mut Vec<SubTask>| {
        let args = SysctlArgs {
            name: At {
                value: name.clone(),
                pos: network.mode.pos.clone(),
            },
            value: At {
                value: "1".into(),
                pos: network.mode.pos.clone(),
            },
        };
        out.push(SubTask::new(&SYSCTL, name, args, SysctlArgs::add));
    };
    sysctl("net.ipv4.ip_forward".into(), out);
    sysctl(format!("net.ipv4.conf.{}.proxy_arp", uplink.value), out);
    sysctl(format!("net.ipv4.conf.{}.proxy_arp", bridge_name.value), out);
    if let (Some(server), Some(lan)) = (&network.dhcp_relay, lan) {
        let args = DhcpRelayArgs {
            interface: bridge_name.clone(),
            address: At {
                value: lan.addr(),
                pos: network
                    .address
                    .as_ref()
                    .and_then(|(_, written)| written.address.clone())
                    .unwrap_or_else(|| server.pos.clone()),
            },
            server: server.clone(),
        };
        out.push(SubTask::new(&DHCP_RELAY, &bridge_name.value, args, DhcpRelayArgs::add));
    }
    if firewall_needed {
        let mut push = |intent: FirewallIntent, name: &str, interface: &InterfaceName| {
            let args = FirewallArgs {
                intent,
                pos: bridge_name.pos.clone(),
            };
            out.push(SubTask::new(
                &FIREWALL,
                format!("{name} {interface}"),
                args,
                FirewallArgs::add,
            ));
        };
        push(bridge_forward_intent(network), "bridge_forward", &bridge_name.value);
        for (from, to) in [(&bridge_name.value, &uplink.value), (&uplink.value, &bridge_name.value)] {
            push(
                FirewallIntent::AllowForward {
                    interface: from.clone(),
                    out_interface: Some(to.clone()),
                },
                "allow_forward",
                from,
            );
        }
        if network.dhcp_relay.is_some() {
            push(dhcp_intent(network), "dhcp", &bridge_name.value);
            // The server's answers come back to the relay's address on the uplink.
            push(
                FirewallIntent::AllowInput {
                    interface: uplink.value.clone(),
                    protocols: vec![Protocol::Udp],
                    ports: vec![PortRange { first: 67, last: 67 }],
                },
                "allow_input",
                &uplink.value,
            );
        }
    }
}

fn bridge_forward_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::BridgeForward {
        bridge: network.bridge.value.clone(),
    }
}

/// Host-only and internal networks keep their promise whatever else
/// forwards on the host (a NAT network turns `ip_forward` on for all).
fn isolate_forward_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::IsolateForward {
        bridge: network.bridge.value.clone(),
    }
}

fn dhcp_dns_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::DhcpDns {
        interface: network.bridge.value.clone(),
    }
}

fn dhcp_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::Dhcp {
        interface: network.bridge.value.clone(),
    }
}

/// Bridged and MAC NAT: the uplink joins the bridge and carries no address;
/// the bridge takes the host's LAN address (DHCP unless `address` says otherwise).
fn uplink_on_the_bridge(network: &Network, taps: &[At<InterfaceName>], out: &mut Vec<SubTask>) -> At<InterfaceName> {
    let Some(uplink) = &network.uplink else {
        unreachable!("checked when reading: these modes need an uplink")
    };
    let args = InterfaceArgs::port(uplink.clone());
    out.push(SubTask::new(&INTERFACE, &uplink.value, args, InterfaceArgs::add));
    let mut ports = vec![uplink.clone()];
    ports.extend(taps.iter().cloned());
    let address = network
        .address
        .clone()
        .unwrap_or((AddressConfig::Dhcp, Written::default()));
    // A static bridge's default route and name servers: the uplink's, which it takes over.
    let routes = (
        network.gateway.clone(),
        network.dns.iter().map(|dns| dns.value).collect(),
    );
    bridge(network, ports, address, routes, out);
    uplink.clone()
}

/// A bridge of only the guests' TAPs.
fn private_bridge(
    network: &Network,
    taps: &[At<InterfaceName>],
    address: (AddressConfig, Written),
    out: &mut Vec<SubTask>,
) {
    bridge(network, taps.to_vec(), address, (None, Vec::new()), out);
}

/// A bridge's default gateway and name servers.
type BridgeRoutes = (Option<At<IpAddr>>, Vec<IpAddr>);

/// The bridge: STP off and no forward delay, so a guest's port forwards at once.
fn bridge(
    network: &Network,
    ports: Vec<At<InterfaceName>>,
    address: (AddressConfig, Written),
    (gateway, dns): BridgeRoutes,
    out: &mut Vec<SubTask>,
) {
    let args = BridgeArgs {
        name: network.bridge.clone(),
        ports,
        address,
        mac: None,
        mtu: None,
        stp: false,
        forward_delay: Some(At {
            value: Centiseconds(0),
            pos: network.mode.pos.clone(),
        }),
        hello_time: None,
        max_age: None,
        priority: None,
        gateway,
        dns,
    };
    out.push(SubTask::new(&BRIDGE, &network.bridge.value, args, BridgeArgs::add));
}

/// The host's addresses on a private bridge: the first host of `subnet`
/// and of `subnet6`, each written where its subnet was.
fn host_address(network: &Network) -> (AddressConfig, Written) {
    let mut addresses = Vec::new();
    let mut positions = Vec::new();
    if let Some(subnet) = &network.subnet {
        let net = subnet.value.0;
        if let Some(address) = host(net, 1).and_then(|address| Ipv4Net::new(address, net.prefix_len()).ok()) {
            addresses.push(IpNet::V4(address));
            positions.push(subnet.pos.clone());
        }
    }
    if let Some(subnet6) = &network.subnet6 {
        let net = subnet6.value.0;
        if let Some(address) = host6(net, 1).and_then(|address| Ipv6Net::new(address, net.prefix_len()).ok()) {
            addresses.push(IpNet::V6(address));
            positions.push(subnet6.pos.clone());
        }
    }
    match positions.first() {
        Some(first) => (
            AddressConfig::Static(addresses),
            Written {
                mac: None,
                address: Some(first.clone()),
                addresses: positions,
            },
        ),
        None => no_address(),
    }
}

fn no_address() -> (AddressConfig, Written) {
    (AddressConfig::None, Written::default())
}

/// The DHCP server on the bridge: a range from the subnet's second host (up
/// to 99 addresses), 12-hour leases, a fixed lease per VM with an `ip`.
/// Host-only and internal networks announce no router and no DNS server.
fn dhcp(network: &Network, guests: &[Guest<'_>], router_none: bool, out: &mut Vec<SubTask>) -> Result<()> {
    let Some(subnet) = &network.subnet else {
        return Ok(());
    };
    let net = subnet.value.0;
    let range = network.dhcp.range.clone().unwrap_or_else(|| {
        let last = 2
            + (u32::from(net.broadcast()) - u32::from(net.network()))
                .saturating_sub(3)
                .min(98);
        At {
            value: (
                host(net, 2).unwrap_or(net.network()),
                host(net, last).unwrap_or(net.network()),
            ),
            pos: subnet.pos.clone(),
        }
    });
    let hosts = guests
        .iter()
        .filter_map(|guest| {
            let vm = guest.vm;
            let pos = vm
                .ip
                .as_ref()
                .map(|ip| &ip.pos)
                .or(vm.ip6.as_ref().map(|ip6| &ip6.pos))
                .or(vm.duid.as_ref().map(|duid| &duid.pos))?;
            Some((guest, pos))
        })
        .map(|(guest, pos)| {
            let vm = guest.vm;
            Ok(At {
                value: DhcpHost {
                    mac: guest.mac.value,
                    ip: vm.ip.as_ref().map(|ip| ip.value),
                    ip6: vm.ip6.clone(),
                    duid: vm.duid.clone(),
                    name: Some(dhcp_server::host_name(&vm.name.value, &vm.name.pos)?),
                },
                pos: pos.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let ipv6 = network.subnet6.as_ref().map(|subnet6| {
        let ra = network.ra.clone().unwrap_or_else(|| At {
            value: RaMode::Stateless,
            pos: subnet6.pos.clone(),
        });
        let net = subnet6.value.0;
        let range = (ra.value == RaMode::Stateful).then(|| At {
            value: range6(net),
            pos: subnet6.pos.clone(),
        });
        Dhcp6 { ra, range }
    });
    let (router, dns) = if router_none {
        (Router::None, Dns::None)
    } else {
        (Router::Interface, Dns::Local)
    };
    let args = DhcpServerArgs {
        interface: network.bridge.clone(),
        range: Some(range),
        lease: dhcp_server::lease(network.dhcp.lease.as_ref())?,
        router,
        dns,
        domain: None,
        hosts,
        ipv6,
    };
    out.push(SubTask::new(
        &DHCP_SERVER,
        &network.bridge.value,
        args,
        DhcpServerArgs::add,
    ));
    Ok(())
}

/// The `index`-th address of an IPv6 prefix, if it is inside.
fn host6(subnet: Ipv6Net, index: u128) -> Option<Ipv6Addr> {
    let address = Ipv6Addr::from(u128::from(subnet.network()).checked_add(index)?);
    subnet.contains(&address).then_some(address)
}

/// The default DHCPv6 range: `::100`–`::1ff` of the prefix (what fits of it
/// after the host's `::1` in a small one).
fn range6(subnet: Ipv6Net) -> (Ipv6Addr, Ipv6Addr) {
    let network = u128::from(subnet.network());
    let last = u128::from(subnet.broadcast());
    let first = if last - network > 0x1ff {
        network + 0x100
    } else {
        network + 2
    };
    (Ipv6Addr::from(first), Ipv6Addr::from((network + 0x1ff).min(last)))
}

/// The `index`-th address of `subnet`, if it is a host address.
fn host(subnet: Ipv4Net, index: u32) -> Option<Ipv4Addr> {
    let network = u32::from(subnet.network());
    let address = Ipv4Addr::from(network.checked_add(index)?);
    (subnet.contains(&address) && address != subnet.broadcast()).then_some(address)
}
