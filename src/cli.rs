//! Command-line arguments (clap). Only this file knows clap; `settings.rs`
//! turns these into plain settings for the commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Declarative, reviewable, reboot-safe QEMU/KVM host networking.
#[derive(Debug, Parser)]
#[command(name = "hostnet", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show every file diff and command a playbook would cause (= apply --dry-run).
    Plan(PlanArgs),
    /// Apply a playbook: write files atomically with backups, then run commands.
    Apply(ApplyArgs),
    /// Load, template and validate a playbook; change nothing.
    Check(PlanArgs),
    /// Write the persistent files a playbook renders into DIR (image builds, review).
    Render(RenderArgs),
    /// Restore what a run changed (default: the latest run).
    Rollback(RollbackArgs),
    /// Keep the changes of `apply --confirm-timeout` (else they are reverted).
    Confirm(ConfirmArgs),
    /// Show what hostnet detects about the host.
    Facts(FactsArgs),
    /// Print the QEMU -netdev/-device arguments for a guest of the playbook.
    Qemu(QemuArgs),
}

/// Options shared by the commands that read a playbook.
#[derive(Debug, Args)]
pub(crate) struct PlaybookArgs {
    /// The playbook (YAML).
    pub(crate) playbook: PathBuf,
    /// Read and write everything under DIR instead of `/`; commands are then recorded, never run.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Target distro (default: detected from `<root>/etc/os-release`).
    #[arg(long, value_parser = ["gentoo", "debian", "ubuntu", "systemd", "auto"], default_value = "auto")]
    pub(crate) distro: String,
    /// Read facts from FILE instead of detecting them under the root.
    #[arg(long, value_name = "FILE")]
    pub(crate) facts: Option<PathBuf>,
    /// Extra variables, highest precedence: `k=v`, `@vars.yml` or a JSON object.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub(crate) extra_vars: Vec<String>,
    /// Only run tasks with these tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',')]
    pub(crate) tags: Vec<String>,
    /// Skip tasks with these tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',')]
    pub(crate) skip_tags: Vec<String>,
    /// Network backend: gentoo-netifrc, debian-ifupdown or systemd-networkd.
    #[arg(long, value_name = "BACKEND")]
    pub(crate) network_backend: Option<String>,
    /// Firewall backend: iptables, nftables or ufw.
    #[arg(long, value_name = "BACKEND")]
    pub(crate) firewall: Option<String>,
    /// Print the plan as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Go ahead although an uplink that joins a bridge carries the default
    /// route or this SSH session (the host drops off the network meanwhile).
    #[arg(long)]
    pub(crate) yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error.
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// Only show the plan (same as `hostnet plan`).
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Exit 0 when nothing changed, 2 when something did, 1 on error.
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
    /// When a command fails, restore the run's files at once.
    #[arg(long)]
    pub(crate) rollback_on_failure: bool,
    /// Revert the run (files and the commands' undoable effects) unless
    /// `hostnet confirm` arrives within SECONDS after the changes are made.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) confirm_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct ConfirmArgs {
    /// The root the run was applied to.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Also keep a run whose deadline passed without a revert (its watcher did not run).
    #[arg(long)]
    pub(crate) late: bool,
    /// Internal: the watcher `apply --confirm-timeout` starts for this run.
    #[arg(long, value_name = "RUN", hide = true)]
    pub(crate) watch: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// Directory to write the files into (as if it were `/`).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    /// The run to undo (default: the latest).
    pub(crate) run: Option<String>,
    /// The root the run was applied to.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Only show what would be restored.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// List the runs instead.
    #[arg(long)]
    pub(crate) list: bool,
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct FactsArgs {
    /// Detect under DIR instead of `/`.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub(crate) root: PathBuf,
    /// Override the distro.
    #[arg(long, value_parser = ["gentoo", "debian", "ubuntu", "systemd", "auto"], default_value = "auto")]
    pub(crate) distro: String,
    /// Read facts from FILE instead.
    #[arg(long, value_name = "FILE")]
    pub(crate) facts: Option<PathBuf>,
    /// Print as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct QemuArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// The guest (a `name` in a `vm_network` task's `vms`).
    #[arg(long, value_name = "NAME")]
    pub(crate) vm: String,
    /// `shell`: one quoted line (default); `args`: one argument per line.
    #[arg(long, value_parser = ["shell", "args"], default_value = "shell")]
    pub(crate) format: String,
}
