//! The user-mode API a test drives, as a program would through ntdll: processes and their
//! threads, handles, and the system services `CreateFileW`, `DeviceIoControl`,
//! `DuplicateHandle`, `CloseHandle` and the event and wait calls lead to. Every call runs
//! with previous mode `UserMode` at `PASSIVE_LEVEL` in the process's context, then runs the
//! kernel's deferred work, and panics if the verifier stopped meanwhile.
//!
//! The boundary: this module uses the kernel side (`api::kernel`, the subsystems and the
//! request flows); nothing on the kernel side uses it.
mod events;
mod handles;
mod io;
mod launch;
mod objects;
mod quota;
mod sync;
mod waits;

use crate::api::kernel::Kernel;
use crate::consts::{PASSIVE_LEVEL, USER_MODE};
use crate::machine::Machine;
use crate::machine::context::{self, Context, system_context};
use crate::requests;
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::Arc;

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

/// Notification (stays signaled) or synchronization (reset by a satisfied wait) timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// `NotificationTimer`.
    Notification,
    /// `SynchronizationTimer`.
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

/// An IRP the driver pended; its result shows up once the driver completes it, and is kept
/// while a `PendingIrp` for it (or a clone) exists.
#[derive(Debug)]
pub struct PendingIrp {
    kernel: Kernel,
    id: u64,
}

impl Clone for PendingIrp {
    fn clone(&self) -> Self {
        self.kernel.inner.lock().io.watch(self.id);
        Self {
            kernel: self.kernel.clone(),
            id: self.id,
        }
    }
}

impl Drop for PendingIrp {
    fn drop(&mut self) {
        self.kernel.inner.lock().io.unwatch(self.id);
    }
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
        let guard = context::enter(system_context(&self.kernel.inner, PASSIVE_LEVEL));
        requests::settle(&self.kernel.inner);
        drop(guard);
        let state = self.kernel.inner.lock();
        state
            .io
            .result(self.id)
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
            .ps
            .get(self.eprocess)
            .map_or(0, |process| process.pid)
    }

    /// The image name it was created with.
    #[must_use]
    pub fn image_name(&self) -> String {
        self.kernel
            .inner
            .lock()
            .ps
            .get(self.eprocess)
            .map_or_else(String::new, |process| process.name.clone())
    }

    /// The thread id of this thread.
    #[must_use]
    pub fn tid(&self) -> u32 {
        self.kernel
            .inner
            .lock()
            .ps
            .thread(self.ethread)
            .map_or(0, |thread| thread.tid)
    }

    fn call<R>(&self, what: &str, f: impl FnOnce(&Arc<Machine>, &Context) -> R) -> R {
        let inner = &self.kernel.inner;
        let before = inner.lock().verifier.stops.len();
        let context = Context {
            machine: Arc::clone(inner),
            process: self.eprocess,
            thread: self.ethread,
            previous_mode: USER_MODE,
            irql: PASSIVE_LEVEL,
            driver: None,
        };
        let guard = context::enter(context.clone());
        let result = f(inner, &context);
        let irql = context::irql();
        if irql != PASSIVE_LEVEL {
            inner.lock().verifier.stop(
                codes::IRQL_GT_ZERO_AT_SYSTEM_SERVICE,
                [u64::from(irql), 0, 0, 0],
                format!("returned to user mode from {what} at IRQL {irql}"),
            );
            context::set_irql(PASSIVE_LEVEL);
        }
        requests::settle(inner);
        drop(guard);
        self.kernel.panic_on_new_stops(what, before);
        result
    }
}
