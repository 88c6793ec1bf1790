//! `hostnet lab` over IPv6 (issue 12): for a playbook whose guests' bridge
//! has an IPv6 prefix, the lab's internet and LAN get 2001:db8::/32
//! addresses, the LAN router advertises 2001:db8:1::/64 and the host's
//! uplink configures from it; the guests take DHCPv6 from the host's real
//! dnsmasq (web its reserved ::2), and the table gains the IPv6 cells,
//! measured with ping, TCP and UDP and *as whom* the internet saw them
//! (NAT66: the host's uplink address, never the guest's).
//!
//! dual-stack.yml and vm-dual-stack.yml keep every promise on the runtime
//! apply and on the boot paths (ifupdown, systemd-networkd, nftables); the
//! variants without NAT66 and without `accept_ra = 2` lose exactly the
//! cells that need them. IPv4-only playbooks keep their seven cells
//! (`tests/lab.rs` pins nat.yml's table exactly).

use crate::lab::{cells, lab, nothing_left, owned};
use crate::support::repo;
use crate::support::sandbox;

const TOOLS: [&str; 6] = ["dnsmasq", "busybox", "python3", "ping", "iptables", "dhclient"];

/// Every cell of a dual-stack nat network, all kept.
const DUAL_STACK_NAT: [(&str, &str, bool); 13] = [
    ("g→LAN", "yes as host's uplink", true),
    ("LAN→g", "no", true),
    ("g↔g", "yes", true),
    ("g→inet", "yes as host's uplink", true),
    ("host→g", "yes", true),
    ("g→host DNS", "delivered", true),
    ("g→host other", "yes", true),
    ("g lease6", "web fixed ::2 / db DHCPv6 ::100–::1ff", true),
    ("g→inet v6", "yes as host's uplink", true),
    ("LAN→g v6", "no", true),
    ("g↔g v6", "yes", true),
    ("host→g v6", "yes", true),
    ("host→inet v6", "yes", true),
];

/// `(path, outcome)` of the probes of `column` of `kind`.
fn probes(report: &serde_json::Value, column: &str, kind: &str) -> Vec<(String, String)> {
    report["probes"]
        .as_array()
        .unwrap_or_else(|| panic!("no probes in {report}"))
        .iter()
        .filter(|probe| probe["column"] == column && probe["kind"] == kind)
        .map(|probe| {
            (
                probe["path"].as_str().unwrap().to_owned(),
                probe["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `hostnet lab playbooks/NAME.yml EXTRA…`: exit 0, every cell of
/// [`DUAL_STACK_NAT`], web's reserved lease and db's from the range, and
/// the internet seeing both guests as the host's uplink address (the one
/// the host itself is seen as, from the LAN router's prefix).
fn dual_stack_keeps_its_promise(name: &str, extra: &[&str]) {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let playbook = repo().join(format!("playbooks/{name}.yml"));
    let mut args = vec![playbook.to_string_lossy().into_owned()];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, report, stderr, pid) = lab(&args);
    assert_eq!(
        (code, cells(&report)),
        (0, owned(&DUAL_STACK_NAT)),
        "{name} {extra:?}:\n{report:#}\n{stderr}"
    );
    let leases = probes(&report, "g lease6", "dhcpv6");
    assert_eq!(
        leases[0],
        ("web".to_owned(), "fd42:4242:4242:1::2".to_owned()),
        "{leases:?}"
    );
    let db: std::net::Ipv6Addr = leases[1].1.parse().unwrap();
    let db = u128::from(db);
    assert!(
        (0xfd42_4242_4242_0001_0000_0000_0000_0100..=0xfd42_4242_4242_0001_0000_0000_0000_01ff).contains(&db),
        "{leases:?}"
    );
    let host = probes(&report, "host→inet v6", "tcp");
    let [(_, seen)] = host.as_slice() else {
        panic!("{host:?}")
    };
    let host_uplink = seen.strip_prefix("yes as ").unwrap();
    assert!(host_uplink.starts_with("2001:db8:1:0:"), "{host:?}");
    for kind in ["tcp", "udp"] {
        let inet: Vec<(String, String)> = probes(&report, "g→inet v6", kind)
            .into_iter()
            .map(|(path, outcome)| (path.split('→').next().unwrap().to_owned(), outcome))
            .collect();
        let as_host = format!("yes as {host_uplink}");
        assert_eq!(
            inet,
            [("web".to_owned(), as_host.clone()), ("db".to_owned(), as_host)],
            "{kind}"
        );
    }
    nothing_left(pid);
}

macro_rules! dual_stack {
    ($($test:ident => ($name:literal $(, $extra:literal)*),)*) => {
        $(
            #[test]
            fn $test() {
                dual_stack_keeps_its_promise($name, &[$($extra),*]);
            }
        )*
    };
}

dual_stack! {
    dual_stack => ("dual-stack"),
    vm_dual_stack => ("vm-dual-stack"),
    dual_stack_nftables => ("dual-stack", "--firewall", "nftables"),
    dual_stack_boot_ifupdown => ("dual-stack", "--boot"),
    vm_dual_stack_boot_ifupdown => ("vm-dual-stack", "--boot"),
    dual_stack_boot_networkd => ("dual-stack", "--boot", "--network-backend", "systemd-networkd"),
    vm_dual_stack_boot_networkd => ("vm-dual-stack", "--boot", "--network-backend", "systemd-networkd"),
    vm_dual_stack_boot_nftables => ("vm-dual-stack", "--boot", "--firewall", "nftables"),
}

/// `hostnet lab tests/lab/FILE ARGS…`: exit 2, and exactly `crossed` are ✗.
fn crossed(file: &str, args: &[&str], crossed: &[&str]) {
    if !sandbox::require(&TOOLS) {
        return;
    }
    crate::lab::broken(file, args, crossed);
}

/// Without NAT66 the guests' unique local source goes out as it is and
/// nothing comes back; the drop of "nothing else from outside" came with
/// the `nat` task, so the LAN admin's machine (which has a route) gets in.
#[test]
fn without_nat66_the_guests_do_not_get_out_over_ipv6() {
    crossed("dual-stack-without-nat66.yml", &[], &["g→inet v6", "LAN→g v6"]);
}

/// Under Docker's FORWARD policy DROP nothing gets in either: only the
/// internet cell is ✗.
#[test]
fn without_nat66_under_forward_drop_only_the_internet_cell_is_crossed() {
    crossed("dual-stack-without-nat66.yml", &["--forward-drop"], &["g→inet v6"]);
}

/// Without `accept_ra = 2` before the forwarding, the kernel drops the
/// host's RA-learned default route: the host and its NAT66 guests lose the
/// IPv6 internet (the IPv4 cells and everything on the host's own links stay).
#[test]
fn without_accept_ra_the_host_loses_its_ipv6_default_route() {
    crossed("dual-stack-without-accept-ra.yml", &[], &["g→inet v6", "host→inet v6"]);
    crossed(
        "dual-stack-without-accept-ra.yml",
        &["--boot"],
        &["g→inet v6", "host→inet v6"],
    );
}

/// A host whose uplink systemd-networkd configures (`IPv6AcceptRA=yes` in
/// its own `.network` file, as docs/modes/ipv6.md says) takes the
/// advertisements itself: the kernel's `accept_ra` does not matter there,
/// and the same playbook keeps every cell.
#[test]
fn networkd_keeps_the_route_without_accept_ra() {
    if !sandbox::require(&TOOLS) {
        return;
    }
    let path = repo().join("tests/lab/dual-stack-without-accept-ra.yml");
    let (code, report, stderr, pid) = lab(&[
        &path.to_string_lossy(),
        "--boot",
        "--network-backend",
        "systemd-networkd",
    ]);
    assert_eq!(
        (code, cells(&report)),
        (0, owned(&DUAL_STACK_NAT)),
        "{report:#}\n{stderr}"
    );
    nothing_left(pid);
}
