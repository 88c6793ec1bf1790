//! `hostnet graph`: the picture of the network a plan leaves. Who may reach
//! whom in it matches the modes table of docs/modes/README.md for every mode,
//! a playbook written task by task draws the same segments as its
//! `vm_network` twin, the DOT text is pinned, SVG comes from Graphviz (with a
//! clear error without it), and the diagrams embedded in docs/modes/ are
//! current (`SNAPSHOTS=overwrite cargo test graph` rewrites them).

use serde_json::Value;

use crate::support::golden::{assert_golden, overwrite};
use crate::support::{hostnet, repo, stderr, stdout};

fn graph(args: &[&str]) -> String {
    let output = hostnet().arg("graph").args(args).output().unwrap();
    assert!(output.status.success(), "graph {args:?}: {}", stderr(&output));
    stdout(&output)
}

fn segments(playbook: &str) -> Vec<Value> {
    let text = graph(&[playbook, "--root", "examples/debian-host", "--json"]);
    let value: Value = serde_json::from_str(&text).unwrap();
    value["segments"].as_array().unwrap().clone()
}

/// docs/modes/README.md's table cell → the graph's reach value.
fn reach(cell: &str) -> &'static str {
    match cell {
        "yes" => "yes",
        "no" => "no",
        "yes, with a route" => "with_route",
        "via LAN router" => "via_lan_router",
        "no (hostfwd only)" => "host_forward_only",
        other => panic!("unknown cell `{other}` in docs/modes/README.md"),
    }
}

#[test]
fn who_reaches_whom_matches_the_modes_table() {
    let table = fs_err::read_to_string(repo().join("docs/modes/README.md")).unwrap();
    let rows: Vec<Vec<String>> = table
        .lines()
        .filter(|line| line.starts_with("| ["))
        .map(|line| {
            line.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 7, "one row per host-side mode");
    for row in rows {
        let mode = row[0].trim_start_matches('[').split(']').next().unwrap().to_owned();
        let playbook = if mode == "user" {
            "playbooks/user.yml".to_owned()
        } else {
            format!("playbooks/vm-{}.yml", mode.replace('_', "-"))
        };
        let found = segments(&playbook);
        assert_eq!(found.len(), 1, "{playbook}: {found:#?}");
        let segment = &found[0];
        assert_eq!(segment["mode"], mode.as_str(), "{playbook}");
        let columns = [
            "guests_to_lan",
            "lan_to_guests",
            "guests_to_guests",
            "guests_to_internet",
            "host_to_guests",
        ];
        for (column, cell) in columns.iter().zip(&row[1..]) {
            assert_eq!(segment[*column], reach(cell), "{playbook}: {column} (table: {cell})");
        }
    }
}

#[test]
fn a_playbook_written_task_by_task_draws_the_segments_of_its_vm_network_twin() {
    for (low, high) in [
        ("playbooks/bridged.yml", "playbooks/vm-bridged.yml"),
        ("playbooks/nat.yml", "playbooks/vm-nat.yml"),
        ("playbooks/host-only.yml", "playbooks/vm-host-only.yml"),
        ("playbooks/internal.yml", "playbooks/vm-internal.yml"),
        ("playbooks/routed.yml", "playbooks/vm-routed.yml"),
        ("playbooks/mac-nat.yml", "playbooks/vm-mac-nat.yml"),
        ("playbooks/proxy-arp.yml", "playbooks/vm-proxy-arp.yml"),
    ] {
        assert_eq!(segments(low), segments(high), "{low} vs {high}");
    }
}

#[test]
fn guests_of_a_low_level_playbook_come_from_their_fixed_leases() {
    let text = graph(&["playbooks/nat.yml", "--root", "examples/debian-host"]);
    assert!(
        text.contains("  guest_win7(\"win7<br/>MAC 00:26:c6:21:cf:02<br/>IP 172.16.1.2 (fixed lease)\")\n"),
        "{text}"
    );
    assert!(
        text.contains("  bridge_br0 ---|\"fixed lease\"| guest_win7\n"),
        "{text}"
    );
}

#[test]
fn dot_output_is_pinned() {
    let text = graph(&[
        "playbooks/vm-nat.yml",
        "--root",
        "examples/debian-host",
        "--format",
        "dot",
    ]);
    assert_golden(&repo().join("tests/graph/vm-nat.dot"), &text);
}

#[test]
fn svg_comes_from_graphviz() {
    let has_dot = std::process::Command::new("sh")
        .args(["-c", "command -v dot >/dev/null"])
        .status()
        .is_ok_and(|status| status.success());
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(has_dot || !ci, "CI is set but Graphviz's `dot` is not installed");
    if has_dot {
        let svg = graph(&[
            "playbooks/vm-nat.yml",
            "--root",
            "examples/debian-host",
            "--format",
            "svg",
        ]);
        assert!(
            svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"),
            "{svg}"
        );
        for title in [
            "<title>bridge_br0</title>",
            "<title>guest_win7</title>",
            "<title>cluster_host</title>",
        ] {
            assert!(svg.contains(title), "no {title} in the SVG");
        }
        assert!(svg.contains(">masquerade 172.16.1.0/24</text>"), "{svg}");
    } else {
        eprintln!("skipping the SVG rendering: Graphviz's `dot` is not installed");
    }
}

#[test]
fn svg_without_graphviz_says_how_to_get_it() {
    let empty = tempfile::tempdir().unwrap();
    let output = hostnet()
        .env("PATH", empty.path())
        .args([
            "graph",
            "playbooks/vm-nat.yml",
            "--root",
            "examples/debian-host",
            "--format",
            "svg",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "\
error: `--format svg` needs Graphviz's `dot`, which is not installed

hint: install Graphviz (Debian/Ubuntu: `apt install graphviz`; Gentoo: `emerge media-gfx/graphviz`), or print the source with `--format dot` or `--format mermaid`
"
    );
}

/// Every `<!-- hostnet graph ARGS -->` in docs/modes/ is followed by the
/// ```` ```mermaid ```` block `hostnet graph ARGS` prints.
#[test]
fn diagrams_in_the_mode_pages_are_current() {
    let mut found = 0;
    for entry in fs_err::read_dir(repo().join("docs/modes")).unwrap() {
        let path = entry.unwrap().path();
        let text = fs_err::read_to_string(&path).unwrap();
        let mut out = String::new();
        let mut lines = text.split_inclusive('\n');
        while let Some(line) = lines.next() {
            out.push_str(line);
            let Some(args) = line
                .trim_end()
                .strip_prefix("<!-- hostnet graph ")
                .and_then(|rest| rest.strip_suffix(" -->"))
            else {
                continue;
            };
            assert_eq!(
                lines.next(),
                Some("```mermaid\n"),
                "{}: no mermaid block after `{line}`",
                path.display()
            );
            for line in lines.by_ref() {
                if line == "```\n" {
                    break;
                }
            }
            let args: Vec<&str> = args.split_whitespace().collect();
            out.push_str("```mermaid\n");
            out.push_str(&graph(&args));
            out.push_str("```\n");
            found += 1;
        }
        if out != text {
            if overwrite() {
                fs_err::write(&path, &out).unwrap();
            } else {
                let diff = similar::TextDiff::from_lines(&text, &out).unified_diff().to_string();
                panic!(
                    "{} has a stale diagram:\n{diff}\n(run with SNAPSHOTS=overwrite to accept)",
                    path.display()
                );
            }
        }
    }
    assert_eq!(found, 9, "a diagram per mode page, two on nat.md, one on ipv6.md");
}

/// Every playbook's diagram parses with Mermaid's own parser (node + the
/// mermaid package from npm, installed by .ci/install-deps), as forges render it.
#[test]
fn every_diagram_parses_as_mermaid() {
    let modules = std::env::var_os("HOSTNET_MERMAID_DIR")
        .map_or_else(|| std::path::PathBuf::from("/opt/hostnet-ci/mermaid"), Into::into)
        .join("node_modules");
    let ready = modules.join("mermaid/package.json").exists()
        && std::process::Command::new("node").arg("--version").output().is_ok();
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(
        ready || !ci,
        "CI is set but node or {} is missing (.ci/install-deps)",
        modules.display()
    );
    if !ready {
        eprintln!(
            "skipping: Mermaid's parser is not installed under {}",
            modules.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&modules, dir.path().join("node_modules")).unwrap();
    fs_err::copy(
        repo().join("tests/support/mermaid-check.mjs"),
        dir.path().join("check.mjs"),
    )
    .unwrap();
    let mut files = Vec::new();
    for entry in fs_err::read_dir(repo().join("playbooks")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = graph(&[&path.display().to_string(), "--root", "examples/debian-host"]);
        let file = dir.path().join(format!("{name}.mmd"));
        fs_err::write(&file, text).unwrap();
        files.push(file);
    }
    let output = std::process::Command::new("node")
        .arg(dir.path().join("check.mjs"))
        .args(&files)
        .output()
        .unwrap();
    let report = stdout(&output);
    assert_eq!(report.lines().count(), files.len(), "{report}{}", stderr(&output));
    for line in report.lines() {
        assert!(line.ends_with(" ok flowchart-v2"), "{line}");
    }
}

#[test]
fn bridge_helper_guests_and_lone_taps_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost
  tasks:
    - name: Helper guests on a host-only bridge
      vm_network:
        mode: host_only
        bridge: br5
        subnet: 192.0.2.0/24
        vms:
          - { name: web-1, helper: true, ip: 192.0.2.10, mac: \"52:54:00:00:00:10\" }
    - name: A lone TAP
      tap: { name: tap9, user: qemu }
",
    );
    crate::support::write(dir.path(), "facts.yml", "distro: debian\nusers: [root, qemu]\n");
    let output = hostnet()
        .current_dir(dir.path())
        .args(["graph", "playbook.yml", "--facts", "facts.yml", "--root", "."])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "\
flowchart LR
  subgraph host[\"this host\"]
    bridge_br5[[\"br5<br/>bridge<br/>host 192.0.2.1/24<br/>DHCP 192.0.2.2–192.0.2.100, 12h<br/>mode: host_only\"]]
    tap_tap9[/\"tap9<br/>TAP<br/>owner qemu\"/]
  end
  guest_web_1(\"web-1<br/>virtio-net-pci<br/>MAC 52:54:00:00:00:10<br/>IP 192.0.2.10 (fixed lease)\")
  reach_br5>\"host_only: who reaches whom<br/>guests → LAN ✗<br/>guests → internet ✗<br/>LAN → guests ✗<br/>guests ↔ guests ✓<br/>host → guests ✓\"]
  bridge_br5 ---|\"qemu-bridge-helper\"| guest_web_1
  reach_br5 -.- bridge_br5
"
    );
}
