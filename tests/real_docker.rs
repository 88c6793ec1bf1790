//! Docker's effect on the guests, for real: in the NAT triangle's host
//! namespace, the test does what dockerd does to iptables (the FORWARD
//! policy DROP, a `DOCKER-USER` chain jumped to first from FORWARD), then
//! loads what hostnet renders on a Docker host with the nftables backend.
//! hostnet's own `inet hostnet` table alone cannot undo the drop in
//! iptables' table (every base chain must accept), so the guest reaches the
//! internet only once the rendered DOCKER-USER accepts are loaded, with the
//! plan's own commands.

use std::net::IpAddr;

use crate::support::lab::NatTriangle;
use crate::support::lab::probe::ping;
use crate::support::rendered::Rendered;
use crate::support::sandbox;

const FACTS: &str = "distro: debian\ninit: systemd\ntools: [nft, iptables, dockerd]\nservices: [docker]\n";

#[test]
fn docker_user_accepts_let_the_guests_through_dockers_forward_drop() {
    if !sandbox::require(&["nft", "iptables", "iptables-restore", "ping"]) {
        return;
    }
    let playbook = "\
- name: NAT beside Docker
  hosts: localhost
  tasks:
    - name: Masquerade the guests
      nat: { source: 172.16.1.0/24, out_interface: wlan0 }
";
    let rendered = Rendered::new(playbook, FACTS, &["--firewall", "nftables"], &[]);
    assert_eq!(
        rendered.read("/etc/hostnet/docker-user.rules"),
        "\
# The guests' forwarded traffic, accepted before Docker's FORWARD policy (DROP)
# drops it: loaded with `iptables-restore --noflush` whenever Docker starts.
# Rendered by hostnet from the playbook: edit the playbook, not this file.
*filter
:HOSTNET-DOCKER-USER - [0:0]
-A HOSTNET-DOCKER-USER -s 172.16.1.0/24 -j ACCEPT
-A HOSTNET-DOCKER-USER -d 172.16.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
"
    );
    let NatTriangle {
        host,
        guest,
        internet: _internet,
    } = NatTriangle::new();
    // What dockerd does when it starts.
    for argv in [
        &["iptables", "-w", "-N", "DOCKER-USER"][..],
        &["iptables", "-w", "-A", "DOCKER-USER", "-j", "RETURN"],
        &["iptables", "-w", "-I", "FORWARD", "-j", "DOCKER-USER"],
        &["iptables", "-w", "-P", "FORWARD", "DROP"],
    ] {
        host.exec_ok(argv);
    }
    let table = rendered.path("/etc/nftables.d/hostnet.nft");
    host.exec_ok(&["nft", "-f", table.to_str().unwrap()]);
    assert!(
        !ping(&guest, "203.0.113.1".parse::<IpAddr>().unwrap()),
        "control: hostnet's nft table alone does not get past Docker's drop"
    );
    for file in ["/etc/hostnet/docker-user.rules", "/etc/hostnet/docker-user-jump.rules"] {
        let path = rendered.path(file);
        host.exec_ok(&["iptables-restore", "-w", "--noflush", path.to_str().unwrap()]);
    }
    assert!(
        ping(&guest, "203.0.113.1".parse::<IpAddr>().unwrap()),
        "with the DOCKER-USER accepts the guest reaches the internet"
    );
    // Loading the rules again (Docker restarted, the playbook re-applied)
    // refills hostnet's chain instead of adding to it.
    let rules = rendered.path("/etc/hostnet/docker-user.rules");
    host.exec_ok(&["iptables-restore", "-w", "--noflush", rules.to_str().unwrap()]);
    let chain = host.exec_ok(&["iptables", "-w", "-S", "HOSTNET-DOCKER-USER"]);
    assert_eq!(
        chain.lines().filter(|line| line.starts_with("-A")).count(),
        2,
        "{chain}"
    );
    let docker_user = host.exec_ok(&["iptables", "-w", "-S", "DOCKER-USER"]);
    assert!(
        docker_user.starts_with("-N DOCKER-USER\n-A DOCKER-USER -j HOSTNET-DOCKER-USER\n-A DOCKER-USER -j RETURN"),
        "{docker_user}"
    );
}
