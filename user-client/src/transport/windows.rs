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
//! This module and those below it are the only ones with `unsafe`: one Win32 call per
//! block, each with its reason.
#![expect(unsafe_code, reason = "the Win32 calls, one per unsafe block")]

use super::{
    Fixture, Forward, HandleRow, NameRow, Outcome, Pipe, ProcessRow, READABLE_CONTENT, Transport,
};
use crate::explain::{Op, explain_for};
use crate::failure::Failure;
use crate::status::{self, Status};
use std::cell::RefCell;
use std::os::windows::io::AsRawHandle;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{
    DuplicateHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, LocalFree,
    WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_NEW, DeleteFileW, FILE_FLAG_OVERLAPPED, OPEN_EXISTING, PIPE_ACCESS_DUPLEX, WriteFile,
};
use windows_sys::Win32::System::Pipes::{
    CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_TYPE_BYTE, PIPE_WAIT, PeekNamedPipe,
};
use windows_sys::Win32::System::ProcessStatus::{K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS};
use windows_sys::Win32::System::Threading::{GetCurrentThread, SetEvent, WaitForSingleObject};

mod handle_table;
mod request;
mod win32;

use request::Shared;
use win32::{
    close_handle, create_event, create_file, current_process, from_handle, last_error_status,
    to_handle, wide,
};

/// A protected DACL granting Everyone DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES and no
/// FILE_READ_DATA: a file its own creator cannot read (owners get READ_CONTROL and
/// WRITE_DAC only), and can still delete.
const UNREADABLE_SDDL: &str = "D:P(A;;0x00110080;;;WD)";

/// The number in the name of the next pipe a scenario makes (with the process id: unique).
static NEXT_PIPE: AtomicU32 = AtomicU32::new(0);

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
        let shared =
            Shared::new(device).map_err(|failed| Failure::status(Op::CreateEvent, failed))?;
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
        request::send(&self.shared, code, input, output_len)
    }

    fn ioctl_forwarded(
        &self,
        _how: Forward,
        _code: u32,
        _input: &[u8],
        _output_len: usize,
    ) -> Option<Outcome> {
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

    fn device_handle(&self) -> u64 {
        from_handle(self.shared.device)
    }

    // Written for Windows and type-checked by scripts/wdk-check.sh only: not run here.
    fn named_pipe_with_data(&self, data: &[u8]) -> Result<Pipe, String> {
        let number = NEXT_PIPE.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            r"\\.\pipe\handleguard-selftest-{}-{number}",
            std::process::id()
        );
        let wide_name = wide(&name);
        // SAFETY: a NUL-terminated name that outlives the call; default security. One
        // instance, byte mode, blocking: a client's CreateFileW connects to it at once.
        let server = unsafe {
            CreateNamedPipeW(
                wide_name.as_ptr(),
                PIPE_ACCESS_DUPLEX,
                PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT,
                1,
                4096,
                4096,
                0,
                std::ptr::null(),
            )
        };
        if server == INVALID_HANDLE_VALUE {
            return Err(format!(
                "cannot create {name}: {}",
                status::explain(last_error_status())
            ));
        }
        let client = match create_file(&name, GENERIC_READ, OPEN_EXISTING, 0, None) {
            Ok(client) => client,
            Err(failed) => {
                close_handle(server);
                return Err(format!("cannot open {name}: {}", status::explain(failed)));
            }
        };
        let length = u32::try_from(data.len()).map_err(|_| "too much data for a pipe")?;
        let mut written = 0u32;
        // SAFETY: the server end made above, synchronous (no OVERLAPPED); `data` and
        // `written` outlive the call. The pipe's 4096-byte buffer holds `data`, so the write
        // does not wait for the reader.
        let wrote = unsafe {
            WriteFile(
                server,
                data.as_ptr(),
                length,
                &raw mut written,
                std::ptr::null_mut(),
            )
        };
        if wrote == 0 || written != length {
            let failed = last_error_status();
            close_handle(client);
            close_handle(server);
            return Err(format!(
                "cannot write to {name}: {}",
                status::explain(failed)
            ));
        }
        Ok(Pipe {
            client: from_handle(client),
            server: from_handle(server),
        })
    }

    fn pipe_bytes_waiting(&self, client: u64) -> Result<usize, Status> {
        let mut available = 0u32;
        // SAFETY: a handle of this process (PeekNamedPipe fails cleanly on any other value);
        // no buffer, so nothing is read; `available` outlives the call.
        let peeked = unsafe {
            PeekNamedPipe(
                to_handle(client),
                std::ptr::null_mut(),
                0,
                std::ptr::null_mut(),
                &raw mut available,
                std::ptr::null_mut(),
            )
        };
        if peeked == 0 {
            return Err(last_error_status());
        }
        Ok(available as usize)
    }

    fn kernel_handle(&self) -> u64 {
        0xFFFF_FFFF_8000_0004
    }

    fn pool_charged(&self) -> Result<usize, String> {
        // SAFETY: a plain C struct of integers, for which all-zero is valid.
        let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { core::mem::zeroed() };
        counters.cb = u32::try_from(size_of::<PROCESS_MEMORY_COUNTERS>()).unwrap_or(u32::MAX);
        // SAFETY: the pseudo-handle of this process and a writable struct of `cb` bytes.
        let ok =
            unsafe { K32GetProcessMemoryInfo(current_process(), &raw mut counters, counters.cb) };
        if ok == 0 {
            return Err(format!(
                "GetProcessMemoryInfo failed: {}",
                std::io::Error::last_os_error()
            ));
        }
        Ok(counters.QuotaNonPagedPoolUsage)
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
