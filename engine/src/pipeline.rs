//! load → template → model → validate → render → plan, in one place.
//!
//! The CLI builds a [`Request`] and calls [`plan`] or [`check`]; both stop at
//! the first stage with errors, so nothing is ever written or run for a
//! playbook with a problem.

use foldhash::HashSet;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::Serde;

use crate::backend::{Backend, Desired, OnLiveHost, Target};
use crate::change::TaskId;
use crate::change::{Change, Planned, ServiceAction};
use crate::error::{Error, ErrorKind, Errors, Result};
use crate::execute::{self, Execution, Inputs, TagFilter, TaskRun, TaskState, handler_name};
use crate::facts::{self, Distro, Facts};
use crate::live;
use crate::plan::{Builder, Plan, PlayPlan, Purpose, Status, Step, TaskPlan};
use crate::playbook::{self, Playbook};
use crate::preflight::{self, HostState};
use crate::registry::{Choices, Registry, Selection};
use crate::root::{Root, SysPath};
use crate::teardown;
use crate::template::Templates;
use crate::validate::validate;
use crate::value::{Scope, scope_value};

/// Where facts come from.
#[derive(Clone, Debug)]
pub enum FactsSource {
    /// Detect under the root.
    Detect,
    /// Read this YAML file.
    File(PathBuf),
    /// Already known.
    Given(Box<Facts>),
}

/// Everything a plan needs besides the backends.
#[derive(Clone, Debug)]
pub struct Request {
    /// The playbook.
    pub playbook: PathBuf,
    /// The root.
    pub root: Root,
    /// Facts source.
    pub facts: FactsSource,
    /// `--distro` (overrides detection).
    pub distro: Option<Distro>,
    /// `-e` arguments, as given.
    pub extra_vars: Vec<String>,
    /// `--tags` / `--skip-tags`.
    pub tags: TagFilter,
    /// Backend overrides.
    pub choices: Choices,
    /// Pre-flight: what to check before anything changes.
    pub preflight: Preflight,
    /// On the live root: the persistent files, the live host, or both.
    pub scope: ApplyScope,
    /// Keep each task's arguments after templating, for `-v` (costs time
    /// and memory on large playbooks, so only when they are shown).
    pub show_args: bool,
}

/// What an apply on the live root changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApplyScope {
    /// The persistent files and the live host (hostnet's own operations,
    /// the distro's tool only where they cannot do it).
    #[default]
    Both,
    /// `--persist-only`: files and boot wiring; nothing running is touched.
    PersistOnly,
    /// `--runtime-only`: the live host only; no file changes.
    RuntimeOnly,
}

/// What the pre-flight checks need from the command line.
#[derive(Clone, Debug, Default)]
pub struct Preflight {
    /// The SSH client of this session (`SSH_CONNECTION`), if any.
    pub session: Option<std::net::Ipv4Addr>,
    /// `--yes`: go ahead although the uplink carries the session or the default route.
    pub yes: bool,
}

/// The result of loading and running the tasks (what `check` reports).
pub struct Prepared<'r> {
    /// The playbook.
    pub playbook: Playbook,
    /// Facts used.
    pub facts: Facts,
    /// Tasks run and the model built.
    pub execution: Execution,
    /// Extra vars.
    pub extra_vars: Scope,
    /// The backend of every target the model needs.
    pub selection: Selection<'r>,
}

/// Gather (or load) the facts for a request.
pub fn facts(request: &Request) -> Result<Facts> {
    facts_of(&request.root, &request.facts, request.distro)
}

/// Facts from `source`: detected under `root`, read from a file, or given;
/// `distro` overrides the detected or written one.
pub fn facts_of(root: &Root, source: &FactsSource, distro: Option<Distro>) -> Result<Facts> {
    match source {
        FactsSource::Detect => facts::gather(root, distro),
        FactsSource::File(path) => facts::load(path, distro),
        FactsSource::Given(facts) => Ok((**facts).clone()),
    }
}

/// Load, template and validate, and choose the backends: everything `check` does.
pub fn prepare<'r>(request: &Request, registry: &'r Registry) -> Result<Prepared<'r>, Errors> {
    let playbook = playbook::load(&request.playbook)?;
    let facts = facts(request)?;
    let templates = Templates::new();
    let extra_vars = extra_vars(&request.extra_vars, &facts, &templates)?;
    let inputs = Inputs {
        facts: &facts,
        extra_vars: &extra_vars,
        tags: &request.tags,
        templates: &templates,
        registry,
        show_args: request.show_args,
    };
    let execution = execute::execute(&playbook, &inputs)?;
    let errors = validate(&execution.model, &facts);
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    let selection = registry.select(&execution.model, &facts, &request.choices)?;
    Ok(Prepared {
        playbook,
        facts,
        execution,
        extra_vars,
        selection,
    })
}

/// Load, template, validate, render and plan against the root.
pub fn plan(request: &Request, registry: &Registry) -> Result<Plan, Errors> {
    plan_for(request, registry, Purpose::Apply, false)
}

/// `hostnet destroy`: the plan that takes the playbook's networks away —
/// every file and block its backends write removed, the devices hostnet
/// created for it deleted, its firewall chains or table unloaded, dnsmasq
/// restarted without its leases. What hostnet did not create stays; so do
/// services it enabled, kernel parameters, and what the playbook's `file`,
/// `blockinfile` and `command` tasks did (the plan says so).
pub fn destroy(request: &Request, registry: &Registry) -> Result<Plan, Errors> {
    plan_for(request, registry, Purpose::Apply, true)
}

fn plan_for(request: &Request, registry: &Registry, purpose: Purpose, teardown: bool) -> Result<Plan, Errors> {
    let Prepared {
        playbook,
        facts,
        mut execution,
        extra_vars,
        selection,
    } = prepare(request, registry)?;
    let mut backends = IndexMap::new();
    let mut changes = if teardown {
        Vec::new()
    } else {
        execution.changes.clone()
    };
    let module_changes = changes.len();
    let mut live_warnings = Vec::new();
    if teardown {
        live_warnings.push(teardown::LEFT.to_owned());
    }
    let desired = Desired::new(&execution.model, &facts);
    let runtime = if teardown {
        request
            .root
            .is_live()
            .then(|| live::runtime::teardown(&desired, &request.root))
            .transpose()?
    } else if purpose == Purpose::Apply && request.root.is_live() && request.scope != ApplyScope::PersistOnly {
        let devices = selection
            .chosen
            .iter()
            .find(|(target, _)| *target == Target::Network)
            .is_none_or(|(_, backend)| backend.live_devices());
        Some(live::runtime::runtime(&desired, &request.root, devices)?)
    } else {
        None
    };
    // Firewall files whose rules the live ruleset lacks: loaded again.
    let mut reload: Vec<SysPath> = Vec::new();
    let mut repairs: Vec<Planned> = Vec::new();
    let handed: HashSet<&str> = runtime
        .iter()
        .flat_map(|runtime| runtime.handovers.iter().map(|(device, _)| device.as_str()))
        .collect();
    for (target, backend) in &selection.chosen {
        if !backend.wanted(&execution.model) {
            continue;
        }
        backends.insert(target.name().to_owned(), backend.id().to_string());
        let rendered = backend.render(&desired)?;
        if teardown {
            changes.extend(teardown::changes(rendered, &request.root)?);
            continue;
        }
        if runtime.is_some() {
            match target {
                Target::Firewall => {
                    let (files, jumps) = firewall_to_reload(&rendered, *backend, &request.root)?;
                    reload.extend(files);
                    repairs.extend(jumps);
                }
                // Not running, or running without serving DHCP: (re)started.
                Target::Dhcp
                    if !(live::read::dnsmasq_running(&request.root)? && live::read::udp_bound(&request.root, 67)?) =>
                {
                    reload.extend(files_of(&rendered));
                }
                _ => {}
            }
        }
        changes.extend(
            rendered
                .into_iter()
                .filter(|planned| keep(&planned.change, *backend, runtime.is_some(), request.scope, &handed)),
        );
        for other in registry.of(*target).filter(|other| other.id() != backend.id()) {
            changes.extend(other.alongside(&desired, backend.id())?);
        }
    }
    drop(desired);
    let mut expectation = None;
    if let Some(runtime) = runtime {
        if request.scope == ApplyScope::RuntimeOnly {
            changes.retain(|planned| !is_file_change(&planned.change));
        }
        // hostnet's own operations first: the distro tool's reloads that
        // follow (`networkctl reload`) find the devices there, as at boot.
        let own = changes.len().min(module_changes);
        changes.splice(own..own, runtime.changes);
        live_warnings.extend(
            runtime
                .handovers
                .iter()
                .map(|(device, reason)| format!("{device}: brought up by the distro's tool, because {reason}")),
        );
        if !teardown {
            expectation = Some(runtime.expectation);
        }
    }
    changes.extend(repairs.iter().cloned());
    let mut builder = Builder::for_purpose(&request.root, &facts, purpose)?;
    if !reload.is_empty() || !repairs.is_empty() {
        live_warnings.push(
            "the live host lacks what some of hostnet's files set up (firewall rules, a DHCP server; `hostnet verify` \
             lists them): their commands run again"
                .to_owned(),
        );
        builder.treat_as_changed(reload);
    }
    let mut steps: Vec<Step> = builder.build(changes)?;

    // Handlers: once per play, in definition order, if a task that notified them changed something.
    let templates = Templates::new();
    let inputs = Inputs {
        facts: &facts,
        extra_vars: &extra_vars,
        tags: &request.tags,
        templates: &templates,
        registry,
        show_args: request.show_args,
    };
    let main_tasks = execution.tasks.len();
    // The tasks that changed something: a set built once, not a scan of
    // every step per task.
    let changed: HashSet<TaskId> = steps.iter().flat_map(|step| step.tasks.iter().copied()).collect();
    for (play_index, play) in playbook.plays.iter().enumerate() {
        if play.handlers.is_empty() {
            continue;
        }
        let changed_notifies: HashSet<String> = execution.tasks[..main_tasks]
            .iter()
            .filter(|task| task.play == play_index && changed.contains(&task.id))
            .flat_map(|task| task.notify.clone())
            .collect();
        for handler in &play.handlers {
            if !changed_notifies.contains(&handler_name(handler)) {
                continue;
            }
            let changes = execute::run_handler(&playbook, play_index, handler, &inputs, &mut execution)?;
            steps.extend(builder.build(changes)?);
        }
    }

    let mut warnings = builder.warnings;
    warnings.extend(live_warnings);
    if purpose == Purpose::Apply {
        let state = HostState::read(&request.root, &facts, request.preflight.session)?;
        let mut findings = preflight::check(
            &execution.model,
            &facts,
            &state,
            &request.root,
            &builder.requirements,
            request.preflight.yes,
            matches!(request.facts, FactsSource::Detect),
        )?;
        if let Some(errors) = preflight::refusal(&mut findings) {
            return Err(errors);
        }
        warnings.extend(findings.warnings);
    }
    let plays = assemble(execution, steps);
    let requirements = builder.requirements;
    Ok(Plan {
        playbook: request.playbook.display().to_string(),
        root: request.root.dir().display().to_string(),
        live: request.root.is_live(),
        facts,
        backends,
        plays,
        requirements,
        warnings,
        expectation,
    })
}

/// What the live ruleset lacks of the firewall backend's changes (a flush
/// by hand, another tool's reload): the files whose rules are missing, for
/// their load commands to run again though the files are unchanged, and the
/// missing jumps of a jumps file, inserted alone (loading the file again
/// would add second copies of the jumps still there).
fn firewall_to_reload(
    rendered: &[Planned],
    backend: &dyn Backend,
    root: &Root,
) -> Result<(Vec<SysPath>, Vec<Planned>)> {
    if live::verify::expected_rules(rendered).is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let live_rules = live::read::firewall(backend.id() == "nftables")?;
    let mut lacking = Vec::new();
    let mut jumps = Vec::new();
    for planned in rendered {
        let expected = live::verify::expected_rules(std::slice::from_ref(planned));
        let missing = live::verify::firewall(&expected, &live_rules);
        if missing.is_empty() {
            continue;
        }
        match &planned.change {
            // A jumps file as wanted, already loaded once (a new or changed one is loaded whole).
            Change::File { path, content, .. } if content.lines().any(|line| line.starts_with("-I ")) => {
                if root.read_text(path)?.as_deref() == Some(content.as_str()) {
                    jumps.extend(missing_jumps(path, content, &live_rules, &planned.origins));
                }
            }
            _ => lacking.push(planned.clone()),
        }
    }
    Ok((files_of(&lacking), jumps))
}

/// `TOOL-restore --noflush` of the jumps of `content` the live ruleset
/// lacks, undone by deleting them.
fn missing_jumps(
    path: &SysPath,
    content: &str,
    live_rules: &str,
    origins: &[crate::change::TaskId],
) -> Option<Planned> {
    let v6 = path.as_str().contains("ip6tables");
    let family = if v6 { live::verify::IPV6 } else { "" };
    let present: HashSet<&str> = live_rules.lines().map(str::trim).collect();
    let (mut insert, mut delete, mut table, mut any) = (String::new(), String::new(), String::new(), false);
    for line in content.lines() {
        if line.starts_with('*') {
            table = format!("{line}\n");
        } else if let Some((chain, rule)) = live::verify::inserted(line) {
            let listed = format!("{family}-A {chain} {rule}");
            if !present.contains(listed.as_str()) {
                insert.push_str(&format!("{table}{line}\nCOMMIT\n"));
                delete.push_str(&format!("{table}-D {chain} {rule}\nCOMMIT\n"));
                any = true;
            }
        }
    }
    let argv = vec![
        if v6 { "ip6tables-restore" } else { "iptables-restore" }.to_owned(),
        "-w".to_owned(),
        "--noflush".to_owned(),
    ];
    any.then(|| {
        Planned::from_tasks(
            Change::Live {
                argv: argv.clone(),
                input: Some(insert),
                undo: Some((argv, Some(delete))),
            },
            origins.iter().copied(),
        )
    })
}

/// The files and blocks among `rendered`.
fn files_of(rendered: &[Planned]) -> Vec<SysPath> {
    rendered
        .iter()
        .filter_map(|planned| match &planned.change {
            Change::File { path, .. } => Some(path.clone()),
            Change::Block(block) => Some(block.path.clone()),
            _ => None,
        })
        .collect()
}

/// Does a backend's change stay in the plan? On the live root hostnet's own
/// operations replace the commands that only redo them, and bring-ups run
/// only for the devices handed to the distro's tool; `--persist-only` keeps
/// files and boot wiring; `--runtime-only` no files.
fn keep(change: &Change, backend: &dyn Backend, live: bool, scope: ApplyScope, handed: &HashSet<&str>) -> bool {
    match (scope, change) {
        (
            ApplyScope::PersistOnly,
            Change::Command(_) | Change::RestartOnChange { .. } | Change::ReloadOnChange { .. } | Change::Live { .. },
        ) => false,
        (ApplyScope::PersistOnly, Change::Service { action, .. }) => {
            matches!(action, ServiceAction::Enable | ServiceAction::Disable)
        }
        (ApplyScope::RuntimeOnly, change) if is_file_change(change) => false,
        (_, Change::Command(command)) if live => match backend.on_live_host(command) {
            OnLiveHost::Keep => true,
            OnLiveHost::Replaced => false,
            OnLiveHost::BringUp(device) => handed.contains(device.as_str()),
        },
        _ => true,
    }
}

/// A change to a file, link or block (not a command or a service action).
fn is_file_change(change: &Change) -> bool {
    matches!(
        change,
        Change::File { .. } | Change::Block(_) | Change::Absent { .. } | Change::Link { .. } | Change::Prune { .. }
    )
}

/// Write the persistent files (and the links commands would make) under
/// `out`: every file the playbook manages as `apply` would leave it on the
/// request's root (shared files merged with what the root holds, the
/// user's lines kept), changed or not; nothing is run, no run is recorded,
/// and runtime state (`/run`) is left out.
pub fn render(request: &Request, out: &Path, registry: &Registry) -> Result<Vec<String>, Errors> {
    let facts = facts(request)?;
    let request = Request {
        root: Root::new(out).over(request.root.clone()),
        facts: FactsSource::Given(Box::new(facts)),
        ..request.clone()
    };
    let plan = plan_for(&request, registry, Purpose::Render, false)?;
    Ok(crate::apply::render(&plan, &Root::new(out))?)
}

/// Distribute steps to tasks: files under their first task, commands under their last.
fn assemble(execution: Execution, steps: Vec<Step>) -> Vec<PlayPlan> {
    let mut contributes: Vec<Vec<String>> = vec![Vec::new(); execution.tasks.len()];
    let mut files: Vec<(usize, Step)> = Vec::with_capacity(steps.len());
    let mut commands: Vec<(usize, Step)> = Vec::new();
    for step in steps {
        let is_command = matches!(step.action, crate::plan::Action::Run { .. });
        let owner = if is_command {
            step.tasks.iter().max()
        } else {
            step.tasks.iter().min()
        };
        let owner = owner.map_or(0, |task| task.0);
        if !is_command {
            let path = step_path(&step);
            for task in &step.tasks {
                if task.0 != owner {
                    contributes[task.0].push(path.clone());
                }
            }
            files.push((owner, step));
        } else {
            commands.push((owner, step));
        }
    }
    // Each task's steps in a vector of its size (a task of 1,000 VMs has
    // one subtask per TAP, each with a step or two).
    let mut counts = vec![0_usize; execution.tasks.len()];
    for (owner, _) in files.iter().chain(&commands) {
        counts[*owner] += 1;
    }
    let mut per_task: Vec<Vec<Step>> = counts.into_iter().map(Vec::with_capacity).collect();
    for (owner, step) in files.into_iter().chain(commands) {
        per_task[owner].push(step);
    }
    let mut plays: Vec<PlayPlan> = execution
        .plays
        .iter()
        .map(|play| PlayPlan {
            name: play.name.clone(),
            tasks: Vec::new(),
        })
        .collect();
    // Which tasks have a subtask that changed something, in one pass.
    let mut children_changed = vec![false; execution.tasks.len()];
    for (child, (steps, contributes)) in execution.tasks.iter().zip(per_task.iter().zip(&contributes)) {
        if let Some(parent) = child.parent
            && (!steps.is_empty() || !contributes.is_empty())
        {
            children_changed[parent.0] = true;
        }
    }
    // The tasks' names, items and arguments move into the plan.
    for (task, (steps, contributes)) in execution.tasks.into_iter().zip(per_task.into_iter().zip(contributes)) {
        let children_changed = children_changed[task.id.0];
        let mut status = status(&task, &steps, &contributes);
        if children_changed && status == Status::Ok {
            status = Status::Changed;
        }
        plays[task.play].tasks.push(TaskPlan {
            id: task.id,
            name: task.name,
            module: task.module.to_owned(),
            position: task.pos.to_string(),
            handler: task.handler,
            status,
            skip_reason: match task.state {
                TaskState::Skipped { reason } => Some(reason),
                TaskState::Ran => None,
            },
            items: task.items,
            steps,
            contributes,
            args: task.args,
        });
    }
    plays
}

fn status(task: &TaskRun, steps: &[Step], contributes: &[String]) -> Status {
    match task.state {
        TaskState::Skipped { .. } => Status::Skipped,
        TaskState::Ran if !steps.is_empty() || !contributes.is_empty() => Status::Changed,
        TaskState::Ran => Status::Ok,
    }
}

fn step_path(step: &Step) -> String {
    use crate::plan::Action;
    match &step.action {
        Action::Write { path, .. }
        | Action::Remove { path, .. }
        | Action::Link { path, .. }
        | Action::RemoveDir { path } => path.to_string(),
        Action::Run { argv, .. } => argv.join(" "),
    }
}

/// Parse `-e` arguments: `k=v [k2=v2 …]`, `@vars.yml`, or a JSON object.
pub fn extra_vars(arguments: &[String], facts: &Facts, templates: &Templates) -> Result<Scope> {
    let mut scope = Scope::new();
    for argument in arguments {
        let text = argument.trim();
        if let Some(path) = text.strip_prefix('@') {
            let vars = playbook::load_vars_file(Path::new(path))?;
            let mut context = facts.variables();
            for (key, node) in vars {
                let value = templates.render(&node, &scope_value(&context))?.to_value();
                context.insert(key.name.clone(), value.clone());
                scope.insert(key.name, value);
            }
        } else if text.starts_with('{') {
            let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(|error| {
                Error::new(ErrorKind::ExtraVar {
                    text: argument.clone(),
                    message: error.to_string(),
                })
            })?;
            for (key, value) in json {
                scope.insert(key, Value::from(Serde(value)));
            }
        } else {
            for word in split_words(text).map_err(|message| {
                Error::new(ErrorKind::ExtraVar {
                    text: argument.clone(),
                    message,
                })
            })? {
                let Some((key, value)) = word.split_once('=') else {
                    return Err(Error::new(ErrorKind::ExtraVar {
                        text: argument.clone(),
                        message: "expected `name=value`, `@file.yml` or a JSON object".into(),
                    }));
                };
                if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(Error::new(ErrorKind::ExtraVar {
                        text: argument.clone(),
                        message: format!("`{key}` is not a variable name"),
                    }));
                }
                scope.insert(key.to_owned(), Value::from(value));
            }
        }
    }
    Ok(scope)
}

/// Split on blanks, honouring single and double quotes (like Ansible's `k=v` parsing).
fn split_words(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return Err("unclosed quote".into());
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(split_words("a=1 b='x y'").unwrap(), ["a=1", "b=x y"]);
        assert_eq!(split_words("a=\"\"").unwrap(), ["a="]);
        assert_eq!(split_words("a='x").unwrap_err(), "unclosed quote");
    }
}
