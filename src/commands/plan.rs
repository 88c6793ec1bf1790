//! `hostnet plan` (= `apply --check`): print every change, change nothing.

use crate::cli::PlanArgs;
use crate::commands::list;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output, View};

pub(crate) fn run(args: &PlanArgs, view: View) -> ExitStatus {
    if let Some(listing) = settings::listing(&args.listing) {
        return list::run(&args.common, listing);
    }
    let registry = hostnet_backends::registry();
    let mut request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    request.show_args = view.shows_args();
    let output = Output::from_flag(args.common.json);
    match hostnet_engine::pipeline::plan(&request, &registry) {
        Ok(plan) => {
            printer::plan(&plan, output, view);
            let status = if args.detailed_exitcode && plan.has_changes() {
                ExitStatus::Changes
            } else {
                ExitStatus::Success
            };
            // The process ends here: freeing a large plan piece by piece
            // would only cost time (docs/performance.md).
            std::mem::forget(plan);
            status
        }
        Err(errors) => printer::errors(&errors),
    }
}
