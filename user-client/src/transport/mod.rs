//! "Talk to the device": the one trait both transports implement.
//!
//! A transport is an open of `\\.\HandleGuard` plus the user-mode objects the scenarios need
//! in the *calling* process: events and files with exactly the access asked for, handle
//! duplication, waits, and a second process whose handle values mean nothing here. The
//! Windows transport does all of it with Win32 calls; the model transport does it in a user
//! process of the in-process model kernel, on a virtual clock.
use crate::explain::Op;
use crate::status::{STATUS_PENDING, Status};

#[cfg(not(windows))]
pub mod model;
#[cfg(windows)]
pub mod windows;

/// The transport this build talks through ("model" off Windows, "windows" on it).
#[cfg(not(windows))]
pub const NAME: &str = "model";
/// The transport this build talks through ("model" off Windows, "windows" on it).
#[cfg(windows)]
pub const NAME: &str = "windows";

/// A completed request.
#[derive(Debug)]
pub struct Reply {
    /// The request's final status.
    pub status: Status,
    /// `IoStatus.Information`: on success, how many output bytes the driver wrote.
    pub information: u64,
    /// The bytes the driver returned (`IoStatus.Information` of them).
    pub output: Vec<u8>,
}

impl Reply {
    /// A reply that carries only a status (a request that failed before reaching the driver).
    #[must_use]
    pub fn status(status: Status) -> Self {
        Self {
            status,
            information: 0,
            output: Vec::new(),
        }
    }
}

/// One entry of the calling process's handle table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandleRow {
    /// The handle value.
    pub value: u64,
    /// The object type's name ("Event", "File", ...).
    pub type_name: String,
    /// The access granted to this handle.
    pub granted: u32,
    /// What the object is (a device or file name), where known.
    pub name: Option<String>,
}

/// One name of the model's namespace, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameRow {
    /// "device", "link" or "file".
    pub kind: &'static str,
    /// The NT name.
    pub name: String,
    /// What it is: a link's target, a file's size, owner and readers.
    pub what: String,
}

/// A process and the user it runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessRow {
    /// Its id.
    pub pid: u32,
    /// Its image name.
    pub image: String,
    /// Its token's user.
    pub user: String,
    /// It is the process hgctl runs as.
    pub caller: bool,
}

/// A file the scenarios read, with the bytes it holds.
pub struct Fixture {
    /// Its NT path, for OPEN_AS_CALLER (`\??\C:\...`).
    pub nt_path: String,
    /// Its path for [`Transport::open_file`].
    pub path: String,
    /// What it holds.
    pub content: &'static [u8],
}

/// A stop the model's verifier recorded where Driver Verifier would bug check.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VerifierStop {
    /// The bug check code (0xC4, ...).
    pub code: u32,
    /// Its name (DRIVER_VERIFIER_DETECTED_VIOLATION, ...).
    pub name: &'static str,
    /// The four bug check parameters (the first is the subcode, e.g. 0xF6).
    pub params: [u64; 4],
    /// What happened, in words.
    pub message: String,
}

impl std::fmt::Display for VerifierStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({:#X}) {:#X}: {}",
            self.name, self.code, self.params[0], self.message
        )
    }
}

/// What the readable fixture holds.
pub const READABLE_CONTENT: &[u8] = b"handleguard: a file the user may read\n";

/// A request the driver pended.
pub trait Pended {
    /// The reply once completed, `None` while still pending.
    fn poll(&mut self) -> Option<Reply>;
    /// Waits up to `timeout_ms` (virtual time on the model) for completion: the reply and
    /// the milliseconds waited.
    fn wait(&mut self, timeout_ms: u32) -> Option<(Reply, u64)>;
    /// Asks for cancellation (`CancelIoEx` / `IoCancelIrp`) and waits for the completion the
    /// driver's cancel routine makes.
    fn cancel(&mut self);
}

/// What a request to the device came to.
pub enum Outcome {
    /// Completed at once.
    Done(Reply),
    /// Pended by the driver.
    Pending(Box<dyn Pended>),
}

/// How a driver sends a request that user mode cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forward {
    /// Dispatched in another process's context (a System worker thread), as a request
    /// forwarded by a worker or an intermediate driver would be.
    OtherContext,
    /// Sent from kernel mode in the caller's context (`Irp->RequestorMode` KernelMode), as by
    /// a driver with `IoBuildDeviceIoControlRequest` and `IoCallDriver`.
    KernelMode,
}

/// A named pipe the scenarios made: both ends, handles of the calling process.
pub struct Pipe {
    /// The client end (`CreateFileW` on `\\.\pipe\name`).
    pub client: u64,
    /// The server end (`CreateNamedPipeW`).
    pub server: u64,
}

/// What a pipe the scenarios make holds for its reader.
pub const PIPE_DATA: &[u8] = b"for the pipe's reader\n";

/// The device and the user-mode objects the scenarios need, in the calling process.
pub trait Transport {
    /// A short name for reports ("model", "windows").
    fn name(&self) -> &'static str;
    /// The path this transport opened the device by (`\\.\HandleGuard` or `--device`).
    fn device_path(&self) -> &str;
    /// Which clock waits run on: "virtual" (the model's) or "wall".
    fn clock(&self) -> &'static str;
    /// `DeviceIoControl` on this transport's open of the device.
    fn ioctl(&self, code: u32, input: &[u8], output_len: usize) -> Outcome;
    /// The handle value of this transport's open of the device: the handle its requests are
    /// sent on.
    fn device_handle(&self) -> u64;
    /// A device-control request as only a driver can send it ([`Forward`]); `None` where user
    /// mode cannot make one (Windows: only a driver could).
    fn ioctl_forwarded(
        &self,
        how: Forward,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> Option<Outcome>;
    /// Whether [`Self::ioctl_forwarded`] can dispatch anything here.
    fn forwards(&self) -> bool;
    /// A second, independent open of the device (its own quota and registrations).
    ///
    /// # Errors
    /// Why the device could not be opened again.
    fn reopen(&self) -> Result<Box<dyn Transport>, String>;
    /// Opens `path` and closes it again; the status of the open.
    fn try_open(&self, path: &str) -> Status;
    /// A new unnamed notification event, not signalled, with exactly `access`.
    ///
    /// # Errors
    /// The status of the failed create or duplicate.
    fn create_event(&self, access: u32) -> Result<u64, Status>;
    /// Opens an existing file with exactly `access`; `overlapped` gives an asynchronous file
    /// object (no `FILE_SYNCHRONOUS_IO_NONALERT`).
    ///
    /// # Errors
    /// The status of the failed open.
    fn open_file(&self, path: &str, access: u32, overlapped: bool) -> Result<u64, Status>;
    /// Closes a handle of this process.
    fn close(&self, handle: u64);
    /// Whether an event is signalled now (a zero-timeout wait on a notification event).
    ///
    /// # Errors
    /// The status of the failed wait (an invalid handle, one without `SYNCHRONIZE`).
    fn is_signaled(&self, handle: u64) -> Result<bool, Status>;
    /// Waits up to `timeout_ms` for an event; `Some(ms waited)` once signalled, `None` on
    /// timeout. The model advances its virtual clock a millisecond at a time.
    ///
    /// # Errors
    /// The status of the failed wait.
    fn wait(&self, handle: u64, timeout_ms: u32) -> Result<Option<u64>, Status>;
    /// `SetEvent` through `handle`: the status.
    fn set_event(&self, handle: u64) -> Status;
    /// A second handle to the same object with `access`.
    ///
    /// # Errors
    /// The status of the failed duplicate.
    fn duplicate(&self, handle: u64, access: u32) -> Result<u64, Status>;
    /// Lets `ms` milliseconds pass (the model advances its clock; Windows sleeps).
    fn elapse(&self, ms: u32);
    /// A handle value that is valid in another process and not in this one.
    ///
    /// # Errors
    /// Why no such value could be made.
    fn foreign_handle(&self) -> Result<u64, String>;
    /// A new named pipe (one instance) with `data` written by its server end and waiting at
    /// its client end, opened synchronously for reading as any program would.
    ///
    /// # Errors
    /// Why the pipe could not be made.
    fn named_pipe_with_data(&self, data: &[u8]) -> Result<Pipe, String>;
    /// The bytes waiting at a pipe end, without reading them (`PeekNamedPipe`).
    ///
    /// # Errors
    /// The status of the failed peek.
    fn pipe_bytes_waiting(&self, client: u64) -> Result<usize, Status>;
    /// A kernel-handle value (bit 63 set, as `OBJ_KERNEL_HANDLE` handles are on x64).
    fn kernel_handle(&self) -> u64;
    /// Bytes of nonpaged pool charged to this process's quota now (Windows:
    /// `QuotaNonPagedPoolUsage`; the model: its per-process accounting).
    ///
    /// # Errors
    /// Why it could not be read.
    fn pool_charged(&self) -> Result<usize, String>;
    /// A file this user may read, with its content.
    ///
    /// # Errors
    /// Why the file could not be made.
    fn readable_file(&self) -> Result<Fixture, String>;
    /// A file this user may not read, as an NT path.
    ///
    /// # Errors
    /// Why the file could not be made.
    fn unreadable_file(&self) -> Result<String, String>;
    /// A new handle to the calling process (or, with `thread`, its thread) with `access`.
    ///
    /// # Errors
    /// The status of the failed open or duplicate.
    fn open_self(&self, thread: bool, access: u32) -> Result<u64, Status>;
    /// The calling process's handle table, with each handle's granted access.
    ///
    /// # Errors
    /// Why it cannot be listed.
    fn handles(&self) -> Result<Vec<HandleRow>, String>;
    /// The names a path can reach (devices, links, files) and the processes with their users.
    ///
    /// # Errors
    /// Why it cannot be listed (Windows: the namespace is the machine's own).
    fn names(&self) -> Result<(Vec<NameRow>, Vec<ProcessRow>), String>;
    /// What this transport can add to a failure of `op` with `status` (where to look, what
    /// exists instead).
    fn hint(&self, op: Op, status: Status) -> Option<String>;
    /// From now on, verifier stops are kept for [`Self::take_verifier_stops`] instead of
    /// ending hgctl (the model; on Windows a stop is a bug check, and this does nothing).
    fn hold_verifier_stops(&self) {}
    /// The verifier stops held since the last call (always none on Windows).
    fn take_verifier_stops(&self) -> Vec<VerifierStop> {
        Vec::new()
    }
}

impl Outcome {
    /// The reply of a request that must not pend (a pended one is cancelled).
    pub fn done(self) -> Reply {
        match self {
            Outcome::Done(reply) => reply,
            Outcome::Pending(mut pended) => {
                pended.cancel();
                pended
                    .poll()
                    .unwrap_or_else(|| Reply::status(STATUS_PENDING))
            }
        }
    }
}

/// `path` as an NT path: a drive path (`C:\x`) gets the `\??\` prefix, a verbatim or device
/// path (`\\?\C:\x`, `\\.\X`) has its prefix replaced by `\??\`, a UNC path
/// (`\\server\share`) becomes `\??\UNC\server\share`; anything else starting with `\` is taken
/// as it is.
#[must_use]
pub fn nt_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let is_drive_path = bytes.len() >= 2
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':');
    if is_drive_path {
        return format!("\\??\\{path}");
    }
    if let Some(rest) = path
        .strip_prefix("\\\\?\\")
        .or_else(|| path.strip_prefix("\\\\.\\"))
    {
        return format!("\\??\\{rest}");
    }
    if let Some(unc) = path.strip_prefix("\\\\") {
        return format!("\\??\\UNC\\{unc}");
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::nt_path;

    #[test]
    fn drive_paths_become_nt_paths_and_nt_paths_stay() {
        assert_eq!(nt_path(r"C:\Windows\win.ini"), r"\??\C:\Windows\win.ini");
        assert_eq!(nt_path(r"\??\C:\x"), r"\??\C:\x");
        assert_eq!(
            nt_path(r"\Device\HarddiskVolume1\x"),
            r"\Device\HarddiskVolume1\x"
        );
        assert_eq!(nt_path("relative.txt"), "relative.txt");
        assert_eq!(nt_path(r"\\?\C:\Temp\x.txt"), r"\??\C:\Temp\x.txt");
        assert_eq!(nt_path(r"\\.\HandleGuard"), r"\??\HandleGuard");
        assert_eq!(nt_path(r"\\server\share\x"), r"\??\UNC\server\share\x");
    }
}
