//! One lab run: build the namespaces, apply the playbook inside the host's
//! sandbox with the real `hostnet apply --root /`, put a guest behind each
//! TAP, let the guests take their leases, probe, and report. Everything is
//! removed afterwards (see [`crate::cleanup`]) unless `--keep`.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::boot::{self, Network};
use crate::cleanup;
use crate::error::LabError;
use crate::expect::{Column, Kind, Mode};
use crate::measure::{self, Cell, Probe, ProbeResult};
use crate::namespace::{self, Namespace};
use crate::prerequisites;
use crate::sandbox::Sandbox;
use crate::spec::Spec;
use crate::topology::{self, HOST_LAN, INTERNET, LAN_DEVICE, LAN_PREFIX, LAN_ROUTER, Topology};

const RELAY: &str = include_str!("assets/tap_relay.py");
const SYSTEMCTL: &str = include_str!("assets/systemctl");

/// How to run the lab.
#[derive(Clone, Debug)]
pub struct Options {
    /// The playbook (absolute or relative to the working directory).
    pub playbook: PathBuf,
    /// The `hostnet` binary that applies it inside the sandbox.
    pub hostnet: PathBuf,
    /// `--distro`, `--firewall`, `-e`, … passed on to `hostnet apply`.
    pub apply_args: Vec<String>,
    /// The distro the facts name (`debian`, …).
    pub distro: String,
    /// Leave everything for inspection.
    pub keep: bool,
    /// Bring the host up from the rendered files with the distro's tools
    /// (`Some`: which network tool) instead of the runtime apply.
    pub boot: Option<Network>,
    /// A real QEMU guest on each TAP instead of a namespace behind a relay.
    pub qemu: bool,
    /// The host's FORWARD policy DROP (iptables and ip6tables), as Docker
    /// sets it when it starts after the firewall: only hostnet's accepts
    /// let the guests' packets through.
    pub forward_drop: bool,
}

/// A guest's DHCP result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GuestResult {
    /// Its name.
    pub name: String,
    /// Its TAP.
    pub tap: String,
    /// Its MAC.
    pub mac: String,
    /// The address it leased (`None`: no lease).
    pub lease: Option<String>,
    /// The routers option it got (empty: none).
    pub router: String,
    /// The fixed lease the playbook gives it.
    pub fixed: Option<String>,
    /// How many times its DHCP client ran (5 discovers each) until the
    /// lease (3: also when there was none).
    pub dhcp_runs: u32,
    /// With `--qemu`: the real guest's NIC driver, accelerator and boot time.
    pub qemu: Option<QemuGuest>,
}

/// What a real QEMU guest reported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QemuGuest {
    /// The MAC its kernel saw.
    pub mac: String,
    /// Its NIC's driver (`virtio_net`, `e1000`).
    pub driver: String,
    /// `kvm` or `tcg`.
    pub accel: &'static str,
    /// Seconds from QEMU's start to power-off.
    pub seconds: f64,
}

/// What a lab run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The playbook.
    pub playbook: String,
    /// The mode whose promise was checked.
    pub mode: &'static str,
    /// The firewall backend.
    pub firewall: &'static str,
    /// How the host was brought up: `runtime` (`hostnet apply --root /`),
    /// `boot (ifupdown)` or `boot (networkd)` (the rendered files and the
    /// distro's tools).
    pub path: &'static str,
    /// The guests and their leases.
    pub guests: Vec<GuestResult>,
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// Every probe.
    pub probes: Vec<ProbeResult>,
    /// Every cell as promised.
    pub ok: bool,
    /// With `--keep`: the namespaces left in place.
    pub kept: Vec<String>,
    /// With `--keep`: the scratch directory (logs, the sandbox's files).
    pub kept_dir: Option<String>,
    /// What the lab played or saw besides the table (an uplink's rename,
    /// the access point's drops).
    pub notes: Vec<String>,
}

impl Report {
    /// The table for a terminal: promised beside measured, ✓/✗ per cell.
    pub fn human(&self) -> String {
        let mut out = format!(
            "hostnet lab: {} — {} mode, {}, {}\n",
            self.playbook, self.mode, self.firewall, self.path
        );
        for guest in &self.guests {
            let lease = match (&guest.lease, &guest.fixed) {
                (Some(lease), _) => lease.clone(),
                (None, Some(fixed)) if self.mode == "mac_nat" => format!("none (fixed address {fixed}, set by hand)"),
                (None, _) => "none".to_owned(),
            };
            let router = if guest.router.is_empty() { "none" } else { &guest.router };
            let runs = if guest.dhcp_runs > 1 && guest.lease.is_some() {
                format!(" (DHCP client run {} times)", guest.dhcp_runs)
            } else {
                String::new()
            };
            let qemu = guest.qemu.as_ref().map_or_else(String::new, |qemu| {
                format!(
                    "; QEMU ({}, {:.1} s): MAC {}, driver {}",
                    qemu.accel, qemu.seconds, qemu.mac, qemu.driver
                )
            });
            let _ = writeln!(
                out,
                "guest {} ({}, {}): lease {lease}, router {router}{runs}{qemu}",
                guest.name, guest.tap, guest.mac
            );
        }
        let width = self
            .cells
            .iter()
            .map(|cell| cell.promised.chars().count())
            .max()
            .unwrap_or(8)
            .max(8);
        let _ = writeln!(out, "\n   {:<13} {:<width$}  MEASURED", "CELL", "PROMISED");
        for cell in &self.cells {
            let mark = if cell.ok { "✓" } else { "✗" };
            let _ = writeln!(
                out,
                "{mark}  {:<13} {:<width$}  {}",
                cell.column, cell.promised, cell.measured
            );
        }
        let wrong: Vec<&ProbeResult> = self.probes.iter().filter(|probe| !probe.ok).collect();
        if !wrong.is_empty() {
            out.push_str("\nprobes that differ:\n");
            for probe in wrong {
                let _ = writeln!(
                    out,
                    "  {}: {} {}: {} (promised: {})",
                    probe.column.unwrap_or("(lab control)"),
                    probe.kind,
                    probe.path,
                    probe.outcome,
                    probe.want
                );
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "\nnote: {note}");
        }
        let failed = self.cells.iter().filter(|cell| !cell.ok).count();
        if failed == 0 && !self.ok {
            out.push_str("\nevery cell as promised, but a guest did not get its lease\n");
        } else if failed == 0 {
            out.push_str("\nevery cell as promised\n");
        } else {
            let _ = writeln!(out, "\n{failed} cell(s) differ from the promise");
        }
        if !self.kept.is_empty() {
            out.push_str("\nkept for inspection; enter one with `ip netns exec NAME sh`, delete them with:\n");
            for name in &self.kept {
                let _ = writeln!(out, "  ip netns pids {name} | xargs -r kill; ip netns del {name}");
            }
            if let Some(dir) = &self.kept_dir {
                let _ = writeln!(out, "  rm -r {dir}");
            }
        }
        out
    }
}

/// The scratch directory, removed on drop (unless `--keep`).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if !cleanup::keeping() {
            let _ = fs_err::remove_dir_all(&self.0);
            cleanup::forget_dir(&self.0);
        }
    }
}

fn io(error: std::io::Error) -> LabError {
    LabError::new(error.to_string())
}

/// Where scratch directories go: not on overlayfs (a container's root),
/// which cannot be an overlay's upper layer; then `/dev/shm`.
fn scratch_base() -> PathBuf {
    let temp = std::env::temp_dir();
    let mut stat = std::process::Command::new("stat");
    stat.args(["-f", "-c", "%T"]).arg(&temp);
    let overlay = namespace::run_ok(stat).is_ok_and(|kind| kind.trim() == "overlayfs");
    if overlay && Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        temp
    }
}

fn write_executable(path: &Path, text: &str) -> Result<(), LabError> {
    use std::os::unix::fs::PermissionsExt as _;
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(io)?;
    }
    fs_err::write(path, text).map_err(io)?;
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io)
}

/// The facts the apply is given: the host the lab built.
fn facts(spec: &Spec, distro: &str, mac: &str) -> String {
    let init = if distro == "gentoo" { "openrc" } else { "systemd" };
    let addresses = if spec.mode.uplink_bridged() {
        String::new()
    } else {
        format!(", addresses: [\"{HOST_LAN}/{LAN_PREFIX}\"], gateway: {LAN_ROUTER}")
    };
    let tool = match spec.firewall {
        crate::expect::Firewall::Nftables => "nft",
        crate::expect::Firewall::Ufw => "ufw",
        crate::expect::Firewall::Iptables => "iptables",
    };
    let ufw = if spec.firewall == crate::expect::Firewall::Ufw {
        "ufw_enabled: true\n"
    } else {
        ""
    };
    format!(
        "distro: {distro}\ninit: {init}\ninterfaces:\n  - {{ name: {}, mac: \"{mac}\", wireless: {}{addresses} }}\ntools: [{tool}, dnsmasq]\nbr_netfilter: true\n{ufw}",
        spec.uplink,
        spec.wireless()
    )
}

/// The guests' subnet, from the host's address on the bridge (`/24` when
/// the model gives no prefix the lab can read).
fn subnet(spec: &Spec) -> Option<String> {
    let address = spec.host_address?;
    let [a, b, c, _] = address.octets();
    Some(format!("{a}.{b}.{c}.0/24"))
}

/// Run the lab for `spec`; `progress` hears what is being done.
pub fn run(options: &Options, spec: &Spec, progress: &mut dyn FnMut(&str)) -> Result<Report, LabError> {
    prerequisites::check(&prerequisites::BASE)?;
    if options.qemu {
        prerequisites::check(&[
            ("qemu-system-x86_64", "qemu-system-x86"),
            ("xz", "xz-utils"),
            ("apt-get", "apt"),
            ("dpkg", "dpkg"),
        ])?;
    }
    match options.boot {
        Some(Network::Ifupdown) => prerequisites::check(&[
            ("ifup", "ifupdown"),
            ("brctl", "bridge-utils"),
            ("dhclient", "isc-dhcp-client"),
        ])?,
        Some(Network::Networkd) => prerequisites::check(&[("systemd-networkd", "systemd")]).or_else(|error| {
            if std::path::Path::new(boot::NETWORKD).exists() {
                Ok(())
            } else {
                Err(error)
            }
        })?,
        None => {}
    }
    if spec.firewall == crate::expect::Firewall::Nftables {
        prerequisites::check(&[("nft", "nftables")])?;
    }
    if spec.firewall == crate::expect::Firewall::Ufw {
        prerequisites::check(&[("ufw", "ufw")])?;
    }
    if let Some(six) = &spec.ipv6 {
        crate::ipv6::prerequisites(six)?;
    }
    if options.keep {
        cleanup::keep();
    }
    cleanup::watch_signals()?;
    let scratch = tempfile::Builder::new()
        .prefix(&format!("hostnet-lab-{}-", std::process::id()))
        .tempdir_in(scratch_base())
        .map_err(io)?
        .keep();
    cleanup::register_dir(scratch.clone());
    let scratch = Scratch(scratch);
    let dir = scratch.0.as_path();
    write_executable(&dir.join("init/systemctl"), SYSTEMCTL)?;
    // OpenRC's service tools, for a Gentoo playbook: the same init stand-in.
    write_executable(
        &dir.join("init/rc-service"),
        "#!/bin/sh\nexec \"$(dirname \"$0\")/systemctl\" \"$2\" \"$1\"\n",
    )?;
    write_executable(&dir.join("init/rc-update"), "#!/bin/sh\nexit 0\n")?;
    write_executable(&dir.join("udhcpc.script"), crate::udhcpc::SCRIPT)?;
    write_executable(&dir.join("tap_relay.py"), RELAY)?;
    if spec.wireless() {
        write_executable(&dir.join("sandbox/tools/iw"), crate::wireless::IW)?;
    }

    progress("building the lab: internet, LAN router, LAN device, LAN admin, host");
    let prefix = format!("hnlab-{}", std::process::id());
    let mut lab = Topology::build(
        &prefix,
        spec.rename.as_ref().map_or(&spec.uplink, |rename| &rename.from),
        !spec.mode.uplink_bridged() && options.boot.is_none(),
    )?;
    let mut notes = Vec::new();
    if let Some(rename) = &spec.rename {
        progress(&format!(
            "udev's part: {} (MAC {}) renamed {} by the playbook's rule",
            rename.from, rename.mac, rename.to
        ));
        crate::rename::play(&lab.host, rename)?;
        notes.push(format!(
            "the uplink's rename at boot ({} with MAC {} → {}) was played by the lab, as udev would",
            rename.from, rename.mac, rename.to
        ));
    }
    if spec.wireless() {
        let mac = lab
            .host
            .read(&format!("/sys/class/net/{}/address", spec.uplink))
            .unwrap_or_default();
        crate::wireless::access_point(&lab.lan, "p-host", mac.trim(), dir)?;
    }
    let subnet = subnet(spec);
    match (spec.mode, &subnet) {
        (mode, _) if mode.on_the_lan() => topology::serve_lan_dhcp(&lab.lan, dir, &crate::lan::reservations(spec))?,
        (Mode::Routed, Some(subnet)) => {
            topology::route_via_host(&lab.lan, subnet)?;
            topology::route_via_host(&lab.lanadmin, subnet)?;
        }
        (_, Some(subnet)) => topology::route_via_host(&lab.lanadmin, subnet)?,
        (_, None) => {}
    }
    let lan6 = match &spec.ipv6 {
        Some(six) => {
            progress(
                "IPv6: the internet's 2001:db8::/32, the LAN router's advertisements, the host's uplink from them",
            );
            Some(crate::ipv6::Lan6::build(&lab, &spec.uplink, spec.mode, six, dir)?)
        }
        None => None,
    };

    let mac = lab
        .host
        .read(&format!("/sys/class/net/{}/address", spec.uplink))
        .unwrap_or_default();
    let mut before_rename = spec.clone();
    if let Some(rename) = &spec.rename {
        before_rename.uplink.clone_from(&rename.from);
    }
    fs_err::write(dir.join("facts.yml"), facts(&before_rename, &options.distro, &mac)).map_err(io)?;
    let playbook = options.playbook.to_string_lossy().into_owned();
    let facts_file = dir.join("facts.yml").to_string_lossy().into_owned();
    let hostnet = options.hostnet.to_string_lossy().into_owned();
    let accounts = (spec.accounts.0.as_slice(), spec.accounts.1.as_slice());
    let sandbox = match options.boot {
        None => {
            progress("applying the playbook in the host's sandbox: hostnet apply --root /");
            let ufw = spec.firewall == crate::expect::Firewall::Ufw;
            let host_files = dir.join("host-files");
            if ufw {
                for (path, text) in crate::ufw::stock_files() {
                    let path = host_files.join(path);
                    if let Some(parent) = path.parent() {
                        fs_err::create_dir_all(parent).map_err(io)?;
                    }
                    fs_err::write(path, text).map_err(io)?;
                }
            }
            let stage = ufw.then_some(host_files.as_path());
            let sandbox = Sandbox::new(&lab.host, &dir.join("sandbox"), stage, false, accounts)?;
            if ufw {
                progress("the host's ufw: ufw-init start");
                crate::ufw::start(&sandbox)?;
            }
            let path = format!(
                "PATH={}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                dir.join("init").display()
            );
            let mut argv: Vec<&str> = vec![
                "env",
                &path,
                "NO_COLOR=1",
                &hostnet,
                "--color",
                "never",
                "apply",
                &playbook,
                "--root",
                "/",
                "--facts",
                &facts_file,
                "--yes",
            ];
            argv.extend(options.apply_args.iter().map(String::as_str));
            let applied = namespace::output(sandbox.command(&argv))?;
            if !applied.status.success() {
                return Err(LabError::with_hint(
                    format!(
                        "hostnet apply failed in the lab ({}):\n{}",
                        applied.status,
                        namespace::text(&applied).trim_end()
                    ),
                    "the playbook would fail the same way on the host; fix it and run the lab again",
                ));
            }
            sandbox
        }
        Some(network) => {
            progress("rendering the persistent files: hostnet render");
            let stage = dir.join("stage");
            let files = boot::host_files(
                &spec.uplink,
                !spec.mode.uplink_bridged(),
                spec.ipv6.is_some(),
                network,
                spec.firewall,
            );
            for (path, text) in files {
                let path = stage.join(path);
                if let Some(parent) = path.parent() {
                    fs_err::create_dir_all(parent).map_err(io)?;
                }
                fs_err::write(path, text).map_err(io)?;
            }
            let stage_text = stage.to_string_lossy().into_owned();
            let mut argv: Vec<&str> = vec![
                "--color",
                "never",
                "render",
                &playbook,
                "--out",
                &stage_text,
                "--root",
                &stage_text,
                "--facts",
                &facts_file,
            ];
            argv.extend(options.apply_args.iter().map(String::as_str));
            let mut render = std::process::Command::new(&options.hostnet);
            render.args(&argv).env("NO_COLOR", "1");
            let rendered = namespace::output(render)?;
            if !rendered.status.success() {
                return Err(LabError::new(format!(
                    "hostnet render failed ({}):\n{}",
                    rendered.status,
                    namespace::text(&rendered).trim_end()
                )));
            }
            progress(match network {
                Network::Ifupdown => "booting the host: sysctl, firewall, ifup -a, dnsmasq",
                Network::Networkd => "booting the host: sysctl, firewall, systemd-networkd, dnsmasq",
            });
            let sandbox = Sandbox::new(
                &lab.host,
                &dir.join("sandbox"),
                Some(&stage),
                network == Network::Networkd,
                accounts,
            )?;
            crate::wireless::restore_mac_nat(&sandbox, &stage)?;
            let settled = || {
                let bridge = lab.host.ipv4_address(&spec.bridge);
                let bridge_ok = match spec.host_address {
                    Some(address) => bridge == Some(address),
                    None if spec.bridge_dhcp => bridge.is_some(),
                    None => lab
                        .host
                        .read(&format!("/sys/class/net/{}/operstate", spec.bridge))
                        .is_some(),
                };
                let lan_ok = spec.mode.uplink_bridged() || lab.host.ipv4_address(&spec.uplink) == Some(HOST_LAN);
                bridge_ok && lan_ok
            };
            boot::bring_up(
                &sandbox,
                &lab.host,
                &stage,
                network,
                spec.firewall,
                &spec.bridge,
                &settled,
            )?;
            sandbox
        }
    };
    if options.forward_drop {
        progress("the host's FORWARD policy: DROP (as Docker sets it)");
        lab.host.exec(&["iptables", "-w", "-P", "FORWARD", "DROP"])?;
        lab.host.exec(&["ip6tables", "-w", "-P", "FORWARD", "DROP"])?;
    }
    if spec.bridge_dhcp && options.boot.is_none() {
        progress("the host's DHCP client on the bridge");
        let _ = crate::udhcpc::lease(&lab.host, &spec.bridge, &dir.join("udhcpc.script"))?;
    }

    if options.qemu {
        let report = qemu_guests(spec, &lab, dir, &playbook, options, progress)?;
        drop(sandbox);
        drop(lab);
        drop(scratch);
        return Ok(report);
    }
    let relay = dir.join("tap_relay.py");
    for guest in &spec.guests {
        progress(&format!("guest {} behind {} ({})", guest.name, guest.tap, guest.mac));
        lab.add_guest(&guest.name, &guest.tap, &guest.mac, &relay, dir)?;
        progress(&crate::status::guest(&guest.name, &format!("behind {}", guest.tap)));
    }
    progress("guests: DHCP");
    for guest in &spec.guests {
        let state = match (spec.mode, guest.fixed) {
            (Mode::MacNat, Some(fixed)) => format!("fixed address {fixed}"),
            _ => "waiting for lease".to_owned(),
        };
        progress(&crate::status::guest(&guest.name, &state));
    }
    // MAC NAT's guests keep fixed addresses, configured by hand (their
    // DHCP would go out with the host's MAC).
    let leases = if spec.mode == Mode::MacNat {
        vec![None; lab.guests.len()]
    } else {
        dhcp_all(&lab, &dir.join("udhcpc.script"))
    };
    let guests: Vec<GuestResult> = spec
        .guests
        .iter()
        .zip(&leases)
        .map(|(guest, lease)| GuestResult {
            name: guest.name.clone(),
            tap: guest.tap.clone(),
            mac: guest.mac.clone(),
            lease: lease.as_ref().map(|(ip, _, _)| ip.to_string()),
            router: lease.as_ref().map(|(_, router, _)| router.clone()).unwrap_or_default(),
            dhcp_runs: lease.as_ref().map_or(3, |(_, _, runs)| *runs),
            fixed: guest.fixed.map(|ip| ip.to_string()),
            qemu: None,
        })
        .collect();
    for guest in &guests {
        if spec.mode != Mode::MacNat {
            let state = guest
                .lease
                .as_ref()
                .map_or_else(|| "no lease".to_owned(), |lease| format!("leased {lease}"));
            progress(&crate::status::guest(&guest.name, &state));
        }
    }
    // A guest without a lease keeps its fixed address by hand (or none), so
    // the table still shows what else reaches it.
    let addresses: Vec<Ipv4Addr> = spec
        .guests
        .iter()
        .zip(&leases)
        .zip(&lab.guests)
        .map(|((guest, lease), netns)| match (lease, guest.fixed) {
            (Some((ip, _, _)), _) => *ip,
            (None, Some(fixed)) => {
                let _ = netns.netns.ip(&["addr", "add", &format!("{fixed}/24"), "dev", "eth0"]);
                if spec.mode == Mode::MacNat {
                    let _ = netns
                        .netns
                        .ip(&["route", "add", "default", "via", &LAN_ROUTER.to_string()]);
                }
                fixed
            }
            // No DHCP and no fixed address (an internal network without one):
            // the guest is configured by hand, as its owner would.
            (None, None) => {
                let address = Ipv4Addr::new(172, 16, 250, 10 + u8::try_from(index(&lab, netns)).unwrap_or(0));
                let _ = netns
                    .netns
                    .ip(&["addr", "add", &format!("{address}/24"), "dev", "eth0"]);
                address
            }
        })
        .collect();

    // Each guest's first packets wait for ARP and the relay: one ping to
    // the host side first (not part of the table).
    if let Some(host_side) = spec.host_address {
        for guest in &lab.guests {
            let _ = guest
                .netns
                .exec_output(&["ping", "-c1", "-W2", "-n", &host_side.to_string()]);
        }
    }
    progress("probing");
    for guest in &spec.guests {
        progress(&crate::status::guest(&guest.name, "probing"));
    }
    let uplink = if spec.mode.uplink_bridged() {
        lab.host.ipv4_address(&spec.bridge).unwrap_or(Ipv4Addr::UNSPECIFIED)
    } else {
        HOST_LAN
    };
    let host_side = if spec.mode.uplink_bridged() {
        uplink
    } else {
        spec.host_address.unwrap_or(uplink)
    };
    let listeners = crate::probe::listeners(&lab.machines(), (&lab.wan, INTERNET.into()))
        .map_err(|error| LabError::new(format!("cannot start the lab's listeners: {error}")))?;
    let mut probes = probes(spec, &lab, &addresses, uplink, host_side);
    let name = spec.guests.first().map_or("lab", |guest| guest.name.as_str());
    for probe in &mut probes {
        probe.dns_name = name.to_owned();
    }
    measure::measure(&mut probes, uplink.into());
    let (mut cells, mut probes) = measure::cells(&probes, uplink.into());
    for guest in &spec.guests {
        progress(&crate::status::guest(&guest.name, "measured"));
    }
    drop(listeners);
    if let (Some(six), Some(lan6)) = (&spec.ipv6, &lan6) {
        progress("guests: IPv6 (router advertisements, DHCPv6); probing over IPv6");
        let leases6 = crate::ipv6::configure_guests(&lab, six, spec.mode, dir);
        let (cells6, probes6) = crate::ipv6::measure(&lab, six, spec.mode, lan6, &leases6)?;
        cells.extend(cells6);
        probes.extend(probes6);
    }
    let leased_as_promised = guests.iter().all(|guest| {
        guest.lease.is_some()
            || spec.mode == Mode::Internal && guest.fixed.is_none()
            || spec.mode == Mode::MacNat && guest.fixed.is_some()
    });
    let ok = cells.iter().all(|cell| cell.ok) && probes.iter().all(|probe| probe.ok) && leased_as_promised;
    let kept = if options.keep {
        lab.names().into_iter().map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    let kept_dir = options.keep.then(|| dir.display().to_string());
    if spec.wireless() {
        notes.push(format!(
            "the access point stand-in dropped {} frame(s) with a MAC other than the host's",
            crate::wireless::dropped(&lab.lan)
        ));
    }
    drop(sandbox);
    drop(lab);
    drop(scratch);
    Ok(Report {
        notes,
        playbook: playbook.clone(),
        mode: spec.mode.name(),
        firewall: spec.firewall.name(),
        path: match options.boot {
            None => "runtime apply",
            Some(Network::Ifupdown) => "boot (ifupdown)",
            Some(Network::Networkd) => "boot (systemd-networkd)",
        },
        guests,
        cells,
        probes,
        ok,
        kept,
        kept_dir,
    })
}

fn index(lab: &Topology, guest: &crate::topology::Guest) -> usize {
    lab.guests
        .iter()
        .position(|other| std::ptr::eq(other, guest))
        .unwrap_or(0)
}

/// `--qemu`: a real guest on each TAP, one after the other (2 cores, TCG);
/// each pings the host's side, the LAN device and the internet, and those
/// cells are set beside the promise with the guest's lease.
fn qemu_guests(
    spec: &Spec,
    lab: &Topology,
    dir: &Path,
    playbook: &str,
    options: &Options,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, LabError> {
    let image = crate::guest::image(Path::new(crate::guest::CACHE), progress)?;
    let host_side = if spec.mode == Mode::Bridged {
        HOST_LAN
    } else {
        spec.host_address.unwrap_or(HOST_LAN)
    };
    let targets = [
        (Column::GuestToHostOther, host_side),
        (Column::GuestToLan, LAN_DEVICE),
        (Column::GuestToInternet, INTERNET),
    ];
    let target_words: Vec<String> = targets.iter().map(|(_, address)| address.to_string()).collect();
    let mut guests = Vec::new();
    let mut probes = Vec::new();
    for (index, guest) in spec.guests.iter().enumerate() {
        progress(&format!(
            "QEMU guest {} on {} ({}, {})",
            guest.name, guest.tap, guest.mac, guest.model
        ));
        progress(&crate::status::guest(&guest.name, "QEMU booting"));
        let log = dir.join(format!("qemu-{index}.log"));
        let outcome = crate::guest::boot(
            &lab.host,
            &image,
            (&guest.tap, &guest.mac, guest.model),
            &target_words,
            &log,
        )?;
        let state = if outcome.ip.is_empty() {
            format!("QEMU ({}): no lease", outcome.accel)
        } else {
            format!("QEMU ({}): leased {}", outcome.accel, outcome.ip)
        };
        progress(&crate::status::guest(&guest.name, &state));
        for (column, address) in targets {
            let answered = outcome
                .pings
                .iter()
                .any(|(target, yes)| *target == address.to_string() && *yes);
            let want =
                crate::expect::want(spec.mode, spec.firewall, column, Kind::Ping).unwrap_or(crate::expect::Want::No);
            let ok = match want {
                crate::expect::Want::No => !answered,
                _ => answered,
            };
            probes.push(ProbeResult {
                column: Some(column.heading()),
                kind: Kind::Ping.name(),
                path: format!("{}→{address}", guest.name),
                want: want.to_string(),
                outcome: if answered { "yes".into() } else { "no".into() },
                ok,
            });
        }
        guests.push(GuestResult {
            name: guest.name.clone(),
            tap: guest.tap.clone(),
            mac: guest.mac.clone(),
            lease: (!outcome.ip.is_empty()).then(|| outcome.ip.clone()),
            router: outcome.router.clone(),
            fixed: guest.fixed.map(|ip| ip.to_string()),
            dhcp_runs: 1,
            qemu: Some(QemuGuest {
                mac: outcome.mac.clone(),
                driver: outcome.driver.clone(),
                accel: outcome.accel,
                seconds: (outcome.seconds * 10.0).round() / 10.0,
            }),
        });
    }
    let cells: Vec<Cell> = targets
        .iter()
        .map(|(column, _)| {
            let of: Vec<&ProbeResult> = probes
                .iter()
                .filter(|probe| probe.column == Some(column.heading()))
                .collect();
            Cell {
                column: column.heading(),
                promised: measure::distinct(of.iter().map(|probe| probe.want.clone())),
                measured: measure::distinct(of.iter().map(|probe| format!("ping {}", probe.outcome))),
                ok: of.iter().all(|probe| probe.ok),
            }
        })
        .collect();
    let serves = spec.dhcp || matches!(spec.mode, Mode::Bridged | Mode::ProxyArp);
    let leased = guests
        .iter()
        .all(|guest| !serves || (guest.lease.is_some() && (guest.fixed.is_none() || guest.lease == guest.fixed)));
    let macs = guests
        .iter()
        .all(|guest| guest.qemu.as_ref().is_some_and(|qemu| qemu.mac == guest.mac));
    let ok = cells.iter().all(|cell| cell.ok) && leased && macs;
    Ok(Report {
        playbook: playbook.to_owned(),
        mode: spec.mode.name(),
        firewall: spec.firewall.name(),
        path: match options.boot {
            None => "runtime apply, QEMU guests",
            Some(Network::Ifupdown) => "boot (ifupdown), QEMU guests",
            Some(Network::Networkd) => "boot (systemd-networkd), QEMU guests",
        },
        guests,
        cells,
        probes,
        ok,
        kept: if options.keep {
            lab.names().into_iter().map(str::to_owned).collect()
        } else {
            Vec::new()
        },
        kept_dir: options.keep.then(|| dir.display().to_string()),
        notes: Vec::new(),
    })
}

/// Every guest's DHCP client at once (`busybox udhcpc`, 5 discovers 1 s
/// apart, run up to 3 times, as a guest's client keeps trying):
/// `(address, routers, runs)` each, or `None`.
fn dhcp_all(lab: &Topology, script: &Path) -> Vec<Option<(Ipv4Addr, String, u32)>> {
    let once = |guest: &crate::topology::Guest| -> Option<(Ipv4Addr, String)> {
        let mut words = crate::udhcpc::lease(&guest.netns, "eth0", script).ok()??;
        Some((
            words.get("ip")?.parse().ok()?,
            words.remove("router").unwrap_or_default(),
        ))
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = lab
            .guests
            .iter()
            .map(|guest| {
                let once = &once;
                scope.spawn(move || (1..=3).find_map(|run| once(guest).map(|(ip, router)| (ip, router, run))))
            })
            .collect();
        handles.into_iter().map(|handle| handle.join().ok().flatten()).collect()
    })
}

/// The table's probes, and the lab's controls.
fn probes<'a>(
    spec: &Spec,
    lab: &'a Topology,
    addresses: &[Ipv4Addr],
    uplink: Ipv4Addr,
    host_side: Ipv4Addr,
) -> Vec<Probe<'a>> {
    let row = (spec.mode, spec.firewall);
    let mut probes = Vec::new();
    let all: &'static [Kind] = &[Kind::Ping, Kind::Tcp, Kind::Udp];
    measure::push(
        &mut probes,
        row,
        None,
        all,
        ("landev", &lab.landev, LAN_DEVICE),
        INTERNET,
    );
    measure::push(
        &mut probes,
        row,
        None,
        &[Kind::Ping],
        ("host", &lab.host, uplink),
        INTERNET,
    );
    let guests: Vec<(&str, &dyn Namespace, Ipv4Addr)> = lab
        .guests
        .iter()
        .zip(addresses)
        .map(|(guest, own)| (guest.name.as_str(), &guest.netns as &dyn Namespace, *own))
        .collect();
    measure::push_guests(
        &mut probes,
        row,
        (&lab.landev, &lab.lanadmin),
        (&lab.host, host_side),
        &guests,
        !spec.mode.on_the_lan(),
    );
    probes
}
