//! Builders for the backends' unit tests: model items and facts in one line,
//! the same for every backend, plus the models several backends render.

use hostnet_engine::change::TaskId;
use hostnet_engine::facts::{Distro, Facts, Init};
use hostnet_engine::model::{AddressConfig, Bridge, HostModel, Interface, Origin, Route, Tap, Written};
use hostnet_engine::source::{Pos, Source};
use hostnet_engine::types::{AccountName, Centiseconds, InterfaceName, MacAddr};
use hostnet_engine::value::At;
use ipnet::IpNet;

pub(crate) fn pos() -> Pos {
    Pos::new(&Source::new("site.yml", ""), 1, 1)
}

pub(crate) fn at<T>(value: T) -> At<T> {
    At { value, pos: pos() }
}

pub(crate) fn origin(task: usize) -> Origin {
    Origin {
        task: TaskId(task),
        pos: pos(),
    }
}

pub(crate) fn name(text: &str) -> InterfaceName {
    text.parse().unwrap()
}

pub(crate) fn net(text: &str) -> IpNet {
    text.parse().unwrap()
}

pub(crate) fn mac(text: &str) -> MacAddr {
    text.parse().unwrap()
}

pub(crate) fn account(text: &str) -> At<AccountName> {
    at(text.parse().unwrap())
}

/// Static addresses.
pub(crate) fn addresses(list: &[&str]) -> AddressConfig {
    AddressConfig::Static(list.iter().map(|address| net(address)).collect())
}

pub(crate) fn route(to: Option<&str>, via: &str, metric: Option<u32>) -> Route {
    Route {
        to: to.map(net),
        via: via.parse().unwrap(),
        metric,
    }
}

pub(crate) fn interface(task: usize, interface: &str, address: AddressConfig) -> Interface {
    Interface {
        name: name(interface),
        address,
        mac: None,
        mtu: None,
        routes: Vec::new(),
        link_routes: Vec::new(),
        dns: Vec::new(),
        wireless: false,
        written: Written::default(),
        origin: origin(task),
    }
}

/// A bridge with STP off and the kernel's default timers.
pub(crate) fn bridge(task: usize, bridge: &str, ports: &[&str], address: AddressConfig) -> Bridge {
    Bridge {
        name: name(bridge),
        ports: ports.iter().map(|port| at(name(port))).collect(),
        address,
        address_pos: pos(),
        mac: None,
        mtu: None,
        stp: false,
        forward_delay: None,
        hello_time: None,
        max_age: None,
        priority: None,
        gateway: None,
        dns: Vec::new(),
        written: Written::default(),
        origin: origin(task),
    }
}

/// A TAP without an owner.
pub(crate) fn tap(task: usize, tap: &str) -> Tap {
    Tap {
        name: name(tap),
        user: None,
        group: None,
        mac: None,
        multi_queue: false,
        vnet_hdr: false,
        written: Written::default(),
        origin: origin(task),
    }
}

/// A TAP owned by `qemu:kvm`.
pub(crate) fn qemu_tap(task: usize, name: &str) -> Tap {
    Tap {
        user: Some(account("qemu")),
        group: Some(account("kvm")),
        ..tap(task, name)
    }
}

/// Facts for a distro with its usual init system (OpenRC on Gentoo).
pub(crate) fn facts(distro: Distro) -> Facts {
    Facts {
        distro,
        init: if distro == Distro::Gentoo {
            Init::Openrc
        } else {
            Init::Systemd
        },
        interfaces: Vec::new(),
        users: None,
        groups: None,
        tools: Vec::new(),
        ufw_enabled: false,
        services: Vec::new(),
        networkmanager_version: None,
        br_netfilter: false,
        netplan: Vec::new(),
        user_ids: std::collections::BTreeMap::new(),
        group_ids: std::collections::BTreeMap::new(),
        machine_id: None,
    }
}

/// Scenario 1: `eth0` and `tap0` (qemu:kvm) in `br0`, `br0` by DHCP, STP on,
/// forward delay 2 s, hello time 1 s.
pub(crate) fn scenario_bridged() -> HostModel {
    let mut bridge = bridge(1, "br0", &["eth0", "tap0"], AddressConfig::Dhcp);
    bridge.stp = true;
    bridge.forward_delay = Some(at(Centiseconds(200)));
    bridge.hello_time = Some(at(Centiseconds(100)));
    HostModel {
        interfaces: vec![interface(2, "eth0", AddressConfig::None)],
        bridges: vec![bridge],
        taps: vec![qemu_tap(0, "tap0")],
        ..HostModel::default()
    }
}

/// Scenario 3: a standalone `tap1` (qemu:kvm) with 172.16.2.1/24.
pub(crate) fn scenario_host_only() -> HostModel {
    HostModel {
        interfaces: vec![interface(1, "tap1", addresses(&["172.16.2.1/24"]))],
        taps: vec![qemu_tap(0, "tap1")],
        ..HostModel::default()
    }
}

/// A private bridge `br0` with 172.16.1.1/24 and `tap0`..`tap2` (qemu:kvm),
/// STP off, forward delay 0.
pub(crate) fn scenario_private() -> HostModel {
    let mut bridge = bridge(3, "br0", &["tap0", "tap1", "tap2"], addresses(&["172.16.1.1/24"]));
    bridge.forward_delay = Some(at(Centiseconds(0)));
    HostModel {
        bridges: vec![bridge],
        taps: vec![qemu_tap(0, "tap0"), qemu_tap(1, "tap1"), qemu_tap(2, "tap2")],
        ..HostModel::default()
    }
}
