//! dnsmasq and sysctl for real: render with `hostnet render`, run the real
//! tools on the rendered files inside network namespaces, and read back what
//! a guest's DHCP client got and what the kernel holds.
//!
//! - dnsmasq serves guests in their own namespaces, each a veth whose host
//!   end is a port of a bridge the test makes in the host namespace (with
//!   `ip -n`); busybox `udhcpc` prints the address, router, DNS server,
//!   domain and lease time it was given. Scenario 2 runs from the rendered
//!   drop-in alone (Debian); two networks served by one dnsmasq run the
//!   Gentoo way, `/etc/dnsmasq.conf` with hostnet's `conf-dir` block, in a
//!   sandbox whose `/etc` shows the staged files. A negative control strips
//!   the interface tags and shows why they are there.
//! - `dnsmasq --test` accepts every rendered file, alone and together, also
//!   next to a host's own `dnsmasq.conf` that sets `port=` (hostnet writes
//!   no global option), and fails a hand-broken one and a doubled `port=`.
//! - `systemd-sysctl FILE` and `sysctl -p FILE` set `net.ipv4.ip_forward`
//!   in a fresh namespace; a misspelt key changes nothing although both exit
//!   0, which is why `hostnet check` refuses it.
//!
//! Skipped (`skipping: …`) when not root or a tool is missing, unless `CI`
//! (or `HOSTNET_SANDBOX_REQUIRED`) is set: then that is a failure.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tempfile::TempDir;

use crate::support::sandbox::{self, Features, Netns, Sandbox, text, wait_for};
use crate::support::{self, stderr};

/// [`sandbox::require`], and under `CI` a missing tool fails the test.
fn require(tools: &[&str]) -> bool {
    let ready = sandbox::require(tools);
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "false" && value != "0");
    assert!(
        ready || !ci,
        "CI is set, but the real-tool tests cannot run (see `skipping: …` above)"
    );
    ready
}

/// Render `playbook` for `distro` into a fresh staging root.
fn render(playbook: &str, distro: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let playbook_path = support::write(dir.path(), "site.yml", playbook);
    let init = if distro == "gentoo" { "openrc" } else { "systemd" };
    let facts = support::write(dir.path(), "facts.yml", &format!("distro: {distro}\ninit: {init}\n"));
    let stage = dir.path().join("stage");
    let output = support::run(&[
        "render",
        &playbook_path.to_string_lossy(),
        "--out",
        &stage.to_string_lossy(),
        "--root",
        &stage.to_string_lossy(),
        "--distro",
        distro,
        "--facts",
        &facts.to_string_lossy(),
    ]);
    assert!(output.status.success(), "hostnet render failed:\n{}", text(&output));
    dir
}

fn read(path: &Path) -> String {
    fs_err::read_to_string(path).unwrap()
}

/// Scenario 2: two guests' TAPs on br0 (172.16.1.1/24), dnsmasq with a range,
/// 12h leases, the default router and DNS, one fixed lease per guest MAC,
/// and forwarding.
const SCENARIO_2: &str = r#"
- name: Private network with NAT for my VMs
  hosts: localhost
  vars:
    vms:
      - { name: win7, tap: tap0, mac: "00:26:c6:21:cf:02", ip: 172.16.1.2 }
      - { tap: tap1, mac: "00:26:c6:21:cf:03", ip: 172.16.1.3 }
  tasks:
    - name: One TAP per guest
      tap: { name: "{{ item.tap }}" }
      loop: "{{ vms }}"
    - name: Private bridge
      bridge: { name: br0, ports: [tap0, tap1], address: 172.16.1.1/24, stp: false, forward_delay: 0 }
    - name: DHCP with fixed leases
      dhcp_server:
        interface: br0
        range: [172.16.1.2, 172.16.1.100]
        lease: 12h
        hosts: "{{ vms }}"
    - name: Forwarding
      sysctl: { name: net.ipv4.ip_forward, value: 1 }
"#;

/// Two networks, one dnsmasq: br0 as in scenario 2 (router and DNS by
/// default), br1 host-only (no router, no DNS) with a domain.
const TWO_NETWORKS: &str = r#"
- name: A NAT network and a host-only network
  hosts: localhost
  tasks:
    - name: NAT bridge
      bridge: { name: br0, ports: [], address: 172.16.1.1/24 }
    - name: Host-only bridge
      bridge: { name: br1, ports: [], address: 172.16.2.1/24 }
    - name: DHCP on br0
      dhcp_server:
        interface: br0
        range: [172.16.1.2, 172.16.1.100]
        hosts: [{ mac: "00:26:c6:21:cf:02", ip: 172.16.1.2 }]
    - name: DHCP on br1, nothing but addresses
      dhcp_server:
        interface: br1
        range: [172.16.2.2, 172.16.2.100]
        lease: 1h
        router: none
        dns: none
        domain: guests.example
        hosts: [{ mac: "00:26:c6:21:cf:12", ip: 172.16.2.12 }]
"#;

/// What udhcpc's script prints on `bound`: `key=value` words.
const UDHCPC_SCRIPT: &str = r#"#!/bin/sh
case "$1" in
  bound|renew) echo "lease: ip=$ip router=$router dns=$dns domain=$domain lease=$lease" ;;
esac
exit 0
"#;

/// A scratch directory with the udhcpc script and an empty resolv file.
struct Scratch {
    dir: TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = support::write(dir.path(), "udhcpc.script", UDHCPC_SCRIPT);
        let status = std::process::Command::new("chmod")
            .arg("0755")
            .arg(&script)
            .status()
            .unwrap();
        assert!(status.success());
        support::write(dir.path(), "resolv.conf", "");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A host namespace with bridges the test makes itself (`ip -n`).
fn host_with_bridges(bridges: &[(&str, &str)]) -> Netns {
    let host = Netns::new();
    for (bridge, address) in bridges {
        host.ip_ok(&[
            "link",
            "add",
            bridge,
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ]);
        host.ip_ok(&["address", "add", address, "dev", bridge]);
        host.ip_ok(&["link", "set", bridge, "up"]);
    }
    host
}

/// A guest namespace whose `eth0` has `mac` and whose peer `port` is a port
/// of `bridge` in `host`.
fn guest(host: &Netns, bridge: &str, port: &str, mac: &str) -> Netns {
    let guest = Netns::new();
    host.veth(port, &guest, "eth0");
    host.ip_ok(&["link", "set", port, "master", bridge]);
    host.ip_ok(&["link", "set", port, "up"]);
    guest.ip_ok(&["link", "set", "eth0", "address", mac]);
    guest.ip_ok(&["link", "set", "eth0", "up"]);
    guest
}

/// Run udhcpc in `guest` once; the words its script printed.
fn dhcp(guest: &Netns, scratch: &Scratch) -> BTreeMap<String, String> {
    let script = scratch.path("udhcpc.script");
    crate::support::lab::dhcp_once(guest, &script).unwrap_or_else(|| {
        panic!(
            "udhcpc got no lease in {}:\n{}",
            guest.name(),
            text(&guest.exec(&["ip", "addr"]))
        )
    })
}

fn lease_of(words: &BTreeMap<String, String>) -> [&str; 5] {
    ["ip", "router", "dns", "domain", "lease"].map(|key| words.get(key).map_or("?", String::as_str))
}

/// Wait until dnsmasq's log shows its DHCP ranges (it then listens); panic
/// with the log if it exits or never gets there.
fn wait_for_dnsmasq(log: impl Fn() -> String, ranges: usize) {
    let ready = wait_for(Duration::from_secs(10), || {
        let log = log();
        assert!(!log.contains("FAILED to start up"), "dnsmasq failed to start:\n{log}");
        (log.matches("DHCP, IP range").count() >= ranges).then_some(())
    });
    assert!(ready.is_some(), "dnsmasq did not start in 10 s:\n{}", log());
}

fn dnsmasq_test(args: &[&str]) -> Output {
    std::process::Command::new("dnsmasq")
        .arg("--test")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn dnsmasq_serves_scenario_2_fixed_leases_and_the_range() {
    if !require(&["dnsmasq", "busybox"]) {
        return;
    }
    let stage = render(SCENARIO_2, "debian");
    let etc = stage.path().join("stage/etc");
    assert_eq!(
        read(&etc.join("dnsmasq.d/hostnet-br0.conf")),
        "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on br0.
interface=br0
bind-dynamic
dhcp-range=172.16.1.2,172.16.1.100,12h
dhcp-hostsdir=/etc/hostnet/dnsmasq/br0.hosts
dhcp-option=tag:br0,option:router,172.16.1.1
"
    );
    // One file per fixed lease, world-readable: dnsmasq reads them after
    // dropping its privileges.
    let hosts = etc.join("hostnet/dnsmasq/br0.hosts");
    assert_eq!(
        read(&hosts.join("00-26-c6-21-cf-02")),
        "00:26:c6:21:cf:02,172.16.1.2,win7\n"
    );
    assert_eq!(read(&hosts.join("00-26-c6-21-cf-03")), "00:26:c6:21:cf:03,172.16.1.3\n");

    let scratch = Scratch::new();
    let host = host_with_bridges(&[("br0", "172.16.1.1/24")]);
    let guests = [
        guest(&host, "br0", "vg0", "00:26:c6:21:cf:02"),
        guest(&host, "br0", "vg1", "00:26:c6:21:cf:03"),
        guest(&host, "br0", "vg2", "02:00:00:00:00:99"),
        guest(&host, "br0", "vg3", "02:00:00:00:00:42"),
    ];
    // As at boot: the rendered /etc is the host's, so the drop-in finds its
    // hosts directory. DNS stays on as rendered; no upstream servers.
    let sandbox = Sandbox::new(&host, &stage.path().join("stage"), Features::default());
    sandbox.run_ok("dnsmasq --test --conf-file=/etc/dnsmasq.d/hostnet-br0.conf");
    let server = sandbox.spawn(
        "exec dnsmasq --keep-in-foreground --log-facility=- --log-dhcp --conf-file=/etc/dnsmasq.d/hostnet-br0.conf \
         --pid-file=/run/dnsmasq.pid --dhcp-leasefile=/run/dnsmasq.leases --resolv-file=/dev/null",
    );
    wait_for_dnsmasq(|| server.output(), 1);

    let first = dhcp(&guests[0], &scratch);
    assert_eq!(
        lease_of(&first),
        ["172.16.1.2", "172.16.1.1", "172.16.1.1", "", "43200"]
    );
    let second = dhcp(&guests[1], &scratch);
    assert_eq!(
        lease_of(&second),
        ["172.16.1.3", "172.16.1.1", "172.16.1.1", "", "43200"]
    );
    let unknown = dhcp(&guests[2], &scratch);
    let ip: Ipv4Addr = unknown["ip"].parse().unwrap();
    assert!(
        (Ipv4Addr::new(172, 16, 1, 4)..=Ipv4Addr::new(172, 16, 1, 100)).contains(&ip),
        "the unknown MAC got {ip}, outside the range or a reserved address"
    );
    assert_eq!(lease_of(&unknown)[1..], ["172.16.1.1", "172.16.1.1", "", "43200"]);
    let leases = read(&sandbox.run_dir().join("dnsmasq.leases"));
    assert!(leases.contains("00:26:c6:21:cf:02 172.16.1.2 win7"), "{leases}");

    // A lease file added while dnsmasq runs is read at once (inotify): no
    // restart, no signal, and the daemon is the same process.
    let pid = read(&sandbox.run_dir().join("dnsmasq.pid"));
    sandbox.run_ok(
        "umask 022; printf '02:00:00:00:00:42,172.16.1.42,added\\n' > /tmp/hostnet-lease && \
         mv /tmp/hostnet-lease /etc/hostnet/dnsmasq/br0.hosts/02-00-00-00-00-42",
    );
    let added = wait_for(Duration::from_secs(10), || {
        server
            .output()
            .contains("read /etc/hostnet/dnsmasq/br0.hosts/02-00-00-00-00-42")
            .then_some(())
    });
    assert!(
        added.is_some(),
        "dnsmasq did not read the new lease file:\n{}",
        server.output()
    );
    let late = dhcp(&guests[3], &scratch);
    assert_eq!(lease_of(&late)[0], "172.16.1.42", "{}", server.output());
    assert_eq!(read(&sandbox.run_dir().join("dnsmasq.pid")), pid);
}

#[test]
fn one_dnsmasq_serves_two_networks_the_gentoo_way() {
    if !require(&["dnsmasq", "busybox"]) {
        return;
    }
    let stage = render(TWO_NETWORKS, "gentoo");
    let etc = stage.path().join("stage/etc");
    assert_eq!(
        read(&etc.join("dnsmasq.conf")),
        "# BEGIN hostnet conf-dir\nconf-dir=/etc/dnsmasq.d/,*.conf\n# END hostnet conf-dir\n"
    );
    assert_eq!(
        read(&etc.join("conf.d/dnsmasq")),
        "# BEGIN hostnet dnsmasq\nrc_need=\"net.br0 net.br1\"\n# END hostnet dnsmasq\n"
    );
    assert_eq!(
        read(&etc.join("dnsmasq.d/hostnet-br1.conf")),
        "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on br1.
interface=br1
bind-dynamic
dhcp-range=172.16.2.2,172.16.2.100,1h
dhcp-hostsdir=/etc/hostnet/dnsmasq/br1.hosts
dhcp-option=tag:br1,option:router
dhcp-option=tag:br1,option:dns-server
domain=guests.example,172.16.2.0/24
"
    );

    let scratch = Scratch::new();
    let host = host_with_bridges(&[("br0", "172.16.1.1/24"), ("br1", "172.16.2.1/24")]);
    let nat_guest = guest(&host, "br0", "vg0", "00:26:c6:21:cf:02");
    let host_only_guest = guest(&host, "br1", "vg1", "00:26:c6:21:cf:12");
    let sandbox = Sandbox::new(&host, &stage.path().join("stage"), Features::default());
    // What the OpenRC service runs, minus the daemon mode: the main file,
    // which includes the drop-ins only through hostnet's block.
    let daemon = "exec dnsmasq --keep-in-foreground --log-facility=- --log-dhcp --conf-file=/etc/dnsmasq.conf \
                  --pid-file=/run/dnsmasq.pid --resolv-file=/dev/null";
    sandbox.run_ok("dnsmasq --test --conf-file=/etc/dnsmasq.conf");
    let server = sandbox.spawn(daemon);
    wait_for_dnsmasq(|| server.output(), 2);

    let nat = dhcp(&nat_guest, &scratch);
    assert_eq!(lease_of(&nat), ["172.16.1.2", "172.16.1.1", "172.16.1.1", "", "43200"]);
    let host_only = dhcp(&host_only_guest, &scratch);
    assert_eq!(lease_of(&host_only), ["172.16.2.12", "", "", "guests.example", "3600"]);
    // The leases went where the distro keeps them, inside the sandbox.
    let leases = read(&sandbox.upper("var").join("lib/misc/dnsmasq.leases"));
    assert!(leases.contains("00:26:c6:21:cf:12 172.16.2.12"), "{leases}");

    // Negative control: without the tags, the options of one file apply to
    // the other network's guests too.
    let status = std::process::Command::new("kill")
        .arg(server.pid.to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let gone = wait_for(Duration::from_secs(5), || {
        // Gone, or a zombie (its `Child` is reaped when the namespace goes).
        let stat = fs_err::read_to_string(format!("/proc/{}/stat", server.pid)).unwrap_or_default();
        stat.rsplit_once(") ")
            .is_none_or(|(_, rest)| rest.starts_with('Z'))
            .then_some(())
    });
    assert!(gone.is_some(), "dnsmasq {} did not stop", server.pid);
    sandbox.run_ok("sed -i 's/^dhcp-option=tag:br[01],/dhcp-option=/' /etc/dnsmasq.d/hostnet-br[01].conf");
    let untagged = sandbox.spawn(daemon);
    wait_for_dnsmasq(|| untagged.output(), 2);
    let host_only = dhcp(&host_only_guest, &scratch);
    let nat = dhcp(&nat_guest, &scratch);
    // dnsmasq keeps one untagged option per number for everybody: here
    // br1's empty router and DNS options reach br0's guests.
    assert!(
        lease_of(&nat)[1..3] != ["172.16.1.1", "172.16.1.1"] || lease_of(&host_only)[1..3] != ["", ""],
        "without tags both networks still got their own options, so the control proves nothing: \
         br0 {nat:?}, br1 {host_only:?}"
    );
}

#[test]
fn dnsmasq_test_accepts_rendered_files_and_rejects_broken_ones() {
    if !require(&["dnsmasq"]) {
        return;
    }
    let conf_dir = |stage: &TempDir| {
        format!(
            "--conf-dir={},*.conf",
            stage.path().join("stage/etc/dnsmasq.d").display()
        )
    };
    let ok = |args: &[&str]| {
        let output = dnsmasq_test(args);
        assert!(output.status.success(), "dnsmasq --test {args:?}: {}", text(&output));
        assert!(text(&output).contains("syntax check OK"), "{}", text(&output));
    };
    let scenario = render(SCENARIO_2, "debian");
    ok(&[&format!(
        "--conf-file={}",
        scenario.path().join("stage/etc/dnsmasq.d/hostnet-br0.conf").display()
    )]);
    let two = render(TWO_NETWORKS, "debian");
    for file in ["hostnet-br0.conf", "hostnet-br1.conf"] {
        ok(&[&format!(
            "--conf-file={}",
            two.path().join("stage/etc/dnsmasq.d").join(file).display()
        )]);
    }
    ok(&["--conf-file=/dev/null", &conf_dir(&two)]);

    // No server wants DNS: still no global option in any file (issue #17:
    // `port=0` turned off the host's own DNS cache), and the files load
    // together, also with a host's dnsmasq.conf that runs DNS on its own port.
    let dns_off = render(
        &TWO_NETWORKS.replace(
            "        hosts: [{ mac: \"00:26:c6:21:cf:02\"",
            "        dns: none\n        hosts: [{ mac: \"00:26:c6:21:cf:02\"",
        ),
        "debian",
    );
    let dir = dns_off.path().join("stage/etc/dnsmasq.d");
    let ports: Vec<usize> = ["hostnet-br0.conf", "hostnet-br1.conf"]
        .iter()
        .map(|file| read(&dir.join(file)).lines().filter(|line| *line == "port=0").count())
        .collect();
    assert_eq!(ports, [0, 0]);
    ok(&["--conf-file=/dev/null", &conf_dir(&dns_off)]);
    let broken = tempfile::tempdir().unwrap();
    let host_conf = support::write(
        broken.path(),
        "dnsmasq.conf",
        "# the host's DNS cache\nport=5353\ncache-size=1000\n",
    );
    ok(&[&format!("--conf-file={}", host_conf.display()), &conf_dir(&dns_off)]);

    // Negative controls: a second `port=` (what hostnet's `port=0` did next to
    // the host's), and a typo.
    let first = read(&dir.join("hostnet-br0.conf"));
    support::write(
        broken.path(),
        "d/hostnet-br0.conf",
        &first.replace("bind-dynamic\n", "bind-dynamic\nport=0\n"),
    );
    let output = dnsmasq_test(&[
        &format!("--conf-file={}", host_conf.display()),
        &format!("--conf-dir={},*.conf", broken.path().join("d").display()),
    ]);
    assert!(!output.status.success(), "a doubled `port=` passed: {}", text(&output));
    assert!(text(&output).contains("illegal repeated keyword"), "{}", text(&output));

    let typo = support::write(broken.path(), "typo.conf", &first.replace("dhcp-range=", "dhcp-rang="));
    let output = dnsmasq_test(&[&format!("--conf-file={}", typo.display())]);
    assert!(!output.status.success(), "a typo passed: {}", text(&output));
    assert!(text(&output).contains("bad option"), "{}", text(&output));
}

/// A sysctl tool run inside a fresh namespace on `file`: exit status, output
/// and `net.ipv4.ip_forward` before and after.
fn apply_in_fresh_namespace(tool: &[&str], file: &Path) -> (Output, String, String) {
    let netns = Netns::new();
    let before = netns.read("/proc/sys/net/ipv4/ip_forward").unwrap();
    let file = file.to_string_lossy();
    let mut argv = tool.to_vec();
    argv.push(&file);
    let output = netns.exec(&argv);
    let after = netns.read("/proc/sys/net/ipv4/ip_forward").unwrap();
    (output, before, after)
}

fn systemd_sysctl() -> &'static str {
    ["/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("/lib/systemd/systemd-sysctl")
}

#[test]
fn sysctl_file_sets_ip_forward_at_boot_and_now() {
    let systemd_sysctl = systemd_sysctl();
    if !require(&["sysctl", systemd_sysctl]) {
        return;
    }
    let stage = render(SCENARIO_2, "debian");
    let file = stage.path().join("stage/etc/sysctl.d/30-hostnet.conf");
    assert_eq!(
        read(&file),
        "# Managed by hostnet: edit the playbook, not this file.
# Kernel parameters for the guests' networking.
net.ipv4.ip_forward = 1
"
    );
    // Always with the file: bare, systemd-sysctl applies every host file.
    for tool in [&[systemd_sysctl][..], &["sysctl", "-p"]] {
        let (output, before, after) = apply_in_fresh_namespace(tool, &file);
        assert!(output.status.success(), "{tool:?}: {}", text(&output));
        assert_eq!(
            (before.as_str(), after.as_str()),
            ("0", "1"),
            "{tool:?}: {}",
            text(&output)
        );
    }

    // Negative control: a misspelt key changes nothing, and both tools say
    // success.
    let broken = tempfile::tempdir().unwrap();
    let typo = support::write(broken.path(), "30-typo.conf", "net.ipv4.ip_forwarding = 1\n");
    let (output, _, after) = apply_in_fresh_namespace(&[systemd_sysctl], &typo);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(after, "0");
    let (output, _, after) = apply_in_fresh_namespace(&["sysctl", "-p"], &typo);
    assert_eq!(after, "0", "{}", text(&output));
    assert!(text(&output).contains("ip_forwarding"), "{}", text(&output));

    // Which is why hostnet refuses it.
    let playbook = support::write(
        broken.path(),
        "typo.yml",
        "- name: Forwarding\n  hosts: localhost\n  tasks:\n    - name: Forwarding, misspelt\n      sysctl: { name: net.ipv4.ip_forwarding, value: 1 }\n",
    );
    let facts = support::write(broken.path(), "facts.yml", "distro: debian\ninit: systemd\n");
    let output = support::run(&[
        "check",
        &playbook.to_string_lossy(),
        "--facts",
        &facts.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert_eq!(
        stderr(&output).replace(&broken.path().display().to_string(), "TMP"),
        "error: unknown kernel parameter `net.ipv4.ip_forwarding` (in task `Forwarding, misspelt`)
 --> TMP/typo.yml:5:23
  |
5 |       sysctl: { name: net.ipv4.ip_forwarding, value: 1 }
  |                       ^^^^^^^^^^^^^^^^^^^^^^
  |
hint: did you mean `net.ipv4.ip_forward`?
"
    );
}
