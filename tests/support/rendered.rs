//! A playbook rendered with the real `hostnet render` into a staging root,
//! for the tests that then run the real distro tools on the files.

use std::path::PathBuf;

use tempfile::TempDir;

use super::{run, stderr, stdout, write};

/// A playbook rendered into a staging root (kept until dropped).
pub struct Rendered {
    /// The staging root (stands for `/`).
    pub stage: TempDir,
    _work: TempDir,
}

impl Rendered {
    /// `hostnet render` of `playbook` with `facts` and `args`, over `before`
    /// (files already on the fake host: path and text).
    pub fn new(playbook: &str, facts: &str, args: &[&str], before: &[(&str, &str)]) -> Self {
        let work = tempfile::tempdir().unwrap();
        let playbook = write(work.path(), "site.yml", playbook);
        let facts = write(work.path(), "facts.yml", facts);
        let stage = tempfile::tempdir().unwrap();
        for (path, text) in before {
            write(stage.path(), path.trim_start_matches('/'), text);
        }
        let mut argv = vec![
            "render",
            playbook.to_str().unwrap(),
            "--out",
            stage.path().to_str().unwrap(),
            "--facts",
            facts.to_str().unwrap(),
            // The stage is the host: what it holds is what the files merge with.
            "--root",
            stage.path().to_str().unwrap(),
        ];
        argv.extend(args);
        let output = run(&argv);
        assert!(
            output.status.success(),
            "hostnet render failed:\n{}{}",
            stdout(&output),
            stderr(&output)
        );
        Self { stage, _work: work }
    }

    /// A stage holding only `files` (path and text), nothing rendered (controls).
    pub fn files(files: &[(&str, &str)]) -> Self {
        let stage = tempfile::tempdir().unwrap();
        for (path, text) in files {
            write(stage.path(), path.trim_start_matches('/'), text);
        }
        Self {
            stage,
            _work: tempfile::tempdir().unwrap(),
        }
    }

    /// Where `path` (absolute or relative) is in the stage.
    pub fn path(&self, path: &str) -> PathBuf {
        self.stage.path().join(path.trim_start_matches('/'))
    }

    /// A rendered file's text.
    pub fn read(&self, path: &str) -> String {
        fs_err::read_to_string(self.path(path)).unwrap()
    }

    /// Replace a file in the stage (negative controls).
    pub fn write(&self, path: &str, text: &str) {
        write(self.stage.path(), path.trim_start_matches('/'), text);
    }
}
