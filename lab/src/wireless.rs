//! A wireless uplink, as the lab plays it: the host's NIC is a veth named
//! like the playbook's Wi-Fi NIC (marked wireless in the facts, so hostnet
//! refuses to bridge it where that matters), and the parts of the radio
//! the lab stands in for:
//!
//! - the access point: on the LAN router's port towards the host, frames
//!   from the host must carry the host's MAC and frames to it must be for
//!   it (or broadcast and multicast), as an access point treats a station
//!   (nft netdev hooks); a guest whose own MAC reached the "air" is cut off;
//! - the driver's `iw dev NIC set 4addr on` ([`IW`], over the sandbox's
//!   `/usr/local/sbin`): acknowledged, as mac80211 does for a station (the
//!   veth is bridged without it);
//! - at boot, `hostnet-ebtables.service` (MAC NAT's rules, before
//!   `network-pre.target`): its `ebtables-restore` before the network
//!   comes up.

use std::path::Path;

use crate::error::LabError;
use crate::namespace::{Namespace, Netns};
use crate::sandbox::Sandbox;

/// The `iw` stand-in.
pub const IW: &str = include_str!("assets/iw");

/// The access point stand-in on the LAN router's port `port` to a station
/// with `mac`; `dir` takes the rules file.
pub fn access_point(lan: &Netns, port: &str, mac: &str, dir: &Path) -> Result<(), LabError> {
    let rules = format!(
        "table netdev ap {{
\tchain in {{
\t\ttype filter hook ingress device \"{port}\" priority filter; policy accept;
\t\tether saddr != {mac} counter drop
\t}}
\tchain out {{
\t\ttype filter hook egress device \"{port}\" priority filter; policy accept;
\t\tether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 accept
\t\tether daddr != {mac} counter drop
\t}}
}}
"
    );
    let file = dir.join("access-point.nft");
    fs_err::write(&file, rules).map_err(|error| LabError::new(error.to_string()))?;
    lan.exec(&["nft", "-f", &file.to_string_lossy()]).map(drop)
}

/// How many frames the access point dropped (from foreign MACs, to them).
pub fn dropped(lan: &Netns) -> u64 {
    let rules = lan.exec(&["nft", "list", "table", "netdev", "ap"]).unwrap_or_default();
    rules
        .split("counter packets ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// At boot: the MAC NAT rules' unit, if the stage has it (its
/// `StandardInput=` file into `ebtables-restore`).
pub fn restore_mac_nat(sandbox: &Sandbox, stage: &Path) -> Result<(), LabError> {
    let unit = "etc/systemd/system/hostnet-ebtables.service";
    let Ok(text) = fs_err::read_to_string(stage.join(unit)) else {
        return Ok(());
    };
    let field = |key: &str| text.lines().find_map(|line| line.strip_prefix(key)).map(str::trim);
    let (Some(input), Some(start)) = (field("StandardInput=file:"), field("ExecStart=")) else {
        return Err(LabError::new(format!(
            "/{unit}: no StandardInput=file: or ExecStart= the lab can run"
        )));
    };
    let output = crate::namespace::output(sandbox.command(&["sh", "-c", &format!("{start} < {input}")]))?;
    if output.status.success() && output.stderr.is_empty() {
        Ok(())
    } else {
        Err(LabError::new(format!(
            "boot step failed ({}):\n$ {start} < {input}\n{}",
            output.status,
            crate::namespace::text(&output).trim_end()
        )))
    }
}
