//! The plan: every real change, attributed to the task that caused it.
//!
//! Built by comparing what the tasks and backends ask for with what is under
//! the root now. Files are merged per path (whole files, managed blocks,
//! links), kept only when they differ; commands are kept when their guard
//! says so. A file shows under the first task that contributed to it, a
//! command under the last, so files are always written before the commands
//! that use them. Plan never mutates anything.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde::Serialize;

use crate::block;
use crate::change::{Change, Command, Effect, Guard, Planned, TaskId};
use crate::diff;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::root::{Entry, Root, SysPath};
use crate::services;
use crate::types::{AccountName, FileMode};

/// The whole plan.
#[derive(Debug, Serialize)]
pub struct Plan {
    /// The playbook (or `rollback RUN`).
    pub playbook: String,
    /// The root it was planned against.
    pub root: String,
    /// Is the root the live `/` (commands run) or not (commands recorded)?
    pub live: bool,
    /// Facts used.
    pub facts: Facts,
    /// Backend chosen per target that had something to render.
    pub backends: IndexMap<String, String>,
    /// Plays, in order.
    pub plays: Vec<PlayPlan>,
    /// Packages the rendered configuration needs.
    pub requirements: Vec<Requirement>,
    /// Things worth knowing (user lines that contradict hostnet's blocks, …).
    pub warnings: Vec<String>,
}

/// A package the host needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Package name.
    pub package: String,
    /// Why.
    pub reason: String,
}

/// One play's tasks.
#[derive(Debug, Serialize)]
pub struct PlayPlan {
    /// `PLAY [name]`.
    pub name: String,
    /// Tasks, then the handlers that run.
    pub tasks: Vec<TaskPlan>,
}

/// One task's outcome and steps.
#[derive(Debug, Serialize)]
pub struct TaskPlan {
    /// Task id.
    pub id: TaskId,
    /// `TASK [name]`.
    pub name: String,
    /// The module.
    pub module: String,
    /// `file:line:col`.
    pub position: String,
    /// Is it a handler?
    pub handler: bool,
    /// ok, changed or skipped.
    pub status: Status,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// Loop item labels.
    pub items: Vec<String>,
    /// What it changes (shown here).
    pub steps: Vec<Step>,
    /// Paths it contributes to that are shown under another task.
    pub contributes: Vec<String>,
    /// The module's arguments after templating, per item (shown with `-v`; not in `--json`).
    #[serde(skip)]
    pub args: Vec<serde_json::Value>,
}

/// A task's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing to change.
    Ok,
    /// Something changes.
    Changed,
    /// Not run (`when`, tags, empty loop).
    Skipped,
}

/// A user or group for a file, resolved on the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Name.
    pub name: String,
    /// Numeric id on the host (`None`: not known under this root; not set).
    pub id: Option<u32>,
}

/// One change to carry out.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// What.
    #[serde(flatten)]
    pub action: Action,
    /// Tasks that asked for it.
    pub tasks: Vec<TaskId>,
}

/// What a step does.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Write a file (create or replace).
    Write {
        path: SysPath,
        before: Option<String>,
        after: String,
        mode: FileMode,
        before_mode: Option<FileMode>,
        owner: Option<Account>,
        group: Option<Account>,
        diff: String,
    },
    /// Remove a file or link.
    Remove {
        path: SysPath,
        before: String,
        diff: String,
    },
    /// Create or retarget a symlink.
    Link {
        path: SysPath,
        target: String,
        before: Option<String>,
    },
    /// Run a command (or, under a non-`/` root, record it and materialise its effects).
    Run { argv: Vec<String>, effects: Vec<Effect> },
    /// Remove a directory a run created, if it is empty (rollback only).
    RemoveDir { path: SysPath },
}

impl Plan {
    /// Number of tasks per status, plus handlers that ran.
    pub fn recap(&self) -> Recap {
        let mut recap = Recap::default();
        for task in self.plays.iter().flat_map(|play| &play.tasks) {
            match task.status {
                Status::Ok => recap.ok += 1,
                Status::Changed => recap.changed += 1,
                Status::Skipped => recap.skipped += 1,
            }
        }
        recap
    }

    /// Every step, in the order apply carries them out.
    pub fn steps(&self) -> impl Iterator<Item = (&TaskPlan, &Step)> {
        self.plays
            .iter()
            .flat_map(|play| &play.tasks)
            .flat_map(|task| task.steps.iter().map(move |step| (task, step)))
    }

    /// Does the plan change anything?
    pub fn has_changes(&self) -> bool {
        self.steps().next().is_some()
    }
}

/// Counts for `ok=N changed=N skipped=N failed=N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recap {
    pub ok: usize,
    pub changed: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// Desired state of one path while changes are merged.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Desired {
    Missing,
    File {
        content: String,
        mode: FileMode,
        uid: Option<u32>,
        gid: Option<u32>,
    },
    Link(String),
    Other,
}

/// Turns changes into steps against the root, remembering what earlier steps did.
pub struct Builder<'a> {
    root: &'a Root,
    facts: &'a Facts,
    overlay: HashMap<SysPath, Desired>,
    changed: HashSet<SysPath>,
    users: Option<HashMap<String, u32>>,
    groups: Option<HashMap<String, u32>>,
    /// Packages asked for.
    pub requirements: Vec<Requirement>,
    /// Warnings found while merging.
    pub warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    /// A builder for this root.
    pub fn new(root: &'a Root, facts: &'a Facts) -> Result<Self> {
        let mut warnings = Vec::new();
        let mut changed = HashSet::new();
        // Paths a failed run wrote: the commands that depend on them run again.
        changed.extend(crate::runs::pending(root)?);
        if !changed.is_empty() {
            warnings.push(format!(
                "a previous apply failed part way: the commands for {} file(s) it wrote run again",
                changed.len()
            ));
        }
        Ok(Self {
            root,
            facts,
            overlay: HashMap::new(),
            changed,
            users: accounts(root, "/etc/passwd")?,
            groups: accounts(root, "/etc/group")?,
            requirements: Vec::new(),
            warnings,
        })
    }

    fn current(&self, path: &SysPath) -> Result<Desired> {
        if let Some(desired) = self.overlay.get(path) {
            return Ok(desired.clone());
        }
        Ok(match self.root.entry(path)? {
            Entry::Missing => Desired::Missing,
            Entry::File {
                content,
                mode,
                uid,
                gid,
            } => Desired::File {
                content: String::from_utf8_lossy(&content).into_owned(),
                mode: FileMode(mode),
                uid: Some(uid),
                gid: Some(gid),
            },
            Entry::Link { target } => Desired::Link(target),
            Entry::Directory => Desired::Other,
        })
    }

    fn account(&mut self, name: &AccountName, user: bool, path: &SysPath) -> Result<Account> {
        let (table, file) = if user {
            (&self.users, "/etc/passwd")
        } else {
            (&self.groups, "/etc/group")
        };
        let id = match table {
            Some(table) => match table.get(name.as_str()) {
                Some(id) => Some(*id),
                None => {
                    return Err(Error::new(ErrorKind::Invalid {
                        message: format!(
                            "{} `{name}` for `{path}` does not exist in `{file}` under `{}`",
                            if user { "user" } else { "group" },
                            self.root.dir().display()
                        ),
                        hint: Some(format!(
                            "create the {} first, or drop `{}`",
                            if user { "user" } else { "group" },
                            if user { "owner" } else { "group" }
                        )),
                    }));
                }
            },
            None => {
                self.warnings.push(format!(
                    "`{file}` is missing under `{}`: {} `{name}` of `{path}` is not set",
                    self.root.dir().display(),
                    if user { "owner" } else { "group" }
                ));
                None
            }
        };
        Ok(Account {
            name: name.to_string(),
            id,
        })
    }

    /// Turn changes into steps (files first, then commands).
    pub fn build(&mut self, planned: Vec<Planned>) -> Result<Vec<Step>> {
        let mut groups: IndexMap<SysPath, Vec<Planned>> = IndexMap::new();
        let mut commands: Vec<(Command, Vec<TaskId>)> = Vec::new();
        for item in planned {
            match &item.change {
                Change::File { path, .. } | Change::Absent { path } | Change::Link { path, .. } => {
                    groups.entry(path.clone()).or_default().push(item);
                }
                Change::Block(block) => groups.entry(block.path.clone()).or_default().push(item),
                Change::TakeOver(takeover) => groups.entry(takeover.path.clone()).or_default().push(item),
                Change::Command(command) => commands.push((command.clone(), item.origins)),
                Change::Service { name, action } => {
                    commands.push((services::resolve(self.facts.init, name, *action), item.origins));
                }
                Change::RestartOnChange { name, files } => {
                    let mut command = services::resolve(self.facts.init, name, crate::change::ServiceAction::Restart);
                    command.guard = Guard::FilesChanged(files.clone());
                    commands.push((command, item.origins));
                }
                Change::Require { package, reason } => {
                    let requirement = Requirement {
                        package: package.clone(),
                        reason: reason.clone(),
                    };
                    if !self.requirements.contains(&requirement) {
                        self.requirements.push(requirement);
                    }
                }
                Change::Warn { message } => {
                    if !self.warnings.contains(message) {
                        self.warnings.push(message.clone());
                    }
                }
            }
        }
        let mut steps = Vec::new();
        for (path, group) in groups {
            if let Some(step) = self.file_step(&path, &group)? {
                steps.push(step);
            }
        }
        for (command, origins) in commands {
            let run = match &command.guard {
                Guard::Always => true,
                Guard::Creates(path) => self.current(path)? == Desired::Missing,
                Guard::Removes(path) => self.current(path)? != Desired::Missing,
                Guard::FilesChanged(paths) => paths.iter().any(|path| self.changed.contains(path)),
            };
            if !run {
                continue;
            }
            for effect in &command.effects {
                match effect {
                    Effect::Link { path, target } => self.overlay.insert(path.clone(), Desired::Link(target.clone())),
                    Effect::Remove { path } => self.overlay.insert(path.clone(), Desired::Missing),
                };
            }
            steps.push(Step {
                action: Action::Run {
                    argv: command.argv,
                    effects: command.effects,
                },
                tasks: origins,
            });
        }
        Ok(steps)
    }

    fn file_step(&mut self, path: &SysPath, group: &[Planned]) -> Result<Option<Step>> {
        let before = self.current(path)?;
        let mut desired = before.clone();
        let mut origins: Vec<TaskId> = Vec::new();
        let mut whole: Option<(&str, Vec<TaskId>)> = None;
        let mut owner = None;
        let mut group_account = None;
        let mut conflicts = Vec::new();
        for item in group {
            origins.extend(&item.origins);
            match &item.change {
                Change::File {
                    content,
                    mode,
                    owner: file_owner,
                    group: file_group,
                    ..
                } => {
                    if let Some((previous, previous_origins)) = &whole
                        && *previous != content.as_str()
                    {
                        return Err(Error::new(ErrorKind::Invalid {
                            message: format!(
                                "tasks {:?} and {:?} write different contents to `{path}`",
                                previous_origins.iter().map(|t| t.0 + 1).collect::<Vec<_>>(),
                                item.origins.iter().map(|t| t.0 + 1).collect::<Vec<_>>()
                            ),
                            hint: Some(
                                "one file, one task: merge them, or use `blockinfile` with different markers".into(),
                            ),
                        }));
                    }
                    whole = Some((content, item.origins.clone()));
                    let uid = match file_owner {
                        Some(name) => {
                            let account = self.account(name, true, path)?;
                            let id = account.id;
                            owner = Some(account);
                            id
                        }
                        None => None,
                    };
                    let gid = match file_group {
                        Some(name) => {
                            let account = self.account(name, false, path)?;
                            let id = account.id;
                            group_account = Some(account);
                            id
                        }
                        None => None,
                    };
                    desired = Desired::File {
                        content: content.clone(),
                        mode: *mode,
                        uid,
                        gid,
                    };
                }
                Change::Block(change) => {
                    let (text, mode, uid, gid) = match &desired {
                        Desired::File {
                            content,
                            mode,
                            uid,
                            gid,
                        } => (Some(content.as_str()), *mode, *uid, *gid),
                        _ => (None, change.mode, None, None),
                    };
                    let mode = if change.enforce_mode { change.mode } else { mode };
                    desired = match block::apply(text, change) {
                        Some(content) => Desired::File {
                            content,
                            mode,
                            uid,
                            gid,
                        },
                        None => Desired::Missing,
                    };
                    conflicts.extend(change.conflicts.iter().cloned());
                }
                Change::TakeOver(takeover) => {
                    if let Desired::File { content, .. } = &mut desired
                        && let Some(done) = crate::takeover::apply(Some(content), takeover)
                    {
                        let lines: Vec<String> = done.lines.iter().map(ToString::to_string).collect();
                        self.warnings.push(format!(
                            "{path}:{}: hostnet takes over the stanza of `{}` ({}): disabled in place, in the block \
                             `{}`; a lease or address it holds now stays until the next boot",
                            done.lines.first().copied().unwrap_or(1),
                            takeover.interface,
                            if lines.len() == 1 {
                                format!("line {}", lines[0])
                            } else {
                                format!("lines {}", lines.join(", "))
                            },
                            takeover.marker()
                        ));
                        *content = done.text;
                    }
                }
                Change::Absent { .. } => desired = Desired::Missing,
                Change::Link { target, .. } => desired = Desired::Link(target.clone()),
                _ => {}
            }
        }
        origins.sort();
        origins.dedup();
        if let Desired::File { content, .. } = &desired {
            for (line_number, line) in block::outside_lines(content) {
                for conflict in &conflicts {
                    if line.trim_start().starts_with(conflict.prefix.as_str()) {
                        self.warnings
                            .push(format!("{path}:{line_number}: `{}`: {}", line.trim(), conflict.message));
                    }
                }
            }
        }
        let same = match (&before, &desired) {
            (
                Desired::File {
                    content: a,
                    mode: ma,
                    uid: ua,
                    gid: ga,
                },
                Desired::File {
                    content: b,
                    mode: mb,
                    uid: ub,
                    gid: gb,
                },
            ) => a == b && ma == mb && (ub.is_none() || ua == ub) && (gb.is_none() || ga == gb),
            (a, b) => a == b,
        };
        if same {
            return Ok(None);
        }
        let action = match (&before, &desired) {
            (_, Desired::File { content, mode, .. }) => {
                let (before_text, before_mode) = match &before {
                    Desired::File { content, mode, .. } => (Some(content.clone()), Some(*mode)),
                    _ => (None, None),
                };
                let diff = diff::unified(path.as_str(), before_text.as_deref().unwrap_or(""), content);
                Action::Write {
                    path: path.clone(),
                    before: before_text,
                    after: content.clone(),
                    mode: *mode,
                    before_mode,
                    owner,
                    group: group_account,
                    diff,
                }
            }
            (_, Desired::Link(target)) => Action::Link {
                path: path.clone(),
                target: target.clone(),
                before: match &before {
                    Desired::Link(old) => Some(old.clone()),
                    _ => None,
                },
            },
            (Desired::File { content, .. }, Desired::Missing) => Action::Remove {
                path: path.clone(),
                before: content.clone(),
                diff: diff::unified(path.as_str(), content, ""),
            },
            (Desired::Link(target), Desired::Missing) => Action::Remove {
                path: path.clone(),
                before: format!("-> {target}"),
                diff: String::new(),
            },
            (_, _) => {
                return Err(Error::new(ErrorKind::Invalid {
                    message: format!("`{path}` is a directory; hostnet manages only files and links there"),
                    hint: None,
                }));
            }
        };
        self.overlay.insert(path.clone(), desired);
        self.changed.insert(path.clone());
        Ok(Some(Step { action, tasks: origins }))
    }
}

fn accounts(root: &Root, file: &str) -> Result<Option<HashMap<String, u32>>> {
    Ok(root.read_text(&SysPath::from_static(file))?.map(|text| {
        text.lines()
            .filter_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                let id = fields.nth(1)?.parse().ok()?;
                Some((name.to_owned(), id))
            })
            .collect()
    }))
}
