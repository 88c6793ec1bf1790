//! The DHCP client of the lab's guests (and of a host whose bridge takes
//! a lease): `busybox udhcpc` with [`SCRIPT`] as its hook, which configures
//! the lease and prints it as one `lease: ip=… router=…` line.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::LabError;
use crate::namespace::Namespace;

/// What the client does with a lease (address, default route if the
/// server names a router), and the lease printed as `lease: ip=…
/// router=…`.
pub const SCRIPT: &str = include_str!("assets/udhcpc.script");

/// `busybox udhcpc` once on `interface` in `netns` (up to 5 discovers 1 s
/// apart), with `script` (a copy of [`SCRIPT`]) as its hook: the
/// `key=value` words of the `lease: …` line it printed, or `None` without
/// a lease.
pub fn lease(
    netns: &(impl Namespace + ?Sized),
    interface: &str,
    script: &Path,
) -> Result<Option<BTreeMap<String, String>>, LabError> {
    let output = netns.exec_output(&[
        "busybox",
        "udhcpc",
        "-i",
        interface,
        "-f",
        "-q",
        "-n",
        "-t",
        "5",
        "-T",
        "1",
        "-s",
        &script.to_string_lossy(),
    ])?;
    let out = String::from_utf8_lossy(&output.stdout);
    Ok(out.lines().find_map(|line| line.strip_prefix("lease: ")).map(|line| {
        line.split(' ')
            .filter_map(|word| word.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    }))
}
