//! `hostnet rollback [RUN]`: show, then restore, what a run changed.

use hostnet_engine::apply::roll_back;
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
    let plan = |root: &Root, target: &str| {
        facts_of(root, &FactsSource::Detect, None)
            .and_then(|facts| hostnet_engine::rollback::plan(root, Some(target), &facts))
    };
    if args.dry_run {
        let result =
            hostnet_engine::rollback::target(&root, args.run.as_deref()).and_then(|target| plan(&root, &target));
        return match result {
            Ok(plan) => {
                printer::plan(&plan, output, view);
                ExitStatus::Success
            }
            Err(error) => printer::errors(&error.into()),
        };
    }
    // Under the lock, after cleaning up a killed run: choose, plan, apply.
    let result = hostnet_engine::runs::lock(&root).and_then(|lock| {
        hostnet_engine::runs::recover(&root, &lock)?;
        let target = hostnet_engine::rollback::target(&root, args.run.as_deref())?;
        let plan = plan(&root, &target)?;
        let report = roll_back(&plan, &root, &target, &lock)?;
        Ok((plan, report))
    });
    match result {
        Ok((plan, report)) => {
            printer::applied(&plan, &report, &root, output, view);
            if report.stopped() {
                ExitStatus::ApplyFailed
            } else {
                ExitStatus::Success
            }
        }
        Err(error) => printer::refused(&error.into()),
    }
}
