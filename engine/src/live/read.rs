//! Reading the live state, once per plan or verify, on the live root only:
//! `ip -j -d link show`, `ip -j addr show`, `ip -j route show` (both
//! families) through `mutate.rs` (the one module that runs programs), and
//! the kernel parameters the model names from `/proc/sys` through the root.
//! Under any other root there is no live host to read.

use crate::error::{Error, ErrorKind, Result};
use crate::live::state::LiveState;
use crate::mutate;
use crate::root::{Root, SysPath};

/// The live state of the host, with the values of `sysctls`.
pub fn read(root: &Root, sysctls: &[&str]) -> Result<LiveState> {
    let links = ip(&["-j", "-d", "link", "show"])?;
    let addresses = ip(&["-j", "address", "show"])?;
    let routes4 = ip(&["-j", "-4", "route", "show"])?;
    let routes6 = ip(&["-j", "-6", "route", "show"])?;
    let mut state = LiveState::parse(&links, &addresses, &[&routes4, &routes6]).map_err(|message| {
        Error::new(ErrorKind::Facts {
            message: format!("cannot read the live network state: {message}"),
        })
    })?;
    for key in sysctls {
        let path = SysPath::from_static(format!("/proc/sys/{}", crate::model::sysctl::proc_path(key)));
        if let Some(value) = root.read_text(&path)? {
            state.sysctls.insert((*key).to_owned(), value.trim().to_owned());
        }
    }
    Ok(state)
}

fn ip(args: &[&str]) -> Result<String> {
    let failed = |message: String| {
        Error::new(ErrorKind::Facts {
            message: format!("cannot read the live network state: `ip {}` {message}", args.join(" ")),
        })
    };
    let output = mutate::capture("ip", args, b"").map_err(|error| failed(format!("did not start: {error}")))?;
    if !output.success {
        return Err(failed(format!(
            "failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    // `ip -j route show` prints nothing at all when there are no routes.
    Ok(if text.trim().is_empty() { "[]".to_owned() } else { text })
}

/// Is a `dnsmasq` running in this network namespace? (Processes of other
/// namespaces — other hosts in a lab — do not count.)
pub fn dnsmasq_running(root: &Root) -> Result<bool> {
    let own = root.entry(&SysPath::from_static("/proc/self/ns/net"))?;
    for pid in root.list(&SysPath::from_static("/proc"))? {
        if !pid.bytes().all(|byte| byte.is_ascii_digit()) {
            continue;
        }
        let comm = root.read_text(&SysPath::from_static(format!("/proc/{pid}/comm")));
        if !matches!(comm, Ok(Some(ref name)) if name.trim() == "dnsmasq") {
            continue;
        }
        if root.entry(&SysPath::from_static(format!("/proc/{pid}/ns/net"))).ok() == Some(own.clone()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Is something listening on UDP `port` (IPv4) in this network namespace?
pub fn udp_bound(root: &Root, port: u16) -> Result<bool> {
    let table = root
        .read_text(&SysPath::from_static("/proc/net/udp"))?
        .unwrap_or_default();
    let wanted = format!(":{port:04X}");
    Ok(table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .any(|local| local.ends_with(&wanted)))
}

/// The live firewall as text: `nft list ruleset`, or `iptables-save` and
/// `ip6tables-save` (ufw and iptables), for comparing with what hostnet loads.
pub fn firewall(nftables: bool) -> Result<String> {
    let commands: &[(&str, &[&str])] = if nftables {
        &[("nft", &["list", "ruleset"])]
    } else {
        &[("iptables-save", &[]), ("ip6tables-save", &[])]
    };
    let mut text = String::new();
    for (program, args) in commands {
        let output = mutate::capture(program, args, b"").map_err(|error| {
            Error::new(ErrorKind::Facts {
                message: format!("cannot read the live firewall: `{program}` did not start: {error}"),
            })
        })?;
        let listing = String::from_utf8_lossy(&output.stdout);
        if *program == "ip6tables-save" {
            for line in listing.lines() {
                text.push_str(crate::live::verify::IPV6);
                text.push_str(line.trim());
                text.push('\n');
            }
        } else {
            text.push_str(&listing);
        }
    }
    Ok(text)
}
