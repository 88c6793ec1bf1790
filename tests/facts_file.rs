//! The `--facts` file format (docs/facts.md): what `hostnet facts --json`
//! prints reads back as the same facts, on every example host and on an empty
//! root (accounts unknown: `null`), and the documented example loads.

use crate::support::{hostnet, repo, stderr, stdout, write};

fn facts_json(args: &[&str]) -> serde_json::Value {
    let output = hostnet().arg("facts").args(args).arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn facts_json_reads_back_as_the_same_facts() {
    let empty = tempfile::tempdir().unwrap();
    let roots = [
        repo().join("examples/gentoo-host"),
        repo().join("examples/debian-host"),
        repo().join("examples/ubuntu-host"),
        repo().join("examples/fedora-host"),
        repo().join("examples/ubuntu-desktop-host"),
        empty.path().to_path_buf(),
    ];
    for root in roots {
        let detected = facts_json(&["--root", &root.display().to_string()]);
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "host.json",
            &serde_json::to_string_pretty(&detected).unwrap(),
        );
        let read = facts_json(&["--facts", &file.display().to_string()]);
        assert_eq!(read, detected, "{}", root.display());
    }
}

#[test]
fn the_documented_example_loads() {
    let doc = fs_err::read_to_string(repo().join("docs/facts.md")).unwrap();
    let example = doc
        .split("<!-- facts example -->\n```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n").next())
        .expect("docs/facts.md has the example");
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "facts.yml", example);
    let output = hostnet().args(["facts", "--facts"]).arg(&file).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with(
            "\
distro: debian
init: systemd
interfaces:
  eth0 mac 52:54:00:12:34:56 addresses 192.0.2.10/24
  wlan0 mac 52:54:00:ab:cd:ef (wireless)
tools: iptables dnsmasq
"
        ),
        "{}",
        stdout(&output)
    );
    let value = facts_json(&["--facts", &file.display().to_string()]);
    assert_eq!(
        value["interfaces"][0]["addresses"],
        serde_json::json!(["192.0.2.10/24"])
    );
    assert_eq!(value["users"], serde_json::json!(["root", "qemu"]));
}

/// `machine_id` (what generated MACs derive from) is `/etc/machine-id`'s 32
/// hex digits, nothing else.
#[test]
fn a_machine_id_that_is_not_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "facts.yml", "distro: debian\nmachine_id: not-an-id\n");
    let output = hostnet().args(["facts", "--facts"]).arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output).replace(&file.display().to_string(), "facts.yml"),
        "\
error: `not-an-id` is not a machine ID (32 hex digits)
 --> facts.yml:2:13
  |
2 | machine_id: not-an-id
  |             ^^^^^^^^^
"
    );
}
