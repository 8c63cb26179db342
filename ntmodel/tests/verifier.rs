//! One test per verifier check: a deliberately broken call, and the stop it records. Through
//! the user-side API the stop becomes a panic when control returns to the test.
mod common;

use common::test_driver::*;
use common::{done, kernel_with_driver, open_device};
use nt_bindings as nt;
use ntmodel::{EventKind, Kernel, PreviousMode, User, codes};

#[test]
#[should_panic(
    expected = "DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) 0xF6: driver referenced a user-mode handle"
)]
fn referencing_a_user_handle_as_kernel_mode_stops_the_test_when_the_ioctl_returns() {
    let (_k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let _ = alice.ioctl(
        device,
        IOCTL_BUG_KERNEL_MODE_REFERENCE,
        &event.to_le_bytes(),
        0,
    );
}

#[test]
fn the_kernel_mode_reference_of_a_user_handle_is_recorded_as_c4_f6() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(
            device,
            IOCTL_BUG_KERNEL_MODE_REFERENCE,
            &event.to_le_bytes(),
            0,
        )
    }));
    assert!(outcome.is_err(), "the user-side call panics");
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_USER_HANDLE_AS_KERNEL
    ));
    assert_eq!(stops[0].params[1], event);
    assert_eq!(stops[0].params[2], alice.eprocess() as u64);
}

#[test]
fn held_stops_are_recorded_and_the_ioctl_returns_its_status() {
    let (k, alice) = kernel_with_driver();
    k.hold_verifier_stops(true);
    let device = open_device(&alice);
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let reply = alice.ioctl(
        device,
        IOCTL_BUG_KERNEL_MODE_REFERENCE,
        &event.to_le_bytes(),
        0,
    );
    assert_eq!(reply.status(), nt::STATUS_SUCCESS);
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_USER_HANDLE_AS_KERNEL
    ));
}

#[test]
fn a_null_handle_is_c4_f5() {
    let k = Kernel::new();
    let mut object: nt::PVOID = std::ptr::null_mut();
    // SAFETY: valid out pointer.
    let status = k.run_in_system(|| unsafe {
        ntmodel::ObReferenceObjectByHandle(
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
            0,
            &raw mut object,
            std::ptr::null_mut(),
        )
    });
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    assert!(k.take_verifier_stops()[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_NULL_HANDLE
    ));
}

#[test]
fn a_user_mode_reference_of_the_drivers_own_kernel_handle_is_c4_f7() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let status = k.run_in(&alice, PreviousMode::KernelMode, || {
        let mut attributes = nt::OBJECT_ATTRIBUTES {
            Attributes: nt::OBJ_KERNEL_HANDLE,
            ..Default::default()
        };
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid pointers.
        let created = unsafe {
            ntmodel::ZwCreateEvent(
                &raw mut handle,
                nt::EVENT_MODIFY_STATE,
                &raw mut attributes,
                0,
                0,
            )
        };
        assert_eq!(created, nt::STATUS_SUCCESS);
        let mut object: nt::PVOID = std::ptr::null_mut();
        // SAFETY: valid out pointer; the bug: UserMode for the driver's own kernel handle.
        let status = unsafe {
            ntmodel::ObReferenceObjectByHandle(
                handle,
                0,
                ntmodel::ExEventObjectType.get(),
                1,
                &raw mut object,
                std::ptr::null_mut(),
            )
        };
        // SAFETY: our kernel handle.
        unsafe { ntmodel::ZwClose(handle) };
        status
    });
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(
        stops[0].is(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            codes::C4_KERNEL_HANDLE_AS_USER
        ),
        "{}",
        stops[0]
    );
}

#[test]
fn an_attacker_supplied_kernel_handle_value_is_just_invalid() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let foreign = k.kernel_handle_of_some_object();
    let (status, _, _) =
        done(alice.ioctl(device, IOCTL_SIGNAL_EVENT_LATER, &foreign.to_le_bytes(), 0));
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    k.check_no_stop();
}

#[test]
fn a_dereference_below_zero_is_c4_3f() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let object = k.object_of(&alice, event).expect("object");
    // SAFETY: deliberately one dereference too many.
    k.run_in_system(|| unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) });
    assert!(k.take_verifier_stops()[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_BAD_REFERENCE_COUNT
    ));
    assert_eq!(k.object_counts_at(object), Some((0, 1)));
}

#[test]
fn zw_close_of_a_garbage_handle_is_0x93() {
    let k = Kernel::new();
    // SAFETY: any value is accepted.
    k.run_in_system(|| unsafe { ntmodel::ZwClose(0x1234 as nt::HANDLE) });
    assert_eq!(
        k.take_verifier_stops()[0].code,
        codes::INVALID_KERNEL_HANDLE
    );
}

#[test]
fn ob_and_zw_routines_above_passive_level_are_ddi_compliance_stops() {
    let k = Kernel::new();
    let system = k.system();
    let handle = k.kernel_handle_of_some_object();
    let status = k.run_in_at(&system, PreviousMode::KernelMode, 2, || {
        let mut object: nt::PVOID = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        let referenced = unsafe {
            ntmodel::ObReferenceObjectByHandle(
                handle as nt::HANDLE,
                0,
                std::ptr::null_mut(),
                0,
                &raw mut object,
                std::ptr::null_mut(),
            )
        };
        // SAFETY: any value is accepted.
        let closed = unsafe { ntmodel::ZwClose(handle as nt::HANDLE) };
        (referenced, closed)
    });
    assert_ne!(status.0, nt::STATUS_SUCCESS);
    assert_ne!(
        status.1,
        nt::STATUS_SUCCESS,
        "the offending call does nothing"
    );
    assert!(k.system_handle_values().contains(&handle));
    let stops = k.take_verifier_stops();
    assert!(stops[0].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_IRQL_OB_PASSIVE
    ));
    assert!(stops[1].is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_IRQL_ZW_PASSIVE
    ));
}

#[test]
#[should_panic(expected = "MULTIPLE_IRP_COMPLETE_REQUESTS (0x44)")]
fn completing_an_irp_twice_is_0x44() {
    let (_k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let _ = alice.ioctl(device, IOCTL_BUG_COMPLETE_TWICE, &[], 0);
}

#[test]
fn returning_pending_without_marking_the_irp_pending_is_a_stop() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_PENDING_NOT_MARKED, &[], 0)
    }));
    assert!(outcome.is_err());
    assert!(k.take_verifier_stops()[0].is(codes::NTMODEL_CHECK, codes::MODEL_PENDING_NOT_MARKED));
}

#[test]
fn returning_a_status_other_than_the_completion_status_is_a_stop() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_STATUS_MISMATCH, &[], 0)
    }));
    assert!(outcome.is_err());
    let stop = &k.take_verifier_stops()[0];
    assert!(stop.is(codes::NTMODEL_CHECK, codes::MODEL_STATUS_MISMATCH));
    assert_eq!(
        stop.params[2],
        u64::from(nt::STATUS_UNSUCCESSFUL.cast_unsigned())
    );
}

#[test]
fn information_beyond_the_output_buffer_is_a_stop() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_INFORMATION_TOO_LARGE, &[1, 2], 4)
    }));
    assert!(outcome.is_err());
    assert!(
        k.take_verifier_stops()[0].is(codes::NTMODEL_CHECK, codes::MODEL_INFORMATION_TOO_LARGE)
    );
}

#[test]
fn an_irp_failed_with_driver_internal_error_is_a_stop() {
    // The status wdm-safe gives an IRP a driver dropped without completing it: the request
    // fails rather than hangs, and the model says why.
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_INTERNAL_ERROR, &[], 0)
    }));
    assert!(outcome.is_err());
    assert!(
        k.take_verifier_stops()[0].is(codes::NTMODEL_CHECK, codes::MODEL_DRIVER_INTERNAL_ERROR)
    );
}

#[test]
fn a_private_handle_created_in_the_users_process_is_a_stop() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_PRIVATE_HANDLE, &[], 0)
    }));
    assert!(outcome.is_err());
    assert!(k.take_verifier_stops()[0].is(
        codes::NTMODEL_CHECK,
        codes::MODEL_PRIVATE_HANDLE_IN_USER_PROCESS
    ));
    assert_eq!(
        alice.handles(),
        vec![device],
        "no handle was slipped into alice's table"
    );
}

#[test]
fn returning_from_dispatch_at_raised_irql_is_c9_05() {
    let (k, alice) = kernel_with_driver();
    let device = open_device(&alice);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_RETURN_AT_DISPATCH, &[], 0)
    }));
    assert!(outcome.is_err());
    assert!(k.take_verifier_stops()[0].is(
        codes::DRIVER_VERIFIER_IOMANAGER_VIOLATION,
        codes::C9_IRQL_CHANGED
    ));
}
