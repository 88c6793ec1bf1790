//! `--list-tasks`, `--list-tags`, `--syntax-check` (of `plan`, `apply`,
//! `check`): read the playbook's structure and list it; nothing templated.

use crate::cli::PlaybookArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings::{self, Listing};

pub(crate) fn run(args: &PlaybookArgs, listing: Listing) -> ExitStatus {
    let tags = settings::tags(args);
    match hostnet_engine::playbook::load(&args.playbook) {
        Ok(playbook) => {
            printer::text(&printer::listing(&playbook, listing, &tags));
            ExitStatus::Success
        }
        Err(error) => printer::errors(&error.into()),
    }
}
