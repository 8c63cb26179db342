//! The thin layer of Win32 calls the transport makes: handle values between the wire's `u64`
//! and `HANDLE`, the status behind a failed call, files and events.
use crate::status::{self, Status};
use windows_sys::Win32::Foundation::{CloseHandle, GetLastError, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_SHARE_READ, FILE_SHARE_WRITE,
};
use windows_sys::Win32::System::Threading::{CreateEventW, GetCurrentProcess};

#[link(name = "ntdll")]
unsafe extern "system" {
    /// The NTSTATUS behind this thread's last Win32 error (`TEB.LastStatusValue`).
    fn RtlGetLastNtStatus() -> i32;
    /// The Win32 error an NTSTATUS maps to, without touching the TEB.
    fn RtlNtStatusToDosErrorNoTeb(status: i32) -> u32;
}

/// `text` as a NUL-terminated UTF-16 string.
pub fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The status of the Win32 call that just failed on this thread.
pub fn last_error_status() -> Status {
    // SAFETY: reads this thread's last-error value; no preconditions.
    let error = unsafe { GetLastError() };
    // SAFETY: reads this thread's last NTSTATUS; no preconditions.
    let nt_status = unsafe { RtlGetLastNtStatus() };
    // SAFETY: a table lookup on a plain integer.
    let same_error = unsafe { RtlNtStatusToDosErrorNoTeb(nt_status) } == error;
    if error != 0 && nt_status < 0 && same_error {
        nt_status
    } else {
        status::from_win32(error)
    }
}

/// `CloseHandle`.
pub fn close_handle(handle: HANDLE) {
    // SAFETY: the caller owns `handle` and closes it once.
    unsafe { CloseHandle(handle) };
}

/// `CreateFileW` with both sharing modes: the handle, or the failure's status.
pub fn create_file(
    path: &str,
    access: u32,
    disposition: u32,
    flags: u32,
    security: Option<&SECURITY_ATTRIBUTES>,
) -> Result<HANDLE, Status> {
    let path = wide(path);
    let security = security.map_or(std::ptr::null(), std::ptr::from_ref);
    // SAFETY: a NUL-terminated path that outlives the call, security attributes that are
    // null or valid for the call, no template file.
    let handle = unsafe {
        CreateFileW(
            path.as_ptr(),
            access,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            security,
            disposition,
            FILE_ATTRIBUTE_NORMAL | flags,
            std::ptr::null_mut(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        Err(last_error_status())
    } else {
        Ok(handle)
    }
}

/// An unnamed manual-reset event, not signalled, with full access.
pub fn create_event() -> Result<HANDLE, Status> {
    // SAFETY: an unnamed manual-reset event, not signalled, default security.
    let event = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
    if event.is_null() {
        Err(last_error_status())
    } else {
        Ok(event)
    }
}

/// A handle value as the Win32 API takes it. Values are pointer-sized: on a 32-bit build the
/// wire's high half is the sign extension, which WOW64 drops the same way.
#[expect(
    clippy::cast_possible_truncation,
    reason = "pointer-sized on the target, as the comment above says"
)]
pub fn to_handle(value: u64) -> HANDLE {
    value as usize as HANDLE
}

/// A `HANDLE` as the wire's `u64`.
pub fn from_handle(handle: HANDLE) -> u64 {
    handle as usize as u64
}

/// `GetCurrentProcess()`: the pseudo-handle -1.
pub fn current_process() -> HANDLE {
    // SAFETY: returns the pseudo-handle -1; no preconditions.
    unsafe { GetCurrentProcess() }
}
