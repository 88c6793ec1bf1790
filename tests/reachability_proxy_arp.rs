//! The proxy-ARP mode's row of the reachability table, for real, with an
//! uplink that cannot be bridged: the lab of `support/lab/` with the
//! host's NIC renamed `wlan0`, marked wireless in the facts (hostnet refuses
//! to bridge it), and an access point stand-in on the LAN side of its link
//! (nft netdev hooks on the router's port: frames from the host must carry
//! the host's MAC, frames to the host must be for it) — what an access point
//! does to a station, so a bridge that let the guests' own MACs through
//! would be cut off, and proxy ARP passes.
//!
//! `hostnet render` of a `vm_network` `mode: proxy_arp` playbook for a
//! Debian host; the boot path with the real tools: systemd-sysctl, `ifup -a`
//! (the Wi-Fi's own static stanza stands for NetworkManager or
//! wpa_supplicant), the rendered dnsmasq relay. The LAN's DHCP server (on the
//! router) has the guests' fixed leases; the guests take them through the
//! relay, and then:
//!
//! | mode | g→LAN | LAN→g | g↔g | g→inet | host→g |
//! |---|---|---|---|---|---|
//! | proxy_arp | yes | yes | yes | yes | yes |
//!
//! Each cell is a ping and a TCP connection to the lab's listener, both
//! required, and the listener must have seen the sender it expects (the
//! guests are routed, never masqueraded: the LAN and the internet see their
//! own addresses, which are on the LAN's subnet); controls: the LAN device and the
//! host reach the internet. Afterwards: `wlan0` is no
//! bridge port and the access point dropped nothing; negative controls:
//! proxy ARP off on the bridge cuts the guests off the LAN, off on `wlan0`
//! the LAN off the guests, and the access point does drop a frame with a
//! foreign MAC. Self-contained: its own boot and probes, so it moves with
//! the lab.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::support::lab::probe::{self, Outcome};
use crate::support::lab::{self, INTERNET, LAN_DEVICE, LAN_ROUTER, Lab};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Background, Features, Netns, Sandbox, wait_for};
use crate::support::{hostnet, stderr, write};

const HOST_ADDRESS: Ipv4Addr = lab::HOST_LAN;
/// The guests: name, MAC, the fixed address the LAN's DHCP server leases it.
const GUESTS: [(&str, &str, Ipv4Addr); 2] = [
    ("g1", "52:54:00:00:02:50", Ipv4Addr::new(192, 168, 1, 50)),
    ("g2", "52:54:00:00:02:51", Ipv4Addr::new(192, 168, 1, 51)),
];

fn systemd_sysctl() -> &'static str {
    ["/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .unwrap_or("/lib/systemd/systemd-sysctl")
}

fn playbook(mode: &str) -> String {
    let mut vms = String::new();
    for (index, (name, mac, ip)) in GUESTS.iter().enumerate() {
        let _ = writeln!(
            vms,
            "          - {{ name: {name}, tap: tap{index}, mac: \"{mac}\", ip: {ip} }}"
        );
    }
    let extra = if mode == "proxy_arp" {
        format!("        address: [{HOST_ADDRESS}/24]\n        dhcp_relay: {LAN_ROUTER}\n")
    } else {
        String::new()
    };
    format!(
        "- name: Guests on a Wi-Fi LAN\n  hosts: localhost\n  tasks:\n    - name: The guests' network\n      vm_network:\n        mode: {mode}\n        bridge: br0\n        uplink: wlan0\n{extra}        vms:\n{vms}"
    )
}

fn facts(mac: &str) -> String {
    format!(
        "distro: debian\ninit: systemd\ninterfaces:\n  - {{ name: wlan0, mac: \"{mac}\", wireless: true, addresses: [{HOST_ADDRESS}/24], gateway: {LAN_ROUTER} }}\n"
    )
}

/// Debian's `/etc/network/interfaces` with the Wi-Fi's address, which on a
/// real laptop NetworkManager or wpa_supplicant gives it.
const INTERFACES: &str = "\
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto wlan0
iface wlan0 inet static
    address 192.168.1.10/24
    gateway 192.168.1.1
";

/// The access point: on the router's port towards the host, frames from the
/// host must carry its MAC and frames to it must be for it (or broadcast
/// and multicast, which an access point sends to every station).
fn access_point(lab: &Lab, host_mac: &str, dir: &std::path::Path) {
    let filter = format!(
        "table netdev ap {{
\tchain in {{
\t\ttype filter hook ingress device \"p-host\" priority filter; policy accept;
\t\tether saddr != {host_mac} counter drop
\t}}
\tchain out {{
\t\ttype filter hook egress device \"p-host\" priority filter; policy accept;
\t\tether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 accept
\t\tether daddr != {host_mac} counter drop
\t}}
}}
"
    );
    let file = write(dir, "ap.nft", &filter);
    lab.lan.exec_ok(&["nft", "-f", &file.display().to_string()]);
}

/// Ping and connect: whether the ping got through, and what the TCP
/// connection got back from the listener.
fn reaches(from: &Netns, target: Ipv4Addr) -> (bool, Outcome) {
    std::thread::scope(|scope| {
        let tcp = scope.spawn(|| probe::tcp(from, target));
        (probe::ping(from, target), tcp.join().unwrap())
    })
}

/// Poll a probe expected to get through, seen as `seen`, for up to 5 s.
fn eventually(from: &Netns, target: Ipv4Addr, seen: Ipv4Addr) -> Cell {
    let wanted = (true, Outcome::Answered(Some(seen.into())));
    let got = wait_for(Duration::from_secs(5), || {
        let result = reaches(from, target);
        (result == wanted).then_some(result)
    })
    .unwrap_or_else(|| reaches(from, target));
    Cell { got, wanted }
}

/// One cell of the row: what the probes got, and what they must get.
struct Cell {
    got: (bool, Outcome),
    wanted: (bool, Outcome),
}

#[test]
fn proxy_arp_guests_are_on_the_wifi_lan_both_ways() {
    let tools = [
        "ifup",
        "dnsmasq",
        "busybox",
        "ping",
        "nft",
        "sysctl",
        "ss",
        systemd_sysctl(),
    ];
    if !sandbox::require(&tools) {
        return;
    }
    let guests: Vec<(&str, &str)> = GUESTS.iter().map(|(name, mac, _)| (*name, *mac)).collect();
    let lab = Lab::new(&guests);
    let scratch = tempfile::tempdir().unwrap();
    // The host's NIC becomes the Wi-Fi stand-in.
    lab.host.ip_ok(&["link", "set", "eth0", "name", "wlan0"]);
    let host_mac = lab.host.read("/sys/class/net/wlan0/address").unwrap().trim().to_owned();
    let facts = facts(&host_mac);

    // hostnet will not bridge it: bridged mode over this uplink is refused.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bridged.yml", &playbook("bridged"));
    write(dir.path(), "facts.yml", &facts);
    let refused = hostnet()
        .current_dir(dir.path())
        .args(["check", "bridged.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with("error: `wlan0` is a wireless interface and cannot be a bridge port"),
        "{}",
        stderr(&refused)
    );

    access_point(&lab, &host_mac, scratch.path());
    // The LAN's DHCP server on the router, with the guests' fixed leases; it
    // answers requests relayed from the host (giaddr on its subnet) as well.
    let reservations: Vec<(String, Ipv4Addr)> = GUESTS.iter().map(|(_, mac, ip)| ((*mac).to_owned(), *ip)).collect();
    let lan_log = lab.serve_lan_dhcp(&reservations);
    let rendered = Rendered::new(
        &playbook("proxy_arp"),
        &facts,
        &["--network-backend", "debian-ifupdown"],
        &[("etc/network/interfaces", INTERFACES)],
    );
    let sandbox = Sandbox::new(&lab.host, rendered.stage.path(), Features::default());
    // The boot path: systemd-sysctl.service, networking.service, dnsmasq.service.
    let mut boot = String::new();
    for script in [
        format!("{} /etc/sysctl.d/30-hostnet.conf", systemd_sysctl()),
        "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network".to_owned(),
    ] {
        let output = sandbox.run(&script);
        let _ = writeln!(boot, "$ {script}\n{}", sandbox::text(&output));
        assert!(output.status.success(), "boot step failed:\n{boot}");
    }
    let dnsmasq: Background = sandbox.spawn(
        ": > /run/hostnet-lab-resolv.conf
exec dnsmasq --keep-in-foreground --log-facility=- --log-dhcp --conf-file=/etc/dnsmasq.d/hostnet-br0.conf \
--resolv-file=/run/hostnet-lab-resolv.conf --dhcp-leasefile=/run/dnsmasq.leases --pid-file=/run/dnsmasq.pid",
    );
    let started = wait_for(Duration::from_secs(10), || {
        dnsmasq.output().contains("DHCP relay").then_some(())
    });
    let report = |boot: &str| {
        format!(
            "--- boot:\n{boot}--- relay:\n{}--- LAN DHCP:\n{}",
            dnsmasq.output(),
            fs_err::read_to_string(&lan_log).unwrap_or_default()
        )
    };
    assert!(started.is_some(), "the relay did not start\n{}", report(&boot));
    lab.attach_guests("br0");

    // The guests' leases, relayed from the LAN's server: their fixed addresses, the LAN's router.
    for ((name, _, ip), lease) in GUESTS.iter().zip(lab.dhcp_all()) {
        let lease = lease.unwrap_or_else(|error| panic!("{error}\n{}", report(&boot)));
        assert_eq!(
            (lease.ip, lease.router),
            (ip.to_string(), LAN_ROUTER.to_string()),
            "{name}'s lease through the relay\n{}",
            report(&boot)
        );
    }

    // The row, and the controls that make a "yes" mean something.
    let mut cells: Vec<(String, Cell)> = Vec::new();
    cells.push((
        "control landev→internet".into(),
        eventually(&lab.landev, INTERNET, LAN_DEVICE),
    ));
    cells.push((
        "control host→internet".into(),
        eventually(&lab.host, INTERNET, HOST_ADDRESS),
    ));
    for (index, guest) in lab.guests.iter().enumerate() {
        let (name, _, ip) = GUESTS[index];
        let other = GUESTS[1 - index].2;
        cells.push((format!("g→LAN {name}→landev"), eventually(&guest.netns, LAN_DEVICE, ip)));
        cells.push((format!("LAN→g landev→{name}"), eventually(&lab.landev, ip, LAN_DEVICE)));
        cells.push((format!("g↔g {name}→{other}"), eventually(&guest.netns, other, ip)));
        cells.push((
            format!("g→inet {name}→internet"),
            eventually(&guest.netns, INTERNET, ip),
        ));
        cells.push((format!("host→g host→{name}"), eventually(&lab.host, ip, HOST_ADDRESS)));
    }
    let table: String = cells
        .iter()
        .map(|(label, cell)| {
            format!(
                "  {label}: ping {}, tcp {} (wanted: tcp {})\n",
                yes(cell.got.0),
                cell.got.1,
                cell.wanted.1
            )
        })
        .collect();
    assert!(
        cells.iter().all(|(_, cell)| cell.got == cell.wanted),
        "proxy_arp: every cell is yes\n{table}{}",
        report(&boot)
    );
    eprintln!("proxy_arp (wireless stand-in, relay):\n{table}");

    // Nothing bridged the Wi-Fi, and the access point never saw a foreign MAC.
    assert_eq!(lab.host.read("/sys/class/net/wlan0/master"), None);
    assert!(!lab.host.ip_ok(&["-o", "link", "show", "wlan0"]).contains("master"));
    let counters = lab.lan.exec_ok(&["nft", "list", "table", "netdev", "ap"]);
    assert_eq!(
        counters.matches("counter packets 0 bytes 0 drop").count(),
        2,
        "the access point dropped frames:\n{counters}"
    );
    // Controls: proxy ARP is what carries it. Off on the bridge, the guests
    // cannot resolve the LAN; off on wlan0, the LAN cannot resolve them.
    let (g1, g1_ip) = (&lab.guests[0].netns, GUESTS[0].2);
    lab.host
        .exec_ok(&["sysctl", "-q", "-w", "net.ipv4.conf.br0.proxy_arp=0"]);
    g1.ip_ok(&["neigh", "flush", "all"]);
    assert!(
        !probe::ping(g1, LAN_DEVICE),
        "control: g1 reaches the LAN without proxy ARP on br0"
    );
    lab.host
        .exec_ok(&["sysctl", "-q", "-w", "net.ipv4.conf.br0.proxy_arp=1"]);
    lab.host
        .exec_ok(&["sysctl", "-q", "-w", "net.ipv4.conf.wlan0.proxy_arp=0"]);
    lab.landev.ip_ok(&["neigh", "flush", "all"]);
    lab.lan.ip_ok(&["neigh", "flush", "all"]);
    assert!(
        !probe::ping(&lab.landev, g1_ip),
        "control: the LAN reaches g1 without proxy ARP on wlan0"
    );
    // Negative control: the access point does drop a station's frame with another MAC.
    lab.host
        .ip_ok(&["link", "set", "wlan0", "address", "52:54:00:ee:ee:ee"]);
    lab.landev.ip_ok(&["neigh", "flush", "all"]);
    assert!(
        !probe::ping(&lab.host, LAN_DEVICE),
        "control: the access point lets a foreign MAC through"
    );
}

fn yes(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
