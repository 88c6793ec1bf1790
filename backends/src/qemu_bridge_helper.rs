//! QEMU's bridge helper: `qemu-bridge-helper` attaches a guest started with
//! `-netdev bridge,br=BRIDGE` only if `/etc/qemu/bridge.conf` has
//! `allow BRIDGE`. One managed block per bridge a guest joins that way
//! (`helper: true` in `vm_network`), unless the user's part of the file
//! already allows it.

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, Target};
use hostnet_engine::change::{Block, Change, Placement, Planned, TaskId};
use hostnet_engine::error::Result;
use hostnet_engine::facts::Facts;
use hostnet_engine::model::HostModel;
use hostnet_engine::model::vm::Attachment;
use hostnet_engine::root::SysPath;
use hostnet_engine::types::{FileMode, InterfaceName};

/// The helper's ACL.
const BRIDGE_CONF: &str = "/etc/qemu/bridge.conf";

/// `allow` lines for QEMU's bridge helper.
pub(crate) struct QemuBridgeHelper;

impl Backend for QemuBridgeHelper {
    fn id(&self) -> BackendId {
        BackendId::new("qemu-bridge-helper")
    }

    fn target(&self) -> Target {
        Target::Qemu
    }

    fn detect(&self, _facts: &Facts) -> Detection {
        Detection::Preferred
    }

    fn wanted(&self, model: &HostModel) -> bool {
        !bridges(model).is_empty()
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        Ok(bridges(desired.model)
            .into_iter()
            .map(|(bridge, origins)| {
                let allow = format!("allow {bridge}");
                Planned::from_tasks(
                    Change::Block(Block {
                        path: SysPath::from_static(BRIDGE_CONF),
                        marker: format!("bridge {bridge}"),
                        content: allow.clone(),
                        present: true,
                        placement: Placement::End,
                        mode: FileMode(0o644),
                        conflicts: Vec::new(),
                        unless_present: Some(allow),
                        enforce_mode: false,
                    }),
                    origins,
                )
            })
            .collect())
    }
}

/// Each bridge guests join through the helper, in order, with the tasks that asked.
fn bridges(model: &HostModel) -> Vec<(&InterfaceName, Vec<TaskId>)> {
    let mut out: Vec<(&InterfaceName, Vec<TaskId>)> = Vec::new();
    for vm in &model.vms {
        let Attachment::BridgeHelper { bridge } = &vm.attachment else {
            continue;
        };
        match out.iter_mut().find(|(name, _)| *name == bridge) {
            Some((_, origins)) => origins.push(vm.origin.task),
            None => out.push((bridge, vec![vm.origin.task])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use hostnet_engine::model::Origin;
    use hostnet_engine::model::vm::{Mode, NicModel, Vm};
    use hostnet_engine::source::{Pos, Source};

    use super::*;
    use crate::fixtures::facts;
    use hostnet_engine::facts::Distro;

    fn vm(name: &str, attachment: Attachment, task: usize) -> Vm {
        Vm {
            name: name.into(),
            network: "br0".into(),
            mode: Mode::Bridged,
            attachment,
            mac: "52:54:00:00:00:01".parse().unwrap(),
            mac_generated: false,
            ip: None,
            model: NicModel::VirtioNetPci,
            vhost: false,
            origin: Origin {
                task: TaskId(task),
                pos: Pos::new(&Source::new("p.yml", "x\n"), 1, 1),
            },
        }
    }

    #[test]
    fn one_allow_block_per_helper_bridge() {
        let helper = |bridge: &str| Attachment::BridgeHelper {
            bridge: bridge.parse().unwrap(),
        };
        let model = HostModel {
            vms: vec![
                vm("a", helper("br0"), 0),
                vm(
                    "b",
                    Attachment::Tap {
                        tap: "tap0".parse().unwrap(),
                    },
                    1,
                ),
                vm("c", helper("br1"), 2),
                vm("d", helper("br0"), 3),
            ],
            ..HostModel::default()
        };
        assert!(QemuBridgeHelper.wanted(&model));
        let facts = facts(Distro::Debian);
        let changes = QemuBridgeHelper.render(&Desired::new(&model, &facts)).unwrap();
        let blocks: Vec<(String, String, Vec<TaskId>)> = changes
            .iter()
            .map(|planned| match &planned.change {
                Change::Block(block) => (block.marker.clone(), block.content.clone(), planned.origins.clone()),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            blocks,
            [
                (
                    "bridge br0".to_owned(),
                    "allow br0".to_owned(),
                    vec![TaskId(0), TaskId(3)]
                ),
                ("bridge br1".to_owned(), "allow br1".to_owned(), vec![TaskId(2)]),
            ]
        );
        assert!(!QemuBridgeHelper.wanted(&HostModel::default()));
    }
}
