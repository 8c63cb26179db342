//! The IOCTL router, and one module per IOCTL family. Safe code only.
//!
//! Every request goes the same way: METHOD_BUFFERED is checked, the handler for its code
//! decodes it and returns a [`Reply`] or a [`Failure`], and [`route`] alone completes the IRP,
//! pends it on the open's table, or fails it (counting refusals).
mod events;
mod files;
mod info;
mod kernel_event;

use crate::driver::{HandleGuard, Open};
use crate::request::{Failure, Reply, Request};
use handleguard_protocol as protocol;
use wdm_safe::irp::{Dispatched, Irp};

/// `IRP_MJ_DEVICE_CONTROL`. IRQL: PASSIVE_LEVEL, requestor's context (top-level driver).
pub fn route(driver: &HandleGuard, open: &Open<'_>, irp: Irp) -> Dispatched {
    driver.stats.request();
    let mut request = match Request::new(irp) {
        Ok(request) => request,
        Err(irp) => return fail(driver, irp, Failure::unknown_code()),
    };
    let result = match request.irp().ioctl().code {
        protocol::IOCTL_HANDLEGUARD_GET_INFO => info::get_info(driver, &mut request),
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT => events::register(open, &mut request),
        protocol::IOCTL_HANDLEGUARD_UNREGISTER => events::unregister(open, &request),
        protocol::IOCTL_HANDLEGUARD_INSPECT_FILE => files::inspect(&mut request),
        protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER => files::open_as_caller(&mut request),
        protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT => kernel_event::create(open, &mut request),
        protocol::IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT => kernel_event::signal(open, &request),
        _ => Err(Failure::unknown_code()),
    };
    let irp = request.into_irp();
    match result {
        Ok(Reply::Written(written)) => irp.succeed(written),
        Ok(Reply::Pend { due_ms }) => match open.notify.insert_irp(irp, due_ms) {
            Ok(pending) => pending,
            Err((error, irp)) => fail(driver, irp, error.into()),
        },
        Err(failure) => fail(driver, irp, failure),
    }
}

/// Completes `irp` with a failure, counting refusals.
fn fail(driver: &HandleGuard, irp: Irp, failure: Failure) -> Dispatched {
    match failure {
        Failure::Audited(reason, status) => {
            driver.stats.refused(reason);
            irp.fail(status)
        }
        Failure::Status(status) => irp.fail(status),
    }
}
