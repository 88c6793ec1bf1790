//! The subtasks of each mode, in the order they run: the guests' TAPs
//! first (they must exist before the bridge that enslaves them), then what
//! the mode needs. Every value keeps the position the user wrote; a default
//! points at what implied it (`mode`, `subnet`, the VM's `name`).

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, Result};
use crate::model::vm::Mode;
use crate::model::{AddressConfig, DhcpHost, Dns, FirewallIntent, MacNatGuest, Router, Written};
use crate::modules::bridge::{BRIDGE, BridgeArgs};
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
        }
        Mode::Nat | Mode::Routed => {
            private_bridge(network, &taps, host_address(network), &mut out);
            if network.dhcp.enabled {
                dhcp(network, guests, false, &mut out)?;
            }
            let args = SysctlArgs {
                name: At {
                    value: "net.ipv4.ip_forward".into(),
                    pos: network.mode.pos.clone(),
                },
                value: At {
                    value: "1".into(),
                    pos: network.mode.pos.clone(),
                },
            };
            out.push(SubTask::new(&SYSCTL, "net.ipv4.ip_forward", args, SysctlArgs::add));
            if let Some(subnet) = &network.subnet {
                let args = NatArgs {
                    source: At {
                        value: Subnet(subnet.value.0),
                        pos: subnet.pos.clone(),
                    },
                    out_interface: network.uplink.as_ref().map(|uplink| uplink.value.clone()),
                    routed: network.mode.value == Mode::Routed,
                };
                out.push(SubTask::new(&NAT, subnet.value.0, args, NatArgs::add));
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
                    firewall(&mut out, dhcp_dns_intent(network), "dhcp_dns");
                }
            }
            if bridge_forward {
                firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
            }
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
                firewall(&mut out, dhcp_dns_intent(network), "dhcp_dns");
            }
            firewall(
                &mut out,
                FirewallIntent::IsolateHost {
                    interface: bridge.value.clone(),
                },
                "isolate_host",
            );
            firewall(&mut out, bridge_forward_intent(network), "bridge_forward");
        }
        Mode::User => {}
    }
    Ok(out)
}

fn bridge_forward_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::BridgeForward {
        bridge: network.bridge.value.clone(),
    }
}

fn dhcp_dns_intent(network: &Network) -> FirewallIntent {
    FirewallIntent::DhcpDns {
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
    bridge(network, ports, address, out);
    uplink.clone()
}

/// A bridge of only the guests' TAPs.
fn private_bridge(
    network: &Network,
    taps: &[At<InterfaceName>],
    address: (AddressConfig, Written),
    out: &mut Vec<SubTask>,
) {
    bridge(network, taps.to_vec(), address, out);
}

/// The bridge: STP off and no forward delay, so a guest's port forwards at once.
fn bridge(network: &Network, ports: Vec<At<InterfaceName>>, address: (AddressConfig, Written), out: &mut Vec<SubTask>) {
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
    };
    out.push(SubTask::new(&BRIDGE, &network.bridge.value, args, BridgeArgs::add));
}

/// The host's address on a private bridge: the subnet's first host, written at `subnet`.
fn host_address(network: &Network) -> (AddressConfig, Written) {
    let Some(subnet) = &network.subnet else {
        return no_address();
    };
    let net = subnet.value.0;
    match host(net, 1).and_then(|address| Ipv4Net::new(address, net.prefix_len()).ok()) {
        Some(address) => (
            AddressConfig::Static(vec![IpNet::V4(address)]),
            Written {
                mac: None,
                address: Some(subnet.pos.clone()),
                addresses: vec![subnet.pos.clone()],
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
        .filter_map(|guest| guest.vm.ip.as_ref().map(|ip| (guest, ip)))
        .map(|(guest, ip)| {
            Ok(At {
                value: DhcpHost {
                    mac: guest.mac.value,
                    ip: ip.value,
                    name: Some(dhcp_server::host_name(&guest.vm.name.value, &guest.vm.name.pos)?),
                },
                pos: ip.pos.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
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
    };
    out.push(SubTask::new(
        &DHCP_SERVER,
        &network.bridge.value,
        args,
        DhcpServerArgs::add,
    ));
    Ok(())
}

/// The `index`-th address of `subnet`, if it is a host address.
fn host(subnet: Ipv4Net, index: u32) -> Option<Ipv4Addr> {
    let network = u32::from(subnet.network());
    let address = Ipv4Addr::from(network.checked_add(index)?);
    (subnet.contains(&address) && address != subnet.broadcast()).then_some(address)
}
