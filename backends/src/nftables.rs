//! nftables: hostnet's own `table inet hostnet` in
//! `/etc/nftables.d/hostnet.nft`, included from `/etc/nftables.conf`
//! (loaded at boot by `nftables.service`), and `nft -f` of that one file to
//! bring it up now.
//!
//! What shapes this file (`reference/distro-tools.md`, nftables):
//! - Reload safety without `flush ruleset`: the file declares the table,
//!   deletes it and defines it again, in one transaction. Loading it twice
//!   gives each rule once; the host's other tables (iptables-nft, Docker,
//!   libvirt, the user's) are never touched.
//! - `iifname`/`oifname`, never `iif`/`oif`: the file loads before the
//!   bridge and the uplink exist.
//! - Base chains have policy accept: hostnet adds accepts and drops, it
//!   never changes the host's default policy. (An accept here does not
//!   override a drop in another table on the same hook: nftables evaluates
//!   every base chain.)
//! - The rules mean what every firewall backend means by the intents
//!   (`netfilter.rs`); here they are written the way `nft list table inet
//!   hostnet` prints them, so the live table reads back as the file's table
//!   without its `#` lines. The table is `inet`: rules that name only
//!   interfaces hold for IPv6 too.
//!
//! Debian's `/etc/nftables.conf` starts with `flush ruleset` and includes
//! nothing: a managed block at its end includes `/etc/nftables.d/*.nft`
//! (unless the user already has that line). Gentoo's nftables service
//! restores one saved whole ruleset (`/var/lib/nftables/rules-save`), which
//! may hold the user's own tables: hostnet's table is a managed block in it
//! (merged, never replacing the user's), and the reload now loads only
//! hostnet's table from `/etc/hostnet/nftables.nft` (loading the saved
//! ruleset again would duplicate the user's rules).

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{
    Block, Change, Command, Conflict, Guard, Placement, Planned, ServiceAction, TaskId, Unload,
};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Distro, Facts, Init};
use hostnet_engine::model::{HostModel, PortRange, Protocol};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;
use ipnet::IpNet;

use crate::netfilter::{self, Destination, Family, Group, Hook, ICMPV6_NEIGHBOUR, Rule, Verdict};

/// hostnet's rules file.
const RULES: &str = "/etc/nftables.d/hostnet.nft";
/// Gentoo: the file the nftables service loads (`NFTABLES_SAVE`).
const GENTOO_SAVE: &str = "/var/lib/nftables/rules-save";
/// Gentoo: hostnet's table alone, for loading it now.
const GENTOO_LIVE: &str = "/etc/hostnet/nftables.nft";
/// The file `nftables.service` loads at boot.
const NFTABLES_CONF: &str = "/etc/nftables.conf";
/// The line that makes it load hostnet's file.
const INCLUDE: &str = r#"include "/etc/nftables.d/*.nft""#;
/// Marker of the block holding that line.
const MARKER: &str = "include";
/// The table's family and name.
const TABLE: &str = "inet hostnet";
/// First lines of the rules file.
const HEADER: &str = "\
# hostnet's own table: NAT and filtering for QEMU guests. Edit the playbook, not this file.
# Loading this file again replaces only this table (declare, delete, define);
# the host's other tables are left alone.
";

/// The nftables backend.
pub(crate) struct Nftables;

impl Backend for Nftables {
    fn id(&self) -> BackendId {
        BackendId::new("nftables")
    }

    fn target(&self) -> Target {
        Target::Firewall
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if facts.distro == Distro::Gentoo {
            // Works (hostnet's table is a block of the saved ruleset, see `gentoo`), but
            // iptables is Gentoo's usual choice.
            return Detection::Supported;
        }
        if facts.init == Init::Systemd && facts.has_tool("nft") && !facts.ufw_enabled && !facts.runs("firewalld") {
            Detection::Preferred
        } else {
            Detection::Supported
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_firewall()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let facts = desired.facts;
        let ruleset = Ruleset::of(model);
        let origins = ruleset.origins();
        let planned = |change| Planned::from_tasks(change, origins.iter().copied());
        if facts.distro == Distro::Gentoo {
            return Ok(gentoo(&ruleset).into_iter().map(planned).collect());
        }
        let rules = SysPath::from_static(RULES);
        let mut changes = vec![
            planned(Change::File {
                path: rules.clone(),
                content: ruleset.file(),
                mode: FileMode(0o644),
                owner: None,
                group: None,
            }),
            planned(Change::Block(Block {
                path: SysPath::from_static(NFTABLES_CONF),
                marker: MARKER.into(),
                content: format!("{INCLUDE}\n"),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o755),
                conflicts: Vec::new(),
                unless_present: Some(INCLUDE.into()),
                enforce_mode: false,
            })),
            planned(Change::Require {
                package: "nftables".into(),
                reason: format!("nftables.service loads {NFTABLES_CONF}, which includes {RULES}"),
            }),
            planned(Change::Service {
                name: "nftables".into(),
                action: ServiceAction::Enable,
            }),
            planned(Change::Command(Command {
                argv: vec!["nft".into(), "-f".into(), RULES.into()],
                guard: Guard::FilesChanged(vec![rules.clone()]),
                effects: Vec::new(),
            })),
            planned(unload(rules)),
        ];
        // Docker drops forwarded packets unless its DOCKER-USER accepts them
        // (an accept here cannot undo a drop in iptables' own table).
        changes.extend(crate::docker::docker_user(desired));
        Ok(changes)
    }
}

/// Gentoo's `nftables` service (OpenRC) runs `flush ruleset` and then loads
/// the one saved file `NFTABLES_SAVE` (`/var/lib/nftables/rules-save`); it
/// includes nothing else. hostnet's table is a managed block of that file
/// (the user's tables around it stay as they are), `SAVE_ON_STOP` is turned
/// off (saving the live ruleset at every stop would copy hostnet's table
/// out of its block), and the table alone is loaded now from its own file.
fn gentoo(ruleset: &Ruleset) -> Vec<Change> {
    let live = SysPath::from_static(GENTOO_LIVE);
    vec![
        Change::Block(Block {
            path: SysPath::from_static(GENTOO_SAVE),
            marker: "firewall".into(),
            content: ruleset.file(),
            present: true,
            placement: Placement::End,
            mode: FileMode(0o600),
            conflicts: vec![Conflict {
                prefix: format!("table {TABLE} "),
                message: "hostnet's table outside its block (a saved copy of the live rules?): delete it, hostnet's block defines it"
                    .into(),
            }],
            unless_present: None,
            enforce_mode: false,
        }),
        Change::File {
            path: live.clone(),
            content: ruleset.file(),
            mode: FileMode(0o644),
            owner: None,
            group: None,
        },
        Change::Block(Block {
            path: SysPath::from_static("/etc/conf.d/nftables"),
            marker: "nftables".into(),
            content: format!(
                "# hostnet keeps its table in a managed block of {GENTOO_SAVE}: load it at boot,\n\
                 # never save the live rules over it.\n\
                 NFTABLES_SAVE=\"{GENTOO_SAVE}\"\nSAVE_ON_STOP=\"no\"\n"
            ),
            present: true,
            placement: Placement::End,
            mode: FileMode(0o644),
            conflicts: ["NFTABLES_SAVE=", "SAVE_ON_STOP="]
                .into_iter()
                .map(|prefix| Conflict {
                    prefix: prefix.into(),
                    message: "hostnet's block in /etc/conf.d/nftables sets this; the last assignment in the file wins"
                        .into(),
                })
                .collect(),
            unless_present: None,
            enforce_mode: false,
        }),
        Change::Require {
            package: "net-firewall/nftables".into(),
            reason: format!("the nftables service loads {GENTOO_SAVE} at boot"),
        },
        Change::Service {
            name: "nftables".into(),
            action: ServiceAction::Enable,
        },
        Change::Command(Command {
            argv: vec!["nft".into(), "-f".into(), GENTOO_LIVE.into()],
            guard: Guard::FilesChanged(vec![live.clone()]),
            effects: Vec::new(),
        }),
        unload(live),
    ]
}

/// A rollback of the run that created `file` drops hostnet's table.
fn unload(file: SysPath) -> Change {
    Change::Unload {
        files: vec![file],
        unload: Unload {
            argv: ["nft", "delete", "table", "inet", "hostnet"]
                .map(str::to_owned)
                .to_vec(),
            input: None,
        },
    }
}

/// hostnet's table, from the intents' shared netfilter meaning
/// (`netfilter.rs`): INPUT accepts, INPUT drops, FORWARD, POSTROUTING.
struct Ruleset {
    groups: Vec<Group>,
}

impl Ruleset {
    fn of(model: &HostModel) -> Self {
        Self {
            groups: netfilter::groups(model),
        }
    }

    /// Every task that put a rule in the table.
    fn origins(&self) -> Vec<TaskId> {
        netfilter::origins(&self.groups)
    }

    /// The whole rules file.
    fn file(&self) -> String {
        format!("{HEADER}\ntable {TABLE} {{}}\ndelete table {TABLE}\n\n{}", self.table())
    }

    /// `table inet hostnet { … }`: what `nft list table inet hostnet` prints,
    /// plus a comment line before each item's rules.
    fn table(&self) -> String {
        let chains: Vec<String> = [
            (Hook::Input, "input", "filter hook input priority filter"),
            (Hook::Forward, "forward", "filter hook forward priority filter"),
            (Hook::Postrouting, "postrouting", "nat hook postrouting priority srcnat"),
        ]
        .into_iter()
        .filter_map(|(hook, name, kind)| {
            let body: String = self
                .groups
                .iter()
                .filter(|group| group.hook == hook)
                .map(|group| {
                    let rules: String = group
                        .rules
                        .iter()
                        .map(|rule| format!("\t\t{}\n", nft_rule(rule)))
                        .collect();
                    format!("\t\t# {}\n{rules}", group.comment)
                })
                .collect();
            (!body.is_empty()).then(|| format!("\tchain {name} {{\n\t\ttype {kind}; policy accept;\n{body}\t}}\n"))
        })
        .collect();
        format!("table {TABLE} {{\n{}}}\n", chains.join("\n"))
    }
}

/// One rule in nft's words, matches in the order nft lists them back. The
/// table is `inet`: a rule without addresses matches IPv4 and IPv6 alike,
/// and one-family rules without addresses (DHCP, DHCPv6) say `meta nfproto`.
fn nft_rule(rule: &Rule) -> String {
    let mut words: Vec<String> = Vec::new();
    let addressed = rule.source.is_some() || rule.not_source.is_some() || rule.destination.is_some();
    match rule.only {
        Some(Family::Ipv4) if !addressed && rule.icmpv6_type.is_none() => words.push("meta nfproto ipv4".into()),
        Some(Family::Ipv6) if !addressed && rule.icmpv6_type.is_none() => words.push("meta nfproto ipv6".into()),
        _ => {}
    }
    if let Some(interface) = &rule.in_interface {
        words.push(format!("iifname \"{interface}\""));
    }
    if let Some(interface) = &rule.out_interface {
        words.push(format!("oifname \"{interface}\""));
    }
    if let Some(source) = rule.source {
        words.push(format!("{} saddr {}", ip(source), net(source)));
    }
    if let Some(source) = rule.not_source {
        words.push(format!("{} saddr != {}", ip(source), net(source)));
    }
    match rule.destination {
        Some(Destination::In(destination)) => words.push(format!("{} daddr {}", ip(destination), net(destination))),
        Some(Destination::NotIn(destination)) => {
            words.push(format!("{} daddr != {}", ip(destination), net(destination)));
        }
        None => {}
    }
    match (rule.protocol, rule.port, rule.icmpv6_type) {
        (Some(Protocol::Icmp), _, Some(kind)) => {
            let name = ICMPV6_NEIGHBOUR
                .iter()
                .find(|(number, _)| *number == kind)
                .map_or_else(|| kind.to_string(), |(_, name)| (*name).to_owned());
            words.push(format!("icmpv6 type {name}"));
        }
        (Some(Protocol::Icmp), _, None) => words.push("meta l4proto { icmp, ipv6-icmp }".into()),
        (Some(protocol), Some(port), _) => words.push(format!("{} dport {}", protocol.name(), port_text(port))),
        (Some(protocol), None, _) => words.push(format!("meta l4proto {}", protocol.name())),
        (None, _, _) => {}
    }
    if rule.replies {
        words.push("ct state established,related".into());
    }
    words.push(
        match rule.verdict {
            Verdict::Accept => "accept",
            Verdict::Drop => "drop",
            Verdict::Return => "return",
            Verdict::Masquerade => "masquerade",
        }
        .into(),
    );
    words.join(" ")
}

/// `ip` or `ip6`: the address match of a network's family.
fn ip(net: IpNet) -> &'static str {
    match net {
        IpNet::V4(_) => "ip",
        IpNet::V6(_) => "ip6",
    }
}

/// `172.16.1.0/24`, and a single address without `/32` or `/128` (as nft lists it).
fn net(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// `53` or `8000-8100`.
fn port_text(port: PortRange) -> String {
    if port.first == port.last {
        port.first.to_string()
    } else {
        format!("{}-{}", port.first, port.last)
    }
}

#[cfg(test)]
mod tests {
    use hostnet_engine::model::FirewallIntent;

    use super::*;
    use crate::fixtures::name;
    use crate::netfilter::tests::{nat, rule, scenario_2, scenario_4, scenario_5};

    fn facts(distro: Distro, init: Init, tools: &[&str], ufw_enabled: bool) -> Facts {
        Facts {
            distro,
            init,
            interfaces: Vec::new(),
            users: None,
            groups: None,
            tools: tools.iter().map(|tool| (*tool).to_owned()).collect(),
            ufw_enabled,
            services: Vec::new(),
            networkmanager_version: None,
            br_netfilter: false,
            netplan: Vec::new(),
            user_ids: std::collections::BTreeMap::new(),
            group_ids: std::collections::BTreeMap::new(),
            machine_id: None,
        }
    }

    fn debian() -> Facts {
        facts(Distro::Debian, Init::Systemd, &["nft"], false)
    }

    fn render(model: &HostModel) -> Vec<Planned> {
        Nftables.render(&Desired::new(model, &debian())).unwrap()
    }

    fn rules_file(changes: &[Planned]) -> String {
        match &changes[0].change {
            Change::File {
                path, content, mode, ..
            } => {
                assert_eq!(path.as_str(), RULES);
                assert_eq!(*mode, FileMode(0o644));
                content.clone()
            }
            other => panic!("expected the rules file first, got {other:?}"),
        }
    }

    const PREAMBLE: &str = "\
# hostnet's own table: NAT and filtering for QEMU guests. Edit the playbook, not this file.
# Loading this file again replaces only this table (declare, delete, define);
# the host's other tables are left alone.

table inet hostnet {}
delete table inet hostnet

";

    #[test]
    fn scenario_2_masquerade_out_of_the_wireless_uplink() {
        let changes = render(&scenario_2());
        assert_eq!(
            rules_file(&changes),
            format!(
                "{PREAMBLE}{}",
                r#"table inet hostnet {
	chain forward {
		type filter hook forward priority filter; policy accept;
		# forward 172.16.1.0/24 (masqueraded) out via wlan0, and its replies
		oifname "wlan0" ip saddr 172.16.1.0/24 accept
		iifname "wlan0" ip daddr 172.16.1.0/24 ct state established,related accept
		# nothing else from outside reaches the masqueraded guests of 172.16.1.0/24
		ip saddr != 172.16.1.0/24 ip daddr 172.16.1.0/24 drop
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		# masquerade 172.16.1.0/24 leaving via wlan0 (never multicast or broadcast)
		ip saddr 172.16.1.0/24 ip daddr 224.0.0.0/4 return
		ip saddr 172.16.1.0/24 ip daddr 255.255.255.255 return
		oifname "wlan0" ip saddr 172.16.1.0/24 ip daddr != 172.16.1.0/24 masquerade
	}
}
"#
            )
        );
        for planned in &changes {
            assert_eq!(planned.origins, [TaskId(0)], "{:?}", planned.change);
        }
    }

    #[test]
    fn boot_wiring_and_bring_up() {
        let model = HostModel {
            nats: vec![nat(2, "172.16.1.0/24", None, true)],
            firewall: vec![rule(5, FirewallIntent::BridgeForward { bridge: name("br0") })],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(changes.len(), 6);
        assert_eq!(
            changes[5].change,
            Change::Unload {
                files: vec![SysPath::from_static("/etc/nftables.d/hostnet.nft")],
                unload: Unload {
                    argv: ["nft", "delete", "table", "inet", "hostnet"]
                        .map(str::to_owned)
                        .to_vec(),
                    input: None,
                },
            }
        );
        assert_eq!(
            changes[1].change,
            Change::Block(Block {
                path: SysPath::from_static("/etc/nftables.conf"),
                marker: "include".into(),
                content: "include \"/etc/nftables.d/*.nft\"\n".into(),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o755),
                conflicts: Vec::new(),
                unless_present: Some("include \"/etc/nftables.d/*.nft\"".into()),
                enforce_mode: false,
            })
        );
        assert_eq!(
            changes[2].change,
            Change::Require {
                package: "nftables".into(),
                reason: "nftables.service loads /etc/nftables.conf, which includes /etc/nftables.d/hostnet.nft".into(),
            }
        );
        assert_eq!(
            changes[3].change,
            Change::Service {
                name: "nftables".into(),
                action: ServiceAction::Enable,
            }
        );
        assert_eq!(
            changes[4].change,
            Change::Command(Command {
                argv: vec!["nft".into(), "-f".into(), "/etc/nftables.d/hostnet.nft".into()],
                guard: Guard::FilesChanged(vec![SysPath::from_static("/etc/nftables.d/hostnet.nft")]),
                effects: Vec::new(),
            })
        );
        for planned in &changes {
            assert_eq!(planned.origins, [TaskId(2), TaskId(5)], "{:?}", planned.change);
        }
    }

    #[test]
    fn routed_subnet_only_forwards() {
        let model = HostModel {
            nats: vec![nat(0, "10.10.0.0/16", None, false)],
            ..HostModel::default()
        };
        let text = rules_file(&render(&model));
        assert!(!text.contains("postrouting"), "{text}");
        assert!(!text.contains("masquerade"), "{text}");
        assert!(
            text.contains(
                "\t\t# forward 10.10.0.0/16 (routed) out, and connections to it\n\
                 \t\tip saddr 10.10.0.0/16 accept\n\
                 \t\tip daddr 10.10.0.0/16 accept\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn scenario_4_internal_network() {
        assert_eq!(
            rules_file(&render(&scenario_4())),
            format!(
                "{PREAMBLE}{}",
                r#"table inet hostnet {
	chain input {
		type filter hook input priority filter; policy accept;
		# nothing else from br0 reaches the host (guests still reach each other)
		iifname "br0" drop
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# guests on br0 reach each other (br_netfilter sends bridged frames through FORWARD)
		iifname "br0" oifname "br0" accept
	}
}
"#
            )
        );
    }

    #[test]
    fn dhcp_and_dns_come_before_isolation_whatever_the_task_order() {
        let model = HostModel {
            firewall: vec![
                rule(0, FirewallIntent::IsolateHost { interface: name("br1") }),
                rule(1, FirewallIntent::DhcpDns { interface: name("br1") }),
            ],
            ..HostModel::default()
        };
        let text = rules_file(&render(&model));
        assert!(
            text.contains(
                "\t\tmeta nfproto ipv4 iifname \"br1\" udp dport 67 accept\n\
                 \t\tiifname \"br1\" udp dport 53 accept\n\
                 \t\tiifname \"br1\" tcp dport 53 accept\n\
                 \t\t# nothing else from br1 reaches the host (guests still reach each other)\n\
                 \t\tiifname \"br1\" drop\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn scenario_5_private_bridge_with_nat_for_any_uplink() {
        let changes = render(&scenario_5());
        assert_eq!(
            rules_file(&changes),
            format!(
                "{PREAMBLE}{}",
                r#"table inet hostnet {
	chain input {
		type filter hook input priority filter; policy accept;
		# accept input on br0 (tcp, udp)
		iifname "br0" meta l4proto tcp accept
		iifname "br0" meta l4proto udp accept
		# DHCP and DNS from guests on br0 to the host
		meta nfproto ipv4 iifname "br0" udp dport 67 accept
		iifname "br0" udp dport 53 accept
		iifname "br0" tcp dport 53 accept
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# forward 192.168.100.0/24 (masqueraded) out via eth0, and its replies
		oifname "eth0" ip saddr 192.168.100.0/24 accept
		iifname "eth0" ip daddr 192.168.100.0/24 ct state established,related accept
		# forward from br0, and its replies
		iifname "br0" accept
		oifname "br0" ct state established,related accept
		# nothing else from outside reaches the masqueraded guests of 192.168.100.0/24
		ip saddr != 192.168.100.0/24 ip daddr 192.168.100.0/24 drop
	}

	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		# masquerade 192.168.100.0/24 leaving via eth0 (never multicast or broadcast)
		ip saddr 192.168.100.0/24 ip daddr 224.0.0.0/4 return
		ip saddr 192.168.100.0/24 ip daddr 255.255.255.255 return
		oifname "eth0" ip saddr 192.168.100.0/24 ip daddr != 192.168.100.0/24 masquerade
	}
}
"#
            )
        );
        assert_eq!(changes[0].origins, [TaskId(0), TaskId(1), TaskId(2), TaskId(3)]);
    }

    #[test]
    fn allowed_input_by_port_and_forward_to_one_uplink() {
        let model = HostModel {
            firewall: vec![
                rule(
                    0,
                    FirewallIntent::AllowInput {
                        interface: name("br0"),
                        protocols: vec![Protocol::Tcp, Protocol::Udp, Protocol::Icmp],
                        ports: vec![
                            PortRange { first: 22, last: 22 },
                            PortRange {
                                first: 8000,
                                last: 8100,
                            },
                        ],
                    },
                ),
                rule(
                    1,
                    FirewallIntent::AllowInput {
                        interface: name("tap0"),
                        protocols: Vec::new(),
                        ports: Vec::new(),
                    },
                ),
                rule(
                    2,
                    FirewallIntent::AllowForward {
                        interface: name("br0"),
                        out_interface: Some(name("eth0")),
                    },
                ),
            ],
            ..HostModel::default()
        };
        let text = rules_file(&render(&model));
        assert!(
            text.ends_with(
                r#"table inet hostnet {
	chain input {
		type filter hook input priority filter; policy accept;
		# accept input on br0 (tcp, udp, icmp port 22, 8000:8100)
		iifname "br0" tcp dport 22 accept
		iifname "br0" tcp dport 8000-8100 accept
		iifname "br0" udp dport 22 accept
		iifname "br0" udp dport 8000-8100 accept
		iifname "br0" meta l4proto { icmp, ipv6-icmp } accept
		# accept input on tap0
		iifname "tap0" accept
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		# forward from br0 out via eth0, and its replies
		iifname "br0" oifname "eth0" accept
		iifname "eth0" oifname "br0" ct state established,related accept
	}
}
"#
            ),
            "{text}"
        );
    }

    #[test]
    fn never_flushes_the_ruleset_and_names_interfaces_by_name() {
        let mut model = scenario_5();
        model.firewall.extend(scenario_4().firewall);
        let text = rules_file(&render(&model));
        assert!(!text.contains("flush"), "{text}");
        assert!(!text.contains("policy drop"), "{text}");
        for word in ["iif ", "oif "] {
            assert!(!text.contains(word), "{text}");
        }
    }

    #[test]
    fn detection_and_wanted() {
        assert_eq!(Nftables.id(), "nftables");
        assert_eq!(Nftables.target(), Target::Firewall);
        assert_eq!(Nftables.detect(&debian()), Detection::Preferred);
        assert_eq!(
            Nftables.detect(&facts(Distro::Debian, Init::Systemd, &["nft", "ufw"], true)),
            Detection::Supported
        );
        assert_eq!(
            Nftables.detect(&facts(Distro::Ubuntu, Init::Systemd, &[], false)),
            Detection::Supported
        );
        assert_eq!(
            Nftables.detect(&facts(Distro::Gentoo, Init::Openrc, &["nft"], false)),
            Detection::Supported
        );
        assert!(!Nftables.wanted(&HostModel::default()));
        assert!(Nftables.wanted(&scenario_2()));
    }

    #[test]
    fn gentoo_merges_its_table_into_the_saved_ruleset() {
        let changes = Nftables
            .render(&Desired::new(
                &scenario_2(),
                &facts(Distro::Gentoo, Init::Openrc, &["nft"], false),
            ))
            .unwrap();
        let changes: Vec<&Change> = changes.iter().map(|planned| &planned.change).collect();
        let Change::Block(save) = changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(save.path.as_str(), "/var/lib/nftables/rules-save");
        assert_eq!(save.mode, FileMode(0o600));
        assert_eq!(save.content, Ruleset::of(&scenario_2()).file());
        // The user's own table stays; hostnet's joins it.
        let user =
            "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n";
        let merged = String::from_utf8(
            hostnet_engine::block::apply(Some(user.as_bytes()), save)
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        assert!(merged.starts_with(user), "{merged}");
        assert!(merged.ends_with("# END hostnet firewall\n"), "{merged}");
        let Change::File { path, content, .. } = changes[1] else {
            panic!("{changes:?}")
        };
        assert_eq!(path.as_str(), "/etc/hostnet/nftables.nft");
        assert_eq!(content, &Ruleset::of(&scenario_2()).file());
        let Change::Block(block) = changes[2] else {
            panic!("{changes:?}")
        };
        assert_eq!(block.path.as_str(), "/etc/conf.d/nftables");
        assert_eq!(
            block.content,
            "# hostnet keeps its table in a managed block of /var/lib/nftables/rules-save: load it at boot,\n\
             # never save the live rules over it.\n\
             NFTABLES_SAVE=\"/var/lib/nftables/rules-save\"\nSAVE_ON_STOP=\"no\"\n"
        );
        assert_eq!(
            changes[4],
            &Change::Service {
                name: "nftables".into(),
                action: ServiceAction::Enable
            }
        );
        let Change::Command(command) = changes[5] else {
            panic!("{changes:?}")
        };
        assert_eq!(command.argv, ["nft", "-f", "/etc/hostnet/nftables.nft"]);
    }
}
