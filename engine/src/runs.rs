//! hostnet's own records of what it did: the apply lock, one directory per
//! run with its manifest and backups, and the list of paths whose commands
//! are still due after a failed run.
//!
//! ```text
//! <root>/run/hostnet.lock                       the apply lock
//! <root>/var/lib/hostnet/runs/<run-id>/manifest.json
//! <root>/var/lib/hostnet/runs/<run-id>/files/…  what each path held before
//! <root>/var/lib/hostnet/pending                paths of a failed run
//! ```
//!
//! Owned by neither apply nor rollback: `apply.rs` writes a run through
//! [`Journal`], `rollback.rs` reads runs to plan their undoing, `plan.rs`
//! reads the pending list. Run ids are UTC stamps (`20261122T065331Z`, then
//! `-2`, `-3` … within one second) and are ordered by time, not as text.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::mutate::{self, FileLock};
use crate::root::{Entry, Root, SysPath};

/// Where the runs live, on the host.
const RUNS: &str = "/var/lib/hostnet/runs";
/// The apply lock.
const LOCK: &str = "/run/hostnet.lock";
/// Paths written by a run whose commands did not all succeed.
const PENDING: &str = "/var/lib/hostnet/pending";

/// A command apply ran or recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The argv.
    pub argv: Vec<String>,
    /// The task that asked for it.
    pub task: String,
    /// `true`: executed; `false`: recorded only (root is not `/`).
    pub executed: bool,
}

/// The record of one run, enough to undo it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Run id.
    pub run_id: String,
    /// What was applied.
    pub playbook: String,
    /// Paths in the order they were first touched, with what was there before.
    pub entries: Vec<ManifestEntry>,
    /// Commands, in order.
    pub commands: Vec<CommandRecord>,
    /// Directories the run created (removed again by rollback when empty).
    #[serde(default)]
    pub created_dirs: Vec<String>,
    /// Did the run finish?
    pub complete: bool,
}

/// A path a run touched and what was there before.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The path on the host.
    pub path: String,
    /// What was there.
    pub before: Before,
}

/// The previous state of a path.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Before {
    /// Nothing: the run created it.
    Missing,
    /// A file, saved under the run's `files/`.
    File {
        backup: String,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    /// A symlink.
    Link { target: String },
}

/// The apply lock, held until dropped. Everything that changes the host
/// under a root (apply, rollback, rollback-on-failure) holds it.
#[derive(Debug)]
pub struct Lock {
    _file: FileLock,
}

/// Take the apply lock.
pub fn lock(root: &Root) -> Result<Lock> {
    Ok(Lock {
        _file: mutate::lock(&root.host_path(&SysPath::from_static(LOCK)))?,
    })
}

/// The directory of run `id` on this machine.
pub fn run_dir(root: &Root, id: &str) -> PathBuf {
    root.host_path(&SysPath::from_static(RUNS)).join(id)
}

fn manifest_path(id: &str) -> SysPath {
    SysPath::from_static(format!("{RUNS}/{id}/manifest.json"))
}

/// Run ids under the root, oldest first.
pub fn list(root: &Root) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for name in root.list(&SysPath::from_static(RUNS))? {
        if SysPath::new(&format!("{RUNS}/{name}")).is_ok() && root.exists(&manifest_path(&name))? {
            ids.push(name);
        }
    }
    ids.sort_by(|a, b| by_time(a, b));
    Ok(ids)
}

/// Order run ids by time: the stamp, then the numeric suffix (`-2` < `-10`).
fn by_time(a: &str, b: &str) -> Ordering {
    let key = |id: &str| -> (String, u64) {
        match id.split_once('-') {
            Some((stamp, n)) => (stamp.to_owned(), n.parse().unwrap_or(u64::MAX)),
            None => (id.to_owned(), 1),
        }
    };
    key(a).cmp(&key(b)).then_with(|| a.cmp(b))
}

/// Read a run's manifest.
pub fn manifest(root: &Root, id: &str) -> Result<Manifest> {
    let path = manifest_path(id);
    let host = root.host_path(&path);
    let text = root.read_text(&path)?.ok_or_else(|| {
        Error::new(ErrorKind::Read {
            path: host.clone(),
            message: "missing".into(),
        })
    })?;
    serde_json::from_str(&text).map_err(|error| {
        Error::new(ErrorKind::Read {
            path: host,
            message: format!("not a hostnet manifest: {error}"),
        })
    })
}

/// The bytes a run saved for a path (`backup` from [`Before::File`]).
pub fn backup(root: &Root, id: &str, backup: &str) -> Result<Vec<u8>> {
    let path = SysPath::new(&format!("{RUNS}/{id}/{backup}")).map_err(|message| {
        Error::new(ErrorKind::Read {
            path: root.host_path(&manifest_path(id)),
            message,
        })
    })?;
    match root.entry(&path)? {
        Entry::File { content, .. } => Ok(content),
        _ => Err(Error::new(ErrorKind::Read {
            path: root.host_path(&path),
            message: "the backup is missing".into(),
        })),
    }
}

/// A run being written: every path is backed up before it changes, every
/// command recorded, and the manifest saved after each step.
pub struct Journal<'a> {
    root: &'a Root,
    dir: PathBuf,
    /// What has been recorded so far.
    pub manifest: Manifest,
}

impl<'a> Journal<'a> {
    /// Start a new run (the lock proves no other run is under way).
    pub fn start(root: &'a Root, playbook: &str, _lock: &Lock) -> Result<Self> {
        let id = new_run_id(root)?;
        let dir = run_dir(root, &id);
        mutate::create_dir_all(&dir.join("files"))?;
        let journal = Self {
            root,
            dir,
            manifest: Manifest {
                run_id: id,
                playbook: playbook.to_owned(),
                entries: Vec::new(),
                commands: Vec::new(),
                created_dirs: Vec::new(),
                complete: false,
            },
        };
        journal.save()?;
        Ok(journal)
    }

    /// The run id.
    pub fn id(&self) -> &str {
        &self.manifest.run_id
    }

    /// Write the manifest as it is now.
    pub fn save(&self) -> Result<()> {
        let path = self.dir.join("manifest.json");
        let mut text = serde_json::to_string_pretty(&self.manifest).map_err(|error| {
            Error::new(ErrorKind::Write {
                path: path.clone(),
                message: format!("cannot record the run: {error}"),
            })
        })?;
        text.push('\n');
        mutate::write_file(&path, text.as_bytes(), 0o600, None, None)
    }

    /// Save what is at `path` now, once per run.
    pub fn backup(&mut self, path: &SysPath) -> Result<()> {
        if self.manifest.entries.iter().any(|entry| entry.path == path.as_str()) {
            return Ok(());
        }
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if self.root.entry(&dir)? != Entry::Missing {
                break;
            }
            if !self.manifest.created_dirs.iter().any(|created| created == dir.as_str()) {
                self.manifest.created_dirs.push(dir.to_string());
            }
            parent = dir.parent();
        }
        let before = match self.root.entry(path)? {
            Entry::Missing => Before::Missing,
            Entry::Link { target } => Before::Link { target },
            Entry::File {
                content,
                mode,
                uid,
                gid,
            } => {
                let backup = format!("files/{}", path.relative());
                mutate::write_file(&self.dir.join(&backup), &content, 0o600, None, None)?;
                Before::File { backup, mode, uid, gid }
            }
            Entry::Directory => {
                return Err(Error::new(ErrorKind::Write {
                    path: self.root.host_path(path),
                    message: "is a directory".into(),
                }));
            }
        };
        self.manifest.entries.push(ManifestEntry {
            path: path.to_string(),
            before,
        });
        self.save()
    }

    /// Record a command that ran (or was recorded).
    pub fn command(&mut self, record: CommandRecord) {
        self.manifest.commands.push(record);
    }

    /// The run finished: record it, and nothing is pending any more.
    pub fn complete(mut self) -> Result<()> {
        self.manifest.complete = true;
        self.save()?;
        mutate::remove(&self.root.host_path(&SysPath::from_static(PENDING)))
    }

    /// A command failed: remember the run's paths so the next plan runs
    /// their commands again, and save the manifest.
    pub fn failed(&self) -> Result<()> {
        self.save()?;
        let mut paths = pending(self.root)?;
        for entry in &self.manifest.entries {
            if let Ok(path) = SysPath::new(&entry.path)
                && !paths.contains(&path)
            {
                paths.push(path);
            }
        }
        let mut text = paths.iter().map(SysPath::as_str).collect::<Vec<_>>().join("\n");
        text.push('\n');
        mutate::write_file(
            &self.root.host_path(&SysPath::from_static(PENDING)),
            text.as_bytes(),
            0o600,
            None,
            None,
        )
    }
}

/// Paths a failed run wrote whose commands are still due: the next plan
/// treats them as changed, so the reloads and restarts that depend on them
/// run again instead of being skipped because the files already match.
pub fn pending(root: &Root) -> Result<Vec<SysPath>> {
    Ok(root
        .read_text(&SysPath::from_static(PENDING))?
        .unwrap_or_default()
        .lines()
        .filter_map(|line| SysPath::new(line.trim()).ok())
        .collect())
}

/// A new run id: the UTC time, `20261122T065331Z`, with `-2`, `-3`… if taken.
fn new_run_id(root: &Root) -> Result<String> {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let base = utc_stamp(seconds);
    let mut id = base.clone();
    let mut n = 2;
    while root.exists(&SysPath::from_static(format!("{RUNS}/{id}")))? {
        id = format!("{base}-{n}");
        n += 1;
    }
    Ok(id)
}

/// Seconds since the epoch as `YYYYMMDDTHHMMSSZ` (Howard Hinnant's civil-from-days).
fn utc_stamp(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_utc_stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_795_330_411), "20261122T065331Z");
    }

    #[test]
    fn run_ids_sort_by_time_not_as_text() {
        let mut ids = vec![
            "20261122T065332Z",
            "20261122T065331Z-10",
            "20261122T065331Z-2",
            "20261122T065331Z",
            "20261122T065331Z-3",
        ];
        ids.sort_by(|a, b| by_time(a, b));
        assert_eq!(
            ids,
            [
                "20261122T065331Z",
                "20261122T065331Z-2",
                "20261122T065331Z-3",
                "20261122T065331Z-10",
                "20261122T065332Z"
            ]
        );
    }
}
