//! `vm_network`: each mode renders the same files as its hand-written
//! low-level playbook, and `hostnet qemu` prints arguments that match what
//! the plan renders (the TAP, and the MAC of the guest's fixed lease).

use std::path::Path;

use crate::support::golden::{tree, tree_text};
use crate::support::{hostnet, repo, stderr, stdout, write};

/// Render `playbook` for `host` into a fresh directory and return its tree.
fn render(playbook: &str, host: &str, out: &Path) -> String {
    let root = repo().join(format!("examples/{host}-host"));
    let output = hostnet()
        .args(["render", playbook, "--root"])
        .arg(&root)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(output.status.success(), "render {playbook}: {}", stderr(&output));
    let nodes = tree(out);
    assert!(!nodes.is_empty(), "{playbook} rendered nothing on {host}");
    let mut text = tree_text(&nodes);
    for (path, node) in &nodes {
        if let crate::support::golden::Node::File { content, .. } = node {
            text.push_str(&format!("--- {path}\n{}", String::from_utf8_lossy(content)));
        }
    }
    text
}

#[test]
fn vm_network_renders_exactly_what_the_low_level_playbook_renders() {
    let pairs = [
        ("playbooks/bridged.yml", "playbooks/vm-bridged.yml"),
        ("playbooks/nat.yml", "playbooks/vm-nat.yml"),
        ("playbooks/host-only.yml", "playbooks/vm-host-only.yml"),
        ("playbooks/internal.yml", "playbooks/vm-internal.yml"),
        ("playbooks/routed.yml", "playbooks/vm-routed.yml"),
        ("playbooks/mac-nat.yml", "playbooks/vm-mac-nat.yml"),
        ("playbooks/dual-stack.yml", "playbooks/vm-dual-stack.yml"),
        ("playbooks/proxy-arp.yml", "playbooks/vm-proxy-arp.yml"),
        (
            "playbooks/bridged-renamed-uplink.yml",
            "playbooks/vm-bridged-renamed-uplink.yml",
        ),
    ];
    for host in ["gentoo", "debian"] {
        for (low, high) in pairs {
            let temp = tempfile::tempdir().unwrap();
            let low_tree = render(low, host, &temp.path().join("low"));
            let high_tree = render(high, host, &temp.path().join("high"));
            if low_tree != high_tree {
                let diff = similar::TextDiff::from_lines(&low_tree, &high_tree)
                    .unified_diff()
                    .to_string();
                panic!("{high} and {low} render differently on {host}:\n{diff}");
            }
        }
    }
}

/// `examples/gentoo-host/etc/machine-id`: generated MACs there derive from it.
const GENTOO_MACHINE_ID: &str = "01e2b866ace8843c10d9f66d9d0d2b4f";

fn qemu(playbook: &str, vm: &str, extra: &[&str]) -> String {
    let output = hostnet()
        .args(["qemu", playbook, "--vm", vm, "--root", "examples/gentoo-host"])
        .args(extra)
        .output()
        .unwrap();
    assert!(output.status.success(), "qemu {playbook} {vm}: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn qemu_arguments_per_mode_and_model() {
    assert_eq!(
        qemu("playbooks/vm-nat.yml", "win7", &[]),
        "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no -device e1000,netdev=net0,mac=00:26:c6:21:cf:02\n"
    );
    assert_eq!(
        qemu("playbooks/vm-nat.yml", "deb", &["--format", "args"]),
        "-netdev\ntap,id=net0,ifname=tap1,script=no,downscript=no\n-device\nvirtio-net-pci,netdev=net0,mac=00:26:c6:21:cf:03\n"
    );
    // A VM without `mac:` gets one from its name and the host's machine-id
    // (FNV-1a, locally administered): pinned, because a MAC that changed
    // between hostnet versions would give every such guest a new lease.
    assert_eq!(
        hostnet_engine::model::vm::generated_mac(Some(GENTOO_MACHINE_ID), "guest").to_string(),
        "02:65:46:90:27:12"
    );
    assert_eq!(
        qemu("playbooks/vm-bridged.yml", "guest", &[]),
        "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no -device e1000,netdev=net0,mac=02:65:46:90:27:12\n"
    );
    assert_eq!(
        hostnet_engine::model::vm::generated_mac(Some(GENTOO_MACHINE_ID), "box").to_string(),
        "02:4a:fa:2d:13:5c"
    );
    assert_eq!(
        qemu("playbooks/user.yml", "box", &[]),
        "-netdev user,id=net0,net=192.168.1.0/24,dhcpstart=192.168.1.100,hostfwd=tcp:127.0.0.1:2222-:22,hostname=box -device virtio-net-pci,netdev=net0,mac=02:4a:fa:2d:13:5c\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&qemu("playbooks/vm-host-only.yml", "guest", &["--json"])).unwrap();
    assert_eq!(json[0], "-netdev");
    assert_eq!(json[1], "tap,id=net0,ifname=tap1,script=no,downscript=no");
}

#[test]
fn qemu_bridge_helper_and_its_acl() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: host_only\n        subnet: 172.16.9.0/24\n        vms: [{ name: vm1, helper: true, mac: \"52:54:00:00:09:02\", model: e1000 }]\n",
    );
    let output = hostnet()
        .current_dir(dir.path())
        .args(["qemu", "playbook.yml", "--vm", "vm1", "--distro", "debian"])
        .args(["--root", "."])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&output),
        "-netdev bridge,id=net0,br=br0 -device e1000,netdev=net0,mac=52:54:00:00:09:02\n"
    );
    let out = dir.path().join("out");
    let render = hostnet()
        .current_dir(dir.path())
        .args(["render", "playbook.yml", "--distro", "debian", "--root", ".", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(render.status.success(), "{}", stderr(&render));
    assert_eq!(
        fs_err::read_to_string(out.join("etc/qemu/bridge.conf")).unwrap(),
        "# BEGIN hostnet bridge br0\nallow br0\n# END hostnet bridge br0\n"
    );
}

#[test]
fn the_mac_qemu_prints_is_the_mac_of_the_dnsmasq_reservation() {
    let temp = tempfile::tempdir().unwrap();
    render("playbooks/vm-nat.yml", "debian", temp.path());
    let hosts = temp.path().join("etc/hostnet/dnsmasq/br0.hosts");
    for (vm, ip) in [("win7", "172.16.1.2"), ("deb", "172.16.1.3")] {
        let line = qemu("playbooks/vm-nat.yml", vm, &[]);
        let mac = line.split("mac=").nth(1).unwrap().trim();
        let lease = fs_err::read_to_string(hosts.join(mac.replace(':', "-"))).unwrap();
        assert!(
            lease.starts_with(&format!("{mac},{ip},")),
            "no reservation `{mac},{ip}` in the lease file:\n{lease}"
        );
    }
    // A VM without a MAC gets the same generated one every run, in the lease and in qemu's line.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: nat, subnet: 172.16.8.0/24, vms: [{ name: gen, ip: 172.16.8.5 }] }\n",
    );
    let generated = || {
        let output = hostnet()
            .current_dir(dir.path())
            .args([
                "qemu",
                "playbook.yml",
                "--vm",
                "gen",
                "--distro",
                "debian",
                "--root",
                ".",
            ])
            .output()
            .unwrap();
        stdout(&output)
    };
    let (first, second) = (generated(), generated());
    assert_eq!(first, second);
    let mac = first.split("mac=").nth(1).unwrap().trim().to_owned();
    // No machine-id under this root: the name alone, as before.
    assert_eq!(mac, "02:d4:e2:6d:18:fa");
    assert_eq!(mac, hostnet_engine::model::vm::generated_mac(None, "gen").to_string());
    let out = dir.path().join("out");
    let render = hostnet()
        .current_dir(dir.path())
        .args(["render", "playbook.yml", "--distro", "debian", "--root", ".", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(render.status.success(), "{}", stderr(&render));
    let lease = fs_err::read_to_string(out.join("etc/hostnet/dnsmasq/br0.hosts").join(mac.replace(':', "-"))).unwrap();
    assert_eq!(lease, format!("{mac},172.16.8.5,gen\n"));
}

#[test]
fn unknown_vm_is_an_error_with_a_suggestion() {
    let output = hostnet()
        .args([
            "qemu",
            "playbooks/vm-nat.yml",
            "--vm",
            "win8",
            "--root",
            "examples/gentoo-host",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: no VM `win8` in the playbook (VMs: win7, deb)\n\nhint: did you mean `win7`?\n"
    );
}

#[test]
fn bridged_mode_over_a_wireless_uplink_is_refused_with_the_ways_out() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: bridged, uplink: wlan0, vms: [{ name: a }] }\n",
    );
    write(
        dir.path(),
        "facts.yml",
        "distro: debian\ninterfaces:\n  - { name: wlan0, wireless: true }\n",
    );
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "playbook.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&output),
        "\
error: `wlan0` is a wireless interface and cannot be a bridge port (the kernel refuses, and access points drop frames from unknown MACs)
 --> playbook.yml:3:44
  |
3 |     - vm_network: { mode: bridged, uplink: wlan0, vms: [{ name: a }] }
  |                                            ^^^^^
  |
hint: use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), or `iw dev wlan0 set 4addr on` where the access point supports WDS
"
    );
}
