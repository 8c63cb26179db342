//! Handles: creating them in a process's table or the kernel table, looking them up as a
//! caller in a given previous mode would, closing them, and `ObReferenceObjectByHandle`'s
//! check order.
use super::ObjectManager;
use super::handle_table::HandleEntry;
use crate::consts::{
    CURRENT_PROCESS, CURRENT_PROCESS_ACCESS, CURRENT_THREAD, CURRENT_THREAD_ACCESS,
    ENTRY_ATTRIBUTES, KERNEL_HANDLE_FLAG, KERNEL_MODE, OBJ_PROTECT_CLOSE,
    STATUS_HANDLE_NOT_CLOSABLE,
};
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use nt_bindings as nt;

/// Whether a handle value carries the kernel-handle bit (and is not a pseudo-handle).
pub fn is_kernel_handle(value: u64) -> bool {
    value & KERNEL_HANDLE_FLAG == KERNEL_HANDLE_FLAG
        && value != CURRENT_PROCESS
        && value != CURRENT_THREAD
}

/// A handle just removed from its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedHandle {
    /// The object it named.
    pub object: usize,
    /// Handles to the object left in all tables.
    pub handles_left: u32,
}

/// A reference taken through a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Referenced {
    /// The object body.
    pub object: usize,
    /// The handle's granted access.
    pub granted: u32,
    /// The handle's attributes (as `HandleInformation` reports them).
    pub attributes: u32,
}

impl ObjectManager {
    /// Gives `process` an empty handle table.
    pub fn add_table(&mut self, process: usize) {
        self.tables.entry(process).or_default();
    }

    /// Values of `process`'s handles, ascending (kernel handles with the kernel bit when
    /// `process` is the System process and `kernel_bit` is set).
    pub fn handle_values(&self, process: usize, kernel_bit: bool) -> Vec<u64> {
        let flag = if kernel_bit { KERNEL_HANDLE_FLAG } else { 0 };
        self.tables.get(&process).map_or_else(Vec::new, |table| {
            table.iter().map(|(value, _)| value | flag).collect()
        })
    }

    /// Every entry of `process`'s handle table with its value, ascending.
    pub fn handles_of(&self, process: usize) -> Vec<(u64, HandleEntry)> {
        self.tables.get(&process).map_or_else(Vec::new, |table| {
            table
                .iter()
                .map(|(value, entry)| (value, entry.clone()))
                .collect()
        })
    }

    /// Every entry of the kernel handle table, with its value (kernel bit set).
    pub fn kernel_handles(&self) -> Vec<(u64, HandleEntry)> {
        self.tables
            .get(&self.system_process)
            .map_or_else(Vec::new, |table| {
                table
                    .iter()
                    .map(|(value, entry)| (value | KERNEL_HANDLE_FLAG, entry.clone()))
                    .collect()
            })
    }

    /// Inserts a handle to `object` in `process`'s table (or the kernel table); returns its
    /// value (with the kernel bit for kernel handles), 0 if the process has no table.
    pub fn create_handle(
        &mut self,
        process: usize,
        object: usize,
        granted: u32,
        attributes: u32,
        kernel: bool,
        origin: Origin,
    ) -> u64 {
        let owner = if kernel { self.system_process } else { process };
        let mut attributes = attributes & ENTRY_ATTRIBUTES;
        if kernel {
            attributes &= !nt::OBJ_INHERIT;
        }
        let Some(table) = self.tables.get_mut(&owner) else {
            return 0;
        };
        let value = table.insert(HandleEntry {
            object,
            granted,
            attributes,
            origin,
        });
        if let Some(header) = self.objects.get_mut(&object) {
            header.handles += 1;
        }
        if kernel {
            value | KERNEL_HANDLE_FLAG
        } else {
            value
        }
    }

    /// Which table and raw value `value` names for a caller in `process` with `mode`:
    /// kernel handles only reach the kernel table from kernel mode.
    pub fn table_of(&self, process: usize, value: u64, mode: i8) -> (usize, u64) {
        if mode == KERNEL_MODE && is_kernel_handle(value) {
            (self.system_process, value & !KERNEL_HANDLE_FLAG)
        } else {
            (process, value)
        }
    }

    /// Looks up a handle (no pseudo-handles, no verifier): the entry, or `None`.
    pub fn lookup_handle(&self, process: usize, value: u64, mode: i8) -> Option<HandleEntry> {
        if value == 0 {
            return None;
        }
        let (owner, raw) = self.table_of(process, value, mode);
        let entry = self.tables.get(&owner)?.get(raw)?;
        self.get(entry.object)?;
        Some(entry.clone())
    }

    /// Whether `value` names an entry of `process`'s table as `mode` would see it.
    pub fn handle_exists(&self, process: usize, value: u64, mode: i8) -> bool {
        self.lookup_handle(process, value, mode).is_some()
    }

    /// Removes a handle of `process` as a caller in `mode` would (`NtClose` without the
    /// verifier): INVALID_HANDLE for NULL, pseudo-handles and unknown values,
    /// HANDLE_NOT_CLOSABLE for `OBJ_PROTECT_CLOSE`.
    pub fn close_handle(
        &mut self,
        process: usize,
        value: u64,
        mode: i8,
    ) -> Result<ClosedHandle, nt::NTSTATUS> {
        if value == 0 || value == CURRENT_PROCESS || value == CURRENT_THREAD {
            return Err(nt::STATUS_INVALID_HANDLE);
        }
        let (owner, raw) = self.table_of(process, value, mode);
        let table = self
            .tables
            .get_mut(&owner)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        let entry = table.get(raw).ok_or(nt::STATUS_INVALID_HANDLE)?;
        if entry.attributes & OBJ_PROTECT_CLOSE != 0 {
            return Err(STATUS_HANDLE_NOT_CLOSABLE);
        }
        let entry = table.remove(raw).ok_or(nt::STATUS_INVALID_HANDLE)?;
        let header = self
            .objects
            .get_mut(&entry.object)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        header.handles = header.handles.saturating_sub(1);
        Ok(ClosedHandle {
            object: entry.object,
            handles_left: header.handles,
        })
    }

    /// `ObReferenceObjectByHandle` without the verifier, in NT's check order: pseudo-handle,
    /// kernel-handle bit (only from kernel mode), table lookup, type, access (only for user
    /// mode). Takes one reference on success.
    #[expect(
        clippy::too_many_arguments,
        reason = "ObReferenceObjectByHandle's own parameters plus the caller's process and thread"
    )]
    pub fn reference_by_handle(
        &mut self,
        process: usize,
        thread: usize,
        value: u64,
        desired: u32,
        kind: Option<ObjectKind>,
        mode: i8,
        origin: Origin,
    ) -> Result<Referenced, nt::NTSTATUS> {
        if value == 0 {
            return Err(nt::STATUS_INVALID_HANDLE);
        }
        let pseudo = match value {
            CURRENT_PROCESS => Some((ObjectKind::Process, process, CURRENT_PROCESS_ACCESS)),
            CURRENT_THREAD => Some((ObjectKind::Thread, thread, CURRENT_THREAD_ACCESS)),
            _ => None,
        };
        if let Some((pseudo_kind, object, granted)) = pseudo {
            if kind.is_some_and(|kind| kind != pseudo_kind) {
                return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
            }
            if mode != KERNEL_MODE && desired & !granted != 0 {
                return Err(nt::STATUS_ACCESS_DENIED);
            }
            self.add_reference(object, origin)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            return Ok(Referenced {
                object,
                granted,
                attributes: 0,
            });
        }
        let entry = self
            .lookup_handle(process, value, mode)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        let header = self.get(entry.object).ok_or(nt::STATUS_INVALID_HANDLE)?;
        if kind.is_some_and(|kind| kind != header.kind) {
            return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
        }
        if mode != KERNEL_MODE && desired & !entry.granted != 0 {
            return Err(nt::STATUS_ACCESS_DENIED);
        }
        self.add_reference(entry.object, origin)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        Ok(Referenced {
            object: entry.object,
            granted: entry.granted,
            attributes: entry.attributes,
        })
    }
}
