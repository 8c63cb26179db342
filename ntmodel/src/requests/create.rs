//! Opening a path (`NtCreateFile` / `ZwCreateFile` / `CreateFileW`): a file of the namespace
//! opens without a driver; a device gets a new file object and `IRP_MJ_CREATE`, and a handle
//! only if its driver completes the create with success.
use super::dispatch::{after_sync_dispatch, call_driver, context};
use crate::block::Block;
use crate::consts::{
    EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT, FILE_OPENED,
    FILE_SYNCHRONOUS_IO_ALERT, IO_TYPE_FILE, IRP_CREATE_OPERATION, IRP_SYNCHRONOUS_API,
    KERNEL_MODE, STATUS_NO_SUCH_DEVICE, USER_MODE, is_error, major,
};
use crate::dispatcher::objects::init_event_at;
use crate::fields;
use crate::io_manager::IrpKind;
use crate::machine::context::Context;
use crate::machine::{Machine, Resolved, Subsystems};
use crate::object_manager::{Extra, FileExtra, FileTarget};
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::security::{access_check, grant_unchecked};
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::Arc;

/// An open request (`NtCreateFile` / `ZwCreateFile` / `CreateFileW`).
#[derive(Debug, Clone)]
pub struct OpenRequest<'a> {
    /// NT or Win32 path.
    pub path: &'a str,
    /// Desired access (generic rights allowed).
    pub desired: u32,
    /// `OBJ_*` attributes.
    pub attributes: u32,
    /// Create options (`FILE_SYNCHRONOUS_IO_NONALERT`, ...).
    pub options: u32,
    /// Create disposition (`FILE_OPEN`, ...).
    pub disposition: u32,
    /// Share access.
    pub share: u32,
    /// The previous mode of the caller.
    pub mode: i8,
    /// Who asks (`Origin::Model` for a user-mode system service).
    pub origin: Origin,
}

/// Builds a `FILE_OBJECT` for `device` (0 for a disk file) named `name`.
fn new_file_object(
    device: usize,
    name: &str,
    synchronous: bool,
    granted: u32,
    share: u32,
) -> (Block, Option<Block>) {
    let block = Block::zeroed(size_of::<nt::FILE_OBJECT>());
    let (name_block, file_name) = if name.is_empty() {
        (
            None,
            nt::UNICODE_STRING {
                Length: 0,
                MaximumLength: 0,
                Buffer: std::ptr::null_mut(),
            },
        )
    } else {
        let (buffer, string) = crate::unicode::unicode_buffer(name);
        (Some(buffer), string)
    };
    let file = nt::FILE_OBJECT {
        Type: IO_TYPE_FILE,
        Size: i16::try_from(size_of::<nt::FILE_OBJECT>()).unwrap_or(i16::MAX),
        DeviceObject: device as nt::PDEVICE_OBJECT,
        FileName: file_name,
        Flags: if synchronous {
            nt::FO_SYNCHRONOUS_IO
        } else {
            0
        },
        ReadAccess: u8::from(granted & (nt::FILE_READ_DATA | nt::FILE_EXECUTE) != 0),
        WriteAccess: u8::from(granted & (nt::FILE_WRITE_DATA | nt::FILE_APPEND_DATA) != 0),
        DeleteAccess: u8::from(granted & nt::DELETE != 0),
        SharedRead: u8::from(share & nt::FILE_SHARE_READ != 0),
        SharedWrite: u8::from(share & nt::FILE_SHARE_WRITE != 0),
        SharedDelete: u8::from(share & nt::FILE_SHARE_DELETE != 0),
        ..Default::default()
    };
    let pointer = block.as_ptr::<nt::FILE_OBJECT>();
    // SAFETY: a fresh block the size of a FILE_OBJECT, 16-aligned.
    unsafe { pointer.write(file) };
    init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Lock),
        EVENT_SYNCHRONIZATION_OBJECT,
        false,
    );
    init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Event),
        EVENT_NOTIFICATION_OBJECT,
        false,
    );
    (block, name_block)
}

/// What every open computes from its request before resolving the path.
struct OpenPlan {
    context: Context,
    check: bool,
    kernel_handle: bool,
    synchronous: bool,
    desired: u32,
}

/// Opens `request.path` for the current process: a file of the namespace or a device (then
/// `IRP_MJ_CREATE` goes to its driver). Returns (handle, `IoStatus.Information`). A user-mode
/// caller asking for synchronous I/O without `SYNCHRONIZE` gets `STATUS_INVALID_PARAMETER`.
pub fn open(machine: &Arc<Machine>, request: &OpenRequest<'_>) -> Result<(u64, u64), nt::NTSTATUS> {
    let plan = OpenPlan {
        context: context()?,
        check: request.mode == USER_MODE || request.attributes & nt::OBJ_FORCE_ACCESS_CHECK != 0,
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
    match state.resolve(request.path)? {
        Resolved::Disk(key) => open_disk(&mut state, &plan, request, key),
        Resolved::Device { device, remainder } => {
            open_device(machine, state, &plan, request, device, &remainder)
        }
    }
}

/// Opens a file of the namespace (no driver involved).
fn open_disk(
    state: &mut Subsystems,
    plan: &OpenPlan,
    request: &OpenRequest<'_>,
    key: String,
) -> Result<(u64, u64), nt::NTSTATUS> {
    if request.disposition != nt::FILE_OPEN && request.disposition != 3 {
        return Err(nt::STATUS_NOT_SUPPORTED);
    }
    let entry = state
        .files
        .get(&key)
        .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)?
        .clone();
    let granted = if plan.check {
        let user = state.ps.user_of(plan.context.process);
        access_check(ObjectKind::File, Some(&entry.security), &user, plan.desired)?
    } else {
        grant_unchecked(ObjectKind::File, plan.desired)
    };
    let (block, name) = new_file_object(0, &entry.path, plan.synchronous, granted, request.share);
    let extra = Extra::File(FileExtra {
        target: FileTarget::Disk(key),
        _name: name,
        opened: true,
        cleanup_sent: false,
    });
    let object = state
        .ob
        .insert(ObjectKind::File, block, extra, Some(entry.security), false);
    let handle = state.ob.create_handle(
        plan.context.process,
        object,
        granted,
        request.attributes,
        plan.kernel_handle,
        request.origin,
    );
    Ok((handle, FILE_OPENED))
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
    let (block, name) =
        new_file_object(device, remainder, plan.synchronous, granted, request.share);
    let extra = Extra::File(FileExtra {
        target: FileTarget::Device(device),
        _name: name,
        opened: false,
        cleanup_sent: false,
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
