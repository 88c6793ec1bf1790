//! Kernel parameters hostnet knows. `sysctl -p` and `systemd-sysctl` skip an
//! unknown key with a warning and exit 0, so a typo like
//! `net.ipv4.ip_forwarding` would silently leave forwarding off: hostnet
//! refuses names outside this list, with a "did you mean".

/// Known keys; `*` stands for one component (an interface name, `all`, `default`).
pub const KNOWN: &[&str] = &[
    "net.ipv4.ip_forward",
    "net.ipv4.ip_nonlocal_bind",
    "net.ipv4.conf.*.forwarding",
    "net.ipv4.conf.*.proxy_arp",
    "net.ipv4.conf.*.proxy_arp_pvlan",
    "net.ipv4.conf.*.rp_filter",
    "net.ipv4.conf.*.send_redirects",
    "net.ipv4.conf.*.accept_redirects",
    "net.ipv4.conf.*.accept_source_route",
    "net.ipv4.conf.*.arp_ignore",
    "net.ipv4.conf.*.arp_announce",
    "net.ipv4.conf.*.arp_filter",
    "net.ipv4.conf.*.route_localnet",
    "net.ipv4.conf.*.bc_forwarding",
    "net.ipv4.neigh.*.proxy_delay",
    "net.ipv6.conf.*.forwarding",
    "net.ipv6.conf.*.disable_ipv6",
    "net.ipv6.conf.*.accept_ra",
    "net.ipv6.conf.*.proxy_ndp",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.bridge.bridge-nf-call-arptables",
    "net.bridge.bridge-nf-filter-vlan-tagged",
    "net.netfilter.nf_conntrack_max",
];

/// The values a known key takes (inclusive), from the kernel's
/// `Documentation/networking/ip-sysctl.rst`: the kernel refuses others, and
/// `sysctl -p` / `systemd-sysctl` then skip the line and still exit 0.
pub fn value_range(name: &str) -> (u64, u64) {
    let parts = components(name);
    let last = parts.last().map_or(name, String::as_str);
    match last {
        "rp_filter" | "arp_announce" | "accept_ra" => (0, 2),
        "arp_ignore" => (0, 8),
        "proxy_delay" => (0, u64::from(u32::MAX)),
        "nf_conntrack_max" => (0, u64::from(u32::MAX)),
        _ => (0, 1),
    }
}

/// A key's components, read as sysctl.d(5) and `sysctl -p` read them: when
/// the first separator is `/`, only slashes separate and dots stay in a
/// component (`net/ipv6/conf/eth0.100/accept_ra`); when it is `.`, dots
/// separate and a `/` in a component stands for a dot
/// (`net.ipv6.conf.eth0/100.accept_ra`).
pub fn components(name: &str) -> Vec<String> {
    let slash_first = name
        .find(['.', '/'])
        .is_some_and(|index| name[index..].starts_with('/'));
    if slash_first {
        name.split('/').map(str::to_owned).collect()
    } else {
        name.split('.').map(|part| part.replace('/', ".")).collect()
    }
}

/// A key written from its components: dotted (`net.ipv4.ip_forward`), or,
/// when a component has a dot of its own (an interface such as
/// `eth0.100`), with slashes (`net/ipv6/conf/eth0.100/accept_ra`): the one
/// spelling that `systemd-sysctl`, `sysctl -p` and `/proc/sys` agree on.
pub fn join(components: &[String]) -> String {
    if components.iter().any(|part| part.contains('.')) {
        components.join("/")
    } else {
        components.join(".")
    }
}

/// The key of a per-interface parameter: `net.FAMILY.conf.INTERFACE.KEY`
/// (slashes where the interface's name has a dot).
pub fn interface_key(family: &str, interface: &str, key: &str) -> String {
    join(&["net", family, "conf", interface, key].map(str::to_owned))
}

/// The key's path under `/proc/sys` (`net/ipv6/conf/eth0.100/accept_ra`).
pub fn proc_path(name: &str) -> String {
    components(name).join("/")
}

/// `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same key: the
/// one spelling of [`join`].
pub fn normalise(name: &str) -> String {
    join(&components(name.trim()))
}

fn matches(pattern: &str, parts: &[String]) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    pattern.len() == parts.len()
        && pattern
            .iter()
            .zip(parts)
            .all(|(want, got)| *want == "*" && !got.is_empty() || want == got)
}

/// Is this (normalised) key known?
pub fn is_known(name: &str) -> bool {
    let parts = components(name);
    KNOWN.iter().any(|pattern| matches(pattern, &parts))
}

/// A dotted key that is known once the components in a pattern's `*` are
/// one interface name with dots (`net.ipv6.conf.eth0.100.accept_ra`): that
/// key as sysctl.d reads it (`net/ipv6/conf/eth0.100/accept_ra`).
pub fn dotted_interface(name: &str) -> Option<String> {
    let parts = components(name);
    KNOWN.iter().find_map(|pattern| {
        let pattern: Vec<&str> = pattern.split('.').collect();
        let star = pattern.iter().position(|part| *part == "*")?;
        let extra = parts.len().checked_sub(pattern.len()).filter(|extra| *extra > 0)?;
        let mut merged: Vec<String> = parts[..star].to_vec();
        merged.push(parts[star..=star + extra].join("."));
        merged.extend_from_slice(&parts[star + extra + 1..]);
        matches(&pattern.join("."), &merged).then(|| join(&merged))
    })
}

/// The known key closest to a misspelt one (with `*` filled from the input).
pub fn suggestion(name: &str) -> Option<String> {
    let parts = components(name);
    let filled: Vec<String> = KNOWN
        .iter()
        .map(|pattern| {
            pattern
                .split('.')
                .enumerate()
                .map(|(index, part)| {
                    if part == "*" {
                        parts.get(index).map_or("all", String::as_str)
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    crate::error::suggest(name, filled.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_and_suggestions() {
        assert!(is_known("net.ipv4.ip_forward"));
        assert!(is_known("net.ipv4.conf.br0.proxy_arp"));
        assert!(!is_known("net.ipv4.ip_forwarding"));
        assert_eq!(normalise("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
        // An interface with a dot: sysctl.d(5)'s two spellings, one key.
        for spelling in ["net/ipv6/conf/eth0.100/accept_ra", "net.ipv6.conf.eth0/100.accept_ra"] {
            assert_eq!(normalise(spelling), "net/ipv6/conf/eth0.100/accept_ra");
            assert!(is_known(spelling), "{spelling}");
        }
        assert_eq!(value_range("net/ipv6/conf/eth0.100/accept_ra"), (0, 2));
        assert_eq!(
            interface_key("ipv6", "eth0.100", "accept_ra"),
            "net/ipv6/conf/eth0.100/accept_ra"
        );
        assert_eq!(
            interface_key("ipv6", "eth0", "accept_ra"),
            "net.ipv6.conf.eth0.accept_ra"
        );
        assert_eq!(
            proc_path("net/ipv6/conf/eth0.100/accept_ra"),
            "net/ipv6/conf/eth0.100/accept_ra"
        );
        assert_eq!(proc_path("net.ipv4.ip_forward"), "net/ipv4/ip_forward");
        assert!(!is_known("net.ipv6.conf.eth0.100.accept_ra"));
        assert_eq!(
            dotted_interface("net.ipv6.conf.eth0.100.accept_ra").as_deref(),
            Some("net/ipv6/conf/eth0.100/accept_ra")
        );
        assert_eq!(dotted_interface("net.ipv4.ip_forwarding"), None);
        assert_eq!(
            suggestion("net.ipv4.ip_forwarding").as_deref(),
            Some("net.ipv4.ip_forward")
        );
        assert_eq!(
            suggestion("net.ipv4.conf.br0.proxyarp").as_deref(),
            Some("net.ipv4.conf.br0.proxy_arp")
        );
    }
}
