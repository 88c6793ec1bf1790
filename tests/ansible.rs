//! hostnet through Ansible: packaging/ansible/fleet.yml (the example that
//! installs hostnet and a hostnet playbook on every host, then runs the
//! `hostnet` module of packaging/ansible/library/) against localhost with
//! `connection: local` and a temp `--root`, with ansible-core from PyPI in the
//! venv `.ci/install-deps` makes (`$HOSTNET_ANSIBLE_VENV`, default
//! /opt/hostnet-ci/ansible). `--check --diff` shows the diff and changes
//! nothing; a run changes the files; a re-run reports `changed: false`; a bad
//! playbook fails the task with hostnet's `file:line:col` message. Skipped
//! with a message without the venv, except under CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{repo, stderr, stdout, write};

fn venv() -> Option<PathBuf> {
    let venv = std::env::var_os("HOSTNET_ANSIBLE_VENV")
        .map_or_else(|| PathBuf::from("/opt/hostnet-ci/ansible"), PathBuf::from);
    if venv.join("bin/ansible-playbook").exists() {
        return Some(venv);
    }
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    assert!(
        !ci,
        "CI is set but {} has no ansible-playbook (.ci/install-deps makes it)",
        venv.display()
    );
    eprintln!("skipping: no ansible-core venv at {}", venv.display());
    None
}

struct Fleet {
    venv: PathBuf,
    dir: tempfile::TempDir,
}

impl Fleet {
    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `ansible-playbook -i localhost, -c local packaging/ansible/fleet.yml` with
    /// everything pointed into the temp dir; (exit code, stdout).
    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let dir = self.dir.path().display().to_string();
        let vars = [
            "hostnet_hosts=localhost".to_owned(),
            "hostnet_become=false".to_owned(),
            format!("hostnet_binary_src={}", env!("CARGO_BIN_EXE_hostnet")),
            format!("hostnet_bin_dir={dir}/bin"),
            format!("hostnet_config_dir={dir}/etc"),
            format!("hostnet_root={dir}/root"),
            format!("hostnet_facts={dir}/facts.yml"),
            "hostnet_uplink=wlan0".to_owned(),
            "hostnet_subnet=172.16.9.0/24".to_owned(),
            format!("ansible_python_interpreter={}", self.venv.join("bin/python").display()),
        ];
        let mut command = Command::new(self.venv.join("bin/ansible-playbook"));
        command
            .current_dir(self.dir.path())
            .env("ANSIBLE_HOME", self.path("ansible"))
            .env("ANSIBLE_LOCAL_TEMP", self.path("ansible/tmp"))
            .env("ANSIBLE_REMOTE_TEMP", self.path("ansible/tmp"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env_remove("ANSIBLE_CONFIG")
            .env_remove("ANSIBLE_LIBRARY")
            .args(["-i", "localhost,", "-c", "local"])
            .arg(repo().join("packaging/ansible/fleet.yml"));
        for var in &vars {
            command.args(["-e", var]);
        }
        let output = command.args(args).output().unwrap();
        let text = stdout(&output);
        (output.status.code(), format!("{text}{}", stderr(&output)))
    }

    fn root_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        collect(&self.path("root"), &self.path("root"), &mut files);
        files.sort();
        files
    }
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in fs_err::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            files.push(path.strip_prefix(base).unwrap().display().to_string());
        }
    }
}

/// The `-v` result of the `Host networking` task (`ok: [localhost] => {…}`).
fn result(output: &str) -> (String, Value) {
    let task = output
        .split("TASK [Host networking] ")
        .nth(1)
        .unwrap_or_else(|| panic!("no `Host networking` task in:\n{output}"));
    let line = task
        .lines()
        .find(|line| line.contains("[localhost]") && line.contains(" => {"))
        .unwrap_or_else(|| panic!("no result line in:\n{task}"));
    let (status, json) = line.split_once(" => ").unwrap();
    (status.to_owned(), serde_json::from_str(json).unwrap())
}

const SYSCTL: &str = "# Managed by hostnet: edit the playbook, not this file.
# Kernel parameters for the guests' networking.
net.ipv4.ip_forward = 1
";

#[test]
fn a_fleet_playbook_checks_applies_settles_and_reports_hostnet_errors() {
    let Some(venv) = venv() else {
        return;
    };
    let fleet = Fleet {
        venv,
        dir: tempfile::tempdir().unwrap(),
    };
    // The module documents the options it takes.
    let doc = Command::new(fleet.venv.join("bin/ansible-doc"))
        .env("ANSIBLE_HOME", fleet.path("ansible"))
        .env("ANSIBLE_NOCOLOR", "1")
        .args(["-M"])
        .arg(repo().join("packaging/ansible/library"))
        .args(["--json", "hostnet"])
        .output()
        .unwrap();
    assert!(doc.status.success(), "{}", stderr(&doc));
    let doc: Value = serde_json::from_slice(&doc.stdout).unwrap();
    let mut options: Vec<&str> = doc["hostnet"]["doc"]["options"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    options.sort_unstable();
    assert_eq!(
        options,
        [
            "binary",
            "distro",
            "extra_vars",
            "facts",
            "firewall",
            "network_backend",
            "playbook",
            "rollback_on_failure",
            "root",
            "skip_tags",
            "tags"
        ]
    );

    fs_err::create_dir_all(fleet.path("root")).unwrap();
    write(
        fleet.dir.path(),
        "facts.yml",
        "distro: debian\ninit: systemd\ninterfaces:\n  - { name: wlan0, mac: \"52:54:00:ab:cd:ef\", wireless: true }\n",
    );

    // Install hostnet and the hostnet playbook.
    let (code, output) = fleet.run(&["--tags", "install"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(fleet.path("bin/hostnet").exists());
    assert_eq!(
        fs_err::read_to_string(fleet.path("etc/site.yml")).unwrap(),
        fs_err::read_to_string(repo().join("packaging/ansible/files/vm-host.yml")).unwrap()
    );

    // --check --diff: the diff of every file, nothing written.
    let (code, output) = fleet.run(&["--check", "--diff"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains(&format!(
            "--- before: /etc/sysctl.d/30-hostnet.conf\n+++ after: /etc/sysctl.d/30-hostnet.conf\n@@ -0,0 +1,3 @@\n{}",
            SYSCTL.lines().map(|line| format!("+{line}\n")).collect::<String>()
        )),
        "{output}"
    );
    assert!(
        output.contains("\n+00:26:c6:21:cf:02,172.16.9.2,win7\n"),
        "the host's variables did not reach the hostnet playbook:\n{output}"
    );
    assert!(
        output.contains("localhost                  : ok=4    changed=1    unreachable=0    failed=0"),
        "{output}"
    );
    assert_eq!(fleet.root_files(), Vec::<String>::new(), "check mode wrote files");

    // A run changes the files.
    let (code, output) = fleet.run(&["-v"]);
    assert_eq!(code, Some(0), "{output}");
    let (status, value) = result(&output);
    assert_eq!(status, "changed: [localhost]");
    assert_eq!(value["changed"], true);
    let run_id = value["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        value["msg"],
        format!(
            "applied run {run_id}: {} change(s)",
            value["paths"].as_array().unwrap().len() + value["commands"].as_array().unwrap().len()
        )
    );
    assert_eq!(
        fs_err::read_to_string(fleet.path("root/etc/sysctl.d/30-hostnet.conf")).unwrap(),
        SYSCTL
    );
    let files = fleet.root_files();
    for file in [
        "etc/dnsmasq.d/hostnet-br0.conf",
        "etc/network/interfaces.d/hostnet",
        "etc/iptables/rules.v4",
        "etc/sysctl.d/30-hostnet.conf",
    ] {
        assert!(files.iter().any(|found| found == file), "{file} not in {files:?}");
    }

    // A re-run changes nothing.
    let (code, output) = fleet.run(&["-v"]);
    assert_eq!(code, Some(0), "{output}");
    let (status, value) = result(&output);
    assert_eq!(status, "ok: [localhost]");
    assert_eq!(value["changed"], false);
    assert_eq!(value["msg"], "nothing to do: the host already matches the playbook");
    assert_eq!(value["run_id"], Value::Null);
    assert!(
        output.contains("localhost                  : ok=4    changed=0    unreachable=0    failed=0"),
        "{output}"
    );

    // A bad hostnet playbook fails the task with hostnet's message; nothing more is written.
    write(
        fleet.dir.path(),
        "bad.yml",
        "- hosts: localhost\n  become: true\n  tasks: []\n",
    );
    let before = fleet.root_files();
    let bad = format!("hostnet_playbook_src={}", fleet.path("bad.yml").display());
    let (code, output) = fleet.run(&["-v", "-e", &bad]);
    assert_eq!(code, Some(2), "{output}");
    let (status, value) = result(&output);
    assert_eq!(status, "fatal: [localhost]: FAILED!");
    assert_eq!(value["rc"], 1);
    assert_eq!(
        value["msg"],
        format!(
            "\
error: Ansible's `become` is not supported by hostnet: it runs as root on this host
 --> {}:2:3
  |
2 |   become: true
  |   ^^^^^^
  |
hint: remove it (under Ansible, `become` belongs on the task that runs the `hostnet` module)",
            fleet.path("etc/site.yml").display()
        )
    );
    assert_eq!(fleet.root_files(), before);
}
