//! `hostnet verify`: the live host against the playbook, as a drift table;
//! exit 0 in sync, 2 on drift, 1 on error.

use crate::cli::VerifyArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Output};

pub(crate) fn run(args: &VerifyArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    match hostnet_engine::verify::verify(&request, &registry) {
        Ok(verification) => {
            printer::verification(&verification, Output::from_flag(args.common.json));
            if verification.in_sync() {
                ExitStatus::Success
            } else {
                ExitStatus::Drift
            }
        }
        Err(errors) => printer::errors(&errors),
    }
}
