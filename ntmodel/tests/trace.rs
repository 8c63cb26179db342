//! The call trace: every export call a driver (or test code) makes, with its arguments and
//! result rendered, in order with the `DbgPrint` lines and the verifier stops.
mod common;

use common::test_driver::{IOCTL_ECHO, IOCTL_SIGNAL_EVENT_LATER};
use common::{done, kernel_with_driver, reference_by_handle};
use nt_bindings as nt;
use ntmodel::{EventKind, PreviousMode, TraceEvent, codes};

fn lines(events: &[TraceEvent]) -> Vec<String> {
    events.iter().map(ToString::to_string).collect()
}

#[test]
fn a_drivers_reference_of_a_handle_with_too_little_access_reads_as_it_happened() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    let wait_only = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    assert_eq!(wait_only, 8);
    k.set_trace(true);
    assert_eq!(
        done(alice.ioctl(
            device,
            IOCTL_SIGNAL_EVENT_LATER,
            &wait_only.to_le_bytes(),
            0
        ))
        .0,
        nt::STATUS_ACCESS_DENIED
    );
    let events = k.take_trace();
    let lines = lines(&events);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(
        lines[0],
        "ObReferenceObjectByHandle(0x8, EVENT_MODIFY_STATE, ExEventObjectType, UserMode) -> STATUS_ACCESS_DENIED"
    );
    assert!(
        lines[1].starts_with("IofCompleteRequest(0x"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(", 0)"),
        "a routine returning nothing has no result: {}",
        lines[1]
    );
    match &events[0] {
        TraceEvent::Call(call) => assert_eq!(call.driver.as_deref(), Some("modeltest")),
        other => panic!("{other}"),
    }
    k.check_no_stop();
}

#[test]
fn dbgprint_lines_and_verifier_stops_come_in_order_with_the_calls_that_made_them() {
    let (k, alice) = kernel_with_driver();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    k.set_trace(true);
    let statuses = k.run_in(&alice, PreviousMode::UserMode, || {
        let format = c"%s";
        let text = c"hello from the test";
        // SAFETY: two NUL-terminated strings.
        let printed = unsafe { ntmodel::DbgPrint(format.as_ptr(), text.as_ptr()) };
        let (null, _, _) =
            reference_by_handle(0, nt::SYNCHRONIZE, ntmodel::ExEventObjectType.get(), 1);
        let (granted, object, _) = reference_by_handle(
            event,
            nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
            ntmodel::ExEventObjectType.get(),
            1,
        );
        // SAFETY: the reference just taken.
        unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
        (printed, null, granted)
    });
    assert_eq!(statuses, (0, nt::STATUS_INVALID_HANDLE, nt::STATUS_SUCCESS));
    let events = k.take_trace();
    let lines = lines(&events);
    assert_eq!(
        lines[..4],
        [
            r#"DbgPrint("%s", "hello from the test") -> 0"#.to_owned(),
            "DbgPrint: hello from the test".to_owned(),
            "ObReferenceObjectByHandle(0x0, SYNCHRONIZE, ExEventObjectType, UserMode) -> STATUS_INVALID_HANDLE".to_owned(),
            lines[3].clone(),
        ]
    );
    assert!(
        matches!(&events[3], TraceEvent::Stop(stop) if stop.is(codes::DRIVER_VERIFIER_DETECTED_VIOLATION, codes::C4_NULL_HANDLE)),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[4..],
        [
            format!(
                "ObReferenceObjectByHandle({event:#x}, SYNCHRONIZE|EVENT_MODIFY_STATE, ExEventObjectType, UserMode) -> STATUS_SUCCESS"
            ),
            lines[5].clone(),
        ]
    );
    assert!(
        lines[5].starts_with("ObfDereferenceObject(0x") && lines[5].ends_with(") -> 1"),
        "{}",
        lines[5]
    );
    match &events[0] {
        TraceEvent::Call(call) => assert_eq!(call.driver, None, "test code, no driver"),
        other => panic!("{other}"),
    }
    assert_eq!(k.take_verifier_stops().len(), 1);
}

#[test]
fn nothing_is_recorded_while_the_trace_is_off() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    assert_eq!(
        done(alice.ioctl(device, IOCTL_ECHO, b"a", 1)).0,
        nt::STATUS_SUCCESS
    );
    assert!(k.take_trace().is_empty());
    k.set_trace(true);
    assert_eq!(
        done(alice.ioctl(device, IOCTL_ECHO, b"a", 1)).0,
        nt::STATUS_SUCCESS
    );
    k.set_trace(false);
    assert_eq!(
        done(alice.ioctl(device, IOCTL_ECHO, b"a", 1)).0,
        nt::STATUS_SUCCESS
    );
    let lines = lines(&k.take_trace());
    assert_eq!(
        lines.len(),
        1,
        "only the request made while it was on: {lines:#?}"
    );
    assert!(lines[0].starts_with("IofCompleteRequest("), "{}", lines[0]);
    k.check_no_stop();
}

#[test]
fn each_exported_type_object_is_rendered_by_the_name_of_its_export() {
    let (k, alice) = kernel_with_driver();
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let object = k.object_of(&alice, event).expect("object");
    let types = [
        ("ExEventObjectType", ntmodel::ExEventObjectType.get()),
        (
            "ExSemaphoreObjectType",
            ntmodel::ExSemaphoreObjectType.get(),
        ),
        ("IoFileObjectType", ntmodel::IoFileObjectType.get()),
        ("PsProcessType", ntmodel::PsProcessType.get()),
        ("PsThreadType", ntmodel::PsThreadType.get()),
        ("CmKeyObjectType", ntmodel::CmKeyObjectType.get()),
        ("MmSectionObjectType", ntmodel::MmSectionObjectType.get()),
    ];
    k.set_trace(true);
    for (_, object_type) in types {
        k.run_in(&alice, PreviousMode::KernelMode, || {
            // SAFETY: a live object, referenced and dereferenced again from kernel mode.
            let status = unsafe {
                ntmodel::ObReferenceObjectByPointer(object as nt::PVOID, 0, object_type, 0)
            };
            assert_eq!(status, nt::STATUS_SUCCESS);
            // SAFETY: the reference just taken.
            unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
        });
    }
    let lines = lines(&k.take_trace());
    for (index, (name, _)) in types.iter().enumerate() {
        assert_eq!(
            lines[2 * index],
            format!(
                "ObReferenceObjectByPointer({object:#x}, 0x0, {name}, KernelMode) -> STATUS_SUCCESS"
            )
        );
        assert!(ntmodel::exported_names().contains(name), "{name}");
    }
    k.check_no_stop();
}
