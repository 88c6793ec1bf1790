//! `cargo bench`: plan (load → template → model → validate → render → diff)
//! a host with 1,000 guests on each distro target, and report the median.
//! The standard: milliseconds. (The Ansible anchor in ../shared/bench does the
//! same work in 4.1 s with `--check --diff`.)

#![allow(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::Distro;
use hostnet_engine::pipeline::{FactsSource, Request, plan};
use hostnet_engine::registry::Choices;
use hostnet_engine::root::Root;

const GUESTS: usize = 1000;
const RUNS: usize = 15;

fn playbook() -> String {
    let mut vms = String::new();
    for i in 0..GUESTS {
        vms.push_str(&format!(
            "      - {{ name: vm{i}, tap: tap{i}, mac: \"02:00:00:00:{:02x}:{:02x}\", ip: 172.16.{}.{} }}\n",
            i / 256,
            i % 256,
            i / 250 + 1,
            i % 250 + 2
        ));
    }
    format!(
        "- hosts: localhost\n  vars:\n    vms:\n{vms}  tasks:\n    - vm_network:\n        mode: nat\n        subnet: 172.16.0.0/16\n        uplink: eth0\n        tap_user: qemu\n        dhcp: {{ range: [172.16.10.1, 172.16.20.254] }}\n        vms: \"{{{{ vms }}}}\"\n"
    )
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("site.yml");
    fs_err::write(&path, playbook()).expect("write playbook");
    let registry = hostnet_backends::registry();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("plan of {GUESTS} guests (nat: TAPs, bridge, fixed leases, sysctl, NAT, firewall), {RUNS} runs");
    for (host, distro) in [
        ("gentoo", Distro::Gentoo),
        ("debian", Distro::Debian),
        ("ubuntu", Distro::Ubuntu),
    ] {
        let request = Request {
            playbook: path.clone(),
            root: Root::new(repo.join(format!("examples/{host}-host"))),
            facts: FactsSource::Detect,
            distro: Some(distro),
            extra_vars: Vec::new(),
            tags: TagFilter::default(),
            choices: Choices::default(),
        };
        let mut times: Vec<Duration> = Vec::new();
        let mut steps = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let result = plan(&request, &registry).expect("plan");
            times.push(start.elapsed());
            steps = result.steps().count();
        }
        times.sort();
        println!(
            "  {host:<7} median {:>7.2} ms   min {:>7.2} ms   ({steps} steps)",
            times[RUNS / 2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0
        );
    }
}
