//! Rules: unicast MACs, each used once (a bridge may share one with its own
//! port); a guest's MAC is never one of the host's (the guides' `mac_tap0`
//! mistake: a TAP with its guest's MAC makes the bridge deliver the guest's
//! frames to the host), and each guest NIC has its own.

use foldhash::HashMap;

use crate::error::Rule;
use crate::source::Pos;
use crate::types::MacAddr;
use crate::validate::{Check, Item};

/// A guest NIC seen so far: `` `vm` on `network` ``, where, and the network
/// when it has a fixed lease there.
type GuestNic<'m> = (String, Pos, Option<&'m str>);

impl<'a> Check<'a> {
    /// Rule: unicast MACs, each used once (a bridge may share one with its own port).
    pub(super) fn macs(&mut self) {
        let items = self.items();
        // Per MAC, the items that use it so far (a bridge and its ports at most).
        let mut seen: HashMap<MacAddr, Vec<(&Item<'_>, Pos)>> = HashMap::default();
        for item in &items {
            let Some(mac) = item.mac else {
                continue;
            };
            let pos = item.mac_pos.unwrap_or(item.pos).clone();
            if mac.is_multicast() {
                self.error(
                    Rule::MulticastMac,
                    &pos,
                    format!("`{mac}` is a multicast MAC address (the group bit of its first byte is set)"),
                    Some(format!(
                        "an interface needs a unicast MAC, e.g. `{}` (locally administered)",
                        unicast(mac)
                    )),
                );
                continue;
            }
            let users = seen.entry(mac).or_default();
            let duplicate = users.iter().find(|(first, _)| !self.bridge_and_port(first, item));
            if let Some((first, first_pos)) = duplicate {
                let message = format!(
                    "MAC `{mac}` of {} `{}` is already used by {} `{}` at {first_pos}",
                    item.kind, item.name, first.kind, first.name
                );
                self.error(
                    Rule::DuplicateMac,
                    &pos,
                    message,
                    Some("give each interface its own MAC address".into()),
                );
                continue;
            }
            users.push((item, pos));
        }
    }

    /// Rules: a guest's MAC (a VM's, or a fixed lease's) is on no device of
    /// the host, and no two guest NICs share one.
    pub(super) fn guest_macs(&mut self) {
        let items = self.items();
        // The first device of the host with each MAC (a map: one look-up per guest).
        let mut host: HashMap<MacAddr, String> = HashMap::default();
        for item in &items {
            if let Some(mac) = item.mac {
                let at = item.mac_pos.unwrap_or(item.pos);
                host.entry(mac)
                    .or_insert_with(|| format!("the MAC of {} `{}` at {at}", item.kind, item.name));
            }
        }
        for fact in &self.facts.interfaces {
            if let Some(mac) = fact.mac
                && self
                    .index
                    .interface(fact.name.as_str())
                    .is_none_or(|interface| interface.mac.is_none())
            {
                host.entry(mac)
                    .or_insert_with(|| format!("the MAC of the host's `{}`", fact.name));
            }
        }
        let hint = "a guest's MAC belongs in the guest (QEMU's `-device …,mac=`), never on the host's TAP, \
                    bridge or NIC: remove it there, or give the guest another MAC";
        // By MAC: name, where, and the network when the NIC has a fixed lease there.
        let mut guests: HashMap<MacAddr, Vec<GuestNic<'_>>> = HashMap::default();
        for vm in &self.model.vms {
            if let Some(what) = host.get(&vm.mac) {
                let pos = vm.origin.pos.clone();
                self.error(
                    Rule::GuestMacOnHost,
                    &pos,
                    format!(
                        "VM `{}` has MAC `{}`, which is {what}: the bridge would deliver the guest's frames \
                         to the host",
                        vm.name, vm.mac
                    ),
                    Some(hint.into()),
                );
                continue;
            }
            // Two fixed leases for one MAC on one network are the lease rule's to report.
            let leased = |other: &&GuestNic<'_>| vm.ip.is_some() && other.2 == Some(vm.network.as_str());
            if let Some((other, first, _)) = guests
                .get(&vm.mac)
                .and_then(|same| same.iter().find(|other| !leased(other)))
            {
                let message = format!(
                    "VM `{}` on `{}` has MAC `{}`, which VM {other} at {first} has too",
                    vm.name, vm.network, vm.mac
                );
                self.error(
                    Rule::GuestMacTwice,
                    &vm.origin.pos,
                    message,
                    Some("give each NIC its own MAC (leave `mac` out for a generated one)".into()),
                );
                continue;
            }
            guests.entry(vm.mac).or_default().push((
                format!("`{}` on `{}`", vm.name, vm.network),
                vm.origin.pos.clone(),
                vm.ip.map(|_| vm.network.as_str()),
            ));
        }
        for server in &self.model.dhcp_servers {
            for lease in &server.hosts {
                if let Some(what) = host.get(&lease.value.mac) {
                    let message = format!(
                        "the fixed lease's MAC `{}` is {what}: the guest with this MAC and the host's device \
                         would answer for each other",
                        lease.value.mac
                    );
                    self.error(Rule::GuestMacOnHost, &lease.pos, message, Some(hint.into()));
                }
            }
        }
    }

    /// A bridge takes a port's MAC by default, so sharing one is fine.
    fn bridge_and_port(&self, a: &Item<'_>, b: &Item<'_>) -> bool {
        let is_port = |bridge: &Item<'_>, port: &Item<'_>| {
            bridge.kind == "bridge"
                && self
                    .index
                    .bridge_of(port.name.as_str())
                    .is_some_and(|owner| &owner.name == bridge.name)
        };
        is_port(a, b) || is_port(b, a)
    }
}

/// The same MAC as unicast and locally administered.
fn unicast(mac: MacAddr) -> MacAddr {
    let mut bytes = mac.0;
    bytes[0] = (bytes[0] & !1) | 2;
    MacAddr(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicast_suggestion() {
        let mac: MacAddr = "01:00:5e:00:00:01".parse().unwrap();
        assert_eq!(unicast(mac).to_string(), "02:00:5e:00:00:01");
        assert!(!unicast(mac).is_multicast());
        let mac: MacAddr = "ff:ff:ff:ff:ff:ff".parse().unwrap();
        assert_eq!(unicast(mac).to_string(), "fe:ff:ff:ff:ff:ff");
    }
}
