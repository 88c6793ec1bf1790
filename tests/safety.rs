//! Issue #17: one test per defect an adversarial pass found on main
//! (`defect_NN_…`), each with the bundled tools under a temp `--root`, in
//! private mount namespaces for a read-only directory or a full disk, and in
//! network namespaces for the real iptables and nftables. Load-time refusals
//! are pinned whole in the corpus (`tests/corpus.rs`); the tests here call
//! the corpus cases that belong to their defect and prove the rest.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::corpus::snapshot;
use crate::support::golden::{Node, tree};
use crate::support::sandbox::{self, Netns};
use crate::support::{hostnet, stderr, stdout, write};

const GENTOO: &str = "distro: gentoo\ninit: openrc\nusers: [root, qemu]\ngroups: [root, kvm]\n";
const DEBIAN: &str = "distro: debian\ninit: systemd\nusers: [root, qemu]\ngroups: [root, kvm]\n";

/// A work directory with `playbook.yml`, `facts.yml` and `root/`.
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new(playbook: &str, facts: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "playbook.yml", playbook);
        write(dir.path(), "facts.yml", facts);
        fs_err::create_dir_all(dir.path().join("root")).unwrap();
        Self { dir }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn file(&self, relative: &str, content: &[u8]) {
        let path = self.path(relative);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, content).unwrap();
    }

    fn read(&self, relative: &str) -> Vec<u8> {
        fs_err::read(self.path(relative)).unwrap()
    }

    fn text(&self, relative: &str) -> String {
        String::from_utf8(self.read(relative)).unwrap()
    }

    /// `hostnet COMMAND playbook.yml --root root --facts facts.yml ARGS…`.
    fn run(&self, command: &str, args: &[&str]) -> Output {
        let mut full = vec![command, "playbook.yml", "--root", "root", "--facts", "facts.yml"];
        full.extend(args);
        hostnet().current_dir(self.dir.path()).args(full).output().unwrap()
    }

    /// `hostnet rollback --root root ARGS…`.
    fn rollback(&self, args: &[&str]) -> Output {
        let mut full = vec!["rollback", "--root", "root"];
        full.extend(args);
        hostnet().current_dir(self.dir.path()).args(full).output().unwrap()
    }

    /// The same command inside a private mount namespace, after `mounts`
    /// (a POSIX sh snippet run in the work directory).
    fn run_mounted(&self, mounts: &str, args: &[&str]) -> Output {
        let binary = env!("CARGO_BIN_EXE_hostnet");
        let quoted: Vec<String> = args.iter().map(|arg| format!("'{arg}'")).collect();
        let script = format!("set -e\n{mounts}\nset +e\nNO_COLOR=1 '{binary}' {}", quoted.join(" "));
        Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &script])
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn ok(&self, command: &str, args: &[&str]) -> String {
        let output = self.run(command, args);
        assert!(
            output.status.success(),
            "hostnet {command} failed:\n{}{}",
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    /// The latest run id under the root.
    fn runs(&self) -> Vec<String> {
        let output = self.rollback(&["--list"]);
        stdout(&output).lines().map(str::to_owned).collect()
    }
}

/// Every `.hostnet-tmp-…` file under `root`.
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

fn can_run(tools: &[&str]) -> bool {
    let ok = sandbox::require(tools);
    assert!(
        ok || std::env::var("CI").as_deref() != Ok("true"),
        "CI=true, but this test cannot run (reason printed above)"
    );
    ok
}

const TAP: &str = "- hosts: localhost\n  tasks:\n    - name: A TAP\n      tap: { name: tap0 }\n";

#[test]
fn defect_01_broken_fences_are_refused_and_fences_are_found_again() {
    for case in [
        "fence-orphan-begin",
        "fence-orphan-end",
        "fence-marker-twice",
        "fence-nested",
        "fence-ufw-orphan-after-filter",
        "blockinfile-marker-of-a-backend",
        "blockinfile-marker-trailing-space",
    ] {
        crate::corpus::check(case);
    }
    // An orphan BEGIN: the first apply is refused (no second block is
    // appended), so no later apply can delete the user's line.
    let host = Host::new(TAP, GENTOO);
    let orphan = b"# BEGIN hostnet network\nuser_line_1=\"keep me\"\n";
    host.file("etc/conf.d/net", orphan);
    for _ in 0..2 {
        assert_eq!(host.run("apply", &[]).status.code(), Some(1));
        assert_eq!(host.read("etc/conf.d/net"), orphan);
    }
    // A fence an editor gave blanks is found again: one block, in place.
    let host = Host::new(TAP, GENTOO);
    host.file(
        "etc/conf.d/net",
        b"before=1\n# BEGIN hostnet network \nold=1\n  # END hostnet network\t\nafter=1\n",
    );
    host.ok("apply", &[]);
    let text = host.text("etc/conf.d/net");
    assert_eq!(text.matches("# BEGIN hostnet network").count(), 1, "{text}");
    assert!(text.starts_with("before=1\n# BEGIN hostnet network\n"), "{text}");
    assert!(text.ends_with("# END hostnet network\nafter=1\n"), "{text}");
    assert!(!text.contains("old=1"), "{text}");
    assert!(host.ok("apply", &[]).contains("nothing to do"));
}

const NAT: &str = "- hosts: localhost
  tasks:
    - name: Private NAT network
      vm_network:
        mode: nat
        bridge: br0
        subnet: 172.16.1.0/24
        uplink: eth0
        vms: [{ name: g1, tap: tap0, ip: 172.16.1.2 }]
";

const USER_RULES: &str = "# Generated by iptables-save v1.8.9 on Sat Nov 21 10:00:00 2026
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
# Completed on Sat Nov 21 10:00:00 2026
";

#[test]
fn defect_02_a_users_iptables_ruleset_is_merged_never_replaced() {
    let host = Host::new(NAT, GENTOO);
    host.file("var/lib/iptables/rules-save", USER_RULES.as_bytes());
    let plan = host.ok("plan", &[]);
    assert!(!plan.contains("-:INPUT DROP"), "{plan}");
    host.ok("apply", &[]);
    let merged = host.text("var/lib/iptables/rules-save");
    // The user's lines, in order and unchanged; hostnet's inside its blocks.
    let outside: Vec<&str> = {
        let mut inside = false;
        merged
            .lines()
            .filter(|line| {
                if line.starts_with("# BEGIN hostnet") {
                    inside = true;
                } else if line.starts_with("# END hostnet") {
                    inside = false;
                    return false;
                }
                !inside
            })
            .collect()
    };
    assert_eq!(outside, USER_RULES.lines().collect::<Vec<_>>(), "{merged}");
    assert!(host.ok("plan", &[]).contains(" changed=0 "));
    // Loaded the way Gentoo's init script loads it, in a namespace of our own:
    // the policies stay DROP, ssh stays open, hostnet's chains come first.
    if !can_run(&["iptables-restore", "iptables"]) {
        return;
    }
    let netns = Netns::new();
    let output = netns
        .command(&["iptables-restore"])
        .stdin(std::process::Stdio::from(
            fs_err::File::open(host.path("var/lib/iptables/rules-save"))
                .unwrap()
                .into_file(),
        ))
        .output()
        .unwrap();
    assert!(output.status.success(), "iptables-restore: {}", sandbox::text(&output));
    let rules = netns.exec_ok(&["iptables", "-S"]);
    for line in [
        "-P INPUT DROP",
        "-P FORWARD DROP",
        "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
        "-A HOSTNET-FORWARD -s 172.16.1.0/24 -o eth0 -j ACCEPT",
    ] {
        assert!(rules.lines().any(|rule| rule == line), "no `{line}` in:\n{rules}");
    }
    let input: Vec<&str> = rules.lines().filter(|rule| rule.starts_with("-A INPUT ")).collect();
    assert_eq!(input.first(), Some(&"-A INPUT -j HOSTNET-INPUT"), "{rules}");
}

#[test]
fn defect_03_bytes_outside_the_block_are_kept_and_rolled_back_exactly() {
    let host = Host::new(TAP, GENTOO);
    let user = b"# caf\xe9 au lait\r\nuser=\"\xff\xfe\"\n";
    host.file("etc/conf.d/net", user);
    let plan = host.ok("plan", &[]);
    assert!(
        !plan.contains("-# caf"),
        "the diff shows the user's line as changed:\n{plan}"
    );
    host.ok("apply", &[]);
    let after = host.read("etc/conf.d/net");
    assert!(after.starts_with(user), "{}", String::from_utf8_lossy(&after));
    assert!(host.ok("plan", &[]).contains(" changed=0 "));
    let rollback = host.rollback(&[]);
    assert!(rollback.status.success(), "{}", stderr(&rollback));
    assert_eq!(host.read("etc/conf.d/net"), user);
}

const THREE_FILES: &str = "- hosts: localhost
  tasks:
    - name: First
      file: { dest: /etc/a.conf, content: \"a\\n\" }
    - name: Second
      file: { dest: /etc/big/b.conf, content: \"{{ 'b' * 200000 }}\" }
    - name: Forwarding
      sysctl: { name: net.ipv4.ip_forward, value: 1 }
";

#[test]
fn defect_04_a_failure_before_the_first_change_changes_nothing() {
    crate::corpus::check("managed-path-is-a-directory");
    crate::corpus::check("init-d-dangling-link");
    if !can_run(&["unshare", "mount"]) {
        return;
    }
    let args = ["apply", "playbook.yml", "--root", "root", "--facts", "facts.yml"];
    // A read-only /etc/sysctl.d, and a full disk under /etc/big.
    for (what, mounts, message) in [
        (
            "read-only",
            "mkdir -p root/etc/sysctl.d && mount --bind root/etc/sysctl.d root/etc/sysctl.d && mount -o remount,bind,ro root/etc/sysctl.d",
            "Read-only file system",
        ),
        (
            "full",
            "mkdir -p root/etc/big && mount -t tmpfs -o size=64k hostnet-full root/etc/big",
            "No space left on device",
        ),
    ] {
        let host = Host::new(THREE_FILES, GENTOO);
        fs_err::create_dir_all(host.path("etc/sysctl.d")).unwrap();
        fs_err::create_dir_all(host.path("etc/big")).unwrap();
        let before = snapshot(&host.root());
        let output = host.run_mounted(mounts, &args);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{what}: {text}{}", stdout(&output));
        assert!(text.contains(message), "{what}: {text}");
        assert!(
            text.ends_with("\n\nnothing was changed: every path is checked before the first change\n"),
            "{what}: {text}"
        );
        // hostnet's lock and its (empty) state directories may appear; no run
        // record, no temp file, and not a byte of anything else.
        let mut after = snapshot(&host.root());
        after.retain(|path, _| !path.starts_with("run") && !path.starts_with("var"));
        assert_eq!(after, before, "{what}: the root changed");
        assert!(
            fs_err::read_dir(host.path("var/lib/hostnet/runs"))
                .unwrap()
                .next()
                .is_none(),
            "{what}: a run was recorded"
        );
        assert_eq!(
            fs_err::metadata(host.path("var/lib"))
                .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
                .unwrap(),
            0o755
        );
        // The disk is fine again: the same apply goes through.
        host.ok("apply", &[]);
        assert_eq!(host.text("etc/a.conf"), "a\n");
    }
}

#[test]
fn defect_05_run_ids_sort_by_time_and_a_failed_rollback_hides_nothing() {
    // Twelve runs within one second: the latest is `-12`, not `-9`.
    let host = Host::new(TAP, GENTOO);
    let stamp = "20261122T065331Z";
    for n in 1..=12 {
        let id = if n == 1 {
            stamp.to_owned()
        } else {
            format!("{stamp}-{n}")
        };
        write(
            &host.path(&format!("var/lib/hostnet/runs/{id}")),
            "manifest.json",
            &format!(
                "{{\"run_id\": \"{id}\", \"playbook\": \"p\", \"entries\": [{{\"path\": \"/etc/x\", \"before\": {{\"kind\": \"missing\"}}}}], \"commands\": [], \"complete\": true}}\n"
            ),
        );
    }
    let list = host.rollback(&["--list"]);
    let ids: Vec<String> = stdout(&list).lines().map(str::to_owned).collect();
    assert_eq!(ids.first().map(String::as_str), Some(stamp));
    assert_eq!(ids.last().map(String::as_str), Some("20261122T065331Z-12"));
    let dry = host.rollback(&["--dry-run"]);
    assert!(
        stdout(&dry).contains(&format!("PLAY [Roll back run {stamp}-12]")),
        "{}",
        stdout(&dry)
    );

    // A rollback that fails (a full disk) records nothing and hides nothing.
    if !can_run(&["unshare", "mount"]) {
        return;
    }
    let host = Host::new(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/big/conf, content: \"small\\n\" }\n",
        GENTOO,
    );
    let big = "x".repeat(40_000);
    host.file("etc/big/conf", big.as_bytes());
    host.ok("apply", &[]);
    let runs = host.runs();
    assert_eq!(runs.len(), 1);
    let fill = "mount -t tmpfs -o size=48k hostnet-full root/etc/big && head -c 45000 /dev/zero > root/etc/big/filler && printf small > root/etc/big/conf";
    let output = host.run_mounted(fill, &["rollback", "--root", "root"]);
    assert_eq!(output.status.code(), Some(1), "{}{}", stdout(&output), stderr(&output));
    assert!(
        stderr(&output).contains("No space left on device"),
        "{}",
        stderr(&output)
    );
    assert_eq!(host.runs(), runs, "the failed rollback left a run record");
    let output = host.rollback(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("PLAY [Roll back run {}]", runs[0])));
    assert_eq!(host.text("etc/big/conf"), big);
}

const NETWORKD: &str = "- hosts: localhost
  tasks:
    - name: The guest TAP
      tap: { name: tap0 }
    - name: The bridge
      bridge: { name: br0, ports: [tap0], address: 172.16.1.1/24 }
";
const UBUNTU: &str = "distro: ubuntu\ninit: systemd\n";

/// `hostnet apply` that aborts at its `n`-th change of the host (what a
/// `kill -9` at that point leaves). `true` if it aborted.
fn apply_aborting(host: &Host, n: u64) -> bool {
    let output = hostnet()
        .current_dir(host.dir.path())
        .env("HOSTNET_TEST_ABORT_AFTER", n.to_string())
        .args(["apply", "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .output()
        .unwrap();
    match output.status.code() {
        Some(0) => false,
        None => true,
        Some(code) => panic!("apply exited {code}: {}", stderr(&output)),
    }
}

/// The state the latest run's journal records.
fn latest_state(host: &Host) -> Option<String> {
    let runs = host.runs();
    let id = runs.last()?;
    let text = fs_err::read_to_string(host.path(&format!("var/lib/hostnet/runs/{id}/manifest.json"))).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest["state"].as_str().map(str::to_owned)
}

#[test]
fn defect_06_a_kill_between_the_files_and_the_commands_loses_no_command() {
    // Find the first point where the files are in place and the commands are next.
    let mut found = false;
    for n in 1..200 {
        let host = Host::new(NETWORKD, UBUNTU);
        if !apply_aborting(&host, n) {
            break;
        }
        if latest_state(&host).as_deref() != Some("commands") {
            continue;
        }
        found = true;
        assert!(host.path("etc/systemd/network").exists());
        // The next plan has every command still due: the reload too, although
        // the files already match.
        let plan = host.ok("plan", &[]);
        assert!(plan.contains("run (recorded): networkctl reload\n"), "{plan}");
        assert!(
            plan.contains("run (recorded): systemctl enable systemd-networkd.service\n"),
            "{plan}"
        );
        let apply = host.ok("apply", &[]);
        assert!(apply.contains("this apply resumes it"), "{apply}");
        assert!(host.ok("plan", &[]).contains(" changed=0 "));
        assert!(temp_files(&host.root()).is_empty());
        break;
    }
    assert!(found, "no abort point between the files and the commands");
}

#[test]
fn defect_07_links_resolve_inside_the_root() {
    // A managed file that is a link is edited at its target (relative and
    // absolute targets alike, the absolute one inside the root).
    for target in ["net.real", "/etc/conf.d/net.real"] {
        let host = Host::new(TAP, GENTOO);
        host.file("etc/conf.d/net.real", b"user=1\n");
        symlink(target, host.path("etc/conf.d/net")).unwrap();
        let plan = host.ok("plan", &[]);
        assert!(
            plan.contains(
                "[WARNING]: `/etc/conf.d/net` is a symbolic link: hostnet edits its target `/etc/conf.d/net.real`"
            ),
            "{plan}"
        );
        host.ok("apply", &[]);
        assert_eq!(
            fs_err::read_link(host.path("etc/conf.d/net")).unwrap(),
            Path::new(target)
        );
        let text = host.text("etc/conf.d/net.real");
        assert!(text.starts_with("user=1\n# BEGIN hostnet network\n"), "{text}");
        assert!(host.ok("plan", &[]).contains(" changed=0 "));
        let rollback = host.rollback(&[]);
        assert!(rollback.status.success(), "{}", stderr(&rollback));
        assert_eq!(host.text("etc/conf.d/net.real"), "user=1\n");
    }
    // Directory links with absolute targets, hostnet's own state included,
    // stay inside the root: nothing is written at the machine's path.
    let outside = tempfile::tempdir().unwrap();
    let host = Host::new(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/hostnet-test/x.conf, content: \"x\\n\" }\n",
        GENTOO,
    );
    let etc = outside.path().join("etc");
    let state = outside.path().join("state");
    fs_err::create_dir_all(host.path("var/lib")).unwrap();
    fs_err::create_dir_all(host.path(&etc.display().to_string()[1..])).unwrap();
    fs_err::create_dir_all(host.path(&state.display().to_string()[1..])).unwrap();
    symlink(&etc, host.path("etc")).unwrap();
    symlink(&state, host.path("var/lib/hostnet")).unwrap();
    host.ok("apply", &[]);
    assert!(snapshot(outside.path()).is_empty(), "{:?}", snapshot(outside.path()));
    let inside = host
        .root()
        .join(&etc.display().to_string()[1..])
        .join("hostnet-test/x.conf");
    assert_eq!(fs_err::read_to_string(inside).unwrap(), "x\n");
    assert!(
        host.root()
            .join(&state.display().to_string()[1..])
            .join("runs")
            .is_dir()
    );
    // The live check is canonical: `/var/..` and a link to `/` are the live root.
    let link_to_root = host.dir.path().join("slash");
    symlink("/", &link_to_root).unwrap();
    for root in ["/var/..", link_to_root.to_str().unwrap()] {
        let output = hostnet()
            .current_dir(host.dir.path())
            .args(["plan", "playbook.yml", "--root", root, "--facts", "facts.yml", "--json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(plan["plan"]["live"], true, "{root}");
    }
}

#[test]
fn defect_08_nothing_rides_into_qemus_options() {
    crate::corpus::check("qemu-vm-name-options");
    crate::corpus::check("qemu-hostfwd-guestfwd");
    crate::corpus::check("qemu-vm-name-dash");
    let host = Host::new(
        "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: user\n        vms: [{ name: box, hostfwd: [\"tcp::2222-:22\"] }]\n",
        DEBIAN,
    );
    let output = host.run("qemu", &["--vm", "box", "--format", "args"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let args = stdout(&output);
    assert_eq!(
        args.lines().nth(1),
        Some("user,id=net0,hostfwd=tcp::2222-:22,hostname=box"),
        "{args}"
    );
}

#[test]
fn defect_09_names_and_values_commands_would_misread_are_refused() {
    for case in [
        "bridge-name-dash",
        "service-name-dash",
        "service-name-dotdot",
        "service-name-dot",
        "sysctl-value-nul",
        "sysctl-value-out-of-range",
        "dhcp-domain-label-64",
    ] {
        crate::corpus::check(case);
    }
}

#[test]
fn defect_10_inputs_are_bounded_and_src_stays_with_the_playbook() {
    for case in [
        "template-runs-forever",
        "template-out-of-fuel",
        "loop-too-long",
        "file-src-absolute",
        "file-src-dotdot",
        "file-src-link-to-dev-zero",
        "file-dest-hostnet-runs",
        "blockinfile-hostnet-lock",
    ] {
        crate::corpus::check(case);
    }
    // A template next to the playbook is rendered.
    let host = Host::new(
        "- hosts: localhost\n  vars: { who: guests }\n  tasks:\n    - file: { dest: /etc/motd, src: templates/motd.j2 }\n",
        GENTOO,
    );
    write(host.dir.path(), "templates/motd.j2", "hello {{ who }}\n");
    host.ok("apply", &[]);
    assert_eq!(host.text("etc/motd"), "hello guests\n");
}

#[test]
fn defect_11_render_writes_what_apply_leaves() {
    let playbook = "- hosts: localhost
  tasks:
    - name: A bridge
      bridge: { name: br0, address: 172.16.1.1/24 }
    - name: DHCP
      dhcp_server: { interface: br0, range: [172.16.1.2, 172.16.1.9] }
";
    let host = Host::new(playbook, DEBIAN);
    let interfaces = "# interfaces(5) file used by ifup(8) and ifdown(8)\nauto lo\niface lo inet loopback\n";
    host.file("etc/network/interfaces", interfaces.as_bytes());
    let out = host.dir.path().join("out");
    let output = hostnet()
        .current_dir(host.dir.path())
        .args([
            "render",
            "playbook.yml",
            "--root",
            "root",
            "--facts",
            "facts.yml",
            "--out",
            "out",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let rendered = fs_err::read_to_string(out.join("etc/network/interfaces")).unwrap();
    assert!(rendered.starts_with(interfaces), "{rendered}");
    assert!(!out.join("run").exists(), "runtime markers in the rendered tree");
    // Every rendered file is exactly what apply writes on a copy of the root.
    host.ok("apply", &[]);
    let applied = tree(&host.root());
    for (path, node) in tree(&out) {
        assert_eq!(applied.get(&path), Some(&node), "{path}");
    }
    assert!(matches!(applied.get("etc/network/interfaces"), Some(Node::File { .. })));
}

#[test]
fn defect_12_no_dhcp_drop_in_turns_off_the_hosts_dns() {
    let host = Host::new(
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.2.0/24, vms: [{ name: g1 }] }\n",
        DEBIAN,
    );
    host.ok("apply", &[]);
    let dropin = host.text("etc/dnsmasq.d/hostnet-br1.conf");
    assert!(!dropin.lines().any(|line| line.starts_with("port=")), "{dropin}");
    assert!(dropin.contains("dhcp-option=tag:br1,option:dns-server\n"), "{dropin}");
}

/// A NAT network and a host-only network on one host (the example).
const COMBINED: &str = "- hosts: localhost
  tasks:
    - name: NAT network
      vm_network: { mode: nat, bridge: br-nat, subnet: 10.81.0.0/24, uplink: up0, vms: [{ name: n1, tap: tapn }] }
    - name: Host-only network
      vm_network: { mode: host_only, bridge: br-ho, subnet: 10.82.0.0/24, vms: [{ name: h1, tap: taph }] }
";

/// Host `h` with bridges br-nat 10.81.0.1 and br-ho 10.82.0.1, a guest on
/// each (`gn` 10.81.0.2, `gh` 10.82.0.2, default route via the bridge),
/// forwarding on. Returns (host, nat guest, host-only guest).
fn combined_lab() -> (Netns, Netns, Netns) {
    let host = Netns::new();
    let nat = Netns::new();
    let ho = Netns::new();
    for (guest, bridge, port, net) in [(&nat, "br-nat", "tapn", "10.81.0"), (&ho, "br-ho", "taph", "10.82.0")] {
        host.ip_ok(&["link", "add", bridge, "type", "bridge"]);
        host.ip_ok(&["addr", "add", &format!("{net}.1/24"), "dev", bridge]);
        host.ip_ok(&["link", "set", bridge, "up"]);
        host.veth(port, guest, "eth0");
        host.ip_ok(&["link", "set", port, "master", bridge, "up"]);
        guest.ip_ok(&["addr", "add", &format!("{net}.2/24"), "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        guest.ip_ok(&["route", "add", "default", "via", &format!("{net}.1")]);
    }
    host.exec_ok(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    (host, nat, ho)
}

fn pings(from: &Netns, to: &str) -> bool {
    from.exec(&["ping", "-c", "1", "-W", "1", to]).status.success()
}

#[test]
fn defect_13_a_host_only_network_keeps_its_promise_next_to_nat() {
    let host = Host::new(COMBINED, DEBIAN);
    host.ok("apply", &["--firewall", "iptables"]);
    let live = host.text("etc/hostnet/iptables.rules");
    let forward: Vec<&str> = live
        .lines()
        .filter(|line| line.starts_with("-A HOSTNET-FORWARD "))
        .collect();
    assert_eq!(
        forward[..3],
        [
            "-A HOSTNET-FORWARD -i br-ho -o br-ho -j ACCEPT",
            "-A HOSTNET-FORWARD -i br-ho -j DROP",
            "-A HOSTNET-FORWARD -o br-ho -j DROP",
        ],
        "{live}"
    );
    if !can_run(&["iptables-restore", "nft", "ping", "sysctl"]) {
        return;
    }
    // With the kernel: the NAT guest does not reach the host-only guest, nor
    // the other way round; the host reaches both. Without hostnet's rules
    // (the control), the host routes between them.
    for backend in ["none", "iptables", "nftables"] {
        let (lab_host, nat, ho) = combined_lab();
        match backend {
            "iptables" => {
                for file in ["etc/hostnet/iptables.rules", "etc/hostnet/iptables-jumps.rules"] {
                    lab_host.exec_ok(&["iptables-restore", "--noflush", host.path(file).to_str().unwrap()]);
                }
            }
            "nftables" => {
                let other = Host::new(COMBINED, DEBIAN);
                other.ok("apply", &["--firewall", "nftables"]);
                lab_host.exec_ok(&["nft", "-f", other.path("etc/nftables.d/hostnet.nft").to_str().unwrap()]);
            }
            _ => {}
        }
        let leak = pings(&nat, "10.82.0.2") || pings(&ho, "10.81.0.2");
        assert_eq!(leak, backend == "none", "{backend}: NAT ↔ host-only forwarding");
        assert!(pings(&lab_host, "10.82.0.2"), "{backend}: host → host-only guest");
        assert!(pings(&lab_host, "10.81.0.2"), "{backend}: host → NAT guest");
    }
}

#[test]
fn defect_14_rollback_names_later_edits_and_parser_errors_speak_hostnet() {
    for case in ["yaml-duplicate-key", "playbook-not-utf8", "vars-file-duplicate-key"] {
        crate::corpus::check(case);
    }
    let host = Host::new(
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x.conf, content: \"hostnet\\n\" }\n",
        GENTOO,
    );
    host.file("etc/x.conf", b"original\n");
    host.ok("apply", &[]);
    let run = host.runs().pop().unwrap();
    host.file("etc/x.conf", b"edited by hand\n");
    let output = host.rollback(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(&format!(
            "[WARNING]: `/etc/x.conf` was modified after run {run} (not by hostnet): the rollback overwrites that change\n"
        )),
        "{}",
        stdout(&output)
    );
    assert_eq!(host.text("etc/x.conf"), "original\n");
}

#[test]
fn confirm_or_revert_reverts_unless_confirmed() {
    let playbook = "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x.conf, content: \"new\\n\" }\n";
    // Not confirmed: reverted at the deadline.
    let host = Host::new(playbook, GENTOO);
    host.file("etc/x.conf", b"old\n");
    let apply = host.ok("apply", &["--confirm-timeout", "1"]);
    assert!(
        apply.contains("confirm within 1 s with `hostnet confirm --root root`"),
        "{apply}"
    );
    assert_eq!(host.text("etc/x.conf"), "new\n");
    // Another apply waits for the decision.
    let run = host.runs().pop().unwrap();
    let refused = host.run("apply", &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).starts_with(&format!("error: run {run} waits for `hostnet confirm`\n")),
        "{}",
        stderr(&refused)
    );
    // Reverted, and the watcher done with it (it holds the apply lock while it reverts).
    let lock = host.dir.path().join("root/run/hostnet.lock");
    let reverted = sandbox::wait_for(std::time::Duration::from_secs(15), || {
        let unlocked = std::process::Command::new("flock")
            .args(["-n", &lock.display().to_string(), "true"])
            .status()
            .is_ok_and(|status| status.success());
        (host.read("etc/x.conf") == b"old\n" && unlocked).then_some(())
    });
    assert!(reverted.is_some(), "not reverted");
    let confirm = hostnet()
        .current_dir(host.dir.path())
        .args(["confirm", "--root", "root"])
        .output()
        .unwrap();
    assert_eq!(confirm.status.code(), Some(1));
    assert!(
        stderr(&confirm).starts_with("error: no run waits for confirmation"),
        "{}",
        stderr(&confirm)
    );
    // Confirmed: kept.
    let host = Host::new(playbook, GENTOO);
    host.file("etc/x.conf", b"old\n");
    host.ok("apply", &["--confirm-timeout", "2"]);
    let confirm = hostnet()
        .current_dir(host.dir.path())
        .args(["confirm", "--root", "root"])
        .output()
        .unwrap();
    assert!(confirm.status.success(), "{}", stderr(&confirm));
    assert!(stdout(&confirm).starts_with("confirmed run "), "{}", stdout(&confirm));
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(host.text("etc/x.conf"), "new\n");
    assert!(host.ok("apply", &[]).contains("nothing to do"));
}

/// A rollback killed half-way (one file restored, one not) is finished
/// before anything else runs.
#[test]
fn an_interrupted_rollback_is_finished_first() {
    let playbook = "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/a.conf, content: \"new a\\n\" }\n    - file: { dest: /etc/b.conf, content: \"new b\\n\" }\n";
    // The first change count at which the rollback has restored one file only.
    let (host, applied) = (1..100)
        .find_map(|n| {
            let host = Host::new(playbook, GENTOO);
            host.file("etc/a.conf", b"old a\n");
            host.file("etc/b.conf", b"old b\n");
            host.ok("apply", &[]);
            let applied = host.runs().pop().unwrap();
            let killed = hostnet()
                .current_dir(host.dir.path())
                .args(["rollback", "--root", "root"])
                .env("HOSTNET_TEST_ABORT_AFTER", n.to_string())
                .output()
                .unwrap();
            assert_eq!(
                killed.status.code(),
                None,
                "the rollback finished before it restored one file"
            );
            let restored = [("etc/a.conf", "old a\n"), ("etc/b.conf", "old b\n")]
                .iter()
                .filter(|(path, old)| host.text(path) == *old)
                .count();
            (restored == 1).then_some((host, applied))
        })
        .expect("no kill point between the two restores");
    let records = fs_err::read_dir(host.dir.path().join("root/var/lib/hostnet/runs")).unwrap();
    let mut rollback: Vec<String> = records
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|run| *run != applied)
        .collect();
    assert_eq!(rollback.len(), 1, "{rollback:?}");
    let rollback = rollback.pop().unwrap();
    let refused = host.run("apply", &[]);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: run {rollback}, the rollback of run {applied}, was interrupted\n\n\
             hint: finish it first with `hostnet rollback --root root`\n\n\
             nothing was changed: every path is checked before the first change\n"
        )
    );
    let finished = host.rollback(&[]);
    assert!(finished.status.success(), "{}", stderr(&finished));
    assert_eq!(host.text("etc/a.conf"), "old a\n");
    assert_eq!(host.text("etc/b.conf"), "old b\n");
    assert_eq!(temp_files(&host.dir.path().join("root")), Vec::<String>::new());
}

/// A waiting run whose watcher did not run (killed here, as a reboot would):
/// past its deadline, `confirm` is too late and says so, `--late` keeps it.
#[test]
fn a_run_past_its_deadline_without_its_watcher() {
    let playbook = "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x.conf, content: \"new\\n\" }\n";
    let host = Host::new(playbook, GENTOO);
    host.file("etc/x.conf", b"old\n");
    host.ok("apply", &["--confirm-timeout", "2"]);
    let run = host.runs().pop().unwrap();
    let killed = std::process::Command::new("pkill")
        .args(["-KILL", "-f", &format!("confirm --root .* --watch {run}$")])
        .status()
        .unwrap();
    assert_eq!(killed.code(), Some(0), "the watcher of run {run} was not running");
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(host.text("etc/x.conf"), "new\n", "nothing reverts without the watcher");
    let refused = host.run("apply", &[]);
    assert_eq!(
        stderr(&refused),
        format!(
            "error: run {run} waits for `hostnet confirm`\n\n\
             hint: its deadline passed and it was not reverted (its watcher did not run: a reboot?): \
             `hostnet rollback {run} --root root` reverts it, `hostnet confirm --root root --late` keeps it\n\n\
             nothing was changed: every path is checked before the first change\n"
        )
    );
    let confirm = |args: &[&str]| {
        hostnet()
            .current_dir(host.dir.path())
            .args(["confirm", "--root", "root"])
            .args(args)
            .output()
            .unwrap()
    };
    let late = confirm(&[]);
    assert_eq!(late.status.code(), Some(1));
    assert_eq!(
        stderr(&late),
        format!(
            "error: too late: run {run} passed its deadline\n\n\
             hint: its watcher reverts it (apply the playbook again if the change was right); if the watcher \
             did not run (a reboot?), `hostnet confirm --root root --late` keeps it and `hostnet rollback {run} --root root` reverts it\n"
        )
    );
    let kept = confirm(&["--late"]);
    assert!(kept.status.success(), "{}", stderr(&kept));
    assert_eq!(stdout(&kept), format!("confirmed run {run}: its changes stay\n"));
    assert_eq!(host.text("etc/x.conf"), "new\n");
    assert!(host.ok("apply", &[]).contains("nothing to do"));
}

/// Refuse to run anything unless `/etc` and `/var` are this sandbox's overlays.
const GUARD: &str = "awk '$2 == \"/etc\" && $3 == \"overlay\" { e = 1 } $2 == \"/var\" && $3 == \"overlay\" { v = 1 } END { exit !(e && v) }' /proc/mounts || { echo 'not in the sandbox' >&2; exit 99; }\n";

const CONFIRM_LIVE: &str = "- hosts: localhost
  vars: { isolate: false }
  tasks:
    - name: The peer may talk to the host
      firewall: { allow_input: h0 }
      when: not (isolate | bool)
    - name: Nothing from the peer reaches the host
      firewall: { isolate_host: h0 }
      when: isolate | bool
";

/// Confirm-or-revert on a live root, in a sandbox: an apply that cuts the
/// peer off is reverted at its deadline (the file restored, its reload run
/// again), and the peer reaches the host again.
#[test]
fn confirm_or_revert_restores_the_previous_reachability_on_a_live_root() {
    if !can_run(&["nft", "ping", "awk"]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    write(work.path(), "playbook.yml", CONFIRM_LIVE);
    write(
        work.path(),
        "facts.yml",
        "distro: debian\ninit: systemd\ntools: [nft]\n",
    );
    let stage = tempfile::tempdir().unwrap();
    // The init's part: nftables is enabled already, so `systemctl enable` is not due.
    let wants = stage.path().join("etc/systemd/system/sysinit.target.wants");
    fs_err::create_dir_all(&wants).unwrap();
    symlink("/lib/systemd/system/nftables.service", wants.join("nftables.service")).unwrap();
    let host = Netns::new();
    let peer = Netns::new();
    host.veth("h0", &peer, "p0");
    host.ip_ok(&["addr", "add", "192.0.2.1/24", "dev", "h0"]);
    host.ip_ok(&["link", "set", "h0", "up"]);
    peer.ip_ok(&["addr", "add", "192.0.2.2/24", "dev", "p0"]);
    peer.ip_ok(&["link", "set", "p0", "up"]);
    let sandbox = sandbox::Sandbox::new(&host, stage.path(), sandbox::Features::default());
    let binary = env!("CARGO_BIN_EXE_hostnet");
    let hostnet = |args: &str| {
        let script = format!(
            "{GUARD}cd {} && NO_COLOR=1 {binary} apply playbook.yml --root / --facts facts.yml --firewall nftables {args} 2>&1; echo \"exit=$?\"",
            work.path().display()
        );
        stdout(&sandbox.run(&script))
    };
    let text = hostnet("");
    assert!(text.ends_with("exit=0\n"), "{text}");
    assert!(text.contains("run: nft -f /etc/nftables.d/hostnet.nft\n"), "{text}");
    assert!(
        pings(&peer, "192.0.2.1"),
        "the peer does not reach the host to begin with"
    );
    let rules = || fs_err::read_to_string(sandbox.upper("etc").join("nftables.d/hostnet.nft")).unwrap();
    let accepting = rules();

    let text = hostnet("-e isolate=true --confirm-timeout 3");
    assert!(text.ends_with("exit=0\n"), "{text}");
    assert!(text.contains("confirm within 3 s with `hostnet confirm`"), "{text}");
    assert!(
        !pings(&peer, "192.0.2.1"),
        "the isolating apply did not cut the peer off"
    );
    assert_ne!(rules(), accepting);

    let back = sandbox::wait_for(std::time::Duration::from_secs(20), || {
        pings(&peer, "192.0.2.1").then_some(())
    });
    assert!(back.is_some(), "the peer did not get the host back");
    assert_eq!(rules(), accepting, "the rules file was not restored");
}
