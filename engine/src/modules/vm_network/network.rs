//! A `vm_network` task's arguments, read into types with their positions,
//! and the checks that tie them together (which mode needs which argument,
//! which arguments a mode has no use for, user-mode addresses inside `net`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::error::{Error, ErrorKind, Result, suggest};
use crate::model::netdev::{self, HostFwd, SocketNetwork, VdeSocket};
use crate::model::vm::{Mode, NicModel};
use crate::model::{AddressConfig, RaMode, Written};
use crate::modules::args::Args;
use crate::modules::net_args;
use crate::source::Pos;
use crate::types::{AccountName, GuestSubnet, GuestSubnet6, InterfaceName, MacAddr, VmName};
use crate::value::{Arg, ArgValue, At, FromArg};

/// The task's arguments.
pub(super) struct Network {
    pub(super) mode: At<Mode>,
    /// The bridge (default `br0`, at the `mode` value).
    pub(super) bridge: At<InterfaceName>,
    pub(super) uplink: Option<At<InterfaceName>>,
    /// `bridged`/MAC NAT: the bridge's own address (default DHCP);
    /// `proxy_arp`: the host's LAN address.
    pub(super) address: Option<(AddressConfig, Written)>,
    /// The default route of a static bridge (`bridged`, MAC NAT).
    pub(super) gateway: Option<At<IpAddr>>,
    /// Name servers of a static bridge.
    pub(super) dns: Vec<At<IpAddr>>,
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
    /// `proxy_arp`: the LAN's DHCP server to relay the guests' requests to.
    pub(super) dhcp_relay: Option<At<Ipv4Addr>>,
    /// `socket`: how the guests are connected.
    pub(super) socket: Option<At<SocketNetwork>>,
    /// `vde`: the switch's control socket.
    pub(super) vde: Option<At<VdeSocket>>,
    /// `hubport`: the hub.
    pub(super) hub: Option<At<u32>>,
    pub(super) vms: Vec<VmArgs>,
}

/// One guest as written.
pub(super) struct VmArgs {
    pub(super) name: At<String>,
    pub(super) tap: Option<At<InterfaceName>>,
    pub(super) mac: Option<At<MacAddr>>,
    pub(super) ip: Option<At<Ipv4Addr>>,
    pub(super) ip6: Option<At<Ipv6Addr>>,
    pub(super) duid: Option<At<crate::types::Duid>>,
    pub(super) model: NicModel,
    pub(super) user: Option<At<AccountName>>,
    pub(super) group: Option<At<AccountName>>,
    pub(super) helper: bool,
    pub(super) hostfwd: Vec<At<HostFwd>>,
    pub(super) vhost: bool,
    /// Every key written, with where (for the keys a mode has no use for).
    keys: Vec<(String, Pos)>,
}

/// `dhcp:` as given: off, on with defaults, or with a range and lease.
pub(super) struct Dhcp {
    pub(super) enabled: bool,
    pub(super) range: Option<At<(Ipv4Addr, Ipv4Addr)>>,
    pub(super) lease: Option<At<String>>,
}

const VM_KEYS: &[&str] = &[
    "name", "tap", "mac", "ip", "ip6", "duid", "model", "user", "group", "helper", "hostfwd", "vhost",
];

/// The modes whose guests have TAPs on a host bridge.
const TAP_MODES: &[Mode] = &[
    Mode::Bridged,
    Mode::Nat,
    Mode::Routed,
    Mode::HostOnly,
    Mode::Internal,
    Mode::ProxyArp,
];

/// The modes whose guests are on a private bridge with the host's prefix
/// (where `subnet6` gives them IPv6).
const PRIVATE_MODES: &[Mode] = &[Mode::Nat, Mode::Routed, Mode::HostOnly, Mode::Internal];

/// Which modes each argument goes with (the rest have no use for it).
const ARGUMENT_MODES: &[(&str, &[Mode])] = &[
    ("bridge", TAP_MODES),
    ("uplink", &[Mode::Bridged, Mode::Nat, Mode::Routed, Mode::ProxyArp]),
    ("address", &[Mode::Bridged, Mode::Nat, Mode::ProxyArp]),
    ("gateway", &[Mode::Bridged, Mode::Nat]),
    ("dns", &[Mode::Bridged, Mode::Nat]),
    (
        "subnet",
        &[Mode::Nat, Mode::Routed, Mode::HostOnly, Mode::Internal, Mode::User],
    ),
    (
        "dhcp",
        &[Mode::Nat, Mode::Routed, Mode::HostOnly, Mode::Internal, Mode::User],
    ),
    ("subnet6", PRIVATE_MODES),
    ("ra", PRIVATE_MODES),
    ("firewall", TAP_MODES),
    ("tap_user", TAP_MODES),
    ("tap_group", TAP_MODES),
    ("restrict", &[Mode::User]),
    ("dhcp_relay", &[Mode::ProxyArp]),
    ("socket", &[Mode::Socket]),
    ("vde", &[Mode::Vde]),
    ("hub", &[Mode::Hubport]),
];

/// Which modes each VM key goes with (`name`, `mac` and `model` go with all).
const VM_KEY_MODES: &[(&str, &[Mode])] = &[
    ("tap", TAP_MODES),
    ("ip", TAP_MODES),
    ("ip6", PRIVATE_MODES),
    ("duid", PRIVATE_MODES),
    ("user", TAP_MODES),
    ("group", TAP_MODES),
    ("helper", TAP_MODES),
    ("vhost", TAP_MODES),
    ("hostfwd", &[Mode::User]),
];

fn mode_list(modes: &[Mode]) -> String {
    let names: Vec<String> = modes.iter().map(|mode| format!("`{}`", mode.name())).collect();
    match names.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => String::new(),
    }
}

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
        let mac_nat = args.optional::<bool>("mac_nat")?.unwrap_or(false);
        for (key, modes) in ARGUMENT_MODES {
            // `address`, `gateway` and `dns` are the bridge's in MAC NAT only.
            let bridge_of_nat = mode.value == Mode::Nat && !mac_nat && ["address", "gateway", "dns"].contains(key);
            if let Some(pos) = args.key_pos(key)
                && (!modes.contains(&mode.value) || bridge_of_nat)
            {
                let modes = if bridge_of_nat {
                    "`bridged` or `nat` with `mac_nat: true`".to_owned()
                } else {
                    format!("mode {}", mode_list(modes))
                };
                return Err(Error::invalid(
                    &pos,
                    format!("`{key}` has no meaning in `mode: {}`", mode.value.name()),
                    Some(format!("`{key}` goes with {modes}")),
                ));
            }
        }
        let bridge = args.optional::<At<InterfaceName>>("bridge")?.unwrap_or_else(|| At {
            value: "br0".parse().unwrap_or_else(|_| unreachable!()),
            pos: mode.pos.clone(),
        });
        let uplink = args.optional::<At<InterfaceName>>("uplink")?;
        let address = args
            .optional::<Arg>("address")?
            .map(|arg| net_args::address(Some(arg), AddressConfig::Dhcp))
            .transpose()?;
        let gateway = args.optional::<At<IpAddr>>("gateway")?;
        let dns = args.optional::<Vec<At<IpAddr>>>("dns")?.unwrap_or_default();
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
        let dhcp_default = matches!(mode.value, Mode::Nat | Mode::Routed | Mode::HostOnly | Mode::Internal);
        let dhcp = Dhcp::read(args.optional::<Arg>("dhcp")?, dhcp_default)?;
        let firewall = args.optional::<At<String>>("firewall")?;
        let tap_user = args.optional("tap_user")?;
        let tap_group = args.optional("tap_group")?;
        let restrict = args.optional::<bool>("restrict")?.unwrap_or(false);
        let dhcp_relay = args.optional::<At<Ipv4Addr>>("dhcp_relay")?;
        let socket = args
            .optional::<Arg>("socket")?
            .map(|arg| socket_network(&arg))
            .transpose()?;
        let vde = args.optional::<Arg>("vde")?.map(|arg| vde_socket(&arg)).transpose()?;
        let hub = args.optional::<At<u32>>("hub")?;
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
            gateway,
            dns,
            subnet,
            subnet6,
            ra,
            dhcp,
            firewall,
            mac_nat,
            tap_user,
            tap_group,
            restrict,
            dhcp_relay,
            socket,
            vde,
            hub,
            vms,
        };
        network.check(args.pos())?;
        Ok(network)
    }

    /// The host's LAN address in `proxy_arp` mode (its first static IPv4 address).
    pub(super) fn lan_address(&self) -> Option<Ipv4Net> {
        self.address.as_ref().and_then(|(config, _)| {
            config.addresses().iter().find_map(|address| match address {
                IpNet::V4(address) => Some(*address),
                IpNet::V6(_) => None,
            })
        })
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
        if (matches!(mode, Mode::Bridged | Mode::ProxyArp) || self.mac_nat) && self.uplink.is_none() {
            return Err(missing("uplink"));
        }
        match mode {
            Mode::Socket if self.socket.is_none() => return Err(missing("socket")),
            Mode::Vde if self.vde.is_none() => return Err(missing("vde")),
            Mode::Hubport if self.hub.is_none() => return Err(missing("hub")),
            _ => {}
        }
        self.check_static_routes()?;
        self.check_ipv6()?;
        for vm in &self.vms {
            vm.check(mode)?;
        }
        match mode {
            Mode::User => self.check_user(),
            Mode::ProxyArp => self.check_proxy_arp(),
            Mode::Socket => self.check_socket(),
            _ => Ok(()),
        }
    }

    /// `gateway` and `dns` configure a static bridge: with DHCP the lease brings both.
    fn check_static_routes(&self) -> Result<()> {
        let is_static = matches!(self.address, Some((AddressConfig::Static(_), _)));
        let written = self
            .gateway
            .as_ref()
            .map(|gateway| ("gateway", &gateway.pos))
            .or_else(|| self.dns.first().map(|dns| ("dns", &dns.pos)));
        if let Some((key, pos)) = written
            && !is_static
        {
            return Err(Error::invalid(
                pos,
                format!(
                    "`{key}` goes with a static `address` (with DHCP the lease brings the router and name servers)"
                ),
                Some(
                    "give the bridge its address, e.g. `address: [192.168.1.10/24]`, or leave `gateway` and `dns` out"
                        .into(),
                ),
            ));
        }
        Ok(())
    }

    /// `subnet6`, `ra` and the VMs' `ip6` go together, on a private bridge
    /// (the modes without one refuse them when reading the arguments).
    fn check_ipv6(&self) -> Result<()> {
        if let Some(subnet6) = &self.subnet6
            && self.mac_nat
        {
            return Err(Error::invalid(
                &subnet6.pos,
                "`subnet6` goes with a private bridge, not with `mac_nat: true`",
                Some("with MAC NAT the guests are on the LAN and take SLAAC or DHCPv6 from its router; leave `subnet6` out".into()),
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

    /// User mode: `hostfwd` guest addresses and `dhcpstart` inside `net`.
    fn check_user(&self) -> Result<()> {
        let net = self
            .subnet
            .as_ref()
            .map_or_else(netdev::default_user_net, |subnet| subnet.value.0);
        let named = if self.subnet.is_some() {
            format!("`subnet` {net}")
        } else {
            format!("QEMU's default user network {net} (no `subnet`)")
        };
        let reserved = |address: Ipv4Addr| {
            let offset = u32::from(address) - u32::from(net.network());
            address == net.network() || address == net.broadcast() || offset == 2 || offset == 3
        };
        if let Some(range) = &self.dhcp.range {
            let start = range.value.0;
            if !net.contains(&start) || reserved(start) {
                return Err(Error::invalid(
                    &range.pos,
                    format!(
                        "the first address of `range`, `{start}`, is QEMU's `dhcpstart` and must be a guest address in {named}"
                    ),
                    Some(format!(
                        "QEMU keeps .2 (the host) and .3 (DNS) of {net}; e.g. `range: [{}, {}]`",
                        host(net, 15),
                        host(net, 99)
                    )),
                ));
            }
        }
        for vm in &self.vms {
            for forward in &vm.hostfwd {
                if let Some(guest) = forward.value.guest_address
                    && (!net.contains(&guest) || reserved(guest))
                {
                    return Err(Error::invalid(
                        &forward.pos,
                        format!(
                            "the guest address `{guest}` of `{}` is not a guest address in {named}",
                            forward.value
                        ),
                        Some(format!(
                            "leave it out (`{}`) to forward to the guest's DHCP address",
                            without_guest(&forward.value)
                        )),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Proxy ARP: each guest has a fixed address (its host route), on the
    /// LAN's subnet when the host's address is given; a relay needs that address.
    fn check_proxy_arp(&self) -> Result<()> {
        if let Some(relay) = &self.dhcp_relay
            && self.lan_address().is_none()
        {
            return Err(Error::invalid(
                &relay.pos,
                "`dhcp_relay` needs the host's LAN address in `address` (relayed requests come from it, and the server answers it)",
                Some(format!(
                    "add the uplink's static address, e.g. `address: [192.168.1.10/24]`, next to `dhcp_relay: {}`",
                    relay.value
                )),
            ));
        }
        let lan = self.lan_address();
        for vm in &self.vms {
            let Some(ip) = &vm.ip else {
                return Err(Error::invalid(
                    &vm.name.pos,
                    format!(
                        "VM `{}` needs a fixed `ip` in `mode: proxy_arp` (the host routes to each guest by its address)",
                        vm.name.value
                    ),
                    Some("give it a free address of the LAN, e.g. `ip: 192.168.1.50`".into()),
                ));
            };
            if let Some(lan) = lan
                && (!lan.contains(&ip.value)
                    || ip.value == lan.addr()
                    || ip.value == lan.network()
                    || ip.value == lan.broadcast())
            {
                return Err(Error::invalid(
                    &ip.pos,
                    format!(
                        "`{}` is not a free guest address on the LAN `{}` of the host's address `{lan}`",
                        ip.value,
                        lan.trunc()
                    ),
                    Some("proxy ARP puts the guests on the uplink's subnet: give each a free LAN address".into()),
                ));
            }
        }
        Ok(())
    }

    /// A UDP tunnel joins exactly two guests.
    fn check_socket(&self) -> Result<()> {
        if let Some(socket) = &self.socket
            && matches!(socket.value, SocketNetwork::Udp { .. })
            && self.vms.len() != 2
        {
            return Err(Error::invalid(
                &socket.pos,
                format!("a UDP socket joins two guests, and this network has {}", self.vms.len()),
                Some("use `mcast` for more guests, or one network per pair".into()),
            ));
        }
        Ok(())
    }
}

/// The `index`-th address of `net` (for hints).
fn host(net: Ipv4Net, index: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).saturating_add(index))
}

fn without_guest(forward: &HostFwd) -> HostFwd {
    HostFwd {
        guest_address: None,
        ..*forward
    }
}

/// `socket: { listen: [ADDRESS:]PORT }`, `{ mcast: GROUP:PORT, localaddr: ADDRESS }`
/// or `{ udp: [ADDRESS:PORT, ADDRESS:PORT] }`.
fn socket_network(arg: &Arg) -> Result<At<SocketNetwork>> {
    let expected = "a socket network (`listen`, `mcast` or `udp`)";
    let entries = arg.entries(expected)?;
    let keys = ["listen", "mcast", "localaddr", "udp"];
    let mut found = None;
    let mut local_address = None;
    for (key, value) in entries {
        let invalid = |message: String| Error::invalid(&value.pos, message, None);
        match key.name.as_str() {
            "listen" => {
                let text = value.text("`[address]:port`")?;
                let (address, port) = netdev::listen_address(&text).map_err(invalid)?;
                found = Some(SocketNetwork::Listen { address, port });
            }
            "mcast" => {
                let text = value.text("`group:port`")?;
                let group = netdev::endpoint(&text).map_err(invalid)?;
                if !group.ip().is_multicast() {
                    return Err(Error::invalid(
                        &value.pos,
                        format!("`{}` is not a multicast group (224.0.0.0/4)", group.ip()),
                        Some("e.g. `mcast: 230.0.0.1:1234`".into()),
                    ));
                }
                found = Some(SocketNetwork::Mcast {
                    group,
                    local_address: None,
                });
            }
            "localaddr" => local_address = Some(At::<Ipv4Addr>::from_arg(value)?),
            "udp" => {
                let ends = Vec::<At<String>>::from_arg(value)?;
                let [first, second] = &ends[..] else {
                    return Err(Error::invalid(
                        &value.pos,
                        "`udp` is the two guests' endpoints: `[address:port, address:port]`",
                        None,
                    ));
                };
                let parse = |end: &At<String>| {
                    netdev::endpoint(&end.value).map_err(|message| Error::invalid(&end.pos, message, None))
                };
                found = Some(SocketNetwork::Udp {
                    endpoints: [parse(first)?, parse(second)?],
                });
            }
            _ => {
                return Err(Error::at(
                    &key.pos,
                    ErrorKind::UnknownKey {
                        key: key.name.clone(),
                        context: "`socket`",
                        suggestion: suggest(&key.name, keys),
                        expected: keys.to_vec(),
                    },
                ));
            }
        }
    }
    let value = match (found, local_address) {
        (Some(SocketNetwork::Mcast { group, .. }), Some(local)) => SocketNetwork::Mcast {
            group,
            local_address: Some(local.value),
        },
        (Some(_), Some(local)) => {
            return Err(Error::invalid(&local.pos, "`localaddr` goes with `mcast`", None));
        }
        (Some(found), None) => found,
        (None, _) => {
            return Err(Error::invalid(
                &arg.pos,
                "`socket` needs one of `listen`, `mcast` or `udp`",
                Some("e.g. `socket: { mcast: 230.0.0.1:1234 }` for a LAN of guests".into()),
            ));
        }
    };
    Ok(At {
        value,
        pos: arg.pos.clone(),
    })
}

/// `vde: { sock: PATH }` or `vde: PATH`.
fn vde_socket(arg: &Arg) -> Result<At<VdeSocket>> {
    let sock = match &arg.value {
        ArgValue::Map(entries) => {
            let mut sock = None;
            for (key, value) in entries {
                if key.name == "sock" {
                    sock = Some(value);
                } else {
                    return Err(Error::at(
                        &key.pos,
                        ErrorKind::UnknownKey {
                            key: key.name.clone(),
                            context: "`vde`",
                            suggestion: suggest(&key.name, ["sock"]),
                            expected: vec!["sock"],
                        },
                    ));
                }
            }
            sock.ok_or_else(|| {
                Error::at(
                    &arg.pos,
                    ErrorKind::MissingKey {
                        key: "sock".into(),
                        context: "`vde`".into(),
                    },
                )
            })?
        }
        _ => arg,
    };
    let text = sock.text("the VDE switch's socket path")?;
    Ok(At {
        value: text
            .parse()
            .map_err(|message| Error::invalid(&sock.pos, message, None))?,
        pos: sock.pos.clone(),
    })
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
            duid: None,
            model: NicModel::VirtioNetPci,
            user: None,
            group: None,
            helper: false,
            hostfwd: Vec::new(),
            vhost: false,
            keys: Vec::new(),
        };
        for (key, value) in entries {
            if value.is_none() {
                continue;
            }
            vm.keys.push((key.name.clone(), key.pos.clone()));
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
                "duid" => vm.duid = Some(At::from_arg(value)?),
                "model" => {
                    let text = value.text("a NIC model")?;
                    vm.model = text
                        .parse()
                        .map_err(|message| Error::invalid(&value.pos, message, None))?;
                }
                "user" => vm.user = Some(At::from_arg(value)?),
                "group" => vm.group = Some(At::from_arg(value)?),
                "helper" => vm.helper = bool::from_arg(value)?,
                "hostfwd" => vm.hostfwd = Vec::<At<HostFwd>>::from_arg(value)?,
                "vhost" => vm.vhost = bool::from_arg(value)?,
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

    /// The keys `mode` has no use for, and vhost-net without virtio.
    fn check(&self, mode: Mode) -> Result<()> {
        for (key, pos) in &self.keys {
            if let Some((_, modes)) = VM_KEY_MODES.iter().find(|(name, _)| name == key)
                && !modes.contains(&mode)
            {
                return Err(Error::invalid(
                    pos,
                    format!("`{key}` has no meaning for a VM in `mode: {}`", mode.name()),
                    Some(format!("`{key}` goes with mode {}", mode_list(modes))),
                ));
            }
        }
        let vhost_pos = self
            .keys
            .iter()
            .find(|(key, _)| key == "vhost")
            .map_or(&self.name.pos, |(_, pos)| pos);
        if self.vhost && self.helper {
            return Err(Error::invalid(
                vhost_pos,
                format!(
                    "`vhost: true` needs a TAP hostnet creates, and VM `{}` has `helper: true` (QEMU's `-netdev bridge` takes no `vhost`)",
                    self.name.value
                ),
                Some("leave `helper` out (hostnet then creates the TAP), or `vhost` out".into()),
            ));
        }
        if self.vhost && self.model != NicModel::VirtioNetPci {
            let pos = vhost_pos;
            return Err(Error::invalid(
                pos,
                format!(
                    "`vhost: true` needs a virtio NIC, and VM `{}` has `model: {}` (vhost-net serves virtio-net only)",
                    self.name.value, self.model
                ),
                Some("use `model: virtio-net-pci`, or leave `vhost` out".into()),
            ));
        }
        Ok(())
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
