//! Undo a run: a plan that puts back every path the run touched, as it was
//! before the run (files created by the run are removed). The plan is shown
//! like any other and applied as a run of its own, so a rollback can be
//! rolled back too. Commands the run executed are not undone.

use indexmap::IndexMap;

use crate::change::TaskId;
use crate::diff;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::plan::{Account, Action, Plan, PlayPlan, Status, Step, TaskPlan};
use crate::root::{Entry, Root, SysPath};
use crate::runs::{self, Before};
use crate::types::FileMode;

/// The plan that restores what run `run` (default: the latest) changed.
pub fn plan(root: &Root, run: Option<&str>, facts: &Facts) -> Result<Plan> {
    let available = runs::list(root)?;
    let run = match run {
        Some(run) if available.iter().any(|id| id == run) => run.to_owned(),
        Some(run) => {
            return Err(Error::new(ErrorKind::UnknownRun {
                run: run.to_owned(),
                available,
            }));
        }
        None => available.last().cloned().ok_or_else(|| {
            Error::new(ErrorKind::NoRuns {
                root: root.dir().to_path_buf(),
            })
        })?,
    };
    let manifest = runs::manifest(root, &run)?;
    let run_dir = runs::run_dir(root, &run);
    let mut steps = Vec::new();
    for entry in manifest.entries.iter().rev() {
        let path = SysPath::new(&entry.path).map_err(|message| {
            Error::new(ErrorKind::Read {
                path: run_dir.join("manifest.json"),
                message,
            })
        })?;
        let now = root.entry(&path)?;
        let action = match (&entry.before, now) {
            (Before::Missing, Entry::Missing | Entry::Directory) => None,
            (Before::Missing, Entry::File { content, .. }) => {
                let before = String::from_utf8_lossy(&content).into_owned();
                Some(Action::Remove {
                    diff: diff::unified(path.as_str(), &before, ""),
                    path,
                    before,
                })
            }
            (Before::Missing, Entry::Link { target }) => Some(Action::Remove {
                path,
                before: format!("-> {target}"),
                diff: String::new(),
            }),
            (Before::Link { target }, Entry::Link { target: current }) if *target == current => None,
            (Before::Link { target }, current) => Some(Action::Link {
                path,
                target: target.clone(),
                before: match current {
                    Entry::Link { target } => Some(target),
                    _ => None,
                },
            }),
            (Before::File { backup, mode, uid, gid }, current) => {
                let saved_path = run_dir.join(backup);
                let saved = runs::backup(root, &run, backup)?;
                let (before, before_mode, same) = match &current {
                    Entry::File {
                        content,
                        mode: current_mode,
                        uid: u,
                        gid: g,
                    } => (
                        Some(String::from_utf8_lossy(content).into_owned()),
                        Some(FileMode(*current_mode)),
                        *content == saved && current_mode == mode && u == uid && g == gid,
                    ),
                    _ => (None, None, false),
                };
                if same {
                    None
                } else {
                    let after = String::from_utf8(saved).map_err(|_| {
                        Error::new(ErrorKind::Read {
                            path: saved_path.clone(),
                            message: "not UTF-8 text".into(),
                        })
                    })?;
                    Some(Action::Write {
                        diff: diff::unified(path.as_str(), before.as_deref().unwrap_or(""), &after),
                        path,
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
        };
        if let Some(action) = action {
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
    let status = if steps.is_empty() { Status::Ok } else { Status::Changed };
    Ok(Plan {
        playbook: format!("rollback {run}"),
        root: root.dir().display().to_string(),
        live: root.is_live(),
        facts: facts.clone(),
        backends: IndexMap::new(),
        plays: vec![PlayPlan {
            name: format!("Roll back run {run}"),
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
        warnings: if manifest.commands.iter().any(|c| c.executed) {
            vec![format!(
                "run {run} executed {} command(s); rollback restores files only, so check the live state with `hostnet verify`",
                manifest.commands.iter().filter(|c| c.executed).count()
            )]
        } else {
            Vec::new()
        },
    })
}
