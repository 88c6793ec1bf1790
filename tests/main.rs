//! End-to-end tests of the `hostnet` binary (one test crate, see Cargo.toml).

#![allow(
    clippy::disallowed_methods,
    reason = "tests set up and inspect their temp roots directly"
)]
#![allow(
    clippy::print_stderr,
    reason = "tests say on stderr which real-tool checks they skipped"
)]

mod ansible;
mod architecture;
mod backend_choice;
mod cli;
mod cli_ansible;
mod completions;
mod corpus;
mod crash;
mod definitions;
mod destroy;
mod docs;
mod errors;
mod errors_ansible;
mod examples;
mod exit_codes;
mod expansion;
mod facts_file;
mod golden;
mod graph;
mod lab;
mod lab_ipv6;
mod live_apply;
mod live_host;
mod modes;
mod module_errors;
mod netifrc_shell;
mod packaging;
mod preflight;
mod qemu;
mod reachability;
mod reachability_proxy_arp;
mod real_bridged_ipv6;
mod real_docker;
mod real_firewall;
mod real_firewalld;
mod real_ipv6;
mod real_network;
mod real_network_manager;
mod real_networkd_ipv6;
mod real_nft_ebtables;
mod real_services;
mod real_ufw_low_level;
mod real_uplink;
mod rendering;
mod rule_messages;
mod safety;
mod schema;
mod support;
mod terminal;
mod validation;
mod validation_guests;
mod validation_ipv6;
mod validation_services;
mod verify;
