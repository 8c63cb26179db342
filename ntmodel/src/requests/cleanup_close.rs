//! The end of a file object: `IRP_MJ_CLEANUP` when its last handle is closed, `IRP_MJ_CLOSE`
//! when its last reference is gone; and closing a handle as `NtClose` does, which may start
//! both.
use super::completion::drop_io_reference;
use super::dispatch::{after_sync_dispatch, call_driver, context};
use crate::consts::{
    CURRENT_PROCESS, CURRENT_THREAD, FO_CLEANUP_COMPLETE, IRP_CLOSE_OPERATION, IRP_SYNCHRONOUS_API,
    KERNEL_MODE, PASSIVE_LEVEL, STATUS_HANDLE_NOT_CLOSABLE, major,
};
use crate::fields;
use crate::io_manager::IrpKind;
use crate::machine::context::{self, Context};
use crate::machine::{Closed, Deferred, Machine};
use crate::object_manager::{Extra, FileExtra, FileTarget};
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;

/// Sends `IRP_MJ_CLEANUP` for `file` (its last handle was just closed) in the current context,
/// then drops the reference `close_handle` took for it.
pub fn cleanup(machine: &Arc<Machine>, file: usize) {
    let Ok(context) = context() else {
        return;
    };
    let mut state = machine.lock();
    let device = match state.ob.get_any(file).map(|header| &header.extra) {
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
    let irp = state.io.allocate_irp(
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
    let returned = call_driver(machine, device, irp, nt::IRP_MJ_CLEANUP);
    let mut state = machine.lock();
    after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CLEANUP");
    let file_pointer = file as *mut nt::FILE_OBJECT;
    // SAFETY: the file object is alive: the reference taken for the cleanup is still held.
    unsafe { (*file_pointer).Flags |= FO_CLEANUP_COMPLETE };
    if let Some(deferred) = drop_io_reference(&mut state, file) {
        state.deferred.push_back(deferred);
    }
}

/// Sends `IRP_MJ_CLOSE` for `file` (its last reference is gone) and frees it.
pub fn close(machine: &Arc<Machine>, file: usize) {
    let thread = context::current().map(|context| context.thread);
    let mut state = machine.lock();
    let device = match state.ob.get_any(file).map(|header| &header.extra) {
        Some(Extra::File(FileExtra {
            target: FileTarget::Device(device),
            ..
        })) => *device,
        _ => return,
    };
    let thread = thread.unwrap_or(state.ps.system_thread);
    let stack = nt::IO_STACK_LOCATION {
        MajorFunction: major(nt::IRP_MJ_CLOSE),
        ..Default::default()
    };
    let irp = state
        .io
        .allocate_irp(IrpKind::Close, device, file, thread, KERNEL_MODE, stack);
    // SAFETY: the IRP was just allocated and is not dispatched yet.
    unsafe { fields::set_flags_and_user_buffer(irp, IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API, 0) };
    drop(state);
    let returned = call_driver(machine, device, irp, nt::IRP_MJ_CLOSE);
    let mut state = machine.lock();
    after_sync_dispatch(&mut state, irp, returned, "IRP_MJ_CLOSE");
    state.delete_object(file);
}

/// Runs the close of one object right now if it is due (a dereference at `PASSIVE_LEVEL`).
pub fn run_deferred_now(machine: &Arc<Machine>, deferred: Deferred) {
    match deferred {
        Deferred::Close(file) => close(machine, file),
        Deferred::FinishIrp(_) => machine.lock().deferred.push_back(deferred),
    }
}

/// Closes `value` as a caller in `mode` (`NtClose`, `ZwClose`, `ObCloseHandle`). From kernel
/// mode an invalid (or protected) handle is bug check 0x93; NULL and pseudo-handles just
/// fail. The last handle of a device file object sends `IRP_MJ_CLEANUP`; closes that became
/// due run now at `PASSIVE_LEVEL`, later otherwise.
pub fn close_handle(context: &Context, routine: &str, value: u64, mode: i8) -> nt::NTSTATUS {
    let result = context
        .machine
        .lock()
        .close_handle(context.process, value, mode);
    match result {
        Err(status) => {
            if mode == KERNEL_MODE
                && value != 0
                && value != CURRENT_PROCESS
                && value != CURRENT_THREAD
            {
                context.machine.lock().verifier.stop(
                    codes::INVALID_KERNEL_HANDLE,
                    [value, u64::from(status == STATUS_HANDLE_NOT_CLOSABLE), 0, 0],
                    format!(
                        "{routine} from kernel mode with an invalid or protected handle {value:#x}"
                    ),
                );
            }
            status
        }
        Ok(closed) => {
            if let Closed::NeedsCleanup(file) = closed {
                cleanup(&context.machine, file);
            }
            if context::irql() == PASSIVE_LEVEL {
                let due: Vec<Deferred> = {
                    let mut state = context.machine.lock();
                    let due: Vec<Deferred> = state
                        .deferred
                        .iter()
                        .copied()
                        .filter(|item| matches!(item, Deferred::Close(_)))
                        .collect();
                    state
                        .deferred
                        .retain(|item| !matches!(item, Deferred::Close(_)));
                    due
                };
                for item in due {
                    run_deferred_now(&context.machine, item);
                }
            }
            nt::STATUS_SUCCESS
        }
    }
}
