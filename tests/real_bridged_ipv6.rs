//! Bridged mode over IPv6 (issue 12): the guests are on the LAN and take
//! SLAAC from the LAN's router, the host's bridge keeps an address of its
//! own there, and the forward accept hostnet renders for the bridge holds
//! for IPv6 as for IPv4 — under br_netfilter and a FORWARD DROP policy
//! (Docker's), the guest reaches the LAN router over IPv6 only with the
//! rendered `rules.v6` loaded. In namespaces this test creates; only the
//! documentation prefix 2001:db8::/32.

use std::time::Duration;

use crate::real_ipv6::{RaLan, bridge_addresses, can_run, default_route, global_addresses, pings6, sysctl};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{Features, Netns, Sandbox, wait_for};

const PLAYBOOK: &str = "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: bridged\n        bridge: br0\n        uplink: eth0\n        vms:\n          - { name: web, tap: tap0, mac: \"52:54:00:00:01:02\" }\n";
const FACTS: &str = "distro: debian\ninit: systemd\nbr_netfilter: true\ninterfaces:\n  - { name: eth0 }\n";
/// The guest's SLAAC address in the LAN router's 2001:db8:1::/64 (modified EUI-64 of its MAC).
const GUEST: &str = "2001:db8:1:0:5054:ff:fe00:102";
const ROUTER: &str = "2001:db8:1::1";

#[test]
fn real_bridged_guests_take_slaac_from_the_lan_and_cross_the_bridge_over_ipv6() {
    if !can_run(&["dnsmasq", "ip6tables-restore", "ping"]) {
        return;
    }
    let rendered = Rendered::new(
        PLAYBOOK,
        FACTS,
        &["--firewall", "iptables", "--network-backend", "debian-ifupdown"],
        &[],
    );
    assert!(
        rendered
            .read("/etc/iptables/rules.v6")
            .contains("\n-A HOSTNET-FORWARD -i br0 -o br0 -j ACCEPT\n"),
        "{}",
        rendered.read("/etc/iptables/rules.v6")
    );
    // The LAN: its router advertises 2001:db8:1::/64; the host's eth0 is on it.
    let lan = RaLan::new();
    let host = &lan.host;
    assert_eq!(
        host.read("/proc/sys/net/bridge/bridge-nf-call-ip6tables").as_deref(),
        Some("1"),
        "br_netfilter is not active in the host: bridged frames would never meet ip6tables"
    );
    // br0 over eth0 (as ifup does from the rendered stanza), the guest's TAP in it.
    host.ip_ok(&[
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
    ]);
    sysctl(host, &["net.ipv6.conf.br0.accept_dad=0"]);
    host.ip_ok(&["link", "set", "eth0", "master", "br0"]);
    // A port carries no address: what the LAN gave eth0 before it joined goes
    // (at boot it never had any).
    host.ip_ok(&["-6", "address", "flush", "dev", "eth0", "scope", "global"]);
    host.ip_ok(&["-6", "route", "flush", "dev", "eth0"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    let guest = Netns::new();
    host.veth("vnet0", &guest, "eth0");
    guest.ip_ok(&["link", "set", "eth0", "address", "52:54:00:00:01:02"]);
    sysctl(
        &guest,
        &["net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0"],
    );
    host.ip_ok(&["link", "set", "vnet0", "master", "br0", "up"]);
    // The rendered IPv6 rules, under the DROP policy Docker sets.
    let sandbox = Sandbox::new(host, rendered.stage.path(), Features::default());
    sandbox.run_ok("ip6tables-restore < /etc/iptables/rules.v6 && ip6tables -w -P FORWARD DROP");
    guest.ip_ok(&["link", "set", "eth0", "up"]);

    let slaac = wait_for(Duration::from_secs(30), || {
        let addresses = global_addresses(&guest);
        (!addresses.is_empty()).then_some(addresses)
    });
    assert_eq!(
        slaac,
        Some(vec![GUEST.to_owned()]),
        "the guest's SLAAC from the LAN router"
    );
    let route = wait_for(Duration::from_secs(10), || {
        let route = default_route(&guest);
        route.starts_with("default via fe80::").then_some(route)
    });
    assert!(route.is_some(), "the guest got no default route from the LAN router");
    assert!(
        pings6(&guest, ROUTER),
        "the guest does not reach the LAN router across br0"
    );
    // The host's bridge keeps an IPv6 address of its own on the LAN.
    let own = wait_for(Duration::from_secs(20), || {
        let addresses = bridge_addresses(host);
        addresses
            .iter()
            .any(|address| address.starts_with("2001:db8:1:"))
            .then_some(addresses)
    });
    assert!(own.is_some(), "br0 got no address from the LAN's advertisements");
    assert!(pings6(host, ROUTER), "the host does not reach the LAN router from br0");

    // Control: without hostnet's accept the DROP policy cuts the guest off.
    sandbox.run_ok("ip6tables -w -F HOSTNET-FORWARD");
    assert!(
        !pings6(&guest, ROUTER),
        "control: the FORWARD DROP policy lets the guest through"
    );
}
