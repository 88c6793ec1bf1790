//! Rule: unicast MACs, each used once (a bridge may share one with its own port).

use crate::error::Rule;
use crate::source::Pos;
use crate::types::MacAddr;
use crate::validate::{Check, Item};

impl<'a> Check<'a> {
    /// Rule: unicast MACs, each used once (a bridge may share one with its own port).
    pub(super) fn macs(&mut self) {
        let items = self.items();
        let mut seen: Vec<(MacAddr, &Item<'_>, Pos)> = Vec::new();
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
            let duplicate = seen
                .iter()
                .find(|(other, first, _)| *other == mac && !self.bridge_and_port(first, item));
            if let Some((_, first, first_pos)) = duplicate {
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
            seen.push((mac, item, pos));
        }
    }

    /// A bridge takes a port's MAC by default, so sharing one is fine.
    fn bridge_and_port(&self, a: &Item<'_>, b: &Item<'_>) -> bool {
        let is_port = |bridge: &Item<'_>, port: &Item<'_>| {
            bridge.kind == "bridge"
                && self
                    .model
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
