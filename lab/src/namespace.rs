//! Network namespaces: [`Namespace`], what the lab does in one (all of it
//! from its name: `setns(2)`, `ip -n`, `ip netns exec`), and [`Netns`], one
//! the lab created, deleted on drop with every process in it.
//!
//! Links are only ever created inside the lab's namespaces (`ip -n A link
//! add … peer … netns B`); nothing here names the root namespace.

use std::net::Ipv4Addr;
use std::process::{Command, Output};

use crate::cleanup;
use crate::error::LabError;
pub use crate::process::text;
pub(crate) use crate::process::{output, run_ok};

/// A named network namespace (under `/run/netns`): what the lab does in
/// one, whoever made it (the lab's own [`Netns`], or a test's).
pub trait Namespace: Sync {
    /// Its name, as `ip netns` knows it.
    fn name(&self) -> &str;

    /// The command `ip netns exec NAME ARGV…`.
    fn command_in(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", self.name()]).args(argv);
        command
    }

    /// `ip -n NAME ARGS…`, which must succeed; its stdout.
    fn ip(&self, args: &[&str]) -> Result<String, LabError> {
        let mut command = Command::new("ip");
        command.args(["-n", self.name()]).args(args);
        run_ok(command)
    }

    /// `ip -n NAME ARGS…`, whatever it says (stdout and stderr).
    fn ip_text(&self, args: &[&str]) -> String {
        let mut command = Command::new("ip");
        command.args(["-n", self.name()]).args(args);
        output(command).map(|output| text(&output)).unwrap_or_default()
    }

    /// Run `argv` in the namespace; it must succeed; its stdout.
    fn exec(&self, argv: &[&str]) -> Result<String, LabError> {
        run_ok(self.command_in(argv))
    }

    /// Run `argv` in the namespace; its output, whatever the status.
    fn exec_output(&self, argv: &[&str]) -> Result<Output, LabError> {
        output(self.command_in(argv))
    }

    /// A veth pair: `name` here, `peer_name` in `peer` (both down).
    fn veth(&self, name: &str, peer: &dyn Namespace, peer_name: &str) -> Result<(), LabError> {
        self.ip(&[
            "link",
            "add",
            name,
            "type",
            "veth",
            "peer",
            "name",
            peer_name,
            "netns",
            peer.name(),
        ])
        .map(drop)
    }

    /// A file as seen from inside the namespace (`/sys/class/net/…`), trimmed.
    fn read(&self, path: &str) -> Option<String> {
        let output = self.exec_output(&["cat", path]).ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The first IPv4 address on `dev`, without its prefix.
    fn ipv4_address(&self, dev: &str) -> Option<Ipv4Addr> {
        let text = self.ip(&["-o", "-4", "addr", "show", "dev", dev]).ok()?;
        let word = text.split_whitespace().skip_while(|word| *word != "inet").nth(1)?;
        word.split('/').next()?.parse().ok()
    }
}

/// A network namespace the lab created; on drop every process in it is
/// killed and it is deleted (unless [`cleanup::keep`] was asked for).
pub struct Netns {
    name: String,
}

impl Namespace for Netns {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Netns {
    /// `ip netns add NAME` (registered for cleanup first), loopback up.
    pub fn create(name: &str) -> Result<Self, LabError> {
        let mut command = Command::new("ip");
        command.args(["netns", "add", name]);
        cleanup::create_netns(name, || run_ok(command))?;
        let netns = Self { name: name.to_owned() };
        netns.ip(&["link", "set", "lo", "up"])?;
        Ok(netns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if !cleanup::keeping() {
            crate::process::delete(&self.name);
            cleanup::forget_netns(&self.name);
        }
    }
}
