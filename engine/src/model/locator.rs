//! Where a model item's arguments were written, found again after the fact.
//!
//! Validation runs on the whole model, long after the arguments were read.
//! The model keeps positions for the values modules check (ports, timers,
//! owners); for the rest (a MAC, an interface's `address`, one address of a
//! list) the item's argument mapping is found again in its playbook, by the
//! position of its `name:` value, in the source text every position already
//! holds (nothing is read from disk). When the arguments were a templated
//! whole, nothing is found and errors point at the item's name.
//!
//! (The cleaner end state is positions on every model value; this keeps the
//! model's shape, which every backend builds in its tests.)

use std::sync::Arc;

use crate::playbook::node;
use crate::playbook::{Key, Node, NodeValue};
use crate::source::{Pos, Source};

/// The value of `key` in an argument mapping.
pub(super) fn argument<'n>(entries: &'n [(Key, Node)], key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k.name == key).map(|(_, node)| node)
}

/// Where each of `count` values of a list argument was written: its items
/// when the list was written out, else the whole value (`fallback` when unknown).
pub(super) fn item_positions(node: Option<&Node>, fallback: &Pos, count: usize) -> Vec<Pos> {
    match node {
        Some(Node {
            value: NodeValue::Seq(items),
            ..
        }) if items.len() == count => items.iter().map(|item| item.pos.clone()).collect(),
        Some(node) => vec![node.pos.clone(); count],
        None => vec![fallback.clone(); count],
    }
}

/// Finds an item's argument mapping in its playbook again, by the position of its `name:` value.
#[derive(Default)]
pub(super) struct Locator {
    documents: Vec<(Arc<Source>, Option<Node>)>,
}

impl Locator {
    /// The mapping whose `name` value was written at `name_pos`.
    pub(super) fn arguments(&mut self, name_pos: &Pos) -> Option<Vec<(Key, Node)>> {
        let source = &name_pos.source;
        let index = match self.documents.iter().position(|(s, _)| Arc::ptr_eq(s, source)) {
            Some(index) => index,
            None => {
                self.documents.push((Arc::clone(source), node::parse(source).ok()));
                self.documents.len() - 1
            }
        };
        let document = self.documents[index].1.as_ref()?;
        mapping_named(document, name_pos).map(<[_]>::to_vec)
    }
}

fn mapping_named<'n>(node: &'n Node, name_pos: &Pos) -> Option<&'n [(Key, Node)]> {
    match &node.value {
        NodeValue::Map(entries) => {
            if entries
                .iter()
                .any(|(key, value)| key.name == "name" && value.pos == *name_pos)
            {
                return Some(entries);
            }
            entries.iter().find_map(|(_, value)| mapping_named(value, name_pos))
        }
        NodeValue::Seq(items) => items.iter().find_map(|item| mapping_named(item, name_pos)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_finds_values_by_the_name_position() {
        let source = Source::new(
            "site.yml",
            "- tasks:\n    - bridge:\n        name: br0\n        address:\n          - 10.0.0.1/24\n          - 10.0.1.1/24\n        mac: \"52:54:00:00:00:01\"\n    - tap: { name: tap0, mac: \"52:54:00:00:00:02\" }\n",
        );
        let mut locator = Locator::default();
        let bridge = locator.arguments(&Pos::new(&source, 3, 15)).unwrap();
        assert_eq!(argument(&bridge, "mac").unwrap().pos, Pos::new(&source, 7, 14));
        let positions = item_positions(argument(&bridge, "address"), &Pos::new(&source, 1, 1), 2);
        assert_eq!(positions, [Pos::new(&source, 5, 13), Pos::new(&source, 6, 13)]);
        let tap = locator.arguments(&Pos::new(&source, 8, 20)).unwrap();
        assert_eq!(argument(&tap, "mac").unwrap().pos, Pos::new(&source, 8, 31));
        assert!(locator.arguments(&Pos::new(&source, 8, 21)).is_none());
    }
}
