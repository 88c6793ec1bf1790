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

const CHANGED: Style = AnsiColor::Yellow.on_default();
const OK: Style = AnsiColor::Green.on_default();
const SKIPPED: Style = AnsiColor::Cyan.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();
const WARNING: Style = AnsiColor::Magenta.on_default();

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
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
    let mut out = String::new();
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

fn task(out: &mut String, task: &TaskPlan, live: bool) {
    let kind = if task.handler { "RUNNING HANDLER" } else { "TASK" };
    let _ = writeln!(out, "{}", header(&format!("{kind} [{}]", task.name)));
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
            Action::Run { argv, .. } => {
                let verb = if live { "run" } else { "run (recorded)" };
                let _ = writeln!(out, "{verb}: {}", shell_line(argv));
            }
        }
    }
    out.push('\n');
}

fn account(account: Option<&hostnet_engine::plan::Account>) -> String {
    account.map_or_else(|| "-".to_owned(), |a| a.name.clone())
}

pub(super) fn plan(plan: &Plan) -> String {
    let mut out = String::new();
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
    for play in &plan.plays {
        let _ = writeln!(out, "{}\n", header(&format!("PLAY [{}]", play.name)));
        for entry in &play.tasks {
            task(&mut out, entry, plan.live);
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
    let recap = plan.recap();
    let _ = writeln!(out, "{}", header("PLAY RECAP"));
    let _ = writeln!(
        out,
        "{:<27}: ok={:<4} changed={:<4} skipped={:<4} failed={}",
        "localhost", recap.ok, recap.changed, recap.skipped, recap.failed
    );
    out
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
        let _ = writeln!(
            out,
            "  {} mac {mac}{}",
            interface.name,
            if interface.wireless { " (wireless)" } else { "" }
        );
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
