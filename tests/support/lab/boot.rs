//! Boot steps: one service's command run in a [`Sandbox`] the way its unit
//! or init script runs it at boot, failing on a non-zero exit *and* on any
//! line of stderr that is not expected. A tool that complains but exits 0
//! (systemd-sysctl on an unknown key, ifupdown's bridge hook on a value the
//! kernel refuses) must not pass as "booted".
//!
//! The only lines a step may print are listed by the caller as [`Expected`]
//! lines, each with how many times it may appear and why it is harmless.
//! The ones this module knows:
//!
//! - [`vlan_filtering_noise`]: ifupdown's bridge hook runs
//!   `ip link set dev BR type bridge vlan_filtering 0` for every bridge it
//!   creates; a kernel without `CONFIG_BRIDGE_VLAN_FILTERING` answers
//!   `RTNETLINK answers: Operation not supported`. Accepted once per bridge
//!   the step created, and only when that bridge has no `vlan_filtering`
//!   attribute in sysfs (the kernel really lacks it).
//! - [`dhclient_chatter`]: ifupdown's `inet dhcp` runs dhclient, which
//!   reports every step of the lease on stderr; its lines are recognised by
//!   their exact shape (the caller then checks the address it got).

use std::fmt::Write as _;

use crate::support::sandbox::{self, Netns, Sandbox};

/// A line a boot step may print on stderr.
#[derive(Clone, Debug)]
pub struct Expected {
    /// How the line is recognised.
    pub line: Line,
    /// How many times it may appear (at most).
    pub times: usize,
    /// Why it is harmless.
    pub why: &'static str,
}

/// How an [`Expected`] line is recognised.
#[derive(Clone, Debug)]
pub enum Line {
    /// Exactly this text.
    Exact(String),
    /// This text, then anything.
    Prefix(String),
}

impl Line {
    fn matches(&self, line: &str) -> bool {
        match self {
            Self::Exact(text) => line == text,
            Self::Prefix(prefix) => line.starts_with(prefix.as_str()),
        }
    }
}

/// The lines of `stderr` no [`Expected`] line accounts for (each expected
/// line used at most its `times`).
pub fn unexpected(stderr: &str, expected: &[Expected]) -> Vec<String> {
    let mut used = vec![0_usize; expected.len()];
    let mut unexpected = Vec::new();
    for line in stderr.lines().filter(|line| !line.trim().is_empty()) {
        let slot = expected
            .iter()
            .enumerate()
            .find(|(index, allowed)| allowed.line.matches(line) && used[*index] < allowed.times);
        match slot {
            Some((index, _)) => used[index] += 1,
            None => unexpected.push(line.to_owned()),
        }
    }
    unexpected
}

/// The boot so far: every step's command and output.
#[derive(Default)]
pub struct Boot {
    /// `$ COMMAND` and its output, step after step.
    pub log: String,
}

impl Boot {
    /// Run `script` in `sandbox`; it must exit 0 and print on stderr only
    /// what `expected` (asked after the step ran, so it can read the state
    /// the step made) allows. Returns stdout.
    pub fn step(&mut self, sandbox: &Sandbox<'_>, script: &str, expected: impl FnOnce() -> Vec<Expected>) -> String {
        let output = sandbox.run(script);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let _ = writeln!(self.log, "$ {script}\n{stdout}{stderr}");
        assert!(
            output.status.success(),
            "boot step failed ({}):\n$ {script}\n{}\n--- boot so far:\n{}",
            output.status,
            sandbox::text(&output),
            self.log
        );
        let expected = expected();
        let unexpected = unexpected(&stderr, &expected);
        assert!(
            unexpected.is_empty(),
            "boot step printed unexpected lines on stderr:\n$ {script}\n{}\n--- expected there:\n{}\n--- boot so far:\n{}",
            unexpected.join("\n"),
            expected
                .iter()
                .map(|allowed| format!("{:?} (≤ {}×): {}", allowed.line, allowed.times, allowed.why))
                .collect::<Vec<_>>()
                .join("\n"),
            self.log
        );
        stdout
    }

    /// A note in the log (a daemon started, a file not rendered on purpose).
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.log, "{text}");
    }
}

/// Nothing on stderr.
pub fn quiet() -> Vec<Expected> {
    Vec::new()
}

/// ifupdown's bridge hook on a kernel without bridge VLAN filtering: one
/// `RTNETLINK answers: Operation not supported` for each of `bridges` (the
/// bridges the step brought up), only if none of them has the sysfs
/// `vlan_filtering` attribute.
pub fn vlan_filtering_noise(netns: &Netns, bridges: &[&str]) -> Vec<Expected> {
    let without = bridges
        .iter()
        .filter(|bridge| {
            netns
                .read(&format!("/sys/class/net/{bridge}/bridge/stp_state"))
                .is_some()
        })
        .filter(|bridge| {
            netns
                .read(&format!("/sys/class/net/{bridge}/bridge/vlan_filtering"))
                .is_none()
        })
        .count();
    if without == 0 {
        return Vec::new();
    }
    vec![Expected {
        line: Line::Exact("RTNETLINK answers: Operation not supported".to_owned()),
        times: without,
        why: "the bridge hook's `vlan_filtering 0` on a kernel without bridge VLAN filtering",
    }]
}

/// dhclient's report of one lease on `interface` (ISC dhclient 4.4, as
/// ifupdown runs it): the banner, the sockets, the exchange, `bound to`.
pub fn dhclient_chatter(interface: &str) -> Vec<Expected> {
    let exact = |text: &str| Line::Exact(text.to_owned());
    let prefix = |text: String| Line::Prefix(text);
    let why = "dhclient reports each step of the lease on stderr";
    [
        (prefix("Internet Systems Consortium DHCP Client ".into()), 1),
        (prefix("Copyright 2004-".into()), 1),
        (exact("All rights reserved."), 1),
        (exact("For info, please visit https://www.isc.org/software/dhcp/"), 1),
        // A fresh /var/lib/dhcp (a first boot) has no DUID yet.
        (prefix("Created duid \"".into()), 1),
        (prefix(format!("Listening on LPF/{interface}/")), 1),
        (prefix(format!("Sending on   LPF/{interface}/")), 1),
        (exact("Sending on   Socket/fallback"), 1),
        (
            prefix(format!(
                "DHCPDISCOVER on {interface} to 255.255.255.255 port 67 interval "
            )),
            10,
        ),
        (prefix("DHCPOFFER of ".into()), 10),
        (prefix("DHCPREQUEST for ".into()), 10),
        (prefix("DHCPACK of ".into()), 10),
        (prefix("bound to ".into()), 1),
    ]
    .into_iter()
    .map(|(line, times)| Expected { line, times, why })
    .collect()
}

/// Start networkd in `sandbox` as systemd-networkd.service would: its
/// `RuntimeDirectory=systemd/netif` owned by `systemd-network` (networkd
/// drops to that user and only writes state files there), logging at debug
/// level to its stderr, never to the host's journal or kmsg.
pub fn start_networkd(sandbox: &Sandbox<'_>) -> sandbox::Background {
    sandbox.spawn(
        "mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
chown -R systemd-network:systemd-network /run/systemd/netif
SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug exec /lib/systemd/systemd-networkd",
    )
}

/// networkd's messages that mean a rendered file was not applied as written.
pub fn networkd_problems(log: &str) -> Vec<&str> {
    const BAD: [&str; 7] = [
        "Unknown key",
        "Unknown section",
        "could not be set",
        "Could not set",
        "Failed to parse",
        "Failed to create netdev",
        "Invalid ",
    ];
    log.lines()
        .filter(|line| BAD.iter().any(|bad| line.contains(bad)))
        .collect()
}

/// The last lines of networkd's debug log, without per-packet noise.
pub fn networkd_tail(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| !line.contains("rtnl: received") && !line.contains("link_check_ready()"))
        .collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

#[test]
fn only_the_expected_lines_and_only_as_often_as_expected() {
    let rtnetlink = Expected {
        line: Line::Exact("RTNETLINK answers: Operation not supported".to_owned()),
        times: 1,
        why: "one bridge",
    };
    let stderr = "RTNETLINK answers: Operation not supported\n\nRTNETLINK answers: Operation not supported\n\
                  RTNETLINK answers: Operation not supported by the kernel\nset forward delay failed: Numerical result out of range\n";
    assert_eq!(
        unexpected(stderr, &[rtnetlink]),
        [
            "RTNETLINK answers: Operation not supported",
            "RTNETLINK answers: Operation not supported by the kernel",
            "set forward delay failed: Numerical result out of range"
        ]
    );
    assert_eq!(
        unexpected("Created duid \"\\000\".\n", &dhclient_chatter("br0")),
        [] as [String; 0]
    );
    assert_eq!(
        unexpected(
            "DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 3\n",
            &dhclient_chatter("br0")
        )
        .len(),
        1
    );
}
