//! What the host offers around its bridges: DHCP with fixed leases, kernel
//! parameters, NAT, firewall intents and layer-2 MAC NAT.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use crate::model::origin::Origin;
use crate::types::{InterfaceName, MacAddr};
use crate::value::At;

/// A DHCP lease time (dnsmasq spelling: `12h`, `45m`, `infinite`; at least 2 minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LeaseTime {
    /// Seconds.
    Seconds(u32),
    /// Never expires.
    Infinite,
}

impl LeaseTime {
    /// Parse `12h`, `30m`, `3600`, `3600s`, `1d`, `infinite`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "infinite" {
            return Ok(Self::Infinite);
        }
        let bad = || format!("`{text}` is not a lease time like `12h`, `45m`, `3600` or `infinite`");
        let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
            Some((index, _)) => text.split_at(index),
            None => (text, "s"),
        };
        let number: u32 = digits.parse().map_err(|_| bad())?;
        let factor = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        let seconds = number.checked_mul(factor).ok_or_else(bad)?;
        if seconds < 120 {
            return Err(format!(
                "lease time `{text}` is shorter than dnsmasq's minimum of 2 minutes"
            ));
        }
        Ok(Self::Seconds(seconds))
    }
}

impl fmt::Display for LeaseTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Infinite => f.write_str("infinite"),
            Self::Seconds(s) if s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            Self::Seconds(s) if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            Self::Seconds(s) if s % 60 == 0 => write!(f, "{}m", s / 60),
            Self::Seconds(s) => write!(f, "{s}"),
        }
    }
}

/// The router (DHCP option 3) a DHCP server announces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Router {
    /// The serving interface's own address (default).
    Interface,
    /// No router: guests get no default route (host-only, internal).
    None,
    /// This address.
    Address(Ipv4Addr),
}

/// DNS servers a DHCP server announces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dns {
    /// dnsmasq answers DNS itself and announces its own address (default).
    Local,
    /// No DNS: dnsmasq serves DHCP only (`port=0`) and announces none.
    None,
    /// Announce these servers (dnsmasq's own DNS is off).
    Servers(Vec<IpAddr>),
}

/// A fixed lease (IPv4, IPv6 or both; at least one).
#[derive(Clone, Debug, Serialize)]
pub struct DhcpHost {
    /// The guest's MAC.
    pub mac: MacAddr,
    /// The IPv4 address it always gets.
    pub ip: Option<Ipv4Addr>,
    /// The IPv6 address DHCPv6 always gives it (by its MAC, or by `duid`), where written.
    pub ip6: Option<At<Ipv6Addr>>,
    /// The guest's DHCPv6 client identifier: `ip6` is reserved for it
    /// (dnsmasq's `id:`) instead of for the MAC.
    pub duid: Option<At<crate::types::Duid>>,
    /// Its host name, if given.
    pub name: Option<String>,
}

/// How the guests on an interface get IPv6 from the host's router
/// advertisements (dnsmasq's `enable-ra`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RaMode {
    /// SLAAC: the guests make their own addresses in the /64 (and ask
    /// stateless DHCPv6 for DNS only); no fixed addresses.
    Stateless,
    /// DHCPv6 hands out addresses (a range and the fixed ones by MAC); the
    /// advertisement only says so and carries the route.
    Stateful,
    /// No advertisements and no DHCPv6: the host has its IPv6 address, the
    /// guests configure theirs themselves.
    Off,
}

impl RaMode {
    /// The name as written in playbooks.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stateless => "stateless",
            Self::Stateful => "stateful",
            Self::Off => "off",
        }
    }
}

impl std::str::FromStr for RaMode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "stateless" => Ok(Self::Stateless),
            "stateful" => Ok(Self::Stateful),
            "off" => Ok(Self::Off),
            _ => Err(format!("`{text}` is not an RA mode: `stateless`, `stateful` or `off`")),
        }
    }
}

/// A DHCP server's IPv6 half: router advertisements for the interface's
/// IPv6 prefix, and DHCPv6 when stateful.
#[derive(Clone, Debug, Serialize)]
pub struct Dhcp6 {
    /// The mode, where written.
    pub ra: At<RaMode>,
    /// The DHCPv6 range (`stateful` only; `None`: fixed addresses only).
    pub range: Option<At<(Ipv6Addr, Ipv6Addr)>>,
}

/// A DHCP server (dnsmasq) on one interface.
#[derive(Clone, Debug, Serialize)]
pub struct DhcpServer {
    /// The interface it serves (a bridge, or a TAP for a single guest).
    pub interface: At<InterfaceName>,
    /// Dynamic range, first and last address (`None`: fixed leases only).
    pub range: Option<At<(Ipv4Addr, Ipv4Addr)>>,
    /// Lease time.
    pub lease: LeaseTime,
    /// Router option.
    pub router: Router,
    /// DNS option.
    pub dns: Dns,
    /// Domain option.
    pub domain: Option<String>,
    /// Fixed leases.
    pub hosts: Vec<At<DhcpHost>>,
    /// IPv6: router advertisements and DHCPv6 (`None`: IPv4 only).
    pub ipv6: Option<Dhcp6>,
    /// Who asked for it.
    pub origin: Origin,
}

/// A kernel parameter.
#[derive(Clone, Debug, Serialize)]
pub struct Sysctl {
    /// Dotted name (`net.ipv4.ip_forward`), with slashes where a component
    /// has a dot (`net/ipv6/conf/eth0.100/accept_ra`): [`super::sysctl::normalise`].
    pub name: String,
    /// Value as written to /proc/sys.
    pub value: String,
    /// Who asked for it.
    pub origin: Origin,
}

/// Source NAT (or plain routing) for a guest subnet.
#[derive(Clone, Debug, Serialize)]
pub struct Nat {
    /// The guests' subnet (IPv4, or an IPv6 prefix: NAT66 / routed IPv6).
    pub source: At<IpNet>,
    /// Leaving through this interface only (`None`: towards anything outside the subnet).
    pub out_interface: Option<InterfaceName>,
    /// Masquerade (`false`: routed mode, forwarding only; the LAN needs a route back).
    pub masquerade: bool,
    /// Who asked for it.
    pub origin: Origin,
}

/// A transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

impl Protocol {
    /// The name iptables, nft and ufw use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
        }
    }
}

/// A port or an inclusive range of ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    /// First port.
    pub first: u16,
    /// Last port (== first for a single port).
    pub last: u16,
}

impl PortRange {
    /// Parse `53` or `8000-8100` (also `8000:8100`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a port or a range like `8000-8100`");
        let (first, last) = match text.split_once(['-', ':']) {
            Some((first, last)) => (
                first.trim().parse().map_err(|_| bad())?,
                last.trim().parse().map_err(|_| bad())?,
            ),
            None => {
                let port = text.trim().parse().map_err(|_| bad())?;
                (port, port)
            }
        };
        if first == 0 || first > last {
            return Err(bad());
        }
        Ok(Self { first, last })
    }
}

/// What a firewall task asks for (intents, not raw rules).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
pub enum FirewallIntent {
    /// Accept traffic to the host arriving on `interface` (only these protocols/ports when given).
    AllowInput {
        interface: InterfaceName,
        protocols: Vec<Protocol>,
        ports: Vec<PortRange>,
    },
    /// Accept traffic forwarded in from `interface` (out via `out_interface` when given), and its replies.
    AllowForward {
        interface: InterfaceName,
        out_interface: Option<InterfaceName>,
    },
    /// Accept forwarding between ports of the same bridge (needed where FORWARD is DROP and br_netfilter is on).
    BridgeForward { bridge: InterfaceName },
    /// Accept DHCP (udp 67) and DNS (udp and tcp 53) from guests on `interface` to the host.
    DhcpDns { interface: InterfaceName },
    /// Accept DHCP (udp 67) only from guests on `interface` to the host (a server that announces no DNS).
    Dhcp { interface: InterfaceName },
    /// Drop everything from `interface` to the host (internal mode); guests still reach each other.
    IsolateHost { interface: InterfaceName },
    /// Forward nothing to or from `bridge` but between its own ports
    /// (host-only and internal modes): whatever else forwards on the host
    /// (a NAT network, Docker), its guests reach only each other (and the
    /// host, unless it is isolated too).
    IsolateForward { bridge: InterfaceName },
}

/// A DHCP relay (dnsmasq `dhcp-relay`): requests arriving on `interface`
/// go to `server`, from `address` (an address `interface` has; the server
/// answers it and picks the pool of its subnet).
#[derive(Clone, Debug, Serialize)]
pub struct DhcpRelay {
    /// Where the guests' requests arrive.
    pub interface: At<InterfaceName>,
    /// The relay's own address on `interface` (the requests' `giaddr`).
    pub address: Ipv4Addr,
    /// The DHCP server to relay to.
    pub server: At<Ipv4Addr>,
    /// Who asked for it.
    pub origin: Origin,
}

/// A firewall intent with its origin.
#[derive(Clone, Debug, Serialize)]
pub struct FirewallRule {
    /// The intent.
    pub intent: FirewallIntent,
    /// Who asked for it.
    pub origin: Origin,
}

/// A guest behind layer-2 MAC NAT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MacNatGuest {
    /// Its fixed IPv4 address.
    pub ip: Ipv4Addr,
    /// Its MAC.
    pub mac: MacAddr,
}

/// ebtables MAC NAT on a (wireless) uplink: frames leave with the uplink's
/// MAC (ARP payload included) and come back to each guest's MAC by its IP.
#[derive(Clone, Debug, Serialize)]
pub struct MacNat {
    /// The uplink (usually `wlan0`).
    pub uplink: At<InterfaceName>,
    /// The MAC frames leave with (the uplink's).
    pub mac: MacAddr,
    /// The guests.
    pub guests: Vec<At<MacNatGuest>>,
    /// Who asked for it.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_times() {
        assert_eq!(LeaseTime::parse("12h").unwrap(), LeaseTime::Seconds(43_200));
        assert_eq!(LeaseTime::parse("12h").unwrap().to_string(), "12h");
        assert_eq!(LeaseTime::parse("90m").unwrap().to_string(), "90m");
        assert_eq!(LeaseTime::parse("3600").unwrap().to_string(), "1h");
        assert_eq!(LeaseTime::parse("infinite").unwrap(), LeaseTime::Infinite);
        assert_eq!(
            LeaseTime::parse("1m").unwrap_err(),
            "lease time `1m` is shorter than dnsmasq's minimum of 2 minutes"
        );
        assert!(LeaseTime::parse("12x").is_err());
    }

    #[test]
    fn port_ranges() {
        assert_eq!(PortRange::parse("53").unwrap(), PortRange { first: 53, last: 53 });
        assert_eq!(
            PortRange::parse("8000-8100").unwrap(),
            PortRange {
                first: 8000,
                last: 8100
            }
        );
        assert!(PortRange::parse("9-1").is_err());
        assert!(PortRange::parse("0").is_err());
    }
}
