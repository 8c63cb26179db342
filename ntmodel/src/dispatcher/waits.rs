//! Waiting on dispatcher objects, as a zero-timeout `NtWaitForSingleObject` does, and the
//! calls that signal them from user mode. The object's `DISPATCHER_HEADER::Type` says what
//! satisfying a wait means: a synchronization event or timer is reset, a semaphore's count
//! goes down by one, a mutant becomes (or stays) owned by the waiting thread.
use super::objects::{KMUTANT_OWNER, KSEMAPHORE_LIMIT, read_at, write_at};
use crate::consts::{
    EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT, MUTANT_OBJECT, PROCESS_OBJECT,
    SEMAPHORE_OBJECT, STATUS_MUTANT_NOT_OWNED, STATUS_SEMAPHORE_LIMIT_EXCEEDED, THREAD_OBJECT,
    TIMER_NOTIFICATION_OBJECT, TIMER_SYNCHRONIZATION_OBJECT,
};
use crate::fields::signal_state;
use nt_bindings as nt;
use std::sync::atomic::Ordering;

fn type_of(object: usize) -> u8 {
    read_at::<u8>(object, 0)
}

/// Whether the dispatcher object at `object` is signaled (for `thread`: a mutant it owns
/// counts as signaled). No side effect.
///
/// The caller keeps the object alive and holds the machine lock (mutant ownership is read
/// and written under it).
pub fn is_signaled(object: usize, thread: usize) -> bool {
    // SAFETY: callers pass a live dispatcher object.
    let state = unsafe { signal_state(object) }.load(Ordering::Acquire);
    match type_of(object) {
        MUTANT_OBJECT => state > 0 || read_at::<usize>(object, KMUTANT_OWNER) == thread,
        _ => state > 0,
    }
}

/// A zero-timeout wait by `thread` on the dispatcher object at `object`: `true` if it was
/// satisfied (and its side effect done), `false` if it would have to wait.
///
/// The caller keeps the object alive and holds the machine lock.
pub fn try_wait(object: usize, thread: usize) -> bool {
    // SAFETY: callers pass a live dispatcher object.
    let state = unsafe { signal_state(object) };
    match type_of(object) {
        EVENT_SYNCHRONIZATION_OBJECT | TIMER_SYNCHRONIZATION_OBJECT => {
            state.swap(0, Ordering::AcqRel) != 0
        }
        SEMAPHORE_OBJECT => state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
                (count > 0).then(|| count - 1)
            })
            .is_ok(),
        MUTANT_OBJECT => {
            let owner = read_at::<usize>(object, KMUTANT_OWNER);
            let count = state.load(Ordering::Acquire);
            if count > 0 || owner == thread {
                state.store(count - 1, Ordering::Release);
                write_at::<usize>(object, KMUTANT_OWNER, thread);
                true
            } else {
                false
            }
        }
        EVENT_NOTIFICATION_OBJECT | TIMER_NOTIFICATION_OBJECT | PROCESS_OBJECT | THREAD_OBJECT => {
            state.load(Ordering::Acquire) > 0
        }
        _ => false,
    }
}

/// `NtReleaseSemaphore`: adds `count`; returns the previous count.
///
/// The caller keeps the semaphore alive and holds the machine lock.
pub fn release_semaphore(semaphore: usize, count: i32) -> Result<i32, nt::NTSTATUS> {
    if count <= 0 {
        return Err(nt::STATUS_INVALID_PARAMETER);
    }
    let limit = read_at::<i32>(semaphore, KSEMAPHORE_LIMIT);
    // SAFETY: callers pass a live KSEMAPHORE.
    let state = unsafe { signal_state(semaphore) };
    let previous = state.load(Ordering::Acquire);
    match previous.checked_add(count) {
        Some(next) if next <= limit => {
            state.store(next, Ordering::Release);
            Ok(previous)
        }
        _ => Err(STATUS_SEMAPHORE_LIMIT_EXCEEDED),
    }
}

/// `NtReleaseMutant` by `thread`: one level of ownership less; returns the previous state.
///
/// The caller keeps the mutant alive and holds the machine lock.
pub fn release_mutant(mutant: usize, thread: usize) -> Result<i32, nt::NTSTATUS> {
    // SAFETY: callers pass a live KMUTANT.
    let state = unsafe { signal_state(mutant) };
    let previous = state.load(Ordering::Acquire);
    if previous > 0 || read_at::<usize>(mutant, KMUTANT_OWNER) != thread {
        return Err(STATUS_MUTANT_NOT_OWNED);
    }
    state.store(previous + 1, Ordering::Release);
    if previous + 1 == 1 {
        write_at::<usize>(mutant, KMUTANT_OWNER, 0);
    }
    Ok(previous)
}

/// Signals a process or thread object (it has ended).
///
/// The caller keeps the object alive.
pub fn signal_ended(object: usize) {
    // SAFETY: callers pass a live KPROCESS / KTHREAD, whose header the model initialised.
    unsafe { signal_state(object) }.store(1, Ordering::Release);
}
