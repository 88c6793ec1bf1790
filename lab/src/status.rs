//! The lab's live status line on a terminal: what is being built, and each
//! guest's state (behind its TAP, waiting for its lease, leased, probing,
//! QEMU booting …), rewritten in place as the run goes on.
//!
//! The run reports through its progress callback: a step is any message,
//! a guest's state is a message made by [`guest`] (`guest NAME: STATE`).
//! [`Status`] keeps the latest of each and renders one line; the CLI draws
//! it only when stderr is a terminal (never with `--json`, never piped).

/// The message that says guest `name` is now in `state`.
pub fn guest(name: &str, state: &str) -> String {
    format!("guest {name}: {state}")
}

/// `(name, state)` of a message made by [`guest`].
pub fn parse_guest(message: &str) -> Option<(&str, &str)> {
    message.strip_prefix("guest ")?.split_once(": ")
}

/// The latest step and every guest's latest state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// The step being done.
    pub step: String,
    /// Each guest's state, in the order they appeared.
    pub guests: Vec<(String, String)>,
}

impl Status {
    /// Take `message` in: a guest's state, or the next step.
    pub fn hear(&mut self, message: &str) {
        match parse_guest(message) {
            Some((name, state)) => match self.guests.iter_mut().find(|(known, _)| known == name) {
                Some((_, old)) => state.clone_into(old),
                None => self.guests.push((name.to_owned(), state.to_owned())),
            },
            None => message.clone_into(&mut self.step),
        }
    }

    /// The line: `lab: STEP | g1: STATE · g2: STATE`, cut to `width`
    /// characters (with `…`).
    pub fn line(&self, width: usize) -> String {
        let mut line = format!("lab: {}", self.step);
        if !self.guests.is_empty() {
            let guests: Vec<String> = self
                .guests
                .iter()
                .map(|(name, state)| format!("{name}: {state}"))
                .collect();
            line.push_str(" | ");
            line.push_str(&guests.join(" · "));
        }
        if line.chars().count() > width {
            let mut cut: String = line.chars().take(width.saturating_sub(1)).collect();
            cut.push('…');
            cut
        } else {
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_guests_on_one_line() {
        let mut status = Status::default();
        status.hear("building the lab: internet, LAN router, LAN device, LAN admin, host");
        assert_eq!(
            status.line(200),
            "lab: building the lab: internet, LAN router, LAN device, LAN admin, host"
        );
        status.hear("guests: DHCP");
        status.hear(&guest("win7", "waiting for lease"));
        status.hear(&guest("deb", "waiting for lease"));
        status.hear(&guest("win7", "leased 172.16.1.2"));
        assert_eq!(
            status.line(200),
            "lab: guests: DHCP | win7: leased 172.16.1.2 · deb: waiting for lease"
        );
        assert_eq!(status.line(20), "lab: guests: DHCP |…");
    }
}
