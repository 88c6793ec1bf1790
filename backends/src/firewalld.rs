//! firewalld: the firewall intents as permanent zones and policies, XML
//! files under `/etc/firewalld/zones/` and `/etc/firewalld/policies/`
//! (so they survive a reboot), loaded with `firewall-cmd --reload`.
//!
//! Each interface a firewall intent names (the guests' bridge or TAP) gets a
//! zone of its own, `hostnet-NAME`:
//! - `dhcp_dns`: the `dhcp` and `dns` services;
//! - `allow_input`: its ports (`<port>`), protocols (`<protocol>`), or the
//!   zone's target `ACCEPT` when it names neither;
//! - `isolate_host`: the zone's target `DROP` (the services above are still
//!   accepted: firewalld applies a zone's target after its services);
//! - `bridge_forward`: `<forward/>` (intra-zone forwarding, firewalld 1.0+).
//!
//! Forwarding is a policy between zones, `hostnet-NAME-out` (the zone to
//! `ANY` zone), target `ACCEPT`, for `allow_forward` and `nat`; masqueraded
//! NAT adds a rich rule masquerading the subnet's packets to anywhere outside
//! it (IPv4 only, as the subnet is). firewalld selects egress by zone, not by
//! interface, so `out_interface` narrows nothing here: the guests may leave
//! through any zone. Routed NAT (no masquerade) adds `hostnet-NAME-in` (`ANY`
//! to the zone), so the LAN reaches the guests through its route; with NAT
//! the LAN does not (firewalld forwards nothing between zones unless a policy
//! says so). A NAT subnet on no hostnet interface gets a zone bound to the
//! subnet (`<source address=…/>`) instead.
//!
//! Zone names may have at most 17 characters and policy names 18
//! (firewalld's `max_zone_name_len`, from the iptables chain-name limit):
//! `hostnet-NAME` shortens to `hn-NAME` where it must.
//!
//! Verified with firewalld 1.3 (`firewall-offline-cmd --check-config`, and
//! the daemon on a private D-Bus in a namespace with the nftables backend,
//! `tests/real_firewalld.rs`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Change, Command, Guard, Planned, ServiceAction, TaskId};
use hostnet_engine::error::{Error, ErrorKind, Result};
use hostnet_engine::facts::Facts;
use hostnet_engine::model::{FirewallIntent, HostModel, Protocol, RaMode};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{FileMode, InterfaceName};
use ipnet::IpNet;

/// Where firewalld keeps the permanent configuration.
const DIRECTORY: &str = "/etc/firewalld";
/// firewalld's limit on zone names.
const ZONE_NAME_MAX: usize = 17;
/// firewalld's limit on policy names.
const POLICY_NAME_MAX: usize = 18;

/// The firewalld backend.
pub(crate) struct Firewalld;

impl Backend for Firewalld {
    fn id(&self) -> BackendId {
        BackendId::new("firewalld")
    }

    fn target(&self) -> Target {
        Target::Firewall
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if !facts.has_tool("firewalld") {
            Detection::Unsupported("firewalld is not installed".into())
        } else if facts.runs("firewalld") {
            Detection::Preferred
        } else {
            Detection::Supported
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_firewall()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        render(desired.model)
    }
}

/// The zone's verdict for what its rules do not accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZoneTarget {
    /// firewalld's default: reject, ICMP allowed.
    Default,
    Accept,
    Drop,
}

/// What binds traffic to a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Binding {
    Interface(InterfaceName),
    Source(IpNet),
}

/// One zone being built.
struct Zone {
    binding: Binding,
    name: String,
    target: ZoneTarget,
    services: BTreeSet<&'static str>,
    ports: Vec<(Protocol, String)>,
    protocols: Vec<Protocol>,
    forward: bool,
    forward_out: bool,
    masquerade: Vec<IpNet>,
    routed_in: bool,
    /// Its guests reach no other network (`isolate_forward`, `isolate_host`):
    /// no other network's policy may forward to them either.
    isolated: bool,
    origins: Vec<TaskId>,
    out_origins: Vec<TaskId>,
    in_origins: Vec<TaskId>,
}

impl Zone {
    fn new(binding: Binding, name: String) -> Self {
        Self {
            binding,
            name,
            target: ZoneTarget::Default,
            services: BTreeSet::new(),
            ports: Vec::new(),
            protocols: Vec::new(),
            forward: false,
            forward_out: false,
            masquerade: Vec::new(),
            routed_in: false,
            isolated: false,
            origins: Vec::new(),
            out_origins: Vec::new(),
            in_origins: Vec::new(),
        }
    }
}

/// `hostnet-NAME` (or `hn-NAME`) with `suffix`, within `max` characters.
fn object_name(name: &str, suffix: &str, max: usize, what: &str) -> Result<String> {
    for prefix in ["hostnet-", "hn-"] {
        let candidate = format!("{prefix}{name}{suffix}");
        if candidate.len() <= max {
            return Ok(candidate);
        }
    }
    Err(Error::new(ErrorKind::Invalid {
        message: format!("firewalld {what} names have at most {max} characters, and `hn-{name}{suffix}` has more"),
        hint: Some("give the interface a shorter name".into()),
    }))
}

/// The zone hostnet gives each interface of the model (those its firewall
/// intents or NAT subnets live on), for NetworkManager's `connection.zone`.
pub(crate) fn interface_zones(model: &HostModel) -> Vec<(InterfaceName, String)> {
    zones(model)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|zone| match zone.binding {
            Binding::Interface(interface) => Some((interface, zone.name)),
            Binding::Source(_) => None,
        })
        .collect()
}

#[cfg(test)]
fn zone_name(interface: &InterfaceName) -> Option<String> {
    object_name(interface.as_str(), "", ZONE_NAME_MAX, "zone").ok()
}

/// Does the DHCP server on `interface` send router advertisements (then
/// the guests need DHCPv6 too; firewalld accepts neighbour discovery itself)?
fn advertises(model: &HostModel, interface: &InterfaceName) -> bool {
    model.dhcp_servers.iter().any(|server| {
        server.interface.value == *interface && server.ipv6.as_ref().is_some_and(|ipv6| ipv6.ra.value != RaMode::Off)
    })
}

/// The interface a NAT subnet lives on: a bridge, interface or TAP whose
/// static address is in it.
fn home_of(model: &HostModel, source: IpNet) -> Option<InterfaceName> {
    let contains = |address: &IpNet| source.contains(&address.addr());
    model
        .bridges
        .iter()
        .find(|bridge| bridge.address.addresses().iter().any(contains))
        .map(|bridge| bridge.name.clone())
        .or_else(|| {
            model
                .interfaces
                .iter()
                .find(|interface| interface.address.addresses().iter().any(contains))
                .map(|interface| interface.name.clone())
        })
}

/// Every zone the model needs, in the order its intents name them.
fn zones(model: &HostModel) -> Result<Vec<Zone>> {
    let mut zones: Vec<Zone> = Vec::new();
    let zone = |binding: Binding, zones: &mut Vec<Zone>| -> Result<usize> {
        if let Some(index) = zones.iter().position(|zone| zone.binding == binding) {
            return Ok(index);
        }
        let name = match &binding {
            Binding::Interface(interface) => object_name(interface.as_str(), "", ZONE_NAME_MAX, "zone")?,
            Binding::Source(_) => object_name(&format!("nat{}", zones.len()), "", ZONE_NAME_MAX, "zone")?,
        };
        zones.push(Zone::new(binding, name));
        Ok(zones.len() - 1)
    };
    for rule in &model.firewall {
        let task = rule.origin.task;
        let interface = match &rule.intent {
            FirewallIntent::AllowInput { interface, .. }
            | FirewallIntent::AllowForward { interface, .. }
            | FirewallIntent::DhcpDns { interface }
            | FirewallIntent::Dhcp { interface }
            | FirewallIntent::IsolateHost { interface } => interface,
            FirewallIntent::BridgeForward { bridge } | FirewallIntent::IsolateForward { bridge } => bridge,
        };
        let index = zone(Binding::Interface(interface.clone()), &mut zones)?;
        let zone = &mut zones[index];
        match &rule.intent {
            FirewallIntent::AllowInput { protocols, ports, .. } => {
                if protocols.is_empty() {
                    zone.target = ZoneTarget::Accept;
                }
                for &protocol in protocols {
                    if matches!(protocol, Protocol::Tcp | Protocol::Udp) && !ports.is_empty() {
                        for port in ports {
                            let range = if port.first == port.last {
                                port.first.to_string()
                            } else {
                                format!("{}-{}", port.first, port.last)
                            };
                            zone.ports.push((protocol, range));
                        }
                    } else {
                        zone.protocols.push(protocol);
                    }
                }
                zone.origins.push(task);
            }
            FirewallIntent::AllowForward { .. } => {
                zone.forward_out = true;
                zone.out_origins.push(task);
            }
            FirewallIntent::BridgeForward { .. } => {
                zone.forward = true;
                zone.origins.push(task);
            }
            // Between the bridge's own ports only: firewalld forwards between
            // zones only where a policy says so, and an isolated bridge gets none.
            FirewallIntent::IsolateForward { .. } => {
                zone.forward = true;
                zone.isolated = true;
                zone.origins.push(task);
            }
            FirewallIntent::DhcpDns { interface } => {
                zone.services.extend(["dhcp", "dns"]);
                if advertises(model, interface) {
                    zone.services.insert("dhcpv6");
                }
                zone.origins.push(task);
            }
            FirewallIntent::Dhcp { interface } => {
                zone.services.insert("dhcp");
                if advertises(model, interface) {
                    zone.services.insert("dhcpv6");
                }
                zone.origins.push(task);
            }
            FirewallIntent::IsolateHost { .. } => {
                if zone.target != ZoneTarget::Accept {
                    zone.target = ZoneTarget::Drop;
                }
                zone.isolated = true;
                zone.origins.push(task);
            }
        }
    }
    for nat in &model.nats {
        let source = nat.source.value;
        let binding = home_of(model, source).map_or(Binding::Source(source), Binding::Interface);
        let index = zone(binding, &mut zones)?;
        let zone = &mut zones[index];
        zone.forward_out = true;
        zone.out_origins.push(nat.origin.task);
        if nat.masquerade {
            zone.masquerade.push(source);
        } else {
            zone.routed_in = true;
            zone.in_origins.push(nat.origin.task);
        }
    }
    Ok(zones)
}

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                      <!-- Managed by hostnet: edit the playbook, not this file. -->\n";

fn zone_xml(zone: &Zone) -> String {
    let mut xml = String::from(HEADER);
    let target = match zone.target {
        ZoneTarget::Default => String::new(),
        ZoneTarget::Accept => " target=\"ACCEPT\"".to_owned(),
        ZoneTarget::Drop => " target=\"DROP\"".to_owned(),
    };
    let _ = writeln!(xml, "<zone{target}>");
    let (short, bind) = match &zone.binding {
        Binding::Interface(interface) => (
            format!("hostnet: guests on {interface}"),
            format!("  <interface name=\"{interface}\"/>"),
        ),
        Binding::Source(source) => (
            format!("hostnet: guests in {source}"),
            format!("  <source address=\"{source}\"/>"),
        ),
    };
    let _ = writeln!(xml, "  <short>{short}</short>");
    let _ = writeln!(xml, "{bind}");
    for service in &zone.services {
        let _ = writeln!(xml, "  <service name=\"{service}\"/>");
    }
    for (protocol, port) in &zone.ports {
        let _ = writeln!(xml, "  <port protocol=\"{}\" port=\"{port}\"/>", protocol.name());
    }
    for protocol in &zone.protocols {
        let _ = writeln!(xml, "  <protocol value=\"{}\"/>", protocol.name());
    }
    if zone.forward {
        let _ = writeln!(xml, "  <forward/>");
    }
    xml.push_str("</zone>\n");
    xml
}

fn policy_xml(short: &str, ingress: &str, egress: &str, masquerade: &[IpNet]) -> String {
    let mut xml = String::from(HEADER);
    let _ = writeln!(xml, "<policy target=\"ACCEPT\">");
    let _ = writeln!(xml, "  <short>{short}</short>");
    let _ = writeln!(xml, "  <ingress-zone name=\"{ingress}\"/>");
    let _ = writeln!(xml, "  <egress-zone name=\"{egress}\"/>");
    for source in masquerade {
        let family = match source {
            IpNet::V4(_) => "ipv4",
            IpNet::V6(_) => "ipv6",
        };
        let _ = writeln!(xml, "  <rule family=\"{family}\">");
        let _ = writeln!(xml, "    <source address=\"{source}\"/>");
        let _ = writeln!(xml, "    <destination address=\"{source}\" invert=\"True\"/>");
        let _ = writeln!(xml, "    <masquerade/>");
        let _ = writeln!(xml, "  </rule>");
    }
    xml.push_str("</policy>\n");
    xml
}

/// A zone's guests kept from every other zone's forwarding: `ANY` →
/// the zone, dropped, before the policies that accept (priority -10). The
/// host (`HOST`, not in `ANY`) still reaches them.
fn isolation_xml(short: &str, zone: &str) -> String {
    let mut xml = String::from(HEADER);
    let _ = writeln!(xml, "<policy target=\"DROP\" priority=\"-10\">");
    let _ = writeln!(xml, "  <short>{short}</short>");
    let _ = writeln!(xml, "  <ingress-zone name=\"ANY\"/>");
    let _ = writeln!(xml, "  <egress-zone name=\"{zone}\"/>");
    xml.push_str("</policy>\n");
    xml
}

fn file(path: SysPath, content: String, origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::File {
            path,
            content,
            mode: FileMode(0o644),
            owner: None,
            group: None,
        },
        origins.iter().copied(),
    )
}

fn render(model: &HostModel) -> Result<Vec<Planned>> {
    let zones = zones(model)?;
    let mut changes = Vec::new();
    let mut paths = Vec::new();
    let mut all = Vec::new();
    for zone in &zones {
        let mut zone_origins = zone.origins.clone();
        zone_origins.extend(&zone.out_origins);
        zone_origins.extend(&zone.in_origins);
        let path = SysPath::from_static(format!("{DIRECTORY}/zones/{}.xml", zone.name));
        changes.push(file(path.clone(), zone_xml(zone), &zone_origins));
        paths.push(path);
        all.extend(zone_origins);
        let subject = match &zone.binding {
            Binding::Interface(interface) => interface.to_string(),
            Binding::Source(source) => source.to_string(),
        };
        let base = zone.name.trim_start_matches("hostnet-").trim_start_matches("hn-");
        if zone.forward_out {
            let name = object_name(base, "-out", POLICY_NAME_MAX, "policy")?;
            let path = SysPath::from_static(format!("{DIRECTORY}/policies/{name}.xml"));
            let short = if zone.masquerade.is_empty() {
                format!("hostnet: guests on {subject} forward out")
            } else {
                format!("hostnet: guests on {subject} forward out, masqueraded")
            };
            changes.push(file(
                path.clone(),
                policy_xml(&short, &zone.name, "ANY", &zone.masquerade),
                &zone.out_origins,
            ));
            paths.push(path);
        }
        // An isolated network (host_only, internal) next to one whose guests
        // forward to `ANY`: its guests are out of their reach.
        let others_forward = zones
            .iter()
            .any(|other| other.name != zone.name && (other.forward_out || other.routed_in));
        if zone.isolated && !zone.forward_out && !zone.routed_in && others_forward {
            let name = object_name(base, "-iso", POLICY_NAME_MAX, "policy")?;
            let path = SysPath::from_static(format!("{DIRECTORY}/policies/{name}.xml"));
            let short = format!("hostnet: no other network forwards to the guests on {subject}");
            changes.push(file(path.clone(), isolation_xml(&short, &zone.name), &zone.origins));
            paths.push(path);
        }
        if zone.routed_in {
            let name = object_name(base, "-in", POLICY_NAME_MAX, "policy")?;
            let path = SysPath::from_static(format!("{DIRECTORY}/policies/{name}.xml"));
            let short = format!("hostnet: routed to the guests on {subject}");
            changes.push(file(
                path.clone(),
                policy_xml(&short, "ANY", &zone.name, &[]),
                &zone.in_origins,
            ));
            paths.push(path);
        }
    }
    // The zones and policies of networks the playbook no longer declares go.
    let dirs = [
        SysPath::from_static(format!("{DIRECTORY}/zones")),
        SysPath::from_static(format!("{DIRECTORY}/policies")),
    ];
    for dir in &dirs {
        for prefix in ["hostnet-", "hn-"] {
            changes.push(Planned::from_tasks(
                Change::Prune {
                    dir: dir.clone(),
                    prefix: prefix.into(),
                },
                all.iter().copied(),
            ));
        }
    }
    changes.push(Planned::from_tasks(
        Change::Require {
            package: "firewalld".into(),
            reason: format!("firewalld loads the zones and policies under {DIRECTORY}"),
        },
        all.iter().copied(),
    ));
    changes.push(Planned::from_tasks(
        Change::Service {
            name: "firewalld".into(),
            action: ServiceAction::Enable,
        },
        all.iter().copied(),
    ));
    changes.push(Planned::from_tasks(
        Change::Command(Command {
            argv: vec!["firewall-cmd".into(), "--reload".into()],
            // Written or pruned: any change among them reloads.
            guard: Guard::ChangedUnder {
                dirs: dirs.to_vec(),
                unless: Vec::new(),
            },
            effects: Vec::new(),
        }),
        all,
    ));
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;
    use hostnet_engine::model::{FirewallRule, Nat, PortRange};

    use super::*;
    use crate::fixtures::*;

    fn rule(task: usize, intent: FirewallIntent) -> FirewallRule {
        FirewallRule {
            intent,
            origin: origin(task),
        }
    }

    fn nat(task: usize, source: &str, masquerade: bool) -> Nat {
        Nat {
            source: at(source.parse().unwrap()),
            out_interface: Some(name("wlan0")),
            masquerade,
            origin: origin(task),
        }
    }

    fn show(changes: &[Planned]) -> String {
        let mut out = String::new();
        for planned in changes {
            match &planned.change {
                Change::File { path, content, .. } => out.push_str(&format!("==> {path} <==\n{content}")),
                Change::Command(command) => out.push_str(&format!("$ {}\n", command.argv.join(" "))),
                Change::Service { name, action } => out.push_str(&format!("service {name} {action:?}\n")),
                Change::Require { package, .. } => out.push_str(&format!("require {package}\n")),
                Change::Prune { dir, prefix } => out.push_str(&format!("prune {dir}/{prefix}*\n")),
                other => out.push_str(&format!("{other:?}\n")),
            }
        }
        out
    }

    /// The nat playbook: br0 172.16.1.1/24, masqueraded out of wlan0, DHCP
    /// and DNS for the guests, forwarding across the bridge.
    fn nat_model() -> HostModel {
        let mut model = scenario_private();
        model.nats.push(nat(4, "172.16.1.0/24", true));
        model.firewall = vec![
            rule(5, FirewallIntent::DhcpDns { interface: name("br0") }),
            rule(6, FirewallIntent::BridgeForward { bridge: name("br0") }),
        ];
        model
    }

    #[test]
    fn nat_is_a_zone_and_a_masquerading_policy() {
        let changes = render(&nat_model()).unwrap();
        assert_eq!(
            show(&changes),
            "\
==> /etc/firewalld/zones/hostnet-br0.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<zone>
  <short>hostnet: guests on br0</short>
  <interface name=\"br0\"/>
  <service name=\"dhcp\"/>
  <service name=\"dns\"/>
  <forward/>
</zone>
==> /etc/firewalld/policies/hostnet-br0-out.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<policy target=\"ACCEPT\">
  <short>hostnet: guests on br0 forward out, masqueraded</short>
  <ingress-zone name=\"hostnet-br0\"/>
  <egress-zone name=\"ANY\"/>
  <rule family=\"ipv4\">
    <source address=\"172.16.1.0/24\"/>
    <destination address=\"172.16.1.0/24\" invert=\"True\"/>
    <masquerade/>
  </rule>
</policy>
prune /etc/firewalld/zones/hostnet-*
prune /etc/firewalld/zones/hn-*
prune /etc/firewalld/policies/hostnet-*
prune /etc/firewalld/policies/hn-*
require firewalld
service firewalld Enable
$ firewall-cmd --reload
"
        );
        assert_eq!(changes[0].origins, [TaskId(4), TaskId(5), TaskId(6)]);
        assert_eq!(changes[1].origins, [TaskId(4)]);
    }

    #[test]
    fn internal_drops_input_and_routed_lets_the_lan_in() {
        let mut model = HostModel {
            firewall: vec![
                rule(0, FirewallIntent::IsolateHost { interface: name("br1") }),
                rule(
                    1,
                    FirewallIntent::AllowInput {
                        interface: name("tap1"),
                        protocols: vec![Protocol::Tcp, Protocol::Icmp],
                        ports: vec![
                            PortRange { first: 22, last: 22 },
                            PortRange {
                                first: 8000,
                                last: 8100,
                            },
                        ],
                    },
                ),
            ],
            ..HostModel::default()
        };
        model.nats.push(nat(2, "198.51.100.0/24", false));
        let text = show(&render(&model).unwrap());
        assert_eq!(
            text,
            "\
==> /etc/firewalld/zones/hostnet-br1.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<zone target=\"DROP\">
  <short>hostnet: guests on br1</short>
  <interface name=\"br1\"/>
</zone>
==> /etc/firewalld/policies/hostnet-br1-iso.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<policy target=\"DROP\" priority=\"-10\">
  <short>hostnet: no other network forwards to the guests on br1</short>
  <ingress-zone name=\"ANY\"/>
  <egress-zone name=\"hostnet-br1\"/>
</policy>
==> /etc/firewalld/zones/hostnet-tap1.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<zone>
  <short>hostnet: guests on tap1</short>
  <interface name=\"tap1\"/>
  <port protocol=\"tcp\" port=\"22\"/>
  <port protocol=\"tcp\" port=\"8000-8100\"/>
  <protocol value=\"icmp\"/>
</zone>
==> /etc/firewalld/zones/hostnet-nat2.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<zone>
  <short>hostnet: guests in 198.51.100.0/24</short>
  <source address=\"198.51.100.0/24\"/>
</zone>
==> /etc/firewalld/policies/hostnet-nat2-out.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<policy target=\"ACCEPT\">
  <short>hostnet: guests on 198.51.100.0/24 forward out</short>
  <ingress-zone name=\"hostnet-nat2\"/>
  <egress-zone name=\"ANY\"/>
</policy>
==> /etc/firewalld/policies/hostnet-nat2-in.xml <==
<?xml version=\"1.0\" encoding=\"utf-8\"?>
<!-- Managed by hostnet: edit the playbook, not this file. -->
<policy target=\"ACCEPT\">
  <short>hostnet: routed to the guests on 198.51.100.0/24</short>
  <ingress-zone name=\"ANY\"/>
  <egress-zone name=\"hostnet-nat2\"/>
</policy>
prune /etc/firewalld/zones/hostnet-*
prune /etc/firewalld/zones/hn-*
prune /etc/firewalld/policies/hostnet-*
prune /etc/firewalld/policies/hn-*
require firewalld
service firewalld Enable
$ firewall-cmd --reload
"
        );
    }

    #[test]
    fn long_names_shorten_within_firewalld_limits() {
        assert_eq!(zone_name(&name("virbr10")).as_deref(), Some("hostnet-virbr10"));
        assert_eq!(zone_name(&name("guestbridge1")).as_deref(), Some("hn-guestbridge1"));
        assert_eq!(zone_name(&name("averylongbridge")), None);
        assert_eq!(
            object_name("virbr10", "-out", POLICY_NAME_MAX, "policy").unwrap(),
            "hn-virbr10-out"
        );
        let error = object_name("averylongbridge", "-out", POLICY_NAME_MAX, "policy").unwrap_err();
        assert_eq!(
            error.to_string(),
            "error: firewalld policy names have at most 18 characters, and `hn-averylongbridge-out` has more\n\n\
             hint: give the interface a shorter name"
        );
    }

    #[test]
    fn detection() {
        let mut fedora = facts(Distro::Systemd);
        assert_eq!(
            Firewalld.detect(&fedora),
            Detection::Unsupported("firewalld is not installed".into())
        );
        fedora.tools = vec!["firewalld".into()];
        assert_eq!(Firewalld.detect(&fedora), Detection::Supported);
        fedora.services = vec!["firewalld".into()];
        assert_eq!(Firewalld.detect(&fedora), Detection::Preferred);
    }
}
