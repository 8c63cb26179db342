//! The attack matrix as data: every way a caller can hand the driver a bad handle or a bad
//! buffer, with the exact status the driver must answer (derived from the driver's source and
//! NT's ObReferenceObjectByHandle semantics) and how the Wine profile treats it.
use super::case::{Case, Needs, Observation, WineRule};
use super::steps::{
    event, file_handle_inspected, fill_quota, inspect, kernel_event_cannot_be_set,
    kernel_event_duplicated_up, kernel_event_wait, kernel_requestor, open_as_me_readable,
    pended_request_cancelled, pended_request_completes, pipe_as_file, quota_charged, readable,
    refusal_audit, register, register_bytes, signalled_when_due, unknown_code,
    unregister_before_due, valid_register_request, wrong_context,
};
use crate::access;
use crate::client;
use crate::handle_value::{CURRENT_PROCESS, CURRENT_THREAD, GARBAGE};
use crate::status;
use handleguard_protocol::{self as protocol, InfoReply};

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
        name: "quota_charged",
        attacks: "registrations paid by the system, not you",
        expected: status::STATUS_SUCCESS,
        // Wine keeps no pool quota.
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: quota_charged,
    },
    Case {
        name: "device_handle_as_file",
        attacks: "this device's own handle to INSPECT_FILE",
        expected: status::STATUS_NOT_SUPPORTED,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: |d| Ok(inspect(d, d.device_handle())),
    },
    Case {
        name: "pipe_as_file",
        attacks: "a named pipe with data waiting to INSPECT_FILE",
        expected: status::STATUS_NOT_SUPPORTED,
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: pipe_as_file,
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
        // The open works under Wine, but Wine's FILE_OBJECT for a handle has no
        // DeviceObject, Vpb or flags (ntoskrnl's create_file_object), so the driver cannot
        // tell a file on a volume and refuses it (not_a_file, STATUS_NOT_SUPPORTED).
        wine: WineRule::FailCleanly,
        needs: Needs::Device,
        run: open_as_me_readable,
    },
    Case {
        name: "device_path_as_caller",
        attacks: "OPEN_AS_CALLER on \\Device\\HandleGuard itself",
        expected: status::STATUS_NOT_SUPPORTED,
        // Not under Wine: the driver's IoCreateFile of its own device from inside its dispatch
        // routine becomes a create request to the same winedevice.exe, whose dispatch loop is
        // busy running that routine (not tried: it may wait forever).
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: |d| {
            let path = protocol::DEVICE_NT_NAME;
            Ok(client::open_as_caller(d, path)
                .map_or_else(Observation::status, |_| {
                    Observation::status(status::STATUS_SUCCESS)
                })
                .with(path))
        },
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
        name: "kernel_event_duplicated_up",
        attacks: "DuplicateHandle of it to EVENT_MODIFY_STATE",
        expected: status::STATUS_ACCESS_DENIED,
        wine: WineRule::Skip,
        needs: Needs::Device,
        run: kernel_event_duplicated_up,
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
        name: "kernel_event_kernel_mode",
        attacks: "a kernel-mode caller given a user handle",
        expected: status::STATUS_INVALID_DEVICE_REQUEST,
        wine: WineRule::Skip,
        needs: Needs::Forwarding,
        run: kernel_requestor,
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
