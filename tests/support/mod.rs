//! Shared test helpers: running the binary, temp roots.

#![allow(dead_code, unreachable_pub)]

pub mod golden;
pub mod lab;
pub mod rendered;
pub mod sandbox;
pub mod stock;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `hostnet` command with a clean environment (no colour).
pub fn hostnet() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hostnet"));
    command
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .current_dir(repo());
    command
}

/// Run `hostnet` with these arguments.
pub fn run(args: &[&str]) -> Output {
    hostnet().args(args).output().expect("run hostnet")
}

/// Stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Write `text` to `dir/relative`, creating directories.
pub fn write(dir: &Path, relative: &str, text: &str) -> PathBuf {
    let path = dir.join(relative);
    fs_err::create_dir_all(path.parent().unwrap()).unwrap();
    fs_err::write(&path, text).unwrap();
    path
}
