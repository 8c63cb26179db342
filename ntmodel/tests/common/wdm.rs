//! What a WDM driver written against the raw bindings needs, shared by the test drivers: the
//! `CTL_CODE` macro, counted strings, the current stack location, the system buffer, IRP
//! completion, `IoMarkIrpPending` and `IoSetCancelRoutine`, as the WDK's inline functions do
//! them.
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::atomic::{AtomicPtr, Ordering};

/// `CTL_CODE(FILE_DEVICE_UNKNOWN, function, METHOD_BUFFERED, access)`.
pub const fn ctl_code(function: u32, access: u32) -> u32 {
    (nt::FILE_DEVICE_UNKNOWN << 16) | (access << 14) | (function << 2) | nt::METHOD_BUFFERED
}

/// `SL_PENDING_RETURNED`.
const SL_PENDING_RETURNED: u8 = 0x01;

/// A `UNICODE_STRING` and the characters it describes.
pub struct Unicode {
    _units: Vec<u16>,
    /// The counted string.
    pub string: nt::UNICODE_STRING,
}

/// A counted copy of `text`.
pub fn unicode(text: &str) -> Unicode {
    let units: Vec<u16> = text.encode_utf16().collect();
    let bytes = u16::try_from(units.len() * 2).unwrap_or(0);
    let string = nt::UNICODE_STRING {
        Length: bytes,
        MaximumLength: bytes,
        Buffer: units.as_ptr().cast_mut(),
    };
    Unicode {
        _units: units,
        string,
    }
}

/// The device extension of `device`, as a `T`.
pub fn extension<T>(device: nt::PDEVICE_OBJECT) -> *mut T {
    // SAFETY: the model passes the driver's own device object.
    let extension = unsafe { (*device).DeviceExtension };
    extension.cast()
}

/// `IoGetCurrentIrpStackLocation`.
pub fn current_stack(irp: nt::PIRP) -> nt::PIO_STACK_LOCATION {
    let offset = offset_of!(nt::IRP, Tail)
        + offset_of!(nt::_IRP__bindgen_ty_3__bindgen_ty_1, __bindgen_anon_2);
    let pointer = (irp as usize
        + offset
        + offset_of!(
            nt::_IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2,
            __bindgen_anon_1
        )) as *const nt::PIO_STACK_LOCATION;
    // SAFETY: during dispatch the overlay holds CurrentStackLocation.
    unsafe { pointer.read() }
}

/// `Irp->AssociatedIrp.SystemBuffer`.
pub fn system_buffer(irp: nt::PIRP) -> *mut u8 {
    let pointer = (irp as usize + offset_of!(nt::IRP, AssociatedIrp)) as *const *mut u8;
    // SAFETY: AssociatedIrp is a pointer-sized union of a live IRP.
    unsafe { pointer.read() }
}

/// (IoControlCode, InputBufferLength, OutputBufferLength) of a device-control request.
pub fn ioctl_parameters(irp: nt::PIRP) -> (u32, usize, usize) {
    let stack = current_stack(irp);
    // SAFETY: the current stack location of a live IRP.
    let location = unsafe { stack.read() };
    // SAFETY: for IRP_MJ_DEVICE_CONTROL the union holds DeviceIoControl.
    let parameters = unsafe { location.Parameters.DeviceIoControl };
    (
        parameters.IoControlCode,
        parameters.InputBufferLength as usize,
        parameters.OutputBufferLength as usize,
    )
}

/// Sets `IoStatus` and completes the IRP; returns the status (for the dispatch routine).
pub fn complete(irp: nt::PIRP, status: nt::NTSTATUS, information: u64) -> nt::NTSTATUS {
    let base = irp as usize + offset_of!(nt::IRP, IoStatus);
    // SAFETY: Status is the first field of IoStatus of a live IRP we own.
    unsafe { (base as *mut nt::NTSTATUS).write(status) };
    // SAFETY: Information follows it.
    unsafe {
        ((base + offset_of!(nt::IO_STATUS_BLOCK, Information)) as *mut u64).write(information);
    };
    // SAFETY: we own the IRP and complete it once.
    unsafe { ntmodel::IofCompleteRequest(irp, 0) };
    status
}

/// `IoMarkIrpPending`.
pub fn mark_pending(irp: nt::PIRP) {
    let stack = current_stack(irp);
    // SAFETY: the current stack location of a live IRP we own (IoMarkIrpPending).
    unsafe { (*stack).Control |= SL_PENDING_RETURNED };
}

/// `IoSetCancelRoutine`: exchanges the cancel routine, returns the old one.
pub fn set_cancel_routine(irp: nt::PIRP, routine: nt::PDRIVER_CANCEL) -> nt::PDRIVER_CANCEL {
    let pointer = (irp as usize + offset_of!(nt::IRP, CancelRoutine)) as *mut *mut std::ffi::c_void;
    // SAFETY: CancelRoutine is a pointer-sized field every party exchanges atomically.
    let slot = unsafe { AtomicPtr::from_ptr(pointer) };
    let new = routine.map_or(std::ptr::null_mut(), |routine| {
        routine as *mut std::ffi::c_void
    });
    let old = slot.swap(new, Ordering::AcqRel);
    if old.is_null() {
        None
    } else {
        // SAFETY: a non-NULL CancelRoutine is a DRIVER_CANCEL.
        Some(unsafe {
            std::mem::transmute::<
                *mut std::ffi::c_void,
                unsafe extern "C" fn(nt::PDEVICE_OBJECT, nt::PIRP),
            >(old)
        })
    }
}

/// `Irp->RequestorMode`.
pub fn requestor_mode(irp: nt::PIRP) -> i8 {
    // SAFETY: a live IRP.
    unsafe { (*irp).RequestorMode }
}

/// `Irp->CancelIrql`.
pub fn cancel_irql(irp: nt::PIRP) -> u8 {
    // SAFETY: a live IRP.
    unsafe { (*irp).CancelIrql }
}

/// A handle sent as the 8-byte input of a buffered request.
pub fn input_handle(irp: nt::PIRP, input_len: usize) -> Option<u64> {
    if input_len != 8 {
        return None;
    }
    let mut bytes = [0u8; 8];
    // SAFETY: 8 input bytes in the system buffer.
    unsafe {
        bytes
            .as_mut_ptr()
            .copy_from_nonoverlapping(system_buffer(irp), 8);
    };
    Some(u64::from_le_bytes(bytes))
}
