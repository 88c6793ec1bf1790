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
///
/// The common document (no anchors, aliases, tags, merge keys or unusual
/// numbers) is built straight from the parser's events ([`from_events`]);
/// anything else, and every error, goes through serde-saphyr, whose result
/// the fast path equals wherever it answers (tests below compare both on
/// every playbook).
pub fn parse(source: &Arc<Source>) -> Result<Node> {
    if let Some(node) = from_events(source) {
        return Ok(node);
    }
    parse_with_serde(source)
}

/// The serde-saphyr path: every YAML feature, budgets, and its errors.
fn parse_with_serde(source: &Arc<Source>) -> Result<Node> {
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

/// serde-saphyr's default budget, which the fast path leaves to it.
const MAX_DEPTH: usize = 64;
const MAX_NODES: usize = 250_000;

/// A collection being built from events.
enum Frame {
    Seq(Pos, Vec<Node>),
    /// The entries so far, the key waiting for its value, and the keys seen
    /// (filled only once the mapping is large: a short one is scanned).
    Map(Pos, Vec<(Key, Node)>, Option<Key>, foldhash::HashSet<String>),
}

/// Up to this many entries a mapping's keys are compared one by one (a VM's
/// `{ name, tap, mac, ip }`), beyond it they are looked up in a set.
const SCANNED_KEYS: usize = 16;

/// The document built from granit-parser's events, or `None` where
/// serde-saphyr must decide: anchors, aliases, tags, merge keys, keys that
/// are not plain strings, duplicate keys, several documents, numbers with
/// signs, radixes, underscores or that do not fit, non-finite floats, a
/// breached budget, and any syntax error.
fn from_events(source: &Arc<Source>) -> Option<Node> {
    use serde_saphyr::granit_parser::{Event, Parser};
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    let mut nodes = 0usize;
    let pos = |span: &serde_saphyr::granit_parser::Span| -> Option<Pos> {
        Some(Pos::new(
            source,
            u32::try_from(span.start.line()).ok()?,
            u32::try_from(span.start.col() + 1).ok()?,
        ))
    };
    for event in Parser::new_from_str(&source.text) {
        let (event, span) = event.ok()?;
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let value = if matches!(style, serde_saphyr::granit_parser::ScalarStyle::Plain) {
                    plain(&text)?
                } else {
                    NodeValue::Str(text.into_owned())
                };
                Node {
                    pos: pos(&span)?,
                    value,
                }
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if anchor != 0 || tag.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                let start = pos(&span)?;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(start, Vec::new())
                } else {
                    Frame::Map(start, Vec::new(), None, foldhash::HashSet::default())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Frame::Seq(pos, items) => Node {
                    pos,
                    value: NodeValue::Seq(items),
                },
                Frame::Map(pos, entries, None, _) => Node {
                    pos,
                    value: NodeValue::Map(entries),
                },
                Frame::Map(_, _, Some(_), _) => return None,
            },
            _ => return None,
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return None;
        }
        match stack.last_mut() {
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(node);
            }
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending, seen)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    let NodeValue::Str(name) = node.value else {
                        return None;
                    };
                    let duplicate = if entries.len() < SCANNED_KEYS {
                        entries.iter().any(|(key, _)| key.name == name)
                    } else {
                        if seen.is_empty() {
                            seen.extend(entries.iter().map(|(key, _)| key.name.clone()));
                        }
                        !seen.insert(name.clone())
                    };
                    if name == "<<" || duplicate {
                        return None;
                    }
                    *pending = Some(Key { name, pos: node.pos });
                }
            },
        }
    }
    if !stack.is_empty() {
        return None;
    }
    Some(root.unwrap_or_else(|| Node {
        pos: Pos::new(source, 1, 1),
        value: NodeValue::Null,
    }))
}

/// A plain scalar's value as serde-saphyr reads it with hostnet's options
/// (YAML 1.2 booleans; `0755` stays a string), or `None` for the spellings
/// the fast path leaves to it.
fn plain(text: &str) -> Option<NodeValue> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(NodeValue::Null),
        "true" | "True" | "TRUE" => return Some(NodeValue::Bool(true)),
        "false" | "False" | "FALSE" => return Some(NodeValue::Bool(false)),
        _ => {}
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let Some(first) = unsigned.bytes().next() else {
        return Some(NodeValue::Str(text.to_owned()));
    };
    if !(first.is_ascii_digit() || first == b'.' || first == b'+') {
        return Some(NodeValue::Str(text.to_owned()));
    }
    if first == b'+'
        || text.contains('_')
        || text.trim() != text
        || unsigned.starts_with(".inf")
        || unsigned.starts_with(".Inf")
        || unsigned.starts_with(".INF")
        || unsigned.starts_with(".nan")
        || unsigned.starts_with(".NaN")
        || unsigned.starts_with(".NAN")
        || unsigned.starts_with("0x")
        || unsigned.starts_with("0X")
        || unsigned.starts_with("0o")
        || unsigned.starts_with("0O")
        || unsigned.starts_with("0b")
        || unsigned.starts_with("0B")
    {
        return None;
    }
    if unsigned.bytes().all(|byte| byte.is_ascii_digit()) {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            // A redundant leading zero (`0755`, `-012`): a string.
            return Some(NodeValue::Str(text.to_owned()));
        }
        return text.parse::<i64>().ok().map(NodeValue::Int);
    }
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Some(NodeValue::Float(value)),
        Ok(_) => None,
        Err(_) => Some(NodeValue::Str(text.to_owned())),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree as text: every node's and key's position, shape and value.
    fn dump(node: &Node, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "@{}:{} ", node.pos.line, node.pos.column);
        match &node.value {
            NodeValue::Seq(items) => {
                out.push('[');
                for item in items {
                    dump(item, out);
                    out.push(',');
                }
                out.push(']');
            }
            NodeValue::Map(entries) => {
                out.push('{');
                for (key, value) in entries {
                    let _ = write!(out, "{:?}@{}:{}=", key.name, key.pos.line, key.pos.column);
                    dump(value, out);
                    out.push(',');
                }
                out.push('}');
            }
            NodeValue::Float(value) => {
                let _ = write!(out, "Float({})", value.to_bits());
            }
            other => {
                let _ = write!(out, "{other:?}");
            }
        }
    }

    fn both(text: &str) -> (Option<String>, Option<String>) {
        let source = Source::new("t.yml", text);
        let fast = from_events(&source).map(|node| {
            let mut out = String::new();
            dump(&node, &mut out);
            out
        });
        let slow = parse_with_serde(&source).ok().map(|node| {
            let mut out = String::new();
            dump(&node, &mut out);
            out
        });
        (fast, slow)
    }

    /// Wherever the event path answers, it answers what serde-saphyr does.
    fn same(text: &str) -> bool {
        match both(text) {
            (Some(fast), slow) => {
                assert_eq!(Some(fast), slow, "differs on {text:?}");
                true
            }
            (None, _) => false,
        }
    }

    #[test]
    fn scalars_are_read_as_serde_saphyr_reads_them() {
        let answered = [
            "a",
            "0",
            "-0",
            "7",
            "-7",
            "0755",
            "-012",
            "00",
            "1.5",
            "-1.5",
            ".5",
            "5.",
            "1e5",
            "1E-3",
            "172.16.1.2",
            "52:54:00:12:34:56",
            "true",
            "True",
            "TRUE",
            "false",
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "~",
            "null",
            "Null",
            "NULL",
            "nul",
            "inf",
            "nan",
            "NaN",
            "infinity",
            "1.2.3",
            "12abc",
            "9223372036854775807",
            "-9223372036854775808",
            "1/24",
            "fd42::1/64",
            "2001:db8::1",
            ".hidden",
            "0.0.0.0/0",
            "1:2",
            "é",
        ];
        for scalar in answered {
            for text in [
                format!("k: {scalar}\n"),
                format!("- {scalar}\n"),
                format!("k: '{scalar}'\n"),
                format!("k: \"{scalar}\"\n"),
            ] {
                assert!(same(&text), "the event path left {text:?} to serde-saphyr");
            }
        }
        let left = [
            "+7",
            "0x1f",
            "0o17",
            "0b101",
            "1_000",
            ".inf",
            "-.inf",
            ".nan",
            "9223372036854775808",
            "1e999",
        ];
        for scalar in left {
            assert!(!same(&format!("k: {scalar}\n")), "{scalar} should go to serde-saphyr");
        }
    }

    #[test]
    fn structures_are_read_as_serde_saphyr_reads_them() {
        for text in [
            "",
            "# only a comment\n",
            "- name: x\n  hosts: localhost\n  tasks:\n    - tap: { name: tap0, user: qemu }\n      when: a == 1\n",
            "a:\n  - 1\n  - [2, 3]\n  - {b: c, d: [e]}\nf: |\n  line\n  two\ng: >\n  folded\n  text\nh:\n",
            "k: [ ]\nl: { }\nm:\n  -\n  - ~\n",
            "---\nk: v\n...\n",
            "multi: a\n  b\n  c\n",
            "\"quoted key\": 1\n'single': 2\n",
            "key with spaces: v\n",
        ] {
            assert!(same(text), "the event path left {text:?} to serde-saphyr");
        }
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "base: &b {x: 1}\nk:\n  <<: *b\n",
            "k: 1\nk: 2\n",
            "? [a, b]\n: c\n",
            "1: one\n",
            "---\na: 1\n---\nb: 2\n",
            "k: [1, 2\n",
            "k: 'open\n",
        ] {
            assert!(!same(text), "{text:?} should go to serde-saphyr");
        }
    }

    /// Every YAML file of the repository (playbooks, tests, examples,
    /// packaging) reads the same both ways.
    #[test]
    #[expect(clippy::disallowed_methods, reason = "the test reads the repository's own files")]
    fn every_yaml_file_of_the_repository_reads_the_same() {
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                let name = entry.file_name();
                if path.is_dir() {
                    if name != "target" && name != ".git" && name != "node_modules" {
                        walk(&path, files);
                    }
                } else if path.extension().is_some_and(|ext| ext == "yml" || ext == "yaml") {
                    files.push(path);
                }
            }
        }
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        walk(&repo, &mut files);
        assert!(files.len() > 50, "{files:?}");
        let mut answered = 0;
        for file in &files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let (fast, slow) = both(&text);
            if let Some(fast) = fast {
                assert_eq!(Some(fast), slow, "differs on {}", file.display());
                answered += 1;
            }
        }
        assert!(
            answered * 10 >= files.len() * 8,
            "the event path answered {answered} of {}",
            files.len()
        );
    }
}
