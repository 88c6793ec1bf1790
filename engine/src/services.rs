//! Service actions resolved for the host's init system, with the checks that
//! make `enabled` and `started`/`stopped` idempotent.
//!
//! Each command also declares the file it creates or removes (a runlevel
//! link, a wants link, a started marker). On the live host the command does
//! that; under any other root the engine materialises the effect instead, so
//! a second plan in a test root sees the service as enabled.

use crate::change::{Command, Effect, Guard, ServiceAction, Undo};
use crate::facts::Init;
use crate::root::SysPath;

/// The systemd target a unit is wanted by when enabled (from its `[Install]`).
fn wanted_by(unit: &str) -> &'static str {
    match unit {
        // Debian's nftables.service: `WantedBy=sysinit.target`.
        "nftables" => "sysinit.target",
        _ => "multi-user.target",
    }
}

/// The command that carries out `action` on `name` under `init`.
pub fn resolve(init: Init, name: &str, action: ServiceAction) -> Command {
    match init {
        Init::Openrc => openrc(name, action),
        Init::Systemd => systemd(name, action),
    }
}

/// How a rollback undoes `action` on `name` once the run's files are back:
/// each guarded action ran only because the service was not yet in that
/// state, so the opposite action restores it; a restart or reload runs again.
pub fn undo(init: Init, name: &str, action: ServiceAction) -> Undo {
    let opposite = match action {
        ServiceAction::Enable => ServiceAction::Disable,
        ServiceAction::Disable => ServiceAction::Enable,
        ServiceAction::Start => ServiceAction::Stop,
        ServiceAction::Stop => ServiceAction::Start,
        ServiceAction::Restart | ServiceAction::Reload => {
            return Undo::Rerun {
                files: Vec::new(),
                unload: None,
            };
        }
    };
    Undo::Run {
        argv: resolve(init, name, opposite).argv,
        input: None,
    }
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

fn openrc(name: &str, action: ServiceAction) -> Command {
    let runlevel = SysPath::from_static(format!("/etc/runlevels/default/{name}"));
    let started = SysPath::from_static(format!("/run/openrc/started/{name}"));
    let script = format!("/etc/init.d/{name}");
    let (words, guard, effects) = match action {
        ServiceAction::Enable => (
            vec!["rc-update", "add", name, "default"],
            Guard::Creates(runlevel.clone()),
            vec![Effect::Link {
                path: runlevel,
                target: script,
            }],
        ),
        ServiceAction::Disable => (
            vec!["rc-update", "del", name, "default"],
            Guard::Removes(runlevel.clone()),
            vec![Effect::Remove { path: runlevel }],
        ),
        ServiceAction::Start => (
            vec!["rc-service", name, "start"],
            Guard::Creates(started.clone()),
            vec![Effect::Link {
                path: started,
                target: script,
            }],
        ),
        ServiceAction::Stop => (
            vec!["rc-service", name, "stop"],
            Guard::Removes(started.clone()),
            vec![Effect::Remove { path: started }],
        ),
        ServiceAction::Restart => (
            vec!["rc-service", name, "restart"],
            Guard::Always,
            vec![Effect::Link {
                path: started,
                target: script,
            }],
        ),
        ServiceAction::Reload => (vec!["rc-service", name, "reload"], Guard::Always, Vec::new()),
    };
    Command {
        argv: argv(&words),
        guard,
        effects,
    }
}

fn systemd(name: &str, action: ServiceAction) -> Command {
    let unit = format!("{name}.service");
    let wants = SysPath::from_static(format!("/etc/systemd/system/{}.wants/{unit}", wanted_by(name)));
    let active = SysPath::from_static(format!("/run/systemd/units/invocation:{unit}"));
    // hostnet's own units (`hostnet-*`) live in /etc/systemd/system; a wants
    // link to /lib would dangle (in a rendered image the unit would not start).
    let unit_dir = if name.starts_with("hostnet-") {
        "/etc/systemd/system"
    } else {
        "/lib/systemd/system"
    };
    let unit_file = format!("{unit_dir}/{unit}");
    let (words, guard, effects) = match action {
        ServiceAction::Enable => (
            vec!["systemctl", "enable", unit.as_str()],
            Guard::Creates(wants.clone()),
            vec![Effect::Link {
                path: wants,
                target: unit_file,
            }],
        ),
        ServiceAction::Disable => (
            vec!["systemctl", "disable", unit.as_str()],
            Guard::Removes(wants.clone()),
            vec![Effect::Remove { path: wants }],
        ),
        ServiceAction::Start => (
            vec!["systemctl", "start", unit.as_str()],
            Guard::Creates(active.clone()),
            vec![Effect::Link {
                path: active,
                target: "hostnet-simulated".into(),
            }],
        ),
        ServiceAction::Stop => (
            vec!["systemctl", "stop", unit.as_str()],
            Guard::Removes(active.clone()),
            vec![Effect::Remove { path: active }],
        ),
        ServiceAction::Restart => (
            vec!["systemctl", "restart", unit.as_str()],
            Guard::Always,
            vec![Effect::Link {
                path: active,
                target: "hostnet-simulated".into(),
            }],
        ),
        ServiceAction::Reload => (
            vec!["systemctl", "reload-or-restart", unit.as_str()],
            Guard::Always,
            Vec::new(),
        ),
    };
    Command {
        argv: argv(&words),
        guard,
        effects,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openrc_enable_is_guarded_by_the_runlevel_link() {
        let command = resolve(Init::Openrc, "net.br0", ServiceAction::Enable);
        assert_eq!(command.argv, ["rc-update", "add", "net.br0", "default"]);
        assert_eq!(
            command.guard,
            Guard::Creates(SysPath::from_static("/etc/runlevels/default/net.br0"))
        );
    }

    #[test]
    fn systemd_enable_uses_the_units_wanted_by_target() {
        let command = resolve(Init::Systemd, "nftables", ServiceAction::Enable);
        assert_eq!(command.argv, ["systemctl", "enable", "nftables.service"]);
        assert_eq!(
            command.guard,
            Guard::Creates(SysPath::from_static(
                "/etc/systemd/system/sysinit.target.wants/nftables.service"
            ))
        );
    }

    #[test]
    fn hostnet_units_are_linked_from_etc() {
        let command = resolve(Init::Systemd, "hostnet-ebtables", ServiceAction::Enable);
        assert_eq!(
            command.effects,
            [Effect::Link {
                path: SysPath::from_static("/etc/systemd/system/multi-user.target.wants/hostnet-ebtables.service"),
                target: "/etc/systemd/system/hostnet-ebtables.service".into(),
            }]
        );
    }
}
