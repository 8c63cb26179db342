//! Events from user mode: `NtCreateEvent`, `NtSetEvent`, `NtResetEvent`.
use super::handles::{insert_with_handle, object_of};
use super::{EventKind, Process};
use crate::block::Block;
use crate::consts::{EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT};
use crate::dispatcher::objects::init_event_at;
use crate::fields;
use crate::machine::context::Context;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use nt_bindings as nt;
use std::sync::atomic::Ordering;

/// The event a user handle names, checked as `NtSetEvent` & co. check it (`UserMode`).
fn event_of(context: &Context, handle: u64, access: u32) -> Result<usize, nt::NTSTATUS> {
    let mut state = context.machine.lock();
    object_of(&mut state, context, handle, access, Some(ObjectKind::Event)).map(|(event, _)| event)
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
            insert_with_handle(
                &mut state,
                context,
                ObjectKind::Event,
                block,
                Extra::None,
                access,
            )
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
}
