//! The engine reads in pipeline order: no file depends, directly or through
//! others, on a file that depends back on it.
//!
//! A file's dependencies are the `crate::…` and `super::…` paths it names
//! (in `use` lines and in code) and, for a parent module, the children it
//! names in code (`bridge::BRIDGE`); declaring a child (`mod bridge;`) or
//! re-exporting it is structure, not use. Unit tests at the bottom of a file
//! are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo;

/// Module path (`modules::bridge`, `crate` for lib.rs) → source text.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut name = relative.to_string_lossy().replace('/', "::");
            if let Some(parent) = name.strip_suffix("::mod") {
                name = parent.to_owned();
            }
            if name == "lib" || name == "main" {
                name = "crate".to_owned();
            }
            let text = fs_err::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]") {
                Some(index) => text[..index].to_owned(),
                None => text,
            };
            let code: String = text
                .lines()
                .map(|line| line.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(name, code);
        }
    }
    out
}

/// `a::b::c` paths after `prefix` (`crate::`), with `{x, y::z}` groups expanded.
fn paths_after(text: &str, prefix: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(index) = rest.find(prefix) {
        let before = rest[..index].chars().last();
        rest = &rest[index + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut path = String::new();
        for c in rest.chars() {
            if c.is_alphanumeric() || c == '_' || c == ':' {
                path.push(c);
            } else if c == '{' && path.ends_with("::") {
                let end = rest.find('}').unwrap_or(rest.len());
                let start = rest.find('{').unwrap_or(0) + 1;
                for item in rest[start..end].split(',') {
                    let item = item.split(" as ").next().unwrap_or("").trim().replace(['{', '}'], "");
                    if !item.is_empty() {
                        paths.push(format!("{path}{item}"));
                    }
                }
                path.clear();
                break;
            } else {
                break;
            }
        }
        if !path.is_empty() {
            paths.push(path.trim_end_matches(':').to_owned());
        }
    }
    paths
}

/// The longest module that is a prefix of `path`.
fn resolve(path: &str, modules: &BTreeMap<String, String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|candidate| modules.contains_key(candidate))
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in &modules {
        let mut references: Vec<String> = paths_after(text, "crate::");
        let parent = name.rsplit_once("::").map_or("", |(parent, _)| parent);
        for path in paths_after(text, "super::") {
            references.push(if parent.is_empty() {
                path
            } else {
                format!("{parent}::{path}")
            });
        }
        let structure = |line: &str| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("pub(crate) ")
                .or_else(|| line.strip_prefix("pub(super) "))
                .unwrap_or(line);
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.starts_with("mod ") || line.starts_with("use ")
        };
        let body: String = text
            .lines()
            .filter(|line| !structure(line))
            .collect::<Vec<_>>()
            .join("\n");
        for line in text.lines() {
            let trimmed = line.trim_start();
            let declared = ["mod ", "pub mod ", "pub(crate) mod ", "pub(super) mod "]
                .iter()
                .find_map(|prefix| trimmed.strip_prefix(prefix))
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(child) = declared
                && !paths_after(&body, &format!("{child}::")).is_empty()
            {
                let child = if name == "crate" {
                    child.to_owned()
                } else {
                    format!("{name}::{child}")
                };
                references.push(child);
            }
        }
        let targets = graph.entry(name.clone()).or_default();
        for reference in references {
            if let Some(target) = resolve(&reference, &modules)
                && &target != name
                && target != "crate"
            {
                targets.insert(target);
            }
        }
    }
    graph
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        state.index.insert(node, state.next);
        state.low.insert(node, state.next);
        state.next += 1;
        state.stack.push(node);
        state.on_stack.insert(node);
        let graph = state.graph;
        for target in graph.get(node).into_iter().flatten() {
            let target = target.as_str();
            if !state.index.contains_key(target) {
                visit(state, target);
                let low = state.low[target].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(target) {
                let low = state.index[target].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.to_owned());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found
}

#[test]
fn the_import_graph_has_no_cycle() {
    for crate_dir in ["engine/src", "backends/src", "lab/src", "src"] {
        let graph = graph(&repo().join(crate_dir));
        assert!(graph.len() > 3, "{crate_dir}: found only {:?}", graph.keys());
        let cycles = cycles(&graph);
        assert!(cycles.is_empty(), "{crate_dir} has import cycles: {cycles:#?}");
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("apply".into()).or_default().insert("rollback".into());
    graph.entry("rollback".into()).or_default().insert("runs".into());
    graph.entry("runs".into()).or_default().insert("apply".into());
    graph.entry("plan".into()).or_default().insert("runs".into());
    assert_eq!(cycles(&graph), [vec!["apply", "rollback", "runs"]]);
    // And the real engine is read the same way: `mutate` is a leaf that
    // `apply` and `runs` use, and `apply` uses `rollback`.
    let engine = self::graph(&repo().join("engine/src"));
    assert!(engine["apply"].contains("mutate"), "{:?}", engine["apply"]);
    assert!(engine["apply"].contains("rollback"), "{:?}", engine["apply"]);
    assert!(engine["runs"].contains("mutate"), "{:?}", engine["runs"]);
    assert!(engine["modules"].contains("modules::bridge"), "{:?}", engine["modules"]);
    assert!(
        engine["modules::bridge"].contains("modules::spec"),
        "{:?}",
        engine["modules::bridge"]
    );
    assert!(!engine.get("mutate").is_some_and(|targets| targets.contains("apply")));
}
