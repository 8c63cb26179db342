//! **Test code only**: a deliberately vulnerable WDM driver, never packaged or cross-built,
//! loaded only into the ntmodel kernel (`hgctl --model-driver twin`, hgctl's tests) so that
//! `hgctl probe` has mistakes to find.
//!
//! Its device is `\Device\HandleGuardTwin` (`\\.\HandleGuardTwin`). Each IOCTL takes 16 bytes
//! of input whose first 8 are a handle value, references the object behind it, drops the
//! reference and completes with STATUS_SUCCESS, making one mistake of Microsoft's handle
//! guidance on the way. wdm-safe's safe types cannot make these mistakes (that is the layer's
//! point), so each is a raw `ObReferenceObjectByHandle` inside `unsafe`. None checks that it
//! runs in the requestor's context; [`IOCTL_TWIN_ANY_CONTEXT`] makes that mistake alone.
#![no_std]

use wdm_safe::driver::Driver;
use wdm_safe::ffi;
use wdm_safe::irp::{Dispatched, Irp, Written};
use wdm_safe::pool::Pool;
use wdm_safe::registry::RegistryPath;
use wdm_safe::security::{DEVICE_SDDL, DeviceSecurity, Guid, SecurityDescriptor};
use wdm_safe::status::{NtError, NtResult, NtStatus};
use wdm_safe::wide;

/// The device's Win32 path.
pub const DEVICE_PATH: &str = r"\\.\HandleGuardTwin";
/// The service name the model loads it as.
pub const SERVICE: &str = "handleguard-twin";
/// The input every IOCTL takes: a handle value (8 bytes) and 8 bytes nobody reads.
pub const INPUT_LEN: usize = 16;

/// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)`: references the
/// event as KernelMode instead of `Irp->RequestorMode`: no access check, and kernel handle
/// values resolve in the System table (Driver Verifier: C4/0xF6).
pub const IOCTL_TWIN_KERNEL_MODE: u32 = 0x0022_2004;
/// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x810, ...)`: references with no object type (NULL), so a
/// handle to any object passes as an event.
pub const IOCTL_TWIN_NO_TYPE: u32 = 0x0022_2040;
/// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x811, ...)`: references with `DesiredAccess` 0, so an
/// event handle without EVENT_MODIFY_STATE passes.
pub const IOCTL_TWIN_NO_ACCESS: u32 = 0x0022_2044;

/// `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x812, ...)`: references correctly (requestor mode, event
/// type, the access it uses) but in whatever context it is dispatched in, without checking it
/// is the requestor's: forwarded to a System worker, the value names a System handle.
pub const IOCTL_TWIN_ANY_CONTEXT: u32 = 0x0022_2048;

/// What the correct request would ask for: what signalling an event needs.
const EVENT_ACCESS: u32 = ffi::SYNCHRONIZE | ffi::EVENT_MODIFY_STATE;

/// The twin: no state.
pub struct Twin;

/// An open of its device: no state.
pub struct Open;

impl Driver for Twin {
    type Open<'dev> = Open;

    const DEVICE_NAME: &'static [u16] = wide!(r"\Device\HandleGuardTwin");
    const LINK_NAME: &'static [u16] = wide!(r"\DosDevices\HandleGuardTwin");
    const OPEN_TAG: u32 = u32::from_le_bytes(*b"HgTw");
    const DEVICE_SECURITY: DeviceSecurity = DeviceSecurity {
        descriptor: &SecurityDescriptor::DEVICE,
        sddl: wide!(DEVICE_SDDL),
        class: Guid {
            data1: 0x7c1d_0e55,
            data2: 0x7717,
            data3: 0x4e1a,
            data4: *b"twin-drv",
        },
    };

    fn start(_pool: Pool, _registry_path: RegistryPath<'_>) -> NtResult<Self> {
        Ok(Self)
    }

    fn create(&self, _irp: &Irp) -> NtResult<Open> {
        Ok(Open)
    }

    fn cleanup(&self, _open: &Open) {}

    fn close(&self, _open: Open) {}

    fn device_control(&self, _open: &Open, irp: Irp) -> Dispatched {
        let requestor = if irp.from_user_mode() {
            ffi::typed::USER_MODE
        } else {
            ffi::typed::KERNEL_MODE
        };
        // No `irp.in_requestor_context()` check, in every IOCTL: a mistake too.
        let (access, object_type, mode) = match irp.ioctl().code {
            IOCTL_TWIN_KERNEL_MODE => (
                EVENT_ACCESS,
                ffi::event_object_type(),
                ffi::typed::KERNEL_MODE,
            ),
            IOCTL_TWIN_NO_TYPE => (EVENT_ACCESS, core::ptr::null_mut(), requestor),
            IOCTL_TWIN_NO_ACCESS => (0, ffi::event_object_type(), requestor),
            IOCTL_TWIN_ANY_CONTEXT => (EVENT_ACCESS, ffi::event_object_type(), requestor),
            _ => return irp.fail(NtError::INVALID_DEVICE_REQUEST),
        };
        let handle = match irp.input().get(..8).map(<[u8; 8]>::try_from) {
            Some(Ok(bytes)) if irp.input().len() == INPUT_LEN => u64::from_le_bytes(bytes),
            _ => return irp.fail(NtError::INVALID_PARAMETER),
        };
        match touch(handle, access, object_type, mode) {
            Ok(()) => irp.succeed(Written::NOTHING),
            Err(error) => irp.fail(error),
        }
    }

    fn unload(self) {}
}

/// References the object behind `handle` the way the request's mistake says, and drops the
/// reference: the "touch" of the object a real driver would signal.
fn touch(
    handle: u64,
    access: u32,
    object_type: ffi::POBJECT_TYPE,
    mode: ffi::KPROCESSOR_MODE,
) -> Result<(), NtError> {
    let mut object: ffi::PVOID = core::ptr::null_mut();
    #[expect(
        clippy::cast_possible_truncation,
        reason = "handle values are pointer-sized on the 64-bit targets"
    )]
    let raw = handle as usize as ffi::HANDLE;
    // SAFETY: deliberately wrong, which is this crate's purpose: depending on the IOCTL,
    // `mode` is KernelMode for a handle user mode sent (it must be Irp->RequestorMode),
    // `object_type` is NULL (it must be the type the driver goes on to use), or `access` is 0
    // (it must be what the driver does with the object). The call itself is sound: `object`
    // is a writable out pointer and no handle information is asked for.
    let status = unsafe {
        ffi::ObReferenceObjectByHandle(
            raw,
            access,
            object_type,
            mode,
            &raw mut object,
            core::ptr::null_mut(),
        )
    };
    NtStatus::from_raw(status).ok()?;
    // SAFETY: the one reference the successful call above took, dropped once.
    unsafe { ffi::ObfDereferenceObject(object) };
    Ok(())
}

wdm_safe::driver_entry!(Twin);
