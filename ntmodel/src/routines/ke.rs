//! Dispatcher routines: events, timers, DPCs, spin locks.
//!
//! Each function is the implementation of the export of the same name, called by the export
//! list's wrapper (`crate::exports`) with the caller's context; the exports' contracts (their
//! `# Safety` sections) are documented there, once.
use super::{bad_parameter, require_dispatch_or_below};
use crate::clock;
use crate::consts::{
    DISPATCH_LEVEL, EVENT_NOTIFICATION_OBJECT, EVENT_SYNCHRONIZATION_OBJECT,
    TIMER_NOTIFICATION_OBJECT, TIMER_SYNCHRONIZATION_OBJECT,
};
use crate::dispatcher::objects::{init_dpc_at, init_event_at, init_timer_at};
use crate::dispatcher::thread_token;
use crate::fields::signal_state;
use crate::machine::context::{self, Context};
use crate::verifier::codes;
use nt_bindings as nt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Records a stop if `object` is the body of a deleted object (a stale pointer).
fn check_not_deleted(context: &Context, routine: &str, object: usize) -> bool {
    let mut state = context.machine.lock();
    if state.ob.was_deleted(object) {
        state.verifier.stop(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            [codes::C4_BAD_REFERENCE_COUNT, object as u64, 0, 0],
            format!("{routine} on {object:#x}, an object already deleted (its last reference was dropped)"),
        );
        return false;
    }
    true
}

/// `KeInitializeEvent`.
pub unsafe fn KeInitializeEvent(
    context: &Context,
    Event: nt::PRKEVENT,
    Type: nt::EVENT_TYPE,
    State: nt::BOOLEAN,
) {
    if Event.is_null() {
        bad_parameter(context, "KeInitializeEvent", "Event is NULL");
        return;
    }
    let kind = if Type == nt::_EVENT_TYPE::NotificationEvent {
        EVENT_NOTIFICATION_OBJECT
    } else {
        EVENT_SYNCHRONIZATION_OBJECT
    };
    init_event_at(Event as usize, kind, State != 0);
}

/// `KeSetEvent`: signals the event; returns the previous state.
pub unsafe fn KeSetEvent(
    context: &Context,
    Event: nt::PRKEVENT,
    Increment: nt::KPRIORITY,
    Wait: nt::BOOLEAN,
) -> nt::LONG {
    let _ = (Increment, Wait);
    require_dispatch_or_below(context, "KeSetEvent");
    if Event.is_null() {
        bad_parameter(context, "KeSetEvent", "Event is NULL");
        return 0;
    }
    if !check_not_deleted(context, "KeSetEvent", Event as usize) {
        return 0;
    }
    // SAFETY: the caller passes an initialised KEVENT it keeps alive across the call.
    unsafe { signal_state(Event as usize) }.swap(1, Ordering::AcqRel)
}

/// `KeClearEvent`.
pub unsafe fn KeClearEvent(context: &Context, Event: nt::PRKEVENT) {
    if Event.is_null() {
        bad_parameter(context, "KeClearEvent", "Event is NULL");
        return;
    }
    if check_not_deleted(context, "KeClearEvent", Event as usize) {
        // SAFETY: the caller passes an initialised KEVENT it keeps alive across the call.
        unsafe { signal_state(Event as usize) }.store(0, Ordering::Release);
    }
}

/// `KeReadStateEvent`.
pub unsafe fn KeReadStateEvent(context: &Context, Event: nt::PRKEVENT) -> nt::LONG {
    if Event.is_null() {
        bad_parameter(context, "KeReadStateEvent", "Event is NULL");
        return 0;
    }
    if !check_not_deleted(context, "KeReadStateEvent", Event as usize) {
        return 0;
    }
    // SAFETY: the caller passes an initialised KEVENT it keeps alive across the call.
    unsafe { signal_state(Event as usize) }.load(Ordering::Acquire)
}

/// `KeInitializeTimerEx`.
pub unsafe fn KeInitializeTimerEx(context: &Context, Timer: nt::PKTIMER, Type: nt::TIMER_TYPE) {
    if Timer.is_null() {
        bad_parameter(context, "KeInitializeTimerEx", "Timer is NULL");
        return;
    }
    let timer = Timer as usize;
    let mut state = context.machine.lock();
    if state.ke.cancel_timer(timer) {
        state.verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_BAD_PARAMETER, timer as u64, 0, 0],
            format!("KeInitializeTimerEx on the armed timer {timer:#x}"),
        );
    }
    let kind = if Type == nt::_TIMER_TYPE::NotificationTimer {
        TIMER_NOTIFICATION_OBJECT
    } else {
        TIMER_SYNCHRONIZATION_OBJECT
    };
    init_timer_at(timer, kind);
}

/// `KeSetTimer`: negative `DueTime` is relative (100 ns units), positive absolute system time.
/// Returns whether the timer was already armed.
pub unsafe fn KeSetTimer(
    context: &Context,
    Timer: nt::PKTIMER,
    DueTime: nt::LARGE_INTEGER,
    Dpc: nt::PKDPC,
) -> nt::BOOLEAN {
    require_dispatch_or_below(context, "KeSetTimer");
    if Timer.is_null() {
        bad_parameter(context, "KeSetTimer", "Timer is NULL");
        return 0;
    }
    // SAFETY: every bit pattern of a LARGE_INTEGER is a valid LONGLONG.
    let due = unsafe { DueTime.QuadPart };
    u8::from(context.machine.lock().ke.set_timer(
        Timer as usize,
        due,
        Dpc as usize,
        context.origin(),
    ))
}

/// `KeCancelTimer`: TRUE if the timer was armed (and now is not).
pub unsafe fn KeCancelTimer(context: &Context, Timer: nt::PKTIMER) -> nt::BOOLEAN {
    require_dispatch_or_below(context, "KeCancelTimer");
    u8::from(context.machine.lock().ke.cancel_timer(Timer as usize))
}

/// `KeInitializeDpc`.
pub unsafe fn KeInitializeDpc(
    context: &Context,
    Dpc: nt::PRKDPC,
    DeferredRoutine: nt::PKDEFERRED_ROUTINE,
    DeferredContext: nt::PVOID,
) {
    if Dpc.is_null() {
        bad_parameter(context, "KeInitializeDpc", "Dpc is NULL");
        return;
    }
    init_dpc_at(Dpc as usize, DeferredRoutine, DeferredContext as usize);
}

/// `KeFlushQueuedDpcs`: returns when every queued DPC has run (queued ones run here).
pub fn KeFlushQueuedDpcs(context: &Context) {
    if context::irql() != crate::consts::PASSIVE_LEVEL {
        context.machine.lock().verifier.stop(
            codes::NTMODEL_CHECK,
            [codes::MODEL_WRONG_IRQL, u64::from(context::irql()), 0, 0],
            "KeFlushQueuedDpcs above PASSIVE_LEVEL (deadlocks on Windows)",
        );
        return;
    }
    clock::flush_dpcs(&context.machine);
}

/// `KeAcquireSpinLockRaiseToDpc`: spins until the lock word is free, raises to
/// `DISPATCH_LEVEL`; returns the old IRQL.
pub unsafe fn KeAcquireSpinLockRaiseToDpc(
    context: &Context,
    SpinLock: nt::PKSPIN_LOCK,
) -> nt::KIRQL {
    require_dispatch_or_below(context, "KeAcquireSpinLockRaiseToDpc");
    let old = context::set_irql(context::irql().max(DISPATCH_LEVEL));
    if SpinLock.is_null() {
        bad_parameter(context, "KeAcquireSpinLockRaiseToDpc", "SpinLock is NULL");
        return old;
    }
    // SAFETY: a KSPIN_LOCK is an aligned ULONG_PTR the caller keeps alive, accessed only
    // through the spin lock routines (atomically).
    let word = unsafe { AtomicUsize::from_ptr(SpinLock.cast::<usize>()) };
    let token = thread_token();
    loop {
        match word.compare_exchange_weak(0, token, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return old,
            Err(owner) if owner == token => {
                context.machine.lock().verifier.stop(
                    codes::NTMODEL_CHECK,
                    [codes::MODEL_SPIN_LOCK, SpinLock as u64, 0, 0],
                    "spin lock acquired recursively by the thread that holds it (deadlocks on Windows)",
                );
                return old;
            }
            Err(_) => std::hint::spin_loop(),
        }
    }
}

/// `KeReleaseSpinLock`: releases the lock and lowers the IRQL to `NewIrql`.
pub unsafe fn KeReleaseSpinLock(context: &Context, SpinLock: nt::PKSPIN_LOCK, NewIrql: nt::KIRQL) {
    if SpinLock.is_null() {
        bad_parameter(context, "KeReleaseSpinLock", "SpinLock is NULL");
    } else {
        // SAFETY: as for KeAcquireSpinLockRaiseToDpc.
        let word = unsafe { AtomicUsize::from_ptr(SpinLock.cast::<usize>()) };
        if word
            .compare_exchange(thread_token(), 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            context.machine.lock().verifier.stop(
                codes::NTMODEL_CHECK,
                [codes::MODEL_SPIN_LOCK, SpinLock as u64, 1, 0],
                "KeReleaseSpinLock of a spin lock this thread does not hold",
            );
        }
    }
    context::set_irql(NewIrql);
}
