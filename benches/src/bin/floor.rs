//! `floor N ROOT`: render the files hostnet renders for the scenario with N
//! VMs (Gentoo target), compare them with ROOT, print the diffs. The
//! baseline hostnet's `plan` is measured against (see `floor.rs`).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use hostnet_bench::{Scenario, floor};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(vms), Some(root)) = (arguments.first().and_then(|n| n.parse().ok()), arguments.get(1)) else {
        let _ = std::io::stderr().write_all(b"usage: floor N ROOT\n");
        return ExitCode::from(2);
    };
    let wanted = floor::render(&Scenario::new(vms), floor::machine_id(Path::new(root)).as_deref());
    match floor::compare(Path::new(root), &wanted) {
        Ok(diff) => {
            let _ = std::io::stdout().lock().write_all(diff.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            let _ = std::io::stderr().write_all(format!("floor: {error}\n").as_bytes());
            ExitCode::FAILURE
        }
    }
}
