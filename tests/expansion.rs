//! `vm_network` expands into typed subtasks that keep the positions the
//! user wrote: a problem found in a subtask, or by validation in what a
//! subtask added, points at the line of the `vm_network` task that caused
//! it — the VM's `name` for a generated TAP or MAC, its `ip` for a lease,
//! `user` for a TAP owner, `range` for the DHCP range. Messages pinned whole.

use crate::support::{hostnet, stderr, stdout, write};

const FACTS: &str = "distro: debian\nusers: [root, qemu]\ngroups: [root, kvm]\n";

fn run(playbook: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", FACTS);
    hostnet()
        .current_dir(dir.path())
        .args(args)
        .args(["playbook.yml", "--facts", "facts.yml", "--root", "."])
        .output()
        .unwrap()
}

fn refused(playbook: &str, expected: &str) {
    let output = run(playbook, &["check"]);
    assert_eq!(stderr(&output), expected);
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_tap_defined_again_points_at_the_vm_whose_tap_was_generated() {
    refused(
        "\
- hosts: localhost
  tasks:
    - vm_network:
        mode: host_only
        subnet: 10.81.0.0/24
        vms:
          - name: router
    - tap: { name: tap0 }
",
        "\
error: TAP `tap0` is already defined at playbook.yml:7:19
 --> playbook.yml:8:20
  |
8 |     - tap: { name: tap0 }
  |                    ^^^^
  |
hint: define each TAP in one task
",
    );
}

#[test]
fn two_networks_without_taps_get_distinct_taps() {
    let output = run(
        "\
- hosts: localhost
  tasks:
    - vm_network: { mode: host_only, bridge: br1, subnet: 10.81.0.0/24, vms: [{ name: a }, { name: b }] }
    - vm_network: { mode: host_only, bridge: br2, subnet: 10.82.0.0/24, vms: [{ name: c }, { name: d, tap: tap3 }] }
",
        &["plan"],
    );
    assert_eq!(stderr(&output), "");
    let plan = stdout(&output);
    for header in [
        "TASK [vm_network › tap tap0]",
        "TASK [vm_network › tap tap1]",
        "TASK [vm_network › tap tap2]",
        "TASK [vm_network › tap tap3]",
    ] {
        assert_eq!(plan.matches(header).count(), 1, "{header} in\n{plan}");
    }
    assert!(plan.contains("+    bridge_ports tap0 tap1\n"), "{plan}");
    assert!(plan.contains("+    bridge_ports tap2 tap3\n"), "{plan}");
}

#[test]
fn a_lease_for_a_vm_whose_name_is_no_host_name_points_at_the_name() {
    refused(
        "\
- hosts: localhost
  tasks:
    - name: Private network
      vm_network:
        mode: nat
        subnet: 10.81.0.0/24
        vms:
          - { name: win_7, ip: 10.81.0.7 }
",
        "\
error: `win_7` is not a valid host name (letters, digits and `-`) (in task `Private network`)
 --> playbook.yml:8:21
  |
8 |           - { name: win_7, ip: 10.81.0.7 }
  |                     ^^^^^
",
    );
}

#[test]
fn validation_of_what_subtasks_added_points_at_the_values_written() {
    refused(
        "\
- hosts: localhost
  tasks:
    - vm_network:
        mode: nat
        subnet: 10.81.0.0/24
        dhcp: { range: [10.81.0.20, 10.81.1.40] }
        vms:
          - { name: a, ip: 10.81.0.300, mac: \"52:54:00:00:00:01\" }
          - { name: b, ip: 10.82.0.3, mac: \"52:54:00:00:00:01\", user: kvmuser }
",
        "\
error: `10.81.0.300` is not an IPv4 address (in task `vm_network`)
 --> playbook.yml:8:28
  |
8 |           - { name: a, ip: 10.81.0.300, mac: \"52:54:00:00:00:01\" }
  |                            ^^^^^^^^^^^
",
    );
    refused(
        "\
- hosts: localhost
  tasks:
    - vm_network:
        mode: nat
        subnet: 10.81.0.0/24
        dhcp: { range: [10.81.0.20, 10.81.1.40] }
        vms:
          - { name: a, ip: 10.81.0.3, mac: \"52:54:00:00:00:01\" }
          - { name: b, ip: 10.82.0.3, mac: \"52:54:00:00:00:01\", user: kvmuser }
",
        "\
error: `10.81.1.40` in the DHCP range is outside `10.81.0.0/24`, the subnet of `br0`
 --> playbook.yml:6:24
  |
6 |         dhcp: { range: [10.81.0.20, 10.81.1.40] }
  |                        ^
  |
hint: use host addresses of `10.81.0.0/24`

error: the fixed lease `10.82.0.3` for `52:54:00:00:00:01` is outside `10.81.0.0/24`, the subnet of `br0`
 --> playbook.yml:9:28
  |
9 |           - { name: b, ip: 10.82.0.3, mac: \"52:54:00:00:00:01\", user: kvmuser }
  |                            ^^^^^^^^^
  |
hint: dnsmasq would silently ignore it; pick an address in the subnet

error: the MAC `52:54:00:00:00:01` has two fixed leases (the other at playbook.yml:8:28)
 --> playbook.yml:9:28
  |
9 |           - { name: b, ip: 10.82.0.3, mac: \"52:54:00:00:00:01\", user: kvmuser }
  |                            ^^^^^^^^^

error: user `kvmuser` does not exist on the host
 --> playbook.yml:9:71
  |
9 |           - { name: b, ip: 10.82.0.3, mac: \"52:54:00:00:00:01\", user: kvmuser }
  |                                                                       ^^^^^^^
  |
hint: create it first (`useradd --system kvmuser`), or name an existing user
",
    );
}

#[test]
fn a_subnet_with_host_bits_and_one_too_small() {
    refused(
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: nat, subnet: 10.81.0.1/24, vms: [{ name: a }] }\n",
        "\
error: `10.81.0.1/24` has host bits set (in task `vm_network`)
 --> playbook.yml:3:40
  |
3 |     - vm_network: { mode: nat, subnet: 10.81.0.1/24, vms: [{ name: a }] }
  |                                        ^^^^^^^^^^^^
  |
hint: the subnet is `10.81.0.0/24`
",
    );
    refused(
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: nat, subnet: 10.81.0.0/30, vms: [{ name: a }] }\n",
        "\
error: `10.81.0.0/30` is too small for a host and guests (in task `vm_network`)
 --> playbook.yml:3:40
  |
3 |     - vm_network: { mode: nat, subnet: 10.81.0.0/30, vms: [{ name: a }] }
  |                                        ^^^^^^^^^^^^
  |
hint: use a /24, e.g. `172.16.1.0/24`
",
    );
}
