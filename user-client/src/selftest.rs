//! The attack matrix: every way a caller can hand the driver a bad handle or a bad buffer,
//! with the exact status the driver must answer. The matrix is data ([`CASES`]): each case
//! names what it attacks, the status the driver must return (derived from the driver's
//! source and NT's ObReferenceObjectByHandle semantics), how the Wine profile treats it, and
//! a small `run` that sets up what it needs on the transport and reports what it observed.
use crate::client;
use crate::status::{self, Op};
use crate::transport::{Fixture, Outcome, Status, Transport};
use handleguard_protocol::{
    self as protocol, FileReport, InfoReply, Refusal, RegisterEventRequest,
};
use serde_json::json;
use std::fmt::Write as _;

/// Access rights the cases use.
pub mod access {
    /// `SYNCHRONIZE`.
    pub const SYNCHRONIZE: u32 = 0x0010_0000;
    /// `EVENT_MODIFY_STATE`.
    pub const EVENT_MODIFY_STATE: u32 = 0x0002;
    /// `FILE_READ_DATA`.
    pub const FILE_READ_DATA: u32 = 0x0001;
    /// `FILE_READ_ATTRIBUTES`.
    pub const FILE_READ_ATTRIBUTES: u32 = 0x0080;
    /// What the driver needs on an event.
    pub const EVENT: u32 = SYNCHRONIZE | EVENT_MODIFY_STATE;
    /// What the driver needs on a file, plus SYNCHRONIZE for synchronous I/O.
    pub const FILE: u32 = FILE_READ_DATA | SYNCHRONIZE;
}

/// `NtCurrentProcess()`.
const CURRENT_PROCESS: u64 = u64::MAX;
/// `NtCurrentThread()`.
const CURRENT_THREAD: u64 = u64::MAX - 1;
/// A value no handle table reaches (tables top out near 2^24 entries of 4).
const GARBAGE: u64 = 0x0000_1234_5678_9AB0;
/// How long a registration that must not fire during a case is due in.
const LATER_MS: u32 = 60_000;
/// How long a case waits for something due in [`SOON_MS`] (wall time on Windows).
const PATIENCE_MS: u32 = 5_000;
/// A due time short enough to wait for.
const SOON_MS: u32 = 20;
/// Registrations a quota case tries before giving up (`MaxRegistrationsPerOpen` <= 4096).
const QUOTA_CEILING: u32 = 4096;

/// How the Wine profile treats a case (WINE-SMOKE.md: Wine 8's ntoskrnl has no UserMode
/// ObReferenceObjectByHandle and runs the driver in winedevice.exe, not the caller's process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WineRule {
    /// No user handle involved: the exact status, as on Windows.
    Exact,
    /// A handle IOCTL: the exact status, or any failure status after which the driver still
    /// answers GET_INFO.
    FailCleanly,
    /// Wine cannot show it: file ACLs are not enforced; a handle the driver creates lands in
    /// winedevice.exe's table, where it means nothing to the caller; and a driver timer must
    /// not fire, because Wine 8's timer callback writes to the KTIMER after the DPC returns,
    /// and this driver's DPC frees the record holding it (as Windows allows), which corrupts
    /// winedevice.exe's heap.
    Skip,
}

/// What a case observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actual {
    /// The status the driver (or the kernel) answered.
    Status(Status),
    /// A behaviour that is no status and is wrong, e.g. an event that never fired.
    Wrong(String),
    /// The case could not set itself up.
    NotRun(String),
}

/// An observation: what came back, and anything worth reporting beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// What came back.
    pub actual: Actual,
    /// E.g. "refused after 64 registrations".
    pub detail: Option<String>,
}

impl Observation {
    fn status(status: Status) -> Self {
        Self {
            actual: Actual::Status(status),
            detail: None,
        }
    }

    fn wrong(why: impl Into<String>) -> Self {
        Self {
            actual: Actual::Wrong(why.into()),
            detail: None,
        }
    }

    fn with(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<Status> for Observation {
    fn from(status: Status) -> Self {
        Self::status(status)
    }
}

/// A case's body: `Err` when it could not set itself up.
type Run = fn(&dyn Transport) -> Result<Observation, String>;

/// One row of the matrix.
pub struct Case {
    /// Short identifier.
    pub name: &'static str,
    /// What it attacks, in words.
    pub attacks: &'static str,
    /// The status the driver must return.
    pub expected: Status,
    /// How the Wine profile treats it.
    pub wine: WineRule,
    /// What it needs from the transport.
    pub needs: Needs,
    run: Run,
}

/// What a case needs from the transport beyond an open of the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing more: every transport runs it.
    Device,
    /// A request dispatched in another process's context ([`Transport::ioctl_forwarded`]),
    /// which only a driver can make on Windows; the model can.
    Forwarding,
}

/// Which cases to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every case, each with its exact status (Windows, or the model kernel).
    Full,
    /// What Wine can show: cases without user handles exactly; handle IOCTLs only have to
    /// fail cleanly and leave the driver serving.
    Wine,
}

/// The result of one case.
pub struct CaseResult {
    /// The case.
    pub case: &'static Case,
    /// The rule it was judged by.
    pub rule: WineRule,
    /// What it observed.
    pub observation: Observation,
    /// Whether it passed.
    pub pass: bool,
}

fn setup<T>(op: Op, result: Result<T, Status>) -> Result<T, String> {
    result.map_err(|status| status::explain_for(op, status))
}

fn event(device: &dyn Transport, access: u32) -> Result<u64, String> {
    setup(Op::CreateEvent, device.create_event(access))
}

fn readable(device: &dyn Transport, access: u32, overlapped: bool) -> Result<u64, String> {
    let fixture = device.readable_file()?;
    setup(
        Op::OpenFile,
        device.open_file(&fixture.path, access, overlapped),
    )
}

/// REGISTER_EVENT with `handle`, unregistering again on success.
fn register(device: &dyn Transport, handle: u64) -> Observation {
    match client::register_event(device, handle, LATER_MS) {
        Ok(id) => {
            let _ = client::unregister(device, id);
            Observation::status(status::STATUS_SUCCESS)
        }
        Err(status) => Observation::status(status),
    }
}

/// INSPECT_FILE with `handle`.
fn inspect(device: &dyn Transport, handle: u64) -> Observation {
    client::inspect(device, handle).map_or_else(Observation::status, |report| {
        Observation::status(status::STATUS_SUCCESS).with(format!(
            "{} bytes, checksum {:#010x}",
            report.size, report.checksum
        ))
    })
}

/// REGISTER_EVENT with raw input bytes.
fn register_bytes(device: &dyn Transport, input: &[u8]) -> Observation {
    let reply = device
        .ioctl(protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT, input, 8)
        .done();
    Observation::status(reply.status)
}

fn valid_register_request() -> [u8; RegisterEventRequest::SIZE] {
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
fn signalled_when_due(device: &dyn Transport, close_first: bool) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let watcher = match device.duplicate(handle, access::SYNCHRONIZE) {
        Ok(watcher) => watcher,
        Err(failed) => {
            device.close(handle);
            return Err(status::explain_for(Op::CreateEvent, failed));
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
        Ok(Err(failed)) => return Err(status::explain_for(Op::Wait, failed)),
    })
}

/// Registers on a second open until the driver refuses: the status and how many it took.
fn fill_quota(device: &dyn Transport) -> Result<Observation, String> {
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

fn open_as_me_readable(device: &dyn Transport) -> Result<Observation, String> {
    let fixture = device.readable_file()?;
    Ok(checked(
        client::open_as_caller(device, &fixture.nt_path),
        &fixture,
    ))
}

fn file_handle_inspected(device: &dyn Transport) -> Result<Observation, String> {
    let fixture = device.readable_file()?;
    let handle = setup(
        Op::OpenFile,
        device.open_file(&fixture.path, access::FILE, false),
    )?;
    let result = client::inspect(device, handle);
    device.close(handle);
    Ok(checked(result, &fixture))
}

fn unregister_before_due(device: &dyn Transport) -> Result<Observation, String> {
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
        Err(status) => return Err(status::explain_for(Op::Wait, status)),
        Ok(true) => Observation::wrong("the event was signalled after UNREGISTER"),
        Ok(false) => Observation::status(unregistered).with(format!(
            "not signalled {} ms after it would have been due",
            SOON_MS * 2
        )),
    })
}

fn kernel_event_wait(device: &dyn Transport) -> Result<Observation, String> {
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

fn kernel_event_cannot_be_set(device: &dyn Transport) -> Result<Observation, String> {
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

fn pended_request_completes(device: &dyn Transport) -> Observation {
    match client::register_pended(device, SOON_MS) {
        Outcome::Done(reply) if status::is_success(reply.status) => {
            Observation::wrong("completed at once instead of pending until due")
        }
        Outcome::Done(reply) => Observation::status(reply.status),
        Outcome::Pending(mut pended) => {
            if let Some((status, ms)) = pended.wait(PATIENCE_MS) {
                Observation::status(status).with(format!(
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

fn pended_request_cancelled(device: &dyn Transport) -> Observation {
    match client::register_pended(device, LATER_MS) {
        Outcome::Done(reply) => Observation::status(reply.status).with("completed without pending"),
        Outcome::Pending(mut pended) => {
            pended.cancel();
            pended.poll().map_or_else(
                || Observation::wrong("still pending after CancelIoEx"),
                Observation::status,
            )
        }
    }
}

/// REGISTER_EVENT with a valid event of this process, dispatched in a System worker thread:
/// the handle value means nothing there, and the driver must not look it up.
fn wrong_context(device: &dyn Transport) -> Result<Observation, String> {
    let handle = event(device, access::EVENT)?;
    let request = RegisterEventRequest {
        event: handle,
        due_ms: LATER_MS,
        mode: 0,
    }
    .encode();
    let forwarded = device.ioctl_forwarded(protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT, &request, 8);
    device.close(handle);
    let reply = forwarded
        .ok_or("this transport cannot dispatch a request in another process's context")?
        .done();
    Ok(Observation::status(reply.status).with("dispatched in a System worker thread"))
}

/// Provokes one refusal of each reason user mode can cause and checks GET_INFO counted it.
fn refusal_audit(device: &dyn Transport) -> Result<Observation, String> {
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
    let forwarding = device
        .ioctl_forwarded(
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            &valid_register_request(),
            8,
        )
        .map(Outcome::done)
        .is_some();
    let after = setup(Op::GetInfo, client::info(device))?;

    let reachable = Refusal::ALL
        .iter()
        .filter(|&&reason| forwarding || reason != Refusal::WrongContext);
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
                " (wrong_context needs a request forwarded by a driver)"
            }
        ))
    } else {
        Observation::wrong(format!("not counted: {}", missed.join(", ")))
    })
}

fn unknown_code() -> u32 {
    protocol::ctl_code(
        protocol::FILE_DEVICE_UNKNOWN,
        0x8FF,
        protocol::METHOD_BUFFERED,
        protocol::FILE_ANY_ACCESS,
    )
}

/// Every case, in the order they run.
pub static CASES: &[Case] = &[
    Case {
        name: "open_device",
        attacks: "nothing: the device opens",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| Ok(d.try_open(d.device_path()).into()),
    },
    Case {
        name: "get_info",
        attacks: "nothing: a GET_INFO round trip",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| {
            Ok(client::info(d).map_or_else(Observation::status, |info| {
                Observation::status(status::STATUS_SUCCESS)
                    .with(format!("protocol version {}", info.version))
            }))
        },
    },
    Case {
        name: "event_signalled_when_due",
        attacks: "nothing: a valid event is signalled when due",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| signalled_when_due(d, false),
    },
    Case {
        name: "file_handle_inspected",
        attacks: "nothing: a readable file handle is inspected",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: file_handle_inspected,
    },
    Case {
        name: "file_as_event",
        attacks: "wrong type: a file handle to REGISTER_EVENT",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let file = readable(d, access::FILE, false)?;
            let observation = register(d, file);
            d.close(file);
            Ok(observation)
        },
    },
    Case {
        name: "event_as_file",
        attacks: "wrong type: an event handle to INSPECT_FILE",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let handle = event(d, access::EVENT)?;
            let observation = inspect(d, handle);
            d.close(handle);
            Ok(observation)
        },
    },
    Case {
        name: "event_without_modify_state",
        attacks: "too little access: an event with SYNCHRONIZE only",
        expected: status::STATUS_ACCESS_DENIED,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let handle = event(d, access::SYNCHRONIZE)?;
            let observation = register(d, handle);
            d.close(handle);
            Ok(observation)
        },
    },
    Case {
        name: "file_without_read_data",
        attacks: "too little access: a file without FILE_READ_DATA",
        expected: status::STATUS_ACCESS_DENIED,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let file = readable(d, access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE, false)?;
            let observation = inspect(d, file);
            d.close(file);
            Ok(observation)
        },
    },
    Case {
        name: "kernel_handle_value",
        attacks: "a kernel handle value passed from user mode",
        expected: status::STATUS_INVALID_HANDLE,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let value = d.kernel_handle();
            Ok(register(d, value).with(format!("handle value {value:#x}")))
        },
    },
    Case {
        name: "other_process_handle",
        attacks: "a handle value valid only in another process",
        expected: status::STATUS_INVALID_HANDLE,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let value = d.foreign_handle()?;
            Ok(register(d, value).with(format!("handle value {value:#x}")))
        },
    },
    Case {
        name: "wrong_context",
        attacks: "a handle request run outside the caller's process",
        expected: status::STATUS_INVALID_DEVICE_REQUEST,
        wine: WineRule::Skip,
        needs: Needs::Forwarding,
        run: wrong_context,
    },
    Case {
        name: "null_handle",
        attacks: "NULL",
        expected: status::STATUS_INVALID_HANDLE,
        // The driver refuses NULL itself, before ObReferenceObjectByHandle.
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| Ok(register(d, 0)),
    },
    Case {
        name: "current_process_as_event",
        attacks: "-1 (NtCurrentProcess) to REGISTER_EVENT",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| Ok(register(d, CURRENT_PROCESS)),
    },
    Case {
        name: "current_thread_as_event",
        attacks: "-2 (NtCurrentThread) to REGISTER_EVENT",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| Ok(register(d, CURRENT_THREAD)),
    },
    Case {
        name: "garbage_handle",
        attacks: "a value that was never a handle",
        expected: status::STATUS_INVALID_HANDLE,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| Ok(register(d, GARBAGE).with(format!("handle value {GARBAGE:#x}"))),
    },
    Case {
        name: "closed_handle",
        attacks: "a handle closed before the request",
        expected: status::STATUS_INVALID_HANDLE,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let handle = event(d, access::EVENT)?;
            d.close(handle);
            Ok(register(d, handle).with(format!("handle value {handle:#x}")))
        },
    },
    Case {
        name: "closed_while_held",
        attacks: "the event closed while the driver holds it",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| signalled_when_due(d, true),
    },
    Case {
        name: "unregister_before_due",
        attacks: "UNREGISTER: the event is never signalled",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: unregister_before_due,
    },
    Case {
        name: "short_input",
        attacks: "an input buffer one byte short",
        expected: status::STATUS_INVALID_PARAMETER,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| {
            let input = valid_register_request();
            Ok(register_bytes(
                d,
                input.get(..input.len() - 1).unwrap_or_default(),
            ))
        },
    },
    Case {
        name: "oversized_input",
        attacks: "an input buffer one byte too long",
        expected: status::STATUS_INVALID_PARAMETER,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| {
            let mut input = valid_register_request().to_vec();
            input.push(0);
            Ok(register_bytes(d, &input))
        },
    },
    Case {
        name: "short_output",
        attacks: "an output buffer too small for the reply",
        expected: status::STATUS_BUFFER_TOO_SMALL,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| {
            let reply = d.ioctl(
                protocol::IOCTL_HANDLEGUARD_GET_INFO,
                &[],
                InfoReply::SIZE - 1,
            );
            Ok(reply.done().status.into())
        },
    },
    Case {
        name: "unknown_code",
        attacks: "an IOCTL code the driver does not implement",
        expected: status::STATUS_INVALID_DEVICE_REQUEST,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| Ok(d.ioctl(unknown_code(), &[0; 16], 16).done().status.into()),
    },
    Case {
        name: "namespace_open",
        attacks: "an open of \\\\.\\HandleGuard\\x",
        expected: status::STATUS_OBJECT_NAME_NOT_FOUND,
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| Ok(d.try_open(&format!("{}\\x", d.device_path())).into()),
    },
    Case {
        name: "quota",
        attacks: "registering until the per-open quota is spent",
        expected: status::STATUS_QUOTA_EXCEEDED,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: fill_quota,
    },
    Case {
        name: "asynchronous_file",
        attacks: "a file handle opened for overlapped I/O",
        expected: status::STATUS_INVALID_PARAMETER,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| {
            let file = readable(d, access::FILE_READ_DATA, true)?;
            let observation = inspect(d, file);
            d.close(file);
            Ok(observation)
        },
    },
    Case {
        name: "open_as_me_readable",
        attacks: "nothing: the driver opens a file you may read",
        expected: status::STATUS_SUCCESS,
        // The driver's own OBJ_KERNEL_HANDLE and Zw calls work under Wine.
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: open_as_me_readable,
    },
    Case {
        name: "open_as_me_denied",
        attacks: "OPEN_AS_CALLER on a file you may not read",
        expected: status::STATUS_ACCESS_DENIED,
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: |d| {
            let path = d.unreadable_file()?;
            Ok(client::open_as_caller(d, &path)
                .map_or_else(Observation::status, |_| {
                    Observation::status(status::STATUS_SUCCESS)
                })
                .with(path))
        },
    },
    Case {
        name: "kernel_event_wait",
        attacks: "nothing: waiting on the driver's handle works",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: kernel_event_wait,
    },
    Case {
        name: "kernel_event_cannot_be_set",
        attacks: "SetEvent through the SYNCHRONIZE-only handle",
        expected: status::STATUS_ACCESS_DENIED,
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: kernel_event_cannot_be_set,
    },
    Case {
        name: "pended_request_completes",
        attacks: "nothing: a pended request completes when due",
        expected: status::STATUS_SUCCESS,
        // The timer fires: see WineRule::Skip.
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: |d| Ok(pended_request_completes(d)),
    },
    Case {
        name: "pended_request_cancelled",
        attacks: "cancelling a pended request (CancelIoEx)",
        expected: status::STATUS_CANCELLED,
        // Cancelled before due: KeCancelTimer, no DPC.
        wine: WineRule::Exact,
        needs: Needs::Device,
        run: |d| Ok(pended_request_cancelled(d)),
    },
    Case {
        name: "refusal_audit",
        attacks: "nothing: GET_INFO counts each refusal by reason",
        expected: status::STATUS_SUCCESS,
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: refusal_audit,
    },
];

/// Runs one case under `rule`.
fn judge(device: &dyn Transport, case: &'static Case, rule: WineRule) -> CaseResult {
    let mut observation = (case.run)(device).unwrap_or_else(|why| Observation {
        actual: Actual::NotRun(why),
        detail: None,
    });
    let pass = match (&observation.actual, rule) {
        (Actual::Status(status), WineRule::Exact) => *status == case.expected,
        (Actual::Status(status), WineRule::FailCleanly) => {
            let serving = client::info(device);
            let note = match &serving {
                Ok(_) => "GET_INFO still works afterwards".to_string(),
                Err(failed) => format!(
                    "the driver stopped serving: {}",
                    status::explain_for(Op::GetInfo, *failed)
                ),
            };
            observation.detail = Some(match observation.detail.take() {
                Some(detail) => format!("{detail}; {note}"),
                None => note,
            });
            serving.is_ok() && (*status == case.expected || !status::is_success(*status))
        }
        _ => false,
    };
    CaseResult {
        case,
        rule,
        observation,
        pass,
    }
}

/// What a self-test run did.
pub struct Report {
    /// The cases run, in matrix order.
    pub results: Vec<CaseResult>,
    /// Cases not run, and why.
    pub skipped: Vec<(&'static Case, &'static str)>,
}

/// Runs the profile's cases that the transport can run, in matrix order.
pub fn run(device: &dyn Transport, profile: Profile) -> Report {
    let forwarding = device.forwards();
    let mut report = Report {
        results: Vec::new(),
        skipped: Vec::new(),
    };
    for case in CASES {
        let rule = match profile {
            Profile::Full => WineRule::Exact,
            Profile::Wine => case.wine,
        };
        if rule == WineRule::Skip {
            report.skipped.push((case, "Wine cannot show it"));
        } else if case.needs == Needs::Forwarding && !forwarding {
            report.skipped.push((
                case,
                "needs a request dispatched in another process's context, which only a driver (or the model) can make",
            ));
        } else {
            report.results.push(judge(device, case, rule));
        }
    }
    report
}

fn expected_label(result: &CaseResult) -> String {
    match result.rule {
        WineRule::FailCleanly => format!(
            "{} or any failure",
            status::name(result.case.expected).unwrap_or("the status")
        ),
        _ => status::label(result.case.expected),
    }
}

fn actual_label(actual: &Actual) -> String {
    match actual {
        Actual::Status(status) => status::label(*status),
        Actual::Wrong(why) => why.clone(),
        Actual::NotRun(why) => format!("not run: {why}"),
    }
}

/// The matrix as a table: case, what it attacks, expected, actual, PASS/FAIL; details
/// indented below their row; a summary line; the cases not run and why.
pub fn table(report: &Report) -> String {
    let results = &report.results;
    let mut out = format!(
        "{:<28} {:<50} {:<44} {:<44} result\n",
        "case", "attacks", "expected", "actual"
    );
    for result in results {
        let verdict = if result.pass { "PASS" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{:<28} {:<50} {:<44} {:<44} {verdict}",
            result.case.name,
            result.case.attacks,
            expected_label(result),
            actual_label(&result.observation.actual)
        );
        if let Some(detail) = &result.observation.detail {
            let _ = writeln!(out, "{:<28} ({detail})", "");
        }
    }
    let passed = results.iter().filter(|result| result.pass).count();
    let _ = writeln!(out, "{passed} passed, {} failed", results.len() - passed);
    for (case, why) in &report.skipped {
        let _ = writeln!(out, "not run: {} ({why})", case.name);
    }
    out
}

/// The matrix as JSON: an array of `{case, attacks, expected, actual, pass[, detail]}` for
/// the cases run.
pub fn json(report: &Report) -> serde_json::Value {
    serde_json::Value::Array(
        report
            .results
            .iter()
            .map(|result| {
                let mut row = json!({
                    "case": result.case.name,
                    "attacks": result.case.attacks,
                    "expected": expected_label(result),
                    "actual": actual_label(&result.observation.actual),
                    "pass": result.pass,
                });
                if let (Some(detail), Some(object)) =
                    (&result.observation.detail, row.as_object_mut())
                {
                    object.insert("detail".into(), json!(detail));
                }
                row
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
