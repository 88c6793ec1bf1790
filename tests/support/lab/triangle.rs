//! The smallest NAT setup, for the firewall tests that need one packet path
//! rather than the whole lab.

use crate::support::sandbox::Netns;

/// The smallest NAT setup: a host with `br0` (172.16.1.1/24) and one guest
/// on it (172.16.1.2, default route via the host), and an "internet"
/// (203.0.113.1) behind the host's `wlan0` (203.0.113.2); forwarding on, no
/// firewall rules yet (the test loads the rendered ones).
pub struct NatTriangle {
    pub host: Netns,
    pub guest: Netns,
    pub internet: Netns,
}

impl NatTriangle {
    pub fn new() -> Self {
        let host = Netns::new();
        let guest = Netns::new();
        let internet = Netns::new();
        host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
        host.ip_ok(&["addr", "add", "172.16.1.1/24", "dev", "br0"]);
        host.ip_ok(&["link", "set", "br0", "up"]);
        host.veth("vnet0", &guest, "eth0");
        host.ip_ok(&["link", "set", "vnet0", "master", "br0", "up"]);
        guest.ip_ok(&["addr", "add", "172.16.1.2/24", "dev", "eth0"]);
        guest.ip_ok(&["link", "set", "eth0", "up"]);
        guest.ip_ok(&["route", "add", "default", "via", "172.16.1.1"]);
        host.veth("wlan0", &internet, "eth0");
        host.ip_ok(&["addr", "add", "203.0.113.2/24", "dev", "wlan0"]);
        host.ip_ok(&["link", "set", "wlan0", "up"]);
        internet.ip_ok(&["addr", "add", "203.0.113.1/24", "dev", "eth0"]);
        internet.ip_ok(&["link", "set", "eth0", "up"]);
        host.exec_ok(&["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
        Self { host, guest, internet }
    }
}
