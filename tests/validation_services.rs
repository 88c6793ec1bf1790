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

/// `hostnet check` must pass, then `hostnet render`: the rendered
/// `/etc/dnsmasq.d/hostnet-br0.conf` of a playbook with `br0` at
/// 172.16.1.1/24 and `task` (the allowed cases next to the refused ones).
fn dnsmasq_conf(task: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let playbook =
        format!("- hosts: localhost\n  tasks:\n    - bridge: {{ name: br0, address: 172.16.1.1/24 }}\n{task}\n");
    write(dir.path(), "playbook.yml", &playbook);
    write(dir.path(), "facts.yml", FACTS);
    let run = |args: &[&str]| {
        let output = hostnet().current_dir(dir.path()).args(args).output().unwrap();
        assert_eq!(stderr(&output), "", "{task}");
        assert_eq!(output.status.code(), Some(0), "{task}");
        output
    };
    run(&["check", "playbook.yml", "--facts", "facts.yml"]);
    run(&["render", "playbook.yml", "--facts", "facts.yml", "--out", "out"]);
    let mut text = fs_err::read_to_string(dir.path().join("out/etc/dnsmasq.d/hostnet-br0.conf")).unwrap();
    // Then each fixed lease's file, as `==> NAME` and its line.
    let hosts = dir.path().join("out/etc/hostnet/dnsmasq/br0.hosts");
    if hosts.is_dir() {
        let mut names: Vec<String> = fs_err::read_dir(&hosts)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            text.push_str(&format!(
                "==> {name}\n{}",
                fs_err::read_to_string(hosts.join(&name)).unwrap()
            ));
        }
    }
    text
}

/// The `dhcp-range=` line of a rendered dnsmasq file.
fn dhcp_range(conf: &str) -> &str {
    conf.lines().find(|line| line.starts_with("dhcp-range=")).unwrap()
}

/// Every lease unit dnsmasq knows, as dnsmasq is given it: `s`, `m`, `h`,
/// `d`, `w`, plain seconds and `infinite` (a unit read as another one, like
/// `d` as hours, changes the line).
#[test]
fn every_lease_unit_renders_what_it_means() {
    for (lease, rendered) in [
        ("120", "2m"),
        ("300s", "5m"),
        ("3601s", "3601"),
        ("45m", "45m"),
        ("90m", "90m"),
        ("12h", "12h"),
        ("36h", "36h"),
        ("1d", "1d"),
        ("2d", "2d"),
        ("1w", "7d"),
        ("2w", "14d"),
        ("infinite", "infinite"),
    ] {
        let conf = dnsmasq_conf(&format!(
            "    - dhcp_server: {{ interface: br0, range: [172.16.1.2, 172.16.1.9], lease: \"{lease}\" }}"
        ));
        assert_eq!(
            dhcp_range(&conf),
            format!("dhcp-range=172.16.1.2,172.16.1.9,{rendered}"),
            "lease: {lease}"
        );
    }
}

/// Units dnsmasq does not know, and fractions, are refused like the
/// too-short lease.
#[test]
fn a_lease_time_in_an_unknown_unit() {
    for lease in ["1y", "1.5h", "h", "12 h"] {
        check(
            &format!("    - dhcp_server: {{ interface: br0, range: [172.16.1.2, 172.16.1.9], lease: \"{lease}\" }}"),
            &format!(
                "\
error: `{lease}` is not a lease time like `12h`, `45m`, `3600` or `infinite` (in task `dhcp_server`)
 --> playbook.yml:4:78
  |
4 |     - dhcp_server: {{ interface: br0, range: [172.16.1.2, 172.16.1.9], lease: \"{lease}\" }}
  |                                                                              {carets}
",
                carets = "^".repeat(lease.len() + 2)
            ),
        );
    }
}

#[test]
fn a_router_outside_the_subnet() {
    check(
        "    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], router: 10.0.0.1 }",
        "\
error: the router `10.0.0.1` is outside `172.16.1.0/24`, so guests could not reach it
 --> playbook.yml:4:33
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], router: 10.0.0.1 }
  |                                 ^^^
",
    );
}

/// The allowed neighbour: another router of the subnet is announced.
#[test]
fn a_router_inside_the_subnet_is_announced() {
    let conf =
        dnsmasq_conf("    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], router: 172.16.1.254 }");
    assert!(
        conf.contains("\ndhcp-option=tag:br0,option:router,172.16.1.254\n"),
        "{conf}"
    );
}

#[test]
fn a_guest_address_twice_in_mac_nat() {
    check(
        r#"    - mac_nat: { uplink: wlan0, mac: "32:7f:aa:56:59:01", guests: [{ ip: 192.168.1.50, mac: "00:26:c6:21:cf:02" }, { ip: 192.168.1.50, mac: "00:26:c6:21:cf:03" }] }"#,
        r#"error: the guest address `192.168.1.50` appears twice (the other at playbook.yml:4:74)
 --> playbook.yml:4:122
  |
4 | ...ts: [{ ip: 192.168.1.50, mac: "00:26:c6:21:cf:02" }, { ip: 192.168.1.50, mac: "00:26:c6:21:cf:03" }] }
  |                                                               ^^^^^^^^^^^^
"#,
    );
}

/// The allowed neighbour: two guests with two addresses.
#[test]
fn mac_nat_guests_with_their_own_addresses_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        r#"- hosts: localhost
  tasks:
    - mac_nat: { uplink: wlan0, mac: "32:7f:aa:56:59:01", guests: [{ ip: 192.168.1.50, mac: "00:26:c6:21:cf:02" }, { ip: 192.168.1.51, mac: "00:26:c6:21:cf:03" }] }
"#,
    );
    write(dir.path(), "facts.yml", FACTS);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "playbook.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), "");
    assert_eq!(
        stdout(&output),
        "playbook.yml: ok (1 play(s), 1 task(s); 0 interface(s), 0 bridge(s), 0 TAP(s))\n"
    );
}

/// dnsmasq reads a `dhcp-host` word that looks like a lease time (`12h`,
/// `30`) or a keyword as that, not as the name: found while rendering, so
/// `plan` refuses it.
#[test]
fn a_fixed_lease_name_dnsmasq_would_read_as_a_lease_time() {
    for name in ["12h", "30", "2W", "infinite", "ignore"] {
        let dir = tempfile::tempdir().unwrap();
        let task = format!(
            "    - dhcp_server: {{ interface: br0, range: [172.16.1.2, 172.16.1.9], hosts: [{{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.20, name: {name} }}] }}"
        );
        write(
            dir.path(),
            "playbook.yml",
            &format!("- hosts: localhost\n  tasks:\n    - bridge: {{ name: br0, address: 172.16.1.1/24 }}\n{task}\n"),
        );
        write(dir.path(), "facts.yml", FACTS);
        let output = hostnet()
            .current_dir(dir.path())
            .args(["plan", "playbook.yml", "--facts", "facts.yml", "--root", "."])
            .output()
            .unwrap();
        let text = stderr(&output);
        assert_eq!(
            text.lines().next(),
            Some(
                format!(
                    "error: dnsmasq would read the host name `{name}` of `00:26:c6:21:cf:02` as a lease time or a keyword"
                )
                .as_str()
            ),
            "{text}"
        );
        assert!(
            text.ends_with("\nhint: pick a name with a letter that is not a time unit (`vm1`)\n"),
            "{text}"
        );
        assert_eq!(stdout(&output), "");
        assert_eq!(output.status.code(), Some(1));
    }
}

/// The allowed neighbours: names with a letter that is not a unit, or one letter.
#[test]
fn fixed_lease_names_dnsmasq_reads_as_names_pass() {
    for name in ["vm1", "12x", "h", "win7"] {
        let conf = dnsmasq_conf(&format!(
            "    - dhcp_server: {{ interface: br0, range: [172.16.1.2, 172.16.1.9], hosts: [{{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.20, name: {name} }}] }}"
        ));
        assert!(
            conf.contains(&format!(
                "\n==> 00-26-c6-21-cf-02\n00:26:c6:21:cf:02,172.16.1.20,{name}\n"
            )),
            "{conf}"
        );
    }
}

#[test]
fn an_ipv6_dns_server_for_dhcpv4() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0, address: 172.16.1.1/24 }\n    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], dns: [\"2001:db8::53\"] }\n",
    );
    write(dir.path(), "facts.yml", FACTS);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["plan", "playbook.yml", "--facts", "facts.yml", "--root", "."])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&output),
        "\
error: the DNS server `2001:db8::53` is IPv6; DHCPv4 announces IPv4 servers only
 --> playbook.yml:4:33
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], dns: [\"2001:db8::53\"] }
  |                                 ^^^
"
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}

/// The allowed neighbour: IPv4 DNS servers are announced (dnsmasq's own DNS
/// is left as the host has it: no global `port=0` in a drop-in).
#[test]
fn ipv4_dns_servers_are_announced() {
    let conf = dnsmasq_conf(
        "    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], dns: [192.0.2.53, 198.51.100.53] }",
    );
    assert!(!conf.contains("port="), "{conf}");
    assert!(
        conf.contains("\ndhcp-option=tag:br0,option:dns-server,192.0.2.53,198.51.100.53\n"),
        "{conf}"
    );
}

/// The allowed neighbour of the reversed range: a range of one address.
#[test]
fn a_dhcp_range_of_one_address_is_served() {
    let conf = dnsmasq_conf("    - dhcp_server: { interface: br0, range: [172.16.1.5, 172.16.1.5] }");
    assert_eq!(dhcp_range(&conf), "dhcp-range=172.16.1.5,172.16.1.5,12h");
}
