//! Confirm-or-revert: `apply --confirm-timeout SECONDS` records a deadline
//! in the run's journal and starts a watcher (`hostnet confirm --watch`)
//! in a process group of its own before the first change, so losing the
//! session that ran apply (the SSH connection the change cut) does not stop
//! it. Unless `hostnet confirm` arrives by the deadline, the watcher rolls
//! the run back under the apply lock: files, and the commands' effects that
//! can be undone today (`rollback.rs`). Live bridges and TAPs are reverted
//! once hostnet records live state (issue #13).
//!
//! While a run waits for its confirmation, no other apply starts: a revert
//! must not undo a later run's changes with it.

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::facts::Facts;
use crate::root::Root;
use crate::runs::{self, Lock, waiting};

/// `hostnet confirm`: keep the waiting run. `late` also accepts a run whose
/// deadline passed without a revert.
pub fn confirm(root: &Root, late: bool) -> Result<String> {
    let _lock = runs::lock(root)?;
    let Some(waiting) = waiting(root)? else {
        return Err(Error::new(ErrorKind::Invalid {
            message: "no run waits for confirmation".into(),
            hint: Some("`hostnet apply --confirm-timeout SECONDS` starts one; a run not confirmed in time was reverted (see `hostnet rollback --list`)".into()),
        }));
    };
    if runs::now() > waiting.deadline && !late {
        let flag = root.flag();
        return Err(Error::new(ErrorKind::Invalid {
            message: format!("too late: run {} passed its deadline", waiting.run_id),
            hint: Some(format!(
                "its watcher reverts it (apply the playbook again if the change was right); if the watcher did not run (a reboot?), `hostnet confirm{flag} --late` keeps it and `hostnet rollback {}{flag}` reverts it",
                waiting.run_id
            )),
        }));
    }
    let mut manifest = runs::manifest(root, &waiting.run_id)?;
    if let Some(confirm) = &mut manifest.confirm {
        confirm.confirmed = true;
    }
    runs::save(root, &manifest)?;
    Ok(waiting.run_id)
}

/// What the watcher did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `hostnet confirm` arrived in time.
    Confirmed,
    /// The run was rolled back, by this run.
    Reverted(Option<String>),
}

/// The watcher: wait for the deadline of `run`, then roll it back unless
/// it was confirmed. Polls the journal; takes the lock only to revert
/// (waiting for the apply that started it to release it).
pub fn watch(root: &Root, run: &str, facts: &Facts) -> Result<Outcome> {
    loop {
        let manifest = runs::manifest(root, run)?;
        let Some(confirm) = &manifest.confirm else {
            return Ok(Outcome::Confirmed);
        };
        if confirm.confirmed {
            return Ok(Outcome::Confirmed);
        }
        if runs::now() >= confirm.deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let lock = wait_for_lock(root)?;
    let manifest = runs::manifest(root, run)?;
    if manifest.confirm.as_ref().is_none_or(|confirm| confirm.confirmed) {
        return Ok(Outcome::Confirmed);
    }
    let outcome = revert(root, run, facts, &lock);
    let mut manifest = runs::manifest(root, run)?;
    if let Some(confirm) = &mut manifest.confirm {
        match &outcome {
            Ok(Outcome::Reverted(by)) => {
                confirm.reverted_by = Some(by.clone().unwrap_or_else(|| "nothing to undo".into()))
            }
            Ok(Outcome::Confirmed) => {}
            Err(error) => confirm.reverted_by = Some(format!("revert failed: {error}")),
        }
    }
    runs::save(root, &manifest)?;
    outcome
}

fn revert(root: &Root, run: &str, facts: &Facts, lock: &Lock) -> Result<Outcome> {
    let plan = crate::rollback::plan(root, Some(run), facts)?;
    let report = crate::apply::roll_back(&plan, root, run, lock)?;
    Ok(Outcome::Reverted(report.run_id))
}

/// The lock, once the apply that holds it lets go (at most ten minutes).
fn wait_for_lock(root: &Root) -> Result<Lock> {
    let mut tries = 0;
    loop {
        match runs::lock(root) {
            Ok(lock) => return Ok(lock),
            Err(error) if matches!(error.kind, ErrorKind::Locked { .. }) && tries < 6000 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(error) => return Err(error),
        }
    }
}
