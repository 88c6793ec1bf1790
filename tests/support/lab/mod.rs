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
//! The wiring, the LAN's DHCP server, the listeners and the guests' DHCP
//! client are the product lab's (`hostnet_lab::topology`, [`probe`],
//! `hostnet_lab::udhcpc`), in the tests' own namespaces; the tests' own
//! are the guests on plain veths (no TAP: the host end joins the bridge as
//! qemu-bridge-helper's TAP would) and a host left unconfigured.
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

use hostnet_lab::topology::{self, Machines};
use hostnet_lab::udhcpc;
use tempfile::TempDir;

pub use self::triangle::NatTriangle;
use super::sandbox::{Netns, text};
use probe::Listener;

/// The addresses are the product lab's (`hostnet lab`), so the tests' lab
/// and the product's agree.
pub use hostnet_lab::topology::{HOST_LAN, INTERNET, LAN_DEVICE, LAN_DHCP_RANGE, LAN_ROUTER};

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
        // The product lab's wiring; the host's eth0 stays down and
        // unconfigured: only the real tools configure it.
        Machines {
            wan: &wan,
            lan: &lan,
            landev: &landev,
            lanadmin: &lanadmin,
            host: &host,
        }
        .wire("eth0")
        .unwrap_or_else(|error| panic!("wire the lab: {error}"));

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

        let machines: Vec<&dyn hostnet_lab::Namespace> = [&landev, &lanadmin, &host]
            .into_iter()
            .chain(guests.iter().map(|guest| &guest.netns))
            .map(|netns| netns as &dyn hostnet_lab::Namespace)
            .collect();
        let listeners = probe::listeners(&machines, (&wan, INTERNET.into())).expect("start the listeners");
        let scratch = tempfile::tempdir().unwrap();
        let script = super::write(scratch.path(), "udhcpc.script", udhcpc::SCRIPT);
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

    /// Start the LAN's DHCP server (the product lab's: DHCP only, no ping
    /// check so a dynamic lease is instant), with fixed leases
    /// `reservations` (MAC, address), and wait until it serves; its log.
    pub fn serve_lan_dhcp(&self, reservations: &[(String, Ipv4Addr)]) -> PathBuf {
        topology::serve_lan_dhcp(&self.lan, self.scratch.path(), reservations)
            .unwrap_or_else(|error| panic!("{error}"));
        self.scratch("lan-dnsmasq.log")
    }

    /// The LAN router learns that `subnet` is behind the host: the route
    /// docs/modes/routed.md tells the user to add.
    pub fn route_via_host(&self, subnet: &str) {
        topology::route_via_host(&self.lan, subnet).unwrap_or_else(|error| panic!("{error}"));
    }

    /// The LAN admin's machine learns that `subnet` is behind the host.
    pub fn admin_route(&self, subnet: &str) {
        topology::route_via_host(&self.lanadmin, subnet).unwrap_or_else(|error| panic!("{error}"));
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
                .map(|guest| scope.spawn(|| lease_of(guest, &script)))
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

/// `busybox udhcpc` on the guest's `eth0`: up to 5 discovers 1 s apart.
fn lease_of(guest: &Guest, script: &Path) -> Result<Lease, String> {
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

/// `busybox udhcpc` once on `eth0` in `netns` (the product lab's client),
/// with `script` as its hook; the `key=value` words of the lease it got, or
/// `None` without a lease.
pub fn dhcp_once(netns: &Netns, script: &Path) -> Option<std::collections::BTreeMap<String, String>> {
    udhcpc::lease(netns, "eth0", script).unwrap_or_else(|error| panic!("{error}"))
}
