//! End-to-end tests of the `hostnet` binary (one test crate, see Cargo.toml).

#![allow(clippy::disallowed_methods, reason = "tests set up and inspect their temp roots directly")]

mod cli;
mod docs;
mod errors;
mod golden;
mod netifrc_shell;
mod support;
