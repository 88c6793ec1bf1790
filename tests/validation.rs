//! Whole-model validation (`engine/src/validate/`), end to end: one
//! test per rule, each pinning the whole message (title, `-->` position,
//! source line, caret, hint), exit code 1 and an empty stdout; then several
//! problems in one run, a valid scenario-1 playbook, checks skipped when
//! facts do not know, and proof that `plan`/`apply` write nothing.

use std::path::Path;
use std::process::Output;

use crate::support::{hostnet, stderr, stdout, write};

/// A host with a wired uplink, a wireless one, and QEMU's accounts.
const FACTS: &str = r#"distro: debian
interfaces:
  - { name: eth0, mac: "52:54:00:aa:bb:cc", addresses: [192.168.1.10/24, "fe80::5054:ff:feaa:bbcc/64"] }
  - { name: wlan0, mac: "a0:88:b4:11:22:33", wireless: true, addresses: [192.168.50.23/24] }
users: [root, qemu]
groups: [root, kvm]
"#;

/// Facts that know neither the host's interfaces nor its accounts.
const UNKNOWN_FACTS: &str = "distro: debian\n";

/// A one-play playbook around `tasks` (written at column 0, after a
/// newline); the first task is on line 4.
fn playbook(tasks: &str) -> String {
    let mut text = String::from("- name: Validation\n  hosts: localhost\n  tasks:\n");
    for line in tasks.trim_start_matches('\n').lines() {
        text.push_str("    ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// `hostnet ARGS` run in `dir`, so messages show the relative `playbook.yml`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    hostnet().current_dir(dir).args(args).output().expect("run hostnet")
}

/// `hostnet check playbook.yml --facts facts.yml` for this playbook text.
fn check_playbook(text: &str, facts: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", text);
    write(dir.path(), "facts.yml", facts);
    run_in(dir.path(), &["check", "playbook.yml", "--facts", "facts.yml"])
}

/// `hostnet check` for a one-play playbook around `tasks`.
fn check(tasks: &str, facts: &str) -> Output {
    check_playbook(&playbook(tasks), facts)
}

/// Equal texts, or a panic showing a unified diff.
fn assert_text(actual: &str, expected: &str) {
    if actual != expected {
        let diff = similar::TextDiff::from_lines(expected, actual);
        panic!(
            "text differs (- expected, + actual):\n{}",
            diff.unified_diff().header("expected", "actual")
        );
    }
}

/// Exit 1, nothing on stdout, exactly `expected` on stderr.
fn assert_invalid(output: &Output, expected: &str) {
    assert_text(&stderr(output), expected);
    assert_eq!(stdout(output), "");
    assert_eq!(output.status.code(), Some(1));
}

/// Exit 0, exactly `expected` on stdout, nothing on stderr.
fn assert_valid(output: &Output, expected: &str) {
    assert_text(&stderr(output), "");
    assert_text(&stdout(output), expected);
    assert_eq!(output.status.code(), Some(0));
}

/// Rule 1: `br-0` and `br_0` would share `config_br_0`.
#[test]
fn names_that_collide_after_netifrc_mangling() {
    let output = check(
        r#"
- tap: { name: br_0 }
- bridge: { name: br-0, ports: [br_0], address: 172.16.1.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: bridge `br-0` and TAP `br_0` at playbook.yml:4:20 would share netifrc's variables (`config_br_0`)
 --> playbook.yml:5:23
  |
5 |     - bridge: { name: br-0, ports: [br_0], address: 172.16.1.1/24 }
  |                       ^^^^
  |
hint: netifrc turns every character outside `[A-Za-z0-9_]` into `_`; rename one of them
"#,
    );
}

/// Rule 1: one name, two kinds.
#[test]
fn same_name_for_a_bridge_and_a_tap() {
    let output = check(
        r#"
- bridge: { name: br0, address: 172.16.1.1/24 }
- tap: { name: br0 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: TAP `br0` has the same name as bridge `br0` at playbook.yml:4:23
 --> playbook.yml:5:20
  |
5 |     - tap: { name: br0 }
  |                    ^^^
  |
hint: give each bridge, TAP and interface its own name
"#,
    );
}

/// Rule 2: a port belongs to one bridge.
#[test]
fn port_in_two_bridges() {
    let output = check(
        r#"
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0], address: 172.16.1.1/24 }
- bridge: { name: br1, ports: [tap0], address: 172.16.2.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: port `tap0` is already in bridge `br0` at playbook.yml:5:36
 --> playbook.yml:6:36
  |
6 |     - bridge: { name: br1, ports: [tap0], address: 172.16.2.1/24 }
  |                                    ^^^^
  |
hint: an interface can be a port of one bridge only; remove it from one of them
"#,
    );
}

/// Rule 2: the same port twice in one list.
#[test]
fn port_listed_twice_in_one_bridge() {
    let output = check(
        r#"
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0, tap0], address: 172.16.1.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: port `tap0` is listed twice in bridge `br0`
 --> playbook.yml:5:42
  |
5 |     - bridge: { name: br0, ports: [tap0, tap0], address: 172.16.1.1/24 }
  |                                          ^^^^
  |
hint: remove one of them
"#,
    );
}

/// Rule 2: a bridge in its own ports.
#[test]
fn bridge_as_its_own_port() {
    let output = check(
        r#"
- bridge: { name: br0, ports: [eth0, br0] }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: bridge `br0` cannot be a port of itself
 --> playbook.yml:4:42
  |
4 |     - bridge: { name: br0, ports: [eth0, br0] }
  |                                          ^^^
  |
hint: remove `br0` from its `ports`
"#,
    );
}

/// Rule 2: bridges do not nest.
#[test]
fn bridge_as_port_of_another_bridge() {
    let output = check(
        r#"
- bridge: { name: br0, ports: [eth0] }
- bridge: { name: br1, ports: [br0], address: 172.16.1.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `br0` is a bridge and cannot be a port of bridge `br1` (the kernel does not nest bridges)
 --> playbook.yml:5:36
  |
5 |     - bridge: { name: br1, ports: [br0], address: 172.16.1.1/24 }
  |                                    ^^^
  |
hint: list the ports of `br0` in `br1` directly, or connect the two bridges with a veth pair
"#,
    );
}

/// Rule 3: the bridge carries the address, not its port.
#[test]
fn port_with_an_address() {
    let output = check(
        r#"
- interface: { name: eth0, address: [192.168.1.10/24] }
- bridge: { name: br0, ports: [eth0], address: dhcp }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `eth0` is a port of bridge `br0` and cannot have an address of its own
 --> playbook.yml:4:42
  |
4 |     - interface: { name: eth0, address: [192.168.1.10/24] }
  |                                          ^^^^^^^^^^^^^^^
  |
hint: the bridge carries the address; use `address: none` on `eth0`
"#,
    );
}

/// Rule 3: `interface` defaults to `address: dhcp`, which a port cannot have.
#[test]
fn port_with_the_default_dhcp_address() {
    let output = check(
        r#"
- interface:
    name: eth0
    mtu: 9000
- bridge: { name: br0, ports: [eth0], address: dhcp }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `eth0` is a port of bridge `br0` and cannot have an address of its own, but `interface` defaults to `address: dhcp`
 --> playbook.yml:5:15
  |
5 |         name: eth0
  |               ^^^^
  |
hint: the bridge carries the address; use `address: none` on `eth0`
"#,
    );
}

/// Rule 4: `wlan0` is wireless according to facts.
#[test]
fn wireless_port_from_facts() {
    let output = check(
        r#"
- bridge: { name: br0, ports: [wlan0], address: dhcp }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `wlan0` is a wireless interface and cannot be a bridge port (the kernel refuses, and access points drop frames from unknown MACs)
 --> playbook.yml:4:36
  |
4 |     - bridge: { name: br0, ports: [wlan0], address: dhcp }
  |                                    ^^^^^
  |
hint: use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), or `iw dev wlan0 set 4addr on` where the access point supports WDS
"#,
    );
}

/// Rule 4: the `interface` item says it is wireless.
#[test]
fn wireless_port_from_the_interface_task() {
    let output = check(
        r#"
- interface: { name: eth0, address: none, wireless: true }
- bridge: { name: br0, ports: [eth0], address: dhcp }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `eth0` is a wireless interface and cannot be a bridge port (the kernel refuses, and access points drop frames from unknown MACs)
 --> playbook.yml:5:36
  |
5 |     - bridge: { name: br0, ports: [eth0], address: dhcp }
  |                                    ^^^^
  |
hint: use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), or `iw dev eth0 set 4addr on` where the access point supports WDS
"#,
    );
}

/// Rule 5: `.0/24` is the subnet itself.
#[test]
fn network_address_as_host_address() {
    let output = check(
        r#"
- bridge:
    name: br0
    address:
      - 172.16.2.0/24
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `172.16.2.0/24` is the network address of its subnet, not a host address
 --> playbook.yml:7:13
  |
7 |           - 172.16.2.0/24
  |             ^^^^^^^^^^^^^
  |
hint: the first host address is `172.16.2.1/24`
"#,
    );
}

/// Rule 5: the last address of the subnet is its broadcast address.
#[test]
fn broadcast_address_as_host_address() {
    let output = check(
        r#"
- interface: { name: eth0, address: [192.168.1.10/24, 10.0.0.255/24] }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `10.0.0.255/24` is the broadcast address of its subnet, not a host address
 --> playbook.yml:4:59
  |
4 |     - interface: { name: eth0, address: [192.168.1.10/24, 10.0.0.255/24] }
  |                                                           ^^^^^^^^^^^^^
  |
hint: the last host address is `10.0.0.254/24`
"#,
    );
}

/// Rule 6: two TAPs with one MAC.
#[test]
fn duplicate_mac() {
    let output = check(
        r#"
- tap: { name: tap0, mac: "52:54:00:00:00:01" }
- tap: { name: tap1, mac: "52:54:00:00:00:01" }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: MAC `52:54:00:00:00:01` of TAP `tap1` is already used by TAP `tap0` at playbook.yml:4:31
 --> playbook.yml:5:31
  |
5 |     - tap: { name: tap1, mac: "52:54:00:00:00:01" }
  |                               ^^^^^^^^^^^^^^^^^^^
  |
hint: give each interface its own MAC address
"#,
    );
}

/// Rule 6's exception, the allowed case: a bridge takes its first port's MAC
/// by default, so a bridge may be given the MAC of one of its own ports.
#[test]
fn a_bridge_may_reuse_the_mac_of_its_own_port() {
    let output = check(
        r#"
- tap: { name: tap0, mac: "52:54:00:00:00:01" }
- bridge: { name: br0, ports: [tap0], address: 172.16.1.1/24, mac: "52:54:00:00:00:01" }
"#,
        FACTS,
    );
    assert_valid(
        &output,
        "playbook.yml: ok (1 play(s), 2 task(s); 0 interface(s), 1 bridge(s), 1 TAP(s))\n",
    );
}

/// Rule 6's exception holds for the bridge's own ports only: the MAC of a
/// TAP on another bridge is taken.
#[test]
fn a_bridge_may_not_reuse_the_mac_of_another_bridges_port() {
    let output = check(
        r#"
- tap: { name: tap0, mac: "52:54:00:00:00:01" }
- bridge: { name: br0, ports: [tap0], address: 172.16.1.1/24 }
- bridge: { name: br1, address: 172.16.2.1/24, mac: "52:54:00:00:00:01" }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: MAC `52:54:00:00:00:01` of bridge `br1` is already used by TAP `tap0` at playbook.yml:4:31
 --> playbook.yml:6:57
  |
6 |     - bridge: { name: br1, address: 172.16.2.1/24, mac: "52:54:00:00:00:01" }
  |                                                         ^^^^^^^^^^^^^^^^^^^
  |
hint: give each interface its own MAC address
"#,
    );
}

/// Rule 6: the group bit makes a MAC multicast.
#[test]
fn multicast_mac() {
    let output = check(
        r#"
- bridge: { name: br0, address: 172.16.1.1/24, mac: "01:00:5e:00:00:01" }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `01:00:5e:00:00:01` is a multicast MAC address (the group bit of its first byte is set)
 --> playbook.yml:4:57
  |
4 |     - bridge: { name: br0, address: 172.16.1.1/24, mac: "01:00:5e:00:00:01" }
  |                                                         ^^^^^^^^^^^^^^^^^^^
  |
hint: an interface needs a unicast MAC, e.g. `02:00:5e:00:00:01` (locally administered)
"#,
    );
}

/// Rule 7: one subnet, two bridges.
#[test]
fn same_subnet_on_two_bridges() {
    let output = check(
        r#"
- bridge: { name: br0, address: 172.16.1.1/24 }
- bridge: { name: br1, address: 172.16.1.2/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `br1` is on subnet `172.16.1.0/24`, which `br0` already uses at playbook.yml:4:37
 --> playbook.yml:5:37
  |
5 |     - bridge: { name: br1, address: 172.16.1.2/24 }
  |                                     ^^^^^^^^^^^^^
  |
hint: give each bridge and interface its own subnet, or the host cannot route between them
"#,
    );
}

/// Rule 7: a /16 that contains another bridge's /24.
#[test]
fn overlapping_subnets() {
    let output = check(
        r#"
- bridge: { name: br0, address: 172.16.1.1/24 }
- bridge: { name: br1, address: 172.16.0.1/16 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: subnet `172.16.0.0/16` of `br1` overlaps subnet `172.16.1.0/24` of `br0` at playbook.yml:4:37
 --> playbook.yml:5:37
  |
5 |     - bridge: { name: br1, address: 172.16.0.1/16 }
  |                                     ^^^^^^^^^^^^^
  |
hint: give each bridge and interface its own subnet, or the host cannot route between them
"#,
    );
}

/// Rule 7: the private bridge reuses the LAN the host is on.
#[test]
fn private_subnet_equal_to_the_uplink_lan() {
    let output = check(
        r#"
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0], address: 192.168.50.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: subnet `192.168.50.0/24` of `br0` overlaps `192.168.50.23/24`, which the host already has on `wlan0`
 --> playbook.yml:5:52
  |
5 |     - bridge: { name: br0, ports: [tap0], address: 192.168.50.1/24 }
  |                                                    ^^^^^^^^^^^^^^^
  |
hint: pick a subnet the host does not use yet for `br0` (a private bridge cannot share the uplink's LAN)
"#,
    );
}

/// Rule 7's allowed cases: an address the playbook takes away from a host
/// interface no longer counts. A port loses its address to the bridge
/// (here the bridge takes over the LAN address itself), and `address: none`
/// removes it.
#[test]
fn the_lan_subnet_is_free_where_the_playbook_takes_the_lan_address_away() {
    for tasks in [
        r#"
- tap: { name: tap0 }
- bridge: { name: br0, ports: [eth0, tap0], address: 192.168.1.10/24 }
"#,
        r#"
- interface: { name: eth0, address: none }
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0], address: 192.168.1.1/24 }
"#,
    ] {
        let output = check(tasks, FACTS);
        assert_eq!(stderr(&output), "", "{tasks}");
        assert_eq!(output.status.code(), Some(0), "{tasks}");
    }
}

/// Rule 7: `address: dhcp` keeps the host's LAN address, so the LAN's subnet
/// is still taken.
#[test]
fn the_lan_subnet_is_taken_while_the_uplink_keeps_dhcp() {
    let output = check(
        r#"
- interface: { name: eth0, address: dhcp }
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0], address: 192.168.1.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: subnet `192.168.1.0/24` of `br0` overlaps `192.168.1.10/24`, which the host already has on `eth0`
 --> playbook.yml:6:52
  |
6 |     - bridge: { name: br0, ports: [tap0], address: 192.168.1.1/24 }
  |                                                    ^^^^^^^^^^^^^^
  |
hint: pick a subnet the host does not use yet for `br0` (a private bridge cannot share the uplink's LAN)
"#,
    );
}

/// Rule 8: scenario 1's guides say "STP on, forward delay 0"; the kernel refuses it.
#[test]
fn stp_on_with_forward_delay_zero() {
    let output = check(
        r#"
- tap: { name: tap0 }
- bridge:
    name: br0
    ports: [tap0]
    address: 172.16.1.1/24
    stp: true
    forward_delay: 0
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `forward_delay: 0` is only possible with STP off, and this bridge has `stp: true`
  --> playbook.yml:10:24
   |
10 |         forward_delay: 0
   |                        ^
   |
hint: either `stp: false` with `forward_delay: 0`, or keep STP and use `forward_delay: 2`, the kernel minimum
"#,
    );
}

/// Rule 8: with STP on, forward delay is 2–30 s.
#[test]
fn forward_delay_outside_the_stp_range() {
    let output = check(
        r#"
- bridge: { name: br0, address: 172.16.1.1/24, stp: true, forward_delay: 1.5 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `forward_delay: 1.5` is outside the range the kernel accepts with STP on (2–30 s)
 --> playbook.yml:4:78
  |
4 |     - bridge: { name: br0, address: 172.16.1.1/24, stp: true, forward_delay: 1.5 }
  |                                                                              ^^^
  |
hint: use `forward_delay: 2`, the kernel minimum, or turn STP off with `stp: false`
"#,
    );
}

/// Rule 8: hello time 1–10 s and max age 6–40 s even with STP off.
#[test]
fn hello_time_and_max_age_outside_their_ranges_with_stp_off() {
    let output = check(
        r#"
- bridge:
    name: br0
    address: 172.16.1.1/24
    stp: false
    forward_delay: 0
    hello_time: 0.5
    max_age: 41
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `hello_time: 0.5` is outside the range the kernel accepts (1–10 s)
 --> playbook.yml:9:21
  |
9 |         hello_time: 0.5
  |                     ^^^
  |
hint: use `hello_time: 1`, the kernel minimum

error: `max_age: 41` is outside the range the kernel accepts (6–40 s)
  --> playbook.yml:10:18
   |
10 |         max_age: 41
   |                  ^^
   |
hint: use `max_age: 40`, the kernel maximum
"#,
    );
}

/// Rule 9: `qemuu` and `kvmm` are not in the host's accounts.
#[test]
fn tap_owner_missing_on_the_host() {
    let output = check(
        r#"
- tap: { name: tap0, user: qemuu, group: kvmm }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: user `qemuu` does not exist on the host
 --> playbook.yml:4:32
  |
4 |     - tap: { name: tap0, user: qemuu, group: kvmm }
  |                                ^^^^^
  |
hint: did you mean `qemu`?

error: group `kvmm` does not exist on the host
 --> playbook.yml:4:46
  |
4 |     - tap: { name: tap0, user: qemuu, group: kvmm }
  |                                              ^^^^
  |
hint: did you mean `kvm`?
"#,
    );
}

/// Rule 9: no close match, so the hint says how to create it.
#[test]
fn tap_owner_with_no_close_match() {
    let output = check(
        r#"
- tap: { name: tap0, user: libvirt-qemu, group: libvirt }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: user `libvirt-qemu` does not exist on the host
 --> playbook.yml:4:32
  |
4 |     - tap: { name: tap0, user: libvirt-qemu, group: libvirt }
  |                                ^^^^^^^^^^^^
  |
hint: create it first (`useradd --system libvirt-qemu`), or name an existing user

error: group `libvirt` does not exist on the host
 --> playbook.yml:4:53
  |
4 |     - tap: { name: tap0, user: libvirt-qemu, group: libvirt }
  |                                                     ^^^^^^^
  |
hint: create it first (`groupadd --system libvirt`), or name an existing group
"#,
    );
}

/// Rule 10: nothing creates `tap1` and the host has no such interface.
#[test]
fn missing_port() {
    let output = check(
        r#"
- tap: { name: tap0 }
- bridge: { name: br0, ports: [tap0, tap1], address: 172.16.1.1/24 }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `tap1` does not exist on the host and no task creates it, so bridge `br0` would come up without it (ifupdown skips missing ports silently)
 --> playbook.yml:5:42
  |
5 |     - bridge: { name: br0, ports: [tap0, tap1], address: 172.16.1.1/24 }
  |                                          ^^^^
  |
hint: the host has `eth0`, `wlan0`; add a `tap` task if hostnet should create `tap1`
"#,
    );
}

/// Rule 10: a port close to an interface the host has.
#[test]
fn misspelt_port() {
    let output = check(
        r#"
- bridge: { name: br0, ports: [eht0], address: dhcp }
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: `eht0` does not exist on the host and no task creates it, so bridge `br0` would come up without it (ifupdown skips missing ports silently)
 --> playbook.yml:4:36
  |
4 |     - bridge: { name: br0, ports: [eht0], address: dhcp }
  |                                    ^^^^
  |
hint: did you mean `eth0`?
"#,
    );
}

/// `ports` TAPs (one looped task) on one bridge, its ports one per line
/// (`tap0` on line 10).
fn bridge_with_ports(ports: usize) -> String {
    let mut tasks = format!(
        "- tap: {{ name: \"tap{{{{ item }}}}\" }}\n  loop: \"{{{{ range({ports}) | list }}}}\"\n\
         - bridge:\n    name: br0\n    address: 172.16.1.1/24\n    ports:\n"
    );
    for port in 0..ports {
        tasks.push_str(&format!("      - tap{port}\n"));
    }
    tasks
}

/// Rule 2: a Linux bridge holds at most 1,023 ports (the kernel's
/// `BR_MAX_PORTS` is 1,024 with port 0 reserved): the 1,024th
/// `ip link set … master br0` answers `RTNETLINK answers: Exchange full`.
#[test]
fn more_ports_than_a_bridge_holds() {
    let output = check(&bridge_with_ports(1025), FACTS);
    assert_invalid(
        &output,
        r#"error: bridge `br0` has 1025 ports, but a Linux bridge holds at most 1023: the kernel refuses the 1024th, `tap1023` (`RTNETLINK answers: Exchange full`)
    --> playbook.yml:1033:13
     |
1033 |           - tap1023
     |             ^^^^^^^
     |
hint: spread the guests over bridges of at most 1023 ports, each with its own subnet (one `vm_network` task per bridge)
"#,
    );
    let output = check(&bridge_with_ports(1023), FACTS);
    assert_valid(
        &output,
        "playbook.yml: ok (1 play(s), 2 task(s); 0 interface(s), 1 bridge(s), 1023 TAP(s))\n",
    );
}

/// Every problem in one run, in the order they appear in the playbook.
#[test]
fn every_problem_is_reported_in_one_run() {
    let output = check(
        r#"
- tap: { name: tap0, user: qemu, group: kvm, mac: "52:54:00:00:00:01" }
- tap: { name: tap1, user: qemu, group: kvm, mac: "52:54:00:00:00:01" }
- bridge:
    name: br0
    ports: [tap0, tap1, wlan0]
    address: 172.16.1.0/24
    stp: true
    forward_delay: 0
"#,
        FACTS,
    );
    assert_invalid(
        &output,
        r#"error: MAC `52:54:00:00:00:01` of TAP `tap1` is already used by TAP `tap0` at playbook.yml:4:55
 --> playbook.yml:5:55
  |
5 |     - tap: { name: tap1, user: qemu, group: kvm, mac: "52:54:00:00:00:01" }
  |                                                       ^^^^^^^^^^^^^^^^^^^
  |
hint: give each interface its own MAC address

error: `wlan0` is a wireless interface and cannot be a bridge port (the kernel refuses, and access points drop frames from unknown MACs)
 --> playbook.yml:8:29
  |
8 |         ports: [tap0, tap1, wlan0]
  |                             ^^^^^
  |
hint: use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), or `iw dev wlan0 set 4addr on` where the access point supports WDS

error: `172.16.1.0/24` is the network address of its subnet, not a host address
 --> playbook.yml:9:18
  |
9 |         address: 172.16.1.0/24
  |                  ^^^^^^^^^^^^^
  |
hint: the first host address is `172.16.1.1/24`

error: `forward_delay: 0` is only possible with STP off, and this bridge has `stp: true`
  --> playbook.yml:11:24
   |
11 |         forward_delay: 0
   |                        ^
   |
hint: either `stp: false` with `forward_delay: 0`, or keep STP and use `forward_delay: 2`, the kernel minimum
"#,
    );
}

/// Scenario 1 (private bridge, TAPs owned by `qemu`, wireless uplink left
/// out of the bridge), with `STP` off and forward delay 0 as it should be.
/// `%USER%` is the TAP owner.
const SCENARIO_1: &str = r#"- name: Private network for my VMs
  hosts: localhost
  vars:
    bridge: br0
    subnet: 172.16.1.0/24
    vms:
      - { name: win7, tap: tap0, mac: "00:26:c6:21:cf:02" }
      - { name: deb, tap: tap1, mac: "00:26:c6:21:cf:03" }
  tasks:
    - name: One tap per guest
      tap: { name: "{{ item.tap }}", user: %USER%, group: kvm }
      loop: "{{ vms }}"
    - name: Private bridge
      bridge:
        name: "{{ bridge }}"
        ports: "{{ vms | map(attribute='tap') | list }}"
        address: "{{ subnet | host(1) }}"
        stp: false
        forward_delay: 0
    - name: Wireless uplink (NAT, not a port)
      interface: { name: wlan0, address: dhcp }
"#;

#[test]
fn valid_scenario_1_passes() {
    let output = check_playbook(&SCENARIO_1.replace("%USER%", "qemu"), FACTS);
    assert_valid(
        &output,
        "playbook.yml: ok (1 play(s), 3 task(s); 1 interface(s), 1 bridge(s), 2 TAP(s))\n",
    );
}

/// A looped task adds one TAP per item, all written at one template: the
/// problem is reported there once, not once per item.
#[test]
fn a_problem_in_a_looped_task_is_reported_once() {
    let output = check_playbook(&SCENARIO_1.replace("%USER%", "qemuu"), FACTS);
    assert_invalid(
        &output,
        r#"error: user `qemuu` does not exist on the host
  --> playbook.yml:11:44
   |
11 |       tap: { name: "{{ item.tap }}", user: qemuu, group: kvm }
   |                                            ^^^^^
   |
hint: did you mean `qemu`?
"#,
    );
}

/// Owners and missing ports are only checked when facts list the host's
/// accounts and interfaces.
#[test]
fn checks_that_need_facts_are_skipped_when_facts_do_not_know() {
    let output = check(
        r#"
- tap: { name: tap0, user: nobody-here, group: nogroup }
- bridge: { name: br0, ports: [tap0, eth7], address: 172.16.1.1/24 }
"#,
        UNKNOWN_FACTS,
    );
    assert_valid(
        &output,
        "playbook.yml: ok (1 play(s), 2 task(s); 0 interface(s), 1 bridge(s), 1 TAP(s))\n",
    );
}

/// Every file, directory and link under `dir`: path, mode, and contents or target.
fn tree(dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut entries = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        for entry in fs_err::read_dir(&path).unwrap() {
            let path = entry.unwrap().path();
            let metadata = fs_err::symlink_metadata(&path).unwrap();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let mode = metadata.permissions().mode();
            if metadata.is_symlink() {
                let target = fs_err::read_link(&path).unwrap();
                entries.push(format!("{name} {mode:o} -> {}", target.display()));
            } else if metadata.is_dir() {
                entries.push(format!("{name}/ {mode:o}"));
                pending.push(path);
            } else {
                entries.push(format!("{name} {mode:o} {:?}", fs_err::read_to_string(&path).unwrap()));
            }
        }
    }
    entries.sort();
    entries
}

/// The scenario-1 guides' "STP on, forward delay 0" stops `plan` and
/// `apply` before anything is printed or written: the root is unchanged.
#[test]
fn plan_and_apply_with_a_validation_error_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = SCENARIO_1.replace("%USER%", "qemu").replace("stp: false", "stp: true");
    write(dir.path(), "playbook.yml", &text);
    write(dir.path(), "facts.yml", FACTS);
    write(
        dir.path(),
        "root/etc/network/interfaces",
        "auto lo\niface lo inet loopback\n",
    );
    write(dir.path(), "root/etc/os-release", "ID=debian\n");
    let before = tree(&dir.path().join("root"));
    let names: Vec<&str> = before.iter().filter_map(|entry| entry.split(' ').next()).collect();
    assert_eq!(
        names,
        ["etc/", "etc/network/", "etc/network/interfaces", "etc/os-release"]
    );
    let expected = r#"error: `forward_delay: 0` is only possible with STP off, and this bridge has `stp: true`
  --> playbook.yml:19:24
   |
19 |         forward_delay: 0
   |                        ^
   |
hint: either `stp: false` with `forward_delay: 0`, or keep STP and use `forward_delay: 2`, the kernel minimum
"#;
    for command in ["plan", "apply"] {
        let output = run_in(
            dir.path(),
            &[command, "playbook.yml", "--root", "root", "--facts", "facts.yml"],
        );
        assert_invalid(&output, expected);
        assert_eq!(tree(&dir.path().join("root")), before, "`{command}` changed the root");
    }
}
