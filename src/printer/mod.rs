//! Output. Data (plans, diffs, JSON) goes to stdout, diagnostics to stderr.
//! Colour is added as ANSI styles and stripped by `anstream` when stdout is
//! not a terminal or `NO_COLOR` is set, so meaning never depends on colour.

mod human;
mod json;
mod listing;
mod progress;

use std::io::Write;
use std::path::Path;

use hostnet_engine::apply::ApplyReport;
use hostnet_engine::error::Errors;
use hostnet_engine::facts::Facts;
use hostnet_engine::pipeline::Prepared;
use hostnet_engine::plan::Plan;
use hostnet_engine::registry::Registry;
use hostnet_engine::root::Root;

use crate::exit::ExitStatus;
use crate::settings::{Output, View};

pub(crate) use listing::listing;
pub(crate) use progress::Progress;

fn stdout(text: &str) {
    // Styles are kept or stripped in memory, as anstream decides for
    // stdout, and the result goes out in one write: stripping straight into
    // the line-buffered stdout would cost a system call per line.
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed pipe (`hostnet plan | head`) is not an error worth reporting.
    if human::styled() {
        let choice = anstream::AutoStream::choice(&std::io::stdout());
        let mut styled = anstream::AutoStream::new(Vec::with_capacity(text.len()), choice);
        let _ = styled.write_all(text.as_bytes());
        let _ = out.write_all(&styled.into_inner());
    } else {
        // Nothing was painted (human::styled): the text goes out as it is.
        let _ = out.write_all(text.as_bytes());
    }
    let _ = out.flush();
}

fn stderr(text: &str) {
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// A plan (`plan`, `apply --dry-run`, `rollback --dry-run`).
pub(crate) fn plan(plan: &Plan, output: Output, view: View) {
    match output {
        Output::Human => stdout(&human::plan(plan, view)),
        Output::Json => stdout(&json::plan(plan, None)),
    }
}

/// A plan and what applying it did.
pub(crate) fn applied(plan: &Plan, report: &ApplyReport, root: &Root, output: Output, view: View) {
    match output {
        Output::Human => {
            stdout(&human::plan(plan, view));
            let (summary, problem) = human::applied(report, root);
            stdout(&summary);
            if let Some(problem) = problem {
                stderr(&problem);
            }
        }
        Output::Json => stdout(&json::plan(plan, Some(report))),
    }
}

/// `confirm`.
pub(crate) fn confirmed(run: &str) {
    stdout(&human::confirmed(run));
}

/// `check`'s summary.
pub(crate) fn check(prepared: &Prepared, output: Output) {
    match output {
        Output::Human => stdout(&human::check(prepared)),
        Output::Json => stdout(&json::check(prepared)),
    }
}

/// `render`'s list of files.
pub(crate) fn rendered(written: &[String], out: &Path) {
    stdout(&human::rendered(written, out));
}

/// `rollback --list`.
pub(crate) fn runs(root: &Root, runs: &[String], output: Output) {
    match output {
        Output::Human => stdout(&human::runs(root, runs)),
        Output::Json => stdout(&json::value(&runs)),
    }
}

/// `facts`.
pub(crate) fn facts(facts: &Facts, registry: &Registry, output: Output) {
    match output {
        Output::Human => stdout(&human::facts(facts, registry)),
        Output::Json => stdout(&json::value(facts)),
    }
}

/// How `qemu` prints the arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QemuLayout {
    /// One POSIX-shell-quoted line.
    ShellLine,
    /// One argument per line.
    PerLine,
    /// A JSON array.
    Json,
}

/// `qemu`: arguments as one shell line, one per line, or JSON.
pub(crate) fn qemu(arguments: &[String], layout: QemuLayout) {
    let text = match layout {
        QemuLayout::Json => json::value(&arguments),
        QemuLayout::PerLine => arguments.iter().map(|argument| format!("{argument}\n")).collect(),
        QemuLayout::ShellLine => format!("{}\n", hostnet_engine::qemu::shell_line(arguments)),
    };
    stdout(&text);
}

/// Text as it is (a graph, the schema, a completion script, the manual).
pub(crate) fn text(text: &str) {
    stdout(text);
}

/// A drift report: a table, or JSON.
pub(crate) fn verification(verification: &hostnet_engine::verify::Verification, output: Output) {
    stdout(&match output {
        Output::Json => json::value(verification),
        Output::Human => human::verification(verification),
    });
}

/// A line of progress on stderr (the lab's steps).
pub(crate) fn note(text: &str) {
    stderr(&format!("{text}\n"));
}

/// A value as JSON.
pub(crate) fn value<T: serde::Serialize + ?Sized>(value: &T) {
    stdout(&json::value(value));
}

/// A command line clap could not parse: its message (help and `--version`
/// on stdout, mistakes on stderr) and exit status 64, or 0 for help.
pub(crate) fn usage(error: &clap::Error) -> ExitStatus {
    let _ = error.print();
    if error.exit_code() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Usage
    }
}

/// An apply or rollback that stopped before its first change: the errors,
/// and that nothing was changed.
pub(crate) fn refused(errors: &Errors) -> ExitStatus {
    let mut text = errors.render();
    text.push_str("\n\nnothing was changed: every path is checked before the first change\n");
    stderr(&text);
    ExitStatus::Failure
}

/// Errors, on stderr; the exit status for them.
pub(crate) fn errors(errors: &Errors) -> ExitStatus {
    let mut text = errors.render();
    text.push('\n');
    stderr(&text);
    ExitStatus::Failure
}
