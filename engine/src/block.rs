//! Managed blocks in shared files: insert, replace in place, or remove a
//! `# BEGIN hostnet MARKER` … `# END hostnet MARKER` block, never touching a
//! byte outside it, whatever the file's encoding.
//!
//! Before anything is edited, every hostnet fence in the file is read: a
//! `BEGIN` without its `END`, an `END` without its `BEGIN`, a block inside a
//! block, or one marker twice is an error at that line ([`FenceError`]).
//! hostnet never guesses where its block ends: a guess that reaches past the
//! real end deletes the user's lines, and a block that is not found again is
//! appended once more on every run (the old one still wins at boot: the
//! last shell assignment does). Fence lines are compared without the blanks
//! around them, so a fence an editor gave a trailing space is still found.

use crate::change::{Block, Placement};

/// The fence lines of a block.
pub fn fences(marker: &str) -> (String, String) {
    (format!("# BEGIN hostnet {marker}"), format!("# END hostnet {marker}"))
}

/// A fence structure hostnet refuses to edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FenceError {
    /// 1-based line of the fence at fault.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

/// A block found in a file: its marker and its fence lines (0-based, inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Found {
    marker: String,
    begin: usize,
    end: usize,
}

/// What kind of fence a line is.
enum Fence<'a> {
    Begin(&'a str),
    End(&'a str),
}

fn fence(line: &str) -> Option<Fence<'_>> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("# BEGIN hostnet") {
        return marker(rest).map(Fence::Begin);
    }
    line.strip_prefix("# END hostnet").and_then(marker).map(Fence::End)
}

/// The marker after `# BEGIN hostnet` (empty when there is none).
fn marker(rest: &str) -> Option<&str> {
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then(|| rest.trim())
}

/// The file's lines, each with its line ending.
fn lines(text: &[u8]) -> Vec<&[u8]> {
    text.split_inclusive(|byte| *byte == b'\n').collect()
}

fn text_of(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

/// Every hostnet block of a file, or the first fence that is wrong.
fn blocks(lines: &[&[u8]]) -> Result<Vec<Found>, FenceError> {
    let mut found: Vec<Found> = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for (index, line) in lines.iter().enumerate() {
        let text = text_of(line);
        match (fence(&text), &open) {
            (None, _) => {}
            (Some(Fence::Begin(marker)), None) => {
                if marker.is_empty() {
                    return Err(FenceError {
                        line: index + 1,
                        message: "a hostnet fence without a marker".into(),
                        hint: "fences read `# BEGIN hostnet MARKER`: add the marker, or remove the line".into(),
                    });
                }
                if let Some(first) = found.iter().find(|block| block.marker == marker) {
                    return Err(FenceError {
                        line: index + 1,
                        message: format!(
                            "a second block `{marker}` (the first is at line {}): hostnet would update one and the other would still count",
                            first.begin + 1
                        ),
                        hint: "delete one of the two blocks (fences included), then run hostnet again".into(),
                    });
                }
                open = Some((marker.to_owned(), index));
            }
            (Some(Fence::Begin(marker)), Some((outer, begin))) => {
                return Err(FenceError {
                    line: begin + 1,
                    message: format!(
                        "`# BEGIN hostnet {outer}` has no `# END hostnet {outer}` before `# BEGIN hostnet {marker}` at line {}",
                        index + 1
                    ),
                    hint: format!(
                        "hostnet does not guess where its block ends: put `# END hostnet {outer}` after hostnet's lines, or delete the BEGIN line"
                    ),
                });
            }
            (Some(Fence::End(marker)), None) => {
                return Err(FenceError {
                    line: index + 1,
                    message: format!("`# END hostnet {marker}` has no `# BEGIN hostnet {marker}` before it"),
                    hint: "restore the BEGIN line above hostnet's lines, or delete this END line".into(),
                });
            }
            (Some(Fence::End(marker)), Some((outer, begin))) => {
                if marker != outer {
                    return Err(FenceError {
                        line: index + 1,
                        message: format!(
                            "`# END hostnet {marker}` closes `# BEGIN hostnet {outer}` (line {})",
                            begin + 1
                        ),
                        hint: "a block ends with the marker it began with: fix the END line".into(),
                    });
                }
                found.push(Found {
                    marker: outer.clone(),
                    begin: *begin,
                    end: index,
                });
                open = None;
            }
        }
    }
    if let Some((marker, begin)) = open {
        return Err(FenceError {
            line: begin + 1,
            message: format!("`# BEGIN hostnet {marker}` has no `# END hostnet {marker}`"),
            hint: format!(
                "hostnet does not guess where its block ends: put `# END hostnet {marker}` after hostnet's lines, or delete the BEGIN line"
            ),
        });
    }
    Ok(found)
}

/// Check the fences of a file without changing it.
pub fn check(text: &[u8]) -> Result<(), FenceError> {
    blocks(&lines(text)).map(|_| ())
}

/// The file with `block` applied to `current` (`None`: file missing; the
/// result is `None` when the file stays missing).
pub fn apply(current: Option<&[u8]>, block: &Block) -> Result<Option<Vec<u8>>, FenceError> {
    let (begin, end) = fences(&block.marker);
    let text = current.unwrap_or_default();
    let mut lines = lines(text);
    let mut found = blocks(&lines)?;
    let mut body = block.content.clone();
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    let present = block.present
        && !block
            .unless_present
            .as_deref()
            .is_some_and(|wanted| outside_lines(text).iter().any(|(_, line)| line.trim() == wanted.trim()));
    let existing = found.iter().position(|found| found.marker == block.marker);
    let section = matches!(block.placement, Placement::Section { .. });
    if let Some(index) = existing {
        let Found {
            begin: first,
            end: last,
            ..
        } = found.remove(index);
        if !section || !present {
            let mut out = lines[..first].concat();
            if present {
                out.extend_from_slice(format!("{begin}\n{body}{end}\n").as_bytes());
            }
            out.extend_from_slice(&lines[last + 1..].concat());
            return Ok(Some(out));
        }
        // A section block is placed afresh: it belongs inside the section
        // when the file has one of its own, and holds the section otherwise.
        lines.drain(first..=last);
        for other in &mut found {
            if other.begin > last {
                other.begin -= last + 1 - first;
                other.end -= last + 1 - first;
            }
        }
    }
    if !present {
        return Ok(current.map(<[u8]>::to_vec));
    }
    let inside = |index: usize| found.iter().any(|found| (found.begin..=found.end).contains(&index));
    let mut out = Vec::new();
    match &block.placement {
        Placement::Start => {
            out.extend_from_slice(format!("{begin}\n{body}{end}\n").as_bytes());
            out.extend_from_slice(&lines.concat());
        }
        Placement::End => push_end(&mut out, &lines.concat(), &format!("{begin}\n{body}{end}\n")),
        Placement::Before(prefix) => {
            let at = (0..lines.len())
                .find(|&index| !inside(index) && text_of(lines[index]).trim_start().starts_with(prefix.as_str()));
            let fenced = format!("{begin}\n{body}{end}\n");
            match at {
                Some(index) => {
                    out.extend_from_slice(&lines[..index].concat());
                    out.extend_from_slice(fenced.as_bytes());
                    out.extend_from_slice(&lines[index..].concat());
                }
                None => push_end(&mut out, &lines.concat(), &fenced),
            }
        }
        Placement::Section { header, footer } => {
            let at = (0..lines.len()).find(|&index| !inside(index) && text_of(lines[index]).trim() == header.as_str());
            match at {
                Some(index) => {
                    let mut after = index + 1;
                    while after < lines.len() && !inside(after) && text_of(lines[after]).trim_start().starts_with(':') {
                        after += 1;
                    }
                    out.extend_from_slice(&lines[..after].concat());
                    out.extend_from_slice(format!("{begin}\n{body}{end}\n").as_bytes());
                    out.extend_from_slice(&lines[after..].concat());
                }
                None => push_end(
                    &mut out,
                    &lines.concat(),
                    &format!("{begin}\n{header}\n{body}{footer}\n{end}\n"),
                ),
            }
        }
    }
    Ok(Some(out))
}

fn push_end(out: &mut Vec<u8>, text: &[u8], fenced: &str) {
    out.extend_from_slice(text);
    if !text.is_empty() && !text.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(fenced.as_bytes());
}

/// Lines outside every hostnet block (1-based numbers), as text; a file
/// whose fences are wrong has no lines outside (its edit is refused anyway).
pub fn outside_lines(text: &[u8]) -> Vec<(usize, String)> {
    let lines = lines(text);
    let Ok(found) = blocks(&lines) else {
        return Vec::new();
    };
    lines
        .iter()
        .enumerate()
        .filter(|(index, _)| !found.iter().any(|found| (found.begin..=found.end).contains(index)))
        .map(|(index, line)| {
            let text = text_of(line);
            (index + 1, text.trim_end_matches(['\n', '\r']).to_owned())
        })
        .collect()
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

    fn applied(text: &str, block: &Block) -> String {
        String::from_utf8(apply(Some(text.as_bytes()), block).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn a_line_the_user_already_has_needs_no_block() {
        let mut wanted = block("source /etc/network/interfaces.d/*", Placement::End);
        wanted.unless_present = Some("source /etc/network/interfaces.d/*".into());
        let text = "auto lo\nsource /etc/network/interfaces.d/*\n";
        assert_eq!(applied(text, &wanted), text);
        assert_eq!(
            applied("auto lo\n", &wanted),
            "auto lo\n# BEGIN hostnet net\nsource /etc/network/interfaces.d/*\n# END hostnet net\n"
        );
    }

    #[test]
    fn appends_replaces_and_removes() {
        let first = applied("user line", &block("a=1", Placement::End));
        assert_eq!(first, "user line\n# BEGIN hostnet net\na=1\n# END hostnet net\n");
        let second = applied(&first, &block("a=2\n", Placement::End));
        assert_eq!(second, "user line\n# BEGIN hostnet net\na=2\n# END hostnet net\n");
        let mut absent = block("", Placement::End);
        absent.present = false;
        assert_eq!(applied(&second, &absent), "user line\n");
        assert_eq!(apply(None, &absent).unwrap(), None);
    }

    #[test]
    fn inserts_before_a_line() {
        let text = "*mangle\nCOMMIT\n*filter\n:INPUT DROP\n";
        let out = applied(text, &block("*nat\nCOMMIT", Placement::Before("*filter".into())));
        assert_eq!(
            out,
            "*mangle\nCOMMIT\n# BEGIN hostnet net\n*nat\nCOMMIT\n# END hostnet net\n*filter\n:INPUT DROP\n"
        );
        assert_eq!(outside_lines(out.as_bytes()).len(), 4);
    }

    #[test]
    fn bytes_outside_the_block_are_kept_whatever_their_encoding() {
        let text = b"name=\"caf\xe9\"\r\n# BEGIN hostnet net\nold\n# END hostnet net\n\xff\xfe tail";
        let out = apply(Some(text), &block("new", Placement::End)).unwrap().unwrap();
        assert_eq!(
            out,
            b"name=\"caf\xe9\"\r\n# BEGIN hostnet net\nnew\n# END hostnet net\n\xff\xfe tail".to_vec()
        );
    }

    #[test]
    fn an_orphan_begin_is_an_error_not_a_guess() {
        let text = "a=1\n# BEGIN hostnet net\nuser_line_1=\"keep me\"\n";
        let error = apply(Some(text.as_bytes()), &block("x", Placement::End)).unwrap_err();
        assert_eq!(error.line, 2);
        assert_eq!(error.message, "`# BEGIN hostnet net` has no `# END hostnet net`");
        let error = check(b"# END hostnet net\n").unwrap_err();
        assert_eq!(
            (error.line, error.message.as_str()),
            (1, "`# END hostnet net` has no `# BEGIN hostnet net` before it")
        );
        let error = check(b"# BEGIN hostnet a\n# BEGIN hostnet b\n# END hostnet b\n").unwrap_err();
        assert_eq!(
            (error.line, error.message.as_str()),
            (
                1,
                "`# BEGIN hostnet a` has no `# END hostnet a` before `# BEGIN hostnet b` at line 2"
            )
        );
        let error = check(b"# BEGIN hostnet a\n# END hostnet b\n").unwrap_err();
        assert_eq!(
            (error.line, error.message.as_str()),
            (2, "`# END hostnet b` closes `# BEGIN hostnet a` (line 1)")
        );
        assert_eq!(check(b"# BEGIN hostnet\n").unwrap_err().line, 1);
    }

    #[test]
    fn a_marker_twice_is_an_error() {
        let text = "# BEGIN hostnet net\na\n# END hostnet net\n# BEGIN hostnet net\nb\n# END hostnet net\n";
        let error = apply(Some(text.as_bytes()), &block("x", Placement::End)).unwrap_err();
        assert_eq!(error.line, 4);
        assert!(
            error
                .message
                .starts_with("a second block `net` (the first is at line 1)")
        );
    }

    #[test]
    fn fences_with_stray_blanks_are_found_again() {
        let text = "u\n# BEGIN hostnet net \nold\n  # END hostnet net\t\nv\n";
        assert_eq!(
            applied(text, &block("new", Placement::End)),
            "u\n# BEGIN hostnet net\nnew\n# END hostnet net\nv\n"
        );
    }

    #[test]
    fn a_section_block_goes_after_the_sections_declarations() {
        let placement = Placement::Section {
            header: "*filter".into(),
            footer: "COMMIT".into(),
        };
        let user = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
        let out = applied(user, &block(":HOSTNET - [0:0]\n-A INPUT -j HOSTNET", placement.clone()));
        assert_eq!(
            out,
            "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n# BEGIN hostnet net\n:HOSTNET - [0:0]\n-A INPUT -j HOSTNET\n# END hostnet net\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
        );
        assert_eq!(
            applied(&out, &block(":HOSTNET - [0:0]\n-A INPUT -j HOSTNET", placement.clone())),
            out
        );
        // No section of the user's: the block holds one.
        let alone = applied("*nat\nCOMMIT\n", &block("-A X", placement.clone()));
        assert_eq!(
            alone,
            "*nat\nCOMMIT\n# BEGIN hostnet net\n*filter\n-A X\nCOMMIT\n# END hostnet net\n"
        );
        assert_eq!(applied(&alone, &block("-A X", placement.clone())), alone);
        // The user adds a section of their own: the block moves into it.
        let later = format!("{alone}*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
        assert_eq!(
            applied(&later, &block("-A X", placement)),
            "*nat\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n# BEGIN hostnet net\n-A X\n# END hostnet net\nCOMMIT\n"
        );
    }
}
