//! Rendering details no golden case pins, each found by the mutation check
//! (docs/testing.md): `hostnet render` of a small playbook, then the exact
//! text (and mode) of the file that detail lives in. End to end through the
//! binary, so the tests hold wherever the backends' code moves.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::support::{hostnet, stderr, write};

/// A host with `eth0` and QEMU's accounts (`distro`, `init` and more as `extra`).
fn facts(extra: &str) -> String {
    format!("interfaces:\n  - {{ name: eth0 }}\nusers: [root, qemu]\ngroups: [root, kvm]\n{extra}")
}

/// `hostnet render` of a one-play playbook around `tasks` (indented as
/// tasks) into a fresh directory.
fn render(tasks: &str, facts: &str, args: &[&str]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        &format!("- hosts: localhost\n  tasks:\n{tasks}"),
    );
    write(dir.path(), "facts.yml", facts);
    let output = hostnet()
        .current_dir(dir.path())
        .args(["render", "playbook.yml", "--facts", "facts.yml", "--out", "out"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "render failed:\n{}", stderr(&output));
    let out = dir.path().join("out");
    (dir, out)
}

fn read(out: &Path, path: &str) -> String {
    fs_err::read_to_string(out.join(path)).unwrap()
}

/// Only a default route is ifupdown's `gateway`; a route to a network, and
/// an IPv6 default, are `up` lines.
#[test]
fn ifupdown_gateway_is_the_ipv4_default_route_only() {
    let (_dir, out) = render(
        "    - interface: { name: eth0, address: [192.168.1.10/24], routes: [{ to: 10.0.0.0/8, via: 192.168.1.254 }, { to: default, via: \"2001:db8::1\" }] }\n",
        &facts("distro: debian\ninit: systemd\n"),
        &[],
    );
    assert_eq!(
        read(&out, "etc/network/interfaces.d/hostnet"),
        "\
# Managed by hostnet: edit the playbook, not this file.

auto eth0
iface eth0 inet static
    address 192.168.1.10/24
    up ip route add 10.0.0.0/8 via 192.168.1.254 dev eth0
    up ip -6 route add default via 2001:db8::1 dev eth0
"
    );
}

/// A playbook of nothing but an `interface` task still gets the network
/// backend's file.
#[test]
fn an_interface_alone_is_rendered() {
    let (_dir, out) = render(
        "    - interface: { name: eth0, address: dhcp }\n",
        &facts("distro: debian\ninit: systemd\n"),
        &[],
    );
    assert_eq!(
        read(&out, "etc/network/interfaces.d/hostnet"),
        "# Managed by hostnet: edit the playbook, not this file.\n\nauto eth0\niface eth0 inet dhcp\n"
    );
}

/// networkd: a `[Tap]` section for any one of owner, group, multi-queue
/// and vnet header, and a `[Link]` section for a MAC alone.
#[test]
fn networkd_sections_for_one_setting_each() {
    let (_dir, out) = render(
        "    - tap: { name: tap0, user: qemu }\n    - tap: { name: tap1, group: kvm }\n    - tap: { name: tap2, multi_queue: true }\n    - tap: { name: tap3, vnet_hdr: true }\n    - interface: { name: eth0, mac: \"02:00:00:00:00:05\" }\n",
        &facts("distro: debian\ninit: systemd\n"),
        &["--network-backend", "systemd-networkd"],
    );
    for (tap, setting) in [
        ("tap0", "User=qemu"),
        ("tap1", "Group=kvm"),
        ("tap2", "MultiQueue=yes"),
        ("tap3", "VNetHeader=yes"),
    ] {
        assert_eq!(
            read(&out, &format!("etc/systemd/network/10-hostnet-{tap}.netdev")),
            format!(
                "# Managed by hostnet: edit the playbook, not this file.\n\n[NetDev]\nName={tap}\nKind=tap\n\n[Tap]\n{setting}\n"
            )
        );
    }
    assert_eq!(
        read(&out, "etc/systemd/network/10-hostnet-eth0.network"),
        "\
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=eth0

[Link]
MACAddress=02:00:00:00:00:05

[Network]
DHCP=ipv4
"
    );
}

/// Gentoo: dnsmasq waits for the `net.*` service of the interfaces it
/// serves; `lo` has none.
#[test]
fn gentoo_dnsmasq_on_lo_needs_no_net_service() {
    let (_dir, out) = render(
        "    - interface: { name: lo, address: 10.9.9.1/24 }\n    - dhcp_server: { interface: lo, range: [10.9.9.2, 10.9.9.9] }\n",
        &facts("distro: gentoo\ninit: openrc\n"),
        &[],
    );
    assert!(out.join("etc/dnsmasq.d/hostnet-lo.conf").is_file());
    assert!(
        !out.join("etc/conf.d/dnsmasq").exists(),
        "{}",
        read(&out, "etc/conf.d/dnsmasq")
    );
}

/// ufw: a `/etc/ufw/sysctl.conf` hostnet creates is world-readable like
/// ufw's own (0644); `before.rules` 0640; `before.init` executable.
#[test]
fn ufw_files_hostnet_creates_have_ufws_modes() {
    let (_dir, out) = render(
        "    - nat: { source: 172.16.1.0/24, out_interface: eth0 }\n",
        &facts("distro: debian\ninit: systemd\ntools: [ufw]\nufw_enabled: true\n"),
        &["--firewall", "ufw"],
    );
    let mode = |path: &str| fs_err::metadata(out.join(path)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        [
            mode("etc/ufw/sysctl.conf"),
            mode("etc/ufw/before.rules"),
            mode("etc/ufw/before.init")
        ],
        [0o644, 0o640, 0o750]
    );
}
