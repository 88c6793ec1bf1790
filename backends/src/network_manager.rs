//! NetworkManager: one keyfile per device under
//! `/etc/NetworkManager/system-connections/`, named `hostnet-NAME.nmconnection`,
//! loaded with `nmcli connection reload` and brought up with
//! `nmcli connection up`; and, when another backend configures the network of
//! a host where NetworkManager runs, a `conf.d` drop-in that tells
//! NetworkManager to leave exactly hostnet's devices alone.
//!
//! Pure: the topology in, changes out. What this writer gets right (verified
//! by running NetworkManager 1.42 on rendered files in a sandbox, see
//! `tests/real_network_manager.rs`):
//!
//! - NetworkManager ignores a keyfile that is not mode 0600 and owned by root
//!   (`nm-keyfile`'s permission check): every file is written 0600 (apply
//!   runs as root, so a written file is root's).
//! - No `uuid=`: the keyfile reader derives a stable one from the file's path.
//! - Ports say `controller=`/`port-type=` from NetworkManager 1.46 on, and
//!   `master=`/`slave-type=` before (which 1.46 still reads): the detected
//!   version decides, and an unknown version gets the old spelling.
//! - TAPs are `type=tun` with `[tun] mode=2`; `owner` and `group` are numeric
//!   IDs (libnm rejects names), taken from the host's `/etc/passwd` and
//!   `/etc/group`.
//! - Bridge timers are whole seconds (`forward-delay`, `hello-time`,
//!   `max-age`); a fraction is an error at the playbook's line.
//! - A wireless uplink is never a port (validation refuses it) and gets no
//!   keyfile: its Wi-Fi profile stays the user's.
//! - Where firewalld runs, NetworkManager tells it the zone of every device
//!   it activates (the default zone when the connection names none), which
//!   would take a guest bridge out of hostnet's firewalld zone: a device
//!   with a hostnet zone says `zone=` (see `firewalld.rs`).

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Change, Command, Guard, Planned, TaskId};
use hostnet_engine::error::{Error, ErrorKind, Result};
use hostnet_engine::facts::{Facts, Init};
use hostnet_engine::model::topology::{BridgeDevice, Topology};
use hostnet_engine::model::{AddressConfig, Bridge, HostModel, Interface, Route, Tap};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{Centiseconds, FileMode, InterfaceName};
use hostnet_engine::value::At;

use crate::{firewalld, netplan};

/// Where NetworkManager's keyfile plugin reads connections.
const DIRECTORY: &str = "/etc/NetworkManager/system-connections";
/// The drop-in that keeps NetworkManager off another backend's devices.
pub(crate) const UNMANAGED: &str = "/etc/NetworkManager/conf.d/90-hostnet-unmanaged.conf";

/// A NIC usually has a profile of the user's or the installer's too ("Wired
/// connection 1"); among profiles of the same priority NetworkManager picks
/// the one used last, so hostnet's has a higher one, and wins at boot.
const NIC_PRIORITY: u32 = 100;

/// Keyfiles for NetworkManager.
pub(crate) struct NetworkManager;

impl Backend for NetworkManager {
    fn id(&self) -> BackendId {
        BackendId::new("network-manager")
    }

    fn target(&self) -> Target {
        Target::Network
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if !facts.has_tool("NetworkManager") {
            return Detection::Unsupported("NetworkManager is not installed".into());
        }
        if facts.runs("NetworkManager") && facts.init == Init::Systemd {
            Detection::Preferred
        } else {
            Detection::Supported
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_network()
    }

    fn live_devices(&self) -> bool {
        // NetworkManager changes its devices live itself (`nmcli connection up`).
        false
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let zones = if desired.facts.runs("firewalld") {
            firewalld::interface_zones(desired.model)
        } else {
            Vec::new()
        };
        let mut changes = render(&desired.topology, desired.facts, &zones)?;
        netplan::check(desired)?;
        changes.extend(crate::firewall_needs::bridges(desired));
        changes.extend(crate::uplink::warnings(
            desired,
            crate::uplink::FourAddr::NotSet("NetworkManager"),
        ));
        Ok(changes)
    }

    fn alongside(&self, desired: &Desired<'_>, chosen: BackendId) -> Result<Vec<Planned>> {
        Ok(unmanaged(&desired.topology, desired.facts, chosen))
    }
}

/// How ports name their bridge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortKeys {
    /// `controller=`/`port-type=` (NetworkManager 1.46 and later).
    Controller,
    /// `master=`/`slave-type=` (every version).
    Master,
}

impl PortKeys {
    fn of(facts: &Facts) -> Self {
        if facts.networkmanager_at_least(1, 46) {
            Self::Controller
        } else {
            Self::Master
        }
    }
}

/// A keyfile being written: sections of `key=value` lines.
struct Keyfile {
    text: String,
    sections: usize,
}

impl Keyfile {
    fn new(name: &InterfaceName, kind: &str) -> Self {
        let mut file = Self {
            text: String::from("# Managed by hostnet: edit the playbook, not this file.\n"),
            sections: 0,
        };
        file.section("connection");
        file.key("id", connection_id(name));
        file.key("type", kind);
        file.key("interface-name", name);
        file
    }

    fn section(&mut self, name: &str) {
        if self.sections > 0 {
            self.text.push('\n');
        }
        self.sections += 1;
        self.text.push_str(&format!("[{name}]\n"));
    }

    fn key(&mut self, key: &str, value: impl std::fmt::Display) {
        self.text.push_str(&format!("{key}={value}\n"));
    }

    /// `zone=` in `[connection]` (which `new` left last).
    fn zone(&mut self, zone: &str) {
        if let Some(start) = self.text.find("interface-name=") {
            let end = start + self.text[start..].find('\n').unwrap_or(0) + 1;
            self.text.insert_str(end, &format!("zone={zone}\n"));
        }
    }

    fn port_of(&mut self, bridge: &Bridge, keys: PortKeys) {
        match keys {
            PortKeys::Controller => {
                self.key("controller", &bridge.name);
                self.key("port-type", "bridge");
            }
            PortKeys::Master => {
                self.key("master", &bridge.name);
                self.key("slave-type", "bridge");
            }
        }
    }
}

/// `hostnet-NAME`: the connection's id, and its file's name.
fn connection_id(name: &InterfaceName) -> String {
    format!("hostnet-{name}")
}

/// One rendered keyfile and the tasks that fed it.
struct File {
    name: InterfaceName,
    keyfile: Keyfile,
    origins: Vec<TaskId>,
}

fn render(topology: &Topology<'_>, facts: &Facts, zones: &[(InterfaceName, String)]) -> Result<Vec<Planned>> {
    let keys = PortKeys::of(facts);
    let mut files = Vec::new();
    for device in &topology.bridges {
        files.push(bridge_file(device)?);
        for port in &device.ports {
            match port.tap() {
                Some(tap) => files.push(tap_file(tap, Some((device.bridge, keys)), None, facts)?),
                None => files.push(port_file(port.name, device.bridge, port.config, keys)),
            }
        }
    }
    for device in &topology.taps {
        files.push(tap_file(device.tap, None, device.config, facts)?);
    }
    for interface in topology.nics.iter().filter(|interface| !interface.wireless) {
        files.push(interface_file(interface));
    }
    for file in &mut files {
        if let Some((_, zone)) = zones.iter().find(|(name, _)| *name == file.name) {
            file.keyfile.zone(zone);
        }
    }
    let paths: Vec<SysPath> = files.iter().map(|file| path(&file.name)).collect();
    let origins: Vec<TaskId> = files.iter().flat_map(|file| file.origins.iter().copied()).collect();
    let mut changes = Vec::new();
    let mut ups = Vec::new();
    for (file, path) in files.into_iter().zip(&paths) {
        ups.push(Planned::from_tasks(
            Change::Command(Command {
                argv: vec![
                    "nmcli".into(),
                    "connection".into(),
                    "up".into(),
                    "id".into(),
                    connection_id(&file.name),
                ],
                guard: Guard::FilesChanged(vec![path.clone()]),
                effects: Vec::new(),
            }),
            // Every task, as the reload has: the plan then keeps them after it.
            origins.iter().copied(),
        ));
        changes.push(Planned::from_tasks(
            Change::File {
                path: path.clone(),
                content: file.keyfile.text,
                mode: FileMode(0o600),
                owner: None,
                group: None,
            },
            file.origins,
        ));
    }
    if paths.is_empty() {
        return Ok(changes);
    }
    changes.push(Planned::from_tasks(
        Change::Command(Command {
            argv: vec!["nmcli".into(), "connection".into(), "reload".into()],
            guard: Guard::FilesChanged(paths),
            effects: Vec::new(),
        }),
        origins,
    ));
    changes.extend(ups);
    Ok(changes)
}

fn path(name: &InterfaceName) -> SysPath {
    SysPath::from_static(format!("{DIRECTORY}/{}.nmconnection", connection_id(name)))
}

fn bridge_file(device: &BridgeDevice<'_>) -> Result<File> {
    let bridge = device.bridge;
    let mut file = Keyfile::new(&bridge.name, "bridge");
    file.section("bridge");
    file.key("stp", bridge.stp);
    let timers = [
        ("forward-delay", &bridge.forward_delay),
        ("hello-time", &bridge.hello_time),
        ("max-age", &bridge.max_age),
    ];
    for (key, time) in timers {
        if let Some(time) = time {
            file.key(key, whole_seconds(key, time)?);
        }
    }
    if let Some(priority) = bridge.priority {
        file.key("priority", priority);
    }
    let config = device.config;
    let mtu = bridge.mtu.or(config.and_then(|config| config.mtu));
    // The uplink's MAC (see the topology), else a port's would be taken.
    ethernet(&mut file, device.mac.mac(), mtu);
    ip(
        &mut file,
        &bridge.address,
        &Routes {
            via: &device.routes(),
            link: device.link_routes(),
            dns: device.dns(),
        },
    );
    Ok(File {
        name: bridge.name.clone(),
        keyfile: file,
        origins: device.origins(),
    })
}

/// NetworkManager's bridge timers are whole seconds.
fn whole_seconds(key: &str, time: &At<Centiseconds>) -> Result<u32> {
    if time.value.0.is_multiple_of(100) {
        return Ok(time.value.0 / 100);
    }
    Err(Error::at(
        &time.pos,
        ErrorKind::Invalid {
            message: format!(
                "NetworkManager sets the bridge's `{key}` in whole seconds, not {} s",
                time.value.seconds_text()
            ),
            hint: Some("round it to whole seconds, or choose another network backend".into()),
        },
    ))
}

/// A NIC that is a bridge port (the uplink of a bridged network).
fn port_file(name: &InterfaceName, bridge: &Bridge, config: Option<&Interface>, keys: PortKeys) -> File {
    let mut file = Keyfile::new(name, "ethernet");
    file.key("autoconnect-priority", NIC_PRIORITY);
    file.port_of(bridge, keys);
    ethernet(
        &mut file,
        config.and_then(|config| config.mac),
        config.and_then(|config| config.mtu),
    );
    file.section("bridge-port");
    let mut origins = vec![bridge.origin.task];
    origins.extend(config.map(|config| config.origin.task));
    File {
        name: name.clone(),
        keyfile: file,
        origins,
    }
}

/// A TAP, on a bridge or on its own (with the `interface` task of its name).
fn tap_file(tap: &Tap, bridge: Option<(&Bridge, PortKeys)>, config: Option<&Interface>, facts: &Facts) -> Result<File> {
    let mut file = Keyfile::new(&tap.name, "tun");
    if let Some((bridge, keys)) = bridge {
        file.port_of(bridge, keys);
    }
    file.section("tun");
    file.key("mode", 2);
    if let Some(user) = &tap.user {
        file.key(
            "owner",
            id_of(&facts.user_ids, user, "user", "/etc/passwd", "user_ids")?,
        );
    }
    if let Some(group) = &tap.group {
        file.key(
            "group",
            id_of(&facts.group_ids, group, "group", "/etc/group", "group_ids")?,
        );
    }
    if tap.multi_queue {
        file.key("multi-queue", true);
    }
    if tap.vnet_hdr {
        file.key("vnet-hdr", true);
    }
    ethernet(
        &mut file,
        tap.mac.or(config.and_then(|config| config.mac)),
        config.and_then(|config| config.mtu),
    );
    let mut origins = vec![tap.origin.task];
    match bridge {
        Some((bridge, _)) => {
            file.section("bridge-port");
            origins.push(bridge.origin.task);
        }
        None => ip(
            &mut file,
            config.map_or(&AddressConfig::None, |config| &config.address),
            &Routes {
                via: config.map_or(&[][..], |config| &config.routes),
                link: config.map_or(&[][..], |config| &config.link_routes),
                dns: config.map_or(&[][..], |config| &config.dns),
            },
        ),
    }
    origins.extend(config.map(|config| config.origin.task));
    Ok(File {
        name: tap.name.clone(),
        keyfile: file,
        origins,
    })
}

/// The numeric ID of an account (`tun.owner` and `tun.group` take no names).
fn id_of(
    ids: &std::collections::BTreeMap<String, u32>,
    account: &At<hostnet_engine::types::AccountName>,
    what: &str,
    database: &str,
    key: &str,
) -> Result<u32> {
    ids.get(account.value.as_str()).copied().ok_or_else(|| {
        Error::at(
            &account.pos,
            ErrorKind::Invalid {
                message: format!(
                    "NetworkManager needs the numeric ID of {what} `{}`, and the host's `{database}` does not list it",
                    account.value
                ),
                hint: Some(format!(
                    "create the {what} first (or, planning with `--facts`, add `{key}: {{ {}: ID }}`)",
                    account.value
                )),
            },
        )
    })
}

/// A NIC that is no port (a routed or NAT uplink with its addresses).
fn interface_file(interface: &Interface) -> File {
    let mut file = Keyfile::new(&interface.name, "ethernet");
    file.key("autoconnect-priority", NIC_PRIORITY);
    ethernet(&mut file, interface.mac, interface.mtu);
    ip(
        &mut file,
        &interface.address,
        &Routes {
            via: &interface.routes,
            link: &interface.link_routes,
            dns: &interface.dns,
        },
    );
    File {
        name: interface.name.clone(),
        keyfile: file,
        origins: vec![interface.origin.task],
    }
}

/// `[ethernet]` for a MAC and an MTU (also on bridges and TAPs, which
/// NetworkManager configures through the same setting).
fn ethernet(file: &mut Keyfile, mac: Option<hostnet_engine::types::MacAddr>, mtu: Option<u16>) {
    if mac.is_none() && mtu.is_none() {
        return;
    }
    file.section("ethernet");
    if let Some(mac) = mac {
        file.key("cloned-mac-address", mac);
    }
    if let Some(mtu) = mtu {
        file.key("mtu", mtu);
    }
}

/// A connection's routes (through a gateway, and on the link) and name servers.
struct Routes<'a> {
    via: &'a [Route],
    link: &'a [ipnet::IpNet],
    dns: &'a [std::net::IpAddr],
}

/// `[ipv4]` and `[ipv6]`: DHCP (and router advertisements), static
/// addresses with routes, or none at all (`method=disabled`, so no IPv6
/// link-local address either).
fn ip(file: &mut Keyfile, address: &AddressConfig, all: &Routes<'_>) {
    let (v4, v6): (Vec<&ipnet::IpNet>, Vec<&ipnet::IpNet>) =
        address.addresses().iter().partition(|address| address.addr().is_ipv4());
    for (section, addresses, ipv4) in [("ipv4", v4, true), ("ipv6", v6, false)] {
        file.section(section);
        let routes: Vec<&Route> = all.via.iter().filter(|route| route.via.is_ipv4() == ipv4).collect();
        let link: Vec<&ipnet::IpNet> = all.link.iter().filter(|to| to.addr().is_ipv4() == ipv4).collect();
        match address {
            AddressConfig::Dhcp => file.key("method", "auto"),
            _ if addresses.is_empty() && routes.is_empty() && link.is_empty() => file.key("method", "disabled"),
            _ => {
                file.key("method", "manual");
                for (number, address) in addresses.iter().enumerate() {
                    file.key(&format!("address{}", number + 1), address);
                }
            }
        }
        let dns: Vec<String> = all
            .dns
            .iter()
            .filter(|server| server.is_ipv4() == ipv4)
            .map(|server| format!("{server};"))
            .collect();
        if !dns.is_empty() {
            file.key("dns", dns.concat());
        }
        for (number, to) in link.iter().enumerate() {
            file.key(&format!("route{}", number + 1), to.trunc());
        }
        for (number, route) in routes.iter().enumerate() {
            let number = number + link.len();
            let to = route.to.map_or_else(
                || {
                    if ipv4 {
                        "0.0.0.0/0".to_owned()
                    } else {
                        "::/0".to_owned()
                    }
                },
                |to| to.to_string(),
            );
            let mut value = format!("{to},{}", route.via);
            if let Some(metric) = route.metric {
                value.push_str(&format!(",{metric}"));
            }
            file.key(&format!("route{}", number + 1), value);
        }
    }
}

/// When another backend configures the network and NetworkManager runs:
/// `unmanaged-devices` for exactly the devices hostnet configures, reloaded
/// into the running daemon, and a warning in the plan saying so.
fn unmanaged(topology: &Topology<'_>, facts: &Facts, chosen: BackendId) -> Vec<Planned> {
    if !facts.runs("NetworkManager") {
        return Vec::new();
    }
    let mut names: Vec<&InterfaceName> = Vec::new();
    for device in &topology.bridges {
        names.push(&device.bridge.name);
        names.extend(device.ports.iter().map(|port| port.name));
    }
    names.extend(topology.taps.iter().map(|device| &device.tap.name));
    names.extend(topology.nics.iter().map(|interface| &interface.name));
    if names.is_empty() {
        return Vec::new();
    }
    let specs: Vec<String> = names.iter().map(|name| format!("interface-name:{name}")).collect();
    let list: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    let origins = topology.origins();
    let path = SysPath::from_static(UNMANAGED);
    let content = format!(
        "# Managed by hostnet: {chosen} configures these devices, so NetworkManager\n\
         # leaves them alone. Edit the playbook, not this file.\n\
         [keyfile]\n\
         unmanaged-devices+={}\n",
        specs.join(";")
    );
    vec![
        Planned::from_tasks(
            Change::File {
                path: path.clone(),
                content,
                mode: FileMode(0o644),
                owner: None,
                group: None,
            },
            origins.iter().copied(),
        ),
        Planned::from_tasks(
            Change::Warn {
                message: format!(
                    "NetworkManager runs on this host and {chosen} configures {}: {UNMANAGED} tells NetworkManager to leave them alone",
                    list.join(", ")
                ),
            },
            origins.iter().copied(),
        ),
        Planned::from_tasks(
            Change::Command(Command {
                argv: vec!["nmcli".into(), "general".into(), "reload".into(), "conf".into()],
                guard: Guard::FilesChanged(vec![path]),
                effects: Vec::new(),
            }),
            origins,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;

    use super::*;
    use crate::fixtures::*;

    /// Facts for a Fedora-like host running NetworkManager `version`, with
    /// `qemu` (107) and `kvm` (36).
    fn nm_facts(version: Option<&str>) -> Facts {
        let mut facts = facts(Distro::Systemd);
        facts.tools = vec!["NetworkManager".into(), "nmcli".into()];
        facts.services = vec!["NetworkManager".into()];
        facts.networkmanager_version = version.map(str::to_owned);
        facts.user_ids.insert("qemu".into(), 107);
        facts.group_ids.insert("kvm".into(), 36);
        facts
    }

    /// Every file as `==> PATH (MODE) <==` + content, then every command.
    fn show(changes: &[Planned]) -> String {
        let mut out = String::new();
        for planned in changes {
            match &planned.change {
                Change::File {
                    path, content, mode, ..
                } => out.push_str(&format!("==> {path} ({mode}) <==\n{content}")),
                Change::Command(command) => out.push_str(&format!("$ {}\n", command.argv.join(" "))),
                Change::Warn { message } => out.push_str(&format!("warning: {message}\n")),
                other => out.push_str(&format!("{other:?}\n")),
            }
        }
        out
    }

    #[test]
    fn bridged_uplink_with_a_tap_old_spelling() {
        let changes = render(
            &Topology::of(&scenario_bridged(), &facts(Distro::Systemd)),
            &nm_facts(Some("1.42.4")),
            &[],
        )
        .unwrap();
        assert_eq!(
            show(&changes),
            "\
==> /etc/NetworkManager/system-connections/hostnet-br0.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-br0
type=bridge
interface-name=br0

[bridge]
stp=true
forward-delay=2
hello-time=1

[ipv4]
method=auto

[ipv6]
method=auto
==> /etc/NetworkManager/system-connections/hostnet-eth0.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-eth0
type=ethernet
interface-name=eth0
autoconnect-priority=100
master=br0
slave-type=bridge

[bridge-port]
==> /etc/NetworkManager/system-connections/hostnet-tap0.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-tap0
type=tun
interface-name=tap0
master=br0
slave-type=bridge

[tun]
mode=2
owner=107
group=36

[bridge-port]
$ nmcli connection reload
$ nmcli connection up id hostnet-br0
$ nmcli connection up id hostnet-eth0
$ nmcli connection up id hostnet-tap0
"
        );
        let origins: Vec<Vec<TaskId>> = changes.iter().map(|planned| planned.origins.clone()).collect();
        assert_eq!(
            origins[..3],
            [vec![TaskId(1)], vec![TaskId(1), TaskId(2)], vec![TaskId(0), TaskId(1)]]
        );
        let Change::Command(up) = &changes[4].change else {
            panic!()
        };
        assert_eq!(up.guard, Guard::FilesChanged(vec![path(&name("br0"))]));
    }

    #[test]
    fn ports_name_their_controller_from_1_46_on() {
        let changes = render(
            &Topology::of(&scenario_private(), &facts(Distro::Systemd)),
            &nm_facts(Some("1.46.0")),
            &[],
        )
        .unwrap();
        let text = show(&changes);
        assert!(
            text.contains("interface-name=tap0\ncontroller=br0\nport-type=bridge\n"),
            "{text}"
        );
        assert!(!text.contains("master="), "{text}");
        // Unknown version: the spelling every version reads.
        let text = show(
            &render(
                &Topology::of(&scenario_private(), &facts(Distro::Systemd)),
                &nm_facts(None),
                &[],
            )
            .unwrap(),
        );
        assert!(text.contains("master=br0\nslave-type=bridge\n"), "{text}");
    }

    #[test]
    fn private_bridge_and_host_only_tap() {
        let changes = render(
            &Topology::of(&scenario_private(), &facts(Distro::Systemd)),
            &nm_facts(Some("1.46.0")),
            &[],
        )
        .unwrap();
        assert!(show(&changes).starts_with(
            "\
==> /etc/NetworkManager/system-connections/hostnet-br0.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-br0
type=bridge
interface-name=br0

[bridge]
stp=false
forward-delay=0

[ethernet]
cloned-mac-address=02:75:d9:2e:4b:5a

[ipv4]
method=manual
address1=172.16.1.1/24

[ipv6]
method=disabled
"
        ));
        let changes = render(
            &Topology::of(&scenario_host_only(), &facts(Distro::Systemd)),
            &nm_facts(Some("1.46.0")),
            &[],
        )
        .unwrap();
        assert_eq!(
            show(&changes),
            "\
==> /etc/NetworkManager/system-connections/hostnet-tap1.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-tap1
type=tun
interface-name=tap1

[tun]
mode=2
owner=107
group=36

[ipv4]
method=manual
address1=172.16.2.1/24

[ipv6]
method=disabled
$ nmcli connection reload
$ nmcli connection up id hostnet-tap1
"
        );
    }

    #[test]
    fn routes_macs_mtus_and_tap_flags() {
        let mut model = HostModel::default();
        let mut lan = interface(0, "eth2", addresses(&["192.0.2.10/24", "2001:db8::10/64"]));
        lan.mtu = Some(1400);
        lan.mac = Some(mac("52:54:00:00:00:02"));
        lan.routes = vec![
            route(None, "192.0.2.1", Some(10)),
            route(Some("198.51.100.0/24"), "192.0.2.254", None),
        ];
        model.interfaces.push(lan);
        let mut wireless = interface(1, "wlan0", AddressConfig::Dhcp);
        wireless.wireless = true;
        model.interfaces.push(wireless);
        let mut tap = tap(2, "tap5");
        tap.multi_queue = true;
        tap.vnet_hdr = true;
        tap.mac = Some(mac("02:00:00:00:00:05"));
        model.taps.push(tap);
        let changes = render(
            &Topology::of(&model, &facts(Distro::Systemd)),
            &nm_facts(Some("1.46.0")),
            &[],
        )
        .unwrap();
        assert_eq!(
            show(&changes),
            "\
==> /etc/NetworkManager/system-connections/hostnet-tap5.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-tap5
type=tun
interface-name=tap5

[tun]
mode=2
multi-queue=true
vnet-hdr=true

[ethernet]
cloned-mac-address=02:00:00:00:00:05

[ipv4]
method=disabled

[ipv6]
method=disabled
==> /etc/NetworkManager/system-connections/hostnet-eth2.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-eth2
type=ethernet
interface-name=eth2
autoconnect-priority=100

[ethernet]
cloned-mac-address=52:54:00:00:00:02
mtu=1400

[ipv4]
method=manual
address1=192.0.2.10/24
route1=0.0.0.0/0,192.0.2.1,10
route2=198.51.100.0/24,192.0.2.254

[ipv6]
method=manual
address1=2001:db8::10/64
$ nmcli connection reload
$ nmcli connection up id hostnet-tap5
$ nmcli connection up id hostnet-eth2
"
        );
    }

    #[test]
    fn a_device_in_a_firewalld_zone_names_it() {
        let zones = [(name("br0"), "hostnet-br0".to_owned())];
        let changes = render(
            &Topology::of(&scenario_private(), &facts(Distro::Systemd)),
            &nm_facts(None),
            &zones,
        )
        .unwrap();
        assert!(show(&changes).starts_with(
            "\
==> /etc/NetworkManager/system-connections/hostnet-br0.nmconnection (0600) <==
# Managed by hostnet: edit the playbook, not this file.
[connection]
id=hostnet-br0
type=bridge
interface-name=br0
zone=hostnet-br0

[bridge]
"
        ));
        assert!(!show(&changes[1..2]).contains("zone="));
    }

    #[test]
    fn fractional_timers_and_unknown_owners_are_errors() {
        let mut model = scenario_private();
        model.bridges[0].hello_time = Some(at(Centiseconds(150)));
        let error = render(&Topology::of(&model, &facts(Distro::Systemd)), &nm_facts(None), &[]).unwrap_err();
        assert_eq!(
            error.kind.to_string(),
            "NetworkManager sets the bridge's `hello-time` in whole seconds, not 1.5 s"
        );
        let mut facts = nm_facts(None);
        facts.user_ids.clear();
        let error = render(&Topology::of(&scenario_private(), &facts), &facts, &[]).unwrap_err();
        assert_eq!(
            error.kind.to_string(),
            "NetworkManager needs the numeric ID of user `qemu`, and the host's `/etc/passwd` does not list it"
        );
    }

    #[test]
    fn another_backend_on_a_networkmanager_host_gets_the_unmanaged_drop_in() {
        let model = scenario_bridged();
        let topology = Topology::of(&model, &facts(Distro::Systemd));
        let networkd = BackendId::new("systemd-networkd");
        assert_eq!(
            show(&unmanaged(&topology, &nm_facts(None), networkd)),
            "\
==> /etc/NetworkManager/conf.d/90-hostnet-unmanaged.conf (0644) <==
# Managed by hostnet: systemd-networkd configures these devices, so NetworkManager
# leaves them alone. Edit the playbook, not this file.
[keyfile]
unmanaged-devices+=interface-name:br0;interface-name:eth0;interface-name:tap0
warning: NetworkManager runs on this host and systemd-networkd configures `br0`, `eth0`, `tap0`: /etc/NetworkManager/conf.d/90-hostnet-unmanaged.conf tells NetworkManager to leave them alone
$ nmcli general reload conf
"
        );
        // Installed but not running: nothing to tell it.
        let mut idle = nm_facts(None);
        idle.services.clear();
        assert!(unmanaged(&topology, &idle, networkd).is_empty());
    }

    #[test]
    fn detection() {
        let backend = NetworkManager;
        assert_eq!(backend.detect(&nm_facts(None)), Detection::Preferred);
        let mut idle = nm_facts(None);
        idle.services.clear();
        assert_eq!(backend.detect(&idle), Detection::Supported);
        assert_eq!(
            backend.detect(&facts(Distro::Debian)),
            Detection::Unsupported("NetworkManager is not installed".into())
        );
        let mut gentoo = facts(Distro::Gentoo);
        gentoo.tools = vec!["NetworkManager".into()];
        gentoo.services = vec!["NetworkManager".into()];
        assert_eq!(backend.detect(&gentoo), Detection::Supported);
    }
}
