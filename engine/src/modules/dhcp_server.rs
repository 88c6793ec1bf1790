//! `dhcp_server`: dnsmasq on one interface, with fixed leases.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Dhcp6, DhcpHost, DhcpServer, Dns, LeaseTime, RaMode, Router};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::source::Pos;
use crate::types::{Duid, InterfaceName, MacAddr};
use crate::value::{Arg, ArgValue, At, FromArg};

pub(super) static DHCP_SERVER: Module = Module {
    name: "dhcp_server",
    context: "`dhcp_server` arguments",
    summary: "A DHCP server (dnsmasq) on a bridge or TAP, with fixed leases for the guests' MACs.",
    doc: "Renders a dnsmasq drop-in for that interface with `bind-dynamic`, so dnsmasq may start \
          before the bridge exists, and enables dnsmasq (on Gentoo also `rc_need=\"net.IF\"`). \
          The interface needs a static address; the range and every fixed lease must lie in its \
          subnet and not be its own address. With `ra`, dnsmasq also sends router advertisements \
          for the interface's IPv6 prefix (`enable-ra`, a `constructor:` range): `stateless` is \
          SLAAC (a /64), `stateful` hands out DHCPv6 addresses (`range6`, and each lease's `ip6` \
          by its MAC, or by its `duid`: `dhcp-host=id:DUID,[IP6]`), `off` neither.",
    args: &[
        ArgSpec {
            name: "interface",
            aliases: &[],
            required: true,
            kind: "interface name",
            doc: "The bridge (or TAP) to serve.",
        },
        ArgSpec {
            name: "range",
            aliases: &[],
            required: false,
            kind: "[first, last] addresses",
            doc: "Dynamic range, e.g. `[172.16.1.2, 172.16.1.100]`. Omit for fixed leases only.",
        },
        ArgSpec {
            name: "lease",
            aliases: &[],
            required: false,
            kind: "time",
            doc: "Lease time: `12h` (default), `45m`, `3600`, `infinite`; at least 2 minutes.",
        },
        ArgSpec {
            name: "router",
            aliases: &[],
            required: false,
            kind: "address | `none`",
            doc: "Gateway announced to guests (default: the interface's own address; `none` for host-only and internal).",
        },
        ArgSpec {
            name: "dns",
            aliases: &[],
            required: false,
            kind: "list of addresses | `none`",
            doc: "DNS servers announced (default: dnsmasq itself answers DNS; `none`: DHCP only).",
        },
        ArgSpec {
            name: "domain",
            aliases: &[],
            required: false,
            kind: "domain name",
            doc: "Domain announced to guests.",
        },
        ArgSpec {
            name: "hosts",
            aliases: &[],
            required: false,
            kind: "list of `{mac, ip, ip6, duid, name}`",
            doc: "Fixed leases (`ip`, `ip6` or both; `duid`: the guest's DHCPv6 client identifier, whose request gets `ip6` instead of the MAC's); extra keys in each item (e.g. `tap`) are ignored, so a `vms` list can be passed as is.",
        },
        ArgSpec {
            name: "ra",
            aliases: &[],
            required: false,
            kind: "`stateless` | `stateful` | `off`",
            doc: "IPv6 router advertisements for the interface's IPv6 prefix (default: none, IPv4 only).",
        },
        ArgSpec {
            name: "range6",
            aliases: &[],
            required: false,
            kind: "[first, last] IPv6 addresses",
            doc: "`ra: stateful`: the DHCPv6 range (default `::100`–`::1ff` of the prefix).",
        },
    ],
    handler_ok: false,
    run,
};

/// A lease's host name: letters, digits and `-`, at most 63 bytes.
pub(super) fn host_name(text: &str, pos: &Pos) -> Result<String> {
    let valid = !text.is_empty()
        && text.len() <= 63
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !text.starts_with('-');
    if !valid {
        return Err(Error::invalid(
            pos,
            format!("`{text}` is not a valid host name (letters, digits and `-`)"),
            None,
        ));
    }
    Ok(text.to_owned())
}

fn host(arg: &Arg) -> Result<At<DhcpHost>> {
    let entries = arg.entries("a fixed lease (`mac`, `ip`, `name`)")?;
    let find = |key: &str| entries.iter().find(|(k, _)| k.name == key).map(|(_, value)| value);
    let mac = find("mac").ok_or_else(|| {
        Error::at(
            &arg.pos,
            ErrorKind::MissingKey {
                key: "mac".into(),
                context: "a fixed lease".into(),
            },
        )
    })?;
    let ip = find("ip").filter(|ip| !ip.is_none());
    let ip6 = find("ip6")
        .filter(|ip6| !ip6.is_none())
        .map(At::<Ipv6Addr>::from_arg)
        .transpose()?;
    let duid = find("duid")
        .filter(|duid| !duid.is_none())
        .map(At::<Duid>::from_arg)
        .transpose()?;
    let pos = match (ip, &ip6, &duid) {
        (Some(ip), _, _) => ip.pos.clone(),
        (None, Some(ip6), _) => ip6.pos.clone(),
        // Validation says what a DUID without `ip6` lacks.
        (None, None, Some(duid)) => duid.pos.clone(),
        (None, None, None) => {
            return Err(Error::at(
                &arg.pos,
                ErrorKind::MissingKey {
                    key: "ip".into(),
                    context: "a fixed lease".into(),
                },
            ));
        }
    };
    let name = match find("name") {
        Some(name) if !name.is_none() => Some(host_name(&String::from_arg(name)?, &name.pos)?),
        _ => None,
    };
    Ok(At {
        value: DhcpHost {
            mac: MacAddr::from_arg(mac)?,
            ip: ip.map(Ipv4Addr::from_arg).transpose()?,
            ip6,
            duid,
            name,
        },
        pos,
    })
}

/// A `dhcp_server` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct DhcpServerArgs {
    pub(super) interface: At<InterfaceName>,
    pub(super) range: Option<At<(Ipv4Addr, Ipv4Addr)>>,
    pub(super) lease: LeaseTime,
    pub(super) router: Router,
    pub(super) dns: Dns,
    pub(super) domain: Option<String>,
    pub(super) hosts: Vec<At<DhcpHost>>,
    pub(super) ipv6: Option<Dhcp6>,
}

impl DhcpServerArgs {
    /// Add the DHCP server to the model.
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let origin = context.origin(&self.interface.pos);
        context.model.dhcp_servers.push(DhcpServer {
            interface: self.interface,
            range: self.range,
            lease: self.lease,
            router: self.router,
            dns: self.dns,
            domain: self.domain,
            hosts: self.hosts,
            ipv6: self.ipv6,
            origin,
        });
        Ok(())
    }
}

/// `range6` as its two ends.
fn range6_pair(range: At<Vec<Ipv6Addr>>) -> Result<At<(Ipv6Addr, Ipv6Addr)>> {
    match range.value[..] {
        [first, last] => Ok(At {
            value: (first, last),
            pos: range.pos,
        }),
        _ => Err(Error::invalid(
            &range.pos,
            "`range6` is two IPv6 addresses: `[first, last]`",
            None,
        )),
    }
}

/// Read a `lease` argument (`12h`, `30m`, `infinite`, …); default 12 hours.
pub(super) fn lease(lease: Option<&At<String>>) -> Result<LeaseTime> {
    match lease {
        None => Ok(LeaseTime::Seconds(43_200)),
        Some(lease) => LeaseTime::parse(&lease.value).map_err(|message| Error::invalid(&lease.pos, message, None)),
    }
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let interface = args.required::<At<InterfaceName>>("interface")?;
    let range = match args.optional_at::<Vec<Ipv4Addr>>("range")? {
        None => None,
        Some(At { value, pos }) if value.len() == 2 => Some(At {
            value: (value[0], value[1]),
            pos,
        }),
        Some(At { pos, .. }) => {
            return Err(Error::invalid(&pos, "`range` is two addresses: `[first, last]`", None));
        }
    };
    let lease = lease(args.optional_at::<String>("lease")?.as_ref())?;
    let router = match args.optional::<Arg>("router")? {
        None => Router::Interface,
        Some(arg) if arg.text("").is_ok_and(|text| text == "none") => Router::None,
        Some(arg) => Router::Address(Ipv4Addr::from_arg(&arg)?),
    };
    let dns = match args.optional::<Arg>("dns")? {
        None => Dns::Local,
        Some(arg) if matches!(&arg.value, ArgValue::Scalar(_)) && arg.text("").is_ok_and(|text| text == "none") => {
            Dns::None
        }
        Some(arg) => Dns::Servers(Vec::<IpAddr>::from_arg(&arg)?),
    };
    let domain = args
        .optional::<crate::types::DomainName>("domain")?
        .map(|domain| domain.to_string());
    let hosts = match args.optional::<Arg>("hosts")? {
        None => Vec::new(),
        Some(arg) => arg
            .items("a list of fixed leases")?
            .iter()
            .map(host)
            .collect::<Result<_>>()?,
    };
    let ra = args.optional_at::<String>("ra")?;
    let range6 = args.optional_at::<Vec<Ipv6Addr>>("range6")?;
    let ipv6 = match (ra, range6) {
        (None, None) => None,
        (None, Some(range6)) => {
            return Err(Error::invalid(
                &range6.pos,
                "`range6` is the DHCPv6 range of `ra: stateful`; add `ra: stateful`",
                None,
            ));
        }
        (Some(ra), range6) => Some(Dhcp6 {
            ra: At {
                value: ra
                    .value
                    .parse::<RaMode>()
                    .map_err(|message| Error::invalid(&ra.pos, message, None))?,
                pos: ra.pos,
            },
            range: range6.map(range6_pair).transpose()?,
        }),
    };
    DhcpServerArgs {
        interface,
        range,
        lease,
        router,
        dns,
        domain,
        hosts,
        ipv6,
    }
    .add(context)
}
