//! `cargo bench -p hostnet-bench`: each stage of `hostnet plan` on the
//! benchmark scenario at every size (1, 10, 100, 1,000 and 10,000 VMs), in
//! process: load, template, execute (template + modules), validate, render
//! per target, plan (merge against the root + diff), and the whole plan.
//! The floor (`floor::render` + `floor::compare`) runs beside them.
//!
//! Nothing here asserts a time; docs/performance.md records the figures.

#![allow(clippy::disallowed_methods, reason = "a benchmark writes its scenario files")]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use divan::Bencher;
use hostnet_bench::{Scenario, floor, scenario::SIZES};
use hostnet_engine::backend::Desired;
use hostnet_engine::execute::{self, Execution, Inputs, TagFilter};
use hostnet_engine::facts::{Distro, Facts};
use hostnet_engine::pipeline::{self, FactsSource, Request};
use hostnet_engine::plan::Builder;
use hostnet_engine::playbook::{self, Playbook};
use hostnet_engine::registry::{Choices, Registry};
use hostnet_engine::root::Root;
use hostnet_engine::template::Templates;
use hostnet_engine::value::{Scope, scope_value};

fn main() {
    divan::main();
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(hostnet_backends::registry);

/// The scenario's playbook written once per size, in a directory kept for the run.
static PLAYBOOKS: LazyLock<(tempfile::TempDir, Vec<PathBuf>)> = LazyLock::new(|| {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = SIZES
        .iter()
        .map(|&vms| {
            let path = dir.path().join(format!("site-{vms}.yml"));
            fs_err::write(&path, Scenario::new(vms).playbook()).expect("write playbook");
            path
        })
        .collect();
    (dir, paths)
});

fn playbook_path(vms: usize) -> PathBuf {
    let index = SIZES.iter().position(|&size| size == vms).expect("a benchmark size");
    PLAYBOOKS.1[index].clone()
}

fn host(name: &str) -> Root {
    Root::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/{name}-host")))
}

fn request(vms: usize, host_name: &str, distro: Distro) -> Request {
    Request {
        playbook: playbook_path(vms),
        root: host(host_name),
        facts: FactsSource::Detect,
        distro: Some(distro),
        extra_vars: Vec::new(),
        tags: TagFilter::default(),
        choices: Choices::default(),
        preflight: Default::default(),
        scope: Default::default(),
        show_args: false,
    }
}

fn gentoo(vms: usize) -> Request {
    request(vms, "gentoo", Distro::Gentoo)
}

fn facts(request: &Request) -> Facts {
    pipeline::facts(request).expect("facts")
}

fn run(playbook: &Playbook, facts: &Facts) -> Execution {
    let templates = Templates::new();
    let inputs = Inputs {
        facts,
        extra_vars: &Scope::new(),
        tags: &TagFilter::default(),
        templates: &templates,
        registry: &REGISTRY,
        show_args: false,
    };
    execute::execute(playbook, &inputs).expect("execute")
}

/// Read and parse the playbook.
#[divan::bench(args = SIZES)]
fn load(bencher: Bencher<'_, '_>, vms: usize) {
    let path = playbook_path(vms);
    bencher.bench(|| playbook::load(&path).expect("load"));
}

/// Render the play's `vars` and every task's arguments against them.
#[divan::bench(args = SIZES)]
fn template(bencher: Bencher<'_, '_>, vms: usize) {
    let request = gentoo(vms);
    let playbook = playbook::load(&request.playbook).expect("load");
    let facts = facts(&request);
    let templates = Templates::new();
    bencher.bench(|| {
        let play = &playbook.plays[0];
        let mut scope = facts.variables();
        for (key, node) in &play.vars {
            let value = templates.render(node, &scope_value(&scope)).expect("render").to_value();
            scope.insert(key.name.clone(), value);
        }
        let value = scope_value(&scope);
        play.tasks
            .iter()
            .map(|task| templates.render(&task.args, &value).expect("render"))
            .collect::<Vec<_>>()
    });
}

/// Run the tasks: templates and modules, building the model.
#[divan::bench(args = SIZES)]
fn execute(bencher: Bencher<'_, '_>, vms: usize) {
    let request = gentoo(vms);
    let playbook = playbook::load(&request.playbook).expect("load");
    let facts = facts(&request);
    bencher.bench(|| run(&playbook, &facts));
}

/// Every validation rule over the model.
#[divan::bench(args = SIZES)]
fn validate(bencher: Bencher<'_, '_>, vms: usize) {
    let request = gentoo(vms);
    let playbook = playbook::load(&request.playbook).expect("load");
    let facts = facts(&request);
    let execution = run(&playbook, &facts);
    bencher.bench(|| {
        let errors = hostnet_engine::validate::validate(&execution.model, &facts);
        assert!(errors.is_empty());
    });
}

/// Render every target's backend (the topology included) on one host.
fn render_on(bencher: Bencher<'_, '_>, request: &Request) {
    let playbook = playbook::load(&request.playbook).expect("load");
    let facts = facts(request);
    let execution = run(&playbook, &facts);
    let selection = REGISTRY
        .select(&execution.model, &facts, &Choices::default())
        .expect("select");
    bencher.bench(|| {
        let desired = Desired::new(&execution.model, &facts);
        selection
            .chosen
            .iter()
            .filter(|(_, backend)| backend.wanted(&execution.model))
            .map(|(_, backend)| backend.render(&desired).expect("render").len())
            .sum::<usize>()
    });
}

/// Gentoo: netifrc, dnsmasq, sysctl, iptables.
#[divan::bench(args = SIZES)]
fn render_gentoo(bencher: Bencher<'_, '_>, vms: usize) {
    render_on(bencher, &gentoo(vms));
}

/// Debian: ifupdown, dnsmasq, sysctl, iptables.
#[divan::bench(args = SIZES)]
fn render_debian(bencher: Bencher<'_, '_>, vms: usize) {
    render_on(bencher, &request(vms, "debian", Distro::Debian));
}

/// Ubuntu: systemd-networkd, dnsmasq, sysctl, ufw.
#[divan::bench(args = SIZES)]
fn render_ubuntu(bencher: Bencher<'_, '_>, vms: usize) {
    render_on(bencher, &request(vms, "ubuntu", Distro::Ubuntu));
}

/// Merge the rendered changes against the root and diff every file (Gentoo).
#[divan::bench(args = SIZES)]
fn plan_and_diff(bencher: Bencher<'_, '_>, vms: usize) {
    let request = gentoo(vms);
    let playbook = playbook::load(&request.playbook).expect("load");
    let facts = facts(&request);
    let execution = run(&playbook, &facts);
    let selection = REGISTRY
        .select(&execution.model, &facts, &Choices::default())
        .expect("select");
    let desired = Desired::new(&execution.model, &facts);
    let mut changes = execution.changes.clone();
    for (_, backend) in &selection.chosen {
        if backend.wanted(&execution.model) {
            changes.extend(backend.render(&desired).expect("render"));
        }
    }
    bencher.with_inputs(|| changes.clone()).bench_values(|changes| {
        let mut builder = Builder::new(&request.root, &facts).expect("builder");
        builder.build(changes).expect("build").len()
    });
}

/// The whole `plan` (load → plan), Gentoo.
#[divan::bench(args = SIZES)]
fn plan_gentoo(bencher: Bencher<'_, '_>, vms: usize) {
    let request = gentoo(vms);
    bencher.bench(|| pipeline::plan(&request, &REGISTRY).expect("plan"));
}

/// The whole `plan`, Ubuntu (systemd-networkd, ufw).
#[divan::bench(args = SIZES)]
fn plan_ubuntu(bencher: Bencher<'_, '_>, vms: usize) {
    let request = request(vms, "ubuntu", Distro::Ubuntu);
    bencher.bench(|| pipeline::plan(&request, &REGISTRY).expect("plan"));
}

/// The floor: render the same Gentoo files with `format!` and compare them
/// with the same root.
#[divan::bench(args = SIZES)]
fn floor_gentoo(bencher: Bencher<'_, '_>, vms: usize) {
    let root = host("gentoo");
    let scenario = Scenario::new(vms);
    bencher.bench(|| {
        floor::compare(
            root.dir(),
            &floor::render(&scenario, floor::machine_id(root.dir()).as_deref()),
        )
        .expect("compare")
        .len()
    });
}
