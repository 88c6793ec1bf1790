//! The corpus of bad input (issue #17): playbooks, vars files and host
//! files that hostnet must refuse, each under `tests/corpus/<case>/`:
//!
//! ```text
//! playbook.yml   the playbook (may be broken itself)
//! vars.yml       optional: passed as `-e @vars.yml`
//! facts.yml      optional: the host's facts (default: tests/corpus/facts.yml, Gentoo)
//! before/        optional: files already on the host (a broken fence, a directory in the way…)
//! stderr         golden: the whole message (root shown as ROOT)
//! ```
//!
//! For every case `hostnet apply` exits 1 (an error, not a panic), prints
//! nothing on stdout, prints exactly the pinned message, and writes nothing:
//! the root's every file, link, directory and mode is the same afterwards
//! (hostnet's own state included: no run record, no lock file, no temp file).

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::support::golden::{assert_golden, copy_tree};
use crate::support::{hostnet, repo, stderr, stdout};

macro_rules! corpus {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($dir);
            }
        )*

        const CASES: &[&str] = &[$($dir),*];
    };
}

corpus! {
    yaml_syntax => "yaml-syntax",
    yaml_duplicate_key => "yaml-duplicate-key",
    playbook_not_utf8 => "playbook-not-utf8",
    task_key_typo => "task-key-typo",
    task_two_modules => "task-two-modules",
    undefined_variable => "undefined-variable",
    template_syntax => "template-syntax",
    template_runs_forever => "template-runs-forever",
    template_out_of_fuel => "template-out-of-fuel",
    loop_too_long => "loop-too-long",
    bridge_name_dash => "bridge-name-dash",
    interface_name_semicolon => "interface-name-semicolon",
    interface_name_too_long => "interface-name-too-long",
    service_name_dash => "service-name-dash",
    service_name_dotdot => "service-name-dotdot",
    service_name_dot => "service-name-dot",
    sysctl_value_nul => "sysctl-value-nul",
    sysctl_value_out_of_range => "sysctl-value-out-of-range",
    sysctl_rp_filter_3 => "sysctl-rp-filter-3",
    sysctl_unknown_key => "sysctl-unknown-key",
    dhcp_domain_label_64 => "dhcp-domain-label-64",
    dhcp_domain_underscore => "dhcp-domain-underscore",
    qemu_vm_name_options => "qemu-vm-name-options",
    qemu_hostfwd_guestfwd => "qemu-hostfwd-guestfwd",
    qemu_vm_name_dash => "qemu-vm-name-dash",
    mac_invalid => "mac-invalid",
    file_dest_relative => "file-dest-relative",
    file_dest_dotdot => "file-dest-dotdot",
    file_dest_hostnet_runs => "file-dest-hostnet-runs",
    blockinfile_hostnet_lock => "blockinfile-hostnet-lock",
    file_src_absolute => "file-src-absolute",
    file_src_dotdot => "file-src-dotdot",
    file_src_link_to_dev_zero => "file-src-link-to-dev-zero",
    blockinfile_marker_trailing_space => "blockinfile-marker-trailing-space",
    blockinfile_marker_empty => "blockinfile-marker-empty",
    file_mode_not_octal => "file-mode-not-octal",
    vars_file_syntax => "vars-file-syntax",
    vars_file_not_a_mapping => "vars-file-not-a-mapping",
    vars_file_duplicate_key => "vars-file-duplicate-key",
    vars_files_template_error => "vars-files-template-error",
    fence_orphan_begin => "fence-orphan-begin",
    fence_orphan_end => "fence-orphan-end",
    fence_marker_twice => "fence-marker-twice",
    fence_nested => "fence-nested",
    fence_ufw_orphan_after_filter => "fence-ufw-orphan-after-filter",
    blockinfile_marker_of_a_backend => "blockinfile-marker-of-a-backend",
    managed_path_is_a_directory => "managed-path-is-a-directory",
    init_d_dangling_link => "init-d-dangling-link",
    managed_file_link_loop => "managed-file-link-loop",
    two_tasks_one_file => "two-tasks-one-file",
    file_owner_unknown => "file-owner-unknown",
}

/// Everything under `root`: path → kind, mode and contents (directories too).
pub(crate) fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs_err::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            let metadata = fs_err::symlink_metadata(&path).unwrap();
            let mode = metadata.mode() & 0o7777;
            if metadata.file_type().is_symlink() {
                out.insert(
                    relative,
                    format!("link -> {}", fs_err::read_link(&path).unwrap().display()),
                );
            } else if metadata.is_dir() {
                out.insert(relative, format!("dir {mode:04o}"));
                walk(root, &path, out);
            } else {
                let content = fs_err::read(&path).unwrap();
                out.insert(relative, format!("file {mode:04o} {content:?}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

pub(crate) fn check(name: &str) {
    let case = repo().join("tests/corpus").join(name);
    assert!(
        case.join("playbook.yml").exists(),
        "{} has no playbook.yml",
        case.display()
    );
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("root");
    fs_err::create_dir_all(&root).unwrap();
    if case.join("before").exists() {
        copy_tree(&case.join("before"), &root);
    }
    let before = snapshot(&root);
    let facts = if case.join("facts.yml").exists() {
        format!("tests/corpus/{name}/facts.yml")
    } else {
        "tests/corpus/facts.yml".to_owned()
    };
    let mut args = vec![
        "apply".to_owned(),
        format!("tests/corpus/{name}/playbook.yml"),
        "--root".to_owned(),
        root.display().to_string(),
        "--facts".to_owned(),
        facts,
    ];
    if case.join("vars.yml").exists() {
        args.push("-e".into());
        args.push(format!("@tests/corpus/{name}/vars.yml"));
    }
    let output = hostnet().args(&args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{name}: expected exit 1 (an error, not a panic)\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(stdout(&output), "", "{name}: a refused apply prints no plan");
    let message = stderr(&output).replace(&root.display().to_string(), "ROOT");
    assert_golden(&case.join("stderr"), &message);
    assert_eq!(snapshot(&root), before, "{name}: the refused apply changed the root");
}

#[test]
fn every_corpus_directory_has_a_test_and_there_are_at_least_40() {
    let mut directories: Vec<String> = fs_err::read_dir(repo().join("tests/corpus"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    directories.sort();
    let mut listed: Vec<String> = CASES.iter().map(|case| (*case).to_owned()).collect();
    listed.sort();
    assert_eq!(directories, listed, "tests/corpus/ and corpus! disagree");
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
}

/// Inputs too large to keep in the repository, made here: a playbook of more
/// YAML nodes than hostnet reads, and one larger than 1 MiB.
#[test]
fn oversized_playbooks_are_refused_without_writing() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("root");
    fs_err::create_dir_all(&root).unwrap();
    let nodes = format!(
        "- hosts: localhost\n  vars:\n    big: [{}1]\n  tasks: []\n",
        "1,".repeat(260_000)
    );
    let huge = format!("# {}\n- hosts: localhost\n  tasks: []\n", "x".repeat(1 << 20));
    for (name, text, message) in [
        (
            "nodes.yml",
            nodes,
            "error: the YAML holds too many values (nodes): this is not a playbook hostnet reads\n",
        ),
        ("huge.yml", huge, "error: cannot read `"),
    ] {
        let path = crate::support::write(temp.path(), name, &text);
        let output = hostnet()
            .args(["apply", path.to_str().unwrap(), "--root", root.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        assert!(stderr(&output).starts_with(message), "{name}: {}", stderr(&output));
        assert!(snapshot(&root).is_empty(), "{name} wrote under the root");
    }
    let output = hostnet()
        .args(["check", temp.path().join("huge.yml").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stderr(&output).contains("is larger than 1048576 bytes"),
        "{}",
        stderr(&output)
    );
}
