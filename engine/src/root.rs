//! The root every read and write goes through: `/` on a real host, a
//! directory in tests, image builds and reviews.
//!
//! Paths inside it are [`SysPath`]s: absolute, normalised, without `..`, so
//! nothing a playbook says can escape `--root`. Only this module, `apply.rs`
//! and `facts.rs` touch the file system.

use std::fmt;
use std::io::ErrorKind as IoKind;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::source::{Pos, Source};

/// An absolute path on the managed host, e.g. `/etc/conf.d/net`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SysPath(String);

impl SysPath {
    /// Parse an absolute path; `..`, `.` and empty components are refused.
    pub fn new(path: &str) -> std::result::Result<Self, String> {
        if !path.starts_with('/') {
            return Err(format!("`{path}` is not an absolute path"));
        }
        if path.contains('\0') || path.contains('\n') {
            return Err(format!("`{}` contains a control character", path.escape_debug()));
        }
        // Already normal, as nearly every path a backend builds is.
        if path[1..].split('/').all(|part| !matches!(part, "" | "." | "..")) {
            return Ok(Self(path.to_owned()));
        }
        let mut normal = String::new();
        for component in Path::new(path).components() {
            match component {
                Component::RootDir => {}
                Component::Normal(part) => {
                    normal.push('/');
                    normal.push_str(&part.to_string_lossy());
                }
                Component::ParentDir => return Err(format!("`{path}` contains `..`")),
                Component::CurDir | Component::Prefix(_) => {}
            }
        }
        if normal.is_empty() {
            return Err("`/` itself cannot be managed".to_owned());
        }
        Ok(Self(normal))
    }

    /// A path built from trusted parts (backends); panics on a bad path, which is a bug.
    pub fn from_static(path: impl AsRef<str>) -> Self {
        match Self::new(path.as_ref()) {
            Ok(path) => path,
            Err(message) => panic!("internal error: {message}"),
        }
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The parent directory (`None` for a top-level entry).
    pub fn parent(&self) -> Option<Self> {
        let (parent, _) = self.0.rsplit_once('/')?;
        (!parent.is_empty()).then(|| Self(parent.to_owned()))
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit_once('/').map_or(self.0.as_str(), |(_, name)| name)
    }

    /// Relative form (`etc/conf.d/net`), for joining under a directory.
    pub fn relative(&self) -> &str {
        &self.0[1..]
    }
}

impl<'de> serde::Deserialize<'de> for SysPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for SysPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is at a path now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Missing,
    File {
        content: Vec<u8>,
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Link {
        target: String,
    },
    Directory,
}

/// The directory that stands for `/`.
#[derive(Clone, Debug)]
pub struct Root {
    dir: PathBuf,
    /// Is `dir` the machine's own `/` (compared canonically)?
    live: bool,
    /// Read where `dir` has nothing (`hostnet render`: the output tree over
    /// the root whose files it renders).
    lower: Option<Box<Root>>,
    /// What reading the tree found (shared by clones).
    seen: Arc<std::sync::Mutex<Seen>>,
}

/// What [`Root::resolve`] found while reading the tree, so each directory on
/// the way is statted once per run instead of once per file under it (a
/// plan of 1,000 lease files in one directory, 1,000 `net.tapN` links in
/// `/etc/init.d`): directories that are directories (not links), and paths
/// that do not exist — nothing exists under a missing directory. Held for
/// one [`crate::mutate::generation`]: whatever hostnet writes, removes or
/// runs forgets it all.
#[derive(Debug, Default)]
struct Seen {
    generation: u64,
    directories: foldhash::HashSet<Vec<u8>>,
    missing: foldhash::HashSet<Vec<u8>>,
    /// What the last component of a path resolved with [`Follow::Yes`]
    /// is (not a link): read next, without a second stat.
    files: foldhash::HashMap<Vec<u8>, std::fs::Metadata>,
}

/// What the cache knows of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    Directory,
    Missing,
    Unknown,
}

/// Whether the last component of a path is followed when it is a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// The path itself (a link hostnet manages, a path it removes).
    No,
    /// What the path points at (a file hostnet reads or edits).
    Yes,
}

/// Links followed while resolving one path before it is a loop (Linux: 40).
const MAX_LINKS: usize = 40;

impl Root {
    /// A root at `dir` (`/` for the live host). The root is live when `dir`
    /// is the machine's `/` however it is spelled (`/var/..`, a link to `/`).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        let live = std::fs::canonicalize(&dir).is_ok_and(|canonical| canonical == Path::new("/"));
        Self {
            dir,
            live,
            lower: None,
            seen: Arc::default(),
        }
    }

    /// This root read over `lower`: a path missing here is read there (a
    /// tree being rendered over the root it is rendered for). Never live.
    #[must_use]
    pub fn over(self, lower: Root) -> Self {
        Self {
            live: false,
            lower: Some(Box::new(lower)),
            ..self
        }
    }

    /// Is this the live host's `/`? Only then are commands executed.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// ` --root DIR` for a hint naming a command, empty on the live root.
    pub fn flag(&self) -> String {
        if self.live {
            String::new()
        } else {
            format!(" --root {}", self.dir.display())
        }
    }

    /// Where `path` is on this machine, spelled under the root (for
    /// messages; reads and writes go through [`Root::resolve`]).
    pub fn host_path(&self, path: &SysPath) -> PathBuf {
        self.dir.join(path.relative())
    }

    /// Where `path` really is under the root, with chroot semantics: every
    /// link on the way is followed inside the root (an absolute target is
    /// taken from the root, `..` stops at it), so no path leaves the root
    /// whatever links it holds. `follow` says whether a link at the end is
    /// followed too. Components that do not exist yet are kept as written.
    pub fn resolve(&self, path: &SysPath, follow: Follow) -> Result<SysPath> {
        self.resolve_known(path, follow).map(|(resolved, _)| resolved)
    }

    /// [`Root::resolve`], and whether the path was found missing on the way
    /// (a component that does not exist: then neither does the path).
    #[expect(
        clippy::disallowed_methods,
        reason = "root.rs is one of the modules that reads the host"
    )]
    fn resolve_known(&self, path: &SysPath, follow: Follow) -> Result<(SysPath, bool)> {
        // Nearly every path has no link on the way: walk it in place, and
        // take the general way below only at a link or a non-directory.
        let parts = path.relative().split('/');
        let count = parts.clone().count();
        let mut candidate = self.dir.clone();
        for (index, part) in parts.enumerate() {
            let last = index + 1 == count;
            if last && follow == Follow::No {
                break;
            }
            candidate.push(part);
            match self.known(&candidate) {
                Known::Directory if !last => continue,
                Known::Missing => return Ok((path.clone(), true)),
                _ => {}
            }
            match std::fs::symlink_metadata(&candidate) {
                Ok(metadata) if metadata.file_type().is_symlink() => return self.resolve_links(path, follow),
                Ok(metadata) if last => self.remember_file(candidate.clone(), metadata),
                Ok(metadata) if metadata.is_dir() => self.remember(candidate.clone(), Known::Directory),
                Ok(_) => return self.resolve_links(path, follow),
                Err(error) if error.kind() == IoKind::NotFound => {
                    self.remember(candidate, Known::Missing);
                    return Ok((path.clone(), true));
                }
                Err(error) => return Err(read_error(&candidate, &error)),
            }
        }
        Ok((path.clone(), false))
    }

    /// [`Root::resolve_known`] of a path with a link (or a non-directory) on
    /// the way: every link followed inside the root.
    #[expect(
        clippy::disallowed_methods,
        reason = "root.rs is one of the modules that reads the host"
    )]
    fn resolve_links(&self, path: &SysPath, follow: Follow) -> Result<(SysPath, bool)> {
        let mut pending: Vec<String> = path.relative().split('/').rev().map(str::to_owned).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        let mut missing = false;
        while let Some(part) = pending.pop() {
            // The end of a directory link's target: it must exist (a
            // dangling link is not a directory to create things under).
            if let Some(link) = part.strip_prefix('\0') {
                if missing {
                    let (link, target) = link.split_once('\0').unwrap_or((link, ""));
                    return Err(Error::new(ErrorKind::Read {
                        path: self.host_path(path),
                        message: format!("`{link}` is a symbolic link to `{target}`, which does not exist"),
                    }));
                }
                continue;
            }
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            if missing {
                done.push(part);
                continue;
            }
            let last = pending
                .iter()
                .all(|rest| rest.is_empty() || rest == "." || rest.starts_with('\0'));
            if last && follow == Follow::No {
                // Kept as written whatever it is (a link at the end is not followed).
                done.push(part);
                continue;
            }
            let mut candidate = self.dir.clone();
            candidate.extend(&done);
            candidate.push(&part);
            match self.known(&candidate) {
                Known::Directory if !last => {
                    done.push(part);
                    continue;
                }
                Known::Missing => {
                    missing = true;
                    done.push(part);
                    continue;
                }
                _ => {}
            }
            let metadata = match std::fs::symlink_metadata(&candidate) {
                Ok(metadata) => metadata,
                Err(error) if error.kind() == IoKind::NotFound => {
                    self.remember(candidate, Known::Missing);
                    missing = true;
                    done.push(part);
                    continue;
                }
                Err(error) => return Err(read_error(&candidate, &error)),
            };
            if metadata.file_type().is_symlink() && (!last || follow == Follow::Yes) {
                links += 1;
                if links > MAX_LINKS {
                    return Err(Error::new(ErrorKind::Read {
                        path: self.host_path(path),
                        message: "too many levels of symbolic links (a loop?)".into(),
                    }));
                }
                let target = std::fs::read_link(&candidate).map_err(|error| read_error(&candidate, &error))?;
                let target = target.to_string_lossy().into_owned();
                if !last {
                    let mut shown = String::new();
                    for component in done.iter().chain(std::iter::once(&part)) {
                        shown.push('/');
                        shown.push_str(component);
                    }
                    pending.push(format!("\0{shown}\0{target}"));
                }
                if target.starts_with('/') {
                    done.clear();
                }
                pending.extend(target.split('/').rev().map(str::to_owned));
                continue;
            }
            if !last && metadata.is_dir() {
                self.remember(candidate, Known::Directory);
            }
            if !last && !metadata.is_dir() {
                let mut shown = String::new();
                for component in done.iter().chain(std::iter::once(&part)) {
                    shown.push('/');
                    shown.push_str(component);
                }
                return Err(Error::new(ErrorKind::Read {
                    path: self.host_path(path),
                    message: format!("`{shown}` is not a directory"),
                }));
            }
            done.push(part);
        }
        if done.is_empty() {
            return Err(Error::new(ErrorKind::Read {
                path: self.host_path(path),
                message: "resolves to the root directory itself".into(),
            }));
        }
        let resolved = SysPath::new(&format!("/{}", done.join("/"))).map_err(|message| {
            Error::new(ErrorKind::Read {
                path: self.host_path(path),
                message,
            })
        })?;
        Ok((resolved, missing))
    }

    /// What this run found so far, emptied first when hostnet has changed
    /// anything since (`None`: a poisoned lock, so nothing is known).
    fn seen(&self) -> Option<std::sync::MutexGuard<'_, Seen>> {
        let mut seen = self.seen.lock().ok()?;
        let generation = crate::mutate::generation();
        if seen.generation != generation {
            *seen = Seen {
                generation,
                ..Seen::default()
            };
        }
        Some(seen)
    }

    /// What this run already found at `path`.
    fn known(&self, path: &Path) -> Known {
        let Some(seen) = self.seen() else { return Known::Unknown };
        let path = path.as_os_str().as_bytes();
        if seen.missing.contains(path) {
            Known::Missing
        } else if seen.directories.contains(path) {
            Known::Directory
        } else {
            Known::Unknown
        }
    }

    fn known_file(&self, path: &Path) -> Option<std::fs::Metadata> {
        self.seen()?.files.get(path.as_os_str().as_bytes()).cloned()
    }

    fn remember_file(&self, path: PathBuf, metadata: std::fs::Metadata) {
        if let Some(mut seen) = self.seen() {
            seen.files.insert(path.into_os_string().into_vec(), metadata);
        }
    }

    fn remember(&self, path: PathBuf, what: Known) {
        let Some(mut seen) = self.seen() else { return };
        let path = path.into_os_string().into_vec();
        match what {
            Known::Directory => seen.directories.insert(path),
            Known::Missing => seen.missing.insert(path),
            Known::Unknown => false,
        };
    }

    /// The path on this machine where `path` really is ([`Root::resolve`]).
    pub fn resolved_host_path(&self, path: &SysPath, follow: Follow) -> Result<PathBuf> {
        Ok(self.host_path(&self.resolve(path, follow)?))
    }

    /// What is at `path` now (links on the way are followed inside the
    /// root, a link at the end is reported as a link).
    pub fn entry(&self, path: &SysPath) -> Result<Entry> {
        let entry = self.entry_here(path)?;
        match &self.lower {
            Some(lower) if entry == Entry::Missing => lower.entry(path),
            _ => Ok(entry),
        }
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "root.rs is one of the modules that reads the host"
    )]
    fn entry_here(&self, path: &SysPath) -> Result<Entry> {
        let (resolved, missing) = self.resolve_known(path, Follow::No)?;
        let host = self.host_path(&resolved);
        if missing || self.known(&host) == Known::Missing {
            return Ok(Entry::Missing);
        }
        let metadata = match self
            .known_file(&host)
            .map_or_else(|| std::fs::symlink_metadata(&host), Ok)
        {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == IoKind::NotFound || error.kind() == IoKind::NotADirectory => {
                self.remember(host, Known::Missing);
                return Ok(Entry::Missing);
            }
            Err(error) => return Err(read_error(&host, &error)),
        };
        if metadata.file_type().is_symlink() {
            let target = std::fs::read_link(&host).map_err(|error| read_error(&host, &error))?;
            return Ok(Entry::Link {
                target: target.to_string_lossy().into_owned(),
            });
        }
        if metadata.is_dir() {
            return Ok(Entry::Directory);
        }
        if !metadata.is_file() {
            return Err(Error::new(ErrorKind::Read {
                path: host,
                message: "is not a regular file (a device, socket or pipe)".into(),
            }));
        }
        // The size is known: one open, the reads, no second stat.
        let mut content = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0).saturating_add(1));
        std::fs::File::open(&host)
            .and_then(|file| std::io::Read::read_to_end(&mut std::io::Read::take(file, u64::MAX), &mut content))
            .map_err(|error| read_error(&host, &error))?;
        Ok(Entry::File {
            content,
            mode: metadata.permissions().mode() & 0o7777,
            uid: metadata.uid(),
            gid: metadata.gid(),
        })
    }

    /// The bytes of the file `path` points at, or `None` when there is no file.
    pub fn read_bytes(&self, path: &SysPath) -> Result<Option<Vec<u8>>> {
        match self.entry_here(&self.resolve(path, Follow::Yes)?)? {
            Entry::File { content, .. } => Ok(Some(content)),
            Entry::Missing => match &self.lower {
                Some(lower) => lower.read_bytes(path),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// The text of the file `path` points at, or `None` when there is no file.
    pub fn read_text(&self, path: &SysPath) -> Result<Option<String>> {
        Ok(self
            .read_bytes(path)?
            .map(|content| String::from_utf8_lossy(&content).into_owned()))
    }

    /// Does anything exist at `path` (a dangling link counts)?
    pub fn exists(&self, path: &SysPath) -> Result<bool> {
        Ok(self.entry(path)? != Entry::Missing)
    }

    /// Names in a directory, sorted; empty when it does not exist.
    #[expect(
        clippy::disallowed_methods,
        reason = "root.rs is one of the modules that reads the host"
    )]
    pub fn list(&self, path: &SysPath) -> Result<Vec<String>> {
        let host = self.resolved_host_path(path, Follow::Yes)?;
        let entries = match std::fs::read_dir(&host) {
            Ok(entries) => entries,
            Err(error) if error.kind() == IoKind::NotFound || error.kind() == IoKind::NotADirectory => {
                return match &self.lower {
                    Some(lower) => lower.list(path),
                    None => Ok(Vec::new()),
                };
            }
            Err(error) => return Err(read_error(&host, &error)),
        };
        let mut names = match &self.lower {
            Some(lower) => lower.list(path)?,
            None => Vec::new(),
        };
        for entry in entries {
            let entry = entry.map_err(|error| read_error(&host, &error))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// The largest playbook, vars file or `src` template hostnet reads (1 MiB):
/// more is not a playbook, and a device such as `/dev/zero` never ends.
pub const MAX_SOURCE_BYTES: u64 = 1 << 20;

/// Read a playbook, vars file or template whole, naming it on failure: a
/// regular file of at most [`MAX_SOURCE_BYTES`], in UTF-8 (an invalid byte
/// is reported at its line and column).
pub fn read_source(path: &Path) -> Result<Arc<Source>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|error| read_error(path, &error))?;
    let metadata = file.metadata().map_err(|error| read_error(path, &error))?;
    if !metadata.is_file() {
        return Err(Error::new(ErrorKind::Read {
            path: path.to_path_buf(),
            message: "is not a regular file".into(),
        }));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| read_error(path, &error))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Error::new(ErrorKind::Read {
            path: path.to_path_buf(),
            message: format!("is larger than {MAX_SOURCE_BYTES} bytes"),
        }));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(path, text)),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let before = String::from_utf8_lossy(&bytes[..valid]);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
            let source = Source::new(path, String::from_utf8_lossy(&bytes).into_owned());
            Err(Error::at(
                &Pos::new(
                    &source,
                    u32::try_from(line).unwrap_or(u32::MAX),
                    u32::try_from(column).unwrap_or(u32::MAX),
                ),
                ErrorKind::Invalid {
                    message: format!(
                        "not UTF-8 text: the byte 0x{:02x} here is not valid UTF-8",
                        bytes[valid]
                    ),
                    hint: Some("save the file as UTF-8".into()),
                },
            ))
        }
    }
}

/// Read a `src` template: `relative` to the playbook's directory `base`,
/// and inside it (no absolute path, no `..`, no link out of it), a regular
/// file of at most [`MAX_SOURCE_BYTES`]. The message says what is wrong.
pub fn read_template(base: &Path, relative: &str) -> std::result::Result<Arc<Source>, String> {
    let path = Path::new(relative);
    if relative.is_empty() || path.is_absolute() {
        return Err(format!(
            "`src: {relative}` must be a path relative to the playbook's directory"
        ));
    }
    if path
        .components()
        .any(|component| matches!(component, Component::ParentDir))
    {
        return Err(format!("`src: {relative}` leaves the playbook's directory (`..`)"));
    }
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let file = base.join(path);
    let inside = std::fs::canonicalize(base)
        .and_then(|base| std::fs::canonicalize(&file).map(|file| file.starts_with(base)))
        .map_err(|error| format!("cannot read `{}`: {error}", file.display()))?;
    if !inside {
        return Err(format!(
            "`src: {relative}` leads outside the playbook's directory (through a symbolic link)"
        ));
    }
    read_source(&file).map_err(|error| error.kind.to_string())
}

pub(crate) fn read_error(path: &Path, error: &std::io::Error) -> Error {
    Error::new(ErrorKind::Read {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_run_found_missing_is_forgotten_when_hostnet_writes() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        let lease = SysPath::from_static("/etc/hostnet/dnsmasq/br0.hosts/52-54-00-00-00-01");
        let sibling = SysPath::from_static("/etc/hostnet/dnsmasq/br0.hosts/52-54-00-00-00-02");
        assert_eq!(root.entry(&lease).unwrap(), Entry::Missing);
        assert_eq!(root.read_bytes(&sibling).unwrap(), None);
        crate::mutate::create_dir_all(root.host_path(&lease).parent().unwrap()).unwrap();
        crate::mutate::write_file(
            &root.host_path(&lease),
            b"52:54:00:00:00:01,172.16.0.2\n",
            0o644,
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            root.read_bytes(&lease).unwrap().as_deref(),
            Some(&b"52:54:00:00:00:01,172.16.0.2\n"[..])
        );
        assert_eq!(root.entry(&sibling).unwrap(), Entry::Missing);
        // A clone shares what was found, and is told of writes alike.
        let clone = root.clone();
        crate::mutate::write_file(&root.host_path(&sibling), b"x\n", 0o644, None, None).unwrap();
        assert_eq!(clone.read_bytes(&sibling).unwrap().as_deref(), Some(&b"x\n"[..]));
    }

    #[test]
    fn a_directory_that_became_a_link_is_followed_after_a_write() {
        let dir = tempfile::tempdir().unwrap();
        crate::mutate::create_dir_all(&dir.path().join("etc/conf.d")).unwrap();
        crate::mutate::create_dir_all(&dir.path().join("srv/net")).unwrap();
        crate::mutate::write_file(&dir.path().join("srv/net/net"), b"moved\n", 0o644, None, None).unwrap();
        let root = Root::new(dir.path());
        let net = SysPath::from_static("/etc/conf.d/net");
        assert_eq!(root.read_bytes(&net).unwrap(), None);
        crate::mutate::remove_empty_dir(&dir.path().join("etc/conf.d")).unwrap();
        crate::mutate::write_link(&dir.path().join("etc/conf.d"), "/srv/net").unwrap();
        assert_eq!(root.resolve(&net, Follow::Yes).unwrap().as_str(), "/srv/net/net");
        assert_eq!(root.read_bytes(&net).unwrap().as_deref(), Some(&b"moved\n"[..]));
    }

    #[test]
    fn sys_paths_are_normalised_and_confined() {
        assert_eq!(SysPath::new("/etc//conf.d/./net").unwrap().as_str(), "/etc/conf.d/net");
        assert_eq!(
            SysPath::new("/etc/../shadow").unwrap_err(),
            "`/etc/../shadow` contains `..`"
        );
        assert_eq!(
            SysPath::new("etc/net").unwrap_err(),
            "`etc/net` is not an absolute path"
        );
        let path = SysPath::new("/etc/conf.d/net").unwrap();
        assert_eq!(path.parent().unwrap().as_str(), "/etc/conf.d");
        assert_eq!(path.file_name(), "net");
        assert_eq!(path.relative(), "etc/conf.d/net");
    }
}
