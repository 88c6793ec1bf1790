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

pub use hostnet_lab::boot::{Expected, Line, dhclient_chatter, networkd_problems, networkd_tail, unexpected};

use crate::support::sandbox::{self, Netns, Sandbox};

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
