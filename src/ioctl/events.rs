//! Event registration, the pattern of Microsoft's event sample done right.
//!
//! `SignalEvent`: the caller's event handle is referenced with `Irp->RequestorMode`,
//! `SYNCHRONIZE | EVENT_MODIFY_STATE` and the event type, in the caller's context; the
//! reference (not the handle) is kept until the timer's DPC signals the event, so the user
//! closing the handle early cannot free the event under the driver.
//! `CompleteIrp`: no handle at all; the IOCTL is pended and completed when due, cancellable.
use crate::driver::Open;
use crate::request::{Failure, Reply, Request};
use handleguard_protocol::{IdRequest, NotifyMode, RegisterEventReply, RegisterEventRequest};
use wdm_safe::access::{Access, Event};
use wdm_safe::handle::UserHandle;
use wdm_safe::irp::Written;
use wdm_safe::notify::Notification;
use wdm_safe::pool::Charge;
use wdm_safe::slots::SlotKey;

/// `IOCTL_HANDLEGUARD_REGISTER_EVENT`. IRQL: PASSIVE_LEVEL, requestor's context.
pub fn register(open: &Open<'_>, request: &mut Request) -> Result<Reply, Failure> {
    let wire: RegisterEventRequest = request.decode()?;
    match NotifyMode::from_wire(wire.mode).map_err(|_| Failure::bad_input())? {
        NotifyMode::SignalEvent => signal_event(open, request, wire),
        NotifyMode::CompleteIrp => Ok(Reply::Pend {
            due_ms: wire.due_ms,
        }),
    }
}

fn signal_event(
    open: &Open<'_>,
    request: &mut Request,
    wire: RegisterEventRequest,
) -> Result<Reply, Failure> {
    request.expect_room_for::<RegisterEventReply>()?;
    let handle = UserHandle::from_wire(wire.event, request.irp());
    let event = handle
        .reference::<Event>(
            request.irp(),
            Access::<Event>::SYNCHRONIZE | Access::<Event>::MODIFY_STATE,
        )
        .map_err(|error| Failure::from_handle(handle, error))?;
    let charge = Charge::requestor(request.irp())?;
    let key = open
        .notify
        .insert(Notification::SignalEvent(event), Some(wire.due_ms), charge)?;
    request.reply(&RegisterEventReply { id: key.to_wire() })
}

/// `IOCTL_HANDLEGUARD_UNREGISTER`: cancels a registration of this open (the event reference
/// is released, a pended IRP completed with `STATUS_CANCELLED`).
pub fn unregister(open: &Open<'_>, request: &Request) -> Result<Reply, Failure> {
    let IdRequest { id } = request.decode()?;
    open.notify
        .remove(SlotKey::from_wire(id))
        .map_err(Failure::Status)?;
    Ok(Reply::Written(Written::NOTHING))
}
