//! Carry out a plan: the only code that changes the host for a playbook.
//!
//! Under the apply lock, each step of a plan is carried out in order: the old
//! version of every path is first saved in the run's journal (`runs.rs`);
//! files are written atomically (`mutate.rs`). Commands run without a shell,
//! and only when the root is `/`; under any other root they are recorded and
//! their declared effects (runlevel links, …) materialised. A failing command
//! stops the run; `hostnet rollback RUN` restores every path the run touched,
//! and `--rollback-on-failure` does so at once, under the same lock.

use serde::Serialize;

use crate::change::Effect;
use crate::error::Result;
use crate::mutate;
use crate::plan::{Action, Plan};
use crate::root::Root;
use crate::runs::{self, CommandRecord, Journal, Lock};

/// How to apply.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOptions {
    /// Roll back at once when a command fails.
    pub rollback_on_failure: bool,
    /// Told before each step: (step number from 1, steps in all, the step), for a progress line.
    pub progress: Option<fn(usize, usize, &Action)>,
}

/// What applying did.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    /// The run id (`None` when nothing changed).
    pub run_id: Option<String>,
    /// Files, links and removals carried out.
    pub paths: Vec<String>,
    /// Commands run (live root) or recorded (other roots).
    pub commands: Vec<CommandRecord>,
    /// The command that failed, if one did.
    pub failure: Option<Failure>,
    /// Was the run rolled back after a failure?
    pub rolled_back: bool,
}

/// A failed command.
#[derive(Debug, Serialize)]
pub struct Failure {
    /// The task.
    pub task: String,
    /// The argv.
    pub argv: Vec<String>,
    /// Exit code, if it exited.
    pub code: Option<i32>,
    /// What it printed (stdout and stderr).
    pub output: String,
}

/// Carry out a plan under the apply lock. Nothing happens (no run is
/// recorded) when it has no steps. With `rollback_on_failure`, a failed run
/// is rolled back before the lock is released, so no other run slips in.
pub fn apply(plan: &Plan, root: &Root, options: ApplyOptions) -> Result<ApplyReport> {
    let lock = runs::lock(root)?;
    let mut report = carry_out(plan, root, &lock, options.progress)?;
    if report.failure.is_some()
        && options.rollback_on_failure
        && let Some(run) = &report.run_id
    {
        let rollback = crate::rollback::plan(root, Some(run), &plan.facts)?;
        carry_out(&rollback, root, &lock, options.progress)?;
        report.rolled_back = true;
    }
    Ok(report)
}

/// Carry out every step of `plan`, journaled as one run.
fn carry_out(
    plan: &Plan,
    root: &Root,
    lock: &Lock,
    progress: Option<fn(usize, usize, &Action)>,
) -> Result<ApplyReport> {
    let mut report = ApplyReport {
        run_id: None,
        paths: Vec::new(),
        commands: Vec::new(),
        failure: None,
        rolled_back: false,
    };
    if !plan.has_changes() {
        return Ok(report);
    }
    let mut run = Journal::start(root, &plan.playbook, lock)?;
    report.run_id = Some(run.id().to_owned());
    let total = plan.steps().count();
    for (index, (task, step)) in plan.steps().enumerate() {
        if let Some(progress) = progress {
            progress(index + 1, total, &step.action);
        }
        match &step.action {
            Action::Write {
                path,
                after,
                mode,
                owner,
                group,
                ..
            } => {
                run.backup(path)?;
                mutate::write_file(
                    &root.host_path(path),
                    after.as_bytes(),
                    mode.0,
                    owner.as_ref().and_then(|o| o.id),
                    group.as_ref().and_then(|g| g.id),
                )?;
                report.paths.push(path.to_string());
            }
            Action::Remove { path, .. } => {
                run.backup(path)?;
                mutate::remove(&root.host_path(path))?;
                report.paths.push(path.to_string());
            }
            Action::Link { path, target, .. } => {
                run.backup(path)?;
                mutate::write_link(&root.host_path(path), target)?;
                report.paths.push(path.to_string());
            }
            Action::RemoveDir { path } => {
                mutate::remove_empty_dir(&root.host_path(path))?;
                report.paths.push(path.to_string());
            }
            Action::Run { argv, effects } => {
                let record = CommandRecord {
                    argv: argv.clone(),
                    task: task.name.clone(),
                    executed: root.is_live(),
                };
                if root.is_live() {
                    let failure = match mutate::run(argv) {
                        Ok(exit) if exit.success => None,
                        Ok(exit) => Some(Failure {
                            task: task.name.clone(),
                            argv: argv.clone(),
                            code: exit.code,
                            output: exit.output,
                        }),
                        Err(message) => Some(Failure {
                            task: task.name.clone(),
                            argv: argv.clone(),
                            code: None,
                            output: message,
                        }),
                    };
                    run.command(record.clone());
                    report.commands.push(record);
                    if let Some(failure) = failure {
                        run.failed()?;
                        report.failure = Some(failure);
                        return Ok(report);
                    }
                } else {
                    for effect in effects {
                        match effect {
                            Effect::Link { path, target } => {
                                run.backup(path)?;
                                mutate::write_link(&root.host_path(path), target)?;
                            }
                            Effect::Remove { path } => {
                                run.backup(path)?;
                                mutate::remove(&root.host_path(path))?;
                            }
                        }
                    }
                    run.command(record.clone());
                    report.commands.push(record);
                }
            }
        }
        run.save()?;
    }
    run.complete()?;
    Ok(report)
}

/// Write a plan's files, links and command effects under `root` without a
/// lock, backups or commands (`hostnet render`). Returns the paths written.
pub fn render(plan: &Plan, root: &Root) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for (_, step) in plan.steps() {
        match &step.action {
            Action::Write { path, after, mode, .. } => {
                mutate::write_file(&root.host_path(path), after.as_bytes(), mode.0, None, None)?;
                written.push(path.to_string());
            }
            Action::Remove { path, .. } => mutate::remove(&root.host_path(path))?,
            Action::RemoveDir { path } => mutate::remove_empty_dir(&root.host_path(path))?,
            Action::Link { path, target, .. } => {
                mutate::write_link(&root.host_path(path), target)?;
                written.push(path.to_string());
            }
            Action::Run { effects, .. } => {
                for effect in effects {
                    match effect {
                        Effect::Link { path, target } => {
                            mutate::write_link(&root.host_path(path), target)?;
                            written.push(path.to_string());
                        }
                        Effect::Remove { path } => mutate::remove(&root.host_path(path))?,
                    }
                }
            }
        }
    }
    Ok(written)
}
