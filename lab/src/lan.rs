//! Guests on the LAN's own subnet (proxy ARP): the LAN the lab builds is
//! the one the playbook's proxy-ARP network lives in. The host's address on
//! the guests' bridge (its `/32`) is its LAN address, the relay's server is
//! the LAN's DHCP server (the lab's router), and every guest's fixed
//! address is one the LAN's server reserves for its MAC, outside the
//! addresses the lab's own machines and dynamic range take.

use std::net::Ipv4Addr;

use hostnet_engine::model::HostModel;
use ipnet::Ipv4Net;

use crate::error::LabError;
use crate::topology::{HOST_LAN, LAN, LAN_ADMIN, LAN_DEVICE, LAN_DHCP_RANGE, LAN_ROUTER};

fn lan() -> Ipv4Net {
    LAN.parse().unwrap_or_else(|_| Ipv4Net::default())
}

/// Does the proxy-ARP network on `bridge` (the host's address `host`)
/// live in the lab's LAN? An error says what the lab's LAN is.
pub fn proxy_arp_fits(host: Option<Ipv4Net>, model: &HostModel, bridge: &str) -> Result<(), LabError> {
    let hint = format!(
        "the lab's LAN is {LAN}: its router and DHCP server {LAN_ROUTER}, the host {HOST_LAN}, \
         LAN machines {LAN_DEVICE} and {LAN_ADMIN}, the dynamic range {}-{}",
        LAN_DHCP_RANGE.0, LAN_DHCP_RANGE.1
    );
    let lan = lan();
    let Some(host) = host.map(|net| net.addr()) else {
        return Err(LabError::with_hint(
            format!("the proxy-ARP bridge {bridge} has no IPv4 address of the host's: the lab cannot tell its LAN"),
            hint,
        ));
    };
    if host != HOST_LAN {
        return Err(LabError::with_hint(
            format!(
                "the proxy-ARP network gives the host {host}; the lab builds its LAN around the host at {HOST_LAN}"
            ),
            hint,
        ));
    }
    if let Some(relay) = model
        .dhcp_relays
        .iter()
        .find(|relay| relay.interface.value.as_str() == bridge)
        && relay.server.value != LAN_ROUTER
    {
        return Err(LabError::with_hint(
            format!(
                "the proxy-ARP network relays DHCP to {}; the lab's LAN DHCP server is {LAN_ROUTER}",
                relay.server.value
            ),
            hint,
        ));
    }
    let taken = |ip: Ipv4Addr| {
        [LAN_ROUTER, HOST_LAN, LAN_DEVICE, LAN_ADMIN].contains(&ip)
            || (LAN_DHCP_RANGE.0..=LAN_DHCP_RANGE.1).contains(&ip)
    };
    let routes = model
        .interfaces
        .iter()
        .filter(|interface| interface.name.as_str() == bridge)
        .flat_map(|interface| &interface.link_routes);
    for route in routes {
        let ipnet::IpNet::V4(route) = route else { continue };
        if !lan.contains(route) || taken(route.addr()) {
            return Err(LabError::with_hint(
                format!(
                    "the proxy-ARP guest address {} is not free on the lab's LAN",
                    route.addr()
                ),
                hint,
            ));
        }
    }
    Ok(())
}

/// The LAN DHCP server's reservations for proxy ARP's guests: `(MAC, address)`.
pub fn reservations(spec: &crate::Spec) -> Vec<(String, Ipv4Addr)> {
    if spec.mode != crate::expect::Mode::ProxyArp {
        return Vec::new();
    }
    spec.guests
        .iter()
        .filter_map(|guest| Some((guest.mac.clone(), guest.fixed?)))
        .collect()
}
