//! `hostnet apply`: plan, print, then carry the plan out.

use hostnet_engine::apply::{ApplyOptions, ConfirmRequest, apply};

use crate::cli::ApplyArgs;
use crate::commands::list;
use crate::exit::ExitStatus;
use crate::printer::{self, Progress};
use crate::settings::{self, Output, View};

pub(crate) fn run(args: &ApplyArgs, view: View) -> ExitStatus {
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
    let plan = match hostnet_engine::pipeline::plan(&request, &registry) {
        Ok(plan) => plan,
        Err(errors) => return printer::errors(&errors),
    };
    if args.dry_run {
        printer::plan(&plan, output, view);
        return if args.detailed_exitcode && plan.has_changes() {
            ExitStatus::Changes
        } else {
            ExitStatus::Success
        };
    }
    let confirm = match args.confirm_timeout {
        Some(seconds) => match settings::watcher(&request.root) {
            Ok(watcher) => Some(ConfirmRequest { seconds, watcher }),
            Err(errors) => return printer::errors(&errors),
        },
        None => None,
    };
    let progress = Progress::new(view.progress && output == Output::Human);
    let options = ApplyOptions {
        rollback_on_failure: args.rollback_on_failure,
        confirm,
        progress: progress.callback(),
        no_verify: args.no_verify,
    };
    let result = apply(&plan, &request.root, &options);
    progress.done();
    match result {
        Ok(report) => {
            printer::applied(&plan, &report, &request.root, output, view);
            if report.stopped() {
                ExitStatus::ApplyFailed
            } else if args.detailed_exitcode && report.run_id.is_some() {
                ExitStatus::Changes
            } else {
                ExitStatus::Success
            }
        }
        Err(error) => printer::refused(&error.into()),
    }
}
