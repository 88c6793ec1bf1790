//! Colour and progress: colour only on a terminal (or `--color always`),
//! never with `NO_COLOR` or `--color never`; the progress line only on a
//! terminal, never in a pipe or with `-q`. A terminal is a real pty from
//! util-linux `script`.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{stderr, stdout, write};

const PLAYBOOK: &str = "- name: Demo
  hosts: localhost
  tasks:
    - name: Bridge
      bridge: { name: br0, address: 192.0.2.1/24 }
    - name: A file
      file: { dest: /etc/demo.conf, content: \"hello\\n\" }
";

const BOLD_PLAY: &str =
    "\x1b[1mPLAY [Demo] ********************************************************************\x1b[0m";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", PLAYBOOK);
    write(dir.path(), "facts.yml", "distro: gentoo\ninit: openrc\n");
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    dir
}

/// hostnet with stdout and stderr piped, in an environment without colour settings.
fn piped(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hostnet"));
    command
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .args(args)
        .args(["--root", "root", "--facts", "facts.yml"]);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// hostnet on a pty (`script`): everything it wrote to the terminal, or `None` without `script`.
fn on_terminal(dir: &Path, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let has_script = Command::new("sh")
        .args(["-c", "command -v script >/dev/null"])
        .status()
        .is_ok_and(|status| status.success());
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(has_script || !ci, "CI is set but util-linux `script` is not installed");
    if !has_script {
        eprintln!("skipping: util-linux `script` is not installed");
        return None;
    }
    let line = format!("{} {args} --root root --facts facts.yml", env!("CARGO_BIN_EXE_hostnet"));
    let mut command = Command::new("script");
    command
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("TERM", "xterm")
        .args(["-q", "-e", "-c", &line, "/dev/null"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    Some(stdout(&output).replace("\r\n", "\n"))
}

#[test]
fn colour_follows_the_flag_the_terminal_and_no_color() {
    let dir = setup();
    let plan = ["plan", "playbook.yml"];
    // A pipe: no colour, unless asked for; `--color always` beats NO_COLOR.
    assert!(!stdout(&piped(dir.path(), &plan, &[])).contains('\x1b'));
    let always = stdout(&piped(dir.path(), &["plan", "playbook.yml", "--color", "always"], &[]));
    assert!(always.contains(&format!("\n{BOLD_PLAY}\n")), "{always}");
    assert!(always.contains("\n\x1b[32m+hello\x1b[0m\n"), "{always}");
    let forced = stdout(&piped(
        dir.path(),
        &["plan", "playbook.yml", "--color=always"],
        &[("NO_COLOR", "1")],
    ));
    assert_eq!(forced, always);
    let never = piped(
        dir.path(),
        &["plan", "playbook.yml", "--color", "never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!stdout(&never).contains('\x1b'));
    assert_eq!(stdout(&never), stdout(&piped(dir.path(), &plan, &[])));

    // A terminal: colour, unless NO_COLOR or --color never.
    let Some(terminal) = on_terminal(dir.path(), "plan playbook.yml", &[]) else {
        return;
    };
    assert!(terminal.contains(&format!("\n{BOLD_PLAY}\n")), "{terminal}");
    let no_color = on_terminal(dir.path(), "plan playbook.yml", &[("NO_COLOR", "1")]).unwrap();
    assert_eq!(no_color, stdout(&piped(dir.path(), &plan, &[])));
    let never = on_terminal(dir.path(), "plan playbook.yml --color never", &[]).unwrap();
    assert_eq!(never, no_color);
}

#[test]
fn progress_only_on_a_terminal() {
    let dir = setup();
    let Some(terminal) = on_terminal(dir.path(), "apply playbook.yml", &[("NO_COLOR", "1")]) else {
        return;
    };
    let clear = "\r\x1b[2K";
    assert!(
        terminal.starts_with(&format!(
            "{clear}[1/5] write /etc/conf.d/net{clear}[2/5] link /etc/init.d/net.br0{clear}[3/5] write /etc/demo.conf{clear}[4/5] command rc-update add net.br0 default{clear}[5/5] command rc-service net.br0 restart{clear}hostnet: distro gentoo"
        )),
        "{terminal:?}"
    );

    // Piped: nothing but the plan and the run line; the same apply again has nothing to show.
    let dir = setup();
    let output = piped(dir.path(), &["apply", "playbook.yml"], &[]);
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");
    assert!(!stdout(&output).contains("[1/5]"));

    // -q on a terminal: no progress either.
    let dir = setup();
    let quiet = on_terminal(dir.path(), "apply playbook.yml -q", &[("NO_COLOR", "1")]).unwrap();
    assert!(quiet.starts_with("PLAY RECAP"), "{quiet:?}");
}
