//! Every mode's row of the design's reachability table, for real: render a
//! `vm_network` playbook for a Debian host with `hostnet render`, bring the
//! host up in the lab of `support/lab.rs` with nothing but the distro's own
//! tools on the rendered files, in boot order (systemd-sysctl →
//! iptables-restore or ufw-init → `ifup -a` → dnsmasq), attach two guests to
//! the bridge as qemu-bridge-helper attaches a TAP, let them take their
//! leases from the rendered dnsmasq (bridged: from the LAN's DHCP server),
//! and probe who must and must not reach whom:
//!
//! | mode | g→LAN | LAN→g | g↔g | g→inet | host→g |
//! |---|---|---|---|---|---|
//! | bridged | yes | yes | yes | yes | yes |
//! | nat | yes | no | yes | yes | yes |
//! | routed | yes | yes, with a route | yes | via LAN router | yes |
//! | host_only | no | no | yes | no | yes |
//! | internal | no | no | yes | no | no |
//!
//! A probe is `ping -c1 -W1` and a TCP connection (1 s timeout) to a
//! listener on the target, and both must agree with the table: stock ufw
//! forwards every ping, so ping alone cannot tell whether hostnet's forward
//! rules work there. All probes run at once; an expected "yes" is polled
//! for up to 5 s, a "no" is never retried. Controls (the LAN device reaches
//! the internet and the host, the host reaches the internet) make sure a
//! "no" is not a broken lab; a failure prints the whole matrix, the boot
//! steps' output and dnsmasq's log.
//!
//! "LAN→g": the LAN router routes the guests' subnet to the host in every
//! mode but bridged: routed needs it, and in nat, host_only and internal the
//! "no" must come from the host's rules (nat: hostnet drops what is not a
//! reply towards masqueraded guests), not from a LAN that does not know the way.
//!
//! Skipped (`skipping: …`) when not root or a tool is missing, unless
//! `CI=true` (or `HOSTNET_SANDBOX_REQUIRED=1`): then that is a failure.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::lab::{self, HOST_LAN, INTERNET, LAN_DEVICE, LAN_DHCP_RANGE, LAN_ROUTER, Lab, Lease};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Background, Features, Netns, Sandbox, wait_for};

/// The guests' subnet in every mode but bridged, and the host's address on it.
const SUBNET: &str = "172.16.1.0/24";
const HOST_ON_BRIDGE: &str = "172.16.1.1";
/// The guests: name, MAC, fixed lease.
const GUESTS: [(&str, &str, &str); 2] = [
    ("g1", "52:54:00:00:01:02", "172.16.1.2"),
    ("g2", "52:54:00:00:01:03", "172.16.1.3"),
];
const BRIDGE: &str = "br0";
const UFW_INIT: &str = "/lib/ufw/ufw-init";

/// The design table's columns.
const COLUMNS: [&str; 5] = ["g→LAN", "LAN→g", "g↔g", "g→inet", "host→g"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Bridged,
    Nat,
    Routed,
    HostOnly,
    Internal,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Bridged => "bridged",
            Self::Nat => "nat",
            Self::Routed => "routed",
            Self::HostOnly => "host_only",
            Self::Internal => "internal",
        }
    }

    /// The design's row.
    fn expected(self) -> [bool; 5] {
        match self {
            Self::Bridged | Self::Routed => [true, true, true, true, true],
            Self::Nat => [true, false, true, true, true],
            Self::HostOnly => [false, false, true, false, true],
            Self::Internal => [false, false, true, false, false],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Firewall {
    /// `--firewall iptables`: netfilter-persistent's rules files.
    Iptables,
    /// `firewall: ufw` on a host with ufw enabled: ufw's files.
    Ufw,
}

/// One lab run: a mode, its firewall, DHCP on or off.
struct Case {
    mode: Mode,
    firewall: Firewall,
    /// The guests take leases (from the rendered dnsmasq; bridged: from the
    /// LAN's DHCP server); `false`: `dhcp: false` and static addresses.
    dhcp: bool,
}

impl Case {
    fn title(&self) -> String {
        let firewall = match self.firewall {
            Firewall::Iptables => "iptables",
            Firewall::Ufw => "ufw",
        };
        let dhcp = if self.dhcp { "" } else { ", no DHCP" };
        format!("{} ({firewall}{dhcp})", self.mode.name())
    }

    fn playbook(&self) -> String {
        let mut args = format!("        mode: {}\n        bridge: {BRIDGE}\n", self.mode.name());
        if matches!(self.mode, Mode::Bridged | Mode::Nat | Mode::Routed) {
            args.push_str("        uplink: eth0\n");
        }
        if self.mode != Mode::Bridged {
            let _ = writeln!(args, "        subnet: {SUBNET}");
        }
        if self.firewall == Firewall::Ufw {
            args.push_str("        firewall: ufw\n");
        }
        if !self.dhcp && self.mode != Mode::Bridged {
            args.push_str("        dhcp: false\n");
        }
        args.push_str("        vms:\n");
        for (index, (name, mac, ip)) in GUESTS.iter().enumerate() {
            let fixed = if self.mode == Mode::Bridged {
                String::new()
            } else {
                format!(", ip: {ip}")
            };
            let _ = writeln!(
                args,
                "          - {{ name: {name}, tap: tap{index}, mac: \"{mac}\"{fixed} }}"
            );
        }
        format!(
            "- name: Reachability lab, {}\n  hosts: localhost\n  tasks:\n    - name: The guests' network\n      vm_network:\n{args}",
            self.mode.name()
        )
    }

    /// A Debian host: systemd, `eth0`; ufw enabled in the ufw case.
    fn facts(&self) -> String {
        let mut facts = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\n".to_owned();
        if self.firewall == Firewall::Ufw {
            facts.push_str("tools: [ufw]\nufw_enabled: true\n");
        }
        facts
    }

    /// The host's files before hostnet: Debian's `/etc/network/interfaces`
    /// with `eth0` on the LAN (static, where the playbook leaves `eth0` to
    /// the host; bridged mode makes `eth0` a port, and hostnet warns about a
    /// stanza of the user's for it, so there is none), and stock ufw.
    fn before(&self) -> Vec<(&'static str, String)> {
        let mut interfaces = "\
# interfaces(5) file used by ifup(8) and ifdown(8)
# Include files from /etc/network/interfaces.d:
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback
"
        .to_owned();
        if self.mode != Mode::Bridged {
            let _ = write!(
                interfaces,
                "\nauto eth0\niface eth0 inet static\n    address {HOST_LAN}/{}\n    gateway {LAN_ROUTER}\n",
                lab::LAN_PREFIX
            );
        }
        let mut files = vec![("etc/network/interfaces", interfaces)];
        if self.firewall == Firewall::Ufw {
            files.extend(lab::stock_ufw_files());
        }
        files
    }

    fn render(&self) -> Rendered {
        let before = self.before();
        let before: Vec<(&str, &str)> = before.iter().map(|(path, text)| (*path, text.as_str())).collect();
        let args: &[&str] = match self.firewall {
            Firewall::Iptables => &["--firewall", "iptables"],
            Firewall::Ufw => &["--firewall", "ufw"],
        };
        Rendered::new(&self.playbook(), &self.facts(), args, &before)
    }

    fn tools(&self) -> Vec<&'static str> {
        let mut tools = vec![
            "ifup",
            "brctl",
            "dnsmasq",
            "busybox",
            "ping",
            "iptables",
            "iptables-restore",
            "ip6tables-restore",
            "sysctl",
            "ss",
            systemd_sysctl(),
        ];
        if self.mode == Mode::Bridged {
            // ifupdown's `inet dhcp` runs dhclient.
            tools.push("dhclient");
        }
        if self.firewall == Firewall::Ufw {
            tools.push(UFW_INIT);
        }
        tools
    }
}

fn systemd_sysctl() -> &'static str {
    ["/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("/lib/systemd/systemd-sysctl")
}

/// Files of the stage under `dir` whose names start with `prefix` and end
/// with `suffix`, as absolute paths on the host being booted, sorted.
fn staged(rendered: &Rendered, dir: &str, prefix: &str, suffix: &str) -> Vec<String> {
    let Ok(entries) = fs_err::read_dir(rendered.path(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(prefix) && name.ends_with(suffix))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    files.sort();
    files
}

/// What the boot did: each step's command and output, and the rendered dnsmasq.
struct Boot {
    log: String,
    dnsmasq: Option<Background>,
}

impl Boot {
    fn step(&mut self, sandbox: &Sandbox<'_>, script: &str) {
        let output = sandbox.run(script);
        let text = sandbox::text(&output);
        let _ = writeln!(self.log, "$ {script}\n{text}");
        assert!(
            output.status.success(),
            "boot step failed:\n$ {script}\n{text}\n--- boot so far:\n{}",
            self.log
        );
    }

    fn report(&self) -> String {
        let dnsmasq = self
            .dnsmasq
            .as_ref()
            .map_or_else(|| "(no dnsmasq rendered)".to_owned(), Background::output);
        format!("--- boot:\n{}--- dnsmasq:\n{dnsmasq}", self.log)
    }
}

/// Bring the host up from the rendered files, in boot order, with the real
/// tools: systemd-sysctl.service, netfilter-persistent or ufw.service,
/// networking.service (`ifup -a`), dnsmasq.service.
fn boot(sandbox: &Sandbox<'_>, rendered: &Rendered, firewall: Firewall) -> Boot {
    let mut boot = Boot {
        log: String::new(),
        dnsmasq: None,
    };
    // Never bare: without a file systemd-sysctl applies all of the host's.
    let sysctl = staged(rendered, "/etc/sysctl.d", "", ".conf");
    if sysctl.is_empty() {
        boot.log.push_str("(no sysctl.d file rendered)\n");
    } else {
        boot.step(sandbox, &format!("{} {}", systemd_sysctl(), sysctl.join(" ")));
    }
    match firewall {
        Firewall::Iptables => {
            for (tool, file) in [
                ("iptables-restore", "/etc/iptables/rules.v4"),
                ("ip6tables-restore", "/etc/iptables/rules.v6"),
            ] {
                if rendered.path(file).exists() {
                    boot.step(sandbox, &format!("{tool} < {file}"));
                } else {
                    let _ = writeln!(boot.log, "(no {file} rendered)");
                }
            }
        }
        Firewall::Ufw => boot.step(sandbox, &format!("{UFW_INIT} start quiet")),
    }
    boot.step(
        sandbox,
        "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network",
    );
    let confs = staged(rendered, "/etc/dnsmasq.d", "hostnet-", ".conf");
    if !confs.is_empty() {
        // In the foreground, so the namespace's guard stops it by PID; no
        // upstream DNS servers; leases and PID file in the sandbox's /run.
        let conf_files: Vec<String> = confs.iter().map(|file| format!("--conf-file={file}")).collect();
        let script = format!(
            ": > /run/hostnet-lab-resolv.conf
exec dnsmasq --keep-in-foreground --log-facility=- {} --resolv-file=/run/hostnet-lab-resolv.conf \
--dhcp-leasefile=/run/dnsmasq.leases --pid-file=/run/dnsmasq.pid",
            conf_files.join(" ")
        );
        let _ = writeln!(boot.log, "$ {script} &");
        let server = sandbox.spawn(&script);
        lab::wait_for_dhcp_server(&server.log);
        boot.dnsmasq = Some(server);
    }
    boot
}

/// One probe of the matrix: a ping, and a TCP connection where the target listens.
struct Probe<'a> {
    /// Column index, or `None` for a control (must answer in every mode).
    column: Option<usize>,
    label: String,
    from: &'a Netns,
    target: String,
    /// Does the target listen on the lab's TCP port?
    listens: bool,
    ping: bool,
    /// `None`: not probed (the target does not listen).
    tcp: Option<bool>,
}

impl Probe<'_> {
    fn expected(&self, row: [bool; 5]) -> bool {
        self.column.is_none_or(|column| row[column])
    }

    /// Ping and TCP agree with `expected`.
    fn is(&self, expected: bool) -> bool {
        self.ping == expected && self.tcp.is_none_or(|tcp| tcp == expected)
    }

    /// `yes`, `no`, or which of ping and TCP got through.
    fn word(&self) -> &'static str {
        match (self.ping, self.tcp) {
            (true, Some(false)) => "ping only",
            (false, Some(true)) => "tcp only",
            (true, _) => "yes",
            (false, _) => "no",
        }
    }

    /// Ping and connect at once.
    fn run(&mut self) {
        let (from, target) = (self.from, self.target.as_str());
        let (ping, tcp) = std::thread::scope(|scope| {
            let tcp = self.listens.then(|| scope.spawn(|| lab::connects(from, target)));
            (lab::pings(from, target), tcp.map(|handle| handle.join().unwrap()))
        });
        self.ping = ping;
        self.tcp = tcp;
    }
}

/// A cell: `yes`, `no`, or what each probe got.
fn cell(probes: &[Probe<'_>], column: usize) -> String {
    let cell: Vec<&Probe<'_>> = probes.iter().filter(|probe| probe.column == Some(column)).collect();
    let first = cell.first().map_or("", |probe| probe.word());
    if cell.iter().all(|probe| probe.word() == first) {
        first.to_owned()
    } else {
        let words: Vec<String> = cell
            .iter()
            .map(|probe| format!("{} {}", probe.label, probe.word()))
            .collect();
        words.join(", ")
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// The matrix as a table: the design's row, the measured one, every probe.
fn table(title: &str, expected: [bool; 5], probes: &[Probe<'_>]) -> String {
    let measured: Vec<String> = (0..COLUMNS.len()).map(|column| cell(probes, column)).collect();
    let mut out = format!("{title}\n| | {} |\n|---|", COLUMNS.join(" | "));
    out.push_str(&"---|".repeat(COLUMNS.len()));
    let _ = write!(
        out,
        "\n| design | {} |\n| measured | {} |\nprobes (ping, tcp/{}):",
        expected.map(yes_no).join(" | "),
        measured.join(" | "),
        lab::TCP_PORT
    );
    for probe in probes {
        let want = probe.expected(expected);
        let wrong = if probe.is(want) {
            String::new()
        } else {
            format!("  <-- expected {}", yes_no(want))
        };
        let kind = if probe.column.is_none() { " (lab control)" } else { "" };
        let tcp = probe.tcp.map_or("-", yes_no);
        let _ = write!(out, "\n  {}: {}, {tcp}{kind}{wrong}", probe.label, yes_no(probe.ping));
    }
    out
}

/// Run every probe at once; poll the ones expected to get through that did
/// not for up to 5 s (a "no" is never retried into a "yes").
fn measure(probes: &mut [Probe<'_>], expected: [bool; 5]) {
    std::thread::scope(|scope| {
        for probe in probes.iter_mut() {
            scope.spawn(move || probe.run());
        }
    });
    for probe in probes.iter_mut() {
        if probe.expected(expected) && !probe.is(true) {
            let _ = wait_for(Duration::from_secs(5), || {
                probe.run();
                probe.is(true).then_some(())
            });
        }
    }
}

/// The host's IPv4 address on `dev`, without prefix.
fn address_of(netns: &Netns, dev: &str) -> Option<String> {
    let output = netns.ip_ok(&["-o", "-4", "addr", "show", "dev", dev]);
    let word = output.split_whitespace().skip_while(|word| *word != "inet").nth(1)?;
    Some(word.split('/').next()?.to_owned())
}

/// Run the lab for a case, assert its row, and print the matrix and the
/// time it all took (render, lab, boot, probes, teardown).
fn prove(mode: Mode, firewall: Firewall, dhcp: bool) {
    let case = Case { mode, firewall, dhcp };
    if !sandbox::require(&case.tools()) {
        return;
    }
    let started = Instant::now();
    let matrix = lab_row(&case);
    eprintln!("{matrix}\n{}: {:.1} s", case.title(), started.elapsed().as_secs_f64());
}

/// The lab for `case`: the matrix, once it matches the design's row.
fn lab_row(case: &Case) -> String {
    let title = case.title();
    let rendered = case.render();
    let guests: Vec<(&str, &str)> = GUESTS.iter().map(|(name, mac, _)| (*name, *mac)).collect();
    let lab = Lab::new(&guests);
    match case.mode {
        Mode::Bridged => lab.serve_lan_dhcp(),
        // The route routed mode needs; nat, host_only and internal must not
        // let the LAN in even when it knows the way.
        Mode::Routed | Mode::Nat | Mode::HostOnly | Mode::Internal => lab.route_via_host(SUBNET, HOST_LAN),
    }
    let features = match case.firewall {
        Firewall::Iptables => Features::default(),
        Firewall::Ufw => Features::UFW,
    };
    let sandbox = Sandbox::new(&lab.host, rendered.stage.path(), features);
    let boot = boot(&sandbox, &rendered, case.firewall);
    lab.attach_guests(BRIDGE);

    // The guests' addresses: leases (checked against the playbook's fixed
    // ones, or the LAN's range), or static ones when there is no DHCP.
    let addresses: Vec<String> = if case.dhcp {
        let leases: Vec<Lease> = lab
            .dhcp_all()
            .into_iter()
            .map(|lease| lease.unwrap_or_else(|error| panic!("{title}: {error}\n{}", boot.report())))
            .collect();
        for ((name, _, fixed), lease) in GUESTS.iter().zip(&leases) {
            check_lease(case, name, fixed, lease, &boot);
        }
        leases.into_iter().map(|lease| lease.ip).collect()
    } else {
        let prefix = SUBNET.split_once('/').map_or("24", |(_, prefix)| prefix);
        let with_prefix: Vec<String> = GUESTS.iter().map(|(_, _, ip)| format!("{ip}/{prefix}")).collect();
        lab.static_addresses(&with_prefix.iter().map(String::as_str).collect::<Vec<_>>());
        GUESTS.iter().map(|(_, _, ip)| (*ip).to_owned()).collect()
    };
    let host_lan = if case.mode == Mode::Bridged {
        address_of(&lab.host, BRIDGE).unwrap_or_else(|| panic!("{title}: br0 got no address\n{}", boot.report()))
    } else {
        HOST_LAN.to_owned()
    };

    let mut probes = Vec::new();
    let mut probe = |column: Option<usize>, from: &'static str, netns, target: &str, listens| {
        probes.push(Probe {
            column,
            label: format!("{from}→{target}"),
            from: netns,
            target: target.to_owned(),
            listens,
            ping: false,
            tcp: None,
        });
    };
    probe(None, "landev", &lab.landev, INTERNET, true);
    probe(None, "landev", &lab.landev, &host_lan, false);
    probe(None, "host", &lab.host, INTERNET, true);
    for (index, guest) in lab.guests.iter().enumerate() {
        let name = GUESTS[index].0;
        let other = &addresses[1 - index];
        probe(Some(0), name, &guest.netns, LAN_DEVICE, true);
        probe(Some(1), "landev", &lab.landev, &addresses[index], true);
        probe(Some(2), name, &guest.netns, other, true);
        probe(Some(3), name, &guest.netns, INTERNET, true);
        probe(Some(4), "host", &lab.host, &addresses[index], true);
    }
    let expected = case.mode.expected();
    measure(&mut probes, expected);
    let matrix = table(&title, expected, &probes);
    assert!(
        probes.iter().all(|probe| probe.is(probe.expected(expected))),
        "{matrix}\n{}",
        boot.report()
    );
    matrix
}

fn check_lease(case: &Case, name: &str, fixed: &str, lease: &Lease, boot: &Boot) {
    let title = case.title();
    match case.mode {
        Mode::Bridged => {
            let octet = |ip: &str| ip.rsplit('.').next().and_then(|last| last.parse::<u8>().ok());
            let (first, last) = LAN_DHCP_RANGE;
            let in_range = lease.ip.starts_with("192.168.1.")
                && octet(&lease.ip).is_some_and(|o| octet(first).is_some_and(|f| o >= f))
                && octet(&lease.ip).is_some_and(|o| octet(last).is_some_and(|l| o <= l));
            assert!(
                in_range && lease.router == LAN_ROUTER,
                "{title}: {name} should get a LAN lease from the LAN's DHCP server, got {lease:?}"
            );
        }
        Mode::Nat | Mode::Routed => assert_eq!(
            (lease.ip.as_str(), lease.router.as_str()),
            (fixed, HOST_ON_BRIDGE),
            "{title}: {name}'s fixed lease, with the host as router\n{}",
            boot.report()
        ),
        Mode::HostOnly | Mode::Internal => assert_eq!(
            (lease.ip.as_str(), lease.router.as_str()),
            (fixed, ""),
            "{title}: {name}'s fixed lease, and no router\n{}",
            boot.report()
        ),
    }
}

#[test]
fn bridged_guests_are_on_the_lan() {
    prove(Mode::Bridged, Firewall::Iptables, true);
}

#[test]
fn bridged_with_ufw_forwards_the_bridged_frames() {
    prove(Mode::Bridged, Firewall::Ufw, true);
}

#[test]
fn nat_guests_reach_out_and_only_the_host_reaches_in() {
    prove(Mode::Nat, Firewall::Iptables, true);
}

#[test]
fn nat_with_ufw_implements_the_same_row() {
    prove(Mode::Nat, Firewall::Ufw, true);
}

#[test]
fn routed_guests_are_reached_through_the_lan_routers_route() {
    prove(Mode::Routed, Firewall::Iptables, true);
}

#[test]
fn routed_with_ufw_implements_the_same_row() {
    prove(Mode::Routed, Firewall::Ufw, true);
}

#[test]
fn host_only_guests_see_each_other_and_the_host() {
    prove(Mode::HostOnly, Firewall::Iptables, true);
}

#[test]
fn host_only_with_ufw_implements_the_same_row() {
    prove(Mode::HostOnly, Firewall::Ufw, true);
}

#[test]
fn internal_guests_see_only_each_other() {
    prove(Mode::Internal, Firewall::Iptables, true);
}

#[test]
fn internal_with_ufw_implements_the_same_row() {
    prove(Mode::Internal, Firewall::Ufw, true);
}

#[test]
fn internal_without_dhcp_guests_see_only_each_other() {
    prove(Mode::Internal, Firewall::Iptables, false);
}
