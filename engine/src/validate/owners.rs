//! Rule: TAP owners exist on the host (when its accounts are known).

use foldhash::HashSet;

use crate::error::Rule;
use crate::error::{Error, suggest};
use crate::validate::Check;

impl<'a> Check<'a> {
    /// Rule: TAP owners exist on the host (when its accounts are known).
    pub(super) fn owners(&mut self) {
        let accounts = |known: &'a Option<Vec<String>>| {
            known
                .as_ref()
                .map(|known| (known, known.iter().map(String::as_str).collect::<HashSet<&str>>()))
        };
        let (users, groups) = (accounts(&self.facts.users), accounts(&self.facts.groups));
        for tap in &self.model.taps {
            for (what, owner, known, create) in [
                ("user", &tap.user, &users, "useradd --system"),
                ("group", &tap.group, &groups, "groupadd --system"),
            ] {
                let (Some(owner), Some((known, names))) = (owner, known) else {
                    continue;
                };
                let name = owner.value.as_str();
                if name.bytes().all(|b| b.is_ascii_digit()) || names.contains(name) {
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
