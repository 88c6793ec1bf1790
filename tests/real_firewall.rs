//! iptables and ufw rules rendered by `hostnet render`, loaded by the real
//! tools the way the host loads them, in network namespaces this test
//! creates (never the root namespace; only private and documentation
//! addresses).
//!
//! iptables: the boot ruleset (`rules.v4`/`rules.v6`, Gentoo's `rules-save`)
//! gives exactly the rules the model asks for; the live path (hostnet's
//! chains with `--noflush`, then the jumps once) can run any number of times
//! without duplicating a rule and keeps the user's rules; a misspelt target
//! passes `--test` but fails the real load; a guest reaches the "internet"
//! only with the masquerade loaded.
//!
//! ufw: with the rendered blocks over Debian's stock files, `ufw-init start`
//! (the boot path) loads the NAT and the accepts, `ufw reload` twice keeps
//! one copy of the NAT, `ufw disable`'s stop removes it; without the
//! before.init hook every reload adds a jump, and a missing `COMMIT` makes
//! ufw fail. With packets: NAT works through ufw's DROP forward policy only
//! with hostnet's blocks, and an internal network's guests lose the host
//! (even ping, which stock ufw accepts) but keep each other.
//!
//! Skipped (with `skipping: …`) when not root or a tool is missing, unless
//! `CI=true` or `HOSTNET_SANDBOX_REQUIRED=1`: then that is a failure.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::support::lab::NatTriangle;
use crate::support::lab::probe::{self, Listener, Outcome};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Features, Netns, Sandbox};
use crate::support::stdout;
use crate::support::stock::stock_ufw_files;

/// Can the real tools run here? Under `CI=true` they must.
fn can_run(tools: &[&str]) -> bool {
    let ok = sandbox::require(tools);
    assert!(
        ok || std::env::var("CI").as_deref() != Ok("true"),
        "CI=true, but the real iptables/ufw tests cannot run (reason printed above)"
    );
    ok
}

const DEBIAN_FACTS: &str = "distro: debian\ninit: systemd\n";
const GENTOO_FACTS: &str = "distro: gentoo\ninit: openrc\n";
const UFW_FACTS: &str = "distro: debian\ninit: systemd\ntools: [ufw]\nufw_enabled: true\n";

/// Gentoo's stock `/etc/conf.d/iptables` (net-firewall/iptables, iptables-r1.confd).
const GENTOO_CONF_D_IPTABLES: &str = "# /etc/conf.d/iptables

# Location in which iptables initscript will save set rules on
# service shutdown
IPTABLES_SAVE=\"/var/lib/iptables/rules-save\"

# Options to pass to iptables-save and iptables-restore
SAVE_RESTORE_OPTIONS=\"-c\"

# Save state on stopping iptables
SAVE_ON_STOP=\"yes\"
";

/// Scenario 5: a private bridge with NAT for any uplink.
const SCENARIO_5: &str = "\
- name: Private bridge with NAT for any uplink
  hosts: localhost
  vars:
    subnet: 192.168.100.0/24
  tasks:
    - name: Accept tcp and udp from the guests
      firewall: { allow_input: br0, protocols: [tcp, udp] }
    - name: Forward what the guests send
      firewall: { allow_forward: br0 }
    - name: DHCP and DNS for the guests
      firewall: { dhcp_dns: br0 }
    - name: Masquerade the guests out of the LAN interface
      nat: { source: \"{{ subnet }}\", out_interface: eth0 }
";

/// Scenario 2: NAT behind a wireless uplink.
const SCENARIO_2: &str = "\
- name: NAT behind a wireless uplink
  hosts: localhost
  tasks:
    - name: Masquerade the guests
      nat: { source: 172.16.1.0/24, out_interface: wlan0 }
";

/// Scenario 4: an internal network.
const SCENARIO_4: &str = "\
- name: Internal network
  hosts: localhost
  tasks:
    - name: Guest TAPs
      tap: { name: \"{{ item }}\" }
      loop: [tap0, tap1]
    - name: Bridge without an uplink
      bridge: { name: br0, ports: [tap0, tap1], address: none }
    - name: The host is not reachable from the guests
      firewall: { isolate_host: br0 }
    - name: The guests reach each other
      firewall: { bridge_forward: br0 }
";

impl Rendered {
    /// The iptables backend on Debian.
    fn iptables(playbook: &str) -> Self {
        Self::new(playbook, DEBIAN_FACTS, &["--firewall", "iptables"], &[])
    }

    /// The ufw backend over the stock ufw files of this host's ufw package,
    /// with ufw enabled. hostnet makes `before.init` executable (ufw runs it
    /// only then); `hooked: false` takes that away again (the control).
    fn ufw(playbook: &str, hooked: bool) -> Self {
        let stock = stock_ufw_files();
        let before: Vec<(&str, &str)> = stock.iter().map(|(path, text)| (*path, text.as_str())).collect();
        let rendered = Self::new(playbook, UFW_FACTS, &["--firewall", "ufw"], &before);
        let init = rendered.path("/etc/ufw/before.init");
        let mode = std::os::unix::fs::PermissionsExt::mode(&fs_err::metadata(&init).unwrap().permissions()) & 0o7777;
        assert_eq!(mode, 0o750, "hostnet render did not make before.init executable");
        if !hooked {
            set_mode(&init, 0o640);
        }
        rendered
    }

    /// Stock ufw with nothing of hostnet (controls).
    fn stock_ufw() -> Self {
        let stock = stock_ufw_files();
        let files: Vec<(&str, &str)> = stock.iter().map(|(path, text)| (*path, text.as_str())).collect();
        Self::files(&files)
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// One chain as `iptables-save` shows it: policy (`-` for a user chain) and rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Chain {
    policy: String,
    rules: Vec<String>,
}

/// Table → chain → policy and rules, without counters and comments.
type Tables = BTreeMap<String, BTreeMap<String, Chain>>;

/// A rule in iptables-save's spelling: `-p udp --dport 67` gains the
/// implicit `-m udp` (so the guides' spelling compares equal).
fn canonical(rule: &str) -> String {
    let words: Vec<&str> = rule.split_whitespace().collect();
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        out.push(words[index].to_owned());
        if words[index] == "-p" && index + 1 < words.len() {
            let protocol = words[index + 1];
            out.push(protocol.to_owned());
            index += 2;
            let implicit = words.get(index) != Some(&"-m")
                && words
                    .get(index)
                    .is_some_and(|word| matches!(*word, "--dport" | "--sport"));
            if implicit {
                out.push("-m".into());
                out.push(protocol.into());
            }
            continue;
        }
        index += 1;
    }
    out.join(" ")
}

/// Parse `iptables-save` output.
fn parse_save(text: &str) -> Tables {
    let mut tables = Tables::new();
    let mut table = String::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(name) = line.strip_prefix('*') {
            table = name.to_owned();
            tables.entry(table.clone()).or_default();
        } else if let Some(declaration) = line.strip_prefix(':') {
            let mut words = declaration.split_whitespace();
            let chain = words.next().unwrap().to_owned();
            let policy = words.next().unwrap().to_owned();
            tables.get_mut(&table).unwrap().entry(chain).or_default().policy = policy;
        } else if let Some(rule) = line.strip_prefix("-A ") {
            let (chain, rule) = rule.split_once(' ').unwrap();
            let chains = tables.get_mut(&table).unwrap();
            chains
                .get_mut(chain)
                .expect("a rule before its chain")
                .rules
                .push(canonical(rule));
        } else {
            assert_eq!(line, "COMMIT", "unexpected iptables-save line");
        }
    }
    tables
}

/// Expected tables: `(table, chain, policy, rules)`, rules in any spelling.
fn tables(spec: &[(&str, &str, &str, &[&str])]) -> Tables {
    let mut tables = Tables::new();
    for (table, chain, policy, rules) in spec {
        tables.entry((*table).to_owned()).or_default().insert(
            (*chain).to_owned(),
            Chain {
                policy: (*policy).to_owned(),
                rules: rules.iter().map(|rule| canonical(rule)).collect(),
            },
        );
    }
    tables
}

/// `TOOL-save` in `netns`, parsed (only tables that have chains).
fn saved(netns: &Netns, tool: &str) -> Tables {
    let mut tables = parse_save(&stdout(&ok(netns.exec(&[&format!("{tool}-save")]), tool)));
    tables.retain(|_, chains| !chains.is_empty());
    tables
}

fn ok(output: Output, what: &str) -> Output {
    assert!(output.status.success(), "{what}: {}", sandbox::text(&output));
    output
}

/// `TOOL-restore ARGS… < FILE` in `netns` (stdin, as netfilter-persistent
/// and Gentoo's init script feed it).
fn restore_stdin(netns: &Netns, tool: &str, args: &[&str], file: &Path) -> Output {
    let mut argv = vec![format!("{tool}-restore")];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    netns
        .command(&argv)
        .stdin(Stdio::from(fs_err::File::open(file).unwrap().into_file()))
        .output()
        .unwrap()
}

/// hostnet's bring-up command, `TOOL-restore -w --noflush FILE`.
fn restore_noflush(netns: &Netns, tool: &str, file: &Path) {
    let program = format!("{tool}-restore");
    ok(
        netns.exec(&[&program, "-w", "--noflush", path_str(file)]),
        &format!("{program} --noflush {}", file.display()),
    );
}

/// Scenario 5 in IPv4 after the boot ruleset: the rules the model asks for,
/// in the guides' spelling.
fn scenario_5_ipv4() -> Tables {
    let s = "192.168.100.0/24";
    tables(&[
        ("nat", "PREROUTING", "ACCEPT", &[]),
        ("nat", "INPUT", "ACCEPT", &[]),
        ("nat", "OUTPUT", "ACCEPT", &[]),
        ("nat", "POSTROUTING", "ACCEPT", &["-j HOSTNET-POSTROUTING"]),
        (
            "nat",
            "HOSTNET-POSTROUTING",
            "-",
            &[
                &format!("-s {s} -d 224.0.0.0/4 -j RETURN"),
                &format!("-s {s} -d 255.255.255.255/32 -j RETURN"),
                &format!("-s {s} ! -d {s} -o eth0 -j MASQUERADE"),
            ],
        ),
        ("filter", "INPUT", "ACCEPT", &["-j HOSTNET-INPUT"]),
        ("filter", "FORWARD", "ACCEPT", &["-j HOSTNET-FORWARD"]),
        ("filter", "OUTPUT", "ACCEPT", &[]),
        (
            "filter",
            "HOSTNET-INPUT",
            "-",
            &[
                "-i br0 -p tcp -j ACCEPT",
                "-i br0 -p udp -j ACCEPT",
                "-i br0 -p udp --dport 67 -j ACCEPT",
                "-i br0 -p udp --dport 53 -j ACCEPT",
                "-i br0 -p tcp --dport 53 -j ACCEPT",
            ],
        ),
        (
            "filter",
            "HOSTNET-FORWARD",
            "-",
            &[
                &format!("-s {s} -o eth0 -j ACCEPT"),
                &format!("-d {s} -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
                "-i br0 -j ACCEPT",
                "-o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                &format!("! -s {s} -d {s} -j DROP"),
            ],
        ),
    ])
}

/// Scenario 5 in IPv6: no NAT, no DHCP (IPv4's udp 67), the rest alike.
fn scenario_5_ipv6() -> Tables {
    tables(&[
        ("filter", "INPUT", "ACCEPT", &["-j HOSTNET-INPUT"]),
        ("filter", "FORWARD", "ACCEPT", &["-j HOSTNET-FORWARD"]),
        ("filter", "OUTPUT", "ACCEPT", &[]),
        (
            "filter",
            "HOSTNET-INPUT",
            "-",
            &[
                "-i br0 -p tcp -j ACCEPT",
                "-i br0 -p udp -j ACCEPT",
                "-i br0 -p udp --dport 53 -j ACCEPT",
                "-i br0 -p tcp --dport 53 -j ACCEPT",
            ],
        ),
        (
            "filter",
            "HOSTNET-FORWARD",
            "-",
            &[
                "-i br0 -j ACCEPT",
                "-o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            ],
        ),
    ])
}

/// Rules of `chain` in `table`.
fn rules<'a>(tables: &'a Tables, table: &str, chain: &str) -> &'a [String] {
    tables
        .get(table)
        .and_then(|chains| chains.get(chain))
        .map_or(&[], |chain| chain.rules.as_slice())
}

#[test]
fn real_iptables_boot_ruleset_is_exactly_the_models_rules() {
    if !can_run(&["iptables-restore", "ip6tables-restore"]) {
        return;
    }
    let rendered = Rendered::iptables(SCENARIO_5);
    let v4 = rendered.path("/etc/iptables/rules.v4");
    let v6 = rendered.path("/etc/iptables/rules.v6");
    let netns = Netns::new();
    ok(
        restore_stdin(&netns, "iptables", &["--test"], &v4),
        "iptables-restore --test",
    );
    // What netfilter-persistent does at boot, and again on `reload`.
    for _ in 0..2 {
        ok(
            restore_stdin(&netns, "iptables", &[], &v4),
            "iptables-restore < rules.v4",
        );
        ok(
            restore_stdin(&netns, "ip6tables", &[], &v6),
            "ip6tables-restore < rules.v6",
        );
        assert_eq!(saved(&netns, "iptables"), scenario_5_ipv4());
        assert_eq!(saved(&netns, "ip6tables"), scenario_5_ipv6());
    }
    // A host booted with it, then hostnet's live reload (its next run): nothing doubles.
    for _ in 0..2 {
        restore_noflush(&netns, "iptables", &rendered.path("/etc/hostnet/iptables.rules"));
        restore_noflush(&netns, "ip6tables", &rendered.path("/etc/hostnet/ip6tables.rules"));
    }
    assert_eq!(saved(&netns, "iptables"), scenario_5_ipv4());
    assert_eq!(saved(&netns, "ip6tables"), scenario_5_ipv6());
}

#[test]
fn real_iptables_live_reload_is_idempotent_and_keeps_user_rules() {
    if !can_run(&["iptables", "ip6tables", "iptables-restore", "ip6tables-restore"]) {
        return;
    }
    let rendered = Rendered::iptables(SCENARIO_5);
    let netns = Netns::new();
    // The user's (or Docker's, libvirt's) live rules, there before hostnet.
    for argv in [
        &["iptables", "-A", "INPUT", "-s", "192.0.2.9/32", "-j", "DROP"][..],
        &[
            "iptables",
            "-t",
            "nat",
            "-A",
            "POSTROUTING",
            "-s",
            "198.51.100.0/24",
            "-o",
            "eth9",
            "-j",
            "MASQUERADE",
        ],
        &["ip6tables", "-A", "INPUT", "-s", "2001:db8::9/128", "-j", "DROP"],
    ] {
        ok(netns.exec(argv), &argv.join(" "));
    }
    let live = |family: &str| rendered.path(&format!("/etc/hostnet/{family}.rules"));
    let jumps = |family: &str| rendered.path(&format!("/etc/hostnet/{family}-jumps.rules"));
    // hostnet's first run: its chains, then the jumps (the jumps file is new).
    for tool in ["iptables", "ip6tables"] {
        restore_noflush(&netns, tool, &live(tool));
        restore_noflush(&netns, tool, &jumps(tool));
    }
    let mut expected_v4 = scenario_5_ipv4();
    let user_and_jump = |jump: &str, user: &str| vec![canonical(jump), canonical(user)];
    expected_v4
        .get_mut("nat")
        .unwrap()
        .get_mut("POSTROUTING")
        .unwrap()
        .rules = user_and_jump("-j HOSTNET-POSTROUTING", "-s 198.51.100.0/24 -o eth9 -j MASQUERADE");
    expected_v4.get_mut("filter").unwrap().get_mut("INPUT").unwrap().rules =
        user_and_jump("-j HOSTNET-INPUT", "-s 192.0.2.9/32 -j DROP");
    let mut expected_v6 = scenario_5_ipv6();
    expected_v6.get_mut("filter").unwrap().get_mut("INPUT").unwrap().rules =
        user_and_jump("-j HOSTNET-INPUT", "-s 2001:db8::9/128 -j DROP");
    assert_eq!(saved(&netns, "iptables"), expected_v4);
    assert_eq!(saved(&netns, "ip6tables"), expected_v6);
    // Later runs that change the rules reload only hostnet's chains: any number of times.
    for _ in 0..2 {
        restore_noflush(&netns, "iptables", &live("iptables"));
        restore_noflush(&netns, "ip6tables", &live("ip6tables"));
        assert_eq!(saved(&netns, "iptables"), expected_v4);
        assert_eq!(saved(&netns, "ip6tables"), expected_v6);
    }
    // A changed playbook replaces hostnet's rules, and only them.
    let changed = Rendered::iptables(SCENARIO_2);
    restore_noflush(&netns, "iptables", &changed.path("/etc/hostnet/iptables.rules"));
    let now = saved(&netns, "iptables");
    assert_eq!(
        rules(&now, "nat", "HOSTNET-POSTROUTING"),
        [
            "-s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN",
            "-s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN",
            "-s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE",
        ]
    );
    assert!(rules(&now, "filter", "HOSTNET-INPUT").is_empty());
    assert_eq!(rules(&now, "filter", "INPUT"), rules(&expected_v4, "filter", "INPUT"));
    assert_eq!(
        rules(&now, "nat", "POSTROUTING"),
        rules(&expected_v4, "nat", "POSTROUTING")
    );
    // Why the jumps file is loaded only when it is created: a second load doubles them.
    restore_noflush(&netns, "iptables", &jumps("iptables"));
    assert_eq!(
        rules(&saved(&netns, "iptables"), "filter", "INPUT"),
        ["-j HOSTNET-INPUT", "-j HOSTNET-INPUT", "-s 192.0.2.9/32 -j DROP"]
    );
}

#[test]
fn real_iptables_negative_control_misspelt_target() {
    if !can_run(&["iptables-restore"]) {
        return;
    }
    let rendered = Rendered::iptables(SCENARIO_2);
    let v4 = rendered.read("/etc/iptables/rules.v4");
    assert!(v4.contains("-j MASQUERADE\n"));
    rendered.write("/etc/iptables/rules.v4", &v4.replace("-j MASQUERADE", "-j MASQURADE"));
    let file = rendered.path("/etc/iptables/rules.v4");
    let netns = Netns::new();
    // `--test` does not load targets, so it passes: only a real load proves a file.
    ok(
        restore_stdin(&netns, "iptables", &["--test"], &file),
        "iptables-restore --test",
    );
    let output = restore_stdin(&netns, "iptables", &[], &file);
    assert!(!output.status.success(), "a misspelt target must fail the real load");
    assert!(
        sandbox::text(&output).contains("MASQURADE"),
        "{}",
        sandbox::text(&output)
    );
    assert!(
        saved(&netns, "iptables")
            .values()
            .all(|chains| chains.values().all(|c| c.rules.is_empty()))
    );
}

#[test]
fn real_iptables_gentoo_rules_save_loads_and_is_never_saved_over() {
    if !can_run(&["iptables-restore", "ip6tables-restore"]) {
        return;
    }
    let ip6tables = GENTOO_CONF_D_IPTABLES.replace(
        "IPTABLES_SAVE=\"/var/lib/iptables",
        "IP6TABLES_SAVE=\"/var/lib/ip6tables",
    );
    let rendered = Rendered::new(
        SCENARIO_5,
        GENTOO_FACTS,
        &["--firewall", "iptables"],
        &[
            ("etc/conf.d/iptables", GENTOO_CONF_D_IPTABLES),
            ("etc/conf.d/ip6tables", &ip6tables),
        ],
    );
    let netns = Netns::new();
    // What /etc/init.d/iptables start runs, with the stock SAVE_RESTORE_OPTIONS.
    let args = ["--wait", "60", "--wait-interval", "1000", "-c"];
    let v4 = rendered.path("/var/lib/iptables/rules-save");
    let v6 = rendered.path("/var/lib/ip6tables/rules-save");
    ok(
        restore_stdin(&netns, "iptables", &args, &v4),
        "iptables-restore < rules-save",
    );
    ok(
        restore_stdin(&netns, "ip6tables", &args, &v6),
        "ip6tables-restore < rules-save",
    );
    assert_eq!(saved(&netns, "iptables"), scenario_5_ipv4());
    assert_eq!(saved(&netns, "ip6tables"), scenario_5_ipv6());
    // The init script sources conf.d: hostnet's block (last) wins over the stock lines.
    for (service, variable, path) in [
        ("iptables", "IPTABLES_SAVE", "/var/lib/iptables/rules-save"),
        ("ip6tables", "IP6TABLES_SAVE", "/var/lib/ip6tables/rules-save"),
    ] {
        let conf = rendered.path(&format!("/etc/conf.d/{service}"));
        let script = format!(". \"$1\"; printf '%s %s' \"$SAVE_ON_STOP\" \"${variable}\"");
        let output = std::process::Command::new("sh")
            .args(["-c", &script, "sh", path_str(&conf)])
            .output()
            .unwrap();
        assert_eq!(stdout(&ok(output, "sh")), format!("no {path}"));
        assert!(
            rendered
                .read(&format!("/etc/conf.d/{service}"))
                .starts_with("# /etc/conf.d/iptables\n")
        );
    }
}

/// Host, guest and "internet" namespaces: guest 172.16.1.2 on the host's br0
/// (172.16.1.1), host uplink `wlan0` 203.0.113.2, "internet" 203.0.113.1
/// without a route back to the guests. Forwarding on in the host.
struct NatLab {
    host: Netns,
    guest: Netns,
    internet: Netns,
}

impl NatLab {
    fn new() -> Self {
        let NatTriangle { host, guest, internet } = NatTriangle::new();
        Self { host, guest, internet }
    }
}

/// `ping -c1 -W1 TARGET` from `netns`: did it answer?
fn pings(netns: &Netns, target: &str) -> bool {
    netns.exec(&["ping", "-c1", "-W1", "-n", target]).status.success()
}

#[test]
fn real_iptables_masquerade_lets_the_guest_reach_the_internet() {
    if !can_run(&["iptables-restore", "ping"]) {
        return;
    }
    let rendered = Rendered::iptables(SCENARIO_2);
    let lab = NatLab::new();
    assert!(pings(&lab.guest, "172.16.1.1"), "the guest reaches its host");
    assert!(
        !pings(&lab.guest, "203.0.113.1"),
        "control: without masquerade no reply comes back"
    );
    let v4 = rendered.path("/etc/iptables/rules.v4");
    ok(
        restore_stdin(&lab.host, "iptables", &[], &v4),
        "iptables-restore < rules.v4",
    );
    assert!(
        pings(&lab.guest, "203.0.113.1"),
        "with hostnet's rules the guest reaches the internet"
    );
    let _listener = Listener::start(&lab.internet, Ipv4Addr::UNSPECIFIED).unwrap();
    let uplink = Some(Ipv4Addr::new(203, 0, 113, 2).into());
    let target = Ipv4Addr::new(203, 0, 113, 1);
    assert_eq!(
        probe::tcp(&lab.guest, target),
        Outcome::Answered(uplink),
        "masqueraded TCP"
    );
    assert_eq!(
        probe::udp(&lab.guest, target),
        Outcome::Answered(uplink),
        "masqueraded UDP"
    );
}

/// `ufw-init` and friends, in a sandbox over the rendered files.
fn ufw_sandbox<'ns>(netns: &'ns Netns, rendered: &Rendered) -> Sandbox<'ns> {
    Sandbox::new(netns, rendered.stage.path(), Features::UFW)
}

/// How often `rule` is in `chain` of `table`.
fn count(tables: &Tables, table: &str, chain: &str, rule: &str) -> usize {
    let rule = canonical(rule);
    rules(tables, table, chain).iter().filter(|r| **r == rule).count()
}

const UFW_INIT: &str = "/lib/ufw/ufw-init";

#[test]
fn real_ufw_boot_path_loads_the_blocks_and_reloads_without_duplicates() {
    if !can_run(&[UFW_INIT, "ufw", "iptables-save"]) {
        return;
    }
    let rendered = Rendered::ufw(SCENARIO_5, true);
    let before = rendered.read("/etc/ufw/before.rules");
    assert_eq!(
        before.matches("COMMIT").count(),
        before.lines().filter(|l| l.starts_with('*')).count() + 1
    );
    let netns = Netns::new();
    let sandbox = ufw_sandbox(&netns, &rendered);
    // The boot path: ufw.service runs `ufw-init start quiet`.
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    let nat = "-s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -j MASQUERADE";
    let check = || {
        let v4 = saved(&netns, "iptables");
        assert_eq!(count(&v4, "nat", "POSTROUTING", "-j HOSTNET-POSTROUTING"), 1, "{v4:#?}");
        assert_eq!(
            rules(&v4, "nat", "HOSTNET-POSTROUTING"),
            [
                canonical("-s 192.168.100.0/24 -d 224.0.0.0/4 -j RETURN"),
                canonical("-s 192.168.100.0/24 -d 255.255.255.255/32 -j RETURN"),
                canonical(nat),
            ]
        );
        // hostnet's input rules first, ahead of ufw's own.
        assert_eq!(
            rules(&v4, "filter", "ufw-before-input")[..6],
            [
                "-i br0 -p tcp -j ACCEPT",
                "-i br0 -p udp -j ACCEPT",
                "-i br0 -p udp -m udp --dport 67 -j ACCEPT",
                "-i br0 -p udp -m udp --dport 53 -j ACCEPT",
                "-i br0 -p tcp -m tcp --dport 53 -j ACCEPT",
                "-i lo -j ACCEPT",
            ]
        );
        // First in ufw-before-forward, ahead of ufw's stock forward rules (which
        // accept ping), so the drop towards the masqueraded guests is final.
        let forward = rules(&v4, "filter", "ufw-before-forward");
        let ours = [
            canonical("-s 192.168.100.0/24 -o eth0 -j ACCEPT"),
            canonical("-d 192.168.100.0/24 -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            canonical("-i br0 -j ACCEPT"),
            canonical("-o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"),
            canonical("! -s 192.168.100.0/24 -d 192.168.100.0/24 -j DROP"),
        ];
        assert!(forward.starts_with(&ours), "{forward:#?}");
        assert_eq!(v4["filter"]["FORWARD"].policy, "DROP", "the forward policy stays DROP");
        let v6 = saved(&netns, "ip6tables");
        assert_eq!(
            rules(&v6, "filter", "ufw6-before-input")[..4],
            [
                "-i br0 -p tcp -j ACCEPT",
                "-i br0 -p udp -j ACCEPT",
                "-i br0 -p udp -m udp --dport 53 -j ACCEPT",
                "-i br0 -p tcp -m tcp --dport 53 -j ACCEPT",
            ]
        );
        assert_eq!(count(&v6, "filter", "ufw6-before-forward", "-i br0 -j ACCEPT"), 1);
    };
    check();
    // hostnet's bring-up (and any admin's) `ufw reload`, twice: still one copy of everything.
    for _ in 0..2 {
        sandbox.run_ok("ufw reload");
        check();
    }
    // `ufw disable` runs ufw-init stop: the NAT goes with the rest of ufw.
    sandbox.run_ok(&format!("{UFW_INIT} stop"));
    let stopped = saved(&netns, "iptables");
    assert_eq!(rules(&stopped, "nat", "POSTROUTING"), [] as [String; 0]);
    assert!(!stopped["nat"].contains_key("HOSTNET-POSTROUTING"), "{stopped:#?}");
    // ufw's sysctl file got the forwarding line.
    assert!(
        rendered
            .read("/etc/ufw/sysctl.conf")
            .contains("\nnet/ipv4/ip_forward=1\n")
    );
    assert_eq!(netns.read("/proc/sys/net/ipv4/ip_forward").as_deref(), Some("1"));
}

#[test]
fn real_ufw_negative_controls() {
    if !can_run(&[UFW_INIT, "ufw", "iptables-save"]) {
        return;
    }
    // Without the before.init hook (left 0640, as shipped), every reload adds the NAT again.
    let unhooked = Rendered::ufw(SCENARIO_2, false);
    let netns = Netns::new();
    let sandbox = ufw_sandbox(&netns, &unhooked);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    sandbox.run_ok(&format!("{UFW_INIT} force-reload"));
    sandbox.run_ok(&format!("{UFW_INIT} force-reload"));
    let v4 = saved(&netns, "iptables");
    assert_eq!(count(&v4, "nat", "POSTROUTING", "-j HOSTNET-POSTROUTING"), 3, "{v4:#?}");
    drop(sandbox);

    // A block without its COMMIT makes ufw fail to start (and load nothing of it).
    let broken = Rendered::ufw(SCENARIO_2, true);
    let text = broken.read("/etc/ufw/before.rules");
    let without = text.replacen("COMMIT\n# END hostnet nat", "# END hostnet nat", 1);
    assert_ne!(text, without);
    broken.write("/etc/ufw/before.rules", &without);
    let netns = Netns::new();
    let sandbox = ufw_sandbox(&netns, &broken);
    let output = sandbox.run(&format!("{UFW_INIT} start"));
    assert!(!output.status.success(), "{}", sandbox::text(&output));
    assert!(
        sandbox::text(&output).contains("Problem running '/etc/ufw/before.rules'"),
        "{}",
        sandbox::text(&output)
    );
}

/// Scenario 2 behind ufw, whose FORWARD policy is DROP, with ping, TCP and
/// UDP (stock ufw's own rules forward ping, so ping alone cannot show that
/// hostnet's forward accepts work) and a listener in the "internet" that
/// reports the source it saw: the host's uplink address, masqueraded.
#[test]
fn real_ufw_masquerade_works_through_the_drop_forward_policy() {
    if !can_run(&[UFW_INIT, "ping"]) {
        return;
    }
    let NatTriangle { host, guest, internet } = NatTriangle::new();
    let listener = Listener::start(&internet, Ipv4Addr::UNSPECIFIED).unwrap();
    let target = Ipv4Addr::new(203, 0, 113, 1);
    let uplink = Ipv4Addr::new(203, 0, 113, 2);
    // Control: stock ufw, no hostnet blocks. Where the internet knows the
    // way back (so NAT is not needed), ufw forwards the ping and drops the
    // connection: its FORWARD policy is DROP, its before.rules accept echo.
    let stock = Rendered::stock_ufw();
    let sandbox = ufw_sandbox(&host, &stock);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    host.exec_ok(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    internet.ip_ok(&["route", "add", "172.16.1.0/24", "via", "203.0.113.2"]);
    assert!(probe::ping(&guest, target), "control: stock ufw forwards ping");
    assert_eq!(
        probe::tcp(&guest, target),
        Outcome::Silent,
        "control: stock ufw forwards no connection"
    );
    assert_eq!(probe::udp(&guest, target), Outcome::Silent, "control: nor UDP");
    internet.ip_ok(&["route", "del", "172.16.1.0/24"]);
    assert!(
        !probe::ping(&guest, target),
        "control: without NAT and without a route back, not even ping"
    );
    sandbox.run_ok(&format!("{UFW_INIT} stop"));
    drop(sandbox);
    // hostnet's blocks: the guest reaches the internet as the host.
    let rendered = Rendered::ufw(SCENARIO_2, true);
    let sandbox = ufw_sandbox(&host, &rendered);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    assert!(
        probe::ping(&guest, target),
        "with hostnet's blocks the guest pings the internet"
    );
    assert_eq!(
        probe::tcp(&guest, target),
        Outcome::Answered(Some(uplink.into())),
        "TCP, masqueraded"
    );
    assert_eq!(
        probe::udp(&guest, target),
        Outcome::Answered(Some(uplink.into())),
        "UDP, masqueraded"
    );
    drop(sandbox);
    drop(listener);
}

#[test]
fn real_ufw_internal_network_hides_the_host_but_not_the_peers() {
    if !can_run(&[UFW_INIT, "ping", "busybox", "ss"]) {
        return;
    }
    // Host with br0 172.16.3.1/24 and two guests on it; br_netfilter sends
    // their frames through FORWARD, whose ufw policy is DROP.
    let host = Netns::new();
    let guests = [Netns::new(), Netns::new()];
    host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
    host.ip_ok(&["addr", "add", "172.16.3.1/24", "dev", "br0"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    for (index, guest) in guests.iter().enumerate() {
        let port = format!("vnet{index}");
        host.veth(&port, guest, "eth0");
        host.ip_ok(&["link", "set", &port, "master", "br0", "up"]);
        guest.ip_ok(&["addr", "add", &format!("172.16.3.{}/24", index + 2), "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
    }
    // br_netfilter sends the bridged frames through FORWARD; without it the
    // "guests reach each other" assertions below would hold with no rule at all.
    assert_eq!(
        host.read("/proc/sys/net/bridge/bridge-nf-call-iptables").as_deref(),
        Some("1"),
        "br_netfilter is not active in the host namespace (load it with `modprobe br_netfilter`)"
    );
    // Control: stock ufw answers ping, and drops bridged TCP between the
    // guests (its FORWARD rules accept ping, so TCP shows it).
    let stock = Rendered::stock_ufw();
    let sandbox = ufw_sandbox(&host, &stock);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    assert!(pings(&guests[0], "172.16.3.1"), "control: stock ufw answers ping");
    assert!(
        !tcp_reaches(&guests[0], &guests[1], "172.16.3.3", 5001),
        "control: br_netfilter and the DROP forward policy cut the guests apart"
    );
    sandbox.run_ok(&format!("{UFW_INIT} stop"));
    drop(sandbox);
    let rendered = Rendered::ufw(SCENARIO_4, true);
    let sandbox = ufw_sandbox(&host, &rendered);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    assert!(
        !pings(&guests[0], "172.16.3.1"),
        "the isolated host does not answer, not even ping"
    );
    assert!(!tcp_reaches(&guests[0], &host, "172.16.3.1", 5002), "nor TCP");
    assert!(pings(&guests[0], "172.16.3.3"), "the guests still reach each other");
    assert!(tcp_reaches(&guests[0], &guests[1], "172.16.3.3", 5003), "with TCP too");
    assert!(tcp_reaches(&guests[1], &guests[0], "172.16.3.2", 5004), "both ways");
}

/// Does a TCP connection from `client` to `address:port` in `server` open?
/// (`busybox nc` on both ends; the listener is killed with its namespace.)
fn tcp_reaches(client: &Netns, server: &Netns, address: &str, port: u16) -> bool {
    let port = port.to_string();
    let log = tempfile::NamedTempFile::new().unwrap();
    server.spawn(server.command(&["busybox", "nc", "-l", "-p", &port]), log.path());
    let listening = sandbox::wait_for(Duration::from_secs(3), || {
        stdout(&server.exec(&["ss", "-Hltn"]))
            .contains(&format!(":{port} "))
            .then_some(())
    });
    assert!(listening.is_some(), "the listener on port {port} did not start");
    client
        .exec(&["busybox", "nc", "-w", "2", address, &port])
        .status
        .success()
}
