//! Rule: TAP owners exist on the host (when its accounts are known).

use crate::error::Rule;
use crate::error::{Error, suggest};
use crate::validate::Check;

impl<'a> Check<'a> {
    /// Rule: TAP owners exist on the host (when its accounts are known).
    pub(super) fn owners(&mut self) {
        for tap in &self.model.taps {
            for (what, owner, known, create) in [
                ("user", &tap.user, &self.facts.users, "useradd --system"),
                ("group", &tap.group, &self.facts.groups, "groupadd --system"),
            ] {
                let (Some(owner), Some(known)) = (owner, known) else {
                    continue;
                };
                let name = owner.value.as_str();
                if name.bytes().all(|b| b.is_ascii_digit()) || known.iter().any(|k| k == name) {
                    continue;
                }
                let hint = match suggest(name, known.iter().map(String::as_str)) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("create it first (`{create} {name}`), or name an existing {what}"),
                };
                self.errors.push(Error::rule(
                    Rule::UnknownOwner,
                    &owner.pos,
                    format!("{what} `{name}` does not exist on the host"),
                    Some(hint),
                ));
            }
        }
    }
}
