//! Undo a run: a plan that puts back every path the run touched, as it was
//! before the run (files created by the run are removed), byte for byte
//! whatever their encoding. On a live root the commands the run executed
//! are undone where they can be: a guarded service action by its opposite
//! (`rc-update del` for an `rc-update add` that ran), a reload or restart by
//! running it again once the files are back, so the restored configuration
//! takes effect. The plan is shown like any other and applied as a run of
//! its own, so a rollback can be rolled back too.
//!
//! A path that changed after the run (an edit by hand, another run) is
//! still restored, with a warning naming it: the rollback overwrites that
//! change. A rollback that was interrupted is finished by the next plain
//! `hostnet rollback`.

use indexmap::IndexMap;

use crate::change::{TaskId, Undo};
use crate::diff;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::plan::{Account, Action, Content, Plan, PlayPlan, Status, Step, TaskPlan};
use crate::root::{Entry, Root, SysPath};
use crate::runs::{self, After, Before, RunState};
use crate::types::FileMode;

/// The run a plain `hostnet rollback` (or `rollback RUN`) undoes: `RUN`, or
/// the latest run; when the latest is an interrupted rollback, the run it
/// was undoing (so the rollback is finished, not itself undone).
pub fn target(root: &Root, run: Option<&str>) -> Result<String> {
    let available = runs::list(root)?;
    match run {
        Some(run) if available.iter().any(|id| id == run) => Ok(run.to_owned()),
        Some(run) => Err(Error::new(ErrorKind::UnknownRun {
            run: run.to_owned(),
            available,
        })),
        None => {
            let latest = available.last().cloned().ok_or_else(|| {
                Error::new(ErrorKind::NoRuns {
                    root: root.dir().to_path_buf(),
                })
            })?;
            let manifest = runs::manifest(root, &latest)?;
            match manifest.undoes {
                Some(undoes) if manifest.state.interrupted() => Ok(undoes),
                _ => Ok(latest),
            }
        }
    }
}

/// The plan that restores what run `run` (default: see [`target`]) changed.
pub fn plan(root: &Root, run: Option<&str>, facts: &Facts) -> Result<Plan> {
    let run = target(root, run)?;
    let manifest = runs::manifest(root, &run)?;
    let run_dir = runs::run_dir(root, &run)?;
    let later = later_changes(root, &run)?;
    let mut warnings = Vec::new();
    let mut steps = Vec::new();
    for entry in manifest.entries.iter().rev() {
        let path = SysPath::new(&entry.path).map_err(|message| {
            Error::new(ErrorKind::Read {
                path: run_dir.join("manifest.json"),
                message,
            })
        })?;
        let now = root.entry(&path)?;
        if let Some(after) = &entry.after
            && After::of(&now).as_ref() != Some(after)
        {
            warnings.push(match later.iter().find(|(_, paths)| paths.contains(&entry.path)) {
                Some((by, _)) => format!(
                    "`{path}` was changed again by run {by} after run {run}: rolling back run {run} undoes that change too"
                ),
                None => format!(
                    "`{path}` was modified after run {run} (not by hostnet): the rollback overwrites that change"
                ),
            });
        }
        if let Some(action) = restore(root, &run, &path, &entry.before, now)? {
            steps.push(Step {
                action,
                tasks: vec![TaskId(0)],
            });
        }
    }
    let mut dirs: Vec<&String> = manifest.created_dirs.iter().collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.len()));
    for dir in dirs {
        let Ok(path) = SysPath::new(dir) else { continue };
        if root.entry(&path)? == Entry::Directory {
            steps.push(Step {
                action: Action::RemoveDir { path },
                tasks: vec![TaskId(0)],
            });
        }
    }
    // Commands the run executed, undone in reverse order once the files are back.
    let mut cannot = Vec::new();
    for command in manifest.commands.iter().rev().filter(|command| command.executed) {
        let (argv, input) = match &command.undo {
            Undo::Run { argv, input } => (argv.clone(), input.clone()),
            Undo::Rerun { files, unload } => {
                let gone = files.iter().find(|file| {
                    manifest
                        .entries
                        .iter()
                        .any(|entry| entry.path == file.as_str() && matches!(entry.before, Before::Missing))
                });
                if let (Some(_), Some(unload)) = (gone, unload) {
                    steps.push(Step {
                        action: Action::Run {
                            argv: unload.argv.clone(),
                            effects: Vec::new(),
                            undo: Undo::None,
                            input: unload.input.clone(),
                        },
                        tasks: vec![TaskId(0)],
                    });
                    continue;
                }
                if let Some(gone) = gone {
                    cannot.push(format!(
                        "`{}` (run {run} created `{gone}`, which the rollback removes)",
                        crate::shell::line(&command.argv)
                    ));
                    continue;
                }
                (command.argv.clone(), None)
            }
            Undo::None => {
                cannot.push(format!("`{}`", crate::shell::line(&command.argv)));
                continue;
            }
        };
        steps.push(Step {
            action: Action::Run {
                argv,
                effects: Vec::new(),
                undo: Undo::None,
                input,
            },
            tasks: vec![TaskId(0)],
        });
    }
    if !cannot.is_empty() {
        warnings.push(format!(
            "run {run} executed command(s) rollback cannot undo: {}; what they changed in the live state stays until the next apply (check it with `hostnet verify`)",
            cannot.join(", ")
        ));
    }
    let finishing = runs::list(root)?.last().is_some_and(|latest| {
        runs::manifest(root, latest).is_ok_and(|m| m.state.interrupted() && m.undoes.as_deref() == Some(&run))
    });
    let status = if steps.is_empty() { Status::Ok } else { Status::Changed };
    Ok(Plan {
        playbook: format!("rollback {run}"),
        root: root.dir().display().to_string(),
        live: root.is_live(),
        facts: facts.clone(),
        backends: IndexMap::new(),
        plays: vec![PlayPlan {
            name: if finishing {
                format!("Finish rolling back run {run} (the rollback was interrupted)")
            } else {
                format!("Roll back run {run}")
            },
            tasks: vec![TaskPlan {
                id: TaskId(0),
                name: format!("Restore what run {run} changed"),
                module: "rollback".into(),
                position: run_dir.join("manifest.json").display().to_string(),
                handler: false,
                status,
                skip_reason: None,
                items: Vec::new(),
                steps,
                contributes: Vec::new(),
                args: Vec::new(),
            }],
        }],
        requirements: Vec::new(),
        expectation: None,
        warnings,
    })
}

/// Runs after `run` that were not rolled back, with the paths they touched.
fn later_changes(root: &Root, run: &str) -> Result<Vec<(String, Vec<String>)>> {
    let ids = runs::list(root)?;
    let mut later = Vec::new();
    for id in ids.iter().skip_while(|id| *id != run).skip(1) {
        let Ok(manifest) = runs::manifest(root, id) else {
            continue;
        };
        if manifest.state == RunState::RolledBack || manifest.undoes.as_deref() == Some(run) {
            continue;
        }
        later.push((
            id.clone(),
            manifest.entries.into_iter().map(|entry| entry.path).collect(),
        ));
    }
    Ok(later)
}

/// The step that puts `before` back at `path`, which holds `now`.
fn restore(root: &Root, run: &str, path: &SysPath, before: &Before, now: Entry) -> Result<Option<Action>> {
    Ok(match (before, now) {
        (Before::Missing, Entry::Missing | Entry::Directory) => None,
        (Before::Missing, Entry::File { content, .. }) => {
            let before = String::from_utf8_lossy(&content).into_owned();
            Some(Action::Remove {
                diff: diff::unified(path.as_str(), &before, ""),
                path: path.clone(),
                before,
            })
        }
        (Before::Missing, Entry::Link { target }) => Some(Action::Remove {
            path: path.clone(),
            before: format!("-> {target}"),
            diff: String::new(),
        }),
        (Before::Link { target }, Entry::Link { target: current }) if *target == current => None,
        (Before::Link { target }, current) => Some(Action::Link {
            path: path.clone(),
            target: target.clone(),
            before: match current {
                Entry::Link { target } => Some(target),
                _ => None,
            },
        }),
        (Before::File { backup, mode, uid, gid }, current) => {
            let saved = runs::backup(root, run, backup)?;
            let (before, before_mode, same) = match &current {
                Entry::File {
                    content,
                    mode: current_mode,
                    uid: u,
                    gid: g,
                } => (
                    Some(Content(content.clone())),
                    Some(FileMode(*current_mode)),
                    *content == saved && current_mode == mode && u == uid && g == gid,
                ),
                _ => (None, None, false),
            };
            if same {
                None
            } else {
                let after = Content(saved);
                Some(Action::Write {
                    diff: diff::unified(
                        path.as_str(),
                        before.as_ref().map(Content::text).as_deref().unwrap_or(""),
                        &after.text(),
                    ),
                    path: path.clone(),
                    before,
                    after,
                    mode: FileMode(*mode),
                    before_mode,
                    owner: Some(Account {
                        name: uid.to_string(),
                        id: Some(*uid),
                    }),
                    group: Some(Account {
                        name: gid.to_string(),
                        id: Some(*gid),
                    }),
                })
            }
        }
    })
}
