//! Files and devices from user mode: `CreateFileW` and `NtCreateFile`, `DeviceIoControl`
//! (`NtDeviceIoControlFile`) and `CancelIoEx` (`IoCancelIrp`).
use super::{FileOpen, IoOutcome, PendingIrp, Process};
use crate::consts::USER_MODE;
use crate::origin::Origin;
use crate::requests::{self, Delivery, OpenRequest, Outcome};
use nt_bindings as nt;

impl Process {
    /// `CreateFileW` on any path (`\\.\HandleGuard`, `\\.\HandleGuard\sub`, `\??\C:\x`) with
    /// `OPEN_EXISTING`, synchronous I/O. As `CreateFileW` does, `SYNCHRONIZE |
    /// FILE_READ_ATTRIBUTES` is added to `access`. Returns the handle.
    ///
    /// # Errors
    /// The status the open failed with.
    pub fn open(&self, path: &str, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.open_file(path, access, FileOpen::Synchronous)
    }

    /// Opens a path as [`Process::open`] (`CreateFileW`, which adds `SYNCHRONIZE |
    /// FILE_READ_ATTRIBUTES`), choosing synchronous or overlapped I/O.
    ///
    /// # Errors
    /// The status the open failed with (`STATUS_ACCESS_DENIED` if the user may not).
    pub fn open_file(&self, path: &str, access: u32, how: FileOpen) -> Result<u64, nt::NTSTATUS> {
        self.create_file(
            "CreateFileW",
            path,
            access | nt::SYNCHRONIZE | nt::FILE_READ_ATTRIBUTES,
            how,
        )
    }

    /// `NtCreateFile(FILE_OPEN)` with exactly `access`: nothing is added, so a synchronous
    /// open without `SYNCHRONIZE` fails with `STATUS_INVALID_PARAMETER`, and an overlapped
    /// one can make a handle with less access than `CreateFileW` ever asks for.
    ///
    /// # Errors
    /// The status the open failed with.
    pub fn nt_create_file(
        &self,
        path: &str,
        access: u32,
        how: FileOpen,
    ) -> Result<u64, nt::NTSTATUS> {
        self.create_file("NtCreateFile", path, access, how)
    }

    fn create_file(
        &self,
        what: &str,
        path: &str,
        access: u32,
        how: FileOpen,
    ) -> Result<u64, nt::NTSTATUS> {
        self.call(what, |inner, _| {
            let options = match how {
                FileOpen::Synchronous => nt::FILE_SYNCHRONOUS_IO_NONALERT,
                FileOpen::Asynchronous => 0,
            };
            let request = OpenRequest {
                path,
                desired: access,
                attributes: 0,
                options: options | nt::FILE_NON_DIRECTORY_FILE,
                disposition: nt::FILE_OPEN,
                share: nt::FILE_SHARE_READ | nt::FILE_SHARE_WRITE,
                mode: USER_MODE,
                origin: Origin::Model,
                root: 0,
                force_access_check: false,
            };
            requests::open(inner, &request).map(|(handle, _)| handle)
        })
    }

    /// `CreateNamedPipeW(\\.\pipe\name)`: a new named pipe (one instance), and the handle to
    /// its server end (synchronous I/O, read and write). A client opens it with
    /// [`Process::open`] on `\\.\pipe\name`.
    ///
    /// # Errors
    /// `STATUS_OBJECT_NAME_COLLISION` if it exists.
    pub fn create_named_pipe(&self, name: &str) -> Result<u64, nt::NTSTATUS> {
        self.call("CreateNamedPipeW", |_, context| {
            let mut state = context.machine.lock();
            requests::create_named_pipe(&mut state, context.process, name)
        })
    }

    /// `ReadFile` of up to `length` bytes at the file's position (synchronous file objects;
    /// the position moves), or from a pipe end (what is read is consumed). An empty pipe is
    /// `STATUS_PIPE_EMPTY` (the model does not block a user thread).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_ACCESS_DENIED` without `FILE_READ_DATA`,
    /// `STATUS_END_OF_FILE`, `STATUS_PIPE_EMPTY`.
    pub fn read_file(&self, handle: u64, length: usize) -> Result<Vec<u8>, nt::NTSTATUS> {
        self.file_io("NtReadFile", handle, nt::FILE_READ_DATA, |state, file| {
            requests::user_read(state, file, length)
        })
    }

    /// `PeekNamedPipe`: the bytes waiting to be read at a pipe end, read nothing.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_ACCESS_DENIED` without `FILE_READ_DATA`,
    /// `STATUS_INVALID_PARAMETER` for anything but a pipe.
    pub fn peek_named_pipe(&self, handle: u64) -> Result<usize, nt::NTSTATUS> {
        self.file_io(
            "PeekNamedPipe",
            handle,
            nt::FILE_READ_DATA,
            |state, file| requests::pipe_available(state, file).ok_or(nt::STATUS_INVALID_PARAMETER),
        )
    }

    /// `WriteFile` to a pipe end: the other end can read it.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_ACCESS_DENIED` without `FILE_WRITE_DATA`,
    /// `STATUS_NOT_SUPPORTED` for anything but a pipe.
    pub fn write_file(&self, handle: u64, data: &[u8]) -> Result<usize, nt::NTSTATUS> {
        self.file_io("NtWriteFile", handle, nt::FILE_WRITE_DATA, |state, file| {
            requests::user_write(state, file, data)
        })
    }

    fn file_io<R>(
        &self,
        what: &str,
        handle: u64,
        access: u32,
        f: impl FnOnce(&mut crate::machine::Subsystems, usize) -> Result<R, nt::NTSTATUS>,
    ) -> Result<R, nt::NTSTATUS> {
        self.call(what, |_, context| {
            let mut state = context.machine.lock();
            let file = state
                .ob
                .reference_by_handle(
                    context.process,
                    context.thread,
                    handle,
                    access,
                    Some(crate::object_types::ObjectKind::File),
                    USER_MODE,
                    Origin::Model,
                )?
                .object;
            let result = f(&mut state, file);
            if let Ok((_, Some(deferred))) = state.drop_reference(file, Origin::Model) {
                state.deferred.push_back(deferred);
            }
            result
        })
    }

    /// `DeviceIoControl` on `handle` with `input`, asking for up to `output_len` bytes back.
    /// A request that fails before reaching the driver (bad handle, wrong type, too little
    /// access for the code's required access) is `Done` with that status.
    #[must_use]
    pub fn ioctl(&self, handle: u64, code: u32, input: &[u8], output_len: usize) -> IoOutcome {
        self.device_control(handle, code, input, output_len, Delivery::default())
    }

    /// As [`Process::ioctl`], but the IRP is already cancelled when the driver's dispatch
    /// routine sees it (`Irp->Cancel` TRUE, no cancel routine called): `CancelIoEx` from
    /// another thread, or this thread's exit, won the race with the dispatch.
    #[must_use]
    pub fn ioctl_cancelled_before_dispatch(
        &self,
        handle: u64,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> IoOutcome {
        let delivery = Delivery {
            cancelled: true,
            ..Delivery::default()
        };
        self.device_control(handle, code, input, output_len, delivery)
    }

    /// As [`Process::ioctl`], but sent by a driver running in this process's context, so the
    /// IRP's `RequestorMode` is KernelMode (`IoBuildDeviceIoControlRequest` and
    /// `IoCallDriver` on the device's file object).
    #[must_use]
    pub fn ioctl_from_kernel(
        &self,
        handle: u64,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> IoOutcome {
        let delivery = Delivery {
            from_kernel: true,
            ..Delivery::default()
        };
        self.device_control(handle, code, input, output_len, delivery)
    }

    /// As [`Process::ioctl`], but the driver's dispatch routine runs in `other`'s process and
    /// thread: a request forwarded by a worker thread or an intermediate driver, where handle
    /// values from the request mean nothing.
    #[must_use]
    pub fn ioctl_dispatched_in(
        &self,
        other: &Process,
        handle: u64,
        code: u32,
        input: &[u8],
        output_len: usize,
    ) -> IoOutcome {
        self.device_control(
            handle,
            code,
            input,
            output_len,
            Delivery {
                dispatch_in: Some((other.eprocess, other.ethread)),
                ..Delivery::default()
            },
        )
    }

    fn device_control(
        &self,
        handle: u64,
        code: u32,
        input: &[u8],
        output_len: usize,
        delivery: Delivery,
    ) -> IoOutcome {
        self.call(
            "NtDeviceIoControlFile",
            |inner, _| match requests::device_control(
                inner, handle, code, input, output_len, delivery,
            ) {
                Ok(Outcome::Done(result)) => IoOutcome::Done {
                    status: result.status,
                    information: result.information,
                    output: result.output,
                },
                Ok(Outcome::Pending(id)) => IoOutcome::Pending(PendingIrp {
                    kernel: self.kernel.clone(),
                    id,
                }),
                Err(status) => IoOutcome::Done {
                    status,
                    information: 0,
                    output: Vec::new(),
                },
            },
        )
    }

    /// `IoCancelIrp` for a pending request of this process (what `CancelIoEx` leads to).
    /// Returns whether the driver's cancel routine was called.
    #[must_use]
    pub fn cancel(&self, pending: &PendingIrp) -> bool {
        self.call("CancelIoEx", |inner, _| requests::cancel(inner, pending.id))
    }
}
