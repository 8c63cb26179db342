//! Handles from user mode: closing and duplicating them, their granted access, the process's
//! table, the pseudo-handles and process exit; and the two steps every object call shares
//! (a new object with a handle, a handle referenced as `UserMode`).
use super::Process;
use crate::block::Block;
use crate::consts::{CURRENT_PROCESS, CURRENT_THREAD, USER_MODE};
use crate::dispatcher::waits::signal_ended;
use crate::machine::Subsystems;
use crate::machine::context::Context;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::requests;
use crate::security::{access_check, grant_unchecked};
use nt_bindings as nt;

/// A new unnamed object with no security descriptor (an `NtCreateXxx` with no name) and a
/// handle to it in the current process with `access` (generic rights mapped).
pub(super) fn insert_with_handle(
    state: &mut Subsystems,
    context: &Context,
    kind: ObjectKind,
    body: Block,
    extra: Extra,
    access: u32,
) -> u64 {
    let object = state.ob.insert(kind, body, extra, None, false);
    let granted = grant_unchecked(kind, kind.map_generic(access));
    state
        .ob
        .create_handle(context.process, object, granted, 0, false, Origin::Model)
}

/// A handle to the existing object `object` (an `NtOpenXxx`): `access` (generic rights
/// mapped) is checked against its security for the process's user.
pub(super) fn open_existing(
    state: &mut Subsystems,
    context: &Context,
    object: usize,
    access: u32,
) -> Result<u64, nt::NTSTATUS> {
    let header = state.ob.get(object).ok_or(nt::STATUS_INVALID_HANDLE)?;
    let kind = header.kind;
    let user = state.ps.user_of(context.process);
    let granted = access_check(
        kind,
        header.security.as_ref(),
        &user,
        kind.map_generic(access),
    )?;
    Ok(state
        .ob
        .create_handle(context.process, object, granted, 0, false, Origin::Model))
}

/// The object a handle of the current process names, checked as a system service checks it
/// (`UserMode`, `access`, `kind` unless `None`). No reference is kept: the handle keeps the
/// object alive for the rest of the call.
pub(super) fn object_of(
    state: &mut Subsystems,
    context: &Context,
    handle: u64,
    access: u32,
    kind: Option<ObjectKind>,
) -> Result<(usize, ObjectKind), nt::NTSTATUS> {
    let referenced = state.ob.reference_by_handle(
        context.process,
        context.thread,
        handle,
        access,
        kind,
        USER_MODE,
        Origin::Model,
    )?;
    let object_kind = state
        .ob
        .get(referenced.object)
        .map_or(ObjectKind::Event, |header| header.kind);
    let _ = state.drop_reference(referenced.object, Origin::Model);
    Ok((referenced.object, object_kind))
}

impl Process {
    /// `NtClose` from user mode.
    #[must_use]
    pub fn close(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtClose", |_, context| {
            requests::close_handle(context, "NtClose", handle, USER_MODE)
        })
    }

    /// `NtDuplicateObject` within this process with `access` (generic rights mapped). As on
    /// Windows, access beyond the source handle's is checked against the object's security,
    /// not refused for being beyond the handle: an object without a security descriptor gives
    /// it.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE` or `STATUS_ACCESS_DENIED`.
    pub fn duplicate(&self, handle: u64, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtDuplicateObject", |_, context| {
            let mut state = context.machine.lock();
            let entry = state
                .ob
                .lookup_handle(context.process, handle, USER_MODE)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            let header = state
                .ob
                .get(entry.object)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            let kind = header.kind;
            let user = state.ps.user_of(context.process);
            let wanted = kind.map_generic(access);
            // No more than the source handle has: no check. More: the object's security
            // descriptor decides (ReactOS ObDuplicateObject), and an object without one
            // grants anything.
            let granted = if wanted & !nt::MAXIMUM_ALLOWED & !entry.granted == 0
                && wanted & nt::MAXIMUM_ALLOWED == 0
            {
                wanted
            } else {
                access_check(kind, header.security.as_ref(), &user, wanted)?
            };
            Ok(state.ob.create_handle(
                context.process,
                entry.object,
                granted,
                0,
                false,
                Origin::Model,
            ))
        })
    }

    /// `NtDuplicateObject` with `DUPLICATE_SAME_ACCESS`.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`.
    pub fn duplicate_same_access(&self, handle: u64) -> Result<u64, nt::NTSTATUS> {
        self.call("NtDuplicateObject", |_, context| {
            let mut state = context.machine.lock();
            let entry = state
                .ob
                .lookup_handle(context.process, handle, USER_MODE)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            Ok(state.ob.create_handle(
                context.process,
                entry.object,
                entry.granted,
                entry.attributes,
                false,
                Origin::Model,
            ))
        })
    }

    /// The granted access of one of this process's handles, `None` if it is not one.
    #[must_use]
    pub fn granted_access(&self, handle: u64) -> Option<u32> {
        self.kernel
            .inner
            .lock()
            .ob
            .lookup_handle(self.eprocess, handle, USER_MODE)
            .map(|entry| entry.granted)
    }

    /// Handle values of this process's table, ascending.
    #[must_use]
    pub fn handles(&self) -> Vec<u64> {
        self.kernel
            .inner
            .lock()
            .ob
            .handle_values(self.eprocess, false)
    }

    /// Process exit: cancels the pending I/O of its threads, closes every handle, and the
    /// process and its threads become signaled.
    pub fn exit(&self) {
        let pending: Vec<u64> = {
            let state = self.kernel.inner.lock();
            let threads = state
                .ps
                .get(self.eprocess)
                .map(|process| process.threads.clone())
                .unwrap_or_default();
            state
                .io
                .irps
                .values()
                .filter(|irp| irp.completed.is_none() && threads.contains(&irp.thread))
                .map(|irp| irp.id)
                .collect()
        };
        for id in pending {
            let _ = self.call("CancelIoEx", |inner, _| requests::cancel(inner, id));
        }
        for handle in self.handles() {
            let _ = self.close(handle);
        }
        let state = self.kernel.inner.lock();
        for thread in state
            .ps
            .get(self.eprocess)
            .map(|process| process.threads.clone())
            .unwrap_or_default()
        {
            signal_ended(thread);
        }
        signal_ended(self.eprocess);
    }

    /// `NtCurrentProcess()`.
    #[must_use]
    pub fn current_process_handle() -> u64 {
        CURRENT_PROCESS
    }

    /// `NtCurrentThread()`.
    #[must_use]
    pub fn current_thread_handle() -> u64 {
        CURRENT_THREAD
    }
}
