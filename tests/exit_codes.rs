//! Every exit code in docs/cli.md's table, pinned: the table lists exactly
//! 0, 1, 2, 3 and 64, and each is produced where the table says. 2 is only
//! ever "changes" with `--detailed-exitcode`: a usage error (which clap
//! would report as 2) exits 64, so a CI job cannot read a typo as a change.
//! 3 (apply failed part way) needs a live root: tests/live_apply.rs pins it
//! inside the sandbox.

use crate::support::{hostnet, repo, stderr, stdout, write};

/// The codes of the "Exit codes" table in docs/cli.md.
fn documented_codes() -> Vec<u8> {
    let text = fs_err::read_to_string(repo().join("docs/cli.md")).unwrap();
    let table = text
        .split("## Exit codes\n")
        .nth(1)
        .expect("docs/cli.md has an `## Exit codes` section");
    table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| line.trim_start_matches('|').split('|').next()?.trim().parse().ok())
        .collect()
}

#[test]
fn the_table_lists_every_code_hostnet_uses() {
    assert_eq!(documented_codes(), [0, 1, 2, 3, 64]);
}

fn code(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"x\\n\" }\n",
    );
    write(dir.path(), "facts.yml", "distro: debian\n");
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    let output = hostnet().current_dir(dir.path()).args(args).output().unwrap();
    (output.status.code(), stdout(&output), stderr(&output))
}

#[test]
fn zero_for_success_help_and_version() {
    let (status, out, _) = code(&["plan", "playbook.yml", "--root", "root", "--facts", "facts.yml"]);
    assert_eq!(status, Some(0));
    assert!(out.contains("+++ after: /etc/x\n"), "{out}");
    let (status, out, _) = code(&["--help"]);
    assert_eq!(status, Some(0));
    assert!(
        out.starts_with("Declarative, reviewable, reboot-safe QEMU/KVM host networking\n"),
        "{out}"
    );
    let (status, out, _) = code(&["--version"]);
    assert_eq!((status, out.as_str()), (Some(0), "hostnet 0.1.0\n"));
}

#[test]
fn one_for_an_error_in_the_playbook_or_its_files() {
    let (status, out, err) = code(&["plan", "missing.yml", "--root", "root"]);
    assert_eq!(status, Some(1));
    assert_eq!(out, "");
    assert!(
        err.starts_with("error: cannot read `missing.yml`: No such file or directory"),
        "{err}"
    );
}

#[test]
fn two_only_for_changes_with_detailed_exitcode() {
    let args = [
        "plan",
        "playbook.yml",
        "--root",
        "root",
        "--facts",
        "facts.yml",
        "--detailed-exitcode",
    ];
    let (status, out, _) = code(&args);
    assert_eq!(status, Some(2));
    assert!(out.ends_with("changed=1    skipped=0    failed=0\n"), "{out}");
}

#[test]
fn sixty_four_for_every_usage_error() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["plan", "playbook.yml", "--bogus"],
            "error: unexpected argument '--bogus' found\n",
        ),
        (
            &["plan"],
            "error: the following required arguments were not provided:\n  <PLAYBOOK>\n",
        ),
        (&["plna", "playbook.yml"], "error: unrecognized subcommand 'plna'\n"),
        (
            &["graph", "playbook.yml", "--format", "png"],
            "error: invalid value 'png' for '--format <FORMAT>'\n",
        ),
        (&["completions", "tcsh"], "error: invalid value 'tcsh' for '<SHELL>'\n"),
        (
            &["plan", "playbook.yml", "--color", "sometimes"],
            "error: invalid value 'sometimes' for '--color <WHEN>'\n",
        ),
    ];
    for (args, message) in cases {
        let (status, out, err) = code(args);
        assert_eq!(status, Some(64), "{args:?}: {err}");
        assert_eq!(out, "", "{args:?}");
        assert!(err.starts_with(message), "{args:?}:\n{err}");
    }
    // No command at all: the help, on stderr, and still a usage error.
    let (status, out, err) = code(&[]);
    assert_eq!((status, out.as_str()), (Some(64), ""));
    assert!(err.contains("\nUsage: hostnet [OPTIONS] <COMMAND>\n"), "{err}");
}
