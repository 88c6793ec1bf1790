//! What the lab must measure: the design's reachability table, cell by
//! cell and probe by probe, including *as whom* each listener sees the
//! sender.
//!
//! | mode | g→LAN | LAN→g | g↔g | g→inet | host→g | g→host DHCP/DNS | g→host other |
//! |---|---|---|---|---|---|---|---|
//! | bridged | own | own | own | own | own | (LAN's DHCP) | own¹ |
//! | nat | host's uplink | no | own | host's uplink | own | yes | own¹ |
//! | routed | own | own | own | LAN router | own | yes | own¹ |
//! | host_only | no | no | own | no | own | DHCP; DNS² | own¹ |
//! | internal | no | no | own | no | no | DHCP only | no |
//! | proxy_arp | own | own | own | own | own | (LAN's DHCP, relayed) | own¹ |
//! | mac_nat | own | own | own | own | own | (none: fixed addresses) | own¹ |
//!
//! "own": the listener sees the sender's own address; "host's uplink": the
//! host's LAN address (masqueraded by the host); "LAN router": the LAN
//! router's internet address (routed guests are masqueraded by the LAN
//! router, which knows the way back only through the route the user adds,
//! docs/modes/routed.md). "g→host DHCP/DNS": the lease is taken, and DNS
//! on UDP and TCP 53 gets in (answered, or refused where the host's dnsmasq
//! serves no DNS: the packet still got past the firewall).
//! ¹ ufw's default incoming policy (DROP) decides for TCP and UDP, and ufw's
//! own rules accept ping: the host keeps its input policy, hostnet opens
//! only DHCP and DNS.
//! ² host-only and internal guests are told of no DNS server (`dns: none`),
//! so hostnet opens DHCP (udp 67) only (`firewall dhcp`, issue #10): internal
//! mode's isolation drops DNS to the host, and so does ufw's default
//! incoming policy in host-only mode; without ufw a host-only guest reaches
//! the host anyway.

use std::fmt;

/// A `vm_network` mode the lab proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Bridged,
    Nat,
    Routed,
    HostOnly,
    Internal,
    /// Guests on the LAN's own subnet, routed by the host with proxy ARP.
    ProxyArp,
    /// Guests on the LAN's own subnet behind a bridged (wireless) uplink
    /// whose frames carry the uplink's MAC (ebtables MAC NAT).
    MacNat,
}

impl Mode {
    /// Is the host's LAN NIC a port of the guests' bridge (the host's LAN
    /// address is the bridge's, by the LAN's DHCP)?
    pub fn uplink_bridged(self) -> bool {
        matches!(self, Self::Bridged | Self::MacNat)
    }

    /// Are the guests on the LAN's own subnet (their DHCP, if any, is the
    /// LAN's; the host serves none)?
    pub fn on_the_lan(self) -> bool {
        matches!(self, Self::Bridged | Self::MacNat | Self::ProxyArp)
    }

    /// The playbook's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bridged => "bridged",
            Self::Nat => "nat",
            Self::Routed => "routed",
            Self::HostOnly => "host_only",
            Self::Internal => "internal",
            Self::ProxyArp => "proxy_arp",
            Self::MacNat => "mac_nat",
        }
    }

    /// The mode spelled `name` (as [`Mode::name`] spells it).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Bridged,
            Self::Nat,
            Self::Routed,
            Self::HostOnly,
            Self::Internal,
            Self::ProxyArp,
            Self::MacNat,
        ]
        .into_iter()
        .find(|mode| mode.name() == name)
    }
}

/// The firewall backend of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Firewall {
    Iptables,
    Nftables,
    Ufw,
}

impl Firewall {
    /// The playbook's and the CLI's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::Iptables => "iptables",
            Self::Nftables => "nftables",
            Self::Ufw => "ufw",
        }
    }
}

/// A column of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    GuestToLan,
    LanToGuest,
    GuestToGuest,
    GuestToInternet,
    HostToGuest,
    GuestToHostServices,
    GuestToHostOther,
}

impl Column {
    /// Every column, in the table's order.
    pub const ALL: [Self; 7] = [
        Self::GuestToLan,
        Self::LanToGuest,
        Self::GuestToGuest,
        Self::GuestToInternet,
        Self::HostToGuest,
        Self::GuestToHostServices,
        Self::GuestToHostOther,
    ];

    /// The column's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Self::GuestToLan => "g→LAN",
            Self::LanToGuest => "LAN→g",
            Self::GuestToGuest => "g↔g",
            Self::GuestToInternet => "g→inet",
            Self::HostToGuest => "host→g",
            Self::GuestToHostServices => "g→host DNS",
            Self::GuestToHostOther => "g→host other",
        }
    }
}

/// What one probe sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `ping -c1 -W1`.
    Ping,
    /// TCP to the lab's listener.
    Tcp,
    /// UDP to the lab's listener.
    Udp,
    /// A DNS question on UDP 53.
    Dns,
    /// A connection to TCP 53.
    DnsTcp,
}

impl Kind {
    /// The probe's name in a report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Dns => "dns/udp",
            Self::DnsTcp => "dns/tcp",
        }
    }

    /// The probes of a column.
    pub fn of(column: Column) -> &'static [Self] {
        match column {
            Column::GuestToHostServices => &[Self::Dns, Self::DnsTcp],
            _ => &[Self::Ping, Self::Tcp, Self::Udp],
        }
    }
}

/// The source address a listener must see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The sender's own address (on the path it takes).
    Sender,
    /// The host's LAN (uplink) address: masqueraded by the host.
    HostUplink,
    /// The LAN router's internet address: masqueraded by the LAN router.
    LanRouter,
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sender => "own",
            Self::HostUplink => "host's uplink",
            Self::LanRouter => "LAN router",
        })
    }
}

/// One probe's expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Gets no answer.
    No,
    /// Gets an answer; for TCP and UDP the listener sees this address.
    Yes(Seen),
    /// Gets into the target's stack: answered or refused (DNS where dnsmasq
    /// may serve no DNS).
    Delivered,
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::No => f.write_str("no"),
            Self::Yes(Seen::Sender) => f.write_str("yes"),
            Self::Yes(seen) => write!(f, "yes as {seen}"),
            Self::Delivered => f.write_str("delivered"),
        }
    }
}

/// The design's cell for `mode` and `column` (ping, TCP and UDP alike).
fn row(mode: Mode, column: Column) -> Want {
    use Column::{GuestToGuest, GuestToInternet, GuestToLan, HostToGuest, LanToGuest};
    use Want::{No, Yes};
    match (mode, column) {
        (Mode::Bridged | Mode::ProxyArp | Mode::MacNat, _) => Yes(Seen::Sender),
        (Mode::Nat, GuestToLan | GuestToInternet) => Yes(Seen::HostUplink),
        (Mode::Nat, LanToGuest) => No,
        (Mode::Routed, GuestToInternet) => Yes(Seen::LanRouter),
        (Mode::Nat | Mode::Routed | Mode::HostOnly | Mode::Internal, GuestToGuest)
        | (Mode::Routed, GuestToLan | LanToGuest)
        | (Mode::Nat | Mode::Routed | Mode::HostOnly, HostToGuest) => Yes(Seen::Sender),
        (Mode::HostOnly | Mode::Internal, _) => No,
        (Mode::Nat | Mode::Routed, _) => unreachable!("the guest→host columns are not the design's"),
    }
}

/// What a probe of `kind` in `column` must get, for `mode` under
/// `firewall`; `None`: not probed (bridged guests take the LAN's DHCP, and
/// the host serves no DNS then).
pub fn want(mode: Mode, firewall: Firewall, column: Column, kind: Kind) -> Option<Want> {
    if !Kind::of(column).contains(&kind) {
        return None;
    }
    match column {
        Column::GuestToHostServices => match mode {
            Mode::Bridged | Mode::ProxyArp | Mode::MacNat => None,
            Mode::Internal => Some(Want::No),
            Mode::HostOnly if firewall == Firewall::Ufw => Some(Want::No),
            _ => Some(Want::Delivered),
        },
        Column::GuestToHostOther => Some(
            if mode == Mode::Internal || (firewall == Firewall::Ufw && kind != Kind::Ping) {
                Want::No
            } else {
                Want::Yes(Seen::Sender)
            },
        ),
        _ => Some(row(mode, column)),
    }
}
