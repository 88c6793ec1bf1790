//! `hostnet rollback [RUN]`: show, then restore, what a run changed.

use hostnet_engine::apply::{ApplyOptions, apply};
use hostnet_engine::pipeline::{FactsSource, facts_of};
use hostnet_engine::root::Root;

use crate::cli::RollbackArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{Output, View};

pub(crate) fn run(args: &RollbackArgs, view: View) -> ExitStatus {
    let root = Root::new(&args.root);
    let output = Output::from_flag(args.json);
    if args.list {
        return match hostnet_engine::runs::list(&root) {
            Ok(runs) => {
                printer::runs(&root, &runs, output);
                ExitStatus::Success
            }
            Err(error) => printer::errors(&error.into()),
        };
    }
    let result = facts_of(&root, &FactsSource::Detect, None)
        .and_then(|facts| hostnet_engine::rollback::plan(&root, args.run.as_deref(), &facts));
    let plan = match result {
        Ok(plan) => plan,
        Err(error) => return printer::errors(&error.into()),
    };
    if args.dry_run {
        printer::plan(&plan, output, view);
        return ExitStatus::Success;
    }
    match apply(&plan, &root, ApplyOptions::default()) {
        Ok(report) => {
            printer::applied(&plan, &report, &root, output, view);
            ExitStatus::Success
        }
        Err(error) => printer::errors(&error.into()),
    }
}
