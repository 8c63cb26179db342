//! Reads and writes of single fields of structures the driver shares with the model, by
//! offset: union members (`IoStatus.Status`, `AssociatedIrp.SystemBuffer`) and fields the
//! driver changes concurrently (`CancelRoutine`, exchanged atomically by `IoSetCancelRoutine`).
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicU8, Ordering};

fn at<T>(base: usize, offset: usize) -> *mut T {
    (base + offset) as *mut T
}

/// `Irp->IoStatus` as (Status, Information).
///
/// # Safety
/// `irp` is a live IRP allocated by the model.
pub unsafe fn irp_io_status(irp: usize) -> (nt::NTSTATUS, u64) {
    let base = irp + offset_of!(nt::IRP, IoStatus);
    // SAFETY: Status is the first 4 bytes of IoStatus inside a live IRP.
    let status = unsafe { at::<nt::NTSTATUS>(base, 0).read() };
    // SAFETY: Information is a ULONG_PTR inside a live IRP.
    let information =
        unsafe { at::<u64>(base, offset_of!(nt::IO_STATUS_BLOCK, Information)).read() };
    (status, information)
}

/// Sets `Irp->IoStatus`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model and not being completed concurrently.
pub unsafe fn set_irp_io_status(irp: usize, status: nt::NTSTATUS, information: u64) {
    let base = irp + offset_of!(nt::IRP, IoStatus);
    // SAFETY: Status is the first 4 bytes of IoStatus inside a live IRP.
    unsafe { at::<nt::NTSTATUS>(base, 0).write(status) };
    // SAFETY: Information is a ULONG_PTR inside a live IRP.
    unsafe { at::<u64>(base, offset_of!(nt::IO_STATUS_BLOCK, Information)).write(information) };
}

/// Sets `Irp->AssociatedIrp.SystemBuffer`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model, not yet dispatched.
pub unsafe fn set_system_buffer(irp: usize, buffer: usize) {
    // SAFETY: AssociatedIrp is a pointer-sized union inside a live IRP.
    unsafe { at::<usize>(irp, offset_of!(nt::IRP, AssociatedIrp)).write(buffer) };
}

/// Atomically exchanges `Irp->CancelRoutine` (what `IoSetCancelRoutine` does).
///
/// # Safety
/// `irp` is a live IRP allocated by the model.
pub unsafe fn exchange_cancel_routine(
    irp: usize,
    routine: nt::PDRIVER_CANCEL,
) -> nt::PDRIVER_CANCEL {
    let new = routine.map_or(std::ptr::null_mut(), |routine| {
        routine as *mut std::ffi::c_void
    });
    // SAFETY: CancelRoutine is a pointer-sized, pointer-aligned field of a live IRP that
    // every party accesses atomically (IoSetCancelRoutine is InterlockedExchangePointer).
    let slot = unsafe {
        AtomicPtr::from_ptr(at::<*mut std::ffi::c_void>(
            irp,
            offset_of!(nt::IRP, CancelRoutine),
        ))
    };
    let old = slot.swap(new, Ordering::AcqRel);
    if old.is_null() {
        None
    } else {
        // SAFETY: a non-NULL CancelRoutine is a DRIVER_CANCEL function pointer.
        Some(unsafe {
            std::mem::transmute::<
                *mut std::ffi::c_void,
                unsafe extern "C" fn(*mut nt::DEVICE_OBJECT, *mut nt::IRP),
            >(old)
        })
    }
}

/// Whether `Irp->CancelRoutine` is set.
///
/// # Safety
/// `irp` is a live IRP allocated by the model.
pub unsafe fn has_cancel_routine(irp: usize) -> bool {
    // SAFETY: as for exchange_cancel_routine.
    let slot = unsafe {
        AtomicPtr::from_ptr(at::<*mut std::ffi::c_void>(
            irp,
            offset_of!(nt::IRP, CancelRoutine),
        ))
    };
    !slot.load(Ordering::Acquire).is_null()
}

/// Sets `Irp->Cancel`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model.
pub unsafe fn set_cancel(irp: usize) {
    // SAFETY: Cancel is a BOOLEAN of a live IRP; drivers read it, possibly concurrently.
    let flag = unsafe { AtomicU8::from_ptr(at::<u8>(irp, offset_of!(nt::IRP, Cancel))) };
    flag.store(1, Ordering::Release);
}

/// Sets `Irp->RequestorMode`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model and not dispatched yet.
pub unsafe fn set_requestor_mode(irp: usize, mode: i8) {
    // SAFETY: RequestorMode is a CCHAR of a live IRP nobody else uses yet.
    unsafe { at::<i8>(irp, offset_of!(nt::IRP, RequestorMode)).write(mode) };
}

/// Sets `Irp->CancelIrql`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model.
pub unsafe fn set_cancel_irql(irp: usize, irql: u8) {
    // SAFETY: CancelIrql is a KIRQL of a live IRP.
    unsafe { at::<u8>(irp, offset_of!(nt::IRP, CancelIrql)).write(irql) };
}

/// Sets `Irp->Flags` and `Irp->UserBuffer`.
///
/// # Safety
/// `irp` is a live IRP allocated by the model, not yet dispatched.
pub unsafe fn set_flags_and_user_buffer(irp: usize, flags: u32, user_buffer: usize) {
    // SAFETY: Flags is a ULONG of a live IRP.
    unsafe { at::<u32>(irp, offset_of!(nt::IRP, Flags)).write(flags) };
    // SAFETY: UserBuffer is a PVOID of a live IRP.
    unsafe { at::<usize>(irp, offset_of!(nt::IRP, UserBuffer)).write(user_buffer) };
}

/// `Control` of a stack location (`SL_PENDING_RETURNED` lives there).
///
/// # Safety
/// `stack` is a stack location of a live IRP allocated by the model.
pub unsafe fn stack_control(stack: usize) -> u8 {
    // SAFETY: Control is a UCHAR of a live stack location; IoMarkIrpPending may set it on
    // another thread, so read it atomically.
    let control =
        unsafe { AtomicU8::from_ptr(at::<u8>(stack, offset_of!(nt::IO_STACK_LOCATION, Control))) };
    control.load(Ordering::Acquire)
}

/// `Tail.Overlay.Thread` of an IRP.
///
/// # Safety
/// `irp` points to a readable IRP.
pub unsafe fn irp_thread(irp: usize) -> usize {
    let offset =
        offset_of!(nt::IRP, Tail) + offset_of!(nt::_IRP__bindgen_ty_3__bindgen_ty_1, Thread);
    // SAFETY: Thread is a pointer inside the Tail overlay of a readable IRP.
    unsafe { at::<usize>(irp, offset).read() }
}

/// `Header.SignalState` of a dispatcher object, as an atomic.
///
/// # Safety
/// `object` points to a live `DISPATCHER_HEADER` (a `KEVENT`, a `KTIMER`) that stays valid for
/// the returned lifetime.
pub unsafe fn signal_state<'a>(object: usize) -> &'a AtomicI32 {
    // SAFETY: SignalState is an aligned LONG inside a live dispatcher header; every access to
    // it goes through this atomic view (or the driver's own calls into the model).
    unsafe {
        AtomicI32::from_ptr(at::<i32>(
            object,
            offset_of!(nt::DISPATCHER_HEADER, SignalState),
        ))
    }
}
