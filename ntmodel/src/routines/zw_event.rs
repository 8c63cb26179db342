//! `ZwCreateEvent`: an unnamed event object and a handle to it, created with previous mode
//! `KernelMode` (no access check).
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::bad_parameter;
use super::zw::{check_private_handle, prologue};
use crate::block::Block;
use crate::consts::{EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT};
use crate::descriptor;
use crate::dispatcher::objects::init_event_at;
use crate::machine::context::Context;
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::security::grant_unchecked;
use crate::unicode::read_object_attributes;
use nt_bindings as nt;

/// `ZwCreateEvent`: an unnamed event object and a handle to it.
pub unsafe fn ZwCreateEvent(
    context: &Context,
    EventHandle: nt::PHANDLE,
    DesiredAccess: nt::ACCESS_MASK,
    ObjectAttributes: nt::POBJECT_ATTRIBUTES,
    EventType: nt::EVENT_TYPE,
    InitialState: nt::BOOLEAN,
) -> nt::NTSTATUS {
    if let Err(status) = prologue(context, "ZwCreateEvent") {
        return status;
    }
    if EventHandle.is_null() {
        bad_parameter(context, "ZwCreateEvent", "EventHandle is NULL");
        return nt::STATUS_INVALID_PARAMETER;
    }
    // SAFETY: the caller passes NULL or valid attributes.
    let (name, attributes, _) =
        unsafe { read_object_attributes(ObjectAttributes) }.unwrap_or((None, 0, 0));
    if name.is_some_and(|name| !name.is_empty()) {
        return nt::STATUS_NOT_SUPPORTED;
    }
    if let Err(status) = check_private_handle(context, "ZwCreateEvent", attributes) {
        return status;
    }
    // SAFETY: the caller passes NULL or valid attributes.
    let descriptor = unsafe { ObjectAttributes.as_ref() }
        .map_or(0, |attributes| attributes.SecurityDescriptor as usize);
    let security = if descriptor == 0 {
        None
    } else {
        // The kernel makes the creator's token the owner of a descriptor that names none.
        let owner = context.machine.lock().ps.user_of(context.process);
        // SAFETY: a kernel-mode caller's descriptor pointer, trusted as the kernel does.
        match unsafe { descriptor::read(descriptor, &owner) } {
            Ok(security) => security,
            Err(why) => {
                bad_parameter(context, "ZwCreateEvent", why);
                return nt::STATUS_INVALID_SECURITY_DESCR;
            }
        }
    };
    let block = Block::zeroed(size_of::<nt::KEVENT>());
    let kind = if EventType == nt::_EVENT_TYPE::NotificationEvent {
        EVENT_NOTIFICATION_OBJECT
    } else {
        EVENT_SYNCHRONIZATION_OBJECT
    };
    init_event_at(block.addr(), kind, InitialState != 0);
    let mut state = context.machine.lock();
    let object = state
        .ob
        .insert(ObjectKind::Event, block, Extra::None, security, false);
    let granted = grant_unchecked(
        ObjectKind::Event,
        ObjectKind::Event.map_generic(DesiredAccess),
    );
    let kernel_handle = attributes & nt::OBJ_KERNEL_HANDLE != 0;
    let handle = state.ob.create_handle(
        context.process,
        object,
        granted,
        attributes,
        kernel_handle,
        context.origin(),
    );
    // SAFETY: the caller passes a writable EventHandle.
    unsafe { EventHandle.write(handle as nt::HANDLE) };
    nt::STATUS_SUCCESS
}
