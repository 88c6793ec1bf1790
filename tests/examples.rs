//! Every playbook in playbooks/ is a test: on each example host (a copy of
//! examples/<host>-host) it passes `check`, its plan matches the golden
//! tests/examples/<playbook>/<host>.plan, apply records no executed command,
//! and a re-plan after apply changes nothing.

use std::path::Path;

use crate::support::golden::{assert_golden, copy_tree};
use crate::support::{hostnet, repo, stderr, stdout};

const HOSTS: &[&str] = &["gentoo", "debian", "ubuntu", "fedora", "ubuntu-desktop"];

fn exercise(playbook: &str) {
    let path = format!("playbooks/{playbook}.yml");
    assert!(repo().join(&path).exists(), "{path} is missing");
    for host in HOSTS {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("root");
        copy_tree(&repo().join(format!("examples/{host}-host")), &root);
        let root_arg = root.display().to_string();
        let run = |args: &[&str]| hostnet().args(args).args(["--root", &root_arg]).output().unwrap();

        let check = run(&["check", &path]);
        assert!(check.status.success(), "check {path} on {host}:\n{}", stderr(&check));
        assert_eq!(
            stdout(&check)
                .lines()
                .next()
                .map(|line| line.starts_with(&format!("{path}: ok"))),
            Some(true)
        );

        let plan = run(&["plan", &path]);
        assert!(plan.status.success(), "plan {path} on {host}:\n{}", stderr(&plan));
        let text = stdout(&plan).replace(&root_arg, "ROOT");
        assert_golden(&repo().join(format!("tests/examples/{playbook}/{host}.plan")), &text);

        let apply = run(&["apply", &path, "--json"]);
        assert!(apply.status.success(), "apply {path} on {host}:\n{}", stderr(&apply));
        let report: serde_json::Value = serde_json::from_slice(&apply.stdout).unwrap();
        for command in report["apply"]["commands"].as_array().unwrap() {
            assert_eq!(command["executed"], false, "a command ran under a test root");
        }
        let replan = run(&["plan", &path, "--detailed-exitcode"]);
        assert_eq!(
            replan.status.code(),
            Some(0),
            "{path} on {host} is not idempotent:\n{}",
            stdout(&replan)
        );
        assert!(stdout(&replan).contains(" changed=0 "), "{}", stdout(&replan));
    }
}

macro_rules! playbooks {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                exercise($name);
            }
        )*

        const PLAYBOOKS: &[&str] = &[$($name),*];
    };
}

playbooks! {
    bridged => "bridged",
    bridged_renamed_uplink => "bridged-renamed-uplink",
    dual_stack => "dual-stack",
    host_only => "host-only",
    internal => "internal",
    laptop => "laptop",
    mac_nat => "mac-nat",
    nat => "nat",
    nat_any_uplink => "nat-any-uplink",
    proxy_arp => "proxy-arp",
    routed => "routed",
    user => "user",
    vm_bridged => "vm-bridged",
    vm_bridged_renamed_uplink => "vm-bridged-renamed-uplink",
    vm_dual_stack => "vm-dual-stack",
    vm_host_only => "vm-host-only",
    vm_internal => "vm-internal",
    vm_mac_nat => "vm-mac-nat",
    vm_nat => "vm-nat",
    vm_nat_any_uplink => "vm-nat-any-uplink",
    vm_proxy_arp => "vm-proxy-arp",
    vm_routed => "vm-routed",
}

fn names(dir: &Path, suffix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(suffix).map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn every_playbook_is_exercised_and_every_golden_has_a_playbook() {
    let mut listed: Vec<String> = PLAYBOOKS.iter().map(|name| (*name).to_owned()).collect();
    listed.sort();
    assert_eq!(
        names(&repo().join("playbooks"), ".yml"),
        listed,
        "playbooks/ and playbooks! disagree"
    );
    assert_eq!(
        names(&repo().join("tests/examples"), ""),
        listed,
        "tests/examples/ has goldens for no playbook"
    );
}
