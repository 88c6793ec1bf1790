//! A one-line progress indicator on stderr for long applies. Only shown when
//! stderr is a terminal (decided in settings.rs); each step overwrites the
//! line, and [`Progress::done`] clears it, so nothing of it stays in the
//! scrollback or reaches a pipe or a log.

use std::io::Write;

use hostnet_engine::plan::Action;

/// The progress line of one run.
pub(crate) struct Progress {
    shown: bool,
}

impl Progress {
    /// Progress for a run, or none.
    pub(crate) fn new(shown: bool) -> Self {
        Self { shown }
    }

    /// The callback for `ApplyOptions::progress`, when shown.
    pub(crate) fn callback(&self) -> Option<fn(usize, usize, &Action)> {
        self.shown.then_some(progress as fn(usize, usize, &Action))
    }

    /// Overwrite the line with `text` (`hostnet lab`'s status), cut to 78
    /// characters by the caller.
    pub(crate) fn line(&self, text: &str) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    /// Clear the line.
    pub(crate) fn done(&self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// `[3/40] write /etc/conf.d/net`, overwriting the previous line.
pub(crate) fn progress(step: usize, total: usize, action: &Action) {
    let what = match action {
        Action::Write { path, .. } => format!("write {path}"),
        Action::Remove { path, .. } => format!("remove {path}"),
        Action::Link { path, .. } => format!("link {path}"),
        Action::RemoveDir { path } => format!("remove directory {path}"),
        Action::Run { argv, .. } => format!("command {}", hostnet_engine::shell::line(argv)),
    };
    let mut line = format!("[{step}/{total}] {what}");
    if line.chars().count() > 78 {
        line = line.chars().take(77).collect::<String>() + "…";
    }
    // Raw stderr: the line-clearing escape must survive `NO_COLOR` (this is a terminal).
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[2K{line}");
    let _ = err.flush();
}
