//! Pre-flight checks (issue #17), against what a root holds: its routing
//! table (`proc/net/route`), br_netfilter and Docker, other DHCP servers'
//! and sysctl files, and the tools installed. Errors stop `plan` and
//! `apply` before anything changes unless `--yes`; warnings are shown with
//! the plan.

use std::path::Path;
use std::process::Output;

use crate::corpus::snapshot;
use crate::support::{hostnet, stderr, stdout, write};

/// A root whose routing table has the default route and the LAN on `eth0`,
/// and 10.77.0.0/16 through `eth1`.
const ROUTES: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
eth1\t00004D0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
";

const FACTS: &str = "distro: debian\ninit: systemd\ninterfaces: [{ name: eth0 }, { name: eth1 }]\n";

const BRIDGED: &str = "- hosts: localhost
  tasks:
    - name: The uplink joins the bridge
      vm_network: { mode: bridged, bridge: br0, uplink: eth0, vms: [{ name: g1 }] }
";

fn setup(playbook: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", FACTS);
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    for (path, text) in files {
        write(&dir.path().join("root"), path, text);
    }
    dir
}

fn run(dir: &Path, command: &str, args: &[&str], session: Option<&str>) -> Output {
    let mut hostnet = hostnet();
    hostnet
        .current_dir(dir)
        .env_remove("SSH_CONNECTION")
        .args([command, "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .args(args);
    if let Some(session) = session {
        hostnet.env("SSH_CONNECTION", session);
    }
    hostnet.output().unwrap()
}

#[test]
fn an_uplink_with_the_default_route_needs_yes() {
    let dir = setup(BRIDGED, &[("proc/net/route", ROUTES)]);
    let before = snapshot(&dir.path().join("root"));
    let output = run(dir.path(), "apply", &[], None);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "error: `eth0` carries the default route (via 192.168.1.1): while it moves into `br0` the host is off the network
 --> playbook.yml:4:57
  |
4 |       vm_network: { mode: bridged, bridge: br0, uplink: eth0, vms: [{ name: g1 }] }
  |                                                         ^^^^
  |
hint: run it from a console, or go ahead with `--yes` (and `--confirm-timeout SECONDS`, which reverts unless you confirm)
"
    );
    assert_eq!(snapshot(&dir.path().join("root")), before);
    let plan = run(dir.path(), "plan", &["--yes"], None);
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(
        stdout(&plan).contains(
            "[WARNING]: `eth0` carries the default route (via 192.168.1.1): while it moves into `br0` the host is off the network (going ahead: --yes)\n"
        ),
        "{}",
        stdout(&plan)
    );
}

#[test]
fn an_uplink_with_this_ssh_session_needs_yes() {
    // No default route here: only the session's route goes through eth0.
    let routes: String = ROUTES
        .lines()
        .filter(|line| !line.contains("\t00000000\t0101A8C0"))
        .map(|line| format!("{line}\n"))
        .collect();
    let dir = setup(BRIDGED, &[("proc/net/route", &routes)]);
    let output = run(dir.path(), "plan", &[], Some("192.168.1.50 50022 192.168.1.10 22"));
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let first = stderr(&output).lines().next().unwrap().to_owned();
    assert!(
        first.starts_with(
            "error: `eth0` carries this SSH session (from 192.168.1.50): while it moves into `br0` the host is off the network, and a mistake locks you out"
        ),
        "{first}"
    );
    // A session over another interface is no reason to stop.
    let output = run(dir.path(), "plan", &[], Some("10.77.3.4 50022 10.77.0.1 22"));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_subnet_that_overlaps_a_route_elsewhere_is_refused() {
    let playbook = "- hosts: localhost
  tasks:
    - vm_network: { mode: nat, bridge: br0, subnet: 10.77.1.0/24, uplink: eth0, vms: [{ name: g1 }] }
";
    let dir = setup(playbook, &[("proc/net/route", ROUTES)]);
    let output = run(dir.path(), "plan", &[], None);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stderr(&output);
    assert!(
        text.starts_with(
            "error: subnet `10.77.1.0/24` of `br0` overlaps the host's route to `10.77.0.0/16` through `eth1`"
        ),
        "{text}"
    );
    assert!(
        text.contains("hint: pick a subnet the host does not route elsewhere (`ip route` shows the table)\n"),
        "{text}"
    );
}

/// Proxy ARP's bridge carries the uplink's own address as a /32: no subnet
/// of its own, no overlap with the LAN's route through the uplink.
#[test]
fn a_host_address_on_a_proxy_arp_bridge_overlaps_nothing() {
    let playbook = "- hosts: localhost
  tasks:
    - vm_network: { mode: proxy_arp, bridge: br0, uplink: eth0, address: [192.168.1.10/24], vms: [{ name: g1, mac: \"52:54:00:00:01:50\", ip: 192.168.1.50 }] }
";
    let dir = setup(playbook, &[("proc/net/route", ROUTES)]);
    let output = run(dir.path(), "plan", &[], None);
    assert_eq!((output.status.code(), stderr(&output)), (Some(0), String::new()));
    assert!(
        stdout(&output).contains("+    address 192.168.1.10/32\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn warnings_for_what_the_host_already_has() {
    let playbook = "- hosts: localhost
  tasks:
    - name: A private bridge for a guest
      bridge: { name: br0, ports: [tap0], address: 172.16.1.1/24 }
    - tap: { name: tap0 }
    - dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9] }
    - sysctl: { name: net.ipv4.ip_forward, value: 1 }
";
    let dir = setup(
        playbook,
        &[
            ("usr/bin/dockerd", ""),
            ("proc/sys/net/bridge/bridge-nf-call-iptables", "1\n"),
            (
                "etc/dnsmasq.d/lan.conf",
                "interface=eth1\ndhcp-range=172.16.1.100,172.16.1.200,12h\n",
            ),
            ("etc/sysctl.d/99-no-forwarding.conf", "net.ipv4.ip_forward = 0\n"),
        ],
    );
    let output = run(dir.path(), "plan", &[], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let warnings: Vec<&str> = text.lines().filter(|line| line.starts_with("[WARNING]")).collect();
    assert_eq!(
        warnings,
        [
            "[WARNING]: Docker drops forwarded traffic and br_netfilter sends bridged frames through FORWARD: the guests on `br0` lose all traffic (add `firewall: { bridge_forward: br0 }`)",
            "[WARNING]: /etc/dnsmasq.d/lan.conf:2 already serves DHCP on `172.16.1.0/24`, which hostnet's server on `br0` serves too: two servers hand out conflicting leases",
            "[WARNING]: /etc/sysctl.d/99-no-forwarding.conf:1 sets `net.ipv4.ip_forward = 0`, hostnet sets 1: whichever file the sysctl service reads last wins at boot",
        ]
    );
}

#[test]
fn packages_missing_on_a_detected_host() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", BRIDGED);
    write(dir.path(), "root/etc/os-release", "ID=debian\n");
    write(dir.path(), "root/sys/class/net/eth0/address", "52:54:00:12:34:56\n");
    let plan = |tools: bool| {
        if tools {
            write(dir.path(), "root/usr/sbin/brctl", "");
        }
        hostnet()
            .current_dir(dir.path())
            .args(["plan", "playbook.yml", "--root", "root"])
            .output()
            .unwrap()
    };
    let missing = "[WARNING]: package `bridge-utils` is needed (the bridge_* options in /etc/network/interfaces.d/hostnet) but `brctl` is not installed\n";
    let output = plan(false);
    assert!(
        stdout(&output).contains(missing),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let output = plan(true);
    assert!(!stdout(&output).contains(missing), "{}", stdout(&output));
}

/// `proc/net/ipv6_route` with the host's IPv6 default route from a router
/// advertisement on eth0 (flags `RTF_ADDRCONF | RTF_DEFAULT | RTF_EXPIRES
/// | RTF_GATEWAY | RTF_UP`) and its prefix route.
const RA_ROUTES: &str = "\
20010db8000100000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00450003     eth0
";

/// The plan's `[WARNING]` lines.
fn warnings(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter(|line| line.starts_with("[WARNING]"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn ipv6_forwarding_warns_when_the_host_would_lose_its_ra_default_route() {
    let forwarding = "- hosts: localhost
  tasks:
    - sysctl: { name: net.ipv6.conf.all.forwarding, value: 1 }
";
    let dir = setup(forwarding, &[("proc/net/ipv6_route", RA_ROUTES)]);
    let output = run(dir.path(), "plan", &[], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        warnings(&output),
        [
            "[WARNING]: `eth0` has the host's IPv6 default route from router advertisements (via fe80::1): turning IPv6 forwarding on deletes it, and the kernel then ignores the advertisements, so the host loses IPv6 (add `sysctl: { name: net.ipv6.conf.eth0.accept_ra, value: 2 }` before the forwarding; `vm_network` does for its `uplink`)"
        ]
    );
    // accept_ra=2 after the forwarding is too late.
    let late = "- hosts: localhost
  tasks:
    - sysctl: { name: net.ipv6.conf.all.forwarding, value: 1 }
    - sysctl: { name: net.ipv6.conf.eth0.accept_ra, value: 2 }
";
    let dir = setup(late, &[("proc/net/ipv6_route", RA_ROUTES)]);
    assert_eq!(
        warnings(&run(dir.path(), "plan", &[], None)),
        [
            "[WARNING]: `eth0` has the host's IPv6 default route from router advertisements (via fe80::1), and hostnet sets `net.ipv6.conf.eth0.accept_ra = 2` only after `net.ipv6.conf.all.forwarding`: turning forwarding on deletes the route first (put the `accept_ra` task before the forwarding)"
        ]
    );
    // vm_network sets accept_ra=2 on its uplink first: nothing to warn about.
    let nat = "- hosts: localhost
  tasks:
    - vm_network:
        mode: nat
        uplink: eth0
        subnet: 172.16.1.0/24
        subnet6: \"fd42:4242:4242:1::/64\"
        vms: [{ name: g1 }]
";
    let dir = setup(nat, &[("proc/net/ipv6_route", RA_ROUTES)]);
    let output = run(dir.path(), "plan", &[], None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(warnings(&output), [] as [String; 0]);
    // Nor where the host already has accept_ra=2 on the interface.
    let dir = setup(forwarding, &[("proc/net/ipv6_route", RA_ROUTES)]);
    write(
        dir.path(),
        "facts.yml",
        "distro: debian\ninit: systemd\ninterfaces: [{ name: eth0, accept_ra: 2 }, { name: eth1 }]\n",
    );
    assert_eq!(warnings(&run(dir.path(), "plan", &[], None)), [] as [String; 0]);
}
