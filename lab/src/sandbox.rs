//! The host's private mount namespace: `/etc` and `/var` are overlays over
//! the machine's (whatever the apply writes lands in the lab's scratch
//! directory), `/run` is private, and the accounts the playbook's TAPs are
//! owned by exist in its `/etc/passwd` and `/etc/group`; the lab's
//! stand-ins in `tools/` (the Wi-Fi driver's `iw`) are over `/usr/local/sbin`,
//! on every `PATH` (ifupdown sets its own). A holder process
//! (`sleep`) keeps the mount namespace; every command enters it with
//! `nsenter`. The holder runs in the host's network namespace, so deleting
//! that namespace (which kills every process in it) ends the mounts too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::LabError;
use crate::namespace::{Namespace, Netns};

const MOUNTS: &str = r#"set -e
d=$1
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/etc/upper,workdir=$d/etc/work" /etc
mount -t overlay overlay -o "lowerdir=/var,upperdir=$d/var/upper,workdir=$d/var/work" /var
mount --bind "$d/run" /run
if [ -d "$d/tools" ] && [ -d /usr/local/sbin ]; then
  mount -t overlay overlay -o "lowerdir=$d/tools:/usr/local/sbin" /usr/local/sbin
fi
if [ -e "$d/read-only-sys" ]; then mount -o bind,remount,ro /sys; fi
mount -t tmpfs -o mode=0755,size=64k hostnet-lab-dev-net /dev/net
mknod -m 0666 /dev/net/tun c 10 200
: > "$d/mounted"
exec sleep 2147483647
"#;

/// A mount namespace in the host's network namespace.
pub struct Sandbox {
    dir: PathBuf,
    holder: u32,
}

impl Sandbox {
    /// Mount the sandbox in `host`, its state under `dir` (a fresh
    /// directory of the lab's, not on overlayfs).
    /// `stage` (rendered files, `etc/` and `var/`) is copied into the
    /// overlays first; `read_only_sys` remounts `/sys` read-only (networkd
    /// then treats udev as absent).
    pub fn new(
        host: &Netns,
        dir: &Path,
        stage: Option<&Path>,
        read_only_sys: bool,
        (users, groups): (&[String], &[String]),
    ) -> Result<Self, LabError> {
        for sub in ["etc/upper", "etc/work", "var/upper", "var/work", "run"] {
            fs_err::create_dir_all(dir.join(sub)).map_err(|error| LabError::new(error.to_string()))?;
        }
        if read_only_sys {
            fs_err::write(dir.join("read-only-sys"), "").map_err(|error| LabError::new(error.to_string()))?;
        }
        for top in ["etc", "var"] {
            let from = stage.map(|stage| stage.join(top)).filter(|from| from.is_dir());
            if let Some(from) = from {
                let mut copy = Command::new("cp");
                copy.arg("-a").arg(from.join(".")).arg(dir.join(top).join("upper"));
                crate::namespace::run_ok(copy)?;
            }
        }
        add_accounts(&dir.join("etc/upper"), users, groups)?;
        let log = fs_err::File::create(dir.join("holder.log")).map_err(|error| LabError::new(error.to_string()))?;
        let mut holder = host.command_in(&["unshare", "-m", "--propagation", "private", "sh", "-c", MOUNTS]);
        holder.arg("hostnet-lab-sandbox").arg(dir);
        let child = holder
            .stdin(std::process::Stdio::null())
            .stdout(
                log.file()
                    .try_clone()
                    .map_err(|error| LabError::new(error.to_string()))?,
            )
            .stderr(log.into_file())
            .spawn()
            .map_err(|error| LabError::new(format!("cannot start the sandbox: {error}")))?;
        let holder = child.id();
        let start = Instant::now();
        while !dir.join("mounted").exists() {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(LabError::new(format!(
                    "the sandbox's mounts failed:\n{}",
                    fs_err::read_to_string(dir.join("holder.log")).unwrap_or_default()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The holder is reaped by nobody until the namespace goes; forget the handle.
        drop(child);
        Ok(Self {
            dir: dir.to_owned(),
            holder,
        })
    }

    /// `nsenter` into the sandbox, then `argv`.
    pub fn command(&self, argv: &[&str]) -> Command {
        let mut command = Command::new("nsenter");
        command
            .args(["--target", &self.holder.to_string(), "--mount", "--net", "--"])
            .args(argv);
        command
    }

    /// The sandbox's own directory (logs go here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The sandbox's `/run`, seen from outside.
    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }
}

/// The machine's `/etc/passwd` and `/etc/group` with `users` and `groups`
/// added where missing, in the overlay's upper directory.
fn add_accounts(upper: &Path, users: &[String], groups: &[String]) -> Result<(), LabError> {
    let io = |error: std::io::Error| LabError::new(error.to_string());
    for (file, names, line) in [
        (
            "passwd",
            users,
            &(|name: &str, id: u32| format!("{name}:x:{id}:{id}::/nonexistent:/usr/sbin/nologin\n"))
                as &dyn Fn(&str, u32) -> String,
        ),
        ("group", groups, &|name: &str, id: u32| format!("{name}:x:{id}:\n")),
    ] {
        if names.is_empty() {
            continue;
        }
        let mut text = fs_err::read_to_string(Path::new("/etc").join(file)).map_err(io)?;
        let known = |name: &str| text.lines().any(|entry| entry.split(':').next() == Some(name));
        let missing: Vec<&String> = names.iter().filter(|name| !known(name)).collect();
        if missing.is_empty() {
            continue;
        }
        for (offset, name) in (0_u32..).zip(missing) {
            if !text.ends_with('\n') && !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line(name, 64_000 + offset));
        }
        fs_err::write(upper.join(file), text).map_err(io)?;
    }
    Ok(())
}
