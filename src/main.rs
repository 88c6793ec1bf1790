//! hostnet: declarative, reviewable, reboot-safe QEMU/KVM host networking.
//!
//! The binary is the CLI only: it parses arguments into settings, calls the
//! engine, and prints. See `engine/src/lib.rs` for the architecture.

mod cli;
mod commands;
mod exit;
mod printer;
mod settings;

fn main() -> std::process::ExitCode {
    let cli = <cli::Cli as clap::Parser>::parse();
    settings::crash_test();
    commands::run(cli).into()
}
