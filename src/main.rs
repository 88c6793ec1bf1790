//! hostnet: declarative, reviewable, reboot-safe QEMU/KVM host networking.
//!
//! The binary is the CLI only: it parses arguments into settings, calls the
//! engine, and prints. See `engine/src/lib.rs` for the architecture.

mod cli;
mod commands;
mod exit;
mod printer;
mod settings;

/// mimalloc instead of the C library's allocator: a plan at 1,000 VMs makes
/// hundreds of thousands of small allocations, and glibc's malloc, free and
/// the page faults of its growing heap were a third of its time
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
