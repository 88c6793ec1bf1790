//! Docker beside the guests: dockerd sets iptables' FORWARD policy to DROP
//! and loads `br_netfilter` (so frames crossing a bridge traverse FORWARD
//! too), which cuts bridged and NATed guests off. Docker's documented way
//! out is rules in its `DOCKER-USER` chain, which it jumps to first and
//! never flushes. Shared by the iptables, nftables and ufw backends: an
//! accept in nftables' own `inet hostnet` table cannot undo a drop in
//! `ip filter` (every base chain must accept), so the accepts always go into
//! `DOCKER-USER` through iptables (iptables-nft where Docker uses nftables).
//!
//! Three pieces, when Docker runs (facts: its service, unless its
//! `daemon.json` says `"iptables": false`):
//! - `/etc/hostnet/docker-user.rules`: hostnet's chain `HOSTNET-DOCKER-USER`
//!   with the accepts, for `iptables-restore --noflush` (which empties and
//!   refills a chain it declares, and touches no other);
//! - a systemd drop-in for `docker.service` that loads it and (re)places the
//!   one jump from `DOCKER-USER` each time Docker starts, since Docker
//!   creates `DOCKER-USER` afresh at boot;
//! - the same now (the jump from `/etc/hostnet/docker-user-jump.rules`,
//!   loaded once, when that file is created), and a warning in the plan.

use hostnet_engine::backend::Desired;
use hostnet_engine::change::{Change, Command, Guard, Planned, TaskId};
use hostnet_engine::model::{FirewallIntent, HostModel};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;

/// hostnet's chain, jumped to from Docker's `DOCKER-USER`.
const CHAIN: &str = "HOSTNET-DOCKER-USER";
/// The chain's rules.
const RULES: &str = "/etc/hostnet/docker-user.rules";
/// The one jump into [`CHAIN`], loaded when this file is created (its text
/// never changes, so once per host; after a reboot the drop-in places it).
const JUMP: &str = "/etc/hostnet/docker-user-jump.rules";
/// The drop-in that reloads them whenever Docker starts.
const DROP_IN: &str = "/etc/systemd/system/docker.service.d/50-hostnet.conf";

/// The accepts for the guests' forwarded traffic, `-A` lines of [`CHAIN`].
fn accepts(model: &HostModel) -> (Vec<String>, Vec<TaskId>) {
    let mut lines = Vec::new();
    let mut origins = Vec::new();
    for rule in &model.firewall {
        match &rule.intent {
            FirewallIntent::BridgeForward { bridge } => {
                lines.push(format!("-A {CHAIN} -i {bridge} -o {bridge} -j ACCEPT"));
            }
            FirewallIntent::AllowForward { interface, .. } => {
                lines.push(format!("-A {CHAIN} -i {interface} -j ACCEPT"));
                lines.push(format!(
                    "-A {CHAIN} -o {interface} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
                ));
            }
            _ => continue,
        }
        origins.push(rule.origin.task);
    }
    for nat in &model.nats {
        let source = nat.source.value;
        lines.push(format!("-A {CHAIN} -s {source} -j ACCEPT"));
        if nat.masquerade {
            lines.push(format!(
                "-A {CHAIN} -d {source} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
            ));
        } else {
            lines.push(format!("-A {CHAIN} -d {source} -j ACCEPT"));
        }
        origins.push(nat.origin.task);
    }
    origins.sort();
    origins.dedup();
    (lines, origins)
}

/// What a firewall backend adds on a host where Docker runs.
pub(crate) fn docker_user(desired: &Desired<'_>) -> Vec<Planned> {
    if !desired.facts.runs("docker") {
        return Vec::new();
    }
    let (lines, origins) = accepts(desired.model);
    if lines.is_empty() {
        return Vec::new();
    }
    let planned = |change| Planned::from_tasks(change, origins.iter().copied());
    let rules = SysPath::from_static(RULES);
    let mut text = format!(
        "# The guests' forwarded traffic, accepted before Docker's FORWARD policy (DROP)\n\
         # drops it: loaded with `iptables-restore --noflush` whenever Docker starts.\n\
         # Rendered by hostnet from the playbook: edit the playbook, not this file.\n\
         *filter\n:{CHAIN} - [0:0]\n"
    );
    for line in &lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("COMMIT\n");
    let drop_in = format!(
        "# Managed by hostnet: after Docker has made DOCKER-USER, accept the guests'\n\
         # traffic there (hostnet's chain, one jump to it).\n\
         [Service]\n\
         ExecStartPost=/usr/sbin/iptables-restore -w --noflush {RULES}\n\
         ExecStartPost=-/usr/sbin/iptables -w -D DOCKER-USER -j {CHAIN}\n\
         ExecStartPost=/usr/sbin/iptables -w -I DOCKER-USER -j {CHAIN}\n"
    );
    let argv = |words: &[&str]| words.iter().map(|word| (*word).to_owned()).collect::<Vec<String>>();
    vec![
        planned(Change::File {
            path: rules.clone(),
            content: text,
            mode: FileMode(0o644),
            owner: None,
            group: None,
        }),
        planned(Change::File {
            path: SysPath::from_static(DROP_IN),
            content: drop_in,
            mode: FileMode(0o644),
            owner: None,
            group: None,
        }),
        planned(Change::File {
            path: SysPath::from_static(JUMP),
            content: format!(
                "# The jump into hostnet's chain, loaded once with `iptables-restore --noflush`.\n\
                 *filter\n-I DOCKER-USER 1 -j {CHAIN}\nCOMMIT\n"
            ),
            mode: FileMode(0o644),
            owner: None,
            group: None,
        }),
        planned(Change::Warn {
            message: format!(
                "Docker runs on this host: it sets iptables' FORWARD policy to DROP and loads br_netfilter, \
                 which cuts the guests off; hostnet accepts their traffic in DOCKER-USER ({RULES}, \
                 reloaded when Docker starts by {DROP_IN})"
            ),
        }),
        planned(Change::Command(Command {
            argv: argv(&["iptables-restore", "-w", "--noflush", RULES]),
            guard: Guard::FilesChanged(vec![rules]),
            effects: Vec::new(),
        })),
        planned(Change::Command(Command {
            argv: argv(&["iptables-restore", "-w", "--noflush", JUMP]),
            guard: Guard::FilesChanged(vec![SysPath::from_static(JUMP)]),
            effects: Vec::new(),
        })),
        planned(Change::Command(Command {
            argv: argv(&["systemctl", "daemon-reload"]),
            guard: Guard::FilesChanged(vec![SysPath::from_static(DROP_IN)]),
            effects: Vec::new(),
        })),
    ]
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;
    use hostnet_engine::model::{FirewallRule, Nat};

    use super::*;
    use crate::fixtures::*;

    #[test]
    fn accepts_go_into_docker_user_where_docker_runs() {
        let mut model = scenario_private();
        model.nats.push(Nat {
            source: at("172.16.1.0/24".parse().unwrap()),
            out_interface: Some(name("wlan0")),
            masquerade: true,
            origin: origin(4),
        });
        model.firewall.push(FirewallRule {
            intent: FirewallIntent::BridgeForward { bridge: name("br0") },
            origin: origin(5),
        });
        let mut facts = facts(Distro::Debian);
        assert!(docker_user(&Desired::new(&model, &facts)).is_empty());
        facts.services = vec!["docker".into()];
        let changes = docker_user(&Desired::new(&model, &facts));
        let Change::File { content, .. } = &changes[0].change else {
            panic!()
        };
        assert_eq!(
            content,
            "\
# The guests' forwarded traffic, accepted before Docker's FORWARD policy (DROP)
# drops it: loaded with `iptables-restore --noflush` whenever Docker starts.
# Rendered by hostnet from the playbook: edit the playbook, not this file.
*filter
:HOSTNET-DOCKER-USER - [0:0]
-A HOSTNET-DOCKER-USER -i br0 -o br0 -j ACCEPT
-A HOSTNET-DOCKER-USER -s 172.16.1.0/24 -j ACCEPT
-A HOSTNET-DOCKER-USER -d 172.16.1.0/24 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
"
        );
        let commands: Vec<String> = changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::Command(command) => Some(command.argv.join(" ")),
                _ => None,
            })
            .collect();
        assert_eq!(
            commands,
            [
                "iptables-restore -w --noflush /etc/hostnet/docker-user.rules",
                "iptables-restore -w --noflush /etc/hostnet/docker-user-jump.rules",
                "systemctl daemon-reload",
            ]
        );
        assert_eq!(changes[0].origins, [TaskId(4), TaskId(5)]);
    }
}
