//! The values of QEMU `-netdev` options that a playbook writes, typed at
//! load time: a user-mode port forward (`hostfwd`), the endpoints of the
//! `socket` backend (between guests: a listening and a connecting guest,
//! a multicast group, or a UDP tunnel), and the control socket of a VDE
//! switch. Each parses from the playbook's text and prints in QEMU's own
//! syntax (qemu(1), "-netdev user|socket|vde"), so `hostnet qemu` prints
//! nothing QEMU would read differently: no value can contain a `,` (the
//! option separator) or a blank.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::str::FromStr;

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::error::Error;
use crate::value::{Arg, FromArg};

/// The protocol of a user-mode port forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardProtocol {
    /// `tcp` (also QEMU's default for an empty protocol).
    Tcp,
    /// `udp`.
    Udp,
}

/// `hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport`: a port on
/// the host forwarded into a user-mode guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HostFwd {
    /// TCP or UDP.
    pub protocol: ForwardProtocol,
    /// The host address to listen on (`None`: every address).
    pub host_address: Option<Ipv4Addr>,
    /// The host port.
    pub host_port: u16,
    /// The guest address (`None`: the guest's first DHCP address, `x.x.x.15`).
    pub guest_address: Option<Ipv4Addr>,
    /// The guest port.
    pub guest_port: u16,
}

/// What every `hostfwd` error says it should look like.
pub const HOSTFWD_SYNTAX: &str = "a port forward is `tcp:[hostaddr]:hostport-[guestaddr]:guestport`, \
     e.g. `tcp::2222-:22` or `tcp:127.0.0.1:2222-:22` (`udp:` for UDP)";

impl FromStr for HostFwd {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let wrong = |why: &str| format!("`{}` is not a port forward: {why}", text.escape_debug());
        let (host, guest) = text
            .split_once('-')
            .ok_or_else(|| wrong("no `-` between the host and the guest side"))?;
        let mut parts = host.splitn(3, ':');
        let (Some(protocol), Some(host_address), Some(host_port)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(wrong(
                "the host side is `protocol:address:port` (the address may be empty: `tcp::2222`)",
            ));
        };
        let protocol = match protocol {
            "tcp" | "" => ForwardProtocol::Tcp,
            "udp" => ForwardProtocol::Udp,
            other => {
                return Err(wrong(&format!(
                    "unknown protocol `{}` (tcp or udp)",
                    other.escape_debug()
                )));
            }
        };
        let (guest_address, guest_port) = guest
            .split_once(':')
            .ok_or_else(|| wrong("the guest side is `address:port` (the address may be empty: `:22`)"))?;
        let address = |text: &str, side: &str| -> Result<Option<Ipv4Addr>, String> {
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| {
                wrong(&format!(
                    "`{}` is not an IPv4 address ({side} address)",
                    text.escape_debug()
                ))
            })
        };
        let port = |text: &str, side: &str| -> Result<u16, String> {
            match text.parse::<u16>() {
                Ok(port) if port > 0 => Ok(port),
                _ => Err(wrong(&format!(
                    "`{}` is not a port (the {side} port, 1–65535)",
                    text.escape_debug()
                ))),
            }
        };
        Ok(Self {
            protocol,
            host_address: address(host_address, "host")?,
            host_port: port(host_port, "host")?,
            guest_address: address(guest_address, "guest")?,
            guest_port: port(guest_port, "guest")?,
        })
    }
}

impl fmt::Display for HostFwd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            ForwardProtocol::Tcp => "tcp",
            ForwardProtocol::Udp => "udp",
        };
        let address = |address: Option<Ipv4Addr>| address.map(|a| a.to_string()).unwrap_or_default();
        write!(
            f,
            "{protocol}:{}:{}-{}:{}",
            address(self.host_address),
            self.host_port,
            address(self.guest_address),
            self.guest_port
        )
    }
}

/// Read at load time, with the value's position and the syntax as the hint.
impl FromArg for HostFwd {
    fn from_arg(arg: &Arg) -> crate::error::Result<Self> {
        arg.text("a port forward like `tcp::2222-:22`")?
            .parse()
            .map_err(|message: String| Error::invalid(&arg.pos, message, Some(HOSTFWD_SYNTAX.into())))
    }
}

/// QEMU's user network when `net` is left out.
pub fn default_user_net() -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::new(10, 0, 2, 0), 24).unwrap_or_else(|_| unreachable!("a valid prefix"))
}

/// How the guests of a `socket` network are connected (qemu(1), `-netdev socket`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketNetwork {
    /// The first guest listens (`listen=[address]:port`), the others connect to it.
    Listen { address: Option<Ipv4Addr>, port: u16 },
    /// Every guest joins a multicast group: a LAN of guests, nothing on the host.
    Mcast {
        group: SocketAddrV4,
        local_address: Option<Ipv4Addr>,
    },
    /// Two guests, one UDP tunnel: each sends to the other's endpoint.
    Udp { endpoints: [SocketAddrV4; 2] },
}

/// One guest's end of a `socket` network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SocketEnd {
    /// `listen=[address]:port`.
    Listen { address: Option<Ipv4Addr>, port: u16 },
    /// `connect=address:port`.
    Connect { to: SocketAddrV4 },
    /// `mcast=group:port[,localaddr=address]`.
    Mcast {
        group: SocketAddrV4,
        local_address: Option<Ipv4Addr>,
    },
    /// `udp=remote,localaddr=local`.
    Udp { local: SocketAddrV4, remote: SocketAddrV4 },
}

impl SocketEnd {
    /// The `-netdev socket` options after `socket,id=…`.
    pub fn options(&self) -> String {
        match self {
            Self::Listen { address, port } => {
                format!("listen={}:{port}", address.map(|a| a.to_string()).unwrap_or_default())
            }
            Self::Connect { to } => format!("connect={to}"),
            Self::Mcast {
                group,
                local_address: Some(local),
            } => format!("mcast={group},localaddr={local}"),
            Self::Mcast { group, .. } => format!("mcast={group}"),
            Self::Udp { local, remote } => format!("udp={remote},localaddr={local}"),
        }
    }
}

impl SocketNetwork {
    /// The end of the `index`-th guest; `None` past the second guest of a UDP tunnel.
    pub fn end(&self, index: usize) -> Option<SocketEnd> {
        match self {
            Self::Listen { address, port } if index == 0 => Some(SocketEnd::Listen {
                address: *address,
                port: *port,
            }),
            Self::Listen { address, port } => Some(SocketEnd::Connect {
                to: SocketAddrV4::new(address.unwrap_or(Ipv4Addr::LOCALHOST), *port),
            }),
            Self::Mcast { group, local_address } => Some(SocketEnd::Mcast {
                group: *group,
                local_address: *local_address,
            }),
            Self::Udp { endpoints } => match index {
                0 => Some(SocketEnd::Udp {
                    local: endpoints[0],
                    remote: endpoints[1],
                }),
                1 => Some(SocketEnd::Udp {
                    local: endpoints[1],
                    remote: endpoints[0],
                }),
                _ => None,
            },
        }
    }

    /// A name for the network (what validation calls it).
    pub fn label(&self) -> String {
        match self {
            Self::Listen { address, port } => {
                format!("socket {}:{port}", address.map(|a| a.to_string()).unwrap_or_default())
            }
            Self::Mcast { group, .. } => format!("socket mcast {group}"),
            Self::Udp { endpoints } => format!("socket udp {}-{}", endpoints[0], endpoints[1]),
        }
    }
}

/// `[address]:port` (a listening socket), `port` alone too.
pub fn listen_address(text: &str) -> Result<(Option<Ipv4Addr>, u16), String> {
    let (address, port) = text.rsplit_once(':').unwrap_or(("", text));
    let port = match port.parse::<u16>() {
        Ok(port) if port > 0 => port,
        _ => return Err(format!("`{text}` is not `[address]:port` (a port 1–65535)")),
    };
    if address.is_empty() {
        return Ok((None, port));
    }
    let address = address
        .parse()
        .map_err(|_| format!("`{address}` in `{text}` is not an IPv4 address"))?;
    Ok((Some(address), port))
}

/// `address:port`.
pub fn endpoint(text: &str) -> Result<SocketAddrV4, String> {
    match text.parse::<SocketAddrV4>() {
        Ok(endpoint) if endpoint.port() > 0 => Ok(endpoint),
        _ => Err(format!(
            "`{text}` is not `address:port` (an IPv4 address and a port 1–65535)"
        )),
    }
}

/// The control socket of a VDE switch (`vde_switch -s PATH`): an absolute
/// path without blanks or commas (QEMU would read a comma as the next option).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct VdeSocket(String);

impl FromStr for VdeSocket {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') {
            return Err(format!(
                "`{text}` is not an absolute path (the VDE switch's `-s` socket)"
            ));
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control() || *c == ',') {
            return Err(format!(
                "`{text}` has {}: QEMU would not read it as one path",
                if bad == ',' {
                    "a `,`".to_owned()
                } else {
                    format!("the character {bad:?}")
                }
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

impl fmt::Display for VdeSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_forwards_parse_and_print_in_qemus_syntax() {
        for (text, printed) in [
            ("tcp::2222-:22", "tcp::2222-:22"),
            ("tcp:127.0.0.1:2222-:22", "tcp:127.0.0.1:2222-:22"),
            ("::8080-:80", "tcp::8080-:80"),
            ("udp::5353-10.0.2.15:53", "udp::5353-10.0.2.15:53"),
        ] {
            assert_eq!(text.parse::<HostFwd>().unwrap().to_string(), printed, "{text}");
        }
        assert_eq!(
            "tcp:2222:22".parse::<HostFwd>().unwrap_err(),
            "`tcp:2222:22` is not a port forward: no `-` between the host and the guest side"
        );
        assert_eq!(
            "tcp:2222-:22".parse::<HostFwd>().unwrap_err(),
            "`tcp:2222-:22` is not a port forward: the host side is `protocol:address:port` (the address may be empty: `tcp::2222`)"
        );
        assert_eq!(
            "sctp::1-:2".parse::<HostFwd>().unwrap_err(),
            "`sctp::1-:2` is not a port forward: unknown protocol `sctp` (tcp or udp)"
        );
        assert_eq!(
            "tcp::2222-22".parse::<HostFwd>().unwrap_err(),
            "`tcp::2222-22` is not a port forward: the guest side is `address:port` (the address may be empty: `:22`)"
        );
        assert_eq!(
            "tcp::0-:22".parse::<HostFwd>().unwrap_err(),
            "`tcp::0-:22` is not a port forward: `0` is not a port (the host port, 1–65535)"
        );
        assert_eq!(
            "tcp:localhost:1-:2".parse::<HostFwd>().unwrap_err(),
            "`tcp:localhost:1-:2` is not a port forward: `localhost` is not an IPv4 address (host address)"
        );
        assert_eq!(
            "tcp::1-:2,guestfwd=x".parse::<HostFwd>().unwrap_err(),
            "`tcp::1-:2,guestfwd=x` is not a port forward: `2,guestfwd=x` is not a port (the guest port, 1–65535)"
        );
        // Parsed whole: nothing else rides along into `-netdev user,…`.
        for bad in [
            "tcp::2222-:22,guestfwd=tcp:10.0.2.100:1-cmd:id",
            "tcp::2222-:22,restrict=off",
            "tcp::2222-:22 ",
        ] {
            assert!(bad.parse::<HostFwd>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn socket_ends() {
        let listen = SocketNetwork::Listen {
            address: None,
            port: 1234,
        };
        assert_eq!(listen.end(0).unwrap().options(), "listen=:1234");
        assert_eq!(listen.end(2).unwrap().options(), "connect=127.0.0.1:1234");
        let mcast = SocketNetwork::Mcast {
            group: endpoint("230.0.0.1:1234").unwrap(),
            local_address: Some(Ipv4Addr::LOCALHOST),
        };
        assert_eq!(
            mcast.end(5).unwrap().options(),
            "mcast=230.0.0.1:1234,localaddr=127.0.0.1"
        );
        let udp = SocketNetwork::Udp {
            endpoints: [endpoint("127.0.0.1:5001").unwrap(), endpoint("127.0.0.1:5002").unwrap()],
        };
        assert_eq!(
            udp.end(0).unwrap().options(),
            "udp=127.0.0.1:5002,localaddr=127.0.0.1:5001"
        );
        assert_eq!(
            udp.end(1).unwrap().options(),
            "udp=127.0.0.1:5001,localaddr=127.0.0.1:5002"
        );
        assert_eq!(udp.end(2), None);
        assert_eq!(listen_address("127.0.0.1:80").unwrap(), (Some(Ipv4Addr::LOCALHOST), 80));
        assert_eq!(listen_address("80").unwrap(), (None, 80));
        assert_eq!(
            listen_address("x:80").unwrap_err(),
            "`x` in `x:80` is not an IPv4 address"
        );
        assert_eq!(
            endpoint("230.0.0.1").unwrap_err(),
            "`230.0.0.1` is not `address:port` (an IPv4 address and a port 1–65535)"
        );
    }

    #[test]
    fn vde_sockets() {
        assert_eq!("/run/vde.ctl".parse::<VdeSocket>().unwrap().to_string(), "/run/vde.ctl");
        assert_eq!(
            "vde.ctl".parse::<VdeSocket>().unwrap_err(),
            "`vde.ctl` is not an absolute path (the VDE switch's `-s` socket)"
        );
        assert_eq!(
            "/run/a,b".parse::<VdeSocket>().unwrap_err(),
            "`/run/a,b` has a `,`: QEMU would not read it as one path"
        );
    }
}
