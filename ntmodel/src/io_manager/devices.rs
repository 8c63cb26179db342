//! Device objects: `IoCreateDevice` builds the `DEVICE_OBJECT` (and extension) and links it
//! first in its driver's list; `IoDeleteDevice` unlinks it, and it is freed when the last file
//! object opened on it is gone.
use super::{DeviceRecord, IoManager};
use crate::block::{BLOCK_ALIGN, Block};
use crate::consts::{DO_EXCLUSIVE, EVENT_SYNCHRONIZATION_OBJECT, IO_TYPE_DEVICE};
use crate::dispatcher::objects::init_event_at;
use crate::names::key;
use nt_bindings as nt;

/// The `DRIVER_OBJECT` of the device at `device`.
pub fn driver_of(device: usize) -> usize {
    let device = device as *const nt::DEVICE_OBJECT;
    // SAFETY: callers pass a live device block, which holds a DEVICE_OBJECT.
    unsafe { (*device).DriverObject as usize }
}

fn round_up(size: usize) -> usize {
    size.div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN
}

impl IoManager {
    /// `IoCreateDevice`: builds the `DEVICE_OBJECT` and links it first in the driver's list.
    pub fn create_device(
        &mut self,
        driver: usize,
        extension_size: u32,
        name: Option<String>,
        device_type: u32,
        characteristics: u32,
        exclusive: bool,
    ) -> Result<usize, nt::NTSTATUS> {
        let Some(record) = self.drivers.get(&driver) else {
            return Err(nt::STATUS_INVALID_PARAMETER);
        };
        if let Some(name) = &name
            && self.device_names.contains_key(&key(name))
        {
            return Err(nt::STATUS_OBJECT_NAME_COLLISION);
        }
        let driver_object = record.block.as_ptr::<nt::DRIVER_OBJECT>();
        let header = round_up(size_of::<nt::DEVICE_OBJECT>());
        let extension =
            usize::try_from(extension_size).map_err(|_| nt::STATUS_INSUFFICIENT_RESOURCES)?;
        let block = Block::zeroed(header + extension);
        // SAFETY: the driver block holds a DRIVER_OBJECT; the driver does not touch its device
        // list while it is inside IoCreateDevice.
        let next = unsafe { (*driver_object).DeviceObject };
        let device = nt::DEVICE_OBJECT {
            Type: IO_TYPE_DEVICE,
            Size: u16::try_from(header + extension).unwrap_or(u16::MAX),
            DriverObject: driver_object,
            NextDevice: next,
            Flags: nt::DO_DEVICE_INITIALIZING | if exclusive { DO_EXCLUSIVE } else { 0 },
            Characteristics: characteristics,
            DeviceExtension: if extension == 0 {
                std::ptr::null_mut()
            } else {
                (block.addr() + header) as nt::PVOID
            },
            DeviceType: device_type,
            StackSize: 1,
            ..Default::default()
        };
        let pointer = block.as_ptr::<nt::DEVICE_OBJECT>();
        // SAFETY: a fresh block of at least size_of::<DEVICE_OBJECT>() bytes, 16-aligned.
        unsafe { pointer.write(device) };
        init_event_at(
            block.addr() + std::mem::offset_of!(nt::DEVICE_OBJECT, DeviceLock),
            EVENT_SYNCHRONIZATION_OBJECT,
            true,
        );
        // SAFETY: the driver block holds a DRIVER_OBJECT (see above).
        unsafe { (*driver_object).DeviceObject = pointer };
        let addr = block.addr();
        if let Some(name) = &name {
            self.device_names.insert(key(name), addr);
        }
        self.devices.insert(
            addr,
            DeviceRecord {
                block,
                name,
                driver,
                open_files: 0,
                deleted: false,
                exclusive,
                security: None,
            },
        );
        Ok(addr)
    }

    /// `IoDeleteDevice`: unlinks it and its name; freed when no file object refers to it any
    /// more. `false` if `device` is not a live device.
    pub fn delete_device(&mut self, device: usize) -> bool {
        let Some(record) = self
            .devices
            .get_mut(&device)
            .filter(|record| !record.deleted)
        else {
            return false;
        };
        record.deleted = true;
        if let Some(name) = &record.name {
            self.device_names.remove(&key(name));
        }
        let driver = record.driver as *mut nt::DRIVER_OBJECT;
        let target = device as *mut nt::DEVICE_OBJECT;
        // SAFETY: a live device block holds a DEVICE_OBJECT.
        let next = unsafe { (*target).NextDevice };
        // SAFETY: the owning driver's block holds a DRIVER_OBJECT (drivers are never freed
        // while the kernel lives).
        let head = unsafe { (*driver).DeviceObject };
        if head == target {
            // SAFETY: as above.
            unsafe { (*driver).DeviceObject = next };
        } else {
            let mut cursor = head;
            while !cursor.is_null() {
                // SAFETY: every device in the list is a live device block.
                let following = unsafe { (*cursor).NextDevice };
                if following == target {
                    // SAFETY: as above.
                    unsafe { (*cursor).NextDevice = next };
                    break;
                }
                cursor = following;
            }
        }
        let free_now = self
            .devices
            .get(&device)
            .is_some_and(|record| record.open_files == 0);
        if free_now {
            self.free_device(device);
        }
        true
    }

    /// Frees a deleted device's record; its memory is poisoned and kept.
    pub(super) fn free_device(&mut self, device: usize) {
        if let Some(record) = self.devices.remove(&device) {
            record.block.poison(0xDE);
            self.retired_devices.push(record.block);
        }
    }
}
