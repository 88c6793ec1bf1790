//! `hostnet graph`: the host's network as the plan leaves it, from the same
//! load, template and validation `plan` does.

use hostnet_engine::graph::{self, dot, mermaid, svg};

use crate::cli::{GraphArgs, GraphFormat};
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings;

pub(crate) fn run(args: &GraphArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    let prepared = match hostnet_engine::pipeline::prepare(&request, &registry) {
        Ok(prepared) => prepared,
        Err(errors) => return printer::errors(&errors),
    };
    let picture = graph::build(&prepared.execution.model, &prepared.facts);
    if args.common.json {
        printer::value(&picture);
        return ExitStatus::Success;
    }
    match args.format {
        GraphFormat::Mermaid => printer::text(&mermaid::write(&picture)),
        GraphFormat::Dot => printer::text(&dot::write(&picture)),
        GraphFormat::Svg => match svg::write(&picture) {
            Ok(text) => printer::text(&text),
            Err(error) => return printer::errors(&error.into()),
        },
    }
    ExitStatus::Success
}
