//! `hostnet check`: load, template and validate; change nothing.

use crate::cli::CheckArgs;
use crate::commands::list;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &CheckArgs) -> ExitStatus {
    if let Some(listing) = settings::listing(&args.listing) {
        return list::run(&args.common, listing);
    }
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
