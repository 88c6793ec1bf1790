//! `scenario N DIR`: write the benchmark scenario with N VMs into DIR:
//! `site.yml` (the hostnet playbook), `netplan.yaml` and `nmstate.yml` (the
//! bridge part, for `netplan generate` and `nmstatectl gc`).

#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark tool writes its own scenario files"
)]

use std::path::PathBuf;
use std::process::ExitCode;

use hostnet_bench::Scenario;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(vms), Some(dir)) = (arguments.first().and_then(|n| n.parse().ok()), arguments.get(1)) else {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"usage: scenario N DIR\n");
        return ExitCode::from(2);
    };
    let scenario = Scenario::new(vms);
    let dir = PathBuf::from(dir);
    let written = fs_err::create_dir_all(&dir)
        .and_then(|()| fs_err::write(dir.join("site.yml"), scenario.playbook()))
        .and_then(|()| fs_err::write(dir.join("netplan.yaml"), scenario.netplan()))
        .and_then(|()| fs_err::write(dir.join("nmstate.yml"), scenario.nmstate()));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("scenario: {error}\n").as_bytes());
            ExitCode::FAILURE
        }
    }
}
