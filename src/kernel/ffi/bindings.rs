//! Backend for the Linux cross build and host tests: the committed mingw-w64 bindings.
//!
//! Object types are imported with `raw-dylib` (or defined as plain data by the model kernel),
//! so the symbol holds the `POBJECT_TYPE` itself and is read without a dereference.
pub use nt_bindings::*;

/// `*ExEventObjectType` in C terms: the event object type.
#[must_use]
pub fn event_object_type() -> POBJECT_TYPE {
    // SAFETY: an immutable kernel export, written once before any driver is loaded.
    unsafe { nt_bindings::ExEventObjectType }
}

/// `*IoFileObjectType` in C terms: the file object type.
#[must_use]
pub fn file_object_type() -> POBJECT_TYPE {
    // SAFETY: an immutable kernel export, written once before any driver is loaded.
    unsafe { nt_bindings::IoFileObjectType }
}

/// `IoGetCurrentIrpStackLocation(irp)`.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller.
#[must_use]
pub unsafe fn current_stack_location(irp: PIRP) -> PIO_STACK_LOCATION {
    // SAFETY: the caller guarantees `irp` is live.
    let irp = unsafe { &*irp };
    // SAFETY: `Tail.Overlay` is the member in use while the IRP is being dispatched.
    let overlay = unsafe { &irp.Tail.Overlay };
    // SAFETY: during dispatch the packet-type union holds CurrentStackLocation.
    unsafe {
        overlay
            .__bindgen_anon_2
            .__bindgen_anon_1
            .CurrentStackLocation
    }
}

/// `Irp->AssociatedIrp.SystemBuffer`.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller.
#[must_use]
pub unsafe fn system_buffer(irp: PIRP) -> PVOID {
    // SAFETY: the caller guarantees `irp` is live.
    let irp = unsafe { &*irp };
    // SAFETY: for a buffered request the union holds SystemBuffer (all members are plain
    // pointer-sized data, so the read is defined in any case).
    unsafe { irp.AssociatedIrp.SystemBuffer }
}

/// Sets `Irp->IoStatus.Status` and `Irp->IoStatus.Information`.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller.
pub unsafe fn set_io_status(irp: PIRP, status: NTSTATUS, information: ULONG_PTR) {
    // SAFETY: the caller guarantees `irp` is live and owned; nobody else writes IoStatus.
    let io_status = unsafe { &mut (*irp).IoStatus };
    io_status.__bindgen_anon_1.Status = status;
    io_status.Information = information;
}

/// `Parameters.DeviceIoControl` of a stack location: (code, input length, output length).
///
/// # Safety
/// `stack` is the current stack location of a live `IRP_MJ_DEVICE_CONTROL` IRP.
#[must_use]
pub unsafe fn device_io_control_parameters(stack: PIO_STACK_LOCATION) -> (u32, u32, u32) {
    // SAFETY: the caller guarantees `stack` is live.
    let stack = unsafe { &*stack };
    // SAFETY: for IRP_MJ_DEVICE_CONTROL the Parameters union holds DeviceIoControl (plain
    // integers, so the read is defined for other majors too).
    let parameters = unsafe { stack.Parameters.DeviceIoControl };
    (
        parameters.IoControlCode,
        parameters.InputBufferLength,
        parameters.OutputBufferLength,
    )
}

/// `Irp->Tail.Overlay.DriverContext`: four pointers the owner of a queued IRP may use.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller (not yet completed).
#[must_use]
pub unsafe fn driver_context(irp: PIRP) -> *mut [PVOID; 4] {
    // SAFETY: the caller guarantees `irp` is live; taking the address reads nothing.
    let overlay = unsafe { &raw mut (*irp).Tail.Overlay };
    // SAFETY: `overlay` points into the live IRP; DriverContext is the member the owner of
    // a pending IRP uses (the device-queue entry is unused by drivers without StartIo).
    unsafe { &raw mut (*overlay).__bindgen_anon_1.__bindgen_anon_1.DriverContext }
}

/// Non-paged pool when `ExAllocatePool2` is missing (Wine, Windows before 10 2004):
/// `ExAllocatePoolWithTag(NonPagedPoolNx)`, not zeroed.
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG) -> PVOID {
    // SAFETY: the caller's IRQL contract; returns NULL on failure.
    unsafe { ExAllocatePoolWithTag(_POOL_TYPE::NonPagedPoolNx, size, tag) }
}
