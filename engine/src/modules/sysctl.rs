//! `sysctl`: a kernel parameter, persisted in sysctl.d and applied now.

use crate::error::{Error, Result};
use crate::model::Sysctl;
use crate::model::sysctl::{dotted_interface, is_known, normalise, proc_path, suggestion, value_range};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::value::{Arg, At};

pub(super) static SYSCTL: Module = Module {
    name: "sysctl",
    context: "`sysctl` arguments",
    summary: "A kernel parameter (e.g. `net.ipv4.ip_forward`), persisted in `/etc/sysctl.d/` and applied now.",
    doc: "Unknown keys are errors: `sysctl -p` and `systemd-sysctl` skip them with exit status 0, so a \
          typo would leave forwarding silently off.",
    args: &[
        ArgSpec {
            name: "name",
            aliases: &[],
            required: true,
            kind: "dotted key",
            doc: "`net.ipv4.ip_forward` (slashes work too; an interface with a dot: `net/ipv6/conf/eth0.100/accept_ra`).",
        },
        ArgSpec {
            name: "value",
            aliases: &[],
            required: true,
            kind: "integer or string",
            doc: "e.g. `1`.",
        },
    ],
    handler_ok: false,
    run,
};

/// A `sysctl` task's arguments, typed (`vm_network` builds them directly).
#[derive(serde::Serialize)]
pub(super) struct SysctlArgs {
    pub(super) name: At<String>,
    pub(super) value: At<String>,
}

impl SysctlArgs {
    /// Check the key and value, and add the setting to the model (once per value).
    pub(super) fn add(self, context: &mut TaskContext<'_>) -> Result<()> {
        let Self { name, value } = self;
        let key = known_key(&name)?;
        let text = match value.value.trim() {
            "true" => "1".to_owned(),
            "false" => "0".to_owned(),
            other => other.to_owned(),
        };
        let (low, high) = value_range(&key);
        let number = text.parse::<u64>().ok().filter(|number| (low..=high).contains(number));
        let Some(number) = number else {
            let expected = if (low, high) == (0, 1) {
                "0 or 1".to_owned()
            } else {
                format!("an integer from {low} to {high}")
            };
            return Err(Error::invalid(
                &value.pos,
                format!(
                    "`{}` is not a value for `{key}` (expected {expected})",
                    value.value.escape_debug()
                ),
                None,
            ));
        };
        let text = number.to_string();
        // The same value twice is one setting; two values are validation's business.
        if !context.model.sysctls.iter().any(|s| s.name == key && s.value == text) {
            let origin = context.origin(&name.pos);
            context.model.sysctls.push(Sysctl {
                name: key,
                value: text,
                origin,
            });
        }
        Ok(())
    }
}

/// The normalised key (`net.ipv4.ip_forward`), if hostnet knows it.
fn known_key(name: &At<String>) -> Result<String> {
    let key = normalise(&name.value);
    if let Some(key) = dotted_interface(&key).filter(|_| !is_known(&key)) {
        return Err(Error::invalid(
            &name.pos,
            format!(
                "`{}` names `/proc/sys/{}`, which is no kernel parameter: its dots separate the parts of the key, also the one in the interface's name",
                name.value,
                proc_path(&name.value)
            ),
            Some(format!(
                "write `{key}`: slashes separate its parts, and the interface keeps its dot (sysctl.d(5))"
            )),
        ));
    }
    if !is_known(&key) {
        return Err(Error::invalid(
            &name.pos,
            format!("unknown kernel parameter `{}`", name.value),
            Some(suggestion(&key).map_or_else(
                || "hostnet accepts the networking keys listed in docs/modules.md#sysctl".to_owned(),
                |suggestion| format!("did you mean `{suggestion}`?"),
            )),
        ));
    }
    Ok(key)
}

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let name = args.required::<At<String>>("name")?;
    let value = args.required::<Arg>("value")?;
    known_key(&name)?;
    let value = At {
        value: value.text("a value")?,
        pos: value.pos,
    };
    SysctlArgs { name, value }.add(context)
}
