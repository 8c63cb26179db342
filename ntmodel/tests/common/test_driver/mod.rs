//! The model's own test driver: `\Device\ModelTest`, linked as `\DosDevices\ModelTest`, written
//! against the raw bindings the way a C driver would be, to exercise the model's I/O manager,
//! timers, DPCs and verifier.
//!
//! IOCTLs (all `METHOD_BUFFERED`, `FILE_ANY_ACCESS` unless noted): echo, pend (with a cancel
//! routine), complete the pended IRP, pend until a timer's DPC completes it, reference a
//! user event and signal it from a DPC (in 10 ms, or as many as the input says), counters,
//! open info; and deliberately broken ones for the verifier tests (`device_control.rs`).
mod device_control;

use super::wdm::{complete, current_stack, set_cancel_routine, unicode};
use device_control::{dispatch_device_control, timer_dpc};
use nt_bindings as nt;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

pub use super::wdm::ctl_code;

/// The device extension of one of this driver's devices.
fn extension_of(device: nt::PDEVICE_OBJECT) -> *mut Extension {
    super::wdm::extension(device)
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
pub const IOCTL_BUG_INTERNAL_ERROR: u32 = ctl_code(0x81A, nt::FILE_ANY_ACCESS);
/// Queries the position of the very file object the request came on, through a second handle
/// to it: on a synchronous handle the I/O manager holds that object's lock (a deadlock).
pub const IOCTL_BUG_QUERY_OWN_FILE_OBJECT: u32 = ctl_code(0x81B, nt::FILE_ANY_ACCESS);

pub const DEVICE_NAME: &str = "\\Device\\ModelTest";

pub const LINK_NAME: &str = "\\DosDevices\\ModelTest";

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
    let extension = extension_of(device);
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
    let extension = extension_of(device);
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
    let extension = unsafe { &*extension_of(device) };
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
    let target = extension_of(device);
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
    let extension = unsafe { &*extension_of(device) };
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
    let extension = unsafe { &*extension_of(device) };
    extension.closes.fetch_add(1, Ordering::Relaxed);
    complete(irp, nt::STATUS_SUCCESS, 0)
}
