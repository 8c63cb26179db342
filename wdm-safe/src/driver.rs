//! `DriverEntry`, `DriverUnload` and the dispatch trampolines: raw NT calls on one side, the
//! safe [`Driver`] trait on the other.
//!
//! The driver's state lives in its control device's extension (no globals); each open's state
//! ([`Driver::Open`]) in `FileObject->FsContext`, in pool charged to the opening process's
//! quota.
//! The device is created with `FILE_DEVICE_SECURE_OPEN` so its ACL also guards names under it.
//! A driver names its type once, in [`driver_entry!`](crate::driver_entry).
use crate::ffi;
use crate::irp::{Dispatched, Irp, Written};
use crate::pool::{Charge, Pool, PoolBox};
use crate::registry::RegistryPath;
use crate::security::DeviceSecurity;
use crate::status::{NtError, NtResult, NtStatus};
use crate::unicode::UnicodeStr;

/// A WDM driver with one control device, as the layer runs it. Every method runs at
/// PASSIVE_LEVEL in the context the I/O manager dispatches in (for create, device control and
/// cleanup: the requesting thread; for close and unload: arbitrary).
///
/// `'dev` is the life of the device: the driver's state and every open live within it, so an
/// open may keep references into the driver's state.
pub trait Driver: Sized + Sync + 'static {
    /// What the driver keeps per open (in `FileObject->FsContext`), from create to close.
    type Open<'dev>: Sync
    where
        Self: 'dev;

    /// NT name of the control device (`\Device\...`).
    const DEVICE_NAME: &'static [u16];
    /// Symbolic link to it for user mode (`\DosDevices\...`).
    const LINK_NAME: &'static [u16];
    /// Pool tag of the per-open state.
    const OPEN_TAG: u32;
    /// The control device's security, set on it before any request can arrive (for most
    /// drivers [`SecurityDescriptor::DEVICE`](crate::security::SecurityDescriptor::DEVICE) with its SDDL and the driver's class GUID).
    const DEVICE_SECURITY: DeviceSecurity;

    /// Builds the driver's state, from `DriverEntry` (System process).
    ///
    /// # Errors
    /// Any status fails the load.
    fn start(pool: Pool, registry_path: RegistryPath<'_>) -> NtResult<Self>;

    /// `IRP_MJ_CREATE`: accept an open (its state) or refuse it. The state is then moved into
    /// pool charged to the opener; if that fails, it is dropped and the open fails with
    /// `STATUS_INSUFFICIENT_RESOURCES` (so whatever it counts must be undone by its `Drop`).
    ///
    /// # Errors
    /// The status the open fails with.
    fn create<'dev>(&'dev self, irp: &Irp) -> NtResult<Self::Open<'dev>>;

    /// `IRP_MJ_CLEANUP`: the last user handle to the open was closed.
    fn cleanup<'dev>(&'dev self, open: &Self::Open<'dev>);

    /// `IRP_MJ_CLOSE`: the last reference to the open is gone; its state is handed back.
    fn close<'dev>(&'dev self, open: Self::Open<'dev>);

    /// `IRP_MJ_DEVICE_CONTROL` on `open`. The IRP must be completed or pended; one dropped
    /// fails with `STATUS_DRIVER_INTERNAL_ERROR`.
    fn device_control<'dev>(&'dev self, open: &Self::Open<'dev>, irp: Irp) -> Dispatched;

    /// `DriverUnload`, after the device and its link are gone (every open was closed before).
    fn unload(self);
}

/// Defines the driver's `DriverEntry` for driver type `$driver` (exported under that name in
/// the kernel image; a plain function elsewhere, so that several drivers can share one test
/// binary).
#[macro_export]
macro_rules! driver_entry {
    ($driver:ty) => {
        /// The driver's entry point.
        ///
        /// IRQL: PASSIVE_LEVEL, System process.
        ///
        /// # Safety
        /// Called once by the I/O manager with a valid driver object and registry path.
        #[cfg_attr(target_os = "windows", unsafe(export_name = "DriverEntry"))]
        #[allow(non_snake_case, reason = "the name the I/O manager looks for")]
        pub unsafe extern "C" fn DriverEntry(
            driver: $crate::ffi::PDRIVER_OBJECT,
            registry_path: $crate::ffi::PUNICODE_STRING,
        ) -> $crate::ffi::NTSTATUS {
            // SAFETY: this function's contract is `entry`'s.
            unsafe { $crate::driver::entry::<$driver>(driver, registry_path) }
        }
    };
}

struct Extension<D> {
    pool: Pool,
    driver: D,
}

/// The body of `DriverEntry` for driver `D` (use [`driver_entry!`](crate::driver_entry)).
///
/// IRQL: PASSIVE_LEVEL, System process.
///
/// # Safety
/// Called once by the I/O manager, as `DriverEntry`, with a valid driver object and registry
/// path.
pub unsafe fn entry<D: Driver>(
    driver: ffi::PDRIVER_OBJECT,
    registry_path: ffi::PUNICODE_STRING,
) -> ffi::NTSTATUS {
    // SAFETY: the I/O manager passes a valid, exclusively ours driver object.
    let Some(driver) = (unsafe { driver.as_mut() }) else {
        return NtError::INVALID_PARAMETER.raw();
    };
    // SAFETY: the I/O manager passes a valid registry path that outlives DriverEntry.
    let Some(registry_path) = (unsafe { registry_path.as_ref() }) else {
        return NtError::INVALID_PARAMETER.raw();
    };
    match start::<D>(driver, RegistryPath::new(registry_path)) {
        Ok(()) => NtStatus::SUCCESS.raw(),
        Err(error) => error.raw(),
    }
}

fn start<D: Driver>(
    driver: &mut ffi::DRIVER_OBJECT,
    registry_path: RegistryPath<'_>,
) -> NtResult<()> {
    let pool = Pool::resolve();
    let state = D::start(pool, registry_path)?;

    let mut name = UnicodeStr::new(D::DEVICE_NAME).ok_or(NtError::INVALID_PARAMETER)?;
    let mut link = UnicodeStr::new(D::LINK_NAME).ok_or(NtError::INVALID_PARAMETER)?;
    let extension_size = u32::try_from(core::mem::size_of::<Extension<D>>())
        .map_err(|_| NtError::INVALID_PARAMETER)?;
    const {
        assert!(
            core::mem::align_of::<Extension<D>>() <= 8,
            "device extensions are 8-byte aligned"
        );
    };

    let device = crate::device::create(driver, &mut name, extension_size, &D::DEVICE_SECURITY)?;
    // SAFETY: the device was created, so `device` is a valid device object we own.
    let Some(device_ref) = (unsafe { device.as_mut() }) else {
        return Err(NtError::UNSUCCESSFUL);
    };
    let extension = device_ref.DeviceExtension.cast::<Extension<D>>();
    // SAFETY: the extension is `extension_size` zeroed bytes, 8-byte aligned (checked above),
    // and no request can reach the device before DO_DEVICE_INITIALIZING is cleared below.
    unsafe {
        extension.write(Extension {
            pool,
            driver: state,
        });
    };

    // SAFETY: valid names; the link points at the device just created.
    let status = unsafe { ffi::IoCreateSymbolicLink(link.as_ptr(), name.as_ptr()) };
    if let Err(error) = NtStatus::from_raw(status).ok() {
        // SAFETY: written above and never shared: no request could arrive yet.
        unsafe { core::ptr::drop_in_place(extension) };
        // SAFETY: the device was created above and holds no other state.
        unsafe { ffi::IoDeleteDevice(device) };
        return Err(error);
    }

    let routines: [(u32, ffi::PDRIVER_DISPATCH); 4] = [
        (ffi::IRP_MJ_CREATE, Some(dispatch_create::<D>)),
        (ffi::IRP_MJ_CLEANUP, Some(dispatch_cleanup::<D>)),
        (ffi::IRP_MJ_CLOSE, Some(dispatch_close::<D>)),
        (
            ffi::IRP_MJ_DEVICE_CONTROL,
            Some(dispatch_device_control::<D>),
        ),
    ];
    for (major, routine) in routines {
        if let Some(entry) = driver.MajorFunction.get_mut(major as usize) {
            *entry = routine;
        }
    }
    driver.DriverUnload = Some(unload::<D>);

    device_ref.Flags |= ffi::DO_BUFFERED_IO;
    device_ref.Flags &= !ffi::DO_DEVICE_INITIALIZING;
    Ok(())
}

/// `DriverUnload`. IRQL: PASSIVE_LEVEL, System process.
unsafe extern "C" fn unload<D: Driver>(driver: ffi::PDRIVER_OBJECT) {
    // SAFETY: the I/O manager passes our driver object.
    let Some(driver) = (unsafe { driver.as_mut() }) else {
        return;
    };
    let device = driver.DeviceObject;
    // SAFETY: DriverEntry created exactly one device; it is still ours.
    let Some(device_ref) = (unsafe { device.as_mut() }) else {
        return;
    };
    let extension = device_ref.DeviceExtension.cast::<Extension<D>>();
    // SAFETY: initialised in DriverEntry; unload runs after every open is closed, so no
    // dispatch routine uses it any more. Moved out exactly once, here.
    let state = unsafe { extension.read() };
    if let Some(mut link) = UnicodeStr::new(D::LINK_NAME) {
        // SAFETY: the link DriverEntry created.
        let _ = unsafe { ffi::IoDeleteSymbolicLink(link.as_ptr()) };
    }
    // SAFETY: our device, whose extension was moved out above.
    unsafe { ffi::IoDeleteDevice(device) };
    state.driver.unload();
}

/// The driver state and the IRP of a dispatch routine's arguments. Without a state (a device
/// that is not ours: not reachable today) the IRP is failed, not left hanging.
///
/// # Safety
/// `device` is the device DriverEntry created and `irp` the live IRP dispatched to it.
unsafe fn dispatched<'dev, D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> Result<(&'dev Extension<D>, Irp), ffi::NTSTATUS> {
    // SAFETY: the caller's contract: the IRP being dispatched to us. A NULL IRP (or one
    // without a stack location) cannot be completed at all.
    let irp = unsafe { Irp::from_dispatch(irp) }.ok_or(NtError::INVALID_PARAMETER.raw())?;
    // SAFETY: the caller passes our device object.
    let state = unsafe { device.as_ref() }.and_then(|device| {
        // SAFETY: initialised in DriverEntry before DO_DEVICE_INITIALIZING was cleared, moved
        // out only in unload, after which no dispatch routine runs.
        unsafe { device.DeviceExtension.cast::<Extension<D>>().as_ref() }
    });
    match state {
        Some(state) => Ok((state, irp)),
        None => Err(irp.fail(NtError::INVALID_DEVICE_REQUEST).status().raw()),
    }
}

/// The state of a request's open.
///
/// # Safety
/// `file` is the file object of a request to `D`'s device, opened by a successful create, and
/// the returned reference is not used after the close of that file object.
unsafe fn open_of<'dev, D: Driver>(file: ffi::PFILE_OBJECT) -> Option<&'dev D::Open<'dev>> {
    // SAFETY: the caller passes a live file object of our device.
    let file = unsafe { file.as_ref() }?;
    // SAFETY: FsContext is the PoolBox<D::Open> set by dispatch_create; it lives until close,
    // and close runs only when no other request on this file object is in flight.
    unsafe { file.FsContext.cast::<D::Open<'dev>>().as_ref() }
}

/// `IRP_MJ_CREATE`. IRQL: PASSIVE_LEVEL, requestor's context.
unsafe extern "C" fn dispatch_create<D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> ffi::NTSTATUS {
    // SAFETY: called by the I/O manager with our device and the IRP dispatched to it.
    let (state, irp) = match unsafe { dispatched::<D>(device, irp) } {
        Ok(parts) => parts,
        Err(status) => return status,
    };
    let opened = match Charge::requestor(&irp) {
        Ok(charge) => state
            .driver
            .create(&irp)
            .and_then(|open| PoolBox::new(&state.pool, D::OPEN_TAG, open, charge)),
        Err(_) => Err(NtError::INVALID_DEVICE_REQUEST),
    };
    let dispatched = match opened {
        Ok(open) => {
            let file = irp.file_object();
            // SAFETY: the create's file object, which becomes this open; no other request
            // can use it before the create completes.
            if let Some(file) = unsafe { file.as_mut() } {
                file.FsContext = PoolBox::into_raw(open).cast();
                irp.succeed(Written::NOTHING)
            } else {
                state.driver.close(PoolBox::into_inner(open));
                irp.fail(NtError::INVALID_PARAMETER)
            }
        }
        Err(error) => irp.fail(error),
    };
    dispatched.status().raw()
}

/// `IRP_MJ_CLEANUP`. IRQL: PASSIVE_LEVEL, context of the process closing its last handle.
unsafe extern "C" fn dispatch_cleanup<D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> ffi::NTSTATUS {
    // SAFETY: called by the I/O manager with our device and the IRP dispatched to it.
    let (state, irp) = match unsafe { dispatched::<D>(device, irp) } {
        Ok(parts) => parts,
        Err(status) => return status,
    };
    // SAFETY: the request's file object belongs to our device; used only in this call.
    if let Some(open) = unsafe { open_of::<D>(irp.file_object()) } {
        state.driver.cleanup(open);
    }
    irp.succeed(Written::NOTHING).status().raw()
}

/// `IRP_MJ_CLOSE`. IRQL: PASSIVE_LEVEL, arbitrary context.
unsafe extern "C" fn dispatch_close<D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> ffi::NTSTATUS {
    // SAFETY: called by the I/O manager with our device and the IRP dispatched to it.
    let (state, irp) = match unsafe { dispatched::<D>(device, irp) } {
        Ok(parts) => parts,
        Err(status) => return status,
    };
    let file = irp.file_object();
    // SAFETY: the file object of the request; close is its last request.
    if let Some(file) = unsafe { file.as_mut() } {
        let context = core::mem::take(&mut file.FsContext);
        // SAFETY: FsContext was set from PoolBox::<D::Open>::into_raw with D::OPEN_TAG by
        // dispatch_create and is taken back exactly once, here.
        let open = unsafe { PoolBox::from_raw(context.cast::<D::Open<'_>>(), D::OPEN_TAG) };
        if let Some(open) = open {
            state.driver.close(PoolBox::into_inner(open));
        }
    }
    irp.succeed(Written::NOTHING).status().raw()
}

/// `IRP_MJ_DEVICE_CONTROL`. IRQL: PASSIVE_LEVEL, requestor's context (top-level driver).
unsafe extern "C" fn dispatch_device_control<D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> ffi::NTSTATUS {
    // SAFETY: called by the I/O manager with our device and the IRP dispatched to it.
    let (state, irp) = match unsafe { dispatched::<D>(device, irp) } {
        Ok(parts) => parts,
        Err(status) => return status,
    };
    // SAFETY: the request's file object belongs to our device; the open outlives the request.
    match unsafe { open_of::<D>(irp.file_object()) } {
        Some(open) => state.driver.device_control(open, irp).status().raw(),
        None => irp.fail(NtError::INVALID_DEVICE_REQUEST).status().raw(),
    }
}
