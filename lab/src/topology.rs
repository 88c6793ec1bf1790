//! The lab's namespaces and links: an "internet", a LAN with a router and
//! two machines, the host under test, and (added once the host has its
//! TAPs) one namespace per guest behind its TAP.
//!
//! ```text
//!  wan ── eth0 198.51.100.1/30, lo 203.0.113.1 (the "internet"): a route to
//!   │     the LAN's 192.168.1.0/24 (its addresses are "public"), none to any
//!   │     guest subnet
//!  lan ── wan0 198.51.100.2/30, bridge lanbr 192.168.1.1/24: the LAN router;
//!   │     forwards, masquerades what is not from the LAN out of wan0, serves
//!   │     DHCP on the LAN (192.168.1.100-150), knows no guest subnet unless
//!   │     told (routed mode's route)
//!   ├── landev: 192.168.1.20, default via the router
//!   ├── lanadmin: 192.168.1.30, and a route to the guests' subnet via the
//!   │     host: a LAN machine that knows the way, so a "LAN→g: no" comes
//!   │     from the host's rules
//!   └── host: its uplink (named as the playbook's), 192.168.1.10/24 unless
//!        the uplink joins the bridge
//!        └── TAP ⇄ relay ⇄ rl-N ── gN: eth0 with the guest's MAC
//! ```
//!
//! Nothing has a link to the root namespace; every address is private or
//! documentation.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::LabError;
use crate::namespace::{Namespace, Netns};

/// The LAN's prefix.
pub const LAN: &str = "192.168.1.0/24";
/// The LAN's prefix length.
pub const LAN_PREFIX: u8 = 24;
/// The LAN router's address.
pub const LAN_ROUTER: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
/// The LAN router's address towards the internet.
pub const LAN_ROUTER_WAN: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
/// The LAN router's IPv6 address towards the internet (the rest of the
/// lab's IPv6 is in [`crate::ipv6`]; this one is whom a listener sees
/// when the router NATs, as [`crate::measure`] asks).
pub const LAN_ROUTER_WAN6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2);
/// The internet's end of the transfer net.
pub const WAN_PEER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
/// A device on the LAN.
pub const LAN_DEVICE: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 20);
/// A LAN machine with a route to the guests' subnet via the host.
pub const LAN_ADMIN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 30);
/// The host's LAN address (its own configuration, before the playbook).
pub const HOST_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 10);
/// The LAN DHCP server's range.
pub const LAN_DHCP_RANGE: (Ipv4Addr, Ipv4Addr) = (Ipv4Addr::new(192, 168, 1, 100), Ipv4Addr::new(192, 168, 1, 150));
/// The "internet".
pub const INTERNET: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
/// `ethtool -K eth0 tx off` without ethtool: `SIOCETHTOOL` with
/// `ETHTOOL_STXCSUM` 0.
const TX_CHECKSUM_OFF: &str = "import array, fcntl, socket, struct
value = array.array('I', [0x17, 0])
request = struct.pack('16sP', b'eth0', value.buffer_info()[0])
sock = socket.socket()
fcntl.ioctl(sock.fileno(), 0x8946, request)
";

/// A guest namespace behind a TAP.
pub struct Guest {
    /// Its name (from the playbook).
    pub name: String,
    /// The TAP it is behind.
    pub tap: String,
    /// Its MAC.
    pub mac: String,
    /// Its namespace; the NIC is `eth0`.
    pub netns: Netns,
}

/// The lab's namespaces.
pub struct Topology {
    /// The "internet".
    pub wan: Netns,
    /// The LAN router.
    pub lan: Netns,
    /// A device on the LAN.
    pub landev: Netns,
    /// A LAN machine with a route to the guests.
    pub lanadmin: Netns,
    /// The host under test.
    pub host: Netns,
    /// The guests, once [`Topology::add_guest`] ran.
    pub guests: Vec<Guest>,
    prefix: String,
}

/// The lab's five machines, each in a namespace its caller made (the
/// lab's own, or a test's), before they are wired.
pub struct Machines<'a> {
    /// The "internet".
    pub wan: &'a dyn Namespace,
    /// The LAN router.
    pub lan: &'a dyn Namespace,
    /// A device on the LAN.
    pub landev: &'a dyn Namespace,
    /// A LAN machine that may be given a route to the guests.
    pub lanadmin: &'a dyn Namespace,
    /// The host under test.
    pub host: &'a dyn Namespace,
}

impl Machines<'_> {
    /// Wire them as the module's picture shows: the internet and its
    /// transfer net to the LAN router; the router's bridge, forwarding and
    /// masquerade (what it forwards from elsewhere than its LAN leaves
    /// masqueraded, like a home router's); the LAN device and the admin's
    /// machine addressed, with their default route; and the host's NIC
    /// `uplink`, a port of the LAN bridge, left down and unconfigured for
    /// the caller (or the distro's own tools) to bring up.
    pub fn wire(&self, uplink: &str) -> Result<(), LabError> {
        let Self {
            wan,
            lan,
            landev,
            lanadmin,
            host,
        } = *self;
        lan.veth("wan0", wan, "eth0")?;
        wan.ip(&["addr", "add", &format!("{WAN_PEER}/30"), "dev", "eth0"])?;
        wan.ip(&["addr", "add", &format!("{INTERNET}/32"), "dev", "lo"])?;
        wan.ip(&["link", "set", "eth0", "up"])?;
        wan.ip(&["route", "add", LAN, "via", &LAN_ROUTER_WAN.to_string()])?;

        lan.ip(&[
            "link",
            "add",
            "lanbr",
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ])?;
        lan.ip(&["addr", "add", &format!("{LAN_ROUTER}/{LAN_PREFIX}"), "dev", "lanbr"])?;
        lan.ip(&["link", "set", "lanbr", "up"])?;
        lan.ip(&["addr", "add", &format!("{LAN_ROUTER_WAN}/30"), "dev", "wan0"])?;
        lan.ip(&["link", "set", "wan0", "up"])?;
        lan.ip(&["route", "add", "default", "via", &WAN_PEER.to_string()])?;
        lan.exec(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])?;
        lan.exec(&[
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
        ])?;

        for (netns, port, name) in [
            (landev, "p-landev", "eth0"),
            (lanadmin, "p-lanadmin", "eth0"),
            (host, "p-host", uplink),
        ] {
            lan.veth(port, netns, name)?;
            lan.ip(&["link", "set", port, "master", "lanbr", "up"])?;
        }
        for (netns, address) in [(landev, LAN_DEVICE), (lanadmin, LAN_ADMIN)] {
            netns.ip(&["addr", "add", &format!("{address}/{LAN_PREFIX}"), "dev", "eth0"])?;
            netns.ip(&["link", "set", "eth0", "up"])?;
            netns.ip(&["route", "add", "default", "via", &LAN_ROUTER.to_string()])?;
        }
        Ok(())
    }
}

/// The LAN router's DHCP server in `lan` (dnsmasq with a throwaway
/// configuration, DHCP only, no ping check so a dynamic lease is instant,
/// every exchange logged), its files in `dir` (the log
/// `lan-dnsmasq.log`); `reservations`: fixed leases `(MAC, address)`; it
/// answers requests relayed to it as well. Returns once it serves.
pub fn serve_lan_dhcp(
    lan: &(impl Namespace + ?Sized),
    dir: &Path,
    reservations: &[(String, Ipv4Addr)],
) -> Result<(), LabError> {
    let (first, last) = LAN_DHCP_RANGE;
    let log = dir.join("lan-dnsmasq.log");
    let mut command = lan.command_in(&[
        "dnsmasq",
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--log-facility=-",
        "--log-dhcp",
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
        .arg(format!("--dhcp-leasefile={}", dir.join("lan.leases").display()))
        .arg(format!("--pid-file={}", dir.join("lan-dnsmasq.pid").display()));
    command.args(reservations.iter().map(|(mac, ip)| format!("--dhcp-host={mac},{ip}")));
    spawn(command, &log)?;
    wait_for_log(&log, &["DHCP, IP range"], "FAILED to start up", "the LAN's DHCP server")
}

/// A route to `subnet` via the host's LAN address, in `netns` (the LAN
/// router: routed mode's route, the one docs/modes/routed.md tells the
/// user to add; or the LAN admin's machine).
pub fn route_via_host(netns: &(impl Namespace + ?Sized), subnet: &str) -> Result<(), LabError> {
    netns
        .ip(&["route", "add", subnet, "via", &HOST_LAN.to_string()])
        .map(drop)
}

impl Topology {
    /// The internet, the LAN, its router and machines, and the host with
    /// its NIC `uplink` on the LAN, up (and addressed `HOST_LAN` when
    /// `addressed`).
    pub fn build(prefix: &str, uplink: &str, addressed: bool) -> Result<Self, LabError> {
        let make = |role: &str| Netns::create(&format!("{prefix}-{role}"));
        let wan = make("wan")?;
        let lan = make("lan")?;
        let landev = make("landev")?;
        let lanadmin = make("lanadmin")?;
        let host = make("host")?;
        Machines {
            wan: &wan,
            lan: &lan,
            landev: &landev,
            lanadmin: &lanadmin,
            host: &host,
        }
        .wire(uplink)?;
        host.ip(&["link", "set", uplink, "up"])?;
        if addressed {
            host.ip(&["addr", "add", &format!("{HOST_LAN}/{LAN_PREFIX}"), "dev", uplink])?;
            host.ip(&["route", "add", "default", "via", &LAN_ROUTER.to_string()])?;
        }
        Ok(Self {
            wan,
            lan,
            landev,
            lanadmin,
            host,
            guests: Vec::new(),
            prefix: prefix.to_owned(),
        })
    }

    /// A guest behind `tap`: its namespace, `eth0` with `mac`, and a relay
    /// in the host holding the TAP open (as QEMU does) between it and the
    /// guest's link. `relay` is the relay script.
    pub fn add_guest(&mut self, name: &str, tap: &str, mac: &str, relay: &Path, dir: &Path) -> Result<(), LabError> {
        let index = self.guests.len();
        let netns = Netns::create(&format!("{}-g{index}", self.prefix))?;
        let port = format!("rl-g{index}");
        self.host.veth(&port, &netns, "eth0")?;
        netns.ip(&["link", "set", "eth0", "address", mac, "up"])?;
        // A veth hands TCP and UDP on with the checksum left to the
        // hardware; the relay copies frames as they are, so the guest's NIC
        // must fill checksums in itself, as a real one does.
        netns.exec(&["python3", "-c", TX_CHECKSUM_OFF])?;
        // The relay's end is a live link of the host: without these the
        // host would answer the guest's ARP on it (with its own MAC) and
        // take the guest's packets in there, past the bridge.
        self.host.exec(&[
            "sysctl",
            "-q",
            "-w",
            &format!("net.ipv4.conf.{port}.arp_ignore=8"),
            &format!("net.ipv6.conf.{port}.disable_ipv6=1"),
        ])?;
        self.host.ip(&["link", "set", &port, "up"])?;
        let log = dir.join(format!("relay-{index}.log"));
        let relay = relay.to_string_lossy();
        spawn(self.host.command_in(&["python3", &relay, tap, &port]), &log)?;
        wait_for_log(&log, &["relaying"], "Traceback", &format!("the relay to {tap}"))?;
        self.guests.push(Guest {
            name: name.to_owned(),
            tap: tap.to_owned(),
            mac: mac.to_owned(),
            netns,
        });
        Ok(())
    }

    /// The namespaces a listener goes in (the LAN machines, the host and
    /// the guests: everything but the internet, whose listener answers on
    /// its "public" address).
    pub fn machines(&self) -> Vec<&dyn Namespace> {
        [&self.landev, &self.lanadmin, &self.host]
            .into_iter()
            .chain(self.guests.iter().map(|guest| &guest.netns))
            .map(|netns| netns as &dyn Namespace)
            .collect()
    }

    /// Every namespace of the lab, for `--keep`'s instructions.
    pub fn names(&self) -> Vec<&str> {
        [&self.wan, &self.lan, &self.landev, &self.lanadmin, &self.host]
            .into_iter()
            .chain(self.guests.iter().map(|guest| &guest.netns))
            .map(Namespace::name)
            .collect()
    }
}

/// Start `command` in the background, output to `log` (it lives in a lab
/// namespace and goes with it).
pub(crate) fn spawn(mut command: std::process::Command, log: &Path) -> Result<u32, LabError> {
    let io = |error: std::io::Error| LabError::new(format!("{}: {error}", log.display()));
    let file = fs_err::File::create(log).map_err(io)?.into_file();
    let child = command
        .stdin(std::process::Stdio::null())
        .stdout(file.try_clone().map_err(io)?)
        .stderr(file)
        .spawn()
        .map_err(|error| LabError::new(format!("cannot start {command:?}: {error}")))?;
    Ok(child.id())
}

/// Wait up to 10 s until `log` contains one of `ready`; fail early on `failed`.
pub(crate) fn wait_for_log(log: &Path, ready: &[&str], failed: &str, what: &str) -> Result<(), LabError> {
    let start = Instant::now();
    loop {
        let text = fs_err::read_to_string(log).unwrap_or_default();
        if ready.iter().any(|ready| text.contains(ready)) {
            return Ok(());
        }
        if text.contains(failed) || start.elapsed() > Duration::from_secs(10) {
            return Err(LabError::new(format!("{what} did not start:\n{text}")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
