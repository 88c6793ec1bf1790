//! A playbook written task by task on a host with ufw enabled (issue 10,
//! item 5), for real: a host-only bridge with dnsmasq and no firewall task.
//! hostnet renders no ufw rule for it, and warns that ufw drops the guests'
//! DHCP, with the task to add. Booted like the host would be (`ufw-init
//! start`, `ifup -a`, dnsmasq) over Debian's stock ufw files, the guest gets
//! no lease — the warning is true; with the task the warning names added,
//! the same boot gives the guest its fixed lease.
//!
//! Skipped (`skipping: …`) when not root or a tool is missing, unless CI.

use std::time::Duration;

use crate::support::lab::dhcp_once;
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Features, Netns, Sandbox};
use crate::support::stock::stock_ufw_files;
use crate::support::{hostnet, stderr, stdout, write};

const UFW_INIT: &str = "/lib/ufw/ufw-init";
const GUEST_MAC: &str = "52:54:00:00:03:02";
const FACTS: &str = "distro: debian\ninit: systemd\ntools: [ufw]\nufw_enabled: true\n";

fn playbook(firewall: bool) -> String {
    let rule = if firewall {
        "    - firewall: { dhcp: br1 }\n"
    } else {
        ""
    };
    format!(
        "\
- name: A host-only bridge, task by task
  hosts: localhost
  tasks:
    - tap: {{ name: tap1 }}
    - bridge: {{ name: br1, ports: [tap1], address: [172.16.3.1/24] }}
    - dhcp_server: {{ interface: br1, router: none, dns: none, hosts: [{{ mac: \"{GUEST_MAC}\", ip: 172.16.3.2 }}] }}
{rule}"
    )
}

const UDHCPC_SCRIPT: &str = "#!/bin/sh\ncase \"$1\" in bound|renew) echo \"lease: ip=$ip\" ;; esac\nexit 0\n";

/// Boot the rendered host and ask for a lease from a guest on br1.
fn lease(rendered: &Rendered) -> Option<String> {
    let host = Netns::new();
    let guest = Netns::new();
    let sandbox = Sandbox::new(&host, rendered.stage.path(), Features::UFW);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    sandbox.run_ok("mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network");
    let dnsmasq = sandbox.spawn(
        ": > /run/resolv.conf
exec dnsmasq --keep-in-foreground --log-facility=- --conf-file=/etc/dnsmasq.d/hostnet-br1.conf \
--resolv-file=/run/resolv.conf --dhcp-leasefile=/run/dnsmasq.leases --pid-file=/run/dnsmasq.pid",
    );
    // Fixed leases only: dnsmasq says "DHCP, static leases only on …".
    let serving = sandbox::wait_for(Duration::from_secs(10), || {
        dnsmasq.output().contains("DHCP, static leases").then_some(())
    });
    assert!(serving.is_some(), "dnsmasq did not serve:\n{}", dnsmasq.output());
    host.veth("vnet0", &guest, "eth0");
    host.ip_ok(&["link", "set", "vnet0", "master", "br1", "up"]);
    guest.ip_ok(&["link", "set", "eth0", "address", GUEST_MAC]);
    guest.ip_ok(&["link", "set", "eth0", "up"]);
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "udhcpc.script", UDHCPC_SCRIPT);
    let chmod = std::process::Command::new("chmod")
        .arg("0755")
        .arg(&script)
        .status()
        .unwrap();
    assert!(chmod.success());
    std::thread::sleep(Duration::from_millis(200));
    dhcp_once(&guest, &script).and_then(|words| words.get("ip").cloned())
}

#[test]
fn ufw_drops_a_low_level_playbooks_dhcp_until_the_task_the_warning_names() {
    if !sandbox::require(&[UFW_INIT, "ifup", "brctl", "dnsmasq", "busybox", "iptables-restore"]) {
        return;
    }
    let stock = stock_ufw_files();
    let interfaces = "source /etc/network/interfaces.d/*\n".to_owned();
    let mut before: Vec<(&str, &str)> = stock.iter().map(|(path, text)| (*path, text.as_str())).collect();
    before.push(("etc/network/interfaces", &interfaces));

    // The plan warns, with the task.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", &playbook(false));
    write(dir.path(), "facts.yml", FACTS);
    let plan = hostnet()
        .current_dir(dir.path())
        .args(["plan", "playbook.yml", "--facts", "facts.yml", "--distro", "debian"])
        .output()
        .unwrap();
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(
        stdout(&plan).contains(
            "[WARNING]: ufw is enabled here, and its INPUT policy drops the guests' DHCP requests on `br1`: \
             they get no lease from dnsmasq; add the task `- firewall: { dhcp: br1 }`\n"
        ),
        "{}",
        stdout(&plan)
    );

    let args = ["--network-backend", "debian-ifupdown", "--firewall", "ufw"];
    let without = Rendered::new(&playbook(false), FACTS, &args, &before);
    assert_eq!(lease(&without), None, "the warning is true: ufw drops the guest's DHCP");
    let with = Rendered::new(&playbook(true), FACTS, &args, &before);
    assert_eq!(
        lease(&with).as_deref(),
        Some("172.16.3.2"),
        "with the task the warning names, the guest gets its lease"
    );
}
