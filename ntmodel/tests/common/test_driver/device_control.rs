//! The test driver's device-control dispatch: the IOCTLs, the pended IRP and its cancel
//! routine, and the timer DPC that completes it or signals the referenced event.
use super::*;
use crate::common::wdm::{
    cancel_irql, complete, current_stack, input_handle, ioctl_parameters, mark_pending,
    requestor_mode, set_cancel_routine, system_buffer,
};

unsafe extern "C" fn cancel_routine(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) {
    ntmodel::IoReleaseCancelSpinLock(cancel_irql(irp));
    // SAFETY: our extension.
    let extension = unsafe { &*extension_of(device) };
    let _ = extension.pended.compare_exchange(
        irp,
        std::ptr::null_mut(),
        Ordering::AcqRel,
        Ordering::Acquire,
    );
    complete(irp, nt::STATUS_CANCELLED, 0);
}

pub unsafe extern "C" fn timer_dpc(
    _dpc: nt::PKDPC,
    context: nt::PVOID,
    _argument1: nt::PVOID,
    _argument2: nt::PVOID,
) {
    let device: nt::PDEVICE_OBJECT = context.cast();
    // SAFETY: our extension.
    let extension = unsafe { &*extension_of(device) };
    extension.dpcs.fetch_add(1, Ordering::Relaxed);
    let pended = extension
        .pended
        .swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !pended.is_null() {
        if set_cancel_routine(pended, None).is_some() {
            let buffer = system_buffer(pended);
            // SAFETY: a METHOD_BUFFERED request with at least 4 output bytes (checked at pend).
            unsafe { buffer.copy_from_nonoverlapping(b"tick".as_ptr(), 4) };
            complete(pended, nt::STATUS_SUCCESS, 4);
        } else {
            extension.pended.store(pended, Ordering::Release);
        }
    }
    let event = extension.event.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !event.is_null() {
        // SAFETY: the referenced event object's body is a KEVENT.
        unsafe { ntmodel::KeSetEvent(event.cast(), 0, 0) };
        // SAFETY: the reference taken by IOCTL_SIGNAL_EVENT_LATER.
        unsafe { ntmodel::ObfDereferenceObject(event) };
    }
}

fn arm_timer(device: nt::PDEVICE_OBJECT, milliseconds: i64) {
    let extension = extension_of(device);
    // SAFETY: our extension.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our extension.
    let dpc = unsafe { &raw mut (*extension).dpc };
    // SAFETY: initialised timer and DPC living in the extension.
    unsafe {
        ntmodel::KeSetTimer(
            timer,
            nt::LARGE_INTEGER {
                QuadPart: -milliseconds * 10_000,
            },
            dpc,
        )
    };
}

/// `IOCTL_SIGNAL_EVENT_LATER`'s input: an event handle (8 bytes), signalled in 10 ms or in
/// the number of milliseconds 4 more bytes say.
fn handle_and_delay(irp: nt::PIRP, input_len: usize) -> Option<(u64, u32)> {
    if input_len == 8 {
        return input_handle(irp, input_len).map(|handle| (handle, 10));
    }
    if input_len != 12 {
        return None;
    }
    let mut bytes = [0u8; 12];
    // SAFETY: 12 input bytes in the system buffer.
    unsafe {
        bytes
            .as_mut_ptr()
            .copy_from_nonoverlapping(system_buffer(irp), 12);
    };
    let (handle, milliseconds) = bytes.split_at(8);
    Some((
        u64::from_le_bytes(handle.try_into().ok()?),
        u32::from_le_bytes(milliseconds.try_into().ok()?),
    ))
}

fn pend(extension: &Extension, irp: nt::PIRP) -> nt::NTSTATUS {
    if extension
        .pended
        .compare_exchange(
            std::ptr::null_mut(),
            irp,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
        return complete(irp, nt::STATUS_DEVICE_BUSY, 0);
    }
    set_cancel_routine(irp, Some(cancel_routine));
    mark_pending(irp);
    nt::STATUS_PENDING
}

#[allow(clippy::too_many_lines)]
pub unsafe extern "C" fn dispatch_device_control(
    device: nt::PDEVICE_OBJECT,
    irp: nt::PIRP,
) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension_of(device) };
    let (code, input_len, output_len) = ioctl_parameters(irp);
    let buffer = system_buffer(irp);
    match code {
        IOCTL_ECHO | IOCTL_ECHO_NEEDS_WRITE => {
            complete(irp, nt::STATUS_SUCCESS, input_len.min(output_len) as u64)
        }
        IOCTL_PEND => pend(extension, irp),
        IOCTL_COMPLETE_PENDED => {
            let pended = extension
                .pended
                .swap(std::ptr::null_mut(), Ordering::AcqRel);
            if pended.is_null() {
                return complete(irp, nt::STATUS_NOT_FOUND, 0);
            }
            if set_cancel_routine(pended, None).is_none() {
                extension.pended.store(pended, Ordering::Release);
                return complete(irp, nt::STATUS_CANCELLED, 0);
            }
            let pended_buffer = system_buffer(pended);
            if !pended_buffer.is_null() {
                // SAFETY: the pended request was sent with at least 4 output bytes.
                unsafe { pended_buffer.copy_from_nonoverlapping(b"done".as_ptr(), 4) };
            }
            complete(pended, nt::STATUS_SUCCESS, 4);
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        IOCTL_PEND_UNTIL_TIMER => {
            if output_len < 4 {
                return complete(irp, nt::STATUS_BUFFER_TOO_SMALL, 0);
            }
            let status = pend(extension, irp);
            if status == nt::STATUS_PENDING {
                arm_timer(device, 10);
            }
            status
        }
        IOCTL_SIGNAL_EVENT_LATER => {
            let Some((handle, milliseconds)) = handle_and_delay(irp, input_len) else {
                return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
            };
            if handle == 0 {
                return complete(irp, nt::STATUS_INVALID_HANDLE, 0);
            }
            let mut object: nt::PVOID = std::ptr::null_mut();
            // SAFETY: valid out pointer; the handle is referenced with the requestor's mode.
            let status = unsafe {
                ntmodel::ObReferenceObjectByHandle(
                    handle as nt::HANDLE,
                    nt::EVENT_MODIFY_STATE,
                    ntmodel::ExEventObjectType.get(),
                    requestor_mode(irp),
                    &raw mut object,
                    std::ptr::null_mut(),
                )
            };
            if status != nt::STATUS_SUCCESS {
                return complete(irp, status, 0);
            }
            let old = extension.event.swap(object, Ordering::AcqRel);
            if !old.is_null() {
                // SAFETY: the previous reference we held.
                unsafe { ntmodel::ObfDereferenceObject(old) };
            }
            arm_timer(device, i64::from(milliseconds));
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        IOCTL_COUNTS => {
            if output_len < 16 {
                return complete(irp, nt::STATUS_BUFFER_TOO_SMALL, 0);
            }
            let counts = [
                extension.creates.load(Ordering::Relaxed),
                extension.cleanups.load(Ordering::Relaxed),
                extension.closes.load(Ordering::Relaxed),
                extension.dpcs.load(Ordering::Relaxed),
            ];
            let bytes: Vec<u8> = counts
                .iter()
                .flat_map(|count| count.to_le_bytes())
                .collect();
            // SAFETY: 16 output bytes in the system buffer.
            unsafe { buffer.copy_from_nonoverlapping(bytes.as_ptr(), 16) };
            complete(irp, nt::STATUS_SUCCESS, 16)
        }
        IOCTL_OPEN_INFO => {
            if output_len < 2 {
                return complete(irp, nt::STATUS_BUFFER_TOO_SMALL, 0);
            }
            // SAFETY: a live IRP.
            let is_32bit = unsafe { ntmodel::IoIs32bitProcess(irp) };
            // SAFETY: a live IRP.
            let requestor = unsafe { ntmodel::IoGetRequestorProcess(irp) };
            let same = u8::from(requestor == ntmodel::IoGetCurrentProcess());
            let bytes = [is_32bit, same];
            // SAFETY: 2 output bytes in the system buffer.
            unsafe { buffer.copy_from_nonoverlapping(bytes.as_ptr(), 2) };
            complete(irp, nt::STATUS_SUCCESS, 2)
        }
        IOCTL_LAST_NAME => {
            let length = extension.last_name_len.load(Ordering::Acquire) as usize * 2;
            if output_len < length {
                return complete(irp, nt::STATUS_BUFFER_TOO_SMALL, 0);
            }
            let source = std::ptr::from_ref(&extension.last_name).cast::<u8>();
            // SAFETY: `length` <= 64 bytes of the array into the system buffer.
            unsafe { buffer.copy_from_nonoverlapping(source, length) };
            complete(irp, nt::STATUS_SUCCESS, length as u64)
        }
        IOCTL_BUG_COMPLETE_TWICE => {
            complete(irp, nt::STATUS_SUCCESS, 0);
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        IOCTL_BUG_PENDING_NOT_MARKED => {
            let _ = extension.pended.compare_exchange(
                std::ptr::null_mut(),
                irp,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            set_cancel_routine(irp, Some(cancel_routine));
            nt::STATUS_PENDING
        }
        IOCTL_BUG_STATUS_MISMATCH => {
            complete(irp, nt::STATUS_SUCCESS, 0);
            nt::STATUS_UNSUCCESSFUL
        }
        IOCTL_BUG_INTERNAL_ERROR => complete(irp, nt::STATUS_DRIVER_INTERNAL_ERROR, 0),
        IOCTL_BUG_INFORMATION_TOO_LARGE => {
            complete(irp, nt::STATUS_SUCCESS, output_len as u64 + 16)
        }
        IOCTL_BUG_KERNEL_MODE_REFERENCE => {
            let Some(handle) = input_handle(irp, input_len) else {
                return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
            };
            let mut object: nt::PVOID = std::ptr::null_mut();
            // SAFETY: valid out pointer (the bug: KernelMode for a user handle).
            let status = unsafe {
                ntmodel::ObReferenceObjectByHandle(
                    handle as nt::HANDLE,
                    nt::EVENT_MODIFY_STATE,
                    ntmodel::ExEventObjectType.get(),
                    0,
                    &raw mut object,
                    std::ptr::null_mut(),
                )
            };
            if status == nt::STATUS_SUCCESS {
                // SAFETY: the reference just taken.
                unsafe { ntmodel::ObfDereferenceObject(object) };
            }
            complete(irp, status, 0)
        }
        IOCTL_BUG_LEAK_POOL => {
            let _ = ntmodel::ExAllocatePool2(nt::POOL_FLAG_NON_PAGED, 32, POOL_TAG);
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        IOCTL_BUG_LEAK_REFERENCE => {
            let Some(handle) = input_handle(irp, input_len) else {
                return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
            };
            let mut object: nt::PVOID = std::ptr::null_mut();
            // SAFETY: valid out pointer.
            let status = unsafe {
                ntmodel::ObReferenceObjectByHandle(
                    handle as nt::HANDLE,
                    0,
                    ntmodel::ExEventObjectType.get(),
                    requestor_mode(irp),
                    &raw mut object,
                    std::ptr::null_mut(),
                )
            };
            complete(irp, status, 0)
        }
        IOCTL_BUG_PRIVATE_HANDLE => {
            let mut handle: nt::HANDLE = std::ptr::null_mut();
            // SAFETY: valid out pointer; no attributes (the bug: no OBJ_KERNEL_HANDLE).
            let status = unsafe {
                ntmodel::ZwCreateEvent(
                    &raw mut handle,
                    nt::EVENT_MODIFY_STATE,
                    std::ptr::null_mut(),
                    0,
                    0,
                )
            };
            complete(irp, status, 0)
        }
        IOCTL_BUG_LEAK_KERNEL_HANDLE => {
            let mut attributes = nt::OBJECT_ATTRIBUTES {
                Length: u32::try_from(size_of::<nt::OBJECT_ATTRIBUTES>()).unwrap_or(0),
                Attributes: nt::OBJ_KERNEL_HANDLE,
                ..Default::default()
            };
            let mut handle: nt::HANDLE = std::ptr::null_mut();
            // SAFETY: valid pointers.
            let status = unsafe {
                ntmodel::ZwCreateEvent(
                    &raw mut handle,
                    nt::EVENT_MODIFY_STATE,
                    &raw mut attributes,
                    0,
                    0,
                )
            };
            complete(irp, status, 0)
        }
        IOCTL_BUG_QUERY_OWN_FILE_OBJECT => {
            // SAFETY: the current stack location of the IRP being dispatched.
            let file = unsafe { (*current_stack(irp)).FileObject };
            let mut handle: nt::HANDLE = std::ptr::null_mut();
            // SAFETY: the IRP references its file object; valid out pointer.
            let status = unsafe {
                ntmodel::ObOpenObjectByPointer(
                    file.cast(),
                    nt::OBJ_KERNEL_HANDLE,
                    std::ptr::null_mut(),
                    0,
                    ntmodel::IoFileObjectType.get(),
                    0,
                    &raw mut handle,
                )
            };
            if status != nt::STATUS_SUCCESS {
                return complete(irp, status, 0);
            }
            let mut iosb = nt::IO_STATUS_BLOCK::default();
            let mut position = nt::FILE_POSITION_INFORMATION::default();
            // SAFETY: our kernel handle; valid buffers.
            let status = unsafe {
                ntmodel::ZwQueryInformationFile(
                    handle,
                    &raw mut iosb,
                    (&raw mut position).cast(),
                    8,
                    nt::_FILE_INFORMATION_CLASS::FilePositionInformation,
                )
            };
            // SAFETY: our kernel handle, closed once.
            unsafe { ntmodel::ZwClose(handle) };
            complete(irp, status, 0)
        }
        IOCTL_BUG_RETURN_AT_DISPATCH => {
            let extension_pointer = extension_of(device);
            // SAFETY: our extension.
            let lock = unsafe { &raw mut (*extension_pointer).lock };
            // SAFETY: a KSPIN_LOCK in our extension.
            let _old = unsafe { ntmodel::KeAcquireSpinLockRaiseToDpc(lock) };
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        _ => complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}
