//! End-to-end tests of the `hostnet` binary (one test crate, see Cargo.toml).

mod golden;
mod support;
mod cli;
mod errors;
mod docs;
