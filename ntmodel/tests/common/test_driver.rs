//! The test driver: `\Device\ModelTest`, linked as `\DosDevices\ModelTest`.
//!
//! IOCTLs (all `METHOD_BUFFERED`, `FILE_ANY_ACCESS` unless noted): echo, pend (with a cancel
//! routine), complete the pended IRP, pend until a timer's DPC completes it, reference a
//! user event and signal it from a DPC, counters, open info; and deliberately broken ones for
//! the verifier tests.
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

pub const fn ctl_code(function: u32, access: u32) -> u32 {
    (nt::FILE_DEVICE_UNKNOWN << 16) | (access << 14) | (function << 2) | nt::METHOD_BUFFERED
}

pub const IOCTL_ECHO: u32 = ctl_code(0x800, nt::FILE_ANY_ACCESS);
pub const IOCTL_PEND: u32 = ctl_code(0x801, nt::FILE_ANY_ACCESS);
pub const IOCTL_COMPLETE_PENDED: u32 = ctl_code(0x802, nt::FILE_ANY_ACCESS);
pub const IOCTL_PEND_UNTIL_TIMER: u32 = ctl_code(0x803, nt::FILE_ANY_ACCESS);
pub const IOCTL_SIGNAL_EVENT_LATER: u32 = ctl_code(0x804, nt::FILE_ANY_ACCESS);
pub const IOCTL_ECHO_NEEDS_WRITE: u32 = ctl_code(0x805, nt::FILE_WRITE_ACCESS);
pub const IOCTL_COUNTS: u32 = ctl_code(0x820, nt::FILE_ANY_ACCESS);
pub const IOCTL_OPEN_INFO: u32 = ctl_code(0x821, nt::FILE_ANY_ACCESS);
pub const IOCTL_LAST_NAME: u32 = ctl_code(0x822, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_COMPLETE_TWICE: u32 = ctl_code(0x810, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_PENDING_NOT_MARKED: u32 = ctl_code(0x811, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_STATUS_MISMATCH: u32 = ctl_code(0x812, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_INFORMATION_TOO_LARGE: u32 = ctl_code(0x813, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_KERNEL_MODE_REFERENCE: u32 = ctl_code(0x814, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_LEAK_POOL: u32 = ctl_code(0x815, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_LEAK_REFERENCE: u32 = ctl_code(0x816, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_PRIVATE_HANDLE: u32 = ctl_code(0x817, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_RETURN_AT_DISPATCH: u32 = ctl_code(0x818, nt::FILE_ANY_ACCESS);
pub const IOCTL_BUG_LEAK_KERNEL_HANDLE: u32 = ctl_code(0x819, nt::FILE_ANY_ACCESS);

pub const DEVICE_NAME: &str = "\\Device\\ModelTest";
pub const LINK_NAME: &str = "\\DosDevices\\ModelTest";
/// `SL_PENDING_RETURNED`.
const SL_PENDING_RETURNED: u8 = 0x01;

pub const POOL_TAG: u32 = u32::from_le_bytes(*b"MdlT");

/// The device extension. Zeroed by `IoCreateDevice`.
#[repr(C)]
pub struct Extension {
    pub creates: AtomicU32,
    pub cleanups: AtomicU32,
    pub closes: AtomicU32,
    pub dpcs: AtomicU32,
    pub pended: AtomicPtr<nt::IRP>,
    pub event: AtomicPtr<std::ffi::c_void>,
    pub timer: nt::KTIMER,
    pub dpc: nt::KDPC,
    pub lock: nt::KSPIN_LOCK,
    pub last_name_len: AtomicU32,
    pub last_name: [u16; 32],
}

struct Unicode {
    _units: Vec<u16>,
    string: nt::UNICODE_STRING,
}

fn unicode(text: &str) -> Unicode {
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

fn device_extension(device: nt::PDEVICE_OBJECT) -> *mut Extension {
    extension(device)
}

fn extension(device: nt::PDEVICE_OBJECT) -> *mut Extension {
    // SAFETY: the model passes our device object.
    let extension = unsafe { (*device).DeviceExtension };
    extension.cast()
}

fn current_stack(irp: nt::PIRP) -> nt::PIO_STACK_LOCATION {
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

fn system_buffer(irp: nt::PIRP) -> *mut u8 {
    let pointer = (irp as usize + offset_of!(nt::IRP, AssociatedIrp)) as *const *mut u8;
    // SAFETY: AssociatedIrp is a pointer-sized union of a live IRP.
    unsafe { pointer.read() }
}

fn ioctl_parameters(irp: nt::PIRP) -> (u32, usize, usize) {
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

fn complete(irp: nt::PIRP, status: nt::NTSTATUS, information: u64) -> nt::NTSTATUS {
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

fn mark_pending(irp: nt::PIRP) {
    let stack = current_stack(irp);
    // SAFETY: the current stack location of a live IRP we own (IoMarkIrpPending).
    unsafe { (*stack).Control |= SL_PENDING_RETURNED };
}

fn set_cancel_routine(irp: nt::PIRP, routine: nt::PDRIVER_CANCEL) -> nt::PDRIVER_CANCEL {
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

fn requestor_mode(irp: nt::PIRP) -> i8 {
    // SAFETY: a live IRP.
    unsafe { (*irp).RequestorMode }
}

fn cancel_irql(irp: nt::PIRP) -> u8 {
    // SAFETY: a live IRP.
    unsafe { (*irp).CancelIrql }
}

/// `DriverEntry`.
///
/// # Safety
/// Called by the model with a fresh driver object.
pub unsafe extern "C" fn DriverEntry(
    driver: nt::PDRIVER_OBJECT,
    _registry_path: nt::PUNICODE_STRING,
) -> nt::NTSTATUS {
    let mut name = unicode(DEVICE_NAME);
    let mut link = unicode(LINK_NAME);
    let mut device: nt::PDEVICE_OBJECT = std::ptr::null_mut();
    // SAFETY: valid arguments.
    let status = unsafe {
        ntmodel::IoCreateDevice(
            driver,
            u32::try_from(size_of::<Extension>()).unwrap_or(0),
            &raw mut name.string,
            nt::FILE_DEVICE_UNKNOWN,
            0,
            0,
            &raw mut device,
        )
    };
    if status != nt::STATUS_SUCCESS {
        return status;
    }
    // SAFETY: valid names.
    let status =
        unsafe { ntmodel::IoCreateSymbolicLink(&raw mut link.string, &raw mut name.string) };
    if status != nt::STATUS_SUCCESS {
        // SAFETY: our device.
        unsafe { ntmodel::IoDeleteDevice(device) };
        return status;
    }
    let extension = extension(device);
    // SAFETY: our extension.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our extension.
    let dpc = unsafe { &raw mut (*extension).dpc };
    // SAFETY: memory for a KTIMER in our extension.
    unsafe { ntmodel::KeInitializeTimerEx(timer, nt::_TIMER_TYPE::NotificationTimer) };
    // SAFETY: memory for a KDPC in our extension.
    unsafe { ntmodel::KeInitializeDpc(dpc, Some(timer_dpc), device.cast()) };
    // SAFETY: the driver object is ours during DriverEntry.
    let driver = unsafe { &mut *driver };
    driver.MajorFunction[nt::IRP_MJ_CREATE as usize] = Some(dispatch_create);
    driver.MajorFunction[nt::IRP_MJ_CLEANUP as usize] = Some(dispatch_cleanup);
    driver.MajorFunction[nt::IRP_MJ_CLOSE as usize] = Some(dispatch_close);
    driver.MajorFunction[nt::IRP_MJ_DEVICE_CONTROL as usize] = Some(dispatch_device_control);
    driver.DriverUnload = Some(unload);
    // SAFETY: our device.
    unsafe { (*device).Flags &= !nt::DO_DEVICE_INITIALIZING };
    nt::STATUS_SUCCESS
}

unsafe extern "C" fn unload(driver: nt::PDRIVER_OBJECT) {
    // SAFETY: our driver object.
    let device = unsafe { (*driver).DeviceObject };
    let extension = extension(device);
    // SAFETY: our extension.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our timer.
    unsafe { ntmodel::KeCancelTimer(timer) };
    ntmodel::KeFlushQueuedDpcs();
    // SAFETY: our extension.
    let event = unsafe { &(*extension).event }.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !event.is_null() {
        // SAFETY: the reference taken by IOCTL_SIGNAL_EVENT_LATER.
        unsafe { ntmodel::ObfDereferenceObject(event) };
    }
    let mut link = unicode(LINK_NAME);
    // SAFETY: our link.
    unsafe { ntmodel::IoDeleteSymbolicLink(&raw mut link.string) };
    // SAFETY: our device.
    unsafe { ntmodel::IoDeleteDevice(device) };
}

unsafe extern "C" fn dispatch_create(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
    let stack = current_stack(irp);
    // SAFETY: the create's stack location.
    let file = unsafe { (*stack).FileObject };
    // SAFETY: the create's file object.
    let name = unsafe { (*file).FileName };
    let units = usize::from(name.Length / 2);
    let text = if units == 0 {
        String::new()
    } else {
        // SAFETY: FileName describes `units` characters.
        String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(name.Buffer, units) })
    };
    let stored = units.min(32);
    let target = device_extension(device);
    if stored > 0 {
        // SAFETY: our extension; creates are not concurrent in these tests.
        let name_buffer = unsafe { &raw mut (*target).last_name };
        // SAFETY: `stored` <= 32 characters, from FileName into the extension's array.
        unsafe {
            name_buffer
                .cast::<u16>()
                .copy_from_nonoverlapping(name.Buffer, stored);
        };
    }
    extension
        .last_name_len
        .store(u32::try_from(stored).unwrap_or(0), Ordering::Release);
    if text.eq_ignore_ascii_case("\\deny") {
        return complete(irp, nt::STATUS_ACCESS_DENIED, 0);
    }
    extension.creates.fetch_add(1, Ordering::Relaxed);
    complete(irp, nt::STATUS_SUCCESS, 0)
}

unsafe extern "C" fn dispatch_cleanup(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
    extension.cleanups.fetch_add(1, Ordering::Relaxed);
    let pended = extension
        .pended
        .swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !pended.is_null() {
        if set_cancel_routine(pended, None).is_some() {
            complete(pended, nt::STATUS_CANCELLED, 0);
        } else {
            // Its cancel routine is running and will complete it.
            extension.pended.store(pended, Ordering::Release);
        }
    }
    complete(irp, nt::STATUS_SUCCESS, 0)
}

unsafe extern "C" fn dispatch_close(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
    extension.closes.fetch_add(1, Ordering::Relaxed);
    complete(irp, nt::STATUS_SUCCESS, 0)
}

unsafe extern "C" fn cancel_routine(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) {
    ntmodel::IoReleaseCancelSpinLock(cancel_irql(irp));
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
    let _ = extension.pended.compare_exchange(
        irp,
        std::ptr::null_mut(),
        Ordering::AcqRel,
        Ordering::Acquire,
    );
    complete(irp, nt::STATUS_CANCELLED, 0);
}

unsafe extern "C" fn timer_dpc(
    _dpc: nt::PKDPC,
    context: nt::PVOID,
    _argument1: nt::PVOID,
    _argument2: nt::PVOID,
) {
    let device: nt::PDEVICE_OBJECT = context.cast();
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
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
    let extension = extension(device);
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

fn input_handle(irp: nt::PIRP, input_len: usize) -> Option<u64> {
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

#[allow(clippy::too_many_lines)]
unsafe extern "C" fn dispatch_device_control(
    device: nt::PDEVICE_OBJECT,
    irp: nt::PIRP,
) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension(device) };
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
            let Some(handle) = input_handle(irp, input_len) else {
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
            arm_timer(device, 10);
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
        IOCTL_BUG_RETURN_AT_DISPATCH => {
            let extension_pointer = device_extension(device);
            // SAFETY: our extension.
            let lock = unsafe { &raw mut (*extension_pointer).lock };
            // SAFETY: a KSPIN_LOCK in our extension.
            let _old = unsafe { ntmodel::KeAcquireSpinLockRaiseToDpc(lock) };
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
        _ => complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}
