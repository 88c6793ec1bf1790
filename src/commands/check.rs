//! `hostnet check`: load, template and validate; change nothing.

use crate::cli::PlanArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &PlanArgs) -> ExitStatus {
    let request = settings::request(&args.common);
    match hostnet_engine::pipeline::prepare(&request) {
        Ok(prepared) => {
            printer::check(&prepared, Output::from_flag(args.common.json));
            ExitStatus::Success
        }
        Err(errors) => printer::errors(&errors),
    }
}
