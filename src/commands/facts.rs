//! `hostnet facts`: what hostnet detects.

use hostnet_engine::pipeline::{FactsSource, facts_of};
use hostnet_engine::root::Root;

use crate::cli::FactsArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &FactsArgs) -> ExitStatus {
    let source = args.facts.clone().map_or(FactsSource::Detect, FactsSource::File);
    match facts_of(&Root::new(&args.root), &source, settings::distro(&args.distro)) {
        Ok(facts) => {
            printer::facts(&facts, &hostnet_backends::registry(), Output::from_flag(args.json));
            ExitStatus::Success
        }
        Err(error) => printer::errors(&error.into()),
    }
}
