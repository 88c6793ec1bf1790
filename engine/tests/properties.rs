//! Property tests (proptest) of the three places hostile input meets the
//! engine first: the loader (YAML → plays, and on through templating,
//! modules and validation), templating on its own, and the managed-block
//! editor. Bounded for CI: 256 cases per property unless `PROPTEST_CASES`
//! says otherwise.
//!
//! - No input panics; every refusal renders as a message.
//! - A template always ends (fuel), whatever loops it holds.
//! - A block edit keeps every byte outside hostnet's blocks, in order, is
//!   idempotent, and removing the block gives the user's bytes back; a file
//!   whose fences are broken is refused, never guessed at.

use std::path::Path;

use hostnet_engine::block;
use hostnet_engine::change::{Block, Placement};
use hostnet_engine::facts::{Distro, Facts, Init};
use hostnet_engine::pipeline::{self, FactsSource, Request};
use hostnet_engine::registry::{Choices, Registry};
use hostnet_engine::root::{Root, SysPath};
use hostnet_engine::source::{Pos, Source};
use hostnet_engine::template::Templates;
use hostnet_engine::types::FileMode;
use hostnet_engine::value::Scope;
use proptest::prelude::*;

/// proptest's defaults: 256 cases, or `PROPTEST_CASES`; nothing persisted.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The bundled playbooks, the seeds the loader's inputs are mutated from.
fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../playbooks");
    let mut names: Vec<_> = fs_err::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml"))
        .collect();
    names.sort();
    names.into_iter().map(|path| fs_err::read(path).unwrap()).collect()
}

/// Pieces of YAML and template syntax, for inserting where they hurt.
const PIECES: &[&str] = &[
    "\n",
    "  ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "|\n",
    ">-\n",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{ x }}",
    "{% for i in range(100000) %}",
    "{% endfor %}",
    "\t",
    "é",
    "\u{0}",
    "\u{feff}",
    "---\n",
    "...\n",
    "~",
    "null",
    "yes",
    "0755",
    "1e999",
    "-1",
    "tap: { name: t }",
    "when: ",
    "loop: ",
    "{{ range(99999) | list }}",
    "{{ vms }}",
    "\\",
    "\r\n",
    "\u{2028}",
];

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Byte(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..PIECES.len()).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Byte(at, byte)),
    ]
}

fn mutate(mut text: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = text.len().max(1);
        match edit {
            Edit::Insert(at, piece) => {
                let at = at % (text.len() + 1);
                text.splice(at..at, PIECES[*piece].bytes());
            }
            Edit::Delete(at, count) => {
                let at = at % len;
                let end = (at + count).min(text.len());
                if at < end {
                    text.drain(at..end);
                }
            }
            Edit::Byte(at, byte) => {
                if !text.is_empty() {
                    let at = at % text.len();
                    text[at] = *byte;
                }
            }
        }
    }
    text
}

fn facts() -> Facts {
    Facts {
        distro: Distro::Gentoo,
        init: Init::Openrc,
        interfaces: Vec::new(),
        users: None,
        groups: None,
        tools: Vec::new(),
        ufw_enabled: false,
        services: Vec::new(),
        networkmanager_version: None,
        br_netfilter: false,
        netplan: Vec::new(),
        user_ids: std::collections::BTreeMap::new(),
        group_ids: std::collections::BTreeMap::new(),
        machine_id: None,
    }
}

proptest! {
    #![proptest_config(config())]

    /// Mutated playbooks: loading, templating, the modules and validation
    /// refuse or accept, never panic, and every refusal renders.
    #[test]
    fn the_loader_never_panics(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 0..8)) {
        let seeds = seeds();
        let text = mutate(seeds[seed.index(seeds.len())].clone(), &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.yml");
        fs_err::write(&path, &text).unwrap();
        let request = Request {
            playbook: path,
            root: Root::new(dir.path().join("root")),
            facts: FactsSource::Given(Box::new(facts())),
            distro: None,
            extra_vars: Vec::new(),
            tags: Default::default(),
            choices: Choices::default(),
            preflight: Default::default(),
            scope: Default::default(),
            show_args: false,
        };
        let registry = Registry::new(Vec::new());
        if let Err(errors) = pipeline::prepare(&request, &registry) {
            prop_assert!(errors.render().starts_with("error: "));
        }
    }

    /// Any template ends, with a value or an error that renders.
    #[test]
    fn templates_always_end(pieces in prop::collection::vec(0..PIECES.len(), 0..24)) {
        let text: String = pieces.iter().map(|piece| PIECES[*piece]).collect();
        let source = Source::new("t.yml", format!("x: {text}\n"));
        let pos = Pos::new(&source, 1, 4);
        let templates = Templates::new();
        let scope = hostnet_engine::value::scope_value(&Scope::new());
        if let Err(error) = templates.render_text(&text, &pos, &scope) {
            prop_assert!(hostnet_engine::error::Errors(vec![error]).render().starts_with("error: "));
        }
    }

    /// Blocks keep the user's bytes: around, in order, whatever their encoding.
    #[test]
    fn blocks_keep_every_byte_outside_them(
        lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..12),
        content in "[a-z=\"\n ]{0,40}",
        placement in 0usize..4,
        ending in any::<bool>(),
    ) {
        // The user's bytes, with no fence among them.
        let mut user: Vec<u8> = lines
            .iter()
            .filter(|line| !String::from_utf8_lossy(line).contains("hostnet"))
            .flat_map(|line| line.iter().copied().filter(|byte| *byte != b'\n').chain([b'\n']))
            .collect();
        if !ending && user.ends_with(b"\n") {
            user.pop();
        }
        let placement = match placement {
            0 => Placement::End,
            1 => Placement::Start,
            2 => Placement::Before("*filter".into()),
            _ => Placement::Section { header: "*filter".into(), footer: "COMMIT".into() },
        };
        let mut wanted = Block {
            path: SysPath::from_static("/etc/x"),
            marker: "net".into(),
            content,
            present: true,
            placement,
            mode: FileMode(0o644),
            conflicts: Vec::new(),
            unless_present: None,
            enforce_mode: false,
        };
        let once = block::apply(Some(&user), &wanted).unwrap().unwrap();
        prop_assert!(block::check(&once).is_ok());
        let twice = block::apply(Some(&once), &wanted).unwrap().unwrap();
        prop_assert_eq!(&twice, &once);
        let outside: Vec<u8> = block::outside_lines(&once)
            .into_iter()
            .flat_map(|(_, line)| line.into_bytes().into_iter().chain([b'\n']))
            .collect();
        let expected: Vec<u8> = String::from_utf8_lossy(&user)
            .lines()
            .flat_map(|line| line.trim_end_matches('\r').bytes().chain([b'\n']).collect::<Vec<_>>())
            .collect();
        prop_assert_eq!(outside, expected);
        wanted.present = false;
        let removed = block::apply(Some(&once), &wanted).unwrap().unwrap();
        let mut back = user.clone();
        if !back.is_empty() && !back.ends_with(b"\n") && !matches!(wanted.placement, Placement::Start) {
            back.push(b'\n');
        }
        prop_assert_eq!(removed, back);
    }

    /// Any text with fences in it: the edit is refused or leaves well-formed fences.
    #[test]
    fn broken_fences_are_refused_never_guessed(
        lines in prop::collection::vec(prop_oneof![
            Just("# BEGIN hostnet net".to_owned()),
            Just("# END hostnet net".to_owned()),
            Just("# BEGIN hostnet other ".to_owned()),
            Just("  # END hostnet other".to_owned()),
            Just("# BEGIN hostnet".to_owned()),
            "[a-z=]{0,8}",
        ], 0..10),
    ) {
        let text = lines.join("\n");
        let wanted = Block {
            path: SysPath::from_static("/etc/x"),
            marker: "net".into(),
            content: "a=1".into(),
            present: true,
            placement: Placement::End,
            mode: FileMode(0o644),
            conflicts: Vec::new(),
            unless_present: None,
            enforce_mode: false,
        };
        match block::apply(Some(text.as_bytes()), &wanted) {
            Ok(out) => {
                let out = out.unwrap();
                prop_assert!(block::check(&out).is_ok());
                prop_assert!(block::check(text.as_bytes()).is_ok());
                let count = String::from_utf8_lossy(&out).matches("# BEGIN hostnet net\n").count();
                prop_assert_eq!(count, 1);
            }
            Err(error) => {
                prop_assert!(block::check(text.as_bytes()).is_err());
                prop_assert!(error.line >= 1 && error.line <= lines.len().max(1));
            }
        }
    }
}
