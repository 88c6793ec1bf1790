//! The root every read and write goes through: `/` on a real host, a
//! directory in tests, image builds and reviews.
//!
//! Paths inside it are [`SysPath`]s: absolute, normalised, without `..`, so
//! nothing a playbook says can escape `--root`. Only this module, `apply.rs`
//! and `facts.rs` touch the file system.

use std::fmt;
use std::io::ErrorKind as IoKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::source::Source;

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
}

impl Root {
    /// A root at `dir` (`/` for the live host).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Is this the live host's `/`? Only then are commands executed.
    pub fn is_live(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `path` is on this machine.
    pub fn host_path(&self, path: &SysPath) -> PathBuf {
        self.dir.join(path.relative())
    }

    /// What is at `path` now (links are not followed).
    #[expect(
        clippy::disallowed_methods,
        reason = "root.rs is one of the modules that reads the host"
    )]
    pub fn entry(&self, path: &SysPath) -> Result<Entry> {
        let host = self.host_path(path);
        let metadata = match std::fs::symlink_metadata(&host) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == IoKind::NotFound || error.kind() == IoKind::NotADirectory => {
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
        let content = std::fs::read(&host).map_err(|error| read_error(&host, &error))?;
        Ok(Entry::File {
            content,
            mode: metadata.permissions().mode() & 0o7777,
            uid: metadata.uid(),
            gid: metadata.gid(),
        })
    }

    /// The text of a file, or `None` when it does not exist.
    pub fn read_text(&self, path: &SysPath) -> Result<Option<String>> {
        match self.entry(path)? {
            Entry::File { content, .. } => Ok(Some(String::from_utf8_lossy(&content).into_owned())),
            _ => Ok(None),
        }
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
        let host = self.host_path(path);
        let entries = match std::fs::read_dir(&host) {
            Ok(entries) => entries,
            Err(error) if error.kind() == IoKind::NotFound || error.kind() == IoKind::NotADirectory => {
                return Ok(Vec::new());
            }
            Err(error) => return Err(read_error(&host, &error)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| read_error(&host, &error))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

/// Read a playbook or vars file whole, naming it on failure.
#[expect(clippy::disallowed_methods, reason = "the loader reads playbooks through here")]
pub fn read_source(path: &Path) -> Result<Arc<Source>> {
    let text = std::fs::read_to_string(path).map_err(|error| read_error(path, &error))?;
    Ok(Source::new(path, text))
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
