//! `dhcp_server`: dnsmasq on one interface, with fixed leases.

use std::net::{IpAddr, Ipv4Addr};

use crate::error::{Error, ErrorKind, Result};
use crate::model::{DhcpHost, DhcpServer, Dns, LeaseTime, Router};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::source::Pos;
use crate::types::{InterfaceName, MacAddr};
use crate::value::{Arg, ArgValue, At, FromArg};

pub(super) static DHCP_SERVER: Module = Module {
    name: "dhcp_server",
    context: "`dhcp_server` arguments",
    summary: "A DHCP server (dnsmasq) on a bridge or TAP, with fixed leases for the guests' MACs.",
    doc: "Renders a dnsmasq drop-in for that interface with `bind-dynamic`, so dnsmasq may start \
          before the bridge exists, and enables dnsmasq (on Gentoo also `rc_need=\"net.IF\"`). \
          The interface needs a static address; the range and every fixed lease must lie in its \
          subnet and not be its own address.",
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
            kind: "list of `{mac, ip, name}`",
            doc: "Fixed leases; extra keys in each item (e.g. `tap`) are ignored, so a `vms` list can be passed as is.",
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
    let ip = find("ip").ok_or_else(|| {
        Error::at(
            &arg.pos,
            ErrorKind::MissingKey {
                key: "ip".into(),
                context: "a fixed lease".into(),
            },
        )
    })?;
    let name = match find("name") {
        Some(name) if !name.is_none() => Some(host_name(&String::from_arg(name)?, &name.pos)?),
        _ => None,
    };
    Ok(At {
        value: DhcpHost {
            mac: MacAddr::from_arg(mac)?,
            ip: Ipv4Addr::from_arg(ip)?,
            name,
        },
        pos: ip.pos.clone(),
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
            origin,
        });
        Ok(())
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
    DhcpServerArgs {
        interface,
        range,
        lease,
        router,
        dns,
        domain,
        hosts,
    }
    .add(context)
}
