//! The difference between the live state and what the model wants, as the
//! smallest list of operations, in dependency order: removals first, then
//! TAPs before the bridges that enslave them, attributes, ports, addresses,
//! links up, routes. Adding a TAP never touches its bridge; changing STP
//! changes only that. Devices hostnet did not create are never deleted, an
//! existing device of another kind is never replaced, and ports hostnet did
//! not put on a bridge (a guest's TAP from QEMU's bridge helper) are left there.
//!
//! Some changes need the distro's own tool: a bridge or NIC that gets its
//! address by DHCP needs the distro's DHCP client, so a DHCP device that is
//! not up yet (or an uplink that must move into a DHCP bridge) is handed to
//! the network backend's bring-up, with the reason, instead of to `ip`; so
//! is a bridge whose wireless port is not enslaved yet (the kernel enslaves
//! it only in 4-address mode, which `iw` sets in the bring-up, not `ip`).

use std::collections::BTreeSet;
use std::fmt;

use ipnet::IpNet;
use serde::Serialize;

use crate::change::TaskId;
use crate::live::state::{LinkKind, LiveState};
use crate::live::wanted::{Wanted, WantedKind, WantedLink};
use crate::model::{AddressConfig, Route};
use crate::types::{Centiseconds, MacAddr};

/// One operation on the live host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Delete a device hostnet created.
    Delete { name: String },
    /// Create a TAP.
    CreateTap {
        name: String,
        user: Option<String>,
        group: Option<String>,
        multi_queue: bool,
        vnet_hdr: bool,
    },
    /// Create a bridge with these attributes.
    CreateBridge { name: String, set: BridgeSet },
    /// Change some of a bridge's attributes.
    SetBridge { name: String, set: BridgeSet },
    /// Set the MTU.
    SetMtu { name: String, mtu: u32 },
    /// Set the MAC.
    SetMac { name: String, mac: MacAddr },
    /// Take a port out of its bridge.
    NoMaster { name: String },
    /// Make a device a port of a bridge.
    SetMaster { name: String, master: String },
    /// Remove an address.
    DelAddress { name: String, address: IpNet },
    /// Add an address.
    AddAddress { name: String, address: IpNet },
    /// Bring a link up.
    Up { name: String },
    /// Bring a link down.
    Down { name: String },
    /// Add or replace a route through a gateway.
    ReplaceRoute { name: String, route: RouteSpec },
    /// Remove a route.
    DelRoute { name: String, route: RouteSpec },
    /// Set a kernel parameter.
    Sysctl { key: String, value: String },
}

impl Op {
    /// The device it changes (none for a kernel parameter).
    pub fn device(&self) -> Option<&str> {
        match self {
            Self::Delete { name }
            | Self::CreateTap { name, .. }
            | Self::CreateBridge { name, .. }
            | Self::SetBridge { name, .. }
            | Self::SetMtu { name, .. }
            | Self::SetMac { name, .. }
            | Self::NoMaster { name }
            | Self::SetMaster { name, .. }
            | Self::DelAddress { name, .. }
            | Self::AddAddress { name, .. }
            | Self::Up { name }
            | Self::Down { name }
            | Self::ReplaceRoute { name, .. }
            | Self::DelRoute { name, .. } => Some(name),
            Self::Sysctl { .. } => None,
        }
    }
}

/// Bridge attributes to set (unset ones are left as they are).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BridgeSet {
    pub stp: Option<bool>,
    pub forward_delay: Option<Centiseconds>,
    pub hello_time: Option<Centiseconds>,
    pub max_age: Option<Centiseconds>,
    pub priority: Option<u16>,
}

/// A route as `ip route` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteSpec {
    /// Destination (`None`: default).
    pub to: Option<IpNet>,
    /// Gateway (`None`: on the link, `192.168.1.50/32 dev br0`).
    pub via: Option<std::net::IpAddr>,
    /// Metric.
    pub metric: Option<u32>,
}

/// An operation, why, and the tasks that asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveChange {
    /// What to do.
    pub op: Op,
    /// The difference it removes (`tap2: missing`, `br0 stp: on → off`).
    pub why: String,
    /// Tasks.
    pub origins: Vec<TaskId>,
}

/// A device the network backend's distro tool must bring up, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handover {
    /// The device.
    pub device: String,
    /// Why `ip` cannot do it.
    pub reason: String,
}

/// What it takes to make the live host match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LiveDiff {
    /// Operations, in the order they run.
    pub changes: Vec<LiveChange>,
    /// Devices left to the distro's tool.
    pub handovers: Vec<Handover>,
}

impl LiveDiff {
    /// Nothing to do?
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.handovers.is_empty()
    }
}

/// A device of another kind already has a name the model wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindConflict {
    /// The name.
    pub name: String,
    /// What the host has.
    pub found: String,
    /// What the model wants.
    pub wanted: &'static str,
}

impl fmt::Display for KindConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exists on the host as {}, not as {}; hostnet does not replace a device it did not create",
            self.name, self.found, self.wanted
        )
    }
}

/// The operations that make `live` match `wanted`. `owned` names the devices
/// hostnet created (its records), the only ones it may delete.
pub fn diff(wanted: &Wanted, live: &LiveState, owned: &BTreeSet<String>) -> Result<LiveDiff, Vec<KindConflict>> {
    let mut out = Builder::default();
    let mut conflicts = Vec::new();
    // Devices hostnet created that the model no longer wants (or wants as another kind).
    for name in owned {
        let Some(link) = live.link(name) else { continue };
        let keep = wanted.link(name).is_some_and(|want| same_kind(&want.kind, &link.kind));
        if !keep {
            out.push(
                Phase::Delete,
                Op::Delete { name: name.clone() },
                format!("{name}: no longer in the playbook"),
                Vec::new(),
            );
        }
    }
    let handed: BTreeSet<String> = handovers(wanted, live);
    for want in &wanted.links {
        let name = want.name.as_str();
        let current = live.link(name).filter(|_| !out.deleted(name));
        match (current, &want.kind) {
            (Some(link), kind) if !same_kind(kind, &link.kind) && !matches!(kind, WantedKind::Nic) => {
                conflicts.push(KindConflict {
                    name: name.to_owned(),
                    found: describe(&link.kind),
                    wanted: match kind {
                        WantedKind::Bridge { .. } => "a bridge",
                        _ => "a TAP",
                    },
                });
                continue;
            }
            _ => {}
        }
        if handed.contains(name)
            || want
                .master
                .as_ref()
                .is_some_and(|master| handed.contains(master.as_str()))
        {
            continue;
        }
        match current {
            None => out.create(want),
            Some(link) => out.update(want, link),
        }
        out.routes(want, live);
    }
    for (key, value, task) in &wanted.sysctls {
        let current = live.sysctls.get(key);
        if current != Some(value) {
            out.push(
                Phase::Sysctl,
                Op::Sysctl {
                    key: key.clone(),
                    value: value.clone(),
                },
                format!("{key}: {} → {value}", current.map_or("unknown", String::as_str)),
                vec![*task],
            );
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    let mut changes = out.changes;
    changes.sort_by_key(|(phase, index, _)| (*phase, *index));
    Ok(LiveDiff {
        changes: changes.into_iter().map(|(_, _, change)| change).collect(),
        handovers: handed
            .into_iter()
            .map(|device| {
                let reason = handover_reason(wanted, live, &device);
                Handover { device, reason }
            })
            .collect(),
    })
}

/// The order operations run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Delete,
    CreateTap,
    CreateBridge,
    Attributes,
    DelAddress,
    Master,
    AddAddress,
    Up,
    Routes,
    Sysctl,
}

#[derive(Default)]
struct Builder {
    changes: Vec<(Phase, usize, LiveChange)>,
}

impl Builder {
    fn push(&mut self, phase: Phase, op: Op, why: String, origins: Vec<TaskId>) {
        let index = self.changes.len();
        self.changes.push((phase, index, LiveChange { op, why, origins }));
    }

    fn deleted(&self, name: &str) -> bool {
        self.changes
            .iter()
            .any(|(_, _, change)| matches!(&change.op, Op::Delete { name: deleted } if deleted == name))
    }

    /// A device that does not exist yet.
    fn create(&mut self, want: &WantedLink) {
        let name = want.name.to_string();
        let origins = want.origins.clone();
        match &want.kind {
            WantedKind::Tap {
                user,
                group,
                multi_queue,
                vnet_hdr,
            } => self.push(
                Phase::CreateTap,
                Op::CreateTap {
                    name: name.clone(),
                    user: user.clone(),
                    group: group.clone(),
                    multi_queue: *multi_queue,
                    vnet_hdr: *vnet_hdr,
                },
                format!("{name}: missing"),
                origins.clone(),
            ),
            WantedKind::Bridge { .. } => self.push(
                Phase::CreateBridge,
                Op::CreateBridge {
                    name: name.clone(),
                    set: bridge_set(&want.kind),
                },
                format!("{name}: missing"),
                origins.clone(),
            ),
            // An absent NIC is the host's business (validation names it).
            WantedKind::Nic => return,
        }
        if let Some(mtu) = want.mtu {
            self.push(
                Phase::Attributes,
                Op::SetMtu {
                    name: name.clone(),
                    mtu: u32::from(mtu),
                },
                format!("{name}: mtu {mtu}"),
                origins.clone(),
            );
        }
        if let Some(mac) = want.mac {
            self.push(
                Phase::Attributes,
                Op::SetMac {
                    name: name.clone(),
                    mac,
                },
                format!("{name}: mac {mac}"),
                origins.clone(),
            );
        }
        if let Some(master) = &want.master {
            self.push(
                Phase::Master,
                Op::SetMaster {
                    name: name.clone(),
                    master: master.to_string(),
                },
                format!("{name}: port of {master}"),
                origins.clone(),
            );
        }
        for address in want.static_addresses() {
            self.push(
                Phase::AddAddress,
                Op::AddAddress {
                    name: name.clone(),
                    address: *address,
                },
                format!("{name}: address {address} missing"),
                origins.clone(),
            );
        }
        self.push(
            Phase::Up,
            Op::Up { name: name.clone() },
            format!("{name}: down"),
            origins,
        );
    }

    /// A device that exists: change what differs.
    fn update(&mut self, want: &WantedLink, link: &crate::live::state::Link) {
        let name = want.name.to_string();
        let origins = want.origins.clone();
        if let (WantedKind::Bridge { .. }, LinkKind::Bridge(current)) = (&want.kind, &link.kind) {
            let wanted = bridge_set(&want.kind);
            let mut set = BridgeSet::default();
            let mut differences = Vec::new();
            if wanted.stp.is_some_and(|stp| stp != current.stp) {
                set.stp = wanted.stp;
                differences.push(format!(
                    "stp {} → {}",
                    on_off(current.stp),
                    on_off(wanted.stp.unwrap_or(false))
                ));
            }
            for (key, want, have, slot) in [
                (
                    "forward_delay",
                    wanted.forward_delay,
                    current.forward_delay,
                    &mut set.forward_delay,
                ),
                ("hello_time", wanted.hello_time, current.hello_time, &mut set.hello_time),
                ("max_age", wanted.max_age, current.max_age, &mut set.max_age),
            ] {
                if let Some(want) = want
                    && want != have
                {
                    *slot = Some(want);
                    differences.push(format!("{key} {} → {} s", have.seconds_text(), want.seconds_text()));
                }
            }
            if let Some(priority) = wanted.priority
                && priority != current.priority
            {
                set.priority = Some(priority);
                differences.push(format!("priority {} → {priority}", current.priority));
            }
            if set != BridgeSet::default() {
                // The kernel checks the timers against STP in one request: send them together.
                if set.stp.is_some() || set.forward_delay.is_some() {
                    set.stp = wanted.stp;
                    set.forward_delay = set.forward_delay.or(wanted.forward_delay);
                }
                self.push(
                    Phase::Attributes,
                    Op::SetBridge {
                        name: name.clone(),
                        set,
                    },
                    format!("{name}: {}", differences.join(", ")),
                    origins.clone(),
                );
            }
        }
        if let (
            WantedKind::Tap {
                user,
                group,
                multi_queue,
                vnet_hdr,
            },
            LinkKind::Tap(current),
        ) = (&want.kind, &link.kind)
        {
            let differs = (user.is_some() && *user != current.user)
                || (group.is_some() && *group != current.group)
                || *multi_queue != current.multi_queue
                || *vnet_hdr != current.vnet_hdr;
            if differs {
                // A TAP's owner and flags are fixed at creation.
                self.push(
                    Phase::Delete,
                    Op::Delete { name: name.clone() },
                    format!(
                        "{name}: owner or flags differ ({}); recreated, so a guest attached to it loses its NIC",
                        tap_text(current.user.as_ref(), current.group.as_ref())
                    ),
                    origins.clone(),
                );
                self.create(want);
                return;
            }
        }
        if let Some(mtu) = want.mtu
            && u32::from(mtu) != link.mtu
        {
            self.push(
                Phase::Attributes,
                Op::SetMtu {
                    name: name.clone(),
                    mtu: u32::from(mtu),
                },
                format!("{name}: mtu {} → {mtu}", link.mtu),
                origins.clone(),
            );
        }
        if let Some(mac) = want.mac
            && Some(mac) != link.mac
        {
            self.push(
                Phase::Attributes,
                Op::SetMac {
                    name: name.clone(),
                    mac,
                },
                format!(
                    "{name}: mac {} → {mac}",
                    link.mac.map_or_else(|| "none".to_owned(), |mac| mac.to_string())
                ),
                origins.clone(),
            );
        }
        if let Some(master) = &want.master
            && link.master.as_deref() != Some(master.as_str())
        {
            // A port's static addresses move to its bridge.
            for address in &link.addresses {
                self.push(
                    Phase::DelAddress,
                    Op::DelAddress {
                        name: name.clone(),
                        address: *address,
                    },
                    format!("{name}: a port carries no address ({address})"),
                    origins.clone(),
                );
            }
            self.push(
                Phase::Master,
                Op::SetMaster {
                    name: name.clone(),
                    master: master.to_string(),
                },
                format!(
                    "{name}: port of {master} (now {})",
                    link.master.as_deref().unwrap_or("on no bridge")
                ),
                origins.clone(),
            );
        }
        if let AddressConfig::Static(addresses) = &want.address {
            for address in addresses {
                if !link.addresses.contains(address) && !link.dynamic.contains(address) {
                    self.push(
                        Phase::AddAddress,
                        Op::AddAddress {
                            name: name.clone(),
                            address: *address,
                        },
                        format!("{name}: address {address} missing"),
                        origins.clone(),
                    );
                }
            }
        }
        // Addresses hostnet's own devices should not have: a static or
        // address-less bridge or TAP holds exactly the playbook's.
        if !matches!(want.kind, WantedKind::Nic) && want.address != AddressConfig::Dhcp && want.master.is_none() {
            for address in &link.addresses {
                if !want.static_addresses().contains(address) {
                    self.push(
                        Phase::DelAddress,
                        Op::DelAddress {
                            name: name.clone(),
                            address: *address,
                        },
                        format!("{name}: address {address} not in the playbook"),
                        origins.clone(),
                    );
                }
            }
        }
        if !link.up {
            self.push(
                Phase::Up,
                Op::Up { name: name.clone() },
                format!("{name}: down"),
                origins,
            );
        }
    }

    /// The device's routes (through a gateway, and on its link), where missing.
    fn routes(&mut self, want: &WantedLink, live: &LiveState) {
        let on_link = want.link_routes.iter().map(|to| RouteSpec {
            to: Some(to.trunc()),
            via: None,
            metric: None,
        });
        for spec in want.routes.iter().map(route_spec).chain(on_link) {
            let present = live.routes.iter().any(|current| {
                current.dev == want.name.as_str()
                    && current.to == spec.to.map(|to| to.trunc())
                    && current.via == spec.via
                    && current.metric == spec.metric
            });
            if !present {
                let to = spec
                    .to
                    .map_or_else(|| "default".to_owned(), |to| to.trunc().to_string());
                let why = match spec.via {
                    Some(via) => format!("{}: route {to} via {via} missing", want.name),
                    None => format!("{}: route {to} on the link missing", want.name),
                };
                self.push(
                    Phase::Routes,
                    Op::ReplaceRoute {
                        name: want.name.to_string(),
                        route: spec,
                    },
                    why,
                    want.origins.clone(),
                );
            }
        }
    }
}

fn route_spec(route: &Route) -> RouteSpec {
    RouteSpec {
        to: route.to.map(|to| to.trunc()),
        via: Some(route.via),
        metric: route.metric,
    }
}

/// Devices whose addressing needs the distro's DHCP client: a DHCP bridge
/// or NIC that does not exist or is down, and a DHCP bridge whose NIC port
/// is not enslaved yet (the uplink's lease moves to the bridge).
fn handovers(wanted: &Wanted, live: &LiveState) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for want in &wanted.links {
        if let Some(master) = &want.master
            && want.wireless
            && live
                .link(want.name.as_str())
                .is_none_or(|link| link.master.as_deref() != Some(master.as_str()))
        {
            out.insert(master.to_string());
        }
        if want.address != AddressConfig::Dhcp {
            continue;
        }
        let name = want.name.as_str();
        let up = live.link(name).is_some_and(|link| link.up);
        let uplink_moves = wanted.links.iter().any(|port| {
            port.master.as_ref().is_some_and(|master| master.as_str() == name)
                && matches!(port.kind, WantedKind::Nic)
                && live
                    .link(port.name.as_str())
                    .is_some_and(|link| link.master.as_deref() != Some(name))
        });
        if !up || uplink_moves {
            out.insert(name.to_owned());
        }
    }
    out
}

fn handover_reason(wanted: &Wanted, live: &LiveState, device: &str) -> String {
    let wireless = wanted.links.iter().find(|port| {
        port.wireless
            && port.master.as_ref().is_some_and(|master| master.as_str() == device)
            && live
                .link(port.name.as_str())
                .is_none_or(|link| link.master.as_deref() != Some(device))
    });
    if let Some(port) = wireless {
        return format!(
            "{device}'s wireless port {} is enslaved only in 4-address mode, which the distro's tool sets (`iw`) before it moves {} into {device}",
            port.name, port.name
        );
    }
    let exists = live.link(device).is_some();
    let uplink = wanted
        .links
        .iter()
        .find(|port| {
            port.master.as_ref().is_some_and(|master| master.as_str() == device)
                && matches!(port.kind, WantedKind::Nic)
                && live
                    .link(port.name.as_str())
                    .is_some_and(|link| link.master.as_deref() != Some(device))
        })
        .map(|port| port.name.to_string());
    match (exists, uplink) {
        (_, Some(uplink)) => format!(
            "{device} takes over {uplink}'s DHCP lease: the distro's tool moves {uplink} into {device} and starts the DHCP client"
        ),
        (false, None) => {
            format!("{device} gets its address by DHCP: the distro's tool creates it and starts the DHCP client")
        }
        (true, None) => format!("{device} gets its address by DHCP and is down: the distro's tool brings it up"),
    }
}

fn bridge_set(kind: &WantedKind) -> BridgeSet {
    match kind {
        WantedKind::Bridge {
            stp,
            forward_delay,
            hello_time,
            max_age,
            priority,
        } => BridgeSet {
            stp: Some(*stp),
            forward_delay: *forward_delay,
            hello_time: *hello_time,
            max_age: *max_age,
            priority: *priority,
        },
        _ => BridgeSet::default(),
    }
}

fn same_kind(want: &WantedKind, have: &LinkKind) -> bool {
    matches!(
        (want, have),
        (WantedKind::Bridge { .. }, LinkKind::Bridge(_))
            | (WantedKind::Tap { .. }, LinkKind::Tap(_))
            | (WantedKind::Nic, _)
    )
}

fn describe(kind: &LinkKind) -> String {
    match kind {
        LinkKind::Bridge(_) => "a bridge".into(),
        LinkKind::Tap(_) => "a TAP".into(),
        LinkKind::Other { name } if name.is_empty() => "a device".into(),
        LinkKind::Other { name } => format!("a {name}"),
    }
}

fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

fn tap_text(user: Option<&String>, group: Option<&String>) -> String {
    format!(
        "now {}:{}",
        user.map_or("root", String::as_str),
        group.map_or("root", String::as_str)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::live::batch::{inverse, ip_batch, sysctl_argv};
    use crate::live::state::{BridgeAttributes, Link, TapAttributes};
    use crate::types::InterfaceName;

    fn name(text: &str) -> InterfaceName {
        text.parse().unwrap()
    }

    fn tap(text: &str, master: &str) -> WantedLink {
        WantedLink {
            name: name(text),
            kind: WantedKind::Tap {
                user: Some("qemu".into()),
                group: None,
                multi_queue: false,
                vnet_hdr: false,
            },
            master: Some(name(master)),
            mac: None,
            mtu: None,
            address: AddressConfig::None,
            routes: Vec::new(),
            link_routes: Vec::new(),
            wireless: false,
            origins: vec![TaskId(0)],
        }
    }

    fn bridge(text: &str, address: AddressConfig) -> WantedLink {
        WantedLink {
            name: name(text),
            kind: WantedKind::Bridge {
                stp: false,
                forward_delay: Some(Centiseconds(0)),
                hello_time: None,
                max_age: None,
                priority: None,
            },
            master: None,
            mac: None,
            mtu: None,
            address,
            routes: Vec::new(),
            link_routes: Vec::new(),
            wireless: false,
            origins: vec![TaskId(1)],
        }
    }

    fn nat(taps: &[&str]) -> Wanted {
        let mut links: Vec<WantedLink> = taps.iter().map(|t| tap(t, "br0")).collect();
        links.push(bridge(
            "br0",
            AddressConfig::Static(vec!["172.16.1.1/24".parse().unwrap()]),
        ));
        Wanted {
            links,
            sysctls: vec![("net.ipv4.ip_forward".into(), "1".into(), TaskId(2))],
        }
    }

    fn live_tap(index: u32, master: Option<&str>, user: &str) -> Link {
        Link {
            ifindex: index,
            kind: LinkKind::Tap(TapAttributes {
                user: Some(user.into()),
                group: None,
                multi_queue: false,
                vnet_hdr: false,
            }),
            master: master.map(str::to_owned),
            mac: None,
            mtu: 1500,
            up: true,
            addresses: Vec::new(),
            dynamic: Vec::new(),
        }
    }

    fn live_bridge(stp: bool) -> Link {
        Link {
            ifindex: 2,
            kind: LinkKind::Bridge(BridgeAttributes {
                stp,
                forward_delay: Centiseconds(if stp { 200 } else { 0 }),
                hello_time: Centiseconds(200),
                max_age: Centiseconds(2000),
                priority: 32_768,
            }),
            master: None,
            mac: None,
            mtu: 1500,
            up: true,
            addresses: vec!["172.16.1.1/24".parse().unwrap()],
            dynamic: Vec::new(),
        }
    }

    /// The host after the NAT network with `taps` came up.
    fn converged(taps: &[&str]) -> LiveState {
        let mut links = BTreeMap::new();
        links.insert("br0".to_owned(), live_bridge(false));
        for (index, t) in taps.iter().enumerate() {
            links.insert(
                (*t).to_owned(),
                live_tap(3 + u32::try_from(index).unwrap(), Some("br0"), "qemu"),
            );
        }
        LiveState {
            links,
            routes: Vec::new(),
            sysctls: [("net.ipv4.ip_forward".to_owned(), "1".to_owned())].into(),
        }
    }

    fn owned(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    fn ops(diff: &LiveDiff) -> Vec<&Op> {
        diff.changes.iter().map(|change| &change.op).collect()
    }

    #[test]
    fn an_empty_host_gets_everything_in_one_batch_in_dependency_order() {
        let live = LiveState {
            sysctls: [("net.ipv4.ip_forward".to_owned(), "0".to_owned())].into(),
            ..LiveState::default()
        };
        let diff = super::diff(&nat(&["tap0", "tap1"]), &live, &owned(&[])).unwrap();
        assert_eq!(
            ip_batch(ops(&diff)),
            "\
tuntap add dev tap0 mode tap user qemu
tuntap add dev tap1 mode tap user qemu
link add name br0 type bridge stp_state 0 forward_delay 0
link set dev tap0 master br0
link set dev tap1 master br0
address add 172.16.1.1/24 dev br0
link set dev tap0 up
link set dev tap1 up
link set dev br0 up
"
        );
        assert_eq!(
            sysctl_argv(ops(&diff)).unwrap(),
            ["sysctl", "-w", "net.ipv4.ip_forward=1"]
        );
        assert_eq!(diff.changes.last().unwrap().why, "net.ipv4.ip_forward: 0 → 1");
        assert!(diff.handovers.is_empty());
    }

    #[test]
    fn a_converged_host_needs_nothing() {
        let diff = super::diff(
            &nat(&["tap0", "tap1"]),
            &converged(&["tap0", "tap1"]),
            &owned(&["br0", "tap0", "tap1"]),
        )
        .unwrap();
        assert!(diff.is_empty(), "{diff:?}");
    }

    #[test]
    fn adding_a_guest_touches_only_its_tap() {
        let diff = super::diff(
            &nat(&["tap0", "tap1", "tap2"]),
            &converged(&["tap0", "tap1"]),
            &owned(&["br0", "tap0", "tap1"]),
        )
        .unwrap();
        assert_eq!(
            ip_batch(ops(&diff)),
            "tuntap add dev tap2 mode tap user qemu\nlink set dev tap2 master br0\nlink set dev tap2 up\n"
        );
        let whys: Vec<&str> = diff.changes.iter().map(|change| change.why.as_str()).collect();
        assert_eq!(whys, ["tap2: missing", "tap2: port of br0", "tap2: down"]);
    }

    #[test]
    fn removing_a_guest_deletes_only_what_hostnet_created() {
        let mut live = converged(&["tap0", "tap1", "tap2"]);
        // A guest's TAP from QEMU's bridge helper: not hostnet's, left alone.
        live.links.insert("tap9".into(), live_tap(9, Some("br0"), "qemu"));
        let diff = super::diff(&nat(&["tap0", "tap1"]), &live, &owned(&["br0", "tap0", "tap1", "tap2"])).unwrap();
        assert_eq!(ip_batch(ops(&diff)), "link del dev tap2\n");
        assert_eq!(diff.changes[0].why, "tap2: no longer in the playbook");
    }

    #[test]
    fn changing_stp_changes_only_the_bridge_attributes_together() {
        let mut wanted = nat(&["tap0"]);
        wanted.links[1].kind = WantedKind::Bridge {
            stp: true,
            forward_delay: Some(Centiseconds(400)),
            hello_time: None,
            max_age: None,
            priority: None,
        };
        let diff = super::diff(&wanted, &converged(&["tap0"]), &owned(&["br0", "tap0"])).unwrap();
        assert_eq!(
            ip_batch(ops(&diff)),
            "link set dev br0 type bridge stp_state 1 forward_delay 400\n"
        );
        assert_eq!(diff.changes[0].why, "br0: stp off → on, forward_delay 0 → 4 s");
    }

    #[test]
    fn a_tap_with_another_owner_is_recreated_and_says_so() {
        let mut live = converged(&["tap0"]);
        live.links.insert("tap0".into(), live_tap(3, Some("br0"), "nobody"));
        let diff = super::diff(&nat(&["tap0"]), &live, &owned(&["br0", "tap0"])).unwrap();
        assert_eq!(
            ip_batch(ops(&diff)),
            "link del dev tap0\ntuntap add dev tap0 mode tap user qemu\nlink set dev tap0 master br0\nlink set dev tap0 up\n"
        );
        assert_eq!(
            diff.changes[0].why,
            "tap0: owner or flags differ (now nobody:root); recreated, so a guest attached to it loses its NIC"
        );
    }

    #[test]
    fn a_device_of_another_kind_is_never_replaced() {
        let mut live = LiveState::default();
        let mut veth = live_tap(7, None, "x");
        veth.kind = LinkKind::Other { name: "veth".into() };
        live.links.insert("tap0".into(), veth);
        let conflicts = diff(&nat(&["tap0"]), &live, &owned(&[])).unwrap_err();
        assert_eq!(
            conflicts[0].to_string(),
            "`tap0` exists on the host as a veth, not as a TAP; hostnet does not replace a device it did not create"
        );
    }

    #[test]
    fn a_dhcp_bridge_is_handed_to_the_distro_tool_with_its_ports() {
        let uplink = WantedLink {
            name: name("eth0"),
            kind: WantedKind::Nic,
            master: Some(name("br0")),
            mac: None,
            mtu: None,
            address: AddressConfig::None,
            routes: Vec::new(),
            link_routes: Vec::new(),
            wireless: false,
            origins: vec![TaskId(3)],
        };
        let wanted = Wanted {
            links: vec![uplink.clone(), tap("tap0", "br0"), bridge("br0", AddressConfig::Dhcp)],
            sysctls: Vec::new(),
        };
        let mut live = LiveState::default();
        let mut eth0 = live_tap(2, None, "x");
        eth0.kind = LinkKind::Other { name: "veth".into() };
        live.links.insert("eth0".into(), eth0);
        let diff = super::diff(&wanted, &live, &owned(&[])).unwrap();
        assert!(diff.changes.is_empty(), "{diff:?}");
        assert_eq!(
            diff.handovers,
            [Handover {
                device: "br0".into(),
                reason:
                    "br0 takes over eth0's DHCP lease: the distro's tool moves eth0 into br0 and starts the DHCP client"
                        .into()
            }]
        );
        // Once up with the uplink on it, a new TAP joins without the tool.
        let mut live = converged(&[]);
        if let Some(bridge) = live.links.get_mut("br0") {
            bridge.addresses.clear();
            bridge.dynamic = vec!["192.0.2.50/24".parse().unwrap()];
        }
        let mut eth0 = live_tap(5, Some("br0"), "x");
        eth0.kind = LinkKind::Other { name: "veth".into() };
        live.links.insert("eth0".into(), eth0);
        let diff = super::diff(&wanted, &live, &owned(&["br0"])).unwrap();
        assert!(diff.handovers.is_empty());
        assert_eq!(
            ip_batch(ops(&diff)),
            "tuntap add dev tap0 mode tap user qemu\nlink set dev tap0 master br0\nlink set dev tap0 up\n"
        );
    }

    /// Issue #10 on the live root: a proxy-ARP bridge's per-guest host
    /// routes are on its link (no gateway), and go through `ip` like the
    /// others, once; a bridge whose wireless port is not enslaved yet is the
    /// distro tool's (4-address mode is `iw`'s, not `ip`'s).
    #[test]
    fn link_routes_through_ip_and_a_wireless_port_through_the_distro_tool() {
        let mut wanted = nat(&["tap0"]);
        wanted.links[1].link_routes = vec!["172.16.1.50/32".parse().unwrap()];
        let mut live = converged(&["tap0"]);
        let diff = super::diff(&wanted, &live, &owned(&["br0", "tap0"])).unwrap();
        assert_eq!(ip_batch(ops(&diff)), "route replace 172.16.1.50/32 dev br0\n");
        assert_eq!(diff.changes[0].why, "br0: route 172.16.1.50/32 on the link missing");
        assert_eq!(
            inverse(&diff.changes[0].op, &live).unwrap(),
            [Op::DelRoute {
                name: "br0".into(),
                route: RouteSpec {
                    to: Some("172.16.1.50/32".parse().unwrap()),
                    via: None,
                    metric: None
                }
            }]
        );
        live.routes.push(crate::live::state::LiveRoute {
            to: Some("172.16.1.50/32".parse().unwrap()),
            via: None,
            dev: "br0".into(),
            metric: None,
        });
        assert!(
            super::diff(&wanted, &live, &owned(&["br0", "tap0"]))
                .unwrap()
                .is_empty()
        );

        let wlan0 = WantedLink {
            name: name("wlan0"),
            kind: WantedKind::Nic,
            master: Some(name("br0")),
            mac: None,
            mtu: None,
            address: AddressConfig::None,
            routes: Vec::new(),
            link_routes: Vec::new(),
            wireless: true,
            origins: vec![TaskId(3)],
        };
        wanted.links.insert(0, wlan0);
        let mut station = live_tap(9, None, "x");
        station.kind = LinkKind::Other { name: String::new() };
        live.links.insert("wlan0".into(), station.clone());
        let diff = super::diff(&wanted, &live, &owned(&["br0", "tap0"])).unwrap();
        assert!(diff.changes.is_empty(), "{diff:?}");
        assert_eq!(
            diff.handovers,
            [Handover {
                device: "br0".into(),
                reason: "br0's wireless port wlan0 is enslaved only in 4-address mode, which the distro's tool \
                         sets (`iw`) before it moves wlan0 into br0"
                    .into()
            }]
        );
        station.master = Some("br0".into());
        live.links.insert("wlan0".into(), station);
        assert!(
            super::diff(&wanted, &live, &owned(&["br0", "tap0"]))
                .unwrap()
                .is_empty()
        );

        // A device's own parameter is undone to `conf.default`'s value, what
        // it had when the device appeared.
        assert_eq!(
            crate::live::batch::device_default("net.ipv4.conf.br0.proxy_arp").as_deref(),
            Some("net.ipv4.conf.default.proxy_arp")
        );
        assert_eq!(crate::live::batch::device_default("net.ipv4.conf.all.proxy_arp"), None);
        assert_eq!(crate::live::batch::device_default("net.ipv4.ip_forward"), None);
        live.sysctls
            .insert("net.ipv4.conf.default.proxy_arp".into(), "0".into());
        assert_eq!(
            inverse(
                &Op::Sysctl {
                    key: "net.ipv4.conf.br0.proxy_arp".into(),
                    value: "1".into()
                },
                &live
            )
            .unwrap(),
            [Op::Sysctl {
                key: "net.ipv4.conf.br0.proxy_arp".into(),
                value: "0".into()
            }]
        );
    }

    #[test]
    fn every_operation_has_its_inverse_against_the_state_before() {
        let before = converged(&["tap0"]);
        let inverse_of = |op: Op| ip_batch(&inverse(&op, &before).unwrap());
        assert_eq!(
            inverse_of(Op::AddAddress {
                name: "br0".into(),
                address: "10.0.0.1/24".parse().unwrap()
            }),
            "address del 10.0.0.1/24 dev br0\n"
        );
        assert_eq!(
            inverse_of(Op::SetBridge {
                name: "br0".into(),
                set: BridgeSet {
                    stp: Some(true),
                    ..BridgeSet::default()
                }
            }),
            "link set dev br0 type bridge stp_state 0\n\
             link set dev br0 type bridge forward_delay 0 hello_time 200 max_age 2000 priority 32768\n"
        );
        assert_eq!(
            inverse_of(Op::Delete { name: "tap0".into() }),
            "tuntap add dev tap0 mode tap user qemu\nlink set dev tap0 mtu 1500\nlink set dev tap0 master br0\nlink set dev tap0 up\n"
        );
        assert_eq!(
            inverse_of(Op::CreateTap {
                name: "tap5".into(),
                user: None,
                group: None,
                multi_queue: false,
                vnet_hdr: false
            }),
            "link del dev tap5\n"
        );
        assert_eq!(
            inverse(
                &Op::Sysctl {
                    key: "net.ipv4.ip_forward".into(),
                    value: "0".into()
                },
                &before
            )
            .unwrap(),
            [Op::Sysctl {
                key: "net.ipv4.ip_forward".into(),
                value: "1".into()
            }]
        );
    }
}
