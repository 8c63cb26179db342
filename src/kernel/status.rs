//! `NTSTATUS` as a Rust value, and the result type every fallible kernel call returns.
use super::ffi;

/// An `NTSTATUS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtStatus(ffi::NTSTATUS);

/// What fallible kernel operations return: the error is the failing `NTSTATUS`.
pub type NtResult<T> = Result<T, NtStatus>;

impl NtStatus {
    /// `STATUS_SUCCESS`.
    pub const SUCCESS: Self = Self(ffi::STATUS_SUCCESS);
    /// `STATUS_PENDING`.
    pub const PENDING: Self = Self(ffi::STATUS_PENDING);
    /// `STATUS_UNSUCCESSFUL`.
    pub const UNSUCCESSFUL: Self = Self(ffi::STATUS_UNSUCCESSFUL);
    /// `STATUS_INVALID_HANDLE`.
    pub const INVALID_HANDLE: Self = Self(ffi::STATUS_INVALID_HANDLE);
    /// `STATUS_INVALID_PARAMETER`.
    pub const INVALID_PARAMETER: Self = Self(ffi::STATUS_INVALID_PARAMETER);
    /// `STATUS_INVALID_DEVICE_REQUEST`.
    pub const INVALID_DEVICE_REQUEST: Self = Self(ffi::STATUS_INVALID_DEVICE_REQUEST);
    /// `STATUS_ACCESS_DENIED`.
    pub const ACCESS_DENIED: Self = Self(ffi::STATUS_ACCESS_DENIED);
    /// `STATUS_BUFFER_TOO_SMALL`.
    pub const BUFFER_TOO_SMALL: Self = Self(ffi::STATUS_BUFFER_TOO_SMALL);
    /// `STATUS_OBJECT_TYPE_MISMATCH`.
    pub const OBJECT_TYPE_MISMATCH: Self = Self(ffi::STATUS_OBJECT_TYPE_MISMATCH);
    /// `STATUS_OBJECT_NAME_NOT_FOUND`.
    pub const OBJECT_NAME_NOT_FOUND: Self = Self(ffi::STATUS_OBJECT_NAME_NOT_FOUND);
    /// `STATUS_QUOTA_EXCEEDED`.
    pub const QUOTA_EXCEEDED: Self = Self(ffi::STATUS_QUOTA_EXCEEDED);
    /// `STATUS_INSUFFICIENT_RESOURCES`.
    pub const INSUFFICIENT_RESOURCES: Self = Self(ffi::STATUS_INSUFFICIENT_RESOURCES);
    /// `STATUS_DELETE_PENDING`.
    pub const DELETE_PENDING: Self = Self(ffi::STATUS_DELETE_PENDING);
    /// `STATUS_CANCELLED`.
    pub const CANCELLED: Self = Self(ffi::STATUS_CANCELLED);
    /// `STATUS_NOT_FOUND`.
    pub const NOT_FOUND: Self = Self(ffi::STATUS_NOT_FOUND);
    /// `STATUS_END_OF_FILE`.
    pub const END_OF_FILE: Self = Self(ffi::STATUS_END_OF_FILE);

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

    /// `NT_SUCCESS(status)`: success and informational values.
    #[must_use]
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// `Ok(())` for a success value, the status as an error otherwise.
    ///
    /// # Errors
    /// The status itself when it is not `NT_SUCCESS`.
    pub const fn ok(self) -> NtResult<()> {
        if self.is_success() { Ok(()) } else { Err(self) }
    }
}
