//! `hostnet schema`: the playbook JSON Schema (committed as schema/playbook.schema.json).

use crate::exit::ExitStatus;
use crate::printer;

pub(crate) fn run() -> ExitStatus {
    printer::text(&hostnet_engine::schema::playbook_text());
    ExitStatus::Success
}
