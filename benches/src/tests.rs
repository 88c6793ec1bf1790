//! The floor renders, byte for byte, what hostnet renders for the scenario.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::Distro;
use hostnet_engine::pipeline::{FactsSource, Request};
use hostnet_engine::registry::Choices;
use hostnet_engine::root::Root;

use crate::Scenario;
use crate::floor::{self, Wanted};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file and link under `dir`, as `/path`.
fn tree(dir: &Path, under: &Path, paths: &mut BTreeSet<String>) {
    for entry in fs_err::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            tree(&path, under, paths);
        } else {
            paths.insert(format!("/{}", path.strip_prefix(under).unwrap().display()));
        }
    }
}

/// The two texts are equal; else the test fails with their diff.
fn same(vms: usize, path: &str, hostnet: &str, floor: &str) {
    if hostnet != floor {
        let diff = similar::TextDiff::from_lines(hostnet, floor)
            .unified_diff()
            .context_radius(1)
            .header("hostnet", "floor")
            .to_string();
        panic!("{vms} VMs: {path}: the floor differs from hostnet's render (update benches/src/floor.rs):\n{diff}");
    }
}

#[test]
fn the_floor_renders_what_hostnet_renders() {
    for vms in [1, 10, 2_002] {
        let scenario = Scenario::new(vms);
        let dir = tempfile::tempdir().unwrap();
        let playbook = dir.path().join("site.yml");
        fs_err::write(&playbook, scenario.playbook()).unwrap();
        let out = dir.path().join("out");
        let request = Request {
            playbook,
            root: Root::new(repo().join("examples/gentoo-host")),
            facts: FactsSource::Detect,
            distro: Some(Distro::Gentoo),
            extra_vars: Vec::new(),
            tags: TagFilter::default(),
            choices: Choices::default(),
            preflight: Default::default(),
            scope: Default::default(),
            show_args: false,
        };
        hostnet_engine::pipeline::render(&request, &out, &hostnet_backends::registry()).unwrap();
        let machine_id = floor::machine_id(&repo().join("examples/gentoo-host"));
        assert!(machine_id.is_some(), "the example host has a machine ID");
        let wanted = floor::render(&scenario, machine_id.as_deref());
        for (path, wanted) in &wanted {
            let full = out.join(path.trim_start_matches('/'));
            match wanted {
                Wanted::File(content) => same(vms, path, &fs_err::read_to_string(&full).unwrap(), content),
                Wanted::Block {
                    marker,
                    content,
                    unless,
                } => same(
                    vms,
                    path,
                    &fs_err::read_to_string(&full).unwrap(),
                    // `render` merges a shared file with what the root holds.
                    &floor::with_block(
                        fs_err::read_to_string(repo().join("examples/gentoo-host").join(path.trim_start_matches('/')))
                            .ok()
                            .as_deref(),
                        marker,
                        content,
                        *unless,
                    ),
                ),
                Wanted::Link(target) => {
                    assert_eq!(fs_err::read_link(&full).unwrap(), Path::new(target), "{path}");
                }
                Wanted::Exists => assert!(fs_err::symlink_metadata(&full).is_ok(), "{path}"),
            }
        }
        let mut rendered = BTreeSet::new();
        tree(&out, &out, &mut rendered);
        rendered.retain(|path| !path.starts_with("/run/"));
        let floor: BTreeSet<String> = wanted.iter().map(|(path, _)| path.clone()).collect();
        assert_eq!(rendered, floor, "{vms} VMs");
        // And against the tree it rendered, the floor has nothing to do.
        assert_eq!(floor::compare(&out, &wanted).unwrap(), "", "{vms} VMs");
    }
}

#[test]
fn blocks_replace_their_fences_or_go_at_the_end() {
    assert_eq!(
        floor::with_block(
            Some("a\n# BEGIN hostnet x\nold\n# END hostnet x\nb\n"),
            "x",
            "new\n",
            None
        ),
        "a\n# BEGIN hostnet x\nnew\n# END hostnet x\nb\n"
    );
    assert_eq!(
        floor::with_block(Some("a"), "x", "new\n", None),
        "a\n# BEGIN hostnet x\nnew\n# END hostnet x\n"
    );
    assert_eq!(floor::with_block(Some("c=1\n"), "x", "c=1\n", Some("c=1")), "c=1\n");
}
