//! Validation of what issue 10 found readers of the guides running into,
//! every message pinned whole: a guest's MAC on the host's side (the guides'
//! `mac_tap0` mistake, a fixed lease for the TAP's MAC, a guest with the
//! uplink's MAC), two guest NICs with one MAC, `gateway` and `dns` without
//! a static address or off the bridge's subnet, the centiseconds mix-up in
//! `forward_delay`, the proxy-ARP mode's addresses and relay, and a netplan
//! definition of the uplink (refused with the fix, never left beside
//! hostnet's).

use crate::support::{hostnet, stderr, stdout, write};

/// A Debian host: `eth0` (MAC known, the default route) and a wireless `wlan0`.
const FACTS: &str = "\
distro: debian
interfaces:
  - { name: eth0, mac: \"52:54:00:12:34:56\", gateway: 192.168.1.1 }
  - { name: wlan0, mac: \"52:54:00:ab:cd:ef\", wireless: true }
users: [root, qemu]
groups: [root, kvm]
";

/// `hostnet check` of `tasks`: exit 1, nothing on stdout, exactly `expected` on stderr.
fn refused(tasks: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        &format!("- hosts: localhost\n  tasks:\n{tasks}"),
    );
    write(dir.path(), "facts.yml", FACTS);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "playbook.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), expected);
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_guests_mac_on_the_hosts_side_is_refused() {
    refused(
        "    - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.2.0/24, vms: [{ name: a, tap: tap0, mac: \"52:54:00:aa:00:01\" }] }\n    - interface: { name: tap0, address: none, mac: \"52:54:00:aa:00:01\" }\n",
        "\
error: VM `a` has MAC `52:54:00:aa:00:01`, which is the MAC of interface `tap0` at playbook.yml:4:52: the bridge would deliver the guest's frames to the host
 --> playbook.yml:3:88
  |
3 |     - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.2.0/24, vms: [{ name: a, tap: tap0, mac: \"52:54:00:aa:00:01\" }] }
  |                                                                                        ^
  |
hint: a guest's MAC belongs in the guest (QEMU's `-device …,mac=`), never on the host's TAP, bridge or NIC: remove it there, or give the guest another MAC
",
    );
    refused(
        "    - tap: { name: tap0, mac: \"52:54:00:aa:00:01\" }\n    - bridge: { name: br1, ports: [tap0], address: [172.16.2.1/24] }\n    - dhcp_server: { interface: br1, hosts: [{ mac: \"52:54:00:aa:00:01\", ip: 172.16.2.5 }] }\n",
        "\
error: the fixed lease's MAC `52:54:00:aa:00:01` is the MAC of TAP `tap0` at playbook.yml:3:31: the guest with this MAC and the host's device would answer for each other
 --> playbook.yml:5:78
  |
5 |     - dhcp_server: { interface: br1, hosts: [{ mac: \"52:54:00:aa:00:01\", ip: 172.16.2.5 }] }
  |                                                                              ^^^^^^^^^^
  |
hint: a guest's MAC belongs in the guest (QEMU's `-device …,mac=`), never on the host's TAP, bridge or NIC: remove it there, or give the guest another MAC
",
    );
    refused(
        "    - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a, mac: \"52:54:00:12:34:56\" }] }\n",
        "\
error: VM `a` has MAC `52:54:00:12:34:56`, which is the MAC of the host's `eth0`: the bridge would deliver the guest's frames to the host
 --> playbook.yml:3:64
  |
3 |     - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a, mac: \"52:54:00:12:34:56\" }] }
  |                                                                ^
  |
hint: a guest's MAC belongs in the guest (QEMU's `-device …,mac=`), never on the host's TAP, bridge or NIC: remove it there, or give the guest another MAC
",
    );
}

#[test]
fn two_guest_nics_with_one_mac_are_refused() {
    refused(
        "    - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.2.0/24, vms: [{ name: a, mac: \"52:54:00:aa:00:09\" }] }\n    - vm_network: { mode: host_only, bridge: br2, subnet: 172.16.3.0/24, vms: [{ name: b, mac: \"52:54:00:aa:00:09\" }] }\n",
        "\
error: VM `b` on `br2` has MAC `52:54:00:aa:00:09`, which VM `a` on `br1` at playbook.yml:3:88 has too
 --> playbook.yml:4:88
  |
4 |     - vm_network: { mode: host_only, bridge: br2, subnet: 172.16.3.0/24, vms: [{ name: b, mac: \"52:54:00:aa:00:09\" }] }
  |                                                                                        ^
  |
hint: give each NIC its own MAC (leave `mac` out for a generated one)
",
    );
}

#[test]
fn gateway_and_dns_go_with_a_static_address_on_the_gateways_subnet() {
    refused(
        "    - vm_network: { mode: bridged, uplink: eth0, gateway: 192.168.1.1, vms: [{ name: a }] }\n",
        "\
error: `gateway` goes with a static `address` (with DHCP the lease brings the router and name servers) (in task `vm_network`)
 --> playbook.yml:3:59
  |
3 |     - vm_network: { mode: bridged, uplink: eth0, gateway: 192.168.1.1, vms: [{ name: a }] }
  |                                                           ^^^^^^^^^^^
  |
hint: give the bridge its address, e.g. `address: [192.168.1.10/24]`, or leave `gateway` and `dns` out
",
    );
    refused(
        "    - vm_network: { mode: bridged, uplink: eth0, address: [192.168.1.10/24], gateway: 10.0.0.1, vms: [{ name: a }] }\n",
        "\
error: the gateway `10.0.0.1` of `br0` is on none of its subnets, so the host could not reach it
 --> playbook.yml:3:87
  |
3 |     - vm_network: { mode: bridged, uplink: eth0, address: [192.168.1.10/24], gateway: 10.0.0.1, vms: [{ name: a }] }
  |                                                                                       ^^^^^^^^
  |
hint: the gateway is the LAN router's address on the bridge's subnet, e.g. `192.168.1.1` for `192.168.1.10/24`
",
    );
    refused(
        "    - vm_network: { mode: nat, subnet: 172.16.9.0/24, dns: [192.0.2.53], vms: [{ name: a }] }\n",
        "\
error: `dns` has no meaning in `mode: nat` (in task `vm_network`)
 --> playbook.yml:3:55
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.9.0/24, dns: [192.0.2.53], vms: [{ name: a }] }
  |                                                       ^^^
  |
hint: `dns` goes with `bridged` or `nat` with `mac_nat: true`
",
    );
}

#[test]
fn a_forward_delay_in_centiseconds_is_refused_with_stp_off_too() {
    refused(
        "    - bridge: { name: br0, ports: [eth0], stp: false, forward_delay: 1500 }\n    - interface: { name: eth0, address: none }\n",
        "\
error: `forward_delay: 1500` is 1500 seconds: hostnet's bridge timers are seconds, and this reads as centiseconds (sysfs' and netifrc's unit)
 --> playbook.yml:3:70
  |
3 |     - bridge: { name: br0, ports: [eth0], stp: false, forward_delay: 1500 }
  |                                                                      ^^^^
  |
hint: for 15 s write `forward_delay: 15`; with `stp: false` the delay is unused, so `forward_delay: 0` is usual
",
    );
}

#[test]
fn proxy_arp_needs_guest_addresses_on_the_lan_and_an_address_for_the_relay() {
    refused(
        "    - vm_network: { mode: proxy_arp, uplink: wlan0, dhcp_relay: 192.168.1.1, vms: [{ name: a, ip: 192.168.1.50 }] }\n",
        "\
error: `dhcp_relay` needs the host's LAN address in `address` (relayed requests come from it, and the server answers it) (in task `vm_network`)
 --> playbook.yml:3:65
  |
3 |     - vm_network: { mode: proxy_arp, uplink: wlan0, dhcp_relay: 192.168.1.1, vms: [{ name: a, ip: 192.168.1.50 }] }
  |                                                                 ^^^^^^^^^^^
  |
hint: add the uplink's static address, e.g. `address: [192.168.1.10/24]`, next to `dhcp_relay: 192.168.1.1`
",
    );
    refused(
        "    - vm_network: { mode: proxy_arp, uplink: wlan0, vms: [{ name: a }] }\n",
        "\
error: VM `a` needs a fixed `ip` in `mode: proxy_arp` (the host routes to each guest by its address) (in task `vm_network`)
 --> playbook.yml:3:67
  |
3 |     - vm_network: { mode: proxy_arp, uplink: wlan0, vms: [{ name: a }] }
  |                                                                   ^
  |
hint: give it a free address of the LAN, e.g. `ip: 192.168.1.50`
",
    );
    refused(
        "    - vm_network: { mode: proxy_arp, uplink: wlan0, address: [192.168.1.10/24], vms: [{ name: a, ip: 192.168.2.50 }] }\n",
        "\
error: `192.168.2.50` is not a free guest address on the LAN `192.168.1.0/24` of the host's address `192.168.1.10/24` (in task `vm_network`)
 --> playbook.yml:3:102
  |
3 |     - vm_network: { mode: proxy_arp, uplink: wlan0, address: [192.168.1.10/24], vms: [{ name: a, ip: 192.168.2.50 }] }
  |                                                                                                      ^^^^^^^^^^^^
  |
hint: proxy ARP puts the guests on the uplink's subnet: give each a free LAN address
",
    );
    refused(
        "    - tap: { name: tap0 }\n    - bridge: { name: br0, ports: [tap0] }\n    - dhcp_relay: { interface: br0, address: 192.168.1.10, server: 192.168.1.1 }\n",
        "\
error: the DHCP relay on `br0` sends from `192.168.1.10`, which `br0` does not have: dnsmasq relays only from an address of the interface the requests arrive on
 --> playbook.yml:5:32
  |
5 |     - dhcp_relay: { interface: br0, address: 192.168.1.10, server: 192.168.1.1 }
  |                                ^^^
  |
hint: give `br0` the address `192.168.1.10/32`, or relay from an address `br0` has
",
    );
}

/// An Ubuntu root whose cloud-init netplan file defines `eth0`.
#[test]
fn a_netplan_definition_of_the_uplink_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/os-release", "ID=ubuntu\n");
    write(root, "sys/class/net/eth0/address", "52:54:00:12:34:56\n");
    write(
        root,
        "etc/netplan/50-cloud-init.yaml",
        "# This file is generated from information provided by the datasource.\nnetwork:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n",
    );
    write(
        root,
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a }] }\n",
    );
    let output = hostnet()
        .current_dir(root)
        .args(["plan", "playbook.yml", "--root", "."])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&output),
        "\
error: netplan defines `eth0` (/etc/netplan/50-cloud-init.yaml:5), and hostnet configures it as a port of `br0`: both would configure it at boot
 --> playbook.yml:3:44
  |
3 |     - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a }] }
  |                                            ^^^^
  |
hint: remove `eth0:` and the lines under it from /etc/netplan/50-cloud-init.yaml (line 5), run `netplan apply`, then plan again; or leave `eth0` out of the playbook
"
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_relay_to_its_own_address_is_refused() {
    refused(
        "    - dhcp_relay: { interface: br0, address: 192.168.1.10, server: 192.168.1.10 }\n",
        "\
error: `192.168.1.10` is the relay's own address; a relay sends to another server (in task `dhcp_relay`)
 --> playbook.yml:3:68
  |
3 |     - dhcp_relay: { interface: br0, address: 192.168.1.10, server: 192.168.1.10 }
  |                                                                    ^^^^^^^^^^^^
",
    );
}
