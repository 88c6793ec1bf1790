//! `service`: enable, disable, start, stop, restart or reload a service
//! through the host's init system (OpenRC or systemd).

use crate::change::{Change, ServiceAction};
use crate::error::{Error, Result};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::types::ServiceName;

pub(super) static SERVICE: Module = Module {
    name: "service",
    context: "`service` arguments",
    summary: "Enable/disable a service at boot and start/stop/restart/reload it now.",
    doc: "OpenRC: `rc-update add|del NAME default`, `rc-service NAME start|stop|restart|reload`. \
          systemd: `systemctl enable|disable|start|stop|restart|reload-or-restart NAME.service`. \
          `enabled` and `started`/`stopped` are checked first (runlevel links, `/run/openrc/started`, \
          unit wants links, `/run/systemd/units`), so a second run does nothing; `restarted` and \
          `reloaded` always run, which is why they belong in handlers.",
    args: &[
        ArgSpec {
            name: "name",
            aliases: &[],
            required: true,
            kind: "service name",
            doc: "e.g. `dnsmasq`.",
        },
        ArgSpec {
            name: "state",
            aliases: &[],
            required: false,
            kind: "`started` | `stopped` | `restarted` | `reloaded`",
            doc: "What to do now.",
        },
        ArgSpec {
            name: "enabled",
            aliases: &[],
            required: false,
            kind: "bool",
            doc: "Start at boot.",
        },
    ],
    handler_ok: true,
    run,
};

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let name = args.required::<crate::value::At<ServiceName>>("name")?;
    let name = crate::value::At {
        value: name.value.to_string(),
        pos: name.pos,
    };
    let enabled = args.optional::<bool>("enabled")?;
    let state = args.optional_at::<String>("state")?;
    if enabled.is_none() && state.is_none() {
        return Err(Error::invalid(
            args.pos(),
            "`service` needs `state`, `enabled` or both",
            None,
        ));
    }
    if let Some(enabled) = enabled {
        let action = if enabled {
            ServiceAction::Enable
        } else {
            ServiceAction::Disable
        };
        context.change(Change::Service {
            name: name.value.clone(),
            action,
        });
    }
    if let Some(state) = state {
        let action = match state.value.as_str() {
            "started" => ServiceAction::Start,
            "stopped" => ServiceAction::Stop,
            "restarted" => ServiceAction::Restart,
            "reloaded" => ServiceAction::Reload,
            other => {
                return Err(Error::invalid(
                    &state.pos,
                    format!("unknown service state `{other}`"),
                    Some("expected `started`, `stopped`, `restarted` or `reloaded`".into()),
                ));
            }
        };
        context.change(Change::Service {
            name: name.value,
            action,
        });
    }
    Ok(())
}
