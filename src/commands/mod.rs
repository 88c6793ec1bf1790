//! One file per command; each loads, calls the engine once, and prints.

mod apply;
mod check;
mod completions;
mod confirm;
mod destroy;
mod facts;
mod graph;
mod lab;
mod list;
mod man;
mod plan;
mod qemu;
mod render;
mod rollback;
mod schema;
mod verify;

use crate::cli::{Cli, Command};
use crate::exit::ExitStatus;
use crate::settings::View;

/// Dispatch a parsed command line.
pub(crate) fn run(cli: Cli) -> ExitStatus {
    let view = View::of(&cli.global);
    match cli.command {
        Command::Plan(args) => plan::run(&args, view.with(&args.view)),
        Command::Apply(args) => apply::run(&args, view.with(&args.view)),
        Command::Check(args) => check::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Destroy(args) => destroy::run(&args, view.with(&args.view)),
        Command::Rollback(args) => rollback::run(&args, view),
        Command::Confirm(args) => confirm::run(&args),
        Command::Facts(args) => facts::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Qemu(args) => qemu::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Lab(args) => lab::run(&args),
        Command::Schema => schema::run(),
        Command::Completions(args) => completions::run(&args),
        Command::Man => man::run(),
    }
}
