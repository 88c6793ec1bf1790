//! `hostnet check`: load, template and validate; change nothing.

use crate::cli::PlanArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &PlanArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    match hostnet_engine::pipeline::prepare(&request, &registry) {
        Ok(prepared) => {
            printer::check(&prepared, Output::from_flag(args.common.json));
            ExitStatus::Success
        }
        Err(errors) => printer::errors(&errors),
    }
}
