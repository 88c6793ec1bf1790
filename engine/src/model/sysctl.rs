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
    let last = name.rsplit('.').next().unwrap_or(name);
    match last {
        "rp_filter" | "arp_announce" | "accept_ra" => (0, 2),
        "arp_ignore" => (0, 8),
        "proxy_delay" => (0, u64::from(u32::MAX)),
        "nf_conntrack_max" => (0, u64::from(u32::MAX)),
        _ => (0, 1),
    }
}

/// `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same key.
pub fn normalise(name: &str) -> String {
    name.trim().replace('/', ".")
}

/// Is this (normalised) key known?
pub fn is_known(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    KNOWN.iter().any(|pattern| {
        let pattern: Vec<&str> = pattern.split('.').collect();
        pattern.len() == parts.len()
            && pattern
                .iter()
                .zip(&parts)
                .all(|(want, got)| *want == "*" && !got.is_empty() || want == got)
    })
}

/// The known key closest to a misspelt one (with `*` filled from the input).
pub fn suggestion(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    let filled: Vec<String> = KNOWN
        .iter()
        .map(|pattern| {
            pattern
                .split('.')
                .enumerate()
                .map(|(index, part)| {
                    if part == "*" {
                        parts.get(index).copied().unwrap_or("all")
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
