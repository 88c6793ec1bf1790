//! Managed blocks in shared files: insert, replace in place, or remove a
//! `# BEGIN hostnet MARKER` … `# END hostnet MARKER` block, never touching a
//! byte outside it.

use crate::change::{Block, Placement};

/// The fence lines of a block.
pub fn fences(marker: &str) -> (String, String) {
    (format!("# BEGIN hostnet {marker}"), format!("# END hostnet {marker}"))
}

/// The file text with `block` applied to `current` (`None`: file missing).
pub fn apply(current: Option<&str>, block: &Block) -> Option<String> {
    let (begin, end) = fences(&block.marker);
    let text = current.unwrap_or("");
    let mut body = block.content.clone();
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    let fenced = format!("{begin}\n{body}{end}\n");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let present = block.present
        && !block
            .unless_present
            .as_deref()
            .is_some_and(|wanted| outside_lines(text).iter().any(|(_, line)| line.trim() == wanted.trim()));
    let start = lines.iter().position(|line| line.trim_end() == begin);
    let finish = start.and_then(|start| {
        lines[start..]
            .iter()
            .position(|line| line.trim_end() == end)
            .map(|offset| start + offset)
    });
    if let (Some(start), Some(finish)) = (start, finish) {
        let before: String = lines[..start].concat();
        let after: String = lines[finish + 1..].concat();
        let middle = if present { fenced } else { String::new() };
        return Some(format!("{before}{middle}{after}"));
    }
    if !present {
        return current.map(str::to_owned);
    }
    let mut out = String::new();
    match &block.placement {
        Placement::Start => {
            out.push_str(&fenced);
            out.push_str(text);
        }
        Placement::Before(prefix) => {
            if let Some(index) = lines
                .iter()
                .position(|line| line.trim_start().starts_with(prefix.as_str()))
            {
                out.push_str(&lines[..index].concat());
                out.push_str(&fenced);
                out.push_str(&lines[index..].concat());
            } else {
                push_end(&mut out, text, &fenced);
            }
        }
        Placement::End => push_end(&mut out, text, &fenced),
    }
    Some(out)
}

fn push_end(out: &mut String, text: &str, fenced: &str) {
    out.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(fenced);
}

/// Lines outside every hostnet block.
pub fn outside_lines(text: &str) -> Vec<(usize, &str)> {
    let mut inside = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed.starts_with("# BEGIN hostnet ") {
            inside = true;
        } else if trimmed.starts_with("# END hostnet ") {
            inside = false;
        } else if !inside {
            lines.push((index + 1, line));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root::SysPath;
    use crate::types::FileMode;

    fn block(content: &str, placement: Placement) -> Block {
        Block {
            path: SysPath::from_static("/etc/x"),
            marker: "net".into(),
            content: content.into(),
            present: true,
            placement,
            mode: FileMode(0o644),
            conflicts: Vec::new(),
            unless_present: None,
            enforce_mode: false,
        }
    }

    #[test]
    fn a_line_the_user_already_has_needs_no_block() {
        let mut wanted = block("source /etc/network/interfaces.d/*", Placement::End);
        wanted.unless_present = Some("source /etc/network/interfaces.d/*".into());
        let text = "auto lo\nsource /etc/network/interfaces.d/*\n";
        assert_eq!(apply(Some(text), &wanted).unwrap(), text);
        assert_eq!(
            apply(Some("auto lo\n"), &wanted).unwrap(),
            "auto lo\n# BEGIN hostnet net\nsource /etc/network/interfaces.d/*\n# END hostnet net\n"
        );
    }

    #[test]
    fn appends_replaces_and_removes() {
        let first = apply(Some("user line"), &block("a=1", Placement::End)).unwrap();
        assert_eq!(first, "user line\n# BEGIN hostnet net\na=1\n# END hostnet net\n");
        let second = apply(Some(&first), &block("a=2\n", Placement::End)).unwrap();
        assert_eq!(second, "user line\n# BEGIN hostnet net\na=2\n# END hostnet net\n");
        let mut absent = block("", Placement::End);
        absent.present = false;
        assert_eq!(apply(Some(&second), &absent).unwrap(), "user line\n");
    }

    #[test]
    fn inserts_before_a_line() {
        let text = "*mangle\nCOMMIT\n*filter\n:INPUT DROP\n";
        let out = apply(Some(text), &block("*nat\nCOMMIT", Placement::Before("*filter".into()))).unwrap();
        assert_eq!(
            out,
            "*mangle\nCOMMIT\n# BEGIN hostnet net\n*nat\nCOMMIT\n# END hostnet net\n*filter\n:INPUT DROP\n"
        );
        assert_eq!(outside_lines(&out).len(), 4);
    }
}
