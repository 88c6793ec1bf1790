//! Run the plays' tasks in order: variables, `tags`, `loop`, `when`, and the
//! module call for each item. Modules add typed items to the [`HostModel`]
//! or changes to the list; nothing here reads or writes the host.
//!
//! Variable precedence, lowest first: facts (`hostnet_*`) < play `vars` <
//! `vars_files` < task `vars` < loop item < extra vars (`-e`).

use std::path::Path;

use minijinja::Value;
use serde::Serialize;

use crate::change::{Planned, TaskId};
use crate::error::{Error, ErrorKind, Errors, Result, suggest};
use crate::facts::Facts;
use crate::model::HostModel;
use crate::modules::args::Args;
use crate::modules::spec::{SubTask, TaskContext};
use crate::playbook::{Play, Playbook, Task};
use crate::registry::Registry;
use crate::source::Pos;
use crate::template::Templates;
use crate::value::{Arg, Scope, scope_value};
use crate::yaml::{Key, Node};

/// Which tasks run, by tag (`--tags`, `--skip-tags`).
#[derive(Clone, Debug, Default)]
pub struct TagFilter {
    /// Only tasks with one of these tags (empty: all).
    pub only: Vec<String>,
    /// Never tasks with one of these tags.
    pub skip: Vec<String>,
}

impl TagFilter {
    /// Ansible's rules, with `always`, `never`, `all`, `tagged`, `untagged`.
    pub fn selects(&self, tags: &[String]) -> bool {
        let has = |name: &str| tags.iter().any(|tag| tag == name);
        let listed = |list: &[String]| {
            list.iter().any(|wanted| match wanted.as_str() {
                "all" => !has("never"),
                "tagged" => !tags.is_empty() && !has("never"),
                "untagged" => tags.is_empty(),
                other => has(other),
            })
        };
        if !self.skip.is_empty() && listed(&self.skip) {
            return false;
        }
        if has("always") && !self.skip.iter().any(|tag| tag == "always") {
            return true;
        }
        if self.only.is_empty() {
            return !has("never");
        }
        listed(&self.only)
    }
}

/// How a task ended up in the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// It ran for at least one item.
    Ran,
    /// `when` was false for every item, the loop was empty, or tags excluded it.
    Skipped { reason: String },
}

/// One task as run (main tasks and handlers).
#[derive(Clone, Debug)]
pub struct TaskRun {
    /// Its id (index in [`Execution::tasks`]).
    pub id: TaskId,
    /// Index of its play.
    pub play: usize,
    /// The name shown in headers.
    pub name: String,
    /// The module it called.
    pub module: &'static str,
    /// Where it is in the playbook.
    pub pos: Pos,
    /// Ran or skipped.
    pub state: TaskState,
    /// Labels of the loop items it ran for (empty without a loop).
    pub items: Vec<String>,
    /// Handler names it notifies.
    pub notify: Vec<String>,
    /// Is it a handler?
    pub handler: bool,
    /// The task that expanded into this one (`vm_network` → `bridge`, …).
    pub parent: Option<TaskId>,
    /// The module's arguments after templating, once per item it ran for
    /// (`-v`; empty unless the request asks for them).
    pub args: Vec<serde_json::Value>,
}

/// A play as run.
#[derive(Debug)]
pub struct PlayRun {
    /// `PLAY [name]`.
    pub name: String,
    /// The play's variables, for rendering its handlers.
    pub scope: Scope,
}

/// What running the tasks produced.
#[derive(Debug)]
pub struct Execution {
    /// Every task, in order.
    pub tasks: Vec<TaskRun>,
    /// Every play, in order.
    pub plays: Vec<PlayRun>,
    /// The desired network state.
    pub model: HostModel,
    /// Changes asked for directly (generic modules).
    pub changes: Vec<Planned>,
}

/// Inputs that do not come from the playbook.
pub struct Inputs<'a> {
    /// Detected or given facts.
    pub facts: &'a Facts,
    /// `-e` variables, highest precedence.
    pub extra_vars: &'a Scope,
    /// `--tags` / `--skip-tags`.
    pub tags: &'a TagFilter,
    /// The template environment.
    pub templates: &'a Templates,
    /// The backends, for tasks that name one.
    pub registry: &'a Registry,
    /// Keep the templated arguments of each task ([`TaskRun::args`]).
    pub show_args: bool,
}

/// Run every play's tasks (not the handlers; see [`run_handler`]).
pub fn execute(playbook: &Playbook, inputs: &Inputs<'_>) -> Result<Execution, Errors> {
    let base_dir = playbook.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut execution = Execution {
        tasks: Vec::new(),
        plays: Vec::new(),
        model: HostModel::default(),
        changes: Vec::new(),
    };
    for (index, play) in playbook.plays.iter().enumerate() {
        let scope = play_scope(play, inputs)?;
        check_notify(play)?;
        let value = scope_value(&scope);
        for task in &play.tasks {
            run_task(task, index, &value, inputs, &base_dir, &mut execution, false)
                .map_err(|error| error.in_task(&task.display_name()))?;
        }
        execution.plays.push(PlayRun {
            name: play.name.clone().unwrap_or_else(|| play.hosts.clone()),
            scope,
        });
    }
    Ok(execution)
}

/// Run one notified handler of play `play` and return the changes it asks for.
pub fn run_handler(
    playbook: &Playbook,
    play: usize,
    handler: &Task,
    inputs: &Inputs<'_>,
    execution: &mut Execution,
) -> Result<Vec<Planned>> {
    let base_dir = playbook.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let value = scope_value(&execution.plays[play].scope);
    let before = execution.changes.len();
    run_task(handler, play, &value, inputs, &base_dir, execution, true)
        .map_err(|error| error.in_task(&handler.display_name()))?;
    Ok(execution.changes.split_off(before))
}

/// The name a handler is notified by.
pub fn handler_name(handler: &Task) -> String {
    handler.display_name()
}

fn check_notify(play: &Play) -> Result<()> {
    let names: Vec<String> = play.handlers.iter().map(handler_name).collect();
    for task in &play.tasks {
        for (name, pos) in &task.notify {
            if !names.contains(name) {
                return Err(Error::at(
                    pos,
                    ErrorKind::UnknownHandler {
                        name: name.clone(),
                        suggestion: suggest(name, names.iter().map(String::as_str)),
                    },
                ));
            }
        }
    }
    for handler in &play.handlers {
        if !handler.module.handler_ok {
            return Err(Error::invalid(
                &handler.module_key.pos,
                format!("module `{}` cannot be used in a handler", handler.module.name),
                Some(
                    "handlers run after the network is rendered; use `service`, `command`, `file` or `blockinfile`"
                        .into(),
                ),
            ));
        }
    }
    Ok(())
}

fn play_scope(play: &Play, inputs: &Inputs<'_>) -> Result<Scope> {
    let mut scope = inputs.facts.variables();
    for (name, value) in inputs.extra_vars {
        scope.insert(name.clone(), value.clone());
    }
    let layers = std::iter::once(&play.vars).chain(play.vars_files.iter().map(|file| &file.vars));
    for layer in layers {
        define(&mut scope, layer, inputs)?;
    }
    Ok(scope)
}

/// Render `vars` in order into `scope`; extra vars keep precedence.
fn define(scope: &mut Scope, vars: &[(Key, Node)], inputs: &Inputs<'_>) -> Result<()> {
    for (key, node) in vars {
        if inputs.extra_vars.contains_key(&key.name) {
            continue;
        }
        let value = inputs.templates.render(node, &scope_value(scope))?.to_value();
        scope.insert(key.name.clone(), value);
    }
    Ok(())
}

/// The most items a `loop` may have (a host with more devices than this is
/// not one hostnet configures; a runaway expression is stopped here).
pub const MAX_LOOP_ITEMS: usize = 10_000;

/// Run a task (for every loop item) and record it, followed by any subtasks it expanded into.
fn run_task(
    task: &Task,
    play: usize,
    play_scope: &Value,
    inputs: &Inputs<'_>,
    base_dir: &Path,
    execution: &mut Execution,
    handler: bool,
) -> Result<()> {
    let id = TaskId(execution.tasks.len());
    let mut run = TaskRun {
        id,
        play,
        name: task.display_name(),
        module: task.module.name,
        pos: task.pos.clone(),
        state: TaskState::Ran,
        items: Vec::new(),
        notify: task.notify.iter().map(|(name, _)| name.clone()).collect(),
        handler,
        parent: None,
        args: Vec::new(),
    };
    if !handler && !inputs.tags.selects(&task.tags) {
        run.state = TaskState::Skipped {
            reason: "excluded by tags".into(),
        };
        execution.tasks.push(run);
        return Ok(());
    }
    // Reserve the task's slot so subtasks get the ids after it.
    execution.tasks.push(run.clone());
    let mut subtasks = Vec::new();
    let items: Option<Vec<Value>> = match &task.loop_items {
        None => None,
        Some(node) => {
            let arg = inputs.templates.render(node, play_scope)?;
            let items = arg.items("a list to loop over")?;
            if items.len() > MAX_LOOP_ITEMS {
                return Err(Error::invalid(
                    &node.pos,
                    format!(
                        "the loop has {} items; hostnet runs a task for at most {MAX_LOOP_ITEMS}",
                        items.len()
                    ),
                    Some("a host has far fewer devices: check the expression".into()),
                ));
            }
            Some(items.iter().map(Arg::to_value).collect())
        }
    };
    let mut ran = 0;
    let iterations: Vec<Option<Value>> = match items {
        None => vec![None],
        Some(items) => items.into_iter().map(Some).collect(),
    };
    let empty_loop = iterations.is_empty();
    for item in iterations {
        let mut scope: Scope = scope_map(play_scope);
        if let Some(item) = &item {
            scope.insert(task.loop_var.clone(), item.clone());
        }
        for (key, node) in &task.vars {
            if inputs.extra_vars.contains_key(&key.name) || key.name == task.loop_var && item.is_some() {
                continue;
            }
            let value = inputs.templates.render(node, &scope_value(&scope))?.to_value();
            scope.insert(key.name.clone(), value);
        }
        let value = scope_value(&scope);
        let mut selected = true;
        for condition in &task.when {
            if !inputs.templates.condition(condition, &value)? {
                selected = false;
                break;
            }
        }
        if !selected {
            continue;
        }
        if let Some(item) = &item {
            let label = match &task.loop_label {
                Some(node) => inputs.templates.render(node, &value)?.to_value().to_string(),
                None => item.to_string(),
            };
            run.items.push(label);
        }
        let arg = inputs.templates.render(&task.args, &value)?;
        if inputs.show_args {
            run.args.push(shown(&arg));
        }
        let call = Call {
            module: task.module,
            task: id,
            pos: &task.pos,
            scope: &value,
        };
        subtasks.extend(call.run(arg, inputs, base_dir, execution)?);
        ran += 1;
    }
    if ran == 0 {
        run.state = TaskState::Skipped {
            reason: if empty_loop {
                "the loop is empty".into()
            } else {
                "condition false".into()
            },
        };
    }
    let notify = run.notify.clone();
    execution.tasks[id.0] = run;
    for subtask in subtasks {
        run_subtask(
            subtask,
            id,
            play,
            &notify,
            handler,
            task.pos.clone(),
            inputs,
            base_dir,
            execution,
        )?;
    }
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "a subtask inherits its parent's context")]
fn run_subtask(
    subtask: SubTask,
    parent: TaskId,
    play: usize,
    notify: &[String],
    handler: bool,
    pos: Pos,
    inputs: &Inputs<'_>,
    base_dir: &Path,
    execution: &mut Execution,
) -> Result<()> {
    let id = TaskId(execution.tasks.len());
    let parent_name = execution.tasks[parent.0].name.clone();
    let SubTask {
        name: subtask_name,
        module,
        pending,
    } = subtask;
    let args = if inputs.show_args {
        vec![pending.shown()]
    } else {
        Vec::new()
    };
    execution.tasks.push(TaskRun {
        id,
        play,
        name: format!("{parent_name} › {subtask_name}"),
        module: module.name,
        pos: pos.clone(),
        state: TaskState::Ran,
        items: Vec::new(),
        notify: notify.to_vec(),
        handler,
        parent: Some(parent),
        args,
    });
    let value = Value::from(());
    let call = Call {
        module,
        task: id,
        pos: &pos,
        scope: &value,
    };
    let mut context = call.context(inputs, base_dir, execution);
    pending.add(&mut context)?;
    debug_assert!(context.subtasks.is_empty(), "subtasks do not expand further");
    Ok(())
}

/// One module call: its arguments are read, checked for unknown keys, and
/// the subtasks it asked for are returned.
struct Call<'a> {
    module: &'static crate::modules::Module,
    task: TaskId,
    pos: &'a Pos,
    scope: &'a Value,
}

impl<'a> Call<'a> {
    /// What the module sees for this call.
    fn context(&self, inputs: &Inputs<'a>, base_dir: &'a Path, execution: &'a mut Execution) -> TaskContext<'a> {
        TaskContext {
            task: self.task,
            pos: self.pos.clone(),
            facts: inputs.facts,
            model: &mut execution.model,
            changes: &mut execution.changes,
            base_dir,
            templates: inputs.templates,
            registry: inputs.registry,
            scope: self.scope,
            subtasks: Vec::new(),
        }
    }

    fn run(
        self,
        arg: Arg,
        inputs: &Inputs<'a>,
        base_dir: &'a Path,
        execution: &'a mut Execution,
    ) -> Result<Vec<SubTask>> {
        let mut args = Args::new(self.module.name, self.module.context, self.module.args, arg)?;
        let mut context = self.context(inputs, base_dir, execution);
        (self.module.run)(&mut args, &mut context)?;
        args.finish()?;
        Ok(context.subtasks)
    }
}

/// Templated arguments as data, for `-v`.
fn shown(arg: &Arg) -> serde_json::Value {
    serde_json::to_value(arg.to_value()).unwrap_or(serde_json::Value::Null)
}

fn scope_map(value: &Value) -> Scope {
    let mut scope = Scope::new();
    if let Ok(keys) = value.try_iter() {
        for key in keys {
            let item = value.get_item(&key).unwrap_or_default();
            scope.insert(key.to_string(), item);
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|tag| (*tag).to_owned()).collect()
    }

    #[test]
    fn tag_selection_follows_ansible() {
        let all = TagFilter::default();
        assert!(all.selects(&[]));
        assert!(!all.selects(&tags(&["never"])));
        let only = TagFilter {
            only: tags(&["dhcp"]),
            skip: Vec::new(),
        };
        assert!(only.selects(&tags(&["dhcp", "net"])));
        assert!(!only.selects(&tags(&["net"])));
        assert!(!only.selects(&[]));
        assert!(only.selects(&tags(&["always"])));
        let skip = TagFilter {
            only: Vec::new(),
            skip: tags(&["net"]),
        };
        assert!(!skip.selects(&tags(&["net"])));
        assert!(skip.selects(&tags(&["dhcp"])));
        let never = TagFilter {
            only: tags(&["never"]),
            skip: Vec::new(),
        };
        assert!(never.selects(&tags(&["never"])));
    }
}
