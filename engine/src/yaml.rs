//! The YAML document as a tree of positioned nodes.
//!
//! This is the only file that names the YAML crate. serde-saphyr parses the
//! text (with strict booleans and leading-zero numbers kept as strings, so
//! `no`, `on` and `0755` stay strings); every key and value keeps its line and
//! column. Everything after this works on [`Node`], so a typo anywhere in a
//! playbook is reported at its exact position, and no key is silently dropped.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::error::{Error, ErrorKind, Result};
use crate::root::read_source;
use crate::source::{Pos, Source};

/// A YAML value with its position.
#[derive(Clone, Debug)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: NodeValue,
}

/// A mapping key with its position.
#[derive(Clone, Debug)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

/// The shapes a YAML value can take.
#[derive(Clone, Debug)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl NodeValue {
    /// What the value is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Null => "nothing (null)",
            Self::Bool(_) => "a boolean",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a number",
            Self::Str(_) => "a string",
            Self::Seq(_) => "a list",
            Self::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The mapping's entries, or a type error at this node.
    pub fn as_map(&self, what: &str) -> Result<&[(Key, Node)]> {
        match &self.value {
            NodeValue::Map(entries) => Ok(entries),
            other => Err(self.type_error(what, other)),
        }
    }

    /// The list's items, or a type error at this node.
    pub fn as_seq(&self, what: &str) -> Result<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Ok(items),
            other => Err(self.type_error(what, other)),
        }
    }

    /// The string, or a type error at this node.
    pub fn as_str(&self, what: &str) -> Result<&str> {
        match &self.value {
            NodeValue::Str(text) => Ok(text),
            other => Err(self.type_error(what, other)),
        }
    }

    /// A string, or a scalar written as one (`tags: 1` is the tag "1").
    pub fn scalar_text(&self, what: &str) -> Result<String> {
        match &self.value {
            NodeValue::Str(text) => Ok(text.clone()),
            NodeValue::Int(value) => Ok(value.to_string()),
            NodeValue::Float(value) => Ok(value.to_string()),
            NodeValue::Bool(value) => Ok(value.to_string()),
            other => Err(self.type_error(what, other)),
        }
    }

    /// A string or a list of strings, as a list (`tags: net` or `tags: [net, dhcp]`).
    pub fn string_list(&self, what: &str) -> Result<Vec<(String, Pos)>> {
        match &self.value {
            NodeValue::Seq(items) => items
                .iter()
                .map(|item| Ok((item.scalar_text(what)?, item.pos.clone())))
                .collect(),
            _ => Ok(vec![(self.scalar_text(what)?, self.pos.clone())]),
        }
    }

    fn type_error(&self, expected: &str, found: &NodeValue) -> Error {
        Error::at(
            &self.pos,
            ErrorKind::Type {
                expected: expected.to_owned(),
                found: found.describe().to_owned(),
            },
        )
    }
}

/// Read a YAML file that holds one mapping (a vars file, a facts file);
/// an empty file is an empty mapping.
pub fn load_mapping(path: &std::path::Path, what: &str) -> Result<Vec<(Key, Node)>> {
    let source = read_source(path)?;
    let document = parse(&source)?;
    match &document.value {
        NodeValue::Null => Ok(Vec::new()),
        _ => Ok(document.as_map(what)?.to_vec()),
    }
}

/// Parse YAML text into a node tree; syntax errors point at their line and column.
pub fn parse(source: &Arc<Source>) -> Result<Node> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    match serde_saphyr::from_str_with_options::<Option<Spanned<Raw>>>(&source.text, options) {
        Ok(Some(raw)) => Ok(convert(source, raw)),
        Ok(None) => Ok(Node {
            pos: Pos::new(source, 1, 1),
            value: NodeValue::Null,
        }),
        Err(error) => {
            let location = error.location();
            let (message, hint) = message_of(error.without_snippet());
            let kind = match hint {
                Some(hint) => ErrorKind::Invalid {
                    message,
                    hint: Some(hint),
                },
                None => ErrorKind::Yaml { message },
            };
            Err(match location {
                Some(location) => Error::at(
                    &Pos::new(
                        source,
                        u32::try_from(location.line()).unwrap_or(u32::MAX),
                        u32::try_from(location.column()).unwrap_or(u32::MAX),
                    ),
                    kind,
                ),
                None => Error::new(kind),
            })
        }
    }
}

/// What the YAML crate's error means, in hostnet's words (its own advice
/// names its options, which a playbook author cannot set), with a hint.
fn message_of(error: &serde_saphyr::Error) -> (String, Option<String>) {
    use serde_saphyr::budget::BudgetBreach;
    match error {
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => (
            key.as_ref()
                .map_or_else(|| "duplicate key".to_owned(), |key| format!("duplicate key `{key}`")),
            Some("each key appears once per mapping: delete one of the two, or merge them".into()),
        ),
        serde_saphyr::Error::Budget { breach, .. } => {
            let what = match breach {
                BudgetBreach::Nodes { .. } => "too many values (nodes)",
                BudgetBreach::Events { .. } => "too many YAML events",
                BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } => "too many aliases (`*name`)",
                BudgetBreach::Anchors { .. } => "too many anchors (`&name`)",
                BudgetBreach::Depth { .. } => "values nested too deeply",
                BudgetBreach::Documents { .. } => "too many documents",
                BudgetBreach::MergeKeys { .. } => "too many merge keys (`<<`)",
                _ => "more than hostnet reads",
            };
            (
                format!("the YAML holds {what}: this is not a playbook hostnet reads"),
                Some("split it into smaller files (`vars_files`), or drop the generated part".into()),
            )
        }
        other => (strip_location_prefix(&other.to_string()).to_owned(), None),
    }
}

/// serde-saphyr messages read `error: line 4 column 5: what`; keep `what`.
fn strip_location_prefix(text: &str) -> &str {
    let first = text.lines().next().unwrap_or(text);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let message = match first.strip_prefix("line ").and_then(|rest| rest.split_once(": ")) {
        Some((_, message)) => message,
        None => first,
    };
    // The position is shown in the snippet header; drop libyaml-style suffixes.
    match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    }
}

fn convert(source: &Arc<Source>, raw: Spanned<Raw>) -> Node {
    let pos = position(source, &raw.referenced);
    let value = match raw.value {
        Raw::Null => NodeValue::Null,
        Raw::Bool(value) => NodeValue::Bool(value),
        Raw::Int(value) => NodeValue::Int(value),
        Raw::Float(value) => NodeValue::Float(value),
        Raw::Str(value) => NodeValue::Str(value),
        Raw::Seq(items) => NodeValue::Seq(items.into_iter().map(|item| convert(source, item)).collect()),
        Raw::Map(entries) => NodeValue::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    (
                        Key {
                            pos: position(source, &key.referenced),
                            name: key.value,
                        },
                        convert(source, value),
                    )
                })
                .collect(),
        ),
    };
    Node { pos, value }
}

fn position(source: &Arc<Source>, location: &serde_saphyr::Location) -> Pos {
    Pos::new(
        source,
        u32::try_from(location.line()).unwrap_or(u32::MAX),
        u32::try_from(location.column()).unwrap_or(u32::MAX),
    )
}

/// What serde-saphyr fills in; converted into [`Node`] right away.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Raw, E> {
        Ok(Raw::Int(value))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Raw, E> {
        i64::try_from(value)
            .map(Raw::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Raw, E> {
        Ok(Raw::Float(value))
    }
    fn visit_str<E>(self, value: &str) -> Result<Raw, E> {
        Ok(Raw::Str(value.to_owned()))
    }
    fn visit_string<E>(self, value: String) -> Result<Raw, E> {
        Ok(Raw::Str(value))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}
