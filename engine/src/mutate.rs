//! The only code that changes the host's file system or runs a program on it.
//!
//! Every primitive here names the path it failed on. Files are written
//! atomically (a temp file in the same directory, fsync, mode, owner, rename,
//! fsync of the directory); links are swapped in by rename. `clippy.toml`
//! bans these operations everywhere else, so a reader finds every mutation of
//! the host in this one file and in its callers (`apply.rs` for plans,
//! `runs.rs` for hostnet's own run records).

#![expect(
    clippy::disallowed_methods,
    reason = "mutate.rs is the module that writes to the host and runs programs"
)]

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// The error for a failed write at `path`.
pub fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::new(ErrorKind::Write {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// Create a directory and its parents.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|error| write_error(dir, &error))
}

/// Write a file atomically: temp file in the same directory, fsync, mode,
/// owner, rename, fsync the directory.
pub fn write_file(path: &Path, content: &[u8], mode: u32, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".hostnet-")
        .tempfile_in(dir)
        .map_err(|error| write_error(dir, &error))?;
    temp.write_all(content).map_err(|error| write_error(path, &error))?;
    temp.as_file().sync_all().map_err(|error| write_error(path, &error))?;
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode)).map_err(|error| write_error(path, &error))?;
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(temp.path(), uid, gid).map_err(|error| write_error(path, &error))?;
    }
    temp.persist(path).map_err(|error| write_error(path, &error.error))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|error| write_error(dir, &error))?;
    Ok(())
}

/// Point the symlink `path` at `target` (created or swapped by rename).
pub fn write_link(path: &Path, target: &str) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    create_dir_all(dir)?;
    let temp = dir.join(format!(".hostnet-link-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    symlink(target, &temp).map_err(|error| write_error(path, &error))?;
    fs::rename(&temp, path).map_err(|error| write_error(path, &error))?;
    Ok(())
}

/// Remove a directory if it is empty (a rollback leaves directories the user filled).
pub fn remove_empty_dir(path: &Path) -> Result<()> {
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

/// Remove a file or link; a missing one is fine.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(write_error(path, &error)),
        _ => Ok(()),
    }
}

/// An exclusive lock on a file, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Take an exclusive lock on `path` (created if missing) without waiting.
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
    let (program, args) = argv.split_first().ok_or_else(|| "empty command".to_owned())?;
    let output = duct::cmd(program, args)
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
