//! Command-line arguments (clap). Only this file knows clap; `settings.rs`
//! turns these into plain settings for the commands.

use std::path::PathBuf;

use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// Declarative, reviewable, reboot-safe QEMU/KVM host networking.
#[derive(Debug, Parser)]
#[command(name = "hostnet", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// More detail: `-v` shows each task's arguments after templating; `-vv` also the facts used and each task's position.
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Less output: only the recap, the run line and errors.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Colour: `auto` (only on a terminal, and not when `NO_COLOR` is set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub(crate) color: ColorWhen,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show every file diff and command a playbook would cause (= apply --check).
    Plan(PlanArgs),
    /// Apply a playbook: write files atomically with backups, then run commands.
    Apply(ApplyArgs),
    /// Load, template and validate a playbook; change nothing.
    Check(CheckArgs),
    /// Write the persistent files a playbook renders into DIR (image builds, review).
    Render(RenderArgs),
    /// Take a playbook's networks away: its files, blocks, devices and firewall chains.
    Destroy(DestroyArgs),
    /// Restore what a run changed (default: the latest run).
    Rollback(RollbackArgs),
    /// Keep the changes of `apply --confirm-timeout` (else they are reverted).
    Confirm(ConfirmArgs),
    /// Show what hostnet detects about the host.
    Facts(FactsArgs),
    /// Compare the live host with a playbook: drift as a table (exit 2 on drift).
    Verify(VerifyArgs),
    /// Print the QEMU -netdev/-device arguments for a guest of the playbook.
    Qemu(QemuArgs),
    /// Draw the host's network as the plan leaves it (Mermaid, Graphviz DOT or SVG).
    Graph(GraphArgs),
    /// Prove a playbook in throwaway network namespaces (who reaches whom).
    Lab(LabArgs),
    /// Print the JSON Schema of playbooks (for editors: yaml-language-server).
    Schema,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    Man,
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
    /// On the live root: write the files and boot wiring only; touch nothing running.
    #[arg(long, conflicts_with = "runtime_only")]
    pub(crate) persist_only: bool,
    /// On the live root: change the live host only (devices, addresses,
    /// kernel parameters); write no file.
    #[arg(long)]
    pub(crate) runtime_only: bool,
}

/// Ansible's ways to look at a playbook without planning it.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub(crate) struct ListingArgs {
    /// List every play's tasks with their tags; plan nothing.
    #[arg(long)]
    pub(crate) list_tasks: bool,
    /// List every play's and task's tags; plan nothing.
    #[arg(long)]
    pub(crate) list_tags: bool,
    /// Only read the playbook's structure (`check` also templates and validates).
    #[arg(long)]
    pub(crate) syntax_check: bool,
}

/// How a plan is shown.
#[derive(Debug, Args)]
pub(crate) struct ViewArgs {
    /// Show every file's unified diff (the default).
    #[arg(short = 'D', long, overrides_with = "summary")]
    pub(crate) diff: bool,
    /// One line per file with `+`/`-` line counts instead of the diffs (large plans).
    #[arg(long, overrides_with = "diff")]
    pub(crate) summary: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    #[command(flatten)]
    pub(crate) listing: ListingArgs,
    #[command(flatten)]
    pub(crate) view: ViewArgs,
    /// Accepted for Ansible habits: `plan` never changes anything.
    #[arg(short = 'C', long)]
    pub(crate) check: bool,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error.
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    #[command(flatten)]
    pub(crate) listing: ListingArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    #[command(flatten)]
    pub(crate) listing: ListingArgs,
    #[command(flatten)]
    pub(crate) view: ViewArgs,
    /// Only show the plan, change nothing (= `hostnet plan`).
    #[arg(short = 'C', long, visible_alias = "check")]
    pub(crate) dry_run: bool,
    /// Exit 0 when nothing changed, 2 when something did, 1 on error.
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
    /// When a command fails, restore the run's files at once.
    #[arg(long)]
    pub(crate) rollback_on_failure: bool,
    /// Do not read the live host back after a live apply (verify after
    /// apply rolls the run back when the host does not match).
    #[arg(long)]
    pub(crate) no_verify: bool,
    /// Revert the run (files and the commands' undoable effects) unless
    /// `hostnet confirm` arrives within SECONDS after the changes are made.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub(crate) confirm_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    #[command(flatten)]
    pub(crate) view: ViewArgs,
    /// Only show what would be removed, change nothing.
    #[arg(short = 'C', long, visible_alias = "check")]
    pub(crate) dry_run: bool,
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
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
}

#[derive(Debug, Args)]
pub(crate) struct LabArgs {
    /// The playbook (YAML).
    pub(crate) playbook: PathBuf,
    /// The distro the lab's host is planned as.
    #[arg(long, value_parser = ["gentoo", "debian", "ubuntu", "systemd"], default_value = "debian")]
    pub(crate) distro: String,
    /// Network backend: debian-ifupdown or systemd-networkd (with `--boot`: the tool that brings the host up).
    #[arg(long, value_name = "BACKEND", value_parser = ["debian-ifupdown", "systemd-networkd"])]
    pub(crate) network_backend: Option<String>,
    /// Bring the host up from the rendered persistent files with the distro's own tools, as a reboot would.
    #[arg(long)]
    pub(crate) boot: bool,
    /// The host's FORWARD policy DROP, as Docker sets it: only the playbook's own accepts let guests' packets through.
    #[arg(long)]
    pub(crate) forward_drop: bool,
    /// Boot a real QEMU guest on each TAP (kernel and busybox from Debian packages; KVM when usable, else TCG).
    #[arg(long)]
    pub(crate) qemu: bool,
    /// Firewall backend: iptables, nftables or ufw (the host has ufw enabled).
    #[arg(long, value_name = "BACKEND", value_parser = ["iptables", "nftables", "ufw"])]
    pub(crate) firewall: Option<String>,
    /// Extra variables, highest precedence: `k=v`, `@vars.yml` or a JSON object.
    #[arg(short = 'e', long = "extra-vars", value_name = "VARS")]
    pub(crate) extra_vars: Vec<String>,
    /// The mode whose promise is checked (default: the `vm_network` task's, else what the tasks add up to).
    #[arg(long, value_name = "MODE", value_parser = ["bridged", "nat", "routed", "host_only", "internal"])]
    pub(crate) expect: Option<String>,
    /// Leave the namespaces for inspection, and print how to enter and delete them.
    #[arg(long)]
    pub(crate) keep: bool,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also write the report as one self-contained HTML page: the table with ✓/✗ cells and the network's picture.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct QemuArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// The guest (a `name` in a `vm_network` task's `vms`).
    #[arg(long, value_name = "NAME")]
    pub(crate) vm: String,
    /// `shell`: one quoted line (default); `args`: one argument per line;
    /// `libvirt`: the `<interface>` elements for the domain XML.
    #[arg(long, value_enum, default_value_t = QemuFormat::Shell)]
    pub(crate) format: QemuFormat,
}

/// `qemu --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum QemuFormat {
    Shell,
    Args,
    Libvirt,
}

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) common: PlaybookArgs,
    /// `mermaid` (renders in Markdown on forges), `dot` (Graphviz) or `svg` (through Graphviz's `dot`).
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub(crate) format: GraphFormat,
}

/// `graph --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    Mermaid,
    Dot,
    Svg,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// The completion script for `shell`, generated from the definitions above.
pub(crate) fn completion_script(shell: clap_complete::Shell) -> String {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "hostnet", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The manual page (roff): the command and its options, a section per
/// subcommand with its synopsis and options (one page covers them all), the
/// exit status and the environment.
pub(crate) fn manual() -> String {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    let _ = man.render_title(&mut page);
    let _ = man.render_name_section(&mut page);
    let _ = man.render_synopsis_section(&mut page);
    let _ = man.render_description_section(&mut page);
    let _ = man.render_options_section(&mut page);
    let mut page = String::from_utf8_lossy(&page).into_owned();
    page.push_str(".SH COMMANDS\n");
    for sub in command.get_subcommands() {
        let name = format!("hostnet {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        let man = clap_mangen::Man::new(sub.clone());
        let mut synopsis = Vec::new();
        let _ = man.render_synopsis_section(&mut synopsis);
        let mut options = Vec::new();
        let _ = man.render_options_section(&mut options);
        page.push_str(&format!(".SS \"{}\"\n", roff(&name)));
        if let Some(about) = sub.get_about() {
            page.push_str(&format!("{}\n.PP\n", roff(&about.to_string())));
        }
        page.push_str(&section_body(&synopsis));
        page.push_str(&section_body(&options));
    }
    page.push_str(EXIT_STATUS_AND_ENVIRONMENT);
    let mut version = Vec::new();
    let _ = man.render_version_section(&mut version);
    page.push_str(&String::from_utf8_lossy(&version));
    page
}

/// A rendered section without its `.SH` header and the preamble clap_mangen repeats.
fn section_body(rendered: &[u8]) -> String {
    String::from_utf8_lossy(rendered)
        .lines()
        .filter(|line| !line.starts_with(".SH ") && !line.starts_with(".ie \\n(.g") && !line.starts_with(".el .ds Aq"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Text for roff: backslashes and hyphens escaped.
fn roff(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

const EXIT_STATUS_AND_ENVIRONMENT: &str = r#".SH "EXIT STATUS"
.TP
0
Success; with \fB\-\-detailed\-exitcode\fR, nothing to change or nothing changed.
.TP
1
An error: a bad playbook, failed validation, an I/O error, the lock held. Nothing was changed.
.TP
2
With \fB\-\-detailed\-exitcode\fR: changes pending (plan) or made (apply).
.TP
3
Apply failed part way (a command failed); the run can be rolled back.
.TP
64
The command line is wrong (an unknown option, a missing argument).
.SH ENVIRONMENT
.TP
NO_COLOR
When set and not empty, no colour (unless \fB\-\-color always\fR).
.SH "SEE ALSO"
The playbook language, the modules and the JSON output are documented in the
docs/ directory of the source (docs/playbook.md, docs/modules.md, docs/cli.md).
"#;
