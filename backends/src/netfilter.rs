//! The firewall intents of the model as netfilter rules, shared by the
//! iptables and ufw backends (which differ only in chain names and files).
//!
//! What each intent means (the same for every firewall backend):
//! - `nat` (masquerade): in POSTROUTING, packets from the subnet to anywhere
//!   outside it are masqueraded, leaving via `out_interface` when given;
//!   multicast (`224.0.0.0/4`) and broadcast (`255.255.255.255`) return first,
//!   as libvirt does. Plus forwarding from the subnet and its replies.
//!   After every forward accept, anything else towards the subnet from
//!   outside it is dropped: with NAT the LAN does not reach the guests, even
//!   where a LAN device has a route to the subnet (the FORWARD policy may
//!   well be ACCEPT, and stock ufw forwards ping).
//! - `nat` with `routed: true`: the forwarding accepts only, and towards the
//!   subnet not only replies but new connections too: in routed mode the LAN
//!   reaches the guests through its route (the design's reachability table),
//!   which matters where the FORWARD policy is DROP (ufw).
//! - `allow_input`: INPUT accept on the interface (per protocol and port).
//! - `allow_forward`: FORWARD accept in from the interface (out via
//!   `out_interface`), and `RELATED,ESTABLISHED` replies back.
//! - `bridge_forward`: FORWARD `-i br0 -o br0` accept (with br_netfilter,
//!   bridged frames traverse FORWARD, whose policy may be DROP).
//! - `dhcp_dns`: INPUT accept of udp 67, udp 53 and tcp 53 on the interface.
//! - `isolate_host`: INPUT drop of everything from the interface, after every
//!   accept (so `dhcp_dns` on the same interface still works); bridged
//!   traffic between guests is not INPUT, so they still reach each other.
//! - `isolate_forward`: FORWARD accept between the bridge's own ports
//!   (`-i br -o br`, for br_netfilter), then drop of everything else in from
//!   or out to the bridge, both directions, *first* in FORWARD: ahead of any
//!   other network's accepts (a NAT network's `-s SUBNET -j ACCEPT` would
//!   otherwise forward its guests into a host-only bridge), so a host-only or
//!   internal network keeps its promise whatever else forwards on the host.
//!
//! A rule that names addresses exists in their family only (an IPv6
//! prefix's `nat` is NAT66 in ip6tables' nat table, multicast `ff00::/8`
//! returning first; IPv6 has no broadcast); the rules that only name
//! interfaces apply to IPv6 too (a guest must not reach an isolated host
//! over IPv6 either), except DHCP, which is IPv4's udp 67. Where the
//! interface's DHCP server also sends router advertisements, `dhcp_dns`
//! accepts DHCPv6 (udp 547) and the ICMPv6 a guest needs to find its router
//! and the host (router and neighbour solicitations, neighbour
//! advertisements), IPv6 only.
//!
//! Rules are rendered in `iptables-save`'s canonical spelling (`-s`, `-d`,
//! `-i`, `-o`, `-p`, `-m udp --dport`, `-m conntrack --ctstate`, `-j`), so a
//! saved ruleset reads like the rendered one.

use std::fmt::Write as _;

use hostnet_engine::change::TaskId;
use hostnet_engine::model::{FirewallIntent, HostModel, PortRange, Protocol, RaMode};
use hostnet_engine::types::InterfaceName;
use ipnet::IpNet;

/// IPv4 multicast, never masqueraded.
const MULTICAST: &str = "224.0.0.0/4";
/// IPv4 limited broadcast, never masqueraded.
const BROADCAST: &str = "255.255.255.255/32";
/// IPv6 multicast, never masqueraded.
const MULTICAST6: &str = "ff00::/8";
/// DHCP server port (IPv4).
const DHCP_SERVER: u16 = 67;
/// DHCPv6 server port.
const DHCP6_SERVER: u16 = 547;
/// ICMPv6 types a guest sends the host to find its router and its
/// neighbour: router solicitation, neighbour solicitation and advertisement.
pub(crate) const ICMPV6_NEIGHBOUR: [(u8, &str); 3] = [
    (133, "nd-router-solicit"),
    (135, "nd-neighbor-solicit"),
    (136, "nd-neighbor-advert"),
];
/// DNS port.
const DNS: u16 = 53;

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Ipv4,
    Ipv6,
}

/// Where a rule is hooked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hook {
    /// filter INPUT: to the host.
    Input,
    /// filter FORWARD: through the host (and, with br_netfilter, across a bridge).
    Forward,
    /// nat POSTROUTING: leaving the host.
    Postrouting,
}

/// What happens to a matching packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Accept,
    Drop,
    /// Leave the hostnet chain (the packet goes on in the built-in chain).
    Return,
    Masquerade,
}

impl Verdict {
    fn target(self) -> &'static str {
        match self {
            Self::Accept => "ACCEPT",
            Self::Drop => "DROP",
            Self::Return => "RETURN",
            Self::Masquerade => "MASQUERADE",
        }
    }
}

/// A destination address match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Destination {
    /// `-d NET`.
    In(IpNet),
    /// `! -d NET`.
    NotIn(IpNet),
}

impl Destination {
    fn net(self) -> IpNet {
        match self {
            Self::In(net) | Self::NotIn(net) => net,
        }
    }
}

/// The family of an address.
pub(crate) fn family_of(net: &IpNet) -> Family {
    match net {
        IpNet::V4(_) => Family::Ipv4,
        IpNet::V6(_) => Family::Ipv6,
    }
}

/// One netfilter rule, as matches and a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub source: Option<IpNet>,
    /// Not from this network (`! -s NET`).
    pub not_source: Option<IpNet>,
    pub destination: Option<Destination>,
    pub in_interface: Option<InterfaceName>,
    pub out_interface: Option<InterfaceName>,
    pub protocol: Option<Protocol>,
    /// Destination port(s); only with tcp or udp.
    pub port: Option<PortRange>,
    /// ICMPv6 type (with `protocol: icmp`, IPv6 only).
    pub icmpv6_type: Option<u8>,
    /// Only replies: conntrack state `RELATED,ESTABLISHED`.
    pub replies: bool,
    /// Only for this family (DHCP, DHCPv6; a rule with addresses is in
    /// their family without it).
    pub only: Option<Family>,
    pub verdict: Verdict,
}

impl Rule {
    fn new(verdict: Verdict) -> Self {
        Self {
            source: None,
            not_source: None,
            destination: None,
            in_interface: None,
            out_interface: None,
            protocol: None,
            port: None,
            icmpv6_type: None,
            replies: false,
            only: None,
            verdict,
        }
    }

    /// Does the rule exist in this family?
    pub(crate) fn applies_to(&self, family: Family) -> bool {
        self.family().is_none_or(|only| only == family)
    }

    /// The one family the rule exists in (`None`: both).
    pub(crate) fn family(&self) -> Option<Family> {
        self.source
            .iter()
            .chain(&self.not_source)
            .chain(self.destination.map(Destination::net).as_ref())
            .map(family_of)
            .next()
            .or(self.only)
    }

    /// The rule's arguments after `-A CHAIN`, as iptables-save prints them.
    pub(crate) fn iptables(&self, family: Family) -> String {
        let mut text = String::new();
        if let Some(source) = self.source {
            let _ = write!(text, "-s {source} ");
        }
        if let Some(source) = self.not_source {
            let _ = write!(text, "! -s {source} ");
        }
        match self.destination {
            Some(Destination::In(net)) => {
                let _ = write!(text, "-d {net} ");
            }
            Some(Destination::NotIn(net)) => {
                let _ = write!(text, "! -d {net} ");
            }
            None => {}
        }
        if let Some(interface) = &self.in_interface {
            let _ = write!(text, "-i {interface} ");
        }
        if let Some(interface) = &self.out_interface {
            let _ = write!(text, "-o {interface} ");
        }
        if let Some(protocol) = self.protocol {
            let name = match (protocol, family) {
                (Protocol::Icmp, Family::Ipv6) => "ipv6-icmp",
                (protocol, _) => protocol.name(),
            };
            let _ = write!(text, "-p {name} ");
            if let Some(kind) = self.icmpv6_type {
                let _ = write!(text, "-m icmp6 --icmpv6-type {kind} ");
            }
            if let Some(port) = self.port {
                let _ = write!(text, "-m {name} --dport {} ", port_text(port));
            }
        }
        if self.replies {
            text.push_str("-m conntrack --ctstate RELATED,ESTABLISHED ");
        }
        let _ = write!(text, "-j {}", self.verdict.target());
        text
    }
}

/// `53` or `8000:8100`.
fn port_text(port: PortRange) -> String {
    if port.first == port.last {
        port.first.to_string()
    } else {
        format!("{}:{}", port.first, port.last)
    }
}

/// The rules of one playbook item, with a comment saying what they do.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub hook: Hook,
    pub comment: String,
    pub rules: Vec<Rule>,
    pub origin: TaskId,
}

impl Group {
    /// The group's rules in this family (none: the group is left out).
    pub(crate) fn rules_for(&self, family: Family) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |rule| rule.applies_to(family))
    }
}

/// Every rule the model asks for, in chain order: INPUT accepts, then INPUT
/// drops, then FORWARD (isolated bridges, NAT items, firewall items, the
/// NAT subnets' drops), then POSTROUTING; within each, in playbook order.
pub(crate) fn groups(model: &HostModel) -> Vec<Group> {
    let mut accepts = Vec::new();
    let mut drops = Vec::new();
    let mut confined = Vec::new();
    let mut forwards = Vec::new();
    let mut forward_drops = Vec::new();
    let mut postrouting = Vec::new();
    for nat in &model.nats {
        let source = nat.source.value;
        let out = nat.out_interface.clone();
        let task = nat.origin.task;
        let via = out.as_ref().map_or(String::new(), |out| format!(" via {out}"));
        if nat.masquerade {
            let mut rules = Vec::new();
            let (specials, never): (&[&str], _) = match source {
                IpNet::V4(_) => (&[MULTICAST, BROADCAST], "multicast or broadcast"),
                IpNet::V6(_) => (&[MULTICAST6], "multicast"),
            };
            for special in specials {
                rules.push(Rule {
                    source: Some(source),
                    destination: Some(Destination::In(special.parse().expect("constant network"))),
                    ..Rule::new(Verdict::Return)
                });
            }
            rules.push(Rule {
                source: Some(source),
                destination: Some(Destination::NotIn(source)),
                out_interface: out.clone(),
                ..Rule::new(Verdict::Masquerade)
            });
            postrouting.push(Group {
                hook: Hook::Postrouting,
                comment: format!("masquerade {source} leaving{via} (never {never})"),
                rules,
                origin: task,
            });
        }
        let comment = if nat.masquerade {
            format!("forward {source} (masqueraded) out{via}, and its replies")
        } else {
            format!("forward {source} (routed) out{via}, and connections to it")
        };
        if nat.masquerade {
            forward_drops.push(Group {
                hook: Hook::Forward,
                comment: format!("nothing else from outside reaches the masqueraded guests of {source}"),
                rules: vec![Rule {
                    destination: Some(Destination::In(source)),
                    not_source: Some(source),
                    ..Rule::new(Verdict::Drop)
                }],
                origin: task,
            });
        }
        forwards.push(Group {
            hook: Hook::Forward,
            comment,
            rules: vec![
                Rule {
                    source: Some(source),
                    out_interface: out.clone(),
                    ..Rule::new(Verdict::Accept)
                },
                Rule {
                    destination: Some(Destination::In(source)),
                    in_interface: out,
                    replies: nat.masquerade,
                    ..Rule::new(Verdict::Accept)
                },
            ],
            origin: task,
        });
    }
    for item in &model.firewall {
        let task = item.origin.task;
        match &item.intent {
            FirewallIntent::AllowInput {
                interface,
                protocols,
                ports,
            } => accepts.push(Group {
                hook: Hook::Input,
                comment: allow_input_comment(interface, protocols, ports),
                rules: allow_input(interface, protocols, ports),
                origin: task,
            }),
            FirewallIntent::DhcpDns { interface } => {
                let accept = |protocol, port, only| Rule {
                    in_interface: Some(interface.clone()),
                    protocol: Some(protocol),
                    port: Some(PortRange {
                        first: port,
                        last: port,
                    }),
                    only,
                    ..Rule::new(Verdict::Accept)
                };
                accepts.push(Group {
                    hook: Hook::Input,
                    comment: format!("DHCP and DNS from guests on {interface} to the host"),
                    rules: vec![
                        accept(Protocol::Udp, DHCP_SERVER, Some(Family::Ipv4)),
                        accept(Protocol::Udp, DNS, None),
                        accept(Protocol::Tcp, DNS, None),
                    ],
                    origin: task,
                });
                accepts.extend(dhcp6(model, interface, task));
            }
            FirewallIntent::Dhcp { interface } => {
                accepts.push(Group {
                    hook: Hook::Input,
                    comment: format!("DHCP from guests on {interface} to the host"),
                    rules: vec![Rule {
                        in_interface: Some(interface.clone()),
                        protocol: Some(Protocol::Udp),
                        port: Some(PortRange {
                            first: DHCP_SERVER,
                            last: DHCP_SERVER,
                        }),
                        only: Some(Family::Ipv4),
                        ..Rule::new(Verdict::Accept)
                    }],
                    origin: task,
                });
                accepts.extend(dhcp6(model, interface, task));
            }
            FirewallIntent::IsolateHost { interface } => drops.push(Group {
                hook: Hook::Input,
                comment: format!("nothing else from {interface} reaches the host (guests still reach each other)"),
                rules: vec![Rule {
                    in_interface: Some(interface.clone()),
                    ..Rule::new(Verdict::Drop)
                }],
                origin: task,
            }),
            FirewallIntent::AllowForward {
                interface,
                out_interface,
            } => {
                let out = out_interface
                    .as_ref()
                    .map_or(String::new(), |out| format!(" out via {out}"));
                forwards.push(Group {
                    hook: Hook::Forward,
                    comment: format!("forward from {interface}{out}, and its replies"),
                    rules: vec![
                        Rule {
                            in_interface: Some(interface.clone()),
                            out_interface: out_interface.clone(),
                            ..Rule::new(Verdict::Accept)
                        },
                        Rule {
                            in_interface: out_interface.clone(),
                            out_interface: Some(interface.clone()),
                            replies: true,
                            ..Rule::new(Verdict::Accept)
                        },
                    ],
                    origin: task,
                });
            }
            FirewallIntent::IsolateForward { bridge } => confined.push(Group {
                hook: Hook::Forward,
                comment: format!(
                    "guests on {bridge} reach each other, and nothing else is forwarded to or from {bridge}"
                ),
                rules: vec![
                    Rule {
                        in_interface: Some(bridge.clone()),
                        out_interface: Some(bridge.clone()),
                        ..Rule::new(Verdict::Accept)
                    },
                    Rule {
                        in_interface: Some(bridge.clone()),
                        ..Rule::new(Verdict::Drop)
                    },
                    Rule {
                        out_interface: Some(bridge.clone()),
                        ..Rule::new(Verdict::Drop)
                    },
                ],
                origin: task,
            }),
            // An isolated bridge's own accept is in its isolation group.
            FirewallIntent::BridgeForward { bridge }
                if model
                    .firewall
                    .iter()
                    .any(|rule| rule.intent == FirewallIntent::IsolateForward { bridge: bridge.clone() }) => {}
            FirewallIntent::BridgeForward { bridge } => forwards.push(Group {
                hook: Hook::Forward,
                comment: format!(
                    "guests on {bridge} reach each other (br_netfilter sends bridged frames through FORWARD)"
                ),
                rules: vec![Rule {
                    in_interface: Some(bridge.clone()),
                    out_interface: Some(bridge.clone()),
                    ..Rule::new(Verdict::Accept)
                }],
                origin: task,
            }),
        }
    }
    let mut groups = accepts;
    groups.extend(drops);
    groups.extend(confined);
    groups.extend(forwards);
    groups.extend(forward_drops);
    groups.extend(postrouting);
    groups
}

/// Where the interface's DHCP server sends router advertisements: the
/// accepts of DHCPv6 and of the ICMPv6 a guest sends the host to find its
/// router and its neighbour (IPv6 only).
fn dhcp6(model: &HostModel, interface: &InterfaceName, task: TaskId) -> Option<Group> {
    let advertises = model.dhcp_servers.iter().any(|server| {
        server.interface.value == *interface && server.ipv6.as_ref().is_some_and(|ipv6| ipv6.ra.value != RaMode::Off)
    });
    if !advertises {
        return None;
    }
    let mut rules = vec![Rule {
        in_interface: Some(interface.clone()),
        protocol: Some(Protocol::Udp),
        port: Some(PortRange {
            first: DHCP6_SERVER,
            last: DHCP6_SERVER,
        }),
        only: Some(Family::Ipv6),
        ..Rule::new(Verdict::Accept)
    }];
    rules.extend(ICMPV6_NEIGHBOUR.iter().map(|(kind, _)| Rule {
        in_interface: Some(interface.clone()),
        protocol: Some(Protocol::Icmp),
        icmpv6_type: Some(*kind),
        only: Some(Family::Ipv6),
        ..Rule::new(Verdict::Accept)
    }));
    Some(Group {
        hook: Hook::Input,
        comment: format!("DHCPv6 and router and neighbour solicitations from guests on {interface} to the host"),
        rules,
        origin: task,
    })
}

fn allow_input_comment(interface: &InterfaceName, protocols: &[Protocol], ports: &[PortRange]) -> String {
    let mut comment = format!("accept input on {interface}");
    if !protocols.is_empty() {
        let names: Vec<&str> = protocols.iter().map(|p| p.name()).collect();
        let _ = write!(comment, " ({}", names.join(", "));
        if !ports.is_empty() {
            let ports: Vec<String> = ports.iter().map(|p| port_text(*p)).collect();
            let _ = write!(comment, " port {}", ports.join(", "));
        }
        comment.push(')');
    }
    comment
}

/// One rule per protocol and port; ports only apply to tcp and udp.
fn allow_input(interface: &InterfaceName, protocols: &[Protocol], ports: &[PortRange]) -> Vec<Rule> {
    let base = Rule {
        in_interface: Some(interface.clone()),
        ..Rule::new(Verdict::Accept)
    };
    if protocols.is_empty() {
        return vec![base];
    }
    let mut rules = Vec::new();
    for &protocol in protocols {
        let with_ports = matches!(protocol, Protocol::Tcp | Protocol::Udp) && !ports.is_empty();
        if with_ports {
            for &port in ports {
                rules.push(Rule {
                    protocol: Some(protocol),
                    port: Some(port),
                    ..base.clone()
                });
            }
        } else {
            rules.push(Rule {
                protocol: Some(protocol),
                ..base.clone()
            });
        }
    }
    rules
}

/// The tasks behind these groups (sorted, unique).
pub(crate) fn origins<'a>(groups: impl IntoIterator<Item = &'a Group>) -> Vec<TaskId> {
    let mut tasks: Vec<TaskId> = groups.into_iter().map(|group| group.origin).collect();
    tasks.sort();
    tasks.dedup();
    tasks
}

/// Does the model forward routed traffic (so `net.ipv4.ip_forward` must be 1)?
pub(crate) fn forwards_ipv4(model: &HostModel) -> bool {
    model
        .nats
        .iter()
        .any(|nat| family_of(&nat.source.value) == Family::Ipv4)
        || model
            .firewall
            .iter()
            .any(|rule| matches!(rule.intent, FirewallIntent::AllowForward { .. }))
}

#[cfg(test)]
pub(crate) mod tests {
    //! Model builders for the firewall backends' tests.

    use hostnet_engine::model::{FirewallRule, Nat};
    use hostnet_engine::value::At;

    use super::*;
    use crate::fixtures::*;

    pub(crate) fn nat(task: usize, source: &str, out: Option<&str>, masquerade: bool) -> Nat {
        let origin = origin(task);
        Nat {
            source: At {
                value: source.parse().unwrap(),
                pos: origin.pos.clone(),
            },
            out_interface: out.map(name),
            masquerade,
            origin,
        }
    }

    pub(crate) fn rule(task: usize, intent: FirewallIntent) -> FirewallRule {
        FirewallRule {
            intent,
            origin: origin(task),
        }
    }

    /// Scenario 2: 172.16.1.0/24 masqueraded out wlan0 (task 0).
    pub(crate) fn scenario_2() -> HostModel {
        HostModel {
            nats: vec![nat(0, "172.16.1.0/24", Some("wlan0"), true)],
            ..HostModel::default()
        }
    }

    /// Scenario 4, internal: br0 isolated from the host (task 0), its guests
    /// reach each other (task 1).
    pub(crate) fn scenario_4() -> HostModel {
        HostModel {
            firewall: vec![
                rule(0, FirewallIntent::IsolateHost { interface: name("br0") }),
                rule(1, FirewallIntent::BridgeForward { bridge: name("br0") }),
            ],
            ..HostModel::default()
        }
    }

    /// Scenario 5: tcp and udp in from br0 (task 0), forwarding from br0
    /// (task 1), DHCP/DNS (task 2), 192.168.100.0/24 masqueraded out eth0 (task 3).
    pub(crate) fn scenario_5() -> HostModel {
        HostModel {
            nats: vec![nat(3, "192.168.100.0/24", Some("eth0"), true)],
            firewall: vec![
                rule(
                    0,
                    FirewallIntent::AllowInput {
                        interface: name("br0"),
                        protocols: vec![Protocol::Tcp, Protocol::Udp],
                        ports: Vec::new(),
                    },
                ),
                rule(
                    1,
                    FirewallIntent::AllowForward {
                        interface: name("br0"),
                        out_interface: None,
                    },
                ),
                rule(2, FirewallIntent::DhcpDns { interface: name("br0") }),
            ],
            ..HostModel::default()
        }
    }

    /// `-A CHAIN ARGS` lines for a family, with the hook as the chain name.
    fn lines(model: &HostModel, family: Family) -> Vec<String> {
        groups(model)
            .iter()
            .flat_map(|group| {
                group
                    .rules_for(family)
                    .map(|rule| format!("{:?} {}", group.hook, rule.iptables(family)))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn masquerade_returns_multicast_and_broadcast_first() {
        assert_eq!(
            lines(&scenario_2(), Family::Ipv4),
            [
                "Forward -s 172.16.1.0/24 -o wlan0 -j ACCEPT",
                "Forward -d 172.16.1.0/24 -i wlan0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "Forward ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP",
                "Postrouting -s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN",
                "Postrouting -s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN",
                "Postrouting -s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE",
            ]
        );
        assert!(lines(&scenario_2(), Family::Ipv6).is_empty());
    }

    #[test]
    fn routed_nat_without_uplink_only_forwards() {
        let model = HostModel {
            nats: vec![nat(0, "10.9.0.0/16", None, false)],
            ..HostModel::default()
        };
        assert_eq!(
            lines(&model, Family::Ipv4),
            ["Forward -s 10.9.0.0/16 -j ACCEPT", "Forward -d 10.9.0.0/16 -j ACCEPT",]
        );
        assert_eq!(
            groups(&model)[0].comment,
            "forward 10.9.0.0/16 (routed) out, and connections to it"
        );
    }

    #[test]
    fn accepts_come_before_isolation_whatever_the_task_order() {
        let model = HostModel {
            firewall: vec![
                rule(0, FirewallIntent::IsolateHost { interface: name("br0") }),
                rule(1, FirewallIntent::DhcpDns { interface: name("br0") }),
            ],
            ..HostModel::default()
        };
        assert_eq!(
            lines(&model, Family::Ipv4),
            [
                "Input -i br0 -p udp -m udp --dport 67 -j ACCEPT",
                "Input -i br0 -p udp -m udp --dport 53 -j ACCEPT",
                "Input -i br0 -p tcp -m tcp --dport 53 -j ACCEPT",
                "Input -i br0 -j DROP",
            ]
        );
        assert_eq!(
            lines(&model, Family::Ipv6),
            [
                "Input -i br0 -p udp -m udp --dport 53 -j ACCEPT",
                "Input -i br0 -p tcp -m tcp --dport 53 -j ACCEPT",
                "Input -i br0 -j DROP",
            ]
        );
    }

    #[test]
    fn allow_input_per_protocol_and_port() {
        let model = HostModel {
            firewall: vec![rule(
                0,
                FirewallIntent::AllowInput {
                    interface: name("br0"),
                    protocols: vec![Protocol::Tcp, Protocol::Icmp],
                    ports: vec![
                        PortRange { first: 22, last: 22 },
                        PortRange {
                            first: 8000,
                            last: 8100,
                        },
                    ],
                },
            )],
            ..HostModel::default()
        };
        assert_eq!(
            lines(&model, Family::Ipv6),
            [
                "Input -i br0 -p tcp -m tcp --dport 22 -j ACCEPT",
                "Input -i br0 -p tcp -m tcp --dport 8000:8100 -j ACCEPT",
                "Input -i br0 -p ipv6-icmp -j ACCEPT",
            ]
        );
        assert_eq!(
            groups(&model)[0].comment,
            "accept input on br0 (tcp, icmp port 22, 8000:8100)"
        );
    }

    #[test]
    fn scenario_5_rules_and_forwarding() {
        let model = scenario_5();
        assert!(forwards_ipv4(&model));
        assert!(!forwards_ipv4(&scenario_4()));
        assert_eq!(origins(&groups(&model)), [TaskId(0), TaskId(1), TaskId(2), TaskId(3)]);
        assert_eq!(
            lines(&model, Family::Ipv4),
            [
                "Input -i br0 -p tcp -j ACCEPT",
                "Input -i br0 -p udp -j ACCEPT",
                "Input -i br0 -p udp -m udp --dport 67 -j ACCEPT",
                "Input -i br0 -p udp -m udp --dport 53 -j ACCEPT",
                "Input -i br0 -p tcp -m tcp --dport 53 -j ACCEPT",
                "Forward -s 192.168.100.0/24 -o eth0 -j ACCEPT",
                "Forward -d 192.168.100.0/24 -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "Forward -i br0 -j ACCEPT",
                "Forward -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "Forward ! -s 192.168.100.0/24 -d 192.168.100.0/24 -j DROP",
                "Postrouting -s 192.168.100.0/24 -d 224.0.0.0/4 -j RETURN",
                "Postrouting -s 192.168.100.0/24 -d 255.255.255.255/32 -j RETURN",
                "Postrouting -s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -j MASQUERADE",
            ]
        );
    }
}
