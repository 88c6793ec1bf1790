//! Command-line behaviour: exit codes, variables and their precedence, tags,
//! conditions, loops, handlers, the apply lock, JSON.

use std::path::Path;

use crate::support::{hostnet, stderr, stdout, write};

const FACTS: &str = "distro: gentoo\ninit: openrc\n";

/// A temp dir with `playbook.yml`, `facts.yml` and an empty `root/`.
fn setup(playbook: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", FACTS);
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    dir
}

fn hostnet_in(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut full = vec![args[0], "playbook.yml", "--root", "root", "--facts", "facts.yml"];
    full.extend(&args[1..]);
    hostnet().current_dir(dir).args(full).output().unwrap()
}

fn read(dir: &Path, relative: &str) -> String {
    fs_err::read_to_string(dir.join("root").join(relative)).unwrap()
}

#[test]
fn detailed_exit_codes() {
    let dir = setup("- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"x\\n\" }\n");
    let pending = hostnet_in(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(pending.status.code(), Some(2), "{}", stderr(&pending));
    let plain = hostnet_in(dir.path(), &["plan"]);
    assert_eq!(plain.status.code(), Some(0));
    let apply = hostnet_in(dir.path(), &["apply", "--detailed-exitcode"]);
    assert_eq!(apply.status.code(), Some(2));
    assert_eq!(read(dir.path(), "etc/x"), "x\n");
    let clean = hostnet_in(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(clean.status.code(), Some(0));
    let again = hostnet_in(dir.path(), &["apply", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stdout(&again).ends_with("\nnothing to do: the host already matches the playbook\n"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn apply_dry_run_is_plan_and_writes_nothing() {
    let dir = setup("- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"x\\n\" }\n");
    let plan = hostnet_in(dir.path(), &["plan"]);
    let dry = hostnet_in(dir.path(), &["apply", "--dry-run"]);
    assert_eq!(stdout(&plan), stdout(&dry));
    assert!(
        stdout(&dry).contains("+++ after: /etc/x\n@@ -0,0 +1 @@\n+x\n"),
        "{}",
        stdout(&dry)
    );
    assert!(!dir.path().join("root/etc").exists());
}

#[test]
fn variable_precedence() {
    // play vars < vars_files < task vars < loop item < extra vars
    let dir = setup(
        "- hosts: localhost
  vars: { a: play, b: play, c: play, d: play, e: play }
  vars_files: [more.yml]
  tasks:
    - file: { dest: /etc/out, content: \"{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ item }}\\n\" }
      vars: { c: task, d: task, e: task }
      loop: [item]
",
    );
    write(dir.path(), "more.yml", "b: file\nc: file\n");
    write(dir.path(), "extra.yml", "d: extra-file\n");
    let output = hostnet_in(dir.path(), &["apply", "-e", "e=extra", "-e", "@extra.yml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read(dir.path(), "etc/out"), "play file task extra-file extra item\n");
}

#[test]
fn extra_vars_forms() {
    let dir = setup(
        "- hosts: localhost\n  vars: { n: 0 }\n  tasks:\n    - file: { dest: /etc/out, content: \"{{ n + 1 }} {{ s }} {{ t }}\\n\" }\n",
    );
    let output = hostnet_in(dir.path(), &["apply", "-e", "{\"n\": 41}", "-e", "s='two words' t=x"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read(dir.path(), "etc/out"), "42 two words x\n");
    let bad = hostnet_in(dir.path(), &["plan", "-e", "novalue"]);
    assert_eq!(
        stderr(&bad),
        "error: bad extra variable `novalue`: expected `name=value`, `@file.yml` or a JSON object\n"
    );
}

#[test]
fn facts_are_variables() {
    let dir = setup(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/out, content: \"{{ hostnet_distro }} {{ hostnet_init }} {{ hostnet_interfaces | join(',') }} {{ hostnet_wireless_interfaces | join(',') }}\\n\" }\n",
    );
    write(
        dir.path(),
        "facts.yml",
        "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\n  - { name: wlan0, wireless: true }\n",
    );
    let output = hostnet_in(dir.path(), &["apply"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(read(dir.path(), "etc/out"), "debian systemd eth0,wlan0 wlan0\n");
}

const SELECTION: &str = "- hosts: localhost
  vars: { wanted: [a, c] }
  tasks:
    - name: tagged net
      file: { dest: /etc/net, content: \"net\\n\" }
      tags: net
    - name: tagged dhcp
      file: { dest: /etc/dhcp, content: \"dhcp\\n\" }
      tags: [dhcp]
    - name: untagged
      file: { dest: /etc/plain, content: \"plain\\n\" }
    - name: always
      file: { dest: /etc/always, content: \"always\\n\" }
      tags: always
    - name: looped with a condition
      file: { dest: \"/etc/item-{{ item }}\", content: \"{{ item }}\\n\" }
      loop: [a, b, c]
      when: item in wanted
";

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(dir.join("root/etc"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn tags_select_exactly_the_right_tasks() {
    let dir = setup(SELECTION);
    assert!(hostnet_in(dir.path(), &["apply", "--tags", "net"]).status.success());
    assert_eq!(files(dir.path()), ["always", "net"]);
    let dir = setup(SELECTION);
    assert!(
        hostnet_in(dir.path(), &["apply", "--skip-tags", "net,always"])
            .status
            .success()
    );
    assert_eq!(files(dir.path()), ["dhcp", "item-a", "item-c", "plain"]);
    let dir = setup(SELECTION);
    assert!(
        hostnet_in(dir.path(), &["apply", "--tags", "untagged"])
            .status
            .success()
    );
    assert_eq!(files(dir.path()), ["always", "item-a", "item-c", "plain"]);
}

#[test]
fn when_and_loop_select_exactly_the_right_items() {
    let dir = setup(SELECTION);
    let output = hostnet_in(dir.path(), &["plan"]);
    let text = stdout(&output);
    assert!(text.contains("TASK [looped with a condition] ****"), "{text}");
    assert!(text.contains("changed: [localhost] => (items: a, c)\n"), "{text}");
    assert!(!text.contains("/etc/item-b"), "{text}");
    assert!(hostnet_in(dir.path(), &["apply"]).status.success());
    assert_eq!(
        files(dir.path()),
        ["always", "dhcp", "item-a", "item-c", "net", "plain"]
    );
}

const HANDLERS: &str = "- hosts: localhost
  tasks:
    - name: first
      file: { dest: /etc/a, content: \"{{ a }}\\n\" }
      notify: restart demo
    - name: second
      file: { dest: /etc/b, content: \"b\\n\" }
      notify: [restart demo, reload other]
  handlers:
    - name: restart demo
      service: { name: demo, state: restarted }
    - name: reload other
      service: { name: other, state: reloaded }
";

fn runs(output: &std::process::Output) -> Vec<String> {
    stdout(output)
        .lines()
        .filter(|line| line.starts_with("run"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn handlers_run_once_and_only_on_change() {
    let dir = setup(HANDLERS);
    let first = hostnet_in(dir.path(), &["apply", "-e", "a=1"]);
    assert_eq!(
        runs(&first),
        [
            "run (recorded): rc-service demo restart",
            "run (recorded): rc-service other reload"
        ]
    );
    let unchanged = hostnet_in(dir.path(), &["apply", "-e", "a=1"]);
    assert_eq!(runs(&unchanged), Vec::<String>::new());
    let only_first = hostnet_in(dir.path(), &["apply", "-e", "a=2"]);
    assert_eq!(runs(&only_first), ["run (recorded): rc-service demo restart"]);
    assert!(stdout(&only_first).contains("RUNNING HANDLER [restart demo]"));
    assert!(!stdout(&only_first).contains("RUNNING HANDLER [reload other]"));
}

#[test]
fn a_concurrent_apply_is_refused() {
    let dir = setup("- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"x\\n\" }\n");
    fs_err::create_dir_all(dir.path().join("root/run")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.path().join("root/run/hostnet.lock"))
        .unwrap();
    lock.lock().unwrap();
    let output = hostnet_in(dir.path(), &["apply"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: another hostnet apply holds `root/run/hostnet.lock`\n\nhint: wait for it to finish; the lock is released when that process exits\n\nnothing was changed: every path is checked before the first change\n"
    );
    assert!(!dir.path().join("root/etc/x").exists());
    drop(lock);
    assert!(hostnet_in(dir.path(), &["apply"]).status.success());
    assert_eq!(read(dir.path(), "etc/x"), "x\n");
}

#[test]
fn rollback_restores_a_byte_identical_tree_and_can_be_listed() {
    let dir = setup(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/conf, content: \"new\\n\", mode: \"0600\" }\n    - file: { dest: /etc/new/file, content: \"created\\n\" }\n",
    );
    write(&dir.path().join("root"), "etc/conf", "old\n");
    assert!(hostnet_in(dir.path(), &["apply"]).status.success());
    assert_eq!(read(dir.path(), "etc/conf"), "new\n");
    let list = hostnet()
        .current_dir(dir.path())
        .args(["rollback", "--list", "--root", "root"])
        .output()
        .unwrap();
    let runs: Vec<&str> = std::str::from_utf8(&list.stdout).unwrap().lines().collect();
    assert_eq!(runs.len(), 1);
    let preview = hostnet()
        .current_dir(dir.path())
        .args(["rollback", "--dry-run", "--root", "root"])
        .output()
        .unwrap();
    let text = stdout(&preview);
    assert!(
        text.contains("--- before: /etc/conf\n+++ after: /etc/conf\n@@ -1 +1 @@\n-new\n+old\n"),
        "{text}"
    );
    assert!(text.contains("remove: /etc/new/file\n"), "{text}");
    assert_eq!(read(dir.path(), "etc/conf"), "new\n", "--dry-run changed something");
    let rollback = hostnet()
        .current_dir(dir.path())
        .args(["rollback", runs[0], "--root", "root"])
        .output()
        .unwrap();
    assert!(rollback.status.success(), "{}", stderr(&rollback));
    assert_eq!(read(dir.path(), "etc/conf"), "old\n");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs_err::metadata(dir.path().join("root/etc/conf"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o7777, 0o644);
    assert!(
        !dir.path().join("root/etc/new").exists(),
        "the directory the run created is still there"
    );
    let unknown = hostnet()
        .current_dir(dir.path())
        .args(["rollback", "nope", "--root", "root"])
        .output()
        .unwrap();
    assert!(
        stderr(&unknown).starts_with("error: unknown run `nope` (runs: "),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn json_plan_has_the_same_steps() {
    let dir = setup(HANDLERS);
    let output = hostnet_in(dir.path(), &["plan", "--json", "-e", "a=1"]);
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["changes"], true);
    assert_eq!(plan["recap"]["changed"], 4);
    let tasks = plan["plan"]["plays"][0]["tasks"].as_array().unwrap();
    assert_eq!(tasks[0]["steps"][0]["action"], "write");
    assert_eq!(tasks[0]["steps"][0]["path"], "/etc/a");
    assert_eq!(tasks[0]["steps"][0]["after"], "1\n");
    assert_eq!(tasks[2]["handler"], true);
    assert_eq!(
        tasks[2]["steps"][0]["argv"],
        serde_json::json!(["rc-service", "demo", "restart"])
    );
}

#[test]
fn render_writes_the_persistent_files_only() {
    let dir = setup(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"x\\n\" }\n    - service: { name: demo, enabled: true }\n",
    );
    let output = hostnet()
        .current_dir(dir.path())
        .args(["render", "playbook.yml", "--facts", "facts.yml", "--out", "out"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "wrote out/etc/x\nwrote out/etc/runlevels/default/demo\n"
    );
    assert_eq!(fs_err::read_to_string(dir.path().join("out/etc/x")).unwrap(), "x\n");
    assert!(!dir.path().join("out/var/lib/hostnet").exists());
}

#[test]
fn commands_of_a_failed_run_run_again_until_an_apply_completes() {
    let dir = setup("- hosts: localhost\n  tasks:\n    - sysctl: { name: net.ipv4.ip_forward, value: 1 }\n");
    assert!(hostnet_in(dir.path(), &["apply"]).status.success());
    let clean = hostnet_in(dir.path(), &["plan"]);
    assert_eq!(runs(&clean), Vec::<String>::new());
    // What apply leaves behind when a command fails on the live host.
    write(
        &dir.path().join("root"),
        "var/lib/hostnet/pending",
        "/etc/sysctl.d/30-hostnet.conf\n",
    );
    let again = hostnet_in(dir.path(), &["plan"]);
    assert_eq!(
        runs(&again),
        ["run (recorded): sysctl -p /etc/sysctl.d/30-hostnet.conf"]
    );
    assert!(
        stdout(&again)
            .contains("[WARNING]: a previous apply failed part way: the commands for 1 file(s) it wrote run again\n"),
        "{}",
        stdout(&again)
    );
    assert!(hostnet_in(dir.path(), &["apply"]).status.success());
    assert!(!dir.path().join("root/var/lib/hostnet/pending").exists());
    assert_eq!(runs(&hostnet_in(dir.path(), &["plan"])), Vec::<String>::new());
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let escapes = |text: &str| text.matches('\u{1b}').count();
    let plan = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hostnet"));
        command
            .current_dir(crate::support::repo())
            .args(["plan", "playbooks/bridged.yml", "--root", "examples/gentoo-host"])
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (key, value) in env {
            command.env(key, value);
        }
        stdout(&command.output().unwrap())
    };
    // A pipe (not a terminal): plain text.
    assert_eq!(escapes(&plan(&[])), 0);
    // Forced colour shows the styles exist and are switched, not absent.
    let forced = plan(&[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\u{1b}[33mchanged: [localhost]"), "{forced}");
    // NO_COLOR wins, even over CLICOLOR_FORCE.
    assert_eq!(escapes(&plan(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])), 0);
    // A real terminal (util-linux `script` gives the program a pty).
    let binary = env!("CARGO_BIN_EXE_hostnet");
    let on_tty = |no_color: bool| {
        let prefix = if no_color { "NO_COLOR=1 " } else { "" };
        let output = std::process::Command::new("script")
            .current_dir(crate::support::repo())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .args([
                "-qec",
                &format!("{prefix}{binary} plan playbooks/bridged.yml --root examples/gentoo-host"),
                "/dev/null",
            ])
            .output()
            .expect("util-linux script");
        stdout(&output)
    };
    assert!(escapes(&on_tty(false)) > 0, "no colour on a terminal");
    assert_eq!(escapes(&on_tty(true)), 0, "colour on a terminal despite NO_COLOR");
}

#[test]
fn facts_are_detected_under_the_root_with_the_backend_choice() {
    let output = hostnet()
        .args(["facts", "--root", "examples/ubuntu-host"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&output),
        "\
distro: ubuntu
init: systemd
interfaces:
  eth0 mac 52:54:00:12:34:56
  wlan0 mac 52:54:00:ab:cd:ef (wireless)
tools: ufw
services: -
machine-id: 037cef7a241ec6e47954611c9eb32b87
backends:
  network: gentoo-netifrc (unsupported: netifrc is Gentoo's network system)
  network: debian-ifupdown (supported)
  network: network-manager (unsupported: NetworkManager is not installed)
  network: systemd-networkd (preferred)
  dhcp: dnsmasq (preferred)
  sysctl: sysctl (preferred)
  firewall: firewalld (unsupported: firewalld is not installed)
  firewall: nftables (supported)
  firewall: iptables (supported)
  firewall: ufw (preferred)
  mac_nat: ebtables (preferred)
  qemu: qemu-bridge-helper (preferred)
"
    );
    // What the host runs decides: NetworkManager and firewalld enabled on
    // Fedora, NetworkManager 1.46 (dpkg's database) on Ubuntu Desktop.
    let fedora = hostnet()
        .args(["facts", "--root", "examples/fedora-host"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&fedora),
        "\
distro: systemd
init: systemd
interfaces:
  eth0 mac 52:54:00:12:34:56
  wlan0 mac 52:54:00:ab:cd:ef (wireless)
tools: nft iptables dnsmasq networkctl NetworkManager nmcli firewalld firewall-cmd
services: NetworkManager firewalld
machine-id: 0474e775107edb46cdad4d2961717381
backends:
  network: gentoo-netifrc (unsupported: netifrc is Gentoo's network system)
  network: debian-ifupdown (unsupported: ifupdown is Debian's network system, and `ifup` is not installed)
  network: network-manager (preferred)
  network: systemd-networkd (supported)
  dhcp: dnsmasq (preferred)
  sysctl: sysctl (preferred)
  firewall: firewalld (preferred)
  firewall: nftables (supported)
  firewall: iptables (supported)
  firewall: ufw (unsupported: ufw is not installed)
  mac_nat: ebtables (preferred)
  qemu: qemu-bridge-helper (preferred)
"
    );
    let desktop = hostnet()
        .args(["facts", "--root", "examples/ubuntu-desktop-host"])
        .output()
        .unwrap();
    let text = stdout(&desktop);
    assert!(
        text.contains(
            "services: NetworkManager\nnetworkmanager: 1.46.0\nmachine-id: 0566837dabe3ffbaad157149e77ca667\nbackends:\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  network: network-manager (preferred)\n  network: systemd-networkd (supported)\n"),
        "{text}"
    );
    let json = hostnet()
        .args(["facts", "--root", "examples/gentoo-host", "--json"])
        .output()
        .unwrap();
    let facts: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (facts["distro"].as_str(), facts["init"].as_str()),
        (Some("gentoo"), Some("openrc"))
    );
    assert_eq!(facts["users"], serde_json::json!(["root", "qemu"]));
    assert_eq!(facts["machine_id"], "01e2b866ace8843c10d9f66d9d0d2b4f");
}

#[test]
fn facts_see_docker_br_netfilter_and_netplan_under_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/os-release", "ID=ubuntu\n");
    write(root, "run/docker.pid", "4242\n");
    write(root, "sys/module/br_netfilter/refcnt", "0\n");
    write(
        root,
        "etc/netplan/50-cloud-init.yaml",
        "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n",
    );
    write(
        root,
        "etc/passwd",
        "root:x:0:0::/root:/bin/sh\nqemu:x:107:107::/:/sbin/nologin\n",
    );
    let facts = |root: &Path| -> serde_json::Value {
        let output = hostnet()
            .args(["facts", "--json", "--root", root.to_str().unwrap()])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let found = facts(root);
    assert_eq!(found["services"], serde_json::json!(["docker"]));
    assert_eq!(found["br_netfilter"], serde_json::json!(true));
    assert_eq!(
        found["netplan"],
        serde_json::json!([{ "name": "eth0", "file": "/etc/netplan/50-cloud-init.yaml", "line": 4 }])
    );
    assert_eq!(found["user_ids"], serde_json::json!({ "root": 0, "qemu": 107 }));
    // Docker that leaves iptables alone does not count.
    write(root, "etc/docker/daemon.json", "{ \"iptables\" : false }\n");
    assert_eq!(facts(root)["services"], serde_json::json!([]));
}

#[test]
fn facts_show_ipv6_addresses_and_whether_router_advertisements_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "etc/os-release", "ID=debian\n");
    write(root, "sys/class/net/eth0/address", "52:54:00:12:34:56\n");
    write(root, "sys/class/net/br0/address", "02:00:00:00:00:01\n");
    write(root, "proc/sys/net/ipv6/conf/eth0/accept_ra", "1\n");
    write(root, "proc/sys/net/ipv6/conf/br0/accept_ra", "0\n");
    // netplan's runtime file configures eth0 (networkd applies the first match by name).
    write(
        root,
        "run/systemd/network/10-netplan-eth0.network",
        "[Match]\nName=eth0\n",
    );
    write(
        root,
        "usr/lib/systemd/network/99-default.network",
        "[Match]\nName=en* eth*\n",
    );
    write(
        root,
        "proc/net/if_inet6",
        "20010db8000100000000000000000010 02 40 00 00     eth0\n\
         fe80000000000000505400fffe123456 02 40 20 80     eth0\n\
         fd424242424200010000000000000001 05 40 00 80      br0\n",
    );
    let output = hostnet()
        .args(["facts", "--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    let text = stdout(&output);
    let interfaces: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "interfaces:")
        .skip(1)
        .take(2)
        .collect();
    assert_eq!(
        interfaces,
        [
            "  br0 mac 02:00:00:00:00:01 addresses fd42:4242:4242:1::1/64 accept_ra 0 (router advertisements ignored)",
            "  eth0 mac 52:54:00:12:34:56 addresses 2001:db8:1::10/64 fe80::5054:ff:fe12:3456/64 accept_ra 1 (router advertisements accepted unless forwarding) networkd /run/systemd/network/10-netplan-eth0.network",
        ]
    );
    let json = hostnet()
        .args(["facts", "--json", "--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    let facts: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        facts["interfaces"][1],
        serde_json::json!({
            "name": "eth0",
            "mac": "52:54:00:12:34:56",
            "wireless": false,
            "addresses": ["2001:db8:1::10/64", "fe80::5054:ff:fe12:3456/64"],
            "accept_ra": 1,
            "networkd": "/run/systemd/network/10-netplan-eth0.network",
            "gateway": null
        })
    );
}
