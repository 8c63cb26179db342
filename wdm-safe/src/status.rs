//! `NTSTATUS` as Rust values: [`NtStatus`] for any status, [`NtError`] for a failure.
//!
//! Every fallible call of the layer returns [`NtResult`], whose error can only be a failure
//! status: an IRP cannot be failed with `STATUS_SUCCESS` or `STATUS_PENDING`, because neither
//! is an `NtError`.
use crate::ffi;

/// An `NTSTATUS` of any severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtStatus(ffi::NTSTATUS);

/// A status that is not `NT_SUCCESS`: an error or a warning.
///
/// # Invariants
/// The wrapped value is negative (`NT_SUCCESS` is false for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtError(ffi::NTSTATUS);

/// What fallible kernel operations return.
pub type NtResult<T> = Result<T, NtError>;

impl NtStatus {
    /// `STATUS_SUCCESS`.
    pub const SUCCESS: Self = Self(ffi::STATUS_SUCCESS);
    /// `STATUS_PENDING`.
    pub const PENDING: Self = Self(ffi::STATUS_PENDING);

    /// Wraps a raw status.
    #[must_use]
    pub const fn from_raw(status: ffi::NTSTATUS) -> Self {
        Self(status)
    }

    /// The raw status.
    #[must_use]
    pub const fn raw(self) -> ffi::NTSTATUS {
        self.0
    }

    /// `NT_SUCCESS(status)`: success and informational values (`STATUS_PENDING` included).
    #[must_use]
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// `Ok(())` for an `NT_SUCCESS` value, the failure otherwise.
    ///
    /// # Errors
    /// The status itself when it is not `NT_SUCCESS`.
    pub const fn ok(self) -> NtResult<()> {
        if self.is_success() {
            Ok(())
        } else {
            // INVARIANT: negative, checked just above.
            Err(NtError(self.0))
        }
    }
}

macro_rules! errors {
    ($($(#[$doc:meta])* $name:ident = $raw:ident;)*) => {
        impl NtError {
            $(
                $(#[$doc])*
                pub const $name: Self = Self::from_const(ffi::$raw);
            )*
        }
    };
}

errors! {
    /// `STATUS_UNSUCCESSFUL`.
    UNSUCCESSFUL = STATUS_UNSUCCESSFUL;
    /// `STATUS_INVALID_HANDLE`.
    INVALID_HANDLE = STATUS_INVALID_HANDLE;
    /// `STATUS_INVALID_PARAMETER`.
    INVALID_PARAMETER = STATUS_INVALID_PARAMETER;
    /// `STATUS_INVALID_DEVICE_REQUEST`.
    INVALID_DEVICE_REQUEST = STATUS_INVALID_DEVICE_REQUEST;
    /// `STATUS_ACCESS_DENIED`.
    ACCESS_DENIED = STATUS_ACCESS_DENIED;
    /// `STATUS_BUFFER_TOO_SMALL`.
    BUFFER_TOO_SMALL = STATUS_BUFFER_TOO_SMALL;
    /// `STATUS_OBJECT_TYPE_MISMATCH`.
    OBJECT_TYPE_MISMATCH = STATUS_OBJECT_TYPE_MISMATCH;
    /// `STATUS_OBJECT_NAME_NOT_FOUND`.
    OBJECT_NAME_NOT_FOUND = STATUS_OBJECT_NAME_NOT_FOUND;
    /// `STATUS_QUOTA_EXCEEDED`.
    QUOTA_EXCEEDED = STATUS_QUOTA_EXCEEDED;
    /// `STATUS_INSUFFICIENT_RESOURCES`.
    INSUFFICIENT_RESOURCES = STATUS_INSUFFICIENT_RESOURCES;
    /// `STATUS_DELETE_PENDING`.
    DELETE_PENDING = STATUS_DELETE_PENDING;
    /// `STATUS_CANCELLED`.
    CANCELLED = STATUS_CANCELLED;
    /// `STATUS_NOT_FOUND`.
    NOT_FOUND = STATUS_NOT_FOUND;
    /// `STATUS_END_OF_FILE`.
    END_OF_FILE = STATUS_END_OF_FILE;
    /// `STATUS_NOT_SUPPORTED`.
    NOT_SUPPORTED = STATUS_NOT_SUPPORTED;
    /// `STATUS_DRIVER_INTERNAL_ERROR`: what an IRP dropped without completion is completed
    /// with (a driver bug the layer turns into a failed request rather than a hung one).
    DRIVER_INTERNAL_ERROR = STATUS_DRIVER_INTERNAL_ERROR;
}

impl NtError {
    /// A failure constant; a non-negative value is a compile error where used in a const.
    const fn from_const(raw: ffi::NTSTATUS) -> Self {
        assert!(raw < 0, "not a failure status");
        // INVARIANT: negative, asserted above.
        Self(raw)
    }

    /// The failure as a status.
    #[must_use]
    pub const fn status(self) -> NtStatus {
        NtStatus(self.0)
    }

    /// The raw status.
    #[must_use]
    pub const fn raw(self) -> ffi::NTSTATUS {
        self.0
    }
}

impl From<NtError> for NtStatus {
    fn from(error: NtError) -> Self {
        error.status()
    }
}
