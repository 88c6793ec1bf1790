//! The modules a task can call, each declared once with its argument spec.
//!
//! [`MODULES`] is the single list of module names: the loader looks names up
//! here, "did you mean" draws from it, and `docs/modules.md` is generated from
//! the specs (a test keeps the file current). Each module lives in its own
//! file with its spec and its `run` function.

mod blockinfile;
mod bridge;
mod command;
mod file;
mod interface;
mod net_args;
mod service;
mod tap;

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
    &interface::INTERFACE,
    &bridge::BRIDGE,
    &tap::TAP,
    &file::FILE,
    &blockinfile::BLOCKINFILE,
    &command::COMMAND,
    &service::SERVICE,
];

/// Look a module up by the key users write.
pub fn find(name: &str) -> Option<&'static Module> {
    MODULES.iter().copied().find(|module| module.name == name)
}
