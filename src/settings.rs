//! Arguments → settings: the plain values the commands work with.

use hostnet_engine::error::Errors;
use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::Distro;
use hostnet_engine::pipeline::{FactsSource, Preflight, Request};
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

/// Crash tests: `HOSTNET_TEST_ABORT_AFTER=N` makes the process abort at its
/// N-th change of the host (what `kill -9` at that point leaves behind).
#[expect(clippy::disallowed_methods, reason = "settings.rs is where the environment is read")]
pub(crate) fn crash_test() {
    if let Some(n) = std::env::var("HOSTNET_TEST_ABORT_AFTER")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
    {
        hostnet_engine::mutate::set_abort_after(n);
    }
}

/// The watcher `apply --confirm-timeout` starts: this same binary, run as
/// `hostnet confirm --root ROOT --watch` (the run id is appended).
pub(crate) fn watcher(root: &Root) -> Result<Vec<String>, Errors> {
    let binary = std::env::current_exe().map_err(|error| {
        hostnet_engine::error::Error::new(hostnet_engine::error::ErrorKind::Invalid {
            message: format!("cannot find hostnet's own binary to watch for the confirmation: {error}"),
            hint: None,
        })
    })?;
    Ok(vec![
        binary.display().to_string(),
        "confirm".into(),
        "--root".into(),
        root.dir().display().to_string(),
        "--watch".into(),
    ])
}

/// The SSH client this command runs for: the first word of
/// `SSH_CONNECTION` (`client port server port`), when it is an IPv4 address.
#[expect(clippy::disallowed_methods, reason = "settings.rs is where the environment is read")]
fn ssh_client() -> Option<std::net::Ipv4Addr> {
    std::env::var("SSH_CONNECTION")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
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
        preflight: Preflight {
            session: ssh_client(),
            yes: args.yes,
        },
    })
}
