//! `kill -9` at many points of a large apply (issue #17): four hundred
//! guests' TAPs, a bridge, DHCP with a fixed lease each, forwarding and a
//! firewall, on every network target (netifrc, ifupdown, networkd) with a
//! different firewall each (iptables, ufw over Debian's stock files,
//! nftables).
//!
//! The apply is killed (`SIGKILL`, from `HOSTNET_TEST_ABORT_AFTER=N`: at its
//! N-th change of the host) at points spread over the whole run, first and
//! last ones included, and also at random moments by the test itself. After
//! each kill every file under the root is wholly old or wholly new, and
//! either the next `apply` (which resumes the run) leaves exactly the tree a
//! clean apply leaves, or `rollback` leaves exactly the tree before; no
//! `.hostnet-tmp-` file is left, and a plan after that changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::corpus::snapshot;
use crate::support::golden::{Node, copy_tree, tree};
use crate::support::{hostnet, repo, stderr, stdout, write};

/// Guests (and TAPs) per target.
const GUESTS: usize = 400;

/// A target: facts, extra arguments, files already on the host.
struct Target {
    name: &'static str,
    facts: &'static str,
    args: &'static [&'static str],
    before: Option<&'static str>,
}

const TARGETS: [Target; 3] = [
    Target {
        name: "gentoo-netifrc-iptables",
        facts: "distro: gentoo\ninit: openrc\n",
        args: &["--firewall", "iptables"],
        before: None,
    },
    Target {
        name: "debian-ifupdown-ufw",
        facts: "distro: debian\ninit: systemd\ntools: [ufw]\nufw_enabled: true\n",
        args: &["--firewall", "ufw"],
        before: Some("tests/cases/debian-scenario5-ufw/before"),
    },
    Target {
        name: "ubuntu-networkd-nftables",
        facts: "distro: ubuntu\ninit: systemd\ntools: [nft]\n",
        args: &["--firewall", "nftables"],
        before: None,
    },
];

fn playbook() -> String {
    let vms: String = (0..GUESTS)
        .map(|i| {
            format!(
                "          - {{ name: g{i}, tap: tap{i}, ip: 10.90.{}.{} }}\n",
                i / 250,
                i % 250 + 2
            )
        })
        .collect();
    format!(
        "- hosts: localhost
  tasks:
    - name: Four hundred guests behind NAT
      vm_network:
        mode: nat
        bridge: br0
        subnet: 10.90.0.0/22
        uplink: eth0
        vms:
{vms}"
    )
}

/// Temp directories on tmpfs when there is one (the runs fsync a lot).
fn tempdir() -> tempfile::TempDir {
    if Path::new("/dev/shm").is_dir()
        && let Ok(dir) = tempfile::tempdir_in("/dev/shm")
    {
        return dir;
    }
    tempfile::tempdir().unwrap()
}

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new(target: &Target) -> Self {
        let dir = tempdir();
        write(dir.path(), "playbook.yml", &playbook());
        write(dir.path(), "facts.yml", target.facts);
        let work = Self { dir };
        fs_err::create_dir_all(work.root()).unwrap();
        if let Some(before) = target.before {
            copy_tree(&repo().join(before), &work.root());
        }
        work
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn command(&self, target: &Target, command: &str) -> std::process::Command {
        let mut hostnet = hostnet();
        hostnet
            .current_dir(self.dir.path())
            .args([command, "playbook.yml", "--root", "root", "--facts", "facts.yml"])
            .args(target.args);
        hostnet
    }

    /// Apply, killed at its `n`-th change; `false` if it finished first.
    fn apply_killed_at(&self, target: &Target, n: u64) -> bool {
        let output = self
            .command(target, "apply")
            .env("HOSTNET_TEST_ABORT_AFTER", n.to_string())
            .output()
            .unwrap();
        match output.status.code() {
            Some(0) => false,
            None => true,
            Some(code) => panic!("{}: apply exited {code}: {}", target.name, stderr(&output)),
        }
    }

    fn ok(&self, target: &Target, command: &str, args: &[&str]) -> String {
        let output = self.command(target, command).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{}: {command} failed:\n{}{}",
            target.name,
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    fn rollback(&self) -> std::process::Output {
        hostnet()
            .current_dir(self.dir.path())
            .args(["rollback", "--root", "root"])
            .output()
            .unwrap()
    }
}

fn temp_files(root: &Path) -> Vec<String> {
    snapshot(root)
        .into_keys()
        .filter(|path| {
            path.rsplit('/')
                .next()
                .is_some_and(|name| name.starts_with(".hostnet-tmp-"))
        })
        .collect()
}

/// Every file and link is as before or as after a clean apply.
fn wholly_old_or_new(
    target: &Target,
    point: &str,
    now: &BTreeMap<String, Node>,
    before: &BTreeMap<String, Node>,
    after: &BTreeMap<String, Node>,
) {
    for (path, node) in now {
        if path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with(".hostnet-tmp-"))
        {
            continue;
        }
        assert!(
            before.get(path) == Some(node) || after.get(path) == Some(node),
            "{}: killed at {point}: {path} is neither the old nor the new version",
            target.name
        );
    }
}

/// The number of changes a clean apply makes (the first N that does not kill it).
fn changes_in_a_run(target: &Target) -> u64 {
    let (mut low, mut high) = (1u64, 2u64);
    while Work::new(target).apply_killed_at(target, high) {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if Work::new(target).apply_killed_at(target, middle) {
            low = middle;
        } else {
            high = middle;
        }
    }
    low
}

/// After a kill: resume (apply) or undo (rollback), and check the tree.
fn recover(
    target: &Target,
    work: &Work,
    point: &str,
    resume: bool,
    before: &BTreeMap<String, Node>,
    after: &BTreeMap<String, Node>,
) {
    wholly_old_or_new(target, point, &tree(&work.root()), before, after);
    if resume {
        work.ok(target, "apply", &[]);
        assert!(
            tree(&work.root()) == *after,
            "{}: killed at {point}, resumed: not the tree a clean apply leaves",
            target.name
        );
        let plan = work
            .command(target, "plan")
            .arg("--detailed-exitcode")
            .output()
            .unwrap();
        assert_eq!(
            plan.status.code(),
            Some(0),
            "{}: killed at {point}, resumed: a plan still changes something:\n{}",
            target.name,
            stdout(&plan)
        );
    } else {
        let output = work.rollback();
        let nothing = stderr(&output).starts_with("error: no run to roll back");
        assert!(
            output.status.success() || nothing,
            "{}: killed at {point}: rollback failed: {}",
            target.name,
            stderr(&output)
        );
        assert!(
            tree(&work.root()) == *before,
            "{}: killed at {point}, rolled back: not the tree before",
            target.name
        );
    }
    assert_eq!(
        temp_files(&work.root()),
        Vec::<String>::new(),
        "{}: killed at {point}: temp files left",
        target.name
    );
}

fn crash_target(target: &Target) {
    let clean = Work::new(target);
    let before = tree(&clean.root());
    clean.ok(target, "apply", &[]);
    let after = tree(&clean.root());
    let taps = after.keys().filter(|path| path.contains("tap399")).count();
    assert!(
        taps > 0
            || after.values().any(
                |node| matches!(node, Node::File { content, .. } if String::from_utf8_lossy(content).contains("tap399"))
            )
    );
    let total = changes_in_a_run(target);
    assert!(total > 20, "{}: only {total} changes", target.name);
    let mut points: Vec<u64> = vec![1, 2, 3, total - 2, total - 1, total];
    points.extend((1..12).map(|i| total * i / 12));
    points.sort_unstable();
    points.dedup();
    for (index, n) in points.iter().enumerate() {
        let work = Work::new(target);
        assert!(work.apply_killed_at(target, *n), "{}: not killed at {n}", target.name);
        recover(
            target,
            &work,
            &format!("change {n} of {total}"),
            index % 2 == 0,
            &before,
            &after,
        );
    }
    // A real `kill -9` at moments the test picks, while apply runs.
    for (index, delay) in [5u64, 40, 90, 160].into_iter().enumerate() {
        let work = Work::new(target);
        let mut child = work.command(target, "apply").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        recover(target, &work, &format!("{delay} ms"), index % 2 == 1, &before, &after);
    }
}

#[test]
fn kill_9_during_a_large_apply_gentoo_netifrc_iptables() {
    crash_target(&TARGETS[0]);
}

#[test]
fn kill_9_during_a_large_apply_debian_ifupdown_ufw() {
    crash_target(&TARGETS[1]);
}

#[test]
fn kill_9_during_a_large_apply_ubuntu_networkd_nftables() {
    crash_target(&TARGETS[2]);
}
