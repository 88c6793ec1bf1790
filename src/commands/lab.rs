//! `hostnet lab PLAYBOOK`: load and validate the playbook as `check` does,
//! read what the lab must build from its model, and hand the run to
//! `hostnet-lab`; print the table (or JSON). Exit 0 when every cell is as
//! promised, 2 when one differs, 1 when the lab could not run.

use std::io::IsTerminal as _;

use hostnet_engine::error::{Error, ErrorKind};
use hostnet_engine::execute::TagFilter;
use hostnet_engine::facts::{Distro, Facts, InterfaceFact};
use hostnet_engine::graph::{self, Graph, mermaid, svg};
use hostnet_engine::mutate;
use hostnet_engine::pipeline::{self, ApplyScope, FactsSource, Preflight, Request};
use hostnet_engine::root::Root;
use hostnet_engine::target::Target;
use hostnet_lab::LabError;

use crate::cli::LabArgs;
use crate::exit::ExitStatus;
use crate::printer;
use crate::settings;

fn lab_error(error: LabError) -> ExitStatus {
    let error = Error::new(ErrorKind::Invalid {
        message: error.message,
        hint: error.hint,
    });
    printer::errors(&error.into())
}

/// `--html FILE` must be writable before the lab runs: its directory
/// exists and it is not a directory itself.
fn html_target(path: &std::path::Path) -> Result<(), LabError> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if path.is_dir() {
        return Err(LabError::with_hint(
            format!("--html {}: is a directory", path.display()),
            "name the page's file, e.g. --html lab.html",
        ));
    }
    if !parent.is_dir() {
        return Err(LabError::with_hint(
            format!(
                "--html {}: the directory {} does not exist",
                path.display(),
                parent.display()
            ),
            "create it first, or write the page elsewhere",
        ));
    }
    Ok(())
}

/// The network's picture for the page: Graphviz's SVG when `dot` is
/// installed, else the Mermaid source and why.
fn picture(graph: &Graph) -> hostnet_lab::html::Picture {
    if !hostnet_lab::prerequisites::installed("dot") {
        return hostnet_lab::html::Picture::Source {
            mermaid: mermaid::write(graph),
            why: "Graphviz's dot is not installed here (Debian: apt install graphviz), so there is no SVG".to_owned(),
        };
    }
    match svg::write(graph) {
        Ok(text) => hostnet_lab::html::Picture::Svg(text),
        Err(error) => hostnet_lab::html::Picture::Source {
            mermaid: mermaid::write(graph),
            why: error.to_string(),
        },
    }
}

pub(crate) fn run(args: &LabArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    if args.forward_drop && args.firewall.as_deref() == Some("nftables") {
        return lab_error(LabError::with_hint(
            "--forward-drop sets iptables' FORWARD policy; with --firewall nftables it proves nothing",
            "an accept in hostnet's nftables table cannot undo a drop in another table (docs/backends.md)",
        ));
    }
    if args.boot && args.distro == "gentoo" {
        let openrc = ["/sbin/openrc", "/sbin/openrc-run", "/usr/sbin/openrc"]
            .iter()
            .any(|path| std::path::Path::new(path).exists());
        return lab_error(LabError::with_hint(
            if openrc {
                "--boot for Gentoo (netifrc under OpenRC) is not implemented in the lab yet".to_owned()
            } else {
                "--boot for Gentoo is not available here: netifrc needs OpenRC, which this machine does not have"
                    .to_owned()
            },
            "run the lab without --boot (the runtime apply), or with --boot for debian (ifupdown) or systemd-networkd",
        ));
    }
    if let Some(Err(error)) = args.html.as_deref().map(html_target) {
        return lab_error(error);
    }
    let choices = match registry.choices(args.network_backend.as_deref(), args.firewall.as_deref()) {
        Ok(choices) => choices,
        Err(errors) => return printer::errors(&errors),
    };
    let distro = settings::distro(&args.distro).unwrap_or(Distro::Debian);
    let mut facts = Facts::bare(distro);
    // Until the playbook is read, the lab's host may have a wired and a
    // wireless NIC (the lab then builds the one the playbook names).
    facts.interfaces = ["eth0 52:54:00:4c:ab:e0 false", "wlan0 52:54:00:4c:ab:e1 true"]
        .iter()
        .filter_map(|line| {
            let mut words = line.split(' ');
            Some(InterfaceFact {
                name: words.next()?.parse().ok()?,
                mac: words.next()?.parse().ok(),
                wireless: words.next()? == "true",
                addresses: Vec::new(),
                gateway: None,
                accept_ra: None,
                networkd: None,
            })
        })
        .collect();
    let nics: Vec<(String, String)> = facts
        .interfaces
        .iter()
        .filter_map(|nic| Some((nic.name.as_str().to_owned(), nic.mac.as_ref()?.to_string())))
        .collect();
    facts.tools = vec![
        match args.firewall.as_deref() {
            Some("nftables") => "nft",
            Some("ufw") => "ufw",
            _ => "iptables",
        }
        .to_owned(),
    ];
    facts.ufw_enabled = args.firewall.as_deref() == Some("ufw");
    let request = Request {
        playbook: args.playbook.clone(),
        root: Root::new(std::path::Path::new("/")),
        facts: FactsSource::Given(Box::new(facts)),
        distro: None,
        extra_vars: args.extra_vars.clone(),
        tags: TagFilter::default(),
        choices,
        preflight: Preflight {
            session: None,
            yes: true,
        },
        scope: ApplyScope::Both,
        show_args: false,
    };
    let prepared = match pipeline::prepare(&request, &registry) {
        Ok(prepared) => prepared,
        Err(errors) => return printer::errors(&errors),
    };
    let firewall = prepared
        .selection
        .chosen
        .iter()
        .find(|(target, _)| *target == Target::Firewall)
        .map(|(_, backend)| backend.id().to_string());
    let mut spec = match hostnet_lab::Spec::from_model(&prepared.execution.model, firewall.as_deref()) {
        Ok(spec) => spec,
        Err(error) => return lab_error(error),
    };
    spec.rename = hostnet_lab::rename::find(&prepared.execution.changes, &spec.uplink, &nics);
    if let Some(mode) = args.expect.as_deref().and_then(hostnet_lab::expect::Mode::from_name) {
        spec.mode = mode;
    }
    let playbook = std::path::absolute(&args.playbook).unwrap_or_else(|_| args.playbook.clone());
    let hostnet = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => return lab_error(LabError::new(format!("cannot find the hostnet binary: {error}"))),
    };
    let mut apply_args = vec!["--distro".to_owned(), args.distro.clone()];
    if let Some(backend) = &args.network_backend {
        apply_args.extend(["--network-backend".to_owned(), backend.clone()]);
    }
    if let Some(firewall) = &args.firewall {
        apply_args.extend(["--firewall".to_owned(), firewall.clone()]);
    }
    for vars in &args.extra_vars {
        apply_args.extend(["-e".to_owned(), vars.clone()]);
    }
    let options = hostnet_lab::Options {
        playbook,
        hostnet,
        apply_args,
        distro: args.distro.clone(),
        keep: args.keep,
        qemu: args.qemu,
        forward_drop: args.forward_drop,
        boot: args.boot.then_some(match args.network_backend.as_deref() {
            Some("systemd-networkd") => hostnet_lab::boot::Network::Networkd,
            _ => hostnet_lab::boot::Network::Ifupdown,
        }),
    };
    // On a terminal, one status line rewritten in place (the step, each
    // guest's state); piped, the steps as notes; with --json, nothing.
    let quiet = args.json;
    let live = printer::Progress::new(!quiet && std::io::stderr().is_terminal());
    let mut status = hostnet_lab::status::Status::default();
    let mut progress = |step: &str| {
        if quiet {
        } else if std::io::stderr().is_terminal() {
            status.hear(step);
            live.line(&status.line(78));
        } else if hostnet_lab::status::parse_guest(step).is_none() {
            printer::note(&format!("lab: {step}"));
        }
    };
    let outcome = hostnet_lab::run(&options, &spec, &mut progress);
    live.done();
    match outcome {
        Ok(report) => {
            if let Some(html) = &args.html {
                let picture = picture(&graph::build(&prepared.execution.model, &prepared.facts));
                let page = hostnet_lab::html::page(&report, &picture);
                let html = std::path::absolute(html).unwrap_or_else(|_| html.clone());
                if let Err(error) = mutate::write_file(&html, page.as_bytes(), 0o644, None, None) {
                    return printer::errors(&error.into());
                }
                if !quiet {
                    printer::note(&format!("lab: report written to {}", html.display()));
                }
            }
            if args.json {
                printer::value(&report);
            } else {
                printer::text(&report.human());
            }
            if report.ok {
                ExitStatus::Success
            } else {
                ExitStatus::Mismatch
            }
        }
        Err(error) => lab_error(error),
    }
}
