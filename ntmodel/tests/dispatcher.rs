//! The dispatcher: events in their `KEVENT`, `ZwCreateEvent`, timers and their DPCs on the
//! virtual clock.
mod common;

use nt_bindings as nt;
use ntmodel::{Kernel, PreviousMode, User};
use std::sync::atomic::{AtomicU32, Ordering};

#[test]
fn events_keep_their_state_in_the_kevent() {
    let k = Kernel::new();
    let mut event = nt::KEVENT::default();
    k.run_in_system(|| {
        // SAFETY: `event` is a local KEVENT used only on this thread.
        unsafe {
            ntmodel::KeInitializeEvent(&raw mut event, nt::_EVENT_TYPE::NotificationEvent, 0);
        };
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeReadStateEvent(&raw mut event) }, 0);
        // SAFETY: as above.
        let previous = unsafe { ntmodel::KeSetEvent(&raw mut event, 0, 0) };
        assert_eq!(previous, 0, "previous state");
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeSetEvent(&raw mut event, 0, 0) }, 1);
        // SAFETY: as above.
        unsafe { ntmodel::KeClearEvent(&raw mut event) };
        // SAFETY: as above.
        assert_eq!(unsafe { ntmodel::KeReadStateEvent(&raw mut event) }, 0);
    });
    assert_eq!(event.Header.SignalState, 0);
    k.check_no_stop();
}

#[test]
fn zw_create_event_makes_an_event_object_with_a_kernel_handle() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let handle = k.run_in(&alice, PreviousMode::UserMode, || {
        let mut attributes = nt::OBJECT_ATTRIBUTES {
            Attributes: nt::OBJ_KERNEL_HANDLE,
            ..Default::default()
        };
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let status = unsafe {
            ntmodel::ZwCreateEvent(
                &raw mut handle,
                0x001F_0003,
                &raw mut attributes,
                nt::_EVENT_TYPE::NotificationEvent,
                1,
            )
        };
        assert_eq!(status, nt::STATUS_SUCCESS);
        handle as u64
    });
    assert!(k.system_handle_values().contains(&handle));
    let object = k
        .object_of(&alice, handle)
        .expect("reachable as a kernel handle");
    let state = k.run_in_system(|| {
        // SAFETY: the body of an event object is a KEVENT.
        unsafe { ntmodel::KeReadStateEvent(object as nt::PRKEVENT) }
    });
    assert_eq!(state, 1, "initially signaled");
    let closed = k.run_in_system(|| {
        // SAFETY: our kernel handle.
        unsafe { ntmodel::ZwClose(handle as nt::HANDLE) }
    });
    assert_eq!(closed, nt::STATUS_SUCCESS);
    assert!(k.is_deleted(object));
    k.check_no_stop();
}

static FIRED: AtomicU32 = AtomicU32::new(0);

unsafe extern "C" fn count_dpc(
    _dpc: nt::PKDPC,
    context: nt::PVOID,
    _first: nt::PVOID,
    _second: nt::PVOID,
) {
    FIRED.fetch_add(context as u32, Ordering::SeqCst);
}

#[test]
fn timers_fire_their_dpc_when_the_clock_passes_the_due_time() {
    let k = Kernel::new();
    let mut timer = nt::KTIMER::default();
    let mut dpc = nt::KDPC {
        Type: 0,
        Importance: 0,
        Number: 0,
        DpcListEntry: nt::LIST_ENTRY::default(),
        DeferredRoutine: None,
        DeferredContext: std::ptr::null_mut(),
        SystemArgument1: std::ptr::null_mut(),
        SystemArgument2: std::ptr::null_mut(),
        DpcData: std::ptr::null_mut(),
    };
    let timer_pointer = &raw mut timer;
    let dpc_pointer = &raw mut dpc;
    let already = k.run_in_system(|| {
        // SAFETY: the timer and DPC live until the end of the test; nothing else uses them.
        unsafe { ntmodel::KeInitializeTimerEx(timer_pointer, nt::_TIMER_TYPE::NotificationTimer) };
        // SAFETY: as above.
        unsafe { ntmodel::KeInitializeDpc(dpc_pointer, Some(count_dpc), 1000 as nt::PVOID) };
        // SAFETY: as above.
        let first = unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: -50 * 10_000,
                },
                dpc_pointer,
            )
        };
        // SAFETY: as above.
        let second = unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: -100 * 10_000,
                },
                dpc_pointer,
            )
        };
        (first, second)
    });
    assert_eq!(
        already,
        (0, 1),
        "KeSetTimer returns whether the timer was already set"
    );
    assert_eq!(k.armed_timers(), 1);
    let before = FIRED.load(Ordering::SeqCst);
    k.advance_ms(99);
    assert_eq!(
        FIRED.load(Ordering::SeqCst),
        before,
        "re-arming replaced the 50 ms due time"
    );
    k.advance_ms(1);
    assert!(FIRED.load(Ordering::SeqCst) >= before + 1000);
    assert_eq!(k.armed_timers(), 0);
    let cancelled = k.run_in_system(|| {
        // SAFETY: the timer lives in this frame.
        unsafe { ntmodel::KeCancelTimer(timer_pointer) }
    });
    let state = timer.Header.SignalState;
    assert_eq!(
        (cancelled, state),
        (0, 1),
        "a fired timer is signaled and no longer set"
    );
    k.check_no_stop();
}

#[test]
fn a_cancelled_timer_does_not_fire() {
    let k = Kernel::new();
    let mut timer = nt::KTIMER::default();
    let timer_pointer = &raw mut timer;
    let cancelled = k.run_in_system(|| {
        // SAFETY: the timer lives in this frame.
        unsafe { ntmodel::KeInitializeTimerEx(timer_pointer, nt::_TIMER_TYPE::NotificationTimer) };
        // SAFETY: as above; no DPC.
        unsafe {
            ntmodel::KeSetTimer(
                timer_pointer,
                nt::LARGE_INTEGER {
                    QuadPart: k.now().cast_signed() + 10_000,
                },
                std::ptr::null_mut(),
            )
        };
        // SAFETY: as above.
        unsafe { ntmodel::KeCancelTimer(timer_pointer) }
    });
    assert_eq!(cancelled, 1);
    k.advance_ms(5);
    assert_eq!(timer.Header.SignalState, 0);
    k.check_no_stop();
}
