//! What a task or a backend asks for: files, blocks, links, commands and
//! service actions. Pure data; the plan decides which are real changes, and
//! only `apply.rs` carries them out.

use serde::Serialize;

use crate::root::SysPath;
use crate::types::{AccountName, FileMode, InterfaceName};

/// Index of a task in the run (see [`crate::execute::TaskRun`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TaskId(pub usize);

/// A change with the tasks that asked for it.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The change.
    pub change: Change,
    /// Tasks whose items went into it (at least one).
    pub origins: Vec<TaskId>,
}

impl Planned {
    /// A change from one task.
    pub fn new(change: Change, origin: TaskId) -> Self {
        Self {
            change,
            origins: vec![origin],
        }
    }

    /// A change from several tasks (sorted, deduplicated).
    pub fn from_tasks(change: Change, origins: impl IntoIterator<Item = TaskId>) -> Self {
        let mut origins: Vec<TaskId> = origins.into_iter().collect();
        origins.sort();
        origins.dedup();
        Self { change, origins }
    }
}

/// Something wanted on the host.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A whole file owned by hostnet.
    File {
        path: SysPath,
        content: String,
        mode: FileMode,
        owner: Option<AccountName>,
        group: Option<AccountName>,
    },
    /// A fenced block inside a file shared with the user; text outside the
    /// block is never touched.
    Block(Block),
    /// The user's ifupdown stanzas for a device hostnet configures,
    /// disabled in place inside a block of their own (`takeover.rs`).
    TakeOver(TakeOver),
    /// Nothing at this path (a file or link hostnet removes).
    Absent { path: SysPath },
    /// A symbolic link.
    Link { path: SysPath, target: String },
    /// A command, run without a shell.
    Command(Command),
    /// A service action, resolved for the host's init system by the engine.
    Service { name: String, action: ServiceAction },
    /// Restart a service now, but only if the plan changes one of `files`
    /// (its configuration); resolved for the host's init system.
    RestartOnChange { name: String, files: Vec<SysPath> },
    /// Reload a service (it re-reads what changed, keeps running) if the plan
    /// changes anything under one of `dirs` and none of `unless` (a restart
    /// on those files covers it); resolved for the init system.
    ReloadOnChange {
        name: String,
        dirs: Vec<SysPath>,
        unless: Vec<SysPath>,
    },
    /// How a rollback of a run that created `files` (and loaded them with a
    /// command guarded by them) takes back what they set up: hostnet's
    /// chains deleted, its nftables table dropped.
    Unload { files: Vec<SysPath>, unload: Unload },
    /// hostnet owns the files in `dir` whose names start with `prefix`: those
    /// the plan does not write are removed (what a playbook no longer declares).
    Prune { dir: SysPath, prefix: String },
    /// A package the rendered files need on the host (shown in the plan).
    Require { package: String, reason: String },
    /// Something the user must know about the host (shown in the plan's
    /// warnings): another tool that manages the same devices, a firewall
    /// that drops the guests' traffic.
    Warn { message: String },
    /// Operations on the live host (`ip -batch -` with the operations as
    /// input, `sysctl -w k=v`), computed from the live state on the live
    /// root: they always run when planned; `undo` (the inverse operations,
    /// with their input) is what a rollback runs.
    Live {
        argv: Vec<String>,
        input: Option<String>,
        undo: Option<(Vec<String>, Option<String>)>,
    },
}

/// A managed block: `# BEGIN hostnet MARKER` … `# END hostnet MARKER`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The file.
    pub path: SysPath,
    /// Marker text after `BEGIN hostnet ` / `END hostnet `.
    pub marker: String,
    /// The block's lines (without fences); empty with `present: false`.
    pub content: String,
    /// `false` removes the block.
    pub present: bool,
    /// Where a new block goes.
    pub placement: Placement,
    /// Mode of the file if the block creates it (and always, with `enforce_mode`).
    pub mode: FileMode,
    /// Give an existing file `mode` too (e.g. a hook script that must be executable).
    pub enforce_mode: bool,
    /// Lines outside the block that contradict it: a line starting with the
    /// prefix gets the warning.
    pub conflicts: Vec<Conflict>,
    /// If the user's part of the file already has this exact line (ignoring
    /// surrounding blanks), the block is not needed and is left out.
    pub unless_present: Option<String>,
}

/// Stanzas of the user's `/etc/network/interfaces` to take over.
#[derive(Clone, Debug, PartialEq)]
pub struct TakeOver {
    /// The file.
    pub path: SysPath,
    /// The device whose `auto`/`allow-*`/`iface` lines are taken.
    pub interface: InterfaceName,
    /// Why, the block's first line (a comment).
    pub note: String,
}

impl TakeOver {
    /// The block's marker.
    pub fn marker(&self) -> String {
        format!("takeover {}", self.interface)
    }
}

/// A user line that contradicts a managed block.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// Lines starting with this (after leading blanks) are reported.
    pub prefix: String,
    /// Why (most are fixed texts, shared by every device they are about).
    pub message: std::borrow::Cow<'static, str>,
}

/// Where a new block is inserted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// At the end of the file.
    End,
    /// At the beginning of the file.
    Start,
    /// Before the first line that starts with the text (else at the end).
    Before(String),
    /// Inside the section that starts at the line `header` (an
    /// iptables-restore table such as `*filter`), after the section's chain
    /// declarations; where the file has no such section, the block holds a
    /// whole one (`header`, the content, `footer`) at the end of the file.
    Section { header: String, footer: String },
}

/// A command and when it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The argv, first element the program.
    pub argv: Vec<String>,
    /// When it runs.
    pub guard: Guard,
    /// Files the command creates or removes, materialised instead of running
    /// it when the root is not `/` (so a second plan sees them).
    pub effects: Vec<Effect>,
}

/// When a command runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    /// Every time.
    Always,
    /// Only if this path does not exist yet.
    Creates(SysPath),
    /// Only if this path exists.
    Removes(SysPath),
    /// Only if the plan changes one of these files.
    FilesChanged(Vec<SysPath>),
    /// Only if the plan changes something under one of `dirs` and none of
    /// `unless` (a reload a restart on those files makes redundant).
    ChangedUnder { dirs: Vec<SysPath>, unless: Vec<SysPath> },
}

/// How a rollback undoes a command a live run executed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Undo {
    /// It cannot be undone (a `command` task, a one-off load): rollback says so.
    #[default]
    None,
    /// Run this command (`rc-update del` for an `rc-update add` that ran),
    /// with this standard input (`ip -batch -` and the inverse operations).
    Run {
        argv: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<String>,
    },
    /// Run the same command again once the files are restored (a reload or
    /// restart that makes the restored configuration take effect); when one
    /// of `files` is gone after the restore (the run created it), `unload`
    /// instead, or nothing.
    Rerun {
        files: Vec<SysPath>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unload: Option<Unload>,
    },
}

/// How to take back what loading a file set up in the live state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Unload {
    /// The command.
    pub argv: Vec<String>,
    /// Its standard input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// A file-system effect of a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// A symbolic link appears.
    Link { path: SysPath, target: String },
    /// The path disappears.
    Remove { path: SysPath },
}

/// What to do with a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceAction {
    Enable,
    Disable,
    Start,
    Stop,
    Restart,
    Reload,
}
