//! The uplink a bridge takes over, for real, through the boot path of
//! ifupdown (`ifup -a`, then what udev runs for an `allow-hotplug` NIC) and
//! systemd-networkd in a namespace sandbox:
//!
//! - the bridge keeps the uplink's MAC (pinned from the facts), so the
//!   host's LAN lease stays the uplink's; the control renders the same
//!   playbook with facts that do not know the MAC (hostnet warns) and shows
//!   what the kernel does then: ifupdown's bridge takes its TAP's MAC (the
//!   lowest port MAC), networkd's one of its own;
//! - a bridge of TAPs only gets the stable generated MAC the plan shows;
//! - Debian's installer stanza for the uplink (`allow-hotplug eth0`,
//!   `iface eth0 inet dhcp`) is taken over: with the LAN's DHCP server up,
//!   the bridge gets the lease and the port none; the control leaves the
//!   stanza in place and the port gets a lease of its own beside the
//!   bridge's.
//!
//! Skipped (`skipping: …`) when not root or a tool is missing, unless CI.

use std::time::Duration;

use crate::support::lab::Lab;
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Background, Features, Netns, Sandbox, wait_for};

/// The uplink's MAC (set by the test), above the TAP's, so the kernel's
/// default (the lowest port MAC) is the TAP's and the control can tell.
const UPLINK_MAC: &str = "52:54:00:fe:00:01";
const TAP_MAC: &str = "02:00:00:00:00:01";
const MACHINE_ID: &str = "0123456789abcdef0123456789abcdef";

/// A host namespace with `eth0` (MAC [`UPLINK_MAC`]), a veth whose peer is
/// up in a second namespace.
struct Link {
    host: Netns,
    _peer: Netns,
}

impl Link {
    fn new() -> Self {
        let host = Netns::new();
        let peer = Netns::new();
        host.veth("eth0", &peer, "lan0");
        host.ip_ok(&["link", "set", "eth0", "address", UPLINK_MAC]);
        peer.ip_ok(&["link", "set", "lan0", "up"]);
        Self { host, _peer: peer }
    }
}

fn facts(distro: &str, mac: bool) -> String {
    let mac = if mac {
        format!(", mac: \"{UPLINK_MAC}\"")
    } else {
        String::new()
    };
    format!("distro: {distro}\ninit: systemd\ninterfaces:\n  - {{ name: eth0{mac} }}\nmachine_id: {MACHINE_ID}\n")
}

/// A static bridge over `eth0` with a TAP of a low MAC, and a bridge of TAPs only.
const BRIDGES: &str = "\
- name: Bridges
  hosts: localhost
  tasks:
    - tap: { name: tap0, mac: \"02:00:00:00:00:01\" }
    - interface: { name: eth0, address: none }
    - bridge: { name: br0, ports: [eth0, tap0], address: [192.0.2.1/24] }
    - tap: { name: tap1 }
    - bridge: { name: br1, ports: [tap1], address: [198.51.100.1/24] }
";

fn mac_of(netns: &Netns, name: &str) -> String {
    netns
        .read(&format!("/sys/class/net/{name}/address"))
        .unwrap_or_else(|| panic!("{name} does not exist"))
        .trim()
        .to_owned()
}

/// What the plan says br1's generated MAC is (from the machine ID).
fn generated_br1() -> String {
    hostnet_engine::model::vm::generated_mac(Some(MACHINE_ID), "bridge br1").to_string()
}

const IFUP: &str = "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network";

#[test]
fn ifupdown_bridges_keep_the_uplinks_mac_after_boot() {
    if !sandbox::require(&["ifup", "brctl"]) {
        return;
    }
    let args = ["--network-backend", "debian-ifupdown"];
    let pinned = Rendered::new(BRIDGES, &facts("debian", true), &args, &[]);
    let link = Link::new();
    let sandbox = Sandbox::new(&link.host, pinned.stage.path(), Features::default());
    let output = sandbox.run_ok(IFUP);
    assert_eq!(mac_of(&link.host, "tap0"), TAP_MAC, "{output}");
    assert_eq!(
        (mac_of(&link.host, "br0"), mac_of(&link.host, "br1")),
        (UPLINK_MAC.to_owned(), generated_br1()),
        "br0 keeps eth0's MAC, br1 the generated one\n--- ifup:\n{output}"
    );
    drop(sandbox);
    drop(link);

    // Control: facts without eth0's MAC, so nothing pins br0: the kernel
    // gives it the lowest port MAC, the TAP's.
    let unpinned = Rendered::new(BRIDGES, &facts("debian", false), &args, &[]);
    let link = Link::new();
    let sandbox = Sandbox::new(&link.host, unpinned.stage.path(), Features::default());
    let output = sandbox.run_ok(IFUP);
    assert_eq!(
        mac_of(&link.host, "br0"),
        TAP_MAC,
        "control: an unpinned bridge takes the lowest port MAC\n--- ifup:\n{output}"
    );
}

/// Start networkd in the sandbox as its service would (see real_network.rs).
fn start_networkd(sandbox: &Sandbox<'_>) -> Background {
    sandbox.spawn(
        "mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
chown -R systemd-network:systemd-network /run/systemd/netif
SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug exec /lib/systemd/systemd-networkd",
    )
}

/// Wait until networkd says each link is configured; the MACs of br0 and br1 then.
fn networkd_macs(link: &Link, sandbox: &Sandbox<'_>, networkd: &Background) -> (String, String) {
    let configured = |name: &str| {
        link.host
            .read(&format!("/sys/class/net/{name}/ifindex"))
            .and_then(|index| {
                fs_err::read_to_string(sandbox.run_dir().join("systemd/netif/links").join(index.trim())).ok()
            })
            .is_some_and(|state| state.contains("ADMIN_STATE=configured"))
    };
    let settled = wait_for(Duration::from_secs(30), || {
        ["br0", "br1", "eth0"].iter().all(|name| configured(name)).then_some(())
    });
    assert!(
        settled.is_some(),
        "networkd did not configure the links:\n{}",
        networkd.output()
    );
    (mac_of(&link.host, "br0"), mac_of(&link.host, "br1"))
}

#[test]
fn networkd_bridges_keep_the_uplinks_mac_after_boot() {
    if !sandbox::require(&["/lib/systemd/systemd-networkd", "mknod"]) {
        return;
    }
    let args = ["--network-backend", "systemd-networkd"];
    let pinned = Rendered::new(BRIDGES, &facts("systemd", true), &args, &[]);
    let link = Link::new();
    let sandbox = Sandbox::new(&link.host, pinned.stage.path(), Features::NETWORKD);
    let networkd = start_networkd(&sandbox);
    assert_eq!(
        networkd_macs(&link, &sandbox, &networkd),
        (UPLINK_MAC.to_owned(), generated_br1()),
        "br0 keeps eth0's MAC, br1 the generated one"
    );
    drop(networkd);
    drop(sandbox);
    drop(link);

    // Control: without the pin networkd gives br0 a MAC of its own, not eth0's.
    let unpinned = Rendered::new(BRIDGES, &facts("systemd", false), &args, &[]);
    let link = Link::new();
    let sandbox = Sandbox::new(&link.host, unpinned.stage.path(), Features::NETWORKD);
    let networkd = start_networkd(&sandbox);
    let (br0, _) = networkd_macs(&link, &sandbox, &networkd);
    assert_ne!(br0, UPLINK_MAC, "control: networkd's own MAC for an unpinned bridge");
}

/// Debian 12's installer: the NIC by DHCP, hot-plugged.
const INSTALLER: &str = "\
# The loopback network interface
auto lo
iface lo inet loopback

source /etc/network/interfaces.d/*

# The primary network interface
allow-hotplug eth0
iface eth0 inet dhcp
";

const BRIDGED: &str = "\
- name: Bridged guests
  hosts: localhost
  tasks:
    - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: desk, tap: tap0 }] }
";

/// The boot: `ifup -a` (networking.service), then what udev's ifupdown
/// hotplug rule runs when eth0 appears.
const BOOT: &str = "mkdir -p /run/network
ifup -a -i /etc/network/interfaces --state-dir /run/network
ifup --allow=hotplug -i /etc/network/interfaces --state-dir /run/network eth0 || true";

/// The IPv4 addresses of `dev`, without prefixes.
fn addresses(netns: &Netns, dev: &str) -> Vec<String> {
    netns
        .ip_ok(&["-o", "-4", "addr", "show", "dev", dev])
        .lines()
        .filter_map(|line| line.split_whitespace().skip_while(|word| *word != "inet").nth(1))
        .map(|word| word.split('/').next().unwrap_or(word).to_owned())
        .collect()
}

/// Boot `rendered` on the lab's host; the addresses of br0 and eth0 once
/// br0 has its lease (or after 20 s).
fn boot_with_lan_dhcp(rendered: &Rendered) -> (Vec<String>, Vec<String>, String) {
    let lab = Lab::new(&[]);
    lab.serve_lan_dhcp(&[]);
    let sandbox = Sandbox::new(&lab.host, rendered.stage.path(), Features::default());
    let output = sandbox::text(&sandbox.run(BOOT));
    let _ = wait_for(Duration::from_secs(20), || {
        (!addresses(&lab.host, "br0").is_empty()).then_some(())
    });
    // A port's own dhclient gets its lease in the same few seconds.
    std::thread::sleep(Duration::from_secs(2));
    (addresses(&lab.host, "br0"), addresses(&lab.host, "eth0"), output)
}

#[test]
fn the_installers_stanza_is_taken_over_so_the_port_gets_no_lease() {
    if !sandbox::require(&["ifup", "brctl", "dhclient", "dnsmasq", "busybox", "ss"]) {
        return;
    }
    let facts = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\n";
    let args = ["--network-backend", "debian-ifupdown"];
    let taken = Rendered::new(BRIDGED, facts, &args, &[("etc/network/interfaces", INSTALLER)]);
    let main = taken.read("/etc/network/interfaces");
    assert!(
        main.contains("# BEGIN hostnet takeover eth0\n")
            && main.contains("\n# allow-hotplug eth0\n# iface eth0 inet dhcp\n"),
        "{main}"
    );
    let (bridge, port, output) = boot_with_lan_dhcp(&taken);
    assert_eq!(bridge.len(), 1, "br0 has the LAN lease\n--- boot:\n{output}");
    assert_eq!(
        port,
        Vec::<String>::new(),
        "eth0, a port, has no lease of its own\n--- boot:\n{output}"
    );

    // Control: the stanza left in place (hostnet's files, the user's
    // installer stanza as it was): eth0 takes a lease of its own as well.
    let both = Rendered::new(BRIDGED, facts, &args, &[("etc/network/interfaces", INSTALLER)]);
    both.write("/etc/network/interfaces", INSTALLER);
    let (bridge, port, output) = boot_with_lan_dhcp(&both);
    assert_eq!(bridge.len(), 1, "control: br0 has the LAN lease\n--- boot:\n{output}");
    assert_eq!(
        port.len(),
        1,
        "control: eth0 got a lease of its own\n--- boot:\n{output}"
    );
}
