//! Taking over the stanzas of `/etc/network/interfaces` (interfaces(5))
//! that configure a device hostnet configures too: ifupdown runs both, so a
//! Debian installer's `allow-hotplug eth0` / `iface eth0 inet dhcp` left in
//! place gives `eth0` a lease of its own while it is a bridge port.
//!
//! The stanza lines are disabled in place: the first one is replaced by a
//! managed block `# BEGIN hostnet takeover NAME` that holds every one of
//! them commented out, under a note saying why; the others are removed from
//! where they were. The plan shows it as a diff, apply backs the file up in
//! its journal (rollback restores it), and once the block exists nothing
//! changes again. An `auto`/`allow-*` line that names other devices too
//! keeps them, in the block, without this one.
//!
//! The stanza of `iface NAME …` is that line and the option lines after it,
//! up to the next line that starts a stanza (`iface`, `mapping`, `auto`,
//! `allow-*`, `source`, `source-directory`, `rename`, `no-auto-down`,
//! `no-scripts`), without the blank and comment lines that end it. Lines
//! inside any hostnet block are never taken.

use crate::block;
use crate::change::TakeOver;

/// Words that start a stanza (or a line of its own) in interfaces(5).
const STANZA: &[&str] = &[
    "iface",
    "mapping",
    "auto",
    "source",
    "source-directory",
    "rename",
    "no-auto-down",
    "no-scripts",
];

/// A line of the user's that names the device.
#[derive(Debug, PartialEq, Eq)]
struct Taken {
    /// 0-based line index.
    index: usize,
    /// What stays active in hostnet's block (an `auto` line's other devices).
    keep: Option<Vec<u8>>,
}

/// What taking over did: the new bytes and the 1-based lines taken.
#[derive(Debug, PartialEq, Eq)]
pub struct TakenOver {
    /// The file after the takeover (the user's other bytes as they were).
    pub text: Vec<u8>,
    /// The lines disabled (1-based, as the file was).
    pub lines: Vec<usize>,
}

/// A line without the blanks around it.
fn trim(line: &[u8]) -> &[u8] {
    line.trim_ascii()
}

/// The blank-separated words of a line.
fn words(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(u8::is_ascii_whitespace).filter(|word| !word.is_empty())
}

/// Take `takeover`'s device's stanzas out of `current`; `None` when there
/// is nothing to take (no file, no stanza, or taken over already). Bytes
/// outside the taken lines are kept as they are, whatever the encoding.
pub fn apply(current: Option<&[u8]>, takeover: &TakeOver) -> Option<TakenOver> {
    let text = current?;
    let (begin, end) = block::fences(&takeover.marker());
    let lines: Vec<&[u8]> = text.split_inclusive(|byte| *byte == b'\n').collect();
    if lines.iter().any(|line| trim(line) == begin.as_bytes()) {
        return None;
    }
    let taken = stanza_lines(&lines, takeover.interface.as_str().as_bytes());
    let first = taken.first()?.index;
    let mut fenced = format!("{begin}\n# {}\n", takeover.note).into_bytes();
    for item in &taken {
        let line = lines[item.index].trim_ascii_end();
        fenced.push(b'#');
        if !line.is_empty() {
            fenced.push(b' ');
            fenced.extend_from_slice(line);
        }
        fenced.push(b'\n');
    }
    for item in &taken {
        if let Some(keep) = &item.keep {
            fenced.extend_from_slice(keep);
            fenced.push(b'\n');
        }
    }
    fenced.extend_from_slice(end.as_bytes());
    fenced.push(b'\n');
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if index == first {
            out.extend_from_slice(&fenced);
        } else if !taken.iter().any(|item| item.index == index) {
            out.extend_from_slice(line);
        }
    }
    Some(TakenOver {
        text: out,
        lines: taken.iter().map(|item| item.index + 1).collect(),
    })
}

/// The lines outside hostnet's blocks that configure `name`, in order.
fn stanza_lines(lines: &[&[u8]], name: &[u8]) -> Vec<Taken> {
    let mut inside = false;
    let mut taken = Vec::new();
    // The open `iface NAME` stanza: its option lines follow.
    let mut open = false;
    let mut pending: Vec<usize> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = trim(line);
        if trimmed.starts_with(b"# BEGIN hostnet ") {
            inside = true;
            open = false;
            continue;
        }
        if trimmed.starts_with(b"# END hostnet ") {
            inside = false;
            continue;
        }
        if inside {
            continue;
        }
        let mut words = words(trimmed);
        let keyword = words.next().unwrap_or_default();
        let starts = STANZA.iter().any(|word| word.as_bytes() == keyword) || keyword.starts_with(b"allow-");
        if starts {
            open = false;
            pending.clear();
        }
        if keyword == b"iface" {
            if words.next() == Some(name) {
                taken.push(Taken { index, keep: None });
                open = true;
            }
            continue;
        }
        if keyword == b"auto" || keyword.starts_with(b"allow-") {
            let devices: Vec<&[u8]> = words.collect();
            if devices.contains(&name) {
                let others: Vec<&[u8]> = devices.iter().copied().filter(|device| *device != name).collect();
                let keep = (!others.is_empty()).then(|| [keyword, b" ", &others.join(&b' ')].concat());
                taken.push(Taken { index, keep });
            }
            continue;
        }
        if open && !starts {
            // An option line; blank and comment lines belong to the stanza
            // only when an option line follows them.
            if trimmed.is_empty() || trimmed.starts_with(b"#") {
                pending.push(index);
            } else {
                taken.extend(pending.drain(..).map(|index| Taken { index, keep: None }));
                taken.push(Taken { index, keep: None });
            }
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root::SysPath;

    fn takeover(name: &str) -> TakeOver {
        TakeOver {
            path: SysPath::from_static("/etc/network/interfaces"),
            interface: name.parse().unwrap(),
            note: format!("{name} is a port of br0 now: hostnet configures it in /etc/network/interfaces.d/hostnet"),
        }
    }

    /// Debian 12's installer: the primary NIC by DHCP, hot-plugged.
    const DEBIAN: &str = "\
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet dhcp
# This is an autoconfigured IPv6 interface
iface eth0 inet6 auto
";

    #[test]
    fn the_installers_stanza_is_disabled_in_place_once() {
        let done = apply(Some(DEBIAN.as_bytes()), &takeover("eth0")).unwrap();
        assert_eq!(
            String::from_utf8(done.text.clone()).unwrap(),
            "\
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
# BEGIN hostnet takeover eth0
# eth0 is a port of br0 now: hostnet configures it in /etc/network/interfaces.d/hostnet
# allow-hotplug eth0
# iface eth0 inet dhcp
# iface eth0 inet6 auto
# END hostnet takeover eth0
# This is an autoconfigured IPv6 interface
"
        );
        assert_eq!(done.lines, [11, 12, 14]);
        assert_eq!(apply(Some(&done.text), &takeover("eth0")), None);
        assert_eq!(apply(Some(DEBIAN.as_bytes()), &takeover("eth1")), None);
        assert_eq!(apply(None, &takeover("eth0")), None);
    }

    #[test]
    fn options_and_other_devices_on_an_auto_line_stay_with_their_stanza() {
        let text = "\
auto lo eth0
iface lo inet loopback
iface eth0 inet static
    address 192.168.1.10/24

    # the LAN router
    gateway 192.168.1.1

# after
iface eth1 inet manual
# BEGIN hostnet network
iface eth0 inet manual
# END hostnet network
";
        let done = apply(Some(text.as_bytes()), &takeover("eth0")).unwrap();
        assert_eq!(
            String::from_utf8(done.text).unwrap(),
            "\
# BEGIN hostnet takeover eth0
# eth0 is a port of br0 now: hostnet configures it in /etc/network/interfaces.d/hostnet
# auto lo eth0
# iface eth0 inet static
#     address 192.168.1.10/24
#
#     # the LAN router
#     gateway 192.168.1.1
auto lo
# END hostnet takeover eth0
iface lo inet loopback

# after
iface eth1 inet manual
# BEGIN hostnet network
iface eth0 inet manual
# END hostnet network
"
        );
        assert_eq!(done.lines, [1, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn the_users_other_bytes_stay_as_they_were_whatever_the_encoding() {
        let text = b"# caf\xe9 (Latin-1)\nauto eth0\niface eth0 inet dhcp\nauto lo\n# \xff\xfe\n";
        let done = apply(Some(text), &takeover("eth0")).unwrap();
        assert_eq!(
            done.text,
            b"# caf\xe9 (Latin-1)\n\
# BEGIN hostnet takeover eth0\n\
# eth0 is a port of br0 now: hostnet configures it in /etc/network/interfaces.d/hostnet\n\
# auto eth0\n\
# iface eth0 inet dhcp\n\
# END hostnet takeover eth0\n\
auto lo\n\
# \xff\xfe\n"
        );
        assert_eq!(done.lines, [2, 3]);
    }
}
