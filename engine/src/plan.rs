//! The plan: every real change, attributed to the task that caused it.
//!
//! Built by comparing what the tasks and backends ask for with what is under
//! the root now. Files are merged per path (whole files, managed blocks,
//! links), kept only when they differ; commands are kept when their guard
//! says so. A file shows under the first task that contributed to it, a
//! command under the last, so files are always written before the commands
//! that use them. Plan never mutates anything.

use foldhash::{HashMap, HashSet};

use indexmap::IndexMap;
use serde::Serialize;

use crate::block::{self, FenceError};
use crate::change::{Block, Change, Command, Conflict, Effect, Guard, Planned, TakeOver, TaskId, Undo};
use crate::diff;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::root::{Entry, Follow, Root, SysPath};
use crate::services;
use crate::source::{Pos, Source};
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
    /// On the live root: what the live host must look like after the run
    /// (verify after apply); not part of the JSON plan.
    #[serde(skip)]
    pub expectation: Option<crate::live::runtime::Expectation>,
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
        before: Option<Content>,
        after: Content,
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
    Run {
        argv: Vec<String>,
        effects: Vec<Effect>,
        /// How a rollback undoes it on a live root (not part of the JSON plan).
        #[serde(skip)]
        undo: Undo,
        /// Its standard input (`ip -batch -`: the operations).
        #[serde(skip_serializing_if = "Option::is_none")]
        input: Option<String>,
    },
    /// Remove a directory a run created, if it is empty (rollback only).
    RemoveDir { path: SysPath },
}

/// A file's bytes, exactly (whatever their encoding); shown and serialised
/// as text, with invalid UTF-8 as U+FFFD, but written as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content(pub Vec<u8>);

impl Content {
    /// The bytes as text, for display (invalid UTF-8 as U+FFFD).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl Serialize for Content {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// How a plan is built: to apply to its root, or to render its files elsewhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// Only real changes (plan, apply).
    #[default]
    Apply,
    /// Every file the playbook manages, changed or not, and every command
    /// effect (`hostnet render`: the tree a host would have after apply).
    Render,
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
        content: Vec<u8>,
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
    purpose: Purpose,
    /// Packages asked for.
    pub requirements: Vec<Requirement>,
    /// Warnings found while merging.
    pub warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    /// A builder for this root.
    pub fn new(root: &'a Root, facts: &'a Facts) -> Result<Self> {
        Self::for_purpose(root, facts, Purpose::Apply)
    }

    /// A builder for this root and purpose.
    pub fn for_purpose(root: &'a Root, facts: &'a Facts, purpose: Purpose) -> Result<Self> {
        let mut warnings = Vec::new();
        let mut changed = HashSet::default();
        // Paths a failed or interrupted run wrote: the commands that depend on them run again.
        if purpose == Purpose::Apply {
            changed.extend(crate::runs::pending(root)?);
        }
        if !changed.is_empty() {
            warnings.push(format!(
                "a previous apply failed part way: the commands for {} file(s) it wrote run again",
                changed.len()
            ));
        }
        Ok(Self {
            root,
            facts,
            overlay: HashMap::default(),
            changed,
            users: accounts(root, "/etc/passwd")?,
            groups: accounts(root, "/etc/group")?,
            purpose,
            requirements: Vec::new(),
            warnings,
        })
    }

    /// Treat `paths` as changed by this plan: the commands that load them
    /// run even if the files are as wanted (the live state lost what they load).
    pub fn treat_as_changed(&mut self, paths: impl IntoIterator<Item = SysPath>) {
        self.changed.extend(paths);
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
                content,
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

    /// Where a file hostnet reads or edits really is: a managed file that is
    /// a link is edited at its target, inside the root (chroot semantics).
    fn file_target(&mut self, path: &SysPath) -> Result<SysPath> {
        if self.overlay.contains_key(path) {
            return Ok(path.clone());
        }
        let target = self.root.resolve(path, Follow::Yes)?;
        if target != *path && matches!(self.root.entry(path)?, Entry::Link { .. }) {
            self.warnings.push(format!(
                "`{path}` is a symbolic link: hostnet edits its target `{target}`"
            ));
        }
        Ok(target)
    }

    /// Turn changes into steps (files first, then commands).
    pub fn build(&mut self, planned: Vec<Planned>) -> Result<Vec<Step>> {
        let mut groups: IndexMap<SysPath, Vec<Planned>, foldhash::fast::RandomState> = IndexMap::default();
        let mut aliases: Vec<(SysPath, SysPath)> = Vec::new();
        let mut commands: Vec<(Command, Undo, Option<String>, Vec<TaskId>)> = Vec::new();
        let mut prunes: Vec<(SysPath, String, Vec<TaskId>)> = Vec::new();
        let unloads: HashMap<Vec<SysPath>, crate::change::Unload> = planned
            .iter()
            .filter_map(|item| match &item.change {
                Change::Unload { files, unload } => Some((files.clone(), unload.clone())),
                _ => None,
            })
            .collect();
        for item in planned {
            match &item.change {
                Change::Prune { dir, prefix } => prunes.push((dir.clone(), prefix.clone(), item.origins.clone())),
                Change::Unload { .. } => {}
                Change::ReloadOnChange { name, dirs, unless } => {
                    let mut command = services::resolve(self.facts.init, name, crate::change::ServiceAction::Reload);
                    command.guard = Guard::ChangedUnder {
                        dirs: dirs.clone(),
                        unless: unless.clone(),
                    };
                    commands.push((
                        command,
                        Undo::Rerun {
                            files: Vec::new(),
                            unload: None,
                        },
                        None,
                        item.origins,
                    ));
                }
                Change::Absent { path } | Change::Link { path, .. } => {
                    groups
                        .entry(path.clone())
                        .or_insert_with(|| Vec::with_capacity(1))
                        .push(item);
                }
                Change::File { path, .. }
                | Change::Block(Block { path, .. })
                | Change::TakeOver(TakeOver { path, .. }) => {
                    let target = self.file_target(path)?;
                    if target != *path {
                        aliases.push((path.clone(), target.clone()));
                    }
                    groups.entry(target).or_insert_with(|| Vec::with_capacity(1)).push(item);
                }
                Change::Command(command) => {
                    let undo = match &command.guard {
                        Guard::FilesChanged(files) => Undo::Rerun {
                            files: files.clone(),
                            unload: unloads.get(files).cloned(),
                        },
                        Guard::ChangedUnder { .. } => Undo::Rerun {
                            files: Vec::new(),
                            unload: None,
                        },
                        _ => Undo::None,
                    };
                    commands.push((command.clone(), undo, None, item.origins));
                }
                Change::Live { argv, input, undo } => {
                    let command = Command {
                        argv: argv.clone(),
                        guard: Guard::Always,
                        effects: Vec::new(),
                    };
                    let undo = undo.as_ref().map_or(Undo::None, |(argv, input)| Undo::Run {
                        argv: argv.clone(),
                        input: input.clone(),
                    });
                    commands.push((command, undo, input.clone(), item.origins));
                }
                Change::Service { name, action } => {
                    let undo = services::undo(self.facts.init, name, *action);
                    commands.push((
                        services::resolve(self.facts.init, name, *action),
                        undo,
                        None,
                        item.origins,
                    ));
                }
                Change::RestartOnChange { name, files } => {
                    let mut command = services::resolve(self.facts.init, name, crate::change::ServiceAction::Restart);
                    command.guard = Guard::FilesChanged(files.clone());
                    commands.push((
                        command,
                        Undo::Rerun {
                            files: files.clone(),
                            unload: None,
                        },
                        None,
                        item.origins,
                    ));
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
        // What hostnet wrote before and no task declares now goes.
        for (dir, prefix, origins) in prunes {
            for name in self.root.list(&dir)? {
                if !name.starts_with(prefix.as_str()) || name.starts_with(".hostnet-") {
                    continue;
                }
                let Ok(path) = SysPath::new(&format!("{dir}/{name}")) else {
                    continue;
                };
                if !groups.contains_key(&path)
                    && matches!(self.current(&path)?, Desired::File { .. } | Desired::Link(_))
                {
                    groups
                        .entry(path.clone())
                        .or_default()
                        .push(Planned::from_tasks(Change::Absent { path }, origins.iter().copied()));
                }
            }
        }
        let mut steps = Vec::with_capacity(groups.len() + commands.len());
        for (path, group) in groups {
            if let Some(step) = self.file_step(&path, &group)? {
                steps.push(step);
            }
        }
        // A command that depends on a link hostnet edited the target of depends on the target.
        for (link, target) in aliases {
            if self.changed.contains(&target) {
                self.changed.insert(link);
            }
        }
        let render = self.purpose == Purpose::Render;
        for (command, undo, input, origins) in commands {
            let run = match &command.guard {
                Guard::Always => true,
                Guard::Creates(path) => render || self.current(path)? == Desired::Missing,
                Guard::Removes(path) => render || self.current(path)? != Desired::Missing,
                Guard::FilesChanged(paths) => render || paths.iter().any(|path| self.changed.contains(path)),
                Guard::ChangedUnder { dirs, unless } => {
                    if render {
                        unless.is_empty()
                    } else {
                        !unless.iter().any(|path| self.changed.contains(path))
                            && self.changed.iter().any(|path| {
                                dirs.iter()
                                    .any(|dir| path.as_str().starts_with(&format!("{}/", dir.as_str())))
                            })
                    }
                }
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
                    undo,
                    input,
                },
                tasks: origins,
            });
        }
        Ok(steps)
    }

    /// The fence error `error` in the file at `path` (content `text`), at its line.
    fn fence_error(&self, path: &SysPath, text: &[u8], error: FenceError) -> Error {
        let source = Source::new(self.root.host_path(path), String::from_utf8_lossy(text).into_owned());
        Error::at(
            &Pos::new(&source, u32::try_from(error.line).unwrap_or(u32::MAX), 1),
            ErrorKind::Invalid {
                message: format!("cannot edit `{path}`: {}", error.message),
                hint: Some(error.hint),
            },
        )
    }

    fn file_step(&mut self, path: &SysPath, group: &[Planned]) -> Result<Option<Step>> {
        let before = self.current(path)?;
        if before == Desired::Other {
            return Err(Error::new(ErrorKind::Invalid {
                message: format!(
                    "`{path}` is a directory under `{}`; hostnet manages only files and links there",
                    self.root.dir().display()
                ),
                hint: Some("move the directory away, or manage another path".into()),
            }));
        }
        if let Desired::File { content, .. } = &before
            && group
                .iter()
                .any(|item| matches!(item.change, Change::Block(_) | Change::TakeOver(_)))
        {
            block::check(content).map_err(|error| self.fence_error(path, content, error))?;
        }
        let mut desired = before.clone();
        let mut origins: Vec<TaskId> = Vec::new();
        let mut whole: Option<(&str, Vec<TaskId>)> = None;
        let mut markers: Vec<(&Block, &[TaskId])> = Vec::new();
        let mut owner = None;
        let mut group_account = None;
        let mut conflicts: Vec<&Conflict> = Vec::new();
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
                        content: content.clone().into_bytes(),
                        mode: *mode,
                        uid,
                        gid,
                    };
                }
                Change::Block(change) => {
                    if let Some((previous, previous_origins)) =
                        markers.iter().find(|(previous, _)| previous.marker == change.marker)
                        && (previous.content != change.content || previous.present != change.present)
                    {
                        let mut both = [
                            previous_origins.iter().map(|t| t.0 + 1).collect::<Vec<_>>(),
                            item.origins.iter().map(|t| t.0 + 1).collect::<Vec<_>>(),
                        ];
                        both.sort();
                        return Err(Error::new(ErrorKind::Invalid {
                            message: format!(
                                "tasks {:?} and {:?} both want the block `{}` in `{path}`, with different contents",
                                both[0], both[1], change.marker,
                            ),
                            hint: Some(
                                "one block per marker: give the `blockinfile` task another `marker` (hostnet's backends own the markers they write)"
                                    .into(),
                            ),
                        }));
                    }
                    markers.push((change, &item.origins));
                    let (text, mode, uid, gid) = match &desired {
                        Desired::File {
                            content,
                            mode,
                            uid,
                            gid,
                        } => (Some(content.as_slice()), *mode, *uid, *gid),
                        _ => (None, change.mode, None, None),
                    };
                    let mode = if change.enforce_mode { change.mode } else { mode };
                    let applied = block::apply(text, change)
                        .map_err(|error| self.fence_error(path, text.unwrap_or_default(), error))?;
                    desired = match applied {
                        Some(content) => Desired::File {
                            content,
                            mode,
                            uid,
                            gid,
                        },
                        None => Desired::Missing,
                    };
                    conflicts.extend(change.conflicts.iter());
                }
                Change::TakeOver(takeover) => {
                    if let Desired::File { content, .. } = &mut desired
                        && let Some(done) = crate::takeover::apply(Some(content.as_slice()), takeover)
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
        if let Desired::File { content, .. } = &desired
            && !conflicts.is_empty()
        {
            let conflicts = Conflicts::new(&conflicts);
            for (line_number, line) in block::outside_lines(content) {
                for conflict in conflicts.of(line.trim_start()) {
                    self.warnings
                        .push(format!("{path}:{line_number}: `{}`: {}", line.trim(), conflict.message));
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
        if same && self.purpose == Purpose::Apply {
            return Ok(None);
        }
        let action = match (&before, &desired) {
            // A directory where a file, link or nothing should be was refused above.
            (Desired::Other, _) => unreachable!("a directory at `{path}` is refused before"),
            (_, Desired::File { content, mode, .. }) => {
                let (before_content, before_mode) = match &before {
                    Desired::File { content, mode, .. } => (Some(Content(content.clone())), Some(*mode)),
                    _ => (None, None),
                };
                let before_text = before_content.as_ref().map(Content::text);
                let diff = diff::unified(
                    path.as_str(),
                    before_text.as_deref().unwrap_or(""),
                    &String::from_utf8_lossy(content),
                );
                Action::Write {
                    path: path.clone(),
                    before: before_content,
                    after: Content(content.clone()),
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
            (Desired::File { content, .. }, Desired::Missing) => {
                let text = String::from_utf8_lossy(content).into_owned();
                Action::Remove {
                    path: path.clone(),
                    diff: diff::unified(path.as_str(), &text, ""),
                    before: text,
                }
            }
            (Desired::Link(target), Desired::Missing) => Action::Remove {
                path: path.clone(),
                before: format!("-> {target}"),
                diff: String::new(),
            },
            (_, _) => return Ok(None),
        };
        self.overlay.insert(path.clone(), desired);
        self.changed.insert(path.clone());
        Ok(Some(Step { action, tasks: origins }))
    }
}

/// A block's conflicts by prefix, so a line is checked with one look-up per
/// prefix length instead of against every conflict.
struct Conflicts<'c> {
    all: &'c [&'c Conflict],
    by_prefix: HashMap<&'c str, Vec<usize>>,
    lengths: Vec<usize>,
}

impl<'c> Conflicts<'c> {
    fn new(all: &'c [&'c Conflict]) -> Self {
        let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::default();
        for (index, conflict) in all.iter().enumerate() {
            by_prefix.entry(conflict.prefix.as_str()).or_default().push(index);
        }
        let mut lengths: Vec<usize> = by_prefix.keys().map(|prefix| prefix.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        Self {
            all,
            by_prefix,
            lengths,
        }
    }

    /// The conflicts whose prefix starts `line`, in their order.
    fn of(&self, line: &str) -> Vec<&'c Conflict> {
        let mut found: Vec<usize> = self
            .lengths
            .iter()
            .take_while(|&&length| length <= line.len())
            .filter(|&&length| line.is_char_boundary(length))
            .filter_map(|&length| self.by_prefix.get(&line[..length]))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.into_iter().map(|index| self.all[index]).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_by_prefix_match_as_a_scan_would() {
        let conflict = |prefix: &str, message: &'static str| Conflict {
            prefix: prefix.into(),
            message: message.into(),
        };
        let all = [
            conflict("config_br0=", "a"),
            conflict("config_br0_x=", "b"),
            conflict("bridge_br0=", "c"),
            conflict("config_br0=", "d"),
            conflict("é=", "e"),
        ];
        let all: Vec<&Conflict> = all.iter().collect();
        let conflicts = Conflicts::new(&all);
        for line in [
            "config_br0=\"x\"",
            "config_br0_x=1",
            "bridge_br0=",
            "bridge_br",
            "é=1",
            "",
            "c",
        ] {
            let scan: Vec<&str> = all
                .iter()
                .filter(|c| line.starts_with(c.prefix.as_str()))
                .map(|c| c.message.as_ref())
                .collect();
            let found: Vec<&str> = conflicts.of(line).iter().map(|c| c.message.as_ref()).collect();
            assert_eq!(found, scan, "{line}");
        }
        assert_eq!(conflicts.of("config_br0=1").len(), 2);
    }
}
