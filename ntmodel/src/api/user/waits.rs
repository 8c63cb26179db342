//! Waiting from user mode: `NtWaitForSingleObject` with a zero timeout on any dispatcher
//! object (event, semaphore, mutant, timer, process, thread), and an observer of the signal
//! state for tests.
use super::Process;
use super::handles::object_of;
use crate::dispatcher::waits::{is_signaled, try_wait};
use crate::object_types::ObjectKind;
use nt_bindings as nt;

/// Whether objects of `kind` can be waited on in the model.
fn waitable(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Event
            | ObjectKind::Semaphore
            | ObjectKind::Mutant
            | ObjectKind::Timer
            | ObjectKind::Process
            | ObjectKind::Thread
    )
}

impl Process {
    /// `WaitForSingleObject(handle, 0)`: needs `SYNCHRONIZE`; `Ok(true)` if the wait is
    /// satisfied (a synchronization event or timer is then reset, a semaphore decremented, a
    /// mutant owned by this thread).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_ACCESS_DENIED`, and `STATUS_OBJECT_TYPE_MISMATCH` for
    /// an object that is not waitable.
    pub fn wait(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("NtWaitForSingleObject", |_, context| {
            let mut state = context.machine.lock();
            let (object, kind) = object_of(&mut state, context, handle, nt::SYNCHRONIZE, None)?;
            if !waitable(kind) {
                return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
            }
            Ok(try_wait(object, context.thread))
        })
    }

    /// Whether the waitable object `handle` names is signaled: an observer for tests, no access
    /// needed and no side effect (the handle must still be a valid handle of this process).
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE` or `STATUS_OBJECT_TYPE_MISMATCH`.
    pub fn is_signaled(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("is_signaled", |_, context| {
            let mut state = context.machine.lock();
            let (object, kind) = object_of(&mut state, context, handle, 0, None)?;
            if !waitable(kind) {
                return Err(nt::STATUS_OBJECT_TYPE_MISMATCH);
            }
            Ok(is_signaled(object, context.thread))
        })
    }
}
