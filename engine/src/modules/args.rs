//! A module's arguments, read one by one against its spec.
//!
//! Modules read their arguments through [`Args`], which converts each into
//! its type ([`FromArg`]) with the value's position on failure, and rejects
//! keys the module's spec does not declare, with a "did you mean".

use crate::error::{Error, ErrorKind, Result, suggest};
use crate::source::Pos;
use crate::value::{Arg, ArgValue, At, FromArg};
use crate::yaml::Key;

/// One argument of a module.
#[derive(Debug)]
pub struct ArgSpec {
    /// Its key.
    pub name: &'static str,
    /// Other accepted keys.
    pub aliases: &'static [&'static str],
    /// Is it required?
    pub required: bool,
    /// The type, as shown in docs (`interface name`, `list of CIDRs`, …).
    pub kind: &'static str,
    /// What it means, defaults included.
    pub doc: &'static str,
}

/// A module's arguments, read one by one, with unknown keys rejected at the end.
#[derive(Debug)]
pub struct Args {
    module: &'static str,
    context: &'static str,
    specs: &'static [ArgSpec],
    pos: Pos,
    entries: Vec<(Key, Arg)>,
    taken: Vec<bool>,
}

impl Args {
    /// The arguments of a `module:` value (a mapping, or nothing), for the
    /// module `module` whose arguments messages call `context`.
    pub fn new(module: &'static str, context: &'static str, specs: &'static [ArgSpec], arg: Arg) -> Result<Self> {
        let pos = arg.pos.clone();
        let entries = match arg.value {
            ArgValue::Map(entries) => entries,
            ArgValue::Scalar(value) if value.is_none() || value.is_undefined() => Vec::new(),
            _ => {
                return Err(arg.type_error(&format!("the arguments of `{module}` as a mapping")));
            }
        };
        let taken = vec![false; entries.len()];
        Ok(Self {
            module,
            context,
            specs,
            pos,
            entries,
            taken,
        })
    }

    /// Where the module's arguments start.
    pub fn pos(&self) -> &Pos {
        &self.pos
    }

    /// The spec of an argument, by name or alias.
    fn spec(&self, name: &str) -> Option<&'static ArgSpec> {
        self.specs
            .iter()
            .find(|spec| spec.name == name || spec.aliases.contains(&name))
    }

    fn take(&mut self, name: &str) -> Option<Arg> {
        let spec = self.spec(name);
        debug_assert!(
            spec.is_some(),
            "module `{}` reads undeclared argument `{name}`",
            self.module
        );
        let aliases = spec.map(|spec| spec.aliases).unwrap_or_default();
        let index = self
            .entries
            .iter()
            .position(|(key, _)| key.name == name || aliases.contains(&key.name.as_str()))?;
        self.taken[index] = true;
        Some(self.entries[index].1.clone())
    }

    /// Is the argument given (and not null)?
    pub fn has(&self, name: &str) -> bool {
        let aliases = self.spec(name).map(|spec| spec.aliases).unwrap_or_default();
        self.entries
            .iter()
            .any(|(key, arg)| (key.name == name || aliases.contains(&key.name.as_str())) && !arg.is_none())
    }

    /// Where an argument's key is written, if it is given (and not null).
    pub fn key_pos(&self, name: &str) -> Option<Pos> {
        let aliases = self.spec(name).map(|spec| spec.aliases).unwrap_or_default();
        self.entries
            .iter()
            .find(|(key, arg)| (key.name == name || aliases.contains(&key.name.as_str())) && !arg.is_none())
            .map(|(key, _)| key.pos.clone())
    }

    /// A required argument.
    pub fn required<T: FromArg>(&mut self, name: &str) -> Result<T> {
        match self.take(name) {
            Some(arg) if !arg.is_none() => T::from_owned_arg(arg),
            _ => Err(Error::at(
                &self.pos,
                ErrorKind::MissingKey {
                    key: name.to_owned(),
                    context: format!("`{}`", self.module),
                },
            )),
        }
    }

    /// An optional argument (`None` when absent or null).
    pub fn optional<T: FromArg>(&mut self, name: &str) -> Result<Option<T>> {
        match self.take(name) {
            Some(arg) if !arg.is_none() => T::from_owned_arg(arg).map(Some),
            _ => Ok(None),
        }
    }

    /// An optional argument with its position (the module's when absent).
    pub fn optional_at<T: FromArg>(&mut self, name: &str) -> Result<Option<At<T>>> {
        self.optional::<At<T>>(name)
    }

    /// Reject any argument the module did not read.
    pub fn finish(&self) -> Result<()> {
        for ((key, _), taken) in self.entries.iter().zip(&self.taken) {
            if !taken {
                let names = self
                    .specs
                    .iter()
                    .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()));
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: self.context,
                        suggestion: suggest(&key.name, names),
                        expected: self.specs.iter().map(|spec| spec.name).collect(),
                    },
                ));
            }
        }
        Ok(())
    }
}
