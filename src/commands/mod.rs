//! One file per command; each loads, calls the engine once, and prints.

mod apply;
mod check;
mod confirm;
mod facts;
mod plan;
mod qemu;
mod render;
mod rollback;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;

/// Dispatch a parsed command line.
pub(crate) fn run(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Plan(args) => plan::run(&args),
        Command::Apply(args) => apply::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Rollback(args) => rollback::run(&args),
        Command::Confirm(args) => confirm::run(&args),
        Command::Facts(args) => facts::run(&args),
        Command::Qemu(args) => qemu::run(&args),
    }
}
