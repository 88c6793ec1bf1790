//! Kernel parameters: one file, `/etc/sysctl.d/30-hostnet.conf`, applied
//! now with `sysctl -p FILE` when it changes.
//!
//! At boot the distro applies it: OpenRC's `sysctl` service and
//! `systemd-sysctl.service` both read `/etc/sysctl.d/*.conf`. Both skip an
//! unknown key with a warning and exit 0, which is why the `sysctl` module
//! refuses names it does not know (`engine/src/model/sysctl.rs`). `30-`
//! sorts after the distro's own files (`10-*`) and before the usual
//! `99-sysctl.conf` link to `/etc/sysctl.conf`, so the user's own file keeps
//! the last word.

use hostnet_engine::backend::{Backend, BackendId, Desired, Detection, OnLiveHost, Target};
use hostnet_engine::change::{Change, Command, Guard, Planned};
use hostnet_engine::error::Result;
use hostnet_engine::facts::Facts;
use hostnet_engine::model::HostModel;
use hostnet_engine::root::SysPath;
use hostnet_engine::types::FileMode;

/// The file hostnet owns.
const PATH: &str = "/etc/sysctl.d/30-hostnet.conf";

/// The sysctl.d backend.
pub(crate) struct Sysctl;

impl Backend for Sysctl {
    fn id(&self) -> BackendId {
        BackendId::new("sysctl")
    }

    fn target(&self) -> Target {
        Target::Sysctl
    }

    fn detect(&self, _facts: &Facts) -> Detection {
        Detection::Preferred
    }

    fn wanted(&self, model: &HostModel) -> bool {
        !model.sysctls.is_empty()
    }

    fn on_live_host(&self, _command: &Command) -> OnLiveHost {
        // On the live root, hostnet sets each value that differs with `sysctl -w`.
        OnLiveHost::Replaced
    }

    fn render(&self, desired: &Desired<'_>) -> Result<Vec<Planned>> {
        let model = desired.model;
        let mut content = String::from(
            "# Managed by hostnet: edit the playbook, not this file.\n\
             # Kernel parameters for the guests' networking.\n",
        );
        for sysctl in &model.sysctls {
            content.push_str(&format!("{} = {}\n", sysctl.name, sysctl.value));
        }
        let tasks: Vec<_> = model.sysctls.iter().map(|sysctl| sysctl.origin.task).collect();
        let path = SysPath::from_static(PATH);
        Ok(vec![
            Planned::from_tasks(
                Change::File {
                    path: path.clone(),
                    content,
                    mode: FileMode(0o644),
                    owner: None,
                    group: None,
                },
                tasks.iter().copied(),
            ),
            Planned::from_tasks(
                Change::Command(Command {
                    argv: vec!["sysctl".into(), "-p".into(), PATH.into()],
                    guard: Guard::FilesChanged(vec![path]),
                    effects: Vec::new(),
                }),
                tasks,
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use hostnet_engine::change::TaskId;
    use hostnet_engine::facts::Distro;
    use hostnet_engine::model::{Origin, Sysctl as Parameter};
    use hostnet_engine::source::{Pos, Source};

    use super::*;
    use crate::fixtures::*;

    fn parameter(task: usize, name: &str, value: &str) -> Parameter {
        Parameter {
            name: name.into(),
            value: value.into(),
            origin: Origin {
                task: TaskId(task),
                pos: Pos::new(&Source::new("site.yml", ""), 1, 1),
            },
        }
    }

    #[test]
    fn ip_forward_file_and_apply_command() {
        let model = HostModel {
            sysctls: vec![parameter(3, "net.ipv4.ip_forward", "1")],
            ..HostModel::default()
        };
        let changes = Sysctl.render(&Desired::new(&model, &facts(Distro::Gentoo))).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].change,
            Change::File {
                path: SysPath::from_static("/etc/sysctl.d/30-hostnet.conf"),
                content: "# Managed by hostnet: edit the playbook, not this file.
# Kernel parameters for the guests' networking.
net.ipv4.ip_forward = 1
"
                .into(),
                mode: FileMode(0o644),
                owner: None,
                group: None,
            }
        );
        assert_eq!(changes[0].origins, [TaskId(3)]);
        assert_eq!(
            changes[1].change,
            Change::Command(Command {
                argv: vec!["sysctl".into(), "-p".into(), "/etc/sysctl.d/30-hostnet.conf".into()],
                guard: Guard::FilesChanged(vec![SysPath::from_static("/etc/sysctl.d/30-hostnet.conf")]),
                effects: Vec::new(),
            })
        );
        assert_eq!(changes[1].origins, [TaskId(3)]);
    }

    #[test]
    fn model_order_and_every_origin() {
        let model = HostModel {
            sysctls: vec![
                parameter(2, "net.ipv4.ip_forward", "1"),
                parameter(0, "net.ipv6.conf.all.forwarding", "1"),
                parameter(2, "net.bridge.bridge-nf-call-iptables", "0"),
            ],
            ..HostModel::default()
        };
        let changes = Sysctl.render(&Desired::new(&model, &facts(Distro::Debian))).unwrap();
        let Change::File { content, .. } = &changes[0].change else {
            panic!("expected the file first: {:?}", changes[0]);
        };
        assert_eq!(
            content,
            "# Managed by hostnet: edit the playbook, not this file.
# Kernel parameters for the guests' networking.
net.ipv4.ip_forward = 1
net.ipv6.conf.all.forwarding = 1
net.bridge.bridge-nf-call-iptables = 0
"
        );
        assert_eq!(changes[0].origins, [TaskId(0), TaskId(2)]);
        assert_eq!(changes[1].origins, [TaskId(0), TaskId(2)]);
    }

    #[test]
    fn detection_and_wanted() {
        assert_eq!(Sysctl.id(), "sysctl");
        assert_eq!(Sysctl.target(), Target::Sysctl);
        for distro in [Distro::Gentoo, Distro::Debian, Distro::Ubuntu, Distro::Systemd] {
            assert_eq!(Sysctl.detect(&facts(distro)), Detection::Preferred);
        }
        assert!(!Sysctl.wanted(&HostModel::default()));
    }
}
