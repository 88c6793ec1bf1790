//! Text in the shape of `ansible-playbook --check --diff`.

use std::fmt::Write;
use std::path::Path;

use anstyle::{AnsiColor, Style};
use hostnet_engine::apply::ApplyReport;
use hostnet_engine::backend::{Detection, Target};
use hostnet_engine::facts::Facts;
use hostnet_engine::pipeline::Prepared;
use hostnet_engine::plan::{Action, Plan, Status, TaskPlan};
use hostnet_engine::registry::Registry;
use hostnet_engine::root::Root;

use crate::settings::{Detail, Verbosity, View};

const CHANGED: Style = AnsiColor::Yellow.on_default();
const OK: Style = AnsiColor::Green.on_default();
const SKIPPED: Style = AnsiColor::Cyan.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();
const WARNING: Style = AnsiColor::Magenta.on_default();

/// Does stdout take styles (a terminal, `--color always`; not under
/// `NO_COLOR`), as anstream decides? Decided once. When it does not,
/// nothing is painted, so a large plan has nothing to strip.
pub(super) fn styled() -> bool {
    static STYLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STYLED.get_or_init(|| anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never)
}

fn paint(style: Style, text: &str) -> String {
    if styled() {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// `TASK [name] ****…` padded to 80 columns.
fn header(text: &str) -> String {
    let stars = 79usize.saturating_sub(text.chars().count()).max(3);
    paint(BOLD, &format!("{text} {}", "*".repeat(stars)))
}

/// An argv as one shell-quoted line (display only; nothing is run through a shell).
pub(super) fn shell_line(argv: &[String]) -> String {
    hostnet_engine::shell::line(argv)
}

fn colour_diff(diff: &str) -> String {
    if !styled() {
        return diff.to_owned();
    }
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            paint(BOLD, line.trim_end_matches('\n'))
        } else if line.starts_with('+') {
            paint(ADDED, line.trim_end_matches('\n'))
        } else if line.starts_with('-') {
            paint(REMOVED, line.trim_end_matches('\n'))
        } else if line.starts_with("@@") {
            paint(HUNK, line.trim_end_matches('\n'))
        } else {
            line.trim_end_matches('\n').to_owned()
        };
        out.push_str(&styled);
        out.push('\n');
    }
    out
}

fn task(out: &mut String, task: &TaskPlan, live: bool, view: View) {
    let kind = if task.handler { "RUNNING HANDLER" } else { "TASK" };
    let _ = writeln!(out, "{}", header(&format!("{kind} [{}]", task.name)));
    if view.verbosity >= Verbosity::Debug {
        let _ = writeln!(out, "task path: {}", task.position);
    }
    let items = if task.items.is_empty() {
        String::new()
    } else {
        format!(" => (items: {})", task.items.join(", "))
    };
    match task.status {
        Status::Skipped => {
            let reason = task.skip_reason.as_deref().unwrap_or("skipped");
            let _ = writeln!(out, "{} ({reason})", paint(SKIPPED, "skipping: [localhost]"));
        }
        Status::Ok => {
            let _ = writeln!(out, "{}{items}", paint(OK, "ok: [localhost]"));
        }
        Status::Changed => {
            let _ = writeln!(out, "{}{items}", paint(CHANGED, "changed: [localhost]"));
        }
    }
    if view.shows_args() && task.status != Status::Skipped {
        for args in &task.args {
            let _ = writeln!(out, "  args: {args}");
        }
    }
    for path in &task.contributes {
        let _ = writeln!(out, "  contributes to {path} (diff shown above)");
    }
    for step in &task.steps {
        match &step.action {
            Action::Write {
                path,
                diff,
                mode,
                before_mode,
                owner,
                group,
                ..
            } => {
                out.push_str(&colour_diff(diff));
                match before_mode {
                    Some(old) if old != mode => {
                        let _ = writeln!(out, "mode: {path}: {old} -> {mode}");
                    }
                    None if mode.0 != 0o644 => {
                        let _ = writeln!(out, "mode: {path}: {mode}");
                    }
                    _ => {}
                }
                if owner.is_some() || group.is_some() {
                    let _ = writeln!(
                        out,
                        "owner: {path}: {}:{}",
                        account(owner.as_ref()),
                        account(group.as_ref())
                    );
                }
            }
            Action::Remove { path, diff, before } => {
                if diff.is_empty() {
                    let _ = writeln!(out, "remove: {path} (was {before})");
                } else {
                    out.push_str(&colour_diff(diff));
                    let _ = writeln!(out, "remove: {path}");
                }
            }
            Action::Link { path, target, before } => match before {
                Some(old) => {
                    let _ = writeln!(out, "link: {path} -> {target} (was -> {old})");
                }
                None => {
                    let _ = writeln!(out, "link: {path} -> {target}");
                }
            },
            Action::RemoveDir { path } => {
                let _ = writeln!(out, "remove directory (if empty): {path}");
            }
            Action::Run { argv, input, .. } => {
                let verb = if live { "run" } else { "run (recorded)" };
                let _ = writeln!(out, "{verb}: {}", shell_line(argv));
                // The operations a batch reads, one per line, as it gets them.
                for line in input.as_deref().unwrap_or("").lines() {
                    let _ = writeln!(out, "  | {line}");
                }
            }
        }
    }
    out.push('\n');
}

fn account(account: Option<&hostnet_engine::plan::Account>) -> String {
    account.map_or_else(|| "-".to_owned(), |a| a.name.clone())
}

pub(super) fn plan(plan: &Plan, view: View) -> String {
    let mut out = String::new();
    if view.verbosity == Verbosity::Quiet {
        recap(&mut out, plan);
        return out;
    }
    let targets: Vec<String> = plan
        .backends
        .iter()
        .map(|(target, id)| format!("{target}={id}"))
        .collect();
    let _ = writeln!(
        out,
        "hostnet: distro {}, init {}{}\n",
        plan.facts.distro.name(),
        plan.facts.init.name(),
        if targets.is_empty() {
            String::new()
        } else {
            format!(", targets {}", targets.join(" "))
        }
    );
    if view.verbosity >= Verbosity::Debug {
        facts_used(&mut out, &plan.facts);
    }
    for play in &plan.plays {
        let _ = writeln!(out, "{}\n", header(&format!("PLAY [{}]", play.name)));
        match view.detail {
            Detail::Diff => {
                for entry in &play.tasks {
                    task(&mut out, entry, plan.live, view);
                }
            }
            Detail::Summary => summary(&mut out, &play.tasks, plan.live),
        }
    }
    for requirement in &plan.requirements {
        let _ = writeln!(
            out,
            "requires: package `{}` ({})",
            requirement.package, requirement.reason
        );
    }
    for warning in &plan.warnings {
        let _ = writeln!(out, "{} {warning}", paint(WARNING, "[WARNING]:"));
    }
    if !plan.requirements.is_empty() || !plan.warnings.is_empty() {
        out.push('\n');
    }
    recap(&mut out, plan);
    out
}

fn recap(out: &mut String, plan: &Plan) {
    let recap = plan.recap();
    let _ = writeln!(out, "{}", header("PLAY RECAP"));
    let _ = writeln!(
        out,
        "{:<27}: ok={:<4} changed={:<4} skipped={:<4} failed={}",
        "localhost", recap.ok, recap.changed, recap.skipped, recap.failed
    );
}

/// `-vv`: the facts the plan was made with.
fn facts_used(out: &mut String, facts: &Facts) {
    let _ = writeln!(out, "facts used:");
    for interface in &facts.interfaces {
        let mac = interface.mac.map_or_else(|| "-".to_owned(), |mac| mac.to_string());
        let _ = writeln!(
            out,
            "  interface {} mac {mac}{}",
            interface.name,
            if interface.wireless { " (wireless)" } else { "" }
        );
    }
    let known = |names: Option<&Vec<String>>| names.map_or_else(|| "not checked".to_owned(), |names| names.join(" "));
    let _ = writeln!(out, "  users: {}", known(facts.users.as_ref()));
    let _ = writeln!(out, "  groups: {}", known(facts.groups.as_ref()));
    let _ = writeln!(
        out,
        "  tools: {}",
        if facts.tools.is_empty() {
            "-".to_owned()
        } else {
            facts.tools.join(" ")
        }
    );
    let _ = writeln!(out, "  ufw enabled: {}\n", if facts.ufw_enabled { "yes" } else { "no" });
}

/// `--summary`: one line per file (`+`/`-` line counts), link and command of a play.
fn summary(out: &mut String, tasks: &[TaskPlan], live: bool) {
    let mut lines: Vec<(String, String)> = Vec::new();
    for step in tasks.iter().flat_map(|task| &task.steps) {
        let line = match &step.action {
            Action::Write { path, before, diff, .. } => {
                let (added, removed) = counts(diff);
                let new = if before.is_none() { " (new)" } else { "" };
                (path.to_string(), format!("+{added} -{removed}{new}"))
            }
            Action::Remove { path, before, diff } => {
                let (_, removed) = counts(diff);
                if diff.is_empty() {
                    (path.to_string(), format!("removed (was {before})"))
                } else {
                    (path.to_string(), format!("-{removed} (removed)"))
                }
            }
            Action::Link { path, target, .. } => (path.to_string(), format!("link -> {target}")),
            Action::RemoveDir { path } => (path.to_string(), "remove directory (if empty)".into()),
            Action::Run { argv, .. } => {
                let verb = if live { "run" } else { "run (recorded)" };
                (format!("{verb}: {}", shell_line(argv)), String::new())
            }
        };
        lines.push(line);
    }
    if lines.is_empty() {
        let _ = writeln!(out, "{}", paint(OK, "ok: [localhost] nothing to change"));
    }
    let width = lines
        .iter()
        .filter(|(_, what)| !what.is_empty())
        .map(|(path, _)| path.chars().count())
        .max()
        .unwrap_or(0);
    for (path, what) in lines {
        if what.is_empty() {
            let _ = writeln!(out, "  {path}");
        } else {
            let painted = if what.starts_with('-') {
                paint(REMOVED, &what)
            } else if what.starts_with('+') {
                paint(CHANGED, &what)
            } else {
                what
            };
            let _ = writeln!(out, "  {path:<width$}  {painted}");
        }
    }
    out.push('\n');
}

/// Added and removed lines of a unified diff.
fn counts(diff: &str) -> (usize, usize) {
    let mut added = 0;
    let mut removed = 0;
    for line in diff.lines() {
        if line.starts_with("+++ after: ") || line.starts_with("--- before: ") {
            continue;
        }
        if line.starts_with('+') {
            added += 1;
        } else if line.starts_with('-') {
            removed += 1;
        }
    }
    (added, removed)
}

pub(super) fn applied(report: &ApplyReport, root: &Root) -> (String, Option<String>) {
    let mut out = String::new();
    let root_flag = root.flag();
    let Some(run) = &report.run_id else {
        let _ = writeln!(out, "\nnothing to do: the host already matches the playbook");
        return (out, None);
    };
    if report.resumed.is_some() {
        let _ = writeln!(
            out,
            "\nrun {run} was interrupted (the process was killed or the machine stopped): this apply resumes it"
        );
    }
    let executed = report.commands.iter().filter(|c| c.executed).count();
    let recorded = report.commands.len() - executed;
    let _ = write!(out, "\napplied run {run}: {} path(s) changed", report.paths.len());
    if executed > 0 {
        let _ = write!(out, ", {executed} command(s) run");
    }
    if recorded > 0 {
        let _ = write!(out, ", {recorded} command(s) recorded, not run (root is not /)");
    }
    let _ = writeln!(out, "\nundo with: hostnet rollback {run}{root_flag}");
    if let Some(deadline) = report.confirm_deadline
        && !report.stopped()
    {
        let seconds = deadline.saturating_sub(hostnet_engine::runs::now());
        let _ = writeln!(
            out,
            "confirm within {seconds} s with `hostnet confirm{root_flag}`, or run {run} is reverted (its files, and the commands that can be undone)"
        );
    }
    let hint = |text: &mut String| {
        if report.rolled_back {
            let _ = writeln!(text, "\nthe files of run {run} were restored (--rollback-on-failure)");
        } else {
            let _ = writeln!(
                text,
                "\nhint: restore the files this run changed with `hostnet rollback {run}{root_flag}`"
            );
        }
    };
    let problem = if let Some(failure) = &report.failure {
        let mut text = format!(
            "error: task `{}` failed: `{}` exited with {}\n{}",
            failure.task,
            shell_line(&failure.argv),
            failure
                .code
                .map_or_else(|| "no status".to_owned(), |code| format!("status {code}")),
            failure.output
        );
        hint(&mut text);
        Some(text)
    } else if let Some(error) = &report.write_error {
        let mut text = format!(
            "error: {error}\nrun {run} stopped part way: {} path(s) were changed before this error\n",
            report.paths.len()
        );
        if !report.rolled_back {
            let _ = writeln!(
                text,
                "\nhint: fix the cause and `hostnet apply` again to finish the run, or restore with `hostnet rollback {run}{root_flag}`"
            );
        } else {
            hint(&mut text);
        }
        Some(text)
    } else if !report.drift.is_empty() {
        let mut text = format!(
            "error: verify after apply: the live host does not match the playbook ({} difference(s)):\n",
            report.drift.len()
        );
        for row in &report.drift {
            let _ = writeln!(text, "  {}: {}", row.subject, row.detail);
        }
        if report.rolled_back {
            let _ = writeln!(
                text,
                "\nrun {run} was rolled back (files and live state); `--no-verify` skips this check"
            );
        }
        Some(text)
    } else {
        None
    };
    (out, problem)
}

pub(super) fn confirmed(run: &str) -> String {
    format!("confirmed run {run}: its changes stay\n")
}

pub(super) fn check(prepared: &Prepared) -> String {
    let model = &prepared.execution.model;
    let tasks = prepared.execution.tasks.len();
    format!(
        "{}: ok ({} play(s), {tasks} task(s); {} interface(s), {} bridge(s), {} TAP(s))\n",
        prepared.playbook.path.display(),
        prepared.playbook.plays.len(),
        model.interfaces.len(),
        model.bridges.len(),
        model.taps.len(),
    )
}

pub(super) fn rendered(written: &[String], out_dir: &Path) -> String {
    let mut out = String::new();
    for path in written {
        let _ = writeln!(
            out,
            "wrote {}{path}",
            out_dir.display().to_string().trim_end_matches('/')
        );
    }
    if written.is_empty() {
        let _ = writeln!(out, "nothing to write: {} already holds these files", out_dir.display());
    }
    out
}

pub(super) fn runs(root: &Root, runs: &[String]) -> String {
    let mut out = String::new();
    if runs.is_empty() {
        let _ = writeln!(out, "no runs under {}", root.dir().display());
    }
    for run in runs {
        let _ = writeln!(out, "{run}");
    }
    out
}

pub(super) fn facts(facts: &Facts, registry: &Registry) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "distro: {}", facts.distro.name());
    let _ = writeln!(out, "init: {}", facts.init.name());
    let _ = writeln!(out, "interfaces:");
    for interface in &facts.interfaces {
        let mac = interface.mac.map_or_else(|| "-".to_owned(), |mac| mac.to_string());
        let gateway = interface
            .gateway
            .map(|gateway| format!(", default route via {gateway}"))
            .unwrap_or_default();
        let mut line = format!(
            "  {} mac {mac}{}{gateway}",
            interface.name,
            if interface.wireless { " (wireless)" } else { "" }
        );
        if !interface.addresses.is_empty() {
            let _ = write!(line, " addresses {}", interface.addresses.join(" "));
        }
        if let Some(accept_ra) = interface.accept_ra {
            let meaning = match accept_ra {
                0 => "router advertisements ignored",
                1 => "router advertisements accepted unless forwarding",
                _ => "router advertisements accepted, also when forwarding",
            };
            let _ = write!(line, " accept_ra {accept_ra} ({meaning})");
        }
        if let Some(file) = &interface.networkd {
            let _ = write!(line, " networkd {file}");
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "tools: {}",
        if facts.tools.is_empty() {
            "-".to_owned()
        } else {
            facts.tools.join(" ")
        }
    );
    let _ = writeln!(
        out,
        "services: {}",
        if facts.services.is_empty() {
            "-".to_owned()
        } else {
            facts.services.join(" ")
        }
    );
    if let Some(version) = &facts.networkmanager_version {
        let _ = writeln!(out, "networkmanager: {version}");
    }
    if facts.br_netfilter {
        let _ = writeln!(out, "br_netfilter: loaded");
    }
    if let Some(id) = &facts.machine_id {
        let _ = writeln!(out, "machine-id: {id}");
    }
    for definition in &facts.netplan {
        let _ = writeln!(
            out,
            "netplan: {} ({}:{})",
            definition.name, definition.file, definition.line
        );
    }
    let _ = writeln!(out, "backends:");
    for target in Target::ALL {
        for backend in registry.of(target) {
            let detection = match backend.detect(facts) {
                Detection::Preferred => "preferred".to_owned(),
                Detection::Supported => "supported".to_owned(),
                Detection::Unsupported(reason) => format!("unsupported: {reason}"),
            };
            let _ = writeln!(out, "  {}: {} ({detection})", target.name(), backend.id());
        }
    }
    out
}

pub(super) fn verification(verification: &hostnet_engine::verify::Verification) -> String {
    let mut out = String::new();
    if verification.drift.is_empty() {
        let _ = writeln!(out, "{}: the live host matches the playbook", verification.playbook);
        return out;
    }
    let width = verification
        .drift
        .iter()
        .map(|row| row.subject.chars().count())
        .max()
        .unwrap_or(0)
        .max("WHAT".len());
    let _ = writeln!(out, "{:<width$}  DRIFT", "WHAT");
    for row in &verification.drift {
        let _ = writeln!(out, "{:<width$}  {}", row.subject, row.detail);
    }
    let _ = writeln!(
        out,
        "\n{} difference(s) between the live host and {}",
        verification.drift.len(),
        verification.playbook
    );
    out
}
