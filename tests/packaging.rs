//! Packages stay in step with the crate: the Gentoo ebuild is named after
//! the crate's version, is valid bash, and lists exactly Cargo.lock's
//! crates.io packages in `CRATES` (`SNAPSHOTS=overwrite cargo test packaging`
//! rewrites the list). The Debian package is built and its contents checked
//! by `packaging/deb/build`, which .ci/run runs.

use std::process::Command;

use crate::support::golden::overwrite;
use crate::support::{hostnet, repo, stdout};

const EBUILD_DIR: &str = "packaging/gentoo/net-misc/hostnet";

fn version() -> String {
    let text = stdout(&hostnet().arg("--version").output().unwrap());
    text.trim().strip_prefix("hostnet ").unwrap().to_owned()
}

fn ebuild_path() -> std::path::PathBuf {
    repo().join(format!("{EBUILD_DIR}/hostnet-{}.ebuild", version()))
}

/// `name@version` of every crates.io package in Cargo.lock, sorted.
fn locked_crates() -> Vec<String> {
    let lock = fs_err::read_to_string(repo().join("Cargo.lock")).unwrap();
    let mut crates = Vec::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|line| {
                line.strip_prefix(&format!("{key} = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
                    .map(str::to_owned)
            })
        };
        if field("source").is_some_and(|source| source == "registry+https://github.com/rust-lang/crates.io-index") {
            crates.push(format!("{}@{}", field("name").unwrap(), field("version").unwrap()));
        }
    }
    crates.sort();
    crates
}

#[test]
fn the_ebuild_is_named_after_the_crate_version() {
    let path = ebuild_path();
    assert!(
        path.exists(),
        "{} is missing (rename the ebuild with the version)",
        path.display()
    );
    let ebuilds: Vec<String> = fs_err::read_dir(repo().join(EBUILD_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".ebuild"))
        .collect();
    assert_eq!(ebuilds, [format!("hostnet-{}.ebuild", version())]);
}

#[test]
fn the_ebuild_lists_every_locked_crate() {
    let path = ebuild_path();
    let text = fs_err::read_to_string(&path).unwrap();
    let (head, rest) = text.split_once("CRATES=\"\n").expect("a CRATES=\" block");
    let (listed, tail) = rest.split_once("\"\n").expect("CRATES ends with a quote");
    let wanted: String = locked_crates().iter().map(|name| format!("\t{name}\n")).collect();
    if listed != wanted {
        if overwrite() {
            fs_err::write(&path, format!("{head}CRATES=\"\n{wanted}\"\n{tail}")).unwrap();
        } else {
            let diff = similar::TextDiff::from_lines(listed, &wanted)
                .unified_diff()
                .to_string();
            panic!(
                "{}: CRATES differs from Cargo.lock:\n{diff}\n(run with SNAPSHOTS=overwrite to accept)",
                path.display()
            );
        }
    }
}

#[test]
fn the_ebuild_is_valid_bash_and_installs_what_the_deb_installs() {
    let path = ebuild_path();
    let output = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = fs_err::read_to_string(&path).unwrap();
    for line in [
        "\"${hostnet}\" man > hostnet.1 || die",
        "\"${hostnet}\" completions bash > hostnet.bash || die",
        "\"${hostnet}\" completions zsh > _hostnet || die",
        "\"${hostnet}\" completions fish > hostnet.fish || die",
        "doins schema/playbook.schema.json",
    ] {
        assert!(text.contains(line), "the ebuild lacks `{line}`");
    }
    let manifest = fs_err::read_to_string(repo().join("Cargo.toml")).unwrap();
    for asset in [
        "target/assets/hostnet.1",
        "target/assets/hostnet.bash",
        "target/assets/_hostnet",
        "target/assets/hostnet.fish",
        "schema/playbook.schema.json",
    ] {
        assert!(
            manifest.contains(&format!("[\"{asset}\"")),
            "Cargo.toml's deb assets lack {asset}"
        );
    }
}
