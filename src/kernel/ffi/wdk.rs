//! Backend for the WDK build on Windows (`--features wdk`, `cargo make`): wdk-sys.
//!
//! NOT COMPILED HERE: the wdk crates cannot be built on Linux (see README). This is a thin
//! re-export layer, reviewed by hand against wdk-sys 0.5.2's sources and
//! docs/wdk-sys-names.md; it must expose exactly the items `bindings.rs` does.
//!
//! Two differences from the Linux-built backend, both deliberate:
//! - wdk-sys links ntoskrnl through an import library, so `ExEventObjectType` names the
//!   import slot and the object type is `*ExEventObjectType` (as in C). The raw-dylib
//!   backend reads it without the `*`.
//! - wdk-sys blocklists `ExAllocatePoolWithTag`; the WDK build requires Windows 10 2004+,
//!   where `ExAllocatePool2` always exists, so the fallback allocates with it.
pub use wdk_sys::ntddk::*;
pub use wdk_sys::*;

/// `*ExEventObjectType`: the event object type.
#[must_use]
pub fn event_object_type() -> POBJECT_TYPE {
    // SAFETY: wdk-sys declares the import slot; the kernel fills it before DriverEntry.
    unsafe { *wdk_sys::ExEventObjectType }
}

/// `*IoFileObjectType`: the file object type.
#[must_use]
pub fn file_object_type() -> POBJECT_TYPE {
    // SAFETY: as for `event_object_type`.
    unsafe { *wdk_sys::IoFileObjectType }
}

/// Non-paged pool when `ExAllocatePool2` was not resolved dynamically.
///
/// # Safety
/// IRQL <= DISPATCH_LEVEL.
#[must_use]
pub unsafe fn allocate_pool_fallback(size: SIZE_T, tag: ULONG) -> PVOID {
    // SAFETY: the caller's IRQL contract; ExAllocatePool2 zeroes and returns NULL on failure.
    unsafe { ExAllocatePool2(POOL_FLAG_NON_PAGED, size, tag) }
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
    // SAFETY: for a buffered request the union holds SystemBuffer.
    unsafe { irp.AssociatedIrp.SystemBuffer }
}

/// Sets `Irp->IoStatus.Status` and `Irp->IoStatus.Information`.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller.
pub unsafe fn set_io_status(irp: PIRP, status: NTSTATUS, information: ULONG_PTR) {
    // SAFETY: the caller guarantees `irp` is live and owned.
    let io_status = unsafe { &mut (*irp).IoStatus };
    io_status.__bindgen_anon_1.Status = status;
    io_status.Information = information;
}

/// `Parameters.DeviceIoControl` of a stack location: (code, input length, output length).
///
/// # Safety
/// `stack` is the current stack location of a live IRP.
#[must_use]
pub unsafe fn device_io_control_parameters(stack: PIO_STACK_LOCATION) -> (u32, u32, u32) {
    // SAFETY: the caller guarantees `stack` is live.
    let stack = unsafe { &*stack };
    // SAFETY: for IRP_MJ_DEVICE_CONTROL the Parameters union holds DeviceIoControl.
    let parameters = unsafe { stack.Parameters.DeviceIoControl };
    (
        parameters.IoControlCode,
        parameters.InputBufferLength,
        parameters.OutputBufferLength,
    )
}

/// `Irp->Tail.Overlay.DriverContext`.
///
/// # Safety
/// `irp` points to a live IRP owned by the caller (not yet completed).
#[must_use]
pub unsafe fn driver_context(irp: PIRP) -> *mut [PVOID; 4] {
    // SAFETY: the caller guarantees `irp` is live; taking the address reads nothing.
    let overlay = unsafe { &raw mut (*irp).Tail.Overlay };
    // SAFETY: `overlay` points into the live IRP; DriverContext is the owner's to use.
    unsafe { &raw mut (*overlay).__bindgen_anon_1.__bindgen_anon_1.DriverContext }
}
