//! dnsmasq: one drop-in per DHCP server, `/etc/dnsmasq.d/hostnet-IFACE.conf`,
//! with the fixed leases, the service enabled, and a restart when a file
//! changes. On Gentoo also the `conf-dir` line `/etc/dnsmasq.conf` lacks and
//! `rc_need="net.br0"` in `/etc/conf.d/dnsmasq`.
//!
//! Spellings and traps are in `reference/distro-tools.md` (verified with
//! dnsmasq 2.90). What shapes this file:
//! - `bind-dynamic`, not `bind-interfaces`: dnsmasq may start before the
//!   bridge exists (`bind-interfaces` exits with `unknown interface br0`). It
//!   also binds the served addresses only, so it does not clash with another
//!   resolver on the wildcard address (systemd-resolved on 127.0.0.53).
//! - One dnsmasq reads every file in `/etc/dnsmasq.d` together, so a file
//!   may not say anything global that another one contradicts:
//!   - DHCP options are tagged with the interface (`tag:br0`, a tag dnsmasq
//!     sets for every request by the name of the interface it arrived on):
//!     dnsmasq keeps one untagged value per option number for every guest,
//!     so untagged, a host-only bridge's empty `option:router` takes the
//!     gateway away from the NAT bridge's guests (`tests/real_services.rs`).
//!   - `domain=` is limited to the interface's subnet, for the same reason.
//!   - Nothing global at all: no `port=0`, even when no server wants
//!     dnsmasq to answer DNS. `port=0` turns off the DNS service of the whole
//!     dnsmasq, so a host whose `/etc/dnsmasq.conf` runs a DNS cache would
//!     silently lose it (and a `port=` of the user's own makes dnsmasq refuse
//!     to start: "illegal repeated keyword"). `dns: none` announces no DNS
//!     server to the guests (`dhcp-option=tag:IFACE,option:dns-server`);
//!     whether dnsmasq answers DNS is the host's own configuration.
//! - Debian's and Ubuntu's dnsmasq read `/etc/dnsmasq.d` by default (the
//!   service passes `-7 /etc/dnsmasq.d,.dpkg-dist,…`), and so is assumed for
//!   other systemd hosts; Gentoo's `/etc/dnsmasq.conf` has `conf-dir`
//!   commented out, hence the block.
//! - A server with fixed leases but no range gets a `static` range over its
//!   subnet: without any `dhcp-range` for the subnet dnsmasq ignores the
//!   reservations.
//! - A `dhcp-host` name that dnsmasq would read as a lease time (`12h`,
//!   `3600`) or a keyword (`ignore` disables the reservation) is refused.
//! - IPv6 (`ra`): `enable-ra` (a flag, which any number of drop-ins may
//!   repeat) and a `constructor:IFACE` range, which takes the prefix from
//!   the interface's own address, so only the host part is written:
//!   `::,constructor:br0,ra-stateless,64` for SLAAC (with stateless DHCPv6
//!   for DNS), `::100,::1ff,constructor:br0,64` for stateful DHCPv6 (the
//!   advertisement's "managed" bit, no SLAAC), `::,constructor:br0,static`
//!   with fixed addresses only. A fixed IPv6 address is `[ADDR]` in the
//!   lease's `dhcp-host` line, matched by MAC. Without a router (host-only,
//!   internal) the advertisement's router lifetime is 0
//!   (`ra-param=br0,0,0`): the guests learn the prefix, not a default route.
//! - A relay (`dhcp_relay`) is a drop-in of its own with `dhcp-relay=LOCAL,SERVER`
//!   on its interface (and, like a server's, nothing global).

use std::fmt::Write as _;

use foldhash::HashSet;

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Block, Change, Conflict, Placement, Planned, ServiceAction, TaskId};
use hostnet_engine::error::{Error, Result};
use hostnet_engine::facts::{Distro, Facts};
use hostnet_engine::model::{DhcpHost, DhcpServer, Dns, HostModel, Index, RaMode, Router};
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{FileMode, MacAddr};
use hostnet_engine::value::At;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::text::sh_assignment;

/// First line of every drop-in.
const HEADER: &str = "# Managed by hostnet: edit the playbook, not this file.";
/// Gentoo's main configuration file (no `conf-dir` by default).
const MAIN_CONF: &str = "/etc/dnsmasq.conf";
/// The line that makes dnsmasq read the drop-ins.
const CONF_DIR: &str = "conf-dir=/etc/dnsmasq.d/,*.conf";
/// Gentoo's OpenRC settings for the dnsmasq service.
const CONF_D: &str = "/etc/conf.d/dnsmasq";

/// The dnsmasq backend.
pub(crate) struct Dnsmasq;

impl Backend for Dnsmasq {
    fn id(&self) -> BackendId {
        BackendId::new("dnsmasq")
    }

    fn target(&self) -> Target {
        Target::Dhcp
    }

    fn detect(&self, _facts: &Facts) -> Detection {
        Detection::Preferred
    }

    fn wanted(&self, model: &HostModel) -> bool {
        !model.dhcp_servers.is_empty() || !model.dhcp_relays.is_empty()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let facts = desired.facts;
        let mut all_tasks: Vec<TaskId> = model.dhcp_servers.iter().map(|server| server.origin.task).collect();
        all_tasks.extend(model.dhcp_relays.iter().map(|relay| relay.origin.task));
        let mut changes = Vec::new();
        let mut files = Vec::new();
        let mut hosts_dirs = Vec::new();
        for server in &model.dhcp_servers {
            let path = drop_in(server);
            let content = server_file(&desired.index, server)?;
            let origins = vec![server.origin.task];
            changes.push(Planned::from_tasks(
                Change::File {
                    path: path.clone(),
                    content,
                    mode: FileMode(0o644),
                    owner: None,
                    group: None,
                },
                origins.clone(),
            ));
            files.push(path);
            // One file per fixed lease, read by dnsmasq without a restart.
            let dir = hosts_dir(server);
            for host in &server.hosts {
                changes.push(Planned::from_tasks(
                    Change::File {
                        path: SysPath::from_static(format!("{dir}/{}", lease_file(host.value.mac))),
                        content: format!("{}\n", host_line(host)?),
                        mode: FileMode(0o644),
                        owner: None,
                        group: None,
                    },
                    origins.clone(),
                ));
            }
            changes.push(Planned::from_tasks(
                Change::Prune {
                    dir: dir.clone(),
                    prefix: String::new(),
                },
                origins,
            ));
            hosts_dirs.push(dir);
        }
        for relay in &model.dhcp_relays {
            let path = SysPath::from_static(format!("/etc/dnsmasq.d/hostnet-{}.conf", relay.interface.value));
            let lines = [
                HEADER.to_owned(),
                format!(
                    "# DHCP for the guests on {}, relayed to {}.",
                    relay.interface.value, relay.server.value
                ),
                format!("interface={}", relay.interface.value),
                "bind-dynamic".to_owned(),
                format!("dhcp-relay={},{}", relay.address, relay.server.value),
            ];
            changes.push(Planned::from_tasks(
                Change::File {
                    path: path.clone(),
                    content: lines.join("\n") + "\n",
                    mode: FileMode(0o644),
                    owner: None,
                    group: None,
                },
                [relay.origin.task],
            ));
            files.push(path);
        }
        // Drop-ins of DHCP servers and relays the playbook no longer has.
        changes.push(Planned::from_tasks(
            Change::Prune {
                dir: SysPath::from_static("/etc/dnsmasq.d"),
                prefix: "hostnet-".into(),
            },
            all_tasks.iter().copied(),
        ));
        if facts.distro == Distro::Gentoo {
            for (block, tasks) in gentoo_blocks(model, &desired.index) {
                files.push(block.path.clone());
                changes.push(Planned::from_tasks(Change::Block(block), tasks));
            }
        }
        let paths: Vec<&str> = files
            .iter()
            .map(SysPath::as_str)
            .filter(|path| path.starts_with("/etc/dnsmasq.d/"))
            .collect();
        let reason = match paths.as_slice() {
            [one] if model.dhcp_servers.is_empty() => format!("the DHCP relay in {one}"),
            [one] => format!("the DHCP server in {one}"),
            many if model.dhcp_relays.is_empty() => format!("the DHCP servers in {}", many.join(", ")),
            many => format!("the DHCP servers and relays in {}", many.join(", ")),
        };
        changes.push(Planned::from_tasks(
            Change::Service {
                name: "dnsmasq".into(),
                action: ServiceAction::Enable,
            },
            all_tasks.iter().copied(),
        ));
        changes.push(Planned::from_tasks(
            Change::RestartOnChange {
                name: "dnsmasq".into(),
                files: files.clone(),
            },
            all_tasks.iter().copied(),
        ));
        // A lease added is read at once (inotify); a changed or removed one
        // needs SIGHUP, which keeps dnsmasq and the leases it gave running.
        changes.push(Planned::from_tasks(
            Change::ReloadOnChange {
                name: "dnsmasq".into(),
                dirs: hosts_dirs,
                unless: files,
            },
            all_tasks.iter().copied(),
        ));
        changes.push(Planned::from_tasks(
            Change::Require {
                package: "dnsmasq".into(),
                reason,
            },
            all_tasks,
        ));
        changes.extend(crate::firewall_needs::dhcp(desired));
        Ok(changes)
    }
}

/// `/etc/dnsmasq.d/hostnet-IFACE.conf`.
fn drop_in(server: &DhcpServer) -> SysPath {
    SysPath::from_static(format!("/etc/dnsmasq.d/hostnet-{}.conf", server.interface.value))
}

/// The interface's own IPv4 address with its prefix (validation makes sure
/// there is one).
fn subnet(index: &Index<'_>, server: &DhcpServer) -> Result<Ipv4Net> {
    let name = server.interface.value.as_str();
    index
        .static_addresses(name)
        .iter()
        .copied()
        .find_map(|address| match address {
            IpNet::V4(address) => Some(address),
            IpNet::V6(_) => None,
        })
        .ok_or_else(|| {
            Error::invalid(
                &server.interface.pos,
                format!("`{name}` has no static IPv4 address for its DHCP server to serve from"),
                None,
            )
        })
}

/// The drop-in for one server (interface-scoped lines only).
fn server_file(index: &Index<'_>, server: &DhcpServer) -> Result<String> {
    let name = server.interface.value.as_str();
    // Interface names are letters, digits and `_ . + -` (see `InterfaceName`),
    // so none of dnsmasq's separators (`,`) or wildcards (`*`) can appear.
    let subnet = subnet(index, server)?;
    let network = subnet.trunc();
    let tag = format!("tag:{name}");
    let mut lines = vec![
        HEADER.to_owned(),
        format!("# DHCP for the guests on {name}."),
        format!("interface={name}"),
        "bind-dynamic".to_owned(),
    ];
    match &server.range {
        Some(range) => {
            let (first, last) = range.value;
            lines.push(format!("dhcp-range={first},{last},{}", server.lease));
        }
        None => lines.push(format!(
            "dhcp-range={},static,{},{}",
            network.network(),
            network.netmask(),
            server.lease
        )),
    }
    for host in &server.hosts {
        host_line(host)?;
    }
    if !server.hosts.is_empty() {
        lines.push(format!("dhcp-hostsdir={}", hosts_dir(server)));
    }
    match server.router {
        Router::Interface => lines.push(format!("dhcp-option={tag},option:router,{}", subnet.addr())),
        Router::Address(address) => lines.push(format!("dhcp-option={tag},option:router,{address}")),
        Router::None => lines.push(format!("dhcp-option={tag},option:router")),
    }
    match &server.dns {
        Dns::Local => {}
        Dns::None => lines.push(format!("dhcp-option={tag},option:dns-server")),
        Dns::Servers(servers) => {
            let mut words = vec![format!("dhcp-option={tag},option:dns-server")];
            for address in servers {
                if address.is_ipv6() {
                    return Err(Error::invalid(
                        &server.interface.pos,
                        format!("the DNS server `{address}` is IPv6; DHCPv4 announces IPv4 servers only"),
                        None,
                    ));
                }
                words.push(address.to_string());
            }
            lines.push(words.join(","));
        }
    }
    if let Some(domain) = &server.domain {
        lines.push(format!("domain={domain},{network}"));
    }
    lines.extend(ipv6_lines(index, server));
    Ok(lines.join("\n") + "\n")
}

/// The IPv6 half: router advertisements and DHCPv6 for the interface's
/// IPv6 prefix (validation makes sure it has one when `ra` is on).
fn ipv6_lines(index: &Index<'_>, server: &DhcpServer) -> Vec<String> {
    let Some(ipv6) = &server.ipv6 else {
        return Vec::new();
    };
    let name = server.interface.value.as_str();
    let prefix = index.static_addresses(name).iter().find_map(|net| match net {
        IpNet::V6(net) if net.addr().segments()[0] & 0xffc0 != 0xfe80 => Some(*net),
        _ => None,
    });
    let (Some(prefix), false) = (prefix, ipv6.ra.value == RaMode::Off) else {
        return Vec::new();
    };
    let length = prefix.prefix_len();
    let lease = server.lease;
    let mut lines = vec![
        format!("# IPv6: router advertisements for {}.", prefix.trunc()),
        "enable-ra".to_owned(),
    ];
    lines.push(match (ipv6.ra.value, &ipv6.range) {
        (RaMode::Stateful, Some(range)) => {
            let (first, last) = range.value;
            format!(
                "dhcp-range={},{},constructor:{name},{length},{lease}",
                host_part(prefix, first),
                host_part(prefix, last)
            )
        }
        (RaMode::Stateful, None) => format!("dhcp-range=::,constructor:{name},static,{length},{lease}"),
        _ => format!("dhcp-range=::,constructor:{name},ra-stateless,{length},{lease}"),
    });
    if server.router == Router::None {
        lines.push(format!("ra-param={name},0,0"));
    }
    if server.dns == Dns::None {
        lines.push(format!("dhcp-option=tag:{name},option6:dns-server"));
    }
    lines
}

/// The host part of `address` in `prefix` (what a `constructor:` range
/// takes): `fd42::1:100` in a /72 is `::1:100`.
fn host_part(prefix: Ipv6Net, address: std::net::Ipv6Addr) -> std::net::Ipv6Addr {
    (u128::from(address) & u128::from(prefix.hostmask())).into()
}

/// Where a server's fixed leases are kept, one file each (`dhcp-hostsdir`):
/// outside `/etc/dnsmasq.d`, which dnsmasq reads as configuration.
fn hosts_dir(server: &DhcpServer) -> SysPath {
    SysPath::from_static(format!("/etc/hostnet/dnsmasq/{}.hosts", server.interface.value))
}

/// A lease's file name: its MAC (`00-26-c6-21-cf-02`); no leading dot, which
/// dnsmasq skips (hostnet's temp files start with one).
fn lease_file(mac: MacAddr) -> String {
    mac.to_string().replace(':', "-")
}

/// A fixed lease as `dhcp-hostsdir` lines: `MAC[,IP][,[IP6]][,NAME]`; with
/// a `duid`, the IPv6 address is the DUID's (`id:DUID,[IP6][,NAME]`, which
/// dnsmasq matches before a MAC) and the MAC's line keeps the IPv4 address
/// only (none without one).
fn host_line(host: &At<DhcpHost>) -> Result<String> {
    let lease = &host.value;
    let name = match &lease.name {
        Some(host_name) => {
            if misread_host_name(host_name) {
                return Err(Error::invalid(
                    &host.pos,
                    format!(
                        "dnsmasq would read the host name `{host_name}` of `{}` as a lease time or a keyword",
                        lease.mac
                    ),
                    Some("pick a name with a letter that is not a time unit (`vm1`)".into()),
                ));
            }
            Some(host_name.as_str())
        }
        None => None,
    };
    let mut line = String::with_capacity(64);
    let with_name = |line: &mut String| {
        if let Some(name) = name {
            line.push(',');
            line.push_str(name);
        }
    };
    match (&lease.duid, &lease.ip6) {
        (Some(duid), Some(ip6)) => {
            if let Some(ip) = lease.ip {
                let _ = write!(line, "{},{ip}", lease.mac);
                with_name(&mut line);
                line.push('\n');
            }
            let _ = write!(line, "id:{},[{}]", duid.value, ip6.value);
        }
        _ => lease_addresses(&mut line, lease),
    }
    with_name(&mut line);
    Ok(line)
}

/// `MAC,IP`, `MAC,[IP6]` or `MAC,IP,[IP6]`.
fn lease_addresses(line: &mut String, lease: &DhcpHost) {
    let _ = write!(line, "{}", lease.mac);
    if let Some(ip) = lease.ip {
        let _ = write!(line, ",{ip}");
    }
    if let Some(ip6) = &lease.ip6 {
        let _ = write!(line, ",[{}]", ip6.value);
    }
}

/// Would dnsmasq take this `dhcp-host` word for something else than a name?
/// Digits with an optional unit (`3600`, `12h`) are a lease time; `infinite`,
/// `deprecated` and `ignore` are keywords (dnsmasq's `option.c`).
fn misread_host_name(name: &str) -> bool {
    if ["infinite", "deprecated", "ignore"].contains(&name.to_ascii_lowercase().as_str()) {
        return true;
    }
    let digits = match name.char_indices().last() {
        Some((index, unit)) if name.len() > 1 && "wdhmsWDHMS".contains(unit) => &name[..index],
        _ => name,
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Gentoo: the `conf-dir` line in `/etc/dnsmasq.conf` (unless the user's
/// part already has it) and `rc_need` on the served interfaces' `net.*`
/// services (dnsmasq's own `need net` is met by any one of them).
fn gentoo_blocks(model: &HostModel, index: &Index<'_>) -> Vec<(Block, Vec<TaskId>)> {
    let mut all_tasks: Vec<TaskId> = model.dhcp_servers.iter().map(|server| server.origin.task).collect();
    all_tasks.extend(model.dhcp_relays.iter().map(|relay| relay.origin.task));
    let mut blocks = vec![(
        Block {
            path: SysPath::from_static(MAIN_CONF),
            marker: "conf-dir".into(),
            content: CONF_DIR.into(),
            present: true,
            placement: Placement::End,
            mode: FileMode(0o644),
            conflicts: Vec::new(),
            unless_present: Some(CONF_DIR.into()),
            enforce_mode: false,
        },
        all_tasks,
    )];
    let mut services: Vec<String> = Vec::new();
    let mut listed: HashSet<String> = HashSet::default();
    let mut tasks = Vec::new();
    let served = model
        .dhcp_servers
        .iter()
        .map(|server| (&server.interface.value, server.origin.task))
        .chain(
            model
                .dhcp_relays
                .iter()
                .map(|relay| (&relay.interface.value, relay.origin.task)),
        );
    for (interface, task) in served {
        let name = interface.as_str();
        let managed = index.bridge(name).is_some()
            || index.tap(name).is_some()
            || index
                .interface(name)
                .is_some_and(|interface| interface.name.as_str() != "lo");
        let service = format!("net.{name}");
        if managed && listed.insert(service.clone()) {
            services.push(service);
            tasks.push(task);
        }
    }
    if !services.is_empty() {
        let services = services.join(" ");
        blocks.push((
            Block {
                path: SysPath::from_static(CONF_D),
                marker: "dnsmasq".into(),
                content: sh_assignment("rc_need", &services),
                present: true,
                placement: Placement::End,
                mode: FileMode(0o644),
                conflicts: vec![Conflict {
                    prefix: "rc_need=".into(),
                    message: format!(
                        "hostnet's block sets `rc_need` (dnsmasq starts after {services}, which it serves); \
                         the last assignment in the file wins"
                    )
                    .into(),
                }],
                unless_present: None,
                enforce_mode: false,
            },
            tasks,
        ));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use hostnet_engine::value::At;

    use hostnet_engine::model::{DhcpHost, LeaseTime};

    use super::*;
    use crate::fixtures::*;

    fn lease(mac: &str, ip: &str, host_name: Option<&str>) -> At<DhcpHost> {
        at(DhcpHost {
            mac: mac.parse().unwrap(),
            ip: Some(ip.parse().unwrap()),
            ip6: None,
            duid: None,
            name: host_name.map(str::to_owned),
        })
    }

    fn server(task: usize, interface: &str, range: Option<(&str, &str)>) -> DhcpServer {
        DhcpServer {
            interface: at(name(interface)),
            range: range.map(|(first, last)| at((first.parse::<Ipv4Addr>().unwrap(), last.parse().unwrap()))),
            lease: LeaseTime::Seconds(43_200),
            router: Router::Interface,
            dns: Dns::Local,
            domain: None,
            hosts: Vec::new(),
            ipv6: None,
            origin: origin(task),
        }
    }

    /// Scenario 2: taps 0 and 1 on br0 172.16.1.1/24, range .2–.100, 12h,
    /// the default router, two fixed leases.
    fn scenario_2() -> HostModel {
        HostModel {
            taps: vec![tap(0, "tap0"), tap(0, "tap1")],
            bridges: vec![bridge(1, "br0", &["tap0", "tap1"], addresses(&["172.16.1.1/24"]))],
            dhcp_servers: vec![DhcpServer {
                hosts: vec![
                    lease("00:26:c6:21:cf:02", "172.16.1.2", None),
                    lease("00:26:c6:21:cf:03", "172.16.1.3", None),
                ],
                ..server(2, "br0", Some(("172.16.1.2", "172.16.1.100")))
            }],
            ..HostModel::default()
        }
    }

    fn render(model: &HostModel, distro: Distro) -> Vec<Planned> {
        Dnsmasq.render(&Desired::new(model, &facts(distro))).unwrap()
    }

    /// Every whole file: path, then content.
    fn files(changes: &[Planned]) -> Vec<(String, String)> {
        changes
            .iter()
            .filter_map(|planned| match &planned.change {
                Change::File {
                    path, content, mode, ..
                } => {
                    assert_eq!(*mode, FileMode(0o644));
                    Some((path.to_string(), content.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// The tasks a rendered file depends on.
    fn origins_of(changes: &[Planned], wanted: &str) -> Vec<TaskId> {
        changes
            .iter()
            .find(|planned| matches!(&planned.change, Change::File { path, .. } if path.as_str() == wanted))
            .map(|planned| planned.origins.clone())
            .unwrap_or_else(|| panic!("no file {wanted}"))
    }

    /// Everything but the files, one line each, with origins.
    fn wiring(changes: &[Planned]) -> Vec<String> {
        changes
            .iter()
            .filter_map(|planned| {
                let what = match &planned.change {
                    Change::File { .. } => return None,
                    Change::Block(block) => format!(
                        "block {} [{}] {:?} unless {:?}",
                        block.path, block.marker, block.content, block.unless_present
                    ),
                    Change::Service { name, action } => format!("service {name} {action:?}"),
                    Change::RestartOnChange { name, files } => format!(
                        "restart {name} on {}",
                        files.iter().map(SysPath::as_str).collect::<Vec<_>>().join(" ")
                    ),
                    Change::Require { package, reason } => format!("require {package}: {reason}"),
                    Change::Prune { dir, prefix } => format!("prune {dir}/{prefix}*"),
                    Change::ReloadOnChange { name, dirs, unless } => format!(
                        "reload {name} on changes under {} unless {}",
                        dirs.iter().map(SysPath::as_str).collect::<Vec<_>>().join(" "),
                        unless.iter().map(SysPath::as_str).collect::<Vec<_>>().join(" ")
                    ),
                    other => panic!("unexpected change {other:?}"),
                };
                let origins: Vec<String> = planned.origins.iter().map(|task| task.0.to_string()).collect();
                Some(format!("{what} [{}]", origins.join(",")))
            })
            .collect()
    }

    #[test]
    fn scenario_2_private_bridge_with_fixed_leases() {
        let changes = render(&scenario_2(), Distro::Debian);
        assert_eq!(
            files(&changes),
            [
                (
                    "/etc/dnsmasq.d/hostnet-br0.conf".to_owned(),
                    "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on br0.
interface=br0
bind-dynamic
dhcp-range=172.16.1.2,172.16.1.100,12h
dhcp-hostsdir=/etc/hostnet/dnsmasq/br0.hosts
dhcp-option=tag:br0,option:router,172.16.1.1
"
                    .to_owned()
                ),
                (
                    "/etc/hostnet/dnsmasq/br0.hosts/00-26-c6-21-cf-02".to_owned(),
                    "00:26:c6:21:cf:02,172.16.1.2\n".to_owned()
                ),
                (
                    "/etc/hostnet/dnsmasq/br0.hosts/00-26-c6-21-cf-03".to_owned(),
                    "00:26:c6:21:cf:03,172.16.1.3\n".to_owned()
                )
            ]
        );
        assert_eq!(changes[0].origins, [TaskId(2)]);
        assert_eq!(
            wiring(&changes),
            [
                "prune /etc/hostnet/dnsmasq/br0.hosts/* [2]",
                "prune /etc/dnsmasq.d/hostnet-* [2]",
                "service dnsmasq Enable [2]",
                "restart dnsmasq on /etc/dnsmasq.d/hostnet-br0.conf [2]",
                "reload dnsmasq on changes under /etc/hostnet/dnsmasq/br0.hosts \
                 unless /etc/dnsmasq.d/hostnet-br0.conf [2]",
                "require dnsmasq: the DHCP server in /etc/dnsmasq.d/hostnet-br0.conf [2]",
            ]
        );
    }

    #[test]
    fn host_only_announces_no_router_and_no_dns() {
        let model = HostModel {
            bridges: vec![bridge(0, "br1", &[], addresses(&["172.16.2.1/24"]))],
            dhcp_servers: vec![DhcpServer {
                router: Router::None,
                dns: Dns::None,
                lease: LeaseTime::Seconds(3600),
                ..server(1, "br1", Some(("172.16.2.2", "172.16.2.100")))
            }],
            ..HostModel::default()
        };
        assert_eq!(
            files(&render(&model, Distro::Ubuntu))[0].1,
            "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on br1.
interface=br1
bind-dynamic
dhcp-range=172.16.2.2,172.16.2.100,1h
dhcp-option=tag:br1,option:router
dhcp-option=tag:br1,option:dns-server
"
        );
    }

    /// br6 at 172.16.6.1/24 and fd42:4242:4242:6::1/72 (a link-local address
    /// too, which is never the advertised prefix), a server with `ra` and
    /// a guest with both fixed addresses.
    fn dual_stack(ra: RaMode, range: Option<(&str, &str)>, router: Router) -> HostModel {
        use hostnet_engine::model::Dhcp6;
        HostModel {
            bridges: vec![bridge(
                0,
                "br6",
                &[],
                addresses(&["172.16.6.1/24", "fe80::1/64", "fd42:4242:4242:6::1/72"]),
            )],
            dhcp_servers: vec![DhcpServer {
                router,
                hosts: vec![at(DhcpHost {
                    ip6: Some(at("fd42:4242:4242:6::10".parse().unwrap())),
                    ..lease("52:54:00:00:06:10", "172.16.6.10", Some("vm6")).value
                })],
                ipv6: Some(Dhcp6 {
                    ra: at(ra),
                    range: range.map(|(first, last)| at((first.parse().unwrap(), last.parse().unwrap()))),
                }),
                ..server(1, "br6", Some(("172.16.6.100", "172.16.6.199")))
            }],
            ..HostModel::default()
        }
    }

    #[test]
    fn router_advertisements_and_dhcpv6_per_ra_mode() {
        let ipv6 = |model: &HostModel| -> String {
            let text = files(&render(model, Distro::Debian))[0].1.clone();
            text.lines()
                .skip_while(|line| !line.starts_with("# IPv6"))
                .map(|line| format!("{line}\n"))
                .collect()
        };
        assert_eq!(
            ipv6(&dual_stack(RaMode::Stateless, None, Router::Interface)),
            "# IPv6: router advertisements for fd42:4242:4242:6::/72.\n\
             enable-ra\n\
             dhcp-range=::,constructor:br6,ra-stateless,72,12h\n"
        );
        // The range is written by its host part: the prefix comes from br6.
        assert_eq!(
            ipv6(&dual_stack(
                RaMode::Stateful,
                Some(("fd42:4242:4242:6::1:100", "fd42:4242:4242:6::1:1ff")),
                Router::None
            )),
            "# IPv6: router advertisements for fd42:4242:4242:6::/72.\n\
             enable-ra\n\
             dhcp-range=::1:100,::1:1ff,constructor:br6,72,12h\n\
             ra-param=br6,0,0\n"
        );
        assert_eq!(
            ipv6(&dual_stack(RaMode::Stateful, None, Router::Interface)),
            "# IPv6: router advertisements for fd42:4242:4242:6::/72.\n\
             enable-ra\n\
             dhcp-range=::,constructor:br6,static,72,12h\n"
        );
        assert_eq!(ipv6(&dual_stack(RaMode::Off, None, Router::Interface)), "");
        // The fixed lease carries both addresses.
        let changes = render(&dual_stack(RaMode::Stateful, None, Router::Interface), Distro::Debian);
        assert_eq!(
            files(&changes)[1],
            (
                "/etc/hostnet/dnsmasq/br6.hosts/52-54-00-00-06-10".to_owned(),
                "52:54:00:00:06:10,172.16.6.10,[fd42:4242:4242:6::10],vm6\n".to_owned()
            )
        );
    }

    #[test]
    fn a_duid_takes_the_ipv6_reservation_from_the_mac() {
        let mut model = dual_stack(RaMode::Stateful, None, Router::Interface);
        model.dhcp_servers[0].hosts[0].value.duid = Some(at("00:02:00:00:ab:11:de:ad:be:ef".parse().unwrap()));
        assert_eq!(
            files(&render(&model, Distro::Debian))[1].1,
            "52:54:00:00:06:10,172.16.6.10,vm6\n\
             id:00:02:00:00:ab:11:de:ad:be:ef,[fd42:4242:4242:6::10],vm6\n"
        );
        // IPv6 only: the DUID's line alone.
        model.dhcp_servers[0].hosts[0].value.ip = None;
        assert_eq!(
            files(&render(&model, Distro::Debian))[1].1,
            "id:00:02:00:00:ab:11:de:ad:be:ef,[fd42:4242:4242:6::10],vm6\n"
        );
    }

    #[test]
    fn fixed_leases_only_get_a_static_range_over_the_subnet() {
        let model = HostModel {
            taps: vec![tap(0, "tap1")],
            interfaces: vec![interface(1, "tap1", addresses(&["172.16.2.1/24"]))],
            dhcp_servers: vec![DhcpServer {
                lease: LeaseTime::Infinite,
                router: Router::Address("172.16.2.254".parse().unwrap()),
                dns: Dns::Servers(vec!["192.0.2.53".parse().unwrap(), "198.51.100.53".parse().unwrap()]),
                domain: Some("guests.example".into()),
                hosts: vec![lease("52:54:00:12:34:56", "172.16.2.10", Some("win7"))],
                ..server(2, "tap1", None)
            }],
            ..HostModel::default()
        };
        assert_eq!(
            files(&render(&model, Distro::Debian))[0].1,
            "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on tap1.
interface=tap1
bind-dynamic
dhcp-range=172.16.2.0,static,255.255.255.0,infinite
dhcp-hostsdir=/etc/hostnet/dnsmasq/tap1.hosts
dhcp-option=tag:tap1,option:router,172.16.2.254
dhcp-option=tag:tap1,option:dns-server,192.0.2.53,198.51.100.53
domain=guests.example,172.16.2.0/24
"
        );
    }

    /// Issue #17, defect 12: no server writes a global option, so a host's
    /// own dnsmasq DNS cache keeps working.
    #[test]
    fn no_global_option_even_when_no_server_wants_dns() {
        let base = HostModel {
            bridges: vec![
                bridge(0, "br0", &[], addresses(&["172.16.1.1/24"])),
                bridge(0, "br1", &[], addresses(&["172.16.2.1/24"])),
                bridge(0, "br2", &[], addresses(&["172.16.3.1/24"])),
            ],
            dhcp_servers: vec![
                DhcpServer {
                    dns: Dns::None,
                    ..server(1, "br0", Some(("172.16.1.2", "172.16.1.9")))
                },
                DhcpServer {
                    dns: Dns::Servers(vec!["192.0.2.53".parse().unwrap()]),
                    ..server(2, "br1", Some(("172.16.2.2", "172.16.2.9")))
                },
                DhcpServer {
                    dns: Dns::None,
                    ..server(3, "br2", Some(("172.16.3.2", "172.16.3.9")))
                },
            ],
            ..HostModel::default()
        };
        let port_lines = |model: &HostModel| -> Vec<(String, usize)> {
            files(&render(model, Distro::Debian))
                .into_iter()
                .map(|(path, content)| (path, content.lines().filter(|line| line.starts_with("port=")).count()))
                .collect()
        };
        assert_eq!(
            port_lines(&base),
            [
                ("/etc/dnsmasq.d/hostnet-br0.conf".to_owned(), 0),
                ("/etc/dnsmasq.d/hostnet-br1.conf".to_owned(), 0),
                ("/etc/dnsmasq.d/hostnet-br2.conf".to_owned(), 0),
            ]
        );
        // Each file depends on its own server only.
        let changes = render(&base, Distro::Debian);
        assert_eq!(origins_of(&changes, "/etc/dnsmasq.d/hostnet-br0.conf"), [TaskId(1)]);
        assert_eq!(origins_of(&changes, "/etc/dnsmasq.d/hostnet-br1.conf"), [TaskId(2)]);

        let mut one_local = base.clone();
        one_local.dhcp_servers[1].dns = Dns::Local;
        assert!(port_lines(&one_local).iter().all(|(_, count)| *count == 0));
        let changes = render(&one_local, Distro::Debian);
        assert_eq!(origins_of(&changes, "/etc/dnsmasq.d/hostnet-br0.conf"), [TaskId(1)]);
        // Options stay on their own interface.
        assert_eq!(
            files(&changes)[2].1,
            "# Managed by hostnet: edit the playbook, not this file.
# DHCP for the guests on br2.
interface=br2
bind-dynamic
dhcp-range=172.16.3.2,172.16.3.9,12h
dhcp-option=tag:br2,option:router,172.16.3.1
dhcp-option=tag:br2,option:dns-server
"
        );
        assert_eq!(
            wiring(&changes),
            [
                "prune /etc/hostnet/dnsmasq/br0.hosts/* [1]",
                "prune /etc/hostnet/dnsmasq/br1.hosts/* [2]",
                "prune /etc/hostnet/dnsmasq/br2.hosts/* [3]",
                "prune /etc/dnsmasq.d/hostnet-* [1,2,3]",
                "service dnsmasq Enable [1,2,3]",
                "restart dnsmasq on /etc/dnsmasq.d/hostnet-br0.conf /etc/dnsmasq.d/hostnet-br1.conf \
                 /etc/dnsmasq.d/hostnet-br2.conf [1,2,3]",
                "reload dnsmasq on changes under /etc/hostnet/dnsmasq/br0.hosts /etc/hostnet/dnsmasq/br1.hosts \
                 /etc/hostnet/dnsmasq/br2.hosts unless /etc/dnsmasq.d/hostnet-br0.conf \
                 /etc/dnsmasq.d/hostnet-br1.conf /etc/dnsmasq.d/hostnet-br2.conf [1,2,3]",
                "require dnsmasq: the DHCP servers in /etc/dnsmasq.d/hostnet-br0.conf, \
                 /etc/dnsmasq.d/hostnet-br1.conf, /etc/dnsmasq.d/hostnet-br2.conf [1,2,3]",
            ]
        );
    }

    #[test]
    fn gentoo_includes_the_directory_and_orders_after_netifrc() {
        let mut model = scenario_2();
        model
            .interfaces
            .push(interface(3, "eth1", addresses(&["192.0.2.1/24"])));
        model.dhcp_servers.push(DhcpServer {
            hosts: Vec::new(),
            ..server(4, "eth1", Some(("192.0.2.10", "192.0.2.20")))
        });
        let changes = render(&model, Distro::Gentoo);
        // Two configuration files and the two fixed leases of br0.
        assert_eq!(files(&changes).len(), 4);
        assert_eq!(
            wiring(&changes),
            [
                "prune /etc/hostnet/dnsmasq/br0.hosts/* [2]",
                "prune /etc/hostnet/dnsmasq/eth1.hosts/* [4]",
                "prune /etc/dnsmasq.d/hostnet-* [2,4]",
                "block /etc/dnsmasq.conf [conf-dir] \"conf-dir=/etc/dnsmasq.d/,*.conf\" \
                 unless Some(\"conf-dir=/etc/dnsmasq.d/,*.conf\") [2,4]",
                "block /etc/conf.d/dnsmasq [dnsmasq] \"rc_need=\\\"net.br0 net.eth1\\\"\" unless None [2,4]",
                "service dnsmasq Enable [2,4]",
                "restart dnsmasq on /etc/dnsmasq.d/hostnet-br0.conf /etc/dnsmasq.d/hostnet-eth1.conf \
                 /etc/dnsmasq.conf /etc/conf.d/dnsmasq [2,4]",
                "reload dnsmasq on changes under /etc/hostnet/dnsmasq/br0.hosts /etc/hostnet/dnsmasq/eth1.hosts \
                 unless /etc/dnsmasq.d/hostnet-br0.conf /etc/dnsmasq.d/hostnet-eth1.conf /etc/dnsmasq.conf \
                 /etc/conf.d/dnsmasq [2,4]",
                "require dnsmasq: the DHCP servers in /etc/dnsmasq.d/hostnet-br0.conf, \
                 /etc/dnsmasq.d/hostnet-eth1.conf [2,4]",
            ]
        );
        let conf_d = changes
            .iter()
            .find_map(|planned| match &planned.change {
                Change::Block(block) if block.path.as_str() == CONF_D => Some(block),
                _ => None,
            })
            .unwrap();
        assert_eq!(conf_d.placement, Placement::End);
        assert_eq!(conf_d.mode, FileMode(0o644));
        assert_eq!(
            conf_d.conflicts,
            [Conflict {
                prefix: "rc_need=".into(),
                message: "hostnet's block sets `rc_need` (dnsmasq starts after net.br0 net.eth1, which it serves); \
                          the last assignment in the file wins"
                    .into(),
            }]
        );
    }

    #[test]
    fn gentoo_serving_a_standalone_tap() {
        let model = HostModel {
            taps: vec![tap(0, "tap1")],
            interfaces: vec![interface(1, "tap1", addresses(&["172.16.2.1/24"]))],
            dhcp_servers: vec![server(2, "tap1", Some(("172.16.2.2", "172.16.2.100")))],
            ..HostModel::default()
        };
        let wiring = wiring(&render(&model, Distro::Gentoo));
        assert!(
            wiring
                .iter()
                .any(|line| line == "block /etc/conf.d/dnsmasq [dnsmasq] \"rc_need=\\\"net.tap1\\\"\" unless None [2]"),
            "{wiring:#?}"
        );
    }

    #[test]
    fn other_distros_get_no_blocks() {
        for distro in [Distro::Debian, Distro::Ubuntu, Distro::Systemd] {
            assert!(
                !render(&scenario_2(), distro)
                    .iter()
                    .any(|planned| matches!(planned.change, Change::Block(_))),
                "{distro:?}"
            );
        }
    }

    #[test]
    fn host_names_dnsmasq_would_misread_are_refused() {
        for bad in ["12h", "3600", "1D", "ignore", "Infinite", "deprecated"] {
            assert!(misread_host_name(bad), "{bad}");
            let mut model = scenario_2();
            model.dhcp_servers[0].hosts[0].value.name = Some(bad.into());
            let error = Dnsmasq
                .render(&Desired::new(&model, &facts(Distro::Debian)))
                .unwrap_err();
            assert!(
                error.render().contains("as a lease time or a keyword"),
                "{}",
                error.render()
            );
        }
        for good in ["win7", "h", "s1", "12-h", "vm-3600", "hostname"] {
            assert!(!misread_host_name(good), "{good}");
        }
    }

    #[test]
    fn ipv6_dns_servers_are_refused() {
        let mut model = scenario_2();
        model.dhcp_servers[0].dns = Dns::Servers(vec!["2001:db8::53".parse().unwrap()]);
        let error = Dnsmasq
            .render(&Desired::new(&model, &facts(Distro::Debian)))
            .unwrap_err();
        assert!(
            error.render().contains("DHCPv4 announces IPv4 servers only"),
            "{}",
            error.render()
        );
    }

    #[test]
    fn detection_and_wanted() {
        assert_eq!(Dnsmasq.id(), "dnsmasq");
        assert_eq!(Dnsmasq.target(), Target::Dhcp);
        for distro in [Distro::Gentoo, Distro::Debian, Distro::Ubuntu, Distro::Systemd] {
            assert_eq!(Dnsmasq.detect(&facts(distro)), Detection::Preferred);
        }
        assert!(!Dnsmasq.wanted(&HostModel::default()));
        assert!(Dnsmasq.wanted(&scenario_2()));
    }
}
