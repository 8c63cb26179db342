//! The bodies of the matrix's cases and the helpers they share: each sets up what it needs on
//! the transport, makes its request, cleans up, and reports what it observed.
use super::case::Observation;
use crate::access;
use crate::client;
use crate::explain::{Op, explain_for};
use crate::handle_value::GARBAGE;
use crate::status::{self, Status};
use crate::transport::{Fixture, Forward, Outcome, PIPE_DATA, Transport};
use handleguard_protocol::{
    self as protocol, FileReport, KernelEventReply, KernelEventRequest, Refusal,
    RegisterEventRequest,
};

/// How long a registration that must not fire during a case is due in.
pub(super) const LATER_MS: u32 = 60_000;
/// How long a case waits for something due in [`SOON_MS`] (wall time on Windows).
pub(super) const PATIENCE_MS: u32 = 5_000;
/// A due time short enough to wait for.
pub(super) const SOON_MS: u32 = 20;
/// Registrations a quota case tries before giving up (`MaxRegistrationsPerOpen` <= 4096).
pub(super) const QUOTA_CEILING: u32 = 4096;

/// A setup step's failure, in words.
pub(super) fn setup<T>(op: Op, result: Result<T, Status>) -> Result<T, String> {
    result.map_err(|status| explain_for(op, status))
}

/// A new event with exactly `access`.
pub(super) fn event(device: &dyn Transport, access: u32) -> Result<u64, String> {
    setup(Op::CreateEvent, device.create_event(access))
}

/// The readable fixture, opened with `access`.
pub(super) fn readable(
    device: &dyn Transport,
    access: u32,
    overlapped: bool,
) -> Result<u64, String> {
    let fixture = device.readable_file()?;
    setup(
        Op::OpenFile,
        device.open_file(&fixture.path, access, overlapped),
    )
}

/// REGISTER_EVENT with `handle`, unregistering again on success.
pub(super) fn register(device: &dyn Transport, handle: u64) -> Observation {
    match client::register_event(device, handle, LATER_MS) {
        Ok(id) => {
            let _ = client::unregister(device, id);
            Observation::status(status::STATUS_SUCCESS)
        }
        Err(status) => Observation::status(status),
    }
}

/// INSPECT_FILE with `handle`.
pub(super) fn inspect(device: &dyn Transport, handle: u64) -> Observation {
    client::inspect(device, handle).map_or_else(Observation::status, |report| {
        Observation::status(status::STATUS_SUCCESS).with(format!(
            "{} bytes, checksum {:#010x}",
            report.size, report.checksum
        ))
    })
}

/// REGISTER_EVENT with raw input bytes.
pub(super) fn register_bytes(device: &dyn Transport, input: &[u8]) -> Observation {
    let reply = device
        .ioctl(protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT, input, 8)
        .done();
    Observation::status(reply.status)
}

/// A REGISTER_EVENT request the driver would decode.
pub(super) fn valid_register_request() -> [u8; RegisterEventRequest::SIZE] {
    RegisterEventRequest {
        event: 0,
        due_ms: 1,
        mode: 0,
    }
    .encode()
}

/// Registers an event due in [`SOON_MS`] and waits for it to fire through a second,
/// SYNCHRONIZE-only handle; with `close_first` the registered handle is closed at once, so
/// only the driver's reference keeps the event alive until it is signalled.
pub(super) fn signalled_when_due(
    device: &dyn Transport,
    close_first: bool,
) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let watcher = match device.duplicate(handle, access::SYNCHRONIZE) {
        Ok(watcher) => watcher,
        Err(failed) => {
            device.close(handle);
            return Err(explain_for(Op::CreateEvent, failed));
        }
    };
    let registered = client::register_event(device, handle, SOON_MS);
    if close_first {
        device.close(handle);
    }
    let waited = registered.map(|_| device.wait(watcher, PATIENCE_MS));
    if !close_first {
        device.close(handle);
    }
    device.close(watcher);
    Ok(match waited {
        Err(refused) => Observation::status(refused),
        Ok(Ok(Some(ms))) => Observation::status(status::STATUS_SUCCESS).with(format!(
            "signalled after {ms} ms ({} clock), due in {SOON_MS} ms",
            device.clock()
        )),
        Ok(Ok(None)) => Observation::wrong(format!(
            "the event was not signalled within {PATIENCE_MS} ms"
        )),
        Ok(Err(failed)) => return Err(explain_for(Op::Wait, failed)),
    })
}

/// Registers on a second open until the driver refuses: the status and how many it took.
pub(super) fn fill_quota(device: &dyn Transport) -> Result<Observation, String> {
    let open = device.reopen()?;
    let handle = event(&*open, access::EVENT)?;
    let mut accepted = 0u32;
    let mut last = status::STATUS_SUCCESS;
    while accepted <= QUOTA_CEILING {
        match client::register_event(&*open, handle, LATER_MS) {
            Ok(_) => accepted += 1,
            Err(refused) => {
                last = refused;
                break;
            }
        }
    }
    open.close(handle);
    // Closing the open (dropping it) cancels every registration it holds.
    drop(open);
    Ok(Observation::status(last).with(format!("refused after {accepted} registrations")))
}

/// A file report, checked against the bytes the fixture holds.
fn checked(result: Result<FileReport, Status>, fixture: &Fixture) -> Observation {
    let expected = protocol::checksum(fixture.content);
    match result {
        Err(status) => Observation::status(status),
        Ok(report) if report.checksum != expected => Observation::wrong(format!(
            "the driver read checksum {:#010x}, the file has {expected:#010x}",
            report.checksum
        )),
        Ok(report) => Observation::status(status::STATUS_SUCCESS).with(format!(
            "{} bytes, checksum {:#010x} as written",
            report.size, report.checksum
        )),
    }
}

/// OPEN_AS_CALLER on the readable fixture: the checksum must match its bytes.
pub(super) fn open_as_me_readable(device: &dyn Transport) -> Result<Observation, String> {
    let fixture = device.readable_file()?;
    Ok(checked(
        client::open_as_caller(device, &fixture.nt_path),
        &fixture,
    ))
}

/// INSPECT_FILE on a readable file handle: the checksum must match its bytes.
pub(super) fn file_handle_inspected(device: &dyn Transport) -> Result<Observation, String> {
    let fixture = device.readable_file()?;
    let handle = setup(
        Op::OpenFile,
        device.open_file(&fixture.path, access::FILE, false),
    )?;
    let result = client::inspect(device, handle);
    device.close(handle);
    Ok(checked(result, &fixture))
}

/// INSPECT_FILE on a named pipe's client end with data waiting: refused, and the data is
/// still there for the pipe's reader (the driver sent the pipe nothing).
pub(super) fn pipe_as_file(device: &dyn Transport) -> Result<Observation, String> {
    let pipe = device.named_pipe_with_data(PIPE_DATA)?;
    let observation = inspect(device, pipe.client);
    let waiting = device.pipe_bytes_waiting(pipe.client);
    device.close(pipe.client);
    device.close(pipe.server);
    Ok(match waiting {
        Ok(bytes) if bytes == PIPE_DATA.len() => {
            observation.with(format!("{bytes} bytes still waiting in the pipe"))
        }
        Ok(bytes) => Observation::wrong(format!(
            "the driver read the pipe: {bytes} of {} bytes left",
            PIPE_DATA.len()
        )),
        Err(failed) => observation.with(format!("cannot peek: {}", status::label(failed))),
    })
}

/// UNREGISTER before due: the event must stay unsignalled past its due time.
pub(super) fn unregister_before_due(device: &dyn Transport) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let id = match client::register_event(device, handle, SOON_MS) {
        Ok(id) => id,
        Err(status) => {
            device.close(handle);
            return Ok(Observation::status(status));
        }
    };
    let unregistered = client::unregister(device, id);
    device.elapse(SOON_MS * 3);
    let signalled = device.is_signaled(handle);
    device.close(handle);
    Ok(match signalled {
        Err(status) => return Err(explain_for(Op::Wait, status)),
        Ok(true) => Observation::wrong("the event was signalled after UNREGISTER"),
        Ok(false) => Observation::status(unregistered).with(format!(
            "not signalled {} ms after it would have been due",
            SOON_MS * 2
        )),
    })
}

/// CREATE_KERNEL_EVENT due soon: the returned handle must be signalled.
pub(super) fn kernel_event_wait(device: &dyn Transport) -> Result<Observation, String> {
    let reply = setup(
        Op::CreateKernelEvent,
        client::create_kernel_event(device, SOON_MS),
    )?;
    let waited = device.wait(reply.handle, PATIENCE_MS);
    let _ = client::unregister(device, reply.id);
    device.close(reply.handle);
    Ok(match waited {
        Ok(Some(ms)) => Observation::status(status::STATUS_SUCCESS).with(format!(
            "handle {:#x} signalled after {ms} ms ({} clock)",
            reply.handle,
            device.clock()
        )),
        Ok(None) => Observation::wrong("the kernel event was never signalled"),
        Err(status) => Observation::status(status).with("waiting through the driver's handle"),
    })
}

/// SetEvent through the driver's SYNCHRONIZE-only handle must be refused.
pub(super) fn kernel_event_cannot_be_set(device: &dyn Transport) -> Result<Observation, String> {
    let reply = setup(
        Op::CreateKernelEvent,
        client::create_kernel_event(device, 0),
    )?;
    let set = device.set_event(reply.handle);
    let signalled = device.is_signaled(reply.handle);
    let _ = client::unregister(device, reply.id);
    device.close(reply.handle);
    Ok(match signalled {
        Ok(true) => Observation::wrong("SetEvent through the driver's handle signalled the event"),
        _ => Observation::status(set),
    })
}

/// DuplicateHandle of the driver's SYNCHRONIZE-only handle to EVENT_MODIFY_STATE: the
/// event's DACL must refuse it, or the "wait-only" handle could be made into one that sets.
pub(super) fn kernel_event_duplicated_up(device: &dyn Transport) -> Result<Observation, String> {
    let reply = setup(
        Op::CreateKernelEvent,
        client::create_kernel_event(device, 0),
    )?;
    let duplicated = device.duplicate(reply.handle, access::EVENT_MODIFY_STATE);
    let _ = client::unregister(device, reply.id);
    device.close(reply.handle);
    Ok(match duplicated {
        Ok(wider) => {
            device.close(wider);
            Observation::wrong("the handle was duplicated to EVENT_MODIFY_STATE")
        }
        Err(status) => Observation::status(status),
    })
}

/// A registration's pool is charged to the registering process: its nonpaged pool quota
/// usage grows while the registration lives and falls back when it ends.
pub(super) fn quota_charged(device: &dyn Transport) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let before = device.pool_charged()?;
    let registered = client::register_event(device, handle, LATER_MS);
    let during = device.pool_charged()?;
    if let Ok(id) = registered {
        let _ = client::unregister(device, id);
    }
    let after = device.pool_charged()?;
    device.close(handle);
    setup(Op::RegisterEvent, registered)?;
    Ok(if during > before && after < during {
        Observation::status(status::STATUS_SUCCESS).with(format!(
            "{} bytes charged to this process while registered",
            during - before
        ))
    } else {
        Observation::wrong(format!(
            "nonpaged pool charged to this process: {before} before, {during} while registered, {after} after"
        ))
    })
}

/// A pended REGISTER_EVENT must complete when due.
pub(super) fn pended_request_completes(device: &dyn Transport) -> Observation {
    match client::register_pended(device, SOON_MS) {
        Outcome::Done(reply) if status::is_success(reply.status) => {
            Observation::wrong("completed at once instead of pending until due")
        }
        Outcome::Done(reply) => Observation::status(reply.status),
        Outcome::Pending(mut pended) => {
            if let Some((reply, ms)) = pended.wait(PATIENCE_MS) {
                Observation::status(reply.status).with(format!(
                    "pended, then completed after {ms} ms ({} clock), due in {SOON_MS} ms",
                    device.clock()
                ))
            } else {
                pended.cancel();
                Observation::wrong(format!("still pending after {PATIENCE_MS} ms"))
            }
        }
    }
}

/// A pended REGISTER_EVENT cancelled before due must complete with STATUS_CANCELLED.
pub(super) fn pended_request_cancelled(device: &dyn Transport) -> Observation {
    match client::register_pended(device, LATER_MS) {
        Outcome::Done(reply) => Observation::status(reply.status).with("completed without pending"),
        Outcome::Pending(mut pended) => {
            pended.cancel();
            pended.poll().map_or_else(
                || Observation::wrong("still pending after CancelIoEx"),
                |reply| Observation::status(reply.status),
            )
        }
    }
}

/// REGISTER_EVENT with a valid event of this process, dispatched in a System worker thread:
/// the handle value means nothing there, and the driver must not look it up.
pub(super) fn wrong_context(device: &dyn Transport) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let request = RegisterEventRequest {
        event: handle,
        due_ms: LATER_MS,
        mode: 0,
    }
    .encode();
    let forwarded = device.ioctl_forwarded(
        Forward::OtherContext,
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
        &request,
        8,
    );
    device.close(handle);
    let reply = forwarded
        .ok_or("this transport cannot dispatch a request in another process's context")?
        .done();
    Ok(Observation::status(reply.status).with("dispatched in a System worker thread"))
}

/// CREATE_KERNEL_EVENT sent from kernel mode by a driver in this process: a handle made for
/// user mode would be planted in the process the driver runs in, so the driver refuses.
pub(super) fn kernel_requestor(device: &dyn Transport) -> Result<Observation, String> {
    let request = KernelEventRequest {
        due_ms: 0,
        reserved: 0,
    }
    .encode();
    let reply = device
        .ioctl_forwarded(
            Forward::KernelMode,
            protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
            &request,
            KernelEventReply::SIZE,
        )
        .ok_or("this transport cannot send a request from kernel mode")?
        .done();
    Ok(Observation::status(reply.status).with("sent from kernel mode in this process"))
}

/// Provokes one refusal of each reason user mode can cause and checks GET_INFO counted it.
pub(super) fn refusal_audit(device: &dyn Transport) -> Result<Observation, String> {
    let before = setup(Op::GetInfo, client::info(device))?;
    let weak_event = event(device, access::SYNCHRONIZE)?;
    let _ = client::inspect(device, weak_event);
    let _ = client::register_event(device, weak_event, LATER_MS);
    device.close(weak_event);
    let _ = client::register_event(device, GARBAGE, LATER_MS);
    let _ = client::register_event(device, device.kernel_handle(), LATER_MS);
    let _ = fill_quota(device)?;
    let _ = register_bytes(device, &[0; 3]);
    let _ = device.ioctl(unknown_code(), &[], 0).done();
    let _ = device.try_open(&format!("{}\\x", device.device_path()));
    let _ = client::open_as_caller(device, &device.unreadable_file()?);
    let overlapped = readable(device, access::FILE_READ_DATA, true)?;
    let _ = client::inspect(device, overlapped);
    device.close(overlapped);
    let _ = client::inspect(device, device.device_handle());
    let forwarding = device
        .ioctl_forwarded(
            Forward::OtherContext,
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            &valid_register_request(),
            8,
        )
        .map(Outcome::done)
        .is_some();
    let _ = kernel_requestor(device);
    let after = setup(Op::GetInfo, client::info(device))?;

    let reachable = Refusal::ALL.iter().filter(|&&reason| {
        forwarding || !matches!(reason, Refusal::WrongContext | Refusal::KernelRequestor)
    });
    let missed: Vec<&str> = reachable
        .clone()
        .filter(|reason| {
            let index = reason.index();
            after.refusals.get(index) <= before.refusals.get(index)
        })
        .map(|reason| reason.name())
        .collect();
    Ok(if missed.is_empty() {
        Observation::status(status::STATUS_SUCCESS).with(format!(
            "{} of {} reasons counted{}",
            reachable.count(),
            Refusal::ALL.len(),
            if forwarding {
                ""
            } else {
                " (wrong_context and kernel_requestor need a request only a driver can send)"
            }
        ))
    } else {
        Observation::wrong(format!("not counted: {}", missed.join(", ")))
    })
}

/// A buffered code of the device's type that the driver does not implement.
pub(super) fn unknown_code() -> u32 {
    protocol::ctl_code(
        protocol::FILE_DEVICE_UNKNOWN,
        0x8FF,
        protocol::METHOD_BUFFERED,
        protocol::FILE_ANY_ACCESS,
    )
}
