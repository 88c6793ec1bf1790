//! A playbook as hostnet understands it: plays of ordered tasks.
//!
//! Ansible's vocabulary and shape: a file is a list of plays; a play has
//! `vars`, `vars_files`, `tasks` and `handlers`; a task names exactly one
//! module and may carry `when`, `loop`, `loop_control`, `notify`, `tags` and
//! `vars`. Values stay as positioned [`Node`]s until a task runs, because
//! they are templated per loop item.

pub mod keys;
pub mod load;

use std::path::PathBuf;

pub use crate::yaml::{Key, Node, NodeValue};
pub use load::{load, load_vars_file};

use crate::modules::Module;
use crate::source::Pos;

/// A parsed playbook file.
#[derive(Debug)]
pub struct Playbook {
    /// The file as given on the command line.
    pub path: PathBuf,
    /// Its plays, in order.
    pub plays: Vec<Play>,
}

/// One play.
#[derive(Debug)]
pub struct Play {
    /// `name:`, shown in `PLAY [...]` headers.
    pub name: Option<String>,
    /// `hosts:` (only the local host is supported: `localhost` or `all`).
    pub hosts: String,
    /// `vars:`, in the order written (later ones may use earlier ones).
    pub vars: Vec<(Key, Node)>,
    /// `vars_files:`, loaded in order, each a mapping.
    pub vars_files: Vec<VarsFile>,
    /// `tasks:`.
    pub tasks: Vec<Task>,
    /// `handlers:`: tasks run once at the end of the play when notified.
    pub handlers: Vec<Task>,
    /// Where the play starts.
    pub pos: Pos,
}

/// A `vars_files` entry, already read.
#[derive(Debug)]
pub struct VarsFile {
    /// The file's variables.
    pub vars: Vec<(Key, Node)>,
}

/// One task.
#[derive(Debug)]
pub struct Task {
    /// `name:` as written (may contain templates).
    pub name: Option<String>,
    /// The module this task calls.
    pub module: &'static Module,
    /// The module key (for its position).
    pub module_key: Key,
    /// The module's arguments, not yet templated.
    pub args: Node,
    /// `when:` conditions, all of which must hold.
    pub when: Vec<Node>,
    /// `loop:` (a list, or a template that yields one).
    pub loop_items: Option<Node>,
    /// `loop_control.loop_var` (default `item`).
    pub loop_var: String,
    /// `loop_control.label`, shown instead of the whole item.
    pub loop_label: Option<Node>,
    /// `notify:` handler names.
    pub notify: Vec<(String, Pos)>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// Task `vars:`.
    pub vars: Vec<(Key, Node)>,
    /// Where the task starts.
    pub pos: Pos,
}

impl Task {
    /// The name shown in `TASK [...]` headers: the task's name, else its module's.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.module.name.to_owned())
    }
}
