//! What every network backend tells the user about a NIC that a bridge
//! takes over (the uplink of bridged mode and MAC NAT), the same way on
//! every target, as plan warnings:
//!
//! - its MAC is not known (no fact, none written), so the bridge cannot be
//!   pinned to it and takes the lowest MAC of its ports (a TAP's random
//!   one; networkd generates one of its own): the host's LAN lease changes;
//! - it carries the host's default route now, and the bridge that takes it
//!   over has a static address without a `gateway` (or no address): the
//!   host loses its default route (with DHCP the lease brings one);
//! - it is wireless: it is enslaved only in 4-address mode, which the
//!   access point must accept (WDS), and some targets cannot set it.

use hostnet_engine::backend::Desired;
use hostnet_engine::change::{Change, Planned};
use hostnet_engine::model::AddressConfig;
use hostnet_engine::model::topology::BridgeMac;

/// Whether the target sets a wireless port's 4-address mode itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FourAddr {
    /// The rendered bring-up runs `iw dev X set 4addr on` before enslaving.
    Set,
    /// The target has no setting for it (systemd-networkd, NetworkManager).
    NotSet(&'static str),
}

/// The warnings for every bridge of the topology.
pub(crate) fn warnings(desired: &Desired<'_>, four_addr: FourAddr) -> Vec<Planned> {
    let mut changes = Vec::new();
    for device in &desired.topology.bridges {
        let bridge = &device.bridge.name;
        let origins = device.origins();
        let warn = |message: String| Planned::from_tasks(Change::Warn { message }, origins.iter().copied());
        if let BridgeMac::Unknown { port } = &device.mac {
            changes.push(warn(format!(
                "the MAC of `{port}` is not known (no fact, no `mac`), so `{bridge}` cannot keep it: the kernel \
                 gives `{bridge}` the lowest MAC of its ports (a TAP's random one) and the host's LAN lease can \
                 change at every boot; give the bridge `mac: ` with {port}'s MAC (`cat /sys/class/net/{port}/address`), \
                 or plan with facts from the host (`hostnet facts --json`)"
            )));
        }
        for port in device.ports.iter().filter(|port| port.tap().is_none()) {
            let Some(gateway) = desired
                .facts
                .interface(port.name.as_str())
                .and_then(|fact| fact.gateway)
            else {
                continue;
            };
            let recreated = device
                .routes()
                .iter()
                .any(|route| route.to.is_none() && route.via.is_ipv4() == gateway.is_ipv4());
            let why = match &device.bridge.address {
                AddressConfig::Dhcp => continue,
                _ if recreated => continue,
                AddressConfig::Static(_) => "a static address and no `gateway`",
                AddressConfig::None => "no address",
            };
            changes.push(warn(format!(
                "`{}` carries the host's default route (via {gateway}) now, and `{bridge}`, which takes it over, \
                 has {why}: the host loses its default route when `{bridge}` comes up; add `gateway: {gateway}` \
                 (and `dns:`) to the task that makes `{bridge}`",
                port.name
            )));
        }
        for port in device.wireless_ports() {
            let how = match four_addr {
                FourAddr::Set => {
                    format!("the bring-up sets it (`iw dev {port} set 4addr on`, before `{bridge}` enslaves it)")
                }
                FourAddr::NotSet(target) => format!(
                    "{target} cannot set it: run `iw dev {port} set 4addr on` (with `{port}` down) before `{bridge}` comes up, \
                     or the kernel refuses to enslave `{port}`"
                ),
            };
            changes.push(warn(format!(
                "wireless `{port}` is a port of `{bridge}` only in 4-address mode; {how}; the access point must accept \
                 4-address frames (WDS, hostapd's `wds_sta=1`), which most home routers do not, and drops the guests' \
                 frames otherwise: `vm_network` `mode: proxy_arp` works with every access point"
            )));
        }
    }
    changes
}
