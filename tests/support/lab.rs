//! The end-to-end lab of `reference/distro-tools.md`, for tests that prove
//! who reaches whom: an "internet", a LAN with a router and a device, the
//! host, and guests — every one a network namespace the test creates.
//!
//! ```text
//!  wan ── 198.51.100.1/30, 203.0.113.1/32 (the "internet"; no route to any private range)
//!   │
//!  lan ── wan0 198.51.100.2/30, bridge lanbr 192.168.1.1/24: the LAN router,
//!   │     forwarding and masquerading everything out of wan0, DHCP on demand
//!   ├── landev: eth0 192.168.1.20/24, default via the router
//!   └── host: eth0, unconfigured: only the real tools configure it
//!        └── vnetN ── gN: eth0 with the guest's MAC (the host end joins the
//!                         host's bridge later, as qemu-bridge-helper does with a TAP)
//! ```
//!
//! The guests, the LAN device and the "internet" accept TCP on [`TCP_PORT`]
//! (`busybox nc -ll -e /bin/true`: accept, close): a firewall may treat ping
//! differently from a connection (stock ufw forwards every ping), so
//! [`connects`] goes with [`pings`].
//!
//! Links are only created with `ip -n A link add … peer … netns B` between
//! the lab's own namespaces; nothing has a link to the root namespace, and
//! every address is private or documentation. Dropping the lab kills every
//! process in it and deletes the namespaces (see [`Netns`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use super::sandbox::{Netns, text, wait_for};

/// The LAN router's address.
pub const LAN_ROUTER: &str = "192.168.1.1";
/// The LAN's prefix length.
pub const LAN_PREFIX: u8 = 24;
/// A device on the LAN.
pub const LAN_DEVICE: &str = "192.168.1.20";
/// The host's static LAN address where the playbook leaves `eth0` to the host's own configuration.
pub const HOST_LAN: &str = "192.168.1.10";
/// The LAN DHCP server's range (bridged guests and a bridged host get these).
pub const LAN_DHCP_RANGE: (&str, &str) = ("192.168.1.100", "192.168.1.150");
/// The "internet".
pub const INTERNET: &str = "203.0.113.1";
/// The TCP port every guest, the LAN device and the "internet" listen on.
pub const TCP_PORT: &str = "7777";

/// What the lab's udhcpc script does: configure the interface like a
/// guest's DHCP client (address, default route if the server names a
/// router) and print the lease.
const UDHCPC_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then
      for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    fi
    echo "lease: ip=$ip router=$router"
    ;;
esac
exit 0
"#;

/// A guest: its namespace, MAC, and the host end of its link.
pub struct Guest {
    /// `g1`, `g2`, … (for messages).
    pub name: String,
    /// The guest's namespace; its NIC is `eth0`.
    pub netns: Netns,
    /// The MAC of its `eth0`.
    pub mac: String,
    /// The host end of its veth (`vnetN`), not attached to anything yet.
    pub port: String,
}

/// What a guest's DHCP client was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Its address.
    pub ip: String,
    /// The routers option (empty: none).
    pub router: String,
}

/// The namespaces of the lab and a scratch directory for its files.
pub struct Lab {
    /// The "internet".
    pub wan: Netns,
    /// The LAN router.
    pub lan: Netns,
    /// A device on the LAN.
    pub landev: Netns,
    /// The host under test.
    pub host: Netns,
    /// The guests.
    pub guests: Vec<Guest>,
    scratch: TempDir,
}

impl Lab {
    /// The lab with one guest per `(name, mac)`.
    pub fn new(guests: &[(&str, &str)]) -> Self {
        let wan = Netns::new();
        let lan = Netns::new();
        let landev = Netns::new();
        let host = Netns::new();

        // The "internet": a transfer net to the router and one address
        // beyond it, with no route back to the LAN or the guests.
        lan.veth("wan0", &wan, "eth0");
        wan.ip_ok(&["addr", "add", "198.51.100.1/30", "dev", "eth0"]);
        wan.ip_ok(&["addr", "add", &format!("{INTERNET}/32"), "dev", "lo"]);
        wan.ip_ok(&["link", "set", "eth0", "up"]);

        // The LAN router: bridge, uplink, forwarding, masquerade.
        lan.ip_ok(&[
            "link",
            "add",
            "lanbr",
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ]);
        lan.ip_ok(&["addr", "add", &format!("{LAN_ROUTER}/{LAN_PREFIX}"), "dev", "lanbr"]);
        lan.ip_ok(&["link", "set", "lanbr", "up"]);
        lan.ip_ok(&["addr", "add", "198.51.100.2/30", "dev", "wan0"]);
        lan.ip_ok(&["link", "set", "wan0", "up"]);
        lan.ip_ok(&["route", "add", "default", "via", "198.51.100.1"]);
        lan.exec_ok(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        lan.exec_ok(&[
            "iptables",
            "-w",
            "-t",
            "nat",
            "-A",
            "POSTROUTING",
            "-o",
            "wan0",
            "-j",
            "MASQUERADE",
        ]);

        // A LAN device and the host's NIC, both ports of the LAN bridge.
        for (netns, port) in [(&landev, "p-landev"), (&host, "p-host")] {
            lan.veth(port, netns, "eth0");
            lan.ip_ok(&["link", "set", port, "master", "lanbr", "up"]);
        }
        landev.ip_ok(&["addr", "add", &format!("{LAN_DEVICE}/{LAN_PREFIX}"), "dev", "eth0"]);
        landev.ip_ok(&["link", "set", "eth0", "up"]);
        landev.ip_ok(&["route", "add", "default", "via", LAN_ROUTER]);

        // Guests: a NIC with the playbook's MAC; the host end stays loose.
        let guests: Vec<Guest> = guests
            .iter()
            .enumerate()
            .map(|(index, (name, mac))| {
                let netns = Netns::new();
                let port = format!("vnet{index}");
                host.veth(&port, &netns, "eth0");
                netns.ip_ok(&["link", "set", "eth0", "address", mac]);
                netns.ip_ok(&["link", "set", "eth0", "up"]);
                Guest {
                    name: (*name).to_owned(),
                    netns,
                    mac: (*mac).to_owned(),
                    port,
                }
            })
            .collect();

        let listeners: Vec<&Netns> = [&wan, &landev]
            .into_iter()
            .chain(guests.iter().map(|guest| &guest.netns))
            .collect();
        let scratch = tempfile::tempdir().unwrap();
        for (index, netns) in listeners.iter().enumerate() {
            let log = scratch.path().join(format!("listener-{index}.log"));
            netns.spawn(
                netns.command(&["busybox", "nc", "-ll", "-p", TCP_PORT, "-e", "/bin/true"]),
                &log,
            );
        }
        for netns in &listeners {
            let listening = wait_for(Duration::from_secs(5), || {
                let output = netns.exec(&["ss", "-Hltn"]);
                String::from_utf8_lossy(&output.stdout)
                    .contains(&format!(":{TCP_PORT} "))
                    .then_some(())
            });
            assert!(
                listening.is_some(),
                "the TCP listener in {} did not start",
                netns.name()
            );
        }
        let script = super::write(scratch.path(), "udhcpc.script", UDHCPC_SCRIPT);
        let chmod = std::process::Command::new("chmod")
            .arg("0755")
            .arg(&script)
            .status()
            .unwrap();
        assert!(chmod.success(), "chmod the udhcpc script");
        Self {
            wan,
            lan,
            landev,
            host,
            guests,
            scratch,
        }
    }

    fn scratch(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// Start the LAN's DHCP server (dnsmasq with a throwaway configuration,
    /// DHCP only, no ping check so a dynamic lease is instant) and wait until
    /// it serves.
    pub fn serve_lan_dhcp(&self) {
        let (first, last) = LAN_DHCP_RANGE;
        let log = self.scratch("lan-dnsmasq.log");
        let mut command = self.lan.command(&[
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--log-facility=-",
            "--port=0",
            "--interface=lanbr",
            "--bind-interfaces",
            "--no-ping",
            "--dhcp-authoritative",
            "--user=root",
            "--group=root",
        ]);
        command
            .arg(format!("--dhcp-range={first},{last},1h"))
            .arg(format!("--dhcp-option=option:router,{LAN_ROUTER}"))
            .arg(format!("--dhcp-leasefile={}", self.scratch("lan.leases").display()))
            .arg(format!("--pid-file={}", self.scratch("lan-dnsmasq.pid").display()));
        self.lan.spawn(command, &log);
        wait_for_dhcp_server(&log);
    }

    /// The LAN router learns that `subnet` is behind the host (routed mode).
    pub fn route_via_host(&self, subnet: &str, host: &str) {
        self.lan.ip_ok(&["route", "add", subnet, "via", host]);
    }

    /// Attach every guest's host end to `bridge` in the host and bring it up.
    pub fn attach_guests(&self, bridge: &str) {
        for guest in &self.guests {
            self.host
                .ip_ok(&["link", "set", "dev", &guest.port, "master", bridge, "up"]);
        }
    }

    /// Every guest's DHCP client, at once: a lease each, or what the client
    /// said when it got none.
    pub fn dhcp_all(&self) -> Vec<Result<Lease, String>> {
        let script = self.scratch("udhcpc.script");
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .guests
                .iter()
                .map(|guest| scope.spawn(|| udhcpc(guest, &script)))
                .collect();
            handles.into_iter().map(|handle| handle.join().unwrap()).collect()
        })
    }

    /// Give each guest a static address (`addresses[i]`, with prefix), no route.
    pub fn static_addresses(&self, addresses: &[&str]) {
        for (guest, address) in self.guests.iter().zip(addresses) {
            guest.netns.ip_ok(&["addr", "add", address, "dev", "eth0"]);
        }
    }
}

/// Wait until a dnsmasq logging to `log` serves DHCP; panic with the log if
/// it fails or takes more than 10 s.
pub fn wait_for_dhcp_server(log: &Path) {
    let read = || fs_err::read_to_string(log).unwrap_or_default();
    let ready = wait_for(Duration::from_secs(10), || {
        let text = read();
        assert!(!text.contains("FAILED to start up"), "dnsmasq failed to start:\n{text}");
        text.contains("DHCP, IP range").then_some(())
    });
    assert!(ready.is_some(), "dnsmasq did not serve DHCP within 10 s:\n{}", read());
}

/// `busybox udhcpc` on the guest's `eth0`: up to 5 discovers 1 s apart.
fn udhcpc(guest: &Guest, script: &Path) -> Result<Lease, String> {
    let Some(words) = dhcp_once(&guest.netns, script) else {
        return Err(format!(
            "guest {} ({}) got no DHCP lease:\n{}",
            guest.name,
            guest.mac,
            text(&guest.netns.exec(&["ip", "addr"]))
        ));
    };
    let word = |key: &str| words.get(key).cloned().unwrap_or_default();
    Ok(Lease {
        ip: word("ip"),
        router: word("router"),
    })
}

/// `busybox udhcpc` once on `eth0` in `netns` (up to 5 discovers 1 s apart),
/// with `script` as its hook; the `key=value` words of the `lease: …` line
/// the script printed, or `None` without a lease.
pub fn dhcp_once(netns: &Netns, script: &Path) -> Option<std::collections::BTreeMap<String, String>> {
    let output = netns.exec(&[
        "busybox",
        "udhcpc",
        "-i",
        "eth0",
        "-f",
        "-q",
        "-n",
        "-t",
        "5",
        "-T",
        "1",
        "-s",
        &script.to_string_lossy(),
    ]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = out.lines().find_map(|line| line.strip_prefix("lease: "))?;
    Some(
        line.split(' ')
            .filter_map(|word| word.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
    )
}

/// `ping -c1 -W1 -n TARGET` from `netns`: did it answer?
pub fn pings(netns: &Netns, target: &str) -> bool {
    netns.exec(&["ping", "-c1", "-W1", "-n", target]).status.success()
}

/// Does a TCP connection from `netns` to `target`'s [`TCP_PORT`] open
/// within 1 s?
pub fn connects(netns: &Netns, target: &str) -> bool {
    netns
        .exec(&["busybox", "nc", "-w", "1", target, TCP_PORT])
        .status
        .success()
}

/// The smallest NAT setup: a host with `br0` (172.16.1.1/24) and one guest
/// on it (172.16.1.2, default route via the host), and an "internet"
/// (203.0.113.1) behind the host's `wlan0` (203.0.113.2); forwarding on, no
/// firewall rules yet (the test loads the rendered ones).
pub struct NatTriangle {
    pub host: Netns,
    pub guest: Netns,
    pub internet: Netns,
}

impl NatTriangle {
    pub fn new() -> Self {
        let host = Netns::new();
        let guest = Netns::new();
        let internet = Netns::new();
        host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
        host.ip_ok(&["addr", "add", "172.16.1.1/24", "dev", "br0"]);
        host.ip_ok(&["link", "set", "br0", "up"]);
        host.veth("vnet0", &guest, "eth0");
        host.ip_ok(&["link", "set", "vnet0", "master", "br0", "up"]);
        guest.ip_ok(&["addr", "add", "172.16.1.2/24", "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        guest.ip_ok(&["route", "add", "default", "via", "172.16.1.1"]);
        host.veth("wlan0", &internet, "eth0");
        host.ip_ok(&["addr", "add", "203.0.113.2/24", "dev", "wlan0"]);
        host.ip_ok(&["link", "set", "wlan0", "up"]);
        internet.ip_ok(&["addr", "add", "203.0.113.1/24", "dev", "eth0"]);
        internet.ip_ok(&["link", "set", "eth0", "up"]);
        host.exec_ok(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        Self { host, guest, internet }
    }
}

/// The files the ufw package ships (pristine copies in `/usr/share/ufw`),
/// Debian 12's stock `/etc/default/ufw` and `/etc/ufw/sysctl.conf`, and
/// `ENABLED=yes`: a host with ufw enabled, before hostnet, and nothing of
/// this machine's own ufw setup.
pub fn stock_ufw_files() -> Vec<(&'static str, String)> {
    let mut files: Vec<(&'static str, String)> = [
        ("etc/ufw/before.rules", "before.rules"),
        ("etc/ufw/before6.rules", "before6.rules"),
        ("etc/ufw/after.rules", "after.rules"),
        ("etc/ufw/after6.rules", "after6.rules"),
        ("etc/ufw/user.rules", "user.rules"),
        ("etc/ufw/user6.rules", "user6.rules"),
        ("etc/ufw/before.init", "before.init"),
        ("etc/ufw/after.init", "after.init"),
    ]
    .into_iter()
    .map(|(path, name)| (path, fs_err::read_to_string(format!("/usr/share/ufw/{name}")).unwrap()))
    .collect();
    files.push(("etc/default/ufw", DEBIAN_DEFAULT_UFW.to_owned()));
    files.push(("etc/ufw/sysctl.conf", DEBIAN_UFW_SYSCTL.to_owned()));
    files.push(("etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n".to_owned()));
    files
}

/// Debian 12's `/etc/default/ufw` (ufw 0.36.2), without its comments.
const DEBIAN_DEFAULT_UFW: &str = "\
IPV6=yes
DEFAULT_INPUT_POLICY=\"DROP\"
DEFAULT_OUTPUT_POLICY=\"ACCEPT\"
DEFAULT_FORWARD_POLICY=\"DROP\"
DEFAULT_APPLICATION_POLICY=\"SKIP\"
MANAGE_BUILTINS=no
IPT_SYSCTL=/etc/ufw/sysctl.conf
IPT_MODULES=\"\"
";

/// Debian 12's `/etc/ufw/sysctl.conf` (ufw 0.36.2), without its comments;
/// every key is per network namespace.
const DEBIAN_UFW_SYSCTL: &str = "\
#net/ipv4/ip_forward=1
#net/ipv6/conf/default/forwarding=1
#net/ipv6/conf/all/forwarding=1
net/ipv4/conf/all/accept_redirects=0
net/ipv4/conf/default/accept_redirects=0
net/ipv6/conf/all/accept_redirects=0
net/ipv6/conf/default/accept_redirects=0
net/ipv4/icmp_echo_ignore_broadcasts=1
net/ipv4/icmp_ignore_bogus_error_responses=1
net/ipv4/icmp_echo_ignore_all=0
net/ipv4/conf/all/log_martians=0
net/ipv4/conf/default/log_martians=0
";
