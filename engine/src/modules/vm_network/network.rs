//! A `vm_network` task's arguments, read into types with their positions,
//! and the checks that tie them together (which mode needs which argument).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, ErrorKind, Result, suggest};
use crate::model::vm::{Mode, NicModel};
use crate::model::{AddressConfig, RaMode, Written};
use crate::modules::args::Args;
use crate::modules::net_args;
use crate::source::Pos;
use crate::types::{AccountName, GuestSubnet, GuestSubnet6, HostForward, InterfaceName, MacAddr, VmName};
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
    /// The guests' IPv6 prefix (the host gets its `::1`).
    pub(super) subnet6: Option<At<GuestSubnet6>>,
    /// Router advertisements on the bridge (default `stateless`, at `subnet6`).
    pub(super) ra: Option<At<RaMode>>,
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
    pub(super) ip6: Option<At<Ipv6Addr>>,
    pub(super) model: NicModel,
    pub(super) user: Option<At<AccountName>>,
    pub(super) group: Option<At<AccountName>>,
    pub(super) helper: bool,
    pub(super) hostfwd: Vec<HostForward>,
}

/// `dhcp:` as given: off, on with defaults, or with a range and lease.
pub(super) struct Dhcp {
    pub(super) enabled: bool,
    pub(super) range: Option<At<(Ipv4Addr, Ipv4Addr)>>,
    pub(super) lease: Option<At<String>>,
}

const VM_KEYS: &[&str] = &[
    "name", "tap", "mac", "ip", "ip6", "model", "user", "group", "helper", "hostfwd",
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
        let subnet6 = args.optional::<At<GuestSubnet6>>("subnet6")?;
        let ra = args
            .optional_at::<String>("ra")?
            .map(|ra| {
                Ok(At {
                    value: ra
                        .value
                        .parse::<RaMode>()
                        .map_err(|message| Error::invalid(&ra.pos, message, None))?,
                    pos: ra.pos,
                })
            })
            .transpose()?;
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
            subnet6,
            ra,
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
        self.check_ipv6()
    }

    /// `subnet6`, `ra` and the VMs' `ip6` go together, and with the modes
    /// that give the guests a private IPv6 prefix.
    fn check_ipv6(&self) -> Result<()> {
        let mode = self.mode.value;
        let private = matches!(mode, Mode::Nat | Mode::Routed | Mode::HostOnly | Mode::Internal) && !self.mac_nat;
        if let Some(subnet6) = &self.subnet6
            && !private
        {
            let hint = match mode {
                Mode::Bridged | Mode::Nat => {
                    "the guests are on the LAN and take SLAAC or DHCPv6 from its router; leave `subnet6` out"
                }
                _ => "QEMU's user networking gives the guests IPv6 itself; leave `subnet6` out",
            };
            let mode = if self.mac_nat {
                "nat` with `mac_nat: true"
            } else {
                mode.name()
            };
            return Err(Error::invalid(
                &subnet6.pos,
                format!("`subnet6` goes with `mode: nat`, `routed`, `host_only` or `internal`, not `{mode}`"),
                Some(hint.into()),
            ));
        }
        if self.subnet6.is_none() {
            if let Some(ra) = &self.ra {
                return Err(Error::invalid(
                    &ra.pos,
                    "`ra` announces the IPv6 prefix in `subnet6`, which this network does not have",
                    Some(
                        "add `subnet6:` (a unique local prefix, e.g. `fd42:4242:4242:1::/64`) or leave `ra` out".into(),
                    ),
                ));
            }
            if let Some(vm) = self.vms.iter().find(|vm| vm.ip6.is_some()) {
                let ip6 = vm.ip6.as_ref().map_or(&vm.name.pos, |ip6| &ip6.pos);
                return Err(Error::invalid(
                    ip6,
                    format!(
                        "VM `{}` has an `ip6`, but the network has no `subnet6` to lease it from",
                        vm.name.value
                    ),
                    None,
                ));
            }
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
            ip6: None,
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
                "name" => {
                    let typed = At::<VmName>::from_arg(value)?;
                    name = Some(At {
                        value: typed.value.to_string(),
                        pos: typed.pos,
                    });
                }
                "tap" => vm.tap = Some(At::from_arg(value)?),
                "mac" => vm.mac = Some(At::from_arg(value)?),
                "ip" => vm.ip = Some(At::from_arg(value)?),
                "ip6" => vm.ip6 = Some(At::from_arg(value)?),
                "model" => {
                    let text = value.text("a NIC model")?;
                    vm.model = text
                        .parse()
                        .map_err(|message| Error::invalid(&value.pos, message, None))?;
                }
                "user" => vm.user = Some(At::from_arg(value)?),
                "group" => vm.group = Some(At::from_arg(value)?),
                "helper" => vm.helper = bool::from_arg(value)?,
                "hostfwd" => vm.hostfwd = Vec::<HostForward>::from_arg(value)?,
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
