//! Debian ifupdown (0.8) with bridge-utils: one file of stanzas,
//! `/etc/network/interfaces.d/hostnet`, sourced from `/etc/network/interfaces`.
//!
//! Pure: the model in, changes out. Traps this writer gets right (all verified
//! with the real `ifup`, see `reference/distro-tools.md`):
//!
//! - TAPs are created by `pre-up` lines of the bridge stanza: those run before
//!   `/etc/network/if-pre-up.d/bridge`, which silently skips ports that do not
//!   exist yet (a TAP created in `up`/`post-up` is never enslaved).
//! - `bridge_fd`, `bridge_hello` and `bridge_maxage` are seconds (brctl), not
//!   the centiseconds sysfs shows.
//! - `bridge_maxwait 0`: otherwise the hook sleeps up to 2*(fd+1) s at boot.
//! - A stanza has one `address`; more addresses are `up ip addr add` lines.
//!   The first IPv6 address is a second stanza of the interface, `iface X
//!   inet6 static`, with `dad-attempts 0`: ifup would otherwise wait for
//!   duplicate address detection, which never ends on a bridge without
//!   carrier (no guest running yet), and fail.
//! - A stanza of the user's in `/etc/network/interfaces` for a device this
//!   file configures (the installer's `allow-hotplug eth0` / `iface eth0
//!   inet dhcp`) would run too: verified, `eth0` then gets a lease of its
//!   own as a bridge port. It is taken over (disabled in place, see
//!   `engine/src/takeover.rs`).
//! - The `dhcp` method ignores `mtu` (interfaces(5)), so a DHCP interface gets
//!   its MTU from a `pre-up` line; a bridge's `mtu` is applied to every port by
//!   the bridge hook, and the kernel gives the bridge the ports' minimum.
//! - Every bridge gets `hwaddress` (its uplink's MAC, see the topology):
//!   without it the bridge takes the lowest port MAC, a TAP's random one.
//! - A wireless port is enslaved only in 4-address mode: a `pre-up iw …`
//!   line, before the bridge hook (and it fails the stanza when the driver
//!   refuses, instead of a bridge that silently lacks its port).
//! - `dns-nameservers` is read by resolvconf's hook only (resolvconf is
//!   required for it); per-device kernel parameters of the devices ifupdown
//!   creates are `up sysctl -w` lines (the sysctl service ran before).

use std::net::IpAddr;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, OnLiveHost, Target};
use hostnet_engine::change::{Block, Change, Command, Conflict, Guard, Placement, Planned, TakeOver, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Distro, Facts};
use hostnet_engine::model::topology::{BridgeDevice, DeviceSysctl, TapDevice, Topology};
use hostnet_engine::model::{AddressConfig, HostModel, Interface, Route, Tap};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{Centiseconds, FileMode, InterfaceName, MacAddr};
use ipnet::IpNet;

/// The file hostnet owns.
const FILE: &str = "/etc/network/interfaces.d/hostnet";
/// The user's main file, which must source it.
const MAIN: &str = "/etc/network/interfaces";
/// The line that makes ifupdown read `FILE`.
const SOURCE: &str = "source /etc/network/interfaces.d/*";

/// `/etc/network/interfaces` stanzas for Debian's ifupdown.
pub(crate) struct DebianIfupdown;

impl Backend for DebianIfupdown {
    fn id(&self) -> BackendId {
        BackendId::new("debian-ifupdown")
    }

    fn target(&self) -> Target {
        Target::Network
    }

    fn detect(&self, facts: &Facts) -> Detection {
        match facts.distro {
            // A Debian desktop's network is NetworkManager's.
            Distro::Debian if facts.runs("NetworkManager") && facts.has_tool("NetworkManager") => Detection::Supported,
            Distro::Debian => Detection::Preferred,
            Distro::Gentoo => Detection::Unsupported("ifupdown is Debian's network system; Gentoo uses netifrc".into()),
            Distro::Ubuntu => Detection::Supported,
            // Fedora, Arch, openSUSE: ifupdown is no part of them unless installed.
            Distro::Systemd if facts.has_tool("ifup") => Detection::Supported,
            Distro::Systemd => {
                Detection::Unsupported("ifupdown is Debian's network system, and `ifup` is not installed".into())
            }
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_network()
    }

    fn on_live_host(&self, command: &Command) -> OnLiveHost {
        match command.argv.first().map(String::as_str) {
            Some("ifup" | "ifdown") => command
                .argv
                .last()
                .map_or(OnLiveHost::Keep, |device| OnLiveHost::BringUp(device.clone())),
            _ => OnLiveHost::Keep,
        }
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let mut changes = render(&desired.topology);
        crate::netplan::check(desired)?;
        changes.extend(crate::firewall_needs::bridges(desired));
        changes.extend(crate::uplink::warnings(desired, crate::uplink::FourAddr::Set));
        Ok(changes)
    }
}

/// One `iface` stanza and the tasks whose items went into it.
struct Stanza {
    name: InterfaceName,
    /// The bridge it is a port of.
    port_of: Option<InterfaceName>,
    auto: bool,
    method: &'static str,
    options: Vec<String>,
    /// Options of the `iface NAME inet6 static` stanza (empty: none).
    inet6: Vec<String>,
    origins: Vec<TaskId>,
}

impl Stanza {
    fn new(name: &InterfaceName, auto: bool, method: &'static str) -> Self {
        Self {
            name: name.clone(),
            port_of: None,
            auto,
            method,
            options: Vec::new(),
            inet6: Vec::new(),
            origins: Vec::new(),
        }
    }

    fn option(&mut self, text: impl Into<String>) {
        self.options.push(text.into());
    }

    fn text(&self) -> String {
        let mut out = String::new();
        if self.auto {
            out.push_str(&format!("auto {}\n", self.name));
        }
        out.push_str(&format!("iface {} inet {}\n", self.name, self.method));
        for option in &self.options {
            out.push_str(&format!("    {option}\n"));
        }
        if !self.inet6.is_empty() {
            out.push_str(&format!("iface {} inet6 static\n", self.name));
            for option in &self.inet6 {
                out.push_str(&format!("    {option}\n"));
            }
        }
        out
    }
}

fn render(topology: &Topology<'_>) -> Vec<Planned> {
    let stanzas = stanzas(topology);
    let needs = |option: &str| {
        stanzas
            .iter()
            .any(|stanza| stanza.options.iter().any(|line| line.contains(option)))
    };
    let requirements = [
        (
            "iw",
            " iw dev ",
            "the `iw … set 4addr on` lines in /etc/network/interfaces.d/hostnet",
        ),
        (
            "resolvconf",
            "dns-nameservers ",
            "the `dns-nameservers` lines in /etc/network/interfaces.d/hostnet",
        ),
    ];
    let required: Vec<(&str, &str)> = requirements
        .iter()
        .filter(|(_, option, _)| needs(option))
        .map(|(package, _, reason)| (*package, *reason))
        .collect();
    let origins: Vec<TaskId> = stanzas.iter().flat_map(|s| s.origins.iter().copied()).collect();
    let mut content = String::from("# Managed by hostnet: edit the playbook, not this file.\n");
    for stanza in &stanzas {
        content.push('\n');
        content.push_str(&stanza.text());
    }
    let file = SysPath::from_static(FILE);
    let mut takeovers = Vec::new();
    for stanza in stanzas.iter().filter(|stanza| stanza.name.as_str() != "lo") {
        takeovers.push(Planned::from_tasks(
            Change::TakeOver(TakeOver {
                path: SysPath::from_static(MAIN),
                interface: stanza.name.clone(),
                note: match &stanza.port_of {
                    Some(bridge) => format!(
                        "{} is a port of {bridge}: hostnet configures it in {FILE}, and a stanza here would give it an address of its own",
                        stanza.name
                    ),
                    None => format!(
                        "hostnet configures {} in {FILE}; ifupdown would run both stanzas",
                        stanza.name
                    ),
                },
            }),
            stanza.origins.iter().copied(),
        ));
    }
    let mut changes = vec![
        Planned::from_tasks(
            Change::File {
                path: file.clone(),
                content,
                mode: FileMode(0o644),
                owner: None,
                group: None,
            },
            origins.iter().copied(),
        ),
        Planned::from_tasks(
            Change::Block(Block {
                path: SysPath::from_static(MAIN),
                marker: "source".into(),
                content: SOURCE.into(),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o644),
                conflicts: stanzas
                    .iter()
                    .map(|stanza| Conflict {
                        prefix: format!("iface {} ", stanza.name),
                        // Verified with ifup 0.8: both stanzas run, so a
                        // user's `inet dhcp` for a port still starts dhclient.
                        message: format!(
                            "`{}` is also configured in {FILE}; ifupdown runs both stanzas",
                            stanza.name
                        )
                        .into(),
                    })
                    .collect(),
                unless_present: Some(SOURCE.into()),
                enforce_mode: false,
            }),
            origins.iter().copied(),
        ),
    ];
    changes.extend(takeovers);
    if !topology.bridges.is_empty() {
        changes.push(Planned::from_tasks(
            Change::Require {
                package: "bridge-utils".into(),
                reason: "the bridge_* options in /etc/network/interfaces.d/hostnet".into(),
            },
            topology.bridges.iter().map(|bridge| bridge.bridge.origin.task),
        ));
    }
    for (package, reason) in required {
        changes.push(Planned::from_tasks(
            Change::Require {
                package: package.into(),
                reason: reason.into(),
            },
            origins.iter().copied(),
        ));
    }
    for stanza in stanzas.iter().filter(|stanza| stanza.auto) {
        for argv in [
            vec!["ifdown", "--force", stanza.name.as_str()],
            vec!["ifup", stanza.name.as_str()],
        ] {
            changes.push(Planned::from_tasks(
                Change::Command(Command {
                    argv: argv.into_iter().map(str::to_owned).collect(),
                    guard: Guard::FilesChanged(vec![file.clone()]),
                    effects: Vec::new(),
                }),
                stanza.origins.iter().copied(),
            ));
        }
    }
    changes
}

/// Every stanza, in model order: per bridge its physical ports (no `auto`,
/// the bridge hook brings them up) then the bridge; standalone TAPs;
/// standalone interfaces.
fn stanzas(topology: &Topology<'_>) -> Vec<Stanza> {
    let mut stanzas = Vec::new();
    for bridge in &topology.bridges {
        for port in bridge.ports.iter().filter(|port| port.tap().is_none()) {
            let mut stanza = Stanza::new(port.name, false, "manual");
            stanza.port_of = Some(bridge.bridge.name.clone());
            stanza.origins.push(bridge.bridge.origin.task);
            stanza
                .origins
                .extend(port.config.map(|interface| interface.origin.task));
            stanzas.push(stanza);
        }
        stanzas.push(bridge_stanza(bridge));
    }
    for tap in &topology.taps {
        stanzas.push(tap_stanza(tap));
    }
    for interface in &topology.nics {
        stanzas.push(interface_stanza(interface));
    }
    stanzas
}

fn bridge_stanza(device: &BridgeDevice<'_>) -> Stanza {
    let bridge = device.bridge;
    let mut stanza = Stanza::new(&bridge.name, true, method(&bridge.address));
    // Routes come from an `interface` item of the bridge's name and its `gateway`.
    stanza.origins.extend(device.origins());
    let routes = device.routes();
    let extra = address_options(&mut stanza, &bridge.address, &routes);
    mac_option(&mut stanza, device.mac.mac());
    dns_option(&mut stanza, device.dns());
    for port in device.wireless_ports() {
        // Before the bridge hook enslaves it (the kernel refuses a managed-mode wireless NIC).
        stanza.option(format!("pre-up iw dev {port} set 4addr on"));
    }
    if let Some(mtu) = bridge.mtu {
        // Also read by the bridge hook, which sets it on every port.
        stanza.option(format!("mtu {mtu}"));
    }
    let mut taps = Vec::new();
    for port in &device.ports {
        if let Some(tap) = port.tap() {
            stanza.origins.push(tap.origin.task);
            stanza.option(format!("pre-up {}", tuntap_add(tap)));
            if let Some(mac) = tap.mac {
                stanza.option(format!("pre-up ip link set dev {} address {mac}", tap.name));
            }
            taps.push(tap);
        } else if let Some(interface) = port.config {
            // The port's own stanza has no `auto`, so it is never brought up
            // by ifupdown: set its MAC and MTU before the hook enslaves it.
            stanza.origins.push(interface.origin.task);
            if let Some(mac) = interface.mac {
                stanza.option(format!("pre-up ip link set dev {} address {mac}", interface.name));
            }
            if let Some(mtu) = interface.mtu {
                stanza.option(format!("pre-up ip link set dev {} mtu {mtu}", interface.name));
            }
        }
    }
    let ports: Vec<&str> = bridge.ports.iter().map(|port| port.value.as_str()).collect();
    if ports.is_empty() {
        stanza.option("bridge_ports none");
    } else {
        stanza.option(format!("bridge_ports {}", ports.join(" ")));
    }
    stanza.option(format!("bridge_stp {}", if bridge.stp { "on" } else { "off" }));
    let timers = [
        ("bridge_fd", &bridge.forward_delay),
        ("bridge_hello", &bridge.hello_time),
        ("bridge_maxage", &bridge.max_age),
    ];
    for (option, time) in timers {
        if let Some(time) = time {
            stanza.option(format!("{option} {}", seconds(time.value)));
        }
    }
    if let Some(priority) = bridge.priority {
        stanza.option(format!("bridge_bridgeprio {priority}"));
    }
    stanza.option("bridge_maxwait 0");
    extra_options(&mut stanza, &extra, &routes, device.link_routes());
    sysctl_options(&mut stanza, &device.sysctls);
    for tap in taps {
        stanza.option(format!("post-down {}", tuntap_del(tap)));
    }
    stanza
}

fn tap_stanza(device: &TapDevice<'_>) -> Stanza {
    let (tap, interface) = (device.tap, device.config);
    let address = interface.map_or(&AddressConfig::None, |interface| &interface.address);
    let routes = interface.map_or(&[][..], |interface| &interface.routes);
    let mut stanza = Stanza::new(&tap.name, true, method(address));
    stanza.origins.push(tap.origin.task);
    stanza.origins.extend(interface.map(|interface| interface.origin.task));
    let extra = address_options(&mut stanza, address, routes);
    stanza.option(format!("pre-up {}", tuntap_add(tap)));
    mac_option(&mut stanza, interface.and_then(|interface| interface.mac).or(tap.mac));
    mtu_option(&mut stanza, interface.and_then(|interface| interface.mtu));
    dns_option(&mut stanza, interface.map_or(&[], |interface| interface.dns.as_slice()));
    extra_options(
        &mut stanza,
        &extra,
        routes,
        interface.map_or(&[], |interface| interface.link_routes.as_slice()),
    );
    sysctl_options(&mut stanza, &device.sysctls);
    stanza.option(format!("post-down {}", tuntap_del(tap)));
    stanza
}

fn interface_stanza(interface: &Interface) -> Stanza {
    let mut stanza = Stanza::new(&interface.name, true, method(&interface.address));
    stanza.origins.push(interface.origin.task);
    let extra = address_options(&mut stanza, &interface.address, &interface.routes);
    mac_option(&mut stanza, interface.mac);
    mtu_option(&mut stanza, interface.mtu);
    dns_option(&mut stanza, &interface.dns);
    extra_options(&mut stanza, &extra, &interface.routes, &interface.link_routes);
    stanza
}

/// `static` needs an IPv4 address for its one `address` option; static
/// IPv6-only addressing is done by `up` lines on a `manual` stanza.
fn method(address: &AddressConfig) -> &'static str {
    match address {
        AddressConfig::Dhcp => "dhcp",
        AddressConfig::Static(addresses) if addresses.iter().any(|a| matches!(a, IpNet::V4(_))) => "static",
        AddressConfig::Static(_) | AddressConfig::None => "manual",
    }
}

/// What `address_options` left for `up` lines.
struct Extra<'a> {
    addresses: Vec<&'a IpNet>,
    /// Index into the routes of the route written as `gateway`.
    gateway: Option<usize>,
}

/// The stanza's `address` (first IPv4 address) and `gateway` (first IPv4
/// default route) options, for a `static` stanza, and the first IPv6
/// address (not link-local) as an `inet6 static` stanza of the same
/// interface; the rest is returned.
fn address_options<'a>(stanza: &mut Stanza, address: &'a AddressConfig, routes: &[Route]) -> Extra<'a> {
    let mut addresses: Vec<&IpNet> = address.addresses().iter().collect();
    if let Some(index) = addresses
        .iter()
        .position(|a| matches!(a, IpNet::V6(net) if net.addr().segments()[0] & 0xffc0 != 0xfe80))
    {
        stanza.inet6.push(format!("address {}", addresses.remove(index)));
        // ifup would wait for duplicate address detection, which never
        // ends on a bridge without carrier (no guest running yet).
        stanza.inet6.push("dad-attempts 0".into());
    }
    if stanza.method != "static" {
        return Extra {
            addresses,
            gateway: None,
        };
    }
    let primary = addresses.iter().position(|a| matches!(a, IpNet::V4(_)));
    let mut extra = Extra {
        addresses: addresses.clone(),
        gateway: None,
    };
    if let Some(index) = primary {
        stanza.option(format!("address {}", addresses[index]));
        extra.addresses.remove(index);
    }
    extra.gateway = routes
        .iter()
        .position(|route| route.to.is_none() && route.via.is_ipv4());
    if let Some(route) = extra.gateway.map(|index| &routes[index]) {
        stanza.option(format!("gateway {}", route.via));
        if let Some(metric) = route.metric {
            stanza.option(format!("metric {metric}"));
        }
    }
    extra
}

/// `up`/`down` lines for the addresses and routes a stanza cannot hold.
fn extra_options(stanza: &mut Stanza, extra: &Extra<'_>, routes: &[Route], link_routes: &[IpNet]) {
    let name = stanza.name.clone();
    for address in &extra.addresses {
        stanza.option(format!("up ip addr add {address} dev {name}"));
        stanza.option(format!("down ip addr del {address} dev {name}"));
    }
    for to in link_routes {
        let family = if to.addr().is_ipv6() { "-6 " } else { "" };
        stanza.option(format!("up ip {family}route add {} dev {name}", to.trunc()));
    }
    // No `down` for routes: the kernel drops them with the address or link.
    // An IPv6 route goes with the `inet6` stanza, whose address makes its
    // gateway reachable.
    for (index, route) in routes.iter().enumerate() {
        if extra.gateway == Some(index) {
            continue;
        }
        let line = format!("up {}", route_add(route, &name));
        if route.via.is_ipv6() && !stanza.inet6.is_empty() {
            stanza.inet6.push(line);
        } else {
            stanza.option(line);
        }
    }
}

fn route_add(route: &Route, name: &InterfaceName) -> String {
    let family = if route.via.is_ipv6() { "-6 " } else { "" };
    let to = route.to.map_or_else(|| "default".to_owned(), |to| to.to_string());
    let metric = route
        .metric
        .map(|metric| format!(" metric {metric}"))
        .unwrap_or_default();
    format!("ip {family}route add {to} via {} dev {name}{metric}", route.via)
}

/// `dns-nameservers` (read by resolvconf's if-up hook).
fn dns_option(stanza: &mut Stanza, dns: &[IpAddr]) {
    if !dns.is_empty() {
        let servers: Vec<String> = dns.iter().map(ToString::to_string).collect();
        stanza.option(format!("dns-nameservers {}", servers.join(" ")));
    }
}

/// The device's kernel parameters, once it is up (`/` separators keep a
/// dotted device name whole).
fn sysctl_options(stanza: &mut Stanza, sysctls: &[DeviceSysctl]) {
    for sysctl in sysctls {
        stanza.option(format!("up sysctl -q -w {}={}", sysctl.sysctl_key(), sysctl.value));
    }
}

fn mac_option(stanza: &mut Stanza, mac: Option<MacAddr>) {
    if let Some(mac) = mac {
        stanza.option(format!("hwaddress ether {mac}"));
    }
}

/// `mtu` for `static`/`manual`; the `dhcp` method ignores it.
fn mtu_option(stanza: &mut Stanza, mtu: Option<u16>) {
    if let Some(mtu) = mtu {
        if stanza.method == "dhcp" {
            stanza.option(format!("pre-up ip link set dev {} mtu {mtu}", stanza.name));
        } else {
            stanza.option(format!("mtu {mtu}"));
        }
    }
}

fn tuntap_add(tap: &Tap) -> String {
    let mut command = format!("ip tuntap add dev {} mode tap", tap.name);
    if let Some(user) = &tap.user {
        command.push_str(&format!(" user {}", user.value));
    }
    if let Some(group) = &tap.group {
        command.push_str(&format!(" group {}", group.value));
    }
    if tap.multi_queue {
        command.push_str(" multi_queue");
    }
    if tap.vnet_hdr {
        command.push_str(" vnet_hdr");
    }
    command
}

fn tuntap_del(tap: &Tap) -> String {
    let mut command = format!("ip tuntap del dev {} mode tap", tap.name);
    // A multi-queue TAP is only found again with the same flag.
    if tap.multi_queue {
        command.push_str(" multi_queue");
    }
    command
}

/// brctl takes seconds.
fn seconds(time: Centiseconds) -> String {
    time.seconds_text()
}

/// Hand-built models shared by the network backends' unit tests.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn file(changes: &[Planned]) -> &str {
        match &changes[0].change {
            Change::File {
                path, content, mode, ..
            } => {
                assert_eq!(path.as_str(), FILE);
                assert_eq!(*mode, FileMode(0o644));
                content
            }
            other => panic!("expected the file first, got {other:?}"),
        }
    }

    fn commands(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::Command(command) => {
                    assert_eq!(command.guard, Guard::FilesChanged(vec![SysPath::from_static(FILE)]));
                    Some(command.argv.join(" "))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn bridged_uplink_with_a_tap() {
        let model = scenario_bridged();
        let changes = render(&Topology::of(&model, &facts(Distro::Debian)));
        assert_eq!(
            file(&changes),
            "\
# Managed by hostnet: edit the playbook, not this file.

iface eth0 inet manual

auto br0
iface br0 inet dhcp
    pre-up ip tuntap add dev tap0 mode tap user qemu group kvm
    bridge_ports eth0 tap0
    bridge_stp on
    bridge_fd 2
    bridge_hello 1
    bridge_maxwait 0
    post-down ip tuntap del dev tap0 mode tap
"
        );
        assert_eq!(changes[0].origins, [TaskId(0), TaskId(1), TaskId(2)]);
        match &changes[1].change {
            Change::Block(block) => {
                assert_eq!(block.path.as_str(), MAIN);
                assert_eq!(block.marker, "source");
                assert_eq!(block.content, "source /etc/network/interfaces.d/*");
                assert_eq!(block.unless_present.as_deref(), Some(SOURCE));
                assert_eq!(block.placement, Placement::End);
                assert_eq!(block.conflicts[0].prefix, "iface eth0 ");
            }
            other => panic!("expected the source block, got {other:?}"),
        }
        // The user's own stanzas for the same devices are taken over.
        let takeovers: Vec<(&str, &str, &[TaskId])> = changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::TakeOver(takeover) => {
                    assert_eq!(takeover.path.as_str(), MAIN);
                    Some((
                        takeover.interface.as_str(),
                        takeover.note.as_str(),
                        planned.origins.as_slice(),
                    ))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            takeovers,
            [
                (
                    "eth0",
                    "eth0 is a port of br0: hostnet configures it in /etc/network/interfaces.d/hostnet, \
                     and a stanza here would give it an address of its own",
                    &[TaskId(1), TaskId(2)][..]
                ),
                (
                    "br0",
                    "hostnet configures br0 in /etc/network/interfaces.d/hostnet; ifupdown would run both stanzas",
                    &[TaskId(0), TaskId(1), TaskId(2)][..]
                ),
            ]
        );
        assert_eq!(
            changes[4].change,
            Change::Require {
                package: "bridge-utils".into(),
                reason: "the bridge_* options in /etc/network/interfaces.d/hostnet".into(),
            }
        );
        assert_eq!(commands(&changes), ["ifdown --force br0", "ifup br0"]);
        assert_eq!(changes[5].origins, [TaskId(0), TaskId(1), TaskId(2)]);
    }

    #[test]
    fn host_only_tap() {
        let model = scenario_host_only();
        let changes = render(&Topology::of(&model, &facts(Distro::Debian)));
        assert_eq!(
            file(&changes),
            "\
# Managed by hostnet: edit the playbook, not this file.

auto tap1
iface tap1 inet static
    address 172.16.2.1/24
    pre-up ip tuntap add dev tap1 mode tap user qemu group kvm
    post-down ip tuntap del dev tap1 mode tap
"
        );
        assert_eq!(changes[0].origins, [TaskId(0), TaskId(1)]);
        assert!(
            !changes
                .iter()
                .any(|planned| matches!(planned.change, Change::Require { .. }))
        );
        assert_eq!(commands(&changes), ["ifdown --force tap1", "ifup tap1"]);
    }

    #[test]
    fn private_bridge_with_three_taps() {
        let model = scenario_private();
        let changes = render(&Topology::of(&model, &facts(Distro::Debian)));
        assert_eq!(
            file(&changes),
            "\
# Managed by hostnet: edit the playbook, not this file.

auto br0
iface br0 inet static
    address 172.16.1.1/24
    hwaddress ether 02:75:d9:2e:4b:5a
    pre-up ip tuntap add dev tap0 mode tap user qemu group kvm
    pre-up ip tuntap add dev tap1 mode tap user qemu group kvm
    pre-up ip tuntap add dev tap2 mode tap user qemu group kvm
    bridge_ports tap0 tap1 tap2
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0
    post-down ip tuntap del dev tap0 mode tap
    post-down ip tuntap del dev tap1 mode tap
    post-down ip tuntap del dev tap2 mode tap
"
        );
        assert_eq!(changes[0].origins, [TaskId(0), TaskId(1), TaskId(2), TaskId(3)]);
        assert_eq!(commands(&changes), ["ifdown --force br0", "ifup br0"]);
    }

    #[test]
    fn everything_else_an_interface_can_carry() {
        let mut model = HostModel::default();
        let mut uplink = interface(0, "eth1", AddressConfig::Dhcp);
        uplink.mtu = Some(9000);
        uplink.mac = Some(mac("52:54:00:00:00:01"));
        model.interfaces.push(uplink);
        let mut lan = interface(
            1,
            "eth2",
            AddressConfig::Static(vec![net("192.0.2.10/24"), net("2001:db8::10/64"), net("192.0.2.11/24")]),
        );
        lan.mtu = Some(1400);
        lan.routes = vec![
            route(None, "192.0.2.1", Some(10)),
            route(Some("198.51.100.0/24"), "192.0.2.254", None),
            route(None, "2001:db8::1", None),
        ];
        model.interfaces.push(lan);
        let mut bridge = bridge(
            2,
            "br1",
            &["tap5"],
            AddressConfig::Static(vec![net("2001:db8:1::1/64")]),
        );
        bridge.mac = Some(mac("02:00:00:00:00:01"));
        bridge.mtu = Some(1450);
        bridge.max_age = Some(at(Centiseconds(1200)));
        bridge.hello_time = Some(at(Centiseconds(150)));
        bridge.priority = Some(4096);
        model.bridges.push(bridge);
        let mut tap = qemu_tap(3, "tap5");
        tap.multi_queue = true;
        tap.vnet_hdr = true;
        tap.mac = Some(mac("02:00:00:00:00:05"));
        tap.user = None;
        model.taps.push(tap);
        let changes = render(&Topology::of(&model, &facts(Distro::Debian)));
        assert_eq!(
            file(&changes),
            "\
# Managed by hostnet: edit the playbook, not this file.

auto br1
iface br1 inet manual
    hwaddress ether 02:00:00:00:00:01
    mtu 1450
    pre-up ip tuntap add dev tap5 mode tap group kvm multi_queue vnet_hdr
    pre-up ip link set dev tap5 address 02:00:00:00:00:05
    bridge_ports tap5
    bridge_stp off
    bridge_hello 1.5
    bridge_maxage 12
    bridge_bridgeprio 4096
    bridge_maxwait 0
    post-down ip tuntap del dev tap5 mode tap multi_queue
iface br1 inet6 static
    address 2001:db8:1::1/64
    dad-attempts 0

auto eth1
iface eth1 inet dhcp
    hwaddress ether 52:54:00:00:00:01
    pre-up ip link set dev eth1 mtu 9000

auto eth2
iface eth2 inet static
    address 192.0.2.10/24
    gateway 192.0.2.1
    metric 10
    mtu 1400
    up ip addr add 192.0.2.11/24 dev eth2
    down ip addr del 192.0.2.11/24 dev eth2
    up ip route add 198.51.100.0/24 via 192.0.2.254 dev eth2
iface eth2 inet6 static
    address 2001:db8::10/64
    dad-attempts 0
    up ip -6 route add default via 2001:db8::1 dev eth2
"
        );
        assert_eq!(
            commands(&changes),
            [
                "ifdown --force br1",
                "ifup br1",
                "ifdown --force eth1",
                "ifup eth1",
                "ifdown --force eth2",
                "ifup eth2"
            ]
        );
    }

    #[test]
    fn detection() {
        let backend = DebianIfupdown;
        assert_eq!(backend.detect(&facts(Distro::Debian)), Detection::Preferred);
        assert_eq!(backend.detect(&facts(Distro::Ubuntu)), Detection::Supported);
        assert_eq!(
            backend.detect(&facts(Distro::Gentoo)),
            Detection::Unsupported("ifupdown is Debian's network system; Gentoo uses netifrc".into())
        );
        assert!(!backend.wanted(&HostModel::default()));
        assert!(backend.wanted(&scenario_host_only()));
    }
}
