//! `hostnet verify`: the live host against the playbook. It reads the live
//! kernel, so it refuses a root that is not the live one; the drift table
//! itself is proven in a sandbox (`live_host.rs`).

use crate::support::{hostnet, stderr, stdout, write};

#[test]
fn verify_refuses_a_root_that_is_not_the_live_host() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        "- hosts: localhost\n  tasks:\n    - bridge: { name: br0 }\n",
    );
    write(dir.path(), "facts.yml", "distro: debian\n");
    fs_err::create_dir_all(dir.path().join("root")).unwrap();
    let output = hostnet()
        .current_dir(dir.path())
        .args(["verify", "playbook.yml", "--root", "root", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&output),
        "error: `verify` compares the live host with the playbook, and `root` is not the live root\n\nhint: run it on the host itself, with `--root /` (the default)\n"
    );
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}
