//! Boot steps: one service's command run in a [`Sandbox`] the way its unit
//! or init script runs it at boot, failing on a non-zero exit *and* on any
//! line of stderr that is not expected. A tool that complains but exits 0
//! (systemd-sysctl on an unknown key, ifupdown's bridge hook on a value the
//! kernel refuses) must not pass as "booted".
//!
//! The only lines a step may print are listed by the caller as [`Expected`]
//! lines, each with how many times it may appear and why it is harmless.
//! They, and the ones known, are the product lab's (`hostnet_lab::boot`):
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

pub use hostnet_lab::boot::{Expected, dhclient_chatter, networkd_problems, networkd_tail, vlan_filtering_noise};

use crate::support::sandbox::{self, Sandbox};

/// The boot so far (the product lab's [`hostnet_lab::boot::Boot`]), its
/// steps run in a test's [`Sandbox`]; a step that fails panics with its
/// report and the boot so far.
#[derive(Default)]
pub struct Boot(hostnet_lab::boot::Boot);

impl Boot {
    /// Run `script` in `sandbox`; it must exit 0 and print on stderr only
    /// what `expected` (asked after the step ran, so it can read the state
    /// the step made) allows. Returns stdout.
    pub fn step(&mut self, sandbox: &Sandbox<'_>, script: &str, expected: impl FnOnce() -> Vec<Expected>) -> String {
        let output = sandbox.run(script);
        self.0
            .record(script, &output, expected)
            .unwrap_or_else(|error| panic!("{error}\n--- boot so far:\n{}", self.0.log))
    }

    /// A note in the log (a daemon started, a file not rendered on purpose).
    pub fn note(&mut self, text: &str) {
        self.0.note(text);
    }

    /// `$ COMMAND` and its output, step after step.
    pub fn log(&self) -> &str {
        &self.0.log
    }
}

/// Nothing on stderr.
pub fn quiet() -> Vec<Expected> {
    Vec::new()
}

/// Start networkd in `sandbox` as systemd-networkd.service would (the
/// product lab's [`hostnet_lab::boot::networkd_script`]).
pub fn start_networkd(sandbox: &Sandbox<'_>) -> sandbox::Background {
    sandbox.spawn(&hostnet_lab::boot::networkd_script())
}
