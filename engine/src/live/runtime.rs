//! The live root's part of a plan: the live state read once, the live diff
//! turned into changes — one `ip -batch -` of every link, address and route
//! operation (with its inverse, for rollback), one `sysctl -w` of the kernel
//! parameters that differ, and hostnet's inventory of the devices it
//! created — plus what verify-after-apply expects.

use std::collections::BTreeSet;

use crate::backend::Desired;
use crate::change::{Change, Planned, TaskId};
use crate::error::{Error, ErrorKind, Errors, Result};
use crate::inventory::{self, Inventory};
use crate::live::batch::{device_default, inverse, ip_batch, sysctl_argv};
use crate::live::diff::{LiveDiff, Op, diff};
use crate::live::read;
use crate::live::state::LiveState;
use crate::live::verify::{Drift, devices};
use crate::live::wanted::{Wanted, WantedKind};
use crate::root::{Root, SysPath};
use crate::types::FileMode;

/// What the live host must look like after the run (for verify after apply).
#[derive(Clone, Debug, Default)]
pub struct Expectation {
    /// The runtime state the model wants.
    pub wanted: Wanted,
    /// The devices hostnet owns once the run is done.
    pub owned: BTreeSet<String>,
}

/// The live root's changes.
#[derive(Debug)]
pub struct Runtime {
    /// The batch, the kernel parameters, the inventory.
    pub changes: Vec<Planned>,
    /// Devices left to the distro's tool, with why.
    pub handovers: Vec<(String, String)>,
    /// What the host must look like afterwards.
    pub expectation: Expectation,
}

/// The runtime part of the plan for `desired` on the live `root`. With
/// `devices` false (the network backend manages its devices live itself),
/// only kernel parameters.
pub fn runtime(desired: &Desired<'_>, root: &Root, devices: bool) -> Result<Runtime, Errors> {
    let mut wanted = Wanted::of(desired);
    if !devices {
        wanted.links.clear();
    }
    // A device's own parameter (`net.ipv4.conf.br0.proxy_arp`) starts from
    // `conf.default` when the device appears: what undoing it restores.
    let defaults: Vec<String> = wanted
        .sysctls
        .iter()
        .filter_map(|(key, _, _)| device_default(key))
        .collect();
    let keys: Vec<&str> = wanted
        .sysctls
        .iter()
        .map(|(key, _, _)| key.as_str())
        .chain(defaults.iter().map(String::as_str))
        .collect();
    let live = read::read(root, &keys)?;
    let owned = inventory::devices(root)?;
    let live_diff = diff(&wanted, &live, &owned).map_err(|conflicts| {
        conflict_errors(
            &conflicts,
            Some("rename the device in the playbook, or remove the host's own one first".into()),
        )
    })?;
    let owned_after = owned_after(&wanted, &live, &owned, &live_diff);
    let mut changes = batch_changes(&live_diff, &live, &wanted);
    if owned_after != owned {
        changes.push(inventory_change(&owned_after, &wanted)?);
    }
    Ok(Runtime {
        changes,
        handovers: live_diff
            .handovers
            .iter()
            .map(|handover| (handover.device.clone(), handover.reason.clone()))
            .collect(),
        expectation: Expectation {
            wanted,
            owned: owned_after,
        },
    })
}

/// `hostnet destroy` on the live root: the devices of the playbook that
/// hostnet created are deleted (one batch, its inverse recreating them);
/// devices it did not create, and kernel parameters, stay.
pub fn teardown(desired: &Desired<'_>, root: &Root) -> Result<Runtime, Errors> {
    let mut wanted = Wanted::of(desired);
    let owned = inventory::devices(root)?;
    let mine: BTreeSet<String> = wanted
        .links
        .iter()
        .map(|link| link.name.to_string())
        .filter(|name| owned.contains(name))
        .collect();
    wanted.links.clear();
    wanted.sysctls.clear();
    let live = read::read(root, &[])?;
    let live_diff = diff(&wanted, &live, &mine).map_err(|conflicts| conflict_errors(&conflicts, None))?;
    let mut changes = batch_changes(&live_diff, &live, &wanted);
    let left: BTreeSet<String> = owned.difference(&mine).cloned().collect();
    if left != owned {
        changes.push(inventory_change(&left, &wanted)?);
    }
    Ok(Runtime {
        changes,
        handovers: Vec::new(),
        expectation: Expectation { wanted, owned: left },
    })
}

/// Devices of the playbook that the host already has as something else, as errors.
pub fn conflict_errors(conflicts: &[crate::live::diff::KindConflict], hint: Option<String>) -> Errors {
    Errors(
        conflicts
            .iter()
            .map(|conflict| {
                Error::new(ErrorKind::Invalid {
                    message: conflict.to_string(),
                    hint: hint.clone(),
                })
            })
            .collect(),
    )
}

/// The `ip -batch -` and `sysctl -w` changes, each with its inverse.
fn batch_changes(live_diff: &LiveDiff, live: &LiveState, wanted: &Wanted) -> Vec<Planned> {
    let mut changes = Vec::new();
    let ops: Vec<&Op> = live_diff
        .changes
        .iter()
        .map(|change| &change.op)
        .filter(|op| !matches!(op, Op::Sysctl { .. }))
        .collect();
    // What the batch creates goes as a whole: its deletion undoes every
    // other operation on it (a MAC, a port, an address, a route), which
    // `live` cannot invert (the device was not there).
    let created: BTreeSet<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateTap { name, .. } | Op::CreateBridge { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let on_created = |op: &Op| match op {
        Op::CreateTap { .. } | Op::CreateBridge { .. } => false,
        other => other.device().is_some_and(|device| created.contains(device)),
    };
    if !ops.is_empty() {
        let input = ip_batch(ops.iter().copied());
        let inverse_ops: Option<Vec<Op>> = ops
            .iter()
            .rev()
            .filter(|op| !on_created(op))
            .map(|op| inverse(op, live))
            .collect::<Option<Vec<Vec<Op>>>>()
            .map(|lists| lists.into_iter().flatten().collect());
        let undo = inverse_ops.map(|ops| (ip_argv(), Some(ip_batch(&ops))));
        let origins = origins(live_diff, |op| !matches!(op, Op::Sysctl { .. }), wanted);
        changes.push(Planned::from_tasks(
            Change::Live {
                argv: ip_argv(),
                input: Some(input),
                undo,
            },
            origins,
        ));
    }
    let sysctls: Vec<&Op> = live_diff
        .changes
        .iter()
        .map(|change| &change.op)
        .filter(|op| matches!(op, Op::Sysctl { .. }))
        .collect();
    if let Some(argv) = sysctl_argv(sysctls.iter().copied()) {
        let undo = sysctls
            .iter()
            .map(|op| inverse(op, live))
            .collect::<Option<Vec<Vec<Op>>>>()
            .and_then(|lists| sysctl_argv(lists.iter().flatten()))
            .map(|argv| (argv, None));
        let origins = origins(live_diff, |op| matches!(op, Op::Sysctl { .. }), wanted);
        changes.push(Planned::from_tasks(
            Change::Live {
                argv,
                input: None,
                undo,
            },
            origins,
        ));
    }
    changes
}

fn ip_argv() -> Vec<String> {
    vec!["ip".to_owned(), "-batch".to_owned(), "-".to_owned()]
}

/// The tasks behind the operations `pick` selects (the first device's task
/// for removals of what no task asks for any more).
fn origins(live_diff: &LiveDiff, pick: impl Fn(&Op) -> bool, wanted: &Wanted) -> Vec<TaskId> {
    let mut origins: Vec<TaskId> = live_diff
        .changes
        .iter()
        .filter(|change| pick(&change.op))
        .flat_map(|change| change.origins.iter().copied())
        .collect();
    if origins.is_empty() {
        origins.extend(
            wanted
                .links
                .iter()
                .flat_map(|link| link.origins.iter().copied())
                .take(1),
        );
    }
    if origins.is_empty() {
        origins.push(TaskId(0));
    }
    origins
}

/// Devices hostnet owns after the run: those it owned and keeps, those it
/// creates, and those the distro's tool creates for it.
fn owned_after(wanted: &Wanted, live: &LiveState, owned: &BTreeSet<String>, live_diff: &LiveDiff) -> BTreeSet<String> {
    let mut after: BTreeSet<String> = owned
        .iter()
        .filter(|name| {
            wanted
                .link(name)
                .is_some_and(|link| !matches!(link.kind, WantedKind::Nic))
        })
        .cloned()
        .collect();
    for link in &wanted.links {
        let name = link.name.as_str();
        if matches!(link.kind, WantedKind::Nic) {
            continue;
        }
        let created = live.link(name).is_none()
            || live_diff
                .changes
                .iter()
                .any(|change| matches!(&change.op, Op::CreateTap { name: created, .. } | Op::CreateBridge { name: created, .. } if created == name));
        if created {
            after.insert(name.to_owned());
        }
    }
    after
}

/// `/var/lib/hostnet/inventory.json` with these devices.
fn inventory_change(devices: &BTreeSet<String>, wanted: &Wanted) -> Result<Planned> {
    let inventory = Inventory {
        devices: devices.clone(),
    };
    let mut content = serde_json::to_string_pretty(&inventory).map_err(|error| {
        Error::new(ErrorKind::Invalid {
            message: format!("cannot record the inventory: {error}"),
            hint: None,
        })
    })?;
    content.push('\n');
    let origins: Vec<TaskId> = wanted
        .links
        .iter()
        .flat_map(|link| link.origins.iter().copied())
        .collect();
    Ok(Planned::from_tasks(
        Change::File {
            path: SysPath::from_static(inventory::PATH),
            content,
            mode: FileMode(0o600),
            owner: None,
            group: None,
        },
        if origins.is_empty() { vec![TaskId(0)] } else { origins },
    ))
}

/// Verify after apply: the live host read back and compared with what the
/// run should have left, retried briefly (a link's state and a DHCP
/// client's lease take a moment); the rows that still differ.
pub fn verify_after(expectation: &Expectation, root: &Root) -> Result<Vec<Drift>> {
    let keys: Vec<&str> = expectation
        .wanted
        .sysctls
        .iter()
        .map(|(key, _, _)| key.as_str())
        .collect();
    let mut rows = Vec::new();
    for attempt in 0..VERIFY_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        let live = read::read(root, &keys)?;
        rows = match diff(&expectation.wanted, &live, &expectation.owned) {
            Ok(live_diff) => devices(&live_diff),
            Err(conflicts) => conflicts
                .iter()
                .map(|conflict| Drift {
                    subject: conflict.name.clone(),
                    detail: conflict.to_string(),
                })
                .collect(),
        };
        if rows.is_empty() {
            break;
        }
    }
    Ok(rows)
}

/// How often verify after apply reads the host before it gives up (about 3 s).
const VERIFY_ATTEMPTS: usize = 10;
