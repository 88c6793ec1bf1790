//! `hostnet verify`: the live host against the playbook. Everything `check`
//! does, then the live state read once and compared with what the model
//! wants: devices, attributes, ports, addresses, routes and kernel
//! parameters (the live diff), the DHCP server, and every firewall rule
//! hostnet loads. Changes nothing.

use serde::Serialize;

use crate::backend::{Desired, Target};
use crate::error::{Error, ErrorKind, Errors};
use crate::live::diff::diff;
use crate::live::verify::{self, Drift, Services};
use crate::live::wanted::Wanted;
use crate::live::{read, state::LiveState};
use crate::pipeline::{Prepared, Request, prepare};
use crate::registry::Registry;

/// The drift report.
#[derive(Debug, Serialize)]
pub struct Verification {
    /// The playbook.
    pub playbook: String,
    /// Every difference, devices first.
    pub drift: Vec<Drift>,
}

impl Verification {
    /// Does the host match the playbook?
    pub fn in_sync(&self) -> bool {
        self.drift.is_empty()
    }
}

/// Compare the live host with the playbook of `request` (its root must be `/`).
pub fn verify(request: &Request, registry: &Registry) -> Result<Verification, Errors> {
    if !request.root.is_live() {
        return Err(Error::new(ErrorKind::Invalid {
            message: format!(
                "`verify` compares the live host with the playbook, and `{}` is not the live root",
                request.root.dir().display()
            ),
            hint: Some("run it on the host itself, with `--root /` (the default)".into()),
        })
        .into());
    }
    let prepared = prepare(request, registry)?;
    let model = &prepared.execution.model;
    let keys: Vec<&str> = model.sysctls.iter().map(|sysctl| sysctl.name.as_str()).collect();
    let live = read::read(&request.root, &keys)?;
    Ok(Verification {
        playbook: request.playbook.display().to_string(),
        drift: drift(&prepared, &live, request)?,
    })
}

fn drift(prepared: &Prepared<'_>, live: &LiveState, request: &Request) -> Result<Vec<Drift>, Errors> {
    let model = &prepared.execution.model;
    let desired = Desired::new(model, &prepared.facts);
    let wanted = Wanted::of(&desired);
    let owned = crate::inventory::devices(&request.root)?;
    let live_diff =
        diff(&wanted, live, &owned).map_err(|conflicts| crate::live::runtime::conflict_errors(&conflicts, None))?;
    let mut rows = verify::devices(&live_diff);
    let servers: Vec<String> = model
        .dhcp_servers
        .iter()
        .map(|server| server.interface.value.to_string())
        .collect();
    if !servers.is_empty() {
        let services = Services {
            dnsmasq: read::dnsmasq_running(&request.root)?,
            dhcp_port: read::udp_bound(&request.root, 67)?,
        };
        rows.extend(verify::dhcp(&servers, services));
    }
    if let Some((_, backend)) = prepared
        .selection
        .chosen
        .iter()
        .find(|(target, _)| *target == Target::Firewall)
    {
        let expected = verify::expected_rules(&backend.render(&desired)?);
        if !expected.is_empty() {
            let live_rules = read::firewall(backend.id() == "nftables")?;
            rows.extend(verify::firewall(&expected, &live_rules));
        }
    }
    Ok(rows)
}
