//! The host's live network state, as the kernel reports it: every link
//! (kind, master, MAC, MTU, up), bridge attributes, TAP owners and flags,
//! static global addresses, routes (through a gateway, and on a link where
//! something but the kernel added them), and the values of the kernel
//! parameters hostnet manages. Parsed from `ip -j -d link show`,
//! `ip -j addr show` and `ip -j route show` (both families); pure, so it is
//! tested on captured output.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::Value;

use crate::types::{Centiseconds, MacAddr};

/// Links by name, and kernel parameters by key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LiveState {
    /// Every link.
    pub links: BTreeMap<String, Link>,
    /// Routes through a gateway, and routes on a link that are not the
    /// kernel's own (a subnet's route comes with its address).
    pub routes: Vec<LiveRoute>,
    /// Values of the kernel parameters asked about (`net.ipv4.ip_forward` → `1`).
    pub sysctls: BTreeMap<String, String>,
}

/// A route through a gateway, or on a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveRoute {
    /// Destination (`None`: default route).
    pub to: Option<IpNet>,
    /// Gateway (`None`: on the link).
    pub via: Option<IpAddr>,
    /// Device.
    pub dev: String,
    /// Metric, when set.
    pub metric: Option<u32>,
}

/// One link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The kernel's index (unchanged while the device lives).
    pub ifindex: u32,
    /// What it is.
    pub kind: LinkKind,
    /// The bridge it is a port of.
    pub master: Option<String>,
    /// Its MAC.
    pub mac: Option<MacAddr>,
    /// Its MTU.
    pub mtu: u32,
    /// Administratively up?
    pub up: bool,
    /// Static global-scope addresses (link-local ones come and go with the
    /// link; dynamic ones belong to a DHCP client or SLAAC).
    pub addresses: Vec<IpNet>,
    /// Dynamic global-scope addresses (DHCP, SLAAC).
    pub dynamic: Vec<IpNet>,
}

/// The kind of a link, with the attributes hostnet manages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkKind {
    /// A Linux bridge.
    Bridge(BridgeAttributes),
    /// A TAP device.
    Tap(TapAttributes),
    /// Anything else (`veth`, a NIC, …), by `info_kind` when there is one.
    Other { name: String },
}

/// Bridge attributes, in the kernel's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BridgeAttributes {
    /// Spanning tree on?
    pub stp: bool,
    /// Forward delay.
    pub forward_delay: Centiseconds,
    /// Hello time.
    pub hello_time: Centiseconds,
    /// Max age.
    pub max_age: Centiseconds,
    /// Priority.
    pub priority: u16,
}

/// A TAP's owner and flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TapAttributes {
    /// Owning user (name, or uid when the host has no name for it).
    pub user: Option<String>,
    /// Owning group.
    pub group: Option<String>,
    /// `multi_queue`.
    pub multi_queue: bool,
    /// `vnet_hdr`.
    pub vnet_hdr: bool,
}

impl LiveState {
    /// Parse `ip -j -d link show`, `ip -j addr show` and `ip -j route show`
    /// output (`routes`: one JSON array per family).
    pub fn parse(links: &str, addresses: &str, routes: &[&str]) -> Result<Self, String> {
        let links: Value = serde_json::from_str(links).map_err(|error| format!("`ip -j -d link show`: {error}"))?;
        let addresses: Value =
            serde_json::from_str(addresses).map_err(|error| format!("`ip -j addr show`: {error}"))?;
        let mut state = Self::default();
        for link in links.as_array().into_iter().flatten() {
            let Some(name) = link["ifname"].as_str() else {
                continue;
            };
            state.links.insert(name.to_owned(), parse_link(link));
        }
        for entry in addresses.as_array().into_iter().flatten() {
            let Some(link) = entry["ifname"].as_str().and_then(|name| state.links.get_mut(name)) else {
                continue;
            };
            for info in entry["addr_info"].as_array().into_iter().flatten() {
                if info["scope"].as_str() != Some("global") {
                    continue;
                }
                let (Some(local), Some(prefix)) = (info["local"].as_str(), info["prefixlen"].as_u64()) else {
                    continue;
                };
                if let Ok(net) = format!("{local}/{prefix}").parse::<IpNet>() {
                    if info["dynamic"].as_bool() == Some(true) {
                        link.dynamic.push(net);
                    } else {
                        link.addresses.push(net);
                    }
                }
            }
        }
        for text in routes {
            let routes: Value = serde_json::from_str(text).map_err(|error| format!("`ip -j route show`: {error}"))?;
            for route in routes.as_array().into_iter().flatten() {
                let Some(dev) = route["dev"].as_str() else {
                    continue;
                };
                let via: Option<IpAddr> = route["gateway"].as_str().and_then(|via| via.parse().ok());
                // Without a gateway: a unicast route someone added, not the
                // kernel's route of an address's subnet.
                let unicast = route["type"].as_str().is_none_or(|kind| kind == "unicast");
                if via.is_none() && (route["protocol"].as_str() == Some("kernel") || !unicast) {
                    continue;
                }
                let to = match route["dst"].as_str() {
                    Some("default") | None => None,
                    Some(dst) => match dst.parse::<IpNet>() {
                        Ok(net) => Some(net),
                        Err(_) => match dst.parse::<IpAddr>() {
                            Ok(address) => Some(IpNet::from(address)),
                            Err(_) => continue,
                        },
                    },
                };
                state.routes.push(LiveRoute {
                    to,
                    via,
                    dev: dev.to_owned(),
                    metric: route["metric"].as_u64().and_then(|metric| u32::try_from(metric).ok()),
                });
            }
        }
        Ok(state)
    }

    /// The link with this name.
    pub fn link(&self, name: &str) -> Option<&Link> {
        self.links.get(name)
    }
}

fn parse_link(link: &Value) -> Link {
    let info = &link["linkinfo"];
    let data = &info["info_data"];
    let kind = match info["info_kind"].as_str() {
        Some("bridge") => LinkKind::Bridge(BridgeAttributes {
            stp: data["stp_state"].as_u64().unwrap_or(0) != 0,
            forward_delay: centiseconds(&data["forward_delay"]),
            hello_time: centiseconds(&data["hello_time"]),
            max_age: centiseconds(&data["max_age"]),
            priority: data["priority"]
                .as_u64()
                .and_then(|priority| u16::try_from(priority).ok())
                .unwrap_or(32_768),
        }),
        Some("tun") if data["type"].as_str() == Some("tap") => LinkKind::Tap(TapAttributes {
            user: owner(&data["user"]),
            group: owner(&data["group"]),
            multi_queue: data["multi_queue"].as_bool().unwrap_or(false),
            vnet_hdr: data["vnet_hdr"].as_bool().unwrap_or(false),
        }),
        other => LinkKind::Other {
            name: other.unwrap_or("").to_owned(),
        },
    };
    let up = link["flags"]
        .as_array()
        .is_some_and(|flags| flags.iter().any(|flag| flag.as_str() == Some("UP")));
    Link {
        ifindex: link["ifindex"]
            .as_u64()
            .and_then(|index| u32::try_from(index).ok())
            .unwrap_or(0),
        kind,
        master: link["master"].as_str().map(str::to_owned),
        mac: link["address"].as_str().and_then(|mac| mac.parse().ok()),
        mtu: link["mtu"]
            .as_u64()
            .and_then(|mtu| u32::try_from(mtu).ok())
            .unwrap_or(0),
        up,
        addresses: Vec::new(),
        dynamic: Vec::new(),
    }
}

fn centiseconds(value: &Value) -> Centiseconds {
    Centiseconds(value.as_u64().and_then(|value| u32::try_from(value).ok()).unwrap_or(0))
}

/// `ip` prints an owner's name, or its number when the host has no name for it.
fn owner(value: &Value) -> Option<String> {
    match value {
        Value::String(name) => Some(name.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from iproute2 6.1 in a namespace with `br0` (STP off, forward
    /// delay 0), `tap0` (owner nobody:nogroup, multi_queue, port of br0) and
    /// a veth.
    const LINKS: &str = r#"[
      {"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536,"link_type":"loopback","address":"00:00:00:00:00:00"},
      {"ifindex":2,"ifname":"br0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"mtu":1500,"address":"ae:89:7d:89:0b:fd",
       "linkinfo":{"info_kind":"bridge","info_data":{"forward_delay":0,"hello_time":200,"max_age":2000,"ageing_time":30000,"stp_state":0,"priority":32768}}},
      {"ifindex":3,"ifname":"tap0","flags":["BROADCAST","MULTICAST"],"mtu":1500,"master":"br0","address":"ae:89:7d:89:0b:fd",
       "linkinfo":{"info_kind":"tun","info_data":{"type":"tap","pi":false,"vnet_hdr":false,"multi_queue":true,"persist":true,"user":"nobody","group":"nogroup"},"info_slave_kind":"bridge"}},
      {"ifindex":4,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"address":"52:54:00:12:34:56","linkinfo":{"info_kind":"veth"}},
      {"ifindex":5,"ifname":"tun7","flags":["POINTOPOINT"],"mtu":1500,"linkinfo":{"info_kind":"tun","info_data":{"type":"tun","user":1001}}}
    ]"#;

    const ADDRESSES: &str = r#"[
      {"ifindex":2,"ifname":"br0","addr_info":[
        {"family":"inet","local":"172.16.1.1","prefixlen":24,"scope":"global"},
        {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link"}]},
      {"ifindex":4,"ifname":"eth0","addr_info":[{"family":"inet6","local":"2001:db8::5","prefixlen":64,"scope":"global"},
        {"family":"inet","local":"192.0.2.77","prefixlen":24,"scope":"global","dynamic":true,"valid_life_time":3500}]}
    ]"#;

    /// Captured `ip -j route show`: a default route, a kernel route, a route
    /// with a metric, a host route on a link (`ip route add … dev br0`), and
    /// a blackhole.
    const ROUTES: &str = r#"[{"dst":"default","gateway":"192.0.2.1","dev":"eth0","flags":["linkdown"]},
      {"dst":"192.0.2.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.0.2.5"},
      {"dst":"198.51.100.0/24","gateway":"192.0.2.254","dev":"eth0","metric":10},
      {"dst":"192.0.2.50","dev":"br0","protocol":"boot","scope":"link","flags":[]},
      {"type":"blackhole","dst":"203.0.113.0/24","dev":"lo","protocol":"boot","flags":[]}]"#;

    #[test]
    fn links_bridges_taps_and_addresses() {
        let state = LiveState::parse(LINKS, ADDRESSES, &[ROUTES, "[]"]).unwrap();
        assert_eq!(state.links.len(), 5);
        let br0 = state.link("br0").unwrap();
        assert_eq!(
            br0.kind,
            LinkKind::Bridge(BridgeAttributes {
                stp: false,
                forward_delay: Centiseconds(0),
                hello_time: Centiseconds(200),
                max_age: Centiseconds(2000),
                priority: 32_768,
            })
        );
        assert!(br0.up);
        assert_eq!(br0.addresses, vec!["172.16.1.1/24".parse::<IpNet>().unwrap()]);
        let tap0 = state.link("tap0").unwrap();
        assert_eq!(tap0.ifindex, 3);
        assert_eq!(tap0.master.as_deref(), Some("br0"));
        assert!(!tap0.up);
        assert_eq!(
            tap0.kind,
            LinkKind::Tap(TapAttributes {
                user: Some("nobody".into()),
                group: Some("nogroup".into()),
                multi_queue: true,
                vnet_hdr: false,
            })
        );
        assert_eq!(
            state.link("eth0").unwrap().kind,
            LinkKind::Other { name: "veth".into() }
        );
        assert_eq!(
            state.link("eth0").unwrap().addresses,
            vec!["2001:db8::5/64".parse::<IpNet>().unwrap()]
        );
        assert_eq!(
            state.link("eth0").unwrap().dynamic,
            vec!["192.0.2.77/24".parse::<IpNet>().unwrap()]
        );
        assert_eq!(
            state.routes,
            [
                LiveRoute {
                    to: None,
                    via: Some("192.0.2.1".parse().unwrap()),
                    dev: "eth0".into(),
                    metric: None
                },
                LiveRoute {
                    to: Some("198.51.100.0/24".parse().unwrap()),
                    via: Some("192.0.2.254".parse().unwrap()),
                    dev: "eth0".into(),
                    metric: Some(10)
                },
                LiveRoute {
                    to: Some("192.0.2.50/32".parse().unwrap()),
                    via: None,
                    dev: "br0".into(),
                    metric: None
                },
            ]
        );
        // A `tun` (not a `tap`) is not a TAP.
        assert_eq!(state.link("tun7").unwrap().kind, LinkKind::Other { name: "tun".into() });
        assert_eq!(state.link("lo").unwrap().kind, LinkKind::Other { name: String::new() });
    }

    #[test]
    fn bad_output_is_an_error_naming_the_command() {
        assert!(
            LiveState::parse("not json", "[]", &[])
                .unwrap_err()
                .starts_with("`ip -j -d link show`: ")
        );
        assert!(
            LiveState::parse("[]", "{", &[])
                .unwrap_err()
                .starts_with("`ip -j addr show`: ")
        );
        assert!(
            LiveState::parse("[]", "[]", &["x"])
                .unwrap_err()
                .starts_with("`ip -j route show`: ")
        );
    }
}
