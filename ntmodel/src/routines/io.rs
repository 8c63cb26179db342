//! I/O manager routines: devices, symbolic links, IRP completion, the requestor's process,
//! and the cancel spin lock.
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::{bad_parameter, require_dispatch_or_below, require_passive};
use crate::consts::USER_MODE;
use crate::fields;
use crate::machine::context::Context;
use crate::requests;
use crate::unicode::read_unicode;
use crate::verifier::codes;
use nt_bindings as nt;

fn requestor_process(context: &Context, irp: usize) -> Option<usize> {
    let state = context.machine.lock();
    if !state.io.irps.contains_key(&irp) {
        return None;
    }
    // SAFETY: a live IRP the model issued.
    let thread = unsafe { fields::irp_thread(irp) };
    state.ps.process_of_thread(thread)
}

/// `IoCreateDevice`: a `DEVICE_OBJECT` (plus extension) linked first in the driver's list,
/// with `DO_DEVICE_INITIALIZING` set.
#[expect(
    clippy::too_many_arguments,
    reason = "the NT routine's own parameters, plus the caller's context"
)]
pub unsafe fn IoCreateDevice(
    context: &Context,
    DriverObject: nt::PDRIVER_OBJECT,
    DeviceExtensionSize: nt::ULONG,
    DeviceName: nt::PUNICODE_STRING,
    DeviceType: nt::ULONG,
    DeviceCharacteristics: nt::ULONG,
    Exclusive: nt::BOOLEAN,
    DeviceObject: *mut nt::PDEVICE_OBJECT,
) -> nt::NTSTATUS {
    if DeviceObject.is_null() {
        bad_parameter(context, "IoCreateDevice", "DeviceObject is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes a writable DeviceObject.
    unsafe { DeviceObject.write(std::ptr::null_mut()) };
    if !require_passive(context, "IoCreateDevice", codes::C4_IRQL_ZW_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    // SAFETY: the caller passes NULL or a valid UNICODE_STRING.
    let name = unsafe { read_unicode(DeviceName) }.filter(|name| !name.is_empty());
    let result = context.machine.lock().io.create_device(
        DriverObject as usize,
        DeviceExtensionSize,
        name,
        DeviceType,
        DeviceCharacteristics,
        Exclusive != 0,
    );
    match result {
        Ok(device) => {
            // SAFETY: the caller passes a writable DeviceObject.
            unsafe { DeviceObject.write(device as nt::PDEVICE_OBJECT) };
            nt::STATUS_SUCCESS
        }
        Err(status) => status,
    }
}

/// `IoDeleteDevice`.
pub unsafe fn IoDeleteDevice(context: &Context, DeviceObject: nt::PDEVICE_OBJECT) {
    require_passive(context, "IoDeleteDevice", codes::C4_IRQL_ZW_PASSIVE);
    if !context
        .machine
        .lock()
        .io
        .delete_device(DeviceObject as usize)
    {
        bad_parameter(
            context,
            "IoDeleteDevice",
            "not a live device object (deleted twice?)",
        );
    }
}

/// `IoCreateSymbolicLink`.
pub unsafe fn IoCreateSymbolicLink(
    context: &Context,
    SymbolicLinkName: nt::PUNICODE_STRING,
    DeviceName: nt::PUNICODE_STRING,
) -> nt::NTSTATUS {
    if !require_passive(context, "IoCreateSymbolicLink", codes::C4_IRQL_ZW_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    // SAFETY: the caller passes valid strings.
    let link = unsafe { read_unicode(SymbolicLinkName) };
    // SAFETY: as above.
    let target = unsafe { read_unicode(DeviceName) };
    let (Some(link), Some(target)) = (link, target) else {
        return nt::STATUS_INVALID_PARAMETER;
    };
    if link.is_empty() {
        return nt::STATUS_OBJECT_NAME_INVALID;
    }
    match context
        .machine
        .lock()
        .create_symbolic_link(&link, &target, context.origin())
    {
        Ok(()) => nt::STATUS_SUCCESS,
        Err(status) => status,
    }
}

/// `IoDeleteSymbolicLink`.
pub unsafe fn IoDeleteSymbolicLink(
    context: &Context,
    SymbolicLinkName: nt::PUNICODE_STRING,
) -> nt::NTSTATUS {
    if !require_passive(context, "IoDeleteSymbolicLink", codes::C4_IRQL_ZW_PASSIVE) {
        return nt::STATUS_UNSUCCESSFUL;
    }
    // SAFETY: the caller passes a valid string.
    let Some(link) = (unsafe { read_unicode(SymbolicLinkName) }) else {
        return nt::STATUS_INVALID_PARAMETER;
    };
    match context.machine.lock().delete_symbolic_link(&link) {
        Ok(()) => nt::STATUS_SUCCESS,
        Err(status) => status,
    }
}

/// `IofCompleteRequest` (`IoCompleteRequest`): completion exactly once.
pub unsafe fn IofCompleteRequest(context: &Context, Irp: nt::PIRP, PriorityBoost: nt::CCHAR) {
    let _ = PriorityBoost;
    requests::complete(&context.machine, Irp as usize);
}

/// `IoGetCurrentProcess` (`PsGetCurrentProcess`).
pub fn IoGetCurrentProcess(context: &Context) -> nt::PEPROCESS {
    context.process as nt::PEPROCESS
}

/// `IoGetRequestorProcess`: the process of `Irp->Tail.Overlay.Thread`.
pub unsafe fn IoGetRequestorProcess(context: &Context, Irp: nt::PIRP) -> nt::PEPROCESS {
    requestor_process(context, Irp as usize)
        .map_or(std::ptr::null_mut(), |process| process as nt::PEPROCESS)
}

/// `IoIs32bitProcess`: whether the IRP's requestor (or, for NULL, the current process) is a
/// WOW64 process.
pub unsafe fn IoIs32bitProcess(context: &Context, Irp: nt::PIRP) -> nt::BOOLEAN {
    let process = if Irp.is_null() {
        Some(context.process)
    } else {
        let irp = Irp as usize;
        let user = context.machine.lock().io.irps.contains_key(&irp);
        // SAFETY: a live IRP the caller owns.
        let mode = user.then(|| unsafe { (*Irp).RequestorMode });
        if mode == Some(USER_MODE) {
            requestor_process(context, irp)
        } else {
            None
        }
    };
    let state = context.machine.lock();
    u8::from(process.is_some_and(|process| state.ps.is_wow64(process)))
}

/// `IoAcquireCancelSpinLock`.
pub unsafe fn IoAcquireCancelSpinLock(context: &Context, Irql: nt::PKIRQL) {
    require_dispatch_or_below(context, "IoAcquireCancelSpinLock");
    let old = requests::acquire_cancel_lock(&context.machine);
    if Irql.is_null() {
        bad_parameter(context, "IoAcquireCancelSpinLock", "Irql is NULL");
    } else {
        // SAFETY: the caller passes a writable KIRQL.
        unsafe { Irql.write(old) };
    }
}

/// `IoReleaseCancelSpinLock`.
pub fn IoReleaseCancelSpinLock(context: &Context, Irql: nt::KIRQL) {
    requests::release_cancel_lock(&context.machine, Irql);
}
