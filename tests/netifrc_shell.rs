//! The rendered `/etc/conf.d/net` is read by `/bin/sh`: render real
//! playbooks for Gentoo, then let dash parse and source the result and
//! compare every variable with what the playbook asked for.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{run, stderr, stdout, write};

/// `hostnet render PLAYBOOK --out OUT --distro gentoo --root OUT` in a fresh
/// tempdir; returns the tempdir (OUT is `out/` inside it).
fn render(playbook: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let site = write(dir.path(), "site.yml", playbook);
    let out = dir.path().join("out");
    fs_err::create_dir_all(&out).unwrap();
    let (site, out) = (site.to_str().unwrap(), out.to_str().unwrap());
    let output = run(&["render", site, "--out", out, "--distro", "gentoo", "--root", out]);
    assert!(
        output.status.success(),
        "render failed\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("etc/conf.d/net"), "{}", stdout(&output));
    dir
}

fn dash(args: &[&str]) -> Output {
    Command::new("dash")
        .args(args)
        .output()
        .expect("run dash (these tests need it installed)")
}

/// `dash -n FILE`: the file parses as POSIX sh.
fn assert_parses(file: &Path) {
    let output = dash(&["-n", file.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "dash -n {} failed: {}\n{}",
        file.display(),
        stderr(&output),
        fs_err::read_to_string(file).unwrap()
    );
    assert_eq!(stderr(&output), "");
}

/// Source `file` in dash with `set -u` (an unset variable is an error) and
/// check each variable's value, and that the file assigns exactly these
/// variables, in this order.
fn assert_variables(file: &Path, expected: &[(&str, &str)]) {
    let text = fs_err::read_to_string(file).unwrap();
    let assigned: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_once("=\""))
        .map(|(name, _)| name)
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let names: Vec<&str> = expected.iter().map(|(name, _)| *name).collect();
    assert_eq!(assigned, names, "variables assigned by\n{text}");

    let mut script = format!("set -u; . '{}'; printf '[%s]\\n'", file.display());
    for name in &names {
        script.push_str(&format!(" \"${name}\""));
    }
    let output = dash(&["-c", &script]);
    assert!(output.status.success(), "sourcing failed: {}\n{text}", stderr(&output));
    assert_eq!(stderr(&output), "", "sourcing warned\n{text}");
    let wanted: String = expected.iter().map(|(_, value)| format!("[{value}]\n")).collect();
    assert_eq!(stdout(&output), wanted, "values sourced from\n{text}");
}

/// `etc/init.d/net.X` links under `out`, each checked to point at `net.lo`.
fn init_links(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(out.join("etc/init.d"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let target = fs_err::read_link(out.join("etc/init.d").join(name)).unwrap();
        assert_eq!(target, Path::new("net.lo"), "{name}");
    }
    names
}

/// Services in the default runlevel, each checked to link to its init script.
fn default_runlevel(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(out.join("etc/runlevels/default"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let target = fs_err::read_link(out.join("etc/runlevels/default").join(name)).unwrap();
        assert_eq!(target, Path::new("/etc/init.d").join(name), "{name}");
    }
    names
}

const BRIDGED: &str = r#"
- name: Bridged guests
  hosts: localhost
  tasks:
    - name: The uplink is a bridge port
      interface: { name: eth0, address: none }
    - name: Guest TAP
      tap: { name: tap0, user: qemu, group: kvm }
    - name: Bridge with the uplink
      bridge:
        name: br0
        ports: [eth0, tap0]
        address: dhcp
        stp: true
        forward_delay: 2
        hello_time: 1
"#;

#[test]
fn bridged_uplink_sources_in_dash() {
    let dir = render(BRIDGED);
    let out = dir.path().join("out");
    let net = out.join("etc/conf.d/net");
    assert_parses(&net);
    assert_variables(
        &net,
        &[
            ("config_eth0", "null"),
            ("tuntap_tap0", "tap"),
            ("iproute2_tap0", "user qemu group kvm"),
            ("config_tap0", "null"),
            ("config_br0", "dhcp"),
            ("bridge_br0", "eth0 tap0"),
            ("bridge_stp_state_br0", "1"),
            ("bridge_forward_delay_br0", "200"),
            ("bridge_hello_time_br0", "100"),
            ("rc_net_br0_need", "net.tap0"),
        ],
    );
    let text = fs_err::read_to_string(&net).unwrap();
    assert!(text.starts_with("# BEGIN hostnet network\n"), "{text}");
    assert!(text.ends_with("# END hostnet network\n"), "{text}");
    // The uplink gets no service of its own: net.br0 brings it up.
    assert_eq!(init_links(&out), ["net.br0", "net.tap0"]);
    // The TAP port is started by net.br0's `need`, not by the runlevel.
    assert_eq!(default_runlevel(&out), ["net.br0"]);
}

const PRIVATE_TAP_ROUTED: &str = r#"
- name: Private bridge, standalone TAP and routed uplink
  hosts: localhost
  tasks:
    - name: Guest TAPs
      tap: { name: "{{ item }}", user: "vm-1", group: kvm, multi_queue: true }
      loop: [tap0, tap-vm1]
    - name: Private bridge
      bridge:
        name: br-lan
        ports: [tap0, tap-vm1]
        address: [172.16.1.1/24, "fd00:1::1/64"]
        forward_delay: 0
        mac: "52:54:00:00:00:01"
    - name: Standalone TAP
      tap: { name: tap5, user: qemu }
    - name: Routed uplink
      interface:
        name: eth1
        address: [192.0.2.10/24]
        mtu: 1500
        routes:
          - { to: default, via: 192.0.2.1, metric: 10 }
          - { to: 198.51.100.0/24, via: 192.0.2.254 }
"#;

#[test]
fn private_bridge_standalone_tap_and_routed_uplink_source_in_dash() {
    let dir = render(PRIVATE_TAP_ROUTED);
    let out = dir.path().join("out");
    let net = out.join("etc/conf.d/net");
    assert_parses(&net);
    assert_variables(
        &net,
        &[
            ("tuntap_tap0", "tap"),
            ("iproute2_tap0", "user vm-1 group kvm multi_queue"),
            ("config_tap0", "null"),
            ("tuntap_tap_vm1", "tap"),
            ("iproute2_tap_vm1", "user vm-1 group kvm multi_queue"),
            ("config_tap_vm1", "null"),
            ("config_br_lan", "172.16.1.1/24\nfd00:1::1/64"),
            ("bridge_br_lan", "tap0 tap-vm1"),
            ("bridge_stp_state_br_lan", "0"),
            ("bridge_forward_delay_br_lan", "0"),
            ("mac_br_lan", "52:54:00:00:00:01"),
            ("rc_net_br_lan_need", "net.tap0 net.tap-vm1"),
            ("tuntap_tap5", "tap"),
            ("iproute2_tap5", "user qemu"),
            ("config_tap5", "null"),
            ("config_eth1", "192.0.2.10/24"),
            (
                "routes_eth1",
                "default via 192.0.2.1 metric 10\n198.51.100.0/24 via 192.0.2.254",
            ),
            ("mtu_eth1", "1500"),
        ],
    );
    let text = fs_err::read_to_string(&net).unwrap();
    assert!(
        text.contains(r#"iproute2_tap0="user vm-1 group kvm multi_queue""#),
        "{text}"
    );
    assert_eq!(
        init_links(&out),
        ["net.br-lan", "net.eth1", "net.tap-vm1", "net.tap0", "net.tap5"]
    );
    assert_eq!(default_runlevel(&out), ["net.br-lan", "net.eth1", "net.tap5"]);
}

/// The `dash -n` check is not vacuous: the baselayout-1 bash array that old
/// guides still show is a syntax error for POSIX sh (and breaks every
/// net.* service on a host whose /bin/sh is dash).
#[test]
fn dash_rejects_a_bash_array() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "net", "config_eth0=( \"dhcp\" )\n");
    let output = dash(&["-n", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("Syntax error"), "{}", stderr(&output));
    let fixed = write(dir.path(), "net.fixed", "config_eth0=\"dhcp\"\n");
    assert_parses(&fixed);
}

const HOOKS: &str = r#"
- name: A wireless port (MAC NAT) and a bridge with proxy ARP
  hosts: localhost
  tasks:
    - interface: { name: wlan0, address: none, wireless: true }
    - tap: { name: tap0 }
    - bridge: { name: br0, ports: [wlan0, tap0], address: dhcp }
    - mac_nat: { uplink: wlan0, mac: "52:54:00:ab:cd:ef", guests: [{ ip: 192.168.1.50, mac: "52:54:00:00:01:50" }] }
    - tap: { name: tap1 }
    - bridge: { name: br1, ports: [tap1] }
    - sysctl: { name: net.ipv4.conf.br1.proxy_arp, value: 1 }
"#;

/// netifrc has no variables for a wireless port's 4-address mode or a
/// bridge's proxy ARP, so hostnet's block defines the `preup()`/`postup()`
/// hooks netifrc calls with `$IFACE`: sourced in dash, in a namespace of the
/// test's own with a real `br1`, `postup` sets br1's proxy_arp and only
/// br1's, and `preup` runs `iw dev wlan0 set 4addr on` for br0 (a stub `iw`
/// records it: there is no Wi-Fi here).
#[test]
fn the_hooks_run_in_dash_for_their_interfaces_only() {
    if !crate::support::sandbox::require(&["ip"]) {
        return;
    }
    let dir = render(HOOKS);
    let net = dir.path().join("out/etc/conf.d/net");
    assert_parses(&net);
    let stubs = dir.path().join("stubs");
    let log = dir.path().join("iw.log");
    write(
        &stubs,
        "iw",
        &format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display()),
    );
    let chmod = Command::new("chmod")
        .arg("0755")
        .arg(stubs.join("iw"))
        .status()
        .unwrap();
    assert!(chmod.success());
    let netns = crate::support::sandbox::Netns::new();
    netns.ip_ok(&["link", "add", "br1", "type", "bridge"]);
    netns.ip_ok(&["link", "add", "br2", "type", "bridge"]);
    let script = format!(
        "set -u; . '{}'; for IFACE in br1 br2 br0 tap1; do preup || exit 1; postup || exit 1; done",
        net.display()
    );
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", stubs.display());
    let output = netns
        .command(&["env", &format!("PATH={path}"), "dash", "-c", &script])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        netns
            .read("/proc/sys/net/ipv4/conf/br1/proxy_arp")
            .as_deref()
            .map(str::trim),
        Some("1")
    );
    assert_eq!(
        netns
            .read("/proc/sys/net/ipv4/conf/br2/proxy_arp")
            .as_deref()
            .map(str::trim),
        Some("0")
    );
    assert_eq!(fs_err::read_to_string(&log).unwrap(), "dev wlan0 set 4addr on\n");
}
