//! What every `Zw` routine shares: the IRQL prologue, the stop for a private handle created
//! in a user process, the `IO_STATUS_BLOCK`, and referencing a handle as a `Zw` call does
//! (`KernelMode`, no access check), with the stop for a handle of the user's own table.
use super::require_passive;
use crate::consts::{CURRENT_PROCESS, CURRENT_THREAD, KERNEL_MODE};
use crate::machine::context::Context;
use crate::object_manager::is_kernel_handle;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::requests;
use crate::verifier::codes;
use nt_bindings as nt;
use std::mem::offset_of;

/// Checks IRQL and returns `Err` with the status to fail with.
pub fn prologue(context: &Context, routine: &str) -> Result<(), nt::NTSTATUS> {
    if require_passive(context, routine, codes::C4_IRQL_ZW_PASSIVE) {
        Ok(())
    } else {
        Err(nt::STATUS_UNSUCCESSFUL)
    }
}

/// A handle the driver creates without `OBJ_KERNEL_HANDLE` while a user process is current
/// lands in that process's table: a stop, and the call fails.
pub fn check_private_handle(
    context: &Context,
    routine: &str,
    attributes: u32,
) -> Result<(), nt::NTSTATUS> {
    let mut state = context.machine.lock();
    if attributes & nt::OBJ_KERNEL_HANDLE != 0 || state.ps.is_system(context.process) {
        return Ok(());
    }
    state.verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_PRIVATE_HANDLE_IN_USER_PROCESS, 0, context.process as u64, u64::from(attributes)],
        format!("{routine} without OBJ_KERNEL_HANDLE while a user process is current: the driver's private handle would be visible to (and closable by) the user process"),
    );
    Err(nt::STATUS_ACCESS_DENIED)
}

/// Writes an `IO_STATUS_BLOCK` (if there is one).
pub fn write_io_status(iosb: nt::PIO_STATUS_BLOCK, status: nt::NTSTATUS, information: u64) {
    if iosb.is_null() {
        return;
    }
    let base = iosb as usize;
    let status_pointer = base as *mut nt::NTSTATUS;
    // SAFETY: callers pass the driver's writable IO_STATUS_BLOCK; Status is its first field.
    unsafe { status_pointer.write(status) };
    let information_pointer = (base + offset_of!(nt::IO_STATUS_BLOCK, Information)) as *mut u64;
    // SAFETY: as above; Information is a ULONG_PTR field of it.
    unsafe { information_pointer.write(information) };
}

/// References a handle as a `Zw` routine does (`KernelMode`, no access check) and returns the
/// object.
pub fn reference_for_zw(
    context: &Context,
    routine: &str,
    handle: nt::HANDLE,
    kind: ObjectKind,
) -> Result<usize, nt::NTSTATUS> {
    check_user_handle_in_zw(context, routine, handle as u64);
    let mut state = context.machine.lock();
    state
        .ob
        .reference_by_handle(
            context.process,
            context.thread,
            handle as u64,
            0,
            Some(kind),
            KERNEL_MODE,
            Origin::Model,
        )
        .map(|r| r.object)
}

/// Drops the reference [`reference_for_zw`] took (running a close that became due).
pub fn release_for_zw(context: &Context, object: usize) {
    let deferred = context
        .machine
        .lock()
        .drop_reference(object, Origin::Model)
        .ok()
        .and_then(|(_, deferred)| deferred);
    if let Some(deferred) = deferred {
        requests::run_deferred_now(&context.machine, deferred);
    }
}

/// Records the model's stop for a `Zw` call on a handle of the user process's own table.
pub fn check_user_handle_in_zw(context: &Context, routine: &str, value: u64) {
    if value == 0 || is_kernel_handle(value) || value == CURRENT_PROCESS || value == CURRENT_THREAD
    {
        return;
    }
    let mut state = context.machine.lock();
    if state.ps.is_system(context.process)
        || !state.ob.handle_exists(context.process, value, KERNEL_MODE)
    {
        return;
    }
    state.verifier.stop(
        codes::NTMODEL_CHECK,
        [codes::MODEL_USER_HANDLE_IN_ZW, value, context.process as u64, 0],
        format!("{routine} (KernelMode, no access checks) on a handle ({value:#x}) of the user process's table"),
    );
}
