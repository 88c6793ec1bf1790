//! `hostnet rollback [RUN]`: show, then restore, what a run changed.

use hostnet_engine::apply::roll_back;
use hostnet_engine::pipeline::{FactsSource, facts_of};
use hostnet_engine::root::Root;

use crate::cli::RollbackArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::Output;

pub(crate) fn run(args: &RollbackArgs) -> ExitStatus {
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
    let target = match hostnet_engine::rollback::target(&root, args.run.as_deref()) {
        Ok(target) => target,
        Err(error) => return printer::errors(&error.into()),
    };
    let plan = |root: &Root| {
        facts_of(root, &FactsSource::Detect, None)
            .and_then(|facts| hostnet_engine::rollback::plan(root, Some(&target), &facts))
    };
    if args.dry_run {
        return match plan(&root) {
            Ok(plan) => {
                printer::plan(&plan, output);
                ExitStatus::Success
            }
            Err(error) => printer::errors(&error.into()),
        };
    }
    // Plan and apply under the lock, so the plan is of the files as they are.
    let result = hostnet_engine::runs::lock(&root).and_then(|lock| {
        let plan = plan(&root)?;
        let report = roll_back(&plan, &root, &target, &lock)?;
        Ok((plan, report))
    });
    match result {
        Ok((plan, report)) => {
            printer::applied(&plan, &report, &root, output);
            if report.stopped() {
                ExitStatus::ApplyFailed
            } else {
                ExitStatus::Success
            }
        }
        Err(error) => printer::refused(&error.into()),
    }
}
