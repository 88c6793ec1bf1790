//! `hostnet completions SHELL`: a completion script generated from the CLI definition.

use crate::cli::{self, CompletionsArgs};
use crate::exit::ExitStatus;
use crate::printer;

pub(crate) fn run(args: &CompletionsArgs) -> ExitStatus {
    printer::text(&cli::completion_script(args.shell));
    ExitStatus::Success
}
