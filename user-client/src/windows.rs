//! The Windows transport: `\\.\HandleGuard` through CreateFileW and the native
//! `NtDeviceIoControlFile` (what DeviceIoControl calls), with real events and files. The
//! native call returns the driver's NTSTATUS exactly, including for requests that fail
//! synchronously on an overlapped handle, where the I/O manager writes no IO_STATUS_BLOCK and
//! signals no event (waiting on them would hang: the Wine smoke caught that), and where a
//! Win32 error would fold STATUS_OBJECT_TYPE_MISMATCH into ERROR_INVALID_HANDLE.
#![allow(unsafe_code)]

use crate::transport::{Outcome, Pended, Reply, Status, Transport};
use std::os::windows::io::AsRawHandle;
use windows_sys::Win32::Foundation::{
    CloseHandle, DUPLICATE_SAME_ACCESS, DuplicateHandle, ERROR_ACCESS_DENIED, ERROR_FILE_NOT_FOUND,
    ERROR_PATH_NOT_FOUND, GENERIC_READ, GENERIC_WRITE, GetLastError, HANDLE, INVALID_HANDLE_VALUE,
    WAIT_OBJECT_0,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_ATTRIBUTE_NORMAL, FILE_FLAG_OVERLAPPED, FILE_SHARE_READ, FILE_SHARE_WRITE,
    OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::{CancelIoEx, OVERLAPPED};
use windows_sys::Win32::System::Threading::{
    CreateEventW, GetCurrentProcess, SetEvent, WaitForSingleObject,
};

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

fn last_error_status() -> Status {
    // SAFETY: no preconditions.
    let error = unsafe { GetLastError() };
    match error {
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND => crate::status::STATUS_OBJECT_NAME_NOT_FOUND,
        ERROR_ACCESS_DENIED => crate::status::STATUS_ACCESS_DENIED,
        // HRESULT_FROM_WIN32-style: keep the Win32 code visible in the label.
        other => (0xC007_0000_u32 | (other & 0xFFFF)).cast_signed(),
    }
}

fn to_handle(value: u64) -> HANDLE {
    value as usize as HANDLE
}

fn open(path: &str, access: u32, flags: u32) -> Result<HANDLE, Status> {
    let path = wide(path);
    // SAFETY: a NUL-terminated path; no security attributes or template.
    let handle = unsafe {
        CreateFileW(
            path.as_ptr(),
            access,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            std::ptr::null(),
            OPEN_EXISTING,
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

/// An open of the device.
pub struct WindowsDevice {
    path: String,
    device: HANDLE,
    /// A child process that holds the "foreign" handles, started on demand.
    child: std::cell::RefCell<Option<std::process::Child>>,
}

impl WindowsDevice {
    /// Opens `path` (normally `\\.\HandleGuard`) for overlapped requests.
    ///
    /// # Errors
    /// The open's status, in words.
    pub fn open(path: &str) -> Result<Self, String> {
        let device =
            open(path, GENERIC_READ | GENERIC_WRITE, FILE_FLAG_OVERLAPPED).map_err(|status| {
                format!(
                    "cannot open {path}: {} (is the driver installed and started?)",
                    crate::status::explain(status)
                )
            })?;
        Ok(Self {
            path: path.to_string(),
            device,
            child: std::cell::RefCell::new(None),
        })
    }
}

impl Drop for WindowsDevice {
    fn drop(&mut self) {
        // SAFETY: our device handle, closed once.
        unsafe { CloseHandle(self.device) };
        if let Some(mut child) = self.child.borrow_mut().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `IO_STATUS_BLOCK`: the status (a union with a pointer) and the bytes transferred. It is
/// also the head of an OVERLAPPED, which is how CancelIoEx finds the request.
#[repr(C)]
struct IoStatusBlock {
    status: usize,
    information: usize,
}

#[link(name = "ntdll")]
unsafe extern "system" {
    fn NtDeviceIoControlFile(
        file: HANDLE,
        event: HANDLE,
        apc_routine: *mut core::ffi::c_void,
        apc_context: *mut core::ffi::c_void,
        io_status: *mut IoStatusBlock,
        code: u32,
        input: *const core::ffi::c_void,
        input_len: u32,
        output: *mut core::ffi::c_void,
        output_len: u32,
    ) -> i32;
}

/// A request in flight; owns its buffers, event and IO_STATUS_BLOCK until it completes.
struct Request {
    device: HANDLE,
    io_status: Box<IoStatusBlock>,
    input: Vec<u8>,
    output: Vec<u8>,
    event: HANDLE,
    done: Option<Status>,
}

impl Request {
    /// The final status once the kernel has completed the request (waiting if `wait`).
    fn finish(&mut self, wait: bool) -> Option<Status> {
        if self.done.is_some() {
            return self.done;
        }
        let timeout = if wait { u32::MAX } else { 0 };
        // SAFETY: the request's own event, signalled when the pending request completes.
        if unsafe { WaitForSingleObject(self.event, timeout) } != WAIT_OBJECT_0 {
            return None;
        }
        self.complete((self.io_status.status as u32).cast_signed())
    }

    fn complete(&mut self, status: Status) -> Option<Status> {
        self.output
            .truncate(self.io_status.information.min(self.output.len()));
        self.done = Some(status);
        self.done
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.done.is_none() {
            // SAFETY: cancel and wait, so the kernel no longer writes into our buffers.
            unsafe { CancelIoEx(self.device, (&raw mut *self.io_status).cast::<OVERLAPPED>()) };
            let _ = self.finish(true);
        }
        let _ = &self.input;
        // SAFETY: the request's own event, closed once.
        unsafe { CloseHandle(self.event) };
    }
}

impl Pended for Request {
    fn poll(&mut self) -> Option<Status> {
        self.finish(false)
    }

    fn cancel(&mut self) {
        // SAFETY: a request issued on this device; its IO_STATUS_BLOCK identifies it.
        unsafe { CancelIoEx(self.device, (&raw mut *self.io_status).cast::<OVERLAPPED>()) };
        let _ = self.finish(true);
    }
}

impl Transport for WindowsDevice {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome {
        // SAFETY: an unnamed manual-reset event.
        let event = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        let io_status = Box::new(IoStatusBlock {
            status: 0,
            information: 0,
        });
        let mut request = Request {
            device: self.device,
            io_status,
            input: input.to_vec(),
            output: vec![0; output_len],
            event,
            done: None,
        };
        let in_len = u32::try_from(request.input.len()).unwrap_or(u32::MAX);
        let out_len = u32::try_from(request.output.len()).unwrap_or(u32::MAX);
        // SAFETY: buffers, event and IO_STATUS_BLOCK live in `request` until the request
        // completes (Request's Drop cancels and waits).
        let status = unsafe {
            NtDeviceIoControlFile(
                self.device,
                event,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &raw mut *request.io_status,
                code,
                request.input.as_ptr().cast(),
                in_len,
                request.output.as_mut_ptr().cast(),
                out_len,
            )
        };
        if status == crate::status::STATUS_PENDING {
            if request.finish(false).is_none() {
                return Outcome::Pending(Box::new(request));
            }
        } else {
            // Completed in the call: the returned status is the driver's.
            request.complete(status);
        }
        let status = request.done.unwrap_or(status);
        Outcome::Done(Reply {
            status,
            output: std::mem::take(&mut request.output),
        })
    }

    fn reopen(&self) -> Result<Box<dyn Transport>, String> {
        Ok(Box::new(Self::open(&self.path)?))
    }

    fn try_open(&self, path: &str) -> Status {
        match open(path, GENERIC_READ, 0) {
            Ok(handle) => {
                // SAFETY: the handle just opened.
                unsafe { CloseHandle(handle) };
                crate::status::STATUS_SUCCESS
            }
            Err(status) => status,
        }
    }

    fn create_event(&self, access: u32) -> Result<u64, String> {
        // SAFETY: an unnamed manual-reset event.
        let full = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if full.is_null() {
            return Err(crate::status::explain(last_error_status()));
        }
        let restricted = self
            .duplicate(full as usize as u64, access)
            .map_err(crate::status::explain);
        // SAFETY: the full-access handle, no longer needed.
        unsafe { CloseHandle(full) };
        restricted
    }

    fn open_file(&self, path: &str, access: u32, overlapped: bool) -> Result<u64, Status> {
        let flags = if overlapped { FILE_FLAG_OVERLAPPED } else { 0 };
        open(path, access, flags).map(|handle| handle as usize as u64)
    }

    fn close(&self, handle: u64) {
        // SAFETY: a handle of this process the caller owns.
        unsafe { CloseHandle(to_handle(handle)) };
    }

    fn is_signaled(&self, handle: u64) -> Result<bool, Status> {
        // SAFETY: a handle of this process; a zero timeout only tests the state.
        Ok(unsafe { WaitForSingleObject(to_handle(handle), 0) } == WAIT_OBJECT_0)
    }

    fn set_event(&self, handle: u64) -> Status {
        // SAFETY: a handle of this process.
        if unsafe { SetEvent(to_handle(handle)) } == 0 {
            last_error_status()
        } else {
            crate::status::STATUS_SUCCESS
        }
    }

    fn duplicate(&self, handle: u64, access: u32) -> Result<u64, Status> {
        let mut copy: HANDLE = std::ptr::null_mut();
        // SAFETY: handles of this process; `copy` receives the new one.
        let ok = unsafe {
            DuplicateHandle(
                GetCurrentProcess(),
                to_handle(handle),
                GetCurrentProcess(),
                &raw mut copy,
                access,
                0,
                0,
            )
        };
        if ok == 0 {
            Err(last_error_status())
        } else {
            Ok(copy as usize as u64)
        }
    }

    fn elapse(&self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms) + 50));
    }

    fn foreign_handle(&self) -> Result<u64, String> {
        let mut slot = self.child.borrow_mut();
        if slot.is_none() {
            let exe = std::env::current_exe().map_err(|error| error.to_string())?;
            let child = std::process::Command::new(exe)
                .arg("__hold")
                .stdout(std::process::Stdio::null())
                .spawn()
                .map_err(|error| format!("cannot start a second process: {error}"))?;
            *slot = Some(child);
        }
        let child = slot.as_ref().ok_or("no child")?;
        let target = child.as_raw_handle() as HANDLE;
        // Duplicate events into the child until its value names nothing in this process.
        for _ in 0..64 {
            let event = self.create_event(crate::selftest::access::EVENT)?;
            let mut theirs: HANDLE = std::ptr::null_mut();
            // SAFETY: our event, duplicated into the child (we created it, so we hold
            // PROCESS_DUP_HANDLE); `theirs` is a value in the child's table.
            let ok = unsafe {
                DuplicateHandle(
                    GetCurrentProcess(),
                    to_handle(event),
                    target,
                    &raw mut theirs,
                    0,
                    0,
                    DUPLICATE_SAME_ACCESS,
                )
            };
            self.close(event);
            if ok == 0 {
                return Err(crate::status::explain(last_error_status()));
            }
            let value = theirs as usize as u64;
            if self.duplicate(value, 0).is_err() {
                return Ok(value);
            }
        }
        Err("every handle value in the second process is also open here".into())
    }

    fn kernel_handle(&self) -> u64 {
        0xFFFF_FFFF_8000_0004
    }

    fn readable_file(&self) -> Result<(String, String), String> {
        let path = std::env::temp_dir().join("handleguard-selftest.txt");
        std::fs::write(&path, b"handleguard: a file the user may read\n")
            .map_err(|error| error.to_string())?;
        let win32 = path.to_string_lossy().into_owned();
        Ok((format!("\\??\\{win32}"), win32))
    }

    fn unreadable_file(&self) -> Option<String> {
        None
    }
}
