//! An uplink renamed at boot: a udev rule (`ATTR{address}=="MAC",
//! NAME="NEW"`) or a systemd `.link` file (`MACAddress=`, `Name=`) the
//! playbook writes renames the NIC with that MAC when it appears, so the
//! bridge can take the NIC's old name. No apply renames anything; udev
//! does it at the next boot. The lab creates the host's NIC under its old
//! name with the playbook's MAC and plays udev's part: it renames the NIC
//! as the rule says before the host's network comes up (runtime or boot),
//! and says so in the report.

use hostnet_engine::change::{Change, Planned};

use crate::error::LabError;
use crate::namespace::{Namespace, Netns};

/// A rename the playbook asks udev for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    /// The NIC's name before (the facts' NIC with `mac`).
    pub from: String,
    /// Its name after.
    pub to: String,
    /// The MAC the rule matches.
    pub mac: String,
}

/// `(MAC, new name)` of a udev rule's line or a `.link` file.
fn rule(path: &str, content: &str) -> Option<(String, String)> {
    let quoted = |line: &str, key: &str| -> Option<String> {
        let rest = &line[line.find(key)? + key.len()..];
        let rest = rest.strip_prefix('"')?;
        Some(rest[..rest.find('"')?].to_owned())
    };
    if path.starts_with("/etc/udev/rules.d/") && path.ends_with(".rules") {
        return content
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .find_map(|line| Some((quoted(line, "ATTR{address}==")?, quoted(line, "NAME=")?)));
    }
    if path.starts_with("/etc/systemd/network/") && path.ends_with(".link") {
        let value = |key: &str| {
            content
                .lines()
                .find_map(|line| line.trim().strip_prefix(key))
                .map(|value| value.trim().to_owned())
        };
        return Some((value("MACAddress=")?, value("Name=")?));
    }
    None
}

/// The rename of `uplink` the playbook's files ask for, if any; `nics` are
/// the host's NICs before it (`(name, MAC)`).
pub fn find(changes: &[Planned], uplink: &str, nics: &[(String, String)]) -> Option<Rename> {
    changes.iter().find_map(|planned| {
        let Change::File { path, content, .. } = &planned.change else {
            return None;
        };
        let (mac, to) = rule(path.as_str(), content)?;
        let from = nics
            .iter()
            .find(|(_, nic)| nic.eq_ignore_ascii_case(&mac))
            .map(|(name, _)| name.clone())?;
        (to == uplink && from != to).then_some(Rename { from, to, mac })
    })
}

/// udev's part: the NIC `from` takes the rule's MAC (it is the NIC the
/// rule was written for) and then the rule's name.
pub fn play(host: &Netns, rename: &Rename) -> Result<(), LabError> {
    host.ip(&["link", "set", &rename.from, "down"])?;
    host.ip(&["link", "set", &rename.from, "address", &rename.mac])?;
    host.ip(&["link", "set", &rename.from, "name", &rename.to])?;
    host.ip(&["link", "set", &rename.to, "up"]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_udev_rule_and_a_link_file() {
        assert_eq!(
            rule(
                "/etc/udev/rules.d/70-hostnet-rename.rules",
                "# hostnet: …\nSUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}==\"52:54:00:4c:ab:e0\", NAME=\"reth0\"\n"
            ),
            Some(("52:54:00:4c:ab:e0".to_owned(), "reth0".to_owned()))
        );
        assert_eq!(
            rule(
                "/etc/systemd/network/10-reth0.link",
                "[Match]\nMACAddress=52:54:00:4c:ab:e0\n\n[Link]\nName=reth0\n"
            ),
            Some(("52:54:00:4c:ab:e0".to_owned(), "reth0".to_owned()))
        );
        assert_eq!(rule("/etc/hostnet/notes.rules", "NAME=\"x\""), None);
    }
}
