//! `hostnet destroy` on every example host: after apply, destroy takes away
//! every file, link and block hostnet wrote for the playbook and nothing
//! else — each of the host's own files is back byte for byte and mode for
//! mode; what stays (service enablement links, hostnet's records) is what
//! the plan says stays; a second destroy has nothing to do; rolling the
//! destroy back returns the applied tree.

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
