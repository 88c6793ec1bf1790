//! `hostnet qemu`: every netdev type the guides list (`tap`, `bridge`,
//! `user`, `socket` listen/connect/mcast/udp, `vde`, `hubport`), `vhost=on`,
//! a VM in several networks with one NIC per network (ids `net0`, `net1`,
//! …; each its own MAC), `--format args|libvirt|--json`, and what each mode
//! refuses in a VM. Every expected argument string is pinned whole.

use crate::support::{hostnet, stderr, stdout, write};
use hostnet_engine::model::vm::generated_mac;

/// A router on four networks, an app on four, a db on two.
const NETWORKS: &str = "\
- hosts: localhost
  tasks:
    - name: The router's side of a NAT network
      vm_network:
        mode: nat
        subnet: 172.16.5.0/24
        vms: [{ name: router, ip: 172.16.5.2, mac: \"52:54:00:05:00:02\", vhost: true }]
    - name: A LAN of guests, nothing on the host
      vm_network:
        mode: socket
        socket: { mcast: 230.0.0.1:1234 }
        vms: [{ name: router, mac: \"52:54:00:05:01:02\" }, { name: app }]
    - name: A TCP link from app to db
      vm_network:
        mode: socket
        socket: { listen: \"127.0.0.1:5000\" }
        vms: [{ name: app }, { name: db, model: e1000 }]
    - name: A UDP tunnel from db to the router
      vm_network:
        mode: socket
        socket: { udp: [\"127.0.0.1:5001\", \"127.0.0.1:5002\"] }
        vms: [{ name: db }, { name: router }]
    - name: A port on a VDE switch
      vm_network: { mode: vde, vde: /run/vde.ctl, vms: [{ name: router }] }
    - name: QEMU's hub inside app
      vm_network: { mode: hubport, hub: 1, vms: [{ name: app }] }
    - name: User networking with port forwards
      vm_network:
        mode: user
        subnet: 10.0.9.0/24
        dhcp: { range: [10.0.9.20, 10.0.9.40] }
        vms: [{ name: app, hostfwd: [\"tcp::2222-:22\", \"udp:127.0.0.1:5353-10.0.9.20:53\"] }]
";

/// `hostnet qemu` on `playbook` (no machine ID under the root: generated MACs
/// come from the names alone) with `args`.
fn qemu(playbook: &str, vm: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    hostnet()
        .current_dir(dir.path())
        .args(["qemu", "playbook.yml", "--vm", vm, "--distro", "debian", "--root", "."])
        .args(args)
        .output()
        .unwrap()
}

fn qemu_ok(playbook: &str, vm: &str, args: &[&str]) -> String {
    let output = qemu(playbook, vm, args);
    assert!(output.status.success(), "qemu --vm {vm}: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn every_netdev_type_one_nic_per_network() {
    // The first NIC's generated MAC comes from the name, every other one's
    // from the name and the network.
    let mac = |key: &str| generated_mac(None, key).to_string();
    assert_eq!(
        qemu_ok(NETWORKS, "router", &[]),
        format!(
            "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=on \
             -device virtio-net-pci,netdev=net0,mac=52:54:00:05:00:02 \
             -netdev socket,id=net1,mcast=230.0.0.1:1234 -device virtio-net-pci,netdev=net1,mac=52:54:00:05:01:02 \
             -netdev socket,id=net2,udp=127.0.0.1:5001,localaddr=127.0.0.1:5002 \
             -device virtio-net-pci,netdev=net2,mac={} \
             -netdev vde,id=net3,sock=/run/vde.ctl -device virtio-net-pci,netdev=net3,mac={}\n",
            mac("router@socket udp 127.0.0.1:5001-127.0.0.1:5002"),
            mac("router@vde /run/vde.ctl"),
        )
    );
    assert_eq!(
        qemu_ok(NETWORKS, "app", &[]),
        format!(
            "-netdev socket,id=net0,mcast=230.0.0.1:1234 -device virtio-net-pci,netdev=net0,mac={} \
             -netdev socket,id=net1,listen=127.0.0.1:5000 -device virtio-net-pci,netdev=net1,mac={} \
             -netdev hubport,id=net2,hubid=1 -device virtio-net-pci,netdev=net2,mac={} \
             -netdev user,id=net3,net=10.0.9.0/24,dhcpstart=10.0.9.20,hostfwd=tcp::2222-:22,\
             hostfwd=udp:127.0.0.1:5353-10.0.9.20:53,hostname=app -device virtio-net-pci,netdev=net3,mac={}\n",
            mac("app"),
            mac("app@socket 127.0.0.1:5000"),
            mac("app@hub 1"),
            mac("app@user"),
        )
    );
    // The first guest of a `listen` network listens, the others connect; a
    // UDP tunnel's two ends send to each other.
    assert_eq!(
        qemu_ok(NETWORKS, "db", &["--format", "args"]),
        format!(
            "-netdev\nsocket,id=net0,connect=127.0.0.1:5000\n-device\ne1000,netdev=net0,mac={}\n\
             -netdev\nsocket,id=net1,udp=127.0.0.1:5002,localaddr=127.0.0.1:5001\n-device\n\
             virtio-net-pci,netdev=net1,mac={}\n",
            mac("db"),
            mac("db@socket udp 127.0.0.1:5001-127.0.0.1:5002"),
        )
    );
    // A VM twice on one network is refused; on two networks it has two NICs
    // with two MACs and two leases (tests/definitions.rs).
}

/// One VM with a TAP (vhost-net), the bridge helper, user networking and
/// two sockets, for `--format libvirt`.
const LIBVIRT: &str = "\
- hosts: localhost
  tasks:
    - vm_network: { mode: nat, subnet: 172.16.6.0/24, vms: [{ name: web, ip: 172.16.6.2, mac: \"52:54:00:06:00:02\", vhost: true }] }
    - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.7.0/24, vms: [{ name: web, helper: true, model: e1000, mac: \"52:54:00:07:00:02\" }] }
    - vm_network: { mode: user, subnet: 10.0.8.0/24, vms: [{ name: web, mac: \"52:54:00:08:00:02\", model: rtl8139 }] }
    - vm_network: { mode: socket, socket: { mcast: 230.0.0.2:4321 }, vms: [{ name: web, mac: \"52:54:00:09:00:02\" }] }
    - vm_network: { mode: socket, socket: { listen: 5555 }, vms: [{ name: web, mac: \"52:54:00:0a:00:02\" }] }
";

#[test]
fn libvirt_interfaces_for_virt_manager() {
    assert_eq!(
        qemu_ok(LIBVIRT, "web", &["--format", "libvirt"]),
        "\
<interface type='ethernet'>
  <mac address='52:54:00:06:00:02'/>
  <target dev='tap0' managed='no'/>
  <model type='virtio'/>
  <driver name='vhost'/>
</interface>
<interface type='bridge'>
  <mac address='52:54:00:07:00:02'/>
  <source bridge='br1'/>
  <model type='e1000'/>
</interface>
<interface type='user'>
  <mac address='52:54:00:08:00:02'/>
  <ip family='ipv4' address='10.0.8.0' prefix='24'/>
  <model type='rtl8139'/>
</interface>
<interface type='mcast'>
  <mac address='52:54:00:09:00:02'/>
  <source address='230.0.0.2' port='4321'/>
  <model type='virtio'/>
</interface>
<interface type='server'>
  <mac address='52:54:00:0a:00:02'/>
  <source address='0.0.0.0' port='5555'/>
  <model type='virtio'/>
</interface>
"
    );
    // The same NICs as QEMU arguments, as JSON.
    let json: serde_json::Value = serde_json::from_str(&qemu_ok(LIBVIRT, "web", &["--json"])).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            "-netdev",
            "tap,id=net0,ifname=tap0,script=no,downscript=no,vhost=on",
            "-device",
            "virtio-net-pci,netdev=net0,mac=52:54:00:06:00:02",
            "-netdev",
            "bridge,id=net1,br=br1",
            "-device",
            "e1000,netdev=net1,mac=52:54:00:07:00:02",
            "-netdev",
            "user,id=net2,net=10.0.8.0/24,hostname=web",
            "-device",
            "rtl8139,netdev=net2,mac=52:54:00:08:00:02",
            "-netdev",
            "socket,id=net3,mcast=230.0.0.2:4321",
            "-device",
            "virtio-net-pci,netdev=net3,mac=52:54:00:09:00:02",
            "-netdev",
            "socket,id=net4,listen=:5555",
            "-device",
            "virtio-net-pci,netdev=net4,mac=52:54:00:0a:00:02"
        ])
    );
    // A connecting end and a UDP tunnel.
    assert_eq!(
        qemu_ok(NETWORKS, "db", &["--format", "libvirt"]),
        format!(
            "\
<interface type='client'>
  <mac address='{}'/>
  <source address='127.0.0.1' port='5000'/>
  <model type='e1000'/>
</interface>
<interface type='udp'>
  <mac address='{}'/>
  <source address='127.0.0.1' port='5002'>
    <local address='127.0.0.1' port='5001'/>
  </source>
  <model type='virtio'/>
</interface>
",
            generated_mac(None, "db"),
            generated_mac(None, "db@socket udp 127.0.0.1:5001-127.0.0.1:5002"),
        )
    );
}

#[test]
fn what_libvirt_cannot_say_is_an_error() {
    for (vm, expected) in [
        (
            "router",
            "error: VM `router`: libvirt has no VDE interface\n\n\
             hint: connect the guest with QEMU's own arguments (`hostnet qemu`), or use a bridge mode\n",
        ),
        (
            "app",
            "error: VM `app`: libvirt has no QEMU hub ports (`hubport`)\n\n\
             hint: connect the guest with QEMU's own arguments (`hostnet qemu`), or use a bridge mode\n",
        ),
    ] {
        let output = qemu(NETWORKS, vm, &["--format", "libvirt"]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(stdout(&output), "");
        assert_eq!(stderr(&output), expected);
    }
    let forwards = "- hosts: localhost\n  tasks:\n    - vm_network: { mode: user, vms: [{ name: box, hostfwd: \"tcp::2222-:22\" }] }\n";
    let output = qemu(forwards, "box", &["--format", "libvirt"]);
    assert_eq!(
        stderr(&output),
        "error: VM `box`: libvirt has no `hostfwd` for a user-mode (SLIRP) interface\n\n\
         hint: forward the ports another way (or run QEMU with `hostnet qemu`'s arguments)\n"
    );
}

/// `hostnet check` of one `vm_network` task (at line 3): exit 1, exactly `expected`.
fn refused(task: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "playbook.yml",
        &format!("- hosts: localhost\n  tasks:\n{task}"),
    );
    write(dir.path(), "facts.yml", "distro: debian\n");
    let output = hostnet()
        .current_dir(dir.path())
        .args(["check", "playbook.yml", "--facts", "facts.yml"])
        .output()
        .unwrap();
    assert_eq!(stderr(&output), expected);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn user_mode_options_are_typed() {
    refused(
        "    - vm_network: { mode: user, vms: [{ name: box, hostfwd: \"tcp:2222:22\" }] }\n",
        "\
error: `tcp:2222:22` is not a port forward: no `-` between the host and the guest side (in task `vm_network`)
 --> playbook.yml:3:61
  |
3 |     - vm_network: { mode: user, vms: [{ name: box, hostfwd: \"tcp:2222:22\" }] }
  |                                                             ^^^^^^^^^^^^^
  |
hint: a port forward is `tcp:[hostaddr]:hostport-[guestaddr]:guestport`, e.g. `tcp::2222-:22` or `tcp:127.0.0.1:2222-:22` (`udp:` for UDP)
",
    );
    refused(
        "    - vm_network:\n        mode: user\n        dhcp: { range: [192.168.7.20, 192.168.7.40] }\n        vms: [{ name: box }]\n",
        "\
error: the first address of `range`, `192.168.7.20`, is QEMU's `dhcpstart` and must be a guest address in QEMU's default user network 10.0.2.0/24 (no `subnet`) (in task `vm_network`)
 --> playbook.yml:5:24
  |
5 |         dhcp: { range: [192.168.7.20, 192.168.7.40] }
  |                        ^
  |
hint: QEMU keeps .2 (the host) and .3 (DNS) of 10.0.2.0/24; e.g. `range: [10.0.2.15, 10.0.2.99]`
",
    );
    refused(
        "    - vm_network:\n        mode: user\n        subnet: 10.0.9.0/24\n        vms: [{ name: box, hostfwd: [\"tcp::8080-10.0.8.20:80\"] }]\n",
        "\
error: the guest address `10.0.8.20` of `tcp::8080-10.0.8.20:80` is not a guest address in `subnet` 10.0.9.0/24 (in task `vm_network`)
 --> playbook.yml:6:38
  |
6 |         vms: [{ name: box, hostfwd: [\"tcp::8080-10.0.8.20:80\"] }]
  |                                      ^^^^^^^^^^^^^^^^^^^^^^^^
  |
hint: leave it out (`tcp::8080-:80`) to forward to the guest's DHCP address
",
    );
    refused(
        "    - vm_network: { mode: nat, subnet: 172.16.9.0/24, restrict: true, vms: [{ name: a }] }\n",
        "\
error: `restrict` has no meaning in `mode: nat` (in task `vm_network`)
 --> playbook.yml:3:55
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.9.0/24, restrict: true, vms: [{ name: a }] }
  |                                                       ^^^^^^^^
  |
hint: `restrict` goes with mode `user`
",
    );
    refused(
        "    - vm_network: { mode: nat, subnet: 172.16.9.0/24, vms: [{ name: a, hostfwd: \"tcp::22-:22\" }] }\n",
        "\
error: `hostfwd` has no meaning for a VM in `mode: nat` (in task `vm_network`)
 --> playbook.yml:3:72
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.9.0/24, vms: [{ name: a, hostfwd: \"tcp::22-:22\" }] }
  |                                                                        ^^^^^^^
  |
hint: `hostfwd` goes with mode `user`
",
    );
}

#[test]
fn vhost_and_sockets_are_checked() {
    refused(
        "    - vm_network: { mode: nat, subnet: 172.16.9.0/24, vms: [{ name: a, model: e1000, vhost: true }] }\n",
        "\
error: `vhost: true` needs a virtio NIC, and VM `a` has `model: e1000` (vhost-net serves virtio-net only) (in task `vm_network`)
 --> playbook.yml:3:86
  |
3 |     - vm_network: { mode: nat, subnet: 172.16.9.0/24, vms: [{ name: a, model: e1000, vhost: true }] }
  |                                                                                      ^^^^^
  |
hint: use `model: virtio-net-pci`, or leave `vhost` out
",
    );
    refused(
        "    - vm_network: { mode: user, vms: [{ name: a, vhost: true }] }\n",
        "\
error: `vhost` has no meaning for a VM in `mode: user` (in task `vm_network`)
 --> playbook.yml:3:50
  |
3 |     - vm_network: { mode: user, vms: [{ name: a, vhost: true }] }
  |                                                  ^^^^^
  |
hint: `vhost` goes with mode `bridged`, `nat`, `routed`, `host_only`, `internal` or `proxy_arp`
",
    );
    refused(
        "    - vm_network: { mode: socket, socket: { udp: [\"127.0.0.1:1\", \"127.0.0.1:2\"] }, vms: [{ name: a }] }\n",
        "\
error: a UDP socket joins two guests, and this network has 1 (in task `vm_network`)
 --> playbook.yml:3:43
  |
3 |     - vm_network: { mode: socket, socket: { udp: [\"127.0.0.1:1\", \"127.0.0.1:2\"] }, vms: [{ name: a }] }
  |                                           ^
  |
hint: use `mcast` for more guests, or one network per pair
",
    );
    refused(
        "    - vm_network: { mode: socket, socket: { mcast: \"192.0.2.1:1234\" }, vms: [{ name: a }] }\n",
        "\
error: `192.0.2.1` is not a multicast group (224.0.0.0/4) (in task `vm_network`)
 --> playbook.yml:3:52
  |
3 |     - vm_network: { mode: socket, socket: { mcast: \"192.0.2.1:1234\" }, vms: [{ name: a }] }
  |                                                    ^^^^^^^^^^^^^^^^
  |
hint: e.g. `mcast: 230.0.0.1:1234`
",
    );
    refused(
        "    - vm_network: { mode: vde, vms: [{ name: a }] }\n",
        "\
error: missing required key `vde` in `vm_network` with `mode: vde` (in task `vm_network`)
 --> playbook.yml:3:19
  |
3 |     - vm_network: { mode: vde, vms: [{ name: a }] }
  |                   ^
",
    );
}

/// The `socket` network's shapes and `vhost` with the bridge helper.
#[test]
fn socket_shapes_and_vhost_with_the_helper_are_refused() {
    refused(
        "    - vm_network: { mode: socket, socket: { udp: [\"127.0.0.1:1\"] }, vms: [{ name: a }, { name: b }] }\n",
        "\
error: `udp` is the two guests' endpoints: `[address:port, address:port]` (in task `vm_network`)
 --> playbook.yml:3:50
  |
3 |     - vm_network: { mode: socket, socket: { udp: [\"127.0.0.1:1\"] }, vms: [{ name: a }, { name: b }] }
  |                                                  ^
",
    );
    refused(
        "    - vm_network: { mode: socket, socket: { listen: \":1234\", localaddr: 127.0.0.1 }, vms: [{ name: a }, { name: b }] }\n",
        "\
error: `localaddr` goes with `mcast` (in task `vm_network`)
 --> playbook.yml:3:73
  |
3 |     - vm_network: { mode: socket, socket: { listen: \":1234\", localaddr: 127.0.0.1 }, vms: [{ name: a }, { name: b }] }
  |                                                                         ^^^^^^^^^
",
    );
    refused(
        "    - vm_network: { mode: socket, socket: {}, vms: [{ name: a }] }\n",
        "\
error: `socket` needs one of `listen`, `mcast` or `udp` (in task `vm_network`)
 --> playbook.yml:3:43
  |
3 |     - vm_network: { mode: socket, socket: {}, vms: [{ name: a }] }
  |                                           ^
  |
hint: e.g. `socket: { mcast: 230.0.0.1:1234 }` for a LAN of guests
",
    );
    refused(
        "    - vm_network: { mode: socket, socket: { listen: \"127.0.0.1:x\" }, vms: [{ name: a }] }\n",
        "\
error: `127.0.0.1:x` is not `[address]:port` (a port 1–65535) (in task `vm_network`)
 --> playbook.yml:3:53
  |
3 |     - vm_network: { mode: socket, socket: { listen: \"127.0.0.1:x\" }, vms: [{ name: a }] }
  |                                                     ^^^^^^^^^^^^^
",
    );
    refused(
        "    - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a, helper: true, vhost: true }] }\n",
        "\
error: `vhost: true` needs a TAP hostnet creates, and VM `a` has `helper: true` (QEMU's `-netdev bridge` takes no `vhost`) (in task `vm_network`)
 --> playbook.yml:3:81
  |
3 |     - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: a, helper: true, vhost: true }] }
  |                                                                                 ^^^^^
  |
hint: leave `helper` out (hostnet then creates the TAP), or `vhost` out
",
    );
}

/// A generated MAC comes from the VM's name and the host's identity: the
/// `mac_seed` variable, else the facts' machine ID, else the name alone; the
/// same every run, different on another host.
#[test]
fn generated_macs_derive_from_the_name_and_the_hosts_identity() {
    let playbook =
        "- hosts: localhost\n  tasks:\n    - vm_network: { mode: bridged, uplink: eth0, vms: [{ name: desk }] }\n";
    let mac_of = |args: &[&str], facts: &str| {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "playbook.yml", playbook);
        write(dir.path(), "facts.yml", facts);
        let output = hostnet()
            .current_dir(dir.path())
            .args(["qemu", "playbook.yml", "--vm", "desk", "--facts", "facts.yml"])
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output).rsplit("mac=").next().unwrap().trim().to_owned()
    };
    let bare = "distro: debian\n";
    let with_id = "distro: debian\nmachine_id: 0123456789abcdef0123456789abcdef\n";
    let other_id = "distro: debian\nmachine_id: fedcba9876543210fedcba9876543210\n";
    assert_eq!(mac_of(&[], bare), generated_mac(None, "desk").to_string());
    let here = mac_of(&[], with_id);
    assert_eq!(
        here,
        generated_mac(Some("0123456789abcdef0123456789abcdef"), "desk").to_string()
    );
    assert_eq!(mac_of(&[], with_id), here, "the same every run");
    assert_ne!(mac_of(&[], other_id), here, "another host, another MAC");
    // `mac_seed` wins over the machine ID.
    assert_eq!(
        mac_of(&["-e", "mac_seed=rack-3"], with_id),
        generated_mac(Some("rack-3"), "desk").to_string()
    );
}

/// A VM on two NAT networks: two NICs, each with its own MAC and its own
/// fixed lease in that network's dnsmasq, the MACs `hostnet qemu` prints.
#[test]
fn each_nic_has_its_own_mac_and_lease() {
    let playbook = "\
- hosts: localhost
  tasks:
    - vm_network: { mode: nat, bridge: br0, subnet: 172.16.1.0/24, vms: [{ name: router, ip: 172.16.1.2 }] }
    - vm_network: { mode: host_only, bridge: br1, subnet: 172.16.2.0/24, vms: [{ name: router, ip: 172.16.2.2 }] }
";
    let line = qemu_ok(playbook, "router", &[]);
    let macs: Vec<&str> = line
        .split("mac=")
        .skip(1)
        .map(|rest| rest.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        macs,
        [
            generated_mac(None, "router").to_string(),
            generated_mac(None, "router@br1").to_string()
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "playbook.yml", playbook);
    let out = dir.path().join("out");
    let render = hostnet()
        .current_dir(dir.path())
        .args(["render", "playbook.yml", "--distro", "debian", "--root", ".", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(render.status.success(), "{}", stderr(&render));
    for (bridge, mac, ip) in [("br0", macs[0], "172.16.1.2"), ("br1", macs[1], "172.16.2.2")] {
        let conf = fs_err::read_to_string(out.join(format!("etc/dnsmasq.d/hostnet-{bridge}.conf"))).unwrap();
        assert!(
            conf.lines()
                .any(|line| line == format!("dhcp-hostsdir=/etc/hostnet/dnsmasq/{bridge}.hosts")),
            "{bridge}: {conf}"
        );
        let lease = fs_err::read_to_string(
            out.join(format!("etc/hostnet/dnsmasq/{bridge}.hosts"))
                .join(mac.replace(':', "-")),
        )
        .unwrap();
        assert_eq!(lease, format!("{mac},{ip},router\n"), "{bridge}");
    }
}
