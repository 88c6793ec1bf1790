//! The modules a task can call, each declared once with its argument spec.
//!
//! [`MODULES`] is the single list of module names: the loader looks names up
//! here, "did you mean" draws from it, and `docs/modules.md` is generated from
//! the specs (a test keeps the file current). Each module lives in its own
//! file with its spec and its `run` function.

pub mod args;
mod blockinfile;
mod bridge;
mod command;
mod dhcp_relay;
mod dhcp_server;
mod file;
mod firewall;
mod interface;
mod mac_nat;
mod nat;
mod net_args;
mod service;
pub mod spec;
mod sysctl;
mod tap;
mod vm_network;

pub use args::ArgSpec;
pub use spec::Module;

pub use command::COMMAND;

/// Every module, in documentation order.
pub static MODULES: &[&Module] = &[
    &vm_network::VM_NETWORK,
    &interface::INTERFACE,
    &bridge::BRIDGE,
    &tap::TAP,
    &dhcp_server::DHCP_SERVER,
    &dhcp_relay::DHCP_RELAY,
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
pub fn misuse(module: &Module, args: &crate::yaml::Node) -> Option<crate::error::Error> {
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
