//! `hostnet render --out DIR`: the persistent files, as a tree under DIR.
//! Facts come from the host (`--root`, default `/`) or `--facts FILE`.

use crate::cli::RenderArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings;

pub(crate) fn run(args: &RenderArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    match hostnet_engine::pipeline::render(&request, &args.out, &registry) {
        Ok(written) => {
            printer::rendered(&written, &args.out);
            ExitStatus::Success
        }
        Err(errors) => printer::errors(&errors),
    }
}
