//! What hostnet created on this host, so it removes only its own: the
//! devices it brought up (TAPs, bridges). Kept in
//! `<root>/var/lib/hostnet/inventory.json`, written after a live apply.
//! A device not listed here is never deleted, whatever the playbook says.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::mutate;
use crate::root::{Root, SysPath};

/// Where the record is kept.
pub const PATH: &str = "/var/lib/hostnet/inventory.json";

/// The record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// Devices hostnet created.
    pub devices: BTreeSet<String>,
}

/// The record under `root` (empty when there is none yet).
pub fn read(root: &Root) -> Result<Inventory> {
    let path = SysPath::from_static(PATH);
    let Some(text) = root.read_text(&path)? else {
        return Ok(Inventory::default());
    };
    serde_json::from_str(&text).map_err(|error| {
        Error::new(ErrorKind::Read {
            path: root.host_path(&path),
            message: format!("not a hostnet inventory: {error}"),
        })
    })
}

/// The devices hostnet created.
pub fn devices(root: &Root) -> Result<BTreeSet<String>> {
    Ok(read(root)?.devices)
}

/// Write the record (root-only, like hostnet's other records).
pub fn write(root: &Root, inventory: &Inventory) -> Result<()> {
    let path = root.host_path(&SysPath::from_static(PATH));
    let mut text = serde_json::to_string_pretty(inventory).map_err(|error| {
        Error::new(ErrorKind::Write {
            path: path.clone(),
            message: format!("cannot record the inventory: {error}"),
        })
    })?;
    text.push('\n');
    mutate::write_file(&path, text.as_bytes(), 0o600, None, None)
}
