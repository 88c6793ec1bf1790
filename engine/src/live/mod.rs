//! The live host: what the kernel holds now, what the model wants it to
//! hold, and the fewest operations between the two.
//!
//! - `state.rs`: the live state, parsed from `ip -j` (pure);
//! - `read.rs`: reading it on the live root (the only I/O here);
//! - `wanted.rs`: the runtime state a validated model asks for, from the
//!   same topology the network backends render;
//! - `diff.rs`: the operations, in dependency order, and what only the
//!   distro's own tool can do (DHCP);
//! - `batch.rs`: operations as one `ip -batch` and one `sysctl -w`, and
//!   the inverse of each, for runtime rollback;
//! - `verify.rs`: drift as rows (devices, DHCP server, firewall rules).
//!
//! The same diff serves apply (what to change), verify after apply (what
//! did not take) and `hostnet verify` (drift).

pub mod batch;
pub mod diff;
pub mod read;
pub mod runtime;
pub mod state;
pub mod verify;
pub mod wanted;
