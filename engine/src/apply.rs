//! Carry out a plan: the only code that changes the host for a playbook.
//!
//! Under the apply lock, in four phases, so that a failure or a crash
//! leaves the host either unchanged or in a state the journal describes:
//!
//! 1. **Recover**: temp files a killed run left are removed; a run that was
//!    interrupted after it changed the host is resumed by this one (same run
//!    id, its backups stay the record of "before"). An interrupted
//!    *rollback* must be finished with `hostnet rollback` first.
//! 2. **Prepare** (nothing on the host changes): every path is resolved
//!    inside the root, its old version saved in the run's journal, and its
//!    new version written to a temp file next to it. A directory in the way,
//!    a read-only directory, a full disk or a missing permission stops the
//!    run here; the temp files and the new run record are removed and the
//!    error says that nothing was changed.
//! 3. **Write**: the journal marks the run's paths pending and says it is
//!    writing; each temp file is renamed into place (every file is wholly old
//!    or new at any instant).
//! 4. **Commands**: run without a shell, only when the root is `/`; under
//!    any other root they are recorded and their declared effects (runlevel
//!    links, …) materialised. A failing command stops the run; its paths stay
//!    pending so the next apply runs their commands again; `hostnet rollback
//!    RUN` restores, and `--rollback-on-failure` does so at once, under the
//!    same lock.
//!
//! Files are all written before the first command runs, in plan order.

use serde::Serialize;

use crate::change::Effect;
use crate::error::{Error, ErrorKind, Result};
use crate::live::verify::Drift;
use crate::mutate::{self, Staged};
use crate::plan::{Action, Plan};
use crate::root::{Follow, Root, SysPath};
use crate::runs::{self, After, CommandRecord, Confirm, Interrupted, Journal, Lock};

/// How to apply.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Roll back at once when a command fails.
    pub rollback_on_failure: bool,
    /// Revert unless `hostnet confirm` arrives in time.
    pub confirm: Option<ConfirmRequest>,
    /// Told before each step: (step number from 1, steps in all, the step), for a progress line.
    pub progress: Option<fn(usize, usize, &Action)>,
    /// `--no-verify`: do not read the live host back after a live apply.
    pub no_verify: bool,
}

/// `apply --confirm-timeout`: the deadline and the watcher that reverts.
#[derive(Clone, Debug)]
pub struct ConfirmRequest {
    /// Seconds from now.
    pub seconds: u64,
    /// The command that waits and reverts (`hostnet confirm --watch … RUN`);
    /// the run id is appended. Started detached before the first change.
    pub watcher: Vec<String>,
}

/// What applying did.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    /// The run id (`None` when nothing changed).
    pub run_id: Option<String>,
    /// An interrupted run this apply resumed and finished (the same id).
    pub resumed: Option<String>,
    /// Files, links and removals carried out.
    pub paths: Vec<String>,
    /// Commands run (live root) or recorded (other roots).
    pub commands: Vec<CommandRecord>,
    /// The command that failed, if one did.
    pub failure: Option<Failure>,
    /// A write that failed after others were made (the run is interrupted).
    pub write_error: Option<String>,
    /// Was the run rolled back after a failure?
    pub rolled_back: bool,
    /// Seconds since the epoch by which `hostnet confirm` must arrive.
    pub confirm_deadline: Option<u64>,
    /// Verify after apply: how the live host still differed from the
    /// playbook (the run was then rolled back).
    pub drift: Vec<Drift>,
}

impl ApplyReport {
    fn new() -> Self {
        Self {
            run_id: None,
            resumed: None,
            paths: Vec::new(),
            commands: Vec::new(),
            failure: None,
            write_error: None,
            rolled_back: false,
            confirm_deadline: None,
            drift: Vec::new(),
        }
    }

    /// Did the run stop part way (a command or a write failed), or not
    /// take effect on the live host?
    pub fn stopped(&self) -> bool {
        self.failure.is_some() || self.write_error.is_some() || !self.drift.is_empty()
    }
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
/// recorded) when it has no steps and no run was interrupted. With
/// `rollback_on_failure`, a failed run is rolled back before the lock is
/// released, so no other run slips in.
pub fn apply(plan: &Plan, root: &Root, options: &ApplyOptions) -> Result<ApplyReport> {
    let lock = runs::lock(root)?;
    let interrupted = runs::recover(root, &lock)?;
    if let Some(Interrupted {
        run_id,
        undoes: Some(target),
        ..
    }) = &interrupted
    {
        return Err(Error::new(ErrorKind::Invalid {
            message: format!("run {run_id}, the rollback of run {target}, was interrupted"),
            hint: Some(format!("finish it first with `hostnet rollback{}`", root.flag())),
        }));
    }
    if let Some(waiting) = runs::waiting(root)? {
        return Err(runs::waiting_error(root, &waiting));
    }
    let mut report = carry_out(plan, root, &lock, interrupted.map(|run| run.run_id), None, options)?;
    // Verify after apply: read the live host back; what did not take rolls
    // the whole run back (files and live state), under the same lock.
    if !report.stopped()
        && root.is_live()
        && !options.no_verify
        && options.confirm.is_none()
        && report.run_id.is_some()
        && let Some(expectation) = &plan.expectation
    {
        report.drift = crate::live::runtime::verify_after(expectation, root)?;
        if !report.drift.is_empty()
            && let Some(run) = &report.run_id
        {
            let rollback = crate::rollback::plan(root, Some(run), &plan.facts)?;
            carry_out(&rollback, root, &lock, None, Some(run), &ApplyOptions::default())?;
            report.rolled_back = true;
            return Ok(report);
        }
    }
    if report.stopped()
        && options.rollback_on_failure
        && let Some(run) = &report.run_id
    {
        let rollback = crate::rollback::plan(root, Some(run), &plan.facts)?;
        carry_out(&rollback, root, &lock, None, Some(run), &ApplyOptions::default())?;
        report.rolled_back = true;
    }
    Ok(report)
}

/// Apply a rollback plan of run `undoes` under the apply lock, finishing an
/// interrupted rollback of the same run if there is one.
pub fn roll_back(plan: &Plan, root: &Root, undoes: &str, lock: &Lock) -> Result<ApplyReport> {
    let interrupted = runs::recover(root, lock)?;
    let resume = match interrupted {
        Some(Interrupted {
            run_id,
            undoes: Some(target),
            ..
        }) if target == undoes => Some(run_id),
        _ => None,
    };
    carry_out(plan, root, lock, resume, Some(undoes), &ApplyOptions::default())
}

/// Every path a plan may touch, in order.
fn planned_paths(plan: &Plan) -> Vec<String> {
    let mut paths = Vec::new();
    for (_, step) in plan.steps() {
        match &step.action {
            Action::Write { path, .. }
            | Action::Remove { path, .. }
            | Action::Link { path, .. }
            | Action::RemoveDir { path } => paths.push(path.to_string()),
            Action::Run { effects, .. } => {
                for effect in effects {
                    match effect {
                        Effect::Link { path, .. } | Effect::Remove { path } => paths.push(path.to_string()),
                    }
                }
            }
        }
    }
    paths
}

/// A change prepared in phase 2, carried out in phase 3 or 4.
enum Prepared {
    /// A temp file or link to rename into place.
    Staged(SysPath, Staged),
    /// A path to remove.
    Remove(SysPath, std::path::PathBuf),
    /// An empty directory to remove.
    RemoveDir(std::path::PathBuf),
}

/// Carry out every step of `plan`, journaled as one run (`resume`: as part
/// of that interrupted run; `undoes`: the plan is that run's rollback).
fn carry_out(
    plan: &Plan,
    root: &Root,
    lock: &Lock,
    resume: Option<String>,
    undoes: Option<&str>,
    options: &ApplyOptions,
) -> Result<ApplyReport> {
    let mut report = ApplyReport::new();
    if !plan.has_changes() {
        // An interrupted run whose changes are all in place: finish it.
        if let Some(id) = resume {
            let journal = Journal::resume(root, &id, Vec::new(), lock)?;
            finish(root, journal, undoes)?;
            report.run_id = Some(id.clone());
            report.resumed = Some(id);
        }
        return Ok(report);
    }
    let planned = planned_paths(plan);
    let mut run = match &resume {
        Some(id) => Journal::resume(root, id, planned, lock)?,
        None => Journal::start(root, &plan.playbook, planned, lock)?,
    };
    report.run_id = Some(run.id().to_owned());
    report.resumed.clone_from(&resume);
    if let Some(undoes) = undoes {
        run.manifest.undoes = Some(undoes.to_owned());
    }

    // Phase 2: back up and stage everything; nothing on the host changes.
    let mut prepared: Vec<Option<Prepared>> = Vec::new();
    let mut effects: Vec<Vec<Prepared>> = Vec::new();
    let staging = prepare(plan, root, &mut run, &mut prepared, &mut effects);
    let staging = staging.and_then(|()| {
        if let Some(confirm) = &options.confirm {
            let deadline = runs::now() + confirm.seconds;
            run.manifest.confirm = Some(Confirm {
                deadline,
                confirmed: false,
                reverted_by: None,
            });
            report.confirm_deadline = Some(deadline);
        }
        run.save()
    });
    if let Err(error) = staging {
        discard(prepared.into_iter().flatten().chain(effects.into_iter().flatten()));
        run.abandon()?;
        return Err(error);
    }
    if let Some(confirm) = &options.confirm {
        let mut watcher = confirm.watcher.clone();
        watcher.push(run.id().to_owned());
        if let Err(error) = mutate::spawn_detached(&watcher) {
            discard(prepared.into_iter().flatten().chain(effects.into_iter().flatten()));
            run.abandon()?;
            return Err(error);
        }
    }

    // Phase 3: every file into place. From here on the host is changing:
    // an error does not mean "nothing changed", so it is reported with the
    // run (interrupted, resumable), never as a plain error.
    run.writing()?;
    let mut leftovers: Vec<Prepared> = Vec::new();
    let outcome = changes(
        plan,
        root,
        &mut run,
        prepared,
        effects,
        &mut leftovers,
        &mut report,
        options.progress,
    );
    discard(leftovers);
    match outcome {
        Ok(Stop::Done) => {}
        Ok(Stop::CommandFailed) => {
            if let Err(error) = run.failed() {
                report.write_error = Some(error.to_string());
            }
            return Ok(report);
        }
        Err(error) => {
            let _ = run.save();
            report.write_error = Some(error.to_string());
            return Ok(report);
        }
    }
    if let Err(error) = finish(root, run, undoes) {
        report.write_error = Some(error.to_string());
        return Ok(report);
    }
    if let (Some(confirm), Some(id)) = (&options.confirm, &report.run_id) {
        // The time to confirm starts once the changes are made.
        let mut manifest = runs::manifest(root, id)?;
        let deadline = runs::now() + confirm.seconds;
        if let Some(record) = &mut manifest.confirm {
            record.deadline = deadline;
        }
        runs::save(root, &manifest)?;
        report.confirm_deadline = Some(deadline);
    }
    Ok(report)
}

/// Why phases 3 and 4 stopped.
enum Stop {
    /// Everything was carried out.
    Done,
    /// A command failed (recorded in the report).
    CommandFailed,
}

/// Phases 3 and 4: rename every prepared file into place, then run (or
/// record) the commands in plan order. What was not carried out is left in
/// `leftovers` for the caller to discard.
#[expect(clippy::too_many_arguments, reason = "the run's state, passed down from carry_out")]
fn changes(
    plan: &Plan,
    root: &Root,
    run: &mut Journal<'_>,
    prepared: Vec<Option<Prepared>>,
    effects: Vec<Vec<Prepared>>,
    leftovers: &mut Vec<Prepared>,
    report: &mut ApplyReport,
    progress: Option<fn(usize, usize, &Action)>,
) -> Result<Stop> {
    let total = plan.steps().count();
    let mut told = 0;
    let mut tell = |action: &Action| {
        told += 1;
        if let Some(progress) = progress {
            progress(told, total, action);
        }
    };
    let mut effects = effects.into_iter();
    let file_steps: Vec<&Action> = plan
        .steps()
        .map(|(_, step)| &step.action)
        .filter(|action| !matches!(action, Action::Run { .. }))
        .collect();
    let mut file_steps = file_steps.into_iter();
    let mut remaining = prepared.into_iter().flatten();
    while let Some(change) = remaining.next() {
        if let Some(action) = file_steps.next() {
            tell(action);
        }
        if let Err(error) = commit(root, run, change, report) {
            leftovers.extend(remaining);
            leftovers.extend(effects.flatten());
            return Err(error);
        }
    }
    run.commands()?;
    for (task, step) in plan.steps() {
        let Action::Run { argv, undo, input, .. } = &step.action else {
            continue;
        };
        tell(&step.action);
        let prepared_effects = effects.next().unwrap_or_default();
        let record = CommandRecord {
            argv: argv.clone(),
            task: task.name.clone(),
            executed: root.is_live(),
            undo: undo.clone(),
        };
        if root.is_live() {
            let failure = match mutate::run_with_input(argv, input.as_deref()) {
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
            report.commands.push(record.clone());
            run.command(record)?;
            if let Some(failure) = failure {
                leftovers.extend(effects.flatten());
                report.failure = Some(failure);
                return Ok(Stop::CommandFailed);
            }
        } else {
            let mut pending = prepared_effects.into_iter();
            while let Some(change) = pending.next() {
                if let Err(error) = commit(root, run, change, report) {
                    leftovers.extend(pending);
                    leftovers.extend(effects.flatten());
                    return Err(error);
                }
            }
            run.manifest.commands.push(record.clone());
            report.commands.push(record);
        }
    }
    Ok(Stop::Done)
}

/// Phase 2: resolve, back up and stage each step; `prepared` gets one item
/// per file step (in order), `effects` one list per command.
fn prepare(
    plan: &Plan,
    root: &Root,
    run: &mut Journal<'_>,
    prepared: &mut Vec<Option<Prepared>>,
    effects: &mut Vec<Vec<Prepared>>,
) -> Result<()> {
    for (_, step) in plan.steps() {
        match &step.action {
            Action::Write {
                path,
                after,
                mode,
                owner,
                group,
                ..
            } => {
                let host = writable(root, path)?;
                run.backup(path)?;
                let staged = mutate::stage_file(
                    &host,
                    &after.0,
                    mode.0,
                    owner.as_ref().and_then(|o| o.id),
                    group.as_ref().and_then(|g| g.id),
                )?;
                prepared.push(Some(Prepared::Staged(path.clone(), staged)));
            }
            Action::Remove { path, .. } => {
                let host = writable(root, path)?;
                run.backup(path)?;
                mutate::probe(&host)?;
                prepared.push(Some(Prepared::Remove(path.clone(), host)));
            }
            Action::Link { path, target, .. } => {
                let host = writable(root, path)?;
                run.backup(path)?;
                let staged = mutate::stage_link(&host, target)?;
                prepared.push(Some(Prepared::Staged(path.clone(), staged)));
            }
            Action::RemoveDir { path } => {
                prepared.push(Some(Prepared::RemoveDir(root.resolved_host_path(path, Follow::No)?)));
            }
            Action::Run { effects: wanted, .. } => {
                let mut list = Vec::new();
                if !root.is_live() {
                    for effect in wanted {
                        match effect {
                            Effect::Link { path, target } => {
                                let host = writable(root, path)?;
                                run.backup(path)?;
                                list.push(Prepared::Staged(path.clone(), mutate::stage_link(&host, target)?));
                            }
                            Effect::Remove { path } => {
                                let host = writable(root, path)?;
                                run.backup(path)?;
                                mutate::probe(&host)?;
                                list.push(Prepared::Remove(path.clone(), host));
                            }
                        }
                    }
                }
                effects.push(list);
            }
        }
    }
    Ok(())
}

/// Where `path` is written: resolved inside the root, and not a directory
/// (a directory where a file goes is refused before anything changes).
/// hostnet's own state is never a run's file, but for the inventory of the
/// devices it created, which a rollback restores with the devices.
fn writable(root: &Root, path: &SysPath) -> Result<std::path::PathBuf> {
    if runs::is_state_path(path) && path.as_str() != crate::inventory::PATH {
        return Err(Error::new(ErrorKind::Write {
            path: root.host_path(path),
            message: "is hostnet's own state".into(),
        }));
    }
    let resolved = root.resolve(path, Follow::No)?;
    if root.entry(&resolved)? == crate::root::Entry::Directory {
        return Err(Error::new(ErrorKind::Write {
            path: root.host_path(&resolved),
            message: "is a directory".into(),
        }));
    }
    Ok(root.host_path(&resolved))
}

/// Carry out one prepared change and record what it left.
fn commit(root: &Root, run: &mut Journal<'_>, change: Prepared, report: &mut ApplyReport) -> Result<()> {
    match change {
        Prepared::Staged(path, staged) => {
            staged.commit()?;
            record_after(root, run, &path)?;
            report.paths.push(path.to_string());
        }
        Prepared::Remove(path, host) => {
            mutate::remove(&host)?;
            run.after(&path, After::Missing);
            report.paths.push(path.to_string());
        }
        Prepared::RemoveDir(host) => mutate::remove_empty_dir(&host)?,
    }
    Ok(())
}

fn record_after(root: &Root, run: &mut Journal<'_>, path: &SysPath) -> Result<()> {
    if let Some(after) = After::of(&root.entry(path)?) {
        run.after(path, after);
    }
    Ok(())
}

fn discard(changes: impl IntoIterator<Item = Prepared>) {
    for change in changes {
        if let Prepared::Staged(_, staged) = change {
            staged.discard();
        }
    }
}

/// The run is done; a rollback marks the run it undid.
fn finish(root: &Root, run: Journal<'_>, undoes: Option<&str>) -> Result<()> {
    let id = run.id().to_owned();
    run.complete()?;
    if let Some(target) = undoes
        && let Ok(mut manifest) = runs::manifest(root, target)
    {
        manifest.state = runs::RunState::RolledBack;
        manifest.undone_by = Some(id);
        runs::save(root, &manifest)?;
    }
    Ok(())
}

/// Write a plan's files, links and command effects under `out` without a
/// lock, backups or commands (`hostnet render`). Effects under `/run`
/// (service-started markers) are runtime state, not files a host keeps, and
/// are left out. Returns the paths written.
pub fn render(plan: &Plan, out: &Root) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for (_, step) in plan.steps() {
        match &step.action {
            Action::Write { path, after, mode, .. } => {
                mutate::write_file(&out.resolved_host_path(path, Follow::No)?, &after.0, mode.0, None, None)?;
                written.push(path.to_string());
            }
            Action::Remove { path, .. } => mutate::remove(&out.resolved_host_path(path, Follow::No)?)?,
            Action::RemoveDir { path } => mutate::remove_empty_dir(&out.resolved_host_path(path, Follow::No)?)?,
            Action::Link { path, target, .. } => {
                mutate::write_link(&out.resolved_host_path(path, Follow::No)?, target)?;
                written.push(path.to_string());
            }
            Action::Run { effects, .. } => {
                for effect in effects {
                    match effect {
                        Effect::Link { path, .. } | Effect::Remove { path } if is_runtime(path) => {}
                        Effect::Link { path, target } => {
                            mutate::write_link(&out.resolved_host_path(path, Follow::No)?, target)?;
                            written.push(path.to_string());
                        }
                        Effect::Remove { path } => mutate::remove(&out.resolved_host_path(path, Follow::No)?)?,
                    }
                }
            }
        }
    }
    Ok(written)
}

/// Is `path` runtime state (`/run/…`), gone at the next boot?
fn is_runtime(path: &SysPath) -> bool {
    path.as_str().starts_with("/run/")
}
