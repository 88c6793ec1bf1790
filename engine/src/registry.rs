//! Every backend hostnet knows, and the one choice per target, made once.
//!
//! The CLI builds the [`Registry`] from `hostnet-backends` and hands it to
//! the engine. Text that names a backend (`--firewall nftables`, a task's
//! `firewall: nftables`) becomes a [`BackendId`] only here, so an unknown
//! name is an error where it was written. [`Registry::select`] then picks
//! the backend of every target the model needs, after checking that the
//! command line and the tasks agree and that an explicit choice can run on
//! this host; detection decides the rest.

use crate::backend::{Backend, BackendId, Detection, Target};
use crate::error::{Error, ErrorKind, Errors, suggest};
use crate::facts::Facts;
use crate::model::{BackendRequest, HostModel};
use crate::source::Pos;

/// All known backends.
#[derive(Default)]
pub struct Registry {
    backends: Vec<Box<dyn Backend>>,
}

/// The command line's backend choices (`--network-backend`, `--firewall`).
#[derive(Clone, Debug, Default)]
pub struct Choices {
    /// `--network-backend`.
    pub network: Option<BackendId>,
    /// `--firewall`.
    pub firewall: Option<BackendId>,
}

impl Choices {
    /// The command line's choice for `target`.
    pub fn get(&self, target: Target) -> Option<BackendId> {
        match target {
            Target::Network => self.network,
            Target::Firewall => self.firewall,
            _ => None,
        }
    }
}

/// The backend chosen for each target the model needs, in rendering order.
pub struct Selection<'r> {
    /// Target and backend.
    pub chosen: Vec<(Target, &'r dyn Backend)>,
}

/// Who asked for a backend explicitly.
enum Asked<'m> {
    CommandLine(&'static str),
    Task(&'m BackendRequest),
}

impl Asked<'_> {
    fn pos(&self) -> Option<&Pos> {
        match self {
            Self::CommandLine(_) => None,
            Self::Task(request) => Some(&request.origin.pos),
        }
    }

    fn describe(&self, id: BackendId) -> String {
        match self {
            Self::CommandLine(flag) => format!("`{flag} {id}` on the command line"),
            Self::Task(request) => format!("`{id}` at {}", request.origin.pos),
        }
    }
}

impl Registry {
    /// A registry of these backends.
    pub fn new(backends: Vec<Box<dyn Backend>>) -> Self {
        Self { backends }
    }

    /// Every backend.
    pub fn all(&self) -> impl Iterator<Item = &dyn Backend> {
        self.backends.iter().map(AsRef::as_ref)
    }

    /// The backends of one target, in detection order.
    pub fn of(&self, target: Target) -> impl Iterator<Item = &dyn Backend> {
        self.all().filter(move |backend| backend.target() == target)
    }

    /// The backend with this id.
    pub fn get(&self, id: BackendId) -> Option<&dyn Backend> {
        self.all().find(|backend| backend.id() == id)
    }

    /// The id `text` names among `target`'s backends, or why not.
    pub fn parse(&self, target: Target, text: &str) -> Result<BackendId, ErrorKind> {
        if let Some(backend) = self.of(target).find(|backend| backend.id() == text) {
            return Ok(backend.id());
        }
        let available: Vec<&'static str> = self.of(target).map(|backend| backend.id().as_str()).collect();
        Err(ErrorKind::UnknownBackend {
            target: target.name(),
            id: text.to_owned(),
            suggestion: suggest(text, available.iter().copied()),
            available,
        })
    }

    /// The command line's choices, parsed: `network` and `firewall` as given.
    pub fn choices(&self, network: Option<&str>, firewall: Option<&str>) -> Result<Choices, Errors> {
        let mut errors = Vec::new();
        let mut parse = |target: Target, text: Option<&str>| {
            text.and_then(|text| {
                self.parse(target, text)
                    .map_err(|kind| errors.push(Error::new(kind)))
                    .ok()
            })
        };
        let choices = Choices {
            network: parse(Target::Network, network),
            firewall: parse(Target::Firewall, firewall),
        };
        if errors.is_empty() {
            Ok(choices)
        } else {
            Err(Errors(errors))
        }
    }

    /// Choose the backend of every target the model needs: the explicit
    /// choice (command line or tasks, which must agree, and which must be
    /// usable here), else the first preferred one, else the first supported one.
    pub fn select<'r>(&'r self, model: &HostModel, facts: &Facts, choices: &Choices) -> Result<Selection<'r>, Errors> {
        let mut chosen = Vec::new();
        let mut errors = Vec::new();
        for target in Target::ALL {
            if !self.of(target).any(|backend| backend.wanted(model)) {
                continue;
            }
            match self.choose(target, model, facts, choices) {
                Ok(backend) => chosen.push((target, backend)),
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(Selection { chosen })
        } else {
            Err(Errors(errors))
        }
    }

    fn choose(
        &self,
        target: Target,
        model: &HostModel,
        facts: &Facts,
        choices: &Choices,
    ) -> Result<&dyn Backend, Error> {
        let mut asked: Option<(BackendId, Asked<'_>)> = choices
            .get(target)
            .map(|id| (id, Asked::CommandLine(target.flag().unwrap_or("--backend"))));
        for request in model.backend_requests.iter().filter(|request| request.target == target) {
            match &asked {
                Some((id, _)) if *id == request.id => {}
                Some((id, first)) => {
                    return Err(Error::at(
                        &request.origin.pos,
                        ErrorKind::BackendConflict {
                            target: target.name(),
                            id: request.id.as_str(),
                            other: first.describe(*id),
                        },
                    ));
                }
                None => asked = Some((request.id, Asked::Task(request))),
            }
        }
        let usable = || -> Vec<&'static str> {
            self.of(target)
                .filter(|backend| !matches!(backend.detect(facts), Detection::Unsupported(_)))
                .map(|backend| backend.id().as_str())
                .collect()
        };
        if let Some((id, who)) = asked {
            let backend = self.get(id).ok_or_else(|| {
                Error::new(ErrorKind::UnknownBackend {
                    target: target.name(),
                    id: id.to_string(),
                    suggestion: None,
                    available: Vec::new(),
                })
            })?;
            if let Detection::Unsupported(reason) = backend.detect(facts) {
                let kind = ErrorKind::BackendUnusable {
                    target: target.name(),
                    id: id.as_str(),
                    reason,
                    usable: usable(),
                };
                return Err(match who.pos() {
                    Some(pos) => Error::at(pos, kind),
                    None => Error::new(kind),
                });
            }
            return Ok(backend);
        }
        let detected = |wanted: &Detection| self.of(target).find(|backend| backend.detect(facts) == *wanted);
        detected(&Detection::Preferred)
            .or_else(|| detected(&Detection::Supported))
            .ok_or_else(|| {
                let reasons: Vec<String> = self
                    .of(target)
                    .map(|backend| match backend.detect(facts) {
                        Detection::Unsupported(reason) => format!("{}: {reason}", backend.id()),
                        _ => backend.id().to_string(),
                    })
                    .collect();
                Error::new(ErrorKind::NoBackend {
                    target: target.name(),
                    reasons: reasons.join("; "),
                })
            })
    }
}
