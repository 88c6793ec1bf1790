//! `hostnet destroy` on every example host: after apply, destroy takes away
//! every file, link and block hostnet wrote for the playbook and nothing
//! else — each of the host's own files is back byte for byte and mode for
//! mode; what stays (service enablement links, hostnet's records) is what
//! the plan says stays; a second destroy has nothing to do; rolling the
//! destroy back returns the applied tree. And a network taken out of a
//! playbook leaves none of its firewalld zones and policies behind.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::golden::{Node, copy_tree, tree};
use crate::support::{hostnet, repo, stderr, stdout};

fn run(dir: &Path, args: &[&str]) -> String {
    let output = hostnet().current_dir(dir).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "hostnet {}:\n{}{}",
        args.join(" "),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// What destroy may leave that the host did not have: the links that enable
/// services (the plan says it leaves them), and under a root that is not
/// the live host, the marks of services started (`/run`, runtime state).
fn left_by_design(path: &str, node: &Node) -> bool {
    matches!(node, Node::Link(_))
        && (path.starts_with("etc/runlevels/") || path.contains(".wants/") || path.starts_with("run/"))
}

fn destroy_on(host: &str, playbook: &str) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_tree(&repo().join("examples").join(host), &root);
    let playbook = repo().join("playbooks").join(playbook).display().to_string();
    let before = tree(&root);
    run(dir.path(), &["apply", &playbook, "--root", "root"]);
    let applied = tree(&root);
    assert_ne!(applied, before, "{host}: apply changed nothing");

    let destroyed = run(dir.path(), &["destroy", &playbook, "--root", "root"]);
    assert!(
        destroyed.contains(hostnet_engine::teardown::LEFT),
        "{host}: {destroyed}"
    );
    let after = tree(&root);
    for (path, node) in &before {
        assert_eq!(after.get(path), Some(node), "{host}: {path} is not as before the apply");
    }
    let extra: BTreeMap<&String, &Node> = after
        .iter()
        .filter(|(path, node)| !before.contains_key(*path) && !left_by_design(path, node))
        .collect();
    assert_eq!(extra, BTreeMap::new(), "{host}: destroy left these behind");

    let again = run(dir.path(), &["destroy", &playbook, "--root", "root"]);
    assert!(again.contains("nothing to do"), "{host}: {again}");

    // The destroy is a run: rolling it back returns what apply left. The
    // second destroy recorded nothing, so the latest run is the first one.
    run(dir.path(), &["rollback", "--root", "root"]);
    assert_eq!(
        tree(&root),
        applied,
        "{host}: the rollback of destroy is not the applied tree"
    );
}

#[test]
fn destroy_takes_away_what_apply_wrote_on_gentoo() {
    destroy_on("gentoo-host", "vm-nat.yml");
}

#[test]
fn destroy_takes_away_what_apply_wrote_on_debian() {
    destroy_on("debian-host", "vm-nat.yml");
}

#[test]
fn destroy_takes_away_what_apply_wrote_on_ubuntu() {
    destroy_on("ubuntu-host", "vm-bridged.yml");
}

#[test]
fn destroy_takes_away_what_apply_wrote_on_fedora() {
    destroy_on("fedora-host", "laptop.yml");
}

/// A network taken out of the playbook: its firewalld zone and policies go
/// at the next apply (firewall-cmd reloads), the other network's stay.
#[test]
fn a_network_taken_out_leaves_no_firewalld_zone_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs_err::create_dir_all(&root).unwrap();
    crate::support::write(
        dir.path(),
        "facts.yml",
        "distro: systemd\ninit: systemd\ntools: [firewalld, firewall-cmd, nft]\nservices: [firewalld]\n\
         interfaces: [{ name: eth0 }]\n",
    );
    let nat = "    - vm_network: { mode: nat, bridge: br-nat, subnet: 10.81.0.0/24, uplink: eth0, vms: [{ name: n1, tap: tapn }] }\n";
    let host_only =
        "    - vm_network: { mode: host_only, bridge: br-ho, subnet: 10.82.0.0/24, vms: [{ name: h1, tap: taph }] }\n";
    let apply = |tasks: &str| {
        crate::support::write(
            dir.path(),
            "site.yml",
            &format!("- hosts: localhost\n  tasks:\n{tasks}"),
        );
        run(
            dir.path(),
            &[
                "apply",
                "site.yml",
                "--root",
                "root",
                "--facts",
                "facts.yml",
                "--firewall",
                "firewalld",
            ],
        )
    };
    let firewalld = |root: &Path| -> Vec<String> {
        tree(root)
            .into_keys()
            .filter(|path| path.starts_with("etc/firewalld/"))
            .collect()
    };
    apply(&format!("{nat}{host_only}"));
    assert_eq!(
        firewalld(&root),
        [
            "etc/firewalld/policies/hostnet-br-ho-iso.xml",
            "etc/firewalld/policies/hostnet-br-nat-out.xml",
            "etc/firewalld/zones/hostnet-br-ho.xml",
            "etc/firewalld/zones/hostnet-br-nat.xml",
        ]
    );
    let output = apply(nat);
    assert_eq!(
        firewalld(&root),
        [
            "etc/firewalld/policies/hostnet-br-nat-out.xml",
            "etc/firewalld/zones/hostnet-br-nat.xml"
        ]
    );
    assert!(output.contains("run (recorded): firewall-cmd --reload\n"), "{output}");
}
