//! Arguments → settings: the plain values the commands work with.

use hostnet_engine::error::Errors;
use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::Distro;
use hostnet_engine::pipeline::{FactsSource, Request};
use hostnet_engine::registry::Registry;
use hostnet_engine::root::Root;

use crate::cli::PlaybookArgs;

/// How to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Output {
    /// Ansible-style text.
    Human,
    /// JSON on stdout.
    Json,
}

impl Output {
    pub(crate) fn from_flag(json: bool) -> Self {
        if json { Self::Json } else { Self::Human }
    }
}

/// `--distro` value → override (`auto` → none).
pub(crate) fn distro(value: &str) -> Option<Distro> {
    value.parse().ok()
}

/// The engine request for a command that reads a playbook; backend names
/// on the command line must be known to `registry`.
pub(crate) fn request(args: &PlaybookArgs, registry: &Registry) -> Result<Request, Errors> {
    let choices = registry.choices(args.network_backend.as_deref(), args.firewall.as_deref())?;
    Ok(Request {
        playbook: args.playbook.clone(),
        root: Root::new(&args.root),
        facts: args.facts.clone().map_or(FactsSource::Detect, FactsSource::File),
        distro: distro(&args.distro),
        extra_vars: args.extra_vars.clone(),
        tags: TagFilter {
            only: args.tags.clone(),
            skip: args.skip_tags.clone(),
        },
        choices,
    })
}
