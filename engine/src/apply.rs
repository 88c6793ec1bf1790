//! The only code that changes the host.
//!
//! Under a lock (`<root>/run/hostnet.lock`), each step of a plan is carried
//! out in order: the old version of every path is first saved under
//! `<root>/var/lib/hostnet/runs/<run-id>/` and recorded in its
//! `manifest.json`; files are written to a temp file in their directory,
//! fsynced, given their mode and owner, and renamed into place. Commands run
//! without a shell, and only when the root is `/`; under any other root they
//! are recorded and their declared effects (runlevel links, …) materialised.
//! A failing command stops the run; `hostnet rollback RUN` restores every
//! path the run touched.

#![expect(
    clippy::disallowed_methods,
    reason = "apply.rs is the module that writes to the host"
)]

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::change::Effect;
use crate::error::{Error, ErrorKind, Result};
use crate::plan::{Action, Plan};
use crate::root::{Entry, Root, SysPath};

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

/// A command apply ran or recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The argv.
    pub argv: Vec<String>,
    /// The task that asked for it.
    pub task: String,
    /// `true`: executed; `false`: recorded only (root is not `/`).
    pub executed: bool,
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

/// The record of one run, enough to undo it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Run id.
    pub run_id: String,
    /// What was applied.
    pub playbook: String,
    /// Paths in the order they were first touched, with what was there before.
    pub entries: Vec<ManifestEntry>,
    /// Commands, in order.
    pub commands: Vec<CommandRecord>,
    /// Directories the run created (removed again by rollback when empty).
    #[serde(default)]
    pub created_dirs: Vec<String>,
    /// Did the run finish?
    pub complete: bool,
}

/// A path a run touched and what was there before.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The path on the host.
    pub path: String,
    /// What was there.
    pub before: Before,
}

/// The previous state of a path.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Before {
    /// Nothing: the run created it.
    Missing,
    /// A file, saved under the run's `files/`.
    File {
        backup: String,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    /// A symlink.
    Link { target: String },
}

/// `<root>/var/lib/hostnet/runs`.
pub fn runs_dir(root: &Root) -> PathBuf {
    root.host_path(&SysPath::from_static("/var/lib/hostnet/runs"))
}

/// Take the apply lock (held until the returned file is dropped).
pub fn lock(root: &Root) -> Result<File> {
    let path = root.host_path(&SysPath::from_static("/run/hostnet.lock"));
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| write_error(&path, &error))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::new(ErrorKind::Locked { path })),
        Err(TryLockError::Error(error)) => Err(write_error(&path, &error)),
    }
}

/// Carry out a plan. Nothing happens (no run is recorded) when it has no steps.
pub fn apply(plan: &Plan, root: &Root, options: ApplyOptions) -> Result<ApplyReport> {
    let _lock = lock(root)?;
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
    let run_id = new_run_id(root)?;
    let run_dir = runs_dir(root).join(&run_id);
    fs::create_dir_all(run_dir.join("files")).map_err(|error| write_error(&run_dir, &error))?;
    let mut run = Run {
        root,
        dir: run_dir,
        manifest: Manifest {
            run_id: run_id.clone(),
            playbook: plan.playbook.clone(),
            entries: Vec::new(),
            commands: Vec::new(),
            created_dirs: Vec::new(),
            complete: false,
        },
    };
    run.save()?;
    report.run_id = Some(run_id.clone());
    let total = plan.steps().count();
    for (index, (task, step)) in plan.steps().enumerate() {
        if let Some(progress) = options.progress {
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
                write_file(
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
                remove(&root.host_path(path))?;
                report.paths.push(path.to_string());
            }
            Action::Link { path, target, .. } => {
                run.backup(path)?;
                write_link(&root.host_path(path), target)?;
                report.paths.push(path.to_string());
            }
            Action::RemoveDir { path } => {
                remove_empty_dir(&root.host_path(path))?;
                report.paths.push(path.to_string());
            }
            Action::Run { argv, effects } => {
                let record = CommandRecord {
                    argv: argv.clone(),
                    task: task.name.clone(),
                    executed: root.is_live(),
                };
                if root.is_live() {
                    let output = duct::cmd(&argv[0], &argv[1..])
                        .stderr_to_stdout()
                        .stdout_capture()
                        .unchecked()
                        .run();
                    let failure = match output {
                        Ok(output) if output.status.success() => None,
                        Ok(output) => Some(Failure {
                            task: task.name.clone(),
                            argv: argv.clone(),
                            code: output.status.code(),
                            output: String::from_utf8_lossy(&output.stdout).into_owned(),
                        }),
                        Err(error) => Some(Failure {
                            task: task.name.clone(),
                            argv: argv.clone(),
                            code: None,
                            output: error.to_string(),
                        }),
                    };
                    run.manifest.commands.push(record.clone());
                    report.commands.push(record);
                    if let Some(failure) = failure {
                        run.save()?;
                        mark_pending(root, &run.manifest)?;
                        report.failure = Some(failure);
                        drop(_lock);
                        if options.rollback_on_failure {
                            let rollback = crate::rollback::plan(root, Some(&run_id), &plan.facts)?;
                            apply(&rollback, root, ApplyOptions::default())?;
                            report.rolled_back = true;
                        }
                        return Ok(report);
                    }
                } else {
                    for effect in effects {
                        match effect {
                            Effect::Link { path, target } => {
                                run.backup(path)?;
                                write_link(&root.host_path(path), target)?;
                            }
                            Effect::Remove { path } => {
                                run.backup(path)?;
                                remove(&root.host_path(path))?;
                            }
                        }
                    }
                    run.manifest.commands.push(record.clone());
                    report.commands.push(record);
                }
            }
        }
        run.save()?;
    }
    run.manifest.complete = true;
    run.save()?;
    // Every command of the plan ran: nothing is pending any more.
    remove(&root.host_path(&pending_path()))?;
    Ok(report)
}

/// `<root>/var/lib/hostnet/pending`: paths written by a run whose commands
/// did not all succeed. The next plan treats them as changed, so the commands
/// that depend on them (reloads, restarts) run again instead of being
/// skipped because the files already match.
pub fn pending_path() -> SysPath {
    SysPath::from_static("/var/lib/hostnet/pending")
}

fn mark_pending(root: &Root, manifest: &Manifest) -> Result<()> {
    let path = root.host_path(&pending_path());
    let mut paths: Vec<String> = root
        .read_text(&pending_path())?
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    for entry in &manifest.entries {
        if !paths.contains(&entry.path) {
            paths.push(entry.path.clone());
        }
    }
    let mut text = paths.join("\n");
    text.push('\n');
    write_file(&path, text.as_bytes(), 0o600, None, None)
}

/// Write a plan's files, links and command effects under `root` without a
/// lock, backups or commands (`hostnet render`). Returns the paths written.
pub fn render(plan: &Plan, root: &Root) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for (_, step) in plan.steps() {
        match &step.action {
            Action::Write { path, after, mode, .. } => {
                write_file(&root.host_path(path), after.as_bytes(), mode.0, None, None)?;
                written.push(path.to_string());
            }
            Action::Remove { path, .. } => remove(&root.host_path(path))?,
            Action::RemoveDir { path } => remove_empty_dir(&root.host_path(path))?,
            Action::Link { path, target, .. } => {
                write_link(&root.host_path(path), target)?;
                written.push(path.to_string());
            }
            Action::Run { effects, .. } => {
                for effect in effects {
                    match effect {
                        Effect::Link { path, target } => {
                            write_link(&root.host_path(path), target)?;
                            written.push(path.to_string());
                        }
                        Effect::Remove { path } => remove(&root.host_path(path))?,
                    }
                }
            }
        }
    }
    Ok(written)
}

struct Run<'a> {
    root: &'a Root,
    dir: PathBuf,
    manifest: Manifest,
}

impl Run<'_> {
    fn save(&self) -> Result<()> {
        let path = self.dir.join("manifest.json");
        let mut text = serde_json::to_string_pretty(&self.manifest).unwrap_or_default();
        text.push('\n');
        write_file(&path, text.as_bytes(), 0o600, None, None)
    }

    /// Save what is at `path` now, once per run.
    fn backup(&mut self, path: &SysPath) -> Result<()> {
        if self.manifest.entries.iter().any(|entry| entry.path == path.as_str()) {
            return Ok(());
        }
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if self.root.entry(&dir)? != Entry::Missing {
                break;
            }
            if !self.manifest.created_dirs.iter().any(|created| created == dir.as_str()) {
                self.manifest.created_dirs.push(dir.to_string());
            }
            parent = dir.parent();
        }
        let before = match self.root.entry(path)? {
            Entry::Missing => Before::Missing,
            Entry::Link { target } => Before::Link { target },
            Entry::File {
                content,
                mode,
                uid,
                gid,
            } => {
                let backup = format!("files/{}", path.relative());
                write_file(&self.dir.join(&backup), &content, 0o600, None, None)?;
                Before::File { backup, mode, uid, gid }
            }
            Entry::Directory => {
                return Err(Error::new(ErrorKind::Write {
                    path: self.root.host_path(path),
                    message: "is a directory".into(),
                }));
            }
        };
        self.manifest.entries.push(ManifestEntry {
            path: path.to_string(),
            before,
        });
        self.save()
    }
}

fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::new(ErrorKind::Write {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// Write a file atomically: temp file in the same directory, fsync, mode, owner, rename, fsync the directory.
pub fn write_file(path: &Path, content: &[u8], mode: u32, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".hostnet-")
        .tempfile_in(dir)
        .map_err(|error| write_error(dir, &error))?;
    temp.write_all(content).map_err(|error| write_error(path, &error))?;
    temp.as_file().sync_all().map_err(|error| write_error(path, &error))?;
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode)).map_err(|error| write_error(path, &error))?;
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(temp.path(), uid, gid).map_err(|error| write_error(path, &error))?;
    }
    temp.persist(path).map_err(|error| write_error(path, &error.error))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|error| write_error(dir, &error))?;
    Ok(())
}

fn write_link(path: &Path, target: &str) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))?;
    let temp = dir.join(format!(".hostnet-link-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    symlink(target, &temp).map_err(|error| write_error(path, &error))?;
    fs::rename(&temp, path).map_err(|error| write_error(path, &error))?;
    Ok(())
}

/// Remove a directory if it is empty (a rollback leaves directories the user filled).
fn remove_empty_dir(path: &Path) -> Result<()> {
    match fs::remove_dir(path) {
        Ok(()) => Ok(()),
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::DirectoryNotEmpty
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(write_error(path, &error)),
    }
}

fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(write_error(path, &error)),
        _ => Ok(()),
    }
}

/// A new run id: the UTC time, `20261122T065331Z`, with `-2`, `-3`… if taken.
fn new_run_id(root: &Root) -> Result<String> {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let base = utc_stamp(seconds);
    let dir = runs_dir(root);
    let mut id = base.clone();
    let mut n = 2;
    while dir.join(&id).exists() {
        id = format!("{base}-{n}");
        n += 1;
    }
    Ok(id)
}

/// Seconds since the epoch as `YYYYMMDDTHHMMSSZ` (Howard Hinnant's civil-from-days).
fn utc_stamp(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_utc_stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_795_330_411), "20261122T065331Z");
    }
}
