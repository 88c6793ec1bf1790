//! `hostnet man`: the manual page (roff), generated from the CLI definition.

use crate::cli;
use crate::exit::ExitStatus;
use crate::printer;

pub(crate) fn run() -> ExitStatus {
    printer::text(&cli::manual());
    ExitStatus::Success
}
