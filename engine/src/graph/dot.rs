//! The picture as Graphviz DOT (`dot -Tsvg` draws it).

use std::fmt::Write;

use crate::graph::{EdgeKind, Graph, Node, NodeKind};

/// An undirected DOT graph; the host's devices in a cluster.
pub fn write(graph: &Graph) -> String {
    let mut out = String::from(
        "graph hostnet {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\", fontsize=10];\n  edge [fontname=\"sans-serif\", fontsize=9];\n",
    );
    let (host, outside): (Vec<&Node>, Vec<&Node>) = graph.nodes.iter().partition(|node| node.kind.on_host());
    for node in &outside {
        let _ = writeln!(out, "  {}", statement(node));
    }
    if !host.is_empty() {
        out.push_str("  subgraph cluster_host {\n    label=\"this host\";\n    style=rounded;\n");
        for node in &host {
            let _ = writeln!(out, "    {}", statement(node));
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let mut attributes = Vec::new();
        match edge.kind {
            EdgeKind::Link => {}
            EdgeKind::Forward => attributes.push("style=dashed".to_owned()),
            EdgeKind::Note => attributes.push("style=dotted".to_owned()),
        }
        if let Some(label) = &edge.label {
            attributes.push(format!("label=\"{}\"", escape(label)));
        }
        let attributes = if attributes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attributes.join(", "))
        };
        let _ = writeln!(out, "  {} -- {}{attributes};", edge.from, edge.to);
    }
    out.push_str("}\n");
    out
}

fn statement(node: &Node) -> String {
    let label = node
        .lines
        .iter()
        .map(|line| escape(line))
        .collect::<Vec<_>>()
        .join("\\n");
    let shape = match node.kind {
        NodeKind::Lan => "shape=ellipse",
        NodeKind::Uplink => "shape=box",
        NodeKind::Bridge => "shape=box, style=bold",
        NodeKind::Tap => "shape=parallelogram",
        NodeKind::Guest => "shape=box, style=rounded",
        NodeKind::UserNet => "shape=hexagon",
        NodeKind::Reach => "shape=note",
    };
    format!("{} [{shape}, label=\"{label}\"];", node.id)
}

/// A DOT string's quotes and backslashes.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
