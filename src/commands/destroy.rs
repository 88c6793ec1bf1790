//! `hostnet destroy`: plan the removal of a playbook's networks, print it,
//! then carry it out as a run (journaled: `hostnet rollback` brings them back).

use hostnet_engine::apply::{ApplyOptions, apply};

use crate::cli::DestroyArgs;
use crate::exit::ExitStatus;
use crate::printer::{self, Progress};
use crate::settings::{self, Output, View};

pub(crate) fn run(args: &DestroyArgs, view: View) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    let output = Output::from_flag(args.common.json);
    let plan = match hostnet_engine::pipeline::destroy(&request, &registry) {
        Ok(plan) => plan,
        Err(errors) => return printer::errors(&errors),
    };
    if args.dry_run {
        printer::plan(&plan, output, view);
        return ExitStatus::Success;
    }
    let progress = Progress::new(view.progress && output == Output::Human);
    let options = ApplyOptions {
        progress: progress.callback(),
        ..ApplyOptions::default()
    };
    let result = apply(&plan, &request.root, &options);
    progress.done();
    match result {
        Ok(report) => {
            printer::applied(&plan, &report, &request.root, output, view);
            if report.stopped() {
                ExitStatus::ApplyFailed
            } else {
                ExitStatus::Success
            }
        }
        Err(error) => printer::refused(&error.into()),
    }
}
