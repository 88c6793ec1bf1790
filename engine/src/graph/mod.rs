//! A picture of the host's network as the plan leaves it (`hostnet graph`).
//!
//! [`build`] is a pure function of the model and the facts: the uplinks,
//! bridges with their addresses and DHCP service, TAPs, guests with MAC and
//! fixed address, the NAT or routing from a guest subnet to an uplink, and
//! per segment who may reach whom. The reachability is derived from what the
//! model asks for (an uplink on the bridge, masquerade or plain routing, a
//! host address, a firewall that isolates the host), not from a mode's name,
//! so a playbook written task by task draws the same segment as its
//! `vm_network` twin. [`mermaid`] and [`dot`] write it as text; [`svg`] asks
//! Graphviz, the only part that runs anything.

pub mod dot;
pub mod mermaid;
pub mod svg;

use std::collections::BTreeSet;

use foldhash::{HashMap, HashSet};

use serde::Serialize;

use crate::facts::Facts;
use crate::model::vm::{Attachment, Mode, Vm};
use crate::model::{AddressConfig, Bridge, DhcpHost, FirewallIntent, HostModel, Nat, RaMode};
use crate::types::MacAddr;

/// The picture: nodes, the lines between them, and per segment who reaches whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Graph {
    /// Nodes, in drawing order.
    pub nodes: Vec<Node>,
    /// Lines between nodes.
    pub edges: Vec<Edge>,
    /// One per bridge (and per user-mode guest): its mode and reachability.
    pub segments: Vec<Segment>,
}

/// A box in the picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    /// A stable identifier (`bridge_br0`), safe in Mermaid and DOT.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Its text, one line per entry; the first is its name.
    pub lines: Vec<String>,
}

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// The LAN and, behind it, the internet.
    Lan,
    /// A NIC of the host that leads to the LAN.
    Uplink,
    /// A Linux bridge.
    Bridge,
    /// A TAP device.
    Tap,
    /// A guest.
    Guest,
    /// QEMU's user networking (slirp) of one guest.
    UserNet,
    /// Who may reach whom on a segment.
    Reach,
}

impl NodeKind {
    /// Is it a part of the host (drawn inside the host's frame)?
    pub fn on_host(self) -> bool {
        matches!(self, Self::Uplink | Self::Bridge | Self::Tap)
    }
}

/// A line between two nodes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Edge {
    /// From this node id.
    pub from: String,
    /// To this node id.
    pub to: String,
    /// What the line means.
    pub kind: EdgeKind,
    /// Its text, if any.
    pub label: Option<String>,
}

/// What a line stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A cable, a bridge port, a guest's NIC on its TAP.
    Link,
    /// Guest traffic forwarded out of an uplink (masqueraded or routed); `from` is the uplink's side.
    Forward,
    /// A segment's reachability note.
    Note,
}

/// Whether one side may reach the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Only when the LAN has a route to the guests' subnet through this host.
    WithRoute,
    /// Only through the LAN's router (routed subnets).
    ViaLanRouter,
    /// Only the ports QEMU forwards (`hostfwd`).
    HostForwardOnly,
}

impl Reach {
    /// ✓, ✗, or ✓ with the condition.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Yes => "✓",
            Self::No => "✗",
            Self::WithRoute => "✓ with a route",
            Self::ViaLanRouter => "✓ via the LAN's router",
            Self::HostForwardOnly => "hostfwd only",
        }
    }
}

/// A segment (a bridge, or one user-mode guest) and who may reach whom there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The bridge (or the user-mode guest's name).
    pub name: String,
    /// Its mode: the `vm_network` mode when a task said so, else what the tasks amount to.
    pub mode: &'static str,
    /// Guests reach the LAN.
    pub guests_to_lan: Reach,
    /// The LAN reaches the guests.
    pub lan_to_guests: Reach,
    /// Guests reach each other.
    pub guests_to_guests: Reach,
    /// Guests reach the internet.
    pub guests_to_internet: Reach,
    /// The host reaches the guests.
    pub host_to_guests: Reach,
}

impl Segment {
    /// The note's lines: `guests → LAN ✓`, ….
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!("{}: who reaches whom", self.mode),
            format!("guests → LAN {}", self.guests_to_lan.mark()),
            format!("guests → internet {}", self.guests_to_internet.mark()),
            format!("LAN → guests {}", self.lan_to_guests.mark()),
            format!("guests ↔ guests {}", self.guests_to_guests.mark()),
            format!("host → guests {}", self.host_to_guests.mark()),
        ]
    }
}

/// The picture of what the model asks for on a host with these facts.
pub fn build(model: &HostModel, facts: &Facts) -> Graph {
    let mut graph = Builder::new(model);
    let taps: BTreeSet<&str> = model.taps.iter().map(|tap| tap.name.as_str()).collect();

    // Uplinks: NICs the tasks configure, bridge ports that are not TAPs, NAT and MAC NAT uplinks.
    let mut uplinks: Vec<String> = Vec::new();
    let mut add_uplink = |name: &str| {
        if !uplinks.iter().any(|known| known == name) {
            uplinks.push(name.to_owned());
        }
    };
    for interface in &model.interfaces {
        // An `interface` task of a bridge's or TAP's name configures that device.
        let name = interface.name.as_str();
        if model.bridge(name).is_none() && model.tap(name).is_none() {
            add_uplink(name);
        }
    }
    // Proxy ARP answers for the guests on a NIC that is no port of theirs.
    for sysctl in &model.sysctls {
        if let Some(name) = proxy_arp_device(&sysctl.name)
            && sysctl.value != "0"
            && model.bridge(name).is_none()
            && model.tap(name).is_none()
        {
            add_uplink(name);
        }
    }
    for bridge in &model.bridges {
        for port in &bridge.ports {
            if !taps.contains(port.value.as_str()) {
                add_uplink(port.value.as_str());
            }
        }
    }
    for nat in &model.nats {
        if let Some(out) = &nat.out_interface {
            add_uplink(out.as_str());
        }
    }
    for mac_nat in &model.mac_nats {
        add_uplink(mac_nat.uplink.value.as_str());
    }
    let forwards_anywhere = model.nats.iter().any(|nat| nat.out_interface.is_none());
    let user_guests = model
        .vms
        .iter()
        .any(|vm| matches!(vm.attachment, Attachment::User { .. }));
    let proxied = model.bridges.iter().any(|bridge| proxies(model, bridge.name.as_str()));
    if !uplinks.is_empty() || forwards_anywhere || user_guests || proxied {
        graph.node("lan", NodeKind::Lan, vec!["LAN / internet".into()]);
    }
    for name in &uplinks {
        let wireless = facts.interface(name).is_some_and(|fact| fact.wireless)
            || model.interface(name).is_some_and(|interface| interface.wireless);
        let mut lines = vec![name.clone(), if wireless { "wireless uplink" } else { "uplink" }.into()];
        if let Some(interface) = model.interface(name) {
            lines.extend(addressing(&interface.address, model.bridge_of(name).is_some()));
        }
        let id = graph.node(&format!("uplink_{name}"), NodeKind::Uplink, lines);
        graph.edge("lan", &id, EdgeKind::Link, None);
    }

    for bridge in &model.bridges {
        bridge_node(&mut graph, model, bridge, &taps);
    }
    let ports: HashSet<&str> = model
        .bridges
        .iter()
        .flat_map(|bridge| &bridge.ports)
        .map(|port| port.value.as_str())
        .collect();
    for tap in &model.taps {
        if !ports.contains(tap.name.as_str()) {
            let id = tap_node(&mut graph, model, tap.name.as_str());
            guests_on_tap(&mut graph, model, tap.name.as_str(), &id);
        }
    }
    let mut links: Vec<&str> = Vec::new();
    for vm in &model.vms {
        match &vm.attachment {
            Attachment::User { .. } => user_guest(&mut graph, model, vm),
            Attachment::Socket { .. } | Attachment::Vde { .. } | Attachment::Hubport { .. } => {
                if !links.contains(&vm.network.as_str()) {
                    links.push(vm.network.as_str());
                }
            }
            Attachment::Tap { .. } | Attachment::BridgeHelper { .. } => {}
        }
    }
    for network in links {
        qemu_link(&mut graph, model, network);
    }
    graph.finish()
}

/// `net.ipv4.conf.DEVICE.proxy_arp` → `DEVICE`.
fn proxy_arp_device(name: &str) -> Option<&str> {
    name.strip_prefix("net.ipv4.conf.")?.strip_suffix(".proxy_arp")
}

/// Does the model turn proxy ARP on for `device`?
fn proxies(model: &HostModel, device: &str) -> bool {
    model
        .sysctls
        .iter()
        .any(|sysctl| proxy_arp_device(&sysctl.name) == Some(device) && sysctl.value != "0")
}

/// Guests joined by a QEMU link (`socket`, `vde`, `hubport`): nothing on the host.
fn qemu_link(graph: &mut Builder, model: &HostModel, network: &str) {
    let nics: Vec<&Vm> = model.vms.iter().filter(|vm| vm.network == network).collect();
    let Some(first) = nics.first() else {
        return;
    };
    let mut lines = vec![
        format!("{network}: QEMU link"),
        "between guests, nothing on the host".into(),
    ];
    for vm in &nics {
        let end = match &vm.attachment {
            Attachment::Socket { end } => end.options(),
            Attachment::Vde { sock, .. } => format!("sock={sock}"),
            Attachment::Hubport { hub } => format!("hubid={hub}"),
            _ => continue,
        };
        lines.push(format!("{}: {end}", vm.name));
    }
    let link = graph.node(&format!("link_{network}"), NodeKind::UserNet, lines);
    for vm in &nics {
        let guest = guest_node(graph, model, vm);
        graph.edge(&link, &guest, EdgeKind::Link, None);
    }
    let segment = Segment {
        name: network.to_owned(),
        mode: first.mode.name(),
        guests_to_lan: Reach::No,
        lan_to_guests: Reach::No,
        guests_to_guests: Reach::Yes,
        guests_to_internet: Reach::No,
        host_to_guests: Reach::No,
    };
    let note = graph.node(&format!("reach_{network}"), NodeKind::Reach, segment.lines());
    graph.edge(&note, &link, EdgeKind::Note, None);
    graph.segments.push(segment);
}

fn bridge_node(graph: &mut Builder, model: &HostModel, bridge: &Bridge, taps: &BTreeSet<&str>) {
    let name = bridge.name.as_str();
    let mut lines = vec![name.to_owned(), "bridge".into()];
    lines.extend(addressing(&bridge.address, false));
    for server in model
        .dhcp_servers
        .iter()
        .filter(|server| server.interface.value.as_str() == name)
    {
        lines.push(match &server.range {
            Some(range) => format!("DHCP {}–{}, {}", range.value.0, range.value.1, server.lease),
            None => "DHCP: fixed leases only".into(),
        });
        if let Some(ipv6) = &server.ipv6 {
            lines.push(match (ipv6.ra.value, &ipv6.range) {
                (RaMode::Stateless, _) => "RA: SLAAC".into(),
                (RaMode::Stateful, Some(range)) => format!("RA + DHCPv6 {}–{}", range.value.0, range.value.1),
                (RaMode::Stateful, None) => "RA + DHCPv6: fixed leases only".into(),
                (RaMode::Off, _) => "RA off".into(),
            });
        }
    }
    for relay in model
        .dhcp_relays
        .iter()
        .filter(|relay| relay.interface.value.as_str() == name)
    {
        lines.push(format!("DHCP relayed to {}", relay.server.value));
    }
    let proxied = proxies(model, name);
    if proxied {
        let routes: Vec<String> = model
            .interfaces
            .iter()
            .filter(|interface| interface.name.as_str() == name)
            .flat_map(|interface| &interface.link_routes)
            .map(ToString::to_string)
            .collect();
        lines.push("proxy ARP".into());
        if !routes.is_empty() {
            lines.push(format!("host routes {}", routes.join(", ")));
        }
    }
    let nats: Vec<&Nat> = model
        .nats
        .iter()
        .filter(|nat| {
            bridge
                .address
                .addresses()
                .iter()
                .any(|address| address.contains(&nat.source.value))
        })
        .collect();
    let segment = segment(model, bridge, &nats, taps);
    if segment.host_to_guests == Reach::No && !matches!(bridge.address, AddressConfig::None) {
        lines.push("firewall: guests cannot reach the host".into());
    }
    lines.push(format!("mode: {}", segment.mode));
    let id = graph.node(&format!("bridge_{name}"), NodeKind::Bridge, lines);
    for port in &bridge.ports {
        let port = port.value.as_str();
        if taps.contains(port) {
            let tap = tap_node(graph, model, port);
            graph.edge(&id, &tap, EdgeKind::Link, None);
            guests_on_tap(graph, model, port, &tap);
        } else {
            let label = if model
                .mac_nats
                .iter()
                .any(|mac_nat| mac_nat.uplink.value.as_str() == port)
            {
                "port, ebtables MAC NAT"
            } else {
                "port"
            };
            graph.edge(&format!("uplink_{port}"), &id, EdgeKind::Link, Some(label.into()));
        }
    }
    for vm in &model.vms {
        if let Attachment::BridgeHelper { bridge: helper } = &vm.attachment
            && helper.as_str() == name
        {
            let guest = guest_node(graph, model, vm);
            graph.edge(&id, &guest, EdgeKind::Link, Some("qemu-bridge-helper".into()));
        }
    }
    // Guests known only by their fixed lease (a playbook written task by task).
    for server in model
        .dhcp_servers
        .iter()
        .filter(|server| server.interface.value.as_str() == name)
    {
        for host in &server.hosts {
            let host = &host.value;
            if graph.guest_macs.contains(&host.mac) {
                continue;
            }
            let address = match (host.ip, &host.ip6) {
                (Some(ip), _) => ip.to_string(),
                (None, Some(ip6)) => ip6.value.to_string(),
                (None, None) => String::new(),
            };
            let title = host.name.clone().unwrap_or_else(|| address.clone());
            let lines = vec![
                title.clone(),
                format!("MAC {}", host.mac),
                format!("IP {address} (fixed lease)"),
            ];
            let guest = graph.node(&format!("guest_{title}"), NodeKind::Guest, lines);
            graph.edge(&id, &guest, EdgeKind::Link, Some("fixed lease".into()));
        }
    }
    if proxied {
        for sysctl in &model.sysctls {
            if let Some(uplink) = proxy_arp_device(&sysctl.name)
                && uplink != name
                && sysctl.value != "0"
                && model.bridge(uplink).is_none()
                && model.tap(uplink).is_none()
            {
                graph.edge(
                    &format!("uplink_{uplink}"),
                    &id,
                    EdgeKind::Forward,
                    Some("routed, proxy ARP on both sides".into()),
                );
            }
        }
    }
    for nat in nats {
        let target = nat
            .out_interface
            .as_ref()
            .map_or_else(|| "lan".to_owned(), |out| format!("uplink_{out}"));
        let verb = if nat.masquerade { "masquerade" } else { "routed" };
        // Drawn from the uplink's side, so the picture reads LAN → uplink → bridge → TAPs → guests.
        graph.edge(
            &target,
            &id,
            EdgeKind::Forward,
            Some(format!("{verb} {}", nat.source.value)),
        );
    }
    let note = graph.node(&format!("reach_{name}"), NodeKind::Reach, segment.lines());
    graph.edge(&note, &id, EdgeKind::Note, None);
    graph.segments.push(segment);
}

/// Who reaches whom on a bridge, from what the model asks for.
fn segment(model: &HostModel, bridge: &Bridge, nats: &[&Nat], taps: &BTreeSet<&str>) -> Segment {
    let name = bridge.name.as_str();
    let ports: HashSet<&str> = bridge.ports.iter().map(|port| port.value.as_str()).collect();
    let uplink_port = bridge.ports.iter().any(|port| !taps.contains(port.value.as_str()));
    let masquerade = nats.iter().any(|nat| nat.masquerade);
    let routed = nats.iter().any(|nat| !nat.masquerade);
    let isolated = model
        .firewall
        .iter()
        .any(|rule| matches!(&rule.intent, FirewallIntent::IsolateHost { interface } if interface.as_str() == name));
    let host_address = !matches!(bridge.address, AddressConfig::None);
    let mode = model
        .vms
        .iter()
        .find(|vm| match &vm.attachment {
            Attachment::Tap { tap } => ports.contains(tap.as_str()),
            Attachment::BridgeHelper { bridge: helper } => helper == &bridge.name,
            Attachment::User { .. }
            | Attachment::Socket { .. }
            | Attachment::Vde { .. }
            | Attachment::Hubport { .. } => false,
        })
        .map(|vm| vm.mode);
    let mac_nat = model
        .mac_nats
        .iter()
        .any(|mac_nat| ports.contains(mac_nat.uplink.value.as_str()));
    let proxied = proxies(model, name);
    let inferred = if uplink_port {
        Mode::Bridged
    } else if masquerade {
        Mode::Nat
    } else if routed {
        Mode::Routed
    } else if proxied {
        Mode::ProxyArp
    } else if host_address && !isolated {
        Mode::HostOnly
    } else {
        Mode::Internal
    };
    let mode = match (mode.unwrap_or(inferred), mac_nat) {
        (Mode::Nat | Mode::Bridged, true) => "nat (MAC NAT)",
        (mode, _) => mode.name(),
    };
    let yes_if = |condition: bool| if condition { Reach::Yes } else { Reach::No };
    Segment {
        name: name.to_owned(),
        mode,
        guests_to_lan: yes_if(uplink_port || masquerade || routed || proxied),
        lan_to_guests: if uplink_port || proxied && !masquerade {
            Reach::Yes
        } else if routed && !masquerade {
            Reach::WithRoute
        } else {
            Reach::No
        },
        guests_to_guests: Reach::Yes,
        guests_to_internet: if uplink_port || masquerade || proxied {
            Reach::Yes
        } else if routed {
            Reach::ViaLanRouter
        } else {
            Reach::No
        },
        // Proxy ARP: the host reaches each guest by its host route.
        host_to_guests: yes_if((host_address || proxied) && !isolated),
    }
}

fn tap_node(graph: &mut Builder, model: &HostModel, name: &str) -> String {
    let mut lines = vec![name.to_owned(), "TAP".into()];
    if let Some(tap) = graph.taps.get(name).map(|&index| &model.taps[index]) {
        match (&tap.user, &tap.group) {
            (Some(user), Some(group)) => lines.push(format!("owner {}:{}", user.value, group.value)),
            (Some(user), None) => lines.push(format!("owner {}", user.value)),
            (None, Some(group)) => lines.push(format!("group {}", group.value)),
            (None, None) => {}
        }
    }
    graph.node(&format!("tap_{name}"), NodeKind::Tap, lines)
}

fn guests_on_tap(graph: &mut Builder, model: &HostModel, tap: &str, tap_id: &str) {
    let guests = graph.guests_on_taps.get(tap).cloned().unwrap_or_default();
    for vm in guests.into_iter().map(|index| &model.vms[index]) {
        let guest = guest_node(graph, model, vm);
        graph.edge(tap_id, &guest, EdgeKind::Link, None);
    }
}

fn guest_node(graph: &mut Builder, model: &HostModel, vm: &Vm) -> String {
    let nics: Vec<&Vm> = graph
        .nics
        .get(&vm.name)
        .map(|indices| indices.iter().map(|&index| &model.vms[index]).collect())
        .unwrap_or_default();
    if nics.len() > 1 {
        // One box per VM, a line per NIC, so every network's edge meets it.
        let mut lines = vec![vm.name.clone()];
        for nic in nics {
            let mac = if nic.mac_generated {
                format!("MAC {} (generated)", nic.mac)
            } else {
                format!("MAC {}", nic.mac)
            };
            let ip = nic.ip.map(|ip| format!(", IP {ip}")).unwrap_or_default();
            lines.push(format!("{}: {}, {mac}{ip}", nic.network, nic.model));
        }
        return graph.node(&format!("guest_{}", vm.name), NodeKind::Guest, lines);
    }
    let mut lines = vec![vm.name.clone(), format!("{}", vm.model)];
    lines.push(if vm.mac_generated {
        format!("MAC {} (generated)", vm.mac)
    } else {
        format!("MAC {}", vm.mac)
    });
    let leases: Vec<&DhcpHost> = graph
        .leases
        .get(&vm.mac)
        .map(|found| {
            found
                .iter()
                .map(|&(server, host)| &model.dhcp_servers[server].hosts[host].value)
                .collect()
        })
        .unwrap_or_default();
    let leased = |ip| leases.iter().any(|host| host.ip == Some(ip));
    lines.push(match vm.ip {
        Some(ip) if leased(ip) => format!("IP {ip} (fixed lease)"),
        Some(ip) => format!("IP {ip}"),
        None if matches!(vm.attachment, Attachment::User { .. }) => "IP by QEMU's DHCP".into(),
        None => "IP by DHCP".into(),
    });
    let ip6 = leases.first().and_then(|host| host.ip6.as_ref());
    if let Some(ip6) = ip6 {
        lines.push(format!("IPv6 {} (fixed lease)", ip6.value));
    }
    graph.node(&format!("guest_{}", vm.name), NodeKind::Guest, lines)
}

fn user_guest(graph: &mut Builder, model: &HostModel, vm: &Vm) {
    let Attachment::User {
        net, hostfwd, restrict, ..
    } = &vm.attachment
    else {
        return;
    };
    let mut lines = vec![
        format!("{}: QEMU user network", vm.name),
        "slirp, nothing on the host".into(),
    ];
    lines.push(format!(
        "net {}",
        net.map_or_else(|| "10.0.2.0/24".to_owned(), |net| net.to_string())
    ));
    for forward in hostfwd {
        lines.push(format!("hostfwd {forward}"));
    }
    if *restrict {
        lines.push("restrict=on: no way out".into());
    }
    let user = graph.node(&format!("usernet_{}", vm.name), NodeKind::UserNet, lines);
    let guest = guest_node(graph, model, vm);
    graph.edge(&user, &guest, EdgeKind::Link, None);
    if !restrict {
        graph.edge("lan", &user, EdgeKind::Forward, Some("QEMU's own NAT".into()));
    }
    let segment = Segment {
        name: vm.name.clone(),
        mode: Mode::User.name(),
        guests_to_lan: if *restrict { Reach::No } else { Reach::Yes },
        lan_to_guests: Reach::HostForwardOnly,
        guests_to_guests: Reach::No,
        guests_to_internet: if *restrict { Reach::No } else { Reach::Yes },
        host_to_guests: Reach::HostForwardOnly,
    };
    let note = graph.node(&format!("reach_{}", vm.name), NodeKind::Reach, segment.lines());
    graph.edge(&note, &user, EdgeKind::Note, None);
    graph.segments.push(segment);
}

/// How an interface gets its address, as a line (none for a bridge port).
fn addressing(address: &AddressConfig, port: bool) -> Vec<String> {
    match address {
        AddressConfig::None if port => Vec::new(),
        AddressConfig::None => vec!["no host address".into()],
        AddressConfig::Dhcp => vec!["host address by DHCP".into()],
        AddressConfig::Static(addresses) => addresses.iter().map(|address| format!("host {address}")).collect(),
    }
}

struct Builder {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    segments: Vec<Segment>,
    /// Where each node id is in `nodes`.
    ids: HashMap<String, usize>,
    /// The edges so far (each is drawn once).
    edge_set: HashSet<Edge>,
    /// The model's VMs (their indices) by name: a VM with several NICs.
    nics: HashMap<String, Vec<usize>>,
    /// Fixed leases (server, host) by MAC, in the model's order.
    leases: HashMap<MacAddr, Vec<(usize, usize)>>,
    /// Every guest's MAC.
    guest_macs: HashSet<MacAddr>,
    /// The model's TAPs (indices) by name.
    taps: HashMap<String, usize>,
    /// The guests (indices) on each TAP.
    guests_on_taps: HashMap<String, Vec<usize>>,
}

impl Builder {
    /// A picture of `model`, with its look-ups built once (a drawing of
    /// 10,000 guests is not a scan of them per guest).
    fn new(model: &HostModel) -> Self {
        let mut nics: HashMap<String, Vec<usize>> = HashMap::default();
        for (index, vm) in model.vms.iter().enumerate() {
            nics.entry(vm.name.clone()).or_default().push(index);
        }
        let mut guests_on_taps: HashMap<String, Vec<usize>> = HashMap::default();
        for (index, vm) in model.vms.iter().enumerate() {
            if let Attachment::Tap { tap } = &vm.attachment {
                guests_on_taps.entry(tap.as_str().to_owned()).or_default().push(index);
            }
        }
        let mut leases: HashMap<MacAddr, Vec<(usize, usize)>> = HashMap::default();
        for (server_index, server) in model.dhcp_servers.iter().enumerate() {
            for (host_index, host) in server.hosts.iter().enumerate() {
                leases
                    .entry(host.value.mac)
                    .or_default()
                    .push((server_index, host_index));
            }
        }
        Self {
            nodes: Vec::new(),
            edges: Vec::new(),
            segments: Vec::new(),
            ids: HashMap::default(),
            edge_set: HashSet::default(),
            nics,
            leases,
            guest_macs: model.vms.iter().map(|vm| vm.mac).collect(),
            taps: model
                .taps
                .iter()
                .enumerate()
                .rev()
                .map(|(index, tap)| (tap.name.as_str().to_owned(), index))
                .collect(),
            guests_on_taps,
        }
    }

    /// Add a node (once: the same node again is not repeated); its id, made
    /// unique when two names sanitise alike (`a-b`, `a_b`).
    fn node(&mut self, id: &str, kind: NodeKind, lines: Vec<String>) -> String {
        let base = sanitise(id);
        let mut id = base.clone();
        let mut counter = 1;
        while let Some(existing) = self.ids.get(&id).map(|&index| &self.nodes[index]) {
            if existing.kind == kind && existing.lines == lines {
                return id;
            }
            counter += 1;
            id = format!("{base}_{counter}");
        }
        self.ids.insert(id.clone(), self.nodes.len());
        self.nodes.push(Node {
            id: id.clone(),
            kind,
            lines,
        });
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: Option<String>) {
        let edge = Edge {
            from: sanitise(from),
            to: sanitise(to),
            kind,
            label,
        };
        if self.edge_set.insert(edge.clone()) {
            self.edges.push(edge);
        }
    }

    fn finish(self) -> Graph {
        Graph {
            nodes: self.nodes,
            edges: self.edges,
            segments: self.segments,
        }
    }
}

/// Interface and guest names as identifiers: letters, digits and `_` only
/// (an interface name may hold `.`, `-` or `@`, which Mermaid and DOT read otherwise).
fn sanitise(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_safe() {
        assert_eq!(sanitise("uplink_eth0.100"), "uplink_eth0_100");
        assert_eq!(sanitise("guest_my-vm"), "guest_my_vm");
    }

    #[test]
    fn reach_marks() {
        assert_eq!(Reach::Yes.mark(), "✓");
        assert_eq!(Reach::No.mark(), "✗");
    }
}
