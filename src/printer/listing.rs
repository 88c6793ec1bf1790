//! `--list-tasks`, `--list-tags` and `--syntax-check`, in the shape of
//! `ansible-playbook`'s: the playbook as written, nothing templated or run.

use std::collections::BTreeSet;
use std::fmt::Write;

use hostnet_engine::execute::TagFilter;
use hostnet_engine::playbook::Playbook;

use crate::settings::Listing;

/// The listing of a loaded playbook; tasks `--tags`/`--skip-tags` leave out are not listed.
pub(crate) fn listing(playbook: &Playbook, what: Listing, tags: &TagFilter) -> String {
    let mut out = format!("playbook: {}\n", playbook.path.display());
    if what == Listing::Syntax {
        return out;
    }
    for (index, play) in playbook.plays.iter().enumerate() {
        let name = play.name.as_deref().unwrap_or(&play.hosts);
        let _ = write!(out, "\n  play #{} ({}): {name}\tTAGS: []\n", index + 1, play.hosts);
        let selected: Vec<_> = play.tasks.iter().filter(|task| tags.selects(&task.tags)).collect();
        match what {
            Listing::Tasks => {
                out.push_str("    tasks:\n");
                for task in selected {
                    let _ = writeln!(out, "      {}\tTAGS: [{}]", task.display_name(), task.tags.join(", "));
                }
            }
            Listing::Tags => {
                let all: BTreeSet<&str> = selected
                    .iter()
                    .flat_map(|task| task.tags.iter().map(String::as_str))
                    .collect();
                let _ = writeln!(
                    out,
                    "      TASK TAGS: [{}]",
                    all.into_iter().collect::<Vec<_>>().join(", ")
                );
            }
            Listing::Syntax => {}
        }
    }
    out
}
