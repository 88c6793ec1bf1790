//! `hostnet confirm`: keep what `apply --confirm-timeout` changed. With the
//! hidden `--watch RUN` it is the watcher that apply starts, which reverts
//! the run at its deadline unless it was confirmed.

use hostnet_engine::confirm::{self, Outcome};
use hostnet_engine::pipeline::{FactsSource, facts_of};
use hostnet_engine::root::Root;

use crate::cli::ConfirmArgs;
use crate::exit::ExitStatus;
use crate::printer;

pub(crate) fn run(args: &ConfirmArgs) -> ExitStatus {
    let root = Root::new(&args.root);
    if let Some(run) = &args.watch {
        let result = facts_of(&root, &FactsSource::Detect, None).and_then(|facts| confirm::watch(&root, run, &facts));
        return match result {
            Ok(Outcome::Confirmed | Outcome::Reverted(_)) => ExitStatus::Success,
            Err(error) => printer::errors(&error.into()),
        };
    }
    match confirm::confirm(&root, args.late) {
        Ok(run) => {
            printer::confirmed(&run);
            ExitStatus::Success
        }
        Err(error) => printer::errors(&error.into()),
    }
}
