//! Unified diffs of file contents, Ansible-style headers, no colour.
//!
//! Lines are compared as integers (similar's Myers on interned lines), so a
//! diff costs about the size of the two files; a pathological pair that
//! would take longer than [`TIMEOUT`] gets a correct but not minimal diff
//! instead of stalling the plan.

use std::time::Duration;

use similar::TextDiff;

/// How long one file's diff may search for the smallest edit.
const TIMEOUT: Duration = Duration::from_secs(1);

/// `--- before: PATH` / `+++ after: PATH` with 3 lines of context and
/// `\ No newline at end of file` where it applies. Empty when equal.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    // A new or a removed file (most of a first plan: a lease file per VM)
    // is one hunk of every line, written without a search.
    if before.is_empty() {
        return whole(path, after, '+');
    }
    if after.is_empty() {
        return whole(path, before, '-');
    }
    searched(path, before, after)
}

/// The diff similar's search finds.
fn searched(path: &str, before: &str, after: &str) -> String {
    TextDiff::configure()
        .timeout(TIMEOUT)
        .diff_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&format!("before: {path}"), &format!("after: {path}"))
        .to_string()
}

/// The diff of an empty file against `text` (`sign` `+`) or of `text`
/// against an empty file (`-`), as [`searched`] writes it.
fn whole(path: &str, text: &str, sign: char) -> String {
    let lines = text.split_inclusive('\n').count();
    let range = match lines {
        1 => "1".to_owned(),
        n => format!("1,{n}"),
    };
    let mut out = String::with_capacity(text.len() + lines + 2 * path.len() + 48);
    out.push_str("--- before: ");
    out.push_str(path);
    out.push_str("\n+++ after: ");
    out.push_str(path);
    out.push('\n');
    if sign == '+' {
        out.push_str("@@ -0,0 +");
        out.push_str(&range);
    } else {
        out.push_str("@@ -");
        out.push_str(&range);
        out.push_str(" +0,0");
    }
    out.push_str(" @@\n");
    for line in text.split_inclusive('\n') {
        out.push(sign);
        out.push_str(line);
    }
    if !text.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_context_and_missing_newline() {
        let diff = unified("/etc/x", "a\nb\n", "a\nc");
        assert_eq!(
            diff,
            "--- before: /etc/x\n+++ after: /etc/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(unified("/etc/x", "same", "same"), "");
    }

    #[test]
    fn a_new_or_removed_file_is_written_as_the_search_writes_it() {
        for text in ["a\n", "a", "a\nb\n", "a\nb", "\n", "\n\n", "a\n\nb\n", "x\ny\nz"] {
            assert_eq!(
                unified("/etc/x", "", text),
                searched("/etc/x", "", text),
                "new {text:?}"
            );
            assert_eq!(
                unified("/etc/x", text, ""),
                searched("/etc/x", text, ""),
                "removed {text:?}"
            );
        }
        assert_eq!(
            unified("/etc/x", "", "a\nb"),
            "--- before: /etc/x\n+++ after: /etc/x\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n"
        );
    }
}
