//! `hostnet completions bash|zsh|fish` and `hostnet man` cover every
//! subcommand `hostnet --help` lists; the bash script really completes, and
//! zsh and fish accept their scripts.

use std::process::Command;

use crate::support::{hostnet, stdout};

/// The subcommands `hostnet --help` lists (without `help`).
fn subcommands() -> Vec<String> {
    let help = stdout(&hostnet().arg("--help").output().unwrap());
    let commands: Vec<String> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .filter(|name| name != "help")
        .collect();
    assert_eq!(
        commands,
        [
            "plan",
            "apply",
            "check",
            "render",
            "destroy",
            "rollback",
            "confirm",
            "facts",
            "verify",
            "qemu",
            "graph",
            "lab",
            "schema",
            "completions",
            "man"
        ]
    );
    commands
}

fn script(shell: &str) -> String {
    let output = hostnet().args(["completions", shell]).output().unwrap();
    assert!(output.status.success());
    stdout(&output)
}

#[test]
fn every_shell_script_knows_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let text = script(shell);
        for command in subcommands() {
            let needle = match shell {
                "bash" => format!("cmd=\"hostnet__subcmd__{command}\""),
                "zsh" => format!("'{command}:"),
                _ => format!("-a \"{command}\""),
            };
            assert!(
                text.contains(&needle),
                "{shell} completion lacks `{command}` ({needle})"
            );
        }
    }
}

/// Completions bash offers when the cursor is at the end of the last of `words`.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let line = words.join(" ");
    let script = format!(
        "source <(\"$HOSTNET\" completions bash)\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\n_hostnet hostnet \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.len() - 1
    );
    let output = Command::new("bash")
        .args(["--norc", "-c", &script])
        .env("HOSTNET", env!("CARGO_BIN_EXE_hostnet"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut words: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    words.sort();
    words
}

#[test]
fn bash_completes_commands_and_values() {
    assert_eq!(bash_completes(&["hostnet", "pl"]), ["plan"]);
    assert_eq!(bash_completes(&["hostnet", "c"]), ["check", "completions", "confirm"]);
    assert_eq!(
        bash_completes(&["hostnet", "graph", "x.yml", "--format", ""]),
        ["dot", "mermaid", "svg"]
    );
    assert_eq!(
        bash_completes(&["hostnet", "apply", "x.yml", "--list-t"]),
        ["--list-tags", "--list-tasks"]
    );
}

#[test]
fn zsh_and_fish_accept_their_scripts() {
    for (shell, check) in [("zsh", ["-n"]), ("fish", ["--no-execute"])] {
        if !installed(shell) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("hostnet.{shell}"));
        fs_err::write(&path, script(shell)).unwrap();
        let output = Command::new(shell).args(check).arg(&path).output().unwrap();
        assert!(
            output.status.success(),
            "{shell} rejects its completion script: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_man_page_documents_every_subcommand_and_exit_code() {
    let output = hostnet().arg("man").output().unwrap();
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH hostnet 1  \"hostnet 0.1.0\" \n"),
        "{page}"
    );
    for command in subcommands() {
        assert!(
            page.contains(&format!(".SS \"hostnet {command}\"\n")),
            "man page lacks `hostnet {command}`"
        );
    }
    assert!(page.contains("\\fBhostnet apply\\fR "), "no synopsis for apply");
    assert!(page.contains("\\fB\\-\\-list\\-tasks\\fR\n"), "no --list-tasks");
    for code in ["0", "1", "2", "3", "64"] {
        assert!(page.contains(&format!(".TP\n{code}\n")), "exit code {code} missing");
    }
    assert!(page.contains(".SH ENVIRONMENT\n.TP\nNO_COLOR\n"));
}

/// Is `tool` on `PATH`? Outside CI a missing shell skips its check (with a message); under CI it fails.
fn installed(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", "command -v \"$1\" >/dev/null", "sh", tool])
        .status()
        .is_ok_and(|status| status.success());
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(
        found || !ci,
        "CI is set but `{tool}` is not installed (.ci/install-deps installs it)"
    );
    if !found {
        eprintln!("skipping: `{tool}` is not installed");
    }
    found
}
