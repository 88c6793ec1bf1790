//! Validation of DHCP, sysctl, NAT, firewall and MAC NAT (issue 4), end to
//! end: every rule's whole message pinned (title, position, line, caret,
//! hint), exit code 1, nothing on stdout.

use crate::support::{hostnet, stderr, stdout, write};

const FACTS: &str = "distro: debian\ninterfaces:\n  - { name: eth0 }\n  - { name: wlan0, wireless: true }\nusers: [root, qemu]\ngroups: [root, kvm]\n";

/// `hostnet check` of a playbook with `br0` at 172.16.1.1/24 and `task`.
fn check(task: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let playbook =
        format!("- hosts: localhost\n  tasks:\n    - bridge: {{ name: br0, address: 172.16.1.1/24 }}\n{task}\n");
    write(dir.path(), "playbook.yml", &playbook);
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
fn dhcp_server_on_an_interface_without_a_static_address() {
    check(
        "    - dhcp_server: { interface: br9, range: [172.16.1.2, 172.16.1.9] }",
        "\
error: `br9` has no static IPv4 address for its DHCP server to serve from
 --> playbook.yml:4:33
  |
4 |     - dhcp_server: { interface: br9, range: [172.16.1.2, 172.16.1.9] }
  |                                 ^^^
  |
hint: give `br9` an address (e.g. `address: \"{{ subnet | host(1) }}\"`) in its `bridge` or `interface` task
",
    );
}

#[test]
fn a_reversed_dhcp_range() {
    check(
        "    - dhcp_server: { interface: br0, range: [172.16.1.50, 172.16.1.10] }",
        "\
error: the DHCP range starts at `172.16.1.50` after it ends at `172.16.1.10`
 --> playbook.yml:4:45
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.50, 172.16.1.10] }
  |                                             ^
  |
hint: write it as `[172.16.1.10, 172.16.1.50]`
",
    );
}

#[test]
fn a_dhcp_range_outside_the_subnet() {
    check(
        "    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.2.9] }",
        "\
error: `172.16.2.9` in the DHCP range is outside `172.16.1.0/24`, the subnet of `br0`
 --> playbook.yml:4:45
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.2.9] }
  |                                             ^
  |
hint: use host addresses of `172.16.1.0/24`
",
    );
}

#[test]
fn a_dhcp_range_containing_the_hosts_own_address() {
    check(
        "    - dhcp_server: { interface: br0, range: [172.16.1.1, 172.16.1.9] }",
        "\
error: the DHCP range `172.16.1.1`–`172.16.1.9` contains `172.16.1.1`, the address of `br0` itself
 --> playbook.yml:4:45
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.1, 172.16.1.9] }
  |                                             ^
  |
hint: start the range after `172.16.1.1`
",
    );
}

#[test]
fn a_fixed_lease_outside_the_subnet() {
    check(
        "    - dhcp_server: { interface: br0, hosts: [{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.5.2 }] }",
        "\
error: the fixed lease `172.16.5.2` for `00:26:c6:21:cf:02` is outside `172.16.1.0/24`, the subnet of `br0`
 --> playbook.yml:4:78
  |
4 |     - dhcp_server: { interface: br0, hosts: [{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.5.2 }] }
  |                                                                              ^^^^^^^^^^
  |
hint: dnsmasq would silently ignore it; pick an address in the subnet
",
    );
}

#[test]
fn a_fixed_lease_on_the_hosts_own_address() {
    check(
        "    - dhcp_server: { interface: br0, hosts: [{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.1 }] }",
        "\
error: the fixed lease `172.16.1.1` is the address of `br0` itself
 --> playbook.yml:4:78
  |
4 |     - dhcp_server: { interface: br0, hosts: [{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.1 }] }
  |                                                                              ^^^^^^^^^^
",
    );
}

#[test]
fn duplicate_macs_and_addresses_in_fixed_leases() {
    check(
        "    - dhcp_server:
        interface: br0
        hosts:
          - { mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.2 }
          - { mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.3 }
          - { mac: \"00:26:c6:21:cf:04\", ip: 172.16.1.3 }",
        "\
error: the MAC `00:26:c6:21:cf:02` has two fixed leases (the other at playbook.yml:7:45)
 --> playbook.yml:8:45
  |
8 |           - { mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.3 }
  |                                             ^^^^^^^^^^

error: the address `172.16.1.3` is leased to two MACs (the other at playbook.yml:8:45)
 --> playbook.yml:9:45
  |
9 |           - { mac: \"00:26:c6:21:cf:04\", ip: 172.16.1.3 }
  |                                             ^^^^^^^^^^
",
    );
}

#[test]
fn a_multicast_mac_in_a_fixed_lease() {
    check(
        "    - dhcp_server: { interface: br0, hosts: [{ mac: \"01:00:5e:00:00:01\", ip: 172.16.1.2 }] }",
        "\
error: `01:00:5e:00:00:01` is a multicast MAC; no NIC can have it
 --> playbook.yml:4:78
  |
4 |     - dhcp_server: { interface: br0, hosts: [{ mac: \"01:00:5e:00:00:01\", ip: 172.16.1.2 }] }
  |                                                                              ^^^^^^^^^^
",
    );
}

#[test]
fn a_lease_time_below_dnsmasqs_minimum() {
    check(
        "    - dhcp_server: { interface: br0, lease: 1m }",
        "\
error: lease time `1m` is shorter than dnsmasq's minimum of 2 minutes (in task `dhcp_server`)
 --> playbook.yml:4:45
  |
4 |     - dhcp_server: { interface: br0, lease: 1m }
  |                                             ^^
",
    );
}

#[test]
fn an_unknown_kernel_parameter() {
    check(
        "    - sysctl: { name: net.ipv4.ip_forwarding, value: 1 }",
        "\
error: unknown kernel parameter `net.ipv4.ip_forwarding` (in task `sysctl`)
 --> playbook.yml:4:23
  |
4 |     - sysctl: { name: net.ipv4.ip_forwarding, value: 1 }
  |                       ^^^^^^^^^^^^^^^^^^^^^^
  |
hint: did you mean `net.ipv4.ip_forward`?
",
    );
}

#[test]
fn a_nat_source_with_host_bits() {
    check(
        "    - nat: { source: 172.16.1.7/24, out_interface: eth0 }",
        "\
error: `172.16.1.7/24` has host bits set (in task `nat`)
 --> playbook.yml:4:22
  |
4 |     - nat: { source: 172.16.1.7/24, out_interface: eth0 }
  |                      ^^^^^^^^^^^^^
  |
hint: the subnet is `172.16.1.0/24`
",
    );
}

#[test]
fn two_firewall_intents_in_one_task() {
    check(
        "    - firewall: { dhcp_dns: br0, isolate_host: br0 }",
        "\
error: `firewall` takes one intent per task, and this one has `dhcp_dns` and `isolate_host` (in task `firewall`)
 --> playbook.yml:4:17
  |
4 |     - firewall: { dhcp_dns: br0, isolate_host: br0 }
  |                 ^
  |
hint: split it into two tasks
",
    );
}

#[test]
fn ports_without_protocols() {
    check(
        "    - firewall: { allow_input: br0, ports: [53] }",
        "\
error: `ports` needs `protocols` with `tcp` or `udp` (in task `firewall`)
 --> playbook.yml:4:44
  |
4 |     - firewall: { allow_input: br0, ports: [53] }
  |                                            ^
",
    );
}

#[test]
fn bridge_forward_on_something_that_is_not_a_bridge() {
    check(
        "    - firewall: { bridge_forward: eth0 }",
        "\
error: `eth0` is not a bridge this playbook defines
 --> playbook.yml:4:35
  |
4 |     - firewall: { bridge_forward: eth0 }
  |                                   ^^^^
  |
hint: `bridge_forward` names a bridge from a `bridge` task
",
    );
}

#[test]
fn mac_nat_on_an_uplink_whose_mac_is_unknown() {
    check(
        "    - mac_nat: { uplink: wlan9, guests: [{ ip: 192.168.1.5, mac: \"02:00:00:00:00:05\" }] }",
        "\
error: the MAC of `wlan9` is not known (in task `mac_nat`)
 --> playbook.yml:4:26
  |
4 |     - mac_nat: { uplink: wlan9, guests: [{ ip: 192.168.1.5, mac: \"02:00:00:00:00:05\" }] }
  |                          ^^^^^
  |
hint: give `mac:` (the uplink's MAC), or plan on the host itself so facts know it
",
    );
}
