//! The only code that changes the host's file system or runs a program on it.
//!
//! Every primitive here names the path it failed on. A file is changed in
//! two steps: [`stage_file`] writes the new contents into a temp file in the
//! same directory (fsync, mode, owner) and [`Staged::commit`] renames it into
//! place and fsyncs the directory, so every file is wholly old or wholly new
//! whenever the process dies; links are staged and swapped in the same way.
//! Staging is where a full disk, a read-only directory or a missing
//! permission shows up, before anything has changed. Temp files are named
//! `.hostnet-tmp-…`; one left behind by a killed run is removed by the next
//! run ([`sweep`]). `clippy.toml` bans these operations everywhere else, so a
//! reader finds every mutation of the host in this one file and in its
//! callers (`apply.rs` for plans, `runs.rs` for hostnet's own run records).
//!
//! For the crash tests, [`set_abort_after`] makes the process `kill -9`
//! itself at the N-th mutation (no destructors, no cleanup).

#![expect(
    clippy::disallowed_methods,
    reason = "mutate.rs is the module that writes to the host and runs programs"
)]

use std::fs::{self, DirBuilder, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, ErrorKind, Result};

/// The prefix of every temp file hostnet makes.
pub const TEMP_PREFIX: &str = ".hostnet-tmp-";

/// Abort at this mutation (0: never).
static ABORT_AT: AtomicU64 = AtomicU64::new(0);
/// Mutations so far.
static MUTATIONS: AtomicU64 = AtomicU64::new(0);
/// Bumped by every change this process makes to the file system and by
/// every program it runs: what [`crate::root::Root`] remembers of the
/// tree (directories, missing paths) holds only within one generation.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The file system's generation as this process knows it: it changes
/// whenever hostnet wrote, removed or ran anything.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::SeqCst)
}

fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Kill the process at the `n`-th mutation from now (crash tests only).
pub fn set_abort_after(n: u64) {
    ABORT_AT.store(n, Ordering::SeqCst);
    MUTATIONS.store(0, Ordering::SeqCst);
}

/// Count one mutation, and die by `SIGKILL` if the crash test asked for it here.
fn step() {
    changed();
    let at = ABORT_AT.load(Ordering::SeqCst);
    if at != 0 && MUTATIONS.fetch_add(1, Ordering::SeqCst) + 1 >= at {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        // `kill` is not there: die without cleanup all the same.
        std::process::abort();
    }
}

/// The error for a failed write at `path`.
pub fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::new(ErrorKind::Write {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// Create a directory and its parents.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    changed();
    fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))
}

/// Create a directory and its parents, each new one with `mode` (hostnet's
/// own state: root only).
pub fn create_private_dir_all(dir: &Path) -> Result<()> {
    changed();
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|error| write_error(dir, &error))
}

/// A new file or link waiting in a temp file next to its place.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    path: PathBuf,
}

impl Staged {
    /// Rename it into place and fsync the directory.
    pub fn commit(self) -> Result<()> {
        step();
        fs::rename(&self.temp, &self.path).map_err(|error| write_error(&self.path, &error))?;
        let dir = self.path.parent().unwrap_or_else(|| Path::new("/"));
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|error| write_error(dir, &error))
    }

    /// Remove the temp file (nothing changes).
    pub fn discard(self) {
        let _ = fs::remove_file(&self.temp);
    }

    /// Where it goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn temp_dir_of(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new("/"))
}

/// Write `content` into a temp file next to `path` (fsync, mode, owner),
/// ready to be renamed into place.
pub fn stage_file(path: &Path, content: &[u8], mode: u32, uid: Option<u32>, gid: Option<u32>) -> Result<Staged> {
    let dir = temp_dir_of(path);
    create_dir_all(dir)?;
    step();
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| write_error(dir, &error))?;
    let (mut file, temp) = temp.keep().map_err(|error| write_error(dir, &error.error))?;
    let staged = Staged {
        temp,
        path: path.to_path_buf(),
    };
    let result = (|| {
        file.write_all(content)?;
        file.sync_all()?;
        fs::set_permissions(&staged.temp, fs::Permissions::from_mode(mode))?;
        if uid.is_some() || gid.is_some() {
            std::os::unix::fs::chown(&staged.temp, uid, gid)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(staged),
        Err(error) => {
            staged.discard();
            Err(write_error(path, &error))
        }
    }
}

/// A symlink `path -> target` in a temp name next to `path`.
pub fn stage_link(path: &Path, target: &str) -> Result<Staged> {
    let dir = temp_dir_of(path);
    create_dir_all(dir)?;
    step();
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .make_in(dir, |temp| symlink(target, temp))
        .map_err(|error| write_error(path, &error))?;
    let (_, temp) = temp.keep().map_err(|error| write_error(path, &error.error))?;
    Ok(Staged {
        temp,
        path: path.to_path_buf(),
    })
}

/// Can a file be created and removed in `path`'s directory? (Checked before
/// a run removes `path`, so a read-only directory stops it before it starts.)
pub fn probe(path: &Path) -> Result<()> {
    let dir = temp_dir_of(path);
    if !dir.exists() {
        return Ok(());
    }
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|error| write_error(path, &error))?;
    temp.close().map_err(|error| write_error(path, &error))
}

/// Write a file atomically: stage it, then commit it.
pub fn write_file(path: &Path, content: &[u8], mode: u32, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    stage_file(path, content, mode, uid, gid)?.commit()
}

/// Point the symlink `path` at `target` (created or swapped by rename).
pub fn write_link(path: &Path, target: &str) -> Result<()> {
    stage_link(path, target)?.commit()
}

/// Remove a directory if it is empty (a rollback leaves directories the user filled).
pub fn remove_empty_dir(path: &Path) -> Result<()> {
    step();
    match fs::remove_dir(path) {
        Ok(()) => Ok(()),
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::DirectoryNotEmpty
            ) =>
        {
            Ok(())
        }
        Err(error) => Err(write_error(path, &error)),
    }
}

/// Remove a directory and everything in it (a run record that changed nothing).
pub fn remove_tree(path: &Path) -> Result<()> {
    changed();
    match fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(write_error(path, &error)),
        _ => Ok(()),
    }
}

/// Remove a file or link; a missing one is fine.
pub fn remove(path: &Path) -> Result<()> {
    step();
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(write_error(path, &error)),
        _ => Ok(()),
    }
}

/// Remove hostnet's temp files (`.hostnet-tmp-…`) left in `dir` by a run
/// that was killed. Only called under the apply lock, when no other run can
/// be writing one. Returns how many were removed.
pub fn sweep(dir: &Path) -> usize {
    changed();
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && entry.file_type().is_ok_and(|kind| !kind.is_dir())
            && fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// An exclusive lock on a file, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Take an exclusive lock on `path` (created if missing, root only) without waiting.
pub fn lock(path: &Path) -> Result<FileLock> {
    if let Some(dir) = path.parent() {
        create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|error| write_error(path, &error))?;
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    match file.try_lock() {
        Ok(()) => Ok(FileLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(Error::new(ErrorKind::Locked {
            path: path.to_path_buf(),
        })),
        Err(TryLockError::Error(error)) => Err(write_error(path, &error)),
    }
}

/// How a program ended.
#[derive(Debug)]
pub struct Exit {
    /// Did it exit with status 0?
    pub success: bool,
    /// Its exit code, if it exited.
    pub code: Option<i32>,
    /// What it printed (stdout and stderr, interleaved).
    pub output: String,
}

/// Run `argv` without a shell and wait for it; an error means it could not be started.
pub fn run(argv: &[String]) -> std::result::Result<Exit, String> {
    run_with_input(argv, None)
}

/// Run `argv` without a shell, with `input` on its standard input (else
/// none), and wait for it; an error means it could not be started.
pub fn run_with_input(argv: &[String], input: Option<&str>) -> std::result::Result<Exit, String> {
    step();
    let (program, args) = argv.split_first().ok_or_else(|| "empty command".to_owned())?;
    let command = duct::cmd(program, args);
    let command = match input {
        Some(input) => command.stdin_bytes(input.as_bytes().to_vec()),
        None => command.stdin_null(),
    };
    let output = command
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()
        .map_err(|error| error.to_string())?;
    Ok(Exit {
        success: output.status.success(),
        code: output.status.code(),
        output: String::from_utf8_lossy(&output.stdout).into_owned(),
    })
}

/// How a program ended, with its output streams apart.
#[derive(Debug)]
pub struct Captured {
    /// Did it exit with status 0?
    pub success: bool,
    /// Its exit code, if it exited.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

/// Run `program` with `args` without a shell, feeding it `input`, and wait;
/// an error means it could not be started (`NotFound`: not installed).
pub fn capture(program: &str, args: &[&str], input: &[u8]) -> std::io::Result<Captured> {
    changed();
    let output = duct::cmd(program, args)
        .stdin_bytes(input)
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()?;
    Ok(Captured {
        success: output.status.success(),
        code: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

/// Start `argv` in a process group of its own, detached from the terminal's
/// job control (a hangup of the session that started it does not reach it),
/// with no standard input or output; do not wait for it.
pub fn spawn_detached(argv: &[String]) -> Result<()> {
    changed();
    let (program, args) = argv.split_first().ok_or_else(|| {
        Error::new(ErrorKind::Invalid {
            message: "empty command".into(),
            hint: None,
        })
    })?;
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map(drop)
        .map_err(|error| write_error(Path::new(program), &error))
}
