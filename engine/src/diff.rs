//! Unified diffs of file contents, Ansible-style headers, no colour.

use similar::TextDiff;

/// `--- before: PATH` / `+++ after: PATH` with 3 lines of context and
/// `\ No newline at end of file` where it applies. Empty when equal.
pub fn unified(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .header(&format!("before: {path}"), &format!("after: {path}"))
        .to_string()
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
}
