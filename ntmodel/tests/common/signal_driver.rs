//! A second test driver, written to show that the harness loads any WDM driver beside another
//! one: `\Device\Signal`, linked as `\DosDevices\Signal`, with its own `DriverEntry`, device
//! extension, timer and DPC, on the same raw-WDM helpers as the model's test driver
//! (`wdm.rs`). It does one job, setting a caller's event, the way Microsoft's guidance says,
//! and once deliberately wrong:
//!
//! - `IOCTL_SIGNAL` (input: the event handle) references the handle with the requestor's mode,
//!   exactly `EVENT_MODIFY_STATE` and the event type, sets the event, dereferences it.
//! - `IOCTL_SIGNAL_LATER` (input: handle, then milliseconds) keeps that reference and sets the
//!   event from its timer's DPC, which drops the reference.
//! - `IOCTL_SIGNALLED` returns how many events it has set (4 bytes).
//! - `IOCTL_SIGNAL_UNCHECKED` references the handle as `KernelMode` with no type: the bug
//!   Driver Verifier stops (C4/0xF6).
use super::wdm::{
    complete, ctl_code, extension, input_handle, ioctl_parameters, requestor_mode, system_buffer,
    unicode,
};
use nt_bindings as nt;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

pub const IOCTL_SIGNAL: u32 = ctl_code(0x900, nt::FILE_ANY_ACCESS);
pub const IOCTL_SIGNAL_LATER: u32 = ctl_code(0x901, nt::FILE_ANY_ACCESS);
pub const IOCTL_SIGNALLED: u32 = ctl_code(0x902, nt::FILE_ANY_ACCESS);
pub const IOCTL_SIGNAL_UNCHECKED: u32 = ctl_code(0x903, nt::FILE_ANY_ACCESS);

pub const DEVICE_NAME: &str = "\\Device\\Signal";
pub const LINK_NAME: &str = "\\DosDevices\\Signal";

/// The device extension. Zeroed by `IoCreateDevice`.
#[repr(C)]
pub struct Extension {
    signalled: AtomicU32,
    /// The event a pending `IOCTL_SIGNAL_LATER` holds a reference to.
    later: AtomicPtr<std::ffi::c_void>,
    timer: nt::KTIMER,
    dpc: nt::KDPC,
}

fn extension_of(device: nt::PDEVICE_OBJECT) -> *mut Extension {
    extension(device)
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
            nt::FILE_DEVICE_SECURE_OPEN,
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
    let extension = extension_of(device);
    // SAFETY: our extension.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our extension.
    let dpc = unsafe { &raw mut (*extension).dpc };
    // SAFETY: memory for a KTIMER in our extension.
    unsafe { ntmodel::KeInitializeTimerEx(timer, nt::_TIMER_TYPE::NotificationTimer) };
    // SAFETY: memory for a KDPC in our extension.
    unsafe { ntmodel::KeInitializeDpc(dpc, Some(signal_dpc), device.cast()) };
    // SAFETY: the driver object is ours during DriverEntry.
    let driver = unsafe { &mut *driver };
    driver.MajorFunction[nt::IRP_MJ_CREATE as usize] = Some(complete_success);
    driver.MajorFunction[nt::IRP_MJ_CLOSE as usize] = Some(complete_success);
    driver.MajorFunction[nt::IRP_MJ_DEVICE_CONTROL as usize] = Some(device_control);
    driver.DriverUnload = Some(unload);
    // SAFETY: our device.
    unsafe { (*device).Flags &= !nt::DO_DEVICE_INITIALIZING };
    nt::STATUS_SUCCESS
}

unsafe extern "C" fn unload(driver: nt::PDRIVER_OBJECT) {
    // SAFETY: our driver object.
    let device = unsafe { (*driver).DeviceObject };
    let extension = extension_of(device);
    // SAFETY: our extension.
    let timer = unsafe { &raw mut (*extension).timer };
    // SAFETY: our timer.
    unsafe { ntmodel::KeCancelTimer(timer) };
    ntmodel::KeFlushQueuedDpcs();
    // SAFETY: our extension.
    let later = unsafe { &(*extension).later }.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !later.is_null() {
        // SAFETY: the reference IOCTL_SIGNAL_LATER kept.
        unsafe { ntmodel::ObfDereferenceObject(later) };
    }
    let mut link = unicode(LINK_NAME);
    // SAFETY: our link.
    unsafe { ntmodel::IoDeleteSymbolicLink(&raw mut link.string) };
    // SAFETY: our device.
    unsafe { ntmodel::IoDeleteDevice(device) };
}

unsafe extern "C" fn complete_success(_device: nt::PDEVICE_OBJECT, irp: nt::PIRP) -> nt::NTSTATUS {
    complete(irp, nt::STATUS_SUCCESS, 0)
}

unsafe extern "C" fn signal_dpc(
    _dpc: nt::PKDPC,
    context: nt::PVOID,
    _argument1: nt::PVOID,
    _argument2: nt::PVOID,
) {
    // SAFETY: our extension (the DPC's context is our device).
    let extension = unsafe { &*extension_of(context.cast()) };
    let event = extension.later.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !event.is_null() {
        // SAFETY: the referenced event object's body is a KEVENT.
        unsafe { ntmodel::KeSetEvent(event.cast(), 0, 0) };
        extension.signalled.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the reference IOCTL_SIGNAL_LATER kept.
        unsafe { ntmodel::ObfDereferenceObject(event) };
    }
}

/// `ObReferenceObjectByHandle(handle, EVENT_MODIFY_STATE, *ExEventObjectType, mode)`.
fn reference_event(
    handle: u64,
    mode: i8,
    object_type: nt::POBJECT_TYPE,
) -> Result<nt::PVOID, nt::NTSTATUS> {
    let mut object: nt::PVOID = std::ptr::null_mut();
    // SAFETY: a valid out pointer.
    let status = unsafe {
        ntmodel::ObReferenceObjectByHandle(
            handle as nt::HANDLE,
            nt::EVENT_MODIFY_STATE,
            object_type,
            mode,
            &raw mut object,
            std::ptr::null_mut(),
        )
    };
    if status == nt::STATUS_SUCCESS {
        Ok(object)
    } else {
        Err(status)
    }
}

/// Sets the referenced event, counts it and drops the reference.
fn signal_now(extension: &Extension, event: nt::PVOID) {
    // SAFETY: a referenced event object's body is a KEVENT.
    unsafe { ntmodel::KeSetEvent(event.cast(), 0, 0) };
    extension.signalled.fetch_add(1, Ordering::Relaxed);
    // SAFETY: the reference just taken.
    unsafe { ntmodel::ObfDereferenceObject(event) };
}

unsafe extern "C" fn device_control(device: nt::PDEVICE_OBJECT, irp: nt::PIRP) -> nt::NTSTATUS {
    // SAFETY: our extension.
    let extension = unsafe { &*extension_of(device) };
    let (code, input_len, output_len) = ioctl_parameters(irp);
    let handle = input_handle(irp, input_len.min(8));
    let result = match (code, handle) {
        (IOCTL_SIGNAL, Some(handle)) => reference_event(
            handle,
            requestor_mode(irp),
            ntmodel::ExEventObjectType.get(),
        )
        .map(|event| signal_now(extension, event))
        .map(|()| 0),
        (IOCTL_SIGNAL_UNCHECKED, Some(handle)) => reference_event(handle, 0, std::ptr::null_mut())
            .map(|event| signal_now(extension, event))
            .map(|()| 0),
        (IOCTL_SIGNAL_LATER, Some(handle)) if input_len == 12 => {
            let mut ms = [0u8; 4];
            // SAFETY: 12 input bytes in the system buffer: the handle, then the milliseconds.
            let source = unsafe { system_buffer(irp).add(8) };
            // SAFETY: 4 readable bytes at `source` (see above) into a local array.
            unsafe { ms.as_mut_ptr().copy_from_nonoverlapping(source, 4) };
            let ms = i64::from(u32::from_le_bytes(ms));
            reference_event(
                handle,
                requestor_mode(irp),
                ntmodel::ExEventObjectType.get(),
            )
            .map(|event| {
                let old = extension.later.swap(event, Ordering::AcqRel);
                if !old.is_null() {
                    // SAFETY: the reference an earlier request kept.
                    unsafe { ntmodel::ObfDereferenceObject(old) };
                }
                let timer = std::ptr::from_ref(&extension.timer).cast_mut();
                let dpc = std::ptr::from_ref(&extension.dpc).cast_mut();
                // SAFETY: our initialised timer and DPC.
                unsafe {
                    ntmodel::KeSetTimer(
                        timer,
                        nt::LARGE_INTEGER {
                            QuadPart: -ms * 10_000,
                        },
                        dpc,
                    )
                };
                0
            })
        }
        (IOCTL_SIGNALLED, _) if output_len >= 4 => {
            let count = extension.signalled.load(Ordering::Relaxed).to_le_bytes();
            // SAFETY: 4 output bytes in the system buffer.
            unsafe { system_buffer(irp).copy_from_nonoverlapping(count.as_ptr(), 4) };
            Ok(4)
        }
        (IOCTL_SIGNAL | IOCTL_SIGNAL_UNCHECKED | IOCTL_SIGNAL_LATER | IOCTL_SIGNALLED, _) => {
            Err(nt::STATUS_INVALID_PARAMETER)
        }
        _ => Err(nt::STATUS_INVALID_DEVICE_REQUEST),
    };
    match result {
        Ok(information) => complete(irp, nt::STATUS_SUCCESS, information),
        Err(status) => complete(irp, status, 0),
    }
}
