//! Rule: one name per device, also after netifrc turns it into a variable
//! suffix; one definition per bridge, TAP, interface, DHCP server, VM and
//! kernel parameter.

use foldhash::HashMap;

use crate::error::Rule;
use crate::source::Pos;
use crate::types::InterfaceName;
use crate::validate::Check;

impl<'a> Check<'a> {
    /// Rule: each bridge, TAP, interface, DHCP server and VM is defined by
    /// one task, and a kernel parameter gets one value. The error is at the
    /// later definition and names the first.
    pub(super) fn definitions(&mut self) {
        let model = self.model;
        let mut errors = Vec::new();
        let mut first: HashMap<(&str, &str), &Pos> = HashMap::default();
        let mut define =
            |kind: &'static str, name: &'a str, pos: &'a Pos, errors: &mut Vec<(Rule, Pos, String, Option<String>)>| {
                if let Some(previous) = first.get(&(kind, name)) {
                    let (message, hint) = match kind {
                        "bridge" => (
                            format!("bridge `{name}` is already defined at {previous}"),
                            Some("define each bridge in one task".to_owned()),
                        ),
                        "TAP" => (
                            format!("TAP `{name}` is already defined at {previous}"),
                            Some("define each TAP in one task".to_owned()),
                        ),
                        "interface" => (
                            format!("interface `{name}` is already configured at {previous}"),
                            Some("configure each interface in one task".to_owned()),
                        ),
                        "DHCP server" => (
                            format!("a DHCP server on `{name}` is already defined at {previous}"),
                            Some("one `dhcp_server` per interface".to_owned()),
                        ),
                        _ => (format!("VM `{name}` is already defined at {previous}"), None),
                    };
                    errors.push((Rule::Duplicate, pos.clone(), message, hint));
                } else {
                    first.insert((kind, name), pos);
                }
            };
        for bridge in &model.bridges {
            define("bridge", bridge.name.as_str(), &bridge.origin.pos, &mut errors);
        }
        for tap in &model.taps {
            define("TAP", tap.name.as_str(), &tap.origin.pos, &mut errors);
        }
        for interface in &model.interfaces {
            define("interface", interface.name.as_str(), &interface.origin.pos, &mut errors);
        }
        for server in &model.dhcp_servers {
            define(
                "DHCP server",
                server.interface.value.as_str(),
                &server.origin.pos,
                &mut errors,
            );
        }
        // A VM may be on several networks (one NIC each), once per network.
        let mut nics: HashMap<(&str, &str), &Pos> = HashMap::default();
        for vm in &model.vms {
            if let Some(previous) = nics.get(&(vm.name.as_str(), vm.network.as_str())) {
                errors.push((
                    Rule::VmTwiceOnNetwork,
                    vm.origin.pos.clone(),
                    format!("VM `{}` is already on `{}` at {previous}", vm.name, vm.network),
                    Some("a VM has one NIC per network: list it once per network".into()),
                ));
            } else {
                nics.insert((vm.name.as_str(), vm.network.as_str()), &vm.origin.pos);
            }
        }
        let mut values: HashMap<&str, (&str, &Pos)> = HashMap::default();
        for sysctl in &model.sysctls {
            match values.get(sysctl.name.as_str()) {
                Some((value, pos)) if *value != sysctl.value => errors.push((
                    Rule::ConflictingSysctl,
                    sysctl.origin.pos.clone(),
                    format!("`{}` is already set to `{value}` at {pos}", sysctl.name),
                    None,
                )),
                Some(_) => {}
                None => {
                    values.insert(&sysctl.name, (&sysctl.value, &sysctl.origin.pos));
                }
            }
        }
        for (rule, pos, message, hint) in errors {
            self.error(rule, &pos, message, hint);
        }
    }

    /// Rule: one name per device, also after netifrc turns it into a variable suffix.
    /// An `interface` item may share its name with a TAP or bridge: it then
    /// configures that device (a host-only TAP's address, a bridge's routes).
    pub(super) fn names(&mut self) {
        let items = self.items();
        // The first item of each name, apart for `interface` items and the
        // rest (an `interface` item configures the device of its name).
        let mut by_name: HashMap<(&InterfaceName, bool), usize> = HashMap::default();
        // Per netifrc variable suffix: the first item, and the first with
        // another name than that one (so the first of any other name is one
        // of the two).
        let mut by_var: HashMap<String, (usize, Option<usize>)> = HashMap::default();
        for (index, item) in items.iter().enumerate() {
            let var = item.name.shell_var();
            let same = by_name.get(&(item.name, item.kind == "interface")).copied();
            let colliding = by_var.get(&var).and_then(|&(first, other)| {
                if items[first].name != item.name {
                    Some(first)
                } else {
                    other
                }
            });
            if let Some(first) = same.map(|first| &items[first]) {
                self.error(
                    Rule::SameName,
                    item.pos,
                    format!(
                        "{} `{}` has the same name as {} `{}` at {}",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("give each bridge, TAP and interface its own name".into()),
                );
            } else if let Some(first) = colliding.map(|first| &items[first]) {
                self.error(
                    Rule::NetifrcCollision,
                    item.pos,
                    format!(
                        "{} `{}` and {} `{}` at {} would share netifrc's variables (`config_{var}`)",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("netifrc turns every character outside `[A-Za-z0-9_]` into `_`; rename one of them".into()),
                );
            }
            by_name.entry((item.name, item.kind == "interface")).or_insert(index);
            let entry = by_var.entry(var).or_insert((index, None));
            if entry.1.is_none() && items[entry.0].name != item.name {
                entry.1 = Some(index);
            }
        }
    }
}
