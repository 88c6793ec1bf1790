//! The keys a play, a task and `loop_control` accept, declared once.
//!
//! The loader dispatches on these enums (so a key it reads is a key listed
//! here), "unknown key" hints and `hostnet schema` iterate [`PlayKey::ALL`]
//! and friends (so the JSON Schema accepts exactly what the loader does).
//! Ansible keywords hostnet deliberately does not support are listed in
//! [`ANSIBLE_ONLY`] with the reason, so an Ansible user's habit gets an
//! explanation instead of "unknown key".

/// What a key's value must look like (the loader reads it so; the schema says so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A scalar shown as text (a name).
    Text,
    /// `localhost`, `all` or `127.0.0.1`.
    Hosts,
    /// A mapping of variables (anything inside).
    Vars,
    /// One path or a list of paths.
    Paths,
    /// A list of tasks.
    Tasks,
    /// A list of handlers (tasks whose module may run as a handler).
    Handlers,
    /// A Jinja condition or a list of them (all must hold).
    Conditions,
    /// A list, or a template that yields one.
    Items,
    /// The `loop_control` mapping.
    LoopControl,
    /// One name or a list of names.
    Names,
    /// A variable name.
    Identifier,
    /// Anything (templated).
    Any,
}

macro_rules! keys {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $shape:ident, $doc:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $(#[doc = $doc] $variant,)+
        }

        impl $name {
            /// Every key, in documentation order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The key as written.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $key,)+ }
            }

            /// What the value must look like.
            pub fn shape(self) -> Shape {
                match self { $(Self::$variant => Shape::$shape,)+ }
            }

            /// One line on what it means.
            pub fn doc(self) -> &'static str {
                match self { $(Self::$variant => $doc,)+ }
            }

            /// The key with this name, if it is one.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|key| key.name() == name)
            }

            /// Every key's name.
            pub fn names() -> impl Iterator<Item = &'static str> + Clone {
                Self::ALL.iter().map(|key| key.name())
            }
        }
    };
}

keys! {
    /// A key of a play.
    PlayKey {
        Name => "name", Text, "Shown in `PLAY [...]` headers.";
        Hosts => "hosts", Hosts, "hostnet configures the host it runs on: `localhost` (or `all`, `127.0.0.1`).";
        Vars => "vars", Vars, "Variables, in order (later ones may use earlier ones).";
        VarsFiles => "vars_files", Paths, "YAML files of variables, relative to the playbook.";
        Tasks => "tasks", Tasks, "The tasks, run in order.";
        Handlers => "handlers", Handlers, "Tasks run once at the end of the play when a changed task notified them.";
    }
}

keys! {
    /// A task keyword (the other key of a task is its module).
    TaskKey {
        Name => "name", Text, "Shown in `TASK [...]` headers; handlers are notified by it.";
        When => "when", Conditions, "Jinja conditions (without `{{ }}`), all of which must hold.";
        Loop => "loop", Items, "Run the task once per item (`item`, or `loop_control.loop_var`).";
        LoopControl => "loop_control", LoopControl, "`loop_var` (the item's name) and `label` (shown instead of the item).";
        Notify => "notify", Names, "Handlers to run at the end of the play if this task changes something.";
        Tags => "tags", Names, "Select with `--tags`/`--skip-tags` (`always` and `never` as in Ansible).";
        Vars => "vars", Vars, "Variables for this task only.";
    }
}

keys! {
    /// A key of `loop_control`.
    LoopControlKey {
        LoopVar => "loop_var", Identifier, "The loop item's variable name (default `item`).";
        Label => "label", Any, "What the plan shows for each item (templated).";
    }
}

/// Ansible keywords and modules hostnet does not take, each with why (and,
/// after `;`, what to do instead). Checked where plays and tasks are read.
pub const ANSIBLE_ONLY: &[(&str, &str)] = &[
    (
        "become",
        "it runs as root on this host; remove it (under Ansible, `become` belongs on the task that runs the `hostnet` module)",
    ),
    ("become_user", "it runs as root on this host"),
    ("become_method", "it runs as root on this host"),
    ("become_flags", "it runs as root on this host"),
    (
        "gather_facts",
        "it reads the facts it needs itself; see `hostnet facts`",
    ),
    (
        "gather_subset",
        "it reads the facts it needs itself; see `hostnet facts`",
    ),
    ("roles", "a playbook is one file; share variables with `vars_files`"),
    (
        "import_role",
        "a playbook is one file; share variables with `vars_files`",
    ),
    (
        "include_role",
        "a playbook is one file; share variables with `vars_files`",
    ),
    (
        "import_tasks",
        "a playbook is one file; share variables with `vars_files`",
    ),
    (
        "include_tasks",
        "a playbook is one file; share variables with `vars_files`",
    ),
    (
        "import_playbook",
        "a playbook is one file; run `hostnet` once per playbook",
    ),
    (
        "pre_tasks",
        "a play has one list of tasks; put them first under `tasks`",
    ),
    (
        "post_tasks",
        "a play has one list of tasks; put them last under `tasks`",
    ),
    ("block", "tasks are a flat list; put `when` on each task"),
    (
        "rescue",
        "a plan with an error stops before anything is written; `hostnet rollback` undoes a run",
    ),
    (
        "always",
        "tasks are a flat list; `tags: [always]` is how a task always runs",
    ),
    (
        "register",
        "tasks return no results to register; branch on variables and `hostnet_*` facts",
    ),
    (
        "changed_when",
        "a task changes something exactly when its files or commands differ from the host",
    ),
    ("failed_when", "a task fails only when hostnet cannot plan it"),
    (
        "ignore_errors",
        "a plan with an error writes nothing; fix the error instead",
    ),
    ("with_items", "use `loop`"),
    ("with_list", "use `loop`"),
    ("with_dict", "use `loop` with `dict2items`"),
    ("until", "commands run once, in plan order"),
    ("retries", "commands run once, in plan order"),
    ("delay", "commands run once, in plan order"),
    ("async", "commands run once, in plan order"),
    ("poll", "commands run once, in plan order"),
    ("listen", "handlers are notified by their `name`"),
    (
        "connection",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "remote_user",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "delegate_to",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "serial",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "strategy",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "run_once",
        "it configures the host it runs on; fan out to many hosts with Ansible (packaging/ansible/)",
    ),
    (
        "environment",
        "commands run with hostnet's environment and without a shell",
    ),
    (
        "check_mode",
        "use `hostnet plan` (or `apply --check`) for the whole playbook",
    ),
    ("diff", "every plan shows its diff; `--summary` shortens it"),
    ("no_log", "hostnet logs no task output"),
    ("vars_prompt", "pass values with `-e name=value`"),
    ("module_defaults", "give each task its arguments"),
    ("collections", "hostnet's modules are built in; see docs/modules.md"),
    ("shell", "commands run without a shell; use `command: { argv: [...] }`"),
    ("copy", "use `file` with `content` or `src`"),
    ("template", "use `file` with `src` (the file is templated) or `content`"),
    ("lineinfile", "use `blockinfile`"),
    (
        "debug",
        "`hostnet check --json` shows the model; `-v` shows every task's arguments",
    ),
    ("systemd", "use `service`"),
    ("apt", "it installs no packages; the plan lists the packages it needs"),
    (
        "package",
        "it installs no packages; the plan lists the packages it needs",
    ),
];

/// Why hostnet does not take this Ansible keyword or module, if it is one.
pub fn ansible_only(key: &str) -> Option<&'static str> {
    ANSIBLE_ONLY
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, reason)| *reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_never_ansible_only() {
        let mut names: Vec<&str> = ANSIBLE_ONLY.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "an Ansible keyword is listed twice");
        for key in PlayKey::names()
            .chain(TaskKey::names())
            .chain(crate::modules::MODULES.iter().map(|module| module.name))
        {
            assert!(
                ansible_only(key).is_none(),
                "`{key}` is both supported and Ansible-only"
            );
        }
    }

    #[test]
    fn parse_finds_every_key() {
        for key in PlayKey::ALL {
            assert_eq!(PlayKey::parse(key.name()), Some(*key));
        }
        for key in TaskKey::ALL {
            assert_eq!(TaskKey::parse(key.name()), Some(*key));
        }
        assert_eq!(LoopControlKey::parse("label"), Some(LoopControlKey::Label));
        assert_eq!(TaskKey::parse("bridge"), None);
    }
}
