//! NTSTATUS values: their names, labels (`NAME (0xXXXXXXXX)`), words, and their JSON form.
//! What a status means for one operation (the handle rule behind it) is in `explain`.
use serde::Serializer;
use serde::ser::SerializeStruct;

/// An `NTSTATUS`. Win32 errors that have no NTSTATUS behind them travel as
/// `NTSTATUS_FROM_WIN32` (`0xC007xxxx`).
pub type Status = i32;

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

        pub(crate) fn words(status: Status) -> Option<&'static str> {
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
    STATUS_INVALID_INFO_CLASS = 0xC000_0003, "the kernel does not know this information class (Wine has no ProcessHandleInformation; Windows has it since 8)";
    STATUS_INVALID_HANDLE = 0xC000_0008, "the value is not a handle in this process: closed, never opened, NULL, another process's value, or a kernel handle, which user mode may not pass";
    STATUS_INVALID_PARAMETER = 0xC000_000D, "a buffer of the wrong size, a malformed field, or an asynchronous file handle";
    STATUS_NO_SUCH_DEVICE = 0xC000_000E, "the device does not exist: is the driver loaded?";
    STATUS_INVALID_DEVICE_REQUEST = 0xC000_0010, "the driver does not implement this IOCTL, or the request did not arrive in the caller's process context";
    STATUS_END_OF_FILE = 0xC000_0011, "the end of the file was reached";
    STATUS_ACCESS_DENIED = 0xC000_0022, "access denied: the handle lacks the access the operation uses (the driver's state-changing IOCTLs need a handle opened for writing), or the caller may not open the object";
    STATUS_BUFFER_TOO_SMALL = 0xC000_0023, "the output buffer is too small for the reply";
    STATUS_OBJECT_TYPE_MISMATCH = 0xC000_0024, "the handle names an object of another type";
    STATUS_OBJECT_NAME_INVALID = 0xC000_0033, "the name is not valid";
    STATUS_OBJECT_NAME_NOT_FOUND = 0xC000_0034, "no object has that name";
    STATUS_OBJECT_PATH_NOT_FOUND = 0xC000_003A, "a directory of the path does not exist";
    STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000_003B, "the path is not a valid NT path";
    STATUS_SHARING_VIOLATION = 0xC000_0043, "the file is open elsewhere in a way that does not share it";
    STATUS_QUOTA_EXCEEDED = 0xC000_0044, "this open of the device holds as many registrations as its quota allows (Parameters\\MaxRegistrationsPerOpen, 64 by default)";
    STATUS_DELETE_PENDING = 0xC000_0056, "the open is being cleaned up";
    STATUS_INSUFFICIENT_RESOURCES = 0xC000_009A, "no pool for it: this process's nonpaged pool quota is spent, or the device holds as many registrations as it allows (Parameters\\MaxRegistrations, 4096 by default)";
    STATUS_NOT_SUPPORTED = 0xC000_00BB, "not a file on a file-system volume: a named pipe, a mailslot, a device (this one included) or a whole volume, which the driver does not read";
    STATUS_CANCELLED = 0xC000_0120, "the request was cancelled";
    STATUS_FILE_DELETED = 0xC000_0123, "the object behind the open handle is gone (under Wine: winedevice.exe, which hosts the driver, has died)";
    STATUS_NOT_FOUND = 0xC000_0225, "no registration of this open has that id";
}

/// Facility `FACILITY_NTWIN32`: `NTSTATUS_FROM_WIN32(error)` is `0xC007_0000 | error`.
const NTWIN32: u32 = 0xC007_0000;

/// `NTSTATUS_FROM_WIN32(error)`: a Win32 error with no NTSTATUS behind it (the Windows
/// transport's).
#[cfg_attr(
    not(windows),
    allow(
        dead_code,
        reason = "only the Windows transport and the tests make one"
    )
)]
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

/// A status in JSON: `{"name": "STATUS_ACCESS_DENIED", "code": 3221225506, "hex":
/// "0xC0000022"}`; `name` is null for a status hgctl has no name for.
///
/// # Errors
/// The serializer's.
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with signature"
)]
pub fn serialize<S: Serializer>(status: &Status, serializer: S) -> Result<S::Ok, S::Error> {
    let raw = status.cast_unsigned();
    let mut object = serializer.serialize_struct("Status", 3)?;
    object.serialize_field("name", &name(*status))?;
    object.serialize_field("code", &raw)?;
    object.serialize_field("hex", &format!("0x{raw:08X}"))?;
    object.end()
}

/// [`serialize`] for an optional status (null when there is none).
///
/// # Errors
/// The serializer's.
#[expect(
    clippy::ref_option,
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with signature"
)]
pub fn serialize_option<S: Serializer>(
    status: &Option<Status>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match status {
        Some(status) => serialize(status, serializer),
        None => serializer.serialize_none(),
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
            STATUS_NOT_SUPPORTED,
        ] {
            assert!(words(status).is_some(), "{}", label(status));
        }
        assert_eq!(explain(0x4242_4242), "0x42424242: an unexpected status");
    }
}
