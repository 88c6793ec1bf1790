//! What hostnet knows about the host: distro, init system, interfaces,
//! accounts. Gathered once from the root (or read from `--facts FILE`) and
//! passed down; nothing else probes the host.

use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use minijinja::Value;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
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
    /// Its IPv4/IPv6 addresses with prefix, when known (used for overlap checks).
    pub addresses: Vec<String>,
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
}

impl Facts {
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
        interfaces.push(InterfaceFact {
            name,
            mac,
            wireless,
            addresses: Vec::new(),
        });
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
    })
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
/// ```
pub fn load(path: &Path, distro: Option<Distro>) -> Result<Facts> {
    let vars = yaml::load_mapping(path, "a mapping of facts")?;
    let mut facts = Facts {
        distro: Distro::Systemd,
        init: Init::Systemd,
        interfaces: Vec::new(),
        users: None,
        groups: None,
        tools: Vec::new(),
        ufw_enabled: false,
    };
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
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "facts",
                        suggestion: crate::error::suggest(
                            &key.name,
                            [
                                "distro",
                                "init",
                                "interfaces",
                                "users",
                                "groups",
                                "tools",
                                "ufw_enabled",
                            ],
                        ),
                        expected: vec![
                            "distro",
                            "init",
                            "interfaces",
                            "users",
                            "groups",
                            "tools",
                            "ufw_enabled",
                        ],
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

fn interface_fact(node: &Node) -> Result<InterfaceFact> {
    let mut fact = InterfaceFact {
        name: "x".parse().unwrap_or_else(|_| unreachable!()),
        mac: None,
        wireless: false,
        addresses: Vec::new(),
    };
    let mut named = false;
    for (key, value) in node.as_map("an interface (`name`, `mac`, `wireless`, `addresses`)")? {
        match key.name.as_str() {
            "name" => {
                fact.name = parse_scalar(value, "an interface name")?;
                named = true;
            }
            "mac" => fact.mac = known(value).map(|mac| parse_scalar(mac, "a MAC address")).transpose()?,
            "wireless" => fact.wireless = matches!(value.value, NodeValue::Bool(true)),
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
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "an interface fact",
                        suggestion: crate::error::suggest(&key.name, ["name", "mac", "wireless", "addresses"]),
                        expected: vec!["name", "mac", "wireless", "addresses"],
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
}
