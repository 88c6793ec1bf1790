//! Errors as data: a kind, an optional position, and the task it happened in.
//!
//! Rendering follows rustc/just: `error: …`, a `--> file:line:col` header, the
//! source line with a caret under the token, then `hint:` lines. The same
//! `Error` is rendered for playbook errors found at load time, while
//! templating, and during whole-model validation.

use std::fmt;
use std::path::PathBuf;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::source::Pos;

/// Everything that can go wrong before anything is written or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("cannot read `{}`: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("cannot write `{}`: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error("{message}")]
    Yaml { message: String },
    #[error("expected {expected}, found {found}")]
    Type { expected: String, found: String },
    #[error("unknown key `{key}` in {context}")]
    UnknownKey {
        key: String,
        context: &'static str,
        suggestion: Option<String>,
        expected: Vec<&'static str>,
    },
    #[error("a task needs a module, and this one has none")]
    NoModule,
    #[error("a task takes exactly one module, and this one has `{first}` and `{second}`")]
    TwoModules { first: String, second: String },
    #[error("missing required key `{key}` in {context}")]
    MissingKey { key: String, context: String },
    #[error("undefined variable `{name}`")]
    UndefinedVariable { name: String },
    #[error("template error: {message}")]
    Template { message: String },
    #[error("{message}")]
    InvalidValue { message: String, hint: Option<String> },
    #[error("bad extra variable `{text}`: {message}")]
    ExtraVar { text: String, message: String },
    #[error("handler `{name}` is notified but not defined")]
    UnknownHandler { name: String, suggestion: Option<String> },
    #[error("{message}")]
    Invalid { message: String, hint: Option<String> },
    /// A validation rule the model breaks (`validate/`).
    #[error("{message}")]
    Rule {
        rule: Rule,
        message: String,
        hint: Option<String>,
    },
    #[error("{message}")]
    Facts { message: String },
    #[error("unknown {target} backend `{id}`")]
    UnknownBackend {
        target: &'static str,
        id: String,
        suggestion: Option<String>,
        available: Vec<&'static str>,
    },
    #[error("{target} backend `{id}` conflicts with {other}")]
    BackendConflict {
        target: &'static str,
        id: &'static str,
        other: String,
    },
    #[error("the {target} backend `{id}` cannot be used on this host: {reason}")]
    BackendUnusable {
        target: &'static str,
        id: &'static str,
        reason: String,
        usable: Vec<&'static str>,
    },
    #[error("no {target} backend fits this host ({reasons})")]
    NoBackend { target: &'static str, reasons: String },
    #[error("another hostnet apply holds `{}`", path.display())]
    Locked { path: PathBuf },
    #[error("no run to roll back under `{}`", root.display())]
    NoRuns { root: PathBuf },
    #[error("unknown run `{run}`{}", if available.is_empty() { String::new() } else { format!(" (runs: {})", available.join(", ")) })]
    UnknownRun { run: String, available: Vec<String> },
}

impl ErrorKind {
    /// A line of advice shown under the snippet, if there is an obvious fix.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownKey {
                suggestion: Some(suggestion),
                ..
            } => Some(format!("did you mean `{suggestion}`?")),
            Self::UnknownKey {
                suggestion: None,
                expected,
                ..
            } if !expected.is_empty() => Some(format!(
                "expected one of {}",
                expected
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::NoModule => {
                Some("add one module key, e.g. `bridge:`, `tap:`, `file:` or `command:` (see docs/modules.md)".into())
            }
            Self::TwoModules { .. } => Some("split it into two tasks".into()),
            Self::UndefinedVariable { .. } => Some(
                "define it in the play's `vars`, a `vars_files` file, the task's `vars`, or with `-e name=value`"
                    .into(),
            ),
            Self::UnknownHandler {
                suggestion: Some(suggestion),
                ..
            } => Some(format!("did you mean `{suggestion}`?")),
            Self::UnknownHandler { .. } => Some("add a task with this name under the play's `handlers:`".into()),
            Self::InvalidValue { hint, .. } | Self::Invalid { hint, .. } | Self::Rule { hint, .. } => hint.clone(),
            Self::UnknownBackend {
                suggestion: Some(suggestion),
                ..
            } => Some(format!("did you mean `{suggestion}`?")),
            Self::UnknownBackend { available, .. } if !available.is_empty() => Some(format!(
                "expected one of {}",
                available
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::BackendConflict { target, .. } => Some(format!(
                "a host has one {target} backend: ask for the same one everywhere, or leave the choice to detection"
            )),
            Self::BackendUnusable { target, usable, .. } => Some(if usable.is_empty() {
                format!("no {target} backend is usable on this host")
            } else {
                format!(
                    "usable here: {}",
                    usable.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
                )
            }),
            Self::Locked { .. } => Some("wait for it to finish; the lock is released when that process exits".into()),
            _ => None,
        }
    }
}

/// The validation rules (`engine/src/validate/`), so callers and tests can
/// tell which rule a model broke without reading its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A bridge, TAP, interface, DHCP server or VM defined twice.
    Duplicate,
    /// A kernel parameter set to two values.
    ConflictingSysctl,
    /// Two devices of different kinds with one name.
    SameName,
    /// Two names netifrc turns into the same variable suffix.
    NetifrcCollision,
    /// A bridge listed among its own ports.
    PortIsItsBridge,
    /// A bridge as another bridge's port.
    BridgeAsPort,
    /// A port listed twice in one bridge.
    PortTwice,
    /// A port in two bridges.
    PortInTwoBridges,
    /// A bridge with more ports than the kernel allows (1,023).
    TooManyPorts,
    /// A wireless interface as a bridge port.
    WirelessPort,
    /// A port that neither exists nor is created.
    MissingPort,
    /// A bridge port with an address of its own.
    PortWithAddress,
    /// A subnet's network address as a host address.
    NetworkAddress,
    /// A subnet's broadcast address as a host address.
    BroadcastAddress,
    /// Two interfaces on overlapping subnets.
    SubnetOverlap,
    /// A subnet overlapping one the host already has.
    HostSubnetOverlap,
    /// A multicast MAC on an interface.
    MulticastMac,
    /// One MAC on two interfaces.
    DuplicateMac,
    /// `forward_delay: 0` with STP on.
    ForwardDelayWithStp,
    /// A forward delay the kernel refuses with STP on.
    ForwardDelayRange,
    /// A hello time or max age the kernel refuses.
    TimerRange,
    /// A TAP owner the host does not have.
    UnknownOwner,
    /// A DHCP server on an interface without a static IPv4 address.
    DhcpWithoutAddress,
    /// A DHCP range that ends before it starts.
    DhcpRangeReversed,
    /// A DHCP range outside the interface's subnet.
    DhcpRangeOutside,
    /// A DHCP range that contains the interface's own address.
    DhcpRangeHasHost,
    /// A router outside the DHCP subnet.
    RouterOutside,
    /// A fixed lease outside the subnet.
    LeaseOutside,
    /// A fixed lease of the interface's own address.
    LeaseIsHost,
    /// A fixed lease for a multicast MAC.
    LeaseMulticastMac,
    /// Two fixed leases for one MAC.
    LeaseMacTwice,
    /// One address leased to two MACs.
    LeaseIpTwice,
    /// A MAC NAT guest address listed twice.
    MacNatGuestTwice,
    /// `bridge_forward` on something that is not a bridge of the playbook.
    BridgeForwardUnknown,
    /// Router advertisements on an interface without a static IPv6 prefix.
    Dhcp6WithoutAddress,
    /// A prefix length router advertisements or DHCPv6 cannot serve.
    Ra6PrefixLength,
    /// A DHCPv6 range without `ra: stateful`.
    Range6WithoutStateful,
    /// A DHCPv6 range outside the interface's prefix.
    Range6Outside,
    /// A fixed IPv6 address where no DHCPv6 hands it out.
    Lease6WithoutDhcpv6,
    /// A fixed IPv6 address outside the interface's prefix.
    Lease6Outside,
    /// A fixed IPv6 address that is the interface's own.
    Lease6IsHost,
    /// A DUID with no fixed IPv6 address to reserve for it.
    DuidWithoutLease6,
    /// One DUID in two fixed leases of one DHCP server.
    DuidTwice,
    /// A VM twice on one network (a VM has one NIC per network).
    VmTwiceOnNetwork,
    /// A guest's MAC on the host's side of its link (its TAP, a bridge, a NIC).
    GuestMacOnHost,
    /// Two guest NICs with one MAC.
    GuestMacTwice,
    /// A DHCP relay whose address its interface does not have.
    RelayWithoutAddress,
    /// A bridge's gateway outside its subnets (or a bridge without a static address).
    GatewayOutside,
    /// A forward delay that reads as centiseconds (beyond 30 s with STP off).
    ForwardDelayUnits,
    /// Pre-flight: an uplink joining a bridge carries the default route.
    UplinkCarriesDefaultRoute,
    /// Pre-flight: an uplink joining a bridge carries this SSH session.
    UplinkCarriesSession,
    /// Pre-flight: a subnet overlaps a route the host has elsewhere.
    SubnetOverlapsRoute,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Self; 52] = [
        Self::Duplicate,
        Self::ConflictingSysctl,
        Self::SameName,
        Self::NetifrcCollision,
        Self::PortIsItsBridge,
        Self::BridgeAsPort,
        Self::PortTwice,
        Self::PortInTwoBridges,
        Self::TooManyPorts,
        Self::WirelessPort,
        Self::MissingPort,
        Self::PortWithAddress,
        Self::NetworkAddress,
        Self::BroadcastAddress,
        Self::SubnetOverlap,
        Self::HostSubnetOverlap,
        Self::MulticastMac,
        Self::DuplicateMac,
        Self::ForwardDelayWithStp,
        Self::ForwardDelayRange,
        Self::TimerRange,
        Self::UnknownOwner,
        Self::DhcpWithoutAddress,
        Self::DhcpRangeReversed,
        Self::DhcpRangeOutside,
        Self::DhcpRangeHasHost,
        Self::RouterOutside,
        Self::LeaseOutside,
        Self::LeaseIsHost,
        Self::LeaseMulticastMac,
        Self::LeaseMacTwice,
        Self::LeaseIpTwice,
        Self::MacNatGuestTwice,
        Self::BridgeForwardUnknown,
        Self::Dhcp6WithoutAddress,
        Self::Ra6PrefixLength,
        Self::Range6WithoutStateful,
        Self::Range6Outside,
        Self::Lease6WithoutDhcpv6,
        Self::Lease6Outside,
        Self::Lease6IsHost,
        Self::DuidWithoutLease6,
        Self::DuidTwice,
        Self::VmTwiceOnNetwork,
        Self::GuestMacOnHost,
        Self::GuestMacTwice,
        Self::RelayWithoutAddress,
        Self::GatewayOutside,
        Self::ForwardDelayUnits,
        Self::UplinkCarriesDefaultRoute,
        Self::UplinkCarriesSession,
        Self::SubnetOverlapsRoute,
    ];
}

/// An error with where it happened.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where in a playbook or vars file, when known.
    pub pos: Option<Pos>,
    /// The task being run, when there was one.
    pub task: Option<String>,
}

impl Error {
    /// An error at a position.
    pub fn at(pos: &Pos, kind: ErrorKind) -> Self {
        Self {
            kind,
            pos: Some(pos.clone()),
            task: None,
        }
    }

    /// An error with no position (I/O, facts).
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            pos: None,
            task: None,
        }
    }

    /// Shorthand for an invalid value at a position, with an optional hint.
    pub fn invalid(pos: &Pos, message: impl Into<String>, hint: Option<String>) -> Self {
        Self::at(
            pos,
            ErrorKind::Invalid {
                message: message.into(),
                hint,
            },
        )
    }

    /// A validation rule broken at a position, with an optional hint.
    pub fn rule(rule: Rule, pos: &Pos, message: impl Into<String>, hint: Option<String>) -> Self {
        Self::at(
            pos,
            ErrorKind::Rule {
                rule,
                message: message.into(),
                hint,
            },
        )
    }

    /// Name the task this error happened in (kept if already set).
    #[must_use]
    pub fn in_task(mut self, task: &str) -> Self {
        if self.task.is_none() {
            self.task = Some(task.to_owned());
        }
        self
    }

    /// The full message: title, snippet, hint. No colour.
    pub fn render(&self) -> String {
        let mut title = self.kind.to_string();
        if let Some(task) = &self.task {
            title.push_str(&format!(" (in task `{task}`)"));
        }
        let hint = self.kind.hint();
        let Some(pos) = &self.pos else {
            let mut out = format!("error: {title}");
            if let Some(hint) = hint {
                out.push_str(&format!("\n\nhint: {hint}"));
            }
            return out;
        };
        let source = &pos.source;
        let start = source.offset(pos.line, pos.column);
        let end = start + source.token_len(start).max(1);
        let end = end.min(source.text.len()).max(start);
        let path = pos.source.path.display().to_string();
        let mut groups = vec![
            Group::with_title(Level::ERROR.primary_title(title.as_str())).element(
                Snippet::source(source.text.as_str())
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            ),
        ];
        let hint_text;
        if let Some(hint) = hint {
            hint_text = hint;
            groups.push(Group::with_title(
                Level::HELP.with_name(Some("hint")).secondary_title(hint_text.as_str()),
            ));
        }
        Renderer::plain().render(&groups)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Error {}

/// One or more errors; hostnet reports every validation error it finds at once.
#[derive(Debug)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    /// All messages, separated by blank lines.
    pub fn render(&self) -> String {
        self.0.iter().map(Error::render).collect::<Vec<_>>().join("\n\n")
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Errors {}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        Self(vec![error])
    }
}

/// The closest candidate to a misspelt word, if any is close enough.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    // Close by edit distance (catches `mut` → `mtu`) or by Jaro-Winkler (catches long prefixes).
    let budget = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| {
            strsim::damerau_levenshtein(word, candidate) <= budget || strsim::jaro_winkler(word, candidate) > 0.85
        })
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.to_owned())
}

/// Result with a single [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("whne", ["name", "when", "loop"]).as_deref(), Some("when"));
        assert_eq!(suggest("mut", ["mac", "mtu", "stp"]).as_deref(), Some("mtu"));
        assert_eq!(
            suggest("forward_dealy", ["forward_delay", "hello_time"]).as_deref(),
            Some("forward_delay")
        );
        assert_eq!(suggest("zzz", ["name", "when"]), None);
    }
}
