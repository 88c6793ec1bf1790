//! The picture as SVG, drawn by Graphviz's `dot` when it is installed.
//! The only part of `graph` that runs a program (through `mutate.rs`, the
//! one module that may); it changes nothing.

use crate::error::{Error, ErrorKind, Result};
use crate::graph::{Graph, dot};

/// `dot -Tsvg` over the DOT text, or an error saying how to get Graphviz.
pub fn write(graph: &Graph) -> Result<String> {
    let source = dot::write(graph);
    let output = crate::mutate::capture("dot", &["-Tsvg"], source.as_bytes());
    match output {
        Ok(output) if output.success => Ok(String::from_utf8_lossy(&output.stdout).into_owned()),
        Ok(output) => Err(Error::new(ErrorKind::Invalid {
            message: format!(
                "Graphviz's `dot -Tsvg` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            hint: None,
        })),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(Error::new(ErrorKind::Invalid {
            message: "`--format svg` needs Graphviz's `dot`, which is not installed".into(),
            hint: Some(
                "install Graphviz (Debian/Ubuntu: `apt install graphviz`; Gentoo: `emerge media-gfx/graphviz`), \
                 or print the source with `--format dot` or `--format mermaid`"
                    .into(),
            ),
        })),
        Err(error) => Err(Error::new(ErrorKind::Invalid {
            message: format!("cannot run Graphviz's `dot`: {error}"),
            hint: None,
        })),
    }
}
