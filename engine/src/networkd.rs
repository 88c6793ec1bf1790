//! Which `.network` file systemd-networkd applies to an interface
//! (systemd.network(5)): the files of `/etc/systemd/network`,
//! `/run/systemd/network` and `/usr/lib/systemd/network` (`/lib` on older
//! layouts) are taken together, a name in an earlier directory hiding the
//! same name in a later one (a link to `/dev/null` masks it), and sorted by
//! file name; the first whose `[Match]` section matches the interface is
//! the one networkd uses.
//!
//! `Name=` (shell globs, several per line and over several lines, `!`
//! inverting the list) and `MACAddress=` are evaluated; any other match
//! key (`Driver=`, `Type=`, `Path=`, …) cannot be told from facts and is
//! taken as matching. An empty `[Match]` matches every interface.

use crate::root::{Entry, Root, SysPath};
use crate::types::MacAddr;

/// The directories networkd reads `.network` files from, highest priority first.
pub const DIRECTORIES: [&str; 4] = [
    "/etc/systemd/network",
    "/run/systemd/network",
    "/usr/lib/systemd/network",
    "/lib/systemd/network",
];

/// One `.network` file's `[Match]` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Match {
    /// `Name=` globs (`None`: no `Name=`), and whether the list is inverted (`!`).
    names: Option<(bool, Vec<String>)>,
    /// `MACAddress=` (empty: none given).
    macs: Vec<MacAddr>,
}

impl Match {
    /// The `[Match]` section of a `.network` file's text.
    pub fn parse(text: &str) -> Self {
        let mut matching = Self::default();
        let mut in_match = false;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if line.starts_with('[') {
                in_match = line == "[Match]";
                continue;
            }
            if !in_match {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "Name" => {
                    if value.is_empty() {
                        // An empty assignment resets the list.
                        matching.names = None;
                        continue;
                    }
                    let (invert, value) = value
                        .strip_prefix('!')
                        .map_or((false, value), |rest| (true, rest.trim_start()));
                    let entry = matching.names.get_or_insert((invert, Vec::new()));
                    entry.0 = invert;
                    entry.1.extend(value.split_whitespace().map(str::to_owned));
                }
                "MACAddress" => {
                    if value.is_empty() {
                        matching.macs.clear();
                    }
                    matching
                        .macs
                        .extend(value.split_whitespace().filter_map(|mac| mac.parse::<MacAddr>().ok()));
                }
                _ => {}
            }
        }
        matching
    }

    /// Does the section match an interface of this name and MAC?
    pub fn matches(&self, name: &str, mac: Option<&MacAddr>) -> bool {
        if let Some((invert, globs)) = &self.names {
            let any = globs
                .iter()
                .any(|glob| glob::Pattern::new(glob).is_ok_and(|pattern| pattern.matches(name)));
            if any == *invert {
                return false;
            }
        }
        self.macs.is_empty() || mac.is_some_and(|mac| self.macs.contains(mac))
    }
}

/// The `.network` files under `root` in the order networkd considers them:
/// `(path, its [Match])`, masked ones left out.
pub fn files(root: &Root) -> crate::error::Result<Vec<(SysPath, Match)>> {
    let mut seen: std::collections::BTreeMap<String, Option<SysPath>> = std::collections::BTreeMap::new();
    for dir in DIRECTORIES {
        let dir = SysPath::from_static(dir);
        for name in root.list(&dir)? {
            if !name.ends_with(".network") || seen.contains_key(&name) {
                continue;
            }
            let path = SysPath::from_static(format!("{}/{name}", dir.as_str()));
            let masked = matches!(root.entry(&path)?, Entry::Link { ref target } if target == "/dev/null");
            seen.insert(name, (!masked).then_some(path));
        }
    }
    let mut files = Vec::new();
    for path in seen.into_values().flatten() {
        if let Some(text) = root.read_text(&path)? {
            files.push((path, Match::parse(&text)));
        }
    }
    Ok(files)
}

/// The file networkd applies to the interface `name` (with `mac`), if any.
pub fn file_for<'a>(files: &'a [(SysPath, Match)], name: &str, mac: Option<&MacAddr>) -> Option<&'a SysPath> {
    files
        .iter()
        .find(|(_, matching)| matching.matches(name, mac))
        .map(|(path, _)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(text: &str) -> MacAddr {
        text.parse().unwrap()
    }

    #[test]
    fn names_globs_macs_and_inversion() {
        let section = Match::parse("[Match]\nName=en* eth0\n\n[Network]\nDHCP=yes\nName=wl*\n");
        assert!(section.matches("eth0", None));
        assert!(section.matches("enp1s0", None));
        assert!(
            !section.matches("wlan0", None),
            "Name= outside [Match] is not a match key"
        );
        let inverted = Match::parse("[Match]\nName=!veth* br*\n");
        assert!(inverted.matches("eth0", None));
        assert!(!inverted.matches("veth1", None));
        let by_mac = Match::parse("[Match]\nMACAddress=52:54:00:12:34:56\n");
        assert!(by_mac.matches("eth7", Some(&mac("52:54:00:12:34:56"))));
        assert!(!by_mac.matches("eth7", Some(&mac("52:54:00:12:34:57"))));
        assert!(!by_mac.matches("eth7", None));
        let reset = Match::parse("[Match]\nName=eth1\nName=\nName=eth2\n");
        assert!(!reset.matches("eth1", None));
        assert!(reset.matches("eth2", None));
        assert!(Match::parse("[Match]\n").matches("anything", None));
        assert!(
            Match::parse("[Match]\nName=eth0\nDriver=virtio_net\n").matches("eth0", None),
            "keys facts cannot tell are taken as matching"
        );
    }

    #[test]
    #[expect(
        clippy::disallowed_methods,
        reason = "the test builds a host tree in a temporary directory"
    )]
    fn the_first_file_by_name_wins_and_etc_hides_run() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path.trim_start_matches('/'));
            fs_err::create_dir_all(path.parent().unwrap()).unwrap();
            fs_err::write(path, text).unwrap();
        };
        write("/run/systemd/network/10-netplan-eth0.network", "[Match]\nName=eth0\n");
        write("/usr/lib/systemd/network/99-default.network", "[Match]\nName=*\n");
        write("/etc/systemd/network/50-lan.network", "[Match]\nName=eth1\n");
        let root = Root::new(dir.path());
        let files = files(&root).unwrap();
        let named = |name: &str| file_for(&files, name, None).map(SysPath::as_str);
        assert_eq!(named("eth0"), Some("/run/systemd/network/10-netplan-eth0.network"));
        assert_eq!(named("eth1"), Some("/etc/systemd/network/50-lan.network"));
        assert_eq!(named("eth2"), Some("/usr/lib/systemd/network/99-default.network"));
        // /etc's file of the same name hides /run's; a link to /dev/null masks it.
        write("/etc/systemd/network/10-netplan-eth0.network", "[Match]\nName=eth9\n");
        let files = super::files(&root).unwrap();
        assert_eq!(
            file_for(&files, "eth0", None).map(SysPath::as_str),
            Some("/usr/lib/systemd/network/99-default.network")
        );
        fs_err::remove_file(dir.path().join("etc/systemd/network/10-netplan-eth0.network")).unwrap();
        std::os::unix::fs::symlink(
            "/dev/null",
            dir.path().join("etc/systemd/network/10-netplan-eth0.network"),
        )
        .unwrap();
        let files = super::files(&root).unwrap();
        assert_eq!(files.len(), 2, "{files:?}");
    }
}
