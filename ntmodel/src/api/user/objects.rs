//! Objects and handles from user mode: creating events, setting, resetting and waiting on
//! them, duplicating and closing handles, the pseudo-handles, and process exit.
use super::{EventKind, PendingIrp, Process};
use crate::block::Block;
use crate::consts::{
    CURRENT_PROCESS, CURRENT_THREAD, EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT,
    USER_MODE,
};
use crate::dispatcher::objects::init_event_at;
use crate::fields;
use crate::machine::context::Context;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::requests;
use crate::security::{access_check, grant_unchecked};
use nt_bindings as nt;
use std::sync::atomic::Ordering;

/// The event a user handle names, checked as `NtSetEvent` & co. check it (`UserMode`).
fn event_of(context: &Context, handle: u64, access: u32) -> Result<usize, nt::NTSTATUS> {
    let mut state = context.machine.lock();
    let referenced = state.ob.reference_by_handle(
        context.process,
        context.thread,
        handle,
        access,
        Some(ObjectKind::Event),
        USER_MODE,
        false,
    )?;
    // Drop the reference at once: the event stays alive through the handle.
    let _ = state.drop_reference(referenced.object, false);
    Ok(referenced.object)
}

impl Process {
    /// `NtCreateEvent` (unnamed): returns the handle, with `access` (generic rights mapped).
    #[must_use]
    pub fn create_event(&self, access: u32, kind: EventKind, initial: bool) -> u64 {
        self.call("NtCreateEvent", |inner, context| {
            let block = Block::zeroed(size_of::<nt::KEVENT>());
            let type_code = match kind {
                EventKind::Notification => EVENT_NOTIFICATION_OBJECT,
                EventKind::Synchronization => EVENT_SYNCHRONIZATION_OBJECT,
            };
            init_event_at(block.addr(), type_code, initial);
            let mut state = inner.lock();
            let object = state
                .ob
                .insert(ObjectKind::Event, block, Extra::None, None, false);
            let granted = grant_unchecked(ObjectKind::Event, ObjectKind::Event.map_generic(access));
            state
                .ob
                .create_handle(context.process, object, granted, 0, false, false)
        })
    }

    /// `NtClose` from user mode.
    #[must_use]
    pub fn close(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtClose", |_, context| {
            requests::close_handle(context, "NtClose", handle, USER_MODE)
        })
    }

    /// `NtSetEvent`: needs `EVENT_MODIFY_STATE`.
    #[must_use]
    pub fn set_event(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtSetEvent", |_, context| {
            match event_of(context, handle, nt::EVENT_MODIFY_STATE) {
                Ok(event) => {
                    // SAFETY: a live event object's body is a KEVENT; the handle keeps it alive.
                    unsafe { fields::signal_state(event) }.store(1, Ordering::Release);
                    nt::STATUS_SUCCESS
                }
                Err(status) => status,
            }
        })
    }

    /// `NtResetEvent`: needs `EVENT_MODIFY_STATE`.
    #[must_use]
    pub fn reset_event(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtResetEvent", |_, context| {
            match event_of(context, handle, nt::EVENT_MODIFY_STATE) {
                Ok(event) => {
                    // SAFETY: as in set_event.
                    unsafe { fields::signal_state(event) }.store(0, Ordering::Release);
                    nt::STATUS_SUCCESS
                }
                Err(status) => status,
            }
        })
    }

    /// `WaitForSingleObject(handle, 0)`: needs `SYNCHRONIZE`; `Ok(true)` if signaled (a
    /// synchronization event is then reset).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`.
    pub fn wait(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("NtWaitForSingleObject", |_, context| {
            let event = event_of(context, handle, nt::SYNCHRONIZE)?;
            // SAFETY: as in set_event.
            let state = unsafe { fields::signal_state(event) };
            let event_type = {
                let pointer = event as *const u8;
                // SAFETY: DISPATCHER_HEADER.Type is the first byte of a live KEVENT.
                unsafe { pointer.read() }
            };
            if event_type == crate::consts::EVENT_SYNCHRONIZATION_OBJECT {
                Ok(state.swap(0, Ordering::AcqRel) != 0)
            } else {
                Ok(state.load(Ordering::Acquire) != 0)
            }
        })
    }

    /// Whether the event `handle` names is signaled: an observer for tests, no access needed
    /// (the handle must still be a valid event handle of this process).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE` or `STATUS_OBJECT_TYPE_MISMATCH`.
    pub fn is_signaled(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("is_signaled", |_, context| {
            let event = event_of(context, handle, 0)?;
            // SAFETY: as in set_event.
            Ok(unsafe { fields::signal_state(event) }.load(Ordering::Acquire) != 0)
        })
    }

    /// `NtDuplicateObject` within this process with `access` (generic rights mapped). As on
    /// Windows, the new access is checked against the object's security, not the source
    /// handle's access.
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
            let granted = access_check(
                kind,
                header.security.as_ref(),
                &user,
                kind.map_generic(access),
            )?;
            Ok(state
                .ob
                .create_handle(context.process, entry.object, granted, 0, false, false))
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
                false,
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

    /// Process exit: cancels the pending I/O of its threads, then closes every handle.
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
            let _ = self.cancel(&PendingIrp {
                kernel: self.kernel.clone(),
                id,
            });
        }
        for handle in self.handles() {
            let _ = self.close(handle);
        }
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
