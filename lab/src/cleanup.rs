//! Everything a lab run leaves on the machine, listed as it is made, so
//! that it goes on success, on failure, and on SIGINT or SIGTERM: the
//! namespaces (with every process in them: dnsmasq, relays, DHCP clients,
//! QEMU, the sandbox's holder, whose private mount namespace holds the
//! overlays) and the scratch directories.
//!
//! [`watch_signals`] starts a thread that, on SIGINT, SIGTERM or SIGHUP,
//! removes all of it and exits with 128 + the signal. With `--keep`
//! ([`keep`]) nothing is removed on success or failure; a signal still
//! cleans up (the user interrupted the run).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::process;

#[derive(Default)]
struct Registry {
    namespaces: Vec<String>,
    directories: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    namespaces: Vec::new(),
    directories: Vec::new(),
});
static KEEP: AtomicBool = AtomicBool::new(false);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Leave everything in place at the end of the run (`--keep`).
pub fn keep() {
    KEEP.store(true, Ordering::SeqCst);
}

/// Was `--keep` asked for?
pub fn keeping() -> bool {
    KEEP.load(Ordering::SeqCst)
}

/// Run `create` (which makes namespace `name`) with `name` listed, under
/// the registry's lock: a signal's [`purge`] sees it, made or not.
pub(crate) fn create_netns<T>(name: &str, create: impl FnOnce() -> T) -> T {
    let mut registry = registry();
    registry.namespaces.push(name.to_owned());
    create()
}

pub(crate) fn forget_netns(name: &str) {
    registry().namespaces.retain(|known| known != name);
}

pub(crate) fn register_dir(path: PathBuf) {
    registry().directories.push(path);
}

pub(crate) fn forget_dir(path: &std::path::Path) {
    registry().directories.retain(|known| known != path);
}

/// Remove every namespace (processes first) and directory still listed.
pub fn purge() {
    let mut registry = registry();
    purge_locked(&mut registry);
}

/// [`purge`] with the registry held (a signal keeps it until exit, so the
/// run cannot make anything more meanwhile).
fn purge_locked(registry: &mut Registry) {
    let namespaces = std::mem::take(&mut registry.namespaces);
    let directories = std::mem::take(&mut registry.directories);
    // Processes first, everywhere: a relay in the host holds a guest's link.
    for name in &namespaces {
        process::kill_all(name);
    }
    for name in namespaces.iter().rev() {
        process::delete(name);
    }
    for directory in directories {
        let _ = fs_err::remove_dir_all(directory);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: [`purge`], then exit 128 + the signal.
pub fn watch_signals() -> Result<(), crate::LabError> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|error| crate::LabError::new(format!("cannot watch for signals: {error}")))?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let mut registry = registry();
            purge_locked(&mut registry);
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                b"hostnet lab: interrupted; the lab's namespaces, processes and files are removed\n",
            );
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}
