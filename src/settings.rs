//! Arguments → settings: the plain values the commands work with. The
//! environment (`NO_COLOR`) and whether stdout/stderr are terminals are read
//! here and nowhere else.

use std::io::IsTerminal;

use hostnet_engine::error::Errors;
use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::Distro;
use hostnet_engine::pipeline::{ApplyScope, FactsSource, Preflight, Request};
use hostnet_engine::registry::Registry;
use hostnet_engine::root::Root;

use crate::cli::{ColorWhen, GlobalArgs, ListingArgs, PlaybookArgs, ViewArgs};

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
        tags: tags(args),
        choices,
        preflight: Preflight {
            session: ssh_client(),
            yes: args.yes,
        },
        scope: if args.persist_only {
            ApplyScope::PersistOnly
        } else if args.runtime_only {
            ApplyScope::RuntimeOnly
        } else {
            ApplyScope::Both
        },
        show_args: false,
    })
}

/// `--tags` / `--skip-tags`.
pub(crate) fn tags(args: &PlaybookArgs) -> TagFilter {
    TagFilter {
        only: args.tags.clone(),
        skip: args.skip_tags.clone(),
    }
}

/// How much to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: the recap, the run line and errors.
    Quiet,
    /// The plan.
    Normal,
    /// `-v`: also each task's arguments after templating.
    Verbose,
    /// `-vv`: also the facts used and each task's position.
    Debug,
}

/// How file changes are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Unified diffs (the default, `--diff`).
    Diff,
    /// One line per file with `+`/`-` counts (`--summary`).
    Summary,
}

/// Everything that decides what a plan looks like on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct View {
    /// How much.
    pub(crate) verbosity: Verbosity,
    /// Diffs or a summary.
    pub(crate) detail: Detail,
    /// Show progress on stderr (only when it is a terminal, and not with `-q`).
    pub(crate) progress: bool,
}

impl View {
    /// `-v` and more: each task's arguments after templating are printed.
    pub(crate) fn shows_args(&self) -> bool {
        self.verbosity >= Verbosity::Verbose
    }

    /// The default view for commands without view flags.
    pub(crate) fn of(global: &GlobalArgs) -> Self {
        let verbosity = match (global.quiet, global.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, _) => Verbosity::Debug,
        };
        Self {
            verbosity,
            detail: Detail::Diff,
            progress: verbosity > Verbosity::Quiet && std::io::stderr().is_terminal(),
        }
    }

    /// With `--diff` / `--summary`.
    pub(crate) fn with(self, view: &ViewArgs) -> Self {
        Self {
            detail: if view.summary && !view.diff {
                Detail::Summary
            } else {
                Detail::Diff
            },
            ..self
        }
    }
}

/// Decide colour once for stdout and stderr: `--color always|never`, else
/// `NO_COLOR` (any non-empty value) turns it off, else only on a terminal.
pub(crate) fn init_color(global: &GlobalArgs) {
    #[expect(clippy::disallowed_methods, reason = "settings.rs is where the environment is read")]
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let choice = match global.color {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto if no_color => anstream::ColorChoice::Never,
        ColorWhen::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
}

/// `--list-tasks`, `--list-tags`, `--syntax-check`: look at the playbook instead of planning it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Plays and their tasks, with tags.
    Tasks,
    /// Plays and the tags of their tasks.
    Tags,
    /// Only read the structure.
    Syntax,
}

/// The listing asked for, if any.
pub(crate) fn listing(args: &ListingArgs) -> Option<Listing> {
    if args.list_tasks {
        Some(Listing::Tasks)
    } else if args.list_tags {
        Some(Listing::Tags)
    } else if args.syntax_check {
        Some(Listing::Syntax)
    } else {
        None
    }
}
