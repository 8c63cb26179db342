//! Device control (`NtDeviceIoControlFile` from user mode): the handle is referenced with the
//! access the code's `RequiredAccess` bits demand, the IRP is built by transfer type, and the
//! request either completes before it returns or stays pending.
use super::completion::finish;
use super::dispatch::{call_driver, check_returned_status, context};
use crate::block::Block;
use crate::consts::{
    IRP_BUFFERED_IO, IRP_DEALLOCATE_BUFFER, IRP_INPUT_OPERATION, IRP_SYNCHRONOUS_API, KERNEL_MODE,
    SL_PENDING_RETURNED, USER_MODE, major, status_bits,
};
use crate::fields;
use crate::io_manager::{IrpKind, IrpResult};
use crate::machine::context::{self, Context};
use crate::machine::{Machine, Subsystems};
use crate::object_manager::{Extra, FileTarget};
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;

/// What a device control request came to.
#[derive(Debug)]
pub enum Outcome {
    /// Completed before the request returned.
    Done(IrpResult),
    /// Pending: the IRP's id.
    Pending(u64),
}

/// How a request reaches the driver, beyond the usual.
#[derive(Clone, Copy, Debug, Default)]
pub struct Delivery {
    /// The dispatch routine runs in this process and thread (`EPROCESS`, `ETHREAD`) instead of
    /// the requestor's.
    pub dispatch_in: Option<(usize, usize)>,
    /// `Irp->Cancel` is already TRUE when the dispatch routine runs: `CancelIoEx` or the
    /// thread's exit won the race with the dispatch (`IoCancelIrp` found no cancel routine to
    /// call, so only the flag tells).
    pub cancelled: bool,
    /// The request comes from kernel mode (`Irp->RequestorMode` KernelMode): a driver
    /// running in the requestor's context sent it, as with `IoBuildDeviceIoControlRequest`
    /// and `IoCallDriver`.
    pub from_kernel: bool,
}

/// Builds the `IRP_MJ_DEVICE_CONTROL` IRP for a request on `file`: buffers by transfer type
/// (METHOD_BUFFERED: a system buffer of max(in, out) bytes holding the input), the stack
/// location's parameters, and the IRP's reference on the file object.
fn build_device_control(
    state: &mut Subsystems,
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
    let irp = state.io.allocate_irp(
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

/// Takes the file-object lock of a synchronous file object for the request sent on it, in
/// the requestor's thread (ReactOS `IopLockFileObject`, from `IopDeviceFsIoControl`): the
/// I/O manager serialises every request on such an object, device control included. The
/// model holds it while the dispatch routine runs. Returns whether it took it.
fn lock_file_object(state: &mut Subsystems, file: usize, thread: usize) -> bool {
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: a live file object (the IRP holds a reference); Flags is the I/O manager's.
    let synchronous = unsafe { (*file_pointer).Flags } & nt::FO_SYNCHRONOUS_IO != 0;
    let Some(Extra::File(extra)) = state.ob.get_any_mut(file).map(|header| &mut header.extra)
    else {
        return false;
    };
    if !synchronous || extra.lock_holder.is_some() {
        return false;
    }
    extra.lock_holder = Some(thread);
    // SAFETY: as above; the model alone writes Busy, under the state lock.
    unsafe { (*file_pointer).Busy = 1 };
    true
}

/// Releases the lock [`lock_file_object`] took.
fn unlock_file_object(state: &mut Subsystems, file: usize) {
    if let Some(Extra::File(extra)) = state.ob.get_any_mut(file).map(|header| &mut header.extra) {
        extra.lock_holder = None;
        // SAFETY: the IRP still holds its reference on the file object; the model alone
        // writes Busy, under the state lock.
        unsafe { (*(file as *mut nt::FILE_OBJECT)).Busy = 0 };
    }
}

/// Sends `IRP_MJ_DEVICE_CONTROL` on `handle` of the current process, as `NtDeviceIoControlFile`
/// from user mode. With `dispatch_in`, the driver's dispatch routine runs in that process and
/// thread instead of the requestor's (a request forwarded by a worker thread or another
/// driver): `IoGetRequestorProcess` still names the requestor. With `delivery.cancelled` the
/// IRP arrives already cancelled.
pub fn device_control(
    machine: &Arc<Machine>,
    handle: u64,
    code: u32,
    input: &[u8],
    output_len: usize,
    delivery: Delivery,
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
    let mut state = machine.lock();
    let referenced = state.ob.reference_by_handle(
        context.process,
        context.thread,
        handle,
        required,
        Some(ObjectKind::File),
        USER_MODE,
        Origin::Model,
    )?;
    let file = referenced.object;
    let target = match state.ob.get(file).map(|header| &header.extra) {
        Some(Extra::File(extra)) => extra.target.clone(),
        _ => FileTarget::Disk(String::new()),
    };
    let FileTarget::Device(device) = target else {
        if let Ok((_, Some(deferred))) = state.drop_reference(file, Origin::Model) {
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
    let locked = lock_file_object(&mut state, file, context.thread);
    drop(state);
    if delivery.from_kernel {
        // SAFETY: the IRP was just built and is not dispatched yet.
        unsafe { fields::set_requestor_mode(irp, KERNEL_MODE) };
    }
    if delivery.cancelled {
        // SAFETY: the IRP was just built and is not dispatched yet.
        unsafe { fields::set_cancel(irp) };
    }
    let elsewhere = delivery.dispatch_in.map(|(process, thread)| {
        context::enter(Context {
            process,
            thread,
            ..context.clone()
        })
    });
    let returned = call_driver(machine, device, irp, nt::IRP_MJ_DEVICE_CONTROL);
    drop(elsewhere);
    let mut state = machine.lock();
    if locked {
        unlock_file_object(&mut state, file);
    }
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
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_PENDING_NOT_MARKED, irp as u64, 0, 0],
                "dispatch routine returned STATUS_PENDING without IoMarkIrpPending (SL_PENDING_RETURNED not set)",
            );
        }
    } else {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_IRP_LOST, irp as u64, status_bits(returned), 0],
            format!("dispatch routine returned {returned:#010x} without completing the IRP or returning STATUS_PENDING"),
        );
    }
    // The caller gets a `PendingIrp`: it holds the request.
    state.io.watch(id);
    Ok(Outcome::Pending(id))
}
