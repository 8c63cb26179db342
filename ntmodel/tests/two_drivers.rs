//! The harness with two drivers: the model's test driver and the signal driver, each with its
//! own `DriverEntry` and device, loaded side by side in one kernel through the public API and
//! driven by one program; each unloads on its own and is held to account only for what it
//! left.
mod common;

use common::done;
use common::signal_driver::{
    self, IOCTL_SIGNAL, IOCTL_SIGNAL_LATER, IOCTL_SIGNAL_UNCHECKED, IOCTL_SIGNALLED,
};
use common::test_driver::{self, IOCTL_BUG_LEAK_POOL, IOCTL_ECHO};
use nt_bindings as nt;
use ntmodel::constants::STATUS_IMAGE_ALREADY_LOADED;
use ntmodel::{EventKind, Kernel, Process, User};

/// A kernel with both drivers loaded and alice's process with both devices open.
fn two_drivers() -> (Kernel, Process, u64, u64) {
    let k = Kernel::new();
    assert_eq!(
        k.load_driver_as("modeltest", test_driver::DriverEntry),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        k.load_driver_as("signal", signal_driver::DriverEntry),
        nt::STATUS_SUCCESS
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    let model = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("modeltest");
    let signal = alice.open(r"\\.\Signal", nt::GENERIC_READ).expect("signal");
    (k, alice, model, signal)
}

fn signalled(alice: &Process, signal: u64) -> u32 {
    let (status, _, output) = done(alice.ioctl(signal, IOCTL_SIGNALLED, &[], 4));
    assert_eq!(status, nt::STATUS_SUCCESS);
    u32::from_le_bytes(output.try_into().expect("4 bytes"))
}

#[test]
fn two_drivers_load_side_by_side_each_with_its_own_device_and_link() {
    let (k, alice, model, signal) = two_drivers();
    assert_eq!(k.loaded_drivers(), ["modeltest", "signal"]);
    assert_ne!(k.device_object(test_driver::DEVICE_NAME), None);
    assert_ne!(
        k.device_object(test_driver::DEVICE_NAME),
        k.device_object(signal_driver::DEVICE_NAME)
    );
    assert_eq!(
        k.symbolic_link(signal_driver::LINK_NAME).as_deref(),
        Some(signal_driver::DEVICE_NAME)
    );
    // Each request reaches the driver of the device it is sent to.
    assert_eq!(
        done(alice.ioctl(model, IOCTL_ECHO, b"ping", 4)),
        (nt::STATUS_SUCCESS, 4, b"ping".to_vec())
    );
    assert_eq!(
        done(alice.ioctl(signal, IOCTL_ECHO, b"ping", 4)).0,
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    assert_eq!(
        done(alice.ioctl(model, IOCTL_SIGNAL, &event.to_le_bytes(), 0)).0,
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    assert_eq!(alice.is_signaled(event), Ok(false));
    assert_eq!(
        done(alice.ioctl(signal, IOCTL_SIGNAL, &event.to_le_bytes(), 0)).0,
        nt::STATUS_SUCCESS
    );
    assert_eq!(alice.is_signaled(event), Ok(true));
    assert_eq!(signalled(&alice, signal), 1);
    // The signal driver takes the handle as Microsoft's guidance says: too little access fails.
    let wait_only = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    assert_eq!(
        done(alice.ioctl(signal, IOCTL_SIGNAL, &wait_only.to_le_bytes(), 0)).0,
        nt::STATUS_ACCESS_DENIED
    );
    alice.exit();
    assert_eq!(k.unload_driver_as("signal"), Ok(()));
    assert_eq!(k.unload_driver_as("modeltest"), Ok(()));
    k.check_no_stop();
}

#[test]
fn a_service_loads_once_and_a_second_copy_of_a_driver_collides_on_its_device_name() {
    let k = Kernel::new();
    assert_eq!(
        k.load_driver_as("signal", signal_driver::DriverEntry),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        k.load_driver_as("signal", signal_driver::DriverEntry),
        STATUS_IMAGE_ALREADY_LOADED
    );
    assert_eq!(
        k.load_driver_as("signal2", signal_driver::DriverEntry),
        nt::STATUS_OBJECT_NAME_COLLISION
    );
    assert_eq!(k.loaded_drivers(), ["signal"]);
    assert!(
        k.unload_driver_as("signal2")
            .expect_err("not loaded")
            .refused
            .is_some()
    );
    assert_eq!(k.unload_driver(), Ok(()));
    assert!(k.loaded_drivers().is_empty());
}

#[test]
fn each_driver_unloads_on_its_own_and_reports_only_what_it_left() {
    let (k, alice, model, signal) = two_drivers();
    assert_eq!(
        done(alice.ioctl(model, IOCTL_BUG_LEAK_POOL, &[], 0)).0,
        nt::STATUS_SUCCESS
    );
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let mut later = event.to_le_bytes().to_vec();
    later.extend_from_slice(&1_000u32.to_le_bytes());
    assert_eq!(
        done(alice.ioctl(signal, IOCTL_SIGNAL_LATER, &later, 0)).0,
        nt::STATUS_SUCCESS
    );
    assert_eq!(alice.close(model), nt::STATUS_SUCCESS);
    // The test driver's report has its pool, not the signal driver's reference and timer.
    let report = k.unload_driver_as("modeltest").expect_err("it leaked pool");
    assert_eq!(report.pool, vec![("MdlT".to_owned(), 32)]);
    assert!(report.references.is_empty(), "{report}");
    assert_eq!(report.armed_timers, 0, "{report}");
    // The signal driver still works, and its unload drops what it held.
    assert_eq!(signalled(&alice, signal), 0);
    assert_eq!(alice.close(signal), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver_as("signal"), Ok(()));
    assert_eq!(
        alice.is_signaled(event),
        Ok(false),
        "unloaded before its timer fired"
    );
}

#[test]
fn a_dpc_runs_as_the_code_of_the_driver_that_armed_its_timer() {
    let (k, alice, model, signal) = two_drivers();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let mut later = event.to_le_bytes().to_vec();
    later.extend_from_slice(&10u32.to_le_bytes());
    assert_eq!(
        done(alice.ioctl(signal, IOCTL_SIGNAL_LATER, &later, 0)).0,
        nt::STATUS_SUCCESS
    );
    k.advance_ms(10);
    assert_eq!(alice.is_signaled(event), Ok(true));
    assert_eq!(signalled(&alice, signal), 1);
    // The DPC's dereference was the signal driver's: neither report is off by one.
    assert_eq!(alice.close(model), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver_as("modeltest"), Ok(()));
    assert_eq!(alice.close(signal), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver_as("signal"), Ok(()));
}

#[test]
#[should_panic(expected = "0xF6")]
fn a_driver_that_references_a_user_handle_as_kernel_mode_is_stopped_beside_a_correct_one() {
    let (_k, alice, _model, signal) = two_drivers();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let _ = alice.ioctl(signal, IOCTL_SIGNAL_UNCHECKED, &event.to_le_bytes(), 0);
}
