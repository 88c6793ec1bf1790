//! netplan (Ubuntu) beside hostnet: a device that netplan defines and hostnet
//! configures too gets two configurations at boot (netplan renders its own
//! networkd or NetworkManager files from `/etc/netplan/*.yaml`), so every
//! network backend that can run on a netplan host warns about it, with the
//! netplan file and line and the fix. hostnet never edits netplan's files.

use hostnet_engine::backend::Desired;
use hostnet_engine::change::{Change, Planned};

/// A warning for each device hostnet configures that netplan defines too.
pub(crate) fn warnings(desired: &Desired<'_>) -> Vec<Planned> {
    let topology = &desired.topology;
    let mut owned = Vec::new();
    for device in &topology.bridges {
        owned.push((device.bridge.name.as_str(), device.origins()));
        for port in &device.ports {
            let mut origins = port.origins();
            origins.push(device.bridge.origin.task);
            owned.push((port.name.as_str(), origins));
        }
    }
    for device in &topology.taps {
        owned.push((device.tap.name.as_str(), device.origins()));
    }
    for interface in &topology.nics {
        owned.push((interface.name.as_str(), vec![interface.origin.task]));
    }
    let mut changes = Vec::new();
    for definition in &desired.facts.netplan {
        let Some((name, origins)) = owned.iter().find(|(name, _)| *name == definition.name) else {
            continue;
        };
        changes.push(Planned::from_tasks(
            Change::Warn {
                message: format!(
                    "{}:{}: netplan defines `{name}`, which hostnet configures: both apply at boot; \
                     remove `{name}` from {} (then `netplan apply`), or leave it out of the playbook",
                    definition.file, definition.line, definition.file
                ),
            },
            origins.iter().copied(),
        ));
    }
    changes
}

#[cfg(test)]
mod tests {
    use hostnet_engine::facts::Distro;
    use hostnet_engine::netplan::NetplanDefinition;

    use super::*;
    use crate::fixtures::*;

    #[test]
    fn a_device_netplan_defines_too_is_warned_about_with_its_line() {
        let model = scenario_bridged();
        let mut facts = facts(Distro::Ubuntu);
        facts.netplan = vec![
            NetplanDefinition {
                name: "eth0".into(),
                file: "/etc/netplan/50-cloud-init.yaml".into(),
                line: 5,
            },
            NetplanDefinition {
                name: "eth1".into(),
                file: "/etc/netplan/50-cloud-init.yaml".into(),
                line: 8,
            },
        ];
        let desired = Desired::new(&model, &facts);
        let changes = warnings(&desired);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].change,
            Change::Warn {
                message: "/etc/netplan/50-cloud-init.yaml:5: netplan defines `eth0`, which hostnet configures: \
                          both apply at boot; remove `eth0` from /etc/netplan/50-cloud-init.yaml (then `netplan apply`), \
                          or leave it out of the playbook"
                    .into()
            }
        );
        assert_eq!(
            changes[0].origins,
            [hostnet_engine::change::TaskId(1), hostnet_engine::change::TaskId(2)]
        );
    }
}
