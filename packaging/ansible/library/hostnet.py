#!/usr/bin/python
# -*- coding: utf-8 -*-
# hostnet as an Ansible module: a thin wrapper that runs `hostnet plan --json`
# (check mode) or `hostnet apply --json` on the managed host and turns the
# plan into Ansible's `changed`, `diff` and `msg`. All the work, the errors
# and their `file:line:col` positions are hostnet's own.
# SPDX-License-Identifier: MIT OR Apache-2.0

from __future__ import annotations

import json

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: hostnet
short_description: Apply a hostnet playbook (QEMU/KVM host networking) on the managed host
description:
  - Runs C(hostnet apply --json) with a hostnet playbook that is already on the managed host,
    or C(hostnet plan --json) in check mode, and reports what changed.
  - With C(--diff), every file hostnet writes, replaces, links or removes is shown with its
    before and after text.
  - A playbook with an error fails the task with hostnet's message (C(file:line:col), the line,
    a caret and a hint); nothing is written or run then.
options:
  playbook:
    description: Path of the hostnet playbook on the managed host.
    type: path
    required: true
  root:
    description: Read and write under this directory instead of C(/); commands are then recorded, never run.
    type: path
    default: /
  distro:
    description: Target distro; detected from C(<root>/etc/os-release) when not given.
    type: str
    choices: [gentoo, debian, ubuntu, systemd]
  facts:
    description: A facts file (the output of C(hostnet facts --json)) instead of detection.
    type: path
  extra_vars:
    description: Variables for the hostnet playbook, highest precedence (C(-e)).
    type: dict
    default: {}
  tags:
    description: Only tasks with these tags.
    type: list
    elements: str
    default: []
  skip_tags:
    description: Skip tasks with these tags.
    type: list
    elements: str
    default: []
  network_backend:
    description: C(gentoo-netifrc), C(debian-ifupdown) or C(systemd-networkd).
    type: str
  firewall:
    description: C(iptables), C(nftables) or C(ufw).
    type: str
  rollback_on_failure:
    description: When a command fails, restore the run's files at once.
    type: bool
    default: false
  binary:
    description: The hostnet program (a name looked up on C(PATH), or a path).
    type: str
    default: hostnet
"""

EXAMPLES = r"""
- name: Host networking for the VMs
  hostnet:
    playbook: /etc/hostnet/site.yml
    extra_vars: { uplink: enp3s0 }
"""

RETURN = r"""
changed:
  description: Whether the plan changes (check mode) or changed (otherwise) anything.
  type: bool
run_id:
  description: The hostnet run (undo with C(hostnet rollback RUN_ID)); null when nothing changed or in check mode.
  type: str
paths:
  description: Files and links that change (check mode) or changed.
  type: list
  elements: str
commands:
  description: Commands hostnet runs (or records, under a root other than C(/)), each as an argv list.
  type: list
  elements: list
recap:
  description: hostnet's recap (ok, changed, skipped, failed task counts).
  type: dict
"""


def arguments(params, check_mode):
    """The hostnet command line for these module parameters."""
    argv = ["plan" if check_mode else "apply", params["playbook"], "--json", "--root", params["root"]]
    for flag in ("distro", "facts", "network_backend", "firewall"):
        if params[flag]:
            argv += ["--" + flag.replace("_", "-"), params[flag]]
    if params["extra_vars"]:
        argv += ["-e", json.dumps(params["extra_vars"])]
    if params["tags"]:
        argv += ["--tags", ",".join(params["tags"])]
    if params["skip_tags"]:
        argv += ["--skip-tags", ",".join(params["skip_tags"])]
    if params["rollback_on_failure"] and not check_mode:
        argv.append("--rollback-on-failure")
    return argv


def steps(plan):
    for play in plan["plays"]:
        for task in play["tasks"]:
            for step in task["steps"]:
                yield step


def diffs(plan):
    """One before/after pair per file, link or removal, as Ansible's --diff shows them."""
    out = []
    for step in steps(plan):
        action = step["action"]
        path = step.get("path")
        if action == "write":
            out.append({"before_header": path, "after_header": path,
                        "before": step["before"] or "", "after": step["after"]})
        elif action == "remove":
            out.append({"before_header": path, "after_header": path + " (removed)",
                        "before": step["before"], "after": ""})
        elif action == "link":
            before = "symlink to %s\n" % step["before"] if step["before"] else ""
            out.append({"before_header": path, "after_header": path,
                        "before": before, "after": "symlink to %s\n" % step["target"]})
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            playbook=dict(type="path", required=True),
            root=dict(type="path", default="/"),
            distro=dict(type="str", choices=["gentoo", "debian", "ubuntu", "systemd"]),
            facts=dict(type="path"),
            extra_vars=dict(type="dict", default={}),
            tags=dict(type="list", elements="str", default=[]),
            skip_tags=dict(type="list", elements="str", default=[]),
            network_backend=dict(type="str"),
            firewall=dict(type="str"),
            rollback_on_failure=dict(type="bool", default=False),
            binary=dict(type="str", default="hostnet"),
        ),
        supports_check_mode=True,
    )
    binary = module.params["binary"]
    if "/" not in binary:
        binary = module.get_bin_path(binary, required=True)
    argv = [binary] + arguments(module.params, module.check_mode)
    code, out, err = module.run_command(argv, environ_update={"NO_COLOR": "1"})
    if code not in (0, 3):
        module.fail_json(msg=err.strip() or out.strip(), rc=code, cmd=argv)
    try:
        document = json.loads(out)
    except ValueError as error:
        module.fail_json(msg="hostnet printed no JSON plan: %s" % error, rc=code, stdout=out, stderr=err)
    plan = document["plan"]
    report = document.get("apply")
    result = dict(
        recap=document["recap"],
        paths=[step["path"] for step in steps(plan) if "path" in step],
        commands=[step["argv"] for step in steps(plan) if step["action"] == "run"],
        run_id=report["run_id"] if report else None,
    )
    if module.check_mode:
        result["changed"] = document["changes"]
    else:
        result["changed"] = report["run_id"] is not None
    if module._diff:
        result["diff"] = diffs(plan)
    if report and report["failure"]:
        failure = report["failure"]
        message = "task `%s` failed: `%s` exited with %s\n%s" % (
            failure["task"], " ".join(failure["argv"]),
            "status %s" % failure["code"] if failure["code"] is not None else "no status",
            failure["output"])
        if report["rolled_back"]:
            message += "\nthe files of run %s were restored" % report["run_id"]
        else:
            message += "\nrestore the files this run changed with `hostnet rollback %s`" % report["run_id"]
        module.fail_json(msg=message, rc=code, **result)
    changes = len(result["paths"]) + len(result["commands"])
    if not result["changed"]:
        result["msg"] = "nothing to do: the host already matches the playbook"
    elif module.check_mode:
        result["msg"] = "%d change(s) planned" % changes
    else:
        result["msg"] = "applied run %s: %d change(s)" % (result["run_id"], changes)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
