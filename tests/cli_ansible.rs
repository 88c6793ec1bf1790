//! Ansible-style flags: `apply --check`/`-C` (= plan), `plan --check`,
//! `--diff`/`--summary`, `--list-tasks`, `--list-tags`, `--syntax-check`,
//! `-v`/`-vv` and `-q`; each output pinned whole.

use std::path::Path;

use crate::support::{hostnet, stderr, stdout, write};

const PLAYBOOK: &str = "- name: Demo
  hosts: localhost
  tasks:
    - name: Bridge
      bridge: { name: br0, address: 192.0.2.1/24 }
      tags: [net]
    - name: A file
      file: { dest: /etc/demo.conf, content: \"{{ greeting }}\\n\" }
      vars: { greeting: hello }
      tags: [files, demo]
    - name: Never
      file: { dest: /etc/never, content: \"x\\n\" }
      tags: [never]
";

const BRIDGE_DIFF: &str = "\
--- before: /etc/conf.d/net
+++ after: /etc/conf.d/net
@@ -0,0 +1,8 @@
+# BEGIN hostnet network
+# Bridges, TAPs and uplinks for QEMU guests. Edit the playbook, not this block.
+
+config_br0=\"192.0.2.1/24\"
+bridge_br0=\"\"
+bridge_stp_state_br0=\"0\"
+mac_br0=\"02:75:d9:2e:4b:5a\"
+# END hostnet network
link: /etc/init.d/net.br0 -> net.lo
run (recorded): rc-update add net.br0 default
run (recorded): rc-service net.br0 restart
";

const RECAP: &str = "\
PLAY RECAP *********************************************************************
localhost                  : ok=0    changed=2    skipped=1    failed=0
";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", PLAYBOOK);
    write(dir.path(), "facts.yml", "distro: gentoo\ninit: openrc\n");
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    dir
}

/// `hostnet COMMAND playbook.yml --root root --facts facts.yml ARGS…`: stdout, asserting success and a quiet stderr.
fn run(dir: &Path, command: &str, args: &[&str]) -> String {
    let output = hostnet()
        .current_dir(dir)
        .args([command, "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    stdout(&output)
}

fn root_is_empty(dir: &Path) -> bool {
    fs_err::read_dir(dir.join("root")).unwrap().next().is_none()
}

#[test]
fn check_is_plan_for_apply_and_accepted_by_plan() {
    let dir = setup();
    let plan = run(dir.path(), "plan", &[]);
    assert!(plan.contains(BRIDGE_DIFF), "{plan}");
    assert_eq!(run(dir.path(), "plan", &["--check"]), plan);
    assert_eq!(run(dir.path(), "plan", &["-C", "--diff"]), plan);
    assert_eq!(run(dir.path(), "apply", &["--check"]), plan);
    assert_eq!(run(dir.path(), "apply", &["-C", "-D"]), plan);
    assert!(root_is_empty(dir.path()), "apply --check wrote something");
}

#[test]
fn summary_is_one_line_per_file_with_counts() {
    let dir = setup();
    assert_eq!(
        run(dir.path(), "plan", &["--summary"]),
        format!(
            "\
hostnet: distro gentoo, init openrc, targets network=gentoo-netifrc

PLAY [Demo] ********************************************************************

  /etc/conf.d/net      +8 -0 (new)
  /etc/init.d/net.br0  link -> net.lo
  run (recorded): rc-update add net.br0 default
  run (recorded): rc-service net.br0 restart
  /etc/demo.conf       +1 -0 (new)

{RECAP}"
        )
    );
    // The last of --diff and --summary wins, as with other overriding flags.
    assert_eq!(
        run(dir.path(), "plan", &["--summary", "--diff"]),
        run(dir.path(), "plan", &[])
    );

    // A changed file counts its added and removed lines.
    run(dir.path(), "apply", &[]);
    let again = run(dir.path(), "plan", &["--summary", "-e", "greeting=hi"]);
    assert!(again.contains("\n  /etc/demo.conf  +1 -1\n"), "{again}");
}

#[test]
fn list_tasks_and_tags_follow_ansible_playbook() {
    let dir = setup();
    let tasks = "\
playbook: playbook.yml

  play #1 (localhost): Demo\tTAGS: []
    tasks:
      Bridge\tTAGS: [net]
      A file\tTAGS: [files, demo]
";
    assert_eq!(run(dir.path(), "plan", &["--list-tasks"]), tasks);
    assert_eq!(run(dir.path(), "apply", &["--list-tasks"]), tasks);
    assert_eq!(run(dir.path(), "check", &["--list-tasks"]), tasks);
    assert_eq!(
        run(dir.path(), "plan", &["--list-tasks", "--tags", "never,net"]),
        "\
playbook: playbook.yml

  play #1 (localhost): Demo\tTAGS: []
    tasks:
      Bridge\tTAGS: [net]
      Never\tTAGS: [never]
"
    );
    assert_eq!(
        run(dir.path(), "plan", &["--list-tags"]),
        "\
playbook: playbook.yml

  play #1 (localhost): Demo\tTAGS: []
      TASK TAGS: [demo, files, net]
"
    );
    assert!(root_is_empty(dir.path()));
}

#[test]
fn syntax_check_reads_the_structure_only() {
    let dir = setup();
    assert_eq!(
        run(dir.path(), "apply", &["--syntax-check"]),
        "playbook: playbook.yml\n"
    );
    // No facts needed, nothing templated: an undefined variable is not its business...
    write(
        dir.path(),
        "undefined.yml",
        "- hosts: localhost\n  tasks:\n    - file: { dest: /etc/x, content: \"{{ nope }}\" }\n",
    );
    let output = hostnet()
        .current_dir(dir.path())
        .args(["plan", "undefined.yml", "--syntax-check", "--root", "no/such/root"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "playbook: undefined.yml\n");
    assert_eq!(output.status.code(), Some(0));
    // ...but a structural error is, with its position.
    write(
        dir.path(),
        "bad.yml",
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0 }\n      whne: x\n",
    );
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "bad.yml", "--syntax-check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "\
error: unknown key `whne` in task
 --> bad.yml:4:7
  |
4 |       whne: x
  |       ^^^^
  |
hint: did you mean `when`?
"
    );
}

#[test]
fn verbose_shows_arguments_after_templating_and_very_verbose_the_facts() {
    let dir = setup();
    let verbose = run(dir.path(), "plan", &["-v"]);
    assert!(
        verbose.contains(
            "\
TASK [A file] ******************************************************************
changed: [localhost]
  args: {\"dest\":\"/etc/demo.conf\",\"content\":\"hello\\n\"}
--- before: /etc/demo.conf
"
        ),
        "{verbose}"
    );
    assert!(
        verbose.contains("TASK [Never] *******************************************************************\nskipping: [localhost] (excluded by tags)\n\n"),
        "{verbose}"
    );
    let debug = run(dir.path(), "plan", &["-vv"]);
    assert!(
        debug.starts_with(
            "\
hostnet: distro gentoo, init openrc, targets network=gentoo-netifrc

facts used:
  users: not checked
  groups: not checked
  tools: -
  ufw enabled: no

PLAY [Demo] ********************************************************************

TASK [Bridge] ******************************************************************
task path: playbook.yml:4:7
changed: [localhost]
  args: {\"name\":\"br0\",\"address\":\"192.0.2.1/24\"}
"
        ),
        "{debug}"
    );
    // Without -v the arguments stay out of the plan.
    assert!(!run(dir.path(), "plan", &[]).contains("args:"));
}

#[test]
fn quiet_prints_the_recap_and_the_run() {
    let dir = setup();
    assert_eq!(run(dir.path(), "plan", &["-q"]), RECAP);
    let applied = run(dir.path(), "apply", &["-q"]);
    let run_id = applied
        .split("applied run ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        applied,
        format!(
            "{RECAP}\napplied run {run_id}: 4 path(s) changed, 2 command(s) recorded, not run (root is not /)\nundo with: hostnet rollback {run_id} --root root\n"
        )
    );
    assert_eq!(
        run(dir.path(), "apply", &["-q"]),
        "\
PLAY RECAP *********************************************************************
localhost                  : ok=2    changed=0    skipped=1    failed=0

nothing to do: the host already matches the playbook
"
    );
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    let dir = setup();
    let output = hostnet()
        .current_dir(dir.path())
        .args(["plan", "playbook.yml", "-q", "-v"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    assert_eq!(
        stderr(&output),
        "\
error: the argument '--quiet' cannot be used with '--verbose...'

Usage: hostnet plan --quiet <PLAYBOOK>

For more information, try '--help'.
"
    );
}
