//! Pre-flight: what the host already has that the plan would run into,
//! checked before anything changes (by `plan` and `apply`; not by `check`,
//! which reads no host, nor `render`, which is for another machine).
//!
//! Read under the root, so a test root or an image is checked against its
//! own files: the routing table (`/proc/net/route`), br_netfilter
//! (`/proc/sys/net/bridge/bridge-nf-call-iptables`), Docker and ufw's
//! forward policy, other DHCP servers' configuration, other sysctl files,
//! and the tools installed. The SSH session's client address comes from the
//! command line's environment (`SSH_CONNECTION`, read in `src/settings.rs`).
//!
//! Errors (unless `--yes`): an uplink that is about to join a bridge while
//! it carries the default route or the SSH session (the host drops off the
//! network while the bridge comes up; over SSH a mistake locks you out),
//! and a subnet of the playbook that overlaps a route the host has through
//! another interface. Warnings: FORWARD drops with br_netfilter (Docker,
//! ufw) and no `bridge_forward` for a bridge; another DHCP server on a
//! subnet hostnet serves; `net.ipv4.ip_forward` set elsewhere to another
//! value; a package the files need that is not installed; IPv6 forwarding
//! while an interface has the host's IPv6 default route from router
//! advertisements (`/proc/net/ipv6_route`) without `accept_ra=2` (turning
//! forwarding on deletes that route, and the kernel ignores further
//! advertisements: the host loses IPv6), or with it set only after the
//! forwarding.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, Errors, Rule};
use crate::facts::Facts;
use crate::model::{AddressConfig, FirewallIntent, HostModel};
use crate::plan::Requirement;
use crate::root::{Root, SysPath};
use crate::source::Pos;

/// One line of the host's IPv4 routing table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteFact {
    /// Where to.
    pub destination: Ipv4Net,
    /// Through which interface.
    pub interface: String,
    /// Via which gateway (`None`: on the link).
    pub gateway: Option<Ipv4Addr>,
}

/// What the pre-flight checks read from the host.
#[derive(Clone, Debug, Default)]
pub struct HostState {
    /// The IPv4 routes (empty when `/proc/net/route` is not there).
    pub routes: Vec<RouteFact>,
    /// The SSH client this command runs for, if any.
    pub session: Option<Ipv4Addr>,
    /// Do bridged frames go through iptables (br_netfilter)?
    pub bridge_netfilter: bool,
    /// What sets FORWARD to DROP on this host (Docker, ufw), if anything.
    pub forward_drop: Option<&'static str>,
    /// IPv6 default routes learned from router advertisements: interface
    /// and router (empty when `/proc/net/ipv6_route` is not there).
    pub ra_defaults: Vec<(String, Ipv6Addr)>,
}

impl HostState {
    /// Read the host's state under `root`; `session` is the SSH client.
    pub fn read(root: &Root, facts: &Facts, session: Option<Ipv4Addr>) -> crate::error::Result<Self> {
        let routes = root
            .read_text(&SysPath::from_static("/proc/net/route"))?
            .map(|text| parse_routes(&text))
            .unwrap_or_default();
        let bridge_netfilter = root
            .read_text(&SysPath::from_static("/proc/sys/net/bridge/bridge-nf-call-iptables"))?
            .is_some_and(|text| text.trim() == "1");
        let docker = root.exists(&SysPath::from_static("/usr/bin/dockerd"))?
            || root.exists(&SysPath::from_static("/usr/sbin/dockerd"))?;
        let ufw_drop = facts.ufw_enabled
            && root
                .read_text(&SysPath::from_static("/etc/default/ufw"))?
                .is_some_and(|text| {
                    text.lines().any(|line| {
                        let line = line.trim();
                        line.starts_with("DEFAULT_FORWARD_POLICY=") && !line.contains("ACCEPT")
                    })
                });
        let forward_drop = if docker {
            Some("Docker")
        } else if ufw_drop {
            Some("ufw")
        } else {
            None
        };
        let ra_defaults = root
            .read_text(&SysPath::from_static("/proc/net/ipv6_route"))?
            .map(|text| parse_ra_defaults(&text))
            .unwrap_or_default();
        Ok(Self {
            routes,
            session,
            bridge_netfilter,
            forward_drop,
            ra_defaults,
        })
    }

    /// The route a packet to `address` takes (longest prefix, then lowest
    /// metric as listed).
    fn route_to(&self, address: Ipv4Addr) -> Option<&RouteFact> {
        self.routes
            .iter()
            .filter(|route| route.destination.contains(&address))
            .max_by_key(|route| route.destination.prefix_len())
    }
}

/// `/proc/net/route`: `Iface Destination Gateway Flags … Mask …`, addresses
/// in hex, in the kernel's (little-endian) byte order.
pub fn parse_routes(text: &str) -> Vec<RouteFact> {
    let address = |hex: &str| {
        u32::from_str_radix(hex, 16)
            .ok()
            .map(|value| Ipv4Addr::from(value.to_le_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (interface, destination, gateway, mask) =
                (fields.first()?, fields.get(1)?, fields.get(2)?, fields.get(7)?);
            let prefix = u8::try_from(u32::from(address(mask)?).count_ones()).ok()?;
            let gateway = address(gateway)?;
            Some(RouteFact {
                destination: Ipv4Net::new(address(destination)?, prefix).ok()?,
                interface: (*interface).to_owned(),
                gateway: (!gateway.is_unspecified()).then_some(gateway),
            })
        })
        .collect()
}

/// The kernel's flag of a route a router advertisement made (`RTF_ADDRCONF`).
const RTF_ADDRCONF: u32 = 0x0004_0000;

/// `/proc/net/ipv6_route`: `DEST PLEN SRC SPLEN NEXTHOP METRIC REFCNT USE
/// FLAGS IFACE`, addresses as 32 hex digits; the default routes (`::/0`)
/// with `RTF_ADDRCONF`, as interface and router.
pub fn parse_ra_defaults(text: &str) -> Vec<(String, Ipv6Addr)> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (destination, length, next_hop, flags, interface) = (
                fields.first()?,
                fields.get(1)?,
                fields.get(4)?,
                fields.get(8)?,
                fields.get(9)?,
            );
            let flags = u32::from_str_radix(flags, 16).ok()?;
            let default = u128::from_str_radix(destination, 16).ok()? == 0 && *length == "00";
            (default && flags & RTF_ADDRCONF != 0).then(|| {
                let router = Ipv6Addr::from(u128::from_str_radix(next_hop, 16).ok()?);
                Some(((*interface).to_owned(), router))
            })?
        })
        .collect()
}

/// The checks' results: warnings for the plan, and errors (none with `--yes`).
pub struct Findings {
    /// Shown with the plan.
    pub warnings: Vec<String>,
    /// Refuse the plan.
    pub errors: Vec<Error>,
}

/// Tool that shows a package is installed (the packages the checks know).
fn tool_of(package: &str) -> Option<&'static str> {
    match package {
        "bridge-utils" => Some("brctl"),
        "dnsmasq" | "net-dns/dnsmasq" => Some("dnsmasq"),
        "ebtables" | "net-firewall/ebtables" => Some("ebtables"),
        _ => None,
    }
}

/// Run every check. `yes` turns the errors that protect the session into
/// warnings; `detected` says the facts' tool list was read from the host.
pub fn check(
    model: &HostModel,
    facts: &Facts,
    state: &HostState,
    root: &Root,
    requirements: &[Requirement],
    yes: bool,
    detected: bool,
) -> crate::error::Result<Findings> {
    let mut findings = Findings {
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    uplinks(model, facts, state, yes, &mut findings);
    routes(model, state, &mut findings);
    forward_drop(model, state, &mut findings);
    other_dhcp_servers(model, root, &mut findings)?;
    ip_forward_elsewhere(model, root, &mut findings)?;
    ipv6_forwarding(model, facts, state, &mut findings);
    if detected {
        for requirement in requirements {
            if let Some(tool) = tool_of(&requirement.package)
                && !facts.has_tool(tool)
            {
                findings.warnings.push(format!(
                    "package `{}` is needed ({}) but `{tool}` is not installed",
                    requirement.package, requirement.reason
                ));
            }
        }
    }
    Ok(findings)
}

/// A NIC about to become a bridge port that carries the default route or the session.
fn uplinks(model: &HostModel, facts: &Facts, state: &HostState, yes: bool, findings: &mut Findings) {
    // Looked up once per port: by name, not by scanning the lists (10,000 ports).
    let index = crate::model::index::Index::of(model);
    let present: foldhash::HashSet<&str> = facts.interfaces.iter().map(|fact| fact.name.as_str()).collect();
    for bridge in &model.bridges {
        for port in &bridge.ports {
            let name = port.value.as_str();
            if index.tap(name).is_some() || index.bridge(name).is_some() || !present.contains(name) {
                continue;
            }
            let default = state
                .routes
                .iter()
                .find(|route| route.destination.prefix_len() == 0 && route.interface == name);
            let session = state
                .session
                .filter(|client| state.route_to(*client).is_some_and(|route| route.interface == name));
            let (rule, message) = match (session, default) {
                (Some(client), _) => (
                    Rule::UplinkCarriesSession,
                    format!(
                        "`{name}` carries this SSH session (from {client}): while it moves into `{}` the host is off the network, and a mistake locks you out",
                        bridge.name
                    ),
                ),
                (None, Some(route)) => (
                    Rule::UplinkCarriesDefaultRoute,
                    format!(
                        "`{name}` carries the default route{}: while it moves into `{}` the host is off the network",
                        route
                            .gateway
                            .map_or_else(String::new, |gateway| format!(" (via {gateway})")),
                        bridge.name
                    ),
                ),
                (None, None) => continue,
            };
            if yes {
                findings.warnings.push(format!("{message} (going ahead: --yes)"));
            } else {
                findings.errors.push(Error::rule(
                    rule,
                    &port.pos,
                    message,
                    Some("run it from a console, or go ahead with `--yes` (and `--confirm-timeout SECONDS`, which reverts unless you confirm)".into()),
                ));
            }
        }
    }
}

/// The playbook's subnets, each with where it was written and its interface.
fn subnets(model: &HostModel) -> Vec<(Ipv4Net, Pos, String)> {
    let mut out = Vec::new();
    let mut add = |config: &AddressConfig, pos: &Pos, name: &str| {
        if let AddressConfig::Static(addresses) = config {
            for address in addresses {
                if let IpNet::V4(net) = address {
                    out.push((net.trunc(), pos.clone(), name.to_owned()));
                }
            }
        }
    };
    for bridge in &model.bridges {
        add(&bridge.address, &bridge.address_pos, bridge.name.as_str());
    }
    for interface in &model.interfaces {
        let pos = interface.written.address.as_ref().unwrap_or(&interface.origin.pos);
        add(&interface.address, pos, interface.name.as_str());
    }
    out
}

/// A subnet of the playbook that overlaps a route through another interface.
fn routes(model: &HostModel, state: &HostState, findings: &mut Findings) {
    let ours: Vec<String> = subnets(model).into_iter().map(|(_, _, name)| name).collect();
    for (net, pos, name) in subnets(model) {
        // A /32 is one of the host's own addresses (proxy ARP's bridge
        // carries the uplink's), not a subnet: the kernel adds no route.
        if net.prefix_len() == 32 {
            continue;
        }
        let clash = state.routes.iter().find(|route| {
            route.destination.prefix_len() > 0
                && route.interface != name
                && !ours.contains(&route.interface)
                && (route.destination.contains(&net.network()) || net.contains(&route.destination.network()))
        });
        if let Some(route) = clash {
            findings.errors.push(Error::rule(
                Rule::SubnetOverlapsRoute,
                &pos,
                format!(
                    "subnet `{net}` of `{name}` overlaps the host's route to `{}` through `{}`",
                    route.destination, route.interface
                ),
                Some("pick a subnet the host does not route elsewhere (`ip route` shows the table)".into()),
            ));
        }
    }
}

/// Bridged guests cut off by a FORWARD drop the host already has.
fn forward_drop(model: &HostModel, state: &HostState, findings: &mut Findings) {
    let Some(what) = state.forward_drop else { return };
    if !state.bridge_netfilter {
        return;
    }
    for bridge in &model.bridges {
        let accepted = model.firewall.iter().any(|rule| {
            matches!(&rule.intent, FirewallIntent::BridgeForward { bridge: b } | FirewallIntent::IsolateForward { bridge: b } if *b == bridge.name)
        });
        if !accepted && !bridge.ports.is_empty() {
            findings.warnings.push(format!(
                "{what} drops forwarded traffic and br_netfilter sends bridged frames through FORWARD: the guests on `{}` lose all traffic (add `firewall: {{ bridge_forward: {} }}`)",
                bridge.name, bridge.name
            ));
        }
    }
}

/// Another DHCP server's range on a subnet hostnet serves.
fn other_dhcp_servers(model: &HostModel, root: &Root, findings: &mut Findings) -> crate::error::Result<()> {
    let served: Vec<(Ipv4Net, String)> = model
        .dhcp_servers
        .iter()
        .filter_map(|server| {
            model
                .static_addresses(server.interface.value.as_str())
                .into_iter()
                .find_map(|address| match address {
                    IpNet::V4(net) => Some((net.trunc(), server.interface.value.to_string())),
                    IpNet::V6(_) => None,
                })
        })
        .collect();
    if served.is_empty() {
        return Ok(());
    }
    let mut files = vec!["/etc/dnsmasq.conf".to_owned()];
    for name in root.list(&SysPath::from_static("/etc/dnsmasq.d"))? {
        if !name.starts_with("hostnet-") {
            files.push(format!("/etc/dnsmasq.d/{name}"));
        }
    }
    files.push("/etc/dhcp/dhcpd.conf".to_owned());
    for file in files {
        let Ok(path) = SysPath::new(&file) else { continue };
        let Some(text) = root.read_text(&path)? else { continue };
        for (number, line) in crate::block::outside_lines(text.as_bytes()) {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let first = if let Some(value) = line.strip_prefix("dhcp-range=") {
                value.split(',').find_map(|field| field.trim().parse::<Ipv4Addr>().ok())
            } else if let Some(rest) = line.strip_prefix("subnet ") {
                rest.split_whitespace().next().and_then(|field| field.parse().ok())
            } else {
                None
            };
            let Some(first) = first else { continue };
            if let Some((net, interface)) = served.iter().find(|(net, _)| net.contains(&first)) {
                findings.warnings.push(format!(
                    "{file}:{number} already serves DHCP on `{net}`, which hostnet's server on `{interface}` serves too: two servers hand out conflicting leases"
                ));
            }
        }
    }
    Ok(())
}

/// `net.ipv4.ip_forward` set to another value in a sysctl file of the host's.
fn ip_forward_elsewhere(model: &HostModel, root: &Root, findings: &mut Findings) -> crate::error::Result<()> {
    let Some(ours) = model.sysctls.iter().find(|sysctl| sysctl.name == "net.ipv4.ip_forward") else {
        return Ok(());
    };
    let mut files = Vec::new();
    for dir in ["/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"] {
        for name in root.list(&SysPath::from_static(dir))? {
            if name.ends_with(".conf") && !name.contains("hostnet") {
                files.push(format!("{dir}/{name}"));
            }
        }
    }
    files.push("/etc/sysctl.conf".to_owned());
    for file in files {
        let Ok(path) = SysPath::new(&file) else { continue };
        let Some(text) = root.read_text(&path)? else { continue };
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with(['#', ';']) {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            if key.trim().trim_start_matches('-').replace('/', ".") == "net.ipv4.ip_forward"
                && value.trim() != ours.value
            {
                findings.warnings.push(format!(
                    "{file}:{} sets `net.ipv4.ip_forward = {}`, hostnet sets {}: whichever file the sysctl service reads last wins at boot",
                    index + 1,
                    value.trim(),
                    ours.value
                ));
            }
        }
    }
    Ok(())
}

/// IPv6 forwarding turned on while an interface has the host's IPv6
/// default route from router advertisements and will not keep it.
fn ipv6_forwarding(model: &HostModel, facts: &Facts, state: &HostState, findings: &mut Findings) {
    let position = |name: &str| {
        model
            .sysctls
            .iter()
            .position(|sysctl| sysctl.name == name && sysctl.value != "0")
    };
    let Some(forwarding) = position("net.ipv6.conf.all.forwarding") else {
        return;
    };
    for (interface, router) in &state.ra_defaults {
        let key = crate::model::sysctl::interface_key("ipv6", interface, "accept_ra");
        let ours = model
            .sysctls
            .iter()
            .position(|sysctl| sysctl.name == key && sysctl.value == "2");
        match ours {
            Some(ours) if ours < forwarding => {}
            Some(_) => findings.warnings.push(format!(
                "`{interface}` has the host's IPv6 default route from router advertisements (via {router}), and hostnet sets `{key} = 2` only after `net.ipv6.conf.all.forwarding`: turning forwarding on deletes the route first (put the `accept_ra` task before the forwarding)"
            )),
            None if facts.interface(interface).and_then(|fact| fact.accept_ra) == Some(2) => {}
            None => findings.warnings.push(format!(
                "`{interface}` has the host's IPv6 default route from router advertisements (via {router}): turning IPv6 forwarding on deletes it, and the kernel then ignores the advertisements, so the host loses IPv6 (add `sysctl: {{ name: {key}, value: 2 }}` before the forwarding; `vm_network` does for its `uplink`)"
            )),
        }
    }
}

/// The findings' errors, if any, as a refusal.
pub fn refusal(findings: &mut Findings) -> Option<Errors> {
    (!findings.errors.is_empty()).then(|| Errors(std::mem::take(&mut findings.errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ra_default_routes_are_read_from_proc() {
        // An RA default route on eth0 (flags 00450003), a static default
        // route on eth1 (00000003), a prefix route (00000001).
        let text = "\
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000641dc3fffea56aed 00000400 00000001 00000000 00450003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 20010db8000100000000000000000001 00000400 00000001 00000000 00000003     eth1
20010db8000100000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
";
        assert_eq!(
            parse_ra_defaults(text),
            [("eth0".to_owned(), "fe80::641d:c3ff:fea5:6aed".parse().unwrap())]
        );
    }

    #[test]
    fn routes_are_read_from_proc() {
        let text = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                    eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
                    eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(
            parse_routes(text),
            [
                RouteFact {
                    destination: "0.0.0.0/0".parse().unwrap(),
                    interface: "eth0".into(),
                    gateway: Some("192.168.1.1".parse().unwrap()),
                },
                RouteFact {
                    destination: "192.168.1.0/24".parse().unwrap(),
                    interface: "eth0".into(),
                    gateway: None,
                },
            ]
        );
    }
}
