//! ebtables MAC NAT: frames leaving through a wireless uplink get the
//! uplink's MAC (ARP payload included), frames coming back to a guest's IP
//! get the guest's MAC. Persisted as `ebtables-restore` input in a file
//! hostnet owns and restored at boot.
//!
//! What shapes this file (`reference/distro-tools.md`, ebtables;
//! `reference/netifrc.md`, last section):
//! - The file is `ebtables-save` text for the `nat` table, written the way
//!   `ebtables-save` prints it, so the live table reads back as the file.
//!   `ebtables-restore` replaces the whole `nat` table (its chains, rules and
//!   user chains; the `filter` and `broute` tables stay): loading it twice
//!   gives each rule once, and the `nat` table is hostnet's.
//! - `ebtables-restore` reads only stdin: a file argument is silently
//!   ignored (and nothing is loaded). The systemd unit therefore uses
//!   `StandardInput=file:`, not `ExecStart=… FILE` and not a shell.
//! - Without `--snat-arp` the access point learns the guest's MAC from the
//!   ARP payload and the guest is cut off.
//! - systemd (Debian has no ebtables persistence package): the rules in
//!   `/etc/hostnet/ebtables.rules`, a oneshot unit restores them before the
//!   network comes up; restarting the unit brings them up now.
//! - OpenRC (Gentoo): the `ebtables` service restores
//!   `/var/lib/ebtables/rules-save`, and by default saves the live rules
//!   over it on stop (`SAVE_ON_STOP="yes"`): a managed block in
//!   `/etc/conf.d/ebtables` pins the file and turns that off.

use std::collections::BTreeSet;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Block, Change, Command, Guard, Placement, Planned, ServiceAction, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Facts, Init};
use hostnet_engine::model::{HostModel, MacNat};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;

/// The rules file on systemd hosts.
const SYSTEMD_RULES: &str = "/etc/hostnet/ebtables.rules";
/// The unit that restores it.
const UNIT: &str = "hostnet-ebtables";
/// The rules file Gentoo's `ebtables` service restores.
const OPENRC_RULES: &str = "/var/lib/ebtables/rules-save";
/// The service's settings.
const OPENRC_CONF: &str = "/etc/conf.d/ebtables";
/// Marker of hostnet's block in it.
const MARKER: &str = "mac_nat";

/// First lines of the rules file.
const HEADER: &str = "\
# hostnet: MAC NAT for QEMU guests behind a wireless uplink. Edit the playbook, not this file.
# ebtables-restore input (reads stdin); it replaces the whole nat table.
";

/// The ebtables backend.
pub(crate) struct Ebtables;

impl Backend for Ebtables {
    fn id(&self) -> BackendId {
        BackendId::new("ebtables")
    }

    fn target(&self) -> Target {
        Target::MacNat
    }

    fn detect(&self, _facts: &Facts) -> Detection {
        Detection::Preferred
    }

    fn wanted(&self, model: &HostModel) -> bool {
        !model.mac_nats.is_empty()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let facts = desired.facts;
        let origins: BTreeSet<TaskId> = model.mac_nats.iter().map(|mac_nat| mac_nat.origin.task).collect();
        let planned = |change| Planned::from_tasks(change, origins.iter().copied());
        let rules_text = rules(&model.mac_nats);
        let changes = match facts.init {
            Init::Systemd => {
                let rules = SysPath::from_static(SYSTEMD_RULES);
                let unit = SysPath::from_static(format!("/etc/systemd/system/{UNIT}.service"));
                vec![
                    planned(file(rules.clone(), rules_text, 0o644)),
                    planned(file(unit.clone(), unit_text(), 0o644)),
                    planned(Change::Require {
                        package: "ebtables".into(),
                        reason: format!("{UNIT}.service restores {SYSTEMD_RULES} with ebtables-restore"),
                    }),
                    planned(command(&["systemctl", "daemon-reload"], vec![unit.clone()])),
                    planned(Change::Service {
                        name: UNIT.into(),
                        action: ServiceAction::Enable,
                    }),
                    planned(command(
                        &["systemctl", "restart", &format!("{UNIT}.service")],
                        vec![rules, unit],
                    )),
                ]
            }
            Init::Openrc => {
                let rules = SysPath::from_static(OPENRC_RULES);
                vec![
                    planned(file(rules.clone(), rules_text, 0o600)),
                    planned(Change::Block(Block {
                        path: SysPath::from_static(OPENRC_CONF),
                        marker: MARKER.into(),
                        content: format!(
                            "# hostnet owns {OPENRC_RULES}: restore it, never save the live rules over it.\n\
                             EBTABLES_SAVE=\"{OPENRC_RULES}\"\n\
                             SAVE_ON_STOP=\"no\"\n"
                        ),
                        present: true,
                        placement: Placement::End,
                        mode: FileMode(0o644),
                        conflicts: Vec::new(),
                        unless_present: None,
                        enforce_mode: false,
                    })),
                    planned(Change::Require {
                        package: "net-firewall/ebtables".into(),
                        reason: format!("the ebtables service restores {OPENRC_RULES}"),
                    }),
                    planned(Change::Service {
                        name: "ebtables".into(),
                        action: ServiceAction::Enable,
                    }),
                    planned(command(&["rc-service", "ebtables", "restart"], vec![rules])),
                ]
            }
        };
        Ok(changes)
    }
}

fn file(path: SysPath, content: String, mode: u32) -> Change {
    Change::File {
        path,
        content,
        mode: FileMode(mode),
        owner: None,
        group: None,
    }
}

fn command(argv: &[&str], files: Vec<SysPath>) -> Change {
    Change::Command(Command {
        argv: argv.iter().map(|word| (*word).to_owned()).collect(),
        guard: Guard::FilesChanged(files),
        effects: Vec::new(),
    })
}

/// The `nat` table as `ebtables-save` prints it: per uplink, per guest the
/// IPv4 and ARP `dnat` back to its MAC; per uplink one `snat` to its MAC.
fn rules(mac_nats: &[MacNat]) -> String {
    let mut text = format!("{HEADER}*nat\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\n");
    for mac_nat in mac_nats {
        let uplink = &mac_nat.uplink.value;
        for guest in &mac_nat.guests {
            let (ip, mac) = (guest.value.ip, guest.value.mac);
            text.push_str(&format!(
                "-A PREROUTING -p IPv4 -i {uplink} --ip-dst {ip} -j dnat --to-dst {mac} --dnat-target ACCEPT\n\
                 -A PREROUTING -p ARP -i {uplink} --arp-ip-dst {ip} -j dnat --to-dst {mac} --dnat-target ACCEPT\n"
            ));
        }
    }
    for mac_nat in mac_nats {
        text.push_str(&format!(
            "-A POSTROUTING -o {} -j snat --to-src {} --snat-arp --snat-target ACCEPT\n",
            mac_nat.uplink.value, mac_nat.mac
        ));
    }
    text
}

/// The oneshot unit that restores the rules before the network comes up
/// (ordered like Debian's `nftables.service`).
fn unit_text() -> String {
    format!(
        "\
# hostnet: restore the ebtables MAC NAT rules at boot. Edit the playbook, not this file.
[Unit]
Description=hostnet ebtables MAC NAT rules
Wants=network-pre.target
Before=network-pre.target shutdown.target
Conflicts=shutdown.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
StandardInput=file:{SYSTEMD_RULES}
ExecStart=/usr/sbin/ebtables-restore

[Install]
WantedBy=multi-user.target
"
    )
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;
    use hostnet_engine::model::{MacNatGuest, Origin};
    use hostnet_engine::value::At;

    use super::*;
    use crate::fixtures::*;

    fn guest(ip: &str, mac: &str) -> At<MacNatGuest> {
        at(MacNatGuest {
            ip: ip.parse().unwrap(),
            mac: mac.parse().unwrap(),
        })
    }

    /// Scenario 2's MAC NAT variant: two guests behind `wlan0`.
    fn two_guests(task: usize) -> HostModel {
        HostModel {
            mac_nats: vec![MacNat {
                uplink: at("wlan0".parse().unwrap()),
                mac: "32:7F:AA:56:59:01".parse().unwrap(),
                guests: vec![
                    guest("172.16.1.2", "00:26:c6:21:cf:02"),
                    guest("172.16.1.3", "00:26:c6:21:cf:03"),
                ],
                origin: Origin {
                    task: TaskId(task),
                    pos: pos(),
                },
            }],
            ..HostModel::default()
        }
    }

    fn facts(distro: Distro, init: Init) -> Facts {
        Facts {
            distro,
            init,
            interfaces: Vec::new(),
            users: None,
            groups: None,
            tools: Vec::new(),
            ufw_enabled: false,
            services: Vec::new(),
            networkmanager_version: None,
            br_netfilter: false,
            netplan: Vec::new(),
            user_ids: std::collections::BTreeMap::new(),
            group_ids: std::collections::BTreeMap::new(),
            machine_id: None,
        }
    }

    const RULES: &str = "\
# hostnet: MAC NAT for QEMU guests behind a wireless uplink. Edit the playbook, not this file.
# ebtables-restore input (reads stdin); it replaces the whole nat table.
*nat
:PREROUTING ACCEPT
:OUTPUT ACCEPT
:POSTROUTING ACCEPT
-A PREROUTING -p IPv4 -i wlan0 --ip-dst 172.16.1.2 -j dnat --to-dst 00:26:c6:21:cf:02 --dnat-target ACCEPT
-A PREROUTING -p ARP -i wlan0 --arp-ip-dst 172.16.1.2 -j dnat --to-dst 00:26:c6:21:cf:02 --dnat-target ACCEPT
-A PREROUTING -p IPv4 -i wlan0 --ip-dst 172.16.1.3 -j dnat --to-dst 00:26:c6:21:cf:03 --dnat-target ACCEPT
-A PREROUTING -p ARP -i wlan0 --arp-ip-dst 172.16.1.3 -j dnat --to-dst 00:26:c6:21:cf:03 --dnat-target ACCEPT
-A POSTROUTING -o wlan0 -j snat --to-src 32:7f:aa:56:59:01 --snat-arp --snat-target ACCEPT
";

    /// Every change, one line each (file contents checked separately).
    fn summary(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .map(|planned| {
                assert_eq!(planned.origins, [TaskId(3)], "{:?}", planned.change);
                match &planned.change {
                    Change::File { path, mode, .. } => format!("file {path} {:o}", mode.0),
                    Change::Block(block) => format!("block {} {}", block.path, block.marker),
                    Change::Require { package, reason } => format!("require {package}: {reason}"),
                    Change::Service { name, action } => format!("service {name} {action:?}"),
                    Change::Command(command) => {
                        let Guard::FilesChanged(files) = &command.guard else {
                            panic!("unguarded {command:?}");
                        };
                        let files: Vec<&str> = files.iter().map(SysPath::as_str).collect();
                        format!("run {} if changed: {}", command.argv.join(" "), files.join(" "))
                    }
                    other => panic!("unexpected {other:?}"),
                }
            })
            .collect()
    }

    fn file_content<'a>(changes: &'a [Planned], wanted: &str) -> &'a str {
        changes
            .iter()
            .find_map(|planned| match &planned.change {
                Change::File { path, content, .. } if path.as_str() == wanted => Some(content.as_str()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no file {wanted}"))
    }

    #[test]
    fn debian_two_guests_rules_file_and_unit() {
        let changes = Ebtables
            .render(&Desired::new(&two_guests(3), &facts(Distro::Debian, Init::Systemd)))
            .unwrap();
        assert_eq!(file_content(&changes, "/etc/hostnet/ebtables.rules"), RULES);
        assert_eq!(
            file_content(&changes, "/etc/systemd/system/hostnet-ebtables.service"),
            "\
# hostnet: restore the ebtables MAC NAT rules at boot. Edit the playbook, not this file.
[Unit]
Description=hostnet ebtables MAC NAT rules
Wants=network-pre.target
Before=network-pre.target shutdown.target
Conflicts=shutdown.target
DefaultDependencies=no

[Service]
Type=oneshot
RemainAfterExit=yes
StandardInput=file:/etc/hostnet/ebtables.rules
ExecStart=/usr/sbin/ebtables-restore

[Install]
WantedBy=multi-user.target
"
        );
        assert_eq!(
            summary(&changes),
            [
                "file /etc/hostnet/ebtables.rules 644",
                "file /etc/systemd/system/hostnet-ebtables.service 644",
                "require ebtables: hostnet-ebtables.service restores /etc/hostnet/ebtables.rules with ebtables-restore",
                "run systemctl daemon-reload if changed: /etc/systemd/system/hostnet-ebtables.service",
                "service hostnet-ebtables Enable",
                "run systemctl restart hostnet-ebtables.service if changed: \
                 /etc/hostnet/ebtables.rules /etc/systemd/system/hostnet-ebtables.service",
            ]
        );
    }

    #[test]
    fn gentoo_two_guests_rules_save_and_no_save_on_stop() {
        let changes = Ebtables
            .render(&Desired::new(&two_guests(3), &facts(Distro::Gentoo, Init::Openrc)))
            .unwrap();
        assert_eq!(file_content(&changes, "/var/lib/ebtables/rules-save"), RULES);
        let block = changes
            .iter()
            .find_map(|planned| match &planned.change {
                Change::Block(block) => Some(block),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            *block,
            Block {
                path: SysPath::from_static("/etc/conf.d/ebtables"),
                marker: "mac_nat".into(),
                content: "\
# hostnet owns /var/lib/ebtables/rules-save: restore it, never save the live rules over it.
EBTABLES_SAVE=\"/var/lib/ebtables/rules-save\"
SAVE_ON_STOP=\"no\"
"
                .into(),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o644),
                conflicts: Vec::new(),
                unless_present: None,
                enforce_mode: false,
            }
        );
        assert_eq!(
            summary(&changes),
            [
                "file /var/lib/ebtables/rules-save 600",
                "block /etc/conf.d/ebtables mac_nat",
                "require net-firewall/ebtables: the ebtables service restores /var/lib/ebtables/rules-save",
                "service ebtables Enable",
                "run rc-service ebtables restart if changed: /var/lib/ebtables/rules-save",
            ]
        );
    }

    #[test]
    fn every_uplink_gets_its_snat_after_all_dnats() {
        let mut model = two_guests(0);
        model.mac_nats.push(MacNat {
            uplink: at("wlan1".parse().unwrap()),
            mac: "02:00:00:00:00:01".parse().unwrap(),
            guests: vec![guest("192.168.50.9", "02:00:00:00:00:09")],
            origin: Origin {
                task: TaskId(1),
                pos: pos(),
            },
        });
        let text = rules(&model.mac_nats);
        let rule_lines: Vec<&str> = text.lines().filter(|line| line.starts_with("-A")).collect();
        assert_eq!(rule_lines.len(), 8);
        assert_eq!(
            rule_lines[4..],
            [
                "-A PREROUTING -p IPv4 -i wlan1 --ip-dst 192.168.50.9 -j dnat --to-dst 02:00:00:00:00:09 --dnat-target ACCEPT",
                "-A PREROUTING -p ARP -i wlan1 --arp-ip-dst 192.168.50.9 -j dnat --to-dst 02:00:00:00:00:09 --dnat-target ACCEPT",
                "-A POSTROUTING -o wlan0 -j snat --to-src 32:7f:aa:56:59:01 --snat-arp --snat-target ACCEPT",
                "-A POSTROUTING -o wlan1 -j snat --to-src 02:00:00:00:00:01 --snat-arp --snat-target ACCEPT",
            ]
        );
        let changes = Ebtables
            .render(&Desired::new(&model, &facts(Distro::Debian, Init::Systemd)))
            .unwrap();
        assert!(changes.iter().all(|planned| planned.origins == [TaskId(0), TaskId(1)]));
    }

    #[test]
    fn detection_and_wanted() {
        assert_eq!(Ebtables.id(), "ebtables");
        assert_eq!(Ebtables.target(), Target::MacNat);
        assert_eq!(
            Ebtables.detect(&facts(Distro::Gentoo, Init::Openrc)),
            Detection::Preferred
        );
        assert_eq!(
            Ebtables.detect(&facts(Distro::Debian, Init::Systemd)),
            Detection::Preferred
        );
        assert!(!Ebtables.wanted(&HostModel::default()));
        assert!(Ebtables.wanted(&two_guests(0)));
    }
}
