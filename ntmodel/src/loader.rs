//! Loading and unloading drivers: the `DRIVER_OBJECT`, `DriverEntry` and `DriverUnload` in
//! the System process at `PASSIVE_LEVEL`, and the leak check after unload. Several drivers
//! can be loaded side by side, each under its own service name; each leak report holds what
//! that driver (and test code calling exports directly) left.
use crate::block::Block;
use crate::consts::STATUS_IMAGE_ALREADY_LOADED;
use crate::consts::{IO_TYPE_DRIVER, PASSIVE_LEVEL};
use crate::io_manager::DriverRecord;
use crate::machine::context::{self, Context};
use crate::machine::{Machine, Subsystems};
use crate::pool::tag_text;
use crate::report::LeakReport;
use crate::requests;
use crate::unicode::OwnedUnicode;
use nt_bindings as nt;
use std::mem::offset_of;
use std::sync::Arc;

/// A driver's entry point (`DRIVER_INITIALIZE`).
pub type DriverEntryFn =
    unsafe extern "C" fn(nt::PDRIVER_OBJECT, nt::PUNICODE_STRING) -> nt::NTSTATUS;

/// Registry path of a service.
pub fn service_key(service: &str) -> String {
    format!("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\{service}")
}

/// Builds the driver object and calls `DriverEntry` in the System process. A service already
/// loaded is `STATUS_IMAGE_ALREADY_LOADED`.
pub fn load(machine: &Arc<Machine>, service: &str, entry: DriverEntryFn) -> nt::NTSTATUS {
    if machine.lock().io.loaded_driver(service).is_some() {
        return STATUS_IMAGE_ALREADY_LOADED;
    }
    let name = OwnedUnicode::new(&format!("\\Driver\\{service}"));
    let registry_path = OwnedUnicode::new(&service_key(service));
    let block = Block::zeroed(size_of::<nt::DRIVER_OBJECT>() + size_of::<nt::_DRIVER_EXTENSION>());
    let driver_pointer = block.as_ptr::<nt::DRIVER_OBJECT>();
    let extension_pointer =
        (block.addr() + size_of::<nt::DRIVER_OBJECT>()) as *mut nt::_DRIVER_EXTENSION;
    // SAFETY: the name block holds a UNICODE_STRING the model wrote.
    let driver_name = unsafe { name.as_ptr().read() };
    let driver = nt::DRIVER_OBJECT {
        Type: IO_TYPE_DRIVER,
        Size: i16::try_from(size_of::<nt::DRIVER_OBJECT>()).unwrap_or(i16::MAX),
        DeviceObject: std::ptr::null_mut(),
        Flags: 0,
        DriverStart: std::ptr::null_mut(),
        DriverSize: 0,
        DriverSection: std::ptr::null_mut(),
        DriverExtension: extension_pointer,
        DriverName: driver_name,
        HardwareDatabase: std::ptr::null_mut(),
        FastIoDispatch: std::ptr::null_mut(),
        DriverInit: Some(entry),
        DriverStartIo: None,
        DriverUnload: None,
        MajorFunction: [None; 28],
    };
    // SAFETY: a fresh block big enough for the DRIVER_OBJECT and its extension.
    unsafe { driver_pointer.write(driver) };
    let (service_buffer, service_name) = crate::unicode::unicode_buffer(service);
    let extension = nt::_DRIVER_EXTENSION {
        DriverObject: driver_pointer,
        AddDevice: None,
        Count: 0,
        ServiceKeyName: service_name,
    };
    // SAFETY: the extension follows the DRIVER_OBJECT inside the same block, 8-aligned.
    unsafe { extension_pointer.write(extension) };
    let registry = registry_path.as_ptr();
    {
        let mut state = machine.lock();
        state.registry.create_key(&service_key(service));
        let order = state.io.next_load_order();
        state.io.drivers.insert(
            block.addr(),
            DriverRecord {
                block,
                service: service.to_owned(),
                _name: name,
                _registry_path: registry_path,
                loaded: true,
                _service_buffer: service_buffer,
                order,
            },
        );
    }
    let guard = context::enter(driver_context(machine, driver_pointer as usize));
    // SAFETY: DriverEntry is called as the I/O manager calls it: a fresh driver object and the
    // service's registry path, at PASSIVE_LEVEL in the System process.
    let status = unsafe { entry(driver_pointer, registry) };
    requests::settle(machine);
    drop(guard);
    if crate::consts::is_error(status) {
        let mut state = machine.lock();
        if let Some(record) = state.io.drivers.get_mut(&(driver_pointer as usize)) {
            record.loaded = false;
        }
    }
    status
}

/// The System process's context at `PASSIVE_LEVEL`, running `driver`'s code.
fn driver_context(machine: &Arc<Machine>, driver: usize) -> Context {
    Context {
        driver: Some(driver),
        ..context::system_context(machine, PASSIVE_LEVEL)
    }
}

/// Calls `DriverUnload` of the driver loaded as `service` (`None`: the one loaded last) and
/// reports what it left behind.
#[allow(
    clippy::result_large_err,
    reason = "the report is the point of the call"
)]
pub fn unload(machine: &Arc<Machine>, service: Option<&str>) -> Result<(), LeakReport> {
    let refused = |reason: String| LeakReport {
        refused: Some(reason),
        ..LeakReport::default()
    };
    let (driver, open_files) = {
        let state = machine.lock();
        let driver = match service {
            Some(service) => state.io.loaded_driver(service),
            None => state.io.last_loaded_driver(),
        };
        let Some(driver) = driver else {
            return Err(refused(match service {
                Some(service) => format!("no driver is loaded as {service}"),
                None => "no driver is loaded".to_owned(),
            }));
        };
        let open: u32 = state
            .io
            .devices
            .values()
            .filter(|device| device.driver == driver)
            .map(|device| device.open_files)
            .sum();
        (driver, open)
    };
    if open_files > 0 {
        return Err(LeakReport {
            refused: Some(format!(
                "{open_files} file object(s) are still open on the driver's devices (Windows defers the unload until they are closed)"
            )),
            ..LeakReport::default()
        });
    }
    let unload_pointer =
        (driver + offset_of!(nt::DRIVER_OBJECT, DriverUnload)) as *const nt::PDRIVER_UNLOAD;
    // SAFETY: the driver object lives as long as the kernel; DriverUnload is set by DriverEntry.
    let Some(routine) = (unsafe { unload_pointer.read() }) else {
        return Err(LeakReport {
            refused: Some("the driver has no DriverUnload routine".to_owned()),
            ..LeakReport::default()
        });
    };
    let stops_before = machine.lock().verifier.stops.len();
    let guard = context::enter(driver_context(machine, driver));
    // SAFETY: DriverUnload is called as the I/O manager calls it, with its driver object, at
    // PASSIVE_LEVEL in the System process, when no file object is open on its devices.
    unsafe { routine(driver as nt::PDRIVER_OBJECT) };
    requests::settle(machine);
    drop(guard);
    let mut state = machine.lock();
    if let Some(record) = state.io.drivers.get_mut(&driver) {
        record.loaded = false;
    }
    let report = collect_leaks(&state, driver, stops_before);
    if report.is_clean() {
        Ok(())
    } else {
        Err(report)
    }
}

/// What the driver left behind after `DriverUnload`.
fn collect_leaks(state: &Subsystems, driver: usize, stops_before: usize) -> LeakReport {
    let mut report = LeakReport {
        stops: state
            .verifier
            .stops
            .get(stops_before..)
            .unwrap_or_default()
            .to_vec(),
        ..LeakReport::default()
    };
    let mut references: Vec<(String, usize, i64)> = state
        .ob
        .iter()
        .map(|(address, header)| {
            (
                header.kind.info().name.to_owned(),
                address,
                header.references_of(driver),
            )
        })
        .filter(|(_, _, count)| *count != 0)
        .collect();
    references.sort_by_key(|(_, address, _)| *address);
    report.references = references;
    report.handles = state
        .ob
        .kernel_handles()
        .into_iter()
        .filter(|(_, entry)| entry.origin.counts_for(driver))
        .map(|(value, entry)| {
            let kind = state
                .ob
                .get(entry.object)
                .map_or("?", |header| header.kind.info().name);
            (kind.to_owned(), value)
        })
        .collect();
    report.pool = state
        .pool
        .outstanding(|origin| origin.counts_for(driver))
        .iter()
        .map(|allocation| (tag_text(allocation.tag), allocation.size))
        .collect();
    report.devices = state
        .io
        .devices_of(driver)
        .iter()
        .map(|device| {
            state
                .io
                .devices
                .get(device)
                .and_then(|record| record.name.clone())
                .unwrap_or_else(|| "<unnamed>".to_owned())
        })
        .collect();
    report.symbolic_links = state
        .io
        .links
        .values()
        .filter(|link| link.origin.counts_for(driver))
        .map(|link| link.name.clone())
        .collect();
    report.armed_timers = state.ke.timers_of(driver);
    report.queued_dpcs = state.ke.dpcs_of(driver);
    report.pending_irps = state
        .io
        .irps
        .values()
        .filter(|irp| irp.completed.is_none())
        .filter(|irp| {
            state
                .io
                .devices
                .get(&irp.device)
                .is_some_and(|device| device.driver == driver)
        })
        .count();
    report
}
