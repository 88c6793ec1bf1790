//! `hostnet qemu --vm NAME`: the guest's QEMU network arguments, from the
//! same load and validation `plan` does, so they always agree.

use hostnet_engine::error::{Error, ErrorKind};

use crate::cli::{QemuArgs, QemuFormat};
use crate::exit::ExitStatus;
use crate::printer::{self, QemuLayout};
use crate::settings;

pub(crate) fn run(args: &QemuArgs) -> ExitStatus {
    let registry = hostnet_backends::registry();
    let request = match settings::request(&args.common, &registry) {
        Ok(request) => request,
        Err(errors) => return printer::errors(&errors),
    };
    let prepared = match hostnet_engine::pipeline::prepare(&request, &registry) {
        Ok(prepared) => prepared,
        Err(errors) => return printer::errors(&errors),
    };
    let vms = &prepared.execution.model.vms;
    // One entry per NIC: a VM in several networks has several.
    let nics: Vec<_> = vms.iter().filter(|vm| vm.name == args.vm).collect();
    if nics.is_empty() {
        let mut names: Vec<&str> = vms.iter().map(|vm| vm.name.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        names.retain(|name| seen.insert(*name));
        let message = if names.is_empty() {
            format!(
                "no VM `{}`: the playbook declares no VMs (they come from `vm_network` tasks)",
                args.vm
            )
        } else {
            format!("no VM `{}` in the playbook (VMs: {})", args.vm, names.join(", "))
        };
        let hint = hostnet_engine::error::suggest(&args.vm, names.iter().copied())
            .map(|name| format!("did you mean `{name}`?"));
        return printer::errors(&Error::new(ErrorKind::Invalid { message, hint }).into());
    }
    let arguments = hostnet_engine::qemu::arguments(&nics);
    let layout = match args.format {
        _ if args.common.json => QemuLayout::Json,
        QemuFormat::Args => QemuLayout::PerLine,
        QemuFormat::Shell | QemuFormat::Libvirt => QemuLayout::ShellLine,
    };
    match args.format {
        QemuFormat::Libvirt if layout != QemuLayout::Json => match hostnet_engine::qemu::libvirt(&nics) {
            Ok(xml) => printer::text(&xml),
            Err(refused) => {
                let error = Error::new(ErrorKind::Invalid {
                    message: refused.message,
                    hint: Some(refused.hint),
                });
                return printer::errors(&error.into());
            }
        },
        _ => printer::qemu(&arguments, layout),
    }
    ExitStatus::Success
}
