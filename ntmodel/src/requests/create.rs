//! Opening a path (`NtCreateFile` / `ZwCreateFile` / `CreateFileW`): a file of the namespace
//! opens without a driver; a device gets a new file object and `IRP_MJ_CREATE`, and a handle
//! only if its driver completes the create with success.
use super::dispatch::{after_sync_dispatch, call_driver, context};
use super::file_object::{OpenPlan, OpenRequest, new_file_object};
use super::file_systems;
use crate::block::Block;
use crate::consts::{
    FILE_SYNCHRONOUS_IO_ALERT, IRP_CREATE_OPERATION, IRP_SYNCHRONOUS_API, KERNEL_MODE,
    STATUS_NO_SUCH_DEVICE, USER_MODE, is_error, major,
};
use crate::fields;
use crate::io_manager::IrpKind;
use crate::machine::{Machine, Resolved, Subsystems};
use crate::object_manager::{Extra, FileExtra, FileTarget};
use crate::object_types::ObjectKind;
use crate::security::{access_check, grant_unchecked};
use nt_bindings as nt;
use std::sync::Arc;

/// Opens `request.path` for the current process: a file of the namespace or a device (then
/// `IRP_MJ_CREATE` goes to its driver). Returns (handle, `IoStatus.Information`). A user-mode
/// caller asking for synchronous I/O without `SYNCHRONIZE` gets `STATUS_INVALID_PARAMETER`.
pub fn open(machine: &Arc<Machine>, request: &OpenRequest<'_>) -> Result<(u64, u64), nt::NTSTATUS> {
    let plan = OpenPlan {
        context: context()?,
        check: request.mode == USER_MODE
            || request.attributes & nt::OBJ_FORCE_ACCESS_CHECK != 0
            || request.force_access_check,
        kernel_handle: request.mode == KERNEL_MODE
            && request.attributes & nt::OBJ_KERNEL_HANDLE != 0,
        synchronous: request.options
            & (nt::FILE_SYNCHRONOUS_IO_NONALERT | FILE_SYNCHRONOUS_IO_ALERT)
            != 0,
        desired: ObjectKind::File.map_generic(request.desired),
    };
    if request.mode == USER_MODE && plan.synchronous && request.desired & nt::SYNCHRONIZE == 0 {
        // IoCreateFile's parameter checks for a user-mode caller: synchronous I/O needs
        // SYNCHRONIZE in the desired access as given (kernel-mode callers are trusted).
        return Err(nt::STATUS_INVALID_PARAMETER);
    }
    let mut state = machine.lock();
    if request.root != 0 {
        return file_systems::open_relative(&mut state, &plan, request);
    }
    match state.resolve(request.path)? {
        Resolved::Disk(key) => file_systems::open_disk(&mut state, &plan, request, key),
        Resolved::Volume => Ok(file_systems::open_volume(&mut state, &plan, request)),
        Resolved::Pipe(name) => file_systems::open_pipe(&mut state, &plan, request, &name),
        Resolved::Device { device, remainder } => {
            open_device(machine, state, &plan, request, device, &remainder)
        }
    }
}

/// Builds the `IRP_MJ_CREATE` stack location (its security context lives in `security`).
fn create_stack(
    request: &OpenRequest<'_>,
    granted: u32,
    security: &Block,
) -> nt::IO_STACK_LOCATION {
    let io_security = nt::_IO_SECURITY_CONTEXT {
        DesiredAccess: granted,
        FullCreateOptions: request.options,
        ..Default::default()
    };
    // SAFETY: `security` is a fresh block the size of an IO_SECURITY_CONTEXT.
    unsafe {
        security
            .as_ptr::<nt::_IO_SECURITY_CONTEXT>()
            .write(io_security);
    }
    let create = nt::_IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_1 {
        SecurityContext: security.as_ptr(),
        Options: (request.disposition << 24) | (request.options & 0x00FF_FFFF),
        ShareAccess: u16::try_from(request.share).unwrap_or(u16::MAX),
        ..Default::default()
    };
    nt::IO_STACK_LOCATION {
        MajorFunction: major(nt::IRP_MJ_CREATE),
        Parameters: nt::_IO_STACK_LOCATION__bindgen_ty_1 { Create: create },
        ..Default::default()
    }
}

/// Opens a device: a new file object, `IRP_MJ_CREATE` to its driver, a handle on success.
fn open_device(
    machine: &Arc<Machine>,
    mut state: std::sync::MutexGuard<'_, Subsystems>,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
    device: usize,
    remainder: &str,
) -> Result<(u64, u64), nt::NTSTATUS> {
    let record = state
        .io
        .devices
        .get(&device)
        .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)?;
    if record.exclusive && record.open_files > 0 {
        return Err(nt::STATUS_ACCESS_DENIED);
    }
    let device_pointer = device as *mut nt::DEVICE_OBJECT;
    // SAFETY: a live device block holds a DEVICE_OBJECT; the driver changes Flags only
    // before clearing DO_DEVICE_INITIALIZING.
    let flags = unsafe { (*device_pointer).Flags };
    if flags & nt::DO_DEVICE_INITIALIZING != 0 {
        return Err(STATUS_NO_SUCH_DEVICE);
    }
    // The device object's DACL guards an open of the device itself, and (with
    // FILE_DEVICE_SECURE_OPEN) of any name under it; otherwise a name under it is the
    // driver's to check.
    // SAFETY: as above.
    let characteristics = unsafe { (*device_pointer).Characteristics };
    let checked = remainder.is_empty() || characteristics & nt::FILE_DEVICE_SECURE_OPEN != 0;
    let device_security = record.security.clone();
    let granted = if checked && plan.check {
        let user = state.ps.user_of(plan.context.process);
        access_check(
            ObjectKind::File,
            device_security.as_ref(),
            &user,
            plan.desired,
        )?
    } else {
        grant_unchecked(ObjectKind::File, plan.desired)
    };
    let (block, name) = new_file_object(device, 0, remainder, plan.flags(), granted, request.share);
    let extra = Extra::File(FileExtra {
        target: FileTarget::Device(device),
        _name: name,
        opened: false,
        cleanup_sent: false,
        lock_holder: None,
    });
    let file = state.ob.insert(ObjectKind::File, block, extra, None, false);
    if let Some(record) = state.io.devices.get_mut(&device) {
        record.open_files += 1;
    }
    // SAFETY: as above; the model alone writes ReferenceCount, under the state lock.
    unsafe { (*device_pointer).ReferenceCount += 1 };
    let security = Block::zeroed(size_of::<nt::_IO_SECURITY_CONTEXT>());
    let stack = create_stack(request, granted, &security);
    let irp = state.io.allocate_irp(
        IrpKind::Create,
        device,
        file,
        plan.context.thread,
        request.mode,
        stack,
    );
    // SAFETY: the IRP was just allocated and is not dispatched yet.
    unsafe {
        fields::set_flags_and_user_buffer(irp, IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API, 0);
    }
    drop(state);
    let returned = call_driver(machine, device, irp, nt::IRP_MJ_CREATE);
    let mut state = machine.lock();
    let completed = after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CREATE");
    drop(security);
    match completed {
        Some((status, information)) if !is_error(status) && status != nt::STATUS_PENDING => {
            if let Some(header) = state.ob.get_any_mut(file)
                && let Extra::File(extra) = &mut header.extra
            {
                extra.opened = true;
            }
            let handle = state.ob.create_handle(
                plan.context.process,
                file,
                granted,
                request.attributes,
                plan.kernel_handle,
                request.origin,
            );
            Ok((handle, information))
        }
        Some((status, _)) => {
            state.delete_object(file);
            Err(status)
        }
        None => Err(nt::STATUS_PENDING),
    }
}
