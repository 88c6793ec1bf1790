//! Exit codes, fixed once (documented in docs/cli.md).

use std::process::ExitCode;

/// How hostnet exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// 0: done; with `--detailed-exitcode`, also "no changes".
    Success,
    /// 1: an error (bad playbook, validation, pre-flight, I/O before the
    /// first change, lock held); nothing was changed.
    Failure,
    /// 2: with `--detailed-exitcode`: changes pending (plan) or made (apply).
    Changes,
    /// 3: apply or rollback stopped part way (a command, or a write after
    /// others, failed); the run can be finished or rolled back.
    ApplyFailed,
    /// 2 from `verify`: the live host differs from the playbook.
    Drift,
    /// 2 from `lab`: a measured cell differs from the mode's promise.
    Mismatch,
    /// 64 (`EX_USAGE`): the command line is wrong (unknown flag, missing argument).
    /// Never 2, which `--detailed-exitcode` reserves for "changes".
    Usage,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::ApplyFailed => 3,
            ExitStatus::Drift => 2,
            ExitStatus::Mismatch => 2,
            ExitStatus::Usage => 64,
        })
    }
}
