//! `hostnet lab`: prove a playbook before it touches the host.
//!
//! The lab builds throwaway network namespaces ([`topology`]): an
//! "internet", a LAN with a router (DHCP, masquerade) and two machines, the
//! host under test, and a guest behind each of the playbook's TAPs (a relay
//! holds the TAP open, as QEMU would). It applies the playbook inside the
//! host's private mount namespace ([`sandbox`]) with the real `hostnet
//! apply --root /`, lets the guests take their leases, probes who reaches
//! whom and as whom ([`probe`], [`measure`]), and sets each measured cell
//! beside the one the mode promises ([`expect`], docs/modes/), ✓ or ✗.
//!
//! Nothing touches the root namespace: links are only created between the
//! lab's own namespaces, every address is private or documentation, and
//! everything the run made goes at its end, also on SIGINT and SIGTERM
//! ([`cleanup`]). [`html`] writes the report as one page (`--html`).
//!
//! The lab is the one part of hostnet besides `engine/src/mutate.rs` that
//! runs programs and writes files; all of it happens inside the lab's own
//! namespaces and scratch directory.
#![allow(
    clippy::disallowed_methods,
    reason = "the lab runs programs and writes files, all in its own namespaces and scratch directory"
)]

pub mod boot;
pub mod cleanup;
pub mod error;
pub mod expect;
pub mod guest;
pub mod html;
pub mod ipv6;
pub mod lan;
pub mod measure;
pub mod namespace;
pub mod prerequisites;
pub mod probe;
mod process;
pub mod rename;
pub mod run;
pub mod sandbox;
pub mod spec;
pub mod status;
pub mod topology;
pub mod udhcpc;
pub mod ufw;
pub mod wireless;

pub use error::LabError;
pub use namespace::{Namespace, Netns};
pub use run::{Options, Report, run};
pub use spec::Spec;
