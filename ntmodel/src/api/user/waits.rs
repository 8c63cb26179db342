//! Waiting from user mode: `NtWaitForSingleObject` on any dispatcher object (event, semaphore,
//! mutant, timer, process, thread), with a zero timeout or with a timeout the virtual clock
//! passes timer by timer; waiting for a pending request; an observer of the signal state for
//! tests.
use super::handles::object_of;
use super::{PendingIrp, Process};
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

    /// `WaitForSingleObject(handle, timeout_ms)`: waits while virtual time passes, the clock
    /// jumping from one armed timer to the next ([`Kernel::advance_until`]; `INFINITE` waits
    /// with no limit). `Ok(Some(ms waited))` once satisfied, `Ok(None)` on timeout (or for an
    /// `INFINITE` wait when no timer is left to satisfy it).
    ///
    /// # Errors
    /// As [`Process::wait`].
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    ///
    /// [`Kernel::advance_until`]: crate::Kernel::advance_until
    pub fn wait_for(&self, handle: u64, timeout_ms: u32) -> Result<Option<u64>, nt::NTSTATUS> {
        let mut failed = None;
        let waited = self
            .kernel()
            .advance_until(timeout_ms, || match self.wait(handle) {
                Ok(satisfied) => satisfied,
                Err(status) => {
                    failed = Some(status);
                    true
                }
            });
        failed.map_or(Ok(waited), Err)
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

impl PendingIrp {
    /// Waits for the request to complete while virtual time passes, the clock jumping from one
    /// armed timer to the next ([`Kernel::advance_until`]): `Some((IoStatus.Status, ms
    /// waited))`, `None` if still pending after `timeout_ms` (`INFINITE`: when no timer is left
    /// to complete it).
    ///
    /// # Panics
    /// If the verifier stopped meanwhile.
    ///
    /// [`Kernel::advance_until`]: crate::Kernel::advance_until
    #[must_use]
    pub fn wait_for(&self, timeout_ms: u32) -> Option<(nt::NTSTATUS, u64)> {
        let mut status = None;
        let waited = self.kernel.advance_until(timeout_ms, || {
            status = self.outcome().map(|(status, _, _)| status);
            status.is_some()
        })?;
        status.map(|status| (status, waited))
    }
}
