//! Golden cases: `tests/cases/<case>/` holds a playbook and what hostnet must
//! make of it, as real files.
//!
//! ```text
//! playbook.yml     the playbook
//! facts.yml        optional: facts (else detected under the root, from before/)
//! args             optional: extra arguments, one per line (`--distro`, `-e k=v`, …)
//! before/          optional: files already on the fake host (mirrors /)
//! before.modes     optional: modes for files of before/ that git cannot keep
//!                  (git stores only 0644 and 0755), one `0640 etc/ufw/before.init` a line
//! plan.diff        golden: stdout of `hostnet plan` (root path shown as ROOT)
//! commands.txt     golden: the commands apply records, one shell-quoted line each
//! tree.txt         golden: every file and link under the root after apply
//! expected/        golden: every file apply created or changed, exactly as on disk
//! ```
//!
//! [`check`] plans, applies into a temp root, compares all of the above,
//! re-plans (must be zero changes), applies again (must do nothing), and
//! rolls back (the tree must equal `before/` byte for byte).
//! `SNAPSHOTS=overwrite cargo test` rewrites the goldens; review the diff.
//! Without it a missing golden file is a failure, never an empty
//! expectation, and under `CI` the variable is refused: CI must compare.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

use super::{repo, stderr, stdout};

/// Is `SNAPSHOTS=overwrite` set? Panics under `CI` when `SNAPSHOTS` is set at
/// all: an inherited variable would make CI accept any output.
pub fn overwrite() -> bool {
    let snapshots = std::env::var_os("SNAPSHOTS");
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(
        !(ci && snapshots.is_some()),
        "SNAPSHOTS is set under CI: golden files would be rewritten instead of compared"
    );
    snapshots.is_some_and(|value| value == "overwrite")
}

/// Compare `actual` with the golden file, or rewrite it.
pub fn assert_golden(path: &Path, actual: &str) {
    if overwrite() {
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, actual).unwrap();
        return;
    }
    let expected = match fs_err::read_to_string(path) {
        Ok(expected) => expected,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
            "golden file {} is missing (run with SNAPSHOTS=overwrite to create it, then review it)",
            path.display()
        ),
        Err(error) => panic!("{error}"),
    };
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header(&format!("expected: {}", path.display()), "actual")
            .to_string();
        panic!(
            "golden mismatch for {}:\n{diff}\n(run with SNAPSHOTS=overwrite to accept)",
            path.display()
        );
    }
}

/// Paths hostnet keeps for itself under a root (run records, lock).
fn is_hostnet_state(relative: &str) -> bool {
    relative.starts_with("var/lib/hostnet/") || relative == "run/hostnet.lock"
}

/// Every file and link under `root`: relative path → description.
pub fn tree(root: &Path) -> BTreeMap<String, Node> {
    let mut nodes = BTreeMap::new();
    walk(root, root, &mut nodes);
    nodes
}

/// A file or link in a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    File { mode: u32, content: Vec<u8> },
    Link(String),
}

fn walk(root: &Path, dir: &Path, nodes: &mut BTreeMap<String, Node>) {
    let Ok(entries) = fs_err::read_dir(dir) else { return };
    for entry in entries {
        let entry = entry.unwrap();
        let path = entry.path();
        let relative = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let metadata = fs_err::symlink_metadata(&path).unwrap();
        if metadata.file_type().is_symlink() {
            if !is_hostnet_state(&relative) {
                let target = fs_err::read_link(&path).unwrap().to_string_lossy().into_owned();
                nodes.insert(relative, Node::Link(target));
            }
        } else if metadata.is_dir() {
            walk(root, &path, nodes);
        } else if !is_hostnet_state(&relative) {
            nodes.insert(
                relative,
                Node::File {
                    mode: metadata.mode() & 0o7777,
                    content: fs_err::read(&path).unwrap(),
                },
            );
        }
    }
}

/// `tree.txt` text: `0644 etc/conf.d/net` / `link etc/init.d/net.br0 -> net.lo`.
pub fn tree_text(nodes: &BTreeMap<String, Node>) -> String {
    nodes
        .iter()
        .map(|(path, node)| match node {
            Node::File { mode, .. } => format!("{mode:04o} {path}\n"),
            Node::Link(target) => format!("link {path} -> {target}\n"),
        })
        .collect()
}

/// Copy a tree (files keep their mode, links stay links).
pub fn copy_tree(from: &Path, to: &Path) {
    for (relative, node) in tree(from) {
        let target = to.join(&relative);
        fs_err::create_dir_all(target.parent().unwrap()).unwrap();
        match node {
            Node::File { mode, content } => {
                fs_err::write(&target, content).unwrap();
                std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
            }
            Node::Link(link) => symlink(link, &target).unwrap(),
        }
    }
}

/// One golden case.
pub struct Case {
    name: String,
    dir: PathBuf,
}

impl Case {
    /// The case in `tests/cases/<name>`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            dir: repo().join("tests/cases").join(name),
        }
    }

    fn args(&self, command: &str, root: &Path) -> Vec<String> {
        let mut args = vec![
            command.to_owned(),
            format!("tests/cases/{}/playbook.yml", self.name),
            "--root".to_owned(),
            root.display().to_string(),
        ];
        if self.dir.join("facts.yml").exists() {
            args.push("--facts".into());
            args.push(format!("tests/cases/{}/facts.yml", self.name));
        }
        if let Ok(extra) = fs_err::read_to_string(self.dir.join("args")) {
            args.extend(extra.lines().filter(|line| !line.trim().is_empty()).map(str::to_owned));
        }
        args
    }

    fn hostnet(&self, command: &str, root: &Path, more: &[&str]) -> std::process::Output {
        let mut args = self.args(command, root);
        args.extend(more.iter().map(|arg| (*arg).to_owned()));
        super::hostnet().args(&args).output().unwrap()
    }

    /// Give files of `before/` the modes `before.modes` lists.
    fn set_before_modes(&self, root: &Path) {
        let Ok(text) = fs_err::read_to_string(self.dir.join("before.modes")) else {
            return;
        };
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let (mode, path) = line
                .split_once(' ')
                .unwrap_or_else(|| panic!("before.modes: `{line}` is not `MODE PATH`"));
            let mode = u32::from_str_radix(mode, 8).unwrap_or_else(|_| panic!("before.modes: bad mode in `{line}`"));
            let file = root.join(path);
            assert!(
                file.is_file(),
                "before.modes names `{path}`, which before/ does not have"
            );
            std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        }
    }

    /// Run the whole check.
    pub fn check(&self) {
        assert!(
            self.dir.join("playbook.yml").exists(),
            "{} has no playbook.yml",
            self.dir.display()
        );
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("root");
        fs_err::create_dir_all(&root).unwrap();
        let before_dir = self.dir.join("before");
        if before_dir.exists() {
            copy_tree(&before_dir, &root);
        }
        self.set_before_modes(&root);
        let before = tree(&root);
        let normalise = |text: &str| text.replace(&root.display().to_string(), "ROOT");

        // 1. The plan.
        let plan = self.hostnet("plan", &root, &[]);
        assert!(
            plan.status.success(),
            "plan failed for {}:\n{}",
            self.name,
            stderr(&plan)
        );
        assert_golden(&self.dir.join("plan.diff"), &normalise(&stdout(&plan)));
        assert_eq!(tree(&root), before, "plan changed files under the root");

        // 2. Apply; the commands it records.
        let apply = self.hostnet("apply", &root, &["--json"]);
        assert!(
            apply.status.success(),
            "apply failed for {}:\n{}",
            self.name,
            stderr(&apply)
        );
        let report: serde_json::Value = serde_json::from_slice(&apply.stdout).unwrap();
        let commands: String = report["apply"]["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|command| {
                assert_eq!(command["executed"], false, "a command was executed under a test root");
                let argv: Vec<String> = command["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|word| word.as_str().unwrap().to_owned())
                    .collect();
                format!("{}\n", shell_line(&argv))
            })
            .collect();
        assert_golden(&self.dir.join("commands.txt"), &commands);

        // 3. The tree and every created or changed file.
        let after = tree(&root);
        assert_golden(&self.dir.join("tree.txt"), &tree_text(&after));
        let expected_dir = self.dir.join("expected");
        let changed: BTreeMap<&String, &Node> = after
            .iter()
            .filter(|(path, node)| matches!(node, Node::File { .. }) && before.get(*path) != Some(*node))
            .collect();
        if overwrite() {
            let _ = fs_err::remove_dir_all(&expected_dir);
            for (path, node) in &changed {
                if let Node::File { content, .. } = node {
                    let target = expected_dir.join(path);
                    fs_err::create_dir_all(target.parent().unwrap()).unwrap();
                    fs_err::write(target, content).unwrap();
                }
            }
        } else {
            let expected = tree(&expected_dir);
            let expected_paths: Vec<&String> = expected.keys().collect();
            let changed_paths: Vec<&String> = changed.keys().copied().collect();
            assert_eq!(
                changed_paths, expected_paths,
                "files apply created or changed vs expected/"
            );
            for (path, node) in &expected {
                if let (Node::File { content: want, .. }, Some(Node::File { content: got, .. })) =
                    (node, after.get(path))
                {
                    let want = String::from_utf8_lossy(want);
                    let got = String::from_utf8_lossy(got);
                    if want != got {
                        let diff = similar::TextDiff::from_lines(&*want, &*got).unified_diff().to_string();
                        panic!("{}: {path} differs from expected/:\n{diff}", self.name);
                    }
                }
            }
        }

        // 4. Run twice: no changes, nothing to do.
        let replan = self.hostnet("plan", &root, &["--detailed-exitcode"]);
        assert_eq!(
            replan.status.code(),
            Some(0),
            "re-plan after apply is not empty for {}:\n{}",
            self.name,
            stdout(&replan)
        );
        let text = stdout(&replan);
        assert!(text.contains(" changed=0 "), "re-plan recap for {}:\n{text}", self.name);
        let again = self.hostnet("apply", &root, &["--json"]);
        let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
        assert_eq!(
            report["apply"]["run_id"],
            serde_json::Value::Null,
            "second apply did something"
        );
        assert_eq!(report["apply"]["commands"].as_array().map(Vec::len), Some(0));
        assert_eq!(tree(&root), after, "second apply changed the tree");

        // 5. Roll back: byte-identical to before.
        let rollback = super::hostnet()
            .args(["rollback", "--root"])
            .arg(&root)
            .output()
            .unwrap();
        assert!(rollback.status.success(), "rollback failed: {}", stderr(&rollback));
        assert_eq!(
            tree_text(&tree(&root)),
            tree_text(&before),
            "rollback did not restore the tree"
        );
        assert_eq!(tree(&root), before, "rollback did not restore file contents");
    }
}

/// An argv as one shell-quoted line (as the human printer shows it).
pub fn shell_line(argv: &[String]) -> String {
    hostnet_engine::shell::line(argv)
}
