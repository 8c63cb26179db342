//! The I/O manager's tables: loaded drivers, their devices, symbolic links and the IRPs it
//! issued (real `IRP` + `IO_STACK_LOCATION` allocations with stable addresses). The request
//! flows that call into drivers are in `crate::requests`.
mod devices;
mod irps;
mod links;

pub use devices::driver_of;
pub use irps::{IrpKind, IrpRecord, IrpResult};
pub use links::SymbolicLink;

use crate::block::Block;
use crate::quarantine::Quarantine;
use crate::unicode::OwnedUnicode;
use nt_bindings as nt;
use std::collections::HashMap;

/// A loaded driver.
#[derive(Debug)]
pub struct DriverRecord {
    /// `DRIVER_OBJECT` followed by its `DRIVER_EXTENSION`.
    pub block: Block,
    /// The service it was loaded as.
    pub service: String,
    /// `\Driver\<name>` (kept alive for `DriverName`).
    pub _name: OwnedUnicode,
    /// The registry path passed to `DriverEntry` (kept alive).
    pub _registry_path: OwnedUnicode,
    /// Loaded and not yet unloaded.
    pub loaded: bool,
    /// The buffer of `DriverExtension->ServiceKeyName` (kept alive).
    pub _service_buffer: Block,
    /// Load order (later loads are larger).
    pub order: u64,
}

/// A device object.
#[derive(Debug)]
pub struct DeviceRecord {
    /// `DEVICE_OBJECT` followed by the device extension.
    pub block: Block,
    /// Its NT name, if named.
    pub name: Option<String>,
    /// Owning `DRIVER_OBJECT`.
    pub driver: usize,
    /// File objects opened on it and not yet deleted.
    pub open_files: u32,
    /// `IoDeleteDevice` was called; freed when the last file object goes.
    pub deleted: bool,
    /// Created with `Exclusive`.
    pub exclusive: bool,
    /// Its security descriptor (`ObSetSecurityObjectByPointer`); `None`: the default, which
    /// the model lets anyone open with any access.
    pub security: Option<crate::security::Security>,
}

/// The I/O manager's state.
#[derive(Debug, Default)]
pub struct IoManager {
    /// Loaded drivers by `DRIVER_OBJECT`.
    pub drivers: HashMap<usize, DriverRecord>,
    /// Devices by `DEVICE_OBJECT`.
    pub devices: HashMap<usize, DeviceRecord>,
    /// Device names (lower case) to devices.
    pub device_names: HashMap<String, usize>,
    /// Symbolic links by normalised lower-case name (`\??\x`).
    pub links: HashMap<String, SymbolicLink>,
    /// Live IRPs by address.
    pub irps: HashMap<usize, IrpRecord>,
    /// Results of finished IRPs by id, with the number of `PendingIrp`s still holding each:
    /// kept only while one does.
    pub results: HashMap<u64, (IrpResult, u32)>,
    /// Finished IRPs' memory, poisoned and kept (bounded) so a stale pointer is recognised.
    pub retired: Quarantine,
    /// Deleted devices' memory, poisoned and kept.
    pub retired_devices: Vec<Block>,
    /// Next IRP id.
    next_irp: u64,
    /// Loads so far.
    loads: u64,
}

impl IoManager {
    /// A file object on `device` is gone.
    pub fn file_closed(&mut self, device: usize) {
        let Some(record) = self.devices.get_mut(&device) else {
            return;
        };
        record.open_files = record.open_files.saturating_sub(1);
        let pointer = record.block.as_ptr::<nt::DEVICE_OBJECT>();
        // SAFETY: the device block holds a DEVICE_OBJECT; the state lock serialises the
        // model's accesses and the driver never writes ReferenceCount.
        unsafe { (*pointer).ReferenceCount -= 1 };
        if record.deleted && record.open_files == 0 {
            self.free_device(device);
        }
    }

    /// The order number of the next load.
    pub fn next_load_order(&mut self) -> u64 {
        self.loads += 1;
        self.loads
    }

    /// The loaded driver of `service`.
    pub fn loaded_driver(&self, service: &str) -> Option<usize> {
        self.drivers
            .iter()
            .find(|(_, record)| record.loaded && record.service.eq_ignore_ascii_case(service))
            .map(|(driver, _)| *driver)
    }

    /// The driver loaded last of those still loaded.
    pub fn last_loaded_driver(&self) -> Option<usize> {
        self.drivers
            .iter()
            .filter(|(_, record)| record.loaded)
            .max_by_key(|(_, record)| record.order)
            .map(|(driver, _)| *driver)
    }

    /// Services of the loaded drivers, in load order.
    pub fn loaded_services(&self) -> Vec<String> {
        let mut loaded: Vec<(u64, String)> = self
            .drivers
            .values()
            .filter(|record| record.loaded)
            .map(|record| (record.order, record.service.clone()))
            .collect();
        loaded.sort();
        loaded.into_iter().map(|(_, service)| service).collect()
    }

    /// The devices of `driver` still present (not deleted).
    pub fn devices_of(&self, driver: usize) -> Vec<usize> {
        let mut list: Vec<usize> = self
            .devices
            .iter()
            .filter(|(_, record)| record.driver == driver && !record.deleted)
            .map(|(addr, _)| *addr)
            .collect();
        list.sort_unstable();
        list
    }
}
