//! NTSTATUS values in words, with the handle rule behind each refusal.
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
    STATUS_PENDING = 0x0000_0103, "the request is pending";
    STATUS_NOT_IMPLEMENTED = 0xC000_0002, "the kernel does not implement a routine the driver called (expected under Wine for UserMode handle references)";
    STATUS_INVALID_HANDLE = 0xC000_0008, "the driver refused the handle: it is not a handle in this process (closed, never opened, another process's value, NULL, or a kernel handle)";
    STATUS_INVALID_PARAMETER = 0xC000_000D, "the driver refused the request: a buffer of the wrong size, a malformed field, or an asynchronous file handle";
    STATUS_INVALID_DEVICE_REQUEST = 0xC000_0010, "the driver does not implement this IOCTL, or the request did not arrive in the caller's process context";
    STATUS_ACCESS_DENIED = 0xC000_0022, "access denied: the handle was opened without the access the driver uses (EVENT_MODIFY_STATE and SYNCHRONIZE for events, FILE_READ_DATA for files), or the caller may not open the path";
    STATUS_BUFFER_TOO_SMALL = 0xC000_0023, "the output buffer is too small for the reply";
    STATUS_OBJECT_TYPE_MISMATCH = 0xC000_0024, "the driver refused the handle: it names an object of another type (an event where a file is expected, or the reverse, or a pseudo-handle)";
    STATUS_OBJECT_NAME_NOT_FOUND = 0xC000_0034, "no such name (the device has no namespace under it, or the path does not exist)";
    STATUS_QUOTA_EXCEEDED = 0xC000_0044, "this open of the device holds as many registrations as its quota allows (Parameters\\MaxRegistrationsPerOpen)";
    STATUS_DELETE_PENDING = 0xC000_0056, "the open is being cleaned up";
    STATUS_INSUFFICIENT_RESOURCES = 0xC000_009A, "the kernel is out of pool";
    STATUS_CANCELLED = 0xC000_0120, "the request was cancelled";
    STATUS_NOT_FOUND = 0xC000_0225, "no registration of this open has that id";
    STATUS_NO_SUCH_DEVICE = 0xC000_000E, "the device does not exist: is the driver loaded?";
}

/// `NAME (0xXXXXXXXX)`.
pub fn label(status: Status) -> String {
    let hex = format!("{:#010X}", status.cast_unsigned()).replace("0X", "0x");
    match name(status) {
        Some(name) => format!("{name} ({hex})"),
        None => hex,
    }
}

/// A sentence for a user.
pub fn explain(status: Status) -> String {
    match words(status) {
        Some(words) => format!("{}: {words}", label(status)),
        None => format!("{}: an unexpected status", label(status)),
    }
}

/// `NT_SUCCESS(status)`.
pub fn is_success(status: Status) -> bool {
    status >= 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_explanations_name_the_status_and_the_rule() {
        assert_eq!(
            label(STATUS_ACCESS_DENIED),
            "STATUS_ACCESS_DENIED (0xC0000022)"
        );
        assert!(explain(STATUS_ACCESS_DENIED).contains("EVENT_MODIFY_STATE"));
        assert_eq!(label(0x1234), "0x00001234");
        assert!(is_success(STATUS_PENDING));
        assert!(!is_success(STATUS_INVALID_HANDLE));
    }
}
