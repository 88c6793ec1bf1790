//! `hostnet destroy`: a playbook's rendered changes turned into their
//! removal. Every file and link a backend writes goes, every block it keeps
//! in a user's file leaves (the user's lines stay byte for byte; a file
//! that held nothing but hostnet's blocks goes), the
//! firewall chains or table its files loaded are unloaded (and loaded again
//! by a rollback), and the services that read the removed files restart.
//! Nothing a backend does not write is touched: the prunes of directories
//! stay out (another playbook's files may be there), and so do the
//! services hostnet enabled, except the per-device init scripts whose
//! links go.

use crate::change::{Block, Change, Guard, Planned, ServiceAction};
use crate::error::Result;
use crate::root::{Root, SysPath};

/// What destroy leaves, said in every destroy plan.
pub const LEFT: &str = "destroy leaves the services hostnet enabled (dnsmasq, the firewall's boot service), \
                        kernel parameters such as forwarding, and what the playbook's `file`, `blockinfile` and \
                        `command` tasks did";

/// The removal of what `rendered` (one backend's render) sets up.
pub fn changes(rendered: Vec<Planned>, root: &Root) -> Result<Vec<Planned>> {
    // The commands that load a file, for a rollback of its unload.
    let loads: Vec<(Vec<SysPath>, Vec<String>)> = rendered
        .iter()
        .filter_map(|planned| match &planned.change {
            Change::Command(command) => match &command.guard {
                Guard::FilesChanged(files) => Some((files.clone(), command.argv.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut removals = Vec::new();
    let mut unloads = Vec::new();
    for Planned { change, origins } in rendered {
        let removal = match change {
            Change::File { path, .. } | Change::Link { path, .. } => Change::Absent { path },
            Change::Block(block) => Change::Block(Block {
                present: false,
                content: String::new(),
                ..block
            }),
            Change::RestartOnChange { .. } | Change::ReloadOnChange { .. } => change,
            Change::Service {
                name,
                action: ServiceAction::Enable,
            } if name.starts_with("net.") => Change::Service {
                name,
                action: ServiceAction::Disable,
            },
            Change::Unload { files, unload } => {
                let mut loaded = true;
                for file in &files {
                    loaded &= root.exists(file)?;
                }
                if loaded {
                    let undo = loads
                        .iter()
                        .find(|(loaded_files, _)| *loaded_files == files)
                        .map(|(_, argv)| (argv.clone(), None));
                    unloads.push(Planned::from_tasks(
                        Change::Live {
                            argv: unload.argv,
                            input: unload.input,
                            undo,
                        },
                        origins,
                    ));
                }
                continue;
            }
            _ => continue,
        };
        removals.push(Planned::from_tasks(removal, origins));
    }
    // A file that holds nothing but hostnet's blocks (hostnet created it for
    // them) goes as a whole rather than staying behind empty.
    let mut emptied: Vec<SysPath> = Vec::new();
    let paths: Vec<SysPath> = removals
        .iter()
        .filter_map(|planned| match &planned.change {
            Change::Block(block) => Some(block.path.clone()),
            _ => None,
        })
        .collect();
    for path in paths {
        if emptied.contains(&path) {
            continue;
        }
        let Some(mut text) = root.read_bytes(&path)? else {
            continue;
        };
        for planned in &removals {
            if let Change::Block(block) = &planned.change
                && block.path == path
                && let Ok(Some(next)) = crate::block::apply(Some(&text), block)
            {
                text = next;
            }
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            emptied.push(path);
        }
    }
    let mut merged: Vec<Planned> = Vec::new();
    for planned in removals {
        match &planned.change {
            Change::Block(block) if emptied.contains(&block.path) => {
                let path = block.path.clone();
                if let Some(absent) = merged
                    .iter_mut()
                    .find(|other| matches!(&other.change, Change::Absent { path: other } if *other == path))
                {
                    absent.origins.extend(planned.origins);
                } else {
                    merged.push(Planned::from_tasks(Change::Absent { path }, planned.origins));
                }
            }
            _ => merged.push(planned),
        }
    }
    // Loaded last, unloaded first (the jumps before the chains they jump to).
    merged.extend(unloads.into_iter().rev());
    Ok(merged)
}
