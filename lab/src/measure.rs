//! The table, measured: one probe per cell and kind (ping, TCP, UDP to the
//! lab's listeners, which report the source they saw; DNS on UDP and TCP
//! 53 to the host), all at once; a probe expected to get through is polled
//! for up to 8 s, a "no" is never retried into a "yes". Each column's
//! promised cell (from [`crate::expect`]) beside the measured one, with a
//! ✓ or ✗.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::expect::{Column, Firewall, Kind, Mode, Seen, Want, want};
use crate::namespace::Namespace;
use crate::probe::{self, Outcome};
use crate::topology::LAN_ROUTER_WAN;

/// One probe of the table.
pub struct Probe<'a> {
    /// `None`: a control of the lab itself, which must get through.
    pub column: Option<Column>,
    /// What it sends.
    pub kind: Kind,
    /// `g1→192.168.1.20`.
    pub label: String,
    /// Where it is sent from.
    pub from: &'a dyn Namespace,
    /// The sender's own address on the path ("own").
    pub own: Ipv4Addr,
    /// Where it goes.
    pub target: Ipv4Addr,
    /// What it must get.
    pub want: Want,
    /// What it got.
    pub outcome: Outcome,
    /// The name a DNS probe asks for (a guest's, which the host's dnsmasq knows).
    pub dns_name: String,
}

impl Probe<'_> {
    fn seen(&self, seen: Seen, uplink: Ipv4Addr) -> Ipv4Addr {
        match seen {
            Seen::Sender => self.own,
            Seen::HostUplink => uplink,
            Seen::LanRouter => LAN_ROUTER_WAN,
        }
    }

    /// Did it get what it must (`uplink`: the host's LAN address)?
    pub fn ok(&self, uplink: Ipv4Addr) -> bool {
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

/// Add a column's probes (or, `column: None`, a control's `kinds`) from
/// `from` (name, namespace, own address) to `target`.
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
            own: from.2,
            target,
            want: wanted,
            outcome: Outcome::Silent,
            dns_name: String::new(),
        });
    }
}

/// Run every probe at once, then poll the ones that must get through and
/// did not, for up to 8 s.
pub fn measure(probes: &mut [Probe<'_>], uplink: Ipv4Addr) {
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

/// The cells of every column, and every probe.
pub fn cells(probes: &[Probe<'_>], uplink: Ipv4Addr) -> (Vec<Cell>, Vec<ProbeResult>) {
    let cells = Column::ALL
        .into_iter()
        .map(|column| {
            let cell: Vec<&Probe<'_>> = probes.iter().filter(|probe| probe.column == Some(column)).collect();
            let words = |word: &dyn Fn(&Probe<'_>) -> String| {
                let mut seen: Vec<String> = Vec::new();
                for probe in &cell {
                    let text = word(probe);
                    if !seen.contains(&text) {
                        seen.push(text);
                    }
                }
                if seen.is_empty() {
                    "-".to_owned()
                } else {
                    seen.join(" / ")
                }
            };
            Cell {
                column: column.heading(),
                promised: words(&|probe| probe.want.to_string()),
                measured: words(&|probe| format!("{} {}", probe.kind.name(), probe.outcome)),
                ok: cell.iter().all(|probe| probe.ok(uplink)),
            }
        })
        .collect();
    let results = probes
        .iter()
        .map(|probe| ProbeResult {
            column: probe.column.map(Column::heading),
            kind: probe.kind.name(),
            path: probe.label.clone(),
            want: probe.want.to_string(),
            outcome: probe.outcome.to_string(),
            ok: probe.ok(uplink),
        })
        .collect();
    (cells, results)
}
