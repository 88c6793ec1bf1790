//! The picture as a Mermaid flowchart (renders in Markdown on forges).

use std::fmt::Write;

use crate::graph::{EdgeKind, Graph, Node, NodeKind};

/// A ```` ```mermaid ```` body: `flowchart LR`, the host's devices in a frame.
pub fn write(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let (host, outside): (Vec<&Node>, Vec<&Node>) = graph.nodes.iter().partition(|node| node.kind.on_host());
    for node in outside.iter().filter(|node| node.kind == NodeKind::Lan) {
        let _ = writeln!(out, "  {}", shape(node));
    }
    if !host.is_empty() {
        out.push_str("  subgraph host[\"this host\"]\n");
        for node in &host {
            let _ = writeln!(out, "    {}", shape(node));
        }
        out.push_str("  end\n");
    }
    for node in outside.iter().filter(|node| node.kind != NodeKind::Lan) {
        let _ = writeln!(out, "  {}", shape(node));
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::Link => "---",
            EdgeKind::Forward => "-.-",
            EdgeKind::Note => "-.-",
        };
        match &edge.label {
            Some(label) => {
                let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", edge.from, escape(label), edge.to);
            }
            None => {
                let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
            }
        }
    }
    out
}

fn shape(node: &Node) -> String {
    let text = node
        .lines
        .iter()
        .map(|line| escape(line))
        .collect::<Vec<_>>()
        .join("<br/>");
    let id = &node.id;
    match node.kind {
        NodeKind::Lan => format!("{id}([\"{text}\"])"),
        NodeKind::Uplink => format!("{id}[\"{text}\"]"),
        NodeKind::Bridge => format!("{id}[[\"{text}\"]]"),
        NodeKind::Tap => format!("{id}[/\"{text}\"/]"),
        NodeKind::Guest => format!("{id}(\"{text}\")"),
        NodeKind::UserNet => format!("{id}{{{{\"{text}\"}}}}"),
        NodeKind::Reach => format!("{id}>\"{text}\"]"),
    }
}

/// Mermaid labels in `"…"`: quotes and the characters Mermaid reads as markup become entities.
fn escape(text: &str) -> String {
    text.replace('&', "#amp;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(escape("a \"b\" <c>"), "a #quot;b#quot; #lt;c#gt;");
    }
}
