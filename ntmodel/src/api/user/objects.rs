//! Opening the other kinds of object a program can hold a handle to: processes and threads by
//! id (`NtOpenProcess`, `NtOpenThread`), registry keys (`NtOpenKey`), symbolic links
//! (`NtOpenSymbolicLinkObject`), object directories (`NtOpenDirectoryObject`), and creating
//! pagefile-backed sections (`NtCreateSection`).
use super::Process;
use super::handles::{insert_with_handle, open_existing};
use crate::block::Block;
use crate::consts::{STATUS_INVALID_CID, STATUS_INVALID_PARAMETER_4};
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use nt_bindings as nt;

/// Size of the opaque section and key bodies.
const BODY_SIZE: usize = 64;

impl Process {
    /// `NtOpenProcess` of the process with id `pid`: `access` (generic rights mapped) is
    /// checked against that process's security (its user and SYSTEM have full access).
    ///
    /// # Errors
    /// `STATUS_INVALID_CID` for an unknown id, `STATUS_ACCESS_DENIED`.
    pub fn open_process(&self, access: u32, pid: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtOpenProcess", |_, context| {
            let mut state = context.machine.lock();
            let process = state.ps.find_process(pid).ok_or(STATUS_INVALID_CID)?;
            open_existing(&mut state, context, process, access)
        })
    }

    /// `NtOpenThread` of the thread with id `tid`, checked as [`Process::open_process`].
    ///
    /// # Errors
    /// `STATUS_INVALID_CID` for an unknown id, `STATUS_ACCESS_DENIED`.
    pub fn open_thread(&self, access: u32, tid: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtOpenThread", |_, context| {
            let mut state = context.machine.lock();
            let thread = state.ps.find_thread(tid).ok_or(STATUS_INVALID_CID)?;
            open_existing(&mut state, context, thread, access)
        })
    }

    /// `NtOpenKey` of an existing key by full name (`\Registry\Machine\...`); keys have no
    /// security descriptor in the model.
    ///
    /// # Errors
    /// `STATUS_OBJECT_NAME_NOT_FOUND`.
    pub fn open_key(&self, path: &str, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtOpenKey", |_, context| {
            let mut state = context.machine.lock();
            if !state.registry.key_exists(path) {
                return Err(nt::STATUS_OBJECT_NAME_NOT_FOUND);
            }
            Ok(insert_with_handle(
                &mut state,
                context,
                ObjectKind::Key,
                Block::zeroed(BODY_SIZE),
                Extra::Key(path.to_owned()),
                access,
            ))
        })
    }

    /// `NtOpenSymbolicLinkObject` of a link (`\??\X`, `\GLOBAL??\X`, `\DosDevices\X`).
    ///
    /// # Errors
    /// `STATUS_OBJECT_NAME_NOT_FOUND`, `STATUS_ACCESS_DENIED`.
    pub fn open_symbolic_link(&self, path: &str, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtOpenSymbolicLinkObject", |_, context| {
            let mut state = context.machine.lock();
            let link = state.named_object(ObjectKind::SymbolicLink, path)?;
            open_existing(&mut state, context, link, access)
        })
    }

    /// `NtOpenDirectoryObject` of an object directory (`\`, `\Device`, `\Driver`, `\??`,
    /// `\BaseNamedObjects`, `\KernelObjects`, `\ObjectTypes`).
    ///
    /// # Errors
    /// `STATUS_OBJECT_NAME_NOT_FOUND`, `STATUS_ACCESS_DENIED`.
    pub fn open_directory(&self, path: &str, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtOpenDirectoryObject", |_, context| {
            let mut state = context.machine.lock();
            let directory = state.named_object(ObjectKind::Directory, path)?;
            open_existing(&mut state, context, directory, access)
        })
    }

    /// `NtCreateSection` (unnamed, pagefile-backed) of `size` bytes: the handle, with
    /// `access` (generic rights mapped).
    ///
    /// # Errors
    /// `STATUS_INVALID_PARAMETER_4` for a size of 0.
    pub fn create_section(&self, access: u32, size: u64) -> Result<u64, nt::NTSTATUS> {
        self.call("NtCreateSection", |inner, context| {
            if size == 0 {
                return Err(STATUS_INVALID_PARAMETER_4);
            }
            let mut state = inner.lock();
            Ok(insert_with_handle(
                &mut state,
                context,
                ObjectKind::Section,
                Block::zeroed(BODY_SIZE),
                Extra::Section,
                access,
            ))
        })
    }
}
