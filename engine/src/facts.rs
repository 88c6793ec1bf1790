//! What hostnet knows about the host: distro, init system, interfaces,
//! accounts. Gathered once from the root (or read from `--facts FILE`) and
//! passed down; nothing else probes the host.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use minijinja::Value;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::netplan::{self, NetplanDefinition};
use crate::root::{Root, SysPath};
use crate::types::{InterfaceName, MacAddr};
use crate::value::{Scope, map_value};
use crate::yaml::{self, Node, NodeValue};

/// The distro family, which decides the targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distro {
    /// Gentoo: OpenRC + netifrc.
    Gentoo,
    /// Debian: ifupdown.
    Debian,
    /// Ubuntu: systemd-networkd (netplan's backend).
    Ubuntu,
    /// Any other systemd host: systemd-networkd.
    Systemd,
}

impl Distro {
    /// The name used on the command line and in facts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gentoo => "gentoo",
            Self::Debian => "debian",
            Self::Ubuntu => "ubuntu",
            Self::Systemd => "systemd",
        }
    }
}

impl FromStr for Distro {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "gentoo" => Ok(Self::Gentoo),
            "debian" => Ok(Self::Debian),
            "ubuntu" => Ok(Self::Ubuntu),
            "systemd" => Ok(Self::Systemd),
            other => Err(format!(
                "unknown distro `{other}` (expected gentoo, debian, ubuntu or systemd)"
            )),
        }
    }
}

/// The init system, which decides how services are enabled and started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// OpenRC (`rc-update`, `rc-service`).
    Openrc,
    /// systemd (`systemctl`).
    Systemd,
}

impl Init {
    /// The name used in facts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Openrc => "openrc",
            Self::Systemd => "systemd",
        }
    }

    /// The name used in messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Openrc => "OpenRC",
            Self::Systemd => "systemd",
        }
    }
}

/// A network interface present on the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InterfaceFact {
    /// Its name.
    pub name: InterfaceName,
    /// Its MAC address, when known.
    pub mac: Option<MacAddr>,
    /// Is it a wireless (802.11) interface?
    pub wireless: bool,
    /// Its IPv4/IPv6 addresses with prefix, when known (used for overlap
    /// checks; detected: the IPv6 ones, from `/proc/net/if_inet6`).
    pub addresses: Vec<String>,
    /// Its `net.ipv6.conf.NAME.accept_ra` (0 ignore, 1 accept unless
    /// forwarding, 2 accept even when forwarding), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_ra: Option<u8>,
    /// The `.network` file systemd-networkd applies to it (`networkd.rs`),
    /// when one under the root matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networkd: Option<SysPath>,
    /// The gateway of the default route through it, when the host's default
    /// route goes out here (a bridge that takes this NIC over must recreate it).
    pub gateway: Option<IpAddr>,
}

/// Everything hostnet detected.
#[derive(Clone, Debug, Serialize)]
pub struct Facts {
    /// Distro family.
    pub distro: Distro,
    /// Init system.
    pub init: Init,
    /// Interfaces that exist now.
    pub interfaces: Vec<InterfaceFact>,
    /// User names in the host's `/etc/passwd` (`None`: unknown, not checked).
    pub users: Option<Vec<String>>,
    /// Group names in the host's `/etc/group` (`None`: unknown, not checked).
    pub groups: Option<Vec<String>>,
    /// Installed tools that matter for target choice (`ufw`, `nft`, …).
    pub tools: Vec<String>,
    /// Is ufw enabled (`ENABLED=yes` in `/etc/ufw/ufw.conf`)?
    pub ufw_enabled: bool,
    /// Services that run or start at boot and decide backends
    /// (`NetworkManager`, `firewalld`, `docker` — Docker only where it
    /// manages iptables, as it does unless its daemon.json says otherwise).
    pub services: Vec<String>,
    /// NetworkManager's version (`1.42.4`), when known.
    pub networkmanager_version: Option<String>,
    /// Is the `br_netfilter` module loaded (bridged frames then traverse
    /// iptables' FORWARD)?
    pub br_netfilter: bool,
    /// Devices netplan defines, with where.
    pub netplan: Vec<NetplanDefinition>,
    /// Numeric user IDs from `/etc/passwd` (NetworkManager's TAP owner is one).
    pub user_ids: BTreeMap<String, u32>,
    /// Numeric group IDs from `/etc/group`.
    pub group_ids: BTreeMap<String, u32>,
    /// `/etc/machine-id`: a stable identity of this host, which generated
    /// MACs derive from (so two hosts on one LAN do not generate the same).
    pub machine_id: Option<String>,
}

impl Facts {
    /// Facts that know nothing but the distro family (and its usual init):
    /// what a facts file with only `distro:` says.
    pub fn bare(distro: Distro) -> Self {
        Self {
            distro,
            init: if distro == Distro::Gentoo {
                Init::Openrc
            } else {
                Init::Systemd
            },
            interfaces: Vec::new(),
            users: None,
            groups: None,
            tools: Vec::new(),
            ufw_enabled: false,
            services: Vec::new(),
            networkmanager_version: None,
            br_netfilter: false,
            netplan: Vec::new(),
            user_ids: BTreeMap::new(),
            group_ids: BTreeMap::new(),
            machine_id: None,
        }
    }

    /// The facts as template variables (`hostnet_*`).
    pub fn variables(&self) -> Scope {
        let mut scope = Scope::new();
        scope.insert("hostnet_distro".into(), Value::from(self.distro.name()));
        scope.insert("hostnet_init".into(), Value::from(self.init.name()));
        let names: Vec<Value> = self.interfaces.iter().map(|i| Value::from(i.name.as_str())).collect();
        scope.insert("hostnet_interfaces".into(), Value::from(names));
        let wireless: Vec<Value> = self
            .interfaces
            .iter()
            .filter(|i| i.wireless)
            .map(|i| Value::from(i.name.as_str()))
            .collect();
        scope.insert("hostnet_wireless_interfaces".into(), Value::from(wireless));
        let details = map_value(self.interfaces.iter().map(|i| {
            (
                i.name.to_string(),
                map_value([
                    (
                        "mac".to_owned(),
                        i.mac.map_or(Value::from(()), |mac| Value::from(mac.to_string())),
                    ),
                    ("wireless".to_owned(), Value::from(i.wireless)),
                    ("addresses".to_owned(), Value::from(i.addresses.clone())),
                    (
                        "gateway".to_owned(),
                        i.gateway
                            .map_or(Value::from(()), |gateway| Value::from(gateway.to_string())),
                    ),
                ]),
            )
        }));
        scope.insert("hostnet_interface_facts".into(), details);
        scope
    }

    /// The interface with this name, if present.
    pub fn interface(&self, name: &str) -> Option<&InterfaceFact> {
        self.interfaces.iter().find(|i| i.name.as_str() == name)
    }

    /// Is `tool` installed?
    pub fn has_tool(&self, tool: &str) -> bool {
        self.tools.iter().any(|t| t == tool)
    }

    /// Does `service` run (or start at boot) here?
    pub fn runs(&self, service: &str) -> bool {
        self.services.iter().any(|s| s == service)
    }

    /// Is NetworkManager known to be at least `major.minor`?
    pub fn networkmanager_at_least(&self, major: u32, minor: u32) -> bool {
        self.networkmanager_version.as_deref().is_some_and(|version| {
            let mut parts = version.split('.').map(|part| part.parse::<u32>().unwrap_or(0));
            let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            found >= (major, minor)
        })
    }
}

/// Services whose presence decides backends: the name recorded, the units
/// (or aliases) whose `wants` link means "enabled" under systemd, and the
/// paths that exist only while it runs.
const SERVICES: &[(&str, &[&str], &[&str])] = &[
    (
        "NetworkManager",
        &[
            "multi-user.target.wants/NetworkManager.service",
            "dbus-org.freedesktop.NetworkManager.service",
        ],
        &["/run/NetworkManager/NetworkManager.pid", "/run/NetworkManager/devices"],
    ),
    (
        "firewalld",
        &[
            "multi-user.target.wants/firewalld.service",
            "dbus-org.fedoraproject.FirewallD1.service",
        ],
        &["/run/firewalld.pid", "/run/firewalld"],
    ),
    (
        "docker",
        &[
            "multi-user.target.wants/docker.service",
            "sockets.target.wants/docker.socket",
        ],
        &["/run/docker.pid", "/run/docker.sock"],
    ),
];

fn services(root: &Root) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for (name, units, running) in SERVICES {
        let mut paths: Vec<String> = units.iter().map(|unit| format!("/etc/systemd/system/{unit}")).collect();
        paths.push(format!("/etc/runlevels/default/{name}"));
        paths.extend(running.iter().map(|path| (*path).to_owned()));
        for path in paths {
            if root.exists(&SysPath::from_static(path))? {
                found.push((*name).to_owned());
                break;
            }
        }
    }
    // Docker with `"iptables": false` in its daemon.json leaves the firewall
    // alone, which is all hostnet cares about.
    let daemon = root
        .read_text(&SysPath::from_static("/etc/docker/daemon.json"))?
        .unwrap_or_default();
    let compact: String = daemon.split_whitespace().collect();
    if compact.contains("\"iptables\":false") {
        found.retain(|service| service != "docker");
    }
    Ok(found)
}

/// NetworkManager's upstream version from dpkg's status database
/// (`Version: 1.42.4-1+deb12u1` → `1.42.4`); `None` elsewhere (an RPM host).
fn networkmanager_version(root: &Root) -> Result<Option<String>> {
    let Some(status) = root.read_text(&SysPath::from_static("/var/lib/dpkg/status"))? else {
        return Ok(None);
    };
    Ok(status
        .split("\n\n")
        .find(|paragraph| paragraph.lines().any(|line| line == "Package: network-manager"))
        .and_then(|paragraph| paragraph.lines().find_map(|line| line.strip_prefix("Version: ")))
        .map(|version| {
            let version = version.split_once(':').map_or(version, |(_, rest)| rest);
            version.split('-').next().unwrap_or(version).to_owned()
        }))
}

/// Tools whose presence is recorded in facts (looked up in the root's `/usr/sbin`, `/sbin`, `/usr/bin`).
const TOOLS: &[&str] = &[
    "ufw",
    "nft",
    "iptables",
    "ebtables",
    "dnsmasq",
    "brctl",
    "ifup",
    "networkctl",
    "NetworkManager",
    "nmcli",
    "firewalld",
    "firewall-cmd",
    "dockerd",
    "netplan",
];

/// Detect facts under `root`; `distro` overrides the os-release detection.
pub fn gather(root: &Root, distro: Option<Distro>) -> Result<Facts> {
    let os_release = root
        .read_text(&SysPath::from_static("/etc/os-release"))?
        .unwrap_or_default();
    let detected = distro.unwrap_or_else(|| distro_from_os_release(&os_release));
    let init = if root.exists(&SysPath::from_static("/run/systemd/system"))? {
        Init::Systemd
    } else if root.exists(&SysPath::from_static("/run/openrc"))?
        || root.exists(&SysPath::from_static("/sbin/openrc"))?
        || root.exists(&SysPath::from_static("/sbin/openrc-run"))?
        || detected == Distro::Gentoo
    {
        Init::Openrc
    } else {
        Init::Systemd
    };
    let mut interfaces = Vec::new();
    let gateways = root
        .read_text(&SysPath::from_static("/proc/net/route"))?
        .map(|text| default_gateways(&text))
        .unwrap_or_default();
    let networkd_files = crate::networkd::files(root)?;
    let net = SysPath::from_static("/sys/class/net");
    for name in root.list(&net)? {
        let Ok(name) = name.parse::<InterfaceName>() else {
            continue;
        };
        if name.as_str() == "lo" {
            continue;
        }
        let dir = format!("/sys/class/net/{name}");
        let mac = root
            .read_text(&SysPath::from_static(format!("{dir}/address")))?
            .and_then(|text| text.trim().parse().ok());
        let wireless = root.exists(&SysPath::from_static(format!("{dir}/wireless")))?
            || root.exists(&SysPath::from_static(format!("{dir}/phy80211")))?;
        let accept_ra = root
            .read_text(&SysPath::from_static(format!(
                "/proc/sys/net/ipv6/conf/{name}/accept_ra"
            )))?
            .and_then(|text| text.trim().parse().ok());
        let gateway = gateways
            .iter()
            .find(|(dev, _)| dev == name.as_str())
            .map(|(_, via)| *via);
        let networkd = crate::networkd::file_for(&networkd_files, name.as_str(), mac.as_ref()).cloned();
        interfaces.push(InterfaceFact {
            name,
            mac,
            wireless,
            addresses: Vec::new(),
            accept_ra,
            networkd,
            gateway,
        });
    }
    if let Some(text) = root.read_text(&SysPath::from_static("/proc/net/if_inet6"))? {
        for (name, address) in parse_if_inet6(&text) {
            if let Some(fact) = interfaces.iter_mut().find(|fact| fact.name.as_str() == name) {
                fact.addresses.push(address);
            }
        }
    }
    let users = account_names(root, "/etc/passwd")?;
    let groups = account_names(root, "/etc/group")?;
    let mut tools = Vec::new();
    for tool in TOOLS {
        for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            if root.exists(&SysPath::from_static(format!("{dir}/{tool}")))? {
                tools.push((*tool).to_owned());
                break;
            }
        }
    }
    let ufw_enabled = root
        .read_text(&SysPath::from_static("/etc/ufw/ufw.conf"))?
        .is_some_and(|text| text.lines().any(|line| line.trim() == "ENABLED=yes"));
    Ok(Facts {
        distro: detected,
        init,
        interfaces,
        users,
        groups,
        tools,
        ufw_enabled,
        services: services(root)?,
        networkmanager_version: networkmanager_version(root)?,
        br_netfilter: root.exists(&SysPath::from_static("/sys/module/br_netfilter"))?,
        netplan: netplan::definitions(root)?,
        user_ids: account_ids(root, "/etc/passwd")?,
        group_ids: account_ids(root, "/etc/group")?,
        machine_id: root
            .read_text(&SysPath::from_static("/etc/machine-id"))?
            .and_then(|text| machine_id(&text)),
    })
}

/// `/etc/machine-id`'s one line of 32 hex digits (systemd's machine-id(5),
/// OpenRC's dbus-generated one alike); empty or `uninitialized`: none.
fn machine_id(text: &str) -> Option<String> {
    let id = text.trim();
    (id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit())).then(|| id.to_ascii_lowercase())
}

/// The default routes of `/proc/net/route` (`Iface Destination Gateway Flags
/// … Mask …`, addresses in hex in the kernel's little-endian byte order):
/// interface and gateway of each line with destination and mask 0.
fn default_gateways(text: &str) -> Vec<(String, IpAddr)> {
    let address = |hex: &str| {
        u32::from_str_radix(hex, 16)
            .ok()
            .map(|value| std::net::Ipv4Addr::from(value.to_le_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (interface, destination, gateway, mask) =
                (fields.first()?, fields.get(1)?, fields.get(2)?, fields.get(7)?);
            let gateway = address(gateway)?;
            (address(destination)?.is_unspecified() && address(mask)?.is_unspecified() && !gateway.is_unspecified())
                .then(|| ((*interface).to_owned(), IpAddr::V4(gateway)))
        })
        .collect()
}

/// `name:x:ID:…` lines → name → ID.
fn account_ids(root: &Root, path: &str) -> Result<BTreeMap<String, u32>> {
    Ok(root
        .read_text(&SysPath::from_static(path))?
        .map(|text| {
            text.lines()
                .filter_map(|line| {
                    let mut fields = line.split(':');
                    let name = fields.next()?;
                    let id = fields.nth(1)?.parse().ok()?;
                    (!name.is_empty() && !name.starts_with('#')).then(|| (name.to_owned(), id))
                })
                .collect()
        })
        .unwrap_or_default())
}

fn account_names(root: &Root, path: &str) -> Result<Option<Vec<String>>> {
    Ok(root.read_text(&SysPath::from_static(path))?.map(|text| {
        text.lines()
            .filter_map(|line| line.split(':').next())
            .filter(|name| !name.is_empty() && !name.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }))
}

/// `ID=`/`ID_LIKE=` of os-release → distro family.
pub fn distro_from_os_release(text: &str) -> Distro {
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key))
            .map(|value| value.trim().trim_matches('"').to_owned())
            .unwrap_or_default()
    };
    let id = field("ID=");
    let like = field("ID_LIKE=");
    match id.as_str() {
        "gentoo" => Distro::Gentoo,
        "debian" => Distro::Debian,
        "ubuntu" => Distro::Ubuntu,
        _ if like.split_whitespace().any(|l| l == "gentoo") => Distro::Gentoo,
        _ if like.split_whitespace().any(|l| l == "ubuntu") => Distro::Ubuntu,
        _ if like.split_whitespace().any(|l| l == "debian") => Distro::Debian,
        _ => Distro::Systemd,
    }
}

/// The keys of a facts file.
const KEYS: &[&str] = &[
    "distro",
    "init",
    "interfaces",
    "users",
    "groups",
    "tools",
    "ufw_enabled",
    "services",
    "networkmanager_version",
    "br_netfilter",
    "netplan",
    "user_ids",
    "group_ids",
    "machine_id",
];

/// Read facts from a YAML file (`--facts`), e.g. for planning another host:
///
/// ```yaml
/// distro: gentoo
/// init: openrc
/// interfaces:
///   - { name: eth0, mac: "52:54:00:12:34:56" }
///   - { name: wlan0, wireless: true }
/// users: [root, qemu]
/// groups: [root, kvm]
/// tools: [iptables, dnsmasq]
/// # optional, for the hosts NetworkManager, firewalld, netplan or Docker run:
/// services: [NetworkManager, firewalld, docker]
/// networkmanager_version: "1.46.0"
/// br_netfilter: true
/// netplan: [{ name: eth0, file: /etc/netplan/01-netcfg.yaml, line: 6 }]
/// user_ids: { qemu: 107 }
/// group_ids: { kvm: 36 }
/// machine_id: 0123456789abcdef0123456789abcdef
/// ```
pub fn load(path: &Path, distro: Option<Distro>) -> Result<Facts> {
    let vars = yaml::load_mapping(path, "a mapping of facts")?;
    let mut facts = Facts::bare(Distro::Systemd);
    let mut init = None;
    for (key, node) in &vars {
        match key.name.as_str() {
            "distro" => facts.distro = parse_scalar(node, "a distro")?,
            "init" => {
                init = Some(match node.as_str("`openrc` or `systemd`")? {
                    "openrc" => Init::Openrc,
                    "systemd" => Init::Systemd,
                    other => {
                        return Err(invalid(
                            node,
                            format!("unknown init `{other}` (expected openrc or systemd)"),
                        ));
                    }
                });
            }
            "interfaces" => {
                for item in node.as_seq("a list of interfaces")? {
                    facts.interfaces.push(interface_fact(item)?);
                }
            }
            // `null` (as `facts --json` writes it): not known, so not checked.
            "users" => facts.users = known(node).map(names).transpose()?,
            "groups" => facts.groups = known(node).map(names).transpose()?,
            "tools" => facts.tools = known(node).map(names).transpose()?.unwrap_or_default(),
            "ufw_enabled" => {
                facts.ufw_enabled = matches!(node.value, NodeValue::Bool(true));
            }
            "services" => facts.services = names(node)?,
            "networkmanager_version" if matches!(node.value, NodeValue::Null) => facts.networkmanager_version = None,
            "networkmanager_version" => {
                facts.networkmanager_version = Some(node.scalar_text("a version like `1.46.0`")?);
            }
            "br_netfilter" => facts.br_netfilter = matches!(node.value, NodeValue::Bool(true)),
            "netplan" => {
                for item in node.as_seq("a list of netplan definitions")? {
                    facts.netplan.push(netplan_definition(item)?);
                }
            }
            "user_ids" => facts.user_ids = ids(node)?,
            "group_ids" => facts.group_ids = ids(node)?,
            "machine_id" if matches!(node.value, NodeValue::Null) => facts.machine_id = None,
            "machine_id" => {
                let text = node.scalar_text("a machine ID (32 hex digits)")?;
                facts.machine_id = Some(
                    machine_id(&text)
                        .ok_or_else(|| invalid(node, format!("`{text}` is not a machine ID (32 hex digits)")))?,
                );
            }
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "facts",
                        suggestion: crate::error::suggest(&key.name, KEYS.iter().copied()),
                        expected: KEYS.to_vec(),
                    },
                ));
            }
        }
    }
    if let Some(distro) = distro {
        facts.distro = distro;
    }
    facts.init = init.unwrap_or(if facts.distro == Distro::Gentoo {
        Init::Openrc
    } else {
        Init::Systemd
    });
    Ok(facts)
}

fn invalid(node: &Node, message: String) -> Error {
    Error::at(&node.pos, ErrorKind::Facts { message })
}

fn parse_scalar<T: FromStr<Err = String>>(node: &Node, what: &str) -> Result<T> {
    node.as_str(what)?.parse().map_err(|message| invalid(node, message))
}

/// The node, unless it is `null`.
fn known(node: &Node) -> Option<&Node> {
    (!matches!(node.value, NodeValue::Null)).then_some(node)
}

fn names(node: &Node) -> Result<Vec<String>> {
    Ok(node
        .string_list("a list of names")?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// `{ qemu: 107, … }` → name → ID.
fn ids(node: &Node) -> Result<BTreeMap<String, u32>> {
    let mut ids = BTreeMap::new();
    for (key, value) in node.as_map("a mapping of names to numeric IDs")? {
        let NodeValue::Int(id) = value.value else {
            return Err(invalid(value, format!("the ID of `{}` must be a number", key.name)));
        };
        let id = u32::try_from(id).map_err(|_| invalid(value, format!("`{id}` is not an ID")))?;
        ids.insert(key.name.clone(), id);
    }
    Ok(ids)
}

/// `{ name: eth0, file: /etc/netplan/01.yaml, line: 6 }`.
fn netplan_definition(node: &Node) -> Result<NetplanDefinition> {
    let mut definition = NetplanDefinition {
        name: String::new(),
        file: String::new(),
        line: 1,
    };
    for (key, value) in node.as_map("a netplan definition (`name`, `file`, `line`)")? {
        match key.name.as_str() {
            "name" => definition.name = value.scalar_text("an interface name")?,
            "file" => definition.file = value.scalar_text("a path")?,
            "line" => {
                let NodeValue::Int(line) = value.value else {
                    return Err(invalid(value, "`line` must be a number".into()));
                };
                definition.line = u32::try_from(line).map_err(|_| invalid(value, format!("`{line}` is not a line")))?;
            }
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "a netplan definition",
                        suggestion: crate::error::suggest(&key.name, ["name", "file", "line"]),
                        expected: vec!["name", "file", "line"],
                    },
                ));
            }
        }
    }
    if definition.name.is_empty() || definition.file.is_empty() {
        return Err(invalid(node, "a netplan definition needs `name` and `file`".into()));
    }
    Ok(definition)
}

/// The keys of an interface in a facts file.
const INTERFACE_FACT_KEYS: [&str; 7] = [
    "name",
    "mac",
    "wireless",
    "addresses",
    "gateway",
    "accept_ra",
    "networkd",
];

/// `/proc/net/if_inet6`: per line the address (32 hex digits), the
/// interface index, the prefix length (hex), scope, flags and the name;
/// gives `(name, "ADDRESS/PREFIX")` in the file's order.
pub fn parse_if_inet6(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (hex, prefix, name) = (fields.first()?, fields.get(2)?, fields.get(5)?);
            let address = std::net::Ipv6Addr::from(u128::from_str_radix(hex, 16).ok()?);
            let prefix = u8::from_str_radix(prefix, 16).ok()?;
            Some(((*name).to_owned(), format!("{address}/{prefix}")))
        })
        .collect()
}

fn interface_fact(node: &Node) -> Result<InterfaceFact> {
    let mut fact = InterfaceFact {
        name: "x".parse().unwrap_or_else(|_| unreachable!()),
        mac: None,
        wireless: false,
        addresses: Vec::new(),
        accept_ra: None,
        networkd: None,
        gateway: None,
    };
    let mut named = false;
    for (key, value) in node.as_map("an interface (`name`, `mac`, `wireless`, `addresses`, `gateway`)")? {
        match key.name.as_str() {
            "name" => {
                fact.name = parse_scalar(value, "an interface name")?;
                named = true;
            }
            "mac" => fact.mac = known(value).map(|mac| parse_scalar(mac, "a MAC address")).transpose()?,
            "wireless" => fact.wireless = matches!(value.value, NodeValue::Bool(true)),
            "networkd" => {
                let text = value.as_str("the path of a `.network` file")?;
                fact.networkd = Some(SysPath::new(text).map_err(|message| invalid(value, message))?);
            }
            "accept_ra" => match value.value {
                NodeValue::Int(number @ 0..=2) => fact.accept_ra = u8::try_from(number).ok(),
                _ => return Err(invalid(value, "`accept_ra` is 0, 1 or 2 (the kernel's values)".into())),
            },
            "addresses" => {
                for (address, _) in value.string_list("a list of addresses")? {
                    if address
                        .split('/')
                        .next()
                        .and_then(|a| a.parse::<IpAddr>().ok())
                        .is_none()
                    {
                        return Err(invalid(value, format!("`{address}` is not an address")));
                    }
                    fact.addresses.push(address);
                }
            }
            "gateway" => {
                fact.gateway = known(value)
                    .map(|gateway| {
                        let text = gateway.scalar_text("a gateway address")?;
                        text.parse::<IpAddr>()
                            .map_err(|_| invalid(gateway, format!("`{text}` is not an address")))
                    })
                    .transpose()?;
            }
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "an interface fact",
                        suggestion: crate::error::suggest(&key.name, INTERFACE_FACT_KEYS),
                        expected: INTERFACE_FACT_KEYS.to_vec(),
                    },
                ));
            }
        }
    }
    if !named {
        return Err(invalid(node, "an interface fact needs `name`".into()));
    }
    Ok(fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_from_proc() {
        let text = "fd424242424200010000000000000001 05 40 00 80     br0\n\
                    fe80000000000000505400fffe000102 02 40 20 80    eth0\n\
                    20010db8000100000000000000000010 02 40 00 00    eth0\n";
        assert_eq!(
            parse_if_inet6(text),
            [
                ("br0".to_owned(), "fd42:4242:4242:1::1/64".to_owned()),
                ("eth0".to_owned(), "fe80::5054:ff:fe00:102/64".to_owned()),
                ("eth0".to_owned(), "2001:db8:1::10/64".to_owned()),
            ]
        );
    }

    #[test]
    fn os_release_ids() {
        assert_eq!(distro_from_os_release("ID=gentoo\n"), Distro::Gentoo);
        assert_eq!(distro_from_os_release("ID=\"debian\"\n"), Distro::Debian);
        assert_eq!(distro_from_os_release("ID=raspbian\nID_LIKE=debian\n"), Distro::Debian);
        assert_eq!(
            distro_from_os_release("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"),
            Distro::Ubuntu
        );
        assert_eq!(distro_from_os_release("ID=fedora\n"), Distro::Systemd);
    }

    #[test]
    fn default_routes_and_machine_ids() {
        let table = "\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
br9\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0
";
        assert_eq!(
            default_gateways(table),
            [("eth0".to_owned(), "192.168.1.1".parse::<IpAddr>().unwrap())]
        );
        assert_eq!(
            machine_id("0123456789ABCDEF0123456789abcdef\n").as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(machine_id("uninitialized\n"), None);
        assert_eq!(machine_id(""), None);
    }
}
