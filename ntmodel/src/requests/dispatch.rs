//! Calling a driver's dispatch routine, and what the I/O manager checks when it returns: the
//! IRQL is unchanged, the cancel spin lock is released, and the returned status agrees with
//! how the IRP was completed or marked pending.
use super::cancel::check_cancel_lock_released;
use super::completion::complete;
use crate::consts::{SL_PENDING_RETURNED, status_bits};
use crate::fields;
use crate::io_manager::driver_of;
use crate::machine::context::{self, Context};
use crate::machine::{Machine, Subsystems};
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;

/// The calling thread's context (the request API is only called inside a machine).
pub fn context() -> Result<Context, nt::NTSTATUS> {
    context::current().ok_or(nt::STATUS_INTERNAL_ERROR)
}

/// After a create / cleanup / close dispatch: these must complete before returning (the model
/// cannot block the caller). Retires the IRP and returns its final status.
pub fn after_sync_dispatch(
    state: &mut Subsystems,
    irp: usize,
    returned: nt::NTSTATUS,
    what: &str,
) -> Option<(nt::NTSTATUS, u64)> {
    let record = state.io.irps.get_mut(&irp)?;
    record.dispatch_returned = true;
    let stack = record.stack;
    let Some((status, information)) = record.completed else {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_IRP_LOST, irp as u64, status_bits(returned), 0],
            format!("{what} dispatch returned {returned:#010x} without completing the IRP (the model completes these synchronously only)"),
        );
        return None;
    };
    check_returned_status(state, irp, stack, returned, status);
    state.io.retire_irp(irp);
    Some((status, information))
}

/// Stops where the dispatch routine's returned status disagrees with the IRP's state.
pub fn check_returned_status(
    state: &mut Subsystems,
    irp: usize,
    stack: usize,
    returned: nt::NTSTATUS,
    completed: nt::NTSTATUS,
) {
    // SAFETY: a live IRP's current stack location.
    let marked = unsafe { fields::stack_control(stack) } & SL_PENDING_RETURNED != 0;
    if returned == nt::STATUS_PENDING {
        if !marked {
            state.verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_PENDING_NOT_MARKED, irp as u64, 0, 0],
                "dispatch routine returned STATUS_PENDING without IoMarkIrpPending (SL_PENDING_RETURNED not set)",
            );
        }
    } else if marked {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_MARKED_PENDING_NOT_RETURNED, irp as u64, status_bits(returned), 0],
            format!("IRP marked pending but the dispatch routine returned {returned:#010x}, not STATUS_PENDING"),
        );
    } else if returned != completed {
        state.verifier.stop(
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

/// Calls the driver's dispatch routine for `major` with no lock held, in the current context
/// (as that driver's code). Checks that the IRQL is unchanged across the call.
pub fn call_driver(machine: &Arc<Machine>, device: usize, irp: usize, major: u32) -> nt::NTSTATUS {
    let before = context::irql();
    let status = if let Some(routine) = major_function(device, major) {
        context::with_driver(Some(driver_of(device)), || {
            // SAFETY: the driver's own dispatch routine, called as the I/O manager does: a
            // live device object of this driver and an IRP with its stack location set up.
            unsafe { routine(device as nt::PDEVICE_OBJECT, irp as nt::PIRP) }
        })
    } else {
        // IopInvalidDeviceRequest.
        // SAFETY: a live IRP we allocated and still own.
        unsafe { fields::set_irp_io_status(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0) };
        complete(machine, irp);
        nt::STATUS_INVALID_DEVICE_REQUEST
    };
    let after = context::irql();
    if after != before {
        machine.lock().verifier.stop(
            codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            [codes::C9_IRQL_CHANGED, device as u64, u64::from(before), u64::from(after)],
            format!("IRQL changed from {before} to {after} across the dispatch routine for major function {major}"),
        );
        context::set_irql(before);
    }
    check_cancel_lock_released(machine, "a dispatch routine");
    status
}
