//! `file`: a whole file, a symlink, or nothing at a path.

use crate::change::Change;
use crate::error::{Error, Result};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::root::{SysPath, read_template};
use crate::types::{AccountName, FileMode};
use crate::value::At;

/// hostnet's run records, backups and lock are not a playbook's to manage:
/// a task that overwrote them could hide or forge what a rollback restores.
pub(super) fn not_hostnets_own(path: &At<SysPath>) -> Result<()> {
    if crate::runs::is_state_path(&path.value) {
        return Err(Error::invalid(
            &path.pos,
            format!(
                "`{}` is hostnet's own state (run records, backups, the lock): no task may manage it",
                path.value
            ),
            Some("manage another path".into()),
        ));
    }
    Ok(())
}

pub(super) static FILE: Module = Module {
    name: "file",
    context: "`file` arguments",
    summary: "A whole file (from `content` or a `src` template), a symlink, or nothing at a path.",
    doc: "Like Ansible's `copy`/`template`/`file` in one. The file is written atomically; \
          its previous version is backed up and restored by `hostnet rollback`.",
    args: &[
        ArgSpec {
            name: "dest",
            aliases: &["path"],
            required: true,
            kind: "absolute path",
            doc: "The file on the host.",
        },
        ArgSpec {
            name: "content",
            aliases: &[],
            required: false,
            kind: "string",
            doc: "The file's text (templated like any value).",
        },
        ArgSpec {
            name: "src",
            aliases: &[],
            required: false,
            kind: "path",
            doc: "With `state: present`: a template file, relative to the playbook, rendered with the task's variables. With `state: link`: the link target.",
        },
        ArgSpec {
            name: "mode",
            aliases: &[],
            required: false,
            kind: "octal string",
            doc: "Permissions, e.g. `\"0644\"` (the default).",
        },
        ArgSpec {
            name: "owner",
            aliases: &[],
            required: false,
            kind: "user name",
            doc: "Owner (must exist on the host).",
        },
        ArgSpec {
            name: "group",
            aliases: &[],
            required: false,
            kind: "group name",
            doc: "Group (must exist on the host).",
        },
        ArgSpec {
            name: "state",
            aliases: &[],
            required: false,
            kind: "`present` | `absent` | `link`",
            doc: "`present` (default; `file` is accepted too), `absent`, or `link`.",
        },
    ],
    handler_ok: true,
    run,
};

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let path = args.required::<At<SysPath>>("dest")?;
    not_hostnets_own(&path)?;
    let path = path.value;
    let state = args.optional_at::<String>("state")?;
    let state_name = state
        .as_ref()
        .map_or_else(|| "present".to_owned(), |state| state.value.clone());
    match state_name.as_str() {
        "present" | "file" => {
            let content = args.optional::<String>("content")?;
            let src = args.optional_at::<String>("src")?;
            let content = match (content, src) {
                (Some(content), None) => content,
                (None, Some(src)) => {
                    let source = read_template(context.base_dir, &src.value)
                        .map_err(|message| Error::invalid(&src.pos, message, None))?;
                    let rendered = context.templates.render_text(
                        &source.text,
                        &crate::source::Pos::new(&source, 1, 1),
                        context.scope,
                    )?;
                    rendered.as_str().map_or_else(|| rendered.to_string(), str::to_owned)
                }
                (Some(_), Some(src)) => {
                    return Err(Error::invalid(
                        &src.pos,
                        "`content` and `src` cannot both be given",
                        None,
                    ));
                }
                (None, None) => {
                    return Err(Error::invalid(
                        args.pos(),
                        "`file` with `state: present` needs `content` or `src`",
                        Some("use `state: absent` to remove the file".into()),
                    ));
                }
            };
            let mode = args.optional::<FileMode>("mode")?.unwrap_or(FileMode(0o644));
            let owner = args.optional::<AccountName>("owner")?;
            let group = args.optional::<AccountName>("group")?;
            context.change(Change::File {
                path,
                content,
                mode,
                owner,
                group,
            });
        }
        "absent" => context.change(Change::Absent { path }),
        "link" => {
            let target: String = args.required("src")?;
            context.change(Change::Link { path, target });
        }
        other => {
            let pos = state.map_or_else(|| args.pos().clone(), |state| state.pos);
            return Err(Error::invalid(
                &pos,
                format!("unknown state `{other}` for `file`"),
                Some("expected `present`, `absent` or `link`".into()),
            ));
        }
    }
    Ok(())
}
