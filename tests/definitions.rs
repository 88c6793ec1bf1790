//! Validation's first rule: each bridge, TAP, interface, DHCP server and VM
//! is defined once, and a kernel parameter gets one value. A second
//! definition is reported at its own position, naming the first; until
//! every item is defined once, nothing else is checked (the second
//! definition's other problems would only be noise). Messages pinned whole.

use crate::support::{hostnet, stderr, stdout, write};

const FACTS: &str = "distro: debian\nusers: [root, qemu]\ngroups: [root, kvm]\n";

/// `hostnet check` on `playbook`: exit 1, exactly `expected` on stderr.
fn refused(playbook: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
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
fn a_bridge_a_tap_and_an_interface_defined_twice() {
    refused(
        "\
- hosts: localhost
  tasks:
    - bridge: { name: br0, ports: [tap0] }
    - tap: { name: tap0 }
    - interface: { name: eth0, address: none }
    - bridge: { name: br0, ports: [tap0, tap0] }
    - tap: { name: tap0, user: nobody-here }
    - interface: { name: eth0 }
",
        "\
error: bridge `br0` is already defined at playbook.yml:3:23
 --> playbook.yml:6:23
  |
6 |     - bridge: { name: br0, ports: [tap0, tap0] }
  |                       ^^^
  |
hint: define each bridge in one task

error: TAP `tap0` is already defined at playbook.yml:4:20
 --> playbook.yml:7:20
  |
7 |     - tap: { name: tap0, user: nobody-here }
  |                    ^^^^
  |
hint: define each TAP in one task

error: interface `eth0` is already configured at playbook.yml:5:26
 --> playbook.yml:8:26
  |
8 |     - interface: { name: eth0 }
  |                          ^^^^
  |
hint: configure each interface in one task
",
    );
}

#[test]
fn two_dhcp_servers_on_one_bridge_and_a_sysctl_with_two_values() {
    refused(
        "\
- hosts: localhost
  tasks:
    - bridge: { name: br0, address: [172.16.1.1/24] }
    - dhcp_server: { interface: br0 }
    - dhcp_server: { interface: br0, lease: 1h }
    - sysctl: { name: net.ipv4.ip_forward, value: 1 }
    - sysctl: { name: net.ipv4.ip_forward, value: 1 }
    - sysctl: { name: net/ipv4/ip_forward, value: 0 }
",
        "\
error: a DHCP server on `br0` is already defined at playbook.yml:4:33
 --> playbook.yml:5:33
  |
5 |     - dhcp_server: { interface: br0, lease: 1h }
  |                                 ^^^
  |
hint: one `dhcp_server` per interface

error: `net.ipv4.ip_forward` is already set to `1` at playbook.yml:6:23
 --> playbook.yml:8:23
  |
8 |     - sysctl: { name: net/ipv4/ip_forward, value: 0 }
  |                       ^^^^^^^^^^^^^^^^^^^
",
    );
}

#[test]
fn a_vm_twice_on_one_network_is_refused_in_two_it_has_two_nics() {
    refused(
        "\
- hosts: localhost
  tasks:
    - vm_network:
        mode: host_only
        bridge: br1
        subnet: 10.81.0.0/24
        vms: [{ name: router, tap: tap1 }, { name: router, tap: tap3 }]
",
        "\
error: VM `router` is already on `br1` at playbook.yml:7:23
 --> playbook.yml:7:52
  |
7 |         vms: [{ name: router, tap: tap1 }, { name: router, tap: tap3 }]
  |                                                    ^^^^^^
  |
hint: a VM has one NIC per network: list it once per network
",
    );
    // On two networks: one NIC on each, no error.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "\
- hosts: localhost
  tasks:
    - vm_network: { mode: host_only, bridge: br1, subnet: 10.81.0.0/24, vms: [{ name: router, tap: tap1 }] }
    - vm_network: { mode: host_only, bridge: br2, subnet: 10.82.0.0/24, vms: [{ name: router, tap: tap2 }] }
",
    );
    write(dir.path(), "facts.yml", FACTS);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "playbook.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_same_value_twice_is_one_setting() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - sysctl: { name: net.ipv4.ip_forward, value: 1 }\n    - sysctl: { name: net.ipv4.ip_forward, value: \"1\" }\n",
    );
    write(dir.path(), "facts.yml", FACTS);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["plan", "playbook.yml", "--facts", "facts.yml", "--root", "."])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), "");
    let plan = stdout(&output);
    assert_eq!(plan.matches("+net.ipv4.ip_forward = 1").count(), 1, "{plan}");
}

/// The engine reports which rule each error breaks, so callers can branch
/// on it without reading messages.
#[test]
fn errors_name_their_rules() {
    use hostnet_engine::error::{ErrorKind, Rule};
    use hostnet_engine::pipeline::{FactsSource, Request, prepare};

    let dir = tempfile::tempdir().unwrap();
    let playbook = write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0, ports: [eth9, br0], address: [10.0.0.0/24] }\n    - bridge: { name: br1, address: [10.0.0.9/16], stp: true, forward_delay: 0 }\n",
    );
    let facts = write(
        dir.path(),
        "facts.yml",
        "distro: debian\ninterfaces: [{ name: eth0 }]\n",
    );
    let request = Request {
        playbook,
        root: hostnet_engine::root::Root::new(dir.path()),
        facts: FactsSource::File(facts),
        distro: None,
        extra_vars: Vec::new(),
        tags: hostnet_engine::execute::TagFilter::default(),
        choices: hostnet_engine::registry::Choices::default(),
        preflight: Default::default(),
        scope: Default::default(),
        show_args: false,
    };
    let registry = hostnet_backends::registry();
    let Err(errors) = prepare(&request, &registry) else {
        panic!("the playbook is invalid")
    };
    let rules: Vec<Rule> = errors
        .0
        .iter()
        .map(|error| match &error.kind {
            ErrorKind::Rule { rule, .. } => *rule,
            other => panic!("not a rule: {other}"),
        })
        .collect();
    assert_eq!(
        rules,
        [
            Rule::MissingPort,
            Rule::PortIsItsBridge,
            Rule::NetworkAddress,
            Rule::SubnetOverlap,
            Rule::ForwardDelayWithStp
        ]
    );
}
