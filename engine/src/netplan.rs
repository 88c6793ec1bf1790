//! Which interfaces netplan (Ubuntu) defines, and where: read from the
//! root's netplan YAML as facts, so a network backend can warn when netplan
//! configures a device hostnet manages (netplan renders its own networkd or
//! NetworkManager files for it at boot, and the two then fight over it).
//!
//! netplan reads `/lib/netplan`, `/etc/netplan` and `/run/netplan`, each
//! `*.yaml` in lexical order, a later file of the same name shadowing an
//! earlier one (netplan(5)); every device is a key under `network:` →
//! `ethernets`, `wifis`, `bridges`, `bonds`, `vlans`, … . A file that does
//! not parse is skipped here: netplan itself reports it, and hostnet never
//! changes netplan's files.

use serde::Serialize;

use crate::error::Result;
use crate::root::{Root, SysPath};
use crate::source::Source;
use crate::yaml::{self, NodeValue};

/// Where netplan reads its configuration, in order.
const DIRECTORIES: [&str; 3] = ["/lib/netplan", "/etc/netplan", "/run/netplan"];

/// The device kinds under `network:`.
const KINDS: [&str; 8] = [
    "ethernets",
    "wifis",
    "bridges",
    "bonds",
    "vlans",
    "tunnels",
    "vrfs",
    "modems",
];

/// A device defined in a netplan file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NetplanDefinition {
    /// The device's name (the key under `ethernets:` and the like).
    pub name: String,
    /// The file (a path on the host).
    pub file: String,
    /// The 1-based line of the key.
    pub line: u32,
}

/// Every device defined by netplan under `root`, in netplan's reading order.
pub fn definitions(root: &Root) -> Result<Vec<NetplanDefinition>> {
    let mut files: Vec<(String, String)> = Vec::new();
    for directory in DIRECTORIES {
        for name in root.list(&SysPath::from_static(directory))? {
            if !name.ends_with(".yaml") {
                continue;
            }
            let path = format!("{directory}/{name}");
            files.retain(|(other, _)| other != &name);
            files.push((name, path));
        }
    }
    files.sort();
    let mut found = Vec::new();
    for (_, path) in files {
        let Some(text) = root.read_text(&SysPath::from_static(&path))? else {
            continue;
        };
        found.extend(parse(&path, &text));
    }
    Ok(found)
}

/// The devices one netplan file defines (none if it does not parse).
pub fn parse(path: &str, text: &str) -> Vec<NetplanDefinition> {
    let source = Source::new(path, text);
    let Ok(document) = yaml::parse(&source) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let NodeValue::Map(top) = &document.value else {
        return found;
    };
    for (key, network) in top {
        if key.name != "network" {
            continue;
        }
        let NodeValue::Map(sections) = &network.value else {
            continue;
        };
        for (kind, devices) in sections {
            if !KINDS.contains(&kind.name.as_str()) {
                continue;
            }
            let NodeValue::Map(devices) = &devices.value else {
                continue;
            };
            for (device, _) in devices {
                found.push(NetplanDefinition {
                    name: device.name.clone(),
                    file: path.to_owned(),
                    line: device.pos.line,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_with_their_lines() {
        let text = "\
# Let NetworkManager manage all devices on this system
network:
  version: 2
  renderer: NetworkManager
  ethernets:
    eth0:
      dhcp4: true
    enp3s0: {}
  wifis:
    wlan0:
      access-points: {}
";
        assert_eq!(
            parse("/etc/netplan/01.yaml", text),
            [
                NetplanDefinition {
                    name: "eth0".into(),
                    file: "/etc/netplan/01.yaml".into(),
                    line: 6
                },
                NetplanDefinition {
                    name: "enp3s0".into(),
                    file: "/etc/netplan/01.yaml".into(),
                    line: 8
                },
                NetplanDefinition {
                    name: "wlan0".into(),
                    file: "/etc/netplan/01.yaml".into(),
                    line: 10
                },
            ]
        );
        assert_eq!(parse("/etc/netplan/bad.yaml", "network: [\n"), []);
    }
}
