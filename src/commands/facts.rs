//! `hostnet facts`: what hostnet detects.

use hostnet_engine::pipeline::{FactsSource, Request};
use hostnet_engine::root::Root;

use crate::cli::FactsArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &FactsArgs) -> ExitStatus {
    let request = Request {
        playbook: ".".into(),
        root: Root::new(&args.root),
        facts: args.facts.clone().map_or(FactsSource::Detect, FactsSource::File),
        distro: settings::distro(&args.distro),
        extra_vars: Vec::new(),
        tags: hostnet_engine::execute::TagFilter::default(),
        choices: hostnet_engine::backend::Choices::default(),
    };
    match hostnet_engine::pipeline::facts(&request) {
        Ok(facts) => {
            printer::facts(&facts, &hostnet_backends::registry(), Output::from_flag(args.json));
            ExitStatus::Success
        }
        Err(error) => printer::errors(&error.into()),
    }
}
