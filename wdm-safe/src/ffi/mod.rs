//! The NT API, from one of two backends:
//!
//! - `wdk` feature (Windows host with the WDK, `cargo make`): wdk-sys.
//! - otherwise: the committed `nt-bindings` (Linux cross build to a real `.sys`, and host tests
//!   where the model kernel `ntmodel` defines every import).
//!
//! Both expose the same names. The only places where they must differ are the object-type
//! exports and the field paths that go through anonymous unions; each of those is one
//! function here, so nothing else in the driver names a backend-specific path.
#[cfg(not(feature = "wdk"))]
mod bindings;
#[cfg(not(feature = "wdk"))]
pub use bindings::*;

#[cfg(feature = "wdk")]
mod wdk;
#[cfg(feature = "wdk")]
pub use wdk::*;

// Field paths through anonymous unions, written once for both backends: mingw-w64's headers
// and the WDK's produce the same `__bindgen_anon_N` numbering for these members (checked
// against wdk-sys-based drivers). If a WDK adds an anonymous member in
// front of one of them, this is the one place to change.

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

/// `#define` values in the C type the API takes (bindgen types every integer `#define` as
/// `u32`/`i32`); each cast is checked once, here.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    reason = "each constant is a small #define converted to the type its API takes; which casts \
              occur differs between the two backends' integer types, so `expect` would not fit"
)]
pub mod typed {
    use super::{BOOLEAN, CCHAR, KPROCESSOR_MODE};

    /// `KernelMode`.
    pub const KERNEL_MODE: KPROCESSOR_MODE = super::_MODE::KernelMode as KPROCESSOR_MODE;
    /// `UserMode`.
    pub const USER_MODE: KPROCESSOR_MODE = super::_MODE::UserMode as KPROCESSOR_MODE;
    /// `FALSE` as a `BOOLEAN`.
    pub const FALSE: BOOLEAN = super::FALSE as BOOLEAN;
    /// `IO_NO_INCREMENT` as the `CCHAR` priority boost.
    pub const IO_NO_INCREMENT: CCHAR = super::IO_NO_INCREMENT as CCHAR;
    /// `IRP_MJ_DEVICE_CONTROL` as the stack location's `MajorFunction` byte.
    pub const IRP_MJ_DEVICE_CONTROL: u8 = super::IRP_MJ_DEVICE_CONTROL as u8;
    /// `SL_PENDING_RETURNED` as the stack location's `Control` byte.
    pub const SL_PENDING_RETURNED: u8 = super::SL_PENDING_RETURNED as u8;

    /// `sizeof(T)` as a `ULONG` length (kernel structs are far below 4 GiB).
    #[must_use]
    pub const fn size_of<T>() -> u32 {
        core::mem::size_of::<T>() as u32
    }
}
