//! The boot path, for real: render scenario 1 (uplink and a guest TAP in a
//! bridge with STP) with `hostnet render`, bring it up with the distro's own
//! tool — `ifup -a` or systemd-networkd — inside a namespace sandbox, read
//! the kernel state back and compare it with the playbook's values.
//!
//! The uplink `eth0` is a veth whose peer is up in a second namespace; the
//! bridge gets a static documentation address, so no DHCP server is needed.
//! Negative controls break one rendered line the way a careless writer would
//! and require the comparison to catch it. Skipped (with `skipping: …`) when
//! not root or the tools are missing; see `support/sandbox.rs`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::support::lab::boot::{networkd_problems, networkd_tail as tail, start_networkd};
use crate::support::sandbox::{self, Features, Netns, Sandbox};
use crate::support::{self, stderr, stdout};

/// Scenario 1 with a static bridge address, as the values the playbook says
/// and the kernel must show.
struct Bridged {
    /// TAP owner and group (they must exist on the machine), with their ids.
    user: &'static str,
    uid: u32,
    group: &'static str,
    gid: u32,
}

const BRIDGE_MAC: &str = "02:00:00:00:0b:01";
const BRIDGE_ADDRESS: &str = "192.0.2.1/24";
const BRIDGE_MTU: u32 = 1400;
/// Seconds in the playbook, centiseconds in sysfs.
const FORWARD_DELAY: u32 = 2;
const HELLO_TIME: u32 = 1;
const MAX_AGE: u32 = 12;
const PRIORITY: u32 = 4096;

impl Bridged {
    /// `nobody` owns the TAP, group `daemon` (different ids, so a swap shows).
    fn new() -> Self {
        Self {
            user: "nobody",
            uid: id(&["id", "-u", "nobody"]),
            group: "daemon",
            gid: id(&["sh", "-c", "getent group daemon | cut -d: -f3"]),
        }
    }

    fn playbook(&self) -> String {
        format!(
            "\
- name: Bridged guest on a wired LAN
  hosts: localhost
  tasks:
    - name: Guest TAP
      tap: {{ name: tap0, user: {user}, group: {group} }}
    - name: The uplink is a bridge port
      interface: {{ name: eth0, address: none }}
    - name: Bridge with STP
      bridge:
        name: br0
        ports: [eth0, tap0]
        address: [{BRIDGE_ADDRESS}]
        mac: \"{BRIDGE_MAC}\"
        mtu: {BRIDGE_MTU}
        stp: true
        forward_delay: {FORWARD_DELAY}
        hello_time: {HELLO_TIME}
        max_age: {MAX_AGE}
        priority: {PRIORITY}
",
            user = self.user,
            group = self.group,
        )
    }

    /// `hostnet render PLAYBOOK --out STAGE ARGS…`.
    fn render(&self, args: &[&str]) -> TempDir {
        let work = tempfile::tempdir().unwrap();
        let playbook = support::write(work.path(), "site.yml", &self.playbook());
        let stage = tempfile::tempdir().unwrap();
        let mut argv = vec![
            "render",
            playbook.to_str().unwrap(),
            "--out",
            stage.path().to_str().unwrap(),
            "--root",
            stage.path().to_str().unwrap(),
        ];
        argv.extend(args);
        let output = support::run(&argv);
        assert!(
            output.status.success(),
            "hostnet render failed:\n{}{}",
            stdout(&output),
            stderr(&output)
        );
        stage
    }

    /// Every difference between the kernel state in `netns` and the playbook.
    fn mismatches(&self, netns: &Netns) -> Vec<String> {
        let bridge = "/sys/class/net/br0";
        let expected: Vec<(String, String)> = [
            (format!("{bridge}/address"), BRIDGE_MAC.to_owned()),
            (format!("{bridge}/mtu"), BRIDGE_MTU.to_string()),
            (format!("{bridge}/bridge/stp_state"), "1".to_owned()),
            (
                format!("{bridge}/bridge/forward_delay"),
                (FORWARD_DELAY * 100).to_string(),
            ),
            (format!("{bridge}/bridge/hello_time"), (HELLO_TIME * 100).to_string()),
            (format!("{bridge}/bridge/max_age"), (MAX_AGE * 100).to_string()),
            (format!("{bridge}/bridge/priority"), PRIORITY.to_string()),
            ("/sys/class/net/eth0/master".to_owned(), "br0".to_owned()),
            ("/sys/class/net/tap0/master".to_owned(), "br0".to_owned()),
            ("/sys/class/net/tap0/owner".to_owned(), self.uid.to_string()),
            ("/sys/class/net/tap0/group".to_owned(), self.gid.to_string()),
        ]
        .into_iter()
        .collect();
        let mut paths: Vec<String> = expected.iter().map(|(path, _)| path.clone()).collect();
        let flags: Vec<String> = ["br0", "eth0", "tap0"]
            .iter()
            .map(|name| format!("/sys/class/net/{name}/flags"))
            .collect();
        paths.extend(flags.iter().cloned());
        let found = snapshot(netns, &paths);
        let value = |path: &str| found.iter().find(|(p, _)| p == path).map_or("<missing>", |(_, v)| v);
        let mut problems = Vec::new();
        for (path, want) in &expected {
            if value(path) != want {
                problems.push(format!("{path}: expected {want}, found {}", value(path)));
            }
        }
        for path in &flags {
            let up = u32::from_str_radix(value(path).trim_start_matches("0x"), 16).is_ok_and(|flags| flags & 1 == 1);
            if !up {
                problems.push(format!("{path}: expected IFF_UP, found {}", value(path)));
            }
        }
        let addresses = |name: &str| netns.ip_ok(&["-o", "-4", "addr", "show", "dev", name]);
        if !addresses("br0").contains(&format!("inet {BRIDGE_ADDRESS} ")) {
            problems.push(format!("br0: expected {BRIDGE_ADDRESS}, found {:?}", addresses("br0")));
        }
        for port in ["eth0", "tap0"] {
            let found = netns.ip(&["-o", "-4", "addr", "show", "dev", port]);
            if !stdout(&found).trim().is_empty() {
                problems.push(format!(
                    "{port}: a bridge port carries no address, found {}",
                    stdout(&found)
                ));
            }
        }
        problems
    }
}

fn id(argv: &[&str]) -> u32 {
    let output = Command::new(argv[0]).args(&argv[1..]).output().unwrap();
    stdout(&output)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no id from {argv:?}: {}", stdout(&output)))
}

/// `(path, value)` for each path inside `netns`: a symlink's last component
/// (`master` → `br0`), a file's trimmed text, or `<missing>`.
fn snapshot(netns: &Netns, paths: &[String]) -> Vec<(String, String)> {
    let script = r#"for p in "$@"; do
  if [ -L "$p" ]; then v=$(readlink "$p"); v=${v##*/}
  else v=$(cat "$p" 2>/dev/null) || v='<missing>'; fi
  printf '%s=%s\n' "$p" "$v"
done"#;
    let mut argv = vec!["sh", "-c", script, "sh"];
    argv.extend(paths.iter().map(String::as_str));
    netns
        .exec_ok(&argv)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(path, value)| (path.to_owned(), value.to_owned()))
        .collect()
}

/// The host namespace with `eth0`, a veth whose peer is up in `lan`.
struct Lab {
    host: Netns,
    /// Holds the uplink's peer (kept for its drop).
    _lan: Netns,
}

impl Lab {
    fn new() -> Self {
        let host = Netns::new();
        let lan = Netns::new();
        host.veth("eth0", &lan, "lan0");
        lan.ip_ok(&["link", "set", "lan0", "up"]);
        Self { host, _lan: lan }
    }
}

/// Replace `from` by `to` in the staged file, which must contain it (so a
/// negative control cannot silently test nothing).
fn break_file(stage: &Path, file: &str, from: &str, to: &str) {
    let path = stage.join(file.trim_start_matches('/'));
    let text = fs_err::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`:\n{text}");
    fs_err::write(&path, text.replace(from, to)).unwrap();
}

const IFUP: &str = "mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network";
const IFDOWN: &str = "ifdown -a -i /etc/network/interfaces --state-dir /run/network";

#[test]
fn ifupdown_boots_scenario_1_from_rendered_files() {
    if !sandbox::require(&["ifup", "ifdown", "brctl"]) {
        return;
    }
    let scenario = Bridged::new();
    let stage = scenario.render(&["--distro", "debian", "--network-backend", "debian-ifupdown"]);
    let lab = Lab::new();
    let sandbox = Sandbox::new(&lab.host, stage.path(), Features::default());
    let output = sandbox.run_ok(IFUP);
    let problems = scenario.mismatches(&lab.host);
    assert!(problems.is_empty(), "{}\n--- ifup:\n{output}", problems.join("\n"));

    // ifdown with the same /run: the post-down lines delete the TAP, the
    // bridge hook the bridge; the uplink stays.
    let output = sandbox.run_ok(IFDOWN);
    let links = lab.host.ip_ok(&["-o", "link", "show"]);
    for gone in ["br0:", "tap0:"] {
        assert!(
            !links.contains(gone),
            "{gone} still exists after ifdown:\n{links}\n--- ifdown:\n{output}"
        );
    }
    assert!(links.contains("eth0@"), "eth0 is gone:\n{links}");
}

#[test]
fn ifupdown_negative_controls_are_caught() {
    if !sandbox::require(&["ifup", "ifdown", "brctl"]) {
        return;
    }
    let scenario = Bridged::new();
    let file = "/etc/network/interfaces.d/hostnet";
    // (what goes wrong, the line as rendered, the careless line, what must notice)
    let breakages = [
        (
            "a TAP created in post-up is never enslaved",
            "pre-up ip tuntap add",
            "post-up ip tuntap add",
            "/sys/class/net/tap0/master: expected br0",
        ),
        (
            "bridge_fd in centiseconds is out of range and silently ignored",
            &format!("bridge_fd {FORWARD_DELAY}\n"),
            &format!("bridge_fd {}\n", FORWARD_DELAY * 100),
            // The kernel refuses it (fd stays 15 s) or clamps it to 30 s.
            "/sys/class/net/br0/bridge/forward_delay: expected 200,",
        ),
    ];
    for (what, from, to, caught) in breakages {
        let stage = scenario.render(&["--distro", "debian", "--network-backend", "debian-ifupdown"]);
        break_file(stage.path(), file, from, to);
        let lab = Lab::new();
        let sandbox = Sandbox::new(&lab.host, stage.path(), Features::default());
        let output = sandbox::text(&sandbox.run(IFUP));
        let problems = scenario.mismatches(&lab.host);
        assert!(
            problems.iter().any(|problem| problem.starts_with(caught)),
            "negative control `{what}` was not caught; expected `{caught}` in:\n{}\n--- ifup:\n{output}",
            problems.join("\n")
        );
    }
}

/// `ADMIN_STATE` of each link as networkd reports it under `/run/systemd/netif/links`.
fn admin_states(lab: &Lab, sandbox: &Sandbox<'_>, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|name| {
            let state = lab
                .host
                .read(&format!("/sys/class/net/{name}/ifindex"))
                .and_then(|index| {
                    fs_err::read_to_string(sandbox.run_dir().join("systemd/netif/links").join(index)).ok()
                })
                .and_then(|text| {
                    text.lines()
                        .find_map(|line| line.strip_prefix("ADMIN_STATE="))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "<none>".to_owned());
            ((*name).to_owned(), state)
        })
        .collect()
}

#[test]
fn networkd_boots_scenario_1_from_rendered_files() {
    if !sandbox::require(&["/lib/systemd/systemd-networkd", "mknod"]) {
        return;
    }
    let scenario = Bridged::new();
    let stage = scenario.render(&["--distro", "systemd", "--network-backend", "systemd-networkd"]);
    let lab = Lab::new();
    let sandbox = Sandbox::new(&lab.host, stage.path(), Features::NETWORKD);
    let networkd = start_networkd(&sandbox);
    let names = ["br0", "eth0", "tap0"];
    // br0 is "configured" after STP lets it forward (2 × forward delay) and
    // networkd's IPv6 router solicitation times out (about 10 s).
    let settled = sandbox::wait_for(Duration::from_secs(40), || {
        admin_states(&lab, &sandbox, &names)
            .iter()
            .all(|(_, state)| state == "configured")
            .then_some(())
    });
    assert!(
        settled.is_some(),
        "networkd did not configure {names:?}: {:?}\n--- networkd:\n{}",
        admin_states(&lab, &sandbox, &names),
        tail(&networkd.output())
    );
    let log = networkd.output();
    let complaints = networkd_problems(&log);
    assert!(
        complaints.is_empty(),
        "networkd rejected part of the files:\n{}",
        complaints.join("\n")
    );
    let problems = scenario.mismatches(&lab.host);
    assert!(
        problems.is_empty(),
        "{}\n--- networkd:\n{}",
        problems.join("\n"),
        tail(&log)
    );
}

#[test]
fn networkd_negative_control_is_caught() {
    if !sandbox::require(&["/lib/systemd/systemd-networkd", "mknod"]) {
        return;
    }
    let scenario = Bridged::new();
    let stage = scenario.render(&["--distro", "systemd", "--network-backend", "systemd-networkd"]);
    // Centiseconds where networkd wants seconds: 200 s is out of the kernel's
    // range with STP on. Depending on the kernel, networkd's one netlink
    // request fails ("Bridge parameters could not be set", nothing applied)
    // or the value is clamped to 30 s; either way the kernel state differs.
    break_file(
        stage.path(),
        "/etc/systemd/network/10-hostnet-br0.netdev",
        &format!("ForwardDelaySec={FORWARD_DELAY}\n"),
        &format!("ForwardDelaySec={}\n", FORWARD_DELAY * 100),
    );
    let lab = Lab::new();
    let sandbox = Sandbox::new(&lab.host, stage.path(), Features::NETWORKD);
    let networkd = start_networkd(&sandbox);
    // "Bridge parameters set success" or "… could not be set": applied or not.
    let applied = sandbox::wait_for(Duration::from_secs(15), || {
        networkd.output().contains("Bridge parameters").then_some(())
    });
    assert!(
        applied.is_some(),
        "networkd never set the bridge parameters:\n{}",
        tail(&networkd.output())
    );
    let problems = scenario.mismatches(&lab.host);
    assert!(
        problems
            .iter()
            .any(|problem| problem.starts_with("/sys/class/net/br0/bridge/forward_delay: expected 200")),
        "the kernel comparison did not catch ForwardDelaySec=200:\n{}\n--- networkd:\n{}",
        problems.join("\n"),
        tail(&networkd.output())
    );
}
