//! The floor: a bare program that renders the files hostnet renders for the
//! benchmark scenario on the Gentoo target (netifrc, dnsmasq, sysctl,
//! iptables), straight from the [`Scenario`] with `format!` (and the
//! root's `/etc/machine-id`, which the bridges' generated MACs derive from),
//! reads what is under a root, compares, and prints a unified diff of each
//! file that differs. No YAML, no templates, no model, no validation: what
//! rendering and comparing the same bytes costs at the least.
//!
//! A test (`tests` below) keeps its output byte-identical to hostnet's
//! render of the same scenario; when hostnet's text changes, change it here.

use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::Path;

use similar::TextDiff;

use crate::scenario::{Network, Scenario};

/// What one path should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// The whole file.
    File(String),
    /// A `# BEGIN hostnet MARKER` … `# END` block in the file, added at its
    /// end when missing (and, with `unless`, not at all when that line is
    /// already there).
    Block {
        marker: &'static str,
        content: String,
        unless: Option<&'static str>,
    },
    /// A symlink to this target.
    Link(&'static str),
    /// A path that must exist (the link a service's enablement creates).
    Exists,
}

/// The root's `/etc/machine-id` (32 hex digits), as hostnet's facts read it.
pub fn machine_id(root: &Path) -> Option<String> {
    let text = fs_err::read_to_string(root.join("etc/machine-id")).ok()?;
    let id = text.trim();
    (id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit())).then(|| id.to_ascii_lowercase())
}

/// The MAC a bridge of TAPs gets: FNV-1a over the machine ID, a NUL byte and
/// `bridge NAME`, locally administered (hostnet's `generated_mac`).
fn bridge_mac(machine_id: Option<&str>, bridge: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    if let Some(seed) = machine_id {
        feed(seed.as_bytes());
        feed(&[0]);
    }
    feed(format!("bridge {bridge}").as_bytes());
    let bytes = hash.to_be_bytes();
    format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]
    )
}

/// Every path the scenario sets, in hostnet's order, on a host with this
/// machine ID.
pub fn render(scenario: &Scenario, machine_id: Option<&str>) -> Vec<(String, Wanted)> {
    let networks = scenario.networks();
    let mut wanted = vec![("/etc/conf.d/net".to_owned(), netifrc(&networks, machine_id))];
    for network in &networks {
        for vm in network.vms() {
            wanted.push((format!("/etc/init.d/net.{}", vm.tap), Wanted::Link("net.lo")));
        }
    }
    for network in &networks {
        let bridge = network.bridge();
        wanted.push((format!("/etc/init.d/net.{bridge}"), Wanted::Link("net.lo")));
        wanted.push((format!("/etc/runlevels/default/net.{bridge}"), Wanted::Exists));
    }
    for network in &networks {
        wanted.push((
            format!("/etc/dnsmasq.d/hostnet-{}.conf", network.bridge()),
            Wanted::File(dnsmasq(network)),
        ));
        // One file per fixed lease, in the directory dnsmasq watches.
        for vm in network.vms() {
            wanted.push((
                format!(
                    "/etc/hostnet/dnsmasq/{}.hosts/{}",
                    network.bridge(),
                    vm.mac.replace(':', "-")
                ),
                Wanted::File(format!("{},{},{}\n", vm.mac, vm.ip, vm.name)),
            ));
        }
    }
    wanted.push((
        "/etc/dnsmasq.conf".into(),
        Wanted::Block {
            marker: "conf-dir",
            content: "conf-dir=/etc/dnsmasq.d/,*.conf\n".into(),
            unless: Some("conf-dir=/etc/dnsmasq.d/,*.conf"),
        },
    ));
    let needs: Vec<String> = networks.iter().map(|n| format!("net.{}", n.bridge())).collect();
    wanted.push((
        "/etc/conf.d/dnsmasq".into(),
        Wanted::Block {
            marker: "dnsmasq",
            content: format!("rc_need=\"{}\"\n", needs.join(" ")),
            unless: None,
        },
    ));
    wanted.push(("/etc/runlevels/default/dnsmasq".into(), Wanted::Exists));
    wanted.push((
        "/etc/sysctl.d/30-hostnet.conf".into(),
        Wanted::File(
            "# Managed by hostnet: edit the playbook, not this file.\n\
             # Kernel parameters for the guests' networking.\nnet.ipv4.ip_forward = 1\n"
                .into(),
        ),
    ));
    for v6 in [false, true] {
        let tables = if v6 { "ip6tables" } else { "iptables" };
        wanted.push((
            format!("/var/lib/{tables}/rules-save"),
            // hostnet's chains as blocks in the sections of the boot ruleset
            // (the user's rules outside them stay): a new file holds only them.
            Wanted::File(rules(&networks, v6, true)),
        ));
        wanted.push((
            format!("/etc/hostnet/{tables}.rules"),
            Wanted::File(format!(
                "# hostnet's own chains, for loading now without touching any other rule:\n\
                 # `{tables}-restore --noflush` of this file empties the HOSTNET-* chains it\n\
                 # declares and refills them, in one batch. The jumps into them are in\n\
                 # /etc/hostnet/{tables}-jumps.rules; at boot, everything comes from /var/lib/{tables}/rules-save.\n\
                 # Rendered by hostnet from the playbook: edit the playbook, not this file.\n\n{}",
                rules(&networks, v6, false)
            )),
        ));
        let nat = if v6 {
            ""
        } else {
            "*nat\n-I POSTROUTING 1 -j HOSTNET-POSTROUTING\nCOMMIT\n\n"
        };
        wanted.push((
            format!("/etc/hostnet/{tables}-jumps.rules"),
            Wanted::File(format!(
                "# The jumps from the built-in chains into hostnet's chains, loaded with\n\
                 # `{tables}-restore --noflush` only when hostnet creates this file: loading it\n\
                 # again would add second jumps. After a reboot they come from the boot ruleset.\n\n\
                 {nat}*filter\n-I INPUT 1 -j HOSTNET-INPUT\n-I FORWARD 1 -j HOSTNET-FORWARD\nCOMMIT\n"
            )),
        ));
        let upper = tables.to_uppercase();
        wanted.push((
            format!("/etc/conf.d/{tables}"),
            Wanted::Block {
                marker: "firewall",
                content: format!(
                    "# hostnet keeps its chains in managed blocks of /var/lib/{tables}/rules-save. With\n\
                     # SAVE_ON_STOP=\"yes\" (Gentoo's default) the service would save the live\n\
                     # rules over it whenever it stops, shutdown included, persisting rules\n\
                     # added by hand or by other tools and copying hostnet's chains out of\n\
                     # its blocks.\n\
                     {upper}_SAVE=\"/var/lib/{tables}/rules-save\"\nSAVE_ON_STOP=\"no\"\n"
                ),
                unless: None,
            },
        ));
        wanted.push((format!("/etc/runlevels/default/{tables}"), Wanted::Exists));
    }
    wanted
}

/// The netifrc block: per bridge, its TAPs, then the bridge.
fn netifrc(networks: &[Network], machine_id: Option<&str>) -> Wanted {
    let mut text = String::from("# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.\n");
    for network in networks {
        for vm in network.vms() {
            let tap = vm.tap;
            let _ = write!(
                text,
                "\ntuntap_{tap}=\"tap\"\niproute2_{tap}=\"user qemu\"\nconfig_{tap}=\"null\"\n"
            );
        }
        let bridge = network.bridge();
        let taps: Vec<String> = network.vms().map(|vm| vm.tap).collect();
        let needs: Vec<String> = taps.iter().map(|tap| format!("net.{tap}")).collect();
        let _ = write!(
            text,
            "\nconfig_{bridge}=\"{}\"\nbridge_{bridge}=\"{}\"\nbridge_stp_state_{bridge}=\"0\"\n\
             bridge_forward_delay_{bridge}=\"0\"\nmac_{bridge}=\"{}\"\nrc_net_{bridge}_need=\"{}\"\n",
            network.host(),
            taps.join(" "),
            bridge_mac(machine_id, &bridge),
            needs.join(" ")
        );
    }
    Wanted::Block {
        marker: "network",
        content: text,
        unless: None,
    }
}

/// One bridge's dnsmasq drop-in.
fn dnsmasq(network: &Network) -> String {
    let bridge = network.bridge();
    let base = u32::from(network.network);
    let address = |offset: u32| std::net::Ipv4Addr::from(base + offset);
    let mut text = format!(
        "# Managed by hostnet: edit the playbook, not this file.\n# DHCP for the guests on {bridge}.\n\
         interface={bridge}\nbind-dynamic\ndhcp-range={},{},12h\n",
        address(2),
        address(100)
    );
    let _ = writeln!(text, "dhcp-hostsdir=/etc/hostnet/dnsmasq/{bridge}.hosts");
    let _ = writeln!(text, "dhcp-option=tag:{bridge},option:router,{}", network.gateway());
    text
}

/// The rules of one family: the whole boot ruleset, or hostnet's chains only.
fn rules(networks: &[Network], v6: bool, boot: bool) -> String {
    let mut text = String::new();
    // In the boot ruleset each section is a block with this note.
    let note = "# hostnet's chains and the jumps into them, from the playbook (edit the playbook,\n\
                # not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.\n";
    if !v6 {
        if boot {
            text.push_str("# BEGIN hostnet nat\n*nat\n");
            text.push_str(note);
        } else {
            text.push_str("*nat\n");
        }
        text.push_str(":HOSTNET-POSTROUTING - [0:0]\n");
        if boot {
            text.push_str("-A POSTROUTING -j HOSTNET-POSTROUTING\n");
        }
        for network in networks {
            let subnet = network.subnet();
            let _ = write!(
                text,
                "# masquerade {subnet} leaving via eth0 (never multicast or broadcast)\n\
                 -A HOSTNET-POSTROUTING -s {subnet} -d 224.0.0.0/4 -j RETURN\n\
                 -A HOSTNET-POSTROUTING -s {subnet} -d 255.255.255.255/32 -j RETURN\n\
                 -A HOSTNET-POSTROUTING -s {subnet} ! -d {subnet} -o eth0 -j MASQUERADE\n"
            );
        }
        text.push_str(if boot {
            "COMMIT\n# END hostnet nat\n"
        } else {
            "COMMIT\n\n"
        });
    }
    if boot {
        text.push_str("# BEGIN hostnet filter\n*filter\n");
        text.push_str(note);
    } else {
        text.push_str("*filter\n");
    }
    text.push_str(":HOSTNET-INPUT - [0:0]\n:HOSTNET-FORWARD - [0:0]\n");
    if boot {
        text.push_str("-A INPUT -j HOSTNET-INPUT\n-A FORWARD -j HOSTNET-FORWARD\n");
    }
    for network in networks {
        let bridge = network.bridge();
        let _ = writeln!(text, "# DHCP and DNS from guests on {bridge} to the host");
        if !v6 {
            let _ = writeln!(text, "-A HOSTNET-INPUT -i {bridge} -p udp -m udp --dport 67 -j ACCEPT");
        }
        let _ = write!(
            text,
            "-A HOSTNET-INPUT -i {bridge} -p udp -m udp --dport 53 -j ACCEPT\n\
             -A HOSTNET-INPUT -i {bridge} -p tcp -m tcp --dport 53 -j ACCEPT\n"
        );
    }
    if !v6 {
        for network in networks {
            let subnet = network.subnet();
            let _ = write!(
                text,
                "# forward {subnet} (masqueraded) out via eth0, and its replies\n\
                 -A HOSTNET-FORWARD -s {subnet} -o eth0 -j ACCEPT\n\
                 -A HOSTNET-FORWARD -d {subnet} -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
            );
        }
    }
    for network in networks {
        let bridge = network.bridge();
        let _ = write!(
            text,
            "# guests on {bridge} reach each other (br_netfilter sends bridged frames through FORWARD)\n\
             -A HOSTNET-FORWARD -i {bridge} -o {bridge} -j ACCEPT\n"
        );
    }
    if !v6 {
        for network in networks {
            let subnet = network.subnet();
            let _ = write!(
                text,
                "# nothing else from outside reaches the masqueraded guests of {subnet}\n\
                 -A HOSTNET-FORWARD ! -s {subnet} -d {subnet} -j DROP\n"
            );
        }
    }
    text.push_str(if boot {
        "COMMIT\n# END hostnet filter\n"
    } else {
        "COMMIT\n"
    });
    text
}

/// A file's text with the block set: replaced between its fences, or
/// appended at the end.
pub fn with_block(current: Option<&str>, marker: &str, content: &str, unless: Option<&str>) -> String {
    let text = current.unwrap_or("");
    if unless.is_some_and(|line| text.lines().any(|l| l.trim() == line)) {
        return text.to_owned();
    }
    let (begin, end) = (format!("# BEGIN hostnet {marker}"), format!("# END hostnet {marker}"));
    let fenced = format!("{begin}\n{content}{end}\n");
    if let Some(start) = text.find(&format!("{begin}\n"))
        && let Some(length) = text[start..].find(&format!("{end}\n"))
    {
        let finish = start + length + end.len() + 1;
        return format!("{}{fenced}{}", &text[..start], &text[finish..]);
    }
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fenced);
    out
}

/// Compare `wanted` with what is under `root`; the unified diff of each
/// file that differs, a line per link or path to create. Empty: converged.
pub fn compare(root: &Path, wanted: &[(String, Wanted)]) -> std::io::Result<String> {
    let mut out = String::new();
    for (path, wanted) in wanted {
        let full = root.join(path.trim_start_matches('/'));
        match wanted {
            Wanted::File(content) => diff(&mut out, path, read(&full)?.as_deref(), content),
            Wanted::Block {
                marker,
                content,
                unless,
            } => {
                let current = read(&full)?;
                let after = with_block(current.as_deref(), marker, content, *unless);
                diff(&mut out, path, current.as_deref(), &after);
            }
            Wanted::Link(target) => match fs_err::read_link(&full) {
                Ok(current) if current.as_os_str() == *target => {}
                Ok(_) => {
                    let _ = writeln!(out, "link: {path} -> {target}");
                }
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    let _ = writeln!(out, "link: {path} -> {target}");
                }
                Err(error) => return Err(error),
            },
            Wanted::Exists => {
                if fs_err::symlink_metadata(&full).is_err() {
                    let _ = writeln!(out, "create: {path}");
                }
            }
        }
    }
    Ok(out)
}

fn read(path: &Path) -> std::io::Result<Option<String>> {
    match fs_err::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

fn diff(out: &mut String, path: &str, before: Option<&str>, after: &str) {
    let before = before.unwrap_or("");
    if before == after {
        return;
    }
    let _ = write!(
        out,
        "{}",
        TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&format!("before: {path}"), &format!("after: {path}"))
    );
}
