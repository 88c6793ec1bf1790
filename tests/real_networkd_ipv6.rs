//! A host whose uplink systemd-networkd configures keeps its IPv6 default
//! route when a dual-stack nat network turns IPv6 forwarding on (issue 12).
//!
//! networkd takes router advertisements itself (it sets the kernel's
//! `accept_ra` to 0), and its `IPv6AcceptRA=` default is off once
//! forwarding is on, so the kernel's `accept_ra=2` does not help there:
//! hostnet writes `IPv6AcceptRA=yes` in a drop-in beside the host's own
//! `.network` file for the uplink. In a namespace this test creates, a LAN
//! router advertises itself (dnsmasq `ra-only`, 2001:db8:1::/64); the host
//! turns forwarding on (its kernel drops the route it had; the admin's
//! uplink file says `IPForward=yes`, which is what networkd 252 goes by)
//! and the real systemd-networkd starts on the rendered files as at boot:
//! with the drop-in it installs the default route from the advertisements;
//! without it (the control) none comes.

use std::time::Duration;

use crate::real_ipv6::{RaLan, can_run, default_route, sysctl};
use crate::support::lab::boot::{networkd_problems, networkd_tail, start_networkd};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{Features, Sandbox};

/// The host's own `.network` for its uplink (netplan's or the admin's).
const UPLINK: &str = "/etc/systemd/network/50-uplink.network";
/// With `IPForward=yes` (a usual way to turn forwarding on under
/// networkd), networkd 252 ignores the uplink's advertisements by default;
/// later versions also go by the host's forwarding settings.
const UPLINK_TEXT: &str =
    "# The admin's own file.\n[Match]\nName=eth0\n\n[Network]\nLinkLocalAddressing=ipv6\nIPForward=yes\n";
const DROP_IN: &str = "/etc/systemd/network/50-uplink.network.d/hostnet-accept-ra.conf";

fn playbook() -> &'static str {
    "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: nat\n        bridge: br0\n        uplink: eth0\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::/64\"\n        ra: stateless\n        vms:\n          - { name: web, tap: tap0, mac: \"52:54:00:00:01:02\" }\n"
}

/// Forwarding on (as systemd-sysctl does before networkd), then networkd
/// on the stage's files; the host's IPv6 default route after `wait`.
fn boot(rendered: &Rendered, wait: Duration) -> (String, String) {
    let lan = RaLan::new();
    sysctl(&lan.host, &["net.ipv6.conf.all.forwarding=1"]);
    assert_eq!(
        default_route(&lan.host),
        "",
        "forwarding with the kernel's accept_ra=1 deletes the route"
    );
    let sandbox = Sandbox::new(&lan.host, rendered.stage.path(), Features::NETWORKD);
    let networkd = start_networkd(&sandbox);
    let route = lan.wait_for_default_route(wait).unwrap_or_default();
    (route, networkd.output())
}

#[test]
fn real_networkd_uplink_keeps_its_ra_default_route_when_forwarding_starts() {
    let tools = ["/lib/systemd/systemd-networkd", "mknod", "dnsmasq", "sysctl"];
    if !can_run(&tools) {
        return;
    }
    let facts = format!("distro: systemd\ninit: systemd\ninterfaces:\n  - {{ name: eth0, networkd: {UPLINK} }}\n");
    let rendered = Rendered::new(
        playbook(),
        &facts,
        &["--network-backend", "systemd-networkd"],
        &[(UPLINK, UPLINK_TEXT)],
    );
    assert_eq!(rendered.read(UPLINK), UPLINK_TEXT, "the host's own file is not touched");
    let drop_in = rendered.read(DROP_IN);
    assert!(drop_in.starts_with("# Managed by hostnet"), "{drop_in}");
    assert!(drop_in.ends_with("\n[Network]\nIPv6AcceptRA=yes\n"), "{drop_in}");

    let (route, log) = boot(&rendered, Duration::from_secs(30));
    assert!(
        route.starts_with("default via fe80::") && route.contains(" proto ra "),
        "networkd took no advertisement: {route:?}\n{}",
        networkd_tail(&log)
    );
    let problems = networkd_problems(&log);
    assert!(
        problems.is_empty(),
        "networkd rejected part of the files:\n{}",
        problems.join("\n")
    );

    // Control: without the drop-in networkd ignores the advertisements
    // (four of them, every 4 s) once forwarding is on.
    fs_err::remove_file(rendered.path(DROP_IN)).unwrap();
    let (route, log) = boot(&rendered, Duration::from_secs(16));
    assert_eq!(route, "", "control: {}", networkd_tail(&log));
}
