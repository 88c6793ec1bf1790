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
    TextDiff::configure()
        .timeout(TIMEOUT)
        .diff_lines(before, after)
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
