//! The I/O manager's flows that call into the driver: open (`IRP_MJ_CREATE`), device control,
//! cleanup on the last handle, close on the last reference, completion, cancellation, and the
//! "safe point" where deferred work (completion APCs, closes) runs.
//!
//! The state lock is released around every call into the driver.
use crate::block::Block;
use crate::consts::{
    DISPATCH_LEVEL, FILE_OPENED, FILE_SYNCHRONOUS_IO_ALERT, FO_CLEANUP_COMPLETE, IO_TYPE_FILE,
    IRP_BUFFERED_IO, IRP_CLOSE_OPERATION, IRP_CREATE_OPERATION, IRP_DEALLOCATE_BUFFER,
    IRP_INPUT_OPERATION, IRP_SYNCHRONOUS_API, KERNEL_MODE, SL_PENDING_RETURNED,
    STATUS_NO_SUCH_DEVICE, USER_MODE, is_error, major, status_bits,
};
use crate::fields;
use crate::io::{IrpKind, IrpResult, Resolved};
use crate::kernel::{self, Deferred, KernelInner, State};
use crate::object::{Extra, FileExtra, FileTarget, access_check, grant_unchecked};
use crate::object_type::ObjectKind;
use crate::verifier::codes;
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::Arc;
use std::sync::atomic::Ordering;

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
    /// The handle is created by a call of the driver.
    pub by_driver: bool,
}

/// What a device control request came to.
#[derive(Debug)]
pub enum Outcome {
    /// Completed before the request returned.
    Done(IrpResult),
    /// Pending: the IRP's id.
    Pending(u64),
}

fn context() -> Result<kernel::Context, nt::NTSTATUS> {
    kernel::current().ok_or(nt::STATUS_INTERNAL_ERROR)
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
    crate::ke::init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Lock),
        crate::consts::EVENT_SYNCHRONIZATION_OBJECT,
        false,
    );
    crate::ke::init_event_at(
        block.addr() + offset_of!(nt::FILE_OBJECT, Event),
        crate::consts::EVENT_NOTIFICATION_OBJECT,
        false,
    );
    (block, name_block)
}

/// What every open computes from its request before resolving the path.
struct OpenPlan {
    context: kernel::Context,
    check: bool,
    kernel_handle: bool,
    synchronous: bool,
    desired: u32,
}

/// Opens `request.path` for the current process: a file of the namespace or a device (then
/// `IRP_MJ_CREATE` goes to its driver). Returns (handle, `IoStatus.Information`).
pub fn open(
    kernel: &Arc<KernelInner>,
    request: &OpenRequest<'_>,
) -> Result<(u64, u64), nt::NTSTATUS> {
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
    let mut state = kernel.lock();
    match state.resolve(request.path)? {
        Resolved::Disk(key) => open_disk(&mut state, &plan, request, key),
        Resolved::Device { device, remainder } => {
            open_device(kernel, state, &plan, request, device, &remainder)
        }
    }
}

/// Opens a file of the namespace (no driver involved).
fn open_disk(
    state: &mut State,
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
        let user = state.user_of(plan.context.process);
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
    let object = state.insert_object(ObjectKind::File, block, extra, Some(entry.security), false);
    let handle = state.create_handle(
        plan.context.process,
        object,
        granted,
        request.attributes,
        plan.kernel_handle,
        request.by_driver,
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
    kernel: &Arc<KernelInner>,
    mut state: std::sync::MutexGuard<'_, State>,
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
    let granted = grant_unchecked(ObjectKind::File, plan.desired);
    let (block, name) =
        new_file_object(device, remainder, plan.synchronous, granted, request.share);
    let extra = Extra::File(FileExtra {
        target: FileTarget::Device(device),
        _name: name,
        opened: false,
        cleanup_sent: false,
    });
    let file = state.insert_object(ObjectKind::File, block, extra, None, false);
    if let Some(record) = state.io.devices.get_mut(&device) {
        record.open_files += 1;
    }
    // SAFETY: as above; the model alone writes ReferenceCount, under the state lock.
    unsafe { (*device_pointer).ReferenceCount += 1 };
    let security = Block::zeroed(size_of::<nt::_IO_SECURITY_CONTEXT>());
    let stack = create_stack(request, granted, &security);
    let irp = state.allocate_irp(
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
    let returned = call_driver(kernel, device, irp, nt::IRP_MJ_CREATE);
    let mut state = kernel.lock();
    let completed = after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CREATE");
    drop(security);
    match completed {
        Some((status, information)) if !is_error(status) && status != nt::STATUS_PENDING => {
            if let Some(header) = state.objects.get_mut(&file)
                && let Extra::File(extra) = &mut header.extra
            {
                extra.opened = true;
            }
            let handle = state.create_handle(
                plan.context.process,
                file,
                granted,
                request.attributes,
                plan.kernel_handle,
                request.by_driver,
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

/// After a create / cleanup / close dispatch: these must complete before returning (the model
/// cannot block the caller). Retires the IRP and returns its final status.
fn after_sync_dispatch(
    state: &mut State,
    irp: usize,
    returned: nt::NTSTATUS,
    what: &str,
) -> Option<(nt::NTSTATUS, u64)> {
    let record = state.io.irps.get_mut(&irp)?;
    record.dispatch_returned = true;
    let stack = record.stack;
    let Some((status, information)) = record.completed else {
        state.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_IRP_LOST, irp as u64, status_bits(returned), 0],
            format!("{what} dispatch returned {returned:#010x} without completing the IRP (the model completes these synchronously only)"),
        );
        return None;
    };
    check_returned_status(state, irp, stack, returned, status);
    state.retire_irp(irp);
    Some((status, information))
}

fn check_returned_status(
    state: &mut State,
    irp: usize,
    stack: usize,
    returned: nt::NTSTATUS,
    completed: nt::NTSTATUS,
) {
    // SAFETY: a live IRP's current stack location.
    let marked = unsafe { fields::stack_control(stack) } & SL_PENDING_RETURNED != 0;
    if returned == nt::STATUS_PENDING {
        if !marked {
            state.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_PENDING_NOT_MARKED, irp as u64, 0, 0],
                "dispatch routine returned STATUS_PENDING without IoMarkIrpPending (SL_PENDING_RETURNED not set)",
            );
        }
    } else if marked {
        state.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_MARKED_PENDING_NOT_RETURNED, irp as u64, status_bits(returned), 0],
            format!("IRP marked pending but the dispatch routine returned {returned:#010x}, not STATUS_PENDING"),
        );
    } else if returned != completed {
        state.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_STATUS_MISMATCH, irp as u64, status_bits(returned), status_bits(completed)],
            format!("dispatch routine returned {returned:#010x} but completed the IRP with {completed:#010x}"),
        );
    }
}

/// The dispatch routine of `device`'s driver for `major`.
fn major_function(device: usize, major: u32) -> nt::PDRIVER_DISPATCH {
    let device = device as *mut nt::DEVICE_OBJECT;
    // SAFETY: callers pass a live device block.
    let driver = unsafe { (*device).DriverObject };
    // SAFETY: a device's driver object lives as long as the kernel.
    let table = unsafe { (*driver).MajorFunction };
    table.get(major as usize).copied().flatten()
}

/// Calls the driver's dispatch routine for `major` with no lock held, in the current context.
/// Checks that the IRQL is unchanged across the call.
fn call_driver(kernel: &Arc<KernelInner>, device: usize, irp: usize, major: u32) -> nt::NTSTATUS {
    let before = kernel::irql();
    let status = if let Some(routine) = major_function(device, major) {
        // SAFETY: the driver's own dispatch routine, called as the I/O manager does: a live
        // device object of this driver and an IRP with its stack location set up.
        unsafe { routine(device as nt::PDEVICE_OBJECT, irp as nt::PIRP) }
    } else {
        // IopInvalidDeviceRequest.
        // SAFETY: a live IRP we allocated and still own.
        unsafe { fields::set_irp_io_status(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0) };
        complete(kernel, irp);
        nt::STATUS_INVALID_DEVICE_REQUEST
    };
    let after = kernel::irql();
    if after != before {
        kernel.lock().stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [codes::C9_IRQL_CHANGED, device as u64, u64::from(before), u64::from(after)],
            format!("IRQL changed from {before} to {after} across the dispatch routine for major function {major}"),
        );
        kernel::set_irql(before);
    }
    check_cancel_lock_released(kernel, "a dispatch routine");
    status
}

/// `IofCompleteRequest`: records the completion (exactly once) and, for an IRP whose
/// dispatch routine already returned, queues the completion work for the next safe point.
pub fn complete(kernel: &Arc<KernelInner>, irp: usize) {
    let irql = kernel::irql();
    let mut state = kernel.lock();
    let Some(record) = state.io.irps.get_mut(&irp) else {
        let retired = state.io.retired.iter().any(|block| block.addr() == irp);
        if retired {
            state.stop(
                codes::MULTIPLE_IRP_COMPLETE_REQUESTS,
                [irp as u64, 0, 0, 0],
                "IRP completed after it was already completed and finished",
            );
        } else {
            state.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_UNKNOWN_IRP, irp as u64, 0, 0],
                "IoCompleteRequest on an IRP the I/O manager did not issue",
            );
        }
        return;
    };
    if record.completed.is_some() {
        state.stop(
            codes::MULTIPLE_IRP_COMPLETE_REQUESTS,
            [irp as u64, 0, 0, 0],
            "IRP completed twice",
        );
        return;
    }
    // SAFETY: a live IRP the model issued.
    let (status, information) = unsafe { fields::irp_io_status(irp) };
    // SAFETY: as above.
    let cancel_routine_set = unsafe { fields::has_cancel_routine(irp) };
    record.completed = Some((status, information));
    let finish_later = record.dispatch_returned;
    if irql > DISPATCH_LEVEL {
        state.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [
                codes::C9_COMPLETE_ABOVE_DISPATCH,
                u64::from(irql),
                irp as u64,
                0,
            ],
            "IoCompleteRequest called above DISPATCH_LEVEL",
        );
    }
    if status == nt::STATUS_PENDING || status == -1 {
        state.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [
                codes::C9_COMPLETE_PENDING_STATUS,
                status_bits(status),
                irp as u64,
                0,
            ],
            "IoCompleteRequest with STATUS_PENDING",
        );
    }
    if cancel_routine_set {
        state.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [codes::C9_COMPLETE_WITH_CANCEL_ROUTINE, 0, irp as u64, 0],
            "IoCompleteRequest with a cancel routine still set",
        );
    }
    if finish_later {
        state.deferred.push_back(Deferred::FinishIrp(irp));
    }
}

/// Builds the `IRP_MJ_DEVICE_CONTROL` IRP for a request on `file`: buffers by transfer type
/// (METHOD_BUFFERED: a system buffer of max(in, out) bytes holding the input), the stack
/// location's parameters, and the IRP's reference on the file object.
fn build_device_control(
    state: &mut State,
    thread: usize,
    device: usize,
    file: usize,
    code: u32,
    input: &[u8],
    output_len: usize,
) -> Result<usize, nt::NTSTATUS> {
    let input_len = u32::try_from(input.len()).map_err(|_| nt::STATUS_INVALID_PARAMETER)?;
    let output_len_u32 = u32::try_from(output_len).map_err(|_| nt::STATUS_INVALID_PARAMETER)?;
    let method = code & 3;
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: a live file object; Flags is written by the I/O manager only.
    let synchronous = unsafe { (*file_pointer).Flags } & nt::FO_SYNCHRONOUS_IO != 0;
    let user_input = Block::from_bytes(input);
    let user_output = Block::zeroed(output_len);
    let parameters = nt::_IO_STACK_LOCATION__bindgen_ty_1__bindgen_ty_17 {
        OutputBufferLength: output_len_u32,
        InputBufferLength: input_len,
        IoControlCode: code,
        Type3InputBuffer: if method == nt::METHOD_NEITHER {
            user_input.as_ptr()
        } else {
            std::ptr::null_mut()
        },
        ..Default::default()
    };
    let stack = nt::IO_STACK_LOCATION {
        MajorFunction: major(nt::IRP_MJ_DEVICE_CONTROL),
        Parameters: nt::_IO_STACK_LOCATION__bindgen_ty_1 {
            DeviceIoControl: parameters,
        },
        ..Default::default()
    };
    let irp = state.allocate_irp(
        IrpKind::DeviceControl,
        device,
        file,
        thread,
        USER_MODE,
        stack,
    );
    let mut flags = if synchronous { IRP_SYNCHRONOUS_API } else { 0 };
    let system_buffer = if method == nt::METHOD_NEITHER || (input.is_empty() && output_len == 0) {
        None
    } else if method == nt::METHOD_BUFFERED {
        flags |= IRP_BUFFERED_IO
            | IRP_DEALLOCATE_BUFFER
            | if output_len > 0 {
                IRP_INPUT_OPERATION
            } else {
                0
            };
        let buffer = Block::filled(input.len().max(output_len), 0xB5);
        buffer.write_bytes(0, input);
        Some(buffer)
    } else {
        // Direct I/O: the input is buffered; the output MDL is not modelled (MdlAddress NULL).
        (!input.is_empty()).then(|| Block::from_bytes(input))
    };
    let system_buffer_address = system_buffer.as_ref().map_or(0, Block::addr);
    // SAFETY: the IRP was just allocated and is not dispatched yet.
    unsafe { fields::set_system_buffer(irp, system_buffer_address) };
    // SAFETY: as above.
    unsafe {
        fields::set_flags_and_user_buffer(
            irp,
            flags,
            if output_len == 0 {
                0
            } else {
                user_output.addr()
            },
        );
    };
    if let Some(record) = state.io.irps.get_mut(&irp) {
        record.system_buffer = system_buffer;
        record.output_len = output_len;
        record.method = method;
        record.holds_file_reference = true;
        record.user_buffers = vec![user_input, user_output];
    }
    Ok(irp)
}

/// Sends `IRP_MJ_DEVICE_CONTROL` on `handle` of the current process, as `NtDeviceIoControlFile`
/// from user mode. With `dispatch_in`, the driver's dispatch routine runs in that process and
/// thread instead of the requestor's (a request forwarded by a worker thread or another
/// driver): `IoGetRequestorProcess` still names the requestor.
pub fn device_control(
    kernel: &Arc<KernelInner>,
    handle: u64,
    code: u32,
    input: &[u8],
    output_len: usize,
    dispatch_in: Option<(usize, usize)>,
) -> Result<Outcome, nt::NTSTATUS> {
    let context = context()?;
    if u32::try_from(input.len()).is_err() || u32::try_from(output_len).is_err() {
        return Err(nt::STATUS_INVALID_PARAMETER);
    }
    let required = match (code >> 14) & 3 {
        1 => nt::FILE_READ_DATA,
        2 => nt::FILE_WRITE_DATA,
        3 => nt::FILE_READ_DATA | nt::FILE_WRITE_DATA,
        _ => 0,
    };
    let mut state = kernel.lock();
    let referenced = state.reference_by_handle(
        context.process,
        context.thread,
        handle,
        required,
        Some(ObjectKind::File),
        USER_MODE,
        false,
    )?;
    let file = referenced.object;
    let target = match state.object(file).map(|header| &header.extra) {
        Some(Extra::File(extra)) => extra.target.clone(),
        _ => FileTarget::Disk(String::new()),
    };
    let FileTarget::Device(device) = target else {
        if let Ok((_, Some(deferred))) = state.drop_reference(file, false) {
            state.deferred.push_back(deferred);
        }
        return Err(nt::STATUS_INVALID_DEVICE_REQUEST);
    };
    let irp = build_device_control(
        &mut state,
        context.thread,
        device,
        file,
        code,
        input,
        output_len,
    )?;
    drop(state);
    let elsewhere = dispatch_in.map(|(process, thread)| {
        kernel::enter(kernel::Context {
            process,
            thread,
            ..context.clone()
        })
    });
    let returned = call_driver(kernel, device, irp, nt::IRP_MJ_DEVICE_CONTROL);
    drop(elsewhere);
    let mut state = kernel.lock();
    let Some(record) = state.io.irps.get_mut(&irp) else {
        return Err(nt::STATUS_INTERNAL_ERROR);
    };
    record.dispatch_returned = true;
    let stack = record.stack;
    let id = record.id;
    if let Some((status, _)) = record.completed {
        check_returned_status(&mut state, irp, stack, returned, status);
        let (result, deferred) = finish(&mut state, irp);
        if let Some(deferred) = deferred {
            state.deferred.push_back(deferred);
        }
        return result.map(Outcome::Done).ok_or(nt::STATUS_INTERNAL_ERROR);
    }
    if returned == nt::STATUS_PENDING {
        // SAFETY: a live IRP's current stack location.
        let marked = unsafe { fields::stack_control(stack) } & SL_PENDING_RETURNED != 0;
        if !marked {
            state.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_PENDING_NOT_MARKED, irp as u64, 0, 0],
                "dispatch routine returned STATUS_PENDING without IoMarkIrpPending (SL_PENDING_RETURNED not set)",
            );
        }
    } else {
        state.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_IRP_LOST, irp as u64, status_bits(returned), 0],
            format!("dispatch routine returned {returned:#010x} without completing the IRP or returning STATUS_PENDING"),
        );
    }
    Ok(Outcome::Pending(id))
}

/// Finishes a completed device-control IRP: copies the output back (METHOD_BUFFERED:
/// `Information` bytes of the system buffer, unless the status is an error), frees the
/// buffers and the IRP, and drops its file-object reference.
fn finish(state: &mut State, irp: usize) -> (Option<IrpResult>, Option<Deferred>) {
    let Some(record) = state.retire_irp(irp) else {
        return (None, None);
    };
    let (status, information) = record.completed.unwrap_or((nt::STATUS_INTERNAL_ERROR, 0));
    let mut output = Vec::new();
    if record.kind == IrpKind::DeviceControl && !is_error(status) {
        let fits =
            usize::try_from(information).is_ok_and(|information| information <= record.output_len);
        if !fits {
            state.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_INFORMATION_TOO_LARGE, irp as u64, information, record.output_len as u64],
                format!("IoStatus.Information {information} is larger than the output buffer ({} bytes)", record.output_len),
            );
        }
        let count = usize::try_from(information)
            .unwrap_or(usize::MAX)
            .min(record.output_len);
        output = match (record.method, &record.system_buffer) {
            (nt::METHOD_BUFFERED, Some(buffer)) => buffer.read_bytes(0, count),
            (nt::METHOD_NEITHER, _) => record
                .user_buffers
                .get(1)
                .map(|block| block.read_bytes(0, count))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
    }
    let mut deferred = None;
    if record.holds_file_reference {
        deferred = drop_io_reference(state, record.file);
    }
    if matches!(
        record.kind,
        IrpKind::Create | IrpKind::Cleanup | IrpKind::Close
    ) && let Some(next) = state.release_if_unused(record.file)
    {
        deferred = Some(next);
    }
    let result = IrpResult {
        status,
        information,
        output,
    };
    state.io.results.insert(record.id, result.clone());
    (Some(result), deferred)
}

/// Drops a reference the I/O manager holds on a file object. If it is already gone, the
/// driver dereferenced the object once too often: a stop.
fn drop_io_reference(state: &mut State, file: usize) -> Option<Deferred> {
    if let Ok((_, deferred)) = state.drop_reference(file, false) {
        return deferred;
    }
    state.stop(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        [codes::C4_BAD_REFERENCE_COUNT, file as u64, 0, 0],
        format!("the I/O manager's reference on file object {file:#x} was already dropped (the driver dereferenced it once too often)"),
    );
    None
}

/// Sends `IRP_MJ_CLEANUP` for `file` (its last handle was just closed) in the current context,
/// then drops the reference `close_handle` took for it.
pub fn cleanup(kernel: &Arc<KernelInner>, file: usize) {
    let Ok(context) = context() else {
        return;
    };
    let mut state = kernel.lock();
    let device = match state.objects.get(&file).map(|header| &header.extra) {
        Some(Extra::File(FileExtra {
            target: FileTarget::Device(device),
            ..
        })) => *device,
        _ => return,
    };
    let stack = nt::IO_STACK_LOCATION {
        MajorFunction: major(nt::IRP_MJ_CLEANUP),
        ..Default::default()
    };
    let irp = state.allocate_irp(
        IrpKind::Cleanup,
        device,
        file,
        context.thread,
        KERNEL_MODE,
        stack,
    );
    // SAFETY: the IRP was just allocated and is not dispatched yet.
    unsafe { fields::set_flags_and_user_buffer(irp, IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API, 0) };
    drop(state);
    let returned = call_driver(kernel, device, irp, nt::IRP_MJ_CLEANUP);
    let mut state = kernel.lock();
    after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CLEANUP");
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: the file object is alive: the reference taken for the cleanup is still held.
    unsafe { (*file_pointer).Flags |= FO_CLEANUP_COMPLETE };
    if let Some(deferred) = drop_io_reference(&mut state, file) {
        state.deferred.push_back(deferred);
    }
}

/// Sends `IRP_MJ_CLOSE` for `file` (its last reference is gone) and frees it.
fn close(kernel: &Arc<KernelInner>, file: usize) {
    let thread = kernel::current().map(|context| context.thread);
    let mut state = kernel.lock();
    let device = match state.objects.get(&file).map(|header| &header.extra) {
        Some(Extra::File(FileExtra {
            target: FileTarget::Device(device),
            ..
        })) => *device,
        _ => return,
    };
    let thread = thread.unwrap_or(state.system_thread);
    let stack = nt::IO_STACK_LOCATION {
        MajorFunction: major(nt::IRP_MJ_CLOSE),
        ..Default::default()
    };
    let irp = state.allocate_irp(IrpKind::Close, device, file, thread, KERNEL_MODE, stack);
    // SAFETY: the IRP was just allocated and is not dispatched yet.
    unsafe { fields::set_flags_and_user_buffer(irp, IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API, 0) };
    drop(state);
    let returned = call_driver(kernel, device, irp, nt::IRP_MJ_CLOSE);
    let mut state = kernel.lock();
    after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CLOSE");
    state.delete_object(file);
}

/// Runs deferred work (closes, completion of pending IRPs) and queued DPCs until none is
/// left. Called at `PASSIVE_LEVEL` when control returns to the test.
pub fn settle(kernel: &Arc<KernelInner>) {
    loop {
        crate::ke::run_dpcs(kernel);
        let next = kernel.lock().deferred.pop_front();
        match next {
            None => return,
            Some(Deferred::Close(file)) => close(kernel, file),
            Some(Deferred::FinishIrp(irp)) => {
                let mut state = kernel.lock();
                let (_, deferred) = finish(&mut state, irp);
                if let Some(deferred) = deferred {
                    state.deferred.push_back(deferred);
                }
            }
        }
    }
}

/// Runs the close of one object right now if it is due (a dereference at `PASSIVE_LEVEL`).
pub fn run_deferred_now(kernel: &Arc<KernelInner>, deferred: Deferred) {
    match deferred {
        Deferred::Close(file) => close(kernel, file),
        Deferred::FinishIrp(_) => kernel.lock().deferred.push_back(deferred),
    }
}

/// Acquires the cancel spin lock on this thread; returns the previous IRQL.
pub fn acquire_cancel_lock(kernel: &Arc<KernelInner>) -> u8 {
    let old = kernel::set_irql(kernel::irql().max(DISPATCH_LEVEL));
    let token = crate::ke::thread_token();
    loop {
        match kernel.cancel_lock.compare_exchange_weak(
            0,
            token,
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            Ok(_) => return old,
            Err(owner) if owner == token => {
                kernel.lock().stop(
                    codes::NTMODEL_CHECK,
                    [codes::MODEL_SPIN_LOCK, 0, 0, 0],
                    "IoAcquireCancelSpinLock while this thread already holds the cancel spin lock (deadlock on Windows)",
                );
                return old;
            }
            Err(_) => std::hint::spin_loop(),
        }
    }
}

/// Releases the cancel spin lock and returns to `irql`.
pub fn release_cancel_lock(kernel: &Arc<KernelInner>, irql: u8) {
    let token = crate::ke::thread_token();
    if kernel
        .cancel_lock
        .compare_exchange(token, 0, Ordering::Release, Ordering::Relaxed)
        .is_err()
    {
        kernel.lock().stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_SPIN_LOCK, 1, 0, 0],
            "IoReleaseCancelSpinLock by a thread that does not hold the cancel spin lock",
        );
    }
    kernel::set_irql(irql);
}

fn check_cancel_lock_released(kernel: &Arc<KernelInner>, what: &str) {
    if kernel.cancel_lock.load(Ordering::Acquire) == crate::ke::thread_token() {
        kernel.cancel_lock.store(0, Ordering::Release);
        kernel.lock().stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_CANCEL_LOCK_HELD, 0, 0, 0],
            format!("{what} returned holding the cancel spin lock"),
        );
    }
}

/// `IoCancelIrp` on the pending IRP `id`: sets `Cancel`, takes the cancel spin lock,
/// exchanges the cancel routine with NULL and, if there was one, calls it with the lock held
/// (it releases it). Returns whether a cancel routine was called.
pub fn cancel(kernel: &Arc<KernelInner>, id: u64) -> bool {
    let old_irql = acquire_cancel_lock(kernel);
    // One state-lock section from finding the IRP to taking its cancel routine: completion
    // needs the same lock, so the IRP cannot be completed (and then freed by another thread's
    // settle) in between. On Windows the IRP likewise stays allocated while IoCancelIrp works
    // on it.
    let found = {
        let state = kernel.lock();
        let found = state
            .io
            .irps
            .iter()
            .find(|(_, record)| record.id == id && record.completed.is_none())
            .map(|(irp, record)| (*irp, record.device));
        found.map(|(irp, device)| {
            // SAFETY: the IRP is live and not completed, and the state lock held here keeps
            // it so.
            unsafe { fields::set_cancel(irp) };
            // SAFETY: as above.
            let routine = unsafe { fields::exchange_cancel_routine(irp, None) };
            (irp, device, routine)
        })
    };
    let Some((irp, device, Some(routine))) = found else {
        release_cancel_lock(kernel, old_irql);
        return false;
    };
    // SAFETY: as above; the driver cannot complete the IRP while its cancel routine is set.
    unsafe { fields::set_cancel_irql(irp, old_irql) };
    // SAFETY: the driver's cancel routine, called as IoCancelIrp does: cancel spin lock held,
    // Irp->CancelIrql set, with the IRP's device.
    unsafe { routine(device as nt::PDEVICE_OBJECT, irp as nt::PIRP) };
    check_cancel_lock_released(kernel, "the cancel routine");
    if kernel::irql() != old_irql {
        let now = kernel::irql();
        kernel.lock().stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_WRONG_IRQL, u64::from(now), u64::from(old_irql), 0],
            format!("cancel routine returned at IRQL {now}, expected {old_irql} (IoReleaseCancelSpinLock(Irp->CancelIrql) missing?)"),
        );
        kernel::set_irql(old_irql);
    }
    true
}
