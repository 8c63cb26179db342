//! `DriverEntry`, `DriverUnload` and the dispatch trampolines: raw NT calls on one side, the
//! safe [`Driver`] trait on the other.
//!
//! The driver's state lives in its device's extension (no globals); each open's
//! registrations ([`NotifyTable`]) in `FileObject->FsContext` as a [`PoolBox`]. The device is
//! created with `FILE_DEVICE_SECURE_OPEN` so its ACL also guards names under it.
use super::ffi;
use super::irp::{Dispatched, Irp};
use super::notify::{NotifyCounters, NotifyTable};
use super::pool::{Pool, PoolBox};
use super::status::{NtResult, NtStatus};
use super::unicode::UnicodeStr;

/// What a device-control request may use besides its IRP: the open's registrations, the
/// pool, and the device-wide registration counters.
pub struct Session<'a> {
    /// The open's registrations.
    pub notify: &'a NotifyTable,
    /// The pool allocator.
    pub pool: &'a Pool,
    /// Device-wide registration counters.
    pub counters: &'a NotifyCounters,
}

/// What the rest of the driver implements. Every method runs at PASSIVE_LEVEL in the
/// context the I/O manager dispatches in (for create, device control and cleanup: the
/// requesting thread; for close: arbitrary).
pub trait Driver: Sized + Sync {
    /// Pool tag of the per-open state.
    const POOL_TAG: u32;
    /// NT name of the control device.
    const DEVICE_NAME: &'static [u16];
    /// Symbolic link to it for user mode.
    const LINK_NAME: &'static [u16];

    /// Builds the driver's state, from `DriverEntry`.
    ///
    /// # Errors
    /// Any status fails the load.
    fn start(pool: Pool, registry_path: &ffi::UNICODE_STRING) -> NtResult<Self>;
    /// `IRP_MJ_CREATE`: accept or refuse an open; on success, how many registrations the
    /// open may hold.
    ///
    /// # Errors
    /// The status the open fails with.
    fn open(&self, irp: &Irp) -> NtResult<usize>;
    /// `IRP_MJ_CLEANUP`: the last user handle to the open was closed. The open's
    /// registrations have been cancelled already.
    fn cleanup(&self);
    /// `IRP_MJ_CLOSE`: the last reference to the open is gone (its state is freed after).
    fn close(&self);
    /// `IRP_MJ_DEVICE_CONTROL`.
    fn device_control(&self, session: &Session<'_>, irp: Irp) -> Dispatched;
    /// `DriverUnload`, before the state is dropped: finish or cancel all outstanding work.
    fn stop(&self);
}

type TheDriver = crate::HandleGuard;

struct Extension<D> {
    pool: Pool,
    counters: NotifyCounters,
    driver: D,
}

/// The driver's entry point.
///
/// IRQL: PASSIVE_LEVEL, System process.
///
/// # Safety
/// Called once by the I/O manager with a valid driver object and registry path.
#[unsafe(export_name = "DriverEntry")]
#[allow(non_snake_case)]
pub unsafe extern "C" fn DriverEntry(
    driver: ffi::PDRIVER_OBJECT,
    registry_path: ffi::PUNICODE_STRING,
) -> ffi::NTSTATUS {
    // SAFETY: the I/O manager passes a valid, exclusively ours driver object.
    let Some(driver) = (unsafe { driver.as_mut() }) else {
        return NtStatus::INVALID_PARAMETER.raw();
    };
    // SAFETY: the I/O manager passes a valid registry path that outlives DriverEntry.
    let Some(registry_path) = (unsafe { registry_path.as_ref() }) else {
        return NtStatus::INVALID_PARAMETER.raw();
    };
    match start::<TheDriver>(driver, registry_path) {
        Ok(()) => NtStatus::SUCCESS.raw(),
        Err(status) => status.raw(),
    }
}

fn start<D: Driver>(
    driver: &mut ffi::DRIVER_OBJECT,
    registry_path: &ffi::UNICODE_STRING,
) -> NtResult<()> {
    let pool = Pool::resolve();
    let state = D::start(pool, registry_path)?;

    let mut name = UnicodeStr::new(D::DEVICE_NAME).ok_or(NtStatus::INVALID_PARAMETER)?;
    let mut link = UnicodeStr::new(D::LINK_NAME).ok_or(NtStatus::INVALID_PARAMETER)?;
    let extension_size = u32::try_from(core::mem::size_of::<Extension<D>>())
        .map_err(|_| NtStatus::INVALID_PARAMETER)?;
    const { assert!(core::mem::align_of::<Extension<u64>>() <= 8) };
    const {
        assert!(
            core::mem::align_of::<Extension<D>>() <= 8,
            "device extensions are 8-byte aligned"
        );
    };

    let mut device: ffi::PDEVICE_OBJECT = core::ptr::null_mut();
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
    // SAFETY: IoCreateDevice succeeded, so `device` is a valid device object we own.
    let Some(device_ref) = (unsafe { device.as_mut() }) else {
        return Err(NtStatus::UNSUCCESSFUL);
    };
    let extension = device_ref.DeviceExtension.cast::<Extension<D>>();
    // SAFETY: the extension is `extension_size` zeroed bytes, 8-byte aligned (checked above),
    // and no request can reach the device before DO_DEVICE_INITIALIZING is cleared below.
    unsafe {
        extension.write(Extension {
            pool,
            counters: NotifyCounters::default(),
            driver: state,
        });
    };

    // SAFETY: valid names; the link points at the device just created.
    let status = unsafe { ffi::IoCreateSymbolicLink(link.as_ptr(), name.as_ptr()) };
    if let Err(status) = NtStatus::from_raw(status).ok() {
        // SAFETY: written above and never shared: no request could arrive yet.
        unsafe { core::ptr::drop_in_place(extension) };
        // SAFETY: the device was created above and holds no other state.
        unsafe { ffi::IoDeleteDevice(device) };
        return Err(status);
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
    {
        // SAFETY: initialised in DriverEntry; unload runs after every open is closed, so
        // no dispatch routine uses it concurrently.
        let state = unsafe { &*extension };
        state.driver.stop();
    }
    // SAFETY: as above; dropped exactly once, here.
    unsafe { core::ptr::drop_in_place(extension) };
    if let Some(mut link) = UnicodeStr::new(D::LINK_NAME) {
        // SAFETY: the link DriverEntry created.
        let _ = unsafe { ffi::IoDeleteSymbolicLink(link.as_ptr()) };
    }
    // SAFETY: our device, with its extension already dropped.
    unsafe { ffi::IoDeleteDevice(device) };
    super::log::log!("unloaded");
}

/// The driver state of `device`.
///
/// # Safety
/// `device` is the device DriverEntry created, called from one of its dispatch routines.
unsafe fn extension<'a, D: Driver>(device: ffi::PDEVICE_OBJECT) -> Option<&'a Extension<D>> {
    // SAFETY: the caller passes our device object.
    let device = unsafe { device.as_ref() }?;
    // SAFETY: initialised in DriverEntry before DO_DEVICE_INITIALIZING was cleared, dropped
    // only in unload, after which no dispatch routine runs.
    unsafe { device.DeviceExtension.cast::<Extension<D>>().as_ref() }
}

/// The driver state and the IRP of a dispatch routine's arguments.
///
/// # Safety
/// `device` is the device DriverEntry created and `irp` the live IRP dispatched to it.
unsafe fn dispatched<'a, D: Driver>(
    device: ffi::PDEVICE_OBJECT,
    irp: ffi::PIRP,
) -> Result<(&'a Extension<D>, Irp), ffi::NTSTATUS> {
    // SAFETY: the caller's contract: our device.
    let state = unsafe { extension::<D>(device) }.ok_or(NtStatus::INVALID_DEVICE_REQUEST.raw())?;
    // SAFETY: the caller's contract: the IRP being dispatched to us.
    let irp = unsafe { Irp::from_dispatch(irp) }.ok_or(NtStatus::INVALID_PARAMETER.raw())?;
    Ok((state, irp))
}

/// The registrations of a request's open.
///
/// # Safety
/// `file` is the file object of a request to our device, opened by a successful create.
unsafe fn open_of<'a>(file: ffi::PFILE_OBJECT) -> Option<&'a NotifyTable> {
    // SAFETY: the caller passes a live file object of our device.
    let file = unsafe { file.as_ref() }?;
    // SAFETY: FsContext is the PoolBox<NotifyTable> set by dispatch_create; it lives until
    // close, and close runs only when no other request on this file object is in flight.
    unsafe { file.FsContext.cast::<NotifyTable>().as_ref() }
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
    let opened = state.driver.open(&irp).and_then(|capacity| {
        let counters = &raw const state.counters;
        // SAFETY: the counters live in the device extension, which outlives every open.
        let table = unsafe { NotifyTable::new(&state.pool, capacity, counters) }?;
        PoolBox::new(&state.pool, D::POOL_TAG, table)
    });
    let dispatched = match opened {
        Ok(open) => {
            let file = irp.file_object();
            // SAFETY: the create's file object, which becomes this open; no other request
            // can use it before the create completes.
            match unsafe { file.as_mut() } {
                Some(file) => {
                    file.FsContext = PoolBox::into_raw(open).cast();
                    irp.complete(NtStatus::SUCCESS, 0)
                }
                None => irp.complete(NtStatus::INVALID_PARAMETER, 0),
            }
        }
        Err(status) => irp.complete(status, 0),
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
    // SAFETY: the request's file object belongs to our device.
    if let Some(notify) = unsafe { open_of(irp.file_object()) } {
        notify.cancel_all();
    }
    state.driver.cleanup();
    irp.complete(NtStatus::SUCCESS, 0).status().raw()
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
        let context = context.cast::<NotifyTable>();
        // SAFETY: FsContext was set from PoolBox::<NotifyTable>::into_raw with D::POOL_TAG by
        // dispatch_create and is taken back exactly once, here.
        let table = unsafe { PoolBox::from_raw(context, D::POOL_TAG) };
        if let Some(table) = table {
            state.driver.close();
            drop(table);
        }
    }
    irp.complete(NtStatus::SUCCESS, 0).status().raw()
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
    // SAFETY: the request's file object belongs to our device.
    match unsafe { open_of(irp.file_object()) } {
        Some(notify) => {
            let session = Session {
                notify,
                pool: &state.pool,
                counters: &state.counters,
            };
            state.driver.device_control(&session, irp).status().raw()
        }
        None => irp
            .complete(NtStatus::INVALID_DEVICE_REQUEST, 0)
            .status()
            .raw(),
    }
}
