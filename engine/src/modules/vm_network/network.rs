//! A `vm_network` task's arguments, read into types with their positions,
//! and the checks that tie them together (which mode needs which argument).

use std::net::Ipv4Addr;

use crate::error::{Error, ErrorKind, Result, suggest};
use crate::model::vm::{Mode, NicModel};
use crate::model::{AddressConfig, Written};
use crate::modules::args::Args;
use crate::modules::net_args;
use crate::source::Pos;
use crate::types::{AccountName, GuestSubnet, InterfaceName, MacAddr};
use crate::value::{Arg, ArgValue, At, FromArg};

/// The task's arguments.
pub(super) struct Network {
    pub(super) mode: At<Mode>,
    /// The bridge (default `br0`, at the `mode` value).
    pub(super) bridge: At<InterfaceName>,
    pub(super) uplink: Option<At<InterfaceName>>,
    /// `bridged`/MAC NAT: the bridge's own address (default DHCP).
    pub(super) address: Option<(AddressConfig, Written)>,
    pub(super) subnet: Option<At<GuestSubnet>>,
    pub(super) dhcp: Dhcp,
    /// The firewall backend asked for, as written (the registry resolves it).
    pub(super) firewall: Option<At<String>>,
    pub(super) mac_nat: bool,
    pub(super) tap_user: Option<At<AccountName>>,
    pub(super) tap_group: Option<At<AccountName>>,
    pub(super) restrict: bool,
    pub(super) vms: Vec<VmArgs>,
}

/// One guest as written.
pub(super) struct VmArgs {
    pub(super) name: At<String>,
    pub(super) tap: Option<At<InterfaceName>>,
    pub(super) mac: Option<At<MacAddr>>,
    pub(super) ip: Option<At<Ipv4Addr>>,
    pub(super) model: NicModel,
    pub(super) user: Option<At<AccountName>>,
    pub(super) group: Option<At<AccountName>>,
    pub(super) helper: bool,
    pub(super) hostfwd: Vec<String>,
}

/// `dhcp:` as given: off, on with defaults, or with a range and lease.
pub(super) struct Dhcp {
    pub(super) enabled: bool,
    pub(super) range: Option<At<(Ipv4Addr, Ipv4Addr)>>,
    pub(super) lease: Option<At<String>>,
}

const VM_KEYS: &[&str] = &[
    "name", "tap", "mac", "ip", "model", "user", "group", "helper", "hostfwd",
];

impl Network {
    /// Read the arguments and check that the mode has what it needs.
    pub(super) fn read(args: &mut Args) -> Result<Self> {
        let mode_arg = args.required::<At<String>>("mode")?;
        let mode = At {
            value: mode_arg
                .value
                .parse::<Mode>()
                .map_err(|message| Error::invalid(&mode_arg.pos, message, None))?,
            pos: mode_arg.pos,
        };
        let bridge = args.optional::<At<InterfaceName>>("bridge")?.unwrap_or_else(|| At {
            value: "br0".parse().unwrap_or_else(|_| unreachable!()),
            pos: mode.pos.clone(),
        });
        let uplink = args.optional::<At<InterfaceName>>("uplink")?;
        let address = args
            .optional::<Arg>("address")?
            .map(|arg| net_args::address(Some(arg), AddressConfig::Dhcp))
            .transpose()?;
        let subnet = args.optional::<At<GuestSubnet>>("subnet")?;
        let dhcp_default = !matches!(mode.value, Mode::Bridged | Mode::User);
        let dhcp = Dhcp::read(args.optional::<Arg>("dhcp")?, dhcp_default)?;
        let firewall = args.optional::<At<String>>("firewall")?;
        let mac_nat = args.optional::<bool>("mac_nat")?.unwrap_or(false);
        let tap_user = args.optional("tap_user")?;
        let tap_group = args.optional("tap_group")?;
        let restrict = args.optional::<bool>("restrict")?.unwrap_or(false);
        let vms_arg = args.required::<Arg>("vms")?;
        let vms = vms_arg
            .items("a list of VMs")?
            .iter()
            .map(VmArgs::read)
            .collect::<Result<Vec<_>>>()?;
        let network = Self {
            mode,
            bridge,
            uplink,
            address,
            subnet,
            dhcp,
            firewall,
            mac_nat,
            tap_user,
            tap_group,
            restrict,
            vms,
        };
        network.check(args.pos())?;
        Ok(network)
    }

    /// Which mode needs which argument.
    fn check(&self, pos: &Pos) -> Result<()> {
        let mode = self.mode.value;
        if self.mac_nat && mode != Mode::Nat {
            return Err(Error::invalid(
                &self.mode.pos,
                "`mac_nat: true` goes with `mode: nat`",
                None,
            ));
        }
        let missing = |key: &str| {
            Error::at(
                pos,
                ErrorKind::MissingKey {
                    key: key.into(),
                    context: format!("`vm_network` with `mode: {}`", mode.name()),
                },
            )
        };
        let needs_subnet = matches!(mode, Mode::Nat | Mode::Routed | Mode::HostOnly | Mode::Internal) && !self.mac_nat;
        if needs_subnet && self.subnet.is_none() {
            return Err(missing("subnet"));
        }
        if (mode == Mode::Bridged || self.mac_nat) && self.uplink.is_none() {
            return Err(missing("uplink"));
        }
        Ok(())
    }
}

impl VmArgs {
    fn read(arg: &Arg) -> Result<Self> {
        let entries = arg.entries("a VM (`name`, `tap`, `mac`, `ip`, `model`, …)")?;
        let mut name = None;
        let mut vm = Self {
            name: At {
                value: String::new(),
                pos: arg.pos.clone(),
            },
            tap: None,
            mac: None,
            ip: None,
            model: NicModel::VirtioNetPci,
            user: None,
            group: None,
            helper: false,
            hostfwd: Vec::new(),
        };
        for (key, value) in entries {
            if value.is_none() {
                continue;
            }
            match key.name.as_str() {
                "name" => name = Some(At::<String>::from_arg(value)?),
                "tap" => vm.tap = Some(At::from_arg(value)?),
                "mac" => vm.mac = Some(At::from_arg(value)?),
                "ip" => vm.ip = Some(At::from_arg(value)?),
                "model" => {
                    let text = value.text("a NIC model")?;
                    vm.model = text
                        .parse()
                        .map_err(|message| Error::invalid(&value.pos, message, None))?;
                }
                "user" => vm.user = Some(At::from_arg(value)?),
                "group" => vm.group = Some(At::from_arg(value)?),
                "helper" => vm.helper = bool::from_arg(value)?,
                "hostfwd" => vm.hostfwd = Vec::<String>::from_arg(value)?,
                _ => {
                    return Err(Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "a VM",
                            suggestion: suggest(&key.name, VM_KEYS.iter().copied()),
                            expected: VM_KEYS.to_vec(),
                        },
                    ));
                }
            }
        }
        match name {
            Some(name) if !name.value.is_empty() => vm.name = name,
            _ => {
                return Err(Error::at(
                    &arg.pos,
                    ErrorKind::MissingKey {
                        key: "name".into(),
                        context: "a VM".into(),
                    },
                ));
            }
        }
        Ok(vm)
    }
}

impl Dhcp {
    fn read(arg: Option<Arg>, default: bool) -> Result<Self> {
        let Some(arg) = arg else {
            return Ok(Self {
                enabled: default,
                range: None,
                lease: None,
            });
        };
        let ArgValue::Map(entries) = &arg.value else {
            return Ok(Self {
                enabled: bool::from_arg(&arg)?,
                range: None,
                lease: None,
            });
        };
        let mut dhcp = Self {
            enabled: true,
            range: None,
            lease: None,
        };
        for (key, value) in entries {
            match key.name.as_str() {
                "range" => {
                    let ends = Vec::<Ipv4Addr>::from_arg(value)?;
                    let [first, last] = ends[..] else {
                        return Err(Error::invalid(
                            &value.pos,
                            "`range` is two addresses: `[first, last]`",
                            None,
                        ));
                    };
                    dhcp.range = Some(At {
                        value: (first, last),
                        pos: value.pos.clone(),
                    });
                }
                "lease" => dhcp.lease = Some(At::from_arg(value)?),
                "enabled" => dhcp.enabled = bool::from_arg(value)?,
                _ => {
                    return Err(Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "`dhcp`",
                            suggestion: suggest(&key.name, ["range", "lease", "enabled"]),
                            expected: vec!["range", "lease", "enabled"],
                        },
                    ));
                }
            }
        }
        Ok(dhcp)
    }
}
