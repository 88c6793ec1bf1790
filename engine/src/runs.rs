//! hostnet's own records of what it did: the apply lock, one directory per
//! run with its journal (manifest) and backups, and the list of paths whose
//! commands are still due.
//!
//! ```text
//! <root>/run/hostnet.lock                       the apply lock
//! <root>/var/lib/hostnet/runs/<run-id>/manifest.json
//! <root>/var/lib/hostnet/runs/<run-id>/status.json  how far it got (read by every apply)
//! <root>/var/lib/hostnet/runs/<run-id>/files/…  what each path held before
//! <root>/var/lib/hostnet/pending                paths whose commands are due
//! ```
//!
//! Everything here is root's only (directories 0700, files 0600): backups
//! hold whole configuration files, and a playbook cannot manage these paths.
//!
//! A run's journal is written before the host changes, and says how far the
//! run got ([`RunState`]): `preparing` (backups and temp files; nothing has
//! changed yet), `writing` (files are being renamed into place), `commands`,
//! then `complete`, `failed` (a command failed) or `rolled_back`. A run left
//! in `preparing` by a crash changed nothing and is dropped by the next run
//! ([`recover`]); one left in `writing` or `commands` is *interrupted*: the
//! next `apply` resumes it (its paths are pending, so the commands still due
//! run), or `rollback` undoes it. The pending list is written before the
//! first rename, so no kill between the writes and the commands loses the
//! commands.
//!
//! Owned by neither apply nor rollback: `apply.rs` writes a run through
//! [`Journal`], `rollback.rs` reads runs to plan their undoing, `plan.rs`
//! reads the pending list. Run ids are UTC stamps (`20261122T065331Z`, then
//! `-2`, `-3` … within one second) and are ordered by time, not as text.
//!
//! The journal is where live state will be recorded too (issue #13: links,
//! addresses and bridge ports hostnet creates, with what was there before);
//! today it records the commands a live run executed and how to undo each
//! ([`crate::change::Undo`]).

use foldhash::{HashMap, HashSet};
use std::cmp::Ordering;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::change::Undo;
use crate::error::{Error, ErrorKind, Result};
use crate::mutate::{self, FileLock};
use crate::root::{Entry, Follow, Root, SysPath};

/// hostnet's state directory on the host.
pub const STATE: &str = "/var/lib/hostnet";
/// Where the runs live, on the host.
const RUNS: &str = "/var/lib/hostnet/runs";
/// The apply lock.
pub const LOCK: &str = "/run/hostnet.lock";
/// Paths whose commands are due (a failed or interrupted run's).
const PENDING: &str = "/var/lib/hostnet/pending";

/// Is `path` one of hostnet's own records (which no playbook may manage)?
pub fn is_state_path(path: &SysPath) -> bool {
    let text = path.as_str();
    text == LOCK || text == STATE || text.starts_with(&format!("{STATE}/"))
}

/// A command apply ran or recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The argv.
    pub argv: Vec<String>,
    /// The task that asked for it.
    pub task: String,
    /// `true`: executed; `false`: recorded only (root is not `/`).
    pub executed: bool,
    /// How a rollback undoes it.
    #[serde(default)]
    pub undo: Undo,
}

/// How far a run got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Backups and temp files; nothing on the host has changed.
    Preparing,
    /// Files are being renamed into place.
    Writing,
    /// Files are in place; commands are running.
    Commands,
    /// Done.
    #[default]
    Complete,
    /// A command failed (the files are in place; its commands are pending).
    Failed,
    /// Undone by a later run (`undone_by`).
    RolledBack,
}

impl RunState {
    /// Was the run cut short after it changed the host (a crash, a kill)?
    pub fn interrupted(self) -> bool {
        matches!(self, Self::Writing | Self::Commands)
    }
}

/// A confirmation `apply --confirm-timeout` waits for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirm {
    /// Seconds since the epoch after which the run is reverted.
    pub deadline: u64,
    /// Did `hostnet confirm` arrive?
    pub confirmed: bool,
    /// The run that reverted it, if the deadline passed.
    pub reverted_by: Option<String>,
}

/// The record of one run, enough to undo it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Run id.
    pub run_id: String,
    /// What was applied.
    pub playbook: String,
    /// How far the run got.
    #[serde(default)]
    pub state: RunState,
    /// Every path the run set out to change (temp files of a killed run are
    /// looked for next to them).
    #[serde(default)]
    pub planned: Vec<String>,
    /// Paths in the order they were first touched, with what was there before.
    pub entries: Vec<ManifestEntry>,
    /// Commands, in order.
    pub commands: Vec<CommandRecord>,
    /// Directories the run created (removed again by rollback when empty).
    #[serde(default)]
    pub created_dirs: Vec<String>,
    /// Did the run finish?
    pub complete: bool,
    /// The run this one rolled back (a rollback run).
    #[serde(default)]
    pub undoes: Option<String>,
    /// The run that rolled this one back.
    #[serde(default)]
    pub undone_by: Option<String>,
    /// `apply --confirm-timeout`: the confirmation it waits for.
    #[serde(default)]
    pub confirm: Option<Confirm>,
}

/// A path a run touched, what was there before and what the run left there.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The path on the host.
    pub path: String,
    /// What was there.
    pub before: Before,
    /// What the run left there (to tell a later edit from the run's own).
    #[serde(default)]
    pub after: Option<After>,
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

/// What a run left at a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum After {
    /// Nothing.
    Missing,
    /// A file with these contents (SHA-256, hex).
    File { sha256: String },
    /// A symlink.
    Link { target: String },
}

impl After {
    /// What is at a path now, in the same terms.
    pub fn of(entry: &Entry) -> Option<Self> {
        match entry {
            Entry::Missing => Some(Self::Missing),
            Entry::File { content, .. } => Some(Self::File {
                sha256: sha256(content),
            }),
            Entry::Link { target } => Some(Self::Link { target: target.clone() }),
            Entry::Directory => None,
        }
    }
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The apply lock, held until dropped. Everything that changes the host
/// under a root (apply, rollback, confirm, the confirm watcher) holds it.
#[derive(Debug)]
pub struct Lock {
    _file: FileLock,
}

/// Where one of hostnet's own paths is on this machine (links inside the
/// root are followed with chroot semantics, so they stay inside it).
fn state_path(root: &Root, path: &str) -> Result<PathBuf> {
    root.resolved_host_path(&SysPath::from_static(path), Follow::Yes)
}

/// Take the apply lock.
pub fn lock(root: &Root) -> Result<Lock> {
    Ok(Lock {
        _file: mutate::lock(&state_path(root, LOCK)?)?,
    })
}

/// The directory of run `id` on this machine.
pub fn run_dir(root: &Root, id: &str) -> Result<PathBuf> {
    Ok(state_path(root, RUNS)?.join(id))
}

fn manifest_path(id: &str) -> SysPath {
    SysPath::from_static(format!("{RUNS}/{id}/manifest.json"))
}

/// Is `id` shaped like a run id (a stamp, maybe `-N`)? Anything else under
/// the runs directory is not hostnet's.
fn is_run_id(id: &str) -> bool {
    let (stamp, suffix) = id.split_once('-').unwrap_or((id, "1"));
    stamp.len() == 16
        && stamp.bytes().enumerate().all(|(index, byte)| match index {
            8 => byte == b'T',
            15 => byte == b'Z',
            _ => byte.is_ascii_digit(),
        })
        && !suffix.is_empty()
        && suffix.bytes().all(|byte| byte.is_ascii_digit())
}

/// Run ids under the root, oldest first.
pub fn list(root: &Root) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for name in root.list(&SysPath::from_static(RUNS))? {
        if is_run_id(&name) && root.exists(&manifest_path(&name))? {
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
    read_record(root, &manifest_path(id))
}

/// One of a run's JSON records (its manifest, its status).
fn read_record<T: serde::de::DeserializeOwned>(root: &Root, path: &SysPath) -> Result<T> {
    let host = root.host_path(path);
    let text = root.read_text(path)?.ok_or_else(|| {
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

/// How far a run got and the confirmation it waits for: what every apply
/// reads of every run on record. [`save`] writes it beside the manifest
/// (`status.json`, after it), so an apply reads a few bytes per run instead
/// of every run's whole record, an entry per file it touched. It is only a
/// filter: a run it does not show finished is read whole, and a run written
/// without one (an older hostnet) is read from its manifest.
#[derive(Debug, Serialize, Deserialize)]
struct Status {
    #[serde(default)]
    state: RunState,
    #[serde(default)]
    confirm: Option<Confirm>,
}

fn status_path(id: &str) -> SysPath {
    SysPath::from_static(format!("{RUNS}/{id}/status.json"))
}

fn status(root: &Root, id: &str) -> Result<Status> {
    let own = status_path(id);
    let path = if root.exists(&own)? { own } else { manifest_path(id) };
    read_record(root, &path)
}

/// Save a manifest (the run's own journal, or another run's when a rollback
/// or a confirmation updates it).
pub fn save(root: &Root, manifest: &Manifest) -> Result<()> {
    let path = run_dir(root, &manifest.run_id)?.join("manifest.json");
    let mut text = serde_json::to_string_pretty(manifest).map_err(|error| {
        Error::new(ErrorKind::Write {
            path: path.clone(),
            message: format!("cannot record the run: {error}"),
        })
    })?;
    text.push('\n');
    mutate::write_file(&path, text.as_bytes(), 0o600, None, None)?;
    let status = Status {
        state: manifest.state,
        confirm: manifest.confirm.clone(),
    };
    let path = run_dir(root, &manifest.run_id)?.join("status.json");
    let mut text = serde_json::to_string(&status).map_err(|error| {
        Error::new(ErrorKind::Write {
            path: path.clone(),
            message: format!("cannot record the run: {error}"),
        })
    })?;
    text.push('\n');
    mutate::write_file(&path, text.as_bytes(), 0o600, None, None)
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

/// A run cut short after it changed the host.
#[derive(Clone, Debug)]
pub struct Interrupted {
    /// Its id.
    pub run_id: String,
    /// How far it got.
    pub state: RunState,
    /// The run it was rolling back, if it was a rollback.
    pub undoes: Option<String>,
}

/// Clean up after runs that were killed, under the lock: remove the temp
/// files they left next to the paths they planned, drop runs that never got
/// past `preparing` (they changed nothing), and return the interrupted one,
/// if any, for the caller to resume or finish.
pub fn recover(root: &Root, _lock: &Lock) -> Result<Option<Interrupted>> {
    let mut interrupted = None;
    // A run killed before its first record was saved changed nothing.
    for name in root.list(&SysPath::from_static(RUNS))? {
        if is_run_id(&name) && !root.exists(&manifest_path(&name))? {
            mutate::remove_tree(&run_dir(root, &name)?)?;
        }
    }
    for id in list(root)? {
        let Ok(status) = status(root, &id) else { continue };
        if matches!(
            status.state,
            RunState::Complete | RunState::Failed | RunState::RolledBack
        ) {
            continue;
        }
        let Ok(manifest) = manifest(root, &id) else { continue };
        sweep_planned(root, &manifest);
        if manifest.state == RunState::Preparing {
            discard(root, &manifest)?;
        } else {
            interrupted = Some(Interrupted {
                run_id: id,
                state: manifest.state,
                undoes: manifest.undoes.clone(),
            });
        }
    }
    for dir in [STATE, RUNS] {
        if let Ok(host) = state_path(root, dir) {
            mutate::sweep(&host);
        }
    }
    Ok(interrupted)
}

/// Remove temp files next to every path a run planned, and in its directory.
fn sweep_planned(root: &Root, manifest: &Manifest) {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for path in &manifest.planned {
        let Ok(path) = SysPath::new(path) else { continue };
        let Some(parent) = path.parent() else { continue };
        if let Ok(dir) = root.resolved_host_path(&parent, Follow::Yes)
            && !dirs.contains(&dir)
        {
            dirs.push(dir);
        }
    }
    if let Ok(dir) = run_dir(root, &manifest.run_id) {
        dirs.push(dir);
    }
    for dir in dirs {
        mutate::sweep(&dir);
    }
}

/// Forget a run that changed nothing: its directories and its record.
fn discard(root: &Root, manifest: &Manifest) -> Result<()> {
    let mut dirs: Vec<&String> = manifest.created_dirs.iter().collect();
    dirs.sort_by_key(|dir| std::cmp::Reverse(dir.len()));
    for dir in dirs {
        if let Ok(path) = SysPath::new(dir)
            && let Ok(host) = root.resolved_host_path(&path, Follow::No)
        {
            mutate::remove_empty_dir(&host)?;
        }
    }
    mutate::remove_tree(&run_dir(root, &manifest.run_id)?)
}

/// A run being written: every path is backed up before anything changes,
/// then the state moves on as the run does.
pub struct Journal<'a> {
    root: &'a Root,
    dir: PathBuf,
    /// Did this journal start a new run (rather than resume one)?
    fresh: bool,
    /// Paths backed up and directories recorded so far (one look-up each, at any size).
    recorded: HashSet<String>,
    /// Each path's entry in the manifest (what [`Journal::after`] fills in,
    /// one look-up each).
    positions: HashMap<String, usize>,
    /// What has been recorded so far.
    pub manifest: Manifest,
}

impl<'a> Journal<'a> {
    /// Start a new run (the lock proves no other run is under way), with
    /// every path it may touch; nothing is changed on the host yet.
    pub fn start(root: &'a Root, playbook: &str, planned: Vec<String>, _lock: &Lock) -> Result<Self> {
        let id = new_run_id(root)?;
        let dir = run_dir(root, &id)?;
        // The directories above hostnet's own keep the host's usual modes.
        let state = state_path(root, STATE)?;
        if let Some(parent) = state.parent() {
            mutate::create_dir_all(parent)?;
        }
        mutate::create_private_dir_all(&dir.join("files"))?;
        let journal = Self {
            root,
            dir,
            fresh: true,
            recorded: HashSet::default(),
            positions: HashMap::default(),
            manifest: Manifest {
                run_id: id,
                playbook: playbook.to_owned(),
                state: RunState::Preparing,
                planned,
                entries: Vec::new(),
                commands: Vec::new(),
                created_dirs: Vec::new(),
                complete: false,
                undoes: None,
                undone_by: None,
                confirm: None,
            },
        };
        journal.save()?;
        Ok(journal)
    }

    /// Go on with an interrupted run: what it saved before it started stays
    /// the record of "before", and the new paths join it.
    pub fn resume(root: &'a Root, id: &str, planned: Vec<String>, _lock: &Lock) -> Result<Self> {
        let mut manifest = manifest(root, id)?;
        let mut known: HashSet<String> = manifest.planned.iter().cloned().collect();
        for path in planned {
            if known.insert(path.clone()) {
                manifest.planned.push(path);
            }
        }
        let recorded = manifest
            .entries
            .iter()
            .map(|entry| entry.path.clone())
            .chain(manifest.created_dirs.iter().map(|dir| format!("dir:{dir}")))
            .collect();
        let mut positions = HashMap::default();
        for (index, entry) in manifest.entries.iter().enumerate() {
            positions.entry(entry.path.clone()).or_insert(index);
        }
        let journal = Self {
            root,
            dir: run_dir(root, id)?,
            fresh: false,
            recorded,
            positions,
            manifest,
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
        save(self.root, &self.manifest)
    }

    /// Save what is at `path` now, once per run (not yet written to disk:
    /// [`Journal::save`] does, before the first change).
    pub fn backup(&mut self, path: &SysPath) -> Result<()> {
        if !self.recorded.insert(path.to_string()) {
            return Ok(());
        }
        let mut parent = path.parent();
        while let Some(dir) = parent {
            if self.root.entry(&dir)? != Entry::Missing {
                break;
            }
            if self.recorded.insert(format!("dir:{dir}")) {
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
                let host = self.dir.join(&backup);
                if let Some(dir) = host.parent() {
                    mutate::create_private_dir_all(dir)?;
                }
                mutate::write_file(&host, &content, 0o600, None, None)?;
                Before::File { backup, mode, uid, gid }
            }
            Entry::Directory => {
                return Err(Error::new(ErrorKind::Write {
                    path: self.root.host_path(path),
                    message: "is a directory".into(),
                }));
            }
        };
        self.positions
            .entry(path.to_string())
            .or_insert(self.manifest.entries.len());
        self.manifest.entries.push(ManifestEntry {
            path: path.to_string(),
            before,
            after: None,
        });
        Ok(())
    }

    /// Record what the run leaves at `path`.
    pub fn after(&mut self, path: &SysPath, after: After) {
        if let Some(entry) = self
            .positions
            .get(path.as_str())
            .and_then(|index| self.manifest.entries.get_mut(*index))
        {
            entry.after = Some(after);
        }
    }

    /// Nothing changed after all (a precondition failed): forget a new run;
    /// a resumed one stays interrupted, as it was.
    pub fn abandon(self) -> Result<()> {
        if self.fresh {
            discard(self.root, &self.manifest)
        } else {
            Ok(())
        }
    }

    /// The first change is about to be made: the run's paths become pending
    /// (their commands are due until the run completes), and the journal
    /// says the host is changing.
    pub fn writing(&mut self) -> Result<()> {
        let mut paths = pending(self.root)?;
        let mut known: HashSet<SysPath> = paths.iter().cloned().collect();
        for entry in &self.manifest.entries {
            if let Ok(path) = SysPath::new(&entry.path)
                && known.insert(path.clone())
            {
                paths.push(path);
            }
        }
        let mut text = paths.iter().map(SysPath::as_str).collect::<Vec<_>>().join("\n");
        text.push('\n');
        mutate::write_file(&state_path(self.root, PENDING)?, text.as_bytes(), 0o600, None, None)?;
        self.manifest.state = RunState::Writing;
        self.save()
    }

    /// The files are in place; the commands start.
    pub fn commands(&mut self) -> Result<()> {
        self.manifest.state = RunState::Commands;
        self.save()
    }

    /// Record a command that ran (or was recorded).
    pub fn command(&mut self, record: CommandRecord) -> Result<()> {
        self.manifest.commands.push(record);
        self.save()
    }

    /// The run finished: nothing is pending any more, and it is recorded.
    pub fn complete(mut self) -> Result<()> {
        mutate::remove(&state_path(self.root, PENDING)?)?;
        self.manifest.state = RunState::Complete;
        self.manifest.complete = true;
        self.save()
    }

    /// A command failed: the run's paths stay pending, so the next plan runs
    /// their commands again.
    pub fn failed(&mut self) -> Result<()> {
        self.manifest.state = RunState::Failed;
        self.save()
    }
}

/// A run waiting for `hostnet confirm`: its id and deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The run.
    pub run_id: String,
    /// Seconds since the epoch.
    pub deadline: u64,
}

/// The run waiting for confirmation, if one is.
pub fn waiting(root: &Root) -> Result<Option<Waiting>> {
    for id in list(root)?.iter().rev() {
        let Ok(status) = status(root, id) else { continue };
        if !waits(status.state, status.confirm.as_ref()) {
            continue;
        }
        let Ok(manifest) = manifest(root, id) else { continue };
        if let Some(confirm) = &manifest.confirm
            && waits(manifest.state, Some(confirm))
        {
            return Ok(Some(Waiting {
                run_id: id.clone(),
                deadline: confirm.deadline,
            }));
        }
    }
    Ok(None)
}

/// Does a run in `state` with `confirm` wait for `hostnet confirm`?
fn waits(state: RunState, confirm: Option<&Confirm>) -> bool {
    confirm.is_some_and(|confirm| !confirm.confirmed && confirm.reverted_by.is_none()) && state != RunState::RolledBack
}

/// The error for an apply while a run waits for its confirmation.
pub fn waiting_error(root: &Root, waiting: &Waiting) -> Error {
    let flag = root.flag();
    let now = now();
    let hint = if now <= waiting.deadline {
        format!(
            "confirm it with `hostnet confirm{flag}` (it is reverted in {} s otherwise), then apply again",
            waiting.deadline - now
        )
    } else {
        format!(
            "its deadline passed and it was not reverted (its watcher did not run: a reboot?): `hostnet rollback {}{flag}` reverts it, `hostnet confirm{flag} --late` keeps it",
            waiting.run_id
        )
    };
    Error::new(ErrorKind::Invalid {
        message: format!("run {} waits for `hostnet confirm`", waiting.run_id),
        hint: Some(hint),
    })
}

/// Paths a failed or interrupted run wrote whose commands are still due:
/// the next plan treats them as changed, so the reloads and restarts that
/// depend on them run again instead of being skipped because the files
/// already match.
pub fn pending(root: &Root) -> Result<Vec<SysPath>> {
    Ok(root
        .read_text(&SysPath::from_static(PENDING))?
        .unwrap_or_default()
        .lines()
        .filter_map(|line| SysPath::new(line.trim()).ok())
        .collect())
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A new run id: the UTC time, `20261122T065331Z`, with `-2`, `-3`… if taken.
fn new_run_id(root: &Root) -> Result<String> {
    let base = utc_stamp(now());
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

    fn record(id: &str, state: RunState, confirm: Option<Confirm>) -> Manifest {
        Manifest {
            run_id: id.to_owned(),
            playbook: "site.yml".into(),
            state,
            planned: vec!["/etc/conf.d/net".into()],
            entries: Vec::new(),
            commands: Vec::new(),
            created_dirs: Vec::new(),
            complete: state == RunState::Complete,
            undoes: None,
            undone_by: None,
            confirm,
        }
    }

    fn pending_confirm() -> Option<Confirm> {
        Some(Confirm {
            deadline: 4_000_000_000,
            confirmed: false,
            reverted_by: None,
        })
    }

    #[test]
    fn a_status_is_saved_beside_each_manifest_and_only_filters() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        let id = "20261202T100000Z";
        let mut manifest = record(id, RunState::Complete, pending_confirm());
        save(&root, &manifest).unwrap();
        let status = root.read_text(&status_path(id)).unwrap().unwrap();
        assert_eq!(
            status,
            "{\"state\":\"complete\",\"confirm\":{\"deadline\":4000000000,\"confirmed\":false,\"reverted_by\":null}}\n"
        );
        assert_eq!(
            waiting(&root).unwrap().map(|waiting| waiting.run_id),
            Some(id.to_owned())
        );
        // Killed between the manifest and its status: the status still says
        // waiting, the manifest (which is read then) says confirmed.
        let status = root.read_bytes(&status_path(id)).unwrap().unwrap();
        manifest.confirm = manifest.confirm.map(|confirm| Confirm {
            confirmed: true,
            ..confirm
        });
        save(&root, &manifest).unwrap();
        mutate::write_file(
            &run_dir(&root, id).unwrap().join("status.json"),
            &status,
            0o600,
            None,
            None,
        )
        .unwrap();
        assert!(waiting(&root).unwrap().is_none());
    }

    #[test]
    fn a_run_without_a_status_is_read_from_its_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        let waits = "20261202T100000Z";
        let interrupted = "20261202T100001Z";
        save(&root, &record(waits, RunState::Complete, pending_confirm())).unwrap();
        save(&root, &record(interrupted, RunState::Writing, None)).unwrap();
        for id in [waits, interrupted] {
            mutate::remove(&run_dir(&root, id).unwrap().join("status.json")).unwrap();
        }
        assert_eq!(
            waiting(&root).unwrap().map(|waiting| waiting.run_id),
            Some(waits.to_owned())
        );
        let lock = lock(&root).unwrap();
        let found = recover(&root, &lock).unwrap().unwrap();
        assert_eq!((found.run_id.as_str(), found.state), (interrupted, RunState::Writing));
    }

    #[test]
    fn run_ids_are_utc_stamps() {
        assert_eq!(utc_stamp(0), "19700101T000000Z");
        assert_eq!(utc_stamp(1_795_330_411), "20261122T065331Z");
        assert!(is_run_id("20261122T065331Z"));
        assert!(is_run_id("20261122T065331Z-12"));
        assert!(!is_run_id("20261122T065331Z-"));
        assert!(!is_run_id("notes"));
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

    #[test]
    fn state_paths_are_hostnets_own() {
        for path in [
            "/var/lib/hostnet",
            "/var/lib/hostnet/runs/x/manifest.json",
            "/run/hostnet.lock",
        ] {
            assert!(is_state_path(&SysPath::from_static(path)), "{path}");
        }
        for path in ["/var/lib/hostnetx", "/run/hostnet", "/etc/hostnet/iptables.rules"] {
            assert!(!is_state_path(&SysPath::from_static(path)), "{path}");
        }
    }
}
