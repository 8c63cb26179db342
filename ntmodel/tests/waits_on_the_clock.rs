//! Waiting without stepping through time: the virtual clock jumps from one armed timer to the
//! next, so a wait for a timer due in 4294967295 ms (the largest `DWORD` a client can pass)
//! finishes as fast as one for a timer due in 1 ms, and a wait that times out moves the clock
//! by exactly its timeout.
mod common;

use common::test_driver::{IOCTL_PEND_UNTIL_TIMER, IOCTL_SIGNAL_EVENT_LATER};
use common::{done, kernel_with_driver};
use nt_bindings as nt;
use ntmodel::constants::{INFINITE, TIMER_MODIFY_STATE};
use ntmodel::{EventKind, TimerKind};
use std::time::{Duration, Instant};

const TICKS_PER_MS: u64 = 10_000;
/// Far longer than jumping to a timer takes, far shorter than stepping 4294967295 ms.
const FAST: Duration = Duration::from_secs(30);

#[test]
fn next_timer_due_is_the_earliest_armed_timer_of_user_mode_and_drivers() {
    let (k, alice) = kernel_with_driver();
    assert_eq!(k.next_timer_due(), None);
    let late = alice.create_timer(
        nt::SYNCHRONIZE | TIMER_MODIFY_STATE,
        TimerKind::Notification,
    );
    let early = alice.create_timer(
        nt::SYNCHRONIZE | TIMER_MODIFY_STATE,
        TimerKind::Notification,
    );
    let start = k.now();
    assert_eq!(alice.set_timer(late, 50), Ok(false));
    assert_eq!(alice.set_timer(early, 20), Ok(false));
    assert_eq!(k.next_timer_due(), Some(start + 20 * TICKS_PER_MS));
    assert_eq!(alice.cancel_timer(early), Ok(true));
    assert_eq!(k.next_timer_due(), Some(start + 50 * TICKS_PER_MS));

    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    let pending = alice
        .ioctl(device, IOCTL_PEND_UNTIL_TIMER, &[], 4)
        .pending()
        .expect("pends until the driver's 10 ms timer");
    assert_eq!(
        k.next_timer_due(),
        Some(start + 10 * TICKS_PER_MS),
        "the driver's KeSetTimer counts too"
    );
    assert!(k.advance_to_next_timer(u64::MAX));
    assert_eq!(k.now(), start + 10 * TICKS_PER_MS);
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_SUCCESS, b"tick".to_vec()))
    );
    assert!(
        !k.advance_to_next_timer(start + 49 * TICKS_PER_MS),
        "the next one is due later than that"
    );
    assert_eq!(k.now(), start + 10 * TICKS_PER_MS, "and the clock stays");
    k.check_no_stop();
}

#[test]
fn an_infinite_wait_for_a_timer_due_in_4294967295_ms_jumps_straight_to_it() {
    let (k, alice) = kernel_with_driver();
    let timer = alice.create_timer(
        nt::SYNCHRONIZE | TIMER_MODIFY_STATE,
        TimerKind::Notification,
    );
    let start = k.now();
    assert_eq!(alice.set_timer(timer, u64::from(u32::MAX)), Ok(false));
    let began = Instant::now();
    assert_eq!(
        alice.wait_for(timer, INFINITE),
        Ok(Some(u64::from(u32::MAX)))
    );
    assert!(began.elapsed() < FAST, "took {:?}", began.elapsed());
    assert_eq!(k.now(), start + u64::from(u32::MAX) * TICKS_PER_MS);
    k.check_no_stop();
}

#[test]
fn a_driver_dpc_due_in_4294967295_ms_signals_the_waited_event_without_stepping_to_it() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let mut input = event.to_le_bytes().to_vec();
    input.extend_from_slice(&u32::MAX.to_le_bytes());
    let start = k.now();
    assert_eq!(
        done(alice.ioctl(device, IOCTL_SIGNAL_EVENT_LATER, &input, 0)).0,
        nt::STATUS_SUCCESS
    );
    let began = Instant::now();
    assert_eq!(
        alice.wait_for(event, u32::MAX - 1),
        Ok(None),
        "a finite timeout 1 ms short of the DPC times out"
    );
    assert_eq!(k.now(), start + u64::from(u32::MAX - 1) * TICKS_PER_MS);
    assert_eq!(alice.wait_for(event, 1), Ok(Some(1)));
    assert!(began.elapsed() < FAST, "took {:?}", began.elapsed());
    assert_eq!(k.now(), start + u64::from(u32::MAX) * TICKS_PER_MS);
    k.check_no_stop();
}

#[test]
fn a_wait_that_times_out_moves_the_clock_by_exactly_its_timeout() {
    let (k, alice) = kernel_with_driver();
    let timer = alice.create_timer(
        nt::SYNCHRONIZE | TIMER_MODIFY_STATE,
        TimerKind::Synchronization,
    );
    assert_eq!(alice.set_timer(timer, 100), Ok(false));
    let start = k.now();
    assert_eq!(alice.wait_for(timer, 30), Ok(None));
    assert_eq!(k.now(), start + 30 * TICKS_PER_MS);
    assert_eq!(alice.wait_for(timer, 100), Ok(Some(70)));
    assert_eq!(k.now(), start + 100 * TICKS_PER_MS);
    assert_eq!(
        alice.wait_for(timer, 0),
        Ok(None),
        "the wait reset the synchronization timer"
    );
    k.check_no_stop();
}

#[test]
fn an_infinite_wait_no_armed_timer_can_satisfy_returns_without_moving_the_clock() {
    let (k, alice) = kernel_with_driver();
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let start = k.now();
    assert_eq!(alice.wait_for(event, INFINITE), Ok(None));
    assert_eq!(k.now(), start);
    k.check_no_stop();
}

#[test]
fn a_wait_with_a_handle_lacking_synchronize_is_access_denied_before_time_passes() {
    let (k, alice) = kernel_with_driver();
    let timer = alice.create_timer(TIMER_MODIFY_STATE, TimerKind::Notification);
    assert_eq!(alice.set_timer(timer, 5), Ok(false));
    let start = k.now();
    assert_eq!(
        alice.wait_for(timer, INFINITE),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(k.now(), start);
    k.check_no_stop();
}

#[test]
fn waiting_for_a_pended_request_jumps_to_the_timer_that_completes_it() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    let pending = alice
        .ioctl(device, IOCTL_PEND_UNTIL_TIMER, &[], 4)
        .pending()
        .expect("pends until the driver's 10 ms timer");
    let start = k.now();
    assert_eq!(pending.wait_for(4), None);
    assert_eq!(k.now(), start + 4 * TICKS_PER_MS);
    assert_eq!(pending.wait_for(INFINITE), Some((nt::STATUS_SUCCESS, 6)));
    assert_eq!(pending.wait_for(0), Some((nt::STATUS_SUCCESS, 0)));
    assert_eq!(k.now(), start + 10 * TICKS_PER_MS);
    k.check_no_stop();
}
