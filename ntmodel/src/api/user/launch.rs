//! The kernel-side calls that start or address user-mode processes: creating a process,
//! the System process, running test code as kernel code in a process's context, and the
//! object a process's handle names. They extend [`Kernel`] here so that the kernel side never
//! names the user-mode API's types.
use super::{Process, User};
use crate::api::kernel::{Kernel, PreviousMode};
use crate::consts::{KERNEL_MODE, PASSIVE_LEVEL};
use crate::machine::context::{self, Context};
use crate::object_manager::ObjectHeader;
use crate::requests;
use std::sync::Arc;

impl Kernel {
    /// A 64-bit user process with one thread.
    #[must_use]
    #[allow(
        clippy::needless_pass_by_value,
        reason = "reads like the scenario: create_process(\"app.exe\", User::new(\"alice\"))"
    )]
    pub fn create_process(&self, image: &str, user: User) -> Process {
        self.new_process(image, &user, false)
    }

    /// A 32-bit (WOW64) user process with one thread.
    #[must_use]
    #[allow(clippy::needless_pass_by_value, reason = "as create_process")]
    pub fn create_process_32bit(&self, image: &str, user: User) -> Process {
        self.new_process(image, &user, true)
    }

    fn new_process(&self, image: &str, user: &User, wow64: bool) -> Process {
        let (process, thread) = self.inner.lock().create_process(image, user.name(), wow64);
        Process::new(self.clone(), process, thread)
    }

    /// The System process (for [`Kernel::run_in`]).
    #[must_use]
    pub fn system(&self) -> Process {
        let (process, thread) = {
            let state = self.inner.lock();
            (state.ps.system_process, state.ps.system_thread)
        };
        Process::new(self.clone(), process, thread)
    }

    /// Runs `f` on this thread as kernel code in `process`'s context with `mode` as previous
    /// mode at `PASSIVE_LEVEL` (exports called inside see that context), then runs deferred
    /// work. Verifier stops are recorded, not raised: check them with
    /// [`Kernel::verifier_stops`].
    pub fn run_in<R>(&self, process: &Process, mode: PreviousMode, f: impl FnOnce() -> R) -> R {
        self.run_in_at(process, mode, PASSIVE_LEVEL, f)
    }

    /// [`Kernel::run_in`] at a given IRQL.
    pub fn run_in_at<R>(
        &self,
        process: &Process,
        mode: PreviousMode,
        irql: u8,
        f: impl FnOnce() -> R,
    ) -> R {
        let context = Context {
            machine: Arc::clone(&self.inner),
            process: process.eprocess(),
            thread: process.ethread(),
            previous_mode: mode.raw(),
            irql,
            driver: None,
        };
        let guard = context::enter(context);
        let result = f();
        context::set_irql(PASSIVE_LEVEL);
        requests::settle(&self.inner);
        drop(guard);
        result
    }

    /// [`Kernel::run_in`] in the System process with `KernelMode`.
    pub fn run_in_system<R>(&self, f: impl FnOnce() -> R) -> R {
        let system = self.system();
        self.run_in(&system, PreviousMode::KernelMode, f)
    }

    /// (references, handles) of the object `handle` of `process` names, `None` if it names
    /// none. References are logical (driver's, IRPs'), not Windows' biased `PointerCount`.
    #[must_use]
    pub fn object_counts(&self, process: &Process, handle: u64) -> Option<(u64, u32)> {
        let object = self.object_of(process, handle)?;
        self.object_counts_at(object)
    }

    /// The object body `handle` of `process` names (kernel handles via the kernel table).
    #[must_use]
    pub fn object_of(&self, process: &Process, handle: u64) -> Option<usize> {
        self.inner
            .lock()
            .ob
            .lookup_handle(process.eprocess(), handle, KERNEL_MODE)
            .map(|entry| entry.object)
    }

    /// The type name (`"Event"`, `"Key"`, ...) of the object `handle` of `process` names.
    #[must_use]
    pub fn object_type_of(&self, process: &Process, handle: u64) -> Option<&'static str> {
        let object = self.object_of(process, handle)?;
        self.inner
            .lock()
            .ob
            .get(object)
            .map(|header| header.kind.info().name)
    }

    /// The name of the object `handle` of `process` names, for the kinds that have one (a
    /// key's path, a symbolic link's or a directory's name, a file's path).
    #[must_use]
    pub fn object_name_of(&self, process: &Process, handle: u64) -> Option<String> {
        let object = self.object_of(process, handle)?;
        self.inner
            .lock()
            .ob
            .get(object)
            .and_then(ObjectHeader::name)
    }
}
