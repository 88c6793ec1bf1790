//! Backend choice is made once, from typed ids: the command line and the
//! tasks must agree, an explicit choice must be able to run on the host, and
//! an unknown name is an error where it was written. Each message is pinned
//! whole, and nothing is written.

use crate::support::{hostnet, stderr, stdout, write};

const GENTOO: &str = "distro: gentoo\ninit: openrc\n";
const DEBIAN: &str = "distro: debian\ninit: systemd\ntools: [nft]\n";

fn nat_task(name: &str, bridge: &str, subnet: &str, firewall: &str) -> String {
    format!(
        "    - name: {name}\n      vm_network:\n        mode: nat\n        bridge: {bridge}\n        subnet: {subnet}\n        uplink: eth0\n        firewall: {firewall}\n        vms: [{{ name: vm-{bridge}, tap: tap-{bridge} }}]\n"
    )
}

/// `hostnet plan` with `facts` and `args`: exit 1, exactly `expected` on
/// stderr, nothing on stdout, nothing under the root.
fn fails(playbook: &str, facts: &str, args: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", facts);
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    let output = hostnet()
        .current_dir(dir.path())
        .args(["apply", "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(stderr(&output), expected);
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
    let written: Vec<_> = fs_err::read_dir(dir.path().join("root")).unwrap().collect();
    assert!(written.is_empty(), "a refused choice wrote under the root: {written:?}");
}

/// The backends `hostnet plan --json` chose.
fn chosen(playbook: &str, facts: &str, args: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", facts);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["plan", "playbook.yml", "--root", ".", "--facts", "facts.yml", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(stderr(&output), "");
    let plan: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    plan["plan"]["backends"].clone()
}

#[test]
fn two_tasks_asking_for_different_firewalls_is_one_error_naming_both() {
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n{}{}",
        nat_task("First", "br1", "10.81.0.0/24", "nftables"),
        nat_task("Second", "br2", "10.82.0.0/24", "iptables")
    );
    fails(
        &playbook,
        DEBIAN,
        &[],
        "\
error: firewall backend `iptables` conflicts with `nftables` at playbook.yml:9:19
  --> playbook.yml:17:19
   |
17 |         firewall: iptables
   |                   ^^^^^^^^
   |
hint: a host has one firewall backend: ask for the same one everywhere, or leave the choice to detection
",
    );
}

#[test]
fn a_task_contradicting_the_command_line_is_an_error_at_the_task() {
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n{}",
        nat_task("Only", "br1", "10.81.0.0/24", "nftables")
    );
    fails(
        &playbook,
        DEBIAN,
        &["--firewall", "iptables"],
        "\
error: firewall backend `nftables` conflicts with `--firewall iptables` on the command line
 --> playbook.yml:9:19
  |
9 |         firewall: nftables
  |                   ^^^^^^^^
  |
hint: a host has one firewall backend: ask for the same one everywhere, or leave the choice to detection
",
    );
}

#[test]
fn tasks_and_command_line_that_agree_choose_that_backend() {
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n{}{}",
        nat_task("First", "br1", "10.81.0.0/24", "iptables"),
        nat_task("Second", "br2", "10.82.0.0/24", "iptables")
    );
    // Detection alone would choose nftables on this host.
    assert_eq!(chosen(&playbook, DEBIAN, &[])["firewall"], "iptables");
    assert_eq!(
        chosen(&playbook, DEBIAN, &["--firewall", "iptables"])["firewall"],
        "iptables"
    );
    let detected = "- hosts: localhost\n  tasks:\n    - nat: { source: 10.81.0.0/24, out_interface: eth0 }\n";
    assert_eq!(chosen(detected, DEBIAN, &[])["firewall"], "nftables");
}

#[test]
fn networkd_on_an_openrc_host_is_refused_with_what_can_run() {
    fails(
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0 }\n",
        GENTOO,
        &["--network-backend", "systemd-networkd"],
        "\
error: the network backend `systemd-networkd` cannot be used on this host: systemd-networkd runs under systemd, and this host's init is OpenRC

hint: usable here: `gentoo-netifrc`
",
    );
}

#[test]
fn ifupdown_on_gentoo_is_refused() {
    fails(
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0 }\n",
        GENTOO,
        &["--network-backend", "debian-ifupdown"],
        "\
error: the network backend `debian-ifupdown` cannot be used on this host: ifupdown is Debian's network system; Gentoo uses netifrc

hint: usable here: `gentoo-netifrc`
",
    );
}

#[test]
fn a_firewall_the_host_lacks_is_refused_where_the_task_asks_for_it() {
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n{}",
        nat_task("Only", "br1", "10.81.0.0/24", "ufw")
    );
    fails(
        &playbook,
        DEBIAN,
        &[],
        "\
error: the firewall backend `ufw` cannot be used on this host: ufw is not installed
 --> playbook.yml:9:19
  |
9 |         firewall: ufw
  |                   ^^^
  |
hint: usable here: `nftables`, `iptables`
",
    );
}

#[test]
fn unknown_backend_names() {
    fails(
        "- hosts: localhost\n  tasks: []\n",
        DEBIAN,
        &["--firewall", "iptabels"],
        "\
error: unknown firewall backend `iptabels`

hint: did you mean `iptables`?
",
    );
    fails(
        "- hosts: localhost\n  tasks: []\n",
        DEBIAN,
        &["--network-backend", "netplan"],
        "\
error: unknown network backend `netplan`

hint: expected one of `gentoo-netifrc`, `debian-ifupdown`, `systemd-networkd`
",
    );
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n{}",
        nat_task("Only", "br1", "10.81.0.0/24", "nftabels")
    );
    fails(
        &playbook,
        DEBIAN,
        &[],
        "\
error: unknown firewall backend `nftabels` (in task `Only`)
 --> playbook.yml:9:19
  |
9 |         firewall: nftabels
  |                   ^^^^^^^^
  |
hint: did you mean `nftables`?
",
    );
}
