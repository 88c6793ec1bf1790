//! A real QEMU guest for `hostnet lab --qemu`: a Debian kernel (the
//! `linux-image-<abi>-amd64` package `linux-image-amd64` depends on,
//! `apt-get download`ed and unpacked into a cache, never installed) booted
//! directly as an uncompressed `vmlinux`, and an initramfs with
//! busybox-static, an `/init` ([`INIT`]) and the NIC modules. The guest
//! takes its lease on the TAP hostnet made, pings what the lab asks and
//! prints one line each on its serial console; the lab reads them.
//!
//! KVM when the CPU has vmx or svm, TCG otherwise (`/dev/kvm` may exist and
//! be unusable).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::LabError;
use crate::namespace::{self, Namespace, Netns};

const INIT: &str = include_str!("assets/guest-init");
const UDHCPC: &str = crate::udhcpc::SCRIPT;
/// The NIC modules, in load order.
const MODULES: [&str; 9] = [
    "virtio_ring",
    "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev",
    "virtio",
    "virtio_pci",
    "failover",
    "net_failover",
    "virtio_net",
    "e1000",
];
/// Where the kernel and initramfs are kept between runs.
pub const CACHE: &str = "/var/cache/hostnet/lab-guest";

fn io(what: &Path) -> impl Fn(std::io::Error) -> LabError + '_ {
    move |error| LabError::new(format!("{}: {error}", what.display()))
}

/// The guest's kernel and initramfs, built once into `cache`.
pub struct Image {
    /// The uncompressed kernel.
    pub kernel: PathBuf,
    /// The initramfs (newc cpio).
    pub initrd: PathBuf,
}

/// The kernel and initramfs in `cache`, built first when missing.
pub fn image(cache: &Path, progress: &mut dyn FnMut(&str)) -> Result<Image, LabError> {
    let image = Image {
        kernel: cache.join("vmlinux"),
        initrd: cache.join("initramfs.cpio"),
    };
    if image.kernel.exists() && image.initrd.exists() {
        return Ok(image);
    }
    progress("building the guest image (once): the Debian kernel package, busybox-static");
    fs_err::create_dir_all(cache).map_err(io(cache))?;
    let mut depends = Command::new("apt-cache");
    depends.args(["depends", "linux-image-amd64"]);
    let text = namespace::run_ok(depends)?;
    let package = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Depends: "))
        .filter(|name| name.starts_with("linux-image-"))
        .ok_or_else(|| LabError::new(format!("apt-cache depends linux-image-amd64 names no kernel:\n{text}")))?
        .to_owned();
    // Per process: two labs may build the cache at once; each renames its
    // files into place when done.
    let download = cache.join(format!("build-{}", std::process::id()));
    let _ = fs_err::remove_dir_all(&download);
    fs_err::create_dir_all(&download).map_err(io(&download))?;
    let mut get = Command::new("apt-get");
    get.args(["download", "-q", &package]).current_dir(&download);
    namespace::run_ok(get)?;
    let deb = fs_err::read_dir(&download)
        .map_err(io(&download))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .ok_or_else(|| LabError::new(format!("apt-get download {package} left no .deb")))?;
    let root = download.join("root");
    let mut unpack = Command::new("dpkg");
    unpack.arg("-x").arg(&deb).arg(&root);
    namespace::run_ok(unpack)?;
    let vmlinuz = fs_err::read_dir(root.join("boot"))
        .map_err(io(&root))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("vmlinuz-"))
        })
        .ok_or_else(|| LabError::new(format!("{package} has no /boot/vmlinuz-*")))?;
    let vmlinux = extract_vmlinux(&vmlinuz, &download)?;
    let mut files: Vec<(String, Vec<u8>, u32)> = vec![
        ("init".into(), INIT.as_bytes().to_vec(), 0o100_755),
        ("udhcpc.script".into(), UDHCPC.as_bytes().to_vec(), 0o100_755),
        (
            "bin/busybox".into(),
            fs_err::read("/bin/busybox").map_err(io(Path::new("/bin/busybox")))?,
            0o100_755,
        ),
    ];
    for module in MODULES {
        if let Some(bytes) = module_bytes(&root, module)? {
            files.push((format!("lib/modules/{module}.ko"), bytes, 0o100_644));
        }
    }
    let cpio = newc(
        &["bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "tmp"],
        &files,
    );
    let (initrd, kernel) = (download.join("initramfs.cpio"), download.join("vmlinux"));
    fs_err::write(&initrd, cpio).map_err(io(&initrd))?;
    fs_err::write(&kernel, vmlinux).map_err(io(&kernel))?;
    fs_err::rename(&initrd, &image.initrd).map_err(io(&image.initrd))?;
    fs_err::rename(&kernel, &image.kernel).map_err(io(&image.kernel))?;
    let _ = fs_err::remove_dir_all(&download);
    Ok(image)
}

/// The uncompressed kernel inside `vmlinuz`: the xz (or zstd) payload
/// that decompresses to an ELF file.
fn extract_vmlinux(vmlinuz: &Path, scratch: &Path) -> Result<Vec<u8>, LabError> {
    let bytes = fs_err::read(vmlinuz).map_err(io(vmlinuz))?;
    let candidates: [(&[u8], &str); 2] = [(b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd")];
    for (magic, tool) in candidates {
        for offset in (0..bytes.len().saturating_sub(magic.len())).filter(|at| bytes[*at..].starts_with(magic)) {
            let part = scratch.join("payload");
            fs_err::write(&part, &bytes[offset..]).map_err(io(&part))?;
            let mut decompress = Command::new(tool);
            decompress.args(["-dc", "-q"]).arg(&part);
            if let Ok(output) = decompress.output()
                && output.stdout.starts_with(b"\x7fELF")
            {
                return Ok(output.stdout);
            }
        }
    }
    Err(LabError::new(format!(
        "found no kernel image inside {}",
        vmlinuz.display()
    )))
}

/// A module's `.ko` from the unpacked package (`.ko.xz` decompressed).
fn module_bytes(root: &Path, module: &str) -> Result<Option<Vec<u8>>, LabError> {
    let mut find = Command::new("find");
    find.arg(root.join("lib/modules"))
        .args(["-name", &format!("{module}.ko*")]);
    let found = namespace::run_ok(find).unwrap_or_default();
    let Some(path) = found.lines().next() else {
        return Ok(None);
    };
    if path.ends_with(".xz") {
        let mut decompress = Command::new("xz");
        decompress.args(["-dc", path]);
        let output = namespace::output(decompress)?;
        return Ok(Some(output.stdout));
    }
    fs_err::read(path).map(Some).map_err(io(Path::new(path)))
}

/// A newc cpio archive of `dirs` and `files` (name, contents, mode).
fn newc(dirs: &[&str], files: &[(String, Vec<u8>, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut inode = 1_u32;
    let mut entry = |out: &mut Vec<u8>, name: &str, data: &[u8], mode: u32| {
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let name_size = u32::try_from(name.len() + 1).unwrap_or(u32::MAX);
        let _ = write!(
            out,
            "070701{inode:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{size:08x}{:08x}{:08x}{:08x}{:08x}{name_size:08x}{:08x}",
            0, 0, 1, 0, 0, 0, 0, 0, 0
        );
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out.extend_from_slice(data);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        inode += 1;
    };
    for dir in dirs {
        entry(&mut out, dir, &[], 0o040_755);
    }
    for (name, data, mode) in files {
        entry(&mut out, name, data, *mode);
    }
    entry(&mut out, "TRAILER!!!", &[], 0);
    out
}

/// What a guest printed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Its MAC (`/sys/class/net/eth0/address`).
    pub mac: String,
    /// Its NIC's driver.
    pub driver: String,
    /// The address it leased (empty: none).
    pub ip: String,
    /// The routers option.
    pub router: String,
    /// `(target, answered)` per ping.
    pub pings: Vec<(String, bool)>,
    /// The accelerator (`kvm` or `tcg`).
    pub accel: &'static str,
    /// Seconds from start to power-off.
    pub seconds: f64,
}

/// Can KVM be used? `/dev/kvm` and vmx or svm in the CPU flags.
fn kvm() -> bool {
    Path::new("/dev/kvm").exists()
        && fs_err::read_to_string("/proc/cpuinfo").is_ok_and(|cpu| {
            cpu.lines()
                .filter(|line| line.starts_with("flags"))
                .any(|line| line.split_whitespace().any(|flag| flag == "vmx" || flag == "svm"))
        })
}

/// Boot a guest in `host` on `tap` with `mac` and NIC `model`; it pings
/// `targets`; its serial log goes to `log`.
pub fn boot(
    host: &Netns,
    image: &Image,
    (tap, mac, model): (&str, &str, &str),
    targets: &[String],
    log: &Path,
) -> Result<Outcome, LabError> {
    let accel = if kvm() { "kvm" } else { "tcg" };
    let started = Instant::now();
    let kernel = image.kernel.to_string_lossy();
    let initrd = image.initrd.to_string_lossy();
    let append = format!(
        "console=ttyS0 quiet panic=-1 cryptomgr.notests targets={}",
        targets.join(",")
    );
    let serial = format!("file:{}", log.display());
    let netdev = format!("tap,id=net0,ifname={tap},script=no,downscript=no");
    let device = format!("{model},netdev=net0,mac={mac}");
    let mut argv: Vec<&str> = vec!["qemu-system-x86_64"];
    if accel == "kvm" {
        argv.extend(["-accel", "kvm", "-cpu", "host"]);
    } else {
        argv.extend(["-accel", "tcg", "-cpu", "max", "-smp", "1"]);
    }
    argv.extend([
        "-m",
        "256",
        "-nodefaults",
        "-display",
        "none",
        "-no-reboot",
        "-kernel",
        &kernel,
        "-initrd",
        &initrd,
        "-append",
        &append,
        "-serial",
        &serial,
        "-netdev",
        &netdev,
        "-device",
        &device,
    ]);
    let mut command = host.command_in(&argv);
    command.stdin(std::process::Stdio::null());
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|error| LabError::new(format!("cannot start qemu: {error}")))?;
    let deadline = Duration::from_secs(90);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = fs_err::read_to_string(log).unwrap_or_default();
    if !text.contains("GUEST-DONE") {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        return Err(LabError::new(format!(
            "the QEMU guest on {tap} did not finish within {} s:\n{}{}",
            deadline.as_secs(),
            stderr,
            text.lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        )));
    }
    let mut outcome = Outcome {
        accel,
        seconds: started.elapsed().as_secs_f64(),
        ..Outcome::default()
    };
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("GUEST-RESULT ") {
            for word in rest.split_whitespace() {
                match word.split_once('=') {
                    Some(("mac", value)) => outcome.mac = value.to_owned(),
                    Some(("driver", value)) => outcome.driver = value.to_owned(),
                    Some(("ip", value)) => outcome.ip = value.to_owned(),
                    Some(("router", value)) => outcome.router = value.to_owned(),
                    _ => {}
                }
            }
        } else if let Some((target, answer)) = line.strip_prefix("GUEST-PING ").and_then(|rest| rest.split_once(' ')) {
            outcome.pings.push((target.to_owned(), answer == "yes"));
        }
    }
    Ok(outcome)
}
