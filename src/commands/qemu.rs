//! `hostnet qemu --vm NAME`: the guest's QEMU network arguments, from the
//! same load and validation `plan` does, so they always agree.

use hostnet_engine::error::{Error, ErrorKind};

use crate::cli::QemuArgs;
use crate::exit::ExitStatus;
use crate::printer;
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
    let Some(vm) = vms.iter().find(|vm| vm.name == args.vm) else {
        let names: Vec<&str> = vms.iter().map(|vm| vm.name.as_str()).collect();
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
    };
    let arguments = hostnet_engine::qemu::arguments(vm);
    printer::qemu(&arguments, &args.format, args.common.json);
    ExitStatus::Success
}
