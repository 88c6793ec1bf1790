//! `blockinfile`: a fenced block in a file that is otherwise the user's.

use crate::change::{Block, Change, Placement};
use crate::error::{Error, Result};
use crate::modules::args::ArgSpec;
use crate::modules::args::Args;
use crate::modules::spec::Module;
use crate::modules::spec::TaskContext;
use crate::root::SysPath;
use crate::types::FileMode;
use crate::value::At;

pub(super) static BLOCKINFILE: Module = Module {
    name: "blockinfile",
    context: "`blockinfile` arguments",
    summary: "A `# BEGIN hostnet MARKER` / `# END hostnet MARKER` block in a new or existing file.",
    doc: "Everything outside the block is left exactly as it is. A second run with the same \
          block changes nothing; a changed block is replaced in place.",
    args: &[
        ArgSpec {
            name: "path",
            aliases: &["dest"],
            required: true,
            kind: "absolute path",
            doc: "The file (created if missing).",
        },
        ArgSpec {
            name: "block",
            aliases: &["content"],
            required: false,
            kind: "string",
            doc: "The lines inside the fences (empty with `state: absent`).",
        },
        ArgSpec {
            name: "marker",
            aliases: &[],
            required: false,
            kind: "string",
            doc: "Text after `BEGIN hostnet ` / `END hostnet ` (default `block`); one file can hold several blocks with different markers.",
        },
        ArgSpec {
            name: "insertbefore",
            aliases: &[],
            required: false,
            kind: "`BOF` | line prefix",
            doc: "Where a new block goes: `BOF`, or before the first line starting with this text (not a regex). Default: end of file.",
        },
        ArgSpec {
            name: "mode",
            aliases: &[],
            required: false,
            kind: "octal string",
            doc: "The file's mode, also when it exists (default: unchanged, `\"0644\"` for a new file).",
        },
        ArgSpec {
            name: "state",
            aliases: &[],
            required: false,
            kind: "`present` | `absent`",
            doc: "`absent` removes the block.",
        },
    ],
    handler_ok: true,
    run,
};

fn run(args: &mut Args, context: &mut TaskContext<'_>) -> Result<()> {
    let path = args.required::<At<SysPath>>("path")?;
    super::file::not_hostnets_own(&path)?;
    let path = path.value;
    let marker = args.optional_at::<String>("marker")?;
    let marker_text = marker.as_ref().map_or_else(|| "block".to_owned(), |m| m.value.clone());
    let bad = if marker_text.is_empty() || marker_text.contains(['\n', '\r']) {
        Some("a marker must be one non-empty line")
    } else if marker_text.trim() != marker_text {
        Some("a marker has no blanks at its start or end (the fence would not be found again)")
    } else if marker_text.chars().any(char::is_control) {
        Some("a marker holds no control characters")
    } else {
        None
    };
    if let Some(message) = bad {
        let pos = marker.map_or_else(|| args.pos().clone(), |m| m.pos);
        return Err(Error::invalid(&pos, message, None));
    }
    let state = args.optional_at::<String>("state")?;
    let present = match state.as_ref().map(|s| s.value.as_str()) {
        None | Some("present") => true,
        Some("absent") => false,
        Some(other) => {
            let pos = state.as_ref().map_or_else(|| args.pos().clone(), |s| s.pos.clone());
            return Err(Error::invalid(
                &pos,
                format!("unknown state `{other}` for `blockinfile`"),
                Some("expected `present` or `absent`".into()),
            ));
        }
    };
    let block = args.optional::<String>("block")?.unwrap_or_default();
    let placement = match args.optional::<String>("insertbefore")?.as_deref() {
        None => Placement::End,
        Some("BOF") => Placement::Start,
        Some(prefix) => Placement::Before(prefix.to_owned()),
    };
    let mode = args.optional::<FileMode>("mode")?;
    let enforce_mode = mode.is_some();
    let mode = mode.unwrap_or(FileMode(0o644));
    context.change(Change::Block(Block {
        path,
        marker: marker_text,
        content: block,
        present,
        placement,
        mode,
        conflicts: Vec::new(),
        unless_present: None,
        enforce_mode,
    }));
    Ok(())
}
