//! The other waitable objects a program creates: semaphores (`NtCreateSemaphore`,
//! `NtReleaseSemaphore`), mutants (`NtCreateMutant`, `NtReleaseMutant`) and timers
//! (`NtCreateTimer`, `NtSetTimer`, `NtCancelTimer`).
use super::handles::{insert_with_handle, object_of};
use super::{Process, TimerKind};
use crate::block::Block;
use crate::consts::{TICKS_PER_MS, TIMER_NOTIFICATION_OBJECT, TIMER_SYNCHRONIZATION_OBJECT};
use crate::dispatcher::objects::{KMUTANT_SIZE, init_mutant_at, init_semaphore_at, init_timer_at};
use crate::dispatcher::waits::{release_mutant, release_semaphore};
use crate::object_manager::Extra;
use crate::object_types::ObjectKind;
use crate::origin::Origin;
use crate::rights::{SEMAPHORE_MODIFY_STATE, TIMER_MODIFY_STATE};
use nt_bindings as nt;

impl Process {
    /// `NtCreateSemaphore` (unnamed) with `initial` of `maximum` counts: the handle, with
    /// `access` (generic rights mapped).
    ///
    /// # Errors
    /// `STATUS_INVALID_PARAMETER` unless `0 <= initial <= maximum` and `maximum > 0`.
    pub fn create_semaphore(
        &self,
        access: u32,
        initial: i32,
        maximum: i32,
    ) -> Result<u64, nt::NTSTATUS> {
        self.call("NtCreateSemaphore", |inner, context| {
            if maximum <= 0 || initial < 0 || initial > maximum {
                return Err(nt::STATUS_INVALID_PARAMETER);
            }
            let block = Block::zeroed(size_of::<nt::_KSEMAPHORE>());
            init_semaphore_at(block.addr(), initial, maximum);
            let mut state = inner.lock();
            Ok(insert_with_handle(
                &mut state,
                context,
                ObjectKind::Semaphore,
                block,
                Extra::None,
                access,
            ))
        })
    }

    /// `NtReleaseSemaphore`: needs `SEMAPHORE_MODIFY_STATE`; returns the previous count.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`,
    /// `STATUS_INVALID_PARAMETER` for a count of 0 or less, `STATUS_SEMAPHORE_LIMIT_EXCEEDED`
    /// beyond the maximum.
    pub fn release_semaphore(&self, handle: u64, count: i32) -> Result<i32, nt::NTSTATUS> {
        self.call("NtReleaseSemaphore", |_, context| {
            let mut state = context.machine.lock();
            let (semaphore, _) = object_of(
                &mut state,
                context,
                handle,
                SEMAPHORE_MODIFY_STATE,
                Some(ObjectKind::Semaphore),
            )?;
            release_semaphore(semaphore, count)
        })
    }

    /// `NtCreateMutant` (unnamed), owned by this thread if `initial_owner`: the handle, with
    /// `access` (generic rights mapped).
    #[must_use]
    pub fn create_mutant(&self, access: u32, initial_owner: bool) -> u64 {
        self.call("NtCreateMutant", |inner, context| {
            let block = Block::zeroed(KMUTANT_SIZE);
            init_mutant_at(block.addr(), initial_owner.then_some(context.thread));
            let mut state = inner.lock();
            insert_with_handle(
                &mut state,
                context,
                ObjectKind::Mutant,
                block,
                Extra::None,
                access,
            )
        })
    }

    /// `NtReleaseMutant` (no specific access needed): returns the previous state.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_MUTANT_NOT_OWNED` if
    /// this thread does not own it.
    pub fn release_mutant(&self, handle: u64) -> Result<i32, nt::NTSTATUS> {
        self.call("NtReleaseMutant", |_, context| {
            let mut state = context.machine.lock();
            let (mutant, _) = object_of(&mut state, context, handle, 0, Some(ObjectKind::Mutant))?;
            release_mutant(mutant, context.thread)
        })
    }

    /// `NtCreateTimer` (unnamed): the handle, with `access` (generic rights mapped).
    #[must_use]
    pub fn create_timer(&self, access: u32, kind: TimerKind) -> u64 {
        self.call("NtCreateTimer", |inner, context| {
            let block = Block::zeroed(size_of::<nt::KTIMER>());
            init_timer_at(
                block.addr(),
                match kind {
                    TimerKind::Notification => TIMER_NOTIFICATION_OBJECT,
                    TimerKind::Synchronization => TIMER_SYNCHRONIZATION_OBJECT,
                },
            );
            let mut state = inner.lock();
            insert_with_handle(
                &mut state,
                context,
                ObjectKind::Timer,
                block,
                Extra::None,
                access,
            )
        })
    }

    /// `NtSetTimer` due `due_ms` from now (no APC, no period): needs `TIMER_MODIFY_STATE`;
    /// returns whether it was already set.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`.
    pub fn set_timer(&self, handle: u64, due_ms: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("NtSetTimer", |_, context| {
            let mut state = context.machine.lock();
            let (timer, _) = object_of(
                &mut state,
                context,
                handle,
                TIMER_MODIFY_STATE,
                Some(ObjectKind::Timer),
            )?;
            let relative = i64::try_from(due_ms.saturating_mul(TICKS_PER_MS)).unwrap_or(i64::MAX);
            Ok(state.ke.set_timer(timer, -relative, 0, Origin::Model))
        })
    }

    /// `NtCancelTimer`: needs `TIMER_MODIFY_STATE`; returns whether it was set.
    ///
    /// # Errors
    /// `STATUS_INVALID_HANDLE`, `STATUS_OBJECT_TYPE_MISMATCH`, `STATUS_ACCESS_DENIED`.
    pub fn cancel_timer(&self, handle: u64) -> Result<bool, nt::NTSTATUS> {
        self.call("NtCancelTimer", |_, context| {
            let mut state = context.machine.lock();
            let (timer, _) = object_of(
                &mut state,
                context,
                handle,
                TIMER_MODIFY_STATE,
                Some(ObjectKind::Timer),
            )?;
            Ok(state.ke.cancel_timer(timer))
        })
    }
}
