//! The modules a task can call, each declared once with its argument spec.
//!
//! [`MODULES`] is the single list of module names: the loader looks names up
//! here, "did you mean" draws from it, and `docs/modules.md` is generated from
//! the specs (a test keeps the file current). Each module lives in its own
//! file with its spec and its `run` function.

mod blockinfile;
mod bridge;
mod command;
mod dhcp_server;
mod file;
mod firewall;
mod interface;
mod mac_nat;
mod nat;
mod net_args;
mod service;
mod sysctl;
mod tap;
mod vm_network;

use crate::args::Args;
use crate::error::Result;
use crate::execute::TaskContext;

pub use command::COMMAND;

/// A module: its name, documentation and arguments, and what it does.
#[derive(Debug)]
pub struct Module {
    /// The key users write in a task.
    pub name: &'static str,
    /// `"`bridge` arguments"`: how messages refer to its arguments.
    pub context: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Longer documentation (Markdown).
    pub doc: &'static str,
    /// Its arguments.
    pub args: &'static [ArgSpec],
    /// Whether handlers may use it (generic modules only).
    pub handler_ok: bool,
    /// Run it for one loop item: read `args`, add to the model or the changes.
    pub run: fn(&mut Args, &mut TaskContext<'_>) -> Result<()>,
}

impl Module {
    /// The spec of an argument, by name or alias.
    pub fn arg(&self, name: &str) -> Option<&'static ArgSpec> {
        self.args
            .iter()
            .find(|spec| spec.name == name || spec.aliases.contains(&name))
    }

    /// How messages refer to this module's arguments.
    pub fn context(&self) -> &'static str {
        self.context
    }
}

/// One argument of a module.
#[derive(Debug)]
pub struct ArgSpec {
    /// Its key.
    pub name: &'static str,
    /// Other accepted keys.
    pub aliases: &'static [&'static str],
    /// Is it required?
    pub required: bool,
    /// The type, as shown in docs (`interface name`, `list of CIDRs`, …).
    pub kind: &'static str,
    /// What it means, defaults included.
    pub doc: &'static str,
}

/// Every module, in documentation order.
pub static MODULES: &[&Module] = &[
    &vm_network::VM_NETWORK,
    &interface::INTERFACE,
    &bridge::BRIDGE,
    &tap::TAP,
    &dhcp_server::DHCP_SERVER,
    &sysctl::SYSCTL,
    &nat::NAT,
    &firewall::FIREWALL,
    &mac_nat::MAC_NAT,
    &file::FILE,
    &blockinfile::BLOCKINFILE,
    &command::COMMAND,
    &service::SERVICE,
];

/// `docs/modules.md`: the module reference, generated from the specs above
/// (a test fails when the file is not current).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Module reference\n\n<!-- Generated from engine/src/modules/*.rs by `SNAPSHOTS=overwrite cargo test docs`; do not edit. -->\n\n\
         Every task names exactly one module. Arguments are templated (minijinja) and then checked against their type;\n\
         unknown arguments are errors. Handlers may use only the modules marked *handler: yes*.\n\n",
    );
    for module in MODULES {
        out.push_str(&format!(
            "- [`{}`](#{}): {}\n",
            module.name, module.name, module.summary
        ));
    }
    for module in MODULES {
        out.push_str(&format!(
            "\n## {}\n\n{}\n\n{}\n\n",
            module.name, module.summary, module.doc
        ));
        out.push_str(&format!(
            "handler: {}\n\n",
            if module.handler_ok { "yes" } else { "no" }
        ));
        out.push_str("| argument | type | required | description |\n|---|---|---|---|\n");
        for arg in module.args {
            let aliases = if arg.aliases.is_empty() {
                String::new()
            } else {
                format!(
                    " (alias {})",
                    arg.aliases
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push_str(&format!(
                "| `{}`{aliases} | {} | {} | {} |\n",
                arg.name,
                arg.kind.replace('|', "\\|"),
                if arg.required { "yes" } else { "no" },
                arg.doc.replace('|', "\\|")
            ));
        }
    }
    out
}

/// A module's arguments written the way another tool spells them
/// (`command: "ip link set br0 up"`), caught before anything is templated.
pub fn misuse(module: &Module, args: &crate::playbook::Node) -> Option<crate::error::Error> {
    if std::ptr::eq(module, &command::COMMAND) {
        command::free_form(args)
    } else {
        None
    }
}

/// Look a module up by the key users write.
pub fn find(name: &str) -> Option<&'static Module> {
    MODULES.iter().copied().find(|module| module.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_args_documented() {
        let mut names: Vec<&str> = MODULES.iter().map(|module| module.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), MODULES.len());
        for module in MODULES {
            assert!(
                !module.summary.is_empty() && !module.doc.is_empty(),
                "{} lacks docs",
                module.name
            );
            assert!(
                module.context.contains(module.name),
                "{}: context names another module",
                module.name
            );
            for arg in module.args {
                assert!(!arg.doc.is_empty(), "{}.{} lacks docs", module.name, arg.name);
            }
        }
    }
}
