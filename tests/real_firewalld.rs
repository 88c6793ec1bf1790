//! firewalld for real, on the zones and policies hostnet renders:
//! `firewall-offline-cmd --check-config` accepts them (and catches a broken
//! one), and the daemon itself — started in a namespace sandbox on a private
//! system D-Bus, with its nftables backend — loads them: the guests
//! masquerade to the internet stand-in (203.0.113.0/24) while the
//! "internet" cannot reach them even with a route, and an internal network
//! hides the host from its guests, which still reach each other.
//!
//! The test plays the init's part: it starts the bus and firewalld, then runs
//! the plan's own `firewall-cmd --reload`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::lab::NatTriangle;
use crate::support::lab::probe::ping;
use crate::support::sandbox::{self, Background, Features, Netns, Sandbox};
use crate::support::{self, repo, stderr, stdout};

const FACTS: &str = "distro: systemd\ninit: systemd\ntools: [firewalld, firewall-cmd, nft]\nservices: [firewalld]\n\
                     interfaces: [{ name: eth0 }, { name: wlan0, wireless: true }]\n";

/// `hostnet apply` of `playbook` into a fresh stage; the stage and the
/// commands apply would run.
fn apply(playbook: &str) -> (tempfile::TempDir, Vec<String>) {
    let work = tempfile::tempdir().unwrap();
    let path = support::write(work.path(), "site.yml", playbook);
    let facts = support::write(work.path(), "facts.yml", FACTS);
    let stage = tempfile::tempdir().unwrap();
    let output = support::run(&[
        "apply",
        path.to_str().unwrap(),
        "--root",
        stage.path().to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--firewall",
        "firewalld",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "hostnet apply failed:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let commands = report["apply"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|command| {
            let words: Vec<&str> = command["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|word| word.as_str().unwrap())
                .collect();
            words.join(" ")
        })
        .filter(|command| command.starts_with("firewall-cmd"))
        .collect();
    (stage, commands)
}

/// Start the private bus and firewalld; wait until it runs.
fn start(sandbox: &Sandbox<'_>) -> (Background, Background) {
    let bus = sandbox.spawn("mkdir -p /run/dbus && exec dbus-daemon --system --nofork --nopidfile");
    let socket = sandbox.run_dir().join("dbus/system_bus_socket");
    sandbox::wait_for(Duration::from_secs(10), || socket.exists().then_some(()))
        .unwrap_or_else(|| panic!("the private D-Bus did not start:\n{}", bus.output()));
    let daemon = sandbox.spawn("exec firewalld --nofork --nopid");
    sandbox::wait_for(Duration::from_secs(60), || {
        stdout(&sandbox.on_bus("firewall-cmd --state 2>/dev/null"))
            .starts_with("running")
            .then_some(())
    })
    .unwrap_or_else(|| panic!("firewalld did not start:\n{}", daemon.output()));
    // Its nftables backend, not iptables: the table is firewalld's own.
    let tables = sandbox.on_bus_ok("nft list tables");
    assert!(tables.contains("table inet firewalld"), "{tables}");
    (bus, daemon)
}

/// Run the plan's commands in the sandbox.
fn run_plan(sandbox: &Sandbox<'_>, commands: &[String], daemon: &Background) {
    assert_eq!(commands, ["firewall-cmd --reload"]);
    for command in commands {
        let output = sandbox.on_bus(command);
        assert!(
            output.status.success(),
            "`{command}` failed:\n{}\n--- firewalld:\n{}",
            sandbox::text(&output),
            daemon.output()
        );
    }
}

fn playbook(name: &str) -> String {
    fs_err::read_to_string(repo().join(format!("playbooks/{name}.yml"))).unwrap()
}

fn firewalld_files(stage: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for directory in ["zones", "policies"] {
        let dir = stage.join("etc/firewalld").join(directory);
        if let Ok(entries) = fs_err::read_dir(&dir) {
            files.extend(entries.map(|entry| entry.unwrap().path()));
        }
    }
    files.sort();
    files
}

#[test]
fn firewall_offline_cmd_accepts_every_mode_and_catches_a_broken_file() {
    if !sandbox::require(&["firewall-offline-cmd"]) {
        return;
    }
    let netns = Netns::new();
    for name in ["nat", "vm-host-only", "internal", "routed", "laptop", "vm-dual-stack"] {
        let (stage, _) = apply(&playbook(name));
        assert!(
            !firewalld_files(stage.path()).is_empty(),
            "{name} renders no firewalld file"
        );
        let sandbox = Sandbox::new(&netns, stage.path(), Features::default());
        let output = sandbox.run("firewall-offline-cmd --check-config");
        assert!(
            output.status.success(),
            "{name}: firewalld refuses the rendered files:\n{}",
            sandbox::text(&output)
        );
    }
    // Negative control: a service firewalld does not know.
    let (stage, _) = apply(&playbook("nat"));
    let zone = stage.path().join("etc/firewalld/zones/hostnet-br0.xml");
    let text = fs_err::read_to_string(&zone).unwrap();
    fs_err::write(&zone, text.replace("name=\"dns\"", "name=\"dnss\"")).unwrap();
    let sandbox = Sandbox::new(&netns, stage.path(), Features::default());
    let output = sandbox.run("firewall-offline-cmd --check-config");
    assert!(!output.status.success(), "the check must catch a broken zone");
    assert!(
        sandbox::text(&output).contains("INVALID_SERVICE: Zone 'hostnet-br0': 'dnss' not among existing services"),
        "{}",
        sandbox::text(&output)
    );
}

#[test]
fn firewalld_masquerades_the_guests_and_keeps_the_internet_out() {
    if !sandbox::require(&["firewalld", "firewall-cmd", "dbus-daemon", "nft", "ping"]) {
        return;
    }
    // The nat playbook: br0 172.16.1.1/24, masqueraded out of the uplink.
    let (stage, commands) = apply(&playbook("nat"));
    let NatTriangle { host, guest, internet } = NatTriangle::new();
    internet.ip_ok(&["route", "add", "172.16.1.0/24", "via", "203.0.113.2"]);
    assert!(
        ping(&guest, "172.16.1.1".parse::<IpAddr>().unwrap()),
        "the guest reaches its host"
    );
    assert!(
        ping(&internet, "172.16.1.2".parse::<IpAddr>().unwrap()),
        "control: with a route and no firewall, the internet reaches the guest"
    );
    internet.ip_ok(&["route", "del", "172.16.1.0/24"]);
    assert!(
        !ping(&guest, "203.0.113.1".parse::<IpAddr>().unwrap()),
        "control: without masquerade no reply comes back"
    );

    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, daemon) = start(&sandbox);
    run_plan(&sandbox, &commands, &daemon);
    assert_eq!(
        sandbox.on_bus_ok("firewall-cmd --get-zone-of-interface=br0").trim(),
        "hostnet-br0"
    );
    assert!(
        ping(&guest, "172.16.1.1".parse::<IpAddr>().unwrap()),
        "the guest still reaches its host"
    );
    assert!(
        ping(&guest, "203.0.113.1".parse::<IpAddr>().unwrap()),
        "masqueraded, the guest reaches the internet"
    );
    internet.ip_ok(&["route", "add", "172.16.1.0/24", "via", "203.0.113.2"]);
    assert!(
        !ping(&internet, "172.16.1.2".parse::<IpAddr>().unwrap()),
        "with NAT the internet must not reach the guest, route or not"
    );
}

#[test]
fn firewalld_internal_network_hides_the_host_but_not_the_peers() {
    if !sandbox::require(&["firewalld", "firewall-cmd", "dbus-daemon", "nft", "ping"]) {
        return;
    }
    let (stage, commands) = apply(
        "\
- hosts: localhost
  tasks:
    - vm_network:
        mode: internal
        bridge: br0
        subnet: 198.51.100.0/24
        vms:
          - { name: a, mac: \"52:54:00:00:00:0a\" }
          - { name: b, mac: \"52:54:00:00:00:0b\" }
",
    );
    let host = Netns::new();
    let first = Netns::new();
    let second = Netns::new();
    host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
    // A host address only to prove it is unreachable (internal gives none).
    host.ip_ok(&["addr", "add", "198.51.100.1/24", "dev", "br0"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    for (index, guest) in [&first, &second].into_iter().enumerate() {
        let port = format!("vnet{index}");
        host.veth(&port, guest, "eth0");
        host.ip_ok(&["link", "set", &port, "master", "br0", "up"]);
        guest.ip_ok(&["addr", "add", &format!("198.51.100.{}/24", index + 2), "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
    }
    assert!(
        ping(&first, "198.51.100.1".parse::<IpAddr>().unwrap()),
        "control: without firewalld the host answers"
    );

    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, daemon) = start(&sandbox);
    run_plan(&sandbox, &commands, &daemon);
    assert!(
        !ping(&first, "198.51.100.1".parse::<IpAddr>().unwrap()),
        "the host is hidden"
    );
    assert!(
        !ping(&second, "198.51.100.1".parse::<IpAddr>().unwrap()),
        "the host is hidden"
    );
    assert!(
        ping(&first, "198.51.100.3".parse::<IpAddr>().unwrap()),
        "the guests still reach each other"
    );
}

/// A nat and a host_only network on one host (issue #17, defect 13, with
/// firewalld): the real firewalld loads hostnet's zones and policies, and
/// neither network's guests reach the other's, while the host reaches both.
/// The control first: with forwarding on and no firewall, they do.
#[test]
fn firewalld_keeps_a_host_only_network_apart_from_a_nat_one() {
    if !sandbox::require(&["firewalld", "firewall-cmd", "dbus-daemon", "nft", "ping"]) {
        return;
    }
    let combined = "- hosts: localhost
  tasks:
    - name: NAT network
      vm_network: { mode: nat, bridge: br-nat, subnet: 10.81.0.0/24, uplink: eth0, vms: [{ name: n1, tap: tapn }] }
    - name: Host-only network
      vm_network: { mode: host_only, bridge: br-ho, subnet: 10.82.0.0/24, vms: [{ name: h1, tap: taph }] }
";
    let (stage, commands) = apply(combined);
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
    let (nat_guest, ho_guest): (IpAddr, IpAddr) = ("10.81.0.2".parse().unwrap(), "10.82.0.2".parse().unwrap());
    assert!(
        ping(&nat, ho_guest) && ping(&ho, nat_guest),
        "control: without a firewall the host routes between the networks"
    );

    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, daemon) = start(&sandbox);
    run_plan(&sandbox, &commands, &daemon);
    assert!(!ping(&nat, ho_guest), "the NAT guest reaches the host-only guest");
    assert!(!ping(&ho, nat_guest), "the host-only guest reaches the NAT guest");
    assert!(ping(&host, ho_guest), "the host reaches the host-only guest");
    assert!(ping(&host, nat_guest), "the host reaches the NAT guest");
}
