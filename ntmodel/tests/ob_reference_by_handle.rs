//! `ObReferenceObjectByHandle`, one test per row of NT's table for it (valid, too little
//! access, wrong type, NULL type, NULL handle, kernel handle, pseudo-handles, closed, reused,
//! foreign, tag bits, kernel-mode reference of a user handle, handle information, IRQL):
//! status, reference-count change, `*Object` and `HandleInformation`.
//!
//! The file is longer than 400 lines because it is that one table, a test per row.
mod common;

use common::reference_by_handle;
use nt_bindings as nt;
use ntmodel::constants::{CURRENT_PROCESS, CURRENT_THREAD, OBJ_PROTECT_CLOSE};
use ntmodel::{EventKind, Kernel, PreviousMode, Process, User, codes};

const USER: i8 = 1;
const KERNEL: i8 = 0;

fn event_type() -> nt::POBJECT_TYPE {
    ntmodel::ExEventObjectType.get()
}

fn file_type() -> nt::POBJECT_TYPE {
    ntmodel::IoFileObjectType.get()
}

fn setup() -> (Kernel, Process, u64) {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let event = alice.create_event(
        nt::EVENT_MODIFY_STATE | nt::SYNCHRONIZE,
        EventKind::Notification,
        false,
    );
    (k, alice, event)
}

/// A handle of the System process's own table (no kernel bit), made in System context.
fn system_event(k: &Kernel, access: u32) -> (u64, usize) {
    let some = k.kernel_handle_of_some_object();
    let object = k.object_of(&k.system(), some).expect("object");
    let handle = k.run_in_system(|| {
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid object and out pointer.
        let status = unsafe {
            ntmodel::ObOpenObjectByPointer(
                object as nt::PVOID,
                0,
                std::ptr::null_mut(),
                access,
                event_type(),
                KERNEL,
                &raw mut handle,
            )
        };
        assert_eq!(status, nt::STATUS_SUCCESS);
        handle as u64
    });
    (handle, object)
}

#[test]
fn a_valid_handle_with_enough_access_succeeds_from_user_mode_and_takes_a_reference() {
    let (k, alice, event) = setup();
    let object = k.object_of(&alice, event).expect("object");
    let (status, pointer, information) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(event, nt::EVENT_MODIFY_STATE, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(pointer, object);
    let information = information.expect("HandleInformation written");
    assert_eq!(
        information.GrantedAccess,
        nt::EVENT_MODIFY_STATE | nt::SYNCHRONIZE
    );
    assert_eq!(information.HandleAttributes, 0);
    assert_eq!(k.object_counts(&alice, event), Some((1, 1)));
    k.check_no_stop();
}

#[test]
fn a_valid_handle_with_enough_access_succeeds_from_kernel_mode_and_takes_a_reference() {
    let k = Kernel::new();
    let (handle, object) = system_event(&k, nt::EVENT_MODIFY_STATE);
    let (status, pointer, _) = k.run_in_system(|| {
        reference_by_handle(handle, nt::EVENT_MODIFY_STATE, event_type(), KERNEL)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(pointer, object);
    assert_eq!(k.object_counts_at(object), Some((1, 2)));
    k.check_no_stop();
}

#[test]
fn access_beyond_the_granted_mask_is_denied_from_user_mode_without_a_reference() {
    let (k, alice, event) = setup();
    let weak = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let (status, pointer, information) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(weak, nt::EVENT_MODIFY_STATE, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_ACCESS_DENIED);
    assert_eq!(pointer, 0, "*Object is NULL on failure");
    assert!(
        information.is_none(),
        "HandleInformation is not written on failure"
    );
    assert_eq!(k.object_counts(&alice, weak), Some((0, 1)));
    let _ = event;
    k.check_no_stop();
}

#[test]
fn access_beyond_the_granted_mask_is_not_checked_from_kernel_mode() {
    let k = Kernel::new();
    let (handle, object) = system_event(&k, nt::SYNCHRONIZE);
    let (status, pointer, information) = k.run_in_system(|| {
        reference_by_handle(
            handle,
            nt::EVENT_MODIFY_STATE | nt::DELETE,
            event_type(),
            KERNEL,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(pointer, object);
    assert_eq!(
        information.map(|info| info.GrantedAccess),
        Some(nt::SYNCHRONIZE),
        "the handle's own access is reported"
    );
    k.check_no_stop();
}

#[test]
fn a_different_object_type_is_a_mismatch_in_both_modes() {
    let (k, alice, event) = setup();
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(event, 0, file_type(), USER)
    });
    assert_eq!((status, pointer), (nt::STATUS_OBJECT_TYPE_MISMATCH, 0));
    let (handle, _) = system_event(&k, nt::SYNCHRONIZE);
    let (status, pointer, _) =
        k.run_in_system(|| reference_by_handle(handle, 0, file_type(), KERNEL));
    assert_eq!((status, pointer), (nt::STATUS_OBJECT_TYPE_MISMATCH, 0));
    assert_eq!(k.object_counts(&alice, event), Some((0, 1)));
    k.check_no_stop();
}

#[test]
fn a_null_object_type_accepts_any_type() {
    let (k, alice, event) = setup();
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(event, 0, std::ptr::null_mut(), USER)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(Some(pointer), k.object_of(&alice, event));
    k.check_no_stop();
}

#[test]
fn a_null_handle_is_invalid_and_a_verifier_stop() {
    let (k, alice, _) = setup();
    for mode in [USER, KERNEL] {
        let (status, pointer, information) = k.run_in(&alice, PreviousMode::UserMode, || {
            reference_by_handle(0, 0, event_type(), mode)
        });
        assert_eq!((status, pointer), (nt::STATUS_INVALID_HANDLE, 0));
        assert!(information.is_none());
    }
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 2);
    assert!(stops.iter().all(|stop| stop.is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_NULL_HANDLE
    )));
}

#[test]
fn a_kernel_handle_is_invalid_from_user_mode() {
    let (k, alice, _) = setup();
    let kernel_handle = k.kernel_handle_of_some_object();
    assert!(
        i64::from_ne_bytes(kernel_handle.to_ne_bytes()) < 0,
        "kernel handles are negative"
    );
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(kernel_handle, 0, event_type(), USER)
    });
    assert_eq!((status, pointer), (nt::STATUS_INVALID_HANDLE, 0));
    k.check_no_stop();
}

#[test]
fn a_kernel_handle_is_looked_up_in_the_kernel_table_from_any_process_in_kernel_mode() {
    let (k, alice, _) = setup();
    let kernel_handle = k.kernel_handle_of_some_object();
    let object = k.object_of(&k.system(), kernel_handle).expect("object");
    let (status, pointer, information) = k.run_in(&alice, PreviousMode::KernelMode, || {
        reference_by_handle(kernel_handle, 0, event_type(), KERNEL)
    });
    assert_eq!((status, pointer), (nt::STATUS_SUCCESS, object));
    assert_eq!(
        information.map(|info| info.HandleAttributes),
        Some(0),
        "kernel handles report no attributes"
    );
    k.check_no_stop();
}

#[test]
fn the_current_process_pseudo_handle_references_the_current_process() {
    let (k, alice, _) = setup();
    for object_type in [std::ptr::null_mut(), ntmodel::PsProcessType.get()] {
        let (status, pointer, information) = k.run_in(&alice, PreviousMode::UserMode, || {
            reference_by_handle(CURRENT_PROCESS, 0x0010, object_type, USER)
        });
        assert_eq!((status, pointer), (nt::STATUS_SUCCESS, alice.eprocess()));
        assert_eq!(information.map(|info| info.HandleAttributes), Some(0));
    }
    assert_eq!(
        k.object_counts_at(alice.eprocess()).map(|(refs, _)| refs),
        Some(2)
    );
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(CURRENT_PROCESS, 0, event_type(), USER)
    });
    assert_eq!((status, pointer), (nt::STATUS_OBJECT_TYPE_MISMATCH, 0));
    let (status, _, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(
            CURRENT_PROCESS,
            nt::GENERIC_READ,
            std::ptr::null_mut(),
            USER,
        )
    });
    assert_eq!(
        status,
        nt::STATUS_ACCESS_DENIED,
        "access is checked against the process's granted access"
    );
    let (status, _, _) = k.run_in(&alice, PreviousMode::KernelMode, || {
        reference_by_handle(
            CURRENT_PROCESS,
            nt::GENERIC_READ,
            std::ptr::null_mut(),
            KERNEL,
        )
    });
    assert_eq!(
        status,
        nt::STATUS_SUCCESS,
        "no access check from kernel mode"
    );
    k.check_no_stop();
}

#[test]
fn the_current_thread_pseudo_handle_references_the_current_thread() {
    let (k, alice, _) = setup();
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(CURRENT_THREAD, 0, ntmodel::PsThreadType.get(), USER)
    });
    assert_eq!((status, pointer), (nt::STATUS_SUCCESS, alice.ethread()));
    let (status, _, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(CURRENT_THREAD, 0, ntmodel::PsProcessType.get(), USER)
    });
    assert_eq!(status, nt::STATUS_OBJECT_TYPE_MISMATCH);
    k.check_no_stop();
}

#[test]
fn closed_and_never_allocated_values_are_invalid() {
    let (k, alice, event) = setup();
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    for value in [event, 0x40, 0x1000, 0x7FFF_FFF0] {
        let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
            reference_by_handle(value, 0, event_type(), USER)
        });
        assert_eq!(
            (status, pointer),
            (nt::STATUS_INVALID_HANDLE, 0),
            "value {value:#x}"
        );
    }
    k.check_no_stop();
}

#[test]
fn a_reused_slot_names_the_new_object_and_only_type_and_access_guard_it() {
    let (k, alice, event) = setup();
    let old_object = k.object_of(&alice, event).expect("object");
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    let reused = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    assert_eq!(reused, event, "the freed slot is reused");
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(event, nt::SYNCHRONIZE, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_ne!(pointer, old_object);
    let (status, _, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(event, nt::EVENT_MODIFY_STATE, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_ACCESS_DENIED);
    k.check_no_stop();
}

#[test]
fn a_handle_value_of_another_process_is_looked_up_in_the_current_one() {
    let (k, alice, event) = setup();
    let bob = k.create_process("other.exe", User::new("bob"));
    let (status, _, _) = k.run_in(&bob, PreviousMode::UserMode, || {
        reference_by_handle(event, 0, event_type(), USER)
    });
    assert_eq!(
        status,
        nt::STATUS_INVALID_HANDLE,
        "bob has no handle with alice's value"
    );
    let bobs = bob.create_event(nt::EVENT_MODIFY_STATE, EventKind::Notification, false);
    assert_eq!(bobs, event);
    let (status, pointer, _) = k.run_in(&bob, PreviousMode::UserMode, || {
        reference_by_handle(event, 0, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(
        Some(pointer),
        k.object_of(&bob, bobs),
        "an unrelated object of bob's"
    );
    assert_ne!(Some(pointer), k.object_of(&alice, event));
    k.check_no_stop();
}

#[test]
fn the_low_two_tag_bits_are_ignored() {
    let (k, alice, event) = setup();
    for value in [event | 1, event | 2, event | 3] {
        let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
            reference_by_handle(value, 0, event_type(), USER)
        });
        assert_eq!(status, nt::STATUS_SUCCESS, "value {value:#x}");
        assert_eq!(Some(pointer), k.object_of(&alice, event));
    }
    k.check_no_stop();
}

#[test]
fn a_user_handle_referenced_as_kernel_mode_succeeds_without_access_check_and_is_a_verifier_stop() {
    let (k, alice, _) = setup();
    let weak = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let (status, pointer, _) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(weak, nt::EVENT_MODIFY_STATE, event_type(), KERNEL)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(Some(pointer), k.object_of(&alice, weak));
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(
        stops[0].is(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            codes::C4_USER_HANDLE_AS_KERNEL
        ),
        "{}",
        stops[0]
    );
    assert_eq!(stops[0].params[1], weak);
}

#[test]
fn handle_information_reports_inherit_and_protect_close() {
    let (k, alice, event) = setup();
    let object = k.object_of(&alice, event).expect("object");
    let handle = k.run_in(&alice, PreviousMode::UserMode, || {
        let mut handle: nt::HANDLE = std::ptr::null_mut();
        // SAFETY: valid object and out pointer.
        let status = unsafe {
            ntmodel::ObOpenObjectByPointer(
                object as nt::PVOID,
                nt::OBJ_INHERIT | OBJ_PROTECT_CLOSE,
                std::ptr::null_mut(),
                nt::SYNCHRONIZE,
                event_type(),
                USER,
                &raw mut handle,
            )
        };
        assert_eq!(status, nt::STATUS_SUCCESS);
        handle as u64
    });
    let (status, _, information) = k.run_in(&alice, PreviousMode::UserMode, || {
        reference_by_handle(handle, 0, event_type(), USER)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    let information = information.expect("written");
    assert_eq!(
        information.HandleAttributes,
        nt::OBJ_INHERIT | OBJ_PROTECT_CLOSE
    );
    assert_eq!(information.GrantedAccess, nt::SYNCHRONIZE);
    assert_eq!(
        alice.close(handle),
        ntmodel::constants::STATUS_HANDLE_NOT_CLOSABLE,
        "a protected handle cannot be closed"
    );
    k.check_no_stop();
}

#[test]
fn above_passive_level_it_is_a_ddi_compliance_stop() {
    let (k, alice, event) = setup();
    let (status, pointer, _) = k.run_in_at(&alice, PreviousMode::UserMode, 2, || {
        reference_by_handle(event, 0, event_type(), USER)
    });
    assert_ne!(status, nt::STATUS_SUCCESS);
    assert_eq!(pointer, 0);
    let stops = k.take_verifier_stops();
    assert!(
        stops[0].is(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            codes::C4_IRQL_OB_PASSIVE
        ),
        "{}",
        stops[0]
    );
}
