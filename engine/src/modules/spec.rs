//! What a module is (its name, documentation, argument spec and `run`) and
//! what it sees while it runs for one loop item (the task, the facts, the
//! model to add items to, and the changes to ask for).

use std::path::Path;

use minijinja::Value;

use crate::change::{Change, Planned, TaskId};
use crate::error::Result;
use crate::facts::Facts;
use crate::model::{HostModel, Origin};
use crate::modules::args::{ArgSpec, Args};
use crate::registry::Registry;
use crate::source::Pos;
use crate::template::Templates;

/// A module: its name, documentation and arguments, and what it does.
#[derive(Debug)]
pub struct Module {
    /// The key users write in a task.
    pub name: &'static str,
    /// `"`bridge` arguments"`: how messages refer to its arguments.
    pub context: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Longer documentation (Markdown).
    pub doc: &'static str,
    /// Its arguments.
    pub args: &'static [ArgSpec],
    /// Whether handlers may use it (generic modules only).
    pub handler_ok: bool,
    /// Run it for one loop item: read `args`, add to the model or the changes.
    pub run: fn(&mut Args, &mut TaskContext<'_>) -> Result<()>,
}

impl Module {
    /// The spec of an argument, by name or alias.
    pub fn arg(&self, name: &str) -> Option<&'static ArgSpec> {
        self.args
            .iter()
            .find(|spec| spec.name == name || spec.aliases.contains(&name))
    }

    /// How messages refer to this module's arguments.
    pub fn context(&self) -> &'static str {
        self.context
    }
}

/// What a module sees while it runs for one item.
pub struct TaskContext<'a> {
    /// The task.
    pub task: TaskId,
    /// Where the task is.
    pub pos: Pos,
    /// Detected facts.
    pub facts: &'a Facts,
    /// The desired network state, to add items to.
    pub model: &'a mut HostModel,
    /// Changes asked for directly.
    pub changes: &'a mut Vec<Planned>,
    /// The playbook's directory (for `src:` templates).
    pub base_dir: &'a Path,
    /// The template environment.
    pub templates: &'a Templates,
    /// The backends, for tasks that name one.
    pub registry: &'a Registry,
    /// The variables in scope.
    pub scope: &'a Value,
    /// Low-level tasks this task expands into (run after it, each shown as a task of its own).
    pub subtasks: Vec<SubTask>,
}

/// A low-level task a high-level module expands into: typed arguments that
/// keep the positions the user wrote, added to the model by the same code as
/// the low-level module's own tasks. Shown in the plan as a task of its own.
pub struct SubTask {
    /// Shown as `TASK [parent › name]`.
    pub name: String,
    /// The module it stands for.
    pub module: &'static Module,
    /// Its typed arguments and the module's code that adds them.
    pub pending: Box<dyn Pending>,
}

/// A subtask's typed arguments, not yet added to the model.
pub trait Pending {
    /// The arguments as data, for `-v` (what the module was asked for).
    fn shown(&self) -> serde_json::Value;
    /// Add its items to the model, as its module would, with its own task in `context`.
    fn add(self: Box<Self>, context: &mut TaskContext<'_>) -> Result<()>;
}

/// [`Pending`] for a module's own argument type.
struct Typed<A> {
    args: A,
    add: fn(A, &mut TaskContext<'_>) -> Result<()>,
}

impl<A: serde::Serialize> Pending for Typed<A> {
    fn shown(&self) -> serde_json::Value {
        serde_json::to_value(&self.args).unwrap_or(serde_json::Value::Null)
    }

    fn add(self: Box<Self>, context: &mut TaskContext<'_>) -> Result<()> {
        (self.add)(self.args, context)
    }
}

impl SubTask {
    /// A subtask `module label` that adds `args` with `add` (the module's own code).
    pub fn new<A: serde::Serialize + 'static>(
        module: &'static Module,
        label: impl std::fmt::Display,
        args: A,
        add: fn(A, &mut TaskContext<'_>) -> Result<()>,
    ) -> Self {
        Self {
            name: format!("{} {label}", module.name),
            module,
            pending: Box::new(Typed { args, add }),
        }
    }
}

impl std::fmt::Debug for SubTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubTask")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TaskContext<'_> {
    /// Ask for a change.
    pub fn change(&mut self, change: Change) {
        self.changes.push(Planned::new(change, self.task));
    }

    /// The origin of an item this task adds, at `pos`.
    pub fn origin(&self, pos: &Pos) -> Origin {
        Origin {
            task: self.task,
            pos: pos.clone(),
        }
    }
}
