//! systemd-networkd: `.netdev` and `.network` files under
//! `/etc/systemd/network/`, one pair per device, named `10-hostnet-NAME.*`.
//!
//! Pure: the model in, changes out. Traps this writer gets right (all verified
//! by running networkd 252 on rendered files, see `reference/distro-tools.md`):
//!
//! - Bridge timers are `ForwardDelaySec=`, `HelloTimeSec=`, `MaxAgeSec=`
//!   (systemd time spans: `2`, `1.5`), `STP=yes|no`.
//! - The first matching `.network` in lexical order wins, so every file
//!   matches one exact name, never `Name=*`.
//! - A bridge with no `.network` stays unmanaged and down: every bridge gets
//!   one, with `LinkLocalAddressing=no` when it carries no address.
//! - A bridge whose ports are all carrier-less TAPs (or that has no ports)
//!   needs `ConfigureWithoutCarrier=yes` to get its address before a guest
//!   starts; so does a TAP.
//! - Every bridge gets `MACAddress=` (its uplink's MAC, see the topology):
//!   without it networkd generates one of its own, not the uplink's.
//! - A device's `proxy_arp` is `IPv4ProxyARP=` (networkd sets it when it
//!   configures the link; udev's sysctl rule also applies sysctl.d then).
//! - networkd cannot put a wireless port in 4-address mode: a warning says
//!   what to run.
//! - networkd, not the kernel, takes router advertisements on the links it
//!   configures, and its `IPv6AcceptRA=` default is off once IP forwarding
//!   is on: an interface the model keeps accepting them on
//!   (`net.ipv6.conf.IF.accept_ra = 2`, `vm_network` sets it on its uplink)
//!   gets `IPv6AcceptRA=yes` — in hostnet's file when hostnet configures
//!   it, else in a drop-in `hostnet-accept-ra.conf` beside the host's own
//!   `.network` that matches it (facts: `networkd.rs`), so the host keeps
//!   its IPv6 default route.

use std::net::IpAddr;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Change, Command, Guard, Planned, ServiceAction, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Distro, Facts, Init};
use hostnet_engine::model::topology::{BridgeDevice, DeviceSysctl, TapDevice, Topology};
use hostnet_engine::model::{AddressConfig, Bridge, HostModel, Interface, Route, Tap, sysctl};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{FileMode, InterfaceName};
use ipnet::IpNet;

/// Where networkd reads its configuration.
const DIRECTORY: &str = "/etc/systemd/network";

/// `.netdev`/`.network` files for systemd-networkd.
pub(crate) struct SystemdNetworkd;

impl Backend for SystemdNetworkd {
    fn id(&self) -> BackendId {
        BackendId::new("systemd-networkd")
    }

    fn target(&self) -> Target {
        Target::Network
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if facts.init != Init::Systemd {
            return Detection::Unsupported(format!(
                "systemd-networkd runs under systemd, and this host's init is {}",
                facts.init.display_name()
            ));
        }
        if facts.runs("NetworkManager") {
            // NetworkManager configures this host's network: networkd beside
            // it would fight over the same devices (it then gets the
            // unmanaged-devices drop-in, see `network_manager.rs`).
            return Detection::Supported;
        }
        match facts.distro {
            Distro::Ubuntu | Distro::Systemd => Detection::Preferred,
            Distro::Gentoo | Distro::Debian => Detection::Supported,
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_network()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let keep_ra = keeps_router_advertisements(desired.model);
        let (drop_ins, dirs) = accept_ra_drop_ins(desired, &keep_ra);
        let mut changes = render(&desired.topology, &keep_ra, &dirs);
        changes.extend(drop_ins);
        crate::netplan::check(desired)?;
        changes.extend(crate::firewall_needs::bridges(desired));
        changes.extend(crate::uplink::warnings(
            desired,
            crate::uplink::FourAddr::NotSet("systemd-networkd"),
        ));
        Ok(changes)
    }
}

/// An INI file being written: sections of `Key=value` lines.
struct Unit {
    text: String,
}

impl Unit {
    fn new() -> Self {
        Self {
            text: String::from("# Managed by hostnet: edit the playbook, not this file.\n"),
        }
    }

    fn section(&mut self, name: &str) {
        self.text.push_str(&format!("\n[{name}]\n"));
    }

    fn key(&mut self, key: &str, value: impl std::fmt::Display) {
        self.text.push_str(&format!("{key}={value}\n"));
    }
}

/// One rendered file and the tasks that fed it.
struct File {
    name: String,
    unit: Unit,
    origins: Vec<TaskId>,
}

/// The interfaces whose router advertisements must keep counting with
/// IPv6 forwarding on: `net.ipv6.conf.IF.accept_ra = 2` (or the slash
/// form) in a model that turns `net.ipv6.conf.all.forwarding` on.
fn keeps_router_advertisements(model: &HostModel) -> Vec<(String, TaskId)> {
    let forwarding = model
        .sysctls
        .iter()
        .any(|sysctl| sysctl::normalise(&sysctl.name) == "net.ipv6.conf.all.forwarding" && sysctl.value.trim() != "0");
    if !forwarding {
        return Vec::new();
    }
    model
        .sysctls
        .iter()
        .filter(|sysctl| sysctl.value.trim() == "2")
        .filter_map(|sysctl| match sysctl::components(&sysctl.name).as_slice() {
            [net, ipv6, conf, interface, key]
                if net == "net"
                    && ipv6 == "ipv6"
                    && conf == "conf"
                    && key == "accept_ra"
                    && !matches!(interface.as_str(), "all" | "default") =>
            {
                Some((interface.clone(), sysctl.origin.task))
            }
            _ => None,
        })
        .collect()
}

/// `IPv6AcceptRA=yes` in the unit of `name`, if the model keeps its router
/// advertisements and the unit takes them at all (`takes_ra`: it has an
/// address, so link-local addressing is on, and is no private bridge,
/// which says `IPv6AcceptRA=no`).
fn accept_ra(file: &mut File, name: &InterfaceName, takes_ra: bool, keep_ra: &[(String, TaskId)]) {
    let Some((_, task)) = keep_ra.iter().find(|(interface, _)| interface == name.as_str()) else {
        return;
    };
    if !takes_ra {
        return;
    }
    file.unit.key("IPv6AcceptRA", "yes");
    if !file.origins.contains(task) {
        file.origins.push(*task);
    }
}

/// The drop-in name beside a host's own `.network` file.
const ACCEPT_RA_DROP_IN: &str = "hostnet-accept-ra.conf";

/// For an interface the model keeps taking router advertisements on that
/// hostnet does not configure but the host's own `.network` file does: a
/// drop-in with `IPv6AcceptRA=yes` in `/etc/systemd/network/FILE.d/`.
/// Every such directory of the host's files for its interfaces is pruned of
/// hostnet's drop-ins the plan no longer writes.
fn accept_ra_drop_ins(desired: &Desired<'_>, keep_ra: &[(String, TaskId)]) -> (Vec<Planned>, Vec<SysPath>) {
    let ours = |path: &SysPath| path.file_name().starts_with("10-hostnet-");
    let configured = |name: &str| {
        desired
            .topology
            .nics
            .iter()
            .any(|interface| interface.name.as_str() == name)
            || desired
                .topology
                .bridges
                .iter()
                .any(|device| device.bridge.name.as_str() == name)
    };
    let mut changes = Vec::new();
    let mut dirs: Vec<SysPath> = Vec::new();
    for fact in &desired.facts.interfaces {
        let Some(file) = fact.networkd.as_ref().filter(|file| !ours(file)) else {
            continue;
        };
        let dir = SysPath::from_static(format!("{DIRECTORY}/{}.d", file.file_name()));
        if dirs.contains(&dir) {
            continue;
        }
        let keep = keep_ra
            .iter()
            .find(|(interface, _)| interface == fact.name.as_str() && !configured(interface));
        if let Some((interface, task)) = keep {
            let text = format!(
                "# Managed by hostnet: edit the playbook, not this file.\n\
                 # {interface} forwards IPv6 for guests and keeps taking the LAN's router\n\
                 # advertisements (its IPv6 default route): networkd's IPv6AcceptRA=\n\
                 # default is off once forwarding is on. Beside {file}.\n\
                 \n[Network]\nIPv6AcceptRA=yes\n"
            );
            changes.push(Planned::from_tasks(
                Change::File {
                    path: SysPath::from_static(format!("{}/{ACCEPT_RA_DROP_IN}", dir.as_str())),
                    content: text,
                    mode: FileMode(0o644),
                    owner: None,
                    group: None,
                },
                [*task],
            ));
        }
        dirs.push(dir);
    }
    let origins: Vec<TaskId> = keep_ra.iter().map(|(_, task)| *task).collect();
    for dir in &dirs {
        changes.push(Planned::from_tasks(
            Change::Prune {
                dir: dir.clone(),
                prefix: "hostnet-".into(),
            },
            origins.iter().copied(),
        ));
    }
    (changes, dirs)
}

/// hostnet's `.netdev`/`.network` files, the prune of those no longer
/// declared, and `networkctl reload` when anything changed in them or in
/// `drop_ins` (the accept-RA drop-in directories).
fn render(topology: &Topology<'_>, keep_ra: &[(String, TaskId)], drop_ins: &[SysPath]) -> Vec<Planned> {
    let mut files = Vec::new();
    for device in &topology.bridges {
        let bridge = device.bridge;
        files.push(bridge_netdev(device));
        let mut network = bridge_network(device);
        let takes_ra = !matches!(bridge.address, AddressConfig::None) && !device.only_taps();
        accept_ra(&mut network, &bridge.name, takes_ra, keep_ra);
        files.push(network);
        for port in &device.ports {
            if let Some(tap) = port.tap() {
                files.push(tap_netdev(tap));
                files.push(port_network(&tap.name, bridge, None, Some(tap)));
            } else {
                files.push(port_network(port.name, bridge, port.config, None));
            }
        }
    }
    for device in &topology.taps {
        files.push(tap_netdev(device.tap));
        files.push(standalone_tap_network(device));
    }
    for interface in &topology.nics {
        let mut network = interface_network(interface);
        let takes_ra = !matches!(interface.address, AddressConfig::None);
        accept_ra(&mut network, &interface.name, takes_ra, keep_ra);
        files.push(network);
    }
    let paths: Vec<SysPath> = files
        .iter()
        .map(|file| SysPath::from_static(format!("{DIRECTORY}/{}", file.name)))
        .collect();
    let origins: Vec<TaskId> = files.iter().flat_map(|file| file.origins.iter().copied()).collect();
    let mut changes: Vec<Planned> = files
        .into_iter()
        .zip(&paths)
        .map(|(file, path)| {
            Planned::from_tasks(
                Change::File {
                    path: path.clone(),
                    content: file.unit.text,
                    mode: FileMode(0o644),
                    owner: None,
                    group: None,
                },
                file.origins,
            )
        })
        .collect();
    // hostnet's files of devices the playbook no longer declares go.
    changes.push(Planned::from_tasks(
        Change::Prune {
            dir: SysPath::from_static(DIRECTORY),
            prefix: "10-hostnet-".into(),
        },
        origins.iter().copied(),
    ));
    changes.push(Planned::from_tasks(
        Change::Service {
            name: "systemd-networkd".into(),
            action: ServiceAction::Enable,
        },
        origins.iter().copied(),
    ));
    // Any change among hostnet's files there (written or pruned) reloads,
    // as does one among the accept-RA drop-ins.
    drop(paths);
    let mut origins = origins;
    if !drop_ins.is_empty() {
        origins.extend(keep_ra.iter().map(|(_, task)| *task));
    }
    let mut dirs = vec![SysPath::from_static(DIRECTORY)];
    dirs.extend(drop_ins.iter().cloned());
    changes.push(Planned::from_tasks(
        Change::Command(Command {
            argv: vec!["networkctl".into(), "reload".into()],
            guard: Guard::ChangedUnder {
                dirs,
                unless: Vec::new(),
            },
            effects: Vec::new(),
        }),
        origins,
    ));
    changes
}

fn file_name(name: &InterfaceName, extension: &str) -> String {
    format!("10-hostnet-{name}.{extension}")
}

fn bridge_netdev(device: &BridgeDevice<'_>) -> File {
    let bridge = device.bridge;
    let mut unit = Unit::new();
    unit.section("NetDev");
    unit.key("Name", &bridge.name);
    unit.key("Kind", "bridge");
    if let Some(mac) = device.mac.mac() {
        unit.key("MACAddress", mac);
    }
    unit.section("Bridge");
    unit.key("STP", if bridge.stp { "yes" } else { "no" });
    let timers = [
        ("ForwardDelaySec", &bridge.forward_delay),
        ("HelloTimeSec", &bridge.hello_time),
        ("MaxAgeSec", &bridge.max_age),
    ];
    for (key, time) in timers {
        if let Some(time) = time {
            unit.key(key, time.value.seconds_text());
        }
    }
    if let Some(priority) = bridge.priority {
        unit.key("Priority", priority);
    }
    File {
        name: file_name(&bridge.name, "netdev"),
        unit,
        origins: device.origins(),
    }
}

fn bridge_network(device: &BridgeDevice<'_>) -> File {
    let bridge = device.bridge;
    let mut unit = Unit::new();
    unit.section("Match");
    unit.key("Name", &bridge.name);
    if let Some(mtu) = bridge.mtu {
        // Not `MTUBytes=` in the .netdev: an MTU given at creation is not
        // "set by the user" for the kernel, which then lowers or raises the
        // bridge to its ports' minimum as they join (verified: 1400 became
        // 1500). Set on the configured link, it sticks.
        unit.section("Link");
        unit.key("MTUBytes", mtu);
    }
    unit.section("Network");
    addresses(&mut unit, &bridge.address);
    dns(&mut unit, device.dns());
    proxy_arp(&mut unit, &device.sysctls);
    if device.only_taps() {
        unit.key("ConfigureWithoutCarrier", "yes");
        // A private bridge (guests only): a guest's router advertisement must
        // not change the host's IPv6 routing, and networkd must not wait ~10 s
        // for one before the bridge counts as configured.
        unit.key("IPv6AcceptRA", "no");
    }
    // Routes for the bridge come from an `interface` item of its name and its `gateway`.
    routes(&mut unit, &device.routes(), device.link_routes());
    File {
        name: file_name(&bridge.name, "network"),
        unit,
        origins: device.origins(),
    }
}

fn tap_netdev(tap: &Tap) -> File {
    let mut unit = Unit::new();
    unit.section("NetDev");
    unit.key("Name", &tap.name);
    unit.key("Kind", "tap");
    if let Some(mac) = tap.mac {
        unit.key("MACAddress", mac);
    }
    if tap.user.is_some() || tap.group.is_some() || tap.multi_queue || tap.vnet_hdr {
        unit.section("Tap");
        if let Some(user) = &tap.user {
            unit.key("User", &user.value);
        }
        if let Some(group) = &tap.group {
            unit.key("Group", &group.value);
        }
        if tap.multi_queue {
            unit.key("MultiQueue", "yes");
        }
        if tap.vnet_hdr {
            unit.key("VNetHeader", "yes");
        }
    }
    File {
        name: file_name(&tap.name, "netdev"),
        unit,
        origins: vec![tap.origin.task],
    }
}

/// A bridge port: a TAP or an existing NIC.
fn port_network(name: &InterfaceName, bridge: &Bridge, interface: Option<&Interface>, tap: Option<&Tap>) -> File {
    let mut unit = Unit::new();
    unit.section("Match");
    unit.key("Name", name);
    link(&mut unit, interface);
    unit.section("Network");
    unit.key("Bridge", &bridge.name);
    if tap.is_some() {
        unit.key("ConfigureWithoutCarrier", "yes");
    }
    let mut origins = vec![bridge.origin.task];
    origins.extend(tap.map(|tap| tap.origin.task));
    origins.extend(interface.map(|interface| interface.origin.task));
    File {
        name: file_name(name, "network"),
        unit,
        origins,
    }
}

fn standalone_tap_network(device: &TapDevice<'_>) -> File {
    let (tap, interface) = (device.tap, device.config);
    let mut unit = Unit::new();
    unit.section("Match");
    unit.key("Name", &tap.name);
    link(&mut unit, interface);
    unit.section("Network");
    addresses(&mut unit, interface.map_or(&AddressConfig::None, |i| &i.address));
    dns(&mut unit, interface.map_or(&[][..], |i| &i.dns));
    proxy_arp(&mut unit, &device.sysctls);
    unit.key("ConfigureWithoutCarrier", "yes");
    routes(
        &mut unit,
        interface.map_or(&[][..], |i| &i.routes),
        interface.map_or(&[][..], |i| &i.link_routes),
    );
    let mut origins = vec![tap.origin.task];
    origins.extend(interface.map(|interface| interface.origin.task));
    File {
        name: file_name(&tap.name, "network"),
        unit,
        origins,
    }
}

fn interface_network(interface: &Interface) -> File {
    let mut unit = Unit::new();
    unit.section("Match");
    unit.key("Name", &interface.name);
    link(&mut unit, Some(interface));
    unit.section("Network");
    addresses(&mut unit, &interface.address);
    dns(&mut unit, &interface.dns);
    routes(&mut unit, &interface.routes, &interface.link_routes);
    File {
        name: file_name(&interface.name, "network"),
        unit,
        origins: vec![interface.origin.task],
    }
}

/// `[Link]` for an interface's MAC and MTU.
fn link(unit: &mut Unit, interface: Option<&Interface>) {
    let Some(interface) = interface else { return };
    if interface.mac.is_none() && interface.mtu.is_none() {
        return;
    }
    unit.section("Link");
    if let Some(mac) = interface.mac {
        unit.key("MACAddress", mac);
    }
    if let Some(mtu) = interface.mtu {
        unit.key("MTUBytes", mtu);
    }
}

/// `DHCP=`, `Address=`, or no address at all (`LinkLocalAddressing=no`, else
/// networkd would give the link an IPv6 link-local address).
fn addresses(unit: &mut Unit, address: &AddressConfig) {
    match address {
        AddressConfig::Dhcp => unit.key("DHCP", "ipv4"),
        AddressConfig::Static(addresses) => {
            for address in addresses {
                unit.key("Address", address);
            }
        }
        AddressConfig::None => unit.key("LinkLocalAddressing", "no"),
    }
}

/// `DNS=`, one per server.
fn dns(unit: &mut Unit, servers: &[IpAddr]) {
    for server in servers {
        unit.key("DNS", server);
    }
}

/// `IPv4ProxyARP=` for a device's `proxy_arp` parameter.
fn proxy_arp(unit: &mut Unit, sysctls: &[DeviceSysctl]) {
    for sysctl in sysctls {
        if sysctl.family == "ipv4" && sysctl.key == "proxy_arp" {
            unit.key("IPv4ProxyARP", if sysctl.value == "0" { "no" } else { "yes" });
        }
    }
}

/// Routes through a gateway, and routes on the link (no `Gateway=`: scope link).
fn routes(unit: &mut Unit, routes: &[Route], link_routes: &[IpNet]) {
    for to in link_routes {
        unit.section("Route");
        unit.key("Destination", to.trunc());
    }
    for route in routes {
        unit.section("Route");
        if let Some(to) = route.to {
            unit.key("Destination", to);
        }
        unit.key("Gateway", route.via);
        if let Some(metric) = route.metric {
            unit.key("Metric", metric);
        }
    }
}

#[cfg(test)]
mod tests {
    use hostnet_engine::types::Centiseconds;

    use super::*;
    use crate::fixtures::*;

    /// Every file as `==> NAME <==` + content, like `tail` prints several files.
    fn files(changes: &[Planned]) -> String {
        let mut out = String::new();
        for planned in changes {
            if let Change::File {
                path, content, mode, ..
            } = &planned.change
            {
                assert_eq!(*mode, FileMode(0o644));
                out.push_str(&format!("==> {path} <==\n{content}"));
            }
        }
        out
    }

    fn tail(changes: &[Planned]) -> (&Change, &Change) {
        (&changes[changes.len() - 2].change, &changes[changes.len() - 1].change)
    }

    #[test]
    fn bridged_uplink_with_a_tap() {
        let changes = render(&Topology::of(&scenario_bridged(), &facts(Distro::Systemd)), &[], &[]);
        assert_eq!(
            files(&changes),
            "\
==> /etc/systemd/network/10-hostnet-br0.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=br0
Kind=bridge

[Bridge]
STP=yes
ForwardDelaySec=2
HelloTimeSec=1
==> /etc/systemd/network/10-hostnet-br0.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=br0

[Network]
DHCP=ipv4
==> /etc/systemd/network/10-hostnet-eth0.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=eth0

[Network]
Bridge=br0
==> /etc/systemd/network/10-hostnet-tap0.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=tap0
Kind=tap

[Tap]
User=qemu
Group=kvm
==> /etc/systemd/network/10-hostnet-tap0.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=tap0

[Network]
Bridge=br0
ConfigureWithoutCarrier=yes
"
        );
        let origins: Vec<Vec<TaskId>> = changes.iter().map(|planned| planned.origins.clone()).collect();
        assert_eq!(
            origins[..5],
            [
                vec![TaskId(1)],
                vec![TaskId(1)],
                vec![TaskId(1), TaskId(2)],
                vec![TaskId(0)],
                vec![TaskId(0), TaskId(1)],
            ]
        );
        let (service, reload) = tail(&changes);
        assert_eq!(
            *service,
            Change::Service {
                name: "systemd-networkd".into(),
                action: ServiceAction::Enable
            }
        );
        match reload {
            Change::Command(command) => {
                assert_eq!(command.argv, ["networkctl", "reload"]);
                assert_eq!(
                    command.guard,
                    Guard::ChangedUnder {
                        dirs: vec![SysPath::from_static(DIRECTORY)],
                        unless: Vec::new()
                    }
                );
                assert_eq!(
                    changes[5].change,
                    Change::Prune {
                        dir: SysPath::from_static(DIRECTORY),
                        prefix: "10-hostnet-".into()
                    }
                );
            }
            other => panic!("expected networkctl reload, got {other:?}"),
        }
        assert_eq!(changes[6].origins, [TaskId(0), TaskId(1), TaskId(2)]);
    }

    #[test]
    fn host_only_tap() {
        let changes = render(&Topology::of(&scenario_host_only(), &facts(Distro::Systemd)), &[], &[]);
        assert_eq!(
            files(&changes),
            "\
==> /etc/systemd/network/10-hostnet-tap1.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=tap1
Kind=tap

[Tap]
User=qemu
Group=kvm
==> /etc/systemd/network/10-hostnet-tap1.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=tap1

[Network]
Address=172.16.2.1/24
ConfigureWithoutCarrier=yes
"
        );
        assert_eq!(changes[1].origins, [TaskId(0), TaskId(1)]);
    }

    #[test]
    fn private_bridge_with_three_taps() {
        let changes = render(&Topology::of(&scenario_private(), &facts(Distro::Systemd)), &[], &[]);
        let text = files(&changes);
        let expected_bridge = "\
==> /etc/systemd/network/10-hostnet-br0.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=br0
Kind=bridge
MACAddress=02:75:d9:2e:4b:5a

[Bridge]
STP=no
ForwardDelaySec=0
==> /etc/systemd/network/10-hostnet-br0.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=br0

[Network]
Address=172.16.1.1/24
ConfigureWithoutCarrier=yes
IPv6AcceptRA=no
";
        let tap = |n: u32| {
            format!(
                "\
==> /etc/systemd/network/10-hostnet-tap{n}.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=tap{n}
Kind=tap

[Tap]
User=qemu
Group=kvm
==> /etc/systemd/network/10-hostnet-tap{n}.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=tap{n}

[Network]
Bridge=br0
ConfigureWithoutCarrier=yes
"
            )
        };
        assert_eq!(text, format!("{expected_bridge}{}{}{}", tap(0), tap(1), tap(2)));
        let (_, reload) = tail(&changes);
        let Change::Command(command) = reload else {
            panic!("expected networkctl reload")
        };
        assert_eq!(
            command.guard,
            Guard::ChangedUnder {
                dirs: vec![SysPath::from_static(DIRECTORY)],
                unless: Vec::new()
            }
        );
        assert!((0..8).all(|i| {
            path_of(&changes[i])
                .as_str()
                .starts_with("/etc/systemd/network/10-hostnet-")
        }));
    }

    fn path_of(planned: &Planned) -> SysPath {
        match &planned.change {
            Change::File { path, .. } => path.clone(),
            other => panic!("expected a file, got {other:?}"),
        }
    }

    #[test]
    fn everything_else_an_interface_can_carry() {
        let mut model = HostModel::default();
        let mut lan = interface(
            0,
            "eth2",
            AddressConfig::Static(vec![net("192.0.2.10/24"), net("2001:db8::10/64")]),
        );
        lan.mtu = Some(1400);
        lan.mac = Some(mac("52:54:00:00:00:02"));
        lan.routes = vec![
            route(None, "192.0.2.1", Some(10)),
            route(Some("198.51.100.0/24"), "192.0.2.254", None),
        ];
        model.interfaces.push(lan);
        let mut bridge = bridge(1, "br1", &[], AddressConfig::None);
        bridge.mac = Some(mac("02:00:00:00:00:01"));
        bridge.mtu = Some(1450);
        bridge.stp = true;
        bridge.max_age = Some(at(Centiseconds(1200)));
        bridge.hello_time = Some(at(Centiseconds(150)));
        bridge.priority = Some(4096);
        model.bridges.push(bridge);
        let mut tap = qemu_tap(2, "tap5");
        tap.multi_queue = true;
        tap.vnet_hdr = true;
        tap.mac = Some(mac("02:00:00:00:00:05"));
        tap.user = None;
        tap.group = None;
        model.taps.push(tap);
        let changes = render(&Topology::of(&model, &facts(Distro::Systemd)), &[], &[]);
        assert_eq!(
            files(&changes),
            "\
==> /etc/systemd/network/10-hostnet-br1.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=br1
Kind=bridge
MACAddress=02:00:00:00:00:01

[Bridge]
STP=yes
HelloTimeSec=1.5
MaxAgeSec=12
Priority=4096
==> /etc/systemd/network/10-hostnet-br1.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=br1

[Link]
MTUBytes=1450

[Network]
LinkLocalAddressing=no
ConfigureWithoutCarrier=yes
IPv6AcceptRA=no
==> /etc/systemd/network/10-hostnet-tap5.netdev <==
# Managed by hostnet: edit the playbook, not this file.

[NetDev]
Name=tap5
Kind=tap
MACAddress=02:00:00:00:00:05

[Tap]
MultiQueue=yes
VNetHeader=yes
==> /etc/systemd/network/10-hostnet-tap5.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=tap5

[Network]
LinkLocalAddressing=no
ConfigureWithoutCarrier=yes
==> /etc/systemd/network/10-hostnet-eth2.network <==
# Managed by hostnet: edit the playbook, not this file.

[Match]
Name=eth2

[Link]
MACAddress=52:54:00:00:00:02
MTUBytes=1400

[Network]
Address=192.0.2.10/24
Address=2001:db8::10/64

[Route]
Gateway=192.0.2.1
Metric=10

[Route]
Destination=198.51.100.0/24
Gateway=192.0.2.254
"
        );
    }

    fn sysctl(task: usize, name: &str, value: &str) -> hostnet_engine::model::Sysctl {
        hostnet_engine::model::Sysctl {
            name: name.into(),
            value: value.into(),
            origin: origin(task),
        }
    }

    /// A nat uplink that keeps taking advertisements with forwarding on:
    /// `eth0` (the host's own netplan file) gets the drop-in, `eth2`
    /// (hostnet's interface) the key in hostnet's file; a slash-form key
    /// counts too, `all`/`default` do not.
    #[test]
    fn interfaces_that_keep_router_advertisements_accept_them_in_networkd() {
        let mut model = HostModel::default();
        model
            .interfaces
            .push(interface(0, "eth2", AddressConfig::Static(vec![net("192.0.2.10/24")])));
        model.sysctls = vec![
            sysctl(1, "net.ipv6.conf.eth0.accept_ra", "2"),
            sysctl(1, "net/ipv6/conf/eth2/accept_ra", "2"),
            sysctl(1, "net.ipv6.conf.default.accept_ra", "2"),
            sysctl(2, "net.ipv6.conf.all.forwarding", "1"),
        ];
        let mut facts = facts(Distro::Systemd);
        facts.interfaces.push(hostnet_engine::facts::InterfaceFact {
            name: name("eth0"),
            mac: None,
            wireless: false,
            addresses: Vec::new(),
            accept_ra: None,
            networkd: Some(SysPath::from_static("/run/systemd/network/10-netplan-eth0.network")),
            gateway: None,
        });
        let desired = Desired::new(&model, &facts);
        let changes = SystemdNetworkd.render(&desired).unwrap();
        let text = files(&changes);
        assert!(
            text.contains("==> /etc/systemd/network/10-hostnet-eth2.network <==\n# Managed by hostnet: edit the playbook, not this file.\n\n[Match]\nName=eth2\n\n[Network]\nAddress=192.0.2.10/24\nIPv6AcceptRA=yes\n"),
            "{text}"
        );
        assert!(
            text.ends_with("==> /etc/systemd/network/10-netplan-eth0.network.d/hostnet-accept-ra.conf <==\n# Managed by hostnet: edit the playbook, not this file.\n# eth0 forwards IPv6 for guests and keeps taking the LAN's router\n# advertisements (its IPv6 default route): networkd's IPv6AcceptRA=\n# default is off once forwarding is on. Beside /run/systemd/network/10-netplan-eth0.network.\n\n[Network]\nIPv6AcceptRA=yes\n"),
            "{text}"
        );
        let drop_ins = SysPath::from_static("/etc/systemd/network/10-netplan-eth0.network.d");
        assert!(changes.iter().any(|planned| planned.change
            == Change::Prune {
                dir: drop_ins.clone(),
                prefix: "hostnet-".into()
            }));
        let reloads: Vec<&Change> = changes
            .iter()
            .map(|planned| &planned.change)
            .filter(|change| matches!(change, Change::Command(command) if command.argv == ["networkctl", "reload"]))
            .collect();
        assert_eq!(
            reloads,
            [&Change::Command(Command {
                argv: vec!["networkctl".into(), "reload".into()],
                guard: Guard::ChangedUnder {
                    dirs: vec![SysPath::from_static(DIRECTORY), drop_ins],
                    unless: Vec::new(),
                },
                effects: Vec::new(),
            })]
        );

        // Without IPv6 forwarding nothing is written, and the drop-in
        // directory is still pruned (an earlier run's drop-in goes).
        model.sysctls.pop();
        let desired = Desired::new(&model, &facts);
        let changes = SystemdNetworkd.render(&desired).unwrap();
        let text = files(&changes);
        assert!(!text.contains("IPv6AcceptRA=yes"), "{text}");
        assert!(changes.iter().any(
            |planned| matches!(&planned.change, Change::Prune { dir, .. } if dir.as_str().ends_with(".network.d"))
        ));
    }

    #[test]
    fn detection() {
        let backend = SystemdNetworkd;
        assert_eq!(backend.detect(&facts(Distro::Ubuntu)), Detection::Preferred);
        assert_eq!(backend.detect(&facts(Distro::Systemd)), Detection::Preferred);
        assert_eq!(backend.detect(&facts(Distro::Debian)), Detection::Supported);
        // Gentoo runs OpenRC here: networkd cannot run without systemd.
        assert_eq!(
            backend.detect(&facts(Distro::Gentoo)),
            Detection::Unsupported("systemd-networkd runs under systemd, and this host's init is OpenRC".into())
        );
        let mut gentoo_systemd = facts(Distro::Gentoo);
        gentoo_systemd.init = Init::Systemd;
        assert_eq!(backend.detect(&gentoo_systemd), Detection::Supported);
    }
}
