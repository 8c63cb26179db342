//! Event registration, the pattern of Microsoft's event sample done right.
//!
//! `SignalEvent`: the caller's event handle is referenced with `Irp->RequestorMode`,
//! `SYNCHRONIZE | EVENT_MODIFY_STATE` and the event type, in the caller's context; the
//! reference (not the handle) is kept until the timer's DPC signals the event, so the user
//! closing the handle early cannot free the event under the driver.
//! `CompleteIrp`: no handle at all; the IOCTL is pended and completed when due, cancellable.
use crate::dispatch::{Failure, HandleGuard, Request};
use crate::kernel::driver::Session;
use crate::kernel::handle::{Access, UserHandle};
use crate::kernel::irp::{Dispatched, Irp};
use crate::kernel::notify::{InsertError, Key, Notification};
use crate::kernel::object::Event;
use handleguard_protocol::{
    IdRequest, NotifyMode, Refusal, RegisterEventReply, RegisterEventRequest,
};

/// The failure for a registration the table refused.
pub fn insert_failure(error: InsertError) -> Failure {
    match error {
        InsertError::Quota => Failure::Refused(Refusal::Quota, error.status()),
        InsertError::Closing | InsertError::NoMemory => Failure::Failed(error.status()),
    }
}

/// `IOCTL_HANDLEGUARD_REGISTER_EVENT`. IRQL: PASSIVE_LEVEL, requestor's context.
pub fn register(driver: &HandleGuard, session: &Session<'_>, mut irp: Irp) -> Dispatched {
    let parsed = Request::new(&mut irp)
        .ok_or_else(Failure::bad_input)
        .and_then(|request| request.decode::<RegisterEventRequest>())
        .and_then(|wire| {
            Ok((
                wire,
                NotifyMode::from_wire(wire.mode).map_err(|_| Failure::bad_input())?,
            ))
        });
    let (wire, mode) = match parsed {
        Ok(parsed) => parsed,
        Err(failure) => return driver.fail(irp, failure),
    };
    match mode {
        NotifyMode::SignalEvent => {
            let result = Request::new(&mut irp)
                .ok_or_else(Failure::bad_input)
                .and_then(|mut request| signal_event(session, &mut request, wire));
            driver.finish(irp, result)
        }
        NotifyMode::CompleteIrp => {
            match session.notify.insert_irp(session.pool, irp, wire.due_ms) {
                Ok(pending) => pending,
                Err((error, irp)) => driver.fail(irp, insert_failure(error)),
            }
        }
    }
}

fn signal_event(
    session: &Session<'_>,
    request: &mut Request<'_>,
    wire: RegisterEventRequest,
) -> Result<usize, Failure> {
    request.expect_room_for::<RegisterEventReply>()?;
    let handle = UserHandle::from_wire(wire.event, request.irp());
    let event = handle
        .reference::<Event>(
            request.irp(),
            Access::<Event>::SYNCHRONIZE | Access::<Event>::MODIFY_STATE,
        )
        .map_err(|refused| Failure::from_handle(handle, refused))?;
    let key = session
        .notify
        .insert(
            session.pool,
            Notification::SignalEvent(event),
            Some(wire.due_ms),
        )
        .map_err(insert_failure)?;
    request.reply(&RegisterEventReply { id: key.to_wire() })
}

/// `IOCTL_HANDLEGUARD_UNREGISTER`: cancels a registration of this open (the event reference
/// is released, a pended IRP completed with `STATUS_CANCELLED`).
pub fn unregister(session: &Session<'_>, request: &Request<'_>) -> Result<usize, Failure> {
    let IdRequest { id } = request.decode()?;
    session
        .notify
        .remove(Key::from_wire(id))
        .map_err(Failure::Failed)?;
    Ok(0)
}
