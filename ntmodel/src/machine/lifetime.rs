//! Where an object's lifetime crosses subsystems: a process is an object and a process
//! record; a file object opened on a device needs `IRP_MJ_CLEANUP` when its last handle goes
//! and `IRP_MJ_CLOSE` when its last reference goes, and its device counts it until it is
//! deleted.
use super::{Deferred, Subsystems};
use crate::block::Block;
use crate::consts::{PROCESS_OBJECT, THREAD_OBJECT};
use crate::dispatcher::objects::init_process_or_thread_at;
use crate::object_manager::{Extra, FileExtra, FileTarget};
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::security::Security;
use nt_bindings as nt;

/// Size of the opaque `EPROCESS` / `ETHREAD` bodies.
const BODY_SIZE: usize = 256;

/// Result of closing a handle.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    /// Nothing else to do (or the remaining work was deferred).
    Done,
    /// The last handle of a device file object: send `IRP_MJ_CLEANUP`, then drop the
    /// temporary reference taken for it with [`Subsystems::drop_reference`].
    NeedsCleanup(usize),
}

impl Subsystems {
    /// Creates a process with one thread; returns (`PEPROCESS`, `PETHREAD`).
    pub fn create_process(&mut self, name: &str, user: &str, wow64: bool) -> (usize, usize) {
        let body = Block::zeroed(BODY_SIZE);
        init_process_or_thread_at(body.addr(), PROCESS_OBJECT);
        let process = self.ob.insert(
            ObjectKind::Process,
            body,
            Extra::None,
            Some(Security::owned_by(user)),
            true,
        );
        self.ps.add_process(process, name, user, wow64);
        self.ob.add_table(process);
        let thread = self.create_thread(process);
        (process, thread)
    }

    /// Adds a thread to `process`.
    pub fn create_thread(&mut self, process: usize) -> usize {
        let user = self.ps.user_of(process);
        let body = Block::zeroed(BODY_SIZE);
        init_process_or_thread_at(body.addr(), THREAD_OBJECT);
        let thread = self.ob.insert(
            ObjectKind::Thread,
            body,
            Extra::None,
            Some(Security::owned_by(&user)),
            true,
        );
        self.ps.add_thread(process, thread);
        thread
    }

    /// Deletes the object if nothing refers to it any more. A device file object whose
    /// create succeeded needs `IRP_MJ_CLOSE` first: that is returned for the caller to run
    /// (or queue); anything else is freed here.
    pub fn release_if_unused(&mut self, addr: usize) -> Option<Deferred> {
        if !self.ob.is_unused(addr) {
            return None;
        }
        let needs_close = self
            .ob
            .get(addr)
            .and_then(|header| header.file())
            .and_then(FileExtra::opened_device)
            .is_some();
        if needs_close {
            self.ob.mark_deleting(addr);
            return Some(Deferred::Close(addr));
        }
        self.delete_object(addr);
        None
    }

    /// Drops a reference. `Err` if `addr` is not a live object or has no reference to drop.
    /// The close a device file object then needs is returned (see
    /// [`Subsystems::release_if_unused`]).
    pub fn drop_reference(
        &mut self,
        addr: usize,
        origin: Origin,
    ) -> Result<(u64, Option<Deferred>), ()> {
        let left = self.ob.drop_reference(addr, origin)?;
        Ok((left, self.release_if_unused(addr)))
    }

    /// Removes an object for good; a file object on a device stops counting against it, and
    /// a timer object is cancelled.
    pub fn delete_object(&mut self, addr: usize) {
        if self
            .ob
            .get_any(addr)
            .is_some_and(|header| header.kind == ObjectKind::Timer)
        {
            self.ke.cancel_timer(addr);
        }
        if let Some(Extra::File(file)) = self.ob.delete(addr)
            && let FileTarget::Device(device) = file.target
        {
            self.io.file_closed(device);
        }
    }

    /// Closes a handle of `process` as a caller in `mode` would (`NtClose` semantics without
    /// the verifier). The last handle of a device file object needs `IRP_MJ_CLEANUP`: a
    /// reference is taken for it and the caller sends it.
    pub fn close_handle(
        &mut self,
        process: usize,
        value: u64,
        mode: i8,
    ) -> Result<Closed, nt::NTSTATUS> {
        let closed = self.ob.close_handle(process, value, mode)?;
        let object = closed.object;
        if closed.handles_left == 0
            && let Some(header) = self.ob.get_any_mut(object)
            && let Extra::File(file) = &mut header.extra
            && file.opened_device().is_some()
            && !file.cleanup_sent
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
}
