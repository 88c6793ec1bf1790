//! Programs the lab runs, and the end of a namespace: run a command and
//! name it in the error, kill every process of a namespace by PID, delete
//! the namespace.

use std::process::{Command, Output};
use std::time::Duration;

use crate::error::LabError;

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
