//! QEMU `-netdev`/`-device` arguments for a guest, from the same model the
//! plan renders: the TAP it creates, the bridge, and the MAC its fixed DHCP
//! lease is for.

use crate::model::vm::{Attachment, Vm};

/// The arguments, one per element, ready for an argv.
pub fn arguments(vm: &Vm) -> Vec<String> {
    let netdev = match &vm.attachment {
        Attachment::Tap { tap } => format!("tap,id=net0,ifname={tap},script=no,downscript=no"),
        Attachment::BridgeHelper { bridge } => format!("bridge,id=net0,br={bridge}"),
        Attachment::User {
            net,
            dhcpstart,
            hostfwd,
            restrict,
            hostname,
        } => {
            let mut options = vec!["user".to_owned(), "id=net0".to_owned()];
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
    };
    vec![
        "-netdev".to_owned(),
        netdev,
        "-device".to_owned(),
        format!("{},netdev=net0,mac={}", vm.model.device(), vm.mac),
    ]
}

/// The arguments as one POSIX-shell-quoted line.
pub fn shell_line(arguments: &[String]) -> String {
    crate::shell::line(arguments)
}
