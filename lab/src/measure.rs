//! The table, measured: one probe per cell and kind (ping, TCP, UDP to the
//! lab's listeners, which report the source they saw; DNS on UDP and TCP
//! 53 to the host), all at once; a probe expected to get through is polled
//! for up to 8 s, a "no" is never retried into a "yes". Each column's
//! promised cell (from [`crate::expect`]) beside the measured one, with a
//! ✓ or ✗. The IPv6 table ([`crate::ipv6`]) is measured and reported the
//! same way, with its own columns.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::expect::{Column, Firewall, Kind, Mode, Seen, Want, want};
use crate::namespace::Namespace;
use crate::probe::{self, Outcome};
use crate::topology::{INTERNET, LAN_ADMIN, LAN_DEVICE, LAN_ROUTER_WAN, LAN_ROUTER_WAN6};

/// A column of a table: IPv4's [`Column`], or IPv6's
/// [`crate::ipv6::Column6`].
pub trait Heading: Copy + Eq {
    /// The column's heading (`g→LAN`).
    fn heading(self) -> &'static str;
}

impl Heading for Column {
    fn heading(self) -> &'static str {
        Column::heading(self)
    }
}

/// One probe of the table, IPv4 or IPv6 (its addresses say which).
pub struct Probe<'a, C = Column> {
    /// `None`: a control of the lab itself, which must get through.
    pub column: Option<C>,
    /// What it sends.
    pub kind: Kind,
    /// `g1→192.168.1.20`.
    pub label: String,
    /// Where it is sent from.
    pub from: &'a dyn Namespace,
    /// The sender's own address on the path ("own").
    pub own: IpAddr,
    /// Where it goes.
    pub target: IpAddr,
    /// What it must get.
    pub want: Want,
    /// What it got.
    pub outcome: Outcome,
    /// The name a DNS probe asks for (a guest's, which the host's dnsmasq knows).
    pub dns_name: String,
}

impl<C> Probe<'_, C> {
    /// The address the listener must see for `seen` (`uplink`: the host's
    /// LAN address of the probe's family).
    fn seen(&self, seen: Seen, uplink: IpAddr) -> IpAddr {
        match (seen, self.target) {
            (Seen::Sender, _) => self.own,
            (Seen::HostUplink, _) => uplink,
            (Seen::LanRouter, IpAddr::V4(_)) => LAN_ROUTER_WAN.into(),
            (Seen::LanRouter, IpAddr::V6(_)) => LAN_ROUTER_WAN6.into(),
        }
    }

    /// Did it get what it must (`uplink`: the host's LAN address of the
    /// probe's family)?
    pub fn ok(&self, uplink: IpAddr) -> bool {
        match (self.want, self.outcome) {
            (Want::No, outcome) => !matches!(outcome, Outcome::Answered(_)),
            (Want::Delivered, outcome) => outcome.delivered(),
            (Want::Yes(_), Outcome::Answered(None)) => matches!(self.kind, Kind::Ping | Kind::Dns | Kind::DnsTcp),
            (Want::Yes(seen), Outcome::Answered(Some(address))) => address == self.seen(seen, uplink),
            (Want::Yes(_), Outcome::Refused | Outcome::Silent) => false,
        }
    }

    fn run(&mut self) {
        self.outcome = match self.kind {
            Kind::Ping => {
                if probe::ping(self.from, self.target) {
                    Outcome::Answered(None)
                } else {
                    Outcome::Silent
                }
            }
            Kind::Tcp => probe::tcp(self.from, self.target),
            Kind::Udp => probe::udp(self.from, self.target),
            Kind::Dns => probe::dns(self.from, self.target, &self.dns_name),
            Kind::DnsTcp => probe::tcp_connect(self.from, self.target, 53),
        };
    }
}

/// Add a column's probes of the IPv4 table (or, `column: None`, a
/// control's `kinds`) from `from` (name, namespace, own address) to
/// `target`.
pub fn push<'a>(
    probes: &mut Vec<Probe<'a>>,
    (mode, firewall): (Mode, Firewall),
    column: Option<Column>,
    kinds: &'static [Kind],
    from: (&str, &'a dyn Namespace, Ipv4Addr),
    target: Ipv4Addr,
) {
    let kinds = column.map_or(kinds, Kind::of);
    for &kind in kinds {
        let wanted = match column {
            None => Some(Want::Yes(Seen::Sender)),
            Some(column) => want(mode, firewall, column, kind),
        };
        let Some(wanted) = wanted else { continue };
        probes.push(Probe {
            column,
            kind,
            label: format!("{}→{target}", from.0),
            from: from.1,
            own: from.2.into(),
            target: target.into(),
            want: wanted,
            outcome: Outcome::Silent,
            dns_name: String::new(),
        });
    }
}

/// Every guest's probes of the IPv4 table's columns, each guest's in
/// turn: to the LAN device; from the LAN device and from the admin's
/// machine; to every other guest; to the internet; from the host, `(its
/// namespace, its address on the guests' side)`, which is also where the
/// guests probe the host's services (only when `services`: the host
/// serves them DHCP and DNS) and everything else. `lan`: the LAN device's
/// and the admin machine's namespaces; `guests`: (name, namespace,
/// address).
pub fn push_guests<'a>(
    probes: &mut Vec<Probe<'a>>,
    row: (Mode, Firewall),
    (landev, lanadmin): (&'a dyn Namespace, &'a dyn Namespace),
    (host, host_side): (&'a dyn Namespace, Ipv4Addr),
    guests: &[(&str, &'a dyn Namespace, Ipv4Addr)],
    services: bool,
) {
    for (index, &(name, netns, own)) in guests.iter().enumerate() {
        let from = (name, netns, own);
        push(probes, row, Some(Column::GuestToLan), &[], from, LAN_DEVICE);
        push(
            probes,
            row,
            Some(Column::LanToGuest),
            &[],
            ("landev", landev, LAN_DEVICE),
            own,
        );
        push(
            probes,
            row,
            Some(Column::LanToGuest),
            &[],
            ("lanadmin", lanadmin, LAN_ADMIN),
            own,
        );
        for (other, &(_, _, address)) in guests.iter().enumerate() {
            if other != index {
                push(probes, row, Some(Column::GuestToGuest), &[], from, address);
            }
        }
        push(probes, row, Some(Column::GuestToInternet), &[], from, INTERNET);
        push(
            probes,
            row,
            Some(Column::HostToGuest),
            &[],
            ("host", host, host_side),
            own,
        );
        if services {
            push(probes, row, Some(Column::GuestToHostServices), &[], from, host_side);
        }
        push(probes, row, Some(Column::GuestToHostOther), &[], from, host_side);
    }
}

/// Run every probe at once, then poll the ones that must get through and
/// did not, for up to 8 s (`uplink`: the host's LAN address of the
/// probes' family).
pub fn measure<C: Send>(probes: &mut [Probe<'_, C>], uplink: IpAddr) {
    std::thread::scope(|scope| {
        for probe in probes.iter_mut() {
            scope.spawn(move || probe.run());
        }
    });
    std::thread::scope(|scope| {
        for probe in probes
            .iter_mut()
            .filter(|probe| probe.want != Want::No && !probe.ok(uplink))
        {
            scope.spawn(move || {
                let start = Instant::now();
                while start.elapsed() < Duration::from_secs(8) {
                    std::thread::sleep(Duration::from_millis(100));
                    probe.run();
                    if probe.ok(uplink) {
                        break;
                    }
                }
            });
        }
    });
}

/// One column: the promise, what was measured, and whether they agree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The column's heading (`g→LAN`).
    pub column: &'static str,
    /// The promised cell (`yes as host's uplink`), `-` where nothing is probed.
    pub promised: String,
    /// The measured cell, per kind (`ping yes / tcp yes as 192.168.1.10`).
    pub measured: String,
    /// Every probe of the column got what it must.
    pub ok: bool,
}

/// One probe, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The column (`None`: a control of the lab).
    pub column: Option<&'static str>,
    /// `ping`, `tcp`, `udp`, `dns/udp`, `dns/tcp`.
    pub kind: &'static str,
    /// `g1→192.168.1.20`.
    pub path: String,
    /// What it must get.
    pub want: String,
    /// What it got.
    pub outcome: String,
    /// Whether it did.
    pub ok: bool,
}

/// The distinct words, in order, joined with ` / ` (a cell's text).
pub fn distinct(words: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for word in words {
        if !seen.contains(&word) {
            seen.push(word);
        }
    }
    seen.join(" / ")
}

/// `column`'s cell from its probes (`None`: nothing probed it).
pub fn cell<C: Heading>(probes: &[Probe<'_, C>], column: C, uplink: IpAddr) -> Option<Cell> {
    let of: Vec<&Probe<'_, C>> = probes.iter().filter(|probe| probe.column == Some(column)).collect();
    (!of.is_empty()).then(|| Cell {
        column: column.heading(),
        promised: distinct(of.iter().map(|probe| probe.want.to_string())),
        measured: distinct(
            of.iter()
                .map(|probe| format!("{} {}", probe.kind.name(), probe.outcome)),
        ),
        ok: of.iter().all(|probe| probe.ok(uplink)),
    })
}

/// Every probe, as reported.
pub fn results<C: Heading>(probes: &[Probe<'_, C>], uplink: IpAddr) -> Vec<ProbeResult> {
    probes
        .iter()
        .map(|probe| ProbeResult {
            column: probe.column.map(Heading::heading),
            kind: probe.kind.name(),
            path: probe.label.clone(),
            want: probe.want.to_string(),
            outcome: probe.outcome.to_string(),
            ok: probe.ok(uplink),
        })
        .collect()
}

/// The IPv4 table: a cell for every column (`-` where nothing probed
/// it), and every probe.
pub fn cells(probes: &[Probe<'_>], uplink: IpAddr) -> (Vec<Cell>, Vec<ProbeResult>) {
    let cells = Column::ALL
        .into_iter()
        .map(|column| {
            cell(probes, column, uplink).unwrap_or_else(|| Cell {
                column: column.heading(),
                promised: "-".to_owned(),
                measured: "-".to_owned(),
                ok: true,
            })
        })
        .collect();
    (cells, results(probes, uplink))
}
