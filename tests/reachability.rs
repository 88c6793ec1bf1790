//! Every mode's row of the design's reachability table, for real: render a
//! `vm_network` playbook with `hostnet render` for a Debian host (ifupdown,
//! or systemd-networkd) with iptables, nftables or ufw, boot the host in the
//! lab of `support/lab/` with nothing but the distro's own tools on the
//! rendered files, in boot order (systemd-sysctl → netfilter-persistent,
//! nftables.service or ufw.service → networking.service or
//! systemd-networkd → dnsmasq), attach two guests to the bridge as
//! qemu-bridge-helper attaches a TAP, let them take their leases, and probe
//! who reaches whom, and as whom (the product lab's `hostnet_lab::expect` has
//! the table, `hostnet_lab::measure` probes it).
//!
//! What makes a broken product fail here:
//!
//! - Nothing routes back to a guest subnet: the LAN router and the internet
//!   know only the LAN (the router learns the guests' subnet only in routed
//!   mode, the route docs/modes/routed.md tells the user to add). An
//!   un-masqueraded nat guest gets no answer, and the listeners report the
//!   source they saw: nat must arrive as the host's uplink address.
//! - The host's FORWARD policy is DROP before hostnet's rules matter: ufw's
//!   own default, and under iptables Docker's (`iptables -P FORWARD DROP`,
//!   as dockerd sets it when it starts after netfilter-persistent), so a
//!   missing forward accept cuts the guests off. br_netfilter is asserted
//!   active in the host, so bridged frames cross FORWARD too and a missing
//!   `bridge_forward` cuts bridged guests off from each other.
//!   nftables: an accept in hostnet's table cannot undo a drop in another
//!   table (nftables runs every base chain), so hostnet cannot work on a
//!   host whose own nftables forward chain drops (docs/backends.md); its
//!   rows run on Debian's stock `/etc/nftables.conf`, policy accept, and
//!   prove hostnet's own drops (nat's "nothing in from outside", internal's
//!   isolation) and its masquerade.
//! - Ping, TCP and UDP are probed separately: stock ufw forwards ping.
//! - Every boot step fails on a non-zero exit and on unexpected stderr
//!   (`support/lab/boot.rs`, the product lab's checks); a file the mode needs (sysctl.d, the rules,
//!   dnsmasq's) must be rendered, and one it does not need must not be.
//! - The LAN admin's machine has a route to the guests' subnet via the
//!   host in every mode but bridged, so a "LAN→g: no" comes from the host.
//!
//! All probes run at once; an expected answer is polled for up to 8 s, a
//! "no" is never retried. Controls (the LAN device and the host reach the
//! internet as themselves) make sure a "no" is not a broken lab. A failure
//! prints the measured table against the design, every probe, the routes,
//! the boot steps' output and dnsmasq's log.
//!
//! Not here: Gentoo's netifrc. It is not packaged for Debian, and it needs
//! OpenRC's runtime, so no row can boot it; `tests/netifrc_shell.rs`
//! proves its rendered `/etc/conf.d/net` with the shell that sources it.
//!
//! Skipped (`skipping: …`) when not root or a tool is missing, unless
//! `CI=true` (or `HOSTNET_SANDBOX_REQUIRED=1`): then that is a failure.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use hostnet_lab::Namespace as _;
use hostnet_lab::boot::{NETWORKD, Network, dnsmasq_script, host_files, staged, systemd_sysctl, wait_for_dnsmasq};
use hostnet_lab::measure::{self, Probe, ProbeResult};
use hostnet_lab::ufw::UFW_INIT;

use crate::support::lab::boot::{self, Boot, dhclient_chatter, quiet, vlan_filtering_noise};
use crate::support::lab::expect::{Firewall, Kind, Mode};
use crate::support::lab::{self, HOST_LAN, INTERNET, LAN_DEVICE, LAN_ROUTER, Lab, Lease};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Background, Features, Netns, Sandbox, wait_for};

/// The guests' subnet in every mode but bridged, and the host's address on it.
const SUBNET: &str = "172.16.1.0/24";
const HOST_ON_BRIDGE: Ipv4Addr = Ipv4Addr::new(172, 16, 1, 1);
/// The guests: name, MAC, fixed lease.
const GUESTS: [(&str, &str, &str); 2] = [
    ("g1", "52:54:00:00:01:02", "172.16.1.2"),
    ("g2", "52:54:00:00:01:03", "172.16.1.3"),
];
const BRIDGE: &str = "br0";

/// One lab run.
struct Case {
    mode: Mode,
    firewall: Firewall,
    network: Network,
    /// The guests take leases (from the rendered dnsmasq; bridged: from the
    /// LAN's DHCP server); `false`: `dhcp: false` and static addresses.
    dhcp: bool,
}

impl Case {
    fn title(&self) -> String {
        let network = match self.network {
            Network::Ifupdown => "ifupdown",
            Network::Networkd => "networkd",
        };
        let dhcp = if self.dhcp { "" } else { ", no DHCP" };
        format!("{} ({network}, {}{dhcp})", self.mode.name(), self.firewall.name())
    }

    /// Does the host run hostnet's dnsmasq?
    fn serves_dhcp(&self) -> bool {
        self.dhcp && self.mode != Mode::Bridged
    }

    fn playbook(&self) -> String {
        let mut args = format!(
            "        mode: {}\n        bridge: {BRIDGE}\n        firewall: {}\n",
            self.mode.name(),
            self.firewall.name()
        );
        if matches!(self.mode, Mode::Bridged | Mode::Nat | Mode::Routed) {
            args.push_str("        uplink: eth0\n");
        }
        if self.mode != Mode::Bridged {
            let _ = writeln!(args, "        subnet: {SUBNET}");
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

    /// A Debian host: systemd, `eth0`, and the firewall's tool.
    fn facts(&self) -> String {
        let mut facts = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\n".to_owned();
        match self.firewall {
            Firewall::Iptables => {}
            Firewall::Nftables => facts.push_str("tools: [nft]\n"),
            Firewall::Ufw => facts.push_str("tools: [ufw]\nufw_enabled: true\n"),
        }
        facts
    }

    /// The host's files before hostnet (the product lab's): `eth0` on the
    /// LAN (static, where the playbook leaves `eth0` to the host; bridged
    /// mode makes `eth0` a port, and hostnet warns about a configuration of
    /// the user's for it, so there is none), in ifupdown's or networkd's
    /// words; Debian's stock nftables.conf, or stock ufw.
    fn before(&self) -> Vec<(String, String)> {
        host_files("eth0", self.mode != Mode::Bridged, false, self.network, self.firewall)
    }

    fn render(&self) -> Rendered {
        let before = self.before();
        let before: Vec<(&str, &str)> = before
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        let mut args = vec!["--firewall", self.firewall.name()];
        if self.network == Network::Networkd {
            args.extend(["--network-backend", "systemd-networkd"]);
        }
        Rendered::new(&self.playbook(), &self.facts(), &args, &before)
    }

    fn tools(&self) -> Vec<&'static str> {
        let mut tools = vec!["dnsmasq", "busybox", "ping", "iptables", "sysctl", systemd_sysctl()];
        match self.network {
            // ifupdown's `inet dhcp` runs dhclient.
            Network::Ifupdown => tools.extend(["ifup", "brctl", "dhclient"]),
            Network::Networkd => tools.extend([NETWORKD, "mknod"]),
        }
        match self.firewall {
            Firewall::Iptables => tools.extend(["iptables-restore", "ip6tables-restore", "ip6tables"]),
            Firewall::Nftables => tools.push("nft"),
            Firewall::Ufw => tools.push(UFW_INIT),
        }
        tools
    }

    fn features(&self) -> Features {
        Features {
            no_modprobe: self.firewall == Firewall::Ufw,
            ..match self.network {
                Network::Ifupdown => Features::default(),
                Network::Networkd => Features::NETWORKD,
            }
        }
    }
}

/// `files` must be rendered exactly when `wanted` (what for: `what`).
fn rendered_as_wanted(case: &Case, what: &str, files: &[String], wanted: bool) {
    assert_eq!(
        !files.is_empty(),
        wanted,
        "{}: {what} {} rendered, and the mode {} it (found: {files:?})",
        case.title(),
        if files.is_empty() { "was not" } else { "was" },
        if wanted { "needs" } else { "does not need" }
    );
}

/// What the boot did: each step's command and output, and the daemons.
struct Booted<'ns> {
    boot: Boot,
    dnsmasq: Option<Background>,
    networkd: Option<Background>,
    sandbox: Sandbox<'ns>,
}

impl Booted<'_> {
    fn report(&self) -> String {
        let dnsmasq = self.dnsmasq.as_ref().map_or_else(
            || "(not running: no DHCP server on the host)".to_owned(),
            Background::output,
        );
        let networkd = self.networkd.as_ref().map_or_else(String::new, |networkd| {
            format!("--- networkd:\n{}\n", boot::networkd_tail(&networkd.output()))
        });
        format!("--- boot:\n{}{networkd}--- dnsmasq:\n{dnsmasq}", self.boot.log())
    }
}

/// br_netfilter must be active in the host: bridged frames then cross the
/// IPv4/IPv6 FORWARD hooks, where the DROP policy and hostnet's
/// `bridge_forward` accept decide. (Built into this kernel, with the
/// switches on in every new namespace; a kernel with br_netfilter as an
/// unloaded module has no `/proc/sys/net/bridge`, and the lab does not load
/// kernel modules: that would change the machine, not a namespace.)
fn assert_br_netfilter(host: &Netns) {
    for family in ["iptables", "ip6tables"] {
        let path = format!("/proc/sys/net/bridge/bridge-nf-call-{family}");
        assert_eq!(
            host.read(&path).as_deref(),
            Some("1"),
            "{path} in the host: br_netfilter is not active (load it with `modprobe br_netfilter`); \
             without it bridged frames never meet the firewall, and the bridged rows would prove nothing"
        );
    }
}

/// Bring the host up from the rendered files, in boot order, with the real
/// tools; every step must be clean.
fn boot<'ns>(host: &'ns Netns, rendered: &Rendered, case: &Case) -> Booted<'ns> {
    let sandbox = Sandbox::new(host, rendered.stage.path(), case.features());
    let mut boot = Boot::default();

    // systemd-sysctl.service: forwarding is the nat and routed modes' only sysctl.
    let sysctl = staged(rendered.stage.path(), "/etc/sysctl.d", "", ".conf");
    rendered_as_wanted(
        case,
        "a sysctl.d file",
        &sysctl,
        matches!(case.mode, Mode::Nat | Mode::Routed),
    );
    if !sysctl.is_empty() {
        // Never bare: without a file systemd-sysctl applies all of the host's.
        boot.step(&sandbox, &format!("{} {}", systemd_sysctl(), sysctl.join(" ")), quiet);
    }

    // The firewall's service.
    match case.firewall {
        Firewall::Iptables => {
            for (tool, file) in [
                ("iptables-restore", "/etc/iptables/rules.v4"),
                ("ip6tables-restore", "/etc/iptables/rules.v6"),
            ] {
                assert!(
                    rendered.path(file).exists(),
                    "{}: {file} was not rendered",
                    case.title()
                );
                boot.step(&sandbox, &format!("{tool} < {file}"), quiet);
            }
            // dockerd, started after netfilter-persistent, sets this.
            boot.step(
                &sandbox,
                "iptables -w -P FORWARD DROP && ip6tables -w -P FORWARD DROP",
                quiet,
            );
        }
        Firewall::Nftables => {
            let conf = rendered.read("/etc/nftables.conf");
            assert!(
                conf.contains("include \"/etc/nftables.d/*.nft\""),
                "{}: nftables.conf includes nothing of hostnet's:\n{conf}",
                case.title()
            );
            boot.step(&sandbox, "nft -f /etc/nftables.conf", quiet);
        }
        Firewall::Ufw => {
            boot.step(&sandbox, &format!("{UFW_INIT} start quiet"), quiet);
        }
    }
    assert_br_netfilter(host);

    // networking.service or systemd-networkd.
    let mut networkd = None;
    match case.network {
        Network::Ifupdown => {
            let bridged = case.mode == Mode::Bridged;
            boot.step(
                &sandbox,
                "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network",
                || {
                    let mut expected = vlan_filtering_noise(host, &[BRIDGE]);
                    if bridged {
                        expected.extend(dhclient_chatter(BRIDGE));
                    }
                    expected
                },
            );
        }
        Network::Networkd => {
            boot.note("$ systemd-networkd &");
            let daemon = boot::start_networkd(&sandbox);
            let want_bridge = match case.mode {
                Mode::Bridged => Some(None),
                Mode::Internal if !case.dhcp => None,
                _ => Some(Some(HOST_ON_BRIDGE)),
            };
            let settled = wait_for(Duration::from_secs(20), || {
                let bridge_ok = match want_bridge {
                    Some(Some(address)) => host.ipv4_address(BRIDGE) == Some(address),
                    Some(None) => host.ipv4_address(BRIDGE).is_some(),
                    None => host.read(&format!("/sys/class/net/{BRIDGE}/operstate")).is_some(),
                };
                let lan_ok = case.mode == Mode::Bridged || host.ipv4_address("eth0") == Some(HOST_LAN);
                (bridge_ok && lan_ok).then_some(())
            });
            let log = daemon.output();
            assert!(
                settled.is_some(),
                "{}: networkd did not bring up {BRIDGE} and eth0 within 20 s:\n{}\n--- networkd:\n{}",
                case.title(),
                host.ip_ok(&["-4", "addr"]),
                boot::networkd_tail(&log)
            );
            let problems = boot::networkd_problems(&log);
            assert!(
                problems.is_empty(),
                "{}: networkd rejected part of the files:\n{}",
                case.title(),
                problems.join("\n")
            );
            networkd = Some(daemon);
        }
    }

    // dnsmasq.service: in the foreground, so the namespace's guard stops it
    // by PID; no upstream DNS servers; leases and PID file in the sandbox's /run.
    let confs = staged(rendered.stage.path(), "/etc/dnsmasq.d", "hostnet-", ".conf");
    rendered_as_wanted(case, "a dnsmasq.d file", &confs, case.serves_dhcp());
    let dnsmasq = (!confs.is_empty()).then(|| {
        let script = dnsmasq_script(&confs);
        boot.note(&format!("$ {script} &"));
        let server = sandbox.spawn(&script);
        wait_for_dnsmasq(&server.log).unwrap_or_else(|error| panic!("{error}"));
        server
    });
    Booted {
        boot,
        dnsmasq,
        networkd,
        sandbox,
    }
}

/// The table: the design's row, the measured one, every probe.
fn table(title: &str, probes: &[Probe<'_>], uplink: Ipv4Addr) -> (String, Vec<ProbeResult>) {
    let (cells, results) = measure::cells(probes, uplink.into());
    let mut out = format!("{title}\n");
    for cell in &cells {
        let _ = writeln!(
            out,
            "  {:<13} design: {:<22} measured: {}",
            cell.column, cell.promised, cell.measured
        );
    }
    out.push_str("probes:\n");
    for probe in &results {
        let what = probe.column.unwrap_or("(lab control)");
        let wrong = if probe.ok {
            String::new()
        } else {
            format!("  <-- expected {}", probe.want)
        };
        let _ = writeln!(out, "  {what}: {} {}: {}{wrong}", probe.kind, probe.path, probe.outcome);
    }
    (out, results)
}

/// Run the lab for a case and assert its row; print the table and the time
/// it all took (render, lab, boot, probes, teardown).
fn prove(mode: Mode, firewall: Firewall, network: Network, dhcp: bool) {
    let case = Case {
        mode,
        firewall,
        network,
        dhcp,
    };
    if !sandbox::require(&case.tools()) {
        return;
    }
    let started = Instant::now();
    let matrix = lab_row(&case);
    eprintln!("{matrix}{}: {:.1} s", case.title(), started.elapsed().as_secs_f64());
}

/// The lab for `case`: the table, once it matches the design.
#[expect(clippy::too_many_lines, reason = "one lab run, read top to bottom")]
fn lab_row(case: &Case) -> String {
    let title = case.title();
    let rendered = case.render();
    let guests: Vec<(&str, &str)> = GUESTS.iter().map(|(name, mac, _)| (*name, *mac)).collect();
    let lab = Lab::new(&guests);
    match case.mode {
        Mode::Bridged => {
            lab.serve_lan_dhcp(&[]);
        }
        // The route routed mode needs, and only there.
        Mode::Routed => {
            lab.route_via_host(SUBNET);
            lab.admin_route(SUBNET);
        }
        // nat, host_only and internal must keep out a LAN machine that knows the way.
        Mode::Nat | Mode::HostOnly | Mode::Internal => lab.admin_route(SUBNET),
        Mode::ProxyArp | Mode::MacNat => unreachable!("the lab crate's tests (tests/lab.rs) prove {title}"),
    }
    let booted = boot(&lab.host, &rendered, case);
    lab.attach_guests(BRIDGE);

    // The guests' addresses: leases (checked against the playbook's fixed
    // ones, or the LAN's range), or static ones when there is no DHCP.
    let addresses: Vec<Ipv4Addr> = if case.dhcp {
        let leases: Vec<Lease> = lab
            .dhcp_all()
            .into_iter()
            .map(|lease| lease.unwrap_or_else(|error| panic!("{title}: {error}\n{}", booted.report())))
            .collect();
        for ((name, _, fixed), lease) in GUESTS.iter().zip(&leases) {
            check_lease(case, name, fixed, lease, &booted);
        }
        leases.iter().map(|lease| lease.ip.parse().unwrap()).collect()
    } else {
        let prefix = SUBNET.split_once('/').map_or("24", |(_, prefix)| prefix);
        let with_prefix: Vec<String> = GUESTS.iter().map(|(_, _, ip)| format!("{ip}/{prefix}")).collect();
        lab.static_addresses(&with_prefix.iter().map(String::as_str).collect::<Vec<_>>());
        GUESTS.iter().map(|(_, _, ip)| ip.parse().unwrap()).collect()
    };
    // The host's address on the LAN, and on the guests' side.
    let (uplink, host_side) = if case.mode == Mode::Bridged {
        let address = lab
            .host
            .ipv4_address(BRIDGE)
            .unwrap_or_else(|| panic!("{title}: {BRIDGE} got no address\n{}", booted.report()));
        (address, address)
    } else {
        (HOST_LAN, HOST_ON_BRIDGE)
    };

    // No route back: the LAN router knows a guest subnet only in routed mode.
    let mut routes = String::new();
    if case.mode != Mode::Bridged {
        for (who, route) in lab.routes_to(addresses[0]) {
            let _ = writeln!(routes, "  {who}: {}", route.trim());
            let via_host = route.contains(&format!("via {HOST_LAN} "));
            let knows = match who {
                "LAN router" => via_host,
                _ => !route.contains("unreachable"),
            };
            assert_eq!(
                knows,
                who == "LAN router" && case.mode == Mode::Routed,
                "{title}: the {who} must know a way to the guests only as routed mode's route:\n{route}"
            );
        }
    }

    let row = (case.mode, case.firewall);
    let mut probes: Vec<Probe<'_>> = Vec::new();
    let all: &[Kind] = &[Kind::Ping, Kind::Tcp, Kind::Udp];
    measure::push(
        &mut probes,
        row,
        None,
        all,
        ("landev", &lab.landev, LAN_DEVICE),
        INTERNET,
    );
    measure::push(&mut probes, row, None, all, ("host", &lab.host, uplink), INTERNET);
    // The host keeps its own input policy (ufw drops TCP and UDP): ping only.
    measure::push(
        &mut probes,
        row,
        None,
        &[Kind::Ping],
        ("landev", &lab.landev, LAN_DEVICE),
        uplink,
    );
    let guests: Vec<(&str, &dyn hostnet_lab::Namespace, Ipv4Addr)> = lab
        .guests
        .iter()
        .zip(&addresses)
        .map(|(guest, own)| (guest.name.as_str(), &guest.netns as &dyn hostnet_lab::Namespace, *own))
        .collect();
    measure::push_guests(
        &mut probes,
        row,
        (&lab.landev, &lab.lanadmin),
        (&lab.host, host_side),
        &guests,
        case.dhcp,
    );
    // The DNS probes ask for a guest's name, which the host's dnsmasq knows.
    for probe in &mut probes {
        probe.dns_name = "g1".to_owned();
    }
    measure::measure(&mut probes, uplink.into());
    let (table, results) = table(&title, &probes, uplink);
    let matrix = format!("{table}routes to the guests:\n{routes}");
    assert!(results.iter().all(|probe| probe.ok), "{matrix}\n{}", booted.report());
    drop(booted.sandbox);
    matrix
}

fn check_lease(case: &Case, name: &str, fixed: &str, lease: &Lease, booted: &Booted<'_>) {
    let title = case.title();
    match case.mode {
        Mode::Bridged => {
            let (first, last) = lab::LAN_DHCP_RANGE;
            let in_range = lease
                .ip
                .parse::<Ipv4Addr>()
                .is_ok_and(|ip| (first..=last).contains(&ip));
            assert!(
                in_range && lease.router == LAN_ROUTER.to_string(),
                "{title}: {name} should get a LAN lease from the LAN's DHCP server, got {lease:?}"
            );
        }
        Mode::Nat | Mode::Routed => assert_eq!(
            (lease.ip.as_str(), lease.router.as_str()),
            (fixed, HOST_ON_BRIDGE.to_string().as_str()),
            "{title}: {name}'s fixed lease, with the host as router\n{}",
            booted.report()
        ),
        Mode::HostOnly | Mode::Internal => assert_eq!(
            (lease.ip.as_str(), lease.router.as_str()),
            (fixed, ""),
            "{title}: {name}'s fixed lease, and no router\n{}",
            booted.report()
        ),
        Mode::ProxyArp | Mode::MacNat => unreachable!("the lab crate's tests (tests/lab.rs) prove {title}"),
    }
}

/// One test per row: `name => (mode, firewall, network)`.
macro_rules! rows {
    ($($test:ident => ($mode:ident, $firewall:ident, $network:ident),)*) => {
        $(
            #[test]
            fn $test() {
                prove(Mode::$mode, Firewall::$firewall, Network::$network, true);
            }
        )*
    };
}

rows! {
    bridged_ifupdown_iptables => (Bridged, Iptables, Ifupdown),
    bridged_ifupdown_nftables => (Bridged, Nftables, Ifupdown),
    bridged_ifupdown_ufw => (Bridged, Ufw, Ifupdown),
    nat_ifupdown_iptables => (Nat, Iptables, Ifupdown),
    nat_ifupdown_nftables => (Nat, Nftables, Ifupdown),
    nat_ifupdown_ufw => (Nat, Ufw, Ifupdown),
    routed_ifupdown_iptables => (Routed, Iptables, Ifupdown),
    routed_ifupdown_nftables => (Routed, Nftables, Ifupdown),
    routed_ifupdown_ufw => (Routed, Ufw, Ifupdown),
    host_only_ifupdown_iptables => (HostOnly, Iptables, Ifupdown),
    host_only_ifupdown_nftables => (HostOnly, Nftables, Ifupdown),
    host_only_ifupdown_ufw => (HostOnly, Ufw, Ifupdown),
    internal_ifupdown_iptables => (Internal, Iptables, Ifupdown),
    internal_ifupdown_nftables => (Internal, Nftables, Ifupdown),
    internal_ifupdown_ufw => (Internal, Ufw, Ifupdown),
    bridged_networkd_iptables => (Bridged, Iptables, Networkd),
    bridged_networkd_nftables => (Bridged, Nftables, Networkd),
    bridged_networkd_ufw => (Bridged, Ufw, Networkd),
    nat_networkd_iptables => (Nat, Iptables, Networkd),
    nat_networkd_nftables => (Nat, Nftables, Networkd),
    nat_networkd_ufw => (Nat, Ufw, Networkd),
    routed_networkd_iptables => (Routed, Iptables, Networkd),
    routed_networkd_nftables => (Routed, Nftables, Networkd),
    routed_networkd_ufw => (Routed, Ufw, Networkd),
    host_only_networkd_iptables => (HostOnly, Iptables, Networkd),
    host_only_networkd_nftables => (HostOnly, Nftables, Networkd),
    host_only_networkd_ufw => (HostOnly, Ufw, Networkd),
    internal_networkd_iptables => (Internal, Iptables, Networkd),
    internal_networkd_nftables => (Internal, Nftables, Networkd),
    internal_networkd_ufw => (Internal, Ufw, Networkd),
}

#[test]
fn internal_without_dhcp_guests_see_only_each_other() {
    prove(Mode::Internal, Firewall::Iptables, Network::Ifupdown, false);
}
