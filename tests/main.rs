//! End-to-end tests of the `hostnet` binary (one test crate, see Cargo.toml).

#![allow(
    clippy::disallowed_methods,
    reason = "tests set up and inspect their temp roots directly"
)]
#![allow(
    clippy::print_stderr,
    reason = "tests say on stderr which real-tool checks they skipped"
)]

mod cli;
mod docs;
mod errors;
mod examples;
mod golden;
mod live_apply;
mod modes;
mod module_errors;
mod netifrc_shell;
mod reachability;
mod real_firewall;
mod real_network;
mod real_nft_ebtables;
mod real_services;
mod rendering;
mod rule_messages;
mod support;
mod validation;
mod validation_services;
