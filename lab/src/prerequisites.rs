//! What the lab needs on the machine, checked before anything is built:
//! root, and every program it runs, each named with the Debian package that
//! has it, so a missing one is one error naming every package.

use std::path::Path;

use crate::error::LabError;

/// Where programs are looked for.
const PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// A program and the Debian package it comes from.
pub type Tool = (&'static str, &'static str);

/// What every lab run needs.
pub const BASE: [Tool; 9] = [
    ("ip", "iproute2"),
    ("unshare", "util-linux"),
    ("nsenter", "util-linux"),
    ("mount", "mount"),
    ("dnsmasq", "dnsmasq-base"),
    ("busybox", "busybox-static"),
    ("python3", "python3-minimal"),
    ("ping", "iputils-ping"),
    ("iptables", "iptables"),
];

/// Is `program` on the lab's `PATH`?
pub fn installed(program: &str) -> bool {
    PATH.iter().any(|dir| Path::new(dir).join(program).exists())
}

/// Root, and every tool of `tools` installed; else one error naming the
/// missing programs and their packages.
pub fn check(tools: &[Tool]) -> Result<(), LabError> {
    if !rustix::process::geteuid().is_root() {
        return Err(LabError::with_hint(
            "hostnet lab must run as root: it creates network namespaces",
            "run it with sudo; it never changes the machine's own network",
        ));
    }
    let mut missing: Vec<Tool> = tools
        .iter()
        .copied()
        .filter(|(program, _)| !installed(program))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let programs: Vec<&str> = missing.iter().map(|(program, _)| *program).collect();
    missing.sort_by_key(|(_, package)| *package);
    missing.dedup_by_key(|(_, package)| *package);
    let packages: Vec<&str> = missing.iter().map(|(_, package)| *package).collect();
    Err(LabError::with_hint(
        format!(
            "hostnet lab needs programs that are not installed: {}",
            programs.join(", ")
        ),
        format!(
            "install the packages {} (apt-get install {})",
            packages.join(", "),
            packages.join(" ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_names_every_missing_program_and_its_package() {
        if !rustix::process::geteuid().is_root() {
            return;
        }
        let error = check(&[
            ("ip", "iproute2"),
            ("hostnet-lab-no-such-qemu", "qemu-system-x86"),
            ("hostnet-lab-no-such-dnsmasq", "dnsmasq-base"),
            ("hostnet-lab-no-such-qemu-img", "qemu-system-x86"),
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "hostnet lab needs programs that are not installed: hostnet-lab-no-such-qemu, hostnet-lab-no-such-dnsmasq, \
             hostnet-lab-no-such-qemu-img\n\
             hint: install the packages dnsmasq-base, qemu-system-x86 (apt-get install dnsmasq-base qemu-system-x86)"
        );
        assert_eq!(check(&[("ip", "iproute2")]), Ok(()));
    }
}
