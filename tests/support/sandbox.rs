//! Run the real distro tools (ifupdown, systemd-networkd, dnsmasq, sysctl,
//! iptables, nftables, ufw, ebtables) on rendered files, inside network
//! namespaces, the way they run at boot — without touching the host.
//!
//! Two pieces, as in `reference/distro-tools.md`:
//!
//! - [`Netns`]: a network namespace owned by one test. Links are created only
//!   inside it (`ip -n NS link add …`, veth peers in another [`Netns`]); the
//!   root namespace never gets a link, address, route, rule or sysctl. On drop
//!   (also when the test panics) every process in it is killed and it is
//!   deleted.
//! - [`Sandbox`]: a mount namespace inside a [`Netns`] where `/etc` and `/var`
//!   are overlays (lower = the host's directories, upper = a copy of
//!   `STAGE/etc` and `STAGE/var` rendered by `hostnet render --out STAGE`), and
//!   `/run` is a private directory: the tool sees exactly the files it would
//!   see at boot, and whatever it writes (leases, resolv.conf, state) stays in
//!   the sandbox. Upper directories and `/run` are kept across
//!   [`Sandbox::run`] calls (ifup then ifdown) and deleted with the sandbox
//!   (a "reboot" is a new sandbox). [`Features`] adds what some tools need:
//!   networkd a read-only `/sys` and a world-writable `/dev/net/tun`, ufw a
//!   `modprobe` that does nothing.
//!
//! A test first calls [`require`]: it returns `false` (and the test returns
//! early, printing `skipping: …`) when not root or a tool is missing. Under
//! `CI=true` (as `.ci/run` sets it) or `HOSTNET_SANDBOX_REQUIRED=1` a skip is a
//! failure instead: CI must prove the real tools, never skip them.
//!
//! ```ignore
//! if !sandbox::require(&["ifup", "brctl"]) { return; }
//! let host = Netns::new();
//! let lan = Netns::new();
//! host.veth("eth0", &lan, "lan0");
//! lan.ip_ok(&["link", "set", "lan0", "up"]);
//! let sandbox = Sandbox::new(&host, stage.path(), Features::default());
//! let output = sandbox.run_ok("mkdir -p /run/network && ifup -a -i /etc/network/interfaces --state-dir /run/network");
//! assert_eq!(host.read("/sys/class/net/br0/bridge/forward_delay"), Some("200".into()));
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Is this test able to run the real tools? Prints `skipping: …` and returns
/// `false` when not root, or when one of `tools` (a name on `PATH` or an
/// absolute path), `ip`, `unshare` or `mount` is missing.
pub fn require(tools: &[&str]) -> bool {
    let problem = if command_output("id", &["-u"]).is_none_or(|uid| uid.trim() != "0") {
        Some("not running as root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)".to_owned())
    } else {
        ["ip", "unshare", "mount"]
            .iter()
            .chain(tools)
            .find(|tool| !tool_exists(tool))
            .map(|tool| format!("`{tool}` is not installed"))
    };
    let Some(problem) = problem else {
        return true;
    };
    assert!(
        !required(),
        "CI (or HOSTNET_SANDBOX_REQUIRED) is set, but the real-tool tests cannot run: {problem}"
    );
    eprintln!("skipping: {problem}");
    false
}

fn required() -> bool {
    let set =
        |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty() && value != "0" && value != "false");
    set("HOSTNET_SANDBOX_REQUIRED") || set("CI")
}

fn tool_exists(tool: &str) -> bool {
    if tool.starts_with('/') {
        return Path::new(tool).exists();
    }
    Command::new("sh")
        .args(["-c", "command -v \"$1\" >/dev/null", "sh", tool])
        .status()
        .is_ok_and(|status| status.success())
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Output as text: stdout, then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Poll `check` every 100 ms until it returns `Some`, or `timeout` passes.
pub fn wait_for<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// `ip netns add` bind-mounts `/run/netns` onto itself the first time; two
/// at once can stack two mounts there, and `ip netns del` then fails with
/// EBUSY. Tests run in parallel threads, so add and delete one at a time.
static NETNS_LOCK: Mutex<()> = Mutex::new(());

fn netns_lock() -> std::sync::MutexGuard<'static, ()> {
    NETNS_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A network namespace named `hn-<pid>-<n>`, deleted on drop together with
/// every process in it.
pub struct Netns {
    name: String,
    children: Mutex<Vec<Child>>,
    registered: Mutex<Vec<u32>>,
}

impl Netns {
    /// Create a fresh namespace (its loopback is brought up).
    pub fn new() -> Self {
        let name = format!("hn-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        let output = {
            let _lock = netns_lock();
            Command::new("ip")
                .args(["netns", "add", &name])
                .output()
                .expect("run `ip netns add`")
        };
        assert!(output.status.success(), "ip netns add {name}: {}", text(&output));
        let netns = Self {
            name,
            children: Mutex::new(Vec::new()),
            registered: Mutex::new(Vec::new()),
        };
        netns.ip_ok(&["link", "set", "lo", "up"]);
        netns
    }

    /// Its name (for `ip netns exec`, `ip -n`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n NS ARGS…`: configure links of this namespace from outside it.
    pub fn ip(&self, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["-n", &self.name])
            .args(args)
            .output()
            .expect("run `ip`")
    }

    /// [`Netns::ip`], panicking with the output on failure; returns stdout.
    pub fn ip_ok(&self, args: &[&str]) -> String {
        let output = self.ip(args);
        assert!(
            output.status.success(),
            "ip -n {} {}: {}",
            self.name,
            args.join(" "),
            text(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A veth pair: `name` here, `peer_name` in `peer` (both down).
    pub fn veth(&self, name: &str, peer: &Self, peer_name: &str) {
        self.ip_ok(&[
            "link", "add", name, "type", "veth", "peer", "name", peer_name, "netns", &peer.name,
        ]);
    }

    /// The command `ip netns exec NS ARGV…` (for callers that need to set
    /// stdin, environment or redirections).
    pub fn command(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).args(argv);
        command
    }

    /// Run `argv` inside the namespace (host mounts, namespace's `/sys`).
    pub fn exec(&self, argv: &[&str]) -> Output {
        self.command(argv).output().expect("run `ip netns exec`")
    }

    /// [`Netns::exec`], panicking with the output on failure; returns stdout.
    pub fn exec_ok(&self, argv: &[&str]) -> String {
        let output = self.exec(argv);
        assert!(
            output.status.success(),
            "ip netns exec {} {}: {}",
            self.name,
            argv.join(" "),
            text(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A file as seen from inside the namespace (`/sys/class/net/…`), trimmed;
    /// `None` if it cannot be read.
    pub fn read(&self, path: &str) -> Option<String> {
        let output = self.exec(&["cat", path]);
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Start `command` in the background, stdout and stderr to `log`; it is
    /// killed when the namespace is dropped. Returns its PID.
    pub fn spawn(&self, mut command: Command, log: &Path) -> u32 {
        let file = fs_err::File::create(log).expect("create the log").into_file();
        let error_file = file.try_clone().expect("clone the log handle");
        let child = command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(error_file)
            .spawn()
            .expect("spawn a background process");
        let pid = child.id();
        self.children
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(child);
        pid
    }

    /// Kill `pid` with the namespace (for a process started some other way).
    pub fn register(&self, pid: u32) {
        self.registered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(pid);
    }

    /// PIDs of every process in the namespace (`ip netns pids`).
    pub fn pids(&self) -> Vec<u32> {
        command_output("ip", &["netns", "pids", &self.name])
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect()
    }

    /// Kill every process started with [`Netns::spawn`] or registered, and
    /// every other process in the namespace (daemons a tool left behind, like dhclient),
    /// and wait for them to go.
    pub fn kill_all(&self) {
        let mut children = self.children.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for child in children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        children.clear();
        let mut pids = self.pids();
        pids.extend(
            self.registered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .drain(..)
                .filter(|pid| process_alive(*pid)),
        );
        pids.sort_unstable();
        pids.dedup();
        if pids.is_empty() {
            return;
        }
        let words: Vec<String> = pids.iter().map(u32::to_string).collect();
        let _ = Command::new("kill").arg("-KILL").args(&words).output();
        let gone = wait_for(Duration::from_secs(3), || {
            pids.iter().all(|pid| !process_alive(*pid)).then_some(())
        });
        if gone.is_none() {
            eprintln!("warning: processes {words:?} in {} did not exit", self.name);
        }
    }
}

impl hostnet_lab::Namespace for Netns {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Default for Netns {
    fn default() -> Self {
        Self::new()
    }
}

/// Alive and not a zombie waiting for a parent that is not us.
fn process_alive(pid: u32) -> bool {
    fs_err::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_none_or(|(_, rest)| !rest.starts_with('Z')))
}

impl Drop for Netns {
    fn drop(&mut self) {
        self.kill_all();
        let _lock = netns_lock();
        match Command::new("ip").args(["netns", "del", &self.name]).output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => eprintln!(
                "warning: could not delete network namespace {}: {}",
                self.name,
                text(&output)
            ),
            Err(error) => eprintln!("warning: could not run `ip netns del {}`: {error}", self.name),
        }
    }
}

/// Extra mounts some tools need inside a [`Sandbox`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// `/sys` remounted read-only: networkd then treats udev as absent and
    /// does not wait for "udev initialization" of each link.
    pub read_only_sys: bool,
    /// A private tmpfs on `/dev/net` with a `0666` `tun` node (udev makes the
    /// node 0666 at boot; networkd drops to `systemd-network` and needs it
    /// for `Kind=tap`). The host's node is never changed.
    pub tun: bool,
    /// `modprobe` bind-mounted to `/bin/true` (ufw's `IPT_MODULES` would load
    /// host kernel modules).
    pub no_modprobe: bool,
}

impl Features {
    /// What systemd-networkd needs.
    pub const NETWORKD: Self = Self {
        read_only_sys: true,
        tun: true,
        no_modprobe: false,
    };
    /// What ufw needs.
    pub const UFW: Self = Self {
        read_only_sys: false,
        tun: false,
        no_modprobe: true,
    };
}

/// A mount namespace in a [`Netns`] with overlays on `/etc` and `/var` and a
/// private `/run`, one for the sandbox's whole life (a holder process keeps
/// it; every script enters it), so what one script writes through the
/// overlays is what a daemon started by another sees, inotify included —
/// as on one host. Everything is deleted on drop, after every process in the
/// namespace has been killed.
pub struct Sandbox<'ns> {
    netns: &'ns Netns,
    dir: TempDir,
    holder: u32,
    logs: AtomicUsize,
}

/// The mounts, run by `sh -c` before the caller's script (`$1`: the
/// sandbox directory, `$2`: the script). Only paths hostnet created go into
/// mount options, never test input.
const MOUNTS: &str = r#"set -e
d=$1
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/etc/upper,workdir=$d/etc/work" /etc
mount -t overlay overlay -o "lowerdir=/var,upperdir=$d/var/upper,workdir=$d/var/work" /var
mount --bind "$d/run" /run
"#;

const READ_ONLY_SYS: &str = "mount -o bind,remount,ro /sys\n";

const TUN: &str = "mount -t tmpfs -o mode=0755,size=64k hostnet-dev-net /dev/net
mknod -m 0666 /dev/net/tun c 10 200
";

const NO_MODPROBE: &str = "for m in /usr/sbin/modprobe /sbin/modprobe; do
  if [ -e \"$m\" ] && [ ! -L \"$m\" ]; then mount --bind /bin/true \"$m\"; fi
done
";

impl<'ns> Sandbox<'ns> {
    /// A sandbox in `netns` whose `/etc` and `/var` show `stage/etc` and
    /// `stage/var` over the host's (either may be missing).
    pub fn new(netns: &'ns Netns, stage: &Path, features: Features) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("hostnet-sandbox-")
            .tempdir_in(state_base())
            .expect("create the sandbox directory");
        for sub in ["etc/upper", "etc/work", "var/upper", "var/work", "run", "logs"] {
            fs_err::create_dir_all(dir.path().join(sub)).expect("create a sandbox directory");
        }
        for top in ["etc", "var"] {
            let from = stage.join(top);
            if from.is_dir() {
                let status = Command::new("cp")
                    .arg("-a")
                    .arg(from.join("."))
                    .arg(dir.path().join(top).join("upper"))
                    .status()
                    .expect("run cp");
                assert!(status.success(), "copy {} into the sandbox", from.display());
            }
        }
        // The holder: mounts once, then waits; scripts enter its namespaces.
        let mut mounts = MOUNTS.to_owned();
        if features.read_only_sys {
            mounts.push_str(READ_ONLY_SYS);
        }
        if features.tun {
            mounts.push_str(TUN);
        }
        if features.no_modprobe {
            mounts.push_str(NO_MODPROBE);
        }
        mounts.push_str(": > \"$d/mounted\"\nexec sleep 2147483647\n");
        let mut holder = netns.command(&["unshare", "-m", "--propagation", "private", "sh", "-c"]);
        holder.arg(mounts).arg("hostnet-sandbox").arg(dir.path());
        let holder = netns.spawn(holder, &dir.path().join("logs/holder.log"));
        let mounted = wait_for(Duration::from_secs(10), || {
            dir.path().join("mounted").exists().then_some(())
        });
        assert!(
            mounted.is_some(),
            "the sandbox's mounts failed:\n{}",
            fs_err::read_to_string(dir.path().join("logs/holder.log")).unwrap_or_default()
        );
        Self {
            netns,
            dir,
            holder,
            logs: AtomicUsize::new(0),
        }
    }

    /// The command that runs `script` with `sh` inside the sandbox.
    pub fn command(&self, script: &str) -> Command {
        let mut command = Command::new("nsenter");
        command
            .args(["--target", &self.holder.to_string(), "--mount", "--net", "sh", "-c"])
            .arg(script);
        command
    }

    /// Run `script` (POSIX sh) in the sandbox and wait for it.
    pub fn run(&self, script: &str) -> Output {
        self.command(script).output().expect("run the sandbox")
    }

    /// [`Sandbox::run`], panicking with the output unless it exits 0; returns
    /// stdout and stderr.
    pub fn run_ok(&self, script: &str) -> String {
        let output = self.run(script);
        let text = text(&output);
        assert!(output.status.success(), "sandbox script failed:\n{script}\n---\n{text}");
        text
    }

    /// Start `script` in the background (use `exec` for a daemon so the PID
    /// is the daemon's); its output goes to the returned log file.
    pub fn spawn(&self, script: &str) -> Background {
        let number = self.logs.fetch_add(1, Ordering::SeqCst);
        let log = self.dir.path().join("logs").join(format!("{number}.log"));
        let pid = self.netns.spawn(self.command(script), &log);
        Background { pid, log }
    }

    /// Run `script` in the sandbox's network namespace but not in a mount
    /// namespace of its own, with the system bus at the sandbox's private
    /// `/run/dbus/system_bus_socket`: for D-Bus clients (`nmcli`,
    /// `firewall-cmd`) of daemons started with [`Sandbox::spawn`], without
    /// mounting the overlays once more for every call.
    pub fn on_bus(&self, script: &str) -> Output {
        let socket = self.run_dir().join("dbus/system_bus_socket");
        self.netns
            .command(&["sh", "-c", script])
            .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", socket.display()))
            .output()
            .expect("run a D-Bus client in the sandbox's namespace")
    }

    /// [`Sandbox::on_bus`], panicking with the output unless it exits 0.
    pub fn on_bus_ok(&self, script: &str) -> String {
        let output = self.on_bus(script);
        let text = text(&output);
        assert!(output.status.success(), "{script} failed:\n{text}");
        text
    }

    /// The sandbox's `/run`, seen from the host (e.g.
    /// `run_dir().join("systemd/netif/links")`).
    pub fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// What the tools wrote under `/etc` or `/var` (`top`), seen from the host.
    pub fn upper(&self, top: &str) -> PathBuf {
        self.dir.path().join(top).join("upper")
    }
}

impl Drop for Sandbox<'_> {
    fn drop(&mut self) {
        // Processes in the namespace may still use the overlays and `/run`.
        self.netns.kill_all();
    }
}

/// A process started with [`Sandbox::spawn`].
pub struct Background {
    /// Its PID.
    pub pid: u32,
    /// Where its stdout and stderr go.
    pub log: PathBuf,
}

impl Background {
    /// The log so far.
    pub fn output(&self) -> String {
        fs_err::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Where sandbox directories go: the temp dir, unless it is itself on
/// overlayfs (a container's root), which cannot be an overlay's upper layer;
/// then `/dev/shm`.
fn state_base() -> PathBuf {
    let temp = std::env::temp_dir();
    let on_overlay = command_output("stat", &["-f", "-c", "%T", &temp.to_string_lossy()])
        .is_some_and(|kind| kind.trim() == "overlayfs");
    if on_overlay && Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        temp
    }
}
