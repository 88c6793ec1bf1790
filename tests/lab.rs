//! `hostnet lab`, for real: the lab builds its namespaces, applies the
//! playbook with `hostnet apply --root /` inside the host's sandbox, puts a
//! guest behind each TAP and measures the table. playbooks/nat.yml keeps
//! every promise of nat mode (exit 0, the guests' fixed leases); the same
//! playbook without its `nat` task, held to nat's promise, shows the ✗
//! where the guests no longer reach the LAN and the internet (exit 2).
//! Every run leaves no namespace, process or directory behind: after
//! success, after a mismatch, and after SIGTERM in the middle of a run.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::sandbox::{self, wait_for};
use crate::support::{hostnet, repo, stdout};

const TOOLS: [&str; 5] = ["dnsmasq", "busybox", "python3", "ping", "iptables"];

/// The lab's namespaces (`hnlab-PID-…`) of the run with `pid`.
fn namespaces(pid: u32) -> Vec<String> {
    let list = Command::new("ip").args(["netns", "list"]).output().unwrap();
    stdout(&list)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with(&format!("hnlab-{pid}-")))
        .map(str::to_owned)
        .collect()
}

/// The lab's scratch directories now (of the run with `pid`, once known).
fn scratch_dirs(pid: Option<u32>) -> BTreeSet<String> {
    let mark = pid.map_or_else(|| "hostnet-lab-".to_owned(), |pid| format!("hostnet-lab-{pid}-"));
    ["/tmp", "/dev/shm"]
        .iter()
        .filter_map(|dir| fs_err::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().display().to_string())
        .filter(|path| path.contains(&mark))
        .collect()
}

/// Processes whose command line names a lab scratch directory or namespace of `pid`.
fn processes(pid: u32) -> Vec<String> {
    let ps = Command::new("ps").args(["-eo", "pid,args"]).output().unwrap();
    stdout(&ps)
        .lines()
        .filter(|line| line.contains(&format!("hnlab-{pid}-")) || line.contains(&format!("hostnet-lab-{pid}-")))
        .filter(|line| !line.contains(" ps -eo"))
        .map(str::to_owned)
        .collect()
}

pub(crate) fn nothing_left(pid: u32) {
    assert_eq!(namespaces(pid), [] as [String; 0], "namespaces left behind");
    let left: Vec<String> = scratch_dirs(Some(pid)).into_iter().collect();
    assert_eq!(left, [] as [String; 0], "scratch directories left behind");
    assert_eq!(processes(pid), [] as [String; 0], "processes left behind");
}

/// Run `hostnet lab ARGS --json`: exit code, the report, stderr.
pub(crate) fn lab(args: &[&str]) -> (i32, serde_json::Value, String, u32) {
    let child = hostnet()
        .arg("lab")
        .args(args)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (
        output.status.code().unwrap_or(-1),
        report,
        String::from_utf8_lossy(&output.stderr).into_owned(),
        pid,
    )
}

/// `(column, promised, ok)` of every cell.
pub(crate) fn cells(report: &serde_json::Value) -> Vec<(String, String, bool)> {
    report["cells"]
        .as_array()
        .unwrap_or_else(|| panic!("no cells in {report}"))
        .iter()
        .map(|cell| {
            (
                cell["column"].as_str().unwrap().to_owned(),
                cell["promised"].as_str().unwrap().to_owned(),
                cell["ok"].as_bool().unwrap(),
            )
        })
        .collect()
}

pub(crate) fn owned(rows: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
    rows.iter()
        .map(|(column, promised, ok)| ((*column).to_owned(), (*promised).to_owned(), *ok))
        .collect()
}

#[test]
fn nat_keeps_every_promise_and_leaves_nothing() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join("playbooks/nat.yml");
    let (code, report, stderr, pid) = lab(&[&playbook.to_string_lossy()]);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(
        cells(&report),
        owned(&[
            ("g→LAN", "yes as host's uplink", true),
            ("LAN→g", "no", true),
            ("g↔g", "yes", true),
            ("g→inet", "yes as host's uplink", true),
            ("host→g", "yes", true),
            ("g→host DNS", "delivered", true),
            ("g→host other", "yes", true),
        ]),
        "{report:#}"
    );
    let guests: Vec<(&str, &str, &str, &str)> = report["guests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|guest| {
            (
                guest["name"].as_str().unwrap(),
                guest["mac"].as_str().unwrap(),
                guest["lease"].as_str().unwrap_or("none"),
                guest["router"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        guests,
        [
            ("win7", "00:26:c6:21:cf:02", "172.16.1.2", "172.16.1.1"),
            ("deb", "00:26:c6:21:cf:03", "172.16.1.3", "172.16.1.1"),
        ]
    );
    assert_eq!(
        (report["mode"].as_str(), report["ok"].as_bool()),
        (Some("nat"), Some(true))
    );
    nothing_left(pid);
}

#[test]
fn without_the_masquerade_nat_promises_are_crossed_out() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join("tests/lab/nat-without-masquerade.yml");
    let (code, report, stderr, pid) = lab(&[&playbook.to_string_lossy(), "--expect", "nat"]);
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    let crossed: Vec<String> = cells(&report)
        .into_iter()
        .filter(|(_, _, ok)| !ok)
        .map(|(column, _, _)| column)
        .collect();
    // No masquerade: nothing out; no "nothing in from outside" drop either:
    // the LAN admin's machine, which has a route, gets in.
    for column in ["g→LAN", "g→inet", "LAN→g"] {
        assert!(
            crossed.contains(&column.to_owned()),
            "{column} should be ✗:\n{report:#}"
        );
    }
    let wrong: Vec<(&str, &str)> = report["probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|probe| !probe["ok"].as_bool().unwrap() && probe["column"] == "g→inet")
        .map(|probe| (probe["path"].as_str().unwrap(), probe["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        wrong,
        [
            ("win7→203.0.113.1", "no"),
            ("win7→203.0.113.1", "no"),
            ("win7→203.0.113.1", "no"),
            ("deb→203.0.113.1", "no"),
            ("deb→203.0.113.1", "no"),
            ("deb→203.0.113.1", "no"),
        ]
    );
    nothing_left(pid);
}

/// `(column, promised, measured, ok)` of every cell, as the page's rows.
fn html_rows(report: &serde_json::Value) -> Vec<String> {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\'', "&#39;")
    };
    report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| {
            let (class, mark) = if cell["ok"].as_bool().unwrap() {
                ("ok", "✓")
            } else {
                ("bad", "✗")
            };
            format!(
                "<tr class=\"{class}\"><td class=\"mark\">{mark}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(cell["column"].as_str().unwrap()),
                escape(cell["promised"].as_str().unwrap()),
                escape(cell["measured"].as_str().unwrap()),
            )
        })
        .collect()
}

#[test]
fn html_report_is_one_page_with_the_table_and_the_picture() {
    if !sandbox::require(&TOOLS) || !sandbox::require(&["dot"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page_path = dir.path().join("lab.html");
    let playbook = repo().join("tests/lab/nat-without-masquerade.yml");
    let (code, report, stderr, pid) = lab(&[
        &playbook.to_string_lossy(),
        "--expect",
        "nat",
        "--html",
        &page_path.to_string_lossy(),
    ]);
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    let page = fs_err::read_to_string(&page_path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n"), "{page}");
    let failed = report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|cell| cell["ok"] == false)
        .count();
    assert!(
        page.contains(&format!(
            "<p class=\"verdict bad\">✗ {failed} cells differ from the promise of nat mode</p>"
        )),
        "{page}"
    );
    // Every cell of the report is a row, in order, ✓ or ✗ as measured.
    let rows = html_rows(&report);
    let table: Vec<&str> = page
        .lines()
        .filter(|line| line.contains("<td class=\"mark\">"))
        .collect();
    assert_eq!(table, rows.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(rows.iter().any(|row| row.contains("✗</td><td>g→inet</td>")), "{page}");
    assert!(rows.iter().any(|row| row.contains("✓</td><td>g↔g</td>")), "{page}");
    // The guests with their leases, the probes that differ, the picture inline.
    for guest in report["guests"].as_array().unwrap() {
        let row = format!(
            "<td>{}</td><td>{}</td><td><code>{}</code></td>",
            guest["name"].as_str().unwrap(),
            guest["tap"].as_str().unwrap(),
            guest["mac"].as_str().unwrap()
        );
        assert!(page.contains(&row), "{row} not in {page}");
    }
    assert!(
        page.contains("<tr class=\"bad\"><td>g→inet</td><td>ping</td><td>win7→203.0.113.1</td><td>no</td>"),
        "{page}"
    );
    let figure = page
        .split("<figure>\n")
        .nth(1)
        .expect("no figure")
        .split("\n</figure>")
        .next()
        .unwrap();
    assert!(figure.starts_with("<svg "), "{figure}");
    assert!(figure.ends_with("</svg>"), "{figure}");
    for name in ["win7", "deb", "br0"] {
        assert!(figure.contains(name), "{name} not drawn: {figure}");
    }
    // Self-contained: nothing fetched.
    for outside in ["<script", "<link", " src=", "href=\"http", "@import", "url("] {
        assert!(!page.contains(outside), "{outside} in {page}");
    }
    nothing_left(pid);
}

#[test]
fn html_into_a_missing_directory_is_refused_before_the_lab_runs() {
    let playbook = repo().join("playbooks/nat.yml");
    let output = hostnet()
        .args([
            "lab",
            &playbook.to_string_lossy(),
            "--html",
            "/nonexistent-hostnet-dir/lab.html",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: --html /nonexistent-hostnet-dir/lab.html: the directory /nonexistent-hostnet-dir does not exist\n\nhint: create it first, or write the page elsewhere\n"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert!(!std::path::Path::new("/nonexistent-hostnet-dir").exists());
}

#[test]
fn sigterm_mid_run_leaves_nothing() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join("playbooks/nat.yml");
    let mut child = hostnet()
        .args(["lab", &playbook.to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Mid-run: the host's namespace and its guests exist.
    let started = wait_for(Duration::from_secs(30), || {
        namespaces(pid).iter().any(|name| name.ends_with("-g0")).then_some(())
    });
    assert!(started.is_some(), "the lab never built its guests");
    let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15), "exit status after SIGTERM");
    nothing_left(pid);
}

/// `hostnet lab playbooks/NAME.yml`: exit 0, the mode, every cell ✓, and
/// every guest leased its fixed address (where it has one).
fn playbook_keeps_its_promise(name: &str, mode: &str, extra: &[&str]) {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join(format!("playbooks/{name}.yml"));
    let mut args = vec![playbook.to_string_lossy().into_owned()];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, report, stderr, pid) = lab(&args);
    let crossed: Vec<(String, String, bool)> = cells(&report).into_iter().filter(|(_, _, ok)| !ok).collect();
    assert_eq!(
        (code, report["mode"].as_str(), crossed),
        (0, Some(mode), Vec::new()),
        "{name}:\n{report:#}\n{stderr}"
    );
    for guest in report["guests"].as_array().unwrap() {
        // MAC NAT's guests keep their fixed addresses by hand, without DHCP.
        if !guest["fixed"].is_null() && mode != "mac_nat" {
            assert_eq!(guest["lease"], guest["fixed"], "{name}: {guest}");
        }
    }
    assert_eq!(report["notes"], serde_json::json!(notes(name)), "{name}:\n{report:#}");
    nothing_left(pid);
}

/// What the lab says it played or saw besides the table: the uplink's
/// rename at boot (played by the lab, as udev would), and for a wireless
/// uplink that the access point stand-in never saw a guest's own MAC.
fn notes(name: &str) -> Vec<&'static str> {
    if name.contains("renamed-uplink") {
        vec![
            "the uplink's rename at boot (eth0 with MAC 52:54:00:4c:ab:e0 → reth0) was played by the lab, as udev would",
        ]
    } else if name.contains("proxy-arp") || name.contains("mac-nat") || ["nat", "vm-nat", "laptop"].contains(&name) {
        vec!["the access point stand-in dropped 0 frame(s) with a MAC other than the host's"]
    } else {
        Vec::new()
    }
}

/// One test per playbook with a host side: `test => (playbook, mode, extra args)`.
macro_rules! playbooks {
    ($($test:ident => ($name:literal, $mode:literal $(, $extra:literal)*),)*) => {
        $(
            #[test]
            fn $test() {
                playbook_keeps_its_promise($name, $mode, &[$($extra),*]);
            }
        )*
    };
}

playbooks! {
    bridged => ("bridged", "bridged"),
    vm_bridged => ("vm-bridged", "bridged"),
    nat => ("nat", "nat"),
    vm_nat => ("vm-nat", "nat"),
    nat_any_uplink => ("nat-any-uplink", "nat"),
    vm_nat_any_uplink => ("vm-nat-any-uplink", "nat"),
    laptop => ("laptop", "nat"),
    routed => ("routed", "routed"),
    vm_routed => ("vm-routed", "routed"),
    host_only => ("host-only", "host_only"),
    vm_host_only => ("vm-host-only", "host_only"),
    internal => ("internal", "internal"),
    vm_internal => ("vm-internal", "internal"),
    nat_nftables => ("nat", "nat", "--firewall", "nftables"),
    bridged_boot_ifupdown => ("bridged", "bridged", "--boot"),
    vm_bridged_boot_ifupdown => ("vm-bridged", "bridged", "--boot"),
    nat_boot_ifupdown => ("nat", "nat", "--boot"),
    vm_nat_boot_ifupdown => ("vm-nat", "nat", "--boot"),
    nat_any_uplink_boot_ifupdown => ("nat-any-uplink", "nat", "--boot"),
    vm_nat_any_uplink_boot_ifupdown => ("vm-nat-any-uplink", "nat", "--boot"),
    laptop_boot_ifupdown => ("laptop", "nat", "--boot"),
    routed_boot_ifupdown => ("routed", "routed", "--boot"),
    vm_routed_boot_ifupdown => ("vm-routed", "routed", "--boot"),
    host_only_boot_ifupdown => ("host-only", "host_only", "--boot"),
    vm_host_only_boot_ifupdown => ("vm-host-only", "host_only", "--boot"),
    internal_boot_ifupdown => ("internal", "internal", "--boot"),
    vm_internal_boot_ifupdown => ("vm-internal", "internal", "--boot"),
    bridged_boot_networkd => ("bridged", "bridged", "--boot", "--network-backend", "systemd-networkd"),
    vm_bridged_boot_networkd => ("vm-bridged", "bridged", "--boot", "--network-backend", "systemd-networkd"),
    nat_boot_networkd => ("nat", "nat", "--boot", "--network-backend", "systemd-networkd"),
    vm_nat_boot_networkd => ("vm-nat", "nat", "--boot", "--network-backend", "systemd-networkd"),
    nat_any_uplink_boot_networkd => ("nat-any-uplink", "nat", "--boot", "--network-backend", "systemd-networkd"),
    vm_nat_any_uplink_boot_networkd => ("vm-nat-any-uplink", "nat", "--boot", "--network-backend", "systemd-networkd"),
    laptop_boot_networkd => ("laptop", "nat", "--boot", "--network-backend", "systemd-networkd"),
    routed_boot_networkd => ("routed", "routed", "--boot", "--network-backend", "systemd-networkd"),
    vm_routed_boot_networkd => ("vm-routed", "routed", "--boot", "--network-backend", "systemd-networkd"),
    host_only_boot_networkd => ("host-only", "host_only", "--boot", "--network-backend", "systemd-networkd"),
    vm_host_only_boot_networkd => ("vm-host-only", "host_only", "--boot", "--network-backend", "systemd-networkd"),
    internal_boot_networkd => ("internal", "internal", "--boot", "--network-backend", "systemd-networkd"),
    vm_internal_boot_networkd => ("vm-internal", "internal", "--boot", "--network-backend", "systemd-networkd"),
    nat_boot_nftables => ("nat", "nat", "--boot", "--firewall", "nftables"),
    proxy_arp => ("proxy-arp", "proxy_arp"),
    vm_proxy_arp => ("vm-proxy-arp", "proxy_arp"),
    mac_nat => ("mac-nat", "mac_nat"),
    vm_mac_nat => ("vm-mac-nat", "mac_nat"),
    bridged_renamed_uplink => ("bridged-renamed-uplink", "bridged"),
    vm_bridged_renamed_uplink => ("vm-bridged-renamed-uplink", "bridged"),
    proxy_arp_boot_ifupdown => ("proxy-arp", "proxy_arp", "--boot"),
    vm_proxy_arp_boot_ifupdown => ("vm-proxy-arp", "proxy_arp", "--boot"),
    mac_nat_boot_ifupdown => ("mac-nat", "mac_nat", "--boot"),
    vm_mac_nat_boot_ifupdown => ("vm-mac-nat", "mac_nat", "--boot"),
    bridged_renamed_uplink_boot_ifupdown => ("bridged-renamed-uplink", "bridged", "--boot"),
    vm_bridged_renamed_uplink_boot_ifupdown => ("vm-bridged-renamed-uplink", "bridged", "--boot"),
    proxy_arp_boot_networkd => ("proxy-arp", "proxy_arp", "--boot", "--network-backend", "systemd-networkd"),
    vm_proxy_arp_boot_networkd => ("vm-proxy-arp", "proxy_arp", "--boot", "--network-backend", "systemd-networkd"),
    mac_nat_boot_networkd => ("mac-nat", "mac_nat", "--boot", "--network-backend", "systemd-networkd"),
    vm_mac_nat_boot_networkd => ("vm-mac-nat", "mac_nat", "--boot", "--network-backend", "systemd-networkd"),
    bridged_renamed_uplink_boot_networkd => ("bridged-renamed-uplink", "bridged", "--boot", "--network-backend", "systemd-networkd"),
    vm_bridged_renamed_uplink_boot_networkd => ("vm-bridged-renamed-uplink", "bridged", "--boot", "--network-backend", "systemd-networkd"),
    nat_ufw => ("nat", "nat", "--firewall", "ufw"),
    nat_boot_ifupdown_ufw => ("nat", "nat", "--boot", "--firewall", "ufw"),
    nat_boot_networkd_ufw => ("nat", "nat", "--boot", "--network-backend", "systemd-networkd", "--firewall", "ufw"),
    vm_host_only_ufw => ("vm-host-only", "host_only", "--firewall", "ufw"),
}

#[test]
fn gentoo_boot_is_not_available_without_openrc() {
    if std::path::Path::new("/sbin/openrc").exists() || std::path::Path::new("/sbin/openrc-run").exists() {
        eprintln!("skipping: this machine has OpenRC");
        return;
    }
    let playbook = repo().join("playbooks/nat.yml");
    let output = hostnet()
        .args(["lab", &playbook.to_string_lossy(), "--boot", "--distro", "gentoo"])
        .output()
        .unwrap();
    assert_eq!(
        (output.status.code(), crate::support::stderr(&output)),
        (
            Some(1),
            "error: --boot for Gentoo is not available here: netifrc needs OpenRC, which this machine does not have\n\n\
             hint: run the lab without --boot (the runtime apply), or with --boot for debian (ifupdown) or systemd-networkd\n"
                .to_owned()
        )
    );
}

/// A proxy-ARP network on a LAN other than the lab's: one clear error
/// naming the lab's LAN, before anything is built.
#[test]
fn a_proxy_arp_network_off_the_labs_lan_is_refused() {
    let output = hostnet()
        .args(["lab", "tests/lab/proxy-arp-elsewhere.yml"])
        .output()
        .unwrap();
    assert_eq!(
        (output.status.code(), crate::support::stderr(&output)),
        (
            Some(1),
            "error: the proxy-ARP network gives the host 10.9.8.10; the lab builds its LAN around the host at 192.168.1.10\n\n\
             hint: the lab's LAN is 192.168.1.0/24: its router and DHCP server 192.168.1.1, the host 192.168.1.10, \
             LAN machines 192.168.1.20 and 192.168.1.30, the dynamic range 192.168.1.100-192.168.1.150\n"
                .to_owned()
        )
    );
}

const QEMU_TOOLS: [&str; 8] = [
    "dnsmasq",
    "busybox",
    "python3",
    "ping",
    "iptables",
    "qemu-system-x86_64",
    "xz",
    "apt-get",
];

/// `(name, lease, router, MAC the guest's kernel saw, driver)` of each guest.
fn qemu_guests(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("none").to_owned();
    report["guests"]
        .as_array()
        .unwrap_or_else(|| panic!("no guests in {report}"))
        .iter()
        .map(|guest| {
            (
                text(&guest["name"]),
                text(&guest["lease"]),
                text(&guest["router"]),
                text(&guest["qemu"]["mac"]),
                text(&guest["qemu"]["driver"]),
            )
        })
        .collect()
}

#[test]
fn qemu_guests_take_their_fixed_leases_and_reach_the_internet() {
    if !sandbox::require(&QEMU_TOOLS) {
        return;
    }
    let playbook = repo().join("playbooks/vm-nat.yml");
    let (code, report, stderr, pid) = lab(&[&playbook.to_string_lossy(), "--qemu"]);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    let own = |name: &str, lease: &str, mac: &str, driver: &str| {
        (
            name.to_owned(),
            lease.to_owned(),
            "172.16.1.1".to_owned(),
            mac.to_owned(),
            driver.to_owned(),
        )
    };
    assert_eq!(
        qemu_guests(&report),
        [
            own("win7", "172.16.1.2", "00:26:c6:21:cf:02", "e1000"),
            own("deb", "172.16.1.3", "00:26:c6:21:cf:03", "virtio_net"),
        ]
    );
    assert_eq!(
        cells(&report),
        owned(&[
            ("g→host other", "yes", true),
            ("g→LAN", "yes as host's uplink", true),
            ("g→inet", "yes as host's uplink", true),
        ]),
        "{report:#}"
    );
    nothing_left(pid);
}

/// Real QEMU guests behind proxy ARP: their DHCP is relayed to the LAN's
/// server, which leases them the addresses it reserves for their MACs, and
/// they reach the host, the LAN and the internet through the LAN's router.
#[test]
fn qemu_proxy_arp_guests_take_their_reserved_leases_through_the_relay() {
    if !sandbox::require(&QEMU_TOOLS) {
        return;
    }
    let playbook = repo().join("playbooks/vm-proxy-arp.yml");
    let (code, report, stderr, pid) = lab(&[&playbook.to_string_lossy(), "--qemu"]);
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    let own = |name: &str, lease: &str, mac: &str| {
        (
            name.to_owned(),
            lease.to_owned(),
            "192.168.1.1".to_owned(),
            mac.to_owned(),
            "virtio_net".to_owned(),
        )
    };
    assert_eq!(
        qemu_guests(&report),
        [
            own("desk", "192.168.1.50", "52:54:00:00:01:50"),
            own("lab", "192.168.1.51", "52:54:00:00:01:51"),
        ]
    );
    assert_eq!(
        cells(&report),
        owned(&[
            ("g→host other", "yes", true),
            ("g→LAN", "yes", true),
            ("g→inet", "yes", true),
        ]),
        "{report:#}"
    );
    nothing_left(pid);
}

#[test]
fn qemu_guests_without_the_masquerade_do_not_get_out() {
    if !sandbox::require(&QEMU_TOOLS) {
        return;
    }
    let playbook = repo().join("tests/lab/nat-without-masquerade.yml");
    let (code, report, stderr, pid) = lab(&[&playbook.to_string_lossy(), "--expect", "nat", "--qemu"]);
    assert_eq!(code, 2, "{report:#}\n{stderr}");
    assert_eq!(
        cells(&report),
        owned(&[
            ("g→host other", "yes", true),
            ("g→LAN", "yes as host's uplink", false),
            ("g→inet", "yes as host's uplink", false),
        ]),
        "{report:#}"
    );
    let leases: Vec<String> = qemu_guests(&report).into_iter().map(|guest| guest.1).collect();
    assert_eq!(leases, ["172.16.1.2", "172.16.1.3"]);
    nothing_left(pid);
}

/// `hostnet lab FILE ARGS --json` on a deliberately broken playbook: exit
/// 2, and exactly `crossed` are the ✗ cells.
pub(crate) fn broken(file: &str, args: &[&str], crossed: &[&str]) {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let path = if file.starts_with("playbooks/") {
        repo().join(file)
    } else {
        repo().join("tests/lab").join(file)
    };
    let mut argv = vec![path.to_string_lossy().into_owned()];
    argv.extend(args.iter().map(|arg| (*arg).to_owned()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let (code, report, stderr, pid) = lab(&argv);
    let measured: Vec<String> = cells(&report)
        .into_iter()
        .filter(|(_, _, ok)| !ok)
        .map(|(column, _, _)| column)
        .collect();
    assert_eq!(
        (code, measured),
        (2, crossed.iter().map(|c| (*c).to_owned()).collect()),
        "{file} {args:?}:\n{report:#}\n{stderr}"
    );
    nothing_left(pid);
}

/// bridged.yml has no `bridge_forward` accept: under Docker's FORWARD
/// DROP, with br_netfilter, nothing crosses the bridge (not even the LAN's
/// DHCP: the guest gets no lease), while vm-bridged.yml keeps its promise.
#[test]
fn broken_bridged_no_bridge_forward_under_forward_drop() {
    broken(
        "playbooks/bridged.yml",
        &["--forward-drop"],
        &["g→LAN", "LAN→g", "g→inet", "host→g", "g→host other"],
    );
}

#[test]
fn vm_bridged_survives_forward_drop() {
    playbook_keeps_its_promise("vm-bridged", "bridged", &["--forward-drop"]);
}

#[test]
fn nat_survives_forward_drop() {
    playbook_keeps_its_promise("nat", "nat", &["--forward-drop"]);
}

#[test]
fn broken_nat_no_bridge_forward_under_forward_drop() {
    broken("nat-without-bridge-forward.yml", &["--forward-drop"], &["g↔g"]);
}

/// Under ufw (its forward policy DROP, br_netfilter) without the
/// `bridge_forward` accept, the guests' connections to each other are
/// dropped; stock ufw forwards ping, so ping still answers.
#[test]
fn broken_nat_no_bridge_forward_under_ufw() {
    broken("nat-without-bridge-forward.yml", &["--firewall", "ufw"], &["g↔g"]);
}

#[test]
fn broken_routed_masqueraded() {
    broken(
        "routed-masqueraded.yml",
        &["--expect", "routed"],
        &["g→LAN", "LAN→g", "g→inet"],
    );
}

#[test]
fn broken_host_only_forwarded_and_masqueraded() {
    broken(
        "host-only-masqueraded.yml",
        &["--expect", "host_only"],
        &["g→LAN", "g→inet"],
    );
}

/// Proxy ARP off on the bridge: nobody answers the guests' ARP for the LAN
/// (their gateway), so they reach neither the LAN nor the internet, and
/// the LAN's answers to them go nowhere either.
#[test]
fn broken_proxy_arp_without_the_bridges_proxy_arp() {
    broken(
        "proxy-arp-without-bridge-proxy-arp.yml",
        &[],
        &["g→LAN", "LAN→g", "g→inet"],
    );
}

/// mac-nat.yml has no `bridge_forward` accept: under Docker's FORWARD DROP,
/// with br_netfilter, nothing the MAC NAT rewrites crosses the bridge
/// between the Wi-Fi and the guest; the host still reaches it.
#[test]
fn broken_mac_nat_no_bridge_forward_under_forward_drop() {
    broken(
        "playbooks/mac-nat.yml",
        &["--forward-drop"],
        &["g→LAN", "LAN→g", "g→inet"],
    );
}

/// vm-mac-nat.yml adds the `bridge_forward` accept where br_netfilter is
/// on (as vm-bridged.yml does): Docker's FORWARD DROP leaves it whole.
#[test]
fn vm_mac_nat_survives_forward_drop() {
    playbook_keeps_its_promise("vm-mac-nat", "mac_nat", &["--forward-drop"]);
}

#[test]
fn broken_internal_host_not_isolated() {
    broken(
        "internal-host-open.yml",
        &["--expect", "internal"],
        &["host→g", "g→host DNS", "g→host other"],
    );
}

/// A playbook whose apply fails in the lab (its template needs the facts
/// of a NIC the lab's host does not have): exit 1 with apply's error, and
/// nothing left behind.
#[test]
fn a_failed_apply_leaves_nothing() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join("tests/lab/template-of-a-missing-nic.yml");
    let (code, _, stderr, pid) = lab(&[&playbook.to_string_lossy()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: hostnet apply failed in the lab (exit status: 1):\nerror: template error: undefined value"
        ),
        "{stderr}"
    );
    nothing_left(pid);
}

/// `--keep` leaves the namespaces and the scratch directory, and the
/// commands it prints remove them.
#[test]
fn keep_leaves_the_lab_and_says_how_to_remove_it() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join("playbooks/host-only.yml");
    let child = hostnet()
        .args(["lab", &playbook.to_string_lossy(), "--keep"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let mut kept = namespaces(pid);
    kept.sort();
    let suffixes: Vec<&str> = kept.iter().filter_map(|name| name.rsplit('-').next()).collect();
    assert_eq!(suffixes, ["g0", "host", "lan", "lanadmin", "landev", "wan"], "{text}");
    assert_eq!(scratch_dirs(Some(pid)).len(), 1, "{text}");
    let commands: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("kept for inspection"))
        .skip(1)
        .map(str::trim)
        .collect();
    assert_eq!(commands.len(), 7, "{text}");
    for command in commands {
        let status = Command::new("sh").args(["-c", command]).status().unwrap();
        assert!(status.success(), "{command}");
    }
    nothing_left(pid);
}

/// On a terminal (util-linux `script` gives the lab a pty, as in
/// tests/cli.rs) the lab rewrites one status line in place: the step, then
/// each guest's state as it changes; the line is cleared before the table.
/// Piped, the steps are plain notes and no guest state or escape is shown.
#[test]
fn a_terminal_sees_each_guests_state_on_one_status_line() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let binary = env!("CARGO_BIN_EXE_hostnet");
    let output = Command::new("script")
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .args(["-qec", &format!("{binary} lab playbooks/nat.yml"), "/dev/null"])
        .output()
        .expect("util-linux script");
    let text = stdout(&output);
    let mut frames: Vec<&str> = text.split("\r\u{1b}[2K").skip(1).collect();
    let table = frames.pop().unwrap_or_default();
    assert_eq!(
        frames,
        [
            "lab: building the lab: internet, LAN router, LAN device, LAN admin, host",
            "lab: applying the playbook in the host's sandbox: hostnet apply --root /",
            "lab: guest win7 behind tap0 (00:26:c6:21:cf:02)",
            "lab: guest win7 behind tap0 (00:26:c6:21:cf:02) | win7: behind tap0",
            "lab: guest deb behind tap1 (00:26:c6:21:cf:03) | win7: behind tap0",
            "lab: guest deb behind tap1 (00:26:c6:21:cf:03) | win7: behind tap0 · deb: beh…",
            "lab: guests: DHCP | win7: behind tap0 · deb: behind tap1",
            "lab: guests: DHCP | win7: waiting for lease · deb: behind tap1",
            "lab: guests: DHCP | win7: waiting for lease · deb: waiting for lease",
            "lab: guests: DHCP | win7: leased 172.16.1.2 · deb: waiting for lease",
            "lab: guests: DHCP | win7: leased 172.16.1.2 · deb: leased 172.16.1.3",
            "lab: probing | win7: leased 172.16.1.2 · deb: leased 172.16.1.3",
            "lab: probing | win7: probing · deb: leased 172.16.1.3",
            "lab: probing | win7: probing · deb: probing",
            "lab: probing | win7: measured · deb: probing",
            "lab: probing | win7: measured · deb: measured",
        ],
        "{text}"
    );
    let heading = format!(
        "hostnet lab: {} — nat mode, iptables, runtime apply\r\n",
        repo().join("playbooks/nat.yml").display()
    );
    assert!(table.starts_with(&heading), "{table}");
    assert!(table.ends_with("\r\nevery cell as promised\r\n"), "{table}");

    let piped = hostnet().args(["lab", "playbooks/host-only.yml"]).output().unwrap();
    assert_eq!(
        (piped.status.code(), crate::support::stderr(&piped)),
        (
            Some(0),
            "lab: building the lab: internet, LAN router, LAN device, LAN admin, host\n\
             lab: applying the playbook in the host's sandbox: hostnet apply --root /\n\
             lab: guest tap1 behind tap1 (52:54:00:4c:ab:01)\n\
             lab: guests: DHCP\n\
             lab: probing\n"
                .to_owned()
        )
    );
}
