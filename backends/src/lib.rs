//! hostnet's backends: one file per target format, each a pure function of
//! `(&HostModel, &Facts)` to changes. This file only lists them.

mod debian_ifupdown;
mod dnsmasq;
mod docker;
mod ebtables;
mod firewall_needs;
mod firewalld;
#[cfg(test)]
mod fixtures;
mod gentoo_netifrc;
mod iptables;
mod netfilter;
mod netplan;
mod network_manager;
mod nftables;
mod qemu_bridge_helper;
mod sysctl;
mod systemd_networkd;
mod text;
mod ufw;
mod uplink;

use hostnet_engine::backend::Backend;
use hostnet_engine::registry::Registry;

/// Every backend hostnet ships, in the order detection tries them.
pub fn registry() -> Registry {
    let backends: Vec<Box<dyn Backend>> = vec![
        Box::new(gentoo_netifrc::GentooNetifrc),
        Box::new(debian_ifupdown::DebianIfupdown),
        Box::new(network_manager::NetworkManager),
        Box::new(systemd_networkd::SystemdNetworkd),
        Box::new(dnsmasq::Dnsmasq),
        Box::new(sysctl::Sysctl),
        Box::new(firewalld::Firewalld),
        Box::new(nftables::Nftables),
        Box::new(iptables::Iptables),
        Box::new(ufw::Ufw),
        Box::new(ebtables::Ebtables),
        Box::new(qemu_bridge_helper::QemuBridgeHelper),
    ];
    Registry::new(backends)
}
