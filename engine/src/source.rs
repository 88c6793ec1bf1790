//! Source files and positions in them.
//!
//! Every value hostnet reads from a playbook remembers where it came from, so
//! an error found long after parsing (an undefined variable, an address that is
//! not an address, two bridges claiming one port) still points at
//! `site.yml:7:14`, the way Ansible's `ansible_pos` does.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file hostnet read, kept whole so errors can quote its lines.
#[derive(Debug)]
pub struct Source {
    /// The path as the user gave it (shown in messages).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// A source held in memory under a display name.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            path: path.into(),
            text: text.into(),
        })
    }

    /// Byte offset of a 1-based line and column (columns count characters).
    pub fn offset(&self, line: u32, column: u32) -> usize {
        let mut offset = 0;
        for (index, text) in self.text.split_inclusive('\n').enumerate() {
            if index + 1 == line as usize {
                let chars = column.saturating_sub(1) as usize;
                let within = text
                    .char_indices()
                    .nth(chars)
                    .map_or(text.trim_end_matches('\n').len(), |(i, _)| i);
                return offset + within;
            }
            offset += text.len();
        }
        self.text.len()
    }

    /// Length in bytes of the YAML token (scalar, key, or flow opener) at
    /// `offset`, ending on a character boundary.
    pub fn token_len(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let rest = &self.text[offset..];
        let mut len = Self::raw_token_len(rest).min(rest.len());
        while !rest.is_char_boundary(len) {
            len += 1;
        }
        len
    }

    fn raw_token_len(rest: &str) -> usize {
        let line = rest.split('\n').next().unwrap_or("");
        let mut chars = line.char_indices();
        match chars.next() {
            None => 0,
            Some((_, quote @ ('"' | '\''))) => {
                let mut escaped = false;
                for (index, c) in chars {
                    if quote == '"' && c == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if c == quote && !escaped {
                        return index + 1;
                    }
                    escaped = false;
                }
                line.len()
            }
            Some((_, '[' | '{' | '|' | '>')) => 1,
            Some(_) => {
                let bytes = line.as_bytes();
                let mut end = line.len();
                for (index, c) in line.char_indices() {
                    let next = bytes.get(index + 1).copied();
                    let ends = match c {
                        ',' | ']' | '}' => true,
                        ':' => matches!(next, None | Some(b' ' | b'\t')),
                        '#' => index > 0 && bytes[index - 1] == b' ',
                        _ => false,
                    };
                    if ends {
                        end = index;
                        break;
                    }
                }
                line[..end].trim_end().len().max(1)
            }
        }
    }
}

/// A 1-based line and column in a [`Source`].
#[derive(Clone)]
pub struct Pos {
    /// The file.
    pub source: Arc<Source>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
}

impl Pos {
    /// A position in `source`.
    pub fn new(source: &Arc<Source>, line: u32, column: u32) -> Self {
        Self {
            source: Arc::clone(source),
            line: line.max(1),
            column: column.max(1),
        }
    }

    /// The file this position is in.
    pub fn path(&self) -> &Path {
        &self.source.path
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.source.path.display(), self.line, self.column)
    }
}

impl fmt::Debug for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl PartialEq for Pos {
    fn eq(&self, other: &Self) -> bool {
        self.source.path == other.source.path && self.line == other.line && self.column == other.column
    }
}

impl Eq for Pos {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lengths() {
        let source = Source::new("x.yml", "a: \"q\\\"x\" # c\nkey: value, other\nk: v # c\n");
        assert_eq!(source.token_len(source.offset(1, 4)), 6);
        assert_eq!(source.token_len(source.offset(2, 1)), 3);
        assert_eq!(source.token_len(source.offset(2, 6)), 5);
        assert_eq!(source.token_len(source.offset(3, 4)), 1);
    }
}
