//! NetworkManager for real: the daemon (Debian's network-manager) runs inside
//! a namespace sandbox — its own network namespace, `/etc` and `/var` as
//! overlays holding the rendered keyfiles, a private `/run` and a private
//! system D-Bus started there (never the machine's bus) — loads what
//! `hostnet apply` wrote, and the test plays the init's part by running the
//! plan's own `nmcli` commands. `nmcli -t` must show every connection active
//! on its device, and the kernel the bridge, its ports and the TAPs with the
//! owner, group, timers and addresses the playbook gives.
//!
//! The second test is the coexistence case: another backend configures the
//! network and NetworkManager runs, so the rendered `conf.d` drop-in must
//! make NetworkManager leave exactly hostnet's devices unmanaged.
//!
//! Inside the sandbox there is no polkit: a drop-in of the test's own
//! (`auth-polkit=false`) lets root's `nmcli` talk to the daemon, as it does
//! on a desktop.

use std::path::Path;
use std::time::Duration;

use crate::support::sandbox::{self, Background, Features, Netns, Sandbox};
use crate::support::{self, stderr, stdout};

/// What the sandbox adds to the host's own NetworkManager configuration.
/// No polkit in the sandbox (root's `nmcli` is then allowed), and no
/// automatic DHCP profile for unconfigured NICs.
const TEST_CONF: &str = "[main]\nauth-polkit=false\nno-auto-default=*\n";

/// The laptop case, wired: the uplink `eth0` and the guest TAP `tap0` in
/// `br0` (bridged, STP), a private `br1` with `tap1`, and a host-only `tap2`.
fn playbook(user: &str, group: &str) -> String {
    format!(
        "\
- hosts: localhost
  tasks:
    - name: TAPs for the guests
      tap: {{ name: \"{{{{ item }}}}\", user: {user}, group: {group} }}
      loop: [tap0, tap1, tap2]
    - name: The uplink carries no address
      interface: {{ name: eth0, address: none }}
    - name: Bridged with STP
      bridge:
        name: br0
        ports: [eth0, tap0]
        address: [192.0.2.1/24]
        mac: \"02:00:00:00:0b:01\"
        stp: true
        forward_delay: 4
        hello_time: 2
        max_age: 12
        priority: 4096
    - name: Private bridge
      bridge: {{ name: br1, ports: [tap1], address: 172.16.1.1/24, stp: false, forward_delay: 0 }}
    - name: Host-only TAP
      interface: {{ name: tap2, address: 172.16.2.1/24 }}
"
    )
}

fn id(argv: &[&str]) -> u32 {
    let output = std::process::Command::new(argv[0]).args(&argv[1..]).output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim().parse().unwrap()
}

/// `hostnet apply` into a fresh stage (a test root: commands are recorded,
/// not run); the commands it would run, in order.
fn apply(stage: &Path, playbook: &str, args: &[&str]) -> Vec<Vec<String>> {
    let work = tempfile::tempdir().unwrap();
    let path = support::write(work.path(), "site.yml", playbook);
    let mut argv = vec![
        "apply",
        path.to_str().unwrap(),
        "--root",
        stage.to_str().unwrap(),
        "--json",
    ];
    argv.extend(args);
    let output = support::run(&argv);
    assert!(
        output.status.success(),
        "hostnet apply failed:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["apply"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|command| {
            command["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|word| word.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

/// Start the private system bus and NetworkManager in the sandbox; wait
/// until `nmcli` reaches the daemon. NetworkManager waits for udev to have
/// seen a device it did not create; no udev runs in the sandbox, so the test
/// plays its part for the veths that stand in for NICs: an entry in the
/// (private) udev database, `/run/udev/data/nIFINDEX`, marks each initialized.
fn start(sandbox: &Sandbox<'_>, netns: &Netns, nics: &[&str]) -> (Background, Background) {
    let udev = sandbox.run_dir().join("udev/data");
    fs_err::create_dir_all(&udev).unwrap();
    for nic in nics {
        let index = netns.read(&format!("/sys/class/net/{nic}/ifindex")).unwrap();
        fs_err::write(udev.join(format!("n{}", index.trim())), "I:1\n").unwrap();
    }
    let bus = sandbox.spawn("mkdir -p /run/dbus && exec dbus-daemon --system --nofork --nopidfile");
    let socket = sandbox.run_dir().join("dbus/system_bus_socket");
    sandbox::wait_for(Duration::from_secs(10), || socket.exists().then_some(()))
        .unwrap_or_else(|| panic!("the private D-Bus did not start:\n{}", bus.output()));
    let daemon = sandbox.spawn("exec NetworkManager --no-daemon");
    sandbox::wait_for(Duration::from_secs(20), || {
        let output = sandbox.on_bus("nmcli -t -f RUNNING general");
        (output.status.success() && stdout(&output).trim() == "running").then_some(())
    })
    .unwrap_or_else(|| panic!("NetworkManager did not start:\n{}", daemon.output()));
    (bus, daemon)
}

/// The stage's `/etc` and `/var` plus the test's NetworkManager drop-in.
fn with_test_conf(stage: &Path) {
    support::write(stage, "etc/NetworkManager/conf.d/00-hostnet-test.conf", TEST_CONF);
}

fn read(netns: &Netns, path: &str) -> String {
    netns.read(path).unwrap_or_else(|| format!("(no {path})"))
}

#[test]
fn networkmanager_loads_the_keyfiles_and_brings_up_bridges_ports_and_taps() {
    if !sandbox::require(&["NetworkManager", "nmcli", "dbus-daemon"]) {
        return;
    }
    let (uid, gid) = (
        id(&["id", "-u", "nobody"]),
        id(&["sh", "-c", "getent group daemon | cut -d: -f3"]),
    );
    let stage = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // The installed daemon's version decides the port keys, as detection
    // does from dpkg's database on a real host.
    let version = std::process::Command::new("NetworkManager")
        .arg("--version")
        .output()
        .unwrap();
    let facts = support::write(
        work.path(),
        "facts.yml",
        &format!(
            "distro: systemd\ninit: systemd\ntools: [NetworkManager, nmcli]\nservices: [NetworkManager]\n\
             networkmanager_version: \"{}\"\nuser_ids: {{ nobody: {uid} }}\ngroup_ids: {{ daemon: {gid} }}\n",
            String::from_utf8_lossy(&version.stdout).trim()
        ),
    );
    let commands = apply(
        stage.path(),
        &playbook("nobody", "daemon"),
        &["--facts", facts.to_str().unwrap()],
    );
    let expected: Vec<Vec<String>> = [
        "nmcli connection reload",
        "nmcli connection up id hostnet-br0",
        "nmcli connection up id hostnet-eth0",
        "nmcli connection up id hostnet-tap0",
        "nmcli connection up id hostnet-br1",
        "nmcli connection up id hostnet-tap1",
        "nmcli connection up id hostnet-tap2",
    ]
    .iter()
    .map(|line| line.split(' ').map(str::to_owned).collect())
    .collect();
    assert_eq!(commands, expected);
    for name in ["br0", "eth0", "tap0", "br1", "tap1", "tap2"] {
        let path = stage.path().join(format!(
            "etc/NetworkManager/system-connections/hostnet-{name}.nmconnection"
        ));
        let mode = std::os::unix::fs::PermissionsExt::mode(&fs_err::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
    with_test_conf(stage.path());

    let host = Netns::new();
    let lan = Netns::new();
    host.veth("eth0", &lan, "lan0");
    lan.ip_ok(&["link", "set", "lan0", "up"]);
    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, daemon) = start(&sandbox, &host, &["eth0"]);
    for argv in &commands {
        let output = sandbox.on_bus(&argv.join(" "));
        assert!(
            output.status.success(),
            "`{}` failed:\n{}\n--- NetworkManager:\n{}",
            argv.join(" "),
            sandbox::text(&output),
            daemon.output()
        );
    }
    let wanted = "\
hostnet-br0:br0:activated
hostnet-br1:br1:activated
hostnet-eth0:eth0:activated
hostnet-tap0:tap0:activated
hostnet-tap1:tap1:activated
hostnet-tap2:tap2:activated";
    let active = sandbox::wait_for(Duration::from_secs(30), || {
        let output = sandbox.on_bus("nmcli -t -f NAME,DEVICE,STATE connection show --active | sort");
        let text = stdout(&output);
        (text.trim() == wanted).then_some(text)
    });
    assert!(
        active.is_some(),
        "not every connection is active:\n{}\n--- NetworkManager:\n{}",
        sandbox::text(&sandbox.on_bus("nmcli -t -f NAME,DEVICE,STATE connection show; nmcli -t device")),
        daemon.output()
    );

    let bridge = "/sys/class/net/br0";
    let state: Vec<(String, String)> = [
        format!("{bridge}/address"),
        format!("{bridge}/bridge/stp_state"),
        format!("{bridge}/bridge/forward_delay"),
        format!("{bridge}/bridge/hello_time"),
        format!("{bridge}/bridge/max_age"),
        format!("{bridge}/bridge/priority"),
        "/sys/class/net/br1/bridge/stp_state".to_owned(),
        "/sys/class/net/tap0/owner".to_owned(),
        "/sys/class/net/tap0/group".to_owned(),
        "/sys/class/net/tap1/owner".to_owned(),
        "/sys/class/net/tap2/owner".to_owned(),
        "/sys/class/net/tap2/tun_flags".to_owned(),
    ]
    .into_iter()
    .map(|path| {
        let value = read(&host, &path);
        (path, value)
    })
    .collect();
    let expected: Vec<(String, String)> = [
        (format!("{bridge}/address"), "02:00:00:00:0b:01".to_owned()),
        (format!("{bridge}/bridge/stp_state"), "1".to_owned()),
        (format!("{bridge}/bridge/forward_delay"), "400".to_owned()),
        (format!("{bridge}/bridge/hello_time"), "200".to_owned()),
        (format!("{bridge}/bridge/max_age"), "1200".to_owned()),
        (format!("{bridge}/bridge/priority"), "4096".to_owned()),
        ("/sys/class/net/br1/bridge/stp_state".to_owned(), "0".to_owned()),
        ("/sys/class/net/tap0/owner".to_owned(), uid.to_string()),
        ("/sys/class/net/tap0/group".to_owned(), gid.to_string()),
        ("/sys/class/net/tap1/owner".to_owned(), uid.to_string()),
        ("/sys/class/net/tap2/owner".to_owned(), uid.to_string()),
        // IFF_TAP | IFF_NO_PI | IFF_PERSIST: a TAP (mode=2), no packet
        // information header, kept for QEMU to open.
        ("/sys/class/net/tap2/tun_flags".to_owned(), "0x1802".to_owned()),
    ]
    .into_iter()
    .collect();
    assert_eq!(state, expected);
    let masters: Vec<String> = ["eth0", "tap0", "tap1"]
        .iter()
        .map(|port| {
            let output = host.exec_ok(&["readlink", &format!("/sys/class/net/{port}/master")]);
            format!("{port} -> {}", output.trim().rsplit('/').next().unwrap_or_default())
        })
        .collect();
    assert_eq!(masters, ["eth0 -> br0", "tap0 -> br0", "tap1 -> br1"]);
    let addresses = host.ip_ok(&["-4", "-o", "addr", "show"]);
    let addresses: Vec<&str> = addresses
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words.len() > 3).then(|| words[3])
        })
        .collect();
    for address in ["192.0.2.1/24", "172.16.1.1/24", "172.16.2.1/24"] {
        assert!(addresses.contains(&address), "{address} missing in {addresses:?}");
    }
    assert!(
        !host.ip_ok(&["-o", "addr", "show", "dev", "eth0"]).contains("inet "),
        "the port eth0 must carry no address"
    );
}

#[test]
fn networkmanager_leaves_the_devices_of_another_backend_alone() {
    if !sandbox::require(&["NetworkManager", "nmcli", "dbus-daemon"]) {
        return;
    }
    let stage = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let facts = support::write(
        work.path(),
        "facts.yml",
        "distro: systemd\ninit: systemd\ntools: [NetworkManager, nmcli, networkctl]\nservices: [NetworkManager]\n",
    );
    let commands = apply(
        stage.path(),
        "\
- hosts: localhost
  tasks:
    - interface: { name: eth0, address: none }
    - bridge: { name: br0, ports: [eth0], address: [192.0.2.1/24] }
",
        &[
            "--facts",
            facts.to_str().unwrap(),
            "--network-backend",
            "systemd-networkd",
        ],
    );
    assert_eq!(
        fs_err::read_to_string(stage.path().join("etc/NetworkManager/conf.d/90-hostnet-unmanaged.conf")).unwrap(),
        "\
# Managed by hostnet: systemd-networkd configures these devices, so NetworkManager
# leaves them alone. Edit the playbook, not this file.
[keyfile]
unmanaged-devices+=interface-name:br0;interface-name:eth0
"
    );
    let reload = ["nmcli", "general", "reload", "conf"].map(str::to_owned).to_vec();
    assert!(commands.contains(&reload), "{commands:?}");
    // NetworkManager starts without it, as on the host before the apply.
    let drop_in = stage.path().join("etc/NetworkManager/conf.d/90-hostnet-unmanaged.conf");
    let text = fs_err::read_to_string(&drop_in).unwrap();
    fs_err::remove_file(&drop_in).unwrap();
    with_test_conf(stage.path());

    // Only NetworkManager runs here: networkd's files are not loaded, so
    // the devices are made by hand, as networkd would. eth9 is nobody's:
    // NetworkManager must keep managing it (a control).
    let host = Netns::new();
    let lan = Netns::new();
    host.veth("eth0", &lan, "lan0");
    host.veth("eth9", &lan, "lan9");
    host.ip_ok(&["link", "add", "br0", "type", "bridge"]);
    host.ip_ok(&["link", "set", "eth0", "master", "br0"]);
    for link in ["lan0", "lan9"] {
        lan.ip_ok(&["link", "set", link, "up"]);
    }
    for link in ["eth0", "eth9", "br0"] {
        host.ip_ok(&["link", "set", link, "up"]);
    }
    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, daemon) = start(&sandbox, &host, &["eth0", "eth9"]);
    let states = || stdout(&sandbox.on_bus("nmcli -t -f DEVICE,STATE device | grep -v '^lo:' | sort"));
    let state_of = |text: &str, device: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{device}:")).map(str::to_owned))
            .unwrap_or_default()
    };
    let before = sandbox::wait_for(Duration::from_secs(20), || {
        let text = states();
        (!state_of(&text, "eth0").is_empty() && state_of(&text, "eth0") != "unmanaged").then_some(text)
    });
    assert!(
        before.is_some(),
        "control: without the drop-in NetworkManager manages eth0:\n{}\n--- NetworkManager:\n{}",
        states(),
        daemon.output()
    );

    // The apply: the rendered drop-in, then the plan's `nmcli general reload
    // conf`. The sandbox's /etc is an overlay that cannot change under a
    // running daemon, so the file goes to NetworkManager's other conf.d, in
    // the sandbox's private /run, which it merges the same way.
    let live = sandbox.run_dir().join("NetworkManager/conf.d");
    fs_err::create_dir_all(&live).unwrap();
    fs_err::write(live.join("90-hostnet-unmanaged.conf"), text).unwrap();
    let output = sandbox.on_bus(&reload.join(" "));
    assert!(output.status.success(), "{}", sandbox::text(&output));
    let after = sandbox::wait_for(Duration::from_secs(20), || {
        let text = states();
        (state_of(&text, "eth0") == "unmanaged" && state_of(&text, "br0") == "unmanaged").then_some(text)
    });
    let after = after.unwrap_or_else(|| panic!("{}\n--- NetworkManager:\n{}", states(), daemon.output()));
    assert_ne!(
        state_of(&after, "eth9"),
        "unmanaged",
        "NetworkManager must keep managing devices hostnet does not own:\n{after}"
    );
}

/// The laptop playbook on a Fedora-like host, both daemons at once:
/// NetworkManager brings up the keyfiles, and tells firewalld (on the same
/// private bus) the zone of each device, which must be hostnet's zone, not
/// the default one; firewalld loads the zone and policy.
#[test]
fn the_laptop_playbook_with_networkmanager_and_firewalld_together() {
    if !sandbox::require(&["NetworkManager", "nmcli", "dbus-daemon", "firewalld", "firewall-cmd"]) {
        return;
    }
    let (uid, gid) = (
        id(&["id", "-u", "nobody"]),
        id(&["sh", "-c", "getent group daemon | cut -d: -f3"]),
    );
    let stage = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let version = std::process::Command::new("NetworkManager")
        .arg("--version")
        .output()
        .unwrap();
    let facts = support::write(
        work.path(),
        "facts.yml",
        &format!(
            "distro: systemd\ninit: systemd\ntools: [NetworkManager, nmcli, firewalld, firewall-cmd]\n\
             services: [NetworkManager, firewalld]\nnetworkmanager_version: \"{}\"\n\
             interfaces: [{{ name: eth0 }}, {{ name: wlan0, wireless: true }}]\n\
             user_ids: {{ nobody: {uid} }}\ngroup_ids: {{ daemon: {gid} }}\n",
            String::from_utf8_lossy(&version.stdout).trim()
        ),
    );
    let laptop = fs_err::read_to_string(support::repo().join("playbooks/laptop.yml"))
        .unwrap()
        .replace("tap_user: qemu", "tap_user: nobody");
    let commands = apply(stage.path(), &laptop, &["--facts", facts.to_str().unwrap()]);
    let commands: Vec<String> = commands
        .iter()
        .map(|argv| argv.join(" "))
        .filter(|command| command.starts_with("nmcli") || command.starts_with("firewall-cmd"))
        .collect();
    assert_eq!(
        commands,
        [
            "nmcli connection reload",
            "nmcli connection up id hostnet-br0",
            "nmcli connection up id hostnet-tap0",
            "nmcli connection up id hostnet-tap1",
            "firewall-cmd --reload",
        ]
    );
    with_test_conf(stage.path());

    let host = Netns::new();
    let sandbox = Sandbox::new(&host, stage.path(), Features::default());
    let (_bus, network_manager) = start(&sandbox, &host, &[]);
    let firewalld = sandbox.spawn("exec firewalld --nofork --nopid");
    sandbox::wait_for(Duration::from_secs(60), || {
        stdout(&sandbox.on_bus("firewall-cmd --state 2>/dev/null"))
            .starts_with("running")
            .then_some(())
    })
    .unwrap_or_else(|| panic!("firewalld did not start:\n{}", firewalld.output()));
    for command in &commands {
        let output = sandbox.on_bus(command);
        assert!(
            output.status.success(),
            "`{command}` failed:\n{}\n--- NetworkManager:\n{}\n--- firewalld:\n{}",
            sandbox::text(&output),
            network_manager.output(),
            firewalld.output()
        );
    }
    let wanted = "hostnet-br0:br0:activated\nhostnet-tap0:tap0:activated\nhostnet-tap1:tap1:activated";
    let active = sandbox::wait_for(Duration::from_secs(30), || {
        let text = stdout(&sandbox.on_bus("nmcli -t -f NAME,DEVICE,STATE connection show --active | sort"));
        (text.trim() == wanted).then_some(())
    });
    assert!(
        active.is_some(),
        "{}\n--- NetworkManager:\n{}",
        stdout(&sandbox.on_bus("nmcli -t device")),
        network_manager.output()
    );
    assert_eq!(
        sandbox.on_bus_ok("firewall-cmd --get-zone-of-interface=br0").trim(),
        "hostnet-br0"
    );
    assert_eq!(
        sandbox
            .on_bus_ok("firewall-cmd --zone=hostnet-br0 --list-services")
            .trim(),
        "dhcp dns"
    );
    assert_eq!(read(&host, "/sys/class/net/tap0/owner"), uid.to_string());
    // Control: without `zone=` NetworkManager hands br0 to the default zone
    // when it activates it, out of hostnet's.
    sandbox.on_bus_ok("nmcli connection modify id hostnet-br0 connection.zone ''");
    sandbox.on_bus_ok("nmcli connection up id hostnet-br0");
    assert_eq!(
        sandbox.on_bus_ok("firewall-cmd --get-zone-of-interface=br0").trim(),
        "public"
    );
}
