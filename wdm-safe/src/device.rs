//! The control device, created with its own security descriptor.
//!
//! Microsoft's guidance for a named device of a non-PnP driver is `IoCreateDeviceSecure`
//! with an SDDL string and a class GUID. Its implementation (`WdmlibIoCreateDeviceSecure`)
//! lives in the WDK's static library wdmsec.lib, which the Linux cross build cannot link, so
//! both backends get the same result another documented way: `IoCreateDevice`, then
//! `ObSetSecurityObjectByPointer` with the same DACL, before `DO_DEVICE_INITIALIZING` is cleared (no open can see the default
//! DACL in between). Where the kernel itself exports `IoCreateDeviceSecure` (Wine does, and
//! stubs `ObSetSecurityObjectByPointer` out), that export is used with the SDDL form.
use crate::ffi;
use crate::security::DeviceSecurity;
use crate::status::{NtError, NtResult, NtStatus};
use crate::unicode::UnicodeStr;
use crate::wide;

type IoCreateDeviceSecure = unsafe extern "C" fn(
    ffi::PDRIVER_OBJECT,
    ffi::ULONG,
    ffi::PUNICODE_STRING,
    ffi::ULONG,
    ffi::ULONG,
    ffi::BOOLEAN,
    ffi::PUNICODE_STRING,
    *const ffi::GUID,
    *mut ffi::PDEVICE_OBJECT,
) -> ffi::NTSTATUS;

/// `IoCreateDeviceSecure` if the kernel exports it.
///
/// IRQL: PASSIVE_LEVEL.
fn exported_create_secure() -> Option<IoCreateDeviceSecure> {
    let mut name = UnicodeStr::new(wide!("IoCreateDeviceSecure"))?;
    // SAFETY: a valid UNICODE_STRING; PASSIVE_LEVEL (DriverEntry).
    let address = unsafe { ffi::MmGetSystemRoutineAddress(name.as_ptr()) };
    if address.is_null() {
        return None;
    }
    // SAFETY: the kernel's IoCreateDeviceSecure has exactly this signature (wdmsec.h).
    Some(unsafe { core::mem::transmute::<ffi::PVOID, IoCreateDeviceSecure>(address) })
}

/// A named, `FILE_DEVICE_SECURE_OPEN` device of type `FILE_DEVICE_UNKNOWN` with an
/// `extension_size`-byte extension, protected by `security` from its first open on.
///
/// IRQL: PASSIVE_LEVEL (DriverEntry).
///
/// # Errors
/// The kernel's status; a device whose DACL could not be set is deleted again.
pub(crate) fn create(
    driver: &mut ffi::DRIVER_OBJECT,
    name: &mut UnicodeStr<'_>,
    extension_size: u32,
    security: &DeviceSecurity,
) -> NtResult<ffi::PDEVICE_OBJECT> {
    let mut device: ffi::PDEVICE_OBJECT = core::ptr::null_mut();
    if let Some(create_secure) = exported_create_secure() {
        let mut sddl = UnicodeStr::new(security.sddl).ok_or(NtError::INVALID_PARAMETER)?;
        let class = security.class.to_ffi();
        // SAFETY: valid driver object, names and GUID; `device` receives the new device.
        let status = unsafe {
            create_secure(
                driver,
                extension_size,
                name.as_ptr(),
                ffi::FILE_DEVICE_UNKNOWN,
                ffi::FILE_DEVICE_SECURE_OPEN,
                ffi::typed::FALSE,
                sddl.as_ptr(),
                &raw const class,
                &raw mut device,
            )
        };
        NtStatus::from_raw(status).ok()?;
        return Ok(device);
    }
    // SAFETY: valid driver object and name; `device` receives the new device object.
    let status = unsafe {
        ffi::IoCreateDevice(
            driver,
            extension_size,
            name.as_ptr(),
            ffi::FILE_DEVICE_UNKNOWN,
            ffi::FILE_DEVICE_SECURE_OPEN,
            ffi::typed::FALSE,
            &raw mut device,
        )
    };
    NtStatus::from_raw(status).ok()?;
    // SAFETY: our new device object; a valid self-relative descriptor that lives forever.
    let status = unsafe {
        ffi::ObSetSecurityObjectByPointer(
            device.cast(),
            ffi::DACL_SECURITY_INFORMATION,
            security.descriptor.as_ptr(),
        )
    };
    if let Err(error) = NtStatus::from_raw(status).ok() {
        // SAFETY: the device was created above and holds nothing yet.
        unsafe { ffi::IoDeleteDevice(device) };
        return Err(error);
    }
    Ok(device)
}
