//! Handle values between the wire's `u64` and Win32's `HANDLE`.
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::Threading::GetCurrentProcess;

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
