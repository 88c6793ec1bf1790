//! IPv6 for real (issue 12): the files `hostnet render` writes for a
//! dual-stack network, run by the real tools in network namespaces this
//! test creates (never the root namespace; only the documentation prefix
//! 2001:db8::/32 and unique local fd00::/8 addresses).
//!
//! - dnsmasq's router advertisements: with `ra: stateless` a guest makes its
//!   SLAAC address in the /64 and routes via the host; with `ra: stateful`
//!   DHCPv6 (the real `dhclient -6`) hands out the fixed address by MAC and
//!   another from the range, and no SLAAC address appears; a reservation
//!   by DUID goes to the client with that DUID, not to the lease's MAC; a host-only
//!   network's advertisement gives the prefix but no default route.
//! - NAT66 (ip6tables `rules.v6`, nftables' `table inet`): a guest reaches
//!   the "internet" only with the rendered rules loaded, and the internet
//!   sees the host's address, not the guest's.
//! - Dual-stack networks booted from the rendered files the way a Debian
//!   host boots (systemd-sysctl, the boot ruleset with the FORWARD policy
//!   DROP after it, `ifup -a`, dnsmasq), two guests taking SLAAC from the
//!   real dnsmasq: nat guests reach the internet over IPv6 as the host
//!   (iptables and nftables) and nothing from outside reaches them; routed
//!   guests reach it as themselves where the internet has the route back
//!   (and nothing returns without); host-only and internal guests reach each
//!   other but nothing is forwarded, and an internal network's host is
//!   firewalled off over IPv6 while a host-only one is not.
//! - The host's own IPv6: a LAN router (dnsmasq, `ra-only`) gives the host
//!   a default route by router advertisement; after `sysctl -p` of the
//!   rendered file (IPv6 forwarding on) the route is still there, and a
//!   later advertisement still counts. Controls: forwarding without
//!   `accept_ra=2`, or with it set only afterwards, deletes the route at once.
//! - An uplink whose name has a dot (`eth0.100`): its `accept_ra` in the
//!   slash form, which systemd-sysctl and `sysctl -p` both set (the all-dots
//!   spelling sets nothing).
//!
//! Skipped (with `skipping: …`) when not root or a tool is missing, unless
//! `CI=true` or `HOSTNET_SANDBOX_REQUIRED=1`: then that is a failure.

use std::io::{Read as _, Write as _};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::support::lab::probe::in_netns;
use crate::support::rendered::Rendered;
use crate::support::sandbox::{self, Features, Netns, Sandbox, text, wait_for};

/// Can the real tools run here? Under `CI=true` they must.
pub(crate) fn can_run(tools: &[&str]) -> bool {
    let ok = sandbox::require(tools);
    assert!(
        ok || std::env::var("CI").as_deref() != Ok("true"),
        "CI=true, but the real IPv6 tests cannot run (reason printed above)"
    );
    ok
}

const FACTS: &str = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\n";

/// The guests' unique local prefix and the host's address in it.
const PREFIX: &str = "fd42:4242:4242:1::/64";
const HOST6: &str = "fd42:4242:4242:1::1/64";

/// A dual-stack `vm_network` on br0 with two guests: `web` (a fixed IPv4
/// lease and, with `ip6`, a fixed IPv6 one) and `db`.
fn playbook(mode: &str, ra: &str, web_ip6: bool) -> String {
    let ip6 = if web_ip6 { ", ip6: \"fd42:4242:4242:1::2\"" } else { "" };
    let uplink = if matches!(mode, "nat" | "routed") {
        "        uplink: eth0\n"
    } else {
        ""
    };
    format!(
        "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: {mode}\n{uplink}        \
         subnet: 172.16.1.0/24\n        subnet6: \"{PREFIX}\"\n        ra: {ra}\n        vms:\n          \
         - {{ name: web, tap: tap0, mac: \"52:54:00:00:01:02\", ip: 172.16.1.2{ip6} }}\n          \
         - {{ name: db, tap: tap1, mac: \"52:54:00:00:01:03\" }}\n"
    )
}

/// Set IPv6 kernel parameters of a namespace (its own, never the host's).
pub(crate) fn sysctl(netns: &Netns, settings: &[&str]) {
    for setting in settings {
        netns.exec_ok(&["sysctl", "-q", "-w", setting]);
    }
}

/// A host namespace with br0 at 172.16.1.1/24 and the guests' prefix.
fn host_with_br0() -> Netns {
    let host = Netns::new();
    host.ip_ok(&[
        "link",
        "add",
        "br0",
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
    ]);
    host.ip_ok(&["address", "add", "172.16.1.1/24", "dev", "br0"]);
    host.ip_ok(&["address", "add", HOST6, "dev", "br0", "nodad"]);
    host.ip_ok(&["link", "set", "br0", "up"]);
    host
}

/// A guest on br0 with `mac`, its link down (no duplicate address detection,
/// so its link-local address is usable at once).
fn guest(host: &Netns, port: &str, mac: &str) -> Netns {
    let guest = Netns::new();
    host.veth(port, &guest, "eth0");
    host.ip_ok(&["link", "set", port, "master", "br0", "up"]);
    guest.ip_ok(&["link", "set", "eth0", "address", mac]);
    sysctl(
        &guest,
        &[
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.eth0.accept_dad=0",
        ],
    );
    guest
}

/// The guest's global IPv6 addresses (without prefix length), sorted.
pub(crate) fn global_addresses(guest: &Netns) -> Vec<String> {
    let output = guest.exec_ok(&["ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"]);
    let mut addresses: Vec<String> = output
        .lines()
        .filter_map(|line| line.split_whitespace().nth(3))
        .filter_map(|cidr| cidr.split('/').next())
        .map(str::to_owned)
        .collect();
    addresses.sort();
    addresses
}

/// `ip -6 route show default` in `netns`, trimmed.
pub(crate) fn default_route(netns: &Netns) -> String {
    netns
        .exec_ok(&["ip", "-6", "route", "show", "default"])
        .trim()
        .to_owned()
}

/// dnsmasq with the rendered drop-in of br0, in a sandbox whose `/etc` is
/// the rendered one (so it finds the fixed leases' directory); returns once
/// it has constructed its IPv6 range.
fn start_dnsmasq<'ns>(host: &'ns Netns, rendered: &Rendered) -> (Sandbox<'ns>, sandbox::Background) {
    let sandbox = Sandbox::new(host, rendered.stage.path(), Features::default());
    sandbox.run_ok("dnsmasq --test --conf-file=/etc/dnsmasq.d/hostnet-br0.conf");
    let server = sandbox.spawn(
        "exec dnsmasq --keep-in-foreground --log-facility=- --log-dhcp --conf-file=/etc/dnsmasq.d/hostnet-br0.conf \
         --pid-file=/run/dnsmasq.pid --dhcp-leasefile=/run/dnsmasq.leases --resolv-file=/dev/null",
    );
    let ready = wait_for(Duration::from_secs(10), || {
        let log = server.output();
        assert!(!log.contains("FAILED to start up"), "dnsmasq failed to start:\n{log}");
        log.contains("constructed for br0").then_some(())
    });
    assert!(
        ready.is_some(),
        "dnsmasq built no IPv6 range in 10 s:\n{}",
        server.output()
    );
    (sandbox, server)
}

/// Wait until `check` holds for the guest's addresses; panic with them and
/// dnsmasq's log otherwise.
fn wait_for_addresses(guest: &Netns, server: &sandbox::Background, check: impl Fn(&[String]) -> bool) -> Vec<String> {
    wait_for(Duration::from_secs(20), || {
        let addresses = global_addresses(guest);
        check(&addresses).then_some(addresses)
    })
    .unwrap_or_else(|| {
        panic!(
            "the guest's addresses never matched: {:?}\n--- dnsmasq:\n{}",
            global_addresses(guest),
            server.output()
        )
    })
}

/// The guest's SLAAC address for `mac` (EUI-64, the kernel's default).
const WEB_SLAAC: &str = "fd42:4242:4242:1:5054:ff:fe00:102";

#[test]
fn real_dnsmasq_advertises_slaac_in_a_nat_network() {
    if !can_run(&["dnsmasq", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(&playbook("nat", "stateless", false), FACTS, &[], &[]);
    assert_eq!(
        rendered
            .read("/etc/dnsmasq.d/hostnet-br0.conf")
            .lines()
            .skip(7)
            .collect::<Vec<_>>(),
        [
            "# IPv6: router advertisements for fd42:4242:4242:1::/64.",
            "enable-ra",
            "dhcp-range=::,constructor:br0,ra-stateless,64,12h",
        ]
    );
    let host = host_with_br0();
    let web = guest(&host, "vnet0", "52:54:00:00:01:02");
    let (_sandbox, server) = start_dnsmasq(&host, &rendered);
    web.ip_ok(&["link", "set", "eth0", "up"]);
    let addresses = wait_for_addresses(&web, &server, |addresses| !addresses.is_empty());
    assert_eq!(addresses, [WEB_SLAAC]);
    // The advertisement makes the host the guest's IPv6 router.
    let route = wait_for(Duration::from_secs(5), || {
        let route = default_route(&web);
        (!route.is_empty()).then_some(route)
    })
    .unwrap_or_default();
    assert!(
        route.starts_with("default via fe80::") && route.contains(" dev eth0 proto ra "),
        "{route}"
    );
    // The guest reaches the host's address over IPv6.
    assert!(
        web.exec(&["ping", "-6", "-c1", "-W2", "-n", "fd42:4242:4242:1::1"])
            .status
            .success()
    );
}

#[test]
fn real_dnsmasq_leases_fixed_and_ranged_dhcpv6_addresses() {
    if !can_run(&["dnsmasq", "dhclient", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(&playbook("nat", "stateful", true), FACTS, &[], &[]);
    assert_eq!(
        rendered.read("/etc/hostnet/dnsmasq/br0.hosts/52-54-00-00-01-02"),
        "52:54:00:00:01:02,172.16.1.2,[fd42:4242:4242:1::2],web\n"
    );
    let host = host_with_br0();
    let web = guest(&host, "vnet0", "52:54:00:00:01:02");
    let db = guest(&host, "vnet1", "52:54:00:00:01:03");
    let (_sandbox, server) = start_dnsmasq(&host, &rendered);
    let scratch = tempfile::tempdir().unwrap();
    for (name, guest) in [("web", &web), ("db", &db)] {
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        dhcpv6(guest, scratch.path(), name);
    }
    let web_addresses = wait_for_addresses(&web, &server, |addresses| !addresses.is_empty());
    assert_eq!(
        web_addresses,
        ["fd42:4242:4242:1::2"],
        "the fixed address by MAC, and no SLAAC one"
    );
    let db_addresses = wait_for_addresses(&db, &server, |addresses| !addresses.is_empty());
    let [address] = db_addresses.as_slice() else {
        panic!("db should have one address: {db_addresses:?}");
    };
    let address: Ipv6Addr = address.parse().unwrap();
    let range = "fd42:4242:4242:1::100".parse::<Ipv6Addr>().unwrap()..="fd42:4242:4242:1::1ff".parse().unwrap();
    assert!(range.contains(&address), "db got {address}, outside ::100–::1ff");
}

/// DHCPv6 reservations by DUID: web's client identifier (`dhclient -D
/// LL`: its MAC's DUID-LL) gets web's `ip6`; db's lease names a DUID db
/// does not have, so db gets an address of the range although its MAC is
/// the lease's: the reservation is the DUID's, not the MAC's.
#[test]
fn real_dnsmasq_leases_the_fixed_dhcpv6_address_by_duid() {
    if !can_run(&["dnsmasq", "dhclient", "sysctl"]) {
        return;
    }
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: nat\n        uplink: eth0\n        \
         subnet: 172.16.1.0/24\n        subnet6: \"{PREFIX}\"\n        ra: stateful\n        vms:\n          \
         - {{ name: web, tap: tap0, mac: \"52:54:00:00:01:02\", ip: 172.16.1.2, ip6: \"fd42:4242:4242:1::2\", \
         duid: \"00:03:00:01:52:54:00:00:01:02\" }}\n          \
         - {{ name: db, tap: tap1, mac: \"52:54:00:00:01:03\", ip6: \"fd42:4242:4242:1::3\", \
         duid: \"00:03:00:01:52:54:00:00:01:99\" }}\n"
    );
    let rendered = Rendered::new(&playbook, FACTS, &[], &[]);
    assert_eq!(
        [
            rendered.read("/etc/hostnet/dnsmasq/br0.hosts/52-54-00-00-01-02"),
            rendered.read("/etc/hostnet/dnsmasq/br0.hosts/52-54-00-00-01-03"),
        ],
        [
            "52:54:00:00:01:02,172.16.1.2,web\nid:00:03:00:01:52:54:00:00:01:02,[fd42:4242:4242:1::2],web\n",
            "id:00:03:00:01:52:54:00:00:01:99,[fd42:4242:4242:1::3],db\n",
        ]
    );
    // `dnsmasq --test` does not read a hosts directory: its lines as
    // `dhcp-host=` options, which it checks with the same parser.
    let scratch = tempfile::tempdir().unwrap();
    let options: String = ["52-54-00-00-01-02", "52-54-00-00-01-03"]
        .iter()
        .flat_map(|file| {
            let text = rendered.read(&format!("/etc/hostnet/dnsmasq/br0.hosts/{file}"));
            text.lines()
                .map(|line| format!("dhcp-host={line}\n"))
                .collect::<Vec<_>>()
        })
        .collect();
    let conf = scratch.path().join("hosts.conf");
    fs_err::write(&conf, &options).unwrap();
    let test = std::process::Command::new("dnsmasq")
        .args(["--test", &format!("--conf-file={}", conf.display())])
        .output()
        .unwrap();
    assert!(test.status.success(), "dnsmasq --test:\n{options}{}", text(&test));
    let host = host_with_br0();
    let web = guest(&host, "vnet0", "52:54:00:00:01:02");
    let db = guest(&host, "vnet1", "52:54:00:00:01:03");
    let (_sandbox, server) = start_dnsmasq(&host, &rendered);
    for (name, guest) in [("web", &web), ("db", &db)] {
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        dhcpv6_with(guest, scratch.path(), name, &["-D", "LL"]);
    }
    let web_addresses = wait_for_addresses(&web, &server, |addresses| !addresses.is_empty());
    assert_eq!(web_addresses, ["fd42:4242:4242:1::2"], "{}", server.output());
    assert!(
        server
            .output()
            .contains("DHCPREPLY(br0) fd42:4242:4242:1::2 00:03:00:01:52:54:00:00:01:02 web"),
        "{}",
        server.output()
    );
    let db_addresses = wait_for_addresses(&db, &server, |addresses| !addresses.is_empty());
    let [address] = db_addresses.as_slice() else {
        panic!("db should have one address: {db_addresses:?}");
    };
    let address: Ipv6Addr = address.parse().unwrap();
    let range = "fd42:4242:4242:1::100".parse::<Ipv6Addr>().unwrap()..="fd42:4242:4242:1::1ff".parse().unwrap();
    assert!(range.contains(&address), "db got {address}, not one of ::100–::1ff");
}

#[test]
fn real_host_only_advertisement_gives_no_default_route() {
    if !can_run(&["dnsmasq", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(&playbook("host_only", "stateless", false), FACTS, &[], &[]);
    assert!(
        rendered
            .read("/etc/dnsmasq.d/hostnet-br0.conf")
            .contains("\nra-param=br0,0,0\n")
    );
    let host = host_with_br0();
    let web = guest(&host, "vnet0", "52:54:00:00:01:02");
    let (_sandbox, server) = start_dnsmasq(&host, &rendered);
    web.ip_ok(&["link", "set", "eth0", "up"]);
    assert_eq!(
        wait_for_addresses(&web, &server, |addresses| !addresses.is_empty()),
        [WEB_SLAAC]
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        default_route(&web),
        "",
        "router lifetime 0: the prefix, no default route"
    );
}

/// `dhclient -6` once on the guest's eth0, with a script that only adds the
/// address it leased (the stock script would edit the machine's
/// `/etc/resolv.conf`), and its lease and PID files in `dir`.
fn dhcpv6(guest: &Netns, dir: &Path, name: &str) {
    dhcpv6_with(guest, dir, name, &[]);
}

/// [`dhcpv6`] with more of dhclient's options (`-D LL`: a DUID made of
/// the MAC alone, `00:03:00:01:MAC`).
fn dhcpv6_with(guest: &Netns, dir: &Path, name: &str, options: &[&str]) {
    let script = dir.join(format!("{name}.script"));
    fs_err::write(
        &script,
        "#!/bin/sh\ncase \"$reason\" in\n  BOUND6|REBOOT6|RENEW6|REBIND6)\n    \
         ip -6 addr replace \"$new_ip6_address/$new_ip6_prefixlen\" dev \"$interface\" nodad ;;\nesac\nexit 0\n",
    )
    .unwrap();
    set_executable(&script);
    let lease = dir.join(format!("{name}.leases"));
    let pid = dir.join(format!("{name}.pid"));
    let mut argv = vec![
        "timeout",
        "30",
        "dhclient",
        "-6",
        "-1",
        "-v",
        "-sf",
        script.to_str().unwrap(),
        "-lf",
        lease.to_str().unwrap(),
        "-pf",
        pid.to_str().unwrap(),
    ];
    argv.extend_from_slice(options);
    argv.push("eth0");
    let output = guest.exec(&argv);
    assert!(
        output.status.success(),
        "dhclient -6 in {name} failed:\n{}",
        text(&output)
    );
    // dhclient forks into the background after its lease: it dies with the namespace.
    if let Some(pid) = fs_err::read_to_string(&pid)
        .ok()
        .and_then(|pid| pid.trim().parse().ok())
    {
        guest.register(pid);
    }
}

fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The NAT66 triangle: br0 on the host with the guests' prefix and one
/// guest (`::2`, default via the host), the "internet" 2001:db8:ffff::1
/// behind the host's eth0 (2001:db8:ffff::2), which has no route back to
/// the guests' prefix; IPv6 forwarding on, no firewall rules yet.
struct Triangle {
    host: Netns,
    guest: Netns,
    internet: Netns,
}

const INTERNET6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 1);
const HOST_UPLINK6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 2);

impl Triangle {
    fn new() -> Self {
        let host = host_with_br0();
        let guest = guest(&host, "vnet0", "52:54:00:00:01:02");
        guest.ip_ok(&["address", "add", "fd42:4242:4242:1::2/64", "dev", "eth0", "nodad"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        guest.ip_ok(&["-6", "route", "add", "default", "via", "fd42:4242:4242:1::1"]);
        let internet = Netns::new();
        host.veth("eth0", &internet, "eth0");
        host.ip_ok(&["address", "add", "2001:db8:ffff::2/64", "dev", "eth0", "nodad"]);
        host.ip_ok(&["link", "set", "eth0", "up"]);
        internet.ip_ok(&["address", "add", "2001:db8:ffff::1/64", "dev", "eth0", "nodad"]);
        internet.ip_ok(&["link", "set", "eth0", "up"]);
        sysctl(&host, &["net.ipv6.conf.all.forwarding=1"]);
        Self { host, guest, internet }
    }

    /// A TCP connection from the guest to the internet: the source address
    /// the internet saw, or `None` when nothing came back.
    fn seen_by_internet(&self) -> Option<Ipv6Addr> {
        seen_by(&self.internet, &self.guest)
    }

    /// As [`Self::seen_by_internet`], where the connection must get
    /// through: up to three tries, as a guest retries (a first SYN can be
    /// lost while the host's neighbour discovery resolves the internet on a
    /// busy machine).
    fn seen_by_internet_eventually(&self) -> Option<Ipv6Addr> {
        (0..3).find_map(|_| self.seen_by_internet())
    }
}

/// A TCP connection from `guest` to [`INTERNET6`], port 7777, where a
/// listener in `internet` answers with the source address it saw: that
/// address, or `None` when nothing came back within 2 s.
fn seen_by(internet: &Netns, guest: &Netns) -> Option<Ipv6Addr> {
    let listener = in_netns(internet, || {
        TcpListener::bind(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 7777, 0, 0)).expect("bind the listener")
    });
    listener.set_nonblocking(true).unwrap();
    let accept = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline {
            if let Ok((mut stream, SocketAddr::V6(peer))) = listener.accept() {
                let _ = stream.set_nonblocking(false);
                let _ = stream.write_all(format!("{}\n", peer.ip()).as_bytes());
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let seen = in_netns(guest, || {
        let target = SocketAddr::V6(SocketAddrV6::new(INTERNET6, 7777, 0, 0));
        let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(2)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        answer.trim().parse().ok()
    });
    accept.join().unwrap();
    seen
}

#[test]
fn real_ip6tables_nat66_lets_the_guest_reach_the_internet_as_the_host() {
    if !can_run(&["ip6tables-restore", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(
        &playbook("nat", "stateless", false),
        FACTS,
        &["--firewall", "iptables"],
        &[],
    );
    let lab = Triangle::new();
    assert_eq!(
        lab.seen_by_internet(),
        None,
        "control: without NAT66 no answer comes back"
    );
    let rules = rendered.path("/etc/iptables/rules.v6");
    let output = lab
        .host
        .command(&["ip6tables-restore"])
        .stdin(fs_err::File::open(&rules).unwrap().into_file())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ip6tables-restore < rules.v6:\n{}",
        text(&output)
    );
    assert_eq!(
        lab.seen_by_internet_eventually(),
        Some(HOST_UPLINK6),
        "masqueraded behind the host's uplink"
    );
    // The boot ruleset again (netfilter-persistent's reload): still one masquerade.
    let output = lab
        .host
        .command(&["ip6tables-restore"])
        .stdin(fs_err::File::open(&rules).unwrap().into_file())
        .output()
        .unwrap();
    assert!(output.status.success());
    let saved = lab.host.exec_ok(&["ip6tables-save", "-t", "nat"]);
    assert_eq!(saved.matches("-j MASQUERADE").count(), 1, "{saved}");

    // The live path on a running host: hostnet's chains (any number of
    // times), then the jumps once each.
    let lab = Triangle::new();
    let live = rendered.path("/etc/hostnet/ip6tables.rules");
    for file in [
        &live,
        &live,
        &rendered.path("/etc/hostnet/ip6tables-jumps.rules"),
        &rendered.path("/etc/hostnet/ip6tables-nat-jumps.rules"),
    ] {
        lab.host
            .exec_ok(&["ip6tables-restore", "-w", "--noflush", file.to_str().unwrap()]);
    }
    assert_eq!(
        lab.seen_by_internet_eventually(),
        Some(HOST_UPLINK6),
        "live: masqueraded behind the host's uplink"
    );
    let saved = lab.host.exec_ok(&["ip6tables-save", "-t", "nat"]);
    assert_eq!(
        saved.matches("-A POSTROUTING -j HOSTNET-POSTROUTING").count(),
        1,
        "{saved}"
    );
    assert_eq!(saved.matches("-j MASQUERADE").count(), 1, "{saved}");
}

#[test]
fn real_nftables_nat66_lets_the_guest_reach_the_internet_as_the_host() {
    if !can_run(&["nft", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(
        &playbook("nat", "stateless", false),
        FACTS,
        &["--firewall", "nftables"],
        &[],
    );
    let lab = Triangle::new();
    assert_eq!(
        lab.seen_by_internet(),
        None,
        "control: without NAT66 no answer comes back"
    );
    let ruleset = rendered.path("/etc/nftables.d/hostnet.nft");
    lab.host.exec_ok(&["nft", "-c", "-f", ruleset.to_str().unwrap()]);
    lab.host.exec_ok(&["nft", "-f", ruleset.to_str().unwrap()]);
    assert_eq!(
        lab.seen_by_internet_eventually(),
        Some(HOST_UPLINK6),
        "masqueraded behind the host's uplink"
    );
}

/// The host's LAN: a router namespace advertising 2001:db8:1::/64 with
/// itself as default router (dnsmasq `ra-only`, every 4 s), and the host's
/// eth0 on it, unconfigured but for router advertisements (the kernel's
/// default `accept_ra=1`).
pub(crate) struct RaLan {
    pub(crate) host: Netns,
    _router: Netns,
    _dir: tempfile::TempDir,
}

impl RaLan {
    pub(crate) fn new() -> Self {
        let router = Netns::new();
        let host = Netns::new();
        host.veth("eth0", &router, "lan0");
        router.ip_ok(&["address", "add", "2001:db8:1::1/64", "dev", "lan0", "nodad"]);
        sysctl(&router, &["net.ipv6.conf.all.forwarding=1"]);
        router.ip_ok(&["link", "set", "lan0", "up"]);
        sysctl(
            &host,
            &["net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0"],
        );
        assert_eq!(
            host.read("/proc/sys/net/ipv6/conf/eth0/accept_ra").as_deref(),
            Some("1")
        );
        let dir = tempfile::tempdir().unwrap();
        let mut dnsmasq = router.command(&[
            "dnsmasq",
            "--keep-in-foreground",
            "--log-facility=-",
            "--conf-file=/dev/null",
            "--port=0",
            "--pid-file=",
            "--interface=lan0",
            "--bind-dynamic",
            "--enable-ra",
            "--dhcp-range=::,constructor:lan0,ra-only,64",
            "--ra-param=lan0,4,600",
            "--log-dhcp",
        ]);
        dnsmasq.arg(format!("--dhcp-leasefile={}", dir.path().join("leases").display()));
        router.spawn(dnsmasq, &dir.path().join("dnsmasq.log"));
        host.ip_ok(&["link", "set", "eth0", "up"]);
        let lan = Self {
            host,
            _router: router,
            _dir: dir,
        };
        let route = lan.wait_for_default_route(Duration::from_secs(20));
        assert!(
            route.is_some(),
            "the host got no default route from the LAN router's advertisements"
        );
        lan
    }

    /// The host's default route, once it has one within `timeout`.
    pub(crate) fn wait_for_default_route(&self, timeout: Duration) -> Option<String> {
        wait_for(timeout, || {
            let route = default_route(&self.host);
            route.starts_with("default via fe80::").then_some(route)
        })
    }

    fn sysctl_p(&self, file: &Path) {
        let output = self.host.exec(&["sysctl", "-p", file.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "sysctl -p {}:\n{}",
            file.display(),
            text(&output)
        );
    }
}

#[test]
fn real_host_keeps_its_ra_default_route_when_forwarding_starts() {
    if !can_run(&["dnsmasq", "sysctl"]) {
        return;
    }
    let rendered = Rendered::new(&playbook("nat", "stateless", false), FACTS, &[], &[]);
    let file = rendered.path("/etc/sysctl.d/30-hostnet.conf");
    assert_eq!(
        rendered
            .read("/etc/sysctl.d/30-hostnet.conf")
            .lines()
            .skip(2)
            .collect::<Vec<_>>(),
        [
            "net.ipv4.ip_forward = 1",
            "net.ipv6.conf.eth0.accept_ra = 2",
            "net.ipv6.conf.all.forwarding = 1"
        ]
    );
    let lan = RaLan::new();
    lan.sysctl_p(&file);
    assert_eq!(
        lan.host.read("/proc/sys/net/ipv6/conf/eth0/forwarding").as_deref(),
        Some("1")
    );
    assert_eq!(
        lan.host.read("/proc/sys/net/ipv6/conf/eth0/accept_ra").as_deref(),
        Some("2")
    );
    assert!(
        default_route(&lan.host).starts_with("default via fe80::"),
        "the host lost its default route when forwarding started"
    );
    // Later advertisements still count: the route's lifetime (600 s) is
    // renewed, not left to run out.
    let expires = |route: &str| -> Option<u32> {
        route
            .split_whitespace()
            .skip_while(|word| *word != "expires")
            .nth(1)?
            .trim_end_matches("sec")
            .parse()
            .ok()
    };
    // Without a renewal the lifetime only goes down: after 12 s it is below
    // 589 s for good. An advertisement (every few seconds, later on a busy
    // machine) brings it back up to about 600 s.
    std::thread::sleep(Duration::from_secs(12));
    let renewed = wait_for(Duration::from_secs(60), || {
        expires(&default_route(&lan.host)).filter(|left| *left > 590)
    });
    assert!(
        renewed.is_some(),
        "no advertisement renewed the route after forwarding started ({:?} s left)",
        expires(&default_route(&lan.host))
    );

    // Control: forwarding alone (accept_ra=1) deletes the route at once.
    let lan = RaLan::new();
    sysctl(&lan.host, &["net.ipv6.conf.all.forwarding=1"]);
    assert_eq!(
        default_route(&lan.host),
        "",
        "control: forwarding with accept_ra=1 deletes the route"
    );

    // Control: the right values in the wrong order do too.
    let lan = RaLan::new();
    let reversed = rendered.stage.path().join("reversed.conf");
    fs_err::write(
        &reversed,
        "net.ipv6.conf.all.forwarding = 1\nnet.ipv6.conf.eth0.accept_ra = 2\n",
    )
    .unwrap();
    lan.sysctl_p(&reversed);
    assert_eq!(
        default_route(&lan.host),
        "",
        "control: accept_ra=2 after forwarding is too late"
    );
    // … until the next advertisement, which accept_ra=2 takes.
    assert!(lan.wait_for_default_route(Duration::from_secs(30)).is_some());
}

/// br0's addresses as `ip -o addr` lists them (`172.16.1.1/24`, …), sorted,
/// without link-local ones.
pub(crate) fn bridge_addresses(host: &Netns) -> Vec<String> {
    let output = host.exec(&["ip", "-o", "addr", "show", "dev", "br0", "scope", "global"]);
    let output = String::from_utf8_lossy(&output.stdout);
    let mut addresses: Vec<String> = output
        .lines()
        .filter_map(|line| line.split_whitespace().nth(3))
        .map(str::to_owned)
        .collect();
    addresses.sort();
    addresses
}

/// A host namespace whose uplink eth0 is a veth with its peer up.
fn host_with_uplink() -> (Netns, Netns) {
    let host = Netns::new();
    let lan = Netns::new();
    host.veth("eth0", &lan, "lan0");
    lan.ip_ok(&["link", "set", "lan0", "up"]);
    (host, lan)
}

#[test]
fn real_ifupdown_brings_up_the_dual_stack_bridge() {
    if !can_run(&["ifup", "ifdown", "brctl"]) {
        return;
    }
    let rendered = Rendered::new(
        &playbook("nat", "stateless", false),
        FACTS,
        &["--network-backend", "debian-ifupdown"],
        &[],
    );
    assert!(
        rendered
            .read("/etc/network/interfaces.d/hostnet")
            .ends_with("iface br0 inet6 static\n    address fd42:4242:4242:1::1/64\n    dad-attempts 0\n")
    );
    let (host, _lan) = host_with_uplink();
    let sandbox = Sandbox::new(&host, rendered.stage.path(), Features::default());
    // No guest runs yet: br0 has no carrier, and ifup must not wait for
    // duplicate address detection that cannot finish.
    let start = std::time::Instant::now();
    let output = sandbox.run_ok("mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "ifup waited {:?}:\n{output}",
        start.elapsed()
    );
    assert_eq!(bridge_addresses(&host), ["172.16.1.1/24", HOST6], "{output}");
    let links = host.ip_ok(&["-o", "link", "show", "master", "br0"]);
    assert!(links.contains("tap0:") && links.contains("tap1:"), "{links}");
    let output = sandbox.run_ok("ifdown -a -i /etc/network/interfaces --state-dir /run/network");
    assert!(!host.ip_ok(&["-o", "link", "show"]).contains("br0:"), "{output}");
}

#[test]
fn real_networkd_configures_the_dual_stack_bridge() {
    if !can_run(&["/lib/systemd/systemd-networkd", "mknod"]) {
        return;
    }
    let rendered = Rendered::new(
        &playbook("nat", "stateless", false),
        FACTS,
        &["--distro", "systemd", "--network-backend", "systemd-networkd"],
        &[],
    );
    assert!(
        rendered
            .read("/etc/systemd/network/10-hostnet-br0.network")
            .contains("Address=172.16.1.1/24\nAddress=fd42:4242:4242:1::1/64\n")
    );
    let (host, _lan) = host_with_uplink();
    let sandbox = Sandbox::new(&host, rendered.stage.path(), Features::NETWORKD);
    let networkd = crate::support::lab::boot::start_networkd(&sandbox);
    let addresses = wait_for(Duration::from_secs(30), || {
        let addresses = bridge_addresses(&host);
        (addresses.len() == 2).then_some(addresses)
    });
    let log = networkd.output();
    assert_eq!(
        addresses.as_deref(),
        Some(&["172.16.1.1/24".to_owned(), HOST6.to_owned()][..]),
        "{}",
        crate::support::lab::boot::networkd_tail(&log)
    );
    let problems = crate::support::lab::boot::networkd_problems(&log);
    assert!(
        problems.is_empty(),
        "networkd rejected part of the files:\n{}",
        problems.join("\n")
    );
}

const UFW_INIT: &str = "/lib/ufw/ufw-init";

#[test]
fn real_ufw_boot_path_loads_nat66_once_and_stop_removes_it() {
    if !can_run(&[UFW_INIT, "ufw", "ip6tables-save"]) {
        return;
    }
    let stock = crate::support::stock::stock_ufw_files();
    let before: Vec<(&str, &str)> = stock.iter().map(|(path, text)| (*path, text.as_str())).collect();
    let facts = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0 }\ntools: [ufw]\nufw_enabled: true\n";
    let rendered = Rendered::new(
        &playbook("nat", "stateful", false),
        facts,
        &["--firewall", "ufw"],
        &before,
    );
    let netns = Netns::new();
    let sandbox = Sandbox::new(&netns, rendered.stage.path(), Features::UFW);
    sandbox.run_ok(&format!("{UFW_INIT} start quiet"));
    let masquerade = "-A HOSTNET-POSTROUTING -s fd42:4242:4242:1::/64 ! -d fd42:4242:4242:1::/64 -o eth0 -j MASQUERADE";
    let check = || {
        let nat = netns.exec_ok(&["ip6tables-save", "-t", "nat"]);
        assert_eq!(nat.matches("-A POSTROUTING -j HOSTNET-POSTROUTING").count(), 1, "{nat}");
        assert_eq!(nat.matches(masquerade).count(), 1, "{nat}");
        let filter = netns.exec_ok(&["ip6tables-save", "-t", "filter"]);
        for rule in [
            "-A ufw6-before-input -i br0 -p udp -m udp --dport 547 -j ACCEPT",
            "-A ufw6-before-input -i br0 -p ipv6-icmp -m icmp6 --icmpv6-type 133 -j ACCEPT",
            "-A ufw6-before-forward -s fd42:4242:4242:1::/64 -o eth0 -j ACCEPT",
            "-A ufw6-before-forward ! -s fd42:4242:4242:1::/64 -d fd42:4242:4242:1::/64 -j DROP",
        ] {
            assert_eq!(filter.matches(rule).count(), 1, "{rule}\n{filter}");
        }
    };
    check();
    for _ in 0..2 {
        sandbox.run_ok("ufw reload");
        check();
    }
    sandbox.run_ok(&format!("{UFW_INIT} stop"));
    let stopped = netns.exec_ok(&["ip6tables-save", "-t", "nat"]);
    assert!(!stopped.contains("HOSTNET-POSTROUTING"), "{stopped}");
}

/// Where systemd-sysctl is on this machine.
fn systemd_sysctl() -> &'static str {
    ["/lib/systemd/systemd-sysctl", "/usr/lib/systemd/systemd-sysctl"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("/lib/systemd/systemd-sysctl")
}

/// The second guest's SLAAC address.
const DB_SLAAC: &str = "fd42:4242:4242:1:5054:ff:fe00:103";

/// The namespaces of a booted dual-stack network: the host, its two guests
/// on br0 (`web` and `db`, with their SLAAC addresses) and the "internet"
/// 2001:db8:ffff::1 behind the host's uplink eth0 (the host's own
/// configuration: 2001:db8:ffff::2/64).
struct DualStack {
    host: Netns,
    guests: [Netns; 2],
    internet: Netns,
}

/// A dual-stack network booted the way a Debian host boots it, from
/// nothing but the rendered files (systemd-sysctl, the firewall's boot
/// ruleset with Docker's FORWARD policy DROP after it, `ifup -a`, dnsmasq);
/// the guests take SLAAC from the real dnsmasq (and their default route,
/// where the mode routes). The internet knows no way to the guests' prefix
/// unless `route_back` (routed mode's route via the host). Then `check`.
fn with_dual_stack(mode: &str, firewall: &str, route_back: bool, check: impl FnOnce(&DualStack)) {
    let rendered = Rendered::new(
        &playbook(mode, "stateless", false),
        FACTS,
        &["--firewall", firewall, "--network-backend", "debian-ifupdown"],
        &[],
    );
    let lab = DualStack {
        host: Netns::new(),
        guests: [Netns::new(), Netns::new()],
        internet: Netns::new(),
    };
    let DualStack { host, guests, internet } = &lab;
    host.veth("eth0", internet, "eth0");
    host.ip_ok(&["address", "add", "2001:db8:ffff::2/64", "dev", "eth0", "nodad"]);
    host.ip_ok(&["link", "set", "eth0", "up"]);
    internet.ip_ok(&["address", "add", "2001:db8:ffff::1/64", "dev", "eth0", "nodad"]);
    internet.ip_ok(&["link", "set", "eth0", "up"]);
    if route_back {
        internet.ip_ok(&["-6", "route", "add", PREFIX, "via", "2001:db8:ffff::2"]);
    }
    for (index, (guest, mac)) in guests
        .iter()
        .zip(["52:54:00:00:01:02", "52:54:00:00:01:03"])
        .enumerate()
    {
        host.veth(&format!("vnet{index}"), guest, "eth0");
        guest.ip_ok(&["link", "set", "eth0", "address", mac]);
        sysctl(
            guest,
            &["net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0"],
        );
    }
    let sandbox = Sandbox::new(host, rendered.stage.path(), Features::default());
    if rendered.path("/etc/sysctl.d/30-hostnet.conf").exists() {
        sandbox.run_ok(&format!("{} /etc/sysctl.d/30-hostnet.conf", systemd_sysctl()));
    }
    match firewall {
        "iptables" => sandbox.run_ok(
            "iptables-restore < /etc/iptables/rules.v4 && ip6tables-restore < /etc/iptables/rules.v6 \
             && iptables -w -P FORWARD DROP && ip6tables -w -P FORWARD DROP",
        ),
        _ => sandbox.run_ok("nft -f /etc/nftables.d/hostnet.nft"),
    };
    sandbox.run_ok("mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network");
    let server = sandbox.spawn(
        "exec dnsmasq --keep-in-foreground --log-facility=- --conf-file=/etc/dnsmasq.d/hostnet-br0.conf \
         --pid-file=/run/dnsmasq.pid --dhcp-leasefile=/run/dnsmasq.leases --resolv-file=/dev/null",
    );
    let ready = wait_for(Duration::from_secs(10), || {
        server.output().contains("constructed for br0").then_some(())
    });
    assert!(ready.is_some(), "dnsmasq built no IPv6 range:\n{}", server.output());
    // qemu-bridge-helper attaches a guest's TAP once the bridge is up.
    for (index, (guest, slaac)) in guests.iter().zip([WEB_SLAAC, DB_SLAAC]).enumerate() {
        host.ip_ok(&["link", "set", &format!("vnet{index}"), "master", "br0", "up"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        assert_eq!(
            wait_for_addresses(guest, &server, |addresses| !addresses.is_empty()),
            [slaac]
        );
    }
    if matches!(mode, "nat" | "routed") {
        let routed = wait_for(Duration::from_secs(10), || {
            default_route(&guests[0])
                .starts_with("default via fe80::")
                .then_some(())
        });
        assert!(routed.is_some(), "the guest got no IPv6 default route from the host");
    }
    check(&lab);
    drop(sandbox);
}

/// `ping -6 -c1 -W1` from `from` to `target`: did it answer?
pub(crate) fn pings6(from: &Netns, target: &str) -> bool {
    from.exec(&["ping", "-6", "-c1", "-W1", "-n", target]).status.success()
}

/// What the internet sees of a TCP connection from `guest` (polled for up to 5 s).
fn internet_sees(lab: &DualStack, guest: usize) -> Option<Ipv6Addr> {
    wait_for(Duration::from_secs(5), || seen_by(&lab.internet, &lab.guests[guest]))
}

#[test]
fn real_nat_guests_reach_the_internet_over_ipv6_as_the_host() {
    if !can_run(&[
        "dnsmasq",
        "ifup",
        "brctl",
        "ping",
        "iptables-restore",
        "ip6tables-restore",
        "nft",
        systemd_sysctl(),
    ]) {
        return;
    }
    for firewall in ["iptables", "nftables"] {
        with_dual_stack("nat", firewall, false, |lab| {
            assert_eq!(
                internet_sees(lab, 0),
                Some(HOST_UPLINK6),
                "nat ({firewall}): the internet sees the host"
            );
            assert!(pings6(&lab.guests[0], DB_SLAAC), "nat ({firewall}): g↔g over IPv6");
            assert!(pings6(&lab.host, WEB_SLAAC), "nat ({firewall}): host→g over IPv6");
            // The internet, even with a route to the prefix, does not reach the guests.
            lab.internet
                .ip_ok(&["-6", "route", "add", PREFIX, "via", "2001:db8:ffff::2"]);
            assert!(
                !pings6(&lab.internet, WEB_SLAAC),
                "nat ({firewall}): nothing from outside reaches the guests"
            );
        });
    }
}

#[test]
fn real_routed_guests_reach_the_internet_over_ipv6_as_themselves() {
    if !can_run(&[
        "dnsmasq",
        "ifup",
        "brctl",
        "ping",
        "iptables-restore",
        "ip6tables-restore",
        systemd_sysctl(),
    ]) {
        return;
    }
    with_dual_stack("routed", "iptables", true, |lab| {
        assert_eq!(
            internet_sees(lab, 0),
            Some(WEB_SLAAC.parse().unwrap()),
            "routed: the internet sees the guest's own address"
        );
        assert!(
            pings6(&lab.internet, DB_SLAAC),
            "routed: the outside reaches the guests by their route"
        );
    });
    // Without the route back nothing returns (no masquerade).
    with_dual_stack("routed", "iptables", false, |lab| {
        assert_eq!(internet_sees(lab, 0), None, "routed without a route back: no answer");
    });
}

#[test]
fn real_host_only_and_internal_keep_their_promise_over_ipv6() {
    if !can_run(&[
        "dnsmasq",
        "ifup",
        "brctl",
        "ping",
        "iptables-restore",
        "ip6tables-restore",
        systemd_sysctl(),
    ]) {
        return;
    }
    for mode in ["host_only", "internal"] {
        with_dual_stack(mode, "iptables", true, |lab| {
            assert_eq!(
                default_route(&lab.guests[0]),
                "",
                "{mode}: no IPv6 default route from the host"
            );
            assert!(pings6(&lab.guests[0], DB_SLAAC), "{mode}: g↔g over IPv6");
            // A guest that routes via the host anyway is not forwarded.
            lab.guests[0].ip_ok(&["-6", "route", "add", "default", "via", "fd42:4242:4242:1::1"]);
            assert_eq!(internet_sees(lab, 0), None, "{mode}: nothing is forwarded");
            let host_reaches = pings6(&lab.host, WEB_SLAAC);
            let reaches_host = pings6(&lab.guests[0], "fd42:4242:4242:1::1");
            if mode == "internal" {
                assert!(!reaches_host, "internal: the host is firewalled off over IPv6");
                assert!(
                    !host_reaches,
                    "internal: the host does not reach the guests (no replies)"
                );
            } else {
                assert!(
                    reaches_host && host_reaches,
                    "host_only: host and guests reach each other over IPv6"
                );
            }
        });
    }
}

/// An uplink whose name has a dot (a VLAN, `eth0.100`): hostnet writes its
/// `accept_ra` with slashes (`net/ipv6/conf/eth0.100/accept_ra`, sysctl.d(5)),
/// and the real `systemd-sysctl` and `sysctl -p` each set it to 2 in a fresh
/// namespace whose NIC has that name, before forwarding. Control: the
/// all-dots spelling names `…/conf/eth0/100/accept_ra`; systemd-sysctl only
/// warns and exits 0, `sysctl -p` fails, and neither sets it (why `hostnet
/// check` refuses that spelling).
#[test]
fn real_sysctl_tools_set_accept_ra_on_an_uplink_with_a_dot() {
    if !can_run(&["sysctl", systemd_sysctl()]) {
        return;
    }
    let playbook = format!(
        "- hosts: localhost\n  tasks:\n    - vm_network:\n        mode: nat\n        uplink: eth0.100\n        \
         subnet: 172.16.1.0/24\n        subnet6: \"{PREFIX}\"\n        vms:\n          \
         - {{ name: web, tap: tap0, mac: \"52:54:00:00:01:02\" }}\n"
    );
    let facts = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0.100 }\n";
    let rendered = Rendered::new(&playbook, facts, &[], &[]);
    assert_eq!(
        rendered.read("/etc/sysctl.d/30-hostnet.conf"),
        "# Managed by hostnet: edit the playbook, not this file.\n\
         # Kernel parameters for the guests' networking.\n\
         net.ipv4.ip_forward = 1\n\
         net/ipv6/conf/eth0.100/accept_ra = 2\n\
         net.ipv6.conf.all.forwarding = 1\n"
    );
    let file = rendered.path("/etc/sysctl.d/30-hostnet.conf");
    let file = file.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dotted = dir.path().join("dotted.conf");
    fs_err::write(&dotted, "net.ipv6.conf.eth0.100.accept_ra = 2\n").unwrap();
    let dotted = dotted.to_str().unwrap();
    let with_vlan = || {
        let netns = Netns::new();
        netns.ip_ok(&["link", "add", "eth0.100", "type", "veth", "peer", "name", "p0"]);
        let accept_ra = netns.read("/proc/sys/net/ipv6/conf/eth0.100/accept_ra");
        assert_eq!(accept_ra.as_deref(), Some("1"));
        netns
    };
    let values = |netns: &Netns| {
        [
            "/proc/sys/net/ipv6/conf/eth0.100/accept_ra",
            "/proc/sys/net/ipv6/conf/all/forwarding",
        ]
        .map(|path| netns.read(path).unwrap_or_default())
    };
    for tool in [[systemd_sysctl(), file], ["sysctl", "-p"]] {
        let netns = with_vlan();
        let mut argv = tool.to_vec();
        if argv[0] == "sysctl" {
            argv.push(file);
        }
        let output = netns.exec(&argv);
        assert!(output.status.success(), "{argv:?}: {}", text(&output));
        // sysctl echoes the key its way (`net.ipv6.conf.eth0/100.accept_ra`).
        let said = text(&output);
        assert!(
            !said.contains("cannot stat") && !said.contains("Couldn't write"),
            "{argv:?}: {said}"
        );
        assert_eq!(values(&netns), ["2", "1"], "{argv:?}: {}", text(&output));
    }
    let netns = with_vlan();
    let output = netns.exec(&[systemd_sysctl(), dotted]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("Couldn't write '2' to 'net/ipv6/conf/eth0/100/accept_ra'"),
        "{}",
        text(&output)
    );
    let output = netns.exec(&["sysctl", "-p", dotted]);
    assert!(!output.status.success(), "{}", text(&output));
    assert_eq!(values(&netns)[0], "1");
}
