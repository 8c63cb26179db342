//! The object manager's side table: one header per object body (type, logical references,
//! handle count, security, what the body is), plus creating / looking up / closing handles and
//! taking / dropping references.
//!
//! References are logical: `refs` counts pointer references (the driver's, IRPs', the model's
//! own), `handles` counts handle-table entries; an object is deleted when both are zero. The
//! raw `PointerCount` of Windows (biased per handle since Windows 8) is deliberately not
//! modelled.
use crate::block::Block;
use crate::consts::{
    CURRENT_PROCESS, CURRENT_THREAD, ENTRY_ATTRIBUTES, KERNEL_HANDLE_FLAG, KERNEL_MODE,
    OBJ_PROTECT_CLOSE,
};
use crate::handle_table::HandleEntry;
use crate::kernel::{Deferred, State};
use crate::object_type::ObjectKind;
use nt_bindings as nt;

/// Who may do what to an object (a much reduced security descriptor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Security {
    /// The owner: full access.
    pub owner: String,
    /// Users (or "*" for everyone) granted `read_access`.
    pub readers: Vec<String>,
    /// What readers get.
    pub read_access: u32,
}

impl Security {
    /// Only `owner` (and SYSTEM) may access the object.
    pub fn owned_by(owner: &str) -> Self {
        Self {
            owner: owner.to_owned(),
            readers: Vec::new(),
            read_access: 0,
        }
    }

    /// The rights `user` can be granted.
    pub fn allowed(&self, kind: ObjectKind, user: &str) -> u32 {
        if user.eq_ignore_ascii_case("SYSTEM") || user.eq_ignore_ascii_case(&self.owner) {
            kind.all_access()
        } else if self
            .readers
            .iter()
            .any(|reader| reader == "*" || reader.eq_ignore_ascii_case(user))
        {
            self.read_access
        } else {
            0
        }
    }
}

/// `SeAccessCheck` for `user` against `security`; `desired` is already generic-mapped.
/// No security descriptor means every access is granted (unnamed objects of types that do
/// not require security, such as events).
pub fn access_check(
    kind: ObjectKind,
    security: Option<&Security>,
    user: &str,
    desired: u32,
) -> Result<u32, nt::NTSTATUS> {
    let allowed = security.map_or_else(
        || kind.all_access(),
        |security| security.allowed(kind, user),
    );
    let wanted = desired & !nt::MAXIMUM_ALLOWED;
    if wanted & !allowed != 0 {
        return Err(nt::STATUS_ACCESS_DENIED);
    }
    if desired & nt::MAXIMUM_ALLOWED != 0 {
        if allowed == 0 {
            return Err(nt::STATUS_ACCESS_DENIED);
        }
        return Ok(allowed | wanted);
    }
    Ok(wanted)
}

/// The access a handle gets when no check is made (kernel mode without
/// `OBJ_FORCE_ACCESS_CHECK`): what was asked for, `MAXIMUM_ALLOWED` meaning everything.
pub fn grant_unchecked(kind: ObjectKind, desired: u32) -> u32 {
    if desired & nt::MAXIMUM_ALLOWED != 0 {
        kind.all_access() | (desired & !nt::MAXIMUM_ALLOWED)
    } else {
        desired
    }
}

/// What an object is, beyond its body block.
#[derive(Debug)]
pub enum Extra {
    /// Nothing more (process, thread, event).
    None,
    /// A file object.
    File(FileExtra),
    /// A registry key: its full path.
    Key(String),
}

/// What a file object is opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    /// A device (`DEVICE_OBJECT` address).
    Device(usize),
    /// A file of the model's file namespace (its normalised path).
    Disk(String),
}

/// File-object state beyond the `FILE_OBJECT`.
#[derive(Debug)]
pub struct FileExtra {
    /// What it is opened on.
    pub target: FileTarget,
    /// The UTF-16 buffer `FileObject->FileName` points to (kept alive).
    pub _name: Option<Block>,
    /// `IRP_MJ_CREATE` succeeded: the last reference sends `IRP_MJ_CLOSE`.
    pub opened: bool,
    /// `IRP_MJ_CLEANUP` has been sent.
    pub cleanup_sent: bool,
}

/// One object's header.
#[derive(Debug)]
pub struct ObjectHeader {
    /// Its type.
    pub kind: ObjectKind,
    /// Logical pointer references.
    pub refs: u64,
    /// Open handles in all tables.
    pub handles: u32,
    /// References taken minus dropped through the exported routines (the driver's share).
    pub driver_refs: i64,
    /// Security, `None` for "anyone".
    pub security: Option<Security>,
    /// The body: what the object pointer points to.
    pub body: Block,
    /// Type-specific state.
    pub extra: Extra,
    /// Lives as long as the kernel (processes, threads).
    pub permanent: bool,
    /// Its last reference is gone and its close is under way.
    pub deleting: bool,
}

/// Result of closing a handle.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    /// Nothing else to do (or the remaining work was deferred).
    Done,
    /// The last handle of a device file object: send `IRP_MJ_CLEANUP`, then drop the
    /// temporary reference taken for it with [`State::drop_reference`].
    NeedsCleanup(usize),
}

/// Whether a handle value carries the kernel-handle bit (and is not a pseudo-handle).
pub fn is_kernel_handle(value: u64) -> bool {
    value & KERNEL_HANDLE_FLAG == KERNEL_HANDLE_FLAG
        && value != CURRENT_PROCESS
        && value != CURRENT_THREAD
}

impl State {
    /// Adds an object with no references and no handles; returns its body address.
    pub fn insert_object(
        &mut self,
        kind: ObjectKind,
        body: Block,
        extra: Extra,
        security: Option<Security>,
        permanent: bool,
    ) -> usize {
        let addr = body.addr();
        self.graveyard.remove(&addr);
        self.objects.insert(
            addr,
            ObjectHeader {
                kind,
                refs: 0,
                handles: 0,
                driver_refs: 0,
                security,
                body,
                extra,
                permanent,
                deleting: false,
            },
        );
        addr
    }

    /// The live object at `addr`.
    pub fn object(&self, addr: usize) -> Option<&ObjectHeader> {
        self.objects.get(&addr).filter(|header| !header.deleting)
    }

    /// Inserts a handle to `object` in `process`'s table (or the kernel table); returns its
    /// value (with the kernel bit for kernel handles).
    pub fn create_handle(
        &mut self,
        process: usize,
        object: usize,
        granted: u32,
        attributes: u32,
        kernel: bool,
        by_driver: bool,
    ) -> u64 {
        let owner = if kernel { self.system_process } else { process };
        let mut attributes = attributes & ENTRY_ATTRIBUTES;
        if kernel {
            attributes &= !nt::OBJ_INHERIT;
        }
        let Some(table) = self.processes.get_mut(&owner) else {
            return 0;
        };
        let value = table.handles.insert(HandleEntry {
            object,
            granted,
            attributes,
            by_driver,
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
        let entry = self.processes.get(&owner)?.handles.get(raw)?;
        self.object(entry.object)?;
        Some(entry.clone())
    }

    /// Takes a reference; returns the new count, `None` if `addr` is not a live object.
    pub fn add_reference(&mut self, addr: usize, by_driver: bool) -> Option<u64> {
        let header = self
            .objects
            .get_mut(&addr)
            .filter(|header| !header.deleting)?;
        header.refs += 1;
        if by_driver {
            header.driver_refs += 1;
        }
        Some(header.refs)
    }

    /// Drops a reference. `Err` if `addr` is not a live object or has no reference to drop.
    /// A device file object losing its last reference needs `IRP_MJ_CLOSE`: that is returned
    /// for the caller to run (or queue), everything else is freed here.
    pub fn drop_reference(
        &mut self,
        addr: usize,
        by_driver: bool,
    ) -> Result<(u64, Option<Deferred>), ()> {
        let header = self
            .objects
            .get_mut(&addr)
            .filter(|header| !header.deleting)
            .ok_or(())?;
        if header.refs == 0 {
            return Err(());
        }
        header.refs -= 1;
        if by_driver {
            header.driver_refs -= 1;
        }
        let left = header.refs;
        Ok((left, self.release_if_unused(addr)))
    }

    /// Deletes the object if nothing refers to it any more (see [`State::drop_reference`]).
    pub fn release_if_unused(&mut self, addr: usize) -> Option<Deferred> {
        let header = self.objects.get_mut(&addr)?;
        if header.refs != 0 || header.handles != 0 || header.permanent || header.deleting {
            return None;
        }
        if let Extra::File(file) = &header.extra
            && file.opened
            && matches!(file.target, FileTarget::Device(_))
        {
            header.deleting = true;
            return Some(Deferred::Close(addr));
        }
        self.delete_object(addr);
        None
    }

    /// Removes an object for good: its body is poisoned and kept in the graveyard, so a
    /// stale pointer the driver still uses is recognised.
    pub fn delete_object(&mut self, addr: usize) {
        let Some(header) = self.objects.remove(&addr) else {
            return;
        };
        if let Extra::File(file) = &header.extra
            && let FileTarget::Device(device) = file.target
        {
            self.io.file_closed(device);
        }
        header.body.poison(0xDD);
        self.graveyard.insert(addr, header.body);
    }

    /// Closes a handle of `process` as a caller in `mode` would (`NtClose` semantics without
    /// the verifier): INVALID_HANDLE for NULL, pseudo-handles and unknown values,
    /// HANDLE_NOT_CLOSABLE for `OBJ_PROTECT_CLOSE`.
    pub fn close_handle(
        &mut self,
        process: usize,
        value: u64,
        mode: i8,
    ) -> Result<Closed, nt::NTSTATUS> {
        if value == 0 || value == CURRENT_PROCESS || value == CURRENT_THREAD {
            return Err(nt::STATUS_INVALID_HANDLE);
        }
        let (owner, raw) = self.table_of(process, value, mode);
        let table = &mut self
            .processes
            .get_mut(&owner)
            .ok_or(nt::STATUS_INVALID_HANDLE)?
            .handles;
        let entry = table.get(raw).ok_or(nt::STATUS_INVALID_HANDLE)?;
        if entry.attributes & OBJ_PROTECT_CLOSE != 0 {
            return Err(crate::consts::STATUS_HANDLE_NOT_CLOSABLE);
        }
        let entry = table.remove(raw).ok_or(nt::STATUS_INVALID_HANDLE)?;
        let object = entry.object;
        let header = self
            .objects
            .get_mut(&object)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        header.handles = header.handles.saturating_sub(1);
        if header.handles == 0
            && let Extra::File(file) = &mut header.extra
            && file.opened
            && !file.cleanup_sent
            && matches!(file.target, FileTarget::Device(_))
        {
            file.cleanup_sent = true;
            header.refs += 1;
            return Ok(Closed::NeedsCleanup(object));
        }
        if let Some(deferred) = self.release_if_unused(object) {
            self.deferred.push_back(deferred);
        }
        Ok(Closed::Done)
    }

    /// Whether `value` names an entry of `process`'s table as `mode` would see it.
    pub fn handle_exists(&self, process: usize, value: u64, mode: i8) -> bool {
        self.lookup_handle(process, value, mode).is_some()
    }
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

impl State {
    /// `ObReferenceObjectByHandle` without the verifier, in NT's check order: pseudo-handle,
    /// kernel-handle bit (only from kernel mode), table lookup, type, access (only for user
    /// mode). Takes one reference on success.
    #[allow(
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
        by_driver: bool,
    ) -> Result<Referenced, nt::NTSTATUS> {
        if value == 0 {
            return Err(nt::STATUS_INVALID_HANDLE);
        }
        let pseudo = match value {
            CURRENT_PROCESS => Some((
                ObjectKind::Process,
                process,
                crate::process::CURRENT_PROCESS_ACCESS,
            )),
            CURRENT_THREAD => Some((
                ObjectKind::Thread,
                thread,
                crate::process::CURRENT_THREAD_ACCESS,
            )),
            _ => None,
        };
        if let Some((pseudo_kind, object, granted)) = pseudo {
            if kind.is_some_and(|kind| kind != pseudo_kind) {
                return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
            }
            if mode != KERNEL_MODE && desired & !granted != 0 {
                return Err(nt::STATUS_ACCESS_DENIED);
            }
            self.add_reference(object, by_driver)
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
        let header = self.object(entry.object).ok_or(nt::STATUS_INVALID_HANDLE)?;
        if kind.is_some_and(|kind| kind != header.kind) {
            return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
        }
        if mode != KERNEL_MODE && desired & !entry.granted != 0 {
            return Err(nt::STATUS_ACCESS_DENIED);
        }
        self.add_reference(entry.object, by_driver)
            .ok_or(nt::STATUS_INVALID_HANDLE)?;
        Ok(Referenced {
            object: entry.object,
            granted: entry.granted,
            attributes: entry.attributes,
        })
    }
}
