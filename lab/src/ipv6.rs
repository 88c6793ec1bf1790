//! IPv6 in the lab, for a playbook whose guests' bridge has an IPv6 prefix
//! (`subnet6`, or an IPv6 entry in the bridge's `address`): what the lab
//! builds for it, and the table's IPv6 cells (docs/modes/ipv6.md).
//!
//! ```text
//!  wan ── eth0 2001:db8:ffff::1/64, lo 2001:db8:ff00::1 (the "internet"):
//!   │     a route to 2001:db8::/32 via the LAN router (its provider's
//!   │     delegation), none to any unique local prefix
//!  lan ── wan0 2001:db8:ffff::2/64, lanbr 2001:db8:1::1/64: forwards, and
//!   │     advertises 2001:db8:1::/64 on the LAN (dnsmasq, `ra-only`:
//!   │     SLAAC and itself as default router, every 4 s)
//!   ├── landev 2001:db8:1::20, lanadmin 2001:db8:1::30 (static, no RA;
//!   │     the admin's machine has a route to the guests' prefix via the host)
//!   └── host: its uplink takes its address and default route from the
//!        advertisement, before the playbook; hostnet's `accept_ra=2` must
//!        keep that route once forwarding is on
//! ```
//!
//! The guests take SLAAC (`ra: stateless`) or DHCPv6 (`ra: stateful`, the
//! real `dhclient -6`) from the host's dnsmasq. The cells: the guests'
//! IPv6 leases (the fixed ones where reserved), guest→internet (as the
//! host's uplink address in nat mode: NAT66), LAN→guest, guest↔guest,
//! host→guest, and host→internet (the host kept its RA default route).

use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::time::{Duration, Instant};

use hostnet_engine::model::{HostModel, RaMode};
use ipnet::{IpNet, Ipv6Net};

use crate::error::LabError;
use crate::expect::{Kind, Mode, Seen, Want};
use crate::measure::{self, Cell, Heading, Probe, ProbeResult};
use crate::namespace::{Namespace, Netns};
use crate::probe::Outcome;
use crate::topology::{LAN_ROUTER_WAN6, Topology, spawn, wait_for_log};

/// The internet's end of the transfer net.
pub const WAN6_PEER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
/// The "internet" (IPv6).
pub const INTERNET6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xff00, 0, 0, 0, 0, 1);
/// The LAN's IPv6 prefix, advertised by its router.
pub const LAN6: &str = "2001:db8:1::/64";
/// The LAN router's IPv6 address.
pub const LAN_ROUTER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1);
/// A device on the LAN.
pub const LAN_DEVICE6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x20);
/// The LAN machine with a route to the guests' prefix via the host.
pub const LAN_ADMIN6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x30);

/// How long the host and the guests get for router advertisements and DHCPv6.
const SETTLE: Duration = Duration::from_secs(20);

/// The IPv6 half of a [`crate::Spec`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec6 {
    /// The guests' prefix.
    pub prefix: Ipv6Net,
    /// The host's address in it, on the bridge.
    pub host: Ipv6Addr,
    /// How the guests configure (`off`: no dnsmasq advertisement).
    pub ra: RaMode,
    /// The DHCPv6 range (`ra: stateful`).
    pub range: Option<(Ipv6Addr, Ipv6Addr)>,
    /// Per guest (in [`crate::Spec::guests`]' order): its reserved address.
    pub fixed: Vec<Option<Ipv6Addr>>,
}

impl Spec6 {
    /// The IPv6 half for the guests' `bridge`, when its address has an IPv6
    /// prefix (`None`: an IPv4-only playbook, whose table stays IPv4's);
    /// `macs`: the guests' MACs, whose reservations it reads.
    pub fn from_model(model: &HostModel, bridge: &str, macs: &[&str]) -> Option<Self> {
        let bridge_model = model.bridges.iter().find(|item| item.name.as_str() == bridge)?;
        let net = bridge_model
            .address
            .addresses()
            .iter()
            .find_map(|address| match address {
                IpNet::V6(net) => Some(*net),
                IpNet::V4(_) => None,
            })?;
        let server = model
            .dhcp_servers
            .iter()
            .find(|server| server.interface.value.as_str() == bridge);
        let dhcp6 = server.and_then(|server| server.ipv6.as_ref());
        let fixed = macs
            .iter()
            .map(|mac| {
                server
                    .into_iter()
                    .flat_map(|server| server.hosts.iter())
                    .find(|host| host.value.mac.to_string() == *mac)
                    .and_then(|host| host.value.ip6.as_ref().map(|ip6| ip6.value))
            })
            .collect();
        Some(Self {
            prefix: net.trunc(),
            host: net.addr(),
            ra: dhcp6.map_or(RaMode::Off, |dhcp6| dhcp6.ra.value),
            range: dhcp6.and_then(|dhcp6| dhcp6.range.as_ref().map(|range| range.value)),
            fixed,
        })
    }
}

/// A column of the IPv6 table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column6 {
    GuestLease,
    GuestToInternet,
    LanToGuest,
    GuestToGuest,
    HostToGuest,
    HostToInternet,
}

impl Column6 {
    /// Every IPv6 column, in the table's order (after IPv4's).
    pub const ALL: [Self; 6] = [
        Self::GuestLease,
        Self::GuestToInternet,
        Self::LanToGuest,
        Self::GuestToGuest,
        Self::HostToGuest,
        Self::HostToInternet,
    ];

    /// The column's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Self::GuestLease => "g lease6",
            Self::GuestToInternet => "g→inet v6",
            Self::LanToGuest => "LAN→g v6",
            Self::GuestToGuest => "g↔g v6",
            Self::HostToGuest => "host→g v6",
            Self::HostToInternet => "host→inet v6",
        }
    }
}

impl Heading for Column6 {
    fn heading(self) -> &'static str {
        Column6::heading(self)
    }
}

/// What a probe in `column` must get in `mode` (ping, TCP and UDP alike),
/// as docs/modes/ipv6.md promises: NAT66 shows the host's uplink address,
/// a routed prefix the guest's own; host-only and internal guests reach
/// nothing beyond the host (internal: not even the host); the host keeps
/// its own default route in every mode.
pub fn want6(mode: Mode, column: Column6) -> Want {
    match (mode, column) {
        (Mode::Nat, Column6::GuestToInternet) => Want::Yes(Seen::HostUplink),
        (Mode::Nat | Mode::HostOnly | Mode::Internal, Column6::LanToGuest)
        | (Mode::HostOnly | Mode::Internal, Column6::GuestToInternet)
        | (Mode::Internal, Column6::HostToGuest) => Want::No,
        _ => Want::Yes(Seen::Sender),
    }
}

/// The LAN's IPv6, built: the host's address on it, from the advertisement.
pub struct Lan6 {
    /// The host's uplink address (SLAAC from the LAN router).
    pub host_uplink: Ipv6Addr,
}

fn sysctl(netns: &Netns, settings: &[&str]) -> Result<(), LabError> {
    let mut argv = vec!["sysctl", "-q", "-w"];
    argv.extend_from_slice(settings);
    netns.exec(&argv).map(drop)
}

/// Global addresses on `dev` in `netns` (not tentative), as `ip -6 -o addr` shows them.
fn global_addresses(netns: &Netns, dev: &str) -> Vec<Ipv6Addr> {
    netns
        .ip_text(&["-6", "-o", "addr", "show", "dev", dev, "scope", "global"])
        .lines()
        .filter(|line| !line.contains("tentative"))
        .filter_map(|line| {
            let word = line.split_whitespace().skip_while(|word| *word != "inet6").nth(1)?;
            word.split('/').next()?.parse().ok()
        })
        .collect()
}

/// Does `netns` have an IPv6 default route from an advertisement (via a link-local router)?
fn ra_default_route(netns: &Netns) -> bool {
    netns
        .ip_text(&["-6", "route", "show", "default"])
        .lines()
        .any(|line| line.starts_with("default via fe80::"))
}

fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Lan6 {
    /// The internet's and the LAN's IPv6 (see the module's picture), the
    /// LAN router's advertisements, and the host's uplink configured from
    /// them, before anything of the playbook's; then the routes to the
    /// guests' prefix via the host: on the LAN admin's machine (so a
    /// "LAN→g: no" comes from the host's rules), and on the LAN router for
    /// a routed prefix (the route docs/modes/routed.md asks for).
    pub fn build(lab: &Topology, uplink: &str, mode: Mode, spec: &Spec6, dir: &Path) -> Result<Self, LabError> {
        let text = |address: Ipv6Addr, length: u8| format!("{address}/{length}");
        lab.wan
            .ip(&["-6", "addr", "add", &text(WAN6_PEER, 64), "dev", "eth0", "nodad"])?;
        lab.wan.ip(&["-6", "addr", "add", &text(INTERNET6, 128), "dev", "lo"])?;
        lab.wan.ip(&[
            "-6",
            "route",
            "add",
            "2001:db8::/32",
            "via",
            &LAN_ROUTER_WAN6.to_string(),
        ])?;
        lab.lan
            .ip(&["-6", "addr", "add", &text(LAN_ROUTER_WAN6, 64), "dev", "wan0", "nodad"])?;
        lab.lan
            .ip(&["-6", "addr", "add", &text(LAN_ROUTER6, 64), "dev", "lanbr", "nodad"])?;
        lab.lan
            .ip(&["-6", "route", "add", "default", "via", &WAN6_PEER.to_string()])?;
        sysctl(&lab.lan, &["net.ipv6.conf.all.forwarding=1"])?;
        for (netns, address) in [(&lab.landev, LAN_DEVICE6), (&lab.lanadmin, LAN_ADMIN6)] {
            sysctl(netns, &["net.ipv6.conf.eth0.accept_ra=0"])?;
            netns.ip(&["-6", "addr", "add", &text(address, 64), "dev", "eth0", "nodad"])?;
            netns.ip(&["-6", "route", "add", "default", "via", &LAN_ROUTER6.to_string()])?;
        }
        let log = dir.join("lan-ra.log");
        let mut command = lab.lan.command_in(&[
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--log-facility=-",
            "--port=0",
            "--interface=lanbr",
            "--bind-interfaces",
            "--user=root",
            "--group=root",
            "--enable-ra",
            "--dhcp-range=::,constructor:lanbr,ra-only,64",
            "--ra-param=lanbr,4,600",
        ]);
        command
            .arg(format!("--dhcp-leasefile={}", dir.join("lan6.leases").display()))
            .arg(format!("--pid-file={}", dir.join("lan-ra.pid").display()));
        spawn(command, &log)?;
        wait_for_log(
            &log,
            &["router advertisement on"],
            "FAILED to start up",
            "the LAN's router advertisements",
        )?;
        // The host's uplink asks for an advertisement when its link-local
        // address is ready; the LAN router also sends one every 4 s.
        let host_uplink = wait_until(SETTLE, || {
            let address = global_addresses(&lab.host, uplink)
                .into_iter()
                .find(|address| in_lan6(*address))?;
            ra_default_route(&lab.host).then_some(address)
        })
        .ok_or_else(|| {
            LabError::new(format!(
                "the host's {uplink} took no address and default route from the LAN router's advertisements within {} s:\n{}{}",
                SETTLE.as_secs(),
                lab.host.ip_text(&["-6", "addr", "show", "dev", uplink]),
                lab.host.ip_text(&["-6", "route"])
            ))
        })?;
        let route = |netns: &Netns| {
            netns
                .ip(&[
                    "-6",
                    "route",
                    "add",
                    &spec.prefix.to_string(),
                    "via",
                    &host_uplink.to_string(),
                ])
                .map(drop)
        };
        route(&lab.lanadmin)?;
        if mode == Mode::Routed {
            route(&lab.lan)?;
        }
        Ok(Self { host_uplink })
    }
}

/// What the IPv6 half needs besides the lab's base: `dhclient` for DHCPv6.
pub fn prerequisites(spec: &Spec6) -> Result<(), LabError> {
    if spec.ra == RaMode::Stateful {
        crate::prerequisites::check(&[("dhclient", "isc-dhcp-client")])?;
    }
    Ok(())
}

fn in_lan6(address: Ipv6Addr) -> bool {
    LAN6.parse::<Ipv6Net>().is_ok_and(|lan| lan.contains(&address))
}

/// The modified EUI-64 interface identifier SLAAC makes from `mac` in `prefix`.
pub fn slaac(prefix: Ipv6Net, mac: &str) -> Option<Ipv6Addr> {
    let bytes: Vec<u8> = mac
        .split(':')
        .map(|byte| u8::from_str_radix(byte, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let [a, b, c, d, e, f] = <[u8; 6]>::try_from(bytes).ok()?;
    let id = u64::from_be_bytes([a ^ 0x02, b, c, 0xff, 0xfe, d, e, f]);
    let network = u128::from(prefix.network()) & !u128::from(u64::MAX);
    Some(Ipv6Addr::from(network | u128::from(id)))
}

/// `address` within the guests' prefix, short: its interface part
/// (`::2`), or the whole address when it is outside.
fn short(spec: &Spec6, address: Ipv6Addr) -> String {
    if spec.prefix.contains(&address) {
        Ipv6Addr::from(u128::from(address) & u128::from(spec.prefix.hostmask())).to_string()
    } else {
        address.to_string()
    }
}

/// What the guest's lease must be, as the table says it (addresses short,
/// within the prefix).
fn promised_lease(spec: &Spec6, fixed: Option<Ipv6Addr>) -> String {
    match (spec.ra, fixed, spec.range) {
        (_, Some(fixed), _) => format!("fixed {}", short(spec, fixed)),
        (RaMode::Stateful, None, Some((first, last))) => {
            format!("DHCPv6 {}–{}", short(spec, first), short(spec, last))
        }
        (RaMode::Stateful, None, None) => "none (no range)".to_owned(),
        (RaMode::Stateless, None, _) => "SLAAC".to_owned(),
        (RaMode::Off, None, _) => "none (configured by hand)".to_owned(),
    }
}

/// Is `address` the lease `spec` promises the guest with `mac`?
fn lease_ok(spec: &Spec6, fixed: Option<Ipv6Addr>, mac: &str, address: Option<Ipv6Addr>) -> bool {
    match (spec.ra, fixed, spec.range, address) {
        (RaMode::Off, _, _, _) => true,
        (_, Some(fixed), _, Some(address)) => address == fixed,
        (RaMode::Stateful, None, Some((first, last)), Some(address)) => first <= address && address <= last,
        (RaMode::Stateless, None, _, Some(address)) => slaac(spec.prefix, mac) == Some(address),
        _ => false,
    }
}

fn write_script(path: &Path, text: &str) -> Result<(), LabError> {
    use std::os::unix::fs::PermissionsExt as _;
    let io = |error: std::io::Error| LabError::new(format!("{}: {error}", path.display()));
    fs_err::write(path, text).map_err(io)?;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io)
}

/// A guest's DHCPv6 client: `dhclient -6` once, with a script that only
/// adds the address it leased; it stays in the background (renewing) and
/// dies with the guest's namespace.
fn dhcpv6(guest: &Netns, dir: &Path, index: usize) -> Result<(), LabError> {
    let script = dir.join(format!("dhclient6-{index}.script"));
    let leases = dir.join(format!("dhclient6-{index}.leases"));
    let pid = dir.join(format!("dhclient6-{index}.pid"));
    let (script, leases, pid) = (
        script.to_string_lossy().into_owned(),
        leases.to_string_lossy().into_owned(),
        pid.to_string_lossy().into_owned(),
    );
    write_script(
        Path::new(&script),
        "#!/bin/sh\ncase \"$reason\" in\n  BOUND6|REBOOT6|RENEW6|REBIND6)\n    \
         ip -6 addr replace \"$new_ip6_address/$new_ip6_prefixlen\" dev \"$interface\" nodad ;;\nesac\nexit 0\n",
    )?;
    let output = guest.exec_output(&[
        "timeout", "20", "dhclient", "-6", "-1", "-sf", &script, "-lf", &leases, "-pf", &pid, "eth0",
    ])?;
    if output.status.success() {
        Ok(())
    } else {
        Err(LabError::new(crate::namespace::text(&output)))
    }
}

/// The guests' IPv6: each takes its address as the playbook's `ra` says
/// (SLAAC, DHCPv6, or by hand when `off`), and its default route from the
/// host's advertisement where the mode routes; the address each got.
pub fn configure_guests(lab: &Topology, spec: &Spec6, mode: Mode, dir: &Path) -> Vec<Option<Ipv6Addr>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = lab
            .guests
            .iter()
            .enumerate()
            .map(|(index, guest)| {
                scope.spawn(move || {
                    let netns = &guest.netns;
                    let _ = sysctl(netns, &["net.ipv6.conf.eth0.accept_dad=0"]);
                    match spec.ra {
                        RaMode::Off => {
                            let own = Ipv6Addr::from(u128::from(spec.prefix.network()) | (0xa0 + index as u128));
                            let _ = netns.ip(&[
                                "-6",
                                "addr",
                                "add",
                                &format!("{own}/{}", spec.prefix.prefix_len()),
                                "dev",
                                "eth0",
                                "nodad",
                            ]);
                            let _ = netns.ip(&["-6", "route", "add", "default", "via", &spec.host.to_string()]);
                        }
                        RaMode::Stateful => {
                            // dhclient gives up at once while the link-local
                            // address is tentative.
                            let _ = wait_until(SETTLE, || {
                                let text = netns.ip_text(&["-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"]);
                                (text.contains("inet6 fe80::") && !text.contains("tentative")).then_some(())
                            });
                            let _ = (1..=3).find(|_| {
                                let ok = dhcpv6(netns, dir, index).is_ok();
                                if !ok {
                                    std::thread::sleep(Duration::from_millis(500));
                                }
                                ok
                            });
                        }
                        RaMode::Stateless => {}
                    }
                    let address = wait_until(SETTLE, || {
                        global_addresses(netns, "eth0")
                            .into_iter()
                            .find(|address| spec.prefix.contains(address))
                    });
                    if matches!(mode, Mode::Nat | Mode::Routed) && spec.ra != RaMode::Off {
                        let _ = wait_until(SETTLE, || ra_default_route(netns).then_some(()));
                    }
                    address
                })
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().ok().flatten()).collect()
    })
}

/// The IPv6 table, measured: every guest's lease, then the probes of
/// every column at once (one that must get through polled for up to 8 s).
/// `leases`: what [`configure_guests`] gave each guest.
pub fn measure<'a>(
    lab: &'a Topology,
    spec: &Spec6,
    mode: Mode,
    lan: &Lan6,
    leases: &[Option<Ipv6Addr>],
) -> Result<(Vec<Cell>, Vec<ProbeResult>), LabError> {
    let listeners = crate::probe::listeners(&lab.machines(), (&lab.wan, INTERNET6.into()))
        .map_err(|error| LabError::new(format!("cannot start the lab's IPv6 listeners: {error}")))?;
    let mut probes: Vec<Probe<'_, Column6>> = Vec::new();
    let mut add = |column: Column6, (name, from, own): (&str, &'a Netns, Ipv6Addr), target: Ipv6Addr| {
        for kind in [Kind::Ping, Kind::Tcp, Kind::Udp] {
            probes.push(Probe {
                column: Some(column),
                kind,
                label: format!("{name}→{target}"),
                from,
                own: own.into(),
                target: target.into(),
                want: want6(mode, column),
                outcome: Outcome::Silent,
                dns_name: String::new(),
            });
        }
    };
    let guests: Vec<(&str, &'a Netns, Ipv6Addr)> = lab
        .guests
        .iter()
        .zip(leases)
        .filter_map(|(guest, lease)| lease.map(|lease| (guest.name.as_str(), &guest.netns, lease)))
        .collect();
    for &(name, netns, own) in &guests {
        add(Column6::GuestToInternet, (name, netns, own), INTERNET6);
        add(Column6::LanToGuest, ("landev", &lab.landev, LAN_DEVICE6), own);
        add(Column6::LanToGuest, ("lanadmin", &lab.lanadmin, LAN_ADMIN6), own);
        for &(_, _, other) in guests.iter().filter(|(_, _, other)| *other != own) {
            add(Column6::GuestToGuest, (name, netns, own), other);
        }
        add(Column6::HostToGuest, ("host", &lab.host, spec.host), own);
    }
    add(Column6::HostToInternet, ("host", &lab.host, lan.host_uplink), INTERNET6);
    let host_uplink = IpAddr::V6(lan.host_uplink);
    measure::measure(&mut probes, host_uplink);
    drop(listeners);

    let mut results: Vec<ProbeResult> = Vec::new();
    for ((guest, lab_guest), lease) in spec.fixed.iter().zip(&lab.guests).zip(leases) {
        let promised = promised_lease(spec, *guest);
        results.push(ProbeResult {
            column: Some(Column6::GuestLease.heading()),
            kind: match spec.ra {
                RaMode::Stateful => "dhcpv6",
                RaMode::Stateless => "slaac",
                RaMode::Off => "static",
            },
            path: lab_guest.name.clone(),
            want: promised,
            outcome: lease.map_or_else(|| "none".to_owned(), |lease| lease.to_string()),
            ok: lease_ok(spec, *guest, &lab_guest.mac, *lease),
        });
    }
    let mut cells = vec![Cell {
        column: Column6::GuestLease.heading(),
        promised: measure::distinct(results.iter().map(|result| format!("{} {}", result.path, result.want))),
        measured: measure::distinct(lab.guests.iter().zip(leases).map(|(guest, lease)| {
            let lease = lease.map_or_else(|| "none".to_owned(), |lease| short(spec, lease));
            format!("{} {lease}", guest.name)
        })),
        ok: results.iter().all(|result| result.ok),
    }];
    cells.extend(Column6::ALL.into_iter().skip(1).map(|column| {
        measure::cell(&probes, column, host_uplink).unwrap_or_else(|| Cell {
            column: column.heading(),
            promised: want6(mode, column).to_string(),
            measured: "- (no guest has an IPv6 address)".to_owned(),
            ok: false,
        })
    }));
    results.extend(measure::results(&probes, host_uplink));
    Ok((cells, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaac_is_the_modified_eui64_of_the_mac() {
        let prefix: Ipv6Net = "fd42:4242:4242:1::/64".parse().unwrap();
        assert_eq!(
            slaac(prefix, "52:54:00:00:01:02"),
            Some("fd42:4242:4242:1:5054:ff:fe00:102".parse().unwrap())
        );
        assert_eq!(slaac(prefix, "not a mac"), None);
    }

    #[test]
    fn the_promise_per_mode_follows_docs_modes_ipv6() {
        let row = |mode| Column6::ALL.map(|column| want6(mode, column).to_string());
        assert_eq!(
            row(Mode::Nat),
            ["yes", "yes as host's uplink", "no", "yes", "yes", "yes"]
        );
        assert_eq!(row(Mode::Routed), ["yes", "yes", "yes", "yes", "yes", "yes"]);
        assert_eq!(row(Mode::HostOnly), ["yes", "no", "no", "yes", "yes", "yes"]);
        assert_eq!(row(Mode::Internal), ["yes", "no", "no", "yes", "no", "yes"]);
    }

    #[test]
    fn a_lease_is_checked_against_the_reservation_the_range_or_slaac() {
        let prefix: Ipv6Net = "fd42:4242:4242:1::/64".parse().unwrap();
        let at = |text: &str| text.parse::<Ipv6Addr>().unwrap();
        let stateful = Spec6 {
            prefix,
            host: at("fd42:4242:4242:1::1"),
            ra: RaMode::Stateful,
            range: Some((at("fd42:4242:4242:1::100"), at("fd42:4242:4242:1::1ff"))),
            fixed: vec![Some(at("fd42:4242:4242:1::2")), None],
        };
        let mac = "52:54:00:00:01:02";
        assert!(lease_ok(
            &stateful,
            Some(at("fd42:4242:4242:1::2")),
            mac,
            Some(at("fd42:4242:4242:1::2"))
        ));
        assert!(!lease_ok(
            &stateful,
            Some(at("fd42:4242:4242:1::2")),
            mac,
            Some(at("fd42:4242:4242:1::150"))
        ));
        assert!(lease_ok(&stateful, None, mac, Some(at("fd42:4242:4242:1::150"))));
        assert!(!lease_ok(&stateful, None, mac, Some(at("fd42:4242:4242:1::2ff"))));
        assert!(!lease_ok(&stateful, None, mac, None));
        assert_eq!(promised_lease(&stateful, None), "DHCPv6 ::100–::1ff");
        assert_eq!(promised_lease(&stateful, Some(at("fd42:4242:4242:1::2"))), "fixed ::2");
        assert_eq!(short(&stateful, at("2001:db8::1")), "2001:db8::1");
        let stateless = Spec6 {
            ra: RaMode::Stateless,
            range: None,
            ..stateful
        };
        assert!(lease_ok(
            &stateless,
            None,
            mac,
            Some(at("fd42:4242:4242:1:5054:ff:fe00:102"))
        ));
        assert!(!lease_ok(&stateless, None, mac, Some(at("fd42:4242:4242:1::150"))));
    }
}
