//! ufw: NAT and firewall intents as managed blocks in ufw's own rules files,
//! loaded by ufw itself at boot (`ufw-init start`) and on `ufw reload`. What
//! each intent becomes is in `netfilter.rs`; ufw's traps are in
//! `reference/distro-tools.md`.
//!
//! - `/etc/ufw/before.rules`: a `*nat … COMMIT` block before the `*filter`
//!   line (masquerading, in hostnet's own `HOSTNET-POSTROUTING` chain), and a
//!   block of `ufw-before-input` / `ufw-before-forward` rules before the
//!   stock `# don't delete the 'COMMIT' line` comment that ends `*filter`.
//!   `/etc/ufw/before6.rules` gets the IPv6 half (`ufw6-before-*`, and its
//!   own `*nat` block when an IPv6 prefix is masqueraded: NAT66).
//! - Nothing goes through the `ufw allow` / `ufw route allow` commands the
//!   guides use: those write `user.rules`, are not idempotent to script, and
//!   cannot order a drop before ufw's own accepts. ufw empties and reloads
//!   its `ufw-before-*` chains itself, so the blocks are idempotent.
//! - Input rules are inserted at the top of `ufw-before-input` (`-I … N`):
//!   ufw's stock rules accept ping and established traffic first, which would
//!   let guests of an isolated bridge reach the host.
//! - `DEFAULT_FORWARD_POLICY` in `/etc/default/ufw` stays `DROP`: the guides
//!   set it to `ACCEPT`, which forwards between every pair of interfaces (the
//!   LAN into the guests' subnet, into Docker's bridges); the blocks accept
//!   exactly what the intents say instead.
//! - `/etc/ufw/sysctl.conf` gets `net/ipv4/ip_forward=1` when guests are
//!   forwarded: ufw applies that file when it starts, after sysctl.d.
//! - ufw never flushes the nat table (unless `MANAGE_BUILTINS=yes`), so every
//!   `ufw reload` would add the `*nat` rules again. A block in
//!   `/etc/ufw/before.init`, which ufw runs on start and stop when it is
//!   executable, deletes hostnet's jump and chain, so they are loaded exactly
//!   once, and `ufw disable` stops the NAT too. The file is made executable
//!   (it is 0640 as shipped).
//! - Then `ufw reload` (which does nothing while ufw is disabled), when a file changed.

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Block, Change, Command, Guard, Placement, Planned, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::Facts;
use hostnet_engine::model::HostModel;
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;

use crate::iptables::{POSTROUTING_CHAIN, push_groups};
use crate::netfilter::{self, Family, Group, Hook};

const BEFORE_RULES: &str = "/etc/ufw/before.rules";
const BEFORE6_RULES: &str = "/etc/ufw/before6.rules";
const BEFORE_INIT: &str = "/etc/ufw/before.init";
const SYSCTL_CONF: &str = "/etc/ufw/sysctl.conf";
/// The stock comment just before `*filter`'s `COMMIT` in before.rules and
/// before6.rules (Debian and Ubuntu ship the same files).
const BEFORE_COMMIT: &str = "# don't delete the 'COMMIT' line";
/// The stock before.init's dispatch line.
const BEFORE_INIT_CASE: &str = "case \"$1\" in";
/// The line ufw's sysctl.conf needs when guests are forwarded.
const IP_FORWARD: &str = "net/ipv4/ip_forward=1";

/// The ufw backend.
pub(crate) struct Ufw;

impl Backend for Ufw {
    fn id(&self) -> BackendId {
        BackendId::new("ufw")
    }

    fn target(&self) -> Target {
        Target::Firewall
    }

    fn detect(&self, facts: &Facts) -> Detection {
        if facts.ufw_enabled {
            Detection::Preferred
        } else if facts.has_tool("ufw") {
            Detection::Supported
        } else {
            Detection::Unsupported("ufw is not installed".into())
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_firewall()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let groups = netfilter::groups(model);
        let all = netfilter::origins(&groups);
        // A family's groups of a hook (or of every other hook).
        let used = |family, postrouting: bool| -> Vec<&Group> {
            groups
                .iter()
                .filter(|group| {
                    (group.hook == Hook::Postrouting) == postrouting && group.rules_for(family).next().is_some()
                })
                .collect()
        };
        let nat_block_of = |path, family| {
            // No NAT66: the (removed) block goes with the file's other block.
            let nat = used(family, true);
            let origins = if nat.is_empty() && family == Family::Ipv6 {
                origins_or(&used(family, false), &all)
            } else {
                origins_or(&nat, &all)
            };
            block(
                path,
                "nat",
                nat_block(&groups, family),
                Placement::Before("*filter".into()),
                &origins,
            )
        };
        let mut changes = vec![nat_block_of(BEFORE_RULES, Family::Ipv4)];
        for (path, family) in [(BEFORE_RULES, Family::Ipv4), (BEFORE6_RULES, Family::Ipv6)] {
            let used = used(family, false);
            let content = if used.is_empty() {
                None
            } else {
                Some(filter_block(&groups, family))
            };
            changes.push(block(
                path,
                "firewall",
                content,
                Placement::Before(BEFORE_COMMIT.into()),
                &origins_or(&used, &all),
            ));
        }
        changes.push(nat_block_of(BEFORE6_RULES, Family::Ipv6));
        changes.push(block(
            BEFORE_INIT,
            "nat",
            Some(BEFORE_INIT_BLOCK.into()),
            Placement::Before(BEFORE_INIT_CASE.into()),
            &all,
        ));
        let forwarding = netfilter::forwards_ipv4(model).then(|| {
            format!("# The guests' traffic is forwarded (ufw applies this file when it starts).\n{IP_FORWARD}\n")
        });
        let mut sysctl = block(SYSCTL_CONF, "forwarding", forwarding, Placement::End, &all);
        if let Change::Block(block) = &mut sysctl.change {
            block.unless_present = Some(IP_FORWARD.into());
        }
        changes.push(sysctl);
        changes.push(command(
            &["ufw", "reload"],
            &[BEFORE_RULES, BEFORE6_RULES, BEFORE_INIT, SYSCTL_CONF],
            &all,
        ));
        // Docker drops forwarded packets unless its DOCKER-USER accepts them.
        changes.extend(crate::docker::docker_user(desired));
        Ok(changes)
    }
}

/// The tasks behind `groups`, or `all` when there are none (a block that is
/// removed still needs an origin).
fn origins_or(groups: &[&Group], all: &[TaskId]) -> Vec<TaskId> {
    if groups.is_empty() {
        all.to_vec()
    } else {
        netfilter::origins(groups.iter().copied())
    }
}

/// What `before.init` does on start and stop.
const BEFORE_INIT_BLOCK: &str = "\
# ufw never flushes the nat table: take out what hostnet's block in
# before.rules put there, so `ufw reload` does not add it twice and
# `ufw disable` stops the NAT too; starting ufw loads before.rules again.
case \"$1\" in
start|stop|flush-all)
    while iptables -w -t nat -D POSTROUTING -j HOSTNET-POSTROUTING 2>/dev/null; do :; done
    iptables -w -t nat -F HOSTNET-POSTROUTING 2>/dev/null || true
    iptables -w -t nat -X HOSTNET-POSTROUTING 2>/dev/null || true
    while ip6tables -w -t nat -D POSTROUTING -j HOSTNET-POSTROUTING 2>/dev/null; do :; done
    ip6tables -w -t nat -F HOSTNET-POSTROUTING 2>/dev/null || true
    ip6tables -w -t nat -X HOSTNET-POSTROUTING 2>/dev/null || true
    ;;
esac
";

/// The `*nat` section of `family`, if anything of it is masqueraded.
fn nat_block(groups: &[Group], family: Family) -> Option<String> {
    if !groups
        .iter()
        .any(|group| group.hook == Hook::Postrouting && group.rules_for(family).next().is_some())
    {
        return None;
    }
    let mut text = format!(
        "# Masquerading for the guests, in hostnet's own chain (before.init removes it\n\
         # when ufw stops, so a reload adds it once).\n\
         *nat\n\
         :POSTROUTING ACCEPT [0:0]\n\
         :{POSTROUTING_CHAIN} - [0:0]\n\
         -A POSTROUTING -j {POSTROUTING_CHAIN}\n"
    );
    push_groups(&mut text, groups, family, Hook::Postrouting, POSTROUTING_CHAIN);
    text.push_str("COMMIT\n");
    Some(text)
}

/// The `ufw-before-input` / `ufw-before-forward` rules of one family.
fn filter_block(groups: &[Group], family: Family) -> String {
    let prefix = match family {
        Family::Ipv4 => "ufw",
        Family::Ipv6 => "ufw6",
    };
    let mut text = format!(
        "# Rendered by hostnet from the playbook. Input and forward rules go first in\n\
         # {prefix}-before-input and -forward, ahead of ufw's own accepts (ping, established).\n"
    );
    // Both first in their chains: ahead of ufw's own accepts (ping,
    // established), which would pass a drop placed after them.
    insert_first(
        &mut text,
        groups,
        family,
        Hook::Input,
        &format!("{prefix}-before-input"),
    );
    insert_first(
        &mut text,
        groups,
        family,
        Hook::Forward,
        &format!("{prefix}-before-forward"),
    );
    text
}

/// The rules of `hook`, as `-I CHAIN 1`, `-I CHAIN 2`, … in order.
fn insert_first(text: &mut String, groups: &[Group], family: Family, hook: Hook, chain: &str) {
    let mut position = 0;
    for group in groups.iter().filter(|group| group.hook == hook) {
        let mut rules = group.rules_for(family).peekable();
        if rules.peek().is_none() {
            continue;
        }
        text.push_str(&format!("# {}\n", group.comment));
        for rule in rules {
            position += 1;
            text.push_str(&format!("-I {chain} {position} {}\n", rule.iptables(family)));
        }
    }
}

/// A managed block (`None`: no block, and an old one is removed).
fn block(path: &str, marker: &str, content: Option<String>, placement: Placement, origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::Block(Block {
            path: SysPath::from_static(path),
            marker: marker.into(),
            present: content.is_some(),
            content: content.unwrap_or_default(),
            placement,
            // ufw runs before.init only if it is executable (the stock file is 0640).
            mode: FileMode(match path {
                SYSCTL_CONF => 0o644,
                BEFORE_INIT => 0o750,
                _ => 0o640,
            }),
            conflicts: Vec::new(),
            unless_present: None,
            enforce_mode: path == BEFORE_INIT,
        }),
        origins.iter().copied(),
    )
}

/// A command that runs when one of `files` changes.
fn command(argv: &[&str], files: &[&str], origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::Command(Command {
            argv: argv.iter().map(|word| (*word).to_owned()).collect(),
            guard: Guard::FilesChanged(files.iter().map(SysPath::from_static).collect()),
            effects: Vec::new(),
        }),
        origins.iter().copied(),
    )
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::{Distro, Init};

    use super::*;
    use crate::netfilter::tests::{scenario_2, scenario_4, scenario_5};

    fn facts() -> Facts {
        Facts {
            distro: Distro::Ubuntu,
            init: Init::Systemd,
            interfaces: Vec::new(),
            users: None,
            groups: None,
            tools: vec!["ufw".into()],
            ufw_enabled: true,
            services: Vec::new(),
            networkmanager_version: None,
            br_netfilter: false,
            netplan: Vec::new(),
            user_ids: std::collections::BTreeMap::new(),
            group_ids: std::collections::BTreeMap::new(),
            machine_id: None,
        }
    }

    fn render(model: &HostModel) -> Vec<Planned> {
        Ufw.render(&Desired::new(model, &facts())).unwrap()
    }

    /// The block at `path` with `marker`, and its origins.
    fn block_of<'a>(changes: &'a [Planned], path: &str, marker: &str) -> (&'a Block, Vec<usize>) {
        changes
            .iter()
            .find_map(|planned| match &planned.change {
                Change::Block(block) if block.path.as_str() == path && block.marker == marker => {
                    Some((block, planned.origins.iter().map(|task| task.0).collect()))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no block {marker} in {path}"))
    }

    /// The content of a present block.
    fn text<'a>(changes: &'a [Planned], path: &str, marker: &str) -> &'a str {
        let (block, _) = block_of(changes, path, marker);
        assert!(block.present, "block {marker} in {path} is not present");
        &block.content
    }

    fn absent(changes: &[Planned], path: &str, marker: &str) -> bool {
        let (block, _) = block_of(changes, path, marker);
        !block.present && block.content.is_empty()
    }

    fn commands(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::Command(command) => {
                    let Guard::FilesChanged(files) = &command.guard else {
                        panic!("unexpected guard");
                    };
                    let files: Vec<&str> = files.iter().map(SysPath::as_str).collect();
                    Some(format!("{} [if {} changed]", command.argv.join(" "), files.join(",")))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn scenario_2_nat_block_before_filter() {
        let changes = render(&scenario_2());
        assert_eq!(
            text(&changes, BEFORE_RULES, "nat"),
            "\
# Masquerading for the guests, in hostnet's own chain (before.init removes it
# when ufw stops, so a reload adds it once).
*nat
:POSTROUTING ACCEPT [0:0]
:HOSTNET-POSTROUTING - [0:0]
-A POSTROUTING -j HOSTNET-POSTROUTING
# masquerade 172.16.1.0/24 leaving via wlan0 (never multicast or broadcast)
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE
COMMIT
"
        );
        let (nat, origins) = block_of(&changes, BEFORE_RULES, "nat");
        assert_eq!(nat.placement, Placement::Before("*filter".into()));
        assert_eq!(origins, [0]);
        assert_eq!(
            text(&changes, BEFORE_RULES, "firewall"),
            "\
# Rendered by hostnet from the playbook. Input and forward rules go first in
# ufw-before-input and -forward, ahead of ufw's own accepts (ping, established).
# forward 172.16.1.0/24 (masqueraded) out via wlan0, and its replies
-I ufw-before-forward 1 -s 172.16.1.0/24 -o wlan0 -j ACCEPT
-I ufw-before-forward 2 -d 172.16.1.0/24 -i wlan0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 172.16.1.0/24
-I ufw-before-forward 3 ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP
"
        );
        assert_eq!(
            block_of(&changes, BEFORE_RULES, "firewall").0.placement,
            Placement::Before("# don't delete the 'COMMIT' line".into())
        );
        // Nothing for IPv6: an old block would be removed.
        assert!(absent(&changes, BEFORE6_RULES, "firewall"));
        assert_eq!(
            text(&changes, SYSCTL_CONF, "forwarding"),
            "# The guests' traffic is forwarded (ufw applies this file when it starts).\nnet/ipv4/ip_forward=1\n"
        );
        let (sysctl, _) = block_of(&changes, SYSCTL_CONF, "forwarding");
        assert_eq!(sysctl.unless_present.as_deref(), Some("net/ipv4/ip_forward=1"));
        assert_eq!(sysctl.placement, Placement::End);
        assert_eq!(
            commands(&changes),
            [
                "ufw reload [if /etc/ufw/before.rules,/etc/ufw/before6.rules,/etc/ufw/before.init,\
              /etc/ufw/sysctl.conf changed]"
            ]
        );
        let (init, _) = block_of(&changes, BEFORE_INIT, "nat");
        assert_eq!(
            (init.mode, init.enforce_mode),
            (FileMode(0o750), true),
            "ufw runs before.init only if executable"
        );
        // No ufw CLI rules, nothing in /etc/default/ufw.
        assert!(changes.iter().all(|planned| match &planned.change {
            Change::Block(block) => block.path.as_str() != "/etc/default/ufw",
            Change::Command(command) => command.argv[0] != "ufw" || command.argv[1] == "reload",
            _ => false,
        }));
    }

    #[test]
    fn before_init_removes_the_nat_on_start_and_stop() {
        let changes = render(&scenario_2());
        let (init, origins) = block_of(&changes, BEFORE_INIT, "nat");
        assert_eq!(init.placement, Placement::Before("case \"$1\" in".into()));
        assert_eq!(origins, [0]);
        assert_eq!(
            init.content,
            "\
# ufw never flushes the nat table: take out what hostnet's block in
# before.rules put there, so `ufw reload` does not add it twice and
# `ufw disable` stops the NAT too; starting ufw loads before.rules again.
case \"$1\" in
start|stop|flush-all)
    while iptables -w -t nat -D POSTROUTING -j HOSTNET-POSTROUTING 2>/dev/null; do :; done
    iptables -w -t nat -F HOSTNET-POSTROUTING 2>/dev/null || true
    iptables -w -t nat -X HOSTNET-POSTROUTING 2>/dev/null || true
    while ip6tables -w -t nat -D POSTROUTING -j HOSTNET-POSTROUTING 2>/dev/null; do :; done
    ip6tables -w -t nat -F HOSTNET-POSTROUTING 2>/dev/null || true
    ip6tables -w -t nat -X HOSTNET-POSTROUTING 2>/dev/null || true
    ;;
esac
"
        );
        // Also without NAT: a NAT removed from the playbook is cleaned up on the reload.
        assert!(block_of(&render(&scenario_4()), BEFORE_INIT, "nat").0.present);
    }

    #[test]
    fn scenario_4_internal_drops_first_in_both_families() {
        let changes = render(&scenario_4());
        assert!(absent(&changes, BEFORE_RULES, "nat"));
        assert!(absent(&changes, SYSCTL_CONF, "forwarding"));
        assert_eq!(
            text(&changes, BEFORE_RULES, "firewall"),
            "\
# Rendered by hostnet from the playbook. Input and forward rules go first in
# ufw-before-input and -forward, ahead of ufw's own accepts (ping, established).
# nothing else from br0 reaches the host (guests still reach each other)
-I ufw-before-input 1 -i br0 -j DROP
# guests on br0 reach each other (br_netfilter sends bridged frames through FORWARD)
-I ufw-before-forward 1 -i br0 -o br0 -j ACCEPT
"
        );
        assert_eq!(
            text(&changes, BEFORE6_RULES, "firewall"),
            "\
# Rendered by hostnet from the playbook. Input and forward rules go first in
# ufw6-before-input and -forward, ahead of ufw's own accepts (ping, established).
# nothing else from br0 reaches the host (guests still reach each other)
-I ufw6-before-input 1 -i br0 -j DROP
# guests on br0 reach each other (br_netfilter sends bridged frames through FORWARD)
-I ufw6-before-forward 1 -i br0 -o br0 -j ACCEPT
"
        );
        assert_eq!(block_of(&changes, BEFORE6_RULES, "firewall").1, [0, 1]);
    }

    #[test]
    fn scenario_5_private_bridge_with_nat() {
        let changes = render(&scenario_5());
        assert_eq!(
            text(&changes, BEFORE_RULES, "firewall"),
            "\
# Rendered by hostnet from the playbook. Input and forward rules go first in
# ufw-before-input and -forward, ahead of ufw's own accepts (ping, established).
# accept input on br0 (tcp, udp)
-I ufw-before-input 1 -i br0 -p tcp -j ACCEPT
-I ufw-before-input 2 -i br0 -p udp -j ACCEPT
# DHCP and DNS from guests on br0 to the host
-I ufw-before-input 3 -i br0 -p udp -m udp --dport 67 -j ACCEPT
-I ufw-before-input 4 -i br0 -p udp -m udp --dport 53 -j ACCEPT
-I ufw-before-input 5 -i br0 -p tcp -m tcp --dport 53 -j ACCEPT
# forward 192.168.100.0/24 (masqueraded) out via eth0, and its replies
-I ufw-before-forward 1 -s 192.168.100.0/24 -o eth0 -j ACCEPT
-I ufw-before-forward 2 -d 192.168.100.0/24 -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# forward from br0, and its replies
-I ufw-before-forward 3 -i br0 -j ACCEPT
-I ufw-before-forward 4 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 192.168.100.0/24
-I ufw-before-forward 5 ! -s 192.168.100.0/24 -d 192.168.100.0/24 -j DROP
"
        );
        assert_eq!(block_of(&changes, BEFORE_RULES, "firewall").1, [0, 1, 2, 3]);
        assert_eq!(
            text(&changes, BEFORE6_RULES, "firewall"),
            "\
# Rendered by hostnet from the playbook. Input and forward rules go first in
# ufw6-before-input and -forward, ahead of ufw's own accepts (ping, established).
# accept input on br0 (tcp, udp)
-I ufw6-before-input 1 -i br0 -p tcp -j ACCEPT
-I ufw6-before-input 2 -i br0 -p udp -j ACCEPT
# DHCP and DNS from guests on br0 to the host
-I ufw6-before-input 3 -i br0 -p udp -m udp --dport 53 -j ACCEPT
-I ufw6-before-input 4 -i br0 -p tcp -m tcp --dport 53 -j ACCEPT
# forward from br0, and its replies
-I ufw6-before-forward 1 -i br0 -j ACCEPT
-I ufw6-before-forward 2 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
"
        );
        assert_eq!(block_of(&changes, BEFORE6_RULES, "firewall").1, [0, 1, 2]);
        assert!(text(&changes, BEFORE_RULES, "nat").contains(
            "-A HOSTNET-POSTROUTING -s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -j MASQUERADE\nCOMMIT\n"
        ));
        assert_eq!(block_of(&changes, BEFORE_RULES, "nat").1, [3]);
        assert!(text(&changes, SYSCTL_CONF, "forwarding").ends_with("net/ipv4/ip_forward=1\n"));
    }

    #[test]
    fn same_files_on_every_distro() {
        let mut gentoo = facts();
        gentoo.distro = Distro::Gentoo;
        gentoo.init = Init::Openrc;
        let debian = render(&scenario_5());
        let other = Ufw.render(&Desired::new(&scenario_5(), &gentoo)).unwrap();
        let paths = |changes: &[Planned]| -> Vec<String> {
            changes
                .iter()
                .filter_map(|planned| match &planned.change {
                    Change::Block(block) => Some(format!("{} {}", block.path, block.marker)),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(paths(&debian), paths(&other));
        assert_eq!(
            paths(&debian),
            [
                "/etc/ufw/before.rules nat",
                "/etc/ufw/before.rules firewall",
                "/etc/ufw/before6.rules firewall",
                "/etc/ufw/before6.rules nat",
                "/etc/ufw/before.init nat",
                "/etc/ufw/sysctl.conf forwarding",
            ]
        );
    }

    #[test]
    fn blocks_land_in_debians_stock_before_rules() {
        let stock = "\
*filter
:ufw-before-input - [0:0]
-A ufw-before-input -i lo -j ACCEPT

# don't delete the 'COMMIT' line or these rules won't be processed
COMMIT
";
        let changes = render(&scenario_2());
        let mut text = Some(stock.as_bytes().to_vec());
        for marker in ["nat", "firewall"] {
            text = hostnet_engine::block::apply(text.as_deref(), block_of(&changes, BEFORE_RULES, marker).0).unwrap();
        }
        let text = String::from_utf8(text.unwrap()).unwrap();
        let tables = text.lines().filter(|line| line.starts_with('*')).count();
        let commits = text.lines().filter(|line| *line == "COMMIT").count();
        assert_eq!((tables, commits), (2, 2), "{text}");
        assert!(text.starts_with("# BEGIN hostnet nat\n# Masquerading"), "{text}");
        assert!(
            text.ends_with(
                "-I ufw-before-forward 3 ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP\n\
                 # END hostnet firewall\n\
                 # don't delete the 'COMMIT' line or these rules won't be processed\nCOMMIT\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn detection_and_wanted() {
        let mut facts = facts();
        assert_eq!(Ufw.detect(&facts), Detection::Preferred);
        facts.ufw_enabled = false;
        assert_eq!(Ufw.detect(&facts), Detection::Supported);
        facts.tools.clear();
        assert_eq!(
            Ufw.detect(&facts),
            Detection::Unsupported("ufw is not installed".into())
        );
        assert_eq!(Ufw.id(), "ufw");
        assert_eq!(Ufw.target(), Target::Firewall);
        assert!(!Ufw.wanted(&HostModel::default()));
        assert!(Ufw.wanted(&scenario_5()));
    }
}
