//! Rules: a port belongs to one bridge; bridges are not ports; ports exist
//! (or a task creates them); wireless interfaces are not ports; ports carry
//! no address of their own; a bridge holds at most [`MAX_PORTS`] ports.

use foldhash::{HashMap, HashSet};

use crate::error::Rule;
use crate::error::suggest;
use crate::model::AddressConfig;
use crate::source::Pos;
use crate::types::InterfaceName;
use crate::validate::Check;
use crate::value::At;

/// The most ports a Linux bridge holds: `BR_MAX_PORTS` is 1,024 and port
/// number 0 is reserved, so joining a 1,024th port fails with
/// `RTNETLINK answers: Exchange full` (`EXFULL`), verified in a namespace.
const MAX_PORTS: usize = 1023;

impl<'a> Check<'a> {
    /// Rules: a port belongs to one bridge; bridges are not ports; ports exist.
    pub(super) fn ports(&mut self) {
        let model = self.model;
        let mut seen: HashMap<&InterfaceName, (&InterfaceName, &Pos)> = HashMap::default();
        for bridge in &model.bridges {
            for port in &bridge.ports {
                let name = &port.value;
                if name == &bridge.name {
                    self.error(
                        Rule::PortIsItsBridge,
                        &port.pos,
                        format!("bridge `{name}` cannot be a port of itself"),
                        Some(format!("remove `{name}` from its `ports`")),
                    );
                    continue;
                }
                if self.index.bridge(name.as_str()).is_some() {
                    self.error(Rule::BridgeAsPort,
                        &port.pos,
                        format!(
                            "`{name}` is a bridge and cannot be a port of bridge `{}` (the kernel does not nest bridges)",
                            bridge.name
                        ),
                        Some(format!(
                            "list the ports of `{name}` in `{}` directly, or connect the two bridges with a veth pair",
                            bridge.name
                        )),
                    );
                    continue;
                }
                if let Some(&(other, pos)) = seen.get(name) {
                    let pos = pos.clone();
                    if other == &bridge.name {
                        self.error(
                            Rule::PortTwice,
                            &port.pos,
                            format!("port `{name}` is listed twice in bridge `{other}`"),
                            Some("remove one of them".into()),
                        );
                    } else {
                        self.error(
                            Rule::PortInTwoBridges,
                            &port.pos,
                            format!("port `{name}` is already in bridge `{other}` at {pos}"),
                            Some("an interface can be a port of one bridge only; remove it from one of them".into()),
                        );
                    }
                    continue;
                }
                seen.insert(name, (&bridge.name, &port.pos));
                self.wireless_port(port);
                self.missing_port(port, &bridge.name);
            }
        }
    }

    /// Rule: a bridge holds at most [`MAX_PORTS`] ports; the error is at the
    /// first port too many.
    pub(super) fn port_limit(&mut self) {
        for bridge in &self.model.bridges {
            let mut seen = HashSet::default();
            let ports: Vec<&At<InterfaceName>> = bridge
                .ports
                .iter()
                .filter(|port| port.value != bridge.name && seen.insert(&port.value))
                .collect();
            let Some(port) = ports.get(MAX_PORTS) else {
                continue;
            };
            self.error(
                Rule::TooManyPorts,
                &port.pos,
                format!(
                    "bridge `{}` has {} ports, but a Linux bridge holds at most {MAX_PORTS}: the kernel refuses \
                     the {}th, `{}` (`RTNETLINK answers: Exchange full`)",
                    bridge.name,
                    ports.len(),
                    MAX_PORTS + 1,
                    port.value
                ),
                Some(format!(
                    "spread the guests over bridges of at most {MAX_PORTS} ports, each with its own subnet \
                     (one `vm_network` task per bridge)"
                )),
            );
        }
    }

    /// Rule: wireless interfaces cannot be bridge ports.
    fn wireless_port(&mut self, port: &At<InterfaceName>) {
        let name = &port.value;
        let wireless = match self.index.interface(name.as_str()) {
            Some(interface) => interface.wireless,
            None => self.host.get(name.as_str()).is_some_and(|fact| fact.wireless),
        };
        // With ebtables MAC NAT (and `4addr` on) the uplink may join the bridge.
        if wireless && !self.model.mac_nats.iter().any(|nat| nat.uplink.value == *name) {
            self.error(
                Rule::WirelessPort,
                &port.pos,
                format!(
                    "`{name}` is a wireless interface and cannot be a bridge port \
                     (the kernel refuses, and access points drop frames from unknown MACs)"
                ),
                Some(format!(
                    "use mode nat or routed (a private bridge with NAT), ebtables MAC NAT (`mac_nat`), \
                     or `iw dev {name} set 4addr on` where the access point supports WDS"
                )),
            );
        }
    }

    /// Rule: a port nothing creates and the host lacks (only when the host's interfaces are known).
    fn missing_port(&mut self, port: &At<InterfaceName>, bridge: &InterfaceName) {
        let name = port.value.as_str();
        let facts = self.facts;
        if facts.interfaces.is_empty()
            || self.index.tap(name).is_some()
            || self.index.interface(name).is_some()
            || self.host.contains_key(name)
        {
            return;
        }
        let hint = match suggest(name, facts.interfaces.iter().map(|i| i.name.as_str())) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "the host has {}; add a `tap` task if hostnet should create `{name}`",
                facts
                    .interfaces
                    .iter()
                    .map(|i| format!("`{}`", i.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            Rule::MissingPort,
            &port.pos,
            format!(
                "`{name}` does not exist on the host and no task creates it, so bridge `{bridge}` \
                 would come up without it (ifupdown skips missing ports silently)"
            ),
            Some(hint),
        );
    }

    /// Rule: a bridge port carries no address; the bridge does.
    pub(super) fn port_addresses(&mut self) {
        let model = self.model;
        for interface in &model.interfaces {
            if interface.address == AddressConfig::None {
                continue;
            }
            let Some(bridge) = self.index.bridge_of(interface.name.as_str()) else {
                continue;
            };
            let written = &interface.written;
            let name = &interface.name;
            let message = if written.address.is_none() {
                format!(
                    "`{name}` is a port of bridge `{}` and cannot have an address of its own, \
                     but `interface` defaults to `address: dhcp`",
                    bridge.name
                )
            } else {
                format!(
                    "`{name}` is a port of bridge `{}` and cannot have an address of its own",
                    bridge.name
                )
            };
            let pos = written
                .addresses
                .first()
                .or(written.address.as_ref())
                .unwrap_or(&interface.origin.pos)
                .clone();
            self.error(
                Rule::PortWithAddress,
                &pos,
                message,
                Some(format!(
                    "the bridge carries the address; use `address: none` on `{name}`"
                )),
            );
        }
    }
}
