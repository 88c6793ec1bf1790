//! Each guest's TAP and MAC: as written, or generated. A generated TAP is
//! `tapN` for the N-th VM, or the next free `tapN` when that name is taken
//! (by another network or a VM of this one), so two `vm_network` tasks can
//! leave out `tap`; a generated MAC is stable and derived from the VM name
//! and the host's identity (the `mac_seed` variable, else the machine ID),
//! and for a VM's second and later NICs from its network too. Generated
//! values point at the VM's `name`, so a message about them shows the line
//! the user wrote.

use foldhash::HashSet;

use crate::error::{Error, Result};
use crate::model::HostModel;
use crate::model::vm::generated_mac;
use crate::modules::vm_network::network::{Network, VmArgs};
use crate::types::{InterfaceName, MacAddr};
use crate::value::At;

/// A guest with its TAP (none for user mode and the bridge helper) and MAC.
pub(super) struct Guest<'n> {
    pub(super) vm: &'n VmArgs,
    pub(super) tap: Option<At<InterfaceName>>,
    pub(super) mac: At<MacAddr>,
    pub(super) generated: bool,
}

/// The guests of `network` (on `label`, its network's name), given the TAPs
/// and VMs `model` already has; `seed` is the host's identity for generated MACs.
pub(super) fn resolve<'n>(
    network: &'n Network,
    label: &str,
    model: &HostModel,
    seed: Option<&str>,
) -> Result<Vec<Guest<'n>>> {
    let mut taken: HashSet<String> = model.taps.iter().map(|tap| tap.name.to_string()).collect();
    taken.extend(
        network
            .vms
            .iter()
            .filter_map(|vm| vm.tap.as_ref().map(|tap| tap.value.to_string())),
    );
    let mut guests = Vec::new();
    for (index, vm) in network.vms.iter().enumerate() {
        let tap = match (&vm.tap, vm.helper || !network.mode.value.uses_taps()) {
            (Some(tap), _) => Some(tap.clone()),
            (None, false) => Some(free_tap(index, &mut taken, vm)?),
            (None, true) => None,
        };
        let (mac, generated) = match &vm.mac {
            Some(mac) => (mac.clone(), false),
            None => {
                // A VM's first NIC by its name (as before NICs per VM were
                // possible), every other one by its name and network.
                let first = !model.vms.iter().any(|other| other.name == vm.name.value);
                let key = if first {
                    vm.name.value.clone()
                } else {
                    format!("{}@{label}", vm.name.value)
                };
                (
                    At {
                        value: generated_mac(seed, &key),
                        pos: vm.name.pos.clone(),
                    },
                    true,
                )
            }
        };
        guests.push(Guest {
            vm,
            tap,
            mac,
            generated,
        });
    }
    Ok(guests)
}

/// `tap{index}`, or the first free `tapN` after it.
fn free_tap(index: usize, taken: &mut HashSet<String>, vm: &VmArgs) -> Result<At<InterfaceName>> {
    let name = (index..)
        .map(|n| format!("tap{n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| unreachable!("there is always a free name"));
    let value: InterfaceName = name
        .parse()
        .map_err(|message: String| Error::invalid(&vm.name.pos, message, None))?;
    taken.insert(name);
    Ok(At {
        value,
        pos: vm.name.pos.clone(),
    })
}
