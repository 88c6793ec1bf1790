//! Validation of IPv6 (issue 12), end to end: `subnet6`, `ra`, DHCPv6
//! ranges and fixed IPv6 addresses, each message pinned whole (title,
//! position, line, caret, hint), exit code 1, nothing on stdout. The host
//! has `2001:db8:1::10/64` on its uplink, so a prefix overlapping it is
//! refused with a hint towards unique local prefixes. DHCPv6 reservations
//! by DUID: the format (hex pairs, RFC 8415's types and lengths), a DUID
//! without the `ip6` it reserves, one DUID twice, a VM's `duid` where the
//! mode leases no IPv6.

use crate::support::{hostnet, stderr, stdout, write};

const FACTS: &str = "distro: debian\ninterfaces:\n  - { name: eth0, addresses: [\"192.168.1.10/24\", \"2001:db8:1::10/64\", \"fe80::1/64\"] }\n  - { name: wlan0, wireless: true }\nusers: [root, qemu]\ngroups: [root, kvm]\n";

/// `hostnet check` of a playbook with these tasks.
fn check(tasks: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        &format!("- hosts: localhost\n  tasks:\n{tasks}\n"),
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
fn an_unknown_ra_mode() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, ra: slaac }",
        "\
error: `slaac` is not an RA mode: `stateless`, `stateful` or `off` (in task `dhcp_server`)
 --> playbook.yml:4:42
  |
4 |     - dhcp_server: { interface: br0, ra: slaac }
  |                                          ^^^^^
",
    );
}

#[test]
fn a_dhcpv6_range_without_ra() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, range6: [\"fd42:4242:4242:1::100\"] }",
        "\
error: `range6` is the DHCPv6 range of `ra: stateful`; add `ra: stateful` (in task `dhcp_server`)
 --> playbook.yml:4:46
  |
4 |     - dhcp_server: { interface: br0, range6: [\"fd42:4242:4242:1::100\"] }
  |                                              ^
",
    );
}

#[test]
fn a_dhcpv6_range_of_one_address() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:1::100\"] }",
        "\
error: `range6` is two IPv6 addresses: `[first, last]` (in task `dhcp_server`)
 --> playbook.yml:4:60
  |
4 |     - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:1::100\"] }
  |                                                            ^
",
    );
}

#[test]
fn a_dhcpv6_range_with_slaac() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, ra: stateless, range6: [\"fd42:4242:4242:1::100\", \"fd42:4242:4242:1::1ff\"] }",
        "\
error: `range6` hands out DHCPv6 addresses, which `ra: stateless` does not
 --> playbook.yml:4:61
  |
4 |     - dhcp_server: { interface: br0, ra: stateless, range6: [\"fd42:4242:4242:1::100\", \"fd42:4242:4242:1::1ff\"] }
  |                                                             ^
  |
hint: use `ra: stateful`, or leave `range6` out
",
    );
}

#[test]
fn a_reversed_dhcpv6_range_outside_the_prefix() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:2::100\", \"fd42:4242:4242:1::1ff\"] }",
        "\
error: the DHCP range starts at `fd42:4242:4242:2::100` after it ends at `fd42:4242:4242:1::1ff`
 --> playbook.yml:4:60
  |
4 |     - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:2::100\", \"fd42:4242:4242:1::1ff\"] }
  |                                                            ^
  |
hint: write it as `[fd42:4242:4242:1::1ff, fd42:4242:4242:2::100]`

error: `fd42:4242:4242:2::100` in the DHCPv6 range is outside `fd42:4242:4242:1::/64`, the prefix of `br0`
 --> playbook.yml:4:60
  |
4 |     - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:2::100\", \"fd42:4242:4242:1::1ff\"] }
  |                                                            ^
  |
hint: use addresses of `fd42:4242:4242:1::/64` after `fd42:4242:4242:1::1`
",
    );
}

#[test]
fn a_dhcpv6_range_containing_the_hosts_own_address() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:1::1\", \"fd42:4242:4242:1::1ff\"] }",
        "\
error: the DHCP range `fd42:4242:4242:1::1`–`fd42:4242:4242:1::1ff` contains `fd42:4242:4242:1::1`, the address of `br0` itself
 --> playbook.yml:4:60
  |
4 |     - dhcp_server: { interface: br0, ra: stateful, range6: [\"fd42:4242:4242:1::1\", \"fd42:4242:4242:1::1ff\"] }
  |                                                            ^
  |
hint: start the range after `fd42:4242:4242:1::1`
",
    );
}

#[test]
fn fixed_ipv6_leases_outside_the_prefix_and_on_the_host() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server:\n        interface: br0\n        ra: stateful\n        hosts:\n          - { mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:2::5\" }\n          - { mac: \"52:54:00:00:00:03\", ip6: \"fd42:4242:4242:1::1\" }",
        "\
error: the fixed IPv6 lease `fd42:4242:4242:2::5` for `52:54:00:00:00:02` is outside `fd42:4242:4242:1::/64`, the prefix of `br0`
 --> playbook.yml:8:46
  |
8 |           - { mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:2::5\" }
  |                                              ^^^^^^^^^^^^^^^^^^^^^
  |
hint: pick an address of `fd42:4242:4242:1::/64`, e.g. `fd42:4242:4242:1::10`

error: the fixed IPv6 lease `fd42:4242:4242:1::1` is the address of `br0` itself
 --> playbook.yml:9:46
  |
9 |           - { mac: \"52:54:00:00:00:03\", ip6: \"fd42:4242:4242:1::1\" }
  |                                              ^^^^^^^^^^^^^^^^^^^^^
",
    );
}

#[test]
fn one_ipv6_address_leased_twice() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server:\n        interface: br0\n        ra: stateful\n        hosts:\n          - { mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }\n          - { mac: \"52:54:00:00:00:03\", ip6: \"fd42:4242:4242:1::5\" }",
        "\
error: the address `fd42:4242:4242:1::5` is leased to two MACs (the other at playbook.yml:8:46)
 --> playbook.yml:9:46
  |
9 |           - { mac: \"52:54:00:00:00:03\", ip6: \"fd42:4242:4242:1::5\" }
  |                                              ^^^^^^^^^^^^^^^^^^^^^
",
    );
}

#[test]
fn a_fixed_ipv6_lease_with_slaac() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server:\n        interface: br0\n        ra: stateless\n        hosts: [{ mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]",
        "\
error: the fixed IPv6 lease `fd42:4242:4242:1::5` for `52:54:00:00:00:02` needs DHCPv6, which `ra: stateless` does not hand out
 --> playbook.yml:7:50
  |
7 |         hosts: [{ mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]
  |                                                  ^^^^^^^^^^^^^^^^^^^^^
  |
hint: use `ra: stateful`: the guests then take their addresses from DHCPv6
",
    );
}

#[test]
fn a_fixed_ipv6_lease_without_dhcpv6() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/64\"] }\n    - dhcp_server:\n        interface: br0\n        hosts: [{ mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]",
        "\
error: the fixed IPv6 lease `fd42:4242:4242:1::5` for `52:54:00:00:00:02` needs DHCPv6, which the server on `br0` does not run
 --> playbook.yml:6:50
  |
6 |         hosts: [{ mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]
  |                                                  ^^^^^^^^^^^^^^^^^^^^^
  |
hint: add `ra: stateful` to the `dhcp_server` (or to the `vm_network`)
",
    );
}

#[test]
fn router_advertisements_without_an_ipv6_address() {
    check(
        "    - bridge: { name: br0, address: 172.16.1.1/24 }\n    - dhcp_server: { interface: br0, ra: stateless }",
        "\
error: `br0` has no static IPv6 address whose prefix its router advertisements could announce
 --> playbook.yml:4:42
  |
4 |     - dhcp_server: { interface: br0, ra: stateless }
  |                                          ^^^^^^^^^
  |
hint: give `br0` an IPv6 address as well (`address: [172.16.1.1/24, fd42:4242:4242:1::1/64]`); use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn slaac_in_a_slash_80() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242:1::1/80\"] }\n    - dhcp_server: { interface: br0, ra: stateless }",
        "\
error: SLAAC needs a /64, and `fd42:4242:4242:1::/80` of `br0` is a /80
 --> playbook.yml:4:42
  |
4 |     - dhcp_server: { interface: br0, ra: stateless }
  |                                          ^^^^^^^^^
  |
hint: use a /64 prefix, or `ra: stateful` (DHCPv6 addresses) in a longer one
",
    );
}

#[test]
fn dhcpv6_in_a_slash_48() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"fd42:4242:4242::1/48\"] }\n    - dhcp_server: { interface: br0, ra: stateful }",
        "\
error: dnsmasq's DHCPv6 needs a /64 or longer, and `fd42:4242:4242::/48` of `br0` is a /48
 --> playbook.yml:4:42
  |
4 |     - dhcp_server: { interface: br0, ra: stateful }
  |                                          ^^^^^^^^
  |
hint: give `br0` a /64 of it, e.g. `fd42:4242:4242::1/64`
",
    );
}

#[test]
fn a_bridge_on_the_uplinks_ipv6_prefix() {
    check(
        "    - bridge: { name: br0, address: [172.16.1.1/24, \"2001:db8:1::1/64\"] }",
        "\
error: subnet `2001:db8:1::/64` of `br0` overlaps `2001:db8:1::10/64`, which the host already has on `eth0`
 --> playbook.yml:3:53
  |
3 |     - bridge: { name: br0, address: [172.16.1.1/24, \"2001:db8:1::1/64\"] }
  |                                                     ^^^^^^^^^^^^^^^^^^
  |
hint: pick a prefix the host does not use yet for `br0`: use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn subnet6_in_bridged_mode() {
    check(
        "    - vm_network:\n        mode: bridged\n        uplink: eth0\n        subnet6: \"fd42:4242:4242:1::/64\"\n        vms: [{ name: deb }]",
        "\
error: `subnet6` has no meaning in `mode: bridged` (in task `vm_network`)
 --> playbook.yml:6:9
  |
6 |         subnet6: \"fd42:4242:4242:1::/64\"
  |         ^^^^^^^
  |
hint: `subnet6` goes with mode `nat`, `routed`, `host_only` or `internal`
",
    );
}

#[test]
fn subnet6_in_user_mode() {
    check(
        "    - vm_network:\n        mode: user\n        subnet6: \"fd42:4242:4242:1::/64\"\n        vms: [{ name: deb }]",
        "\
error: `subnet6` has no meaning in `mode: user` (in task `vm_network`)
 --> playbook.yml:5:9
  |
5 |         subnet6: \"fd42:4242:4242:1::/64\"
  |         ^^^^^^^
  |
hint: `subnet6` goes with mode `nat`, `routed`, `host_only` or `internal`
",
    );
}

#[test]
fn subnet6_with_mac_nat() {
    check(
        "    - vm_network:\n        mode: nat\n        mac_nat: true\n        uplink: wlan0\n        subnet6: \"fd42:4242:4242:1::/64\"\n        vms: [{ name: deb, ip: 192.168.1.50 }]",
        "\
error: `subnet6` goes with a private bridge, not with `mac_nat: true` (in task `vm_network`)
 --> playbook.yml:7:18
  |
7 |         subnet6: \"fd42:4242:4242:1::/64\"
  |                  ^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: with MAC NAT the guests are on the LAN and take SLAAC or DHCPv6 from its router; leave `subnet6` out
",
    );
}

#[test]
fn ra_without_subnet6() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        ra: stateful\n        vms: [{ name: deb }]",
        "\
error: `ra` announces the IPv6 prefix in `subnet6`, which this network does not have (in task `vm_network`)
 --> playbook.yml:6:13
  |
6 |         ra: stateful
  |             ^^^^^^^^
  |
hint: add `subnet6:` (a unique local prefix, e.g. `fd42:4242:4242:1::/64`) or leave `ra` out
",
    );
}

#[test]
fn a_vm_ip6_without_subnet6() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        vms: [{ name: deb, ip6: \"fd42:4242:4242:1::5\" }]",
        "\
error: VM `deb` has an `ip6`, but the network has no `subnet6` to lease it from (in task `vm_network`)
 --> playbook.yml:6:33
  |
6 |         vms: [{ name: deb, ip6: \"fd42:4242:4242:1::5\" }]
  |                                 ^^^^^^^^^^^^^^^^^^^^^
",
    );
}

#[test]
fn a_link_local_subnet6() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fe80::/64\"\n        vms: [{ name: deb }]",
        "\
error: `fe80::/64` is link-local (every interface has its own, and no router forwards it) (in task `vm_network`)
 --> playbook.yml:6:18
  |
6 |         subnet6: \"fe80::/64\"
  |                  ^^^^^^^^^^^
  |
hint: use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn a_multicast_subnet6() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"ff02::/64\"\n        vms: [{ name: deb }]",
        "\
error: `ff02::/64` is multicast (in task `vm_network`)
 --> playbook.yml:6:18
  |
6 |         subnet6: \"ff02::/64\"
  |                  ^^^^^^^^^^^
  |
hint: use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn an_unspecified_subnet6() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"::/64\"\n        vms: [{ name: deb }]",
        "\
error: `::/64` is not a routable prefix (in task `vm_network`)
 --> playbook.yml:6:18
  |
6 |         subnet6: \"::/64\"
  |                  ^^^^^^^
  |
hint: use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn a_subnet6_with_host_bits() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::5/64\"\n        vms: [{ name: deb }]",
        "\
error: `fd42:4242:4242:1::5/64` has host bits set (in task `vm_network`)
 --> playbook.yml:6:18
  |
6 |         subnet6: \"fd42:4242:4242:1::5/64\"
  |                  ^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: the subnet is `fd42:4242:4242:1::/64`
",
    );
}

#[test]
fn a_subnet6_too_small() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::/124\"\n        vms: [{ name: deb }]",
        "\
error: `fd42:4242:4242:1::/124` is too small for a host and guests (in task `vm_network`)
 --> playbook.yml:6:18
  |
6 |         subnet6: \"fd42:4242:4242:1::/124\"
  |                  ^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: use a /64, e.g. `fd42:4242:4242:1::/64`
",
    );
}

#[test]
fn a_subnet6_for_slaac_that_is_not_a_slash_64() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::/80\"\n        vms: [{ name: deb }]",
        "\
error: SLAAC needs a /64, and `fd42:4242:4242:1::/80` of `br0` is a /80
 --> playbook.yml:6:18
  |
6 |         subnet6: \"fd42:4242:4242:1::/80\"
  |                  ^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: use a /64 prefix, or `ra: stateful` (DHCPv6 addresses) in a longer one
",
    );
}

#[test]
fn a_vm_ip6_with_slaac() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::/64\"\n        vms: [{ name: deb, mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]",
        "\
error: the fixed IPv6 lease `fd42:4242:4242:1::5` for `52:54:00:00:00:02` needs DHCPv6, which `ra: stateless` does not hand out
 --> playbook.yml:7:59
  |
7 |         vms: [{ name: deb, mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]
  |                                                           ^^^^^^^^^^^^^^^^^^^^^
  |
hint: use `ra: stateful`: the guests then take their addresses from DHCPv6
",
    );
}

#[test]
fn a_vm_ip6_with_ra_off() {
    check(
        "    - vm_network:\n        mode: nat\n        subnet: 172.16.1.0/24\n        subnet6: \"fd42:4242:4242:1::/64\"\n        ra: off\n        vms: [{ name: deb, mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]",
        "\
error: the fixed IPv6 lease `fd42:4242:4242:1::5` for `52:54:00:00:00:02` needs DHCPv6, which `ra: off` does not hand out
 --> playbook.yml:8:59
  |
8 |         vms: [{ name: deb, mac: \"52:54:00:00:00:02\", ip6: \"fd42:4242:4242:1::5\" }]
  |                                                           ^^^^^^^^^^^^^^^^^^^^^
  |
hint: use `ra: stateful`: the guests then take their addresses from DHCPv6
",
    );
}

#[test]
fn a_subnet6_on_the_uplinks_prefix() {
    check(
        "    - vm_network:\n        mode: nat\n        uplink: eth0\n        subnet: 172.16.1.0/24\n        subnet6: \"2001:db8:1::/64\"\n        vms: [{ name: deb }]",
        "\
error: subnet `2001:db8:1::/64` of `br0` overlaps `2001:db8:1::10/64`, which the host already has on `eth0`
 --> playbook.yml:7:18
  |
7 |         subnet6: \"2001:db8:1::/64\"
  |                  ^^^^^^^^^^^^^^^^^
  |
hint: pick a prefix the host does not use yet for `br0`: use a unique local prefix (`fd00::/8`, e.g. `fd42:4242:4242:1::/64`), or `2001:db8::/32` in examples
",
    );
}

#[test]
fn a_duid_that_is_not_hex_pairs() {
    check(
        r#"    - bridge: { name: br0, address: [172.16.1.1/24, "fd42:4242:4242:1::1/64"] }
    - dhcp_server: { interface: br0, ra: stateful, hosts: [{ mac: "52:54:00:00:01:02", ip6: "fd42:4242:4242:1::2", duid: "00:01:zz" }] }"#,
        r#"error: `00:01:zz` is not a DUID (hex pairs separated by `:`) (in task `dhcp_server`)
 --> playbook.yml:4:122
  |
4 |     - dhcp_server: { interface: br0, ra: stateful, hosts: [{ mac: "52:54:00:00:01:02", ip6: "fd42:4242:4242:1::2", duid: "00:01:zz" }] }
  |                                                                                                                          ^^^^^^^^^^
  |
hint: a DUID is the guest's DHCPv6 client identifier, as dnsmasq logs it with `--log-dhcp` or dhclient keeps it (`default-duid`): hex pairs like `00:01:00:01:2b:8c:5e:a0:52:54:00:00:01:02`
"#,
    );
}

#[test]
fn a_uuid_duid_of_four_bytes() {
    check(
        r#"    - bridge: { name: br0, address: [172.16.1.1/24, "fd42:4242:4242:1::1/64"] }
    - dhcp_server: { interface: br0, ra: stateful, hosts: [{ mac: "52:54:00:00:01:02", ip6: "fd42:4242:4242:1::2", duid: "00:04:01:02" }] }"#,
        r#"error: `00:04:01:02` is 4 bytes long, too short for a DUID of UUID (type 4), which has exactly 18 (in task `dhcp_server`)
 --> playbook.yml:4:122
  |
4 | ...c: "52:54:00:00:01:02", ip6: "fd42:4242:4242:1::2", duid: "00:04:01:02" }] }
  |                                                              ^^^^^^^^^^^^^
  |
hint: a DUID is the guest's DHCPv6 client identifier, as dnsmasq logs it with `--log-dhcp` or dhclient keeps it (`default-duid`): hex pairs like `00:01:00:01:2b:8c:5e:a0:52:54:00:00:01:02`
"#,
    );
}

#[test]
fn a_duid_without_an_ip6() {
    check(
        r#"    - bridge: { name: br0, address: [172.16.1.1/24, "fd42:4242:4242:1::1/64"] }
    - dhcp_server: { interface: br0, ra: stateful, hosts: [{ mac: "52:54:00:00:01:02", ip: 172.16.1.2, duid: "00:03:00:01:52:54:00:00:01:02" }] }"#,
        r#"error: the DUID `00:03:00:01:52:54:00:00:01:02` of `52:54:00:00:01:02` reserves nothing: this lease has no `ip6`
 --> playbook.yml:4:110
  |
4 | ... mac: "52:54:00:00:01:02", ip: 172.16.1.2, duid: "00:03:00:01:52:54:00:00:01:02" }] }
  |                                                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: add the `ip6` DHCPv6 should give that client, or leave `duid` out
"#,
    );
}

#[test]
fn one_duid_reserved_twice() {
    check(
        r#"    - bridge: { name: br0, address: [172.16.1.1/24, "fd42:4242:4242:1::1/64"] }
    - dhcp_server:
        interface: br0
        ra: stateful
        hosts:
          - { mac: "52:54:00:00:01:02", ip6: "fd42:4242:4242:1::2", duid: "00:03:00:01:52:54:00:00:01:02" }
          - { mac: "52:54:00:00:01:03", ip6: "fd42:4242:4242:1::3", duid: "00:03:00:01:52:54:00:00:01:02" }"#,
        r#"error: the DUID `00:03:00:01:52:54:00:00:01:02` is reserved twice on `br0` (the other at playbook.yml:8:75)
 --> playbook.yml:9:75
  |
9 |           - { mac: "52:54:00:00:01:03", ip6: "fd42:4242:4242:1::3", duid: "00:03:00:01:52:54:00:00:01:02" }
  |                                                                           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: a DUID names one DHCPv6 client; give each lease its guest's own
"#,
    );
}

#[test]
fn a_vm_duid_in_bridged_mode() {
    check(
        r#"    - vm_network:
        mode: bridged
        uplink: eth0
        vms:
          - { name: web, mac: "52:54:00:00:01:02", duid: "00:03:00:01:52:54:00:00:01:02" }"#,
        r#"error: `duid` has no meaning for a VM in `mode: bridged` (in task `vm_network`)
 --> playbook.yml:7:52
  |
7 |           - { name: web, mac: "52:54:00:00:01:02", duid: "00:03:00:01:52:54:00:00:01:02" }
  |                                                    ^^^^
  |
hint: `duid` goes with mode `nat`, `routed`, `host_only` or `internal`
"#,
    );
}

#[test]
fn a_vm_duid_without_an_ip6() {
    check(
        r#"    - vm_network:
        mode: nat
        subnet: 172.16.1.0/24
        subnet6: "fd42:4242:4242:1::/64"
        ra: stateful
        vms:
          - { name: web, mac: "52:54:00:00:01:02", duid: "00:03:00:01:52:54:00:00:01:02" }"#,
        r#"error: the DUID `00:03:00:01:52:54:00:00:01:02` of `52:54:00:00:01:02` reserves nothing: this lease has no `ip6`
 --> playbook.yml:9:58
  |
9 |           - { name: web, mac: "52:54:00:00:01:02", duid: "00:03:00:01:52:54:00:00:01:02" }
  |                                                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: add the `ip6` DHCPv6 should give that client, or leave `duid` out
"#,
    );
}

#[test]
fn an_all_dots_accept_ra_key_for_an_interface_with_a_dot() {
    check(
        r#"    - sysctl: { name: net.ipv6.conf.eth0.100.accept_ra, value: 2 }"#,
        r#"error: `net.ipv6.conf.eth0.100.accept_ra` names `/proc/sys/net/ipv6/conf/eth0/100/accept_ra`, which is no kernel parameter: its dots separate the parts of the key, also the one in the interface's name (in task `sysctl`)
 --> playbook.yml:3:23
  |
3 |     - sysctl: { name: net.ipv6.conf.eth0.100.accept_ra, value: 2 }
  |                       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: write `net/ipv6/conf/eth0.100/accept_ra`: slashes separate its parts, and the interface keeps its dot (sysctl.d(5))
"#,
    );
}
