//! Gentoo netifrc: bridges, TAPs and NICs as one managed block in
//! `/etc/conf.d/net`, an `/etc/init.d/net.X → net.lo` link per interface
//! netifrc must start, `rc-update add net.X default`, and a restart to bring
//! it up now.
//!
//! The syntax, units and traps are in `reference/netifrc.md`. What shapes
//! this file:
//! - `/etc/conf.d/net` is sourced by `/bin/sh` many times, so it holds only
//!   `name="value"` assignments: no bash arrays, no commands, lists are
//!   newline-separated inside one quoted string.
//! - Variable names use `shell_var` (`br-lan` → `config_br_lan`); lists
//!   (`bridge_br0`, `rc_net_br0_need`) use the real names.
//! - A bridge port carries no address (`config_eth0="null"`); physical ports
//!   get no `net.*` service (net.br0 brings them up), TAP ports do, and the
//!   bridge `need`s them because `bridge_br0` fails on a missing port.
//! - `bridge_br0` is always set (even `""`): without it netifrc silently
//!   creates no bridge. Bridge timers are centiseconds.
//! - No global `rc_need` (it would apply to every `net.*` service) and no
//!   `brctl_*` (ignored without bridge-utils); a user's leftover `brctl_*`,
//!   `mac_*` of hostnet's devices and bash arrays (`config_eth0=( … )`,
//!   a syntax error for a POSIX `/bin/sh`) are reported.
//! - Every bridge gets `mac_br0` (its uplink's MAC, see the topology): a
//!   bridge without one takes a port's, a TAP's random one when that is
//!   lower, and the host's LAN lease changes at boot.
//! - netifrc has no variables for a device's kernel parameters or for a
//!   wireless port's 4-address mode, so hostnet's block defines the
//!   `preup()`/`postup()` hooks netifrc calls for every interface
//!   (`$IFACE`), only when something needs them: `iw dev wlan0 set 4addr on`
//!   before the bridge enslaves it, `echo 1 > /proc/sys/…/proxy_arp` once the
//!   bridge is up (OpenRC's `sysctl` service runs before the bridge exists).
//!   A user's own definition of either is reported (the last one wins).

use std::net::IpAddr;
use std::sync::Arc;

use foldhash::HashSet;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, OnLiveHost, Target};
use hostnet_engine::change::{Block, Change, Command, Conflict, Guard, Placement, Planned, ServiceAction, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Distro, Facts};
use hostnet_engine::model::topology::{BridgeDevice, BridgeMac, DeviceSysctl, Port, PortKind, TapDevice, Topology};
use hostnet_engine::model::{AddressConfig, Bridge, HostModel, Interface, Route, Tap};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{FileMode, InterfaceName};
use ipnet::IpNet;

use crate::text::{push_sh_assignment, sh_double_quote};

/// The file netifrc reads.
const CONF_D_NET: &str = "/etc/conf.d/net";
/// Marker of hostnet's block in it.
const MARKER: &str = "network";
/// First line of the block.
const HEADER: &str = "# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.";

/// The netifrc backend.
pub(crate) struct GentooNetifrc;

impl Backend for GentooNetifrc {
    fn id(&self) -> BackendId {
        BackendId::new("gentoo-netifrc")
    }

    fn target(&self) -> Target {
        Target::Network
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if facts.distro == Distro::Gentoo {
            Detection::Preferred
        } else {
            Detection::Unsupported("netifrc is Gentoo's network system".into())
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_network()
    }

    fn on_live_host(&self, command: &Command) -> OnLiveHost {
        match command.argv.as_slice() {
            [program, service, action] if program == "rc-service" && action == "restart" => service
                .strip_prefix("net.")
                .map_or(OnLiveHost::Keep, |device| OnLiveHost::BringUp(device.to_owned())),
            _ => OnLiveHost::Keep,
        }
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let sections = sections(&desired.topology);
        let hooks = hooks(&desired.topology);
        let mut changes = vec![block(&sections, &hooks, desired)];
        for section in sections.iter().filter(|section| section.link) {
            changes.push(Planned::from_tasks(
                Change::Link {
                    path: SysPath::from_static(format!("/etc/init.d/{}", section.service_name())),
                    target: "net.lo".into(),
                },
                section.origins.iter().copied(),
            ));
        }
        for section in sections.iter().filter(|section| section.service) {
            changes.push(Planned::from_tasks(
                Change::Service {
                    name: section.service_name(),
                    action: ServiceAction::Enable,
                },
                section.origins.iter().copied(),
            ));
        }
        for section in sections.iter().filter(|section| section.service) {
            changes.push(Planned::from_tasks(
                Change::Command(Command {
                    argv: vec!["rc-service".into(), section.service_name(), "restart".into()],
                    guard: Guard::FilesChanged(vec![SysPath::from_static(CONF_D_NET)]),
                    effects: Vec::new(),
                }),
                section.restart_origins.iter().copied(),
            ));
        }
        if hooks.wireless {
            changes.push(Planned::from_tasks(
                Change::Require {
                    package: "net-wireless/iw".into(),
                    reason: "`iw dev … set 4addr on` in the preup() hook in /etc/conf.d/net".into(),
                },
                hooks.origins.iter().copied(),
            ));
        }
        changes.extend(crate::firewall_needs::bridges(desired));
        changes.extend(crate::uplink::warnings(desired, crate::uplink::FourAddr::Set));
        Ok(changes)
    }
}

/// The hook functions hostnet's block defines, and the tasks they serve.
#[derive(Default)]
struct Hooks {
    /// `preup()`: `case` arms, per interface.
    preup: Vec<(InterfaceName, Vec<String>)>,
    /// `postup()`: `case` arms, per interface.
    postup: Vec<(InterfaceName, Vec<String>)>,
    /// Does `preup()` run `iw`?
    wireless: bool,
    origins: Vec<TaskId>,
}

impl Hooks {
    fn is_empty(&self) -> bool {
        self.preup.is_empty() && self.postup.is_empty()
    }

    /// The functions, in POSIX sh.
    fn text(&self) -> String {
        let mut out = String::new();
        for (name, arms) in [("preup", &self.preup), ("postup", &self.postup)] {
            if arms.is_empty() {
                continue;
            }
            out.push_str(&format!("{name}() {{\n\tcase \"${{IFACE}}\" in\n"));
            for (interface, commands) in arms {
                out.push_str(&format!("\t{interface})\n"));
                for command in commands {
                    out.push_str(&format!("\t\t{command} || return 1\n"));
                }
                out.push_str("\t\t;;\n");
            }
            out.push_str("\tesac\n\treturn 0\n}\n");
        }
        out
    }
}

/// `preup()` sets 4-address mode on each bridge's wireless ports (the kernel
/// enslaves a managed-mode wireless NIC only so); `postup()` writes the
/// per-device kernel parameters of the bridges and TAPs netifrc creates.
fn hooks(topology: &Topology<'_>) -> Hooks {
    let mut hooks = Hooks::default();
    for device in &topology.bridges {
        let wireless: Vec<String> = device
            .wireless_ports()
            .map(|port| format!("iw dev {port} set 4addr on"))
            .collect();
        if !wireless.is_empty() {
            hooks.wireless = true;
            hooks.origins.extend(device.origins());
            hooks.preup.push((device.bridge.name.clone(), wireless));
        }
        if !device.sysctls.is_empty() {
            hooks.origins.extend(device.origins());
            hooks
                .postup
                .push((device.bridge.name.clone(), sysctl_lines(&device.sysctls)));
        }
    }
    for device in &topology.taps {
        if !device.sysctls.is_empty() {
            hooks.origins.extend(device.origins());
            hooks
                .postup
                .push((device.tap.name.clone(), sysctl_lines(&device.sysctls)));
        }
    }
    hooks
}

fn sysctl_lines(sysctls: &[DeviceSysctl]) -> Vec<String> {
    sysctls
        .iter()
        .map(|sysctl| format!("echo {} > {}", sh_double_quote(&sysctl.value), sysctl.proc_path()))
        .collect()
}

/// One interface's assignments and the boot wiring it needs.
struct Section {
    name: InterfaceName,
    /// `name` as netifrc spells it in variable names (`eth0_100`).
    var: String,
    assignments: Vec<Assignment>,
    /// Tasks whose items went into it.
    origins: Vec<TaskId>,
    /// Tasks whose items a restart of its service brings up: its own, and
    /// for a bridge those of its ports too.
    restart_origins: Vec<TaskId>,
    /// Needs `/etc/init.d/net.NAME → net.lo`.
    link: bool,
    /// Enabled and restarted as its own `net.NAME` service.
    service: bool,
}

/// `name="value"`, with why hostnet sets it (for conflict warnings; most
/// assignments of a section share one reason).
struct Assignment {
    variable: String,
    value: String,
    why: Arc<str>,
}

impl Section {
    fn new(name: &InterfaceName, origins: Vec<TaskId>, link: bool, service: bool) -> Self {
        Self {
            name: name.clone(),
            var: name.shell_var(),
            assignments: Vec::new(),
            restart_origins: origins.clone(),
            origins,
            link,
            service,
        }
    }

    fn service_name(&self) -> String {
        format!("net.{}", self.name)
    }

    /// Assign `KEY_<shell_var>`.
    fn set(&mut self, key: &str, value: impl Into<String>, why: &str) {
        let mut variable = String::with_capacity(key.len() + 1 + self.var.len());
        variable.push_str(key);
        variable.push('_');
        variable.push_str(&self.var);
        self.assign(variable, value.into(), why);
    }

    /// Assign a variable by its full name.
    fn assign(&mut self, variable: String, value: String, why: &str) {
        let why = match self.assignments.last() {
            Some(last) if *last.why == *why => Arc::clone(&last.why),
            _ => Arc::from(why),
        };
        self.assignments.push(Assignment { variable, value, why });
    }

    fn set_optional(&mut self, key: &str, value: Option<impl ToString>, why: &str) {
        if let Some(value) = value {
            self.set(key, value.to_string(), why);
        }
    }

    /// `routes_X`, one route per line (on-link routes are just the
    /// destination: netifrc adds `dev X`), when there are any.
    fn set_routes(&mut self, routes: &[Route], link_routes: &[IpNet], why: &str) {
        let mut lines: Vec<String> = link_routes.iter().map(|to| to.trunc().to_string()).collect();
        lines.extend(routes.iter().map(route_line));
        if !lines.is_empty() {
            self.set("routes", lines.join("\n"), why);
        }
    }

    /// `dns_servers_X`, when there are any.
    fn set_dns(&mut self, dns: &[IpAddr], why: &str) {
        if !dns.is_empty() {
            let servers: Vec<String> = dns.iter().map(ToString::to_string).collect();
            self.set("dns_servers", servers.join(" "), why);
        }
    }

    /// `tuntap_X`, `iproute2_X` (owner and flags, when any).
    fn set_tap(&mut self, tap: &Tap, why: &str) {
        self.set("tuntap", "tap", why);
        let mut words = String::new();
        let mut word = |text: &str| {
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(text);
        };
        if let Some(user) = &tap.user {
            word("user");
            word(user.value.as_str());
        }
        if let Some(group) = &tap.group {
            word("group");
            word(group.value.as_str());
        }
        if tap.multi_queue {
            word("multi_queue");
        }
        if tap.vnet_hdr {
            word("vnet_hdr");
        }
        if !words.is_empty() {
            self.set("iproute2", words, why);
        }
    }

    /// Its lines, written at the end of `out`.
    fn write(&self, out: &mut String) {
        for assignment in &self.assignments {
            push_sh_assignment(out, &assignment.variable, &assignment.value);
            out.push('\n');
        }
    }
}

/// Every interface netifrc configures, in block order: per bridge its ports
/// then the bridge, then standalone TAPs, then standalone interfaces.
fn sections(topology: &Topology<'_>) -> Vec<Section> {
    let mut sections = Vec::new();
    for bridge in &topology.bridges {
        let mut bridge_origins = Vec::new();
        for port in &bridge.ports {
            let section = match port.kind {
                PortKind::Tap(tap) => tap_port(bridge.bridge, port, tap),
                PortKind::Nic => nic_port(bridge.bridge, port),
            };
            bridge_origins.extend(section.restart_origins.iter().copied());
            sections.push(section);
        }
        sections.push(bridge_section(bridge, bridge_origins));
    }
    sections.extend(topology.taps.iter().map(standalone_tap));
    sections.extend(topology.nics.iter().map(|nic| standalone_interface(nic)));
    sections
}

/// A TAP that is a bridge port: created by its own `net.tap0`, no address.
fn tap_port(bridge: &Bridge, port: &Port<'_>, tap: &Tap) -> Section {
    let interface = port.config;
    let mut section = Section::new(&tap.name, port.origins(), true, false);
    let why = format!(
        "{} is a TAP port of {}, created by net.{}",
        tap.name, bridge.name, tap.name
    );
    section.set_tap(tap, &why);
    section.set(
        "config",
        "null",
        &format!("{} is a port of {}, so it carries no address", tap.name, bridge.name),
    );
    section.set_optional("mac", tap.mac.or(interface.and_then(|i| i.mac)), &why);
    section.set_optional("mtu", interface.and_then(|i| i.mtu), &why);
    section
}

/// A NIC that is a bridge port: net.br0 brings it up; it has no service.
fn nic_port(bridge: &Bridge, nic: &Port<'_>) -> Section {
    let (port, interface) = (nic.name, nic.config);
    let mut origins = vec![bridge.origin.task];
    origins.extend(interface.map(|interface| interface.origin.task));
    let mut section = Section::new(port, origins, false, false);
    section.set(
        "config",
        "null",
        &format!("{port} is a port of {}, so it carries no address", bridge.name),
    );
    let why = format!("{port} is a port of {}", bridge.name);
    section.set_optional("mac", interface.and_then(|i| i.mac), &why);
    section.set_optional("mtu", interface.and_then(|i| i.mtu), &why);
    section
}

/// The bridge itself. An `interface` task with the bridge's name adds its
/// routes (and MAC/MTU when the bridge task sets none).
fn bridge_section(device: &BridgeDevice<'_>, port_origins: Vec<TaskId>) -> Section {
    let (bridge, interface) = (device.bridge, device.config);
    let mut section = Section::new(&bridge.name, device.origins(), true, true);
    section.restart_origins.extend(port_origins);
    let name = &bridge.name;
    let why = format!("{name} is a bridge in the playbook");
    section.set("config", address_value(&bridge.address), &why);
    section.set_routes(&device.routes(), device.link_routes(), &why);
    section.set_dns(device.dns(), &why);
    let ports: Vec<&str> = bridge.ports.iter().map(|port| port.value.as_str()).collect();
    section.set("bridge", ports.join(" "), &why);
    section.set("bridge_stp_state", if bridge.stp { "1" } else { "0" }, &why);
    section.set_optional(
        "bridge_forward_delay",
        bridge.forward_delay.as_ref().map(|t| t.value.0),
        &why,
    );
    section.set_optional("bridge_hello_time", bridge.hello_time.as_ref().map(|t| t.value.0), &why);
    section.set_optional("bridge_max_age", bridge.max_age.as_ref().map(|t| t.value.0), &why);
    section.set_optional("bridge_priority", bridge.priority, &why);
    let mac_why = match &device.mac {
        BridgeMac::Uplink { port, .. } => format!("{name} keeps the MAC of its uplink {port}"),
        BridgeMac::Generated(_) => format!("{name} gets a stable MAC of its own"),
        _ => why.clone(),
    };
    section.set_optional("mac", device.mac.mac(), &mac_why);
    section.set_optional("mtu", bridge.mtu.or(interface.and_then(|i| i.mtu)), &why);
    let needs: Vec<String> = device.taps().map(|tap| format!("net.{}", tap.name)).collect();
    if !needs.is_empty() {
        section.assign(
            format!("rc_net_{}_need", name.shell_var()),
            needs.join(" "),
            &format!("net.{name} must start after the TAPs it enslaves"),
        );
    }
    section
}

/// A TAP on no bridge (host-only): its address comes from an `interface`
/// task with the same name, else it has none.
fn standalone_tap(device: &TapDevice<'_>) -> Section {
    let (tap, interface) = (device.tap, device.config);
    let mut section = Section::new(&tap.name, device.origins(), true, true);
    let why = format!("{} is a TAP in the playbook", tap.name);
    section.set_tap(tap, &why);
    section.set(
        "config",
        interface.map_or_else(|| "null".to_owned(), |i| address_value(&i.address)),
        &why,
    );
    section.set_routes(
        interface.map_or(&[], |i| i.routes.as_slice()),
        interface.map_or(&[], |i| i.link_routes.as_slice()),
        &why,
    );
    section.set_dns(interface.map_or(&[], |i| i.dns.as_slice()), &why);
    section.set_optional("mac", tap.mac.or(interface.and_then(|i| i.mac)), &why);
    section.set_optional("mtu", interface.and_then(|i| i.mtu), &why);
    section
}

/// A NIC on no bridge (a routed or NAT uplink). `lo` is configured but
/// gets no link or service: `net.lo` is the init script itself.
fn standalone_interface(interface: &Interface) -> Section {
    let own_service = interface.name.as_str() != "lo";
    let mut section = Section::new(&interface.name, vec![interface.origin.task], own_service, own_service);
    let why = format!("{} is an interface in the playbook", interface.name);
    section.set("config", address_value(&interface.address), &why);
    section.set_routes(&interface.routes, &interface.link_routes, &why);
    section.set_dns(&interface.dns, &why);
    section.set_optional("mac", interface.mac, &why);
    section.set_optional("mtu", interface.mtu, &why);
    section
}

/// `config_X`: `null`, `dhcp`, or one CIDR per line (an empty value would
/// mean DHCP to netifrc, so no addresses is `null`).
fn address_value(address: &AddressConfig) -> String {
    match address {
        AddressConfig::Dhcp => "dhcp".into(),
        AddressConfig::Static(addresses) if !addresses.is_empty() => {
            addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        }
        AddressConfig::None | AddressConfig::Static(_) => "null".into(),
    }
}

/// One `routes_X` line: `default via GW` or `NET via GW`, plus ` metric N`.
fn route_line(route: &Route) -> String {
    let to = route
        .to
        .map_or_else(|| "default".to_owned(), |to| to.trunc().to_string());
    let metric = route
        .metric
        .map(|metric| format!(" metric {metric}"))
        .unwrap_or_default();
    format!("{to} via {}{metric}", route.via)
}

/// The managed block in `/etc/conf.d/net`, with a conflict for every
/// variable it assigns, each hook it defines, and the leftovers of older
/// guides that contradict it (`brctl_*`, a `mac_*` of hostnet's TAPs and
/// ports, bash arrays of the host's and hostnet's interfaces).
fn block(sections: &[Section], hooks: &Hooks, desired: &Desired<'_>) -> Planned {
    let mut content = format!("{HEADER}\n");
    for section in sections {
        content.push('\n');
        section.write(&mut content);
    }
    if !hooks.is_empty() {
        content.push_str("\n# netifrc has no variables for these: hooks it calls for every interface ($IFACE).\n");
        content.push_str(&hooks.text());
    }
    let mut seen: HashSet<&str> = HashSet::default();
    let mut conflicts: Vec<Conflict> = sections
        .iter()
        .flat_map(|section| &section.assignments)
        .filter(|assignment| seen.insert(&assignment.variable))
        .map(|assignment| Conflict {
            prefix: format!("{}=", assignment.variable),
            message: format!(
                "hostnet's block sets `{}` ({}); the last assignment in the file wins",
                assignment.variable, assignment.why
            )
            .into(),
        })
        .collect();
    for (name, arms) in [("preup", &hooks.preup), ("postup", &hooks.postup)] {
        if arms.is_empty() {
            continue;
        }
        for prefix in [format!("{name}()"), format!("{name} ()"), format!("function {name}")] {
            conflicts.push(Conflict {
                prefix,
                message: format!(
                    "hostnet's block defines `{name}()` (for {}); the last definition in the file wins, \
                     so this one never runs: move its commands into the playbook",
                    arms.iter()
                        .map(|(interface, _)| interface.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
                .into(),
            });
        }
    }
    conflicts.push(Conflict {
        prefix: "brctl_".into(),
        message: "`brctl_*` is netifrc's legacy bridge syntax: applied only when bridge-utils is installed \
                  (brctl then creates the bridge too), silently ignored otherwise; hostnet's block sets the \
                  bridge with `bridge_*` variables (centiseconds): remove this line"
            .into(),
    });
    for section in sections {
        let var = &section.var;
        let is_mac = |variable: &str| variable.strip_prefix("mac_") == Some(var.as_str());
        if !section
            .assignments
            .iter()
            .any(|assignment| is_mac(&assignment.variable))
        {
            conflicts.push(Conflict {
                prefix: format!("mac_{var}="),
                message: format!(
                    "netifrc sets this MAC on `{}`, which hostnet configures without one: a TAP with its guest's \
                     MAC makes the bridge deliver the guest's frames to the host, an uplink's changes the MAC \
                     its bridge was pinned to; remove the line (or set `mac` in the playbook)",
                    section.name
                )
                .into(),
            });
        }
    }
    let facts: Vec<String> = desired
        .facts
        .interfaces
        .iter()
        .map(|fact| fact.name.shell_var())
        .collect();
    let mut array_seen: HashSet<&str> = HashSet::default();
    let names = sections
        .iter()
        .map(|section| section.var.as_str())
        .chain(facts.iter().map(String::as_str));
    for var in names {
        if !array_seen.insert(var) {
            continue;
        }
        for key in ["config", "routes"] {
            conflicts.push(Conflict {
                prefix: format!("{key}_{var}=("),
                message: "a bash array (baselayout-1 syntax): bash only warns, but a POSIX `/bin/sh` (dash) \
                          stops at it and every net.* service fails; netifrc takes one entry per line in \
                          one quoted string (`config_eth0=\"192.168.0.2/24\\ndhcp\"`)"
                    .into(),
            });
        }
    }
    let mut origins: Vec<TaskId> = sections
        .iter()
        .flat_map(|section| section.restart_origins.iter().copied())
        .collect();
    origins.extend(hooks.origins.iter().copied());
    Planned::from_tasks(
        Change::Block(Block {
            path: SysPath::from_static(CONF_D_NET),
            marker: MARKER.into(),
            content,
            present: true,
            placement: Placement::End,
            mode: FileMode(0o644),
            conflicts,
            unless_present: None,
            enforce_mode: false,
        }),
        origins,
    )
}

#[cfg(test)]
mod tests {

    use hostnet_engine::types::Centiseconds;

    use super::*;
    use crate::fixtures::*;

    /// A Gentoo host whose `eth0` has a known MAC (so a bridge over it is pinned).
    fn render(model: &HostModel) -> Vec<Planned> {
        let mut facts = facts(Distro::Gentoo);
        facts.interfaces.push(hostnet_engine::facts::InterfaceFact {
            name: name("eth0"),
            mac: Some(mac("52:54:00:12:34:56")),
            wireless: false,
            addresses: Vec::new(),
            gateway: None,
            accept_ra: None,
            networkd: None,
        });
        GentooNetifrc.render(&Desired::new(model, &facts)).unwrap()
    }

    /// The block and its origins.
    fn block_of(changes: &[Planned]) -> (&Block, &[TaskId]) {
        let blocks: Vec<_> = changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::Block(block) => Some((block, planned.origins.as_slice())),
                _ => None,
            })
            .collect();
        assert_eq!(blocks.len(), 1, "exactly one block");
        blocks[0]
    }

    fn text_of(changes: &[Planned]) -> String {
        block_of(changes).0.content.clone()
    }

    /// Links, services and commands, one line each, with their origins.
    fn wiring(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .filter_map(|planned| {
                let what = match &planned.change {
                    Change::Block(_) => return None,
                    Change::Link { path, target } => format!("link {path} -> {target}"),
                    Change::Service { name, action } => format!("service {name} {action:?}"),
                    Change::Command(command) => {
                        assert_eq!(
                            command.guard,
                            Guard::FilesChanged(vec![SysPath::from_static("/etc/conf.d/net")])
                        );
                        assert!(command.effects.is_empty());
                        format!("run {}", command.argv.join(" "))
                    }
                    Change::Warn { message } => format!("warn {message}"),
                    Change::Require { package, .. } => format!("require {package}"),
                    other => panic!("unexpected change {other:?}"),
                };
                let origins: Vec<String> = planned.origins.iter().map(|task| task.0.to_string()).collect();
                Some(format!("{what} [{}]", origins.join(",")))
            })
            .collect()
    }

    #[test]
    fn scenario_1_bridged_uplink_and_one_tap() {
        let model = HostModel {
            interfaces: vec![interface(0, "eth0", AddressConfig::None)],
            taps: vec![qemu_tap(1, "tap0")],
            bridges: vec![Bridge {
                stp: true,
                forward_delay: Some(at(Centiseconds(200))),
                hello_time: Some(at(Centiseconds(100))),
                ..bridge(2, "br0", &["eth0", "tap0"], AddressConfig::Dhcp)
            }],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

config_eth0="null"

tuntap_tap0="tap"
iproute2_tap0="user qemu group kvm"
config_tap0="null"

config_br0="dhcp"
bridge_br0="eth0 tap0"
bridge_stp_state_br0="1"
bridge_forward_delay_br0="200"
bridge_hello_time_br0="100"
mac_br0="52:54:00:12:34:56"
rc_net_br0_need="net.tap0"
"#
        );
        let (block, origins) = block_of(&changes);
        assert_eq!(origins, [TaskId(0), TaskId(1), TaskId(2)]);
        assert_eq!(block.path.as_str(), "/etc/conf.d/net");
        assert_eq!(block.marker, "network");
        assert_eq!(block.placement, Placement::End);
        assert_eq!(block.mode, FileMode(0o644));
        assert!(block.present);
        assert_eq!(block.unless_present, None);
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.tap0 -> net.lo [1]",
                "link /etc/init.d/net.br0 -> net.lo [2]",
                "service net.br0 Enable [2]",
                "run rc-service net.br0 restart [0,1,2]",
            ]
        );
    }

    #[test]
    fn scenario_1_conflicts_name_every_variable() {
        let model = HostModel {
            interfaces: Vec::new(),
            taps: vec![tap(0, "tap0")],
            bridges: vec![bridge(1, "br0", &["eth0", "tap0"], AddressConfig::Dhcp)],
            ..HostModel::default()
        };
        let changes = render(&model);
        let (block, _) = block_of(&changes);
        let prefixes: Vec<&str> = block.conflicts.iter().map(|c| c.prefix.as_str()).collect();
        assert_eq!(
            prefixes,
            [
                "config_eth0=",
                "tuntap_tap0=",
                "config_tap0=",
                "config_br0=",
                "bridge_br0=",
                "bridge_stp_state_br0=",
                "mac_br0=",
                "rc_net_br0_need=",
                // Leftovers of older guides: legacy brctl, a MAC on a TAP or the uplink, bash arrays.
                "brctl_",
                "mac_eth0=",
                "mac_tap0=",
                "config_eth0=(",
                "routes_eth0=(",
                "config_tap0=(",
                "routes_tap0=(",
                "config_br0=(",
                "routes_br0=(",
            ]
        );
        let message = |prefix: &str| {
            block
                .conflicts
                .iter()
                .find(|conflict| conflict.prefix == prefix)
                .map(|conflict| conflict.message.as_ref())
                .unwrap()
        };
        assert_eq!(
            message("brctl_"),
            "`brctl_*` is netifrc's legacy bridge syntax: applied only when bridge-utils is installed (brctl then \
             creates the bridge too), silently ignored otherwise; hostnet's block sets the bridge with `bridge_*` \
             variables (centiseconds): remove this line"
        );
        assert_eq!(
            message("mac_tap0="),
            "netifrc sets this MAC on `tap0`, which hostnet configures without one: a TAP with its guest's MAC makes \
             the bridge deliver the guest's frames to the host, an uplink's changes the MAC its bridge was pinned to; \
             remove the line (or set `mac` in the playbook)"
        );
        assert_eq!(
            message("config_eth0=("),
            "a bash array (baselayout-1 syntax): bash only warns, but a POSIX `/bin/sh` (dash) stops at it and every \
             net.* service fails; netifrc takes one entry per line in one quoted string \
             (`config_eth0=\"192.168.0.2/24\\ndhcp\"`)"
        );
        assert_eq!(
            block.conflicts[0].message,
            "hostnet's block sets `config_eth0` (eth0 is a port of br0, so it carries no address); \
             the last assignment in the file wins"
        );
        assert_eq!(
            block.conflicts[3].message,
            "hostnet's block sets `config_br0` (br0 is a bridge in the playbook); the last assignment in the file wins"
        );
    }

    #[test]
    fn scenario_3_host_only_standalone_tap_with_address() {
        let model = HostModel {
            interfaces: vec![interface(1, "tap1", addresses(&["172.16.2.1/24"]))],
            taps: vec![Tap {
                user: Some(account("qemu")),
                ..tap(0, "tap1")
            }],
            bridges: Vec::new(),
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

tuntap_tap1="tap"
iproute2_tap1="user qemu"
config_tap1="172.16.2.1/24"
"#
        );
        assert_eq!(block_of(&changes).1, [TaskId(0), TaskId(1)]);
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.tap1 -> net.lo [0,1]",
                "service net.tap1 Enable [0,1]",
                "run rc-service net.tap1 restart [0,1]",
            ]
        );
    }

    #[test]
    fn standalone_tap_without_interface_has_no_address() {
        let model = HostModel {
            taps: vec![tap(0, "tap5")],
            ..HostModel::default()
        };
        assert_eq!(
            text_of(&render(&model)),
            "# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.\n\n\
             tuntap_tap5=\"tap\"\nconfig_tap5=\"null\"\n"
        );
    }

    #[test]
    fn private_bridge_with_three_owned_taps() {
        let model = HostModel {
            interfaces: Vec::new(),
            taps: vec![qemu_tap(0, "tap0"), qemu_tap(0, "tap1"), qemu_tap(0, "tap2")],
            bridges: vec![Bridge {
                forward_delay: Some(at(Centiseconds(0))),
                ..bridge(1, "br0", &["tap0", "tap1", "tap2"], addresses(&["172.16.1.1/24"]))
            }],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

tuntap_tap0="tap"
iproute2_tap0="user qemu group kvm"
config_tap0="null"

tuntap_tap1="tap"
iproute2_tap1="user qemu group kvm"
config_tap1="null"

tuntap_tap2="tap"
iproute2_tap2="user qemu group kvm"
config_tap2="null"

config_br0="172.16.1.1/24"
bridge_br0="tap0 tap1 tap2"
bridge_stp_state_br0="0"
bridge_forward_delay_br0="0"
mac_br0="02:75:d9:2e:4b:5a"
rc_net_br0_need="net.tap0 net.tap1 net.tap2"
"#
        );
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.tap0 -> net.lo [0]",
                "link /etc/init.d/net.tap1 -> net.lo [0]",
                "link /etc/init.d/net.tap2 -> net.lo [0]",
                "link /etc/init.d/net.br0 -> net.lo [1]",
                "service net.br0 Enable [1]",
                "run rc-service net.br0 restart [0,1]",
            ]
        );
    }

    #[test]
    fn mangled_names_in_variables_real_names_in_lists() {
        let model = HostModel {
            interfaces: Vec::new(),
            taps: vec![tap(0, "tap-vm1")],
            bridges: vec![bridge(1, "br-lan", &["eth0.100", "tap-vm1"], AddressConfig::Dhcp)],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

config_eth0_100="null"

tuntap_tap_vm1="tap"
config_tap_vm1="null"

config_br_lan="dhcp"
bridge_br_lan="eth0.100 tap-vm1"
bridge_stp_state_br_lan="0"
rc_net_br_lan_need="net.tap-vm1"
"#
        );
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.tap-vm1 -> net.lo [0]",
                "link /etc/init.d/net.br-lan -> net.lo [1]",
                "service net.br-lan Enable [1]",
                "run rc-service net.br-lan restart [0,1]",
                "warn the MAC of `eth0.100` is not known (no fact, no `mac`), so `br-lan` cannot keep it: the kernel \
                 gives `br-lan` the lowest MAC of its ports (a TAP's random one) and the host's LAN lease can change \
                 at every boot; give the bridge `mac: ` with eth0.100's MAC (`cat /sys/class/net/eth0.100/address`), \
                 or plan with facts from the host (`hostnet facts --json`) [1]",
            ]
        );
    }

    #[test]
    fn every_optional_variable() {
        let mut uplink = interface(0, "eth1", addresses(&["192.0.2.10/24", "2001:db8::10/64"]));
        uplink.mac = Some("52:54:00:AA:BB:CC".parse().unwrap());
        uplink.mtu = Some(9000);
        uplink.routes = vec![
            Route {
                to: None,
                via: "192.0.2.1".parse().unwrap(),
                metric: Some(10),
            },
            Route {
                to: Some("10.1.2.3/8".parse().unwrap()),
                via: "192.0.2.254".parse().unwrap(),
                metric: None,
            },
        ];
        let mut port = interface(1, "eth2", AddressConfig::Dhcp);
        port.mac = Some("52:54:00:00:00:02".parse().unwrap());
        port.mtu = Some(1500);
        let model = HostModel {
            interfaces: vec![uplink, port],
            taps: vec![Tap {
                user: Some(account("vm-1")),
                mac: Some("52:54:00:00:00:03".parse().unwrap()),
                multi_queue: true,
                vnet_hdr: true,
                ..tap(2, "tap0")
            }],
            bridges: vec![
                Bridge {
                    mac: Some("52:54:00:00:00:01".parse().unwrap()),
                    mtu: Some(1500),
                    stp: true,
                    forward_delay: Some(at(Centiseconds(400))),
                    hello_time: Some(at(Centiseconds(200))),
                    max_age: Some(at(Centiseconds(1200))),
                    priority: Some(4096),
                    ..bridge(3, "br0", &["eth2", "tap0"], AddressConfig::None)
                },
                bridge(4, "br1", &[], AddressConfig::Static(Vec::new())),
            ],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

config_eth2="null"
mac_eth2="52:54:00:00:00:02"
mtu_eth2="1500"

tuntap_tap0="tap"
iproute2_tap0="user vm-1 multi_queue vnet_hdr"
config_tap0="null"
mac_tap0="52:54:00:00:00:03"

config_br0="null"
bridge_br0="eth2 tap0"
bridge_stp_state_br0="1"
bridge_forward_delay_br0="400"
bridge_hello_time_br0="200"
bridge_max_age_br0="1200"
bridge_priority_br0="4096"
mac_br0="52:54:00:00:00:01"
mtu_br0="1500"
rc_net_br0_need="net.tap0"

config_br1="null"
bridge_br1=""
bridge_stp_state_br1="0"
mac_br1="02:75:d9:2f:4b:5a"

config_eth1="192.0.2.10/24
2001:db8::10/64"
routes_eth1="default via 192.0.2.1 metric 10
10.0.0.0/8 via 192.0.2.254"
mac_eth1="52:54:00:aa:bb:cc"
mtu_eth1="9000"
"#
        );
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.tap0 -> net.lo [2]",
                "link /etc/init.d/net.br0 -> net.lo [3]",
                "link /etc/init.d/net.br1 -> net.lo [4]",
                "link /etc/init.d/net.eth1 -> net.lo [0]",
                "service net.br0 Enable [3]",
                "service net.br1 Enable [4]",
                "service net.eth1 Enable [0]",
                "run rc-service net.br0 restart [1,2,3]",
                "run rc-service net.br1 restart [4]",
                "run rc-service net.eth1 restart [0]",
            ]
        );
    }

    #[test]
    fn routes_on_a_bridge_come_from_an_interface_task_of_the_same_name() {
        let mut routes = interface(1, "br0", AddressConfig::Dhcp);
        routes.routes = vec![Route {
            to: None,
            via: "172.16.1.254".parse().unwrap(),
            metric: None,
        }];
        let model = HostModel {
            interfaces: vec![routes],
            taps: Vec::new(),
            bridges: vec![bridge(0, "br0", &["eth0"], addresses(&["172.16.1.1/24"]))],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert_eq!(
            text_of(&changes),
            r#"# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.

config_eth0="null"

config_br0="172.16.1.1/24"
routes_br0="default via 172.16.1.254"
bridge_br0="eth0"
bridge_stp_state_br0="0"
mac_br0="52:54:00:12:34:56"
"#
        );
        assert_eq!(
            wiring(&changes),
            [
                "link /etc/init.d/net.br0 -> net.lo [0,1]",
                "service net.br0 Enable [0,1]",
                "run rc-service net.br0 restart [0,1]",
            ]
        );
    }

    #[test]
    fn never_arrays_brctl_or_global_rc_need() {
        let model = HostModel {
            interfaces: vec![interface(0, "eth0", AddressConfig::None)],
            taps: vec![qemu_tap(1, "tap0")],
            bridges: vec![bridge(2, "br0", &["eth0", "tap0"], AddressConfig::Dhcp)],
            ..HostModel::default()
        };
        let text = text_of(&render(&model));
        assert!(!text.contains("=("), "{text}");
        assert!(!text.contains("brctl"), "{text}");
        assert!(!text.lines().any(|line| line.starts_with("rc_need")), "{text}");
        for line in text.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
            let (name, value) = line.split_once('=').unwrap();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
            assert!(value.starts_with('"') && value.ends_with('"'), "{line}");
        }
    }

    #[test]
    fn loopback_gets_no_link_to_itself() {
        let model = HostModel {
            interfaces: vec![interface(0, "lo", addresses(&["127.0.0.1/8"]))],
            ..HostModel::default()
        };
        let changes = render(&model);
        assert!(text_of(&changes).ends_with("\nconfig_lo=\"127.0.0.1/8\"\n"));
        assert!(wiring(&changes).is_empty());
    }

    #[test]
    fn detection_and_wanted() {
        assert_eq!(GentooNetifrc.id(), "gentoo-netifrc");
        assert_eq!(GentooNetifrc.target(), Target::Network);
        assert_eq!(GentooNetifrc.detect(&facts(Distro::Gentoo)), Detection::Preferred);
        assert_eq!(
            GentooNetifrc.detect(&facts(Distro::Debian)),
            Detection::Unsupported("netifrc is Gentoo's network system".into())
        );
        assert!(!GentooNetifrc.wanted(&HostModel::default()));
        assert!(GentooNetifrc.wanted(&HostModel {
            taps: vec![tap(0, "tap0")],
            ..HostModel::default()
        }));
    }
}
