//! The I/O manager's state: drivers, devices, symbolic links, the name space a path is
//! resolved in, and IRPs (real `IRP` + `IO_STACK_LOCATION` allocations with stable addresses).
//! The flows that call into the driver (create, device control, cleanup, close, cancel) are in
//! `iomgr.rs`.
use crate::block::{BLOCK_ALIGN, Block};
use crate::consts::{DO_EXCLUSIVE, IO_TYPE_DEVICE, IO_TYPE_IRP};
use crate::kernel::State;
use crate::unicode::{OwnedUnicode, key};
use nt_bindings as nt;
use std::collections::HashMap;

/// A loaded driver.
#[derive(Debug)]
pub struct DriverRecord {
    /// `DRIVER_OBJECT` followed by its `DRIVER_EXTENSION`.
    pub block: Block,
    /// `\Driver\<name>` (kept alive for `DriverName`).
    pub _name: OwnedUnicode,
    /// The registry path passed to `DriverEntry` (kept alive).
    pub _registry_path: OwnedUnicode,
    /// Loaded and not yet unloaded.
    pub loaded: bool,
    /// The buffer of `DriverExtension->ServiceKeyName` (kept alive).
    pub _service_buffer: Block,
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
}

/// A symbolic link.
#[derive(Debug, Clone)]
pub struct SymbolicLink {
    /// As created (e.g. `\DosDevices\HandleGuard`).
    pub name: String,
    /// What it points to (e.g. `\Device\HandleGuard`).
    pub target: String,
    /// Created by the driver.
    pub by_driver: bool,
}

/// What an IRP is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrpKind {
    /// `IRP_MJ_CREATE`.
    Create,
    /// `IRP_MJ_CLEANUP`.
    Cleanup,
    /// `IRP_MJ_CLOSE`.
    Close,
    /// `IRP_MJ_DEVICE_CONTROL`.
    DeviceControl,
}

/// An IRP the I/O manager issued and has not finished.
#[derive(Debug)]
pub struct IrpRecord {
    /// Id visible to tests (addresses get reused, ids do not).
    pub id: u64,
    /// `IRP` + stack locations.
    pub block: Block,
    /// What it is.
    pub kind: IrpKind,
    /// Target device.
    pub device: usize,
    /// Its current stack location (`IoGetCurrentIrpStackLocation` during dispatch).
    pub stack: usize,
    /// Its file object.
    pub file: usize,
    /// The IRP holds a reference on `file` (dropped when it is finished).
    pub holds_file_reference: bool,
    /// Requesting thread (`Tail.Overlay.Thread`).
    pub thread: usize,
    /// METHOD_BUFFERED system buffer.
    pub system_buffer: Option<Block>,
    /// The caller's own input and output buffers ("user memory").
    pub user_buffers: Vec<Block>,
    /// The caller's output buffer length.
    pub output_len: usize,
    /// Transfer type (`code & 3`).
    pub method: u32,
    /// The dispatch routine has returned.
    pub dispatch_returned: bool,
    /// Completed with (status, information).
    pub completed: Option<(nt::NTSTATUS, u64)>,
}

/// The outcome of a finished IRP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrpResult {
    /// `IoStatus.Status`.
    pub status: nt::NTSTATUS,
    /// `IoStatus.Information`.
    pub information: u64,
    /// Bytes copied back to the caller's output buffer.
    pub output: Vec<u8>,
}

/// Where a path leads.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A device, with the rest of the path (`FileObject->FileName`).
    Device { device: usize, remainder: String },
    /// A file of the file namespace (its key).
    Disk(String),
}

/// The I/O manager's state.
#[derive(Debug, Default)]
pub struct Io {
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
    /// Results of finished IRPs by id, until a test takes them.
    pub results: HashMap<u64, IrpResult>,
    /// Finished IRP memory, poisoned and kept so a stale pointer is recognised.
    pub retired: Vec<Block>,
    /// Next IRP id.
    pub next_irp: u64,
}

/// `\DosDevices\X` and `\GLOBAL??\X` are `\??\X`.
pub fn normalize_link(name: &str) -> String {
    let lower = key(name);
    for prefix in ["\\dosdevices\\", "\\global??\\"] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return format!("\\??\\{rest}");
        }
    }
    lower
}

/// A Win32 path (`\\.\X`, `\\?\X`) as an NT path (`\??\X`); NT paths unchanged.
pub fn nt_path(path: &str) -> String {
    for prefix in ["\\\\.\\", "\\\\?\\"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return format!("\\??\\{rest}");
        }
    }
    path.to_owned()
}

fn round_up(size: usize) -> usize {
    size.div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN
}

impl Io {
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

    fn free_device(&mut self, device: usize) {
        if let Some(record) = self.devices.remove(&device) {
            record.block.poison(0xDE);
            self.retired.push(record.block);
        }
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

impl State {
    /// `IoCreateDevice` on the state: builds the `DEVICE_OBJECT` and links it first in the
    /// driver's list.
    pub fn create_device(
        &mut self,
        driver: usize,
        extension_size: u32,
        name: Option<String>,
        device_type: u32,
        characteristics: u32,
        exclusive: bool,
    ) -> Result<usize, nt::NTSTATUS> {
        let Some(record) = self.io.drivers.get(&driver) else {
            return Err(nt::STATUS_INVALID_PARAMETER);
        };
        if let Some(name) = &name
            && self.io.device_names.contains_key(&key(name))
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
        crate::ke::init_event_at(
            block.addr() + std::mem::offset_of!(nt::DEVICE_OBJECT, DeviceLock),
            crate::consts::EVENT_SYNCHRONIZATION_OBJECT,
            true,
        );
        // SAFETY: the driver block holds a DRIVER_OBJECT (see above).
        unsafe { (*driver_object).DeviceObject = pointer };
        let addr = block.addr();
        if let Some(name) = &name {
            self.io.device_names.insert(key(name), addr);
        }
        self.io.devices.insert(
            addr,
            DeviceRecord {
                block,
                name,
                driver,
                open_files: 0,
                deleted: false,
                exclusive,
            },
        );
        Ok(addr)
    }

    /// `IoDeleteDevice` on the state: unlinks it and its name; freed when no file object
    /// refers to it any more. `false` if `device` is not a live device.
    pub fn delete_device(&mut self, device: usize) -> bool {
        let Some(record) = self
            .io
            .devices
            .get_mut(&device)
            .filter(|record| !record.deleted)
        else {
            return false;
        };
        record.deleted = true;
        if let Some(name) = &record.name {
            self.io.device_names.remove(&key(name));
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
            .io
            .devices
            .get(&device)
            .is_some_and(|record| record.open_files == 0);
        if free_now {
            self.io.free_device(device);
        }
        true
    }

    /// `IoCreateSymbolicLink` on the state.
    pub fn create_link(
        &mut self,
        name: &str,
        target: &str,
        by_driver: bool,
    ) -> Result<(), nt::NTSTATUS> {
        let normalized = normalize_link(name);
        if self.io.links.contains_key(&normalized) {
            return Err(nt::STATUS_OBJECT_NAME_COLLISION);
        }
        self.io.links.insert(
            normalized,
            SymbolicLink {
                name: name.to_owned(),
                target: target.to_owned(),
                by_driver,
            },
        );
        Ok(())
    }

    /// `IoDeleteSymbolicLink` on the state.
    pub fn delete_link(&mut self, name: &str) -> Result<(), nt::NTSTATUS> {
        self.io
            .links
            .remove(&normalize_link(name))
            .map(|_| ())
            .ok_or(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    }

    /// Resolves an NT or Win32 path through symbolic links to a device or a file.
    pub fn resolve(&self, path: &str) -> Result<Resolved, nt::NTSTATUS> {
        let mut path = nt_path(path);
        let lower = normalize_link(&path);
        if self.files.contains(&lower) {
            return Ok(Resolved::Disk(lower));
        }
        if let Some(rest) = lower.strip_prefix("\\??\\") {
            let (link, tail_len) = match rest.find('\\') {
                Some(split) => (&rest[..split], rest.len() - split),
                None => (rest, 0),
            };
            let Some(found) = self.io.links.get(&format!("\\??\\{link}")) else {
                return Err(nt::STATUS_OBJECT_NAME_NOT_FOUND);
            };
            let tail = &path[path.len() - tail_len..];
            path = format!("{}{tail}", found.target);
            let lower = key(&path);
            if self.files.contains(&lower) {
                return Ok(Resolved::Disk(lower));
            }
        }
        let lower = key(&path);
        let mut best: Option<(usize, usize)> = None;
        for (name, device) in &self.io.device_names {
            let matches = lower == *name
                || (lower.starts_with(name.as_str()) && lower[name.len()..].starts_with('\\'));
            if matches && best.is_none_or(|(length, _)| name.len() > length) {
                best = Some((name.len(), *device));
            }
        }
        match best {
            Some((length, device)) => Ok(Resolved::Device {
                device,
                remainder: path[length..].to_owned(),
            }),
            None => Err(nt::STATUS_OBJECT_NAME_NOT_FOUND),
        }
    }

    /// Allocates an IRP for `device` with its current stack location filled from `stack`,
    /// and records it. Returns its address.
    pub fn allocate_irp(
        &mut self,
        kind: IrpKind,
        device: usize,
        file: usize,
        thread: usize,
        mode: i8,
        mut stack: nt::IO_STACK_LOCATION,
    ) -> usize {
        let device_object = device as *mut nt::DEVICE_OBJECT;
        // SAFETY: callers pass a live device block, which holds a DEVICE_OBJECT.
        let stack_size = unsafe { (*device_object).StackSize }.max(1);
        let count = usize::try_from(stack_size).unwrap_or(1);
        let size = size_of::<nt::IRP>() + count * size_of::<nt::IO_STACK_LOCATION>();
        let block = Block::zeroed(size);
        let irp_pointer = block.as_ptr::<nt::IRP>();
        // The current location during dispatch is the last one (IoCallDriver has decremented).
        let current = (block.addr()
            + size_of::<nt::IRP>()
            + (count - 1) * size_of::<nt::IO_STACK_LOCATION>())
            as *mut nt::IO_STACK_LOCATION;
        stack.DeviceObject = device_object;
        stack.FileObject = file as nt::PFILE_OBJECT;
        let overlay = nt::_IRP__bindgen_ty_3__bindgen_ty_1 {
            Thread: thread as nt::PETHREAD,
            OriginalFileObject: file as nt::PFILE_OBJECT,
            __bindgen_anon_2: nt::_IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2 {
                ListEntry: nt::LIST_ENTRY::default(),
                __bindgen_anon_1:
                    nt::_IRP__bindgen_ty_3__bindgen_ty_1__bindgen_ty_2__bindgen_ty_1 {
                        CurrentStackLocation: current,
                    },
            },
            ..Default::default()
        };
        let irp = nt::IRP {
            Type: IO_TYPE_IRP,
            Size: u16::try_from(size).unwrap_or(u16::MAX),
            RequestorMode: mode,
            StackCount: stack_size,
            CurrentLocation: stack_size,
            Tail: nt::_IRP__bindgen_ty_3 { Overlay: overlay },
            ..Default::default()
        };
        // SAFETY: a fresh block big enough for the IRP, 16-aligned.
        unsafe { irp_pointer.write(irp) };
        // SAFETY: `current` is inside the block, after the IRP, aligned for a stack location.
        unsafe { current.write(stack) };
        let addr = block.addr();
        let id = self.io.next_irp;
        self.io.next_irp += 1;
        self.io.irps.insert(
            addr,
            IrpRecord {
                id,
                block,
                kind,
                device,
                stack: current as usize,
                file,
                holds_file_reference: false,
                thread,
                system_buffer: None,
                user_buffers: Vec::new(),
                output_len: 0,
                method: 0,
                dispatch_returned: false,
                completed: None,
            },
        );
        addr
    }

    /// Retires a finished IRP's memory.
    pub fn retire_irp(&mut self, irp: usize) -> Option<IrpRecord> {
        let mut record = self.io.irps.remove(&irp)?;
        let block = std::mem::replace(&mut record.block, Block::zeroed(0));
        block.poison(0xDB);
        self.io.retired.push(block);
        Some(record)
    }
}
