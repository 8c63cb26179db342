//! NTSTATUS values in words, with the handle rule behind each refusal.
//!
//! [`explain`] says what a status means in general; [`explain_for`] says what it means for
//! one operation, which is where the rule shows: `STATUS_ACCESS_DENIED` from REGISTER_EVENT
//! means the event handle lacks `EVENT_MODIFY_STATE`, from INSPECT_FILE that the file handle
//! lacks `FILE_READ_DATA`, from OPEN_AS_CALLER that *you* may not read the file.
use crate::transport::Status;

macro_rules! statuses {
    ($($name:ident = $value:literal, $words:literal;)*) => {
        $(
            #[allow(clippy::cast_possible_wrap, dead_code)]
            pub const $name: Status = $value as u32 as Status;
        )*

        /// The symbolic name of a status, if it is one hgctl knows.
        pub fn name(status: Status) -> Option<&'static str> {
            match status {
                $($name => Some(stringify!($name)),)*
                _ => None,
            }
        }

        fn words(status: Status) -> Option<&'static str> {
            match status {
                $($name => Some($words),)*
                _ => None,
            }
        }
    };
}

statuses! {
    STATUS_SUCCESS = 0x0000_0000, "success";
    STATUS_TIMEOUT = 0x0000_0102, "the wait timed out";
    STATUS_PENDING = 0x0000_0103, "the request is pending";
    STATUS_UNSUCCESSFUL = 0xC000_0001, "the operation failed";
    STATUS_NOT_IMPLEMENTED = 0xC000_0002, "the kernel does not implement a routine the driver called (Wine's ntoskrnl has no UserMode ObReferenceObjectByHandle)";
    STATUS_INVALID_HANDLE = 0xC000_0008, "the value is not a handle in this process: closed, never opened, NULL, another process's value, or a kernel handle, which user mode may not pass";
    STATUS_INVALID_PARAMETER = 0xC000_000D, "a buffer of the wrong size, a malformed field, or an asynchronous file handle";
    STATUS_NO_SUCH_DEVICE = 0xC000_000E, "the device does not exist: is the driver loaded?";
    STATUS_INVALID_DEVICE_REQUEST = 0xC000_0010, "the driver does not implement this IOCTL, or the request did not arrive in the caller's process context";
    STATUS_END_OF_FILE = 0xC000_0011, "the end of the file was reached";
    STATUS_ACCESS_DENIED = 0xC000_0022, "access denied: the handle lacks the access the operation uses, or the caller may not open the object";
    STATUS_BUFFER_TOO_SMALL = 0xC000_0023, "the output buffer is too small for the reply";
    STATUS_OBJECT_TYPE_MISMATCH = 0xC000_0024, "the handle names an object of another type";
    STATUS_OBJECT_NAME_INVALID = 0xC000_0033, "the name is not valid";
    STATUS_OBJECT_NAME_NOT_FOUND = 0xC000_0034, "no object has that name";
    STATUS_OBJECT_PATH_NOT_FOUND = 0xC000_003A, "a directory of the path does not exist";
    STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000_003B, "the path is not a valid NT path";
    STATUS_SHARING_VIOLATION = 0xC000_0043, "the file is open elsewhere in a way that does not share it";
    STATUS_QUOTA_EXCEEDED = 0xC000_0044, "this open of the device holds as many registrations as its quota allows (Parameters\\MaxRegistrationsPerOpen, 64 by default)";
    STATUS_DELETE_PENDING = 0xC000_0056, "the open is being cleaned up";
    STATUS_INSUFFICIENT_RESOURCES = 0xC000_009A, "the kernel is out of pool";
    STATUS_CANCELLED = 0xC000_0120, "the request was cancelled";
    STATUS_FILE_DELETED = 0xC000_0123, "the object behind the open handle is gone (under Wine: winedevice.exe, which hosts the driver, has died)";
    STATUS_NOT_FOUND = 0xC000_0225, "no registration of this open has that id";
}

/// Facility `FACILITY_NTWIN32`: `NTSTATUS_FROM_WIN32(error)` is `0xC007_0000 | error`.
const NTWIN32: u32 = 0xC007_0000;

/// `NTSTATUS_FROM_WIN32(error)`: a Win32 error with no NTSTATUS behind it (the Windows
/// transport's).
#[cfg_attr(not(windows), allow(dead_code))]
#[must_use]
pub fn from_win32(error: u32) -> Status {
    (NTWIN32 | (error & 0xFFFF)).cast_signed()
}

/// `NAME (0xXXXXXXXX)`, or `Win32 error N (0xC007....)`.
#[must_use]
pub fn label(status: Status) -> String {
    let raw = status.cast_unsigned();
    let hex = format!("0x{raw:08X}");
    match name(status) {
        Some(name) => format!("{name} ({hex})"),
        None if raw & 0xFFFF_0000 == NTWIN32 => format!("Win32 error {} ({hex})", raw & 0xFFFF),
        None => hex,
    }
}

/// A sentence for a user: the label and what the status means in general.
#[must_use]
pub fn explain(status: Status) -> String {
    match words(status) {
        Some(words) => format!("{}: {words}", label(status)),
        None => format!("{}: an unexpected status", label(status)),
    }
}

/// `NT_SUCCESS(status)`.
#[must_use]
pub fn is_success(status: Status) -> bool {
    status >= 0
}

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
        }
    }
}

const NOT_A_HANDLE: &str = "the driver refused the handle: the value is no handle in your process (NULL, closed, never opened, another process's value, or a kernel handle: the driver references it with your RequestorMode, UserMode, so only your own handle table is searched and kernel handles are refused)";

/// The rule behind `status` for `op`, where there is one to tell.
fn rule(op: Op, status: Status) -> Option<&'static str> {
    Some(match (op, status) {
        (Op::OpenDevice, STATUS_OBJECT_NAME_NOT_FOUND | STATUS_OBJECT_PATH_NOT_FOUND) => {
            "no device of that name: is the driver installed and started (sc query handleguard)? Names under the device (\\\\.\\HandleGuard\\x) are refused on purpose: the device has no namespace"
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
            "the driver refused the file: it was opened for overlapped (asynchronous) I/O, and the driver reads synchronously through its own kernel handle (or the request was malformed)"
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
        (Op::OpenAsCaller | Op::CreateKernelEvent, STATUS_INVALID_DEVICE_REQUEST) => {
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
        (_, STATUS_INVALID_DEVICE_REQUEST) => "the driver does not implement this IOCTL code",
        _ => return None,
    })
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
    fn labels_name_the_status_or_the_win32_error() {
        assert_eq!(
            label(STATUS_ACCESS_DENIED),
            "STATUS_ACCESS_DENIED (0xC0000022)"
        );
        assert_eq!(label(0x1234), "0x00001234");
        assert_eq!(label(from_win32(1168)), "Win32 error 1168 (0xC0070490)");
        assert!(is_success(STATUS_PENDING));
        assert!(!is_success(STATUS_INVALID_HANDLE));
        assert!(!is_success(from_win32(5)));
    }

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

    #[test]
    fn every_status_the_driver_returns_has_words() {
        for status in [
            STATUS_INVALID_HANDLE,
            STATUS_INVALID_PARAMETER,
            STATUS_INVALID_DEVICE_REQUEST,
            STATUS_ACCESS_DENIED,
            STATUS_BUFFER_TOO_SMALL,
            STATUS_OBJECT_TYPE_MISMATCH,
            STATUS_OBJECT_NAME_NOT_FOUND,
            STATUS_QUOTA_EXCEEDED,
            STATUS_INSUFFICIENT_RESOURCES,
            STATUS_DELETE_PENDING,
            STATUS_CANCELLED,
            STATUS_NOT_FOUND,
            STATUS_UNSUCCESSFUL,
            STATUS_END_OF_FILE,
        ] {
            assert!(words(status).is_some(), "{}", label(status));
        }
        assert_eq!(explain(0x4242_4242), "0x42424242: an unexpected status");
    }
}
