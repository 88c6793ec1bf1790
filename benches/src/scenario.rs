//! The benchmark scenario (../shared/scenarios.md §2 at scale): uplink
//! `eth0`, private bridges with N TAPs owned by `qemu`, one fixed lease per
//! VM, forwarding and masquerade, as one `vm_network` task per bridge.
//!
//! A Linux bridge holds at most 1,023 ports, so the VMs are spread over one
//! bridge per [`PER_BRIDGE`] VMs, each with its own /16, DHCP server and
//! masquerade. Up to 250 VMs the one bridge gets a /24, as in the Ansible
//! anchor (../shared/bench/ansible-anchor/gen_vars.py), whose MACs and
//! addresses are the same: VM i has MAC `52:54:00:` + i in three bytes, and
//! the j-th VM of its bridge the address `(1 + j / 250).(2 + j % 250)` in
//! the bridge's subnet.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// VMs per bridge when the scenario needs more than one.
pub const PER_BRIDGE: usize = 1000;

/// The sizes the benchmarks run at.
pub const SIZES: [usize; 5] = [1, 10, 100, 1_000, 10_000];

/// The scenario for `vms` VMs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// How many VMs (and TAPs, and fixed leases).
    pub vms: usize,
}

/// One bridge of the scenario and its VMs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// Its number (`br0`, `br1`, …).
    pub index: usize,
    /// The first VM on it (a global VM number).
    pub first: usize,
    /// How many VMs are on it.
    pub count: usize,
    /// Its subnet's network address.
    pub network: Ipv4Addr,
    /// Its prefix length (24 or 16).
    pub prefix: u8,
}

/// One VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vm {
    /// `vmI`.
    pub name: String,
    /// `tapI`.
    pub tap: String,
    /// `52:54:00:…`.
    pub mac: String,
    /// Its fixed lease.
    pub ip: Ipv4Addr,
}

impl Scenario {
    /// The scenario with `vms` VMs.
    pub fn new(vms: usize) -> Self {
        Self { vms }
    }

    /// The bridges, in order.
    pub fn networks(&self) -> Vec<Network> {
        let count = self.vms.div_ceil(PER_BRIDGE).max(1);
        (0..count)
            .map(|index| {
                let first = index * PER_BRIDGE;
                let small = self.vms <= 250;
                let second = 16 + u8::try_from(index).unwrap_or(u8::MAX);
                Network {
                    index,
                    first,
                    count: self.vms.saturating_sub(first).min(PER_BRIDGE),
                    network: if small {
                        Ipv4Addr::new(172, 16, 1, 0)
                    } else {
                        Ipv4Addr::new(172, second, 0, 0)
                    },
                    prefix: if small { 24 } else { 16 },
                }
            })
            .collect()
    }

    /// The playbook: the VMs in one variable per bridge, one `vm_network`
    /// task per bridge.
    pub fn playbook(&self) -> String {
        let networks = self.networks();
        let mut text = format!(
            "# The benchmark scenario with {} VMs (benches/src/scenario.rs).\n\
             - name: Guests behind NAT\n  hosts: localhost\n  vars:\n",
            self.vms
        );
        for network in &networks {
            let _ = writeln!(text, "    vms{}:", network.index);
            for vm in network.vms() {
                let _ = writeln!(
                    text,
                    "      - {{ name: {}, tap: {}, mac: \"{}\", ip: {} }}",
                    vm.name, vm.tap, vm.mac, vm.ip
                );
            }
        }
        text.push_str("  tasks:\n");
        for network in &networks {
            let index = network.index;
            let _ = write!(
                text,
                "    - name: Private network {index}\n      vm_network:\n        mode: nat\n        \
                 bridge: {}\n        uplink: eth0\n        subnet: {}\n        tap_user: qemu\n        \
                 vms: \"{{{{ vms{index} }}}}\"\n",
                network.bridge(),
                network.subnet()
            );
        }
        text
    }

    /// The bridge part for `netplan generate`: the same bridges with the
    /// same ports and addresses (netplan cannot create TAPs; they are
    /// declared as ethernets by name, as a netplan user would).
    pub fn netplan(&self) -> String {
        let networks = self.networks();
        let mut text =
            String::from("network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      dhcp4: true\n");
        for vm in networks.iter().flat_map(Network::vms) {
            let _ = writeln!(text, "    {}: {{}}", vm.tap);
        }
        text.push_str("  bridges:\n");
        for network in &networks {
            let taps: Vec<String> = network.vms().map(|vm| vm.tap).collect();
            let _ = write!(
                text,
                "    {}:\n      interfaces: [{}]\n      addresses: [{}]\n      parameters:\n        stp: false\n        forward-delay: 0\n",
                network.bridge(),
                taps.join(", "),
                network.host()
            );
        }
        text
    }

    /// The bridge part for `nmstatectl gc`: the bridges with their ports
    /// (nmstate cannot describe TAPs; the ports become ethernet profiles).
    pub fn nmstate(&self) -> String {
        let mut text = String::from("interfaces:\n");
        for network in self.networks() {
            let _ = write!(
                text,
                "- name: {}\n  type: linux-bridge\n  state: up\n  ipv4:\n    enabled: true\n    address:\n    \
                 - ip: {}\n      prefix-length: {}\n  bridge:\n    options:\n      stp:\n        enabled: false\n    port:\n",
                network.bridge(),
                network.gateway(),
                network.prefix
            );
            for vm in network.vms() {
                let _ = writeln!(text, "    - name: {}", vm.tap);
            }
        }
        text
    }
}

impl Network {
    /// `brI`.
    pub fn bridge(&self) -> String {
        format!("br{}", self.index)
    }

    /// `172.16.0.0/16`.
    pub fn subnet(&self) -> String {
        format!("{}/{}", self.network, self.prefix)
    }

    /// The host's address on the bridge: the subnet's first host.
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) + 1)
    }

    /// `172.16.0.1/16`.
    pub fn host(&self) -> String {
        format!("{}/{}", self.gateway(), self.prefix)
    }

    /// Its VMs, in order.
    pub fn vms(&self) -> impl Iterator<Item = Vm> + '_ {
        (0..self.count).map(move |j| {
            let i = self.first + j;
            let octets = self.network.octets();
            let third = if self.prefix == 24 {
                octets[2]
            } else {
                1 + u8::try_from(j / 250).unwrap_or(u8::MAX)
            };
            let fourth = 2 + u8::try_from(j % 250).unwrap_or(0);
            Vm {
                name: format!("vm{i}"),
                tap: format!("tap{i}"),
                mac: format!(
                    "52:54:00:{:02x}:{:02x}:{:02x}",
                    (i >> 16) & 0xff,
                    (i >> 8) & 0xff,
                    i & 0xff
                ),
                ip: Ipv4Addr::new(octets[0], octets[1], third, fourth),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bridge_per_thousand_vms() {
        let networks = Scenario::new(2_500).networks();
        let shape: Vec<(String, usize, usize, String)> = networks
            .iter()
            .map(|n| (n.bridge(), n.first, n.count, n.subnet()))
            .collect();
        assert_eq!(
            shape,
            [
                ("br0".into(), 0, 1000, "172.16.0.0/16".into()),
                ("br1".into(), 1000, 1000, "172.17.0.0/16".into()),
                ("br2".into(), 2000, 500, "172.18.0.0/16".into()),
            ]
        );
        assert_eq!(Scenario::new(10_000).networks().len(), 10);
        assert_eq!(Scenario::new(10_000).networks()[9].subnet(), "172.25.0.0/16");
        let last = networks[2].vms().last().unwrap();
        assert_eq!(
            last,
            Vm {
                name: "vm2499".into(),
                tap: "tap2499".into(),
                mac: "52:54:00:00:09:c3".into(),
                ip: Ipv4Addr::new(172, 18, 2, 251),
            }
        );
    }

    #[test]
    fn small_scenarios_use_the_anchors_slash_24() {
        let networks = Scenario::new(10).networks();
        assert_eq!(networks.len(), 1);
        assert_eq!(networks[0].subnet(), "172.16.1.0/24");
        assert_eq!(networks[0].host(), "172.16.1.1/24");
        let ips: Vec<String> = networks[0].vms().map(|vm| vm.ip.to_string()).collect();
        assert_eq!(ips[0], "172.16.1.2");
        assert_eq!(ips[9], "172.16.1.11");
    }

    #[test]
    fn playbook_text() {
        assert_eq!(
            Scenario::new(2).playbook(),
            "# The benchmark scenario with 2 VMs (benches/src/scenario.rs).
- name: Guests behind NAT
  hosts: localhost
  vars:
    vms0:
      - { name: vm0, tap: tap0, mac: \"52:54:00:00:00:00\", ip: 172.16.1.2 }
      - { name: vm1, tap: tap1, mac: \"52:54:00:00:00:01\", ip: 172.16.1.3 }
  tasks:
    - name: Private network 0
      vm_network:
        mode: nat
        bridge: br0
        uplink: eth0
        subnet: 172.16.1.0/24
        tap_user: qemu
        vms: \"{{ vms0 }}\"
"
        );
    }

    #[test]
    fn netplan_and_nmstate_text() {
        assert_eq!(
            Scenario::new(2).netplan(),
            "network:
  version: 2
  renderer: networkd
  ethernets:
    eth0:
      dhcp4: true
    tap0: {}
    tap1: {}
  bridges:
    br0:
      interfaces: [tap0, tap1]
      addresses: [172.16.1.1/24]
      parameters:
        stp: false
        forward-delay: 0
"
        );
        assert_eq!(
            Scenario::new(1).nmstate(),
            "interfaces:
- name: br0
  type: linux-bridge
  state: up
  ipv4:
    enabled: true
    address:
    - ip: 172.16.1.1
      prefix-length: 24
  bridge:
    options:
      stp:
        enabled: false
    port:
    - name: tap0
"
        );
    }
}
