//! `hostnet apply --root /` for real: commands executed, a failing command
//! stopping the run, `rollback` and `--rollback-on-failure`, and the retry of
//! a failed run's commands. It runs inside the namespace sandbox, where `/etc`
//! and `/var` are throw-away overlays and `/run` is private, so "the host"
//! is disposable and nothing reaches the machine's own files.

use std::path::Path;

use crate::support::sandbox::{self, Features, Netns, Sandbox};
use crate::support::{stdout, write};

const PLAYBOOK: &str = "- name: Live
  hosts: localhost
  vars: { content: one, fail: false }
  tasks:
    - name: A file
      file: { dest: /etc/hostnet-live/a.conf, content: \"{{ content }}\\n\" }
    - name: A command that runs once
      command: { argv: [touch, /etc/hostnet-live/created], creates: /etc/hostnet-live/created }
    - name: A command that fails
      command: { argv: [\"false\"] }
      when: fail | bool
";

/// Refuse to run anything unless `/etc` and `/var` are this sandbox's overlays.
const GUARD: &str = "awk '$2 == \"/etc\" && $3 == \"overlay\" { e = 1 } $2 == \"/var\" && $3 == \"overlay\" { v = 1 } END { exit !(e && v) }' /proc/mounts || { echo 'not in the sandbox' >&2; exit 99; }\n";

struct Live<'a> {
    sandbox: Sandbox<'a>,
    dir: &'a Path,
}

impl Live<'_> {
    fn hostnet(&self, args: &str) -> (i32, String) {
        let binary = env!("CARGO_BIN_EXE_hostnet");
        let dir = self.dir.display();
        let script = format!("{GUARD}cd {dir} && NO_COLOR=1 {binary} {args} 2>&1; echo \"exit=$?\"");
        let output = self.sandbox.run(&script);
        let text = stdout(&output);
        let code = text
            .lines()
            .last()
            .and_then(|line| line.strip_prefix("exit="))
            .and_then(|code| code.parse().ok())
            .unwrap_or(-1);
        (code, text)
    }

    fn etc(&self, path: &str) -> Option<String> {
        fs_err::read_to_string(self.sandbox.upper("etc").join(path)).ok()
    }
}

#[test]
fn apply_on_a_live_root_runs_commands_stops_on_failure_and_rolls_back() {
    if !sandbox::require(&["unshare", "mount", "awk"]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    write(work.path(), "playbook.yml", PLAYBOOK);
    write(work.path(), "facts.yml", "distro: debian\ninit: systemd\n");
    let stage = tempfile::tempdir().unwrap();
    let netns = Netns::new();
    let live = Live {
        sandbox: Sandbox::new(&netns, stage.path(), Features::default()),
        dir: work.path(),
    };
    let apply = "apply playbook.yml --root / --facts facts.yml";

    // First run: the file is written and the command really runs.
    let (code, text) = live.hostnet(apply);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("\nrun: touch /etc/hostnet-live/created\n"), "{text}");
    assert!(text.contains("1 command(s) run"), "{text}");
    assert_eq!(live.etc("hostnet-live/a.conf").as_deref(), Some("one\n"));
    assert_eq!(
        live.etc("hostnet-live/created").as_deref(),
        Some(""),
        "the command did not run"
    );

    // Second run: nothing to do, no command.
    let (code, text) = live.hostnet(apply);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("nothing to do: the host already matches the playbook"),
        "{text}"
    );

    // A failing command stops the run with exit 3, names the task and the rollback.
    let (code, text) = live.hostnet(&format!("{apply} -e content=two -e fail=true"));
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("error: task `A command that fails` failed: `false` exited with status 1"),
        "{text}"
    );
    let run = text
        .split("hostnet rollback ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no rollback hint in:\n{text}"))
        .trim_end_matches('`')
        .to_owned();
    assert!(
        text.contains(&format!(
            "hint: restore the files this run changed with `hostnet rollback {run}`"
        )),
        "{text}"
    );
    assert_eq!(live.etc("hostnet-live/a.conf").as_deref(), Some("two\n"));
    assert_eq!(
        fs_err::read_to_string(live.sandbox.upper("var").join("lib/hostnet/pending")).unwrap(),
        "/etc/hostnet-live/a.conf\n"
    );

    // Rollback restores the file the failed run changed.
    let (code, text) = live.hostnet(&format!("rollback {run} --root /"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("-two\n+one\n"), "{text}");
    assert_eq!(live.etc("hostnet-live/a.conf").as_deref(), Some("one\n"));

    // --rollback-on-failure restores at once.
    let (code, text) = live.hostnet(&format!("{apply} -e content=three -e fail=true --rollback-on-failure"));
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("were restored (--rollback-on-failure)"), "{text}");
    assert_eq!(live.etc("hostnet-live/a.conf").as_deref(), Some("one\n"));

    // A clean run clears what the failed runs left pending.
    let (code, text) = live.hostnet(apply);
    assert_eq!(code, 0, "{text}");
    assert!(
        !live.sandbox.upper("var").join("lib/hostnet/pending").exists(),
        "{text}"
    );
}

/// Issue #10's devices on the live root, by hostnet's own `ip -batch`: the
/// bridge of TAPs gets its stable generated MAC (the one every target's
/// files pin), the proxy-ARP bridge's /32 and its host route on the link,
/// and the per-device `proxy_arp` once the bridge exists; a second apply
/// changes nothing, and `rollback` takes the devices away again.
#[test]
fn live_apply_brings_up_what_the_topology_decides() {
    if !sandbox::require(&["unshare", "mount", "awk", "ip", "sysctl"]) {
        return;
    }
    let machine_id = "0123456789abcdef0123456789abcdef";
    let work = tempfile::tempdir().unwrap();
    write(
        work.path(),
        "playbook.yml",
        "- hosts: localhost
  tasks:
    - tap: { name: tap0 }
    - bridge: { name: br0, ports: [tap0], address: [192.0.2.10/32] }
    - interface: { name: br0, address: none, routes: [{ to: 192.0.2.50/32 }] }
    - sysctl: { name: net.ipv4.conf.br0.proxy_arp, value: 1 }
",
    );
    write(
        work.path(),
        "facts.yml",
        &format!("distro: debian\ninit: systemd\nmachine_id: {machine_id}\n"),
    );
    let stage = tempfile::tempdir().unwrap();
    let netns = Netns::new();
    let live = Live {
        sandbox: Sandbox::new(&netns, stage.path(), Features::default()),
        dir: work.path(),
    };
    let apply = "apply playbook.yml --root / --facts facts.yml --runtime-only";
    let (code, text) = live.hostnet(apply);
    assert_eq!(code, 0, "{text}");
    let mac = hostnet_engine::model::vm::generated_mac(Some(machine_id), "bridge br0").to_string();
    let link = netns.ip_ok(&["-o", "link", "show", "br0"]);
    assert!(link.contains(&format!("link/ether {mac} ")), "{link}\n{text}");
    assert_eq!(
        netns
            .ip_ok(&["-o", "-4", "addr", "show", "dev", "br0"])
            .split_whitespace()
            .nth(3),
        Some("192.0.2.10/32")
    );
    assert_eq!(
        netns.ip_ok(&["route", "show", "dev", "br0"]),
        "192.0.2.50 scope link linkdown \n"
    );
    assert_eq!(
        netns.read("/proc/sys/net/ipv4/conf/br0/proxy_arp").as_deref(),
        Some("1")
    );
    assert!(
        netns.ip_ok(&["-o", "link", "show", "tap0"]).contains(" master br0 "),
        "{text}"
    );

    let (code, text) = live.hostnet(apply);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("nothing to do: the host already matches the playbook"),
        "{text}"
    );

    let (code, text) = live.hostnet("rollback --root /");
    assert_eq!(code, 0, "{text}");
    // Everything the batch made goes with the devices it created.
    assert!(!text.contains("cannot undo"), "{text}");
    assert!(!netns.ip(&["link", "show", "br0"]).status.success(), "{text}");
    assert!(!netns.ip(&["link", "show", "tap0"]).status.success(), "{text}");
}
