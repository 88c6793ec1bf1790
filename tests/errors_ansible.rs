//! Ansible habits meet an explanation, pinned whole like every error
//! (tests/errors.rs): a keyword or module hostnet leaves out says why and
//! what to do instead, and `command: "a command line"` shows the same command
//! as `argv`. Nothing is written.

use crate::errors::fails;

#[test]
fn become_in_a_play() {
    fails(
        "- hosts: localhost\n  become: true\n  tasks: []\n",
        "\
error: Ansible's `become` is not supported by hostnet: it runs as root on this host
 --> playbook.yml:2:3
  |
2 |   become: true
  |   ^^^^^^
  |
hint: remove it (under Ansible, `become` belongs on the task that runs the `hostnet` module)
",
    );
}

#[test]
fn gather_facts_in_a_play() {
    fails(
        "- hosts: localhost\n  gather_facts: false\n  tasks: []\n",
        "\
error: Ansible's `gather_facts` is not supported by hostnet: it reads the facts it needs itself
 --> playbook.yml:2:3
  |
2 |   gather_facts: false
  |   ^^^^^^^^^^^^
  |
hint: see `hostnet facts`
",
    );
}

#[test]
fn roles_in_a_play() {
    fails(
        "- hosts: localhost\n  roles: [network]\n",
        "\
error: Ansible's `roles` is not supported by hostnet: a playbook is one file
 --> playbook.yml:2:3
  |
2 |   roles: [network]
  |   ^^^^^
  |
hint: share variables with `vars_files`
",
    );
}

#[test]
fn register_on_a_task() {
    fails(
        "- hosts: localhost\n  tasks:\n    - name: Bridge\n      bridge: { name: br0 }\n      register: result\n",
        "\
error: Ansible's `register` is not supported by hostnet: tasks return no results to register
 --> playbook.yml:5:7
  |
5 |       register: result
  |       ^^^^^^^^
  |
hint: branch on variables and `hostnet_*` facts
",
    );
}

#[test]
fn block_instead_of_a_module() {
    fails(
        "- hosts: localhost\n  tasks:\n    - block:\n        - bridge: { name: br0 }\n",
        "\
error: Ansible's `block` is not supported by hostnet: tasks are a flat list
 --> playbook.yml:3:7
  |
3 |     - block:
  |       ^^^^^
  |
hint: put `when` on each task
",
    );
}

#[test]
fn with_items_on_a_task() {
    fails(
        "- hosts: localhost\n  tasks:\n    - tap: { name: \"{{ item }}\" }\n      with_items: [tap0, tap1]\n",
        "\
error: Ansible's `with_items` is not supported by hostnet: use `loop`
 --> playbook.yml:4:7
  |
4 |       with_items: [tap0, tap1]
  |       ^^^^^^^^^^
",
    );
}

#[test]
fn the_shell_module() {
    fails(
        "- hosts: localhost\n  tasks:\n    - shell: \"ip link set br0 up\"\n",
        "\
error: Ansible's `shell` is not supported by hostnet: commands run without a shell
 --> playbook.yml:3:7
  |
3 |     - shell: \"ip link set br0 up\"
  |       ^^^^^
  |
hint: use `command: { argv: [...] }`
",
    );
}

#[test]
fn command_with_a_command_line() {
    fails(
        "- hosts: localhost\n  tasks:\n    - command: \"iw dev wlan0 set 4addr on\"\n",
        "\
error: `command` takes `argv:` (a list), not a command line
 --> playbook.yml:3:16
  |
3 |     - command: \"iw dev wlan0 set 4addr on\"
  |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: write `command: { argv: [iw, dev, wlan0, set, 4addr, on] }`; the program runs directly, without a shell
",
    );
}

#[test]
fn command_with_a_shell_pipeline() {
    fails(
        "- hosts: localhost\n  tasks:\n    - command: ip link | grep br0\n",
        "\
error: `command` takes `argv:` (a list), not a command line
 --> playbook.yml:3:16
  |
3 |     - command: ip link | grep br0
  |                ^^^^^^^^^^^^^^^^^^
  |
hint: hostnet runs programs without a shell: split the line into `argv: [...]`, or use `argv: [sh, -c, \"...\"]` if it really needs one
",
    );
}

#[test]
fn a_suggested_argv_quotes_what_yaml_would_misread() {
    fails(
        "- hosts: localhost\n  tasks:\n    - command: ip addr add 192.0.2.1/24 dev br0 label br0:1\n",
        "\
error: `command` takes `argv:` (a list), not a command line
 --> playbook.yml:3:16
  |
3 |     - command: ip addr add 192.0.2.1/24 dev br0 label br0:1
  |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: write `command: { argv: [ip, addr, add, 192.0.2.1/24, dev, br0, label, \"br0:1\"] }`; the program runs directly, without a shell
",
    );
}
