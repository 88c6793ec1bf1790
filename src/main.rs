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
    match <cli::Cli as clap::Parser>::try_parse() {
        Ok(cli) => {
            settings::init_color(&cli.global);
            settings::crash_test();
            commands::run(cli).into()
        }
        Err(error) => printer::usage(&error).into(),
    }
}
