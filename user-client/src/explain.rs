//! What a status means for one operation: the handle rule behind a refusal.
//!
//! [`explain`] says what a status means in general; [`explain_for`] says what it means for
//! one operation, which is where the rule shows: `STATUS_ACCESS_DENIED` from REGISTER_EVENT
//! means the event handle lacks `EVENT_MODIFY_STATE`, from INSPECT_FILE that the file handle
//! lacks `FILE_READ_DATA`, from OPEN_AS_CALLER that *you* may not read the file.
use crate::status::{
    STATUS_ACCESS_DENIED, STATUS_BUFFER_TOO_SMALL, STATUS_CANCELLED, STATUS_INVALID_DEVICE_REQUEST,
    STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER, STATUS_NOT_FOUND, STATUS_NOT_IMPLEMENTED,
    STATUS_NOT_SUPPORTED, STATUS_OBJECT_NAME_INVALID, STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_OBJECT_PATH_NOT_FOUND, STATUS_OBJECT_PATH_SYNTAX_BAD, STATUS_OBJECT_TYPE_MISMATCH,
    STATUS_QUOTA_EXCEEDED, Status, explain, label,
};

/// What hgctl was doing when a status came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Opening `\\.\HandleGuard` (or `--device`).
    OpenDevice,
    /// `IOCTL_HANDLEGUARD_GET_INFO`.
    GetInfo,
    /// `IOCTL_HANDLEGUARD_REGISTER_EVENT` with an event handle.
    RegisterEvent,
    /// `IOCTL_HANDLEGUARD_REGISTER_EVENT` pending the request itself.
    RegisterPended,
    /// `IOCTL_HANDLEGUARD_UNREGISTER`.
    Unregister,
    /// `IOCTL_HANDLEGUARD_INSPECT_FILE` with a file handle.
    InspectFile,
    /// `IOCTL_HANDLEGUARD_OPEN_AS_CALLER`.
    OpenAsCaller,
    /// `IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT`.
    CreateKernelEvent,
    /// `SetEvent` on the handle the driver handed out.
    SetKernelEvent,
    /// hgctl's own open of a file for the scenarios.
    OpenFile,
    /// hgctl's own creation of an event.
    CreateEvent,
    /// A wait on an event.
    Wait,
    /// A raw request (`hgctl ioctl`).
    Ioctl,
    /// hgctl's own open of a handle to its process or thread.
    OpenSelf,
}

impl Op {
    /// The operation in a few words.
    #[must_use]
    pub fn what(self) -> &'static str {
        match self {
            Op::OpenDevice => "opening the device",
            Op::GetInfo => "GET_INFO",
            Op::RegisterEvent => "REGISTER_EVENT",
            Op::RegisterPended => "REGISTER_EVENT (pended)",
            Op::Unregister => "UNREGISTER",
            Op::InspectFile => "INSPECT_FILE",
            Op::OpenAsCaller => "OPEN_AS_CALLER",
            Op::CreateKernelEvent => "CREATE_KERNEL_EVENT",
            Op::SetKernelEvent => "SetEvent on the driver's handle",
            Op::OpenFile => "opening the file",
            Op::CreateEvent => "creating an event",
            Op::Wait => "waiting on the event",
            Op::Ioctl => "the IOCTL",
            Op::OpenSelf => "opening a handle to this process or thread",
        }
    }
}

const NOT_A_HANDLE: &str = "the driver refused the handle: the value is no handle in your process (NULL, closed, never opened, another process's value, or a kernel handle: the driver references it with your RequestorMode, UserMode, so only your own handle table is searched and kernel handles are refused)";

/// The rule behind `status` for `op`, where there is one to tell.
fn rule(op: Op, status: Status) -> Option<&'static str> {
    Some(match (op, status) {
        (Op::OpenDevice, STATUS_OBJECT_NAME_NOT_FOUND | STATUS_OBJECT_PATH_NOT_FOUND) => {
            "no device of that name (names under the device, \\\\.\\HandleGuard\\x, are refused on purpose: the device has no namespace)"
        }
        (Op::OpenDevice, STATUS_ACCESS_DENIED) => {
            "the device's security descriptor does not let you open it"
        }
        (Op::RegisterEvent, STATUS_OBJECT_TYPE_MISMATCH) => {
            "the driver refused the handle: it is not an event. The driver references it with ExEventObjectType, so a file, process (-1) or thread (-2) handle cannot pass as an event"
        }
        (Op::RegisterEvent, STATUS_ACCESS_DENIED) => {
            "the driver refused the handle: it was opened without EVENT_MODIFY_STATE (or SYNCHRONIZE). The driver asks for exactly the access it will use, SYNCHRONIZE | EVENT_MODIFY_STATE, with your RequestorMode: a handle you could not set the event with cannot make the driver set it"
        }
        (Op::InspectFile, STATUS_OBJECT_TYPE_MISMATCH) => {
            "the driver refused the handle: it is not a file. The driver references it with IoFileObjectType, so an event, process (-1) or thread (-2) handle cannot pass as a file"
        }
        (Op::InspectFile, STATUS_ACCESS_DENIED) => {
            "the driver refused the handle: it was opened without FILE_READ_DATA. The driver asks for exactly the access it reads with, with your RequestorMode: a handle you could not read through cannot make the driver read for you"
        }
        (Op::InspectFile, STATUS_INVALID_PARAMETER) => {
            "the driver refused the file: it was opened for overlapped (asynchronous) I/O, and the driver inspects synchronous file objects only (or the request was malformed)"
        }
        (Op::RegisterEvent | Op::InspectFile, STATUS_INVALID_HANDLE) => NOT_A_HANDLE,
        (Op::RegisterEvent | Op::InspectFile, STATUS_NOT_IMPLEMENTED) => {
            "the kernel cannot validate user handles (Wine's ntoskrnl has no UserMode ObReferenceObjectByHandle, and runs drivers in winedevice.exe, where your handle values mean nothing); the driver refused cleanly"
        }
        (Op::RegisterEvent | Op::RegisterPended, STATUS_QUOTA_EXCEEDED) => {
            "this open of the device already holds its quota of registrations (Parameters\\MaxRegistrationsPerOpen, 64 by default): unregister some, or close the device (cleanup cancels them)"
        }
        (Op::RegisterEvent | Op::RegisterPended, STATUS_INVALID_PARAMETER) => {
            "the driver refused the request: the input is not exactly a RegisterEventRequest, or its mode is undefined"
        }
        (Op::RegisterPended, STATUS_CANCELLED) => {
            "the pended request was cancelled (CancelIoEx, or the device was closed) before it was due"
        }
        (Op::Unregister, STATUS_NOT_FOUND) => {
            "no registration of this open has that id: it already fired, was cancelled, or belongs to another open"
        }
        (Op::OpenAsCaller, STATUS_ACCESS_DENIED) => {
            "you may not read that file: the driver opened it with OBJ_FORCE_ACCESS_CHECK, so your access was checked, not the kernel's. Nobody reads through the driver what they could not read themselves"
        }
        (
            Op::OpenAsCaller | Op::OpenFile,
            STATUS_OBJECT_NAME_NOT_FOUND | STATUS_OBJECT_PATH_NOT_FOUND,
        ) => "no such file",
        (Op::OpenAsCaller, STATUS_OBJECT_NAME_INVALID | STATUS_OBJECT_PATH_SYNTAX_BAD) => {
            "not a valid NT path: give a path such as \\??\\C:\\Windows\\win.ini or C:\\Windows\\win.ini"
        }
        (Op::OpenAsCaller, STATUS_INVALID_PARAMETER) => {
            "the path is empty or longer than 260 UTF-16 units"
        }
        (Op::OpenAsCaller, STATUS_NOT_SUPPORTED) => {
            "the path names no file on a file-system volume (a device, a pipe, a mailslot or a whole volume): the driver opened it with your access checked, saw what it was, and closed it unread; give the path of a file"
        }
        (Op::InspectFile, STATUS_NOT_SUPPORTED) => {
            "the handle is open on no file of a file-system volume (a device, this one included, a pipe, a mailslot or a whole volume): the driver refused it by what its file object is, without reading it; pass a file"
        }
        (Op::CreateKernelEvent, STATUS_INVALID_DEVICE_REQUEST) => {
            "the request did not run in your process's context, so the driver cannot act for you"
        }
        (Op::SetKernelEvent, STATUS_ACCESS_DENIED) => {
            "the driver handed out this handle with SYNCHRONIZE only: you can wait on its event, never set or reset it"
        }
        (Op::OpenFile, STATUS_ACCESS_DENIED) => "you may not open the file with that access",
        (Op::Wait, STATUS_ACCESS_DENIED) => "the handle was opened without SYNCHRONIZE",
        (_, STATUS_BUFFER_TOO_SMALL) => {
            "the output buffer is too small for the reply; the driver checks before it does any work"
        }
        (Op::Ioctl, STATUS_INVALID_DEVICE_REQUEST) => {
            "the driver does not implement this IOCTL code (or refused the request as one it cannot serve)"
        }
        _ => return None,
    })
}

/// The status's label and what it means for `op` (the rule, else its general words).
#[must_use]
pub fn meaning(op: Op, status: Status) -> String {
    match rule(op, status) {
        Some(rule) => format!("{}: {rule}", label(status)),
        None => explain(status),
    }
}

/// A sentence for a user: what `op` got back, and the rule behind it.
#[must_use]
pub fn explain_for(op: Op, status: Status) -> String {
    match rule(op, status) {
        Some(rule) => format!("{}: {}: {rule}", op.what(), label(status)),
        None => format!("{}: {}", op.what(), explain(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_status_tells_a_different_rule_per_operation() {
        let event = explain_for(Op::RegisterEvent, STATUS_ACCESS_DENIED);
        assert!(
            event.starts_with(
                "REGISTER_EVENT: STATUS_ACCESS_DENIED (0xC0000022): the driver refused the handle: it was opened without EVENT_MODIFY_STATE"
            ),
            "{event}"
        );
        assert!(explain_for(Op::InspectFile, STATUS_ACCESS_DENIED).contains("FILE_READ_DATA"));
        assert!(
            explain_for(Op::OpenAsCaller, STATUS_ACCESS_DENIED).contains("OBJ_FORCE_ACCESS_CHECK")
        );
        assert!(explain_for(Op::SetKernelEvent, STATUS_ACCESS_DENIED).contains("SYNCHRONIZE only"));
        assert!(explain_for(Op::InspectFile, STATUS_INVALID_PARAMETER).contains("asynchronous"));
        assert!(explain_for(Op::RegisterEvent, STATUS_INVALID_HANDLE).contains("kernel handle"));
    }
}
