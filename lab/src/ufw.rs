//! ufw on the lab's host: the host has ufw enabled before hostnet (the
//! files the ufw package ships, Debian 12's defaults: input and forward
//! policy DROP), started in the sandbox as ufw.service does
//! (`/lib/ufw/ufw-init start`), before the runtime apply or, at boot,
//! before the network. The promise under ufw is the mode's row with ufw's
//! input policy for the host (docs: [`crate::expect`]).

use crate::error::LabError;
use crate::sandbox::Sandbox;

/// ufw.service's program.
pub const UFW_INIT: &str = "/lib/ufw/ufw-init";

/// `ufw.service`: start ufw in the sandbox; it must print nothing on stderr.
pub fn start(sandbox: &Sandbox) -> Result<(), LabError> {
    let output = crate::namespace::output(sandbox.command(&[UFW_INIT, "start", "quiet"]))?;
    if output.status.success() && output.stderr.is_empty() {
        Ok(())
    } else {
        Err(LabError::new(format!(
            "ufw did not start ({}):\n$ {UFW_INIT} start quiet\n{}",
            output.status,
            crate::namespace::text(&output).trim_end()
        )))
    }
}

/// The files the ufw package ships (pristine copies in `/usr/share/ufw`),
/// Debian 12's stock `/etc/default/ufw` and `/etc/ufw/sysctl.conf`, and
/// `ENABLED=yes`: a host with ufw enabled, before hostnet, and nothing of
/// this machine's own ufw setup.
pub fn stock_files() -> Vec<(&'static str, String)> {
    let mut files: Vec<(&'static str, String)> = [
        ("etc/ufw/before.rules", "before.rules"),
        ("etc/ufw/before6.rules", "before6.rules"),
        ("etc/ufw/after.rules", "after.rules"),
        ("etc/ufw/after6.rules", "after6.rules"),
        ("etc/ufw/user.rules", "user.rules"),
        ("etc/ufw/user6.rules", "user6.rules"),
        ("etc/ufw/before.init", "before.init"),
        ("etc/ufw/after.init", "after.init"),
    ]
    .into_iter()
    .map(|(path, name)| {
        (
            path,
            fs_err::read_to_string(format!("/usr/share/ufw/{name}")).unwrap_or_default(),
        )
    })
    .collect();
    files.push(("etc/default/ufw", DEBIAN_DEFAULT_UFW.to_owned()));
    files.push(("etc/ufw/sysctl.conf", DEBIAN_UFW_SYSCTL.to_owned()));
    files.push(("etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n".to_owned()));
    files
}

/// Debian 12's `/etc/default/ufw` (ufw 0.36.2), without its comments.
const DEBIAN_DEFAULT_UFW: &str = "\
IPV6=yes
DEFAULT_INPUT_POLICY=\"DROP\"
DEFAULT_OUTPUT_POLICY=\"ACCEPT\"
DEFAULT_FORWARD_POLICY=\"DROP\"
DEFAULT_APPLICATION_POLICY=\"SKIP\"
MANAGE_BUILTINS=no
IPT_SYSCTL=/etc/ufw/sysctl.conf
IPT_MODULES=\"\"
";

/// Debian 12's `/etc/ufw/sysctl.conf` (ufw 0.36.2), without its comments;
/// every key is per network namespace.
const DEBIAN_UFW_SYSCTL: &str = "\
#net/ipv4/ip_forward=1
#net/ipv6/conf/default/forwarding=1
#net/ipv6/conf/all/forwarding=1
net/ipv4/conf/all/accept_redirects=0
net/ipv4/conf/default/accept_redirects=0
net/ipv6/conf/all/accept_redirects=0
net/ipv6/conf/default/accept_redirects=0
net/ipv4/icmp_echo_ignore_broadcasts=1
net/ipv4/icmp_ignore_bogus_error_responses=1
net/ipv4/icmp_echo_ignore_all=0
net/ipv4/conf/all/log_martians=0
net/ipv4/conf/default/log_martians=0
";
