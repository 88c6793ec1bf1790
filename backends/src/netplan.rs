//! netplan (Ubuntu) beside hostnet: a device that netplan defines and hostnet
//! configures too gets two configurations at boot (netplan renders its own
//! networkd or NetworkManager files from `/etc/netplan/*.yaml`; with the
//! uplink defined there, it gets a lease of its own while it is a bridge
//! port). hostnet never edits netplan's files (cloud-init rewrites them, and
//! YAML has no safe in-place disabling), so every network backend that can
//! run on a netplan host refuses the plan, at the task that configures the
//! device, naming the netplan file and line and the fix.

use hostnet_engine::backend::Desired;
use hostnet_engine::error::{Error, Result};
use hostnet_engine::source::Pos;

/// An error for the first device hostnet configures that netplan defines too.
pub(crate) fn check(desired: &Desired<'_>) -> Result<()> {
    let topology = &desired.topology;
    let mut owned: Vec<(&str, &Pos, String)> = Vec::new();
    for device in &topology.bridges {
        let bridge = &device.bridge.name;
        owned.push((bridge.as_str(), &device.bridge.origin.pos, format!("bridge `{bridge}`")));
        for port in &device.ports {
            let pos = device
                .bridge
                .ports
                .iter()
                .find(|written| &written.value == port.name)
                .map_or(&device.bridge.origin.pos, |written| &written.pos);
            owned.push((port.name.as_str(), pos, format!("a port of `{bridge}`")));
        }
    }
    for device in &topology.taps {
        owned.push((device.tap.name.as_str(), &device.tap.origin.pos, "a TAP".into()));
    }
    for interface in &topology.nics {
        owned.push((interface.name.as_str(), &interface.origin.pos, "an interface".into()));
    }
    for definition in &desired.facts.netplan {
        let Some((name, pos, role)) = owned.iter().find(|(name, _, _)| *name == definition.name) else {
            continue;
        };
        return Err(Error::invalid(
            pos,
            format!(
                "netplan defines `{name}` ({}:{}), and hostnet configures it as {role}: both would configure it at boot",
                definition.file, definition.line
            ),
            Some(format!(
                "remove `{name}:` and the lines under it from {} (line {}), run `netplan apply`, then plan again; \
                 or leave `{name}` out of the playbook",
                definition.file, definition.line
            )),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;
    use hostnet_engine::netplan::NetplanDefinition;

    use super::*;
    use crate::fixtures::*;

    #[test]
    fn a_device_netplan_defines_too_is_refused_with_its_line_and_the_fix() {
        let model = scenario_bridged();
        let mut facts = facts(Distro::Ubuntu);
        facts.netplan = vec![NetplanDefinition {
            name: "eth1".into(),
            file: "/etc/netplan/50-cloud-init.yaml".into(),
            line: 8,
        }];
        assert!(check(&Desired::new(&model, &facts)).is_ok());
        facts.netplan.insert(
            0,
            NetplanDefinition {
                name: "eth0".into(),
                file: "/etc/netplan/50-cloud-init.yaml".into(),
                line: 5,
            },
        );
        let error = check(&Desired::new(&model, &facts)).unwrap_err();
        assert_eq!(
            error.kind.to_string(),
            "netplan defines `eth0` (/etc/netplan/50-cloud-init.yaml:5), and hostnet configures it as a port of \
             `br0`: both would configure it at boot"
        );
        assert_eq!(
            error.kind.hint().unwrap(),
            "remove `eth0:` and the lines under it from /etc/netplan/50-cloud-init.yaml (line 5), run `netplan apply`, \
             then plan again; or leave `eth0` out of the playbook"
        );
    }
}
