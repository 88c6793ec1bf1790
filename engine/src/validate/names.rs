//! Rule: one name per device, also after netifrc turns it into a variable
//! suffix; one definition per bridge, TAP, interface, DHCP server, VM and
//! kernel parameter.

use crate::validate::{Check, Item};

impl<'a> Check<'a> {
    /// Rule: one name per device, also after netifrc turns it into a variable suffix.
    /// An `interface` item may share its name with a TAP or bridge: it then
    /// configures that device (a host-only TAP's address, a bridge's routes).
    pub(super) fn names(&mut self) {
        let items = self.items();
        let configures =
            |a: &Item<'_>, b: &Item<'_>| a.name == b.name && (a.kind == "interface") != (b.kind == "interface");
        for (index, item) in items.iter().enumerate() {
            let earlier: Vec<&Item<'_>> = items[..index].iter().filter(|e| !configures(e, item)).collect();
            if let Some(first) = earlier.iter().find(|e| e.name == item.name) {
                self.error(
                    item.pos,
                    format!(
                        "{} `{}` has the same name as {} `{}` at {}",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("give each bridge, TAP and interface its own name".into()),
                );
            } else if let Some(first) = earlier.iter().find(|e| e.name.shell_var() == item.name.shell_var()) {
                let var = item.name.shell_var();
                self.error(
                    item.pos,
                    format!(
                        "{} `{}` and {} `{}` at {} would share netifrc's variables (`config_{var}`)",
                        item.kind, item.name, first.kind, first.name, first.pos
                    ),
                    Some("netifrc turns every character outside `[A-Za-z0-9_]` into `_`; rename one of them".into()),
                );
            }
        }
    }
}
