//! hostnet's benchmark kit: the benchmark scenario at any size
//! ([`scenario`]), the bare render-and-compare program it is measured
//! against ([`floor`]), and, beside them, the per-stage benchmarks
//! (`benches/stages.rs`, `cargo bench -p hostnet-bench`) and the
//! whole-process comparison with Ansible, netplan and nmstate
//! (`compare.sh`, which writes docs/performance.md).

#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark tool reads and writes its own scenario files"
)]

pub mod floor;
pub mod scenario;

pub use scenario::Scenario;

#[cfg(test)]
mod tests;
