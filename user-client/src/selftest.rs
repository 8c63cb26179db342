//! The attack matrix: every way a caller can hand the driver a bad handle or a bad buffer,
//! with the exact status the driver must answer. Cases are data; each `run` sets up what it
//! needs on the transport and returns the status it observed.
use crate::client;
use crate::status;
use crate::transport::Status;
use crate::transport::{Outcome, Transport};
use handleguard_protocol::{self as protocol, InfoReply, RegisterEventRequest};
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

type Run = fn(&dyn Transport) -> Result<Status, String>;

/// One row of the matrix.
pub struct Case {
    /// Short identifier.
    pub name: &'static str,
    /// What it attacks, in words.
    pub attacks: &'static str,
    /// The status the driver must return.
    pub expected: Status,
    run: Run,
}

/// Which cases to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every case (Windows, or the model kernel).
    Full,
    /// What Wine can show: Wine's ntoskrnl does not implement UserMode handle references and
    /// runs the driver in winedevice.exe, so handle cases only have to fail cleanly.
    Wine,
}

/// The result of one case.
pub struct CaseResult {
    /// The case.
    pub case: &'static Case,
    /// What was observed, or why the case could not run.
    pub actual: Result<Status, String>,
    /// Whether it matched.
    pub pass: bool,
}

fn event(device: &dyn Transport) -> Result<u64, String> {
    device.create_event(access::EVENT)
}

fn readable(device: &dyn Transport, access: u32, overlapped: bool) -> Result<u64, String> {
    let (_, path) = device.readable_file()?;
    device
        .open_file(&path, access, overlapped)
        .map_err(|status| format!("cannot open {path}: {}", status::explain(status)))
}

fn register(device: &dyn Transport, handle: u64) -> Status {
    match client::register_event(device, handle, 60_000) {
        Ok(id) => {
            client::unregister(device, id);
            status::STATUS_SUCCESS
        }
        Err(status) => status,
    }
}

fn inspect(device: &dyn Transport, handle: u64) -> Status {
    client::inspect(device, handle).map_or_else(|status| status, |_| status::STATUS_SUCCESS)
}

fn status_of<T>(result: Result<T, Status>) -> Status {
    result.map_or_else(|status| status, |_| status::STATUS_SUCCESS)
}

fn register_bytes(device: &dyn Transport, input: &[u8]) -> Status {
    device
        .ioctl(protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT, input, 8)
        .done()
        .status
}

/// Every case of the full profile.
pub static CASES: &[Case] = &[
    Case {
        name: "get_info",
        attacks: "nothing: the round trip works",
        expected: status::STATUS_SUCCESS,
        run: |d| Ok(status_of(client::info(d))),
    },
    Case {
        name: "file_as_event",
        attacks: "wrong type: a file handle where an event is expected",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        run: |d| Ok(register(d, readable(d, access::FILE, false)?)),
    },
    Case {
        name: "event_as_file",
        attacks: "wrong type: an event handle where a file is expected",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        run: |d| Ok(inspect(d, event(d)?)),
    },
    Case {
        name: "event_without_modify_state",
        attacks: "too little access: an event opened with SYNCHRONIZE only",
        expected: status::STATUS_ACCESS_DENIED,
        run: |d| Ok(register(d, d.create_event(access::SYNCHRONIZE)?)),
    },
    Case {
        name: "file_without_read_data",
        attacks: "too little access: a file opened without FILE_READ_DATA",
        expected: status::STATUS_ACCESS_DENIED,
        run: |d| {
            Ok(inspect(
                d,
                readable(d, access::FILE_READ_ATTRIBUTES | access::SYNCHRONIZE, false)?,
            ))
        },
    },
    Case {
        name: "kernel_handle_value",
        attacks: "a kernel handle value passed from user mode",
        expected: status::STATUS_INVALID_HANDLE,
        run: |d| Ok(register(d, d.kernel_handle())),
    },
    Case {
        name: "other_process_handle",
        attacks: "a handle value valid only in another process",
        expected: status::STATUS_INVALID_HANDLE,
        run: |d| Ok(register(d, d.foreign_handle()?)),
    },
    Case {
        name: "null_handle",
        attacks: "NULL",
        expected: status::STATUS_INVALID_HANDLE,
        run: |d| Ok(register(d, 0)),
    },
    Case {
        name: "current_process_pseudo_handle",
        attacks: "-1 (NtCurrentProcess) where an event is expected",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        run: |d| Ok(register(d, u64::MAX)),
    },
    Case {
        name: "current_thread_pseudo_handle",
        attacks: "-2 (NtCurrentThread) where a file is expected",
        expected: status::STATUS_OBJECT_TYPE_MISMATCH,
        run: |d| Ok(inspect(d, u64::MAX - 1)),
    },
    Case {
        name: "garbage_handle",
        attacks: "a value that was never a handle",
        expected: status::STATUS_INVALID_HANDLE,
        run: |d| Ok(register(d, 0x0000_1234_5678_9AB0)),
    },
    Case {
        name: "closed_handle",
        attacks: "a handle closed before the request",
        expected: status::STATUS_INVALID_HANDLE,
        run: |d| {
            let handle = event(d)?;
            d.close(handle);
            Ok(register(d, handle))
        },
    },
    Case {
        name: "closed_while_held",
        attacks: "the user closes its event while the driver holds it: the driver still signals it safely",
        expected: status::STATUS_SUCCESS,
        run: |d| {
            let handle = event(d)?;
            let watcher = d
                .duplicate(handle, access::SYNCHRONIZE)
                .map_err(status::explain)?;
            let registered = client::register_event(d, handle, 20);
            d.close(handle);
            if let Err(status) = registered {
                d.close(watcher);
                return Ok(status);
            }
            d.elapse(40);
            let signalled = d.is_signaled(watcher);
            d.close(watcher);
            match signalled {
                Ok(true) => Ok(status::STATUS_SUCCESS),
                Ok(false) => Err("the event was never signalled".into()),
                Err(status) => Ok(status),
            }
        },
    },
    Case {
        name: "short_input",
        attacks: "an input buffer one byte short",
        expected: status::STATUS_INVALID_PARAMETER,
        run: |d| {
            Ok(register_bytes(
                d,
                &RegisterEventRequest {
                    event: 0,
                    due_ms: 1,
                    mode: 0,
                }
                .encode()[..15],
            ))
        },
    },
    Case {
        name: "oversized_input",
        attacks: "an input buffer one byte too long",
        expected: status::STATUS_INVALID_PARAMETER,
        run: |d| {
            let mut input = RegisterEventRequest {
                event: 0,
                due_ms: 1,
                mode: 0,
            }
            .encode()
            .to_vec();
            input.push(0);
            Ok(register_bytes(d, &input))
        },
    },
    Case {
        name: "short_output",
        attacks: "an output buffer too small for the reply",
        expected: status::STATUS_BUFFER_TOO_SMALL,
        run: |d| {
            Ok(d.ioctl(
                protocol::IOCTL_HANDLEGUARD_GET_INFO,
                &[],
                InfoReply::SIZE - 1,
            )
            .done()
            .status)
        },
    },
    Case {
        name: "unknown_code",
        attacks: "an IOCTL code the driver does not implement",
        expected: status::STATUS_INVALID_DEVICE_REQUEST,
        run: |d| {
            let code = protocol::ctl_code(
                protocol::FILE_DEVICE_UNKNOWN,
                0x8FF,
                protocol::METHOD_BUFFERED,
                0,
            );
            Ok(d.ioctl(code, &[0; 16], 16).done().status)
        },
    },
    Case {
        name: "namespace_open",
        attacks: "an open of a name under the device (\\\\.\\HandleGuard\\x)",
        expected: status::STATUS_OBJECT_NAME_NOT_FOUND,
        run: |d| Ok(d.try_open(&format!("{}\\x", protocol::DEVICE_WIN32_PATH))),
    },
    Case {
        name: "quota",
        attacks: "registering until the per-open quota is spent",
        expected: status::STATUS_QUOTA_EXCEEDED,
        run: |d| {
            let open = d.reopen()?;
            let handle = event(&*open)?;
            let mut status = status::STATUS_SUCCESS;
            for _ in 0..=protocol_quota_limit() {
                if let Err(refused) = client::register_event(&*open, handle, 60_000) {
                    status = refused;
                    break;
                }
            }
            open.close(handle);
            Ok(status)
        },
    },
    Case {
        name: "asynchronous_file",
        attacks: "a file handle opened for overlapped I/O",
        expected: status::STATUS_INVALID_PARAMETER,
        run: |d| Ok(inspect(d, readable(d, access::FILE_READ_DATA, true)?)),
    },
    Case {
        name: "open_as_me_readable",
        attacks: "nothing: the driver opens a file the caller may read, through its own OBJ_KERNEL_HANDLE",
        expected: status::STATUS_SUCCESS,
        run: |d| {
            let (nt_path, _) = d.readable_file()?;
            Ok(status_of(client::open_as_caller(d, &nt_path)))
        },
    },
    Case {
        name: "open_as_me_denied",
        attacks: "asking the driver to open a file the caller cannot read (OBJ_FORCE_ACCESS_CHECK)",
        expected: status::STATUS_ACCESS_DENIED,
        run: |d| {
            let path = d
                .unreadable_file()
                .ok_or("this transport has no file the user cannot read")?;
            Ok(status_of(client::open_as_caller(d, &path)))
        },
    },
    Case {
        name: "kernel_event_cannot_be_set",
        attacks: "setting a kernel-created event through the SYNCHRONIZE-only handle",
        expected: status::STATUS_ACCESS_DENIED,
        run: |d| {
            let reply = client::create_kernel_event(d, 0).map_err(status::explain)?;
            let status = d.set_event(reply.handle);
            client::unregister(d, reply.id);
            d.close(reply.handle);
            Ok(status)
        },
    },
    Case {
        name: "pended_request_cancelled",
        attacks: "cancelling a pended request",
        expected: status::STATUS_CANCELLED,
        run: |d| match client::register_pended(d, 60_000) {
            Outcome::Done(reply) => Ok(reply.status),
            Outcome::Pending(mut pended) => {
                pended.cancel();
                pended
                    .poll()
                    .ok_or_else(|| "still pending after cancel".to_string())
            }
        },
    },
];

/// The largest quota the driver accepts (`MaxRegistrationsPerOpen` <= 4096).
fn protocol_quota_limit() -> u32 {
    4096
}

/// Cases Wine can show (WINE-SMOKE.md).
const WINE_CASES: &[&str] = &[
    "get_info",
    "short_input",
    "oversized_input",
    "short_output",
    "unknown_code",
    "namespace_open",
    "open_as_me_readable",
];

/// Handle cases that, under Wine, only have to fail cleanly (and leave the driver serving).
const WINE_CLEAN_FAILURES: &[&str] = &[
    "event_as_file",
    "event_without_modify_state",
    "null_handle",
    "garbage_handle",
];

/// Runs the profile's cases.
pub fn run(device: &dyn Transport, profile: Profile) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for case in CASES {
        match profile {
            Profile::Full => {
                let actual = (case.run)(device);
                let pass = actual.as_ref().is_ok_and(|&status| status == case.expected);
                results.push(CaseResult { case, actual, pass });
            }
            Profile::Wine if WINE_CASES.contains(&case.name) => {
                let actual = (case.run)(device);
                let pass = actual.as_ref().is_ok_and(|&status| status == case.expected);
                results.push(CaseResult { case, actual, pass });
            }
            Profile::Wine if WINE_CLEAN_FAILURES.contains(&case.name) => {
                let actual = (case.run)(device);
                let still_serving = client::info(device).is_ok();
                let pass = actual
                    .as_ref()
                    .is_ok_and(|&status| !status::is_success(status))
                    && still_serving;
                results.push(CaseResult { case, actual, pass });
            }
            Profile::Wine => {}
        }
    }
    results
}

/// The matrix as a table.
pub fn table(results: &[CaseResult], profile: Profile) -> String {
    let mut out = format!(
        "{:<30} {:<6} {:<40} {:<40} {}\n",
        "case", "result", "expected", "actual", "attacks"
    );
    for result in results {
        let expected = match profile {
            Profile::Wine if WINE_CLEAN_FAILURES.contains(&result.case.name) => {
                "any failure status".to_string()
            }
            _ => status::label(result.case.expected),
        };
        let actual = match &result.actual {
            Ok(status) => status::label(*status),
            Err(why) => format!("not run: {why}"),
        };
        let verdict = if result.pass { "PASS" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{:<30} {verdict:<6} {expected:<40} {actual:<40} {}",
            result.case.name, result.case.attacks
        );
    }
    let passed = results.iter().filter(|result| result.pass).count();
    let _ = writeln!(out, "{passed} passed, {} failed", results.len() - passed);
    out
}

fn expected_label(result: &CaseResult, profile: Profile) -> String {
    match profile {
        Profile::Wine if WINE_CLEAN_FAILURES.contains(&result.case.name) => {
            "any failure status".to_string()
        }
        _ => status::label(result.case.expected),
    }
}

/// The matrix as JSON: an array of `{case, attacks, expected, actual, pass}`.
pub fn json(results: &[CaseResult], profile: Profile) -> serde_json::Value {
    serde_json::Value::Array(
        results
            .iter()
            .map(|result| {
                let actual = match &result.actual {
                    Ok(status) => json!(status::label(*status)),
                    Err(why) => json!(format!("not run: {why}")),
                };
                json!({
                    "case": result.case.name,
                    "attacks": result.case.attacks,
                    "expected": expected_label(result, profile),
                    "actual": actual,
                    "pass": result.pass,
                })
            })
            .collect(),
    )
}
