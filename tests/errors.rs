//! Error messages, pinned whole: `error:`, `--> file:line:col`, the line, a
//! caret, and a hint. Each also proves that nothing was written.

use crate::support::{hostnet, stderr, stdout, write};

/// Run `hostnet apply playbook.yml --root root` in a temp dir holding
/// `playbook.yml`; assert failure with exactly `expected` on stderr, nothing
/// on stdout, and nothing written under the root.
pub(crate) fn fails(playbook: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    write(dir.path(), "facts.yml", "distro: gentoo\n");
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    let output = hostnet()
        .current_dir(dir.path())
        .args(["apply", "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), expected);
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
    let written: Vec<_> = fs_err::read_dir(dir.path().join("root")).unwrap().collect();
    assert!(
        written.is_empty(),
        "an invalid playbook wrote under the root: {written:?}"
    );
}

#[test]
fn yaml_syntax_error() {
    fails(
        "- name: p\n  tasks:\n   - name: a\n    file: {dest: /x}\n",
        "\
error: while parsing a block collection, did not find expected '-' indicator
 --> playbook.yml:4:5
  |
4 |     file: {dest: /x}
  |     ^^^^
",
    );
}

#[test]
fn misspelt_task_key() {
    fails(
        "- name: p\n  tasks:\n    - name: a\n      file: { dest: /etc/x, content: \"x\" }\n      whne: true\n",
        "\
error: unknown key `whne` in task
 --> playbook.yml:5:7
  |
5 |       whne: true
  |       ^^^^
  |
hint: did you mean `when`?
",
    );
}

#[test]
fn misspelt_play_key() {
    fails(
        "- name: p\n  hsts: localhost\n  tasks: []\n",
        "\
error: unknown key `hsts` in play
 --> playbook.yml:2:3
  |
2 |   hsts: localhost
  |   ^^^^
  |
hint: did you mean `hosts`?
",
    );
}

#[test]
fn misspelt_module_argument() {
    fails(
        "- name: p\n  tasks:\n    - name: Bridge\n      bridge: { name: br0, mut: 1500 }\n",
        "\
error: unknown key `mut` in `bridge` arguments (in task `Bridge`)
 --> playbook.yml:4:28
  |
4 |       bridge: { name: br0, mut: 1500 }
  |                            ^^^
  |
hint: did you mean `mtu`?
",
    );
}

#[test]
fn undefined_variable() {
    fails(
        "- name: p\n  vars:\n    subnet: 172.16.1.0/24\n  tasks:\n    - name: Private bridge\n      bridge: { name: br0, address: \"{{ subnett | host(1) }}\" }\n",
        "\
error: undefined variable `subnett` (in task `Private bridge`)
 --> playbook.yml:6:37
  |
6 |       bridge: { name: br0, address: \"{{ subnett | host(1) }}\" }
  |                                     ^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: define it in the play's `vars`, a `vars_files` file, the task's `vars`, or with `-e name=value`
",
    );
}

#[test]
fn undefined_attribute_of_a_loop_item() {
    fails(
        "- name: p\n  vars:\n    vms: [{ name: a }]\n  tasks:\n    - name: Taps\n      tap: { name: \"{{ item.tap }}\" }\n      loop: \"{{ vms }}\"\n",
        "\
error: undefined variable `item.tap` (in task `Taps`)
 --> playbook.yml:6:20
  |
6 |       tap: { name: \"{{ item.tap }}\" }
  |                    ^^^^^^^^^^^^^^^^
  |
hint: define it in the play's `vars`, a `vars_files` file, the task's `vars`, or with `-e name=value`
",
    );
}

#[test]
fn wrong_type_after_templating() {
    fails(
        "- name: p\n  vars:\n    mtu: big\n  tasks:\n    - name: Bridge\n      bridge: { name: br0, mtu: \"{{ mtu }}\" }\n",
        "\
error: expected an integer from 0 to 65535, found the string `big` (in task `Bridge`)
 --> playbook.yml:6:33
  |
6 |       bridge: { name: br0, mtu: \"{{ mtu }}\" }
  |                                 ^^^^^^^^^^^
",
    );
}

#[test]
fn invalid_address_after_templating() {
    fails(
        "- name: p\n  tasks:\n    - name: Bridge\n      bridge: { name: br0, address: 172.16.1.300/24 }\n",
        "\
error: `172.16.1.300/24` is not an address with a prefix length like `172.16.1.1/24` (in task `Bridge`)
 --> playbook.yml:4:37
  |
4 |       bridge: { name: br0, address: 172.16.1.300/24 }
  |                                     ^^^^^^^^^^^^^^^
  |
hint: `address` is `none`, `dhcp`, or addresses with prefix like `172.16.1.1/24`
",
    );
}

#[test]
fn task_without_a_module() {
    fails(
        "- name: p\n  tasks:\n    - name: Nothing to do\n      when: true\n",
        "\
error: a task needs a module, and this one has none
 --> playbook.yml:3:7
  |
3 |     - name: Nothing to do
  |       ^^^^
  |
hint: add one module key, e.g. `bridge:`, `tap:`, `file:` or `command:` (see docs/modules.md)
",
    );
}

#[test]
fn task_with_two_modules() {
    fails(
        "- name: p\n  tasks:\n    - name: Two\n      tap: { name: tap0 }\n      bridge: { name: br0 }\n",
        "\
error: a task takes exactly one module, and this one has `tap` and `bridge`
 --> playbook.yml:5:7
  |
5 |       bridge: { name: br0 }
  |       ^^^^^^
  |
hint: split it into two tasks
",
    );
}

#[test]
fn notify_names_an_unknown_handler() {
    fails(
        "- name: p\n  tasks:\n    - name: T\n      file: { dest: /etc/x, content: x }\n      notify: restart dnsmaq\n  handlers:\n    - name: restart dnsmasq\n      service: { name: dnsmasq, state: restarted }\n",
        "\
error: handler `restart dnsmaq` is notified but not defined
 --> playbook.yml:5:15
  |
5 |       notify: restart dnsmaq
  |               ^^^^^^^^^^^^^^
  |
hint: did you mean `restart dnsmasq`?
",
    );
}

#[test]
fn a_missing_required_argument() {
    fails(
        "- name: p\n  tasks:\n    - name: Tap\n      tap: { user: qemu }\n",
        "\
error: missing required key `name` in `tap` (in task `Tap`)
 --> playbook.yml:4:12
  |
4 |       tap: { user: qemu }
  |            ^
",
    );
}

#[test]
fn a_bad_interface_name() {
    fails(
        "- name: p\n  tasks:\n    - name: Tap\n      tap: { name: averyveryverylongtap }\n",
        "\
error: interface name `averyveryverylongtap` is 20 bytes long; Linux allows at most 15 (in task `Tap`)
 --> playbook.yml:4:20
  |
4 |       tap: { name: averyveryverylongtap }
  |                    ^^^^^^^^^^^^^^^^^^^^
",
    );
}

#[test]
fn a_missing_playbook_names_the_file() {
    let output = hostnet().args(["check", "no/such/playbook.yml"]).output().unwrap();
    assert_eq!(
        stderr(&output),
        "error: cannot read `no/such/playbook.yml`: No such file or directory (os error 2)\n"
    );
    assert_eq!(output.status.code(), Some(1));
}
