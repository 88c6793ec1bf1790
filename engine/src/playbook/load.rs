//! Read a playbook file into [`Playbook`]: strict keys, positions everywhere.
//!
//! Unknown keys are errors with a "did you mean" hint; an Ansible keyword
//! hostnet does not take says why (`keys::ANSIBLE_ONLY`); a task must name
//! exactly one module. The keys come from `keys.rs`, which `hostnet schema`
//! reads too. Nothing here templates anything.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result, suggest};
use crate::modules::{self, Module};
use crate::playbook::keys::{self, LoopControlKey, PlayKey, TaskKey};
use crate::playbook::{Play, Playbook, Task, VarsFile};
use crate::root::read_source;
use crate::yaml::{self, Key, Node, NodeValue};

/// Load and check the structure of a playbook file.
pub fn load(path: &Path) -> Result<Playbook> {
    let source = read_source(path)?;
    let document = yaml::parse(&source)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let plays = match &document.value {
        NodeValue::Null => Vec::new(),
        _ => document
            .as_seq("a list of plays")?
            .iter()
            .map(|play| load_play(play, &base))
            .collect::<Result<_>>()?,
    };
    Ok(Playbook {
        path: path.to_path_buf(),
        plays,
    })
}

/// Load a vars file (`vars_files:` or `-e @file.yml`): a mapping of variables.
pub fn load_vars_file(path: &Path) -> Result<Vec<(Key, Node)>> {
    yaml::load_mapping(path, "a mapping of variables")
}

fn unknown_key(key: &Key, context: &'static str, expected: impl Iterator<Item = &'static str> + Clone) -> Error {
    if let Some(error) = ansible_only(key) {
        return error;
    }
    Error::at(
        &key.pos,
        ErrorKind::UnknownKey {
            key: key.name.clone(),
            context,
            suggestion: suggest(&key.name, expected.clone()),
            expected: expected.collect(),
        },
    )
}

/// "Ansible's `become` is not supported by hostnet: …" for a keyword or
/// module of Ansible's that hostnet deliberately leaves out.
fn ansible_only(key: &Key) -> Option<Error> {
    let reason = keys::ansible_only(&key.name)?;
    let (why, advice) = match reason.split_once("; ") {
        Some((why, advice)) => (why, Some(advice.to_owned())),
        None => (reason, None),
    };
    Some(Error::invalid(
        &key.pos,
        format!("Ansible's `{}` is not supported by hostnet: {why}", key.name),
        advice,
    ))
}

fn load_play(node: &Node, base: &Path) -> Result<Play> {
    let mut play = Play {
        name: None,
        hosts: "localhost".to_owned(),
        vars: Vec::new(),
        vars_files: Vec::new(),
        tasks: Vec::new(),
        handlers: Vec::new(),
        pos: node.pos.clone(),
    };
    for (key, value) in node.as_map("a play (a mapping with `hosts` and `tasks`)")? {
        let Some(play_key) = PlayKey::parse(&key.name) else {
            return Err(unknown_key(key, "play", PlayKey::names()));
        };
        match play_key {
            PlayKey::Name => play.name = Some(value.scalar_text("a play name")?),
            PlayKey::Hosts => {
                let hosts = value.scalar_text("a host pattern")?;
                if hosts != "localhost" && hosts != "all" && hosts != "127.0.0.1" {
                    return Err(Error::invalid(
                        &value.pos,
                        format!("hostnet configures the host it runs on; `hosts: {hosts}` is not supported"),
                        Some("use `hosts: localhost`".into()),
                    ));
                }
                play.hosts = hosts;
            }
            PlayKey::Vars => play.vars = vars_map(value)?,
            PlayKey::VarsFiles => {
                for (file, pos) in value.string_list("a list of vars file paths")? {
                    let path = resolve(base, &file);
                    let vars = load_vars_file(&path).map_err(|error| match error.pos {
                        Some(_) => error,
                        None => Error::at(&pos, error.kind),
                    })?;
                    play.vars_files.push(VarsFile { vars });
                }
            }
            PlayKey::Tasks => play.tasks = load_tasks(value)?,
            PlayKey::Handlers => play.handlers = load_tasks(value)?,
        }
    }
    Ok(play)
}

fn resolve(base: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn vars_map(node: &Node) -> Result<Vec<(Key, Node)>> {
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        _ => Ok(node.as_map("a mapping of variables")?.to_vec()),
    }
}

fn load_tasks(node: &Node) -> Result<Vec<Task>> {
    match &node.value {
        NodeValue::Null => Ok(Vec::new()),
        _ => node.as_seq("a list of tasks")?.iter().map(load_task).collect(),
    }
}

fn load_task(node: &Node) -> Result<Task> {
    let entries = node.as_map("a task (a mapping with `name` and one module)")?;
    let mut module: Option<(&'static Module, &Key, &Node)> = None;
    let mut task = Task {
        name: None,
        module: &modules::COMMAND,
        module_key: Key {
            name: String::new(),
            pos: node.pos.clone(),
        },
        args: node.clone(),
        when: Vec::new(),
        loop_items: None,
        loop_var: "item".to_owned(),
        loop_label: None,
        notify: Vec::new(),
        tags: Vec::new(),
        vars: Vec::new(),
        pos: node.pos.clone(),
    };
    for (key, value) in entries {
        let Some(keyword) = TaskKey::parse(&key.name) else {
            let Some(found) = modules::find(&key.name) else {
                let candidates = TaskKey::names().chain(modules::MODULES.iter().map(|module| module.name));
                return Err(match ansible_only(key) {
                    Some(error) => error,
                    None => Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "task",
                            suggestion: suggest(&key.name, candidates),
                            expected: Vec::new(),
                        },
                    ),
                });
            };
            if let Some((first, _, _)) = module {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::TwoModules {
                        first: first.name.to_owned(),
                        second: found.name.to_owned(),
                    },
                ));
            }
            if let Some(error) = modules::misuse(found, value) {
                return Err(error);
            }
            module = Some((found, key, value));
            continue;
        };
        match keyword {
            TaskKey::Name => task.name = Some(value.scalar_text("a task name")?),
            TaskKey::When => {
                task.when = match &value.value {
                    NodeValue::Seq(items) => items.clone(),
                    _ => vec![value.clone()],
                }
            }
            TaskKey::Loop => task.loop_items = Some(value.clone()),
            TaskKey::LoopControl => {
                for (control, setting) in value.as_map("a mapping (`loop_var`, `label`)")? {
                    match LoopControlKey::parse(&control.name) {
                        Some(LoopControlKey::LoopVar) => task.loop_var = setting.as_str("a variable name")?.to_owned(),
                        Some(LoopControlKey::Label) => task.loop_label = Some(setting.clone()),
                        None => return Err(unknown_key(control, "loop_control", LoopControlKey::names())),
                    }
                }
            }
            TaskKey::Notify => task.notify = value.string_list("a handler name or a list of them")?,
            TaskKey::Tags => {
                task.tags = value
                    .string_list("a tag or a list of tags")?
                    .into_iter()
                    .map(|(tag, _)| tag)
                    .collect();
            }
            TaskKey::Vars => task.vars = vars_map(value)?,
        }
    }
    let Some((found, key, args)) = module else {
        return Err(Error::at(&node.pos, ErrorKind::NoModule));
    };
    task.module = found;
    task.module_key = key.clone();
    task.args = args.clone();
    Ok(task)
}
