//! The boot path (`hostnet lab --boot`): the host brought up the way a
//! reboot would, with nothing but the distro's own tools on the files
//! `hostnet render` wrote, in boot order: systemd-sysctl, the firewall's
//! restore (netfilter-persistent's `iptables-restore`, or `nft -f
//! /etc/nftables.conf`), ifupdown's `ifup -a` or systemd-networkd, then
//! dnsmasq. Each step fails on a non-zero exit *and* on a line of stderr
//! that is not expected: a tool that complains but exits 0 (systemd-sysctl
//! on an unknown key, ifupdown's bridge hook on a value the kernel refuses)
//! must not pass as "booted".
//!
//! The lines a step may print are [`Expected`] lines, each with how many
//! times it may appear and why it is harmless: ifupdown's bridge hook's
//! `vlan_filtering 0` on a kernel without bridge VLAN filtering (once per
//! bridge, only when the bridge has no `vlan_filtering` attribute), and
//! dhclient's report of a lease ([`dhclient_chatter`]).

use std::fmt::Write as _;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::error::LabError;
use crate::namespace::{self, Namespace};
use crate::sandbox::Sandbox;

/// Debian 12's stock `/etc/nftables.conf` (policy accept everywhere): the
/// file hostnet adds its include to.
pub const DEBIAN_NFTABLES_CONF: &str = "#!/usr/sbin/nft -f

flush ruleset

table inet filter {
\tchain input {
\t\ttype filter hook input priority filter;
\t}
\tchain forward {
\t\ttype filter hook forward priority filter;
\t}
\tchain output {
\t\ttype filter hook output priority filter;
\t}
}
";

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

/// The boot so far: each step's command and output.
#[derive(Default)]
pub struct Boot {
    /// `$ COMMAND` and its output, step after step.
    pub log: String,
}

impl Boot {
    /// Run `script` in `sandbox`: it must exit 0 and print on stderr only
    /// what `expected` (asked after the step ran) allows.
    pub fn step(
        &mut self,
        sandbox: &Sandbox,
        script: &str,
        expected: impl FnOnce() -> Vec<Expected>,
    ) -> Result<String, LabError> {
        let output = namespace::output(sandbox.command(&["sh", "-c", script]))?;
        self.record(script, &output, expected)
    }

    /// Log `script`'s `output` (the step ran wherever its caller runs
    /// steps): it must have exited 0 and printed on stderr only what
    /// `expected` (asked only then, so it can read the state the step
    /// made) allows. Returns stdout.
    pub fn record(
        &mut self,
        script: &str,
        output: &Output,
        expected: impl FnOnce() -> Vec<Expected>,
    ) -> Result<String, LabError> {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let _ = writeln!(self.log, "$ {script}\n{stdout}{stderr}");
        if !output.status.success() {
            return Err(LabError::new(format!(
                "boot step failed ({}):\n$ {script}\n{}",
                output.status,
                namespace::text(output).trim_end()
            )));
        }
        let expected = expected();
        let unexpected = unexpected(&stderr, &expected);
        if !unexpected.is_empty() {
            return Err(LabError::new(format!(
                "boot step printed unexpected lines on stderr:\n$ {script}\n{}\n--- expected there:\n{}",
                unexpected.join("\n"),
                expected
                    .iter()
                    .map(|allowed| format!("{:?} (≤ {}×): {}", allowed.line, allowed.times, allowed.why))
                    .collect::<Vec<_>>()
                    .join("\n")
            )));
        }
        Ok(stdout)
    }

    /// A note in the log (a daemon started, a file not rendered on purpose).
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.log, "{text}");
    }
}

/// ifupdown's bridge hook on a kernel without bridge VLAN filtering: one
/// `RTNETLINK answers: Operation not supported` for each of `bridges`
/// that exists and has no `vlan_filtering` attribute.
pub fn vlan_filtering_noise(netns: &(impl Namespace + ?Sized), bridges: &[&str]) -> Vec<Expected> {
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

/// systemd-sysctl at boot on a key of `bridge`, which does not exist yet
/// (proxy ARP's `net.ipv4.conf.br0.proxy_arp`): it says so and goes on;
/// the bridge's own bring-up (ifupdown's `up` line, networkd's setting,
/// udev's `systemd-sysctl --prefix`) applies it when the bridge appears.
fn keys_of_later_devices(stage: &std::path::Path, files: &[String], bridge: &str) -> Vec<Expected> {
    let prefix = format!("net.ipv4.conf.{bridge}.");
    files
        .iter()
        .filter_map(|file| fs_err::read_to_string(stage.join(file.trim_start_matches('/'))).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|line| {
                    let (key, value) = line.split_once('=')?;
                    let key = key.trim();
                    key.starts_with(&prefix).then(|| {
                        format!(
                            "Couldn't write '{}' to '{}', ignoring: No such file or directory",
                            value.trim(),
                            key.replace('.', "/")
                        )
                    })
                })
                .collect::<Vec<_>>()
        })
        .map(|line| Expected {
            line: Line::Exact(line),
            times: 1,
            why: "a key of the guests' bridge, which appears later in the boot and gets it then",
        })
        .collect()
}

/// Wait up to `timeout` for `check`.
pub(crate) fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !check() {
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// The host's network tool on the boot path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// Debian's ifupdown (`ifup -a`, bridge-utils' hook).
    Ifupdown,
    /// systemd-networkd.
    Networkd,
}

/// The files under `dir` of the stage (as `/etc/…` paths, as on the host
/// being booted) whose names start with `prefix` and end with `suffix`,
/// sorted.
pub fn staged(stage: &std::path::Path, dir: &str, prefix: &str, suffix: &str) -> Vec<String> {
    let Ok(entries) = fs_err::read_dir(stage.join(dir.trim_start_matches('/'))) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix) && name.ends_with(suffix))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    files.sort();
    files
}

/// The systemd-sysctl binary (`/lib` or `/usr/lib`).
pub fn systemd_sysctl() -> &'static str {
    ["/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .unwrap_or("/lib/systemd/systemd-sysctl")
}

/// The systemd-networkd binary.
pub const NETWORKD: &str = "/lib/systemd/systemd-networkd";

/// How systemd-networkd.service starts networkd: its
/// `RuntimeDirectory=systemd/netif` owned by `systemd-network` (networkd
/// drops to that user and only writes state files there), logging at
/// debug level to its stderr, never to the host's journal or kmsg.
pub fn networkd_script() -> String {
    format!(
        "mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
chown -R systemd-network:systemd-network /run/systemd/netif
SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug exec {NETWORKD}"
    )
}

/// How dnsmasq.service runs the rendered `confs` (`/etc/dnsmasq.d/…`):
/// in the foreground (the namespace's end stops it), with no upstream DNS
/// servers, its leases and PID file in the sandbox's `/run`.
pub fn dnsmasq_script(confs: &[String]) -> String {
    let files: Vec<String> = confs.iter().map(|file| format!("--conf-file={file}")).collect();
    format!(
        ": > /run/hostnet-lab-resolv.conf
exec dnsmasq --keep-in-foreground --log-facility=- {} --resolv-file=/run/hostnet-lab-resolv.conf \
--dhcp-leasefile=/run/dnsmasq.leases --pid-file=/run/dnsmasq.pid",
        files.join(" ")
    )
}

/// Wait up to 10 s until the dnsmasq logging to `log` serves DHCP: a
/// range, fixed leases only, or a relay (the last two announce no range).
pub fn wait_for_dnsmasq(log: &std::path::Path) -> Result<(), LabError> {
    crate::topology::wait_for_log(
        log,
        &["DHCP, IP range", "DHCP, static leases only", "DHCP relay from "],
        "FAILED to start up",
        "dnsmasq",
    )
}

/// The host's own files before hostnet, for the boot path: its `uplink`
/// on the LAN, static `HOST_LAN` when `addressed` (not when the uplink
/// joins the bridge: hostnet warns about a configuration of the user's
/// for a port), in ifupdown's or networkd's words (networkd takes the LAN
/// router's advertisements on it with `ipv6`, docs/modes/ipv6.md); and
/// the firewall's stock files: Debian's nftables.conf, or ufw's.
pub fn host_files(
    uplink: &str,
    addressed: bool,
    ipv6: bool,
    network: Network,
    firewall: crate::expect::Firewall,
) -> Vec<(String, String)> {
    use crate::topology::{HOST_LAN, LAN_PREFIX, LAN_ROUTER};
    let mut files = Vec::new();
    match network {
        Network::Ifupdown => {
            let mut interfaces = "# interfaces(5) file used by ifup(8) and ifdown(8)\nsource /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n".to_owned();
            if addressed {
                let _ = write!(
                    interfaces,
                    "\nauto {uplink}\niface {uplink} inet static\n    address {HOST_LAN}/{LAN_PREFIX}\n    gateway {LAN_ROUTER}\n"
                );
            }
            files.push(("etc/network/interfaces".to_owned(), interfaces));
        }
        Network::Networkd if addressed => files.push((
            "etc/systemd/network/50-lan.network".to_owned(),
            format!(
                "[Match]\nName={uplink}\n\n[Network]\nAddress={HOST_LAN}/{LAN_PREFIX}\nGateway={LAN_ROUTER}\n{}",
                if ipv6 {
                    "LinkLocalAddressing=ipv6\nIPv6AcceptRA=yes\n"
                } else {
                    "LinkLocalAddressing=no\nIPv6AcceptRA=no\n"
                }
            ),
        )),
        Network::Networkd => {}
    }
    match firewall {
        crate::expect::Firewall::Iptables => {}
        crate::expect::Firewall::Nftables => {
            files.push(("etc/nftables.conf".to_owned(), DEBIAN_NFTABLES_CONF.to_owned()));
        }
        crate::expect::Firewall::Ufw => files.extend(
            crate::ufw::stock_files()
                .into_iter()
                .map(|(path, text)| (path.to_owned(), text)),
        ),
    }
    files
}

/// Bring the host up from `stage` (the rendered files, already in the
/// sandbox's overlays) in boot order; `bridge` is the guests' bridge and
/// `settled` says when networkd is done (the bridge's and the uplink's
/// addresses). Returns the boot's log.
pub fn bring_up(
    sandbox: &Sandbox,
    host: &dyn Namespace,
    stage: &std::path::Path,
    network: Network,
    firewall: crate::expect::Firewall,
    bridge: &str,
    settled: &dyn Fn() -> bool,
) -> Result<String, LabError> {
    let mut boot = Boot::default();
    let fail =
        |boot: &Boot, error: LabError| LabError::new(format!("{}\n--- boot so far:\n{}", error.message, boot.log));
    // systemd-sysctl.service, on hostnet's files only (bare, it would apply the machine's).
    let sysctl = staged(stage, "/etc/sysctl.d", "", ".conf");
    if !sysctl.is_empty() {
        let script = format!("{} {}", systemd_sysctl(), sysctl.join(" "));
        boot.step(sandbox, &script, || keys_of_later_devices(stage, &sysctl, bridge))
            .map_err(|error| fail(&boot, error))?;
    }
    // The firewall's service.
    let script = match firewall {
        crate::expect::Firewall::Nftables => "nft -f /etc/nftables.conf".to_owned(),
        crate::expect::Firewall::Ufw => format!("{} start quiet", crate::ufw::UFW_INIT),
        _ => "iptables-restore < /etc/iptables/rules.v4 && ip6tables-restore < /etc/iptables/rules.v6".to_owned(),
    };
    if firewall != crate::expect::Firewall::Iptables || stage.join("etc/iptables/rules.v4").exists() {
        boot.step(sandbox, &script, Vec::new)
            .map_err(|error| fail(&boot, error))?;
    }
    // networking.service or systemd-networkd.
    match network {
        Network::Ifupdown => {
            boot.step(
                sandbox,
                "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network",
                || {
                    let mut expected = vlan_filtering_noise(host, &[bridge]);
                    expected.extend(dhclient_chatter(bridge));
                    expected
                },
            )
            .map_err(|error| fail(&boot, error))?;
        }
        Network::Networkd => {
            boot.note("$ systemd-networkd &");
            let log = sandbox.dir().join("networkd.log");
            crate::topology::spawn(sandbox.command(&["sh", "-c", &networkd_script()]), &log)?;
            let up = wait_until(Duration::from_secs(20), settled);
            let text = fs_err::read_to_string(&log).unwrap_or_default();
            let problems = networkd_problems(&text);
            if !up || !problems.is_empty() {
                return Err(LabError::new(format!(
                    "systemd-networkd did not bring the host up as rendered ({}):\n{}\n--- networkd:\n{}",
                    if up {
                        "it rejected part of the files"
                    } else {
                        "not settled within 20 s"
                    },
                    problems.join("\n"),
                    networkd_tail(&text)
                )));
            }
        }
    }
    // dnsmasq.service, in the foreground (the namespace's end stops it).
    let confs = staged(stage, "/etc/dnsmasq.d", "hostnet-", ".conf");
    if !confs.is_empty() {
        let script = dnsmasq_script(&confs);
        boot.note(&format!("$ {script} &"));
        let log = sandbox.dir().join("dnsmasq.log");
        crate::topology::spawn(sandbox.command(&["sh", "-c", &script]), &log)?;
        wait_for_dnsmasq(&log).map_err(|error| fail(&boot, error))?;
    }
    Ok(boot.log)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
