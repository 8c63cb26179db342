//! A kernel-created event handed to user mode (guidance rule 4: create in the kernel, give
//! user mode a handle, rather than take a handle from it).
//!
//! The driver creates the event with a private kernel handle, keeps its own reference,
//! closes the private handle, and opens a handle in the caller's process with `SYNCHRONIZE`
//! only (`ObOpenObjectByPointer(..., UserMode)`): the caller can wait on it but not set or
//! reset it. The driver signals it when due or on request; unregistering releases the
//! driver's reference, and the user closes its own handle.
use crate::driver::Open;
use crate::request::{Failure, Reply, Request};
use handleguard_protocol::{IdRequest, KernelEventReply, KernelEventRequest};
use wdm_safe::access::{Access, Event};
use wdm_safe::handle::KernelHandle;
use wdm_safe::irp::Written;
use wdm_safe::notify::Notification;
use wdm_safe::pool::Charge;
use wdm_safe::slots::SlotKey;

/// `IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT`. IRQL: PASSIVE_LEVEL, requestor's context.
pub fn create(open: &Open<'_>, request: &mut Request) -> Result<Reply, Failure> {
    let KernelEventRequest { due_ms, reserved } = request.decode()?;
    if reserved != 0 {
        return Err(Failure::bad_input());
    }
    request.expect_room_for::<KernelEventReply>()?;
    if !request.irp().from_user_mode() {
        // The handle is made for user mode: a driver calling in gets none planted in
        // whatever process it runs in.
        return Err(Failure::kernel_requestor());
    }
    if !request.irp().in_requestor_context() {
        return Err(Failure::wrong_context());
    }
    let event = {
        let private = KernelHandle::create_event().map_err(Failure::Status)?;
        private
            .reference::<Event>(Access::<Event>::SYNCHRONIZE | Access::<Event>::MODIFY_STATE)
            .map_err(Failure::Status)?
        // The private handle closes here; the reference keeps the event.
    };
    let due = (due_ms != 0).then_some(due_ms);
    let for_user = event.clone();
    let charge = Charge::requestor(request.irp())?;
    let key = open
        .notify
        .insert(Notification::KernelEvent(event), due, charge)?;
    let user_handle = match for_user.open_for_requestor(request.irp()) {
        Ok(handle) => handle,
        Err(error) => {
            // Nothing was handed out: take the registration back.
            let _ = open.notify.remove(key);
            return Err(error.into());
        }
    };
    request.reply(&KernelEventReply {
        handle: user_handle,
        id: key.to_wire(),
    })
}

/// `IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT`: signals a kernel event of this open now.
pub fn signal(open: &Open<'_>, request: &Request) -> Result<Reply, Failure> {
    let IdRequest { id } = request.decode()?;
    open.notify
        .signal(SlotKey::from_wire(id))
        .map_err(Failure::Status)?;
    Ok(Reply::Written(Written::NOTHING))
}
