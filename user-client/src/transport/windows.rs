//! The Windows transport: `\\.\HandleGuard` through CreateFileW and the native
//! `NtDeviceIoControlFile` (what DeviceIoControl calls), with real events and files.
//!
//! - The native call returns the driver's NTSTATUS exactly, including for requests that fail
//!   synchronously on an overlapped handle, where the I/O manager writes no IO_STATUS_BLOCK
//!   and signals no event (waiting on them would hang: the Wine smoke caught that), and where
//!   a Win32 error would fold STATUS_OBJECT_TYPE_MISMATCH into ERROR_INVALID_HANDLE.
//! - Failed Win32 calls report the NTSTATUS behind their error (`RtlGetLastNtStatus`, used
//!   only when it maps to the same Win32 error), else `NTSTATUS_FROM_WIN32(error)`.
//! - Requests complete on events from a per-device pool, created at open: an IOCTL never
//!   creates a handle, so a handle value the self-test just closed is not handed to a new
//!   event before the driver sees it (Windows reuses a freed handle-table slot first).
//!
//! This module and the two below it are the only ones with `unsafe`: one Win32 call per
//! block, each with its reason.
#![expect(unsafe_code, reason = "the Win32 calls, one per unsafe block")]

use super::{
    Fixture, HandleRow, NameRow, Outcome, Pended, ProcessRow, READABLE_CONTENT, Reply, Transport,
};
use crate::explain::{Op, explain_for};
use crate::failure::Failure;
use crate::status::{self, Status};
use std::cell::RefCell;
use std::os::windows::io::AsRawHandle;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};
use windows_sys::Wdk::System::IO::NtDeviceIoControlFile;
use windows_sys::Win32::Foundation::{
    CloseHandle, DuplicateHandle, GENERIC_READ, GENERIC_WRITE, GetLastError, HANDLE,
    INVALID_HANDLE_VALUE, LocalFree, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_NEW, CreateFileW, DeleteFileW, FILE_ATTRIBUTE_NORMAL, FILE_FLAG_OVERLAPPED,
    FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
};
use windows_sys::Win32::System::IO::{CancelIoEx, IO_STATUS_BLOCK, OVERLAPPED};
use windows_sys::Win32::System::Threading::{
    CreateEventW, GetCurrentThread, ResetEvent, SetEvent, WaitForSingleObject,
};

mod handle_table;
mod handle_value;

use handle_value::{current_process, from_handle, to_handle};

#[link(name = "ntdll")]
unsafe extern "system" {
    /// The NTSTATUS behind this thread's last Win32 error (`TEB.LastStatusValue`).
    fn RtlGetLastNtStatus() -> i32;
    /// The Win32 error an NTSTATUS maps to, without touching the TEB.
    fn RtlNtStatusToDosErrorNoTeb(status: i32) -> u32;
}

/// How long a cancelled request may take to complete before its buffers are given up.
const CANCEL_PATIENCE_MS: u32 = 10_000;

/// A protected DACL granting Everyone DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES and no
/// FILE_READ_DATA: a file its own creator cannot read (owners get READ_CONTROL and
/// WRITE_DAC only), and can still delete.
const UNREADABLE_SDDL: &str = "D:P(A;;0x00110080;;;WD)";

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The status of the Win32 call that just failed on this thread.
fn last_error_status() -> Status {
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

fn close_handle(handle: HANDLE) {
    // SAFETY: the caller owns `handle` and closes it once.
    unsafe { CloseHandle(handle) };
}

fn create_file(
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

fn create_event() -> Result<HANDLE, Status> {
    // SAFETY: an unnamed manual-reset event, not signalled, default security.
    let event = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
    if event.is_null() {
        Err(last_error_status())
    } else {
        Ok(event)
    }
}

/// What a device and its requests share: the device handle and the spare events. Requests
/// hold it, so the device is closed only after every request has completed.
struct Shared {
    device: HANDLE,
    spare_events: RefCell<Vec<HANDLE>>,
}

impl Shared {
    /// A non-signalled event for one request.
    fn take_event(&self) -> Result<HANDLE, Status> {
        let spare = self.spare_events.borrow_mut().pop();
        match spare {
            Some(event) => {
                // SAFETY: a pooled event this device owns; no request is using it.
                unsafe { ResetEvent(event) };
                Ok(event)
            }
            None => create_event(),
        }
    }

    fn give_event(&self, event: HANDLE) {
        self.spare_events.borrow_mut().push(event);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        for event in self.spare_events.take() {
            close_handle(event);
        }
        close_handle(self.device);
    }
}

/// An open of the device.
pub struct WindowsDevice {
    path: String,
    shared: Rc<Shared>,
    /// A second process that holds the "foreign" handles, started on demand.
    child: RefCell<Option<std::process::Child>>,
    /// Files the scenarios made, deleted on drop.
    temp_files: RefCell<Vec<PathBuf>>,
}

impl WindowsDevice {
    /// Opens `path` (normally `\\.\HandleGuard`) for overlapped requests.
    ///
    /// # Errors
    /// The open's status, in words.
    pub fn open(path: &str) -> Result<Self, Failure> {
        if path.is_empty() {
            return Err(Failure::usage("--device: the path is empty"));
        }
        let device = create_file(
            path,
            GENERIC_READ | GENERIC_WRITE,
            OPEN_EXISTING,
            FILE_FLAG_OVERLAPPED,
            None,
        )
        .map_err(|failed| {
            Failure::status(Op::OpenDevice, failed)
                .with_prefix(&format!("cannot open {path}: "))
                .with_hint(open_hint(path, Op::OpenDevice, failed))
        })?;
        let shared = Rc::new(Shared {
            device,
            spare_events: RefCell::new(Vec::new()),
        });
        let first = create_event().map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
        shared.give_event(first);
        Ok(Self {
            path: path.to_string(),
            shared,
            child: RefCell::new(None),
            temp_files: RefCell::new(Vec::new()),
        })
    }

    fn temp_file(&self, role: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("handleguard-{role}-{}.txt", std::process::id()));
        let mut files = self.temp_files.borrow_mut();
        if !files.contains(&path) {
            files.push(path.clone());
        }
        path
    }
}

impl Drop for WindowsDevice {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.borrow_mut().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for path in self.temp_files.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A request in flight; owns its buffers, event and IO_STATUS_BLOCK until it completes.
struct Request {
    shared: Rc<Shared>,
    io_status: Box<IO_STATUS_BLOCK>,
    input: Vec<u8>,
    output: Vec<u8>,
    event: HANDLE,
    done: Option<Status>,
}

impl Request {
    /// The final status once the kernel has completed the request, waiting up to `timeout`.
    /// `IoStatus.Information` is then in `io_status`, and the output truncated to it.
    fn finish(&mut self, timeout_ms: u32) -> Option<Status> {
        if self.done.is_some() {
            return self.done;
        }
        // SAFETY: the request's own event, signalled when the pending request completes.
        if unsafe { WaitForSingleObject(self.event, timeout_ms) } != WAIT_OBJECT_0 {
            return None;
        }
        // SAFETY: the request completed, so the kernel wrote the status member of the union.
        let completed = unsafe { self.io_status.Anonymous.Status };
        self.complete(completed)
    }

    fn complete(&mut self, status: Status) -> Option<Status> {
        self.output
            .truncate(self.io_status.Information.min(self.output.len()));
        self.done = Some(status);
        self.done
    }

    fn cancel_io(&mut self) {
        let overlapped = (&raw mut *self.io_status).cast::<OVERLAPPED>();
        // SAFETY: a request issued on this device; CancelIoEx finds it by the address of its
        // IO_STATUS_BLOCK, which an OVERLAPPED begins with.
        unsafe { CancelIoEx(self.shared.device, overlapped) };
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.done.is_none() {
            self.cancel_io();
            if self.finish(CANCEL_PATIENCE_MS).is_none() {
                // The kernel may still write here: give the buffers and the event up rather
                // than free them under it.
                std::mem::forget(std::mem::take(&mut self.io_status));
                std::mem::forget(std::mem::take(&mut self.input));
                std::mem::forget(std::mem::take(&mut self.output));
                return;
            }
        }
        self.shared.give_event(self.event);
    }
}

impl Request {
    /// The completed request's reply (its output is taken: call once, after completion).
    fn reply(&mut self, status: Status) -> Reply {
        Reply {
            status,
            information: u64::try_from(self.io_status.Information).unwrap_or(u64::MAX),
            output: std::mem::take(&mut self.output),
        }
    }
}

impl Pended for Request {
    fn poll(&mut self) -> Option<Reply> {
        let status = self.finish(0)?;
        Some(self.reply(status))
    }

    fn wait(&mut self, timeout_ms: u32) -> Option<(Reply, u64)> {
        let started = Instant::now();
        let status = self.finish(timeout_ms)?;
        Some((
            self.reply(status),
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        ))
    }

    fn cancel(&mut self) {
        if self.done.is_none() {
            self.cancel_io();
            let _ = self.finish(CANCEL_PATIENCE_MS);
        }
    }
}

impl Transport for WindowsDevice {
    fn name(&self) -> &'static str {
        "windows"
    }

    fn device_path(&self) -> &str {
        &self.path
    }

    fn clock(&self) -> &'static str {
        "wall"
    }

    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome {
        let event = match self.shared.take_event() {
            Ok(event) => event,
            Err(status) => return Outcome::Done(Reply::status(status)),
        };
        let mut request = Request {
            shared: Rc::clone(&self.shared),
            io_status: Box::default(),
            input: input.to_vec(),
            output: vec![0; output_len],
            event,
            done: None,
        };
        let in_len = u32::try_from(request.input.len()).unwrap_or(u32::MAX);
        let out_len = u32::try_from(request.output.len()).unwrap_or(u32::MAX);
        // SAFETY: the buffers, event and IO_STATUS_BLOCK live in `request` until the request
        // completes (Request's Drop cancels and waits, or gives them up); no APC.
        let status = unsafe {
            NtDeviceIoControlFile(
                self.shared.device,
                event,
                None,
                std::ptr::null(),
                &raw mut *request.io_status,
                code,
                request.input.as_ptr().cast(),
                in_len,
                request.output.as_mut_ptr().cast(),
                out_len,
            )
        };
        if status == status::STATUS_PENDING {
            if request.finish(0).is_none() {
                return Outcome::Pending(Box::new(request));
            }
        } else {
            // Completed in the call: the returned status is the driver's. A request that
            // failed before reaching the driver leaves the IO_STATUS_BLOCK as it was (zero).
            request.complete(status);
        }
        let status = request.done.unwrap_or(status);
        Outcome::Done(request.reply(status))
    }

    fn ioctl_forwarded(&self, _code: u32, _input: &[u8], _output_len: usize) -> Option<Outcome> {
        None
    }

    fn forwards(&self) -> bool {
        false
    }

    fn reopen(&self) -> Result<Box<dyn Transport>, String> {
        Ok(Box::new(
            Self::open(&self.path).map_err(|failed| failed.message)?,
        ))
    }

    fn try_open(&self, path: &str) -> Status {
        match create_file(path, GENERIC_READ, OPEN_EXISTING, 0, None) {
            Ok(handle) => {
                close_handle(handle);
                status::STATUS_SUCCESS
            }
            Err(failed) => failed,
        }
    }

    fn create_event(&self, access: u32) -> Result<u64, Status> {
        let full = create_event()?;
        let restricted = self.duplicate(from_handle(full), access);
        close_handle(full);
        restricted
    }

    fn open_file(&self, path: &str, access: u32, overlapped: bool) -> Result<u64, Status> {
        let flags = if overlapped { FILE_FLAG_OVERLAPPED } else { 0 };
        create_file(path, access, OPEN_EXISTING, flags, None).map(from_handle)
    }

    fn close(&self, handle: u64) {
        close_handle(to_handle(handle));
    }

    fn is_signaled(&self, handle: u64) -> Result<bool, Status> {
        self.wait(handle, 0).map(|waited| waited.is_some())
    }

    fn wait(&self, handle: u64, timeout_ms: u32) -> Result<Option<u64>, Status> {
        let started = Instant::now();
        // SAFETY: a handle value of this process; an invalid one makes the wait fail.
        match unsafe { WaitForSingleObject(to_handle(handle), timeout_ms) } {
            WAIT_OBJECT_0 => Ok(Some(
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            )),
            WAIT_TIMEOUT => Ok(None),
            _ => Err(last_error_status()),
        }
    }

    fn set_event(&self, handle: u64) -> Status {
        // SAFETY: a handle value of this process; an invalid one makes the call fail.
        if unsafe { SetEvent(to_handle(handle)) } == 0 {
            last_error_status()
        } else {
            status::STATUS_SUCCESS
        }
    }

    fn duplicate(&self, handle: u64, access: u32) -> Result<u64, Status> {
        let process = current_process();
        let mut copy: HANDLE = std::ptr::null_mut();
        // SAFETY: source and target are this process; `copy` receives the new handle.
        let ok = unsafe {
            DuplicateHandle(
                process,
                to_handle(handle),
                process,
                &raw mut copy,
                access,
                0,
                0,
            )
        };
        if ok == 0 {
            Err(last_error_status())
        } else {
            Ok(from_handle(copy))
        }
    }

    fn elapse(&self, ms: u32) {
        std::thread::sleep(Duration::from_millis(u64::from(ms) + 50));
    }

    fn foreign_handle(&self) -> Result<u64, String> {
        let mut slot = self.child.borrow_mut();
        if slot.is_none() {
            let exe = std::env::current_exe().map_err(|error| error.to_string())?;
            let child = std::process::Command::new(exe)
                .arg("__hold")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .spawn()
                .map_err(|error| format!("cannot start a second process: {error}"))?;
            *slot = Some(child);
        }
        let child = slot.as_ref().ok_or("no second process")?;
        let target = child.as_raw_handle() as HANDLE;
        let process = current_process();
        // Duplicate events into the child until its value names nothing in this process.
        for _ in 0..4096 {
            let event = create_event().map_err(status::explain)?;
            let mut theirs: HANDLE = std::ptr::null_mut();
            // SAFETY: our event, duplicated into the child, whose process handle std opened
            // with PROCESS_ALL_ACCESS; `theirs` receives a value of the child's table.
            let ok = unsafe {
                DuplicateHandle(
                    process,
                    event,
                    target,
                    &raw mut theirs,
                    0,
                    0,
                    windows_sys::Win32::Foundation::DUPLICATE_SAME_ACCESS,
                )
            };
            close_handle(event);
            if ok == 0 {
                return Err(status::explain(last_error_status()));
            }
            let value = from_handle(theirs);
            match self.duplicate(value, 0) {
                Err(status::STATUS_INVALID_HANDLE) => return Ok(value),
                Ok(probe) => self.close(probe),
                Err(_) => {}
            }
        }
        Err("every handle value of the second process is also open in this one".into())
    }

    fn kernel_handle(&self) -> u64 {
        0xFFFF_FFFF_8000_0004
    }

    fn readable_file(&self) -> Result<Fixture, String> {
        let path = self.temp_file("readable");
        std::fs::write(&path, READABLE_CONTENT)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        let win32 = path.to_string_lossy().into_owned();
        Ok(Fixture {
            nt_path: super::nt_path(&win32),
            path: win32,
            content: READABLE_CONTENT,
        })
    }

    fn unreadable_file(&self) -> Result<String, String> {
        let path = self.temp_file("unreadable");
        let win32 = path.to_string_lossy().into_owned();
        let wide_path = wide(&win32);
        // SAFETY: a NUL-terminated path; a stale file from an earlier run may or may not exist.
        unsafe { DeleteFileW(wide_path.as_ptr()) };

        let sddl = wide(UNREADABLE_SDDL);
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: a NUL-terminated SDDL string; the descriptor is allocated for us with
        // LocalAlloc and freed below; the size is not wanted.
        let converted = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &raw mut descriptor,
                std::ptr::null_mut(),
            )
        };
        if converted == 0 {
            return Err(status::explain(last_error_status()));
        }
        let security = SECURITY_ATTRIBUTES {
            nLength: u32::try_from(size_of::<SECURITY_ATTRIBUTES>()).unwrap_or(0),
            lpSecurityDescriptor: descriptor,
            bInheritHandle: 0,
        };
        // Created with no data access asked for: the new file's DACL grants none.
        let created = create_file(&win32, 0, CREATE_NEW, 0, Some(&security));
        // SAFETY: the descriptor LocalAlloc'd above, freed once, after its last use.
        unsafe { LocalFree(descriptor) };
        let handle = created.map_err(|failed| {
            format!(
                "cannot create {win32}: {}",
                explain_for(Op::OpenFile, failed)
            )
        })?;
        close_handle(handle);
        Ok(super::nt_path(&win32))
    }

    fn open_self(&self, thread: bool, access: u32) -> Result<u64, Status> {
        let pseudo = if thread {
            // SAFETY: returns the pseudo-handle -2; no preconditions.
            unsafe { GetCurrentThread() }
        } else {
            current_process()
        };
        self.duplicate(from_handle(pseudo), access)
    }

    fn handles(&self) -> Result<Vec<HandleRow>, String> {
        handle_table::of_this_process()
    }

    fn names(&self) -> Result<(Vec<NameRow>, Vec<ProcessRow>), String> {
        Err("the namespace on Windows is the machine's own: list it with WinObj (Sysinternals) or NtObjectManager's Get-ChildItem NtObject:\\".into())
    }

    fn hint(&self, op: Op, status: Status) -> Option<String> {
        open_hint(&self.path, op, status)
    }
}

/// Where to look when `op` on the device at `path` failed with `status`.
fn open_hint(path: &str, op: Op, status: Status) -> Option<String> {
    let missing = matches!(
        status,
        status::STATUS_OBJECT_NAME_NOT_FOUND | status::STATUS_OBJECT_PATH_NOT_FOUND
    );
    (op == Op::OpenDevice && missing).then(|| {
        if path.eq_ignore_ascii_case(handleguard_protocol::DEVICE_WIN32_PATH) {
            "Is the driver installed and started (sc query handleguard)?".to_string()
        } else {
            "Is the driver that creates it loaded (WinObj shows the names under \\GLOBAL??)?"
                .to_string()
        }
    })
}
