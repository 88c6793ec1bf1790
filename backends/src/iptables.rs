//! iptables: NAT and firewall intents in hostnet's own chains
//! (`HOSTNET-INPUT`, `HOSTNET-FORWARD`, and `HOSTNET-POSTROUTING` in the nat
//! table), persisted where the distro loads rules at boot, and loaded now
//! without disturbing anybody else's rules. What each intent becomes is in
//! `netfilter.rs`; the syntax and traps are in `reference/distro-tools.md`.
//!
//! Three files per address family:
//! - The boot ruleset: Debian, Ubuntu and other systemd hosts
//!   `/etc/iptables/rules.v4` and `rules.v6` (netfilter-persistent;
//!   `rules.v6` is always written, because netfilter-persistent 1.0.20 fails
//!   when it is missing), Gentoo `/var/lib/iptables/rules-save` and
//!   `/var/lib/ip6tables/rules-save` (the `iptables`/`ip6tables` services).
//!   The file is the user's, and may well hold the host's own firewall
//!   (`:INPUT DROP` and an ssh accept): hostnet merges, never replaces.
//!   `iptables-restore` without `--noflush` replaces each table it names
//!   and a second `*filter` section replaces the first, so hostnet's part
//!   is a managed block *inside* each table's section, right after the
//!   section's chain declarations: its own chains, the jumps into them
//!   (first in the built-in chains, so its drops come before the user's
//!   accepts) and its rules. Where the file has no such section (or no
//!   file), the block holds a section of its own. Policies, chains and
//!   rules outside the blocks are never touched, so no plan can weaken the
//!   host's policy. A `HOSTNET-*` line outside the blocks (a saved copy of
//!   the live rules) is reported: the chain would be declared twice.
//! - `/etc/hostnet/iptables.rules` (`ip6tables.rules`): only hostnet's chains
//!   and rules, for the reload now. `iptables-restore --noflush` empties a
//!   user-defined chain it declares (`:HOSTNET-INPUT - [0:0]`) and leaves
//!   every other chain alone, so loading this file twice gives the same
//!   rules, in one batch, and the user's, Docker's or libvirt's live rules
//!   survive. It runs whenever the file changes.
//! - `/etc/hostnet/iptables-jumps.rules` (`ip6tables-jumps.rules`): the jumps
//!   from the built-in chains (`-I INPUT 1 -j HOSTNET-INPUT`, …), loaded with
//!   `--noflush` only when this file is created: restore input cannot say
//!   "unless present" (`-C` would abort the batch), and its text never changes,
//!   so it is loaded once per host. After a reboot the jumps come from the
//!   boot ruleset. (Flushing the built-in chains by hand loses them until the
//!   next boot, or until this file is deleted and hostnet runs again.)
//!   NAT66 (an IPv6 prefix masqueraded) adds `ip6tables-nat-jumps.rules`
//!   with the IPv6 POSTROUTING jump, a file of its own so that the jumps
//!   file's text still never changes; `rules.v6` gets a `*nat` block only
//!   then (an old one is removed without NAT66).
//!
//! Gentoo's iptables service saves the live rules over `rules-save` when it
//! stops (`SAVE_ON_STOP="yes"` by default, shutdown included), which would
//! copy hostnet's chains out of its blocks, so a managed block in
//! `/etc/conf.d/iptables` (and `ip6tables`) turns that off and pins the file
//! name.

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{
    Block, Change, Command, Conflict, Guard, Placement, Planned, ServiceAction, TaskId, Unload,
};
use hostnet_engine::error::Result;
use hostnet_engine::facts::{Distro, Facts, Init};
use hostnet_engine::model::HostModel;
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;

use crate::netfilter::{self, Family, Group, Hook};

/// hostnet's chain for INPUT.
pub(crate) const INPUT_CHAIN: &str = "HOSTNET-INPUT";
/// hostnet's chain for FORWARD.
pub(crate) const FORWARD_CHAIN: &str = "HOSTNET-FORWARD";
/// hostnet's chain for nat POSTROUTING.
pub(crate) const POSTROUTING_CHAIN: &str = "HOSTNET-POSTROUTING";

/// The iptables backend.
pub(crate) struct Iptables;

impl Backend for Iptables {
    fn id(&self) -> BackendId {
        BackendId::new("iptables")
    }

    fn target(&self) -> Target {
        Target::Firewall
    }

    fn detect(&self, facts: &Facts) -> Detection {
        // ufw prefers itself when enabled, nftables on systemd hosts with `nft`.
        let nftables_host = facts.init == Init::Systemd && facts.has_tool("nft");
        if facts.ufw_enabled || nftables_host || facts.runs("firewalld") {
            Detection::Supported
        } else {
            Detection::Preferred
        }
    }

    fn wanted(&self, model: &HostModel) -> bool {
        model.has_firewall()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let facts = desired.facts;
        let groups = netfilter::groups(model);
        let all = netfilter::origins(&groups);
        let boot = Boot::of(facts.distro);
        let mut files = Vec::new();
        let mut reloads = Vec::new();
        let mut jumps = Vec::new();
        let mut unloads = Vec::new();
        for family in [Family::Ipv4, Family::Ipv6] {
            let tool = tool(family);
            let used: Vec<&Group> = groups.iter().filter(|g| g.rules_for(family).next().is_some()).collect();
            let origins = if used.is_empty() {
                all.clone()
            } else {
                netfilter::origins(used)
            };
            let boot_path = boot.path(family);
            files.extend(boot_blocks(&groups, family, boot_path, boot.mode, &origins));
            let live = live_path(family);
            let live_header = format!(
                "# hostnet's own chains, for loading now without touching any other rule:\n\
                 # `{tool}-restore --noflush` of this file empties the HOSTNET-* chains it\n\
                 # declares and refills them, in one batch. The jumps into them are in\n\
                 # {jumps}; at boot, everything comes from {boot}.\n\
                 # Rendered by hostnet from the playbook: edit the playbook, not this file.\n",
                jumps = jumps_path(family),
                boot = boot_path,
            );
            let chains = ruleset(&groups, family, &live_header);
            unloads.push(unload(tool, live, unchain_text(&chains), &origins));
            files.push(file(live, FileMode(0o644), chains, &origins));
            reloads.push(restore(tool, live, &origins));
            let jumps_file = jumps_text(family);
            unloads.push(unload(tool, jumps_path(family), unjump_text(&jumps_file), &all));
            files.push(file(jumps_path(family), FileMode(0o644), jumps_file, &all));
            jumps.push(restore(tool, jumps_path(family), &all));
            // NAT66's jump has a file of its own: adding it to the jumps
            // file above would reload that file, and its filter jumps twice.
            if family == Family::Ipv6 && has_nat(&groups, family) {
                let nat66 = nat66_jumps_text();
                unloads.push(unload(tool, NAT66_JUMPS, unjump_text(&nat66), &origins));
                files.push(file(NAT66_JUMPS, FileMode(0o644), nat66, &origins));
                jumps.push(restore(tool, NAT66_JUMPS, &origins));
            }
        }
        let mut changes = files;
        changes.extend(boot.wiring(&all));
        changes.extend(reloads);
        changes.extend(jumps);
        changes.extend(unloads);
        // Docker drops forwarded packets unless its DOCKER-USER accepts them.
        changes.extend(crate::docker::docker_user(desired));
        Ok(changes)
    }
}

/// `iptables` or `ip6tables`.
fn tool(family: Family) -> &'static str {
    match family {
        Family::Ipv4 => "iptables",
        Family::Ipv6 => "ip6tables",
    }
}

/// The rules for loading now (hostnet's chains only).
fn live_path(family: Family) -> &'static str {
    match family {
        Family::Ipv4 => "/etc/hostnet/iptables.rules",
        Family::Ipv6 => "/etc/hostnet/ip6tables.rules",
    }
}

/// The jumps into hostnet's chains, loaded once.
fn jumps_path(family: Family) -> &'static str {
    match family {
        Family::Ipv4 => "/etc/hostnet/iptables-jumps.rules",
        Family::Ipv6 => "/etc/hostnet/ip6tables-jumps.rules",
    }
}

/// Where and how the distro loads rules at boot.
struct Boot {
    gentoo: bool,
    mode: FileMode,
}

impl Boot {
    fn of(distro: Distro) -> Self {
        match distro {
            Distro::Gentoo => Self {
                gentoo: true,
                // The init script's `save` creates it 0600 (`checkpath -m 0600`).
                mode: FileMode(0o600),
            },
            Distro::Debian | Distro::Ubuntu | Distro::Systemd => Self {
                gentoo: false,
                mode: FileMode(0o640),
            },
        }
    }

    fn path(&self, family: Family) -> &'static str {
        match (self.gentoo, family) {
            (true, Family::Ipv4) => "/var/lib/iptables/rules-save",
            (true, Family::Ipv6) => "/var/lib/ip6tables/rules-save",
            (false, Family::Ipv4) => "/etc/iptables/rules.v4",
            (false, Family::Ipv6) => "/etc/iptables/rules.v6",
        }
    }

    /// Service, package and (Gentoo) conf.d blocks.
    fn wiring(&self, origins: &[TaskId]) -> Vec<Planned> {
        let planned = |change| Planned::from_tasks(change, origins.iter().copied());
        if !self.gentoo {
            return vec![
                planned(Change::Service {
                    name: "netfilter-persistent".into(),
                    action: ServiceAction::Enable,
                }),
                planned(Change::Require {
                    package: "iptables-persistent".into(),
                    reason: "netfilter-persistent loads /etc/iptables/rules.v4 and rules.v6 at boot; \
                             when installing it, do not let it save the current rules over them"
                        .into(),
                }),
            ];
        }
        let mut changes = Vec::new();
        for (service, variable, family) in [
            ("iptables", "IPTABLES_SAVE", Family::Ipv4),
            ("ip6tables", "IP6TABLES_SAVE", Family::Ipv6),
        ] {
            changes.push(planned(Change::Block(Block {
                path: SysPath::from_static(format!("/etc/conf.d/{service}")),
                marker: "firewall".into(),
                content: format!(
                    "# hostnet keeps its chains in managed blocks of {path}. With\n\
                     # SAVE_ON_STOP=\"yes\" (Gentoo's default) the service would save the live\n\
                     # rules over it whenever it stops, shutdown included, persisting rules\n\
                     # added by hand or by other tools and copying hostnet's chains out of\n\
                     # its blocks.\n\
                     {variable}=\"{path}\"\n\
                     SAVE_ON_STOP=\"no\"\n",
                    path = self.path(family)
                ),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o644),
                conflicts: Vec::new(),
                unless_present: None,
                enforce_mode: false,
            })));
        }
        for service in ["iptables", "ip6tables"] {
            changes.push(planned(Change::Service {
                name: service.into(),
                action: ServiceAction::Enable,
            }));
        }
        changes.push(planned(Change::Require {
            package: "net-firewall/iptables".into(),
            reason: "the iptables and ip6tables services load /var/lib/ip{,6}tables/rules-save at boot".into(),
        }));
        changes
    }
}

/// iptables-restore input for `family` with hostnet's chains and rules only
/// (loaded now with `--noflush`).
fn ruleset(groups: &[Group], family: Family, header: &str) -> String {
    let mut text = header.to_owned();
    if has_nat(groups, family) {
        text.push_str("\n*nat\n");
        text.push_str(&format!(":{POSTROUTING_CHAIN} - [0:0]\n"));
        push_groups(&mut text, groups, family, Hook::Postrouting, POSTROUTING_CHAIN);
        text.push_str("COMMIT\n");
    }
    text.push_str("\n*filter\n");
    text.push_str(&format!(":{INPUT_CHAIN} - [0:0]\n:{FORWARD_CHAIN} - [0:0]\n"));
    push_groups(&mut text, groups, family, Hook::Input, INPUT_CHAIN);
    push_groups(&mut text, groups, family, Hook::Forward, FORWARD_CHAIN);
    text.push_str("COMMIT\n");
    text
}

/// The first lines of each block in a boot ruleset.
const BOOT_BLOCK_HEADER: &str = "\
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
";

/// hostnet's blocks in the boot ruleset at `path`: one per table, inside
/// the file's own section of that table.
fn boot_blocks(groups: &[Group], family: Family, path: &str, mode: FileMode, origins: &[TaskId]) -> Vec<Planned> {
    let mut tables = Vec::new();
    let nat = has_nat(groups, family);
    if nat || family == Family::Ipv6 {
        let mut text =
            format!("{BOOT_BLOCK_HEADER}:{POSTROUTING_CHAIN} - [0:0]\n-A POSTROUTING -j {POSTROUTING_CHAIN}\n");
        push_groups(&mut text, groups, family, Hook::Postrouting, POSTROUTING_CHAIN);
        tables.push(("nat", text, vec![POSTROUTING_CHAIN], nat));
    }
    let mut text = format!(
        "{BOOT_BLOCK_HEADER}:{INPUT_CHAIN} - [0:0]\n:{FORWARD_CHAIN} - [0:0]\n\
         -A INPUT -j {INPUT_CHAIN}\n-A FORWARD -j {FORWARD_CHAIN}\n"
    );
    push_groups(&mut text, groups, family, Hook::Input, INPUT_CHAIN);
    push_groups(&mut text, groups, family, Hook::Forward, FORWARD_CHAIN);
    tables.push(("filter", text, vec![INPUT_CHAIN, FORWARD_CHAIN], true));
    tables
        .into_iter()
        .map(|(table, content, chains, present)| {
            let conflicts = chains
                .iter()
                .flat_map(|chain| [format!(":{chain} "), format!("-A {chain} ")])
                .chain(
                    ["INPUT", "FORWARD", "POSTROUTING"]
                        .iter()
                        .map(|builtin| format!("-A {builtin} -j HOSTNET-")),
                )
                .map(|prefix| Conflict {
                    prefix,
                    message: "one of hostnet's chains outside its block (a saved copy of the live rules?): \
                              delete the line, or iptables-restore declares the chain twice and fails"
                        .into(),
                })
                .collect();
            Planned::from_tasks(
                Change::Block(Block {
                    path: SysPath::from_static(path),
                    marker: table.into(),
                    content,
                    present,
                    placement: Placement::Section {
                        header: format!("*{table}"),
                        footer: "COMMIT".into(),
                    },
                    mode,
                    conflicts,
                    unless_present: None,
                    enforce_mode: false,
                }),
                origins.iter().copied(),
            )
        })
        .collect()
}

/// Does the `family` ruleset have a nat table? IPv4 always (its chain may
/// be empty); IPv6 only with NAT66, so a host without IPv6 NAT needs no
/// ip6tables nat table.
fn has_nat(groups: &[Group], family: Family) -> bool {
    family == Family::Ipv4
        || groups
            .iter()
            .any(|group| group.hook == Hook::Postrouting && group.rules_for(family).next().is_some())
}

/// Each group of `hook` as a comment and `-A CHAIN …` lines.
pub(crate) fn push_groups(text: &mut String, groups: &[Group], family: Family, hook: Hook, chain: &str) {
    for group in groups.iter().filter(|group| group.hook == hook) {
        let mut rules = group.rules_for(family).peekable();
        if rules.peek().is_none() {
            continue;
        }
        text.push_str(&format!("# {}\n", group.comment));
        for rule in rules {
            text.push_str(&format!("-A {chain} {}\n", rule.iptables(family)));
        }
    }
}

/// The jumps from the built-in chains, first in each.
fn jumps_text(family: Family) -> String {
    let tool = tool(family);
    let mut text = format!(
        "# The jumps from the built-in chains into hostnet's chains, loaded with\n\
         # `{tool}-restore --noflush` only when hostnet creates this file: loading it\n\
         # again would add second jumps. After a reboot they come from the boot ruleset.\n"
    );
    if family == Family::Ipv4 {
        text.push_str(&format!("\n*nat\n-I POSTROUTING 1 -j {POSTROUTING_CHAIN}\nCOMMIT\n"));
    }
    text.push_str(&format!(
        "\n*filter\n-I INPUT 1 -j {INPUT_CHAIN}\n-I FORWARD 1 -j {FORWARD_CHAIN}\nCOMMIT\n"
    ));
    text
}

/// The live jump into hostnet's IPv6 nat chain, where there is NAT66.
const NAT66_JUMPS: &str = "/etc/hostnet/ip6tables-nat-jumps.rules";

/// The jump from POSTROUTING into hostnet's IPv6 nat chain.
fn nat66_jumps_text() -> String {
    format!(
        "# The jump from POSTROUTING into hostnet's IPv6 NAT chain (NAT66), loaded with\n\
         # `ip6tables-restore --noflush` only when hostnet creates this file: loading it\n\
         # again would add a second jump. After a reboot it comes from the boot ruleset.\n\
         \n*nat\n-I POSTROUTING 1 -j {POSTROUTING_CHAIN}\nCOMMIT\n"
    )
}

fn file(path: &str, mode: FileMode, content: String, origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::File {
            path: SysPath::from_static(path),
            content,
            mode,
            owner: None,
            group: None,
        },
        origins.iter().copied(),
    )
}

/// What a rollback of the run that created `path` runs: `TOOL-restore -w
/// --noflush` of `input` (the deletions of what `path` loaded).
fn unload(tool: &str, path: &str, input: String, origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::Unload {
            files: vec![SysPath::from_static(path)],
            unload: Unload {
                argv: vec![format!("{tool}-restore"), "-w".into(), "--noflush".into()],
                input: Some(input),
            },
        },
        origins.iter().copied(),
    )
}

/// hostnet's chains of a ruleset file, emptied and deleted, table by table.
fn unchain_text(ruleset: &str) -> String {
    let mut text = String::new();
    let mut chains: Vec<&str> = Vec::new();
    for line in ruleset.lines() {
        if line.starts_with('*') {
            text.push_str(line);
            text.push('\n');
            chains.clear();
        } else if let Some(chain) = line.strip_prefix(':') {
            chains.push(chain.split_whitespace().next().unwrap_or(chain));
        } else if line == "COMMIT" {
            for chain in &chains {
                text.push_str(&format!("-F {chain}\n"));
            }
            for chain in &chains {
                text.push_str(&format!("-X {chain}\n"));
            }
            text.push_str("COMMIT\n");
        }
    }
    text
}

/// The jumps of a jumps file, deleted: `-I CHAIN 1 -j X` → `-D CHAIN -j X`.
fn unjump_text(jumps: &str) -> String {
    let mut text = String::new();
    for line in jumps.lines() {
        if line.starts_with('*') || line == "COMMIT" {
            text.push_str(line);
            text.push('\n');
        } else if let Some((chain, rule)) = hostnet_engine::live::verify::inserted(line) {
            text.push_str(&format!("-D {chain} {rule}\n"));
        }
    }
    text
}

/// `TOOL-restore -w --noflush FILE`, when FILE changes.
fn restore(tool: &str, path: &str, origins: &[TaskId]) -> Planned {
    Planned::from_tasks(
        Change::Command(Command {
            argv: vec![format!("{tool}-restore"), "-w".into(), "--noflush".into(), path.into()],
            guard: Guard::FilesChanged(vec![SysPath::from_static(path)]),
            effects: Vec::new(),
        }),
        origins.iter().copied(),
    )
}

#[cfg(test)]
mod tests {
    use hostnet_engine::model::FirewallIntent;

    use super::*;
    use crate::fixtures::name;
    use crate::netfilter::tests::{nat, rule, scenario_2, scenario_4, scenario_5};

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

    fn debian() -> Facts {
        facts(Distro::Debian, Init::Systemd)
    }

    fn render(model: &HostModel, facts: &Facts) -> Vec<Planned> {
        Iptables.render(&Desired::new(model, facts)).unwrap()
    }

    /// The content of the file at `path`.
    fn content<'a>(changes: &'a [Planned], path: &str) -> &'a str {
        changes
            .iter()
            .find_map(|planned| match &planned.change {
                Change::File { path: p, content, .. } if p.as_str() == path => Some(content.as_str()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no file {path}"))
    }

    /// The boot ruleset at `path` after hostnet's blocks are applied to `current`.
    fn boot(changes: &[Planned], path: &str, current: Option<&str>) -> String {
        let mut text = current.map(|text| text.as_bytes().to_vec());
        for planned in changes {
            if let Change::Block(block) = &planned.change
                && block.path.as_str() == path
            {
                text = hostnet_engine::block::apply(text.as_deref(), block).unwrap();
            }
        }
        String::from_utf8(text.expect("a boot ruleset")).unwrap()
    }

    /// Every change, one line each, with its origins (file contents left out).
    fn summary(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .map(|planned| {
                let what = match &planned.change {
                    Change::File { path, mode, .. } => format!("file {path} {:o}", mode.0),
                    Change::Block(block) => format!("block {} {}", block.path, block.marker),
                    Change::Service { name, action } => format!("service {name} {action:?}"),
                    Change::Require { package, .. } => format!("require {package}"),
                    Change::Command(command) => {
                        let Guard::FilesChanged(files) = &command.guard else {
                            panic!("unexpected guard {:?}", command.guard);
                        };
                        let files: Vec<&str> = files.iter().map(SysPath::as_str).collect();
                        format!("run {} [if {} changed]", command.argv.join(" "), files.join(","))
                    }
                    Change::Unload { files, unload } => format!(
                        "unload {} with {} <<< {}",
                        files.iter().map(SysPath::as_str).collect::<Vec<_>>().join(","),
                        unload.argv.join(" "),
                        unload
                            .input
                            .as_deref()
                            .unwrap_or_default()
                            .trim_end()
                            .replace('\n', "; ")
                    ),
                    other => panic!("unexpected change {other:?}"),
                };
                let origins: Vec<String> = planned.origins.iter().map(|task| task.0.to_string()).collect();
                format!("{what} <{}>", origins.join(","))
            })
            .collect()
    }

    #[test]
    fn scenario_2_debian_boot_ruleset() {
        let changes = render(&scenario_2(), &debian());
        assert_eq!(
            boot(&changes, "/etc/iptables/rules.v4", None),
            "\
# BEGIN hostnet nat
*nat
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-POSTROUTING - [0:0]
-A POSTROUTING -j HOSTNET-POSTROUTING
# masquerade 172.16.1.0/24 leaving via wlan0 (never multicast or broadcast)
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE
COMMIT
# END hostnet nat
# BEGIN hostnet filter
*filter
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
-A INPUT -j HOSTNET-INPUT
-A FORWARD -j HOSTNET-FORWARD
# forward 172.16.1.0/24 (masqueraded) out via wlan0, and its replies
-A HOSTNET-FORWARD -s 172.16.1.0/24 -o wlan0 -j ACCEPT
-A HOSTNET-FORWARD -d 172.16.1.0/24 -i wlan0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 172.16.1.0/24
-A HOSTNET-FORWARD ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP
COMMIT
# END hostnet filter
"
        );
        // Always rendered (netfilter-persistent fails without it), with empty chains here.
        assert_eq!(
            boot(&changes, "/etc/iptables/rules.v6", None),
            "\
# BEGIN hostnet filter
*filter
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
-A INPUT -j HOSTNET-INPUT
-A FORWARD -j HOSTNET-FORWARD
COMMIT
# END hostnet filter
"
        );
    }

    /// Issue #17, defect 2: a user's ruleset with `INPUT DROP` and an ssh
    /// accept keeps its policies and rules; hostnet's chains join its sections.
    #[test]
    fn a_users_ruleset_is_merged_never_replaced() {
        let user = "\
# Generated by iptables-save v1.8.9
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
# Completed
";
        let changes = render(&scenario_2(), &facts(Distro::Gentoo, Init::Openrc));
        let merged = boot(&changes, "/var/lib/iptables/rules-save", Some(user));
        assert_eq!(
            merged,
            "\
# Generated by iptables-save v1.8.9
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
# BEGIN hostnet filter
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
-A INPUT -j HOSTNET-INPUT
-A FORWARD -j HOSTNET-FORWARD
# forward 172.16.1.0/24 (masqueraded) out via wlan0, and its replies
-A HOSTNET-FORWARD -s 172.16.1.0/24 -o wlan0 -j ACCEPT
-A HOSTNET-FORWARD -d 172.16.1.0/24 -i wlan0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 172.16.1.0/24
-A HOSTNET-FORWARD ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP
# END hostnet filter
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
# Completed
# BEGIN hostnet nat
*nat
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-POSTROUTING - [0:0]
-A POSTROUTING -j HOSTNET-POSTROUTING
# masquerade 172.16.1.0/24 leaving via wlan0 (never multicast or broadcast)
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE
COMMIT
# END hostnet nat
"
        );
        // Merging again changes nothing.
        assert_eq!(boot(&changes, "/var/lib/iptables/rules-save", Some(&merged)), merged);
    }

    #[test]
    fn nat66_has_a_jump_file_of_its_own_and_a_nat_block_in_rules_v6() {
        let model = HostModel {
            nats: vec![
                nat(0, "172.16.1.0/24", Some("eth0"), true),
                nat(1, "fd42:4242:4242:1::/64", Some("eth0"), true),
            ],
            ..HostModel::default()
        };
        let changes = render(&model, &debian());
        // The jumps file of each family keeps its text: only NAT66's jump is new.
        let without = render(&scenario_2(), &debian());
        for path in [
            "/etc/hostnet/iptables-jumps.rules",
            "/etc/hostnet/ip6tables-jumps.rules",
        ] {
            assert_eq!(content(&changes, path), content(&without, path), "{path}");
        }
        assert_eq!(
            content(&changes, "/etc/hostnet/ip6tables-nat-jumps.rules"),
            "\
# The jump from POSTROUTING into hostnet's IPv6 NAT chain (NAT66), loaded with
# `ip6tables-restore --noflush` only when hostnet creates this file: loading it
# again would add a second jump. After a reboot it comes from the boot ruleset.

*nat
-I POSTROUTING 1 -j HOSTNET-POSTROUTING
COMMIT
"
        );
        let v6 = content(&changes, "/etc/hostnet/ip6tables.rules");
        assert!(
            v6.contains(
                "*nat
:HOSTNET-POSTROUTING - [0:0]
# masquerade fd42:4242:4242:1::/64 leaving via eth0 (never multicast)
-A HOSTNET-POSTROUTING -s fd42:4242:4242:1::/64 -d ff00::/8 -j RETURN
-A HOSTNET-POSTROUTING -s fd42:4242:4242:1::/64 ! -d fd42:4242:4242:1::/64 -o eth0 -j MASQUERADE
COMMIT
"
            ),
            "{v6}"
        );
        // IPv4's file has none of the IPv6 prefix's rules.
        assert!(!content(&changes, "/etc/hostnet/iptables.rules").contains("fd42"));
        let summary: Vec<String> = summary(&changes)
            .into_iter()
            .filter(|line| line.starts_with("run "))
            .collect();
        assert_eq!(
            summary[summary.len() - 5..],
            [
                "run iptables-restore -w --noflush /etc/hostnet/iptables.rules [if /etc/hostnet/iptables.rules changed] <0>",
                "run ip6tables-restore -w --noflush /etc/hostnet/ip6tables.rules [if /etc/hostnet/ip6tables.rules changed] <1>",
                "run iptables-restore -w --noflush /etc/hostnet/iptables-jumps.rules [if /etc/hostnet/iptables-jumps.rules changed] <0,1>",
                "run ip6tables-restore -w --noflush /etc/hostnet/ip6tables-jumps.rules [if /etc/hostnet/ip6tables-jumps.rules changed] <0,1>",
                "run ip6tables-restore -w --noflush /etc/hostnet/ip6tables-nat-jumps.rules [if /etc/hostnet/ip6tables-nat-jumps.rules changed] <1>",
            ]
        );
        // A rollback takes the jump out again.
        assert!(summary_of_unloads(&changes).contains(
            &"unload /etc/hostnet/ip6tables-nat-jumps.rules with ip6tables-restore -w --noflush <<< *nat; -D POSTROUTING -j HOSTNET-POSTROUTING; COMMIT <1>".to_owned()
        ));
    }

    fn summary_of_unloads(changes: &[Planned]) -> Vec<String> {
        summary(changes)
            .into_iter()
            .filter(|line| line.starts_with("unload "))
            .collect()
    }

    #[test]
    fn scenario_2_live_reload_and_jumps() {
        let changes = render(&scenario_2(), &debian());
        assert_eq!(
            content(&changes, "/etc/hostnet/iptables.rules"),
            "\
# hostnet's own chains, for loading now without touching any other rule:
# `iptables-restore --noflush` of this file empties the HOSTNET-* chains it
# declares and refills them, in one batch. The jumps into them are in
# /etc/hostnet/iptables-jumps.rules; at boot, everything comes from /etc/iptables/rules.v4.
# Rendered by hostnet from the playbook: edit the playbook, not this file.

*nat
:HOSTNET-POSTROUTING - [0:0]
# masquerade 172.16.1.0/24 leaving via wlan0 (never multicast or broadcast)
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 224.0.0.0/4 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 -d 255.255.255.255/32 -j RETURN
-A HOSTNET-POSTROUTING -s 172.16.1.0/24 ! -d 172.16.1.0/24 -o wlan0 -j MASQUERADE
COMMIT

*filter
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
# forward 172.16.1.0/24 (masqueraded) out via wlan0, and its replies
-A HOSTNET-FORWARD -s 172.16.1.0/24 -o wlan0 -j ACCEPT
-A HOSTNET-FORWARD -d 172.16.1.0/24 -i wlan0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 172.16.1.0/24
-A HOSTNET-FORWARD ! -s 172.16.1.0/24 -d 172.16.1.0/24 -j DROP
COMMIT
"
        );
        assert_eq!(
            content(&changes, "/etc/hostnet/iptables-jumps.rules"),
            "\
# The jumps from the built-in chains into hostnet's chains, loaded with
# `iptables-restore --noflush` only when hostnet creates this file: loading it
# again would add second jumps. After a reboot they come from the boot ruleset.

*nat
-I POSTROUTING 1 -j HOSTNET-POSTROUTING
COMMIT

*filter
-I INPUT 1 -j HOSTNET-INPUT
-I FORWARD 1 -j HOSTNET-FORWARD
COMMIT
"
        );
        assert_eq!(
            content(&changes, "/etc/hostnet/ip6tables-jumps.rules"),
            "\
# The jumps from the built-in chains into hostnet's chains, loaded with
# `ip6tables-restore --noflush` only when hostnet creates this file: loading it
# again would add second jumps. After a reboot they come from the boot ruleset.

*filter
-I INPUT 1 -j HOSTNET-INPUT
-I FORWARD 1 -j HOSTNET-FORWARD
COMMIT
"
        );
        assert_eq!(
            summary(&changes),
            [
                "block /etc/iptables/rules.v4 nat <0>",
                "block /etc/iptables/rules.v4 filter <0>",
                "file /etc/hostnet/iptables.rules 644 <0>",
                "file /etc/hostnet/iptables-jumps.rules 644 <0>",
                "block /etc/iptables/rules.v6 nat <0>",
                "block /etc/iptables/rules.v6 filter <0>",
                "file /etc/hostnet/ip6tables.rules 644 <0>",
                "file /etc/hostnet/ip6tables-jumps.rules 644 <0>",
                "service netfilter-persistent Enable <0>",
                "require iptables-persistent <0>",
                "run iptables-restore -w --noflush /etc/hostnet/iptables.rules \
                 [if /etc/hostnet/iptables.rules changed] <0>",
                "run ip6tables-restore -w --noflush /etc/hostnet/ip6tables.rules \
                 [if /etc/hostnet/ip6tables.rules changed] <0>",
                "run iptables-restore -w --noflush /etc/hostnet/iptables-jumps.rules \
                 [if /etc/hostnet/iptables-jumps.rules changed] <0>",
                "run ip6tables-restore -w --noflush /etc/hostnet/ip6tables-jumps.rules \
                 [if /etc/hostnet/ip6tables-jumps.rules changed] <0>",
                // A rollback of the run that created them takes back what they loaded.
                "unload /etc/hostnet/iptables.rules with iptables-restore -w --noflush <<< *nat; \
                 -F HOSTNET-POSTROUTING; -X HOSTNET-POSTROUTING; COMMIT; *filter; -F HOSTNET-INPUT; \
                 -F HOSTNET-FORWARD; -X HOSTNET-INPUT; -X HOSTNET-FORWARD; COMMIT <0>",
                "unload /etc/hostnet/iptables-jumps.rules with iptables-restore -w --noflush <<< *nat; \
                 -D POSTROUTING -j HOSTNET-POSTROUTING; COMMIT; *filter; -D INPUT -j HOSTNET-INPUT; \
                 -D FORWARD -j HOSTNET-FORWARD; COMMIT <0>",
                "unload /etc/hostnet/ip6tables.rules with ip6tables-restore -w --noflush <<< *filter; \
                 -F HOSTNET-INPUT; -F HOSTNET-FORWARD; -X HOSTNET-INPUT; -X HOSTNET-FORWARD; COMMIT <0>",
                "unload /etc/hostnet/ip6tables-jumps.rules with ip6tables-restore -w --noflush <<< *filter; \
                 -D INPUT -j HOSTNET-INPUT; -D FORWARD -j HOSTNET-FORWARD; COMMIT <0>",
            ]
        );
    }

    #[test]
    fn scenario_4_internal_isolates_the_host_in_both_families() {
        let changes = render(&scenario_4(), &debian());
        let filter = "\
# BEGIN hostnet filter
*filter
# hostnet's chains and the jumps into them, from the playbook (edit the playbook,
# not this block). Everything outside hostnet's blocks is yours: hostnet keeps it.
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
-A INPUT -j HOSTNET-INPUT
-A FORWARD -j HOSTNET-FORWARD
# nothing else from br0 reaches the host (guests still reach each other)
-A HOSTNET-INPUT -i br0 -j DROP
# guests on br0 reach each other (br_netfilter sends bridged frames through FORWARD)
-A HOSTNET-FORWARD -i br0 -o br0 -j ACCEPT
COMMIT
# END hostnet filter
";
        let v4 = boot(&changes, "/etc/iptables/rules.v4", None);
        assert!(
            v4.ends_with(&format!(
                "\
:HOSTNET-POSTROUTING - [0:0]
-A POSTROUTING -j HOSTNET-POSTROUTING
COMMIT
# END hostnet nat
{filter}"
            )),
            "{v4}"
        );
        assert_eq!(boot(&changes, "/etc/iptables/rules.v6", None), filter);
        let origins: Vec<_> = changes.iter().map(|planned| planned.origins.clone()).collect();
        assert!(origins.iter().all(|o| o == &[TaskId(0), TaskId(1)]), "{origins:?}");
    }

    #[test]
    fn scenario_5_debian() {
        let changes = render(&scenario_5(), &debian());
        assert_eq!(
            content(&changes, "/etc/hostnet/iptables.rules")
                .split_once("\n\n")
                .unwrap()
                .1,
            "\
*nat
:HOSTNET-POSTROUTING - [0:0]
# masquerade 192.168.100.0/24 leaving via eth0 (never multicast or broadcast)
-A HOSTNET-POSTROUTING -s 192.168.100.0/24 -d 224.0.0.0/4 -j RETURN
-A HOSTNET-POSTROUTING -s 192.168.100.0/24 -d 255.255.255.255/32 -j RETURN
-A HOSTNET-POSTROUTING -s 192.168.100.0/24 ! -d 192.168.100.0/24 -o eth0 -j MASQUERADE
COMMIT

*filter
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
# accept input on br0 (tcp, udp)
-A HOSTNET-INPUT -i br0 -p tcp -j ACCEPT
-A HOSTNET-INPUT -i br0 -p udp -j ACCEPT
# DHCP and DNS from guests on br0 to the host
-A HOSTNET-INPUT -i br0 -p udp -m udp --dport 67 -j ACCEPT
-A HOSTNET-INPUT -i br0 -p udp -m udp --dport 53 -j ACCEPT
-A HOSTNET-INPUT -i br0 -p tcp -m tcp --dport 53 -j ACCEPT
# forward 192.168.100.0/24 (masqueraded) out via eth0, and its replies
-A HOSTNET-FORWARD -s 192.168.100.0/24 -o eth0 -j ACCEPT
-A HOSTNET-FORWARD -d 192.168.100.0/24 -i eth0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# forward from br0, and its replies
-A HOSTNET-FORWARD -i br0 -j ACCEPT
-A HOSTNET-FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
# nothing else from outside reaches the masqueraded guests of 192.168.100.0/24
-A HOSTNET-FORWARD ! -s 192.168.100.0/24 -d 192.168.100.0/24 -j DROP
COMMIT
"
        );
        assert_eq!(
            content(&changes, "/etc/hostnet/ip6tables.rules")
                .split_once("\n\n")
                .unwrap()
                .1,
            "\
*filter
:HOSTNET-INPUT - [0:0]
:HOSTNET-FORWARD - [0:0]
# accept input on br0 (tcp, udp)
-A HOSTNET-INPUT -i br0 -p tcp -j ACCEPT
-A HOSTNET-INPUT -i br0 -p udp -j ACCEPT
# DHCP and DNS from guests on br0 to the host
-A HOSTNET-INPUT -i br0 -p udp -m udp --dport 53 -j ACCEPT
-A HOSTNET-INPUT -i br0 -p tcp -m tcp --dport 53 -j ACCEPT
# forward from br0, and its replies
-A HOSTNET-FORWARD -i br0 -j ACCEPT
-A HOSTNET-FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
"
        );
        let summary = summary(&changes);
        // The IPv6 files only carry the tasks whose rules are in them (not
        // the NAT; the IPv6 nat block, absent, is removed where present).
        assert_eq!(summary[4], "block /etc/iptables/rules.v6 nat <0,1,2>");
        assert_eq!(summary[5], "block /etc/iptables/rules.v6 filter <0,1,2>");
        assert_eq!(summary[0], "block /etc/iptables/rules.v4 nat <0,1,2,3>");
        assert_eq!(summary[1], "block /etc/iptables/rules.v4 filter <0,1,2,3>");
        assert_eq!(summary[9], "require iptables-persistent <0,1,2,3>");
    }

    #[test]
    fn gentoo_paths_services_and_save_on_stop() {
        let changes = render(&scenario_2(), &facts(Distro::Gentoo, Init::Openrc));
        let v4 = boot(&changes, "/var/lib/iptables/rules-save", None);
        assert!(v4.starts_with("# BEGIN hostnet nat\n*nat\n"), "{v4}");
        assert!(
            content(&changes, "/etc/hostnet/iptables.rules")
                .contains("everything comes from /var/lib/iptables/rules-save.\n")
        );
        assert!(boot(&changes, "/var/lib/ip6tables/rules-save", None).contains("*filter\n"));
        assert_eq!(
            summary(&changes)[..13],
            [
                "block /var/lib/iptables/rules-save nat <0>",
                "block /var/lib/iptables/rules-save filter <0>",
                "file /etc/hostnet/iptables.rules 644 <0>",
                "file /etc/hostnet/iptables-jumps.rules 644 <0>",
                "block /var/lib/ip6tables/rules-save nat <0>",
                "block /var/lib/ip6tables/rules-save filter <0>",
                "file /etc/hostnet/ip6tables.rules 644 <0>",
                "file /etc/hostnet/ip6tables-jumps.rules 644 <0>",
                "block /etc/conf.d/iptables firewall <0>",
                "block /etc/conf.d/ip6tables firewall <0>",
                "service iptables Enable <0>",
                "service ip6tables Enable <0>",
                "require net-firewall/iptables <0>",
            ]
        );
        let blocks: Vec<&Block> = changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::Block(block) => Some(block),
                _ => None,
            })
            .collect();
        let blocks: Vec<&Block> = blocks
            .into_iter()
            .filter(|block| block.path.as_str().starts_with("/etc/conf.d/"))
            .collect();
        assert_eq!(
            blocks[0].content,
            "\
# hostnet keeps its chains in managed blocks of /var/lib/iptables/rules-save. With
# SAVE_ON_STOP=\"yes\" (Gentoo's default) the service would save the live
# rules over it whenever it stops, shutdown included, persisting rules
# added by hand or by other tools and copying hostnet's chains out of
# its blocks.
IPTABLES_SAVE=\"/var/lib/iptables/rules-save\"
SAVE_ON_STOP=\"no\"
"
        );
        assert!(
            blocks[1]
                .content
                .contains("IP6TABLES_SAVE=\"/var/lib/ip6tables/rules-save\"\n")
        );
        assert_eq!(blocks[0].placement, Placement::End);
        assert!(blocks.iter().all(|block| block.present));
        assert!(changes.iter().any(|planned| matches!(
            &planned.change,
            Change::Require { package, .. } if package == "net-firewall/iptables"
        )));
    }

    #[test]
    fn ubuntu_and_other_systemd_hosts_use_netfilter_persistent() {
        for distro in [Distro::Ubuntu, Distro::Systemd] {
            let changes = render(&scenario_4(), &facts(distro, Init::Systemd));
            boot(&changes, "/etc/iptables/rules.v4", None);
            boot(&changes, "/etc/iptables/rules.v6", None);
        }
    }

    #[test]
    fn allow_forward_with_out_interface_and_ports() {
        let model = HostModel {
            nats: vec![nat(2, "10.0.5.0/24", None, false)],
            firewall: vec![
                rule(
                    0,
                    FirewallIntent::AllowForward {
                        interface: name("br1"),
                        out_interface: Some(name("eth1")),
                    },
                ),
                rule(
                    1,
                    FirewallIntent::AllowInput {
                        interface: name("br1"),
                        protocols: vec![hostnet_engine::model::Protocol::Udp],
                        ports: vec![hostnet_engine::model::PortRange {
                            first: 5000,
                            last: 5010,
                        }],
                    },
                ),
            ],
            ..HostModel::default()
        };
        let changes = render(&model, &debian());
        let live = content(&changes, "/etc/hostnet/iptables.rules");
        assert!(
            live.ends_with(
                "\
# accept input on br1 (udp port 5000:5010)
-A HOSTNET-INPUT -i br1 -p udp -m udp --dport 5000:5010 -j ACCEPT
# forward 10.0.5.0/24 (routed) out, and connections to it
-A HOSTNET-FORWARD -s 10.0.5.0/24 -j ACCEPT
-A HOSTNET-FORWARD -d 10.0.5.0/24 -j ACCEPT
# forward from br1 out via eth1, and its replies
-A HOSTNET-FORWARD -i br1 -o eth1 -j ACCEPT
-A HOSTNET-FORWARD -i eth1 -o br1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
"
            ),
            "{live}"
        );
        // Routed: no masquerade, the nat chain stays empty.
        assert!(live.contains("*nat\n:HOSTNET-POSTROUTING - [0:0]\nCOMMIT\n"), "{live}");
    }

    #[test]
    fn detection_and_wanted() {
        let mut facts = debian();
        assert_eq!(Iptables.detect(&facts), Detection::Preferred);
        facts.tools = vec!["nft".into()];
        assert_eq!(Iptables.detect(&facts), Detection::Supported);
        let mut gentoo = self::facts(Distro::Gentoo, Init::Openrc);
        gentoo.tools = vec!["nft".into()];
        assert_eq!(Iptables.detect(&gentoo), Detection::Preferred);
        gentoo.ufw_enabled = true;
        assert_eq!(Iptables.detect(&gentoo), Detection::Supported);
        assert_eq!(Iptables.id(), "iptables");
        assert_eq!(Iptables.target(), Target::Firewall);
        assert!(!Iptables.wanted(&HostModel::default()));
        assert!(Iptables.wanted(&scenario_2()));
        assert!(Iptables.wanted(&scenario_4()));
    }
}
