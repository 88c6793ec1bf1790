//! Errors of module arguments, typed values, facts and the plan, pinned
//! whole (title, position, line, caret, hint), with exit code 1, nothing on
//! stdout and nothing written. `tests/rule_messages.rs` checks that every
//! message the product can give is pinned somewhere; these are the ones
//! a single task (or the facts file) gets wrong.

use std::path::Path;
use std::process::Output;

use crate::support::{hostnet, stderr, stdout, write};

/// A host with a wired and a wireless interface and QEMU's accounts.
const FACTS: &str = "\
distro: debian
init: systemd
interfaces:
  - { name: eth0 }
  - { name: wlan0, wireless: true }
users: [root, qemu]
groups: [root, kvm]
";

/// `hostnet ARGS` in `dir` (messages show the relative `playbook.yml`).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    hostnet().current_dir(dir).args(args).output().expect("run hostnet")
}

/// Exit 1, nothing on stdout, exactly `expected` on stderr.
fn assert_fails(output: &Output, expected: &str) {
    if stderr(output) != expected {
        let diff = similar::TextDiff::from_lines(expected, stderr(output).as_str())
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!("stderr differs:\n{diff}");
    }
    assert_eq!(stdout(output), "");
    assert_eq!(output.status.code(), Some(1));
}

/// `hostnet check` of this playbook text with [`FACTS`].
fn check_playbook(playbook: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", FACTS);
    assert_fails(
        &run_in(dir.path(), &["check", "playbook.yml", "--facts", "facts.yml"]),
        expected,
    );
}

/// `hostnet check` of a one-play playbook whose `tasks:` key is followed by
/// `tasks` (which starts with a newline; the first task is on line 3).
fn check(tasks: &str, expected: &str) {
    check_playbook(&format!("- hosts: localhost\n  tasks:{tasks}"), expected);
}

/// `hostnet plan --root root` of a one-play playbook around `tasks`, over
/// `before` (files already under the root): fails with `expected` and
/// changes nothing under the root.
fn plan(tasks: &str, before: &[(&str, &str)], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        &format!("- hosts: localhost\n  tasks:{tasks}"),
    );
    write(dir.path(), "facts.yml", FACTS);
    let root = dir.path().join("root");
    fs_err::create_dir_all(&root).unwrap();
    for (path, text) in before {
        write(&root, path, text);
    }
    let tree = crate::support::golden::tree(&root);
    let output = run_in(
        dir.path(),
        &["plan", "playbook.yml", "--facts", "facts.yml", "--root", "root"],
    );
    assert_fails(&output, expected);
    assert_eq!(
        crate::support::golden::tree(&root),
        tree,
        "a failed plan changed the root"
    );
}

/// `hostnet check` with this facts file (and one TAP task).
fn check_facts(facts: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - tap: { name: tap0 }\n",
    );
    write(dir.path(), "facts.yml", facts);
    assert_fails(
        &run_in(dir.path(), &["check", "playbook.yml", "--facts", "facts.yml"]),
        expected,
    );
}

/// Handlers run after the network is rendered: only the generic modules.
#[test]
fn handler_with_a_network_module() {
    check(
        r#"
    - command: { argv: [true] }
      notify: again
  handlers:
    - name: again
      bridge: { name: br9 }
"#,
        "\
error: module `bridge` cannot be used in a handler
 --> playbook.yml:7:7
  |
7 |       bridge: { name: br9 }
  |       ^^^^^^
  |
hint: handlers run after the network is rendered; use `service`, `command`, `file` or `blockinfile`
",
    );
}

/// A VM name is 1 to 63 bytes (it names the guest's TAP, MAC seed and lease).
#[test]
fn vm_name_of_64_bytes() {
    check(
        r#"
    - vm_network:
        mode: nat
        subnet: 172.16.1.0/24
        vms:
          - name: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv
"#,
        "\
error: VM name `vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv` is 64 bytes long; VM names are 1 to 63 bytes (in task `vm_network`)
 --> playbook.yml:7:19
  |
7 |           - name: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
",
    );
}

/// A VM's NIC model is one QEMU has.
#[test]
fn unknown_nic_model() {
    check(
        r#"
    - vm_network: { mode: nat, subnet: 172.16.1.0/24, vms: [{ name: win7, model: ne2k }] }
"#,
        "\
error: unknown NIC model `ne2k` (expected virtio-net-pci, e1000, e1000e or rtl8139) (in task `vm_network`)
 --> playbook.yml:3:82
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.1.0/24, vms: [{ name: win7, model: ne2k }] }
  |                                                                                  ^^^^
",
    );
}

/// A marker is one line (it is written into `# BEGIN hostnet MARKER`).
#[test]
fn blockinfile_marker_of_two_lines() {
    check(
        r#"
    - blockinfile: { path: /etc/x.conf, block: "a=1", marker: "one\ntwo" }
"#,
        "\
error: a marker must be one non-empty line (in task `blockinfile`)
 --> playbook.yml:3:63
  |
3 |     - blockinfile: { path: /etc/x.conf, block: \"a=1\", marker: \"one\\ntwo\" }
  |                                                               ^^^^^^^^^^
",
    );
}

/// An empty marker is refused like a multi-line one.
#[test]
fn blockinfile_empty_marker() {
    check(
        r#"
    - blockinfile: { path: /etc/x.conf, block: "a=1", marker: "" }
"#,
        "\
error: a marker must be one non-empty line (in task `blockinfile`)
 --> playbook.yml:3:63
  |
3 |     - blockinfile: { path: /etc/x.conf, block: \"a=1\", marker: \"\" }
  |                                                               ^^
",
    );
}

/// Blockinfile unknown state.
#[test]
fn blockinfile_unknown_state() {
    check(
        r#"
    - blockinfile: { path: /etc/x.conf, block: "a=1", state: gone }
"#,
        "\
error: unknown state `gone` for `blockinfile` (in task `blockinfile`)
 --> playbook.yml:3:62
  |
3 |     - blockinfile: { path: /etc/x.conf, block: \"a=1\", state: gone }
  |                                                              ^^^^
  |
hint: expected `present` or `absent`
",
    );
}

/// An MTU below IPv4's minimum.
#[test]
fn bridge_mtu_below_68() {
    check(
        r#"
    - bridge: { name: br0, mtu: 60 }
"#,
        "\
error: MTU 60 is below the IPv4 minimum of 68 (in task `bridge`)
 --> playbook.yml:3:33
  |
3 |     - bridge: { name: br0, mtu: 60 }
  |                                 ^^
",
    );
}

/// Command without a program.
#[test]
fn command_without_a_program() {
    check(
        r#"
    - command: { argv: [] }
"#,
        "\
error: `argv` needs at least the program (in task `command`)
 --> playbook.yml:3:24
  |
3 |     - command: { argv: [] }
  |                        ^
",
    );
}

/// Command with creates and removes.
#[test]
fn command_with_creates_and_removes() {
    check(
        r#"
    - command: { argv: [touch, /x], creates: /x, removes: /y }
"#,
        "\
error: `creates` and `removes` cannot both be given (in task `command`)
 --> playbook.yml:3:16
  |
3 |     - command: { argv: [touch, /x], creates: /x, removes: /y }
  |                ^
",
    );
}

/// Dhcp host name with a dot.
#[test]
fn dhcp_host_name_with_a_dot() {
    check(
        r#"
    - bridge: { name: br0, address: 172.16.1.1/24 }
    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], hosts: [{ mac: "00:26:c6:21:cf:02", ip: 172.16.1.20, name: win.7 }] }
"#,
        "\
error: `win.7` is not a valid host name (letters, digits and `-`) (in task `dhcp_server`)
 --> playbook.yml:4:130
  |
4 | ...], hosts: [{ mac: \"00:26:c6:21:cf:02\", ip: 172.16.1.20, name: win.7 }] }
  |                                                                  ^^^^^
",
    );
}

/// Dhcp range of three.
#[test]
fn dhcp_range_of_three() {
    check(
        r#"
    - bridge: { name: br0, address: 172.16.1.1/24 }
    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9, 172.16.1.10] }
"#,
        "\
error: `range` is two addresses: `[first, last]` (in task `dhcp_server`)
 --> playbook.yml:4:45
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9, 172.16.1.10] }
  |                                             ^
",
    );
}

/// Dhcp domain with a space.
#[test]
fn dhcp_domain_with_a_space() {
    check(
        r#"
    - bridge: { name: br0, address: 172.16.1.1/24 }
    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], domain: "my lan" }
"#,
        "\
error: `my lan` is not a domain name (in task `dhcp_server`)
 --> playbook.yml:4:79
  |
4 |     - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9], domain: \"my lan\" }
  |                                                                               ^^^^^^^^
",
    );
}

/// File with content and src.
#[test]
fn file_with_content_and_src() {
    check(
        r#"
    - file: { dest: /etc/x.conf, content: "a", src: x.conf }
"#,
        "\
error: `content` and `src` cannot both be given (in task `file`)
 --> playbook.yml:3:53
  |
3 |     - file: { dest: /etc/x.conf, content: \"a\", src: x.conf }
  |                                                     ^^^^^^
",
    );
}

/// File present without content.
#[test]
fn file_present_without_content() {
    check(
        r#"
    - file: { dest: /etc/x.conf }
"#,
        "\
error: `file` with `state: present` needs `content` or `src` (in task `file`)
 --> playbook.yml:3:13
  |
3 |     - file: { dest: /etc/x.conf }
  |             ^
  |
hint: use `state: absent` to remove the file
",
    );
}

/// File unknown state.
#[test]
fn file_unknown_state() {
    check(
        r#"
    - file: { dest: /etc/x.conf, state: gone }
"#,
        "\
error: unknown state `gone` for `file` (in task `file`)
 --> playbook.yml:3:41
  |
3 |     - file: { dest: /etc/x.conf, state: gone }
  |                                         ^^^^
  |
hint: expected `present`, `absent` or `link`
",
    );
}

/// Firewall without an intent.
#[test]
fn firewall_without_an_intent() {
    check(
        r#"
    - firewall: { protocols: [tcp] }
"#,
        "\
error: `firewall` needs one intent (in task `firewall`)
 --> playbook.yml:3:17
  |
3 |     - firewall: { protocols: [tcp] }
  |                 ^
  |
hint: one of `allow_input`, `allow_forward`, `bridge_forward`, `dhcp_dns`, `dhcp`, `isolate_host`, `isolate_forward`
",
    );
}

/// Firewall option of another intent.
#[test]
fn firewall_option_of_another_intent() {
    check(
        r#"
    - firewall: { dhcp_dns: br0, out_interface: eth0 }
"#,
        "\
error: `out_interface` goes with `allow_forward`, not `dhcp_dns` (in task `firewall`)
 --> playbook.yml:3:49
  |
3 |     - firewall: { dhcp_dns: br0, out_interface: eth0 }
  |                                                 ^^^^
",
    );
}

/// Firewall unknown protocol.
#[test]
fn firewall_unknown_protocol() {
    check(
        r#"
    - firewall: { allow_input: br0, protocols: [sctp] }
"#,
        "\
error: unknown protocol `sctp` (in task `firewall`)
 --> playbook.yml:3:48
  |
3 |     - firewall: { allow_input: br0, protocols: [sctp] }
  |                                                ^
  |
hint: expected `tcp`, `udp` or `icmp`
",
    );
}

/// Service name with a slash.
#[test]
fn service_name_with_a_slash() {
    check(
        r#"
    - service: { name: "a/b", state: started }
"#,
        "\
error: service name `a/b` contains `/`, which is not allowed (in task `service`)
 --> playbook.yml:3:24
  |
3 |     - service: { name: \"a/b\", state: started }
  |                        ^^^^^
",
    );
}

/// Service without state or enabled.
#[test]
fn service_without_state_or_enabled() {
    check(
        r#"
    - service: { name: dnsmasq }
"#,
        "\
error: `service` needs `state`, `enabled` or both (in task `service`)
 --> playbook.yml:3:16
  |
3 |     - service: { name: dnsmasq }
  |                ^
",
    );
}

/// Service unknown state.
#[test]
fn service_unknown_state() {
    check(
        r#"
    - service: { name: dnsmasq, state: paused }
"#,
        "\
error: unknown service state `paused` (in task `service`)
 --> playbook.yml:3:40
  |
3 |     - service: { name: dnsmasq, state: paused }
  |                                        ^^^^^^
  |
hint: expected `started`, `stopped`, `restarted` or `reloaded`
",
    );
}

/// Sysctl value with a newline.
#[test]
fn sysctl_value_with_a_newline() {
    check(
        r#"
    - sysctl: { name: net.ipv4.ip_forward, value: "1\n2" }
"#,
        "\
error: `1\\n2` is not a value for `net.ipv4.ip_forward` (expected 0 or 1) (in task `sysctl`)
 --> playbook.yml:3:51
  |
3 |     - sysctl: { name: net.ipv4.ip_forward, value: \"1\\n2\" }
  |                                                   ^^^^^^
",
    );
}

/// Vm network range of one.
#[test]
fn vm_network_range_of_one() {
    check(
        r#"
    - vm_network: { mode: nat, subnet: 172.16.1.0/24, dhcp: { range: [172.16.1.2] }, vms: [{ name: a }] }
"#,
        "\
error: `range` is two addresses: `[first, last]` (in task `vm_network`)
 --> playbook.yml:3:70
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.1.0/24, dhcp: { range: [172.16.1.2] }, vms: [{ name: a }] }
  |                                                                      ^
",
    );
}

/// Vm network mac nat without nat.
#[test]
fn vm_network_mac_nat_without_nat() {
    check(
        r#"
    - vm_network: { mode: routed, subnet: 172.16.1.0/24, mac_nat: true, uplink: wlan0, vms: [{ name: a }] }
"#,
        "\
error: `mac_nat: true` goes with `mode: nat` (in task `vm_network`)
 --> playbook.yml:3:27
  |
3 |     - vm_network: { mode: routed, subnet: 172.16.1.0/24, mac_nat: true, uplink: wlan0, vms: [{ name: a }] }
  |                           ^^^^^^
",
    );
}

/// Vm network subnet too small.
#[test]
fn vm_network_subnet_too_small() {
    check(
        r#"
    - vm_network: { mode: nat, subnet: 172.16.1.0/30, vms: [{ name: a }] }
"#,
        "\
error: `172.16.1.0/30` is too small for a host and guests (in task `vm_network`)
 --> playbook.yml:3:40
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.1.0/30, vms: [{ name: a }] }
  |                                        ^^^^^^^^^^^^^
  |
hint: use a /24, e.g. `172.16.1.0/24`
",
    );
}

/// Vm network mac nat guest without ip.
#[test]
fn vm_network_mac_nat_guest_without_ip() {
    check(
        r#"
    - vm_network: { mode: nat, mac_nat: true, uplink: wlan0, address: 192.168.1.10/24, vms: [{ name: a }] }
"#,
        "\
error: VM `a` needs a fixed `ip` for MAC NAT (frames come back to it by its address) (in task `vm_network`)
 --> playbook.yml:3:102
  |
3 |     - vm_network: { mode: nat, mac_nat: true, uplink: wlan0, address: 192.168.1.10/24, vms: [{ name: a }] }
  |                                                                                                      ^
",
    );
}

/// hostnet configures the machine it runs on.
#[test]
fn hosts_other_than_localhost() {
    check_playbook(
        "- hosts: webservers\n  tasks:\n    - tap: { name: tap0 }\n",
        "\
error: hostnet configures the host it runs on; `hosts: webservers` is not supported
 --> playbook.yml:1:10
  |
1 | - hosts: webservers
  |          ^^^^^^^^^^
  |
hint: use `hosts: localhost`
",
    );
}

/// A path with a newline could not be written into a config file safely.
#[test]
fn path_with_a_newline() {
    check(
        r#"
    - file: { dest: "/etc/x\ny", content: "a" }
"#,
        "\
error: `/etc/x\\ny` contains a control character (in task `file`)
 --> playbook.yml:3:21
  |
3 |     - file: { dest: \"/etc/x\\ny\", content: \"a\" }
  |                     ^^^^^^^^^^^
",
    );
}

/// `/` is not a file.
#[test]
fn path_slash_itself() {
    check(
        r#"
    - file: { dest: /, content: "a" }
"#,
        "\
error: `/` itself cannot be managed (in task `file`)
 --> playbook.yml:3:21
  |
3 |     - file: { dest: /, content: \"a\" }
  |                     ^
",
    );
}

/// Empty interface name.
#[test]
fn empty_interface_name() {
    check(
        r#"
    - tap: { name: "" }
"#,
        "\
error: an interface name cannot be empty (in task `tap`)
 --> playbook.yml:3:20
  |
3 |     - tap: { name: \"\" }
  |                    ^^
",
    );
}

/// Interface name with a slash.
#[test]
fn interface_name_with_a_slash() {
    check(
        r#"
    - tap: { name: "tap/0" }
"#,
        "\
error: interface name `tap/0` contains `/`, which is not allowed (in task `tap`)
 --> playbook.yml:3:20
  |
3 |     - tap: { name: \"tap/0\" }
  |                    ^^^^^^^
",
    );
}

/// Bridge timers are centiseconds: two decimals of seconds at most.
#[test]
fn forward_delay_with_three_decimals() {
    check(
        r#"
    - bridge: { name: br0, forward_delay: 1.005 }
"#,
        "\
error: `1.005` is not a time in seconds with at most two decimals (in task `bridge`)
 --> playbook.yml:3:43
  |
3 |     - bridge: { name: br0, forward_delay: 1.005 }
  |                                           ^^^^^
",
    );
}

/// File mode not octal.
#[test]
fn file_mode_not_octal() {
    check(
        r#"
    - file: { dest: /etc/x.conf, content: "a", mode: "0944" }
"#,
        "\
error: `0944` is not an octal file mode like `\"0644\"` (in task `file`)
 --> playbook.yml:3:54
  |
3 |     - file: { dest: /etc/x.conf, content: \"a\", mode: \"0944\" }
  |                                                      ^^^^^^
",
    );
}

/// An owner is a user name, not any text.
#[test]
fn tap_owner_not_a_name() {
    check(
        r#"
    - tap: { name: tap0, user: "9 lives" }
"#,
        "\
error: `9 lives` is not a valid user or group name (in task `tap`)
 --> playbook.yml:3:32
  |
3 |     - tap: { name: tap0, user: \"9 lives\" }
  |                                ^^^^^^^^^
",
    );
}

/// Two tasks that write one file with different contents.
#[test]
fn two_files_for_one_path() {
    plan(
        r#"
    - file: { dest: /etc/x.conf, content: "a" }
    - file: { dest: /etc/x.conf, content: "b" }
"#,
        &[],
        "\
error: tasks [1] and [2] write different contents to `/etc/x.conf`

hint: one file, one task: merge them, or use `blockinfile` with different markers
",
    );
}

/// A file's owner must exist in the root's `/etc/passwd` (when it has one).
#[test]
fn file_owner_missing_on_the_host() {
    plan(
        r#"
    - file: { dest: /etc/x.conf, content: "a", owner: nobody9 }
"#,
        &[
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
            ("etc/group", "root:x:0:\n"),
        ],
        "\
error: user `nobody9` for `/etc/x.conf` does not exist in `/etc/passwd` under `root`

hint: create the user first, or drop `owner`
",
    );
}

/// hostnet manages files and links, never a directory in their place.
#[test]
fn a_directory_where_a_file_goes() {
    plan(
        r#"
    - file: { dest: /etc/x.conf, content: "a" }
"#,
        &[("etc/x.conf/inside", "the user's\n")],
        "\
error: `/etc/x.conf` is a directory under `root`; hostnet manages only files and links there

hint: move the directory away, or manage another path
",
    );
}

#[test]
fn unknown_distro_in_the_facts() {
    check_facts(
        "distro: arch\n",
        "\
error: unknown distro `arch` (expected gentoo, debian, ubuntu or systemd)
 --> facts.yml:1:9
  |
1 | distro: arch
  |         ^^^^
",
    );
}

#[test]
fn unknown_init_in_the_facts() {
    check_facts(
        "distro: debian\ninit: runit\n",
        "\
error: unknown init `runit` (expected openrc or systemd)
 --> facts.yml:2:7
  |
2 | init: runit
  |       ^^^^^
",
    );
}

#[test]
fn a_user_id_that_is_not_a_number() {
    check_facts(
        "distro: debian\nuser_ids: { qemu: abc }\n",
        "\
error: the ID of `qemu` must be a number
 --> facts.yml:2:19
  |
2 | user_ids: { qemu: abc }
  |                   ^^^
",
    );
}

#[test]
fn a_negative_group_id() {
    check_facts(
        "distro: debian\ngroup_ids: { kvm: -1 }\n",
        "\
error: `-1` is not an ID
 --> facts.yml:2:19
  |
2 | group_ids: { kvm: -1 }
  |                   ^^
",
    );
}

#[test]
fn a_netplan_definition_line_that_is_not_a_number() {
    check_facts(
        "distro: debian\nnetplan:\n  - { name: eth0, file: /etc/netplan/01.yaml, line: six }\n",
        "\
error: `line` must be a number
 --> facts.yml:3:53
  |
3 |   - { name: eth0, file: /etc/netplan/01.yaml, line: six }
  |                                                     ^^^
",
    );
    check_facts(
        "distro: debian\nnetplan:\n  - { name: eth0, file: /etc/netplan/01.yaml, line: -3 }\n",
        "\
error: `-3` is not a line
 --> facts.yml:3:53
  |
3 |   - { name: eth0, file: /etc/netplan/01.yaml, line: -3 }
  |                                                     ^^
",
    );
}

#[test]
fn a_netplan_definition_without_its_file() {
    check_facts(
        "distro: debian\nnetplan:\n  - { name: eth0 }\n",
        "\
error: a netplan definition needs `name` and `file`
 --> facts.yml:3:5
  |
3 |   - { name: eth0 }
  |     ^
",
    );
}

#[test]
fn interface_fact_without_a_name() {
    check_facts(
        "distro: debian\ninterfaces:\n  - { mac: \"52:54:00:12:34:56\" }\n",
        "\
error: an interface fact needs `name`
 --> facts.yml:3:5
  |
3 |   - { mac: \"52:54:00:12:34:56\" }
  |     ^
",
    );
}

#[test]
fn interface_fact_with_an_accept_ra_the_kernel_has_not() {
    check_facts(
        "distro: debian\ninterfaces:\n  - { name: eth0, accept_ra: 3 }\n",
        "\
error: `accept_ra` is 0, 1 or 2 (the kernel's values)
 --> facts.yml:3:30
  |
3 |   - { name: eth0, accept_ra: 3 }
  |                              ^
",
    );
}

#[test]
fn interface_fact_with_a_relative_networkd_file() {
    check_facts(
        "distro: debian\ninterfaces:\n  - { name: eth0, networkd: 10-netplan-eth0.network }\n",
        "\
error: `10-netplan-eth0.network` is not an absolute path
 --> facts.yml:3:29
  |
3 |   - { name: eth0, networkd: 10-netplan-eth0.network }
  |                             ^^^^^^^^^^^^^^^^^^^^^^^
",
    );
}

/// `.` and `..` are directory names in `/sys/class/net`, never interfaces.
#[test]
fn interface_named_dot_dot() {
    check(
        r#"
    - tap: { name: ".." }
"#,
        "\
error: `..` is not a valid interface name (in task `tap`)
 --> playbook.yml:3:20
  |
3 |     - tap: { name: \"..\" }
  |                    ^^^^
",
    );
}
