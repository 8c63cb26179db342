//! Every way a handle value from user mode can be wrong, against both handle-taking IOCTLs.
//! Each case asserts the exact status, the audit reason, that no reference leaked, and (at
//! unload) that the model's verifier stayed silent: the driver never referenced a user handle
//! as KernelMode (C4/F6), never passed NULL on to the kernel unchecked (C4/F5 would fire on
//! the driver's side only with KernelMode), never touched a kernel handle from user mode.
mod support;

use handleguard_protocol::{
    FileReport, IOCTL_HANDLEGUARD_INSPECT_FILE as INSPECT,
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, InspectFileRequest, Refusal, RegisterEventReply,
    RegisterEventRequest,
};
use ntmodel::constants::{CURRENT_PROCESS, CURRENT_THREAD};
use support::*;

const FILE: &str = r"\??\C:\data\report.txt";

fn setup() -> (Kernel, Process, u64) {
    let kernel = boot_with(|k| {
        k.add_file(
            FILE,
            b"quarterly numbers",
            &FileSecurity::readable_by(&["alice"]),
        );
    });
    let (alice, device) = client(&kernel, "alice");
    (kernel, alice, device)
}

fn register(process: &Process, device: u64, event: u64) -> Result<u64, nt::NTSTATUS> {
    let request = RegisterEventRequest {
        event,
        due_ms: 10,
        mode: 0,
    };
    call::<_, RegisterEventReply>(process, device, REGISTER, &request).map(|reply| reply.id)
}

fn inspect(process: &Process, device: u64, file: u64) -> Result<FileReport, nt::NTSTATUS> {
    call(process, device, INSPECT, &InspectFileRequest { file })
}

/// Asserts `value` is refused by both IOCTLs with `status`, counted as `reason`.
fn refused_everywhere(
    kernel: &Kernel,
    alice: &Process,
    device: u64,
    value: u64,
    status: nt::NTSTATUS,
    reason: Refusal,
) {
    let before = refusals(alice, device, reason);
    assert_eq!(
        register(alice, device, value),
        Err(status),
        "REGISTER_EVENT with {value:#x}"
    );
    assert_eq!(
        inspect(alice, device, value),
        Err(status),
        "INSPECT_FILE with {value:#x}"
    );
    assert_eq!(refusals(alice, device, reason), before + 2);
    assert_eq!(info(alice, device).registrations_active, 0);
    kernel.check_no_stop();
}

#[test]
fn a_file_handle_where_an_event_is_expected_is_a_type_mismatch() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(
            FILE,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("alice reads it");
    let before = kernel.object_counts(&alice, file);
    assert_eq!(
        register(&alice, device, file),
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    );
    assert_eq!(
        kernel.object_counts(&alice, file),
        before,
        "no reference kept"
    );
    assert_eq!(refusals(&alice, device, Refusal::WrongType), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_event_handle_where_a_file_is_expected_is_a_type_mismatch() {
    let (kernel, alice, device) = setup();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE | nt::FILE_READ_DATA,
        EventKind::Notification,
        false,
    );
    assert_eq!(
        inspect(&alice, device, event),
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    );
    assert_eq!(refusals(&alice, device, Refusal::WrongType), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_event_opened_without_event_modify_state_is_refused() {
    let (kernel, alice, device) = setup();
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    assert_eq!(
        register(&alice, device, event),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    let only_modify = alice.create_event(nt::EVENT_MODIFY_STATE, EventKind::Notification, false);
    assert_eq!(
        register(&alice, device, only_modify),
        Err(nt::STATUS_ACCESS_DENIED),
        "SYNCHRONIZE is needed too"
    );
    assert_eq!(refusals(&alice, device, Refusal::TooLittleAccess), 2);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_file_opened_without_read_access_is_refused() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(
            FILE,
            nt::FILE_READ_ATTRIBUTES | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open for attributes");
    assert_eq!(inspect(&alice, device, file), Err(nt::STATUS_ACCESS_DENIED));
    assert_eq!(refusals(&alice, device, Refusal::TooLittleAccess), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_kernel_handle_value_is_invalid_from_user_mode() {
    let (kernel, alice, device) = setup();
    let kernel_handle = kernel.kernel_handle_of_some_object();
    assert!(
        kernel_handle.cast_signed() < 0,
        "x64 kernel handles are negative"
    );
    refused_everywhere(
        &kernel,
        &alice,
        device,
        kernel_handle,
        nt::STATUS_INVALID_HANDLE,
        Refusal::KernelHandle,
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_handle_value_from_another_process_means_nothing_here() {
    let (kernel, alice, device) = setup();
    let mallory = kernel.create_process("other.exe", User::new("mallory"));
    // Give mallory several handles so the value is beyond anything alice has.
    let mut theirs = 0;
    for _ in 0..8 {
        theirs = mallory.create_event(
            nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
            EventKind::Notification,
            false,
        );
    }
    assert!(!alice.handles().contains(&theirs));
    refused_everywhere(
        &kernel,
        &alice,
        device,
        theirs,
        nt::STATUS_INVALID_HANDLE,
        Refusal::InvalidHandle,
    );
    unload_clean(&kernel, &[&alice, &mallory]);
}

#[test]
fn null_is_an_invalid_handle() {
    let (kernel, alice, device) = setup();
    refused_everywhere(
        &kernel,
        &alice,
        device,
        0,
        nt::STATUS_INVALID_HANDLE,
        Refusal::InvalidHandle,
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_pseudo_handles_are_the_wrong_type() {
    let (kernel, alice, device) = setup();
    refused_everywhere(
        &kernel,
        &alice,
        device,
        CURRENT_PROCESS,
        nt::STATUS_OBJECT_TYPE_MISMATCH,
        Refusal::WrongType,
    );
    refused_everywhere(
        &kernel,
        &alice,
        device,
        CURRENT_THREAD,
        nt::STATUS_OBJECT_TYPE_MISMATCH,
        Refusal::WrongType,
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn garbage_values_are_invalid_handles() {
    let (kernel, alice, device) = setup();
    for garbage in [0x7FFF_FFF0, 0x1234_5678_9ABC, 0x0000_0000_DEAD_BEE0] {
        refused_everywhere(
            &kernel,
            &alice,
            device,
            garbage,
            nt::STATUS_INVALID_HANDLE,
            Refusal::InvalidHandle,
        );
    }
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_closed_handle_is_invalid() {
    let (kernel, alice, device) = setup();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    refused_everywhere(
        &kernel,
        &alice,
        device,
        event,
        nt::STATUS_INVALID_HANDLE,
        Refusal::InvalidHandle,
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_reused_slot_names_the_new_object_and_type_and_access_still_guard_it() {
    let (kernel, alice, device) = setup();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    // The slot is reused by a file: the stale event handle value now names a file.
    let file = alice
        .open_file(
            FILE,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    assert_eq!(file, event, "the model reuses the freed slot, as NT does");
    assert_eq!(
        register(&alice, device, event),
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn tag_bits_are_ignored_as_the_kernel_does() {
    let (kernel, alice, device) = setup();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    assert!(
        register(&alice, device, event | 3).is_ok(),
        "the low two bits are not part of the handle"
    );
    kernel.advance_ms(10);
    assert_eq!(alice.is_signaled(event), Ok(true));
    unload_clean(&kernel, &[&alice]);
}
