//! nftables and ebtables rules rendered by `hostnet render`, loaded by the
//! real tools in network namespaces this test creates (never the root
//! namespace; only private and documentation addresses).
//!
//! nftables: the file passes `nft -c`, loads twice with each rule once,
//! leaves a user's table alone, and the live table is exactly the rules the
//! model asks for; the boot path (`nft -f /etc/nftables.conf` with Debian's
//! stock file plus hostnet's include block, in a sandbox) loads it too. A
//! guest pings an "internet" address only with the rules loaded, and an
//! internal network's guest loses the host but keeps its peer.
//!
//! ebtables: `ebtables-restore` of the rendered file (stdin, as the unit
//! feeds it) gives exactly the rendered rules, twice without duplicates, and
//! a model Wi-Fi access point that drops foreign source MACs answers the
//! guest only with the rules loaded.
//!
//! Skipped (with `skipping: …`) when not root or a tool is missing, unless
//! `CI=true` or `HOSTNET_SANDBOX_REQUIRED=1`: then that is a failure.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Output, Stdio};

use crate::support::lab::NatTriangle;
use crate::support::lab::probe::{self, Listener, Outcome};
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Features, Netns, Sandbox};
use crate::support::stock::DEBIAN_NFTABLES_CONF;
use crate::support::{self, stdout};

/// Can the real tools run here? Under `CI=true` they must.
fn can_run(tools: &[&str]) -> bool {
    let ok = sandbox::require(tools);
    assert!(
        ok || std::env::var("CI").as_deref() != Ok("true"),
        "CI=true, but the real nftables/ebtables tests cannot run (reason printed above)"
    );
    ok
}

const DEBIAN_FACTS: &str = "distro: debian\ninit: systemd\ntools: [nft]\n";
const GENTOO_FACTS: &str = "distro: gentoo\ninit: openrc\n";

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `nft ARGS…` inside `netns`.
fn nft(netns: &Netns, args: &[&str]) -> Output {
    let mut argv = vec!["nft"];
    argv.extend(args);
    netns.exec(&argv)
}

fn nft_ok(netns: &Netns, args: &[&str]) -> String {
    let output = nft(netns, args);
    assert!(
        output.status.success(),
        "nft {} in {}: {}",
        args.join(" "),
        netns.name(),
        sandbox::text(&output)
    );
    stdout(&output)
}

/// `ping -c1 -W1 TARGET` from `netns`: did it answer? Tried three times
/// (the first may wait for ARP); a "no" costs the three seconds.
fn pings(netns: &Netns, target: &str) -> bool {
    (0..3).any(|_| netns.exec(&["ping", "-c1", "-W1", "-n", target]).status.success())
}

/// The table as `nft list table inet hostnet` prints it, built from the
/// chains' expected rules (in evaluation order; empty chains are absent).
fn expected_table(input: &[String], forward: &[String], postrouting: &[String]) -> String {
    let chains: Vec<String> = [
        ("input", "filter hook input priority filter", input),
        ("forward", "filter hook forward priority filter", forward),
        ("postrouting", "nat hook postrouting priority srcnat", postrouting),
    ]
    .into_iter()
    .filter(|(_, _, rules)| !rules.is_empty())
    .map(|(name, hook, rules)| {
        let body: String = rules.iter().map(|rule| format!("\t\t{rule}\n")).collect();
        format!("\tchain {name} {{\n\t\ttype {hook}; policy accept;\n{body}\t}}\n")
    })
    .collect();
    format!("table inet hostnet {{\n{}}}\n", chains.join("\n"))
}

/// Scenario 5: a private bridge with NAT for any uplink, the rules the guides
/// write (input and forward accepted from the bridge, DHCP/DNS to the host,
/// masquerade of the guest subnet out of the LAN interface).
const SUBNET_5: &str = "192.168.100.0/24";

fn scenario_5_playbook() -> String {
    format!(
        "\
- name: Private bridge with NAT for any uplink
  hosts: localhost
  vars:
    subnet: {SUBNET_5}
  tasks:
    - name: Accept tcp and udp from the guests
      firewall: {{ allow_input: br0, protocols: [tcp, udp] }}
    - name: Forward what the guests send
      firewall: {{ allow_forward: br0 }}
    - name: DHCP and DNS for the guests
      firewall: {{ dhcp_dns: br0 }}
    - name: Masquerade the guests out of the LAN interface
      nat: {{ source: \"{{{{ subnet }}}}\", out_interface: eth0 }}
"
    )
}

/// What the model asks for, chain by chain, in nftables' words.
fn scenario_5_table() -> String {
    let s = SUBNET_5;
    let br = "iifname \"br0\"";
    expected_table(
        &[
            format!("{br} meta l4proto tcp accept"),
            format!("{br} meta l4proto udp accept"),
            format!("meta nfproto ipv4 {br} udp dport 67 accept"),
            format!("{br} udp dport 53 accept"),
            format!("{br} tcp dport 53 accept"),
        ],
        &[
            format!("oifname \"eth0\" ip saddr {s} accept"),
            format!("iifname \"eth0\" ip daddr {s} ct state established,related accept"),
            format!("{br} accept"),
            "oifname \"br0\" ct state established,related accept".to_owned(),
            format!("ip saddr != {s} ip daddr {s} drop"),
        ],
        &[
            format!("ip saddr {s} ip daddr 224.0.0.0/4 return"),
            format!("ip saddr {s} ip daddr 255.255.255.255 return"),
            format!("oifname \"eth0\" ip saddr {s} ip daddr != {s} masquerade"),
        ],
    )
}

/// The rendered file without its `#` lines (which `nft list` does not print).
fn without_comments(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A table the user wrote, which hostnet must never touch.
const USER_TABLE: &str = "table inet user {
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\ttcp dport 22 accept
\t}
}
";

/// The rules of every table in `nft list ruleset`, counted by table
/// (`inet hostnet`): every line inside a chain except its `type` line.
fn rule_counts(netns: &Netns) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for line in nft_ok(netns, &["list", "ruleset"]).lines() {
        if let Some(name) = line.strip_prefix("table ").and_then(|rest| rest.strip_suffix(" {")) {
            counts.push((name.to_owned(), 0));
        } else if line.starts_with("\t\t") && !line.starts_with("\t\ttype ") {
            counts.last_mut().expect("a rule outside a table").1 += 1;
        }
    }
    counts.sort();
    counts
}

#[test]
fn real_nft_loads_twice_with_each_rule_once_and_keeps_other_tables() {
    if !can_run(&["nft"]) {
        return;
    }
    let rendered = Rendered::new(
        &scenario_5_playbook(),
        DEBIAN_FACTS,
        &["--firewall", "nftables"],
        &[("etc/nftables.conf", DEBIAN_NFTABLES_CONF)],
    );
    let file = rendered.path("/etc/nftables.d/hostnet.nft");
    let file = path_str(&file);
    let table = scenario_5_table();
    assert!(without_comments(&rendered.read("/etc/nftables.d/hostnet.nft")).ends_with(&table));

    let netns = Netns::new();
    let user = tempfile::NamedTempFile::new().unwrap();
    fs_err::write(user.path(), USER_TABLE).unwrap();
    nft_ok(&netns, &["-f", path_str(user.path())]);

    nft_ok(&netns, &["-c", "-f", file]);
    // `-c` only checks: nothing is loaded.
    assert!(!nft_ok(&netns, &["list", "tables"]).contains("hostnet"));
    for _ in 0..2 {
        nft_ok(&netns, &["-f", file]);
        assert_eq!(nft_ok(&netns, &["list", "table", "inet", "hostnet"]), table);
        assert_eq!(nft_ok(&netns, &["list", "table", "inet", "user"]), USER_TABLE);
        assert_eq!(
            rule_counts(&netns),
            [("inet hostnet".to_owned(), 13), ("inet user".to_owned(), 1)]
        );
    }
}

#[test]
fn real_nft_boot_path_includes_the_file_from_debians_nftables_conf() {
    if !can_run(&["nft"]) {
        return;
    }
    let rendered = Rendered::new(
        &scenario_5_playbook(),
        DEBIAN_FACTS,
        &["--firewall", "nftables"],
        &[("etc/nftables.conf", DEBIAN_NFTABLES_CONF)],
    );
    let conf = rendered.read("/etc/nftables.conf");
    assert!(conf.starts_with(DEBIAN_NFTABLES_CONF), "{conf}");
    assert!(
        conf.ends_with("# BEGIN hostnet include\ninclude \"/etc/nftables.d/*.nft\"\n# END hostnet include\n"),
        "{conf}"
    );
    let netns = Netns::new();
    let sandbox = Sandbox::new(&netns, rendered.stage.path(), Features::default());
    // What nftables.service does at boot and on reload, then hostnet's bring-up.
    sandbox.run_ok(
        "set -e
nft -c -f /etc/nftables.conf
nft -f /etc/nftables.conf
nft -f /etc/nftables.conf
nft -f /etc/nftables.d/hostnet.nft",
    );
    assert_eq!(
        nft_ok(&netns, &["list", "table", "inet", "hostnet"]),
        scenario_5_table()
    );
    assert_eq!(
        rule_counts(&netns),
        [("inet filter".to_owned(), 0), ("inet hostnet".to_owned(), 13)]
    );
}

#[test]
fn real_nft_negative_controls() {
    if !can_run(&["nft"]) {
        return;
    }
    let rendered = Rendered::new(&scenario_5_playbook(), DEBIAN_FACTS, &["--firewall", "nftables"], &[]);
    let good = rendered.read("/etc/nftables.d/hostnet.nft");
    let netns = Netns::new();
    let write = |name: &str, text: &str| {
        let path = rendered.stage.path().join(name);
        fs_err::write(&path, text).unwrap();
        path
    };
    // A misspelt statement must fail the check, so `nft -c` passing means something.
    let broken = write("broken.nft", &good.replace("masquerade", "masqurade"));
    assert!(!nft(&netns, &["-c", "-f", path_str(&broken)]).status.success());
    // `oif` instead of `oifname` needs the interface at load time, which boot does not have.
    let by_index = write("by-index.nft", &good.replace("oifname \"eth0\"", "oif \"eth0\""));
    let output = nft(&netns, &["-c", "-f", path_str(&by_index)]);
    assert!(!output.status.success());
    assert!(
        sandbox::text(&output).contains("Interface does not exist"),
        "{}",
        sandbox::text(&output)
    );
    // Without the declare/delete lines a second load duplicates every rule.
    let naive = write(
        "naive.nft",
        &good.replace("table inet hostnet {}\ndelete table inet hostnet\n", ""),
    );
    nft_ok(&netns, &["-f", path_str(&naive)]);
    nft_ok(&netns, &["-f", path_str(&naive)]);
    assert_eq!(rule_counts(&netns), [("inet hostnet".to_owned(), 26)]);
    // hostnet's file repairs that: its table again, each rule once.
    let good_path = write("good.nft", &good);
    nft_ok(&netns, &["-f", path_str(&good_path)]);
    assert_eq!(rule_counts(&netns), [("inet hostnet".to_owned(), 13)]);
}

/// Scenario 2's NAT, proven with packets: guest (172.16.1.2) → host (br0
/// 172.16.1.1, uplink wlan0 203.0.113.2) → "internet" (203.0.113.1), which
/// has no route back to the guests. Only masquerade makes the ping work.
#[test]
fn real_nft_masquerade_lets_the_guest_reach_the_internet() {
    if !can_run(&["nft", "ping"]) {
        return;
    }
    let playbook = "\
- name: NAT behind a wireless uplink
  hosts: localhost
  tasks:
    - name: Masquerade the guests
      nat: { source: 172.16.1.0/24, out_interface: wlan0 }
";
    let rendered = Rendered::new(playbook, DEBIAN_FACTS, &["--firewall", "nftables"], &[]);
    let NatTriangle { host, guest, internet } = NatTriangle::new();

    assert!(pings(&guest, "172.16.1.1"), "the guest reaches its host");
    assert!(
        !pings(&guest, "203.0.113.1"),
        "control: without masquerade no reply comes back"
    );
    let file = rendered.path("/etc/nftables.d/hostnet.nft");
    nft_ok(&host, &["-f", path_str(&file)]);
    assert!(
        pings(&guest, "203.0.113.1"),
        "with hostnet's table the guest reaches the internet"
    );
    // As the host: a listener there reports the source it saw.
    let _listener = Listener::start(&internet, Ipv4Addr::UNSPECIFIED).unwrap();
    let uplink = Some(Ipv4Addr::new(203, 0, 113, 2).into());
    let target = Ipv4Addr::new(203, 0, 113, 1);
    assert_eq!(probe::tcp(&guest, target), Outcome::Answered(uplink), "masqueraded TCP");
    assert_eq!(probe::udp(&guest, target), Outcome::Answered(uplink), "masqueraded UDP");
}

/// Scenario 4: an internal network. Two guests on br0 (no uplink); the host
/// has an address on the bridge but the guests must not reach it, while
/// they keep reaching each other. What this proves is hostnet's drop: its
/// chains have policy accept, so the `bridge_forward` accept changes
/// nothing under nftables (no later drop of hostnet's matches bridged
/// frames, and a drop in another table could not be undone by it); its
/// rule text is pinned above and in `backends/src/nftables.rs`.
#[test]
fn real_nft_internal_network_hides_the_host_but_not_the_peers() {
    if !can_run(&["nft", "ping"]) {
        return;
    }
    let playbook = "\
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
    let rendered = Rendered::new(playbook, DEBIAN_FACTS, &["--firewall", "nftables"], &[]);
    let table = expected_table(
        &["iifname \"br0\" drop".to_owned()],
        &["iifname \"br0\" oifname \"br0\" accept".to_owned()],
        &[],
    );
    assert!(without_comments(&rendered.read("/etc/nftables.d/hostnet.nft")).ends_with(&table));
    let host = Netns::new();
    let first = Netns::new();
    let second = Netns::new();
    host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
    // A host address only to prove it is unreachable (the playbook gives none).
    host.ip_ok(&["addr", "add", "198.51.100.1/24", "dev", "br0"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    for (index, guest) in [&first, &second].into_iter().enumerate() {
        let port = format!("tap{index}");
        host.veth(&port, guest, "eth0");
        host.ip_ok(&["link", "set", &port, "master", "br0", "up"]);
        guest.ip_ok(&["addr", "add", &format!("198.51.100.{}/24", index + 2), "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
    }
    assert!(
        pings(&first, "198.51.100.1"),
        "control: without the rules the host answers"
    );
    nft_ok(&host, &["-f", path_str(&rendered.path("/etc/nftables.d/hostnet.nft"))]);
    assert_eq!(nft_ok(&host, &["list", "table", "inet", "hostnet"]), table);
    assert!(!pings(&first, "198.51.100.1"), "the host is hidden");
    assert!(!pings(&second, "198.51.100.1"), "the host is hidden");
    assert!(pings(&first, "198.51.100.3"), "the guests still reach each other");
}

/// MAC NAT for two guests behind wlan0 (scenario 2's ebtables variant).
const AP_MAC: &str = "02:00:5e:00:00:01";
const UPLINK_MAC: &str = "32:7f:aa:56:59:01";
const GUESTS: [(&str, &str); 2] = [
    ("198.51.100.2", "00:26:c6:21:cf:02"),
    ("198.51.100.3", "00:26:c6:21:cf:03"),
];

fn mac_nat_playbook() -> String {
    let guests: Vec<String> = GUESTS
        .iter()
        .map(|(ip, mac)| format!("{{ ip: {ip}, mac: \"{mac}\" }}"))
        .collect();
    format!(
        "\
- name: MAC NAT behind a wireless uplink
  hosts: localhost
  tasks:
    - name: Guests keep their MACs on the bridge, the AP sees the uplink's
      mac_nat: {{ uplink: wlan0, mac: \"{UPLINK_MAC}\", guests: [{}] }}
",
        guests.join(", ")
    )
}

/// The `-A` lines the model asks for, as `ebtables-save` prints them.
fn mac_nat_rules() -> Vec<String> {
    let mut rules = Vec::new();
    for (ip, mac) in GUESTS {
        rules.push(format!(
            "-A PREROUTING -p IPv4 -i wlan0 --ip-dst {ip} -j dnat --to-dst {mac} --dnat-target ACCEPT"
        ));
        rules.push(format!(
            "-A PREROUTING -p ARP -i wlan0 --arp-ip-dst {ip} -j dnat --to-dst {mac} --dnat-target ACCEPT"
        ));
    }
    rules.push(format!(
        "-A POSTROUTING -o wlan0 -j snat --to-src {UPLINK_MAC} --snat-arp --snat-target ACCEPT"
    ));
    rules
}

/// `ebtables-restore` with `file` on stdin (as `StandardInput=file:` and
/// OpenRC's `< FILE` feed it).
fn ebtables_restore(netns: &Netns, file: &Path) {
    let mut child = netns
        .command(&["ebtables-restore"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(fs_err::read_to_string(file).unwrap().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "ebtables-restore: {}", sandbox::text(&output));
}

/// `ebtables-save` of one table without its comment lines.
fn ebtables_save(netns: &Netns, table: &str) -> String {
    netns
        .exec_ok(&["ebtables-save", "-t", table])
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect()
}

fn nat_table(rules: &[String]) -> String {
    let mut text = "*nat\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\n".to_owned();
    for rule in rules {
        text.push_str(rule);
        text.push('\n');
    }
    text
}

#[test]
fn real_ebtables_restore_gives_exactly_the_rules_twice_without_duplicates() {
    if !can_run(&["ebtables-restore", "ebtables-save", "ebtables"]) {
        return;
    }
    let debian = Rendered::new(&mac_nat_playbook(), DEBIAN_FACTS, &[], &[]);
    let gentoo = Rendered::new(&mac_nat_playbook(), GENTOO_FACTS, &[], &[]);
    let files = [
        debian.path("/etc/hostnet/ebtables.rules"),
        gentoo.path("/var/lib/ebtables/rules-save"),
    ];
    let unit = debian.read("/etc/systemd/system/hostnet-ebtables.service");
    assert!(
        unit.contains("\nStandardInput=file:/etc/hostnet/ebtables.rules\n"),
        "{unit}"
    );
    assert!(unit.contains("\nExecStart=/usr/sbin/ebtables-restore\n"), "{unit}");
    let expected = nat_table(&mac_nat_rules());
    for file in &files {
        let netns = Netns::new();
        // The trap the unit avoids: a file argument is ignored and nothing loads.
        netns.exec_ok(&["ebtables-restore", path_str(file)]);
        assert_eq!(ebtables_save(&netns, "nat"), nat_table(&[]), "{}", file.display());
        // Rules elsewhere: a user's filter rule, and a stale nat rule the restore replaces.
        netns.exec_ok(&["ebtables", "-t", "filter", "-A", "FORWARD", "-p", "IPv6", "-j", "DROP"]);
        netns.exec_ok(&["ebtables", "-t", "nat", "-A", "PREROUTING", "-p", "IPv6", "-j", "DROP"]);
        for _ in 0..2 {
            ebtables_restore(&netns, file);
            assert_eq!(ebtables_save(&netns, "nat"), expected, "{}", file.display());
            assert!(ebtables_save(&netns, "filter").contains("\n-A FORWARD -p IPv6 -j DROP\n"));
        }
    }
}

/// The reference's access-point model: the AP drops frames whose source MAC
/// is not the uplink's, and never sends unicast to another MAC. The guest
/// (behind br0, whose port wlan0 is a veth to the AP) pings the AP only with
/// hostnet's rules; without `--snat-arp` the AP would learn the guest's MAC.
#[test]
fn real_ebtables_guest_reaches_an_access_point_that_drops_foreign_macs() {
    if !can_run(&["ebtables-restore", "nft", "ping"]) {
        return;
    }
    let rendered = Rendered::new(&mac_nat_playbook(), DEBIAN_FACTS, &[], &[]);
    let host = Netns::new();
    let ap = Netns::new();
    let guest = Netns::new();
    let (guest_ip, guest_mac) = GUESTS[0];
    host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    host.veth("wlan0", &ap, "ap0");
    host.ip_ok(&["link", "set", "wlan0", "address", UPLINK_MAC]);
    host.ip_ok(&["link", "set", "wlan0", "master", "br0", "up"]);
    host.veth("tap0", &guest, "eth0");
    host.ip_ok(&["link", "set", "tap0", "master", "br0", "up"]);
    guest.ip_ok(&["link", "set", "eth0", "address", guest_mac]);
    guest.ip_ok(&["addr", "add", &format!("{guest_ip}/24"), "dev", "eth0"]);
    guest.ip_ok(&["link", "set", "eth0", "up"]);
    ap.ip_ok(&["link", "set", "ap0", "address", AP_MAC]);
    ap.ip_ok(&["addr", "add", "198.51.100.1/24", "dev", "ap0"]);
    ap.ip_ok(&["link", "set", "ap0", "up"]);
    let filter = format!(
        "table netdev ap {{
\tchain in {{
\t\ttype filter hook ingress device \"ap0\" priority filter; policy accept;
\t\tether saddr != {UPLINK_MAC} drop
\t}}
\tchain out {{
\t\ttype filter hook egress device \"ap0\" priority filter; policy accept;
\t\tether daddr != {{ {UPLINK_MAC}, ff:ff:ff:ff:ff:ff }} drop
\t}}
}}
"
    );
    let filter_file = support::write(rendered.stage.path(), "ap.nft", &filter);
    nft_ok(&ap, &["-f", path_str(&filter_file)]);

    assert!(
        !pings(&guest, "198.51.100.1"),
        "control: the AP drops the guest's own MAC"
    );
    ebtables_restore(&host, &rendered.path("/etc/hostnet/ebtables.rules"));
    assert!(pings(&guest, "198.51.100.1"), "with MAC NAT the guest reaches the AP");
    let neighbours = ap.ip_ok(&["neigh", "show", "198.51.100.2"]);
    assert!(
        neighbours.contains(UPLINK_MAC),
        "the AP knows the guest by the uplink's MAC: {neighbours}"
    );
}
