//! QEMU `-netdev`/`-device` arguments for a guest, from the same model the
//! plan renders: the TAP it creates, the bridge, and the MAC its fixed DHCP
//! lease is for; one pair per NIC (a VM in several networks has several),
//! with ids `net0`, `net1`, … in playbook order. The same NICs as libvirt
//! `<interface>` elements (formatdomain(5), "Network interfaces") for
//! virt-manager and `virsh edit` users.

use std::fmt::Write as _;

use crate::model::netdev::SocketEnd;
use crate::model::vm::{Attachment, Vm};

/// The arguments for every NIC of one VM, one per element, ready for an argv.
pub fn arguments(nics: &[&Vm]) -> Vec<String> {
    let mut out = Vec::new();
    for (index, vm) in nics.iter().enumerate() {
        let id = format!("net{index}");
        out.push("-netdev".to_owned());
        out.push(netdev(vm, &id));
        out.push("-device".to_owned());
        out.push(format!("{},netdev={id},mac={}", vm.model.device(), vm.mac));
    }
    out
}

/// One `-netdev` value.
fn netdev(vm: &Vm, id: &str) -> String {
    match &vm.attachment {
        Attachment::Tap { tap } => {
            let vhost = if vm.vhost { ",vhost=on" } else { "" };
            format!("tap,id={id},ifname={tap},script=no,downscript=no{vhost}")
        }
        Attachment::BridgeHelper { bridge } => format!("bridge,id={id},br={bridge}"),
        Attachment::User {
            net,
            dhcpstart,
            hostfwd,
            restrict,
            hostname,
        } => {
            let mut options = vec!["user".to_owned(), format!("id={id}")];
            if let Some(net) = net {
                options.push(format!("net={net}"));
            }
            if let Some(start) = dhcpstart {
                options.push(format!("dhcpstart={start}"));
            }
            for forward in hostfwd {
                options.push(format!("hostfwd={forward}"));
            }
            if *restrict {
                options.push("restrict=on".to_owned());
            }
            if let Some(hostname) = hostname {
                options.push(format!("hostname={hostname}"));
            }
            options.join(",")
        }
        Attachment::Socket { end } => format!("socket,id={id},{}", end.options()),
        Attachment::Vde { sock, port } => {
            let port = port.map(|port| format!(",port={port}")).unwrap_or_default();
            format!("vde,id={id},sock={sock}{port}")
        }
        Attachment::Hubport { hub } => format!("hubport,id={id},hubid={hub}"),
    }
}

/// The arguments as one POSIX-shell-quoted line.
pub fn shell_line(arguments: &[String]) -> String {
    crate::shell::line(arguments)
}

/// Why a NIC has no libvirt `<interface>`.
#[derive(Debug, PartialEq, Eq)]
pub struct NoLibvirt {
    /// What cannot be said in libvirt's XML.
    pub message: String,
    /// What to do instead.
    pub hint: String,
}

/// Every NIC of one VM as a libvirt `<interface>` element (for `<devices>`).
pub fn libvirt(nics: &[&Vm]) -> Result<String, NoLibvirt> {
    let mut out = String::new();
    for vm in nics {
        out.push_str(&interface(vm)?);
    }
    Ok(out)
}

fn interface(vm: &Vm) -> Result<String, NoLibvirt> {
    let none = |what: &str, hint: &str| NoLibvirt {
        message: format!("VM `{}`: libvirt has no {what}", vm.name),
        hint: hint.to_owned(),
    };
    let (kind, source) = match &vm.attachment {
        // The TAP hostnet creates, handed to QEMU as it is (libvirt 5.7+).
        Attachment::Tap { tap } => ("ethernet", format!("  <target dev='{tap}' managed='no'/>\n")),
        Attachment::BridgeHelper { bridge } => ("bridge", format!("  <source bridge='{bridge}'/>\n")),
        Attachment::User {
            net,
            dhcpstart,
            hostfwd,
            restrict,
            ..
        } => {
            if !hostfwd.is_empty() {
                return Err(none(
                    "`hostfwd` for a user-mode (SLIRP) interface",
                    "forward the ports another way (or run QEMU with `hostnet qemu`'s arguments)",
                ));
            }
            if dhcpstart.is_some() {
                return Err(none(
                    "`dhcpstart` for a user-mode interface (its guests start at .15)",
                    "leave `dhcp.range` out for a libvirt guest",
                ));
            }
            if *restrict {
                return Err(none(
                    "`restrict` for a user-mode interface",
                    "leave `restrict` out for a libvirt guest",
                ));
            }
            let ip = net.map_or_else(String::new, |net| {
                format!(
                    "  <ip family='ipv4' address='{}' prefix='{}'/>\n",
                    net.network(),
                    net.prefix_len()
                )
            });
            ("user", ip)
        }
        Attachment::Socket { end } => match end {
            SocketEnd::Listen { address, port } => (
                "server",
                format!(
                    "  <source address='{}' port='{port}'/>\n",
                    address.map_or_else(|| "0.0.0.0".to_owned(), |address| address.to_string())
                ),
            ),
            SocketEnd::Connect { to } => (
                "client",
                format!("  <source address='{}' port='{}'/>\n", to.ip(), to.port()),
            ),
            SocketEnd::Mcast {
                local_address: Some(_), ..
            } => {
                return Err(none(
                    "`localaddr` for a multicast interface",
                    "leave `localaddr` out for a libvirt guest",
                ));
            }
            SocketEnd::Mcast { group, .. } => (
                "mcast",
                format!("  <source address='{}' port='{}'/>\n", group.ip(), group.port()),
            ),
            SocketEnd::Udp { local, remote } => (
                "udp",
                format!(
                    "  <source address='{}' port='{}'>\n    <local address='{}' port='{}'/>\n  </source>\n",
                    remote.ip(),
                    remote.port(),
                    local.ip(),
                    local.port()
                ),
            ),
        },
        Attachment::Vde { .. } => {
            return Err(none(
                "VDE interface",
                "connect the guest with QEMU's own arguments (`hostnet qemu`), or use a bridge mode",
            ));
        }
        Attachment::Hubport { .. } => {
            return Err(none(
                "QEMU hub ports (`hubport`)",
                "connect the guest with QEMU's own arguments (`hostnet qemu`), or use a bridge mode",
            ));
        }
    };
    let mut out = format!("<interface type='{kind}'>\n  <mac address='{}'/>\n{source}", vm.mac);
    let _ = writeln!(out, "  <model type='{}'/>", vm.model.libvirt());
    if vm.vhost {
        out.push_str("  <driver name='vhost'/>\n");
    }
    out.push_str("</interface>\n");
    Ok(out)
}
