//! The reachability lab: an "internet", a LAN with a router and two
//! devices, the host under test and its guests, every one a network
//! namespace the lab creates; listeners that report the source address they
//! see ([`probe`]); the table of what each mode must measure ([`expect`]);
//! and the boot path that brings the host up with nothing but the distro's
//! own tools on hostnet's rendered files ([`boot`]).
//!
//! ```text
//!  wan ── eth0 198.51.100.1/30, lo 203.0.113.1 (the "internet"): a route to
//!   │     the LAN's 192.168.1.0/24 (its addresses are "public"), none to any
//!   │     guest subnet
//!  lan ── wan0 198.51.100.2/30, bridge lanbr 192.168.1.1/24: the LAN router;
//!   │     forwards, masquerades what is not from the LAN out of wan0, knows
//!   │     no guest subnet unless told (`route_via_host`, routed mode's route)
//!   ├── landev: 192.168.1.20, default via the router
//!   ├── lanadmin: 192.168.1.30, default via the router, and (`admin_route`)
//!   │     a route to the guests' subnet via the host: a LAN machine that
//!   │     knows the way, so a "LAN→g: no" comes from the host's rules
//!   └── host: eth0, unconfigured: only the real tools configure it
//!        └── vnetN ── gN: eth0 with the guest's MAC (the host end joins the
//!                         host's bridge later, as qemu-bridge-helper does)
//! ```
//!
//! With no route back anywhere, an un-masqueraded guest gets no answer from
//! the LAN device or the internet, and where something does answer, the
//! listener's "seen" address tells who sent it: the host's uplink (nat), the
//! guest itself (bridged, routed to the LAN), the LAN router (routed to the
//! internet).
//!
//! Links are only created with `ip -n A link add … peer … netns B` between
//! the lab's own namespaces; nothing has a link to the root namespace, and
//! every address is private or documentation. Dropping the lab stops its
//! listeners, kills every process in it and deletes the namespaces.

pub mod boot;
mod triangle;

/// The probes and the promised table are the product's (`hostnet lab`).
pub use hostnet_lab::{expect, probe};

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

pub use self::triangle::NatTriangle;
use super::sandbox::{Netns, text, wait_for};
use probe::Listener;

use hostnet_lab::topology::UDHCPC_SCRIPT;
/// The addresses and the DHCP client's script are the product lab's
/// (`hostnet lab`), so the tests' lab and the product's agree.
pub use hostnet_lab::topology::{
    HOST_LAN, INTERNET, LAN, LAN_ADMIN, LAN_DEVICE, LAN_DHCP_RANGE, LAN_PREFIX, LAN_ROUTER, LAN_ROUTER_WAN, WAN_PEER,
};

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

/// The namespaces of the lab, its listeners and a scratch directory.
pub struct Lab {
    /// Listeners in the internet, the LAN devices, the guests and the host;
    /// first, so their sockets close before the namespaces go.
    listeners: Vec<Listener>,
    /// The "internet".
    pub wan: Netns,
    /// The LAN router.
    pub lan: Netns,
    /// A device on the LAN.
    pub landev: Netns,
    /// A LAN machine that may be given a route to the guests.
    pub lanadmin: Netns,
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
        let lanadmin = Netns::new();
        let host = Netns::new();

        // The "internet": a transfer net to the router and one address
        // beyond it; it reaches the LAN through the router, nothing else.
        lan.veth("wan0", &wan, "eth0");
        wan.ip_ok(&["addr", "add", &format!("{WAN_PEER}/30"), "dev", "eth0"]);
        wan.ip_ok(&["addr", "add", &format!("{INTERNET}/32"), "dev", "lo"]);
        wan.ip_ok(&["link", "set", "eth0", "up"]);
        wan.ip_ok(&["route", "add", LAN, "via", &LAN_ROUTER_WAN.to_string()]);

        // The LAN router: bridge, uplink, forwarding; what it forwards from
        // elsewhere than its LAN (a routed subnet behind the host) leaves
        // masqueraded, like a home router's.
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
        lan.ip_ok(&["addr", "add", &format!("{LAN_ROUTER_WAN}/30"), "dev", "wan0"]);
        lan.ip_ok(&["link", "set", "wan0", "up"]);
        lan.ip_ok(&["route", "add", "default", "via", &WAN_PEER.to_string()]);
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
            "!",
            "-s",
            LAN,
            "-j",
            "MASQUERADE",
        ]);

        // Two LAN machines and the host's NIC, ports of the LAN bridge.
        for (netns, port) in [(&landev, "p-landev"), (&lanadmin, "p-lanadmin"), (&host, "p-host")] {
            lan.veth(port, netns, "eth0");
            lan.ip_ok(&["link", "set", port, "master", "lanbr", "up"]);
        }
        for (netns, address) in [(&landev, LAN_DEVICE), (&lanadmin, LAN_ADMIN)] {
            netns.ip_ok(&["addr", "add", &format!("{address}/{LAN_PREFIX}"), "dev", "eth0"]);
            netns.ip_ok(&["link", "set", "eth0", "up"]);
            netns.ip_ok(&["route", "add", "default", "via", &LAN_ROUTER.to_string()]);
        }

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

        let listeners = [&landev, &lanadmin, &host]
            .into_iter()
            .chain(guests.iter().map(|guest| &guest.netns))
            .map(|netns| Listener::start(netns, Ipv4Addr::UNSPECIFIED).expect("start a listener"))
            .chain([Listener::start(&wan, INTERNET).expect("start a listener")])
            .collect();
        let scratch = tempfile::tempdir().unwrap();
        let script = super::write(scratch.path(), "udhcpc.script", UDHCPC_SCRIPT);
        let chmod = std::process::Command::new("chmod")
            .arg("0755")
            .arg(&script)
            .status()
            .unwrap();
        assert!(chmod.success(), "chmod the udhcpc script");
        Self {
            listeners,
            wan,
            lan,
            landev,
            lanadmin,
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

    /// The LAN router learns that `subnet` is behind the host: the route
    /// docs/modes/routed.md tells the user to add.
    pub fn route_via_host(&self, subnet: &str) {
        self.lan.ip_ok(&["route", "add", subnet, "via", &HOST_LAN.to_string()]);
    }

    /// The LAN admin's machine learns that `subnet` is behind the host.
    pub fn admin_route(&self, subnet: &str) {
        self.lanadmin
            .ip_ok(&["route", "add", subnet, "via", &HOST_LAN.to_string()]);
    }

    /// Where the LAN router and the internet would send a packet for
    /// `address`: `ip route get` in each (its output, or the error).
    pub fn routes_to(&self, address: Ipv4Addr) -> [(&'static str, String); 2] {
        let route = |netns: &Netns| text(&netns.ip(&["route", "get", &address.to_string()]));
        [("LAN router", route(&self.lan)), ("internet", route(&self.wan))]
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

    /// How many listeners run (for the report).
    pub fn listeners(&self) -> usize {
        self.listeners.len()
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
