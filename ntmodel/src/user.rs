//! The user side: a simulated process (one thread) calling system services the way a program
//! does through ntdll: open a path, create events, send IOCTLs, close and duplicate handles,
//! cancel I/O. Every call runs with previous mode `UserMode` at `PASSIVE_LEVEL` in the
//! process's context, then runs the kernel's deferred work, and panics if the verifier
//! stopped meanwhile.
use crate::consts::{CURRENT_PROCESS, CURRENT_THREAD, PASSIVE_LEVEL, USER_MODE};
use crate::exports::ob;
use crate::iomgr::{self, OpenRequest, Outcome};
use crate::kernel::{self, Context, KernelInner};
use crate::object::{Extra, access_check};
use crate::object_type::ObjectKind;
use crate::test_api::Kernel;
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A user account (the token of a process).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User(String);

impl User {
    /// A user named `name`.
    #[must_use]
    pub fn new(name: &str) -> Self {
        Self(name.to_owned())
    }

    /// The user's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.0
    }
}

/// Notification (stays signaled) or synchronization (auto-reset) event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// `NotificationEvent`.
    Notification,
    /// `SynchronizationEvent`.
    Synchronization,
}

/// How a file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOpen {
    /// `FILE_SYNCHRONOUS_IO_NONALERT`: the file object has `FO_SYNCHRONOUS_IO` and a position.
    Synchronous,
    /// Overlapped: reads need an explicit offset.
    Asynchronous,
}

/// What a device control request came to.
#[derive(Debug)]
pub enum IoOutcome {
    /// Completed before `DeviceIoControl` returned.
    Done {
        /// `IoStatus.Status` (or the status the request failed with before reaching the driver).
        status: nt::NTSTATUS,
        /// `IoStatus.Information`.
        information: u64,
        /// The bytes copied to the output buffer.
        output: Vec<u8>,
    },
    /// `STATUS_PENDING`: the driver kept the IRP.
    Pending(PendingIrp),
}

impl IoOutcome {
    /// The status, `STATUS_PENDING` for a pending request.
    #[must_use]
    pub fn status(&self) -> nt::NTSTATUS {
        match self {
            Self::Done { status, .. } => *status,
            Self::Pending(_) => nt::STATUS_PENDING,
        }
    }

    /// The output of a completed request (empty if pending).
    #[must_use]
    pub fn output(&self) -> &[u8] {
        match self {
            Self::Done { output, .. } => output,
            Self::Pending(_) => &[],
        }
    }

    /// The pending IRP, if the request is pending.
    #[must_use]
    pub fn pending(self) -> Option<PendingIrp> {
        match self {
            Self::Done { .. } => None,
            Self::Pending(pending) => Some(pending),
        }
    }
}

/// An IRP the driver pended; its result shows up once the driver completes it.
#[derive(Clone, Debug)]
pub struct PendingIrp {
    kernel: Kernel,
    id: u64,
}

impl PendingIrp {
    /// (status, output) once completed, `None` while pending.
    #[must_use]
    pub fn result(&self) -> Option<(nt::NTSTATUS, Vec<u8>)> {
        self.outcome().map(|(status, _, output)| (status, output))
    }

    /// (status, information, output) once completed, `None` while pending.
    #[must_use]
    pub fn outcome(&self) -> Option<(nt::NTSTATUS, u64, Vec<u8>)> {
        let guard = kernel::enter(kernel::system_context(&self.kernel.inner, PASSIVE_LEVEL));
        iomgr::settle(&self.kernel.inner);
        drop(guard);
        let state = self.kernel.inner.lock();
        state
            .io
            .results
            .get(&self.id)
            .map(|result| (result.status, result.information, result.output.clone()))
    }

    /// Whether it is still pending.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.outcome().is_none()
    }

    /// The IRP's id.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// The event a user handle names, checked as `NtSetEvent` & co. check it (`UserMode`).
fn event_of(context: &Context, handle: u64, access: u32) -> Result<usize, nt::NTSTATUS> {
    let mut state = context.kernel.lock();
    let referenced = state.reference_by_handle(
        context.process,
        context.thread,
        handle,
        access,
        Some(ObjectKind::Event),
        USER_MODE,
        false,
    )?;
    // Drop the reference at once: the event stays alive through the handle.
    let _ = state.drop_reference(referenced.object, false);
    Ok(referenced.object)
}

/// A simulated user process (and one of its threads).
#[derive(Clone, Debug)]
pub struct Process {
    kernel: Kernel,
    eprocess: usize,
    ethread: usize,
}

impl Process {
    pub(crate) fn new(kernel: Kernel, process: usize, thread: usize) -> Self {
        Self {
            kernel,
            eprocess: process,
            ethread: thread,
        }
    }

    /// Its `PEPROCESS`.
    #[must_use]
    pub fn eprocess(&self) -> usize {
        self.eprocess
    }

    /// Its thread's `PETHREAD`.
    #[must_use]
    pub fn ethread(&self) -> usize {
        self.ethread
    }

    /// The kernel it runs in.
    #[must_use]
    pub fn kernel(&self) -> &Kernel {
        &self.kernel
    }

    /// Another thread of the same process (to call from another OS thread at the same time).
    #[must_use]
    pub fn new_thread(&self) -> Self {
        let thread = self.kernel.inner.lock().create_thread(self.eprocess);
        Self {
            kernel: self.kernel.clone(),
            eprocess: self.eprocess,
            ethread: thread,
        }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.kernel
            .inner
            .lock()
            .processes
            .get(&self.eprocess)
            .map_or(0, |process| process.pid)
    }

    /// The image name it was created with.
    #[must_use]
    pub fn image_name(&self) -> String {
        self.kernel
            .inner
            .lock()
            .processes
            .get(&self.eprocess)
            .map_or_else(String::new, |process| process.name.clone())
    }

    /// The thread id of this thread.
    #[must_use]
    pub fn tid(&self) -> u32 {
        self.kernel
            .inner
            .lock()
            .threads
            .get(&self.ethread)
            .map_or(0, |thread| thread.tid)
    }

    fn call<R>(&self, what: &str, f: impl FnOnce(&Arc<KernelInner>, &Context) -> R) -> R {
        let inner = &self.kernel.inner;
        let before = inner.lock().stops.len();
        let context = Context {
            kernel: Arc::clone(inner),
            process: self.eprocess,
            thread: self.ethread,
            previous_mode: USER_MODE,
            irql: PASSIVE_LEVEL,
        };
        let guard = kernel::enter(context.clone());
        let result = f(inner, &context);
        let irql = kernel::irql();
        if irql != PASSIVE_LEVEL {
            inner.lock().stop(
                codes::IRQL_GT_ZERO_AT_SYSTEM_SERVICE,
                [u64::from(irql), 0, 0, 0],
                format!("returned to user mode from {what} at IRQL {irql}"),
            );
            kernel::set_irql(PASSIVE_LEVEL);
        }
        iomgr::settle(inner);
        drop(guard);
        self.kernel.panic_on_new_stops(what, before);
        result
    }

    /// `CreateFile` on any path (`\\.\HandleGuard`, `\\.\HandleGuard\sub`, `\??\C:\x`) with
    /// `FILE_OPEN`, synchronous I/O. Returns the handle.
    ///
    /// # Errors
    /// The status the open failed with.
    pub fn open(&self, path: &str, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.open_file(path, access, FileOpen::Synchronous)
    }

    /// Opens a path as [`Process::open`], choosing synchronous or overlapped I/O.
    ///
    /// # Errors
    /// The status the open failed with (`STATUS_ACCESS_DENIED` if the user may not).
    pub fn open_file(&self, path: &str, access: u32, how: FileOpen) -> Result<u64, nt::NTSTATUS> {
        self.call("NtCreateFile", |inner, _| {
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
                by_driver: false,
            };
            iomgr::open(inner, &request).map(|(handle, _)| handle)
        })
    }

    /// `NtCreateEvent` (unnamed): returns the handle, with `access` (generic rights mapped).
    #[must_use]
    pub fn create_event(&self, access: u32, kind: EventKind, initial: bool) -> u64 {
        self.call("NtCreateEvent", |inner, context| {
            let block = crate::block::Block::zeroed(size_of::<nt::KEVENT>());
            let type_code = match kind {
                EventKind::Notification => crate::consts::EVENT_NOTIFICATION_OBJECT,
                EventKind::Synchronization => crate::consts::EVENT_SYNCHRONIZATION_OBJECT,
            };
            crate::ke::init_event_at(block.addr(), type_code, initial);
            let mut state = inner.lock();
            let object = state.insert_object(ObjectKind::Event, block, Extra::None, None, false);
            let granted = crate::object::grant_unchecked(
                ObjectKind::Event,
                ObjectKind::Event.map_generic(access),
            );
            state.create_handle(context.process, object, granted, 0, false, false)
        })
    }

    /// `DeviceIoControl` on `handle` with `input`, asking for up to `output_len` bytes back.
    /// A request that fails before reaching the driver (bad handle, wrong type, too little
    /// access for the code's required access) is `Done` with that status.
    #[must_use]
    pub fn ioctl(&self, handle: u64, code: u32, input: &[u8], output_len: usize) -> IoOutcome {
        self.device_control(handle, code, input, output_len, None)
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
            Some((other.eprocess, other.ethread)),
        )
    }

    fn device_control(
        &self,
        handle: u64,
        code: u32,
        input: &[u8],
        output_len: usize,
        dispatch_in: Option<(usize, usize)>,
    ) -> IoOutcome {
        self.call(
            "NtDeviceIoControlFile",
            |inner, _| match iomgr::device_control(
                inner,
                handle,
                code,
                input,
                output_len,
                dispatch_in,
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
        self.call("CancelIoEx", |inner, _| iomgr::cancel(inner, pending.id))
    }

    /// `NtClose` from user mode.
    #[must_use]
    pub fn close(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtClose", |_, context| {
            ob::close(context, "NtClose", handle, USER_MODE)
        })
    }

    /// `NtSetEvent`: needs `EVENT_MODIFY_STATE`.
    #[must_use]
    pub fn set_event(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtSetEvent", |_, context| {
            match event_of(context, handle, nt::EVENT_MODIFY_STATE) {
                Ok(event) => {
                    // SAFETY: a live event object's body is a KEVENT; the handle keeps it alive.
                    unsafe { crate::fields::signal_state(event) }.store(1, Ordering::Release);
                    nt::STATUS_SUCCESS
                }
                Err(status) => status,
            }
        })
    }

    /// `NtResetEvent`: needs `EVENT_MODIFY_STATE`.
    #[must_use]
    pub fn reset_event(&self, handle: u64) -> nt::NTSTATUS {
        self.call("NtResetEvent", |_, context| {
            match event_of(context, handle, nt::EVENT_MODIFY_STATE) {
                Ok(event) => {
                    // SAFETY: as in set_event.
                    unsafe { crate::fields::signal_state(event) }.store(0, Ordering::Release);
                    nt::STATUS_SUCCESS
                }
                Err(status) => status,
            }
        })
    }

    /// `WaitForSingleObject(handle, 0)`: needs `SYNCHRONIZE`; `Ok(true)` if signaled (a
    /// synchronization event is then reset).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`.
    pub fn wait(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("NtWaitForSingleObject", |_, context| {
            let event = event_of(context, handle, nt::SYNCHRONIZE)?;
            // SAFETY: as in set_event.
            let state = unsafe { crate::fields::signal_state(event) };
            let event_type = {
                let pointer = event as *const u8;
                // SAFETY: DISPATCHER_HEADER.Type is the first byte of a live KEVENT.
                unsafe { pointer.read() }
            };
            if event_type == crate::consts::EVENT_SYNCHRONIZATION_OBJECT {
                Ok(state.swap(0, Ordering::AcqRel) != 0)
            } else {
                Ok(state.load(Ordering::Acquire) != 0)
            }
        })
    }

    /// Whether the event `handle` names is signaled: an observer for tests, no access needed
    /// (the handle must still be a valid event handle of this process).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE` or `STATUS_OBJECT_TYPE_MISMATCH`.
    pub fn is_signaled(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("is_signaled", |_, context| {
            let event = event_of(context, handle, 0)?;
            // SAFETY: as in set_event.
            Ok(unsafe { crate::fields::signal_state(event) }.load(Ordering::Acquire) != 0)
        })
    }

    /// `NtDuplicateObject` within this process with `access` (generic rights mapped). As on
    /// Windows, the new access is checked against the object's security, not the source
    /// handle's access.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE` or `STATUS_ACCESS_DENIED`.
    pub fn duplicate(&self, handle: u64, access: u32) -> Result<u64, nt::NTSTATUS> {
        self.call("NtDuplicateObject", |_, context| {
            let mut state = context.kernel.lock();
            let entry = state
                .lookup_handle(context.process, handle, USER_MODE)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            let header = state
                .object(entry.object)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            let kind = header.kind;
            let user = state.user_of(context.process);
            let granted = access_check(
                kind,
                header.security.as_ref(),
                &user,
                kind.map_generic(access),
            )?;
            Ok(state.create_handle(context.process, entry.object, granted, 0, false, false))
        })
    }

    /// `NtDuplicateObject` with `DUPLICATE_SAME_ACCESS`.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`.
    pub fn duplicate_same_access(&self, handle: u64) -> Result<u64, nt::NTSTATUS> {
        self.call("NtDuplicateObject", |_, context| {
            let mut state = context.kernel.lock();
            let entry = state
                .lookup_handle(context.process, handle, USER_MODE)
                .ok_or(nt::STATUS_INVALID_HANDLE)?;
            Ok(state.create_handle(
                context.process,
                entry.object,
                entry.granted,
                entry.attributes,
                false,
                false,
            ))
        })
    }

    /// The granted access of one of this process's handles, `None` if it is not one.
    #[must_use]
    pub fn granted_access(&self, handle: u64) -> Option<u32> {
        self.kernel
            .inner
            .lock()
            .lookup_handle(self.eprocess, handle, USER_MODE)
            .map(|entry| entry.granted)
    }

    /// Handle values of this process's table, ascending.
    #[must_use]
    pub fn handles(&self) -> Vec<u64> {
        let state = self.kernel.inner.lock();
        state
            .processes
            .get(&self.eprocess)
            .map_or_else(Vec::new, |process| {
                process.handles.iter().map(|(value, _)| value).collect()
            })
    }

    /// Process exit: cancels the pending I/O of its threads, then closes every handle.
    pub fn exit(&self) {
        let pending: Vec<u64> = {
            let state = self.kernel.inner.lock();
            let threads = state
                .processes
                .get(&self.eprocess)
                .map(|process| process.threads.clone())
                .unwrap_or_default();
            state
                .io
                .irps
                .values()
                .filter(|irp| irp.completed.is_none() && threads.contains(&irp.thread))
                .map(|irp| irp.id)
                .collect()
        };
        for id in pending {
            let _ = self.cancel(&PendingIrp {
                kernel: self.kernel.clone(),
                id,
            });
        }
        for handle in self.handles() {
            let _ = self.close(handle);
        }
    }

    /// `NtCurrentProcess()`.
    #[must_use]
    pub fn current_process_handle() -> u64 {
        CURRENT_PROCESS
    }

    /// `NtCurrentThread()`.
    #[must_use]
    pub fn current_thread_handle() -> u64 {
        CURRENT_THREAD
    }
}
