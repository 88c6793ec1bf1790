//! Network namespaces the lab owns: [`Namespace`], what the probes need of
//! one (its name, for `setns(2)` and `ip netns exec`), and [`Netns`], one the
//! lab created, deleted on drop with every process in it.
//!
//! Links are only ever created inside the lab's namespaces (`ip -n A link
//! add … peer … netns B`); nothing here names the root namespace.

use std::process::{Command, Output};
use std::time::Duration;

use crate::cleanup;
use crate::error::LabError;

/// A named network namespace (under `/run/netns`).
pub trait Namespace: Sync {
    /// Its name, as `ip netns` knows it.
    fn name(&self) -> &str;

    /// The command `ip netns exec NAME ARGV…`.
    fn command_in(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", self.name()]).args(argv);
        command
    }
}

/// Output as text: stdout, then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Run a command; its output, or an error naming it.
pub(crate) fn output(mut command: Command) -> Result<Output, LabError> {
    let shown = format!("{command:?}");
    command
        .output()
        .map_err(|error| LabError::new(format!("cannot run {shown}: {error}")))
}

/// Run a command that must succeed; its stdout.
pub(crate) fn run_ok(command: Command) -> Result<String, LabError> {
    let shown = format!("{:?}", command);
    let output = output(command)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(LabError::new(format!(
            "{shown} failed ({}): {}",
            output.status,
            text(&output).trim()
        )))
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

    /// `ip -n NAME ARGS…`, which must succeed; its stdout.
    pub fn ip(&self, args: &[&str]) -> Result<String, LabError> {
        let mut command = Command::new("ip");
        command.args(["-n", &self.name]).args(args);
        run_ok(command)
    }

    /// `ip -n NAME ARGS…`, whatever it says (stdout and stderr).
    pub fn ip_text(&self, args: &[&str]) -> String {
        let mut command = Command::new("ip");
        command.args(["-n", &self.name]).args(args);
        output(command).map(|output| text(&output)).unwrap_or_default()
    }

    /// Run `argv` in the namespace; it must succeed; its stdout.
    pub fn exec(&self, argv: &[&str]) -> Result<String, LabError> {
        run_ok(self.command_in(argv))
    }

    /// Run `argv` in the namespace; its output, whatever the status.
    pub fn exec_output(&self, argv: &[&str]) -> Result<Output, LabError> {
        output(self.command_in(argv))
    }

    /// A veth pair: `name` here, `peer_name` in `peer` (both down).
    pub fn veth(&self, name: &str, peer: &Self, peer_name: &str) -> Result<(), LabError> {
        self.ip(&[
            "link", "add", name, "type", "veth", "peer", "name", peer_name, "netns", &peer.name,
        ])
        .map(drop)
    }

    /// A file as seen from inside the namespace (`/sys/class/net/…`), trimmed.
    pub fn read(&self, path: &str) -> Option<String> {
        let output = self.exec_output(&["cat", path]).ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if !cleanup::keeping() {
            delete(&self.name);
            cleanup::forget_netns(&self.name);
        }
    }
}

/// PIDs of every process in namespace `name`.
pub(crate) fn pids(name: &str) -> Vec<u32> {
    let mut command = Command::new("ip");
    command.args(["netns", "pids", name]);
    run_ok(command)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

fn alive(pid: u32) -> bool {
    fs_err::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_none_or(|(_, rest)| !rest.starts_with('Z')))
}

/// Kill every process in namespace `name` (by PID) and wait for them.
pub(crate) fn kill_all(name: &str) {
    let pids = pids(name);
    if pids.is_empty() {
        return;
    }
    let words: Vec<String> = pids.iter().map(u32::to_string).collect();
    let mut command = Command::new("kill");
    command.arg("-KILL").args(&words);
    let _ = output(command);
    let start = std::time::Instant::now();
    while pids.iter().any(|pid| alive(*pid)) && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kill the processes of namespace `name`, then delete it.
pub(crate) fn delete(name: &str) {
    kill_all(name);
    let mut command = Command::new("ip");
    command.args(["netns", "del", name]);
    let _ = output(command);
}
