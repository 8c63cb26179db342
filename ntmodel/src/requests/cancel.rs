//! Cancellation: the cancel spin lock, and `IoCancelIrp` on a pending IRP (set `Cancel`, take
//! the cancel routine, call it with the lock held).
use crate::consts::DISPATCH_LEVEL;
use crate::dispatcher::thread_token;
use crate::fields;
use crate::io_manager::driver_of;
use crate::machine::Machine;
use crate::machine::context;
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Acquires the cancel spin lock on this thread; returns the previous IRQL.
pub fn acquire_cancel_lock(machine: &Arc<Machine>) -> u8 {
    let old = context::set_irql(context::irql().max(DISPATCH_LEVEL));
    let token = thread_token();
    loop {
        match machine.cancel_lock.compare_exchange_weak(
            0,
            token,
            Ordering::Acquire,
            Ordering::Relaxed,
        ) {
            Ok(_) => return old,
            Err(owner) if owner == token => {
                machine.lock().verifier.stop(
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
pub fn release_cancel_lock(machine: &Arc<Machine>, irql: u8) {
    let token = thread_token();
    if machine
        .cancel_lock
        .compare_exchange(token, 0, Ordering::Release, Ordering::Relaxed)
        .is_err()
    {
        machine.lock().verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_SPIN_LOCK, 1, 0, 0],
            "IoReleaseCancelSpinLock by a thread that does not hold the cancel spin lock",
        );
    }
    context::set_irql(irql);
}

pub fn check_cancel_lock_released(machine: &Arc<Machine>, what: &str) {
    if machine.cancel_lock.load(Ordering::Acquire) == thread_token() {
        machine.cancel_lock.store(0, Ordering::Release);
        machine.lock().verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_CANCEL_LOCK_HELD, 0, 0, 0],
            format!("{what} returned holding the cancel spin lock"),
        );
    }
}

/// `IoCancelIrp` on the pending IRP `id`: sets `Cancel`, takes the cancel spin lock,
/// exchanges the cancel routine with NULL and, if there was one, calls it with the lock held
/// (it releases it). Returns whether a cancel routine was called.
pub fn cancel(machine: &Arc<Machine>, id: u64) -> bool {
    let old_irql = acquire_cancel_lock(machine);
    // One state-lock section from finding the IRP to taking its cancel routine: completion
    // needs the same lock, so the IRP cannot be completed (and then freed by another thread's
    // settle) in between. On Windows the IRP likewise stays allocated while IoCancelIrp works
    // on it.
    let found = {
        let state = machine.lock();
        let found = state.io.pending_irp(id);
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
        release_cancel_lock(machine, old_irql);
        return false;
    };
    // SAFETY: as above; the driver cannot complete the IRP while its cancel routine is set.
    unsafe { fields::set_cancel_irql(irp, old_irql) };
    context::with_driver(Some(driver_of(device)), || {
        // SAFETY: the driver's cancel routine, called as IoCancelIrp does: cancel spin lock
        // held, Irp->CancelIrql set, with the IRP's device.
        unsafe { routine(device as nt::PDEVICE_OBJECT, irp as nt::PIRP) };
    });
    check_cancel_lock_released(machine, "the cancel routine");
    if context::irql() != old_irql {
        let now = context::irql();
        machine.lock().verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_WRONG_IRQL, u64::from(now), u64::from(old_irql), 0],
            format!("cancel routine returned at IRQL {now}, expected {old_irql} (IoReleaseCancelSpinLock(Irp->CancelIrql) missing?)"),
        );
        context::set_irql(old_irql);
    }
    true
}
