//! Drift: every way the live host differs from the playbook, as rows of a
//! report — devices and addresses from the live diff, what only the distro's
//! tool can bring up, the DHCP server, and every firewall rule hostnet loads
//! that the live ruleset lacks. `hostnet verify` prints it; apply checks it
//! after its batch ran.

use serde::Serialize;

use crate::change::{Change, Planned};
use crate::live::diff::LiveDiff;

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// What differs: a device, `dnsmasq`, `firewall`, a kernel parameter.
    pub subject: String,
    /// How.
    pub detail: String,
}

/// What hostnet found about the services on the live host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Services {
    /// A dnsmasq runs in this network namespace.
    pub dnsmasq: bool,
    /// Something listens on UDP 67 here.
    pub dhcp_port: bool,
}

/// The rows for the devices and kernel parameters: one row for a missing
/// device (not one per attribute its creation sets).
pub fn devices(diff: &LiveDiff) -> Vec<Drift> {
    let mut rows: Vec<Drift> = diff
        .changes
        .iter()
        .map(|change| match change.why.split_once(": ") {
            Some((subject, detail)) => Drift {
                subject: subject.to_owned(),
                detail: detail.to_owned(),
            },
            None => Drift {
                subject: String::new(),
                detail: change.why.clone(),
            },
        })
        .collect();
    // A device created (or recreated) anew: its first row says why (missing,
    // or its owner differs), the attributes its creation sets are not drift.
    let created: foldhash::HashSet<String> = rows
        .iter()
        .filter(|row| row.detail == "missing")
        .map(|row| row.subject.clone())
        .collect();
    let mut seen = foldhash::HashSet::default();
    rows.retain(|row| !created.contains(&row.subject) || seen.insert(row.subject.clone()));
    rows.extend(diff.handovers.iter().map(|handover| Drift {
        subject: handover.device.clone(),
        detail: format!("not up ({})", handover.reason),
    }));
    rows
}

/// The rows for the DHCP servers on `interfaces`.
pub fn dhcp(interfaces: &[String], services: Services) -> Vec<Drift> {
    if interfaces.is_empty() || (services.dnsmasq && services.dhcp_port) {
        return Vec::new();
    }
    let detail = if services.dnsmasq {
        "runs but does not listen for DHCP (UDP 67)".to_owned()
    } else {
        "not running".to_owned()
    };
    vec![Drift {
        subject: "dnsmasq".into(),
        detail: format!("{detail}; it serves {}", interfaces.join(", ")),
    }]
}

/// The rules hostnet's firewall files load: `-A …` lines (iptables, ufw)
/// and the rule lines of an nftables table, as the tools list them back.
pub fn expected_rules(changes: &[Planned]) -> Vec<String> {
    let mut rules = Vec::new();
    for planned in changes {
        let (path, text) = match &planned.change {
            Change::File { path, content, .. } => (path, content),
            Change::Block(block) if block.present => (&block.path, &block.content),
            _ => continue,
        };
        // iptables and ip6tables list their rules apart; nftables has one ruleset.
        let family = if is_ipv6_file(path.as_str()) { IPV6 } else { "" };
        let nft = text.lines().any(|line| line.trim_start().starts_with("table inet "));
        for line in text.lines() {
            let line = line.trim();
            let nft_rule = nft
                && !line.is_empty()
                && !line.starts_with('#')
                && !["table ", "delete ", "chain ", "type ", "}"]
                    .iter()
                    .any(|skip| line.starts_with(skip));
            if line.starts_with("-A ") || nft_rule {
                rules.push(format!("{family}{line}"));
            } else if let Some((chain, rule)) = inserted(line) {
                // A jump inserted first (`-I INPUT 1 -j X`) is listed as `-A INPUT -j X`.
                rules.push(format!("{family}-A {chain} {rule}"));
            }
        }
    }
    // The same rule in the boot ruleset and in the file loaded now: once.
    let mut seen = foldhash::HashSet::default();
    rules.retain(|rule| seen.insert(rule.clone()));
    rules
}

/// An iptables insertion, `-I CHAIN [N] RULE…`: `(CHAIN, "RULE…")` — what
/// `-A CHAIN RULE…` lists it as and `-D CHAIN RULE…` deletes.
pub fn inserted(line: &str) -> Option<(&str, String)> {
    let mut words = line.strip_prefix("-I ")?.split_whitespace();
    let chain = words.next()?;
    let rule: Vec<&str> = words.skip_while(|word| word.parse::<u32>().is_ok()).collect();
    Some((chain, rule.join(" ")))
}

/// What marks an IPv6 rule, in the expected rules and in the live listing.
pub const IPV6: &str = "[ipv6] ";

/// Does this firewall file hold IPv6 rules (`ip6tables.rules`, `rules.v6`,
/// ufw's `before6.rules`)?
fn is_ipv6_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.contains("ip6tables") || name.ends_with(".v6") || name.ends_with("6.rules") || path.contains("/ip6tables/")
}

/// The rows for rules missing from the live ruleset (`live`: `nft list
/// ruleset`, or `iptables-save` and `ip6tables-save` with [`IPV6`] before
/// each of its lines).
pub fn firewall(expected: &[String], live: &str) -> Vec<Drift> {
    let present: foldhash::HashSet<&str> = live.lines().map(str::trim).collect();
    expected
        .iter()
        .filter(|rule| !present.contains(rule.as_str()))
        .map(|rule| Drift {
            subject: "firewall".into(),
            detail: match rule.strip_prefix(IPV6) {
                Some(rule) => format!("missing IPv6 rule `{rule}`"),
                None => format!("missing rule `{rule}`"),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::TaskId;
    use crate::root::SysPath;
    use crate::types::FileMode;

    fn file(content: &str) -> Planned {
        Planned::new(
            Change::File {
                path: SysPath::from_static("/etc/x"),
                content: content.into(),
                mode: FileMode(0o644),
                owner: None,
                group: None,
            },
            TaskId(0),
        )
    }

    #[test]
    fn rules_of_iptables_files_and_nft_tables() {
        let iptables = file(
            "# comment\n*nat\n:HOSTNET-POSTROUTING - [0:0]\n-A POSTROUTING -j HOSTNET-POSTROUTING\n-A HOSTNET-POSTROUTING -s 10.0.0.0/24 -j MASQUERADE\nCOMMIT\n*filter\n-I INPUT 1 -j HOSTNET-INPUT\nCOMMIT\n",
        );
        let nft = file(
            "table inet hostnet {}\ndelete table inet hostnet\n\ntable inet hostnet {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\t# masquerade\n\t\toifname \"eth0\" ip saddr 10.0.0.0/24 masquerade\n\t}\n}\n",
        );
        assert_eq!(
            expected_rules(&[iptables, nft]),
            [
                "-A POSTROUTING -j HOSTNET-POSTROUTING",
                "-A HOSTNET-POSTROUTING -s 10.0.0.0/24 -j MASQUERADE",
                "-A INPUT -j HOSTNET-INPUT",
                "oifname \"eth0\" ip saddr 10.0.0.0/24 masquerade",
            ]
        );
    }

    #[test]
    fn a_missing_rule_is_a_row() {
        let expected = vec![
            "-A HOSTNET-FORWARD -i br0 -o br0 -j ACCEPT".to_owned(),
            "-A X -j Y".to_owned(),
        ];
        let live = "*filter\n-A HOSTNET-FORWARD -i br0 -o br0 -j ACCEPT\nCOMMIT\n";
        assert_eq!(
            firewall(&expected, live),
            [Drift {
                subject: "firewall".into(),
                detail: "missing rule `-A X -j Y`".into()
            }]
        );
    }

    #[test]
    fn dnsmasq_rows() {
        let on = Services {
            dnsmasq: true,
            dhcp_port: true,
        };
        assert!(dhcp(&["br0".into()], on).is_empty());
        assert!(dhcp(&[], Services::default()).is_empty());
        assert_eq!(
            dhcp(&["br0".into()], Services::default())[0].detail,
            "not running; it serves br0"
        );
    }
}
