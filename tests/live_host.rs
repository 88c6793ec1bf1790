//! A running VM host changed by `hostnet apply --root /`, for real, inside
//! the namespace sandbox (its own network namespace; `/etc` and `/var`
//! overlays and a private `/run`): the first apply brings the network up
//! with one `ip -batch`, the second runs nothing, `verify` finds no drift;
//! a guest added while two others ping the bridge every 20 ms costs them no
//! reply, their TAPs keep their ifindex and dnsmasq its PID, and the new
//! guest gets its fixed lease; a guest taken out of the playbook loses its
//! TAP and lease; each kind of drift made by hand is reported; rollback
//! returns the live links to what they were; a change another tool undoes
//! between the batch and the check is rolled back at once.
//!
//! The test plays the init system's part (the sandbox's `/run` is private,
//! so no `systemctl` reaches the machine's init): a `systemctl` on `PATH`
//! that starts, reloads (SIGHUP) and restarts the real dnsmasq the way the
//! Debian unit does, and records every call. Each guest is a namespace whose
//! `eth0` reaches its TAP through a relay holding the TAP open, as QEMU
//! does (`lab/src/assets/tap_relay.py`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::sandbox::{self, Features, Netns, Sandbox, wait_for};
use crate::support::{stdout, write};

/// Refuse to run anything unless `/etc` and `/var` are this sandbox's overlays.
const GUARD: &str = "awk '$2 == \"/etc\" && $3 == \"overlay\" { e = 1 } $2 == \"/var\" && $3 == \"overlay\" { v = 1 } END { exit !(e && v) }' /proc/mounts || { echo 'not in the sandbox' >&2; exit 99; }\n";

/// What systemd does for the units the playbook names, inside the sandbox.
const SYSTEMCTL: &str = r#"#!/bin/sh
# The init's part in the test sandbox: dnsmasq as Debian's unit runs it.
echo "systemctl $*" >> /run/hostnet-test-init.log
wants=/etc/systemd/system/multi-user.target.wants
# Debian's nftables.service is WantedBy=sysinit.target.
[ "$2" = nftables.service ] && wants=/etc/systemd/system/sysinit.target.wants
case "$1" in
  enable) mkdir -p $wants && ln -sf "/lib/systemd/system/$2" "$wants/$2"; exit 0 ;;
  disable) rm -f "$wants/$2"; exit 0 ;;
  start|stop|restart|reload|reload-or-restart) ;;
  *) echo "systemctl stand-in: cannot $*" >&2; exit 1 ;;
esac
[ "$2" = dnsmasq.service ] || exit 0
pid=$(cat /run/dnsmasq.pid 2>/dev/null)
alive() { [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
case "$1" in
  reload|reload-or-restart) if alive; then kill -HUP "$pid"; exit 0; fi ;;
esac
if alive; then
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
fi
[ "$1" = stop ] && exit 0
[ -n "$HOSTNET_TEST_UNDO" ] && sh -c "$HOSTNET_TEST_UNDO"
exec dnsmasq --conf-file=/dev/null --conf-dir=/etc/dnsmasq.d/,*.conf --pid-file=/run/dnsmasq.pid \
  --dhcp-leasefile=/run/dnsmasq.leases --resolv-file=/dev/null --log-facility=/run/dnsmasq.log --log-dhcp
"#;

/// `udhcpc`'s hook: print the lease, configure nothing.
const UDHCPC_SCRIPT: &str =
    "#!/bin/sh\ncase \"$1\" in\n  bound|renew) echo \"lease: ip=$ip router=$router\" ;;\nesac\n";

/// A guest of the playbook.
#[derive(Clone, Copy)]
struct Vm {
    name: &'static str,
    tap: &'static str,
    mac: &'static str,
    ip: &'static str,
}

const A: Vm = Vm {
    name: "a",
    tap: "tap-a",
    mac: "52:54:00:07:00:0a",
    ip: "172.16.7.10",
};
const B: Vm = Vm {
    name: "b",
    tap: "tap-b",
    mac: "52:54:00:07:00:0b",
    ip: "172.16.7.11",
};
const C: Vm = Vm {
    name: "c",
    tap: "tap-c",
    mac: "52:54:00:07:00:0c",
    ip: "172.16.7.12",
};

/// Scenario 2 on virbr7: a TAP per guest, the private bridge with the
/// host's address, dnsmasq with a fixed lease per guest, forwarding, NAT
/// out of the uplink.
fn playbook(vms: &[Vm]) -> String {
    let list: String = vms
        .iter()
        .map(|vm| {
            format!(
                "      - {{ name: {}, tap: {}, mac: \"{}\", ip: {} }}\n",
                vm.name, vm.tap, vm.mac, vm.ip
            )
        })
        .collect();
    format!(
        "- name: NAT for my VMs
  hosts: localhost
  vars:
    bridge: virbr7
    subnet: 172.16.7.0/24
    vms:
{list}  tasks:
    - name: One TAP per guest
      tap: {{ name: \"{{{{ item.tap }}}}\", user: root }}
      loop: \"{{{{ vms }}}}\"
    - name: The guests' bridge
      bridge:
        name: \"{{{{ bridge }}}}\"
        ports: \"{{{{ vms | map(attribute='tap') | list }}}}\"
        address: \"{{{{ subnet | host(1) }}}}\"
        stp: false
        forward_delay: 0
    - name: DHCP with a fixed lease per guest
      dhcp_server:
        interface: \"{{{{ bridge }}}}\"
        range: [\"{{{{ subnet | nthhost(100) }}}}\", \"{{{{ subnet | nthhost(200) }}}}\"]
        hosts: \"{{{{ vms }}}}\"
    - name: Forwarding
      sysctl: {{ name: net.ipv4.ip_forward, value: 1 }}
    - name: Masquerade the guests
      nat: {{ source: \"{{{{ subnet }}}}\", out_interface: eth0 }}
    - name: Guests may ask the host for DHCP
      firewall: {{ dhcp_dns: \"{{{{ bridge }}}}\" }}
"
    )
}

const FACTS: &str = "distro: debian\ninit: systemd\ninterfaces:\n  - { name: eth0, mac: \"52:54:00:12:34:56\" }\nusers: [root]\ngroups: [root]\n";

/// The host under test: a sandbox on a namespace with an uplink `eth0` (a
/// veth to a namespace standing in for the LAN), the init stand-in, the
/// guests.
struct Host<'a> {
    netns: &'a Netns,
    sandbox: Sandbox<'a>,
    work: &'a Path,
    /// Added to every apply, verify and destroy (a backend choice).
    flags: &'static str,
}

impl Host<'_> {
    /// `hostnet ARGS` in the sandbox, with the init stand-in first on `PATH`
    /// and `env` set: exit status and output.
    fn hostnet_with(&self, env: &str, args: &str) -> (i32, String) {
        let binary = env!("CARGO_BIN_EXE_hostnet");
        let dir = self.work.display();
        let script =
            format!("{GUARD}cd {dir} && PATH={dir}/init:$PATH {env} NO_COLOR=1 {binary} {args} 2>&1; echo \"exit=$?\"");
        let text = stdout(&self.sandbox.run(&script));
        let code = text
            .lines()
            .last()
            .and_then(|line| line.strip_prefix("exit="))
            .and_then(|code| code.parse().ok())
            .unwrap_or(-1);
        (code, text)
    }

    fn hostnet(&self, args: &str) -> (i32, String) {
        self.hostnet_with("", args)
    }

    /// Apply `vms`' playbook; its output (exit 0 asserted).
    fn apply(&self, vms: &[Vm], extra: &str) -> String {
        write(self.work, "playbook.yml", &playbook(vms));
        let flags = self.flags;
        let (code, text) = self.hostnet(&format!(
            "apply playbook.yml --root / --facts facts.yml {flags} {extra}"
        ));
        assert_eq!(code, 0, "apply failed:\n{text}");
        text
    }

    /// `hostnet verify`: exit status and table.
    fn verify(&self) -> (i32, String) {
        self.hostnet(&format!(
            "verify playbook.yml --root / --facts facts.yml {}",
            self.flags
        ))
    }

    /// `hostnet destroy`: exit status and output.
    fn destroy(&self) -> (i32, String) {
        self.hostnet(&format!(
            "destroy playbook.yml --root / --facts facts.yml {}",
            self.flags
        ))
    }

    /// The commands an apply ran, from its output.
    fn commands(output: &str) -> Vec<String> {
        output
            .lines()
            .filter_map(|line| line.strip_prefix("run: "))
            .map(str::to_owned)
            .collect()
    }

    fn ifindex(&self, device: &str) -> Option<String> {
        self.netns.read(&format!("/sys/class/net/{device}/ifindex"))
    }

    /// Both families' rules and non-built-in chains (an empty table is
    /// listed once anything touched it).
    fn rules(&self) -> String {
        let dump = self.sandbox.run_ok("iptables-save; ip6tables-save");
        dump.lines()
            .filter(|line| line.starts_with('-') || line.starts_with(":HOSTNET"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The ports of `bridge`, sorted.
    fn ports(&self, bridge: &str) -> Vec<String> {
        let list = self.netns.ip_ok(&["-br", "link", "show", "master", bridge]);
        let mut ports: Vec<String> = list
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(|name| name.split('@').next().unwrap_or(name).to_owned())
            .collect();
        ports.sort();
        ports
    }

    fn dnsmasq_pid(&self) -> String {
        fs_err::read_to_string(self.sandbox.run_dir().join("dnsmasq.pid"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn etc(&self, path: &str) -> PathBuf {
        self.sandbox.upper("etc").join(path)
    }

    /// The links as the kernel has them, without counters and timers.
    fn links(&self) -> String {
        let dump = self.netns.ip_ok(&["-d", "-br", "link", "show"]);
        let mut lines: Vec<&str> = dump.lines().filter(|line| !line.starts_with("rl-")).collect();
        lines.sort_unstable();
        lines.join("\n")
    }
}

/// A guest namespace behind `vm.tap`: `eth0` with the guest's MAC, its
/// peer `rl-NAME` in the host namespace relayed to the TAP.
struct Guest {
    netns: Netns,
    vm: Vm,
}

fn guest(host: &Host<'_>, vm: Vm) -> Guest {
    let netns = Netns::new();
    let relay_port = format!("rl-{}", vm.name);
    host.netns.veth(&relay_port, &netns, "eth0");
    netns.ip_ok(&["link", "set", "eth0", "address", vm.mac, "up"]);
    // The relay's end takes no part in the host's own stack: the host must
    // not answer the guest's ARP there, nor take its packets in past the bridge.
    for setting in [
        format!("net.ipv4.conf.{relay_port}.arp_ignore=8"),
        format!("net.ipv6.conf.{relay_port}.disable_ipv6=1"),
    ] {
        host.netns.exec_ok(&["sysctl", "-q", "-w", &setting]);
    }
    host.netns.ip_ok(&["link", "set", &relay_port, "up"]);
    let relay = crate::support::repo().join("lab/src/assets/tap_relay.py");
    let log = host.work.join(format!("relay-{}.log", vm.name));
    let command = host
        .netns
        .command(&["python3", &relay.to_string_lossy(), vm.tap, &relay_port]);
    host.netns.spawn(command, &log);
    let ready = wait_for(Duration::from_secs(10), || {
        fs_err::read_to_string(&log)
            .unwrap_or_default()
            .contains("relaying")
            .then_some(())
    });
    assert!(
        ready.is_some(),
        "the relay to {} did not start:\n{}",
        vm.tap,
        fs_err::read_to_string(&log).unwrap_or_default()
    );
    Guest { netns, vm }
}

impl Guest {
    /// A DHCP lease from the host's dnsmasq; the address is then configured.
    fn dhcp(&self, work: &Path) -> String {
        let script = work.join("udhcpc.script");
        let words = crate::support::lab::dhcp_once(&self.netns, &script)
            .unwrap_or_else(|| panic!("guest {} got no lease", self.vm.name));
        let ip = words.get("ip").cloned().unwrap_or_default();
        self.netns.ip_ok(&["addr", "add", &format!("{ip}/24"), "dev", "eth0"]);
        ip
    }

    /// Ping the bridge every 20 ms until stopped, saying when a reply is late
    /// (`-O`: before the next request): the `ping` process.
    fn start_ping(&self, work: &Path) -> (std::process::Child, PathBuf) {
        let log = work.join(format!("ping-{}.log", self.vm.name));
        let file = std::fs::File::create(&log).unwrap();
        let child = self
            .netns
            .command(&["ping", "-n", "-O", "-i", "0.02", "172.16.7.1"])
            .stdout(file)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.netns.register(child.id());
        (child, log)
    }
}

/// Stop a `ping` (SIGINT): `(requests, replies, lost)` — lost: the requests
/// whose reply had not come before the next one, 20 ms on, and never came
/// (a reply merely late on a busy machine comes afterwards).
fn stop_ping((mut child, log): (std::process::Child, PathBuf)) -> (u32, u32, Vec<String>) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    let text = fs_err::read_to_string(&log).unwrap();
    let summary = text
        .lines()
        .find(|line| line.contains("packets transmitted"))
        .unwrap_or_else(|| panic!("no ping summary:\n{text}"));
    let numbers: Vec<u32> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|word| word.parse().ok())
        .collect();
    let seq = |line: &str| {
        line.split("icmp_seq=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    };
    let answered: std::collections::HashSet<String> = text
        .lines()
        .filter(|line| line.contains(" bytes from "))
        .filter_map(seq)
        .collect();
    let lost = text
        .lines()
        .filter(|line| line.contains("no answer yet"))
        .filter(|line| seq(line).is_none_or(|seq| !answered.contains(&seq)))
        .map(str::to_owned)
        .collect();
    (numbers[0], numbers[1], lost)
}

/// Apply the playbook with guest c added while `guests` ping the bridge
/// every 20 ms (from before the apply until `settle` after it): none loses
/// a reply. The apply's output.
fn add_while_pinging(host: &Host<'_>, guests: [&Guest; 2], settle: Duration) -> String {
    let pings = guests.map(|guest| guest.start_ping(host.work));
    std::thread::sleep(Duration::from_millis(500));
    let third = host.apply(&[A, B, C], "");
    std::thread::sleep(settle);
    for (guest, ping) in guests.iter().zip(pings) {
        let name = guest.vm.name;
        let (sent, received, lost) = stop_ping(ping);
        assert!(sent > 20, "guest {name}: only {sent} pings sent");
        assert_eq!(
            lost,
            Vec::<String>::new(),
            "guest {name}: replies lost while c was added:\n{third}"
        );
        // All answered, but the one the stop may have cut short.
        assert!(received + 1 >= sent, "guest {name}: {received} of {sent} answered");
    }
    third
}

/// The rows of a drift table: `(WHAT, DRIFT)`.
fn rows(table: &str) -> Vec<(String, String)> {
    table
        .lines()
        .skip_while(|line| !line.starts_with("WHAT"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once("  "))
        .map(|(subject, detail)| (subject.trim().to_owned(), detail.trim().to_owned()))
        .collect()
}

fn setup(work: &Path, facts: &str) {
    write(work, "facts.yml", facts);
    write(work, "init/systemctl", SYSTEMCTL);
    write(work, "udhcpc.script", UDHCPC_SCRIPT);
    for script in ["init/systemctl", "udhcpc.script"] {
        let status = std::process::Command::new("chmod")
            .arg("0755")
            .arg(work.join(script))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// The host's uplink: `eth0`, a veth to a LAN stand-in.
fn uplink(netns: &Netns) -> Netns {
    let lan = Netns::new();
    netns.veth("eth0", &lan, "lan0");
    netns.ip_ok(&["link", "set", "eth0", "address", "52:54:00:12:34:56", "up"]);
    netns.ip_ok(&["addr", "add", "192.168.7.2/24", "dev", "eth0"]);
    lan
}

#[test]
fn a_running_vm_host_changed_without_disturbing_its_guests() {
    if !sandbox::require(&["dnsmasq", "busybox", "python3", "ping", "iptables-restore", "nsenter"]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    setup(work.path(), FACTS);
    let stage = tempfile::tempdir().unwrap();
    let netns = Netns::new();
    let _lan = uplink(&netns);
    let host = Host {
        netns: &netns,
        sandbox: Sandbox::new(&netns, stage.path(), Features::default()),
        work: work.path(),
        flags: "",
    };
    let before = host.links();
    let rules_before = host.rules();

    // First apply: one batch creates the bridge and both TAPs; dnsmasq starts.
    let first = host.apply(&[A, B], "");
    let commands = Host::commands(&first);
    assert_eq!(
        commands,
        [
            "ip -batch -",
            "systemctl enable dnsmasq.service",
            "systemctl restart dnsmasq.service",
            "sysctl -w net.ipv4.ip_forward=1",
            "systemctl enable netfilter-persistent.service",
            "iptables-restore -w --noflush /etc/hostnet/iptables.rules",
            "ip6tables-restore -w --noflush /etc/hostnet/ip6tables.rules",
            "iptables-restore -w --noflush /etc/hostnet/iptables-jumps.rules",
            "ip6tables-restore -w --noflush /etc/hostnet/ip6tables-jumps.rules",
        ],
        "{first}"
    );
    assert!(
        first.contains("  | link add name virbr7 type bridge stp_state 0 forward_delay 0\n"),
        "the batch is shown in the output:\n{first}"
    );
    assert_eq!(
        host.netns.read("/sys/class/net/virbr7/bridge/stp_state").as_deref(),
        Some("0")
    );
    assert_eq!(host.ports("virbr7"), ["tap-a", "tap-b"]);
    assert_eq!(
        fs_err::read_to_string(host.etc("hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0a")).unwrap(),
        "52:54:00:07:00:0a,172.16.7.10,a\n"
    );

    // Rollback of the first run: the links are as before it, its files gone;
    // the same apply again brings it all back.
    let (code, text) = host.hostnet("rollback --root /");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("  | link del dev virbr7\n"), "{text}");
    assert_eq!(host.links(), before);
    assert_eq!(host.rules(), rules_before, "the firewall is not as before");
    assert_eq!(host.sandbox.run_ok("sysctl -n net.ipv4.ip_forward"), "0\n");
    assert!(!host.etc("network/interfaces.d/hostnet").exists());
    assert!(!host.etc("hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0a").exists());
    let again = host.apply(&[A, B], "");
    assert_eq!(Host::commands(&again)[0], "ip -batch -", "{again}");

    // Second apply: nothing to do, nothing run; verify: in sync.
    let second = host.apply(&[A, B], "");
    assert!(
        second.contains("nothing to do: the host already matches the playbook"),
        "{second}"
    );
    assert_eq!(Host::commands(&second), Vec::<String>::new());
    assert_eq!(
        host.verify(),
        (
            0,
            "playbook.yml: the live host matches the playbook\nexit=0\n".to_owned()
        )
    );

    // Two guests up, pinging the bridge every 20 ms.
    let a = guest(&host, A);
    let b = guest(&host, B);
    assert_eq!(a.dhcp(work.path()), "172.16.7.10");
    assert_eq!(b.dhcp(work.path()), "172.16.7.11");
    let (index_a, index_b) = (host.ifindex("tap-a"), host.ifindex("tap-b"));
    let dnsmasq = host.dnsmasq_pid();
    assert!(!dnsmasq.is_empty(), "dnsmasq did not start");

    // A third guest: one TAP created and added as a port, one lease file,
    // dnsmasq re-reads its hosts directory.
    let third = add_while_pinging(&host, [&a, &b], Duration::from_millis(500));
    assert_eq!(
        Host::commands(&third),
        ["ip -batch -", "systemctl reload-or-restart dnsmasq.service"],
        "{third}"
    );
    assert!(third.contains("  | tuntap add dev tap-c mode tap user root"), "{third}");
    assert!(third.contains("  | link set dev tap-c master virbr7"), "{third}");
    assert!(
        !third.contains("virbr7 type bridge"),
        "the bridge was touched:\n{third}"
    );
    assert_eq!(
        (host.ifindex("tap-a"), host.ifindex("tap-b")),
        (index_a.clone(), index_b.clone())
    );
    assert_eq!(host.dnsmasq_pid(), dnsmasq, "dnsmasq was restarted");
    let c = guest(&host, C);
    assert_eq!(c.dhcp(work.path()), "172.16.7.12");
    assert_eq!(host.verify().0, 0);

    // Guest c out of the playbook: verify names its TAP (hostnet made it);
    // apply removes its TAP and lease, nothing else.
    drop(c);
    write(work.path(), "playbook.yml", &playbook(&[A, B]));
    let (code, json) = host.hostnet("verify playbook.yml --root / --facts facts.yml --json");
    assert_eq!(code, 2, "{json}");
    let report: serde_json::Value = serde_json::from_str(json.trim_end().trim_end_matches("exit=2")).unwrap();
    assert_eq!(
        report["drift"],
        serde_json::json!([{ "subject": "tap-c", "detail": "no longer in the playbook" }])
    );
    let removed = host.apply(&[A, B], "");
    assert!(removed.contains("  | link del dev tap-c"), "{removed}");
    assert_eq!(host.ifindex("tap-c"), None);
    assert!(!host.etc("hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0c").exists());
    assert!(host.etc("hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0b").exists());
    assert_eq!(
        (host.ifindex("tap-a"), host.ifindex("tap-b")),
        (index_a.clone(), index_b.clone())
    );
    assert_eq!(host.dnsmasq_pid(), dnsmasq);
    assert_eq!(host.verify().0, 0);
    drop((a, b));

    // Each kind of drift, made by hand.
    let mac = host.netns.read("/sys/class/net/virbr7/address").unwrap();
    let mac_drift = format!("mac 02:00:00:00:00:01 → {mac}");
    let drifts = [
        (
            "ip link set virbr7 address 02:00:00:00:00:01",
            "virbr7",
            mac_drift.as_str(),
        ),
        (
            "ip link del tap-b && ip tuntap add dev tap-b mode tap user nobody && ip link set tap-b master virbr7 up",
            "tap-b",
            "owner or flags differ (now nobody:root); recreated, so a guest attached to it loses its NIC",
        ),
        (
            "kill $(cat /run/dnsmasq.pid) && sleep 0.2 && dnsmasq --conf-file=/dev/null --port=5353 --pid-file=/run/dnsmasq.pid",
            "dnsmasq",
            "runs but does not listen for DHCP (UDP 67); it serves virbr7",
        ),
        ("ip link del tap-b", "tap-b", "missing"),
        (
            "ip link set tap-a nomaster",
            "tap-a",
            "port of virbr7 (now on no bridge)",
        ),
        (
            "ip addr del 172.16.7.1/24 dev virbr7",
            "virbr7",
            "address 172.16.7.1/24 missing",
        ),
        (
            "ip link set virbr7 type bridge stp_state 1",
            "virbr7",
            "stp on → off, forward_delay 2 → 0 s",
        ),
        ("sysctl -qw net.ipv4.ip_forward=0", "net.ipv4.ip_forward", "0 → 1"),
        (
            "iptables -t nat -D HOSTNET-POSTROUTING -s 172.16.7.0/24 ! -d 172.16.7.0/24 -o eth0 -j MASQUERADE",
            "firewall",
            "missing rule `-A HOSTNET-POSTROUTING -s 172.16.7.0/24 ! -d 172.16.7.0/24 -o eth0 -j MASQUERADE`",
        ),
        (
            "iptables -D INPUT -j HOSTNET-INPUT",
            "firewall",
            "missing rule `-A INPUT -j HOSTNET-INPUT`",
        ),
        (
            "kill $(cat /run/dnsmasq.pid)",
            "dnsmasq",
            "not running; it serves virbr7",
        ),
    ];
    for (make, subject, detail) in drifts {
        host.sandbox.run_ok(make);
        let (code, table) = host.verify();
        assert_eq!(code, 2, "`{make}`: no drift found:\n{table}");
        assert_eq!(
            rows(&table),
            [(subject.to_owned(), detail.to_owned())],
            "`{make}`:\n{table}"
        );
        // Apply repairs it.
        let _ = host.apply(&[A, B], "");
        let (code, table) = host.verify();
        assert_eq!(code, 0, "`{make}`: apply did not repair it:\n{table}");
    }

    // A change another tool undoes between the batch and the check: the
    // run is rolled back at once and says what did not take.
    write(work.path(), "playbook.yml", &playbook(&[A, B, C]));
    host.sandbox.run_ok("kill $(cat /run/dnsmasq.pid)");
    let (code, text) = host.hostnet_with(
        "HOSTNET_TEST_UNDO='ip link set tap-c nomaster'",
        "apply playbook.yml --root / --facts facts.yml",
    );
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains(
            "error: verify after apply: the live host does not match the playbook (1 difference(s)):\n  \
             tap-c: port of virbr7 (now on no bridge)\n"
        ),
        "{text}"
    );
    assert!(text.contains(" was rolled back (files and live state)"), "{text}");
    assert_eq!(host.ifindex("tap-c"), None, "the run was not rolled back:\n{text}");
    assert!(!host.etc("hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0c").exists());
    write(work.path(), "playbook.yml", &playbook(&[A, B]));
    assert_eq!(host.verify().0, 0);

    // destroy: the namespace as before the first apply (links, rules),
    // hostnet's files gone; forwarding stays, as the plan says.
    let (code, text) = host.destroy();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("  | link del dev virbr7\n"), "{text}");
    assert!(text.contains(hostnet_engine::teardown::LEFT), "{text}");
    assert_eq!(host.links(), before);
    assert_eq!(host.rules(), rules_before, "the firewall is not as before");
    assert_eq!(host.sandbox.run_ok("sysctl -n net.ipv4.ip_forward"), "1\n");
    for gone in [
        "network/interfaces.d/hostnet",
        "dnsmasq.d/hostnet-virbr7.conf",
        "hostnet/dnsmasq/virbr7.hosts/52-54-00-07-00-0a",
        "hostnet/iptables.rules",
    ] {
        assert!(!host.etc(gone).exists(), "{gone} is left:\n{text}");
    }
    let (code, again) = host.destroy();
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("nothing to do"), "{again}");

    // And its rollback brings the network back as it was.
    let (code, text) = host.hostnet("rollback --root /");
    assert_eq!(code, 0, "{text}");
    assert_eq!(host.ports("virbr7"), ["tap-a", "tap-b"]);
    assert_eq!(
        host.verify(),
        (
            0,
            "playbook.yml: the live host matches the playbook\nexit=0\n".to_owned()
        )
    );
}

const NETWORKD_FACTS: &str = "distro: systemd\ninit: systemd\ninterfaces:\n  - { name: eth0, mac: \"52:54:00:12:34:56\" }\n\
                              users: [root]\ngroups: [root]\ntools: [nft, networkctl, dnsmasq]\n";

/// The same on a systemd-networkd host with nftables: the real networkd
/// runs (on the sandbox's private D-Bus, so the real `networkctl reload`
/// reaches it); hostnet's batch makes the devices and networkd takes them
/// over from the files without disturbing the guests.
#[test]
fn a_networkd_host_changed_without_disturbing_its_guests() {
    if !sandbox::require(&[
        "dnsmasq",
        "busybox",
        "python3",
        "ping",
        "nft",
        "nsenter",
        "dbus-daemon",
        "networkctl",
        "/lib/systemd/systemd-networkd",
    ]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    setup(work.path(), NETWORKD_FACTS);
    let stage = tempfile::tempdir().unwrap();
    let netns = Netns::new();
    let _lan = uplink(&netns);
    let host = Host {
        netns: &netns,
        sandbox: Sandbox::new(&netns, stage.path(), Features::NETWORKD),
        work: work.path(),
        flags: "--network-backend systemd-networkd --firewall nftables",
    };
    let _bus = host
        .sandbox
        .spawn("mkdir -p /run/dbus && exec dbus-daemon --system --nofork --nopidfile");
    let socket = host.sandbox.run_dir().join("dbus/system_bus_socket");
    assert!(wait_for(Duration::from_secs(10), || socket.exists().then_some(())).is_some());
    let networkd = crate::support::lab::boot::start_networkd(&host.sandbox);
    let up = wait_for(Duration::from_secs(10), || {
        host.sandbox.run("networkctl list").status.success().then_some(())
    });
    assert!(up.is_some(), "networkd did not come up:\n{}", networkd.output());
    let before = host.links();

    let first = host.apply(&[A, B], "");
    let commands = Host::commands(&first);
    assert_eq!(commands[0], "ip -batch -", "{first}");
    assert!(commands.contains(&"networkctl reload".to_owned()), "{first}");
    assert!(
        commands.contains(&"nft -f /etc/nftables.d/hostnet.nft".to_owned()),
        "{first}"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        crate::support::lab::boot::networkd_problems(&networkd.output()),
        Vec::<&str>::new(),
        "{}",
        networkd.output()
    );
    let second = host.apply(&[A, B], "");
    assert_eq!(Host::commands(&second), Vec::<String>::new(), "{second}");
    assert_eq!(
        host.verify(),
        (
            0,
            "playbook.yml: the live host matches the playbook\nexit=0\n".to_owned()
        )
    );

    let a = guest(&host, A);
    let b = guest(&host, B);
    assert_eq!(a.dhcp(work.path()), "172.16.7.10");
    assert_eq!(b.dhcp(work.path()), "172.16.7.11");
    let (index_a, index_b) = (host.ifindex("tap-a"), host.ifindex("tap-b"));
    add_while_pinging(&host, [&a, &b], Duration::from_millis(1500));
    assert_eq!((host.ifindex("tap-a"), host.ifindex("tap-b")), (index_a, index_b));
    let c = guest(&host, C);
    assert_eq!(c.dhcp(work.path()), "172.16.7.12");
    assert_eq!(host.verify().0, 0);
    drop((a, b, c));

    // c out of the playbook: its TAP and its networkd files go.
    let removed = host.apply(&[A, B], "");
    assert!(removed.contains("  | link del dev tap-c\n"), "{removed}");
    assert!(removed.contains("run: networkctl reload\n"), "{removed}");
    assert!(!host.etc("systemd/network/10-hostnet-tap-c.netdev").exists());
    assert!(!host.etc("systemd/network/10-hostnet-tap-c.network").exists());
    assert!(host.etc("systemd/network/10-hostnet-tap-b.netdev").exists());
    assert_eq!(host.ifindex("tap-c"), None);
    assert_eq!(host.verify().0, 0);

    let (code, text) = host.destroy();
    assert_eq!(code, 0, "{text}");
    assert_eq!(host.links(), before);
    assert_eq!(host.sandbox.run_ok("nft list tables"), "");
}
