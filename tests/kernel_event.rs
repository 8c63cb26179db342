//! A kernel-created event handed to user mode: the driver keeps its reference; the user gets
//! a SYNCHRONIZE-only handle, can wait on it, cannot set it.
mod support;

use handleguard_protocol::{
    IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT as CREATE,
    IOCTL_HANDLEGUARD_SIGNAL_KERNEL_EVENT as SIGNAL, IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER,
    IdRequest, KernelEventReply, KernelEventRequest, Refusal,
};
use support::*;

const WRITE_DAC: u32 = 0x0004_0000;
const READ_CONTROL: u32 = 0x0002_0000;
const EVENT_ALL_ACCESS: u32 = 0x001F_0003;

fn create(process: &Process, device: u64, due_ms: u32) -> Result<KernelEventReply, nt::NTSTATUS> {
    call(
        process,
        device,
        CREATE,
        &KernelEventRequest {
            due_ms,
            reserved: 0,
        },
    )
}

#[test]
fn the_user_can_wait_on_the_kernel_event_but_not_set_it() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reply = create(&alice, device, 0).expect("created");
    assert_eq!(alice.granted_access(reply.handle), Some(nt::SYNCHRONIZE));
    assert_eq!(alice.wait(reply.handle), Ok(false));
    assert_eq!(alice.set_event(reply.handle), nt::STATUS_ACCESS_DENIED);
    assert!(
        kernel.system_handle_values().is_empty(),
        "the driver's private handle is closed"
    );

    assert_eq!(
        send(&alice, device, SIGNAL, &IdRequest { id: reply.id }),
        nt::STATUS_SUCCESS
    );
    assert_eq!(alice.wait(reply.handle), Ok(true));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_kernel_event_is_signalled_when_due() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reply = create(&alice, device, 25).expect("created");
    kernel.advance_ms(24);
    assert_eq!(alice.wait(reply.handle), Ok(false));
    kernel.advance_ms(1);
    assert_eq!(alice.wait(reply.handle), Ok(true));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn unregister_releases_the_drivers_reference_and_the_user_handle_keeps_the_event() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reply = create(&alice, device, 0).expect("created");
    let object = kernel.object_of(&alice, reply.handle).expect("an event");
    // (references, handles): the driver's reference, the user's handle.
    assert_eq!(kernel.object_counts_at(object), Some((1, 1)));
    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id: reply.id }),
        nt::STATUS_SUCCESS
    );
    assert_eq!(kernel.object_counts_at(object), Some((0, 1)));
    assert_eq!(
        send(&alice, device, SIGNAL, &IdRequest { id: reply.id }),
        nt::STATUS_NOT_FOUND
    );
    assert_eq!(alice.close(reply.handle), nt::STATUS_SUCCESS);
    assert!(kernel.is_deleted(object));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn closing_the_device_releases_kernel_events() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reply = create(&alice, device, 100).expect("created");
    let object = kernel.object_of(&alice, reply.handle).expect("an event");
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(
        kernel.object_counts_at(object),
        Some((0, 1)),
        "only the user's handle is left"
    );
    assert_eq!(kernel.armed_timers(), 0);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn kernel_events_count_against_the_quota_and_leave_nothing_behind_when_refused() {
    let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 1));
    let (alice, device) = client(&kernel, "alice");
    create(&alice, device, 0).expect("first");
    let handles = alice.handles().len();
    assert_eq!(create(&alice, device, 0), Err(nt::STATUS_QUOTA_EXCEEDED));
    assert_eq!(
        alice.handles().len(),
        handles,
        "no handle handed out for the refused one"
    );
    assert_eq!(refusals(&alice, device, Refusal::Quota), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn malformed_kernel_event_requests_are_refused() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reserved = KernelEventRequest {
        due_ms: 0,
        reserved: 1,
    }
    .encode();
    assert_eq!(
        raw(&alice, device, CREATE, &reserved, KernelEventReply::SIZE).status,
        nt::STATUS_INVALID_PARAMETER
    );
    let good = KernelEventRequest {
        due_ms: 0,
        reserved: 0,
    }
    .encode();
    let handles = alice.handles().len();
    assert_eq!(
        raw(&alice, device, CREATE, &good, KernelEventReply::SIZE - 1).status,
        nt::STATUS_BUFFER_TOO_SMALL
    );
    assert_eq!(
        alice.handles().len(),
        handles,
        "no handle created when the reply cannot be written"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_kernel_mode_requestor_is_given_no_user_handle() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let handles_before = alice.handles();
    let mut input = vec![0u8; <KernelEventRequest as handleguard_protocol::Message>::SIZE];
    handleguard_protocol::Message::write_to(
        &KernelEventRequest {
            due_ms: 0,
            reserved: 0,
        },
        &mut input,
    )
    .expect("fits");

    let outcome = alice.ioctl_from_kernel(device, CREATE, &input, 16);

    assert_eq!(outcome.status(), nt::STATUS_INVALID_DEVICE_REQUEST);
    assert_eq!(
        alice.handles(),
        handles_before,
        "no handle planted in the process"
    );
    assert_eq!(refusals(&alice, device, Refusal::KernelRequestor), 1);
    assert_eq!(info(&alice, device).registrations_active, 0);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_wait_only_handle_cannot_be_duplicated_to_more_access() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let reply = create(&alice, device, 0).expect("created");

    for wider in [
        nt::EVENT_MODIFY_STATE,
        EVENT_ALL_ACCESS,
        nt::GENERIC_WRITE,
        // The creator owns the event: an owner may always rewrite the DACL unless an OWNER
        // RIGHTS entry says otherwise.
        WRITE_DAC,
        READ_CONTROL,
    ] {
        assert_eq!(
            alice.duplicate(reply.handle, wider),
            Err(nt::STATUS_ACCESS_DENIED),
            "duplicated to {wider:#x}"
        );
    }
    let again = alice
        .duplicate(reply.handle, nt::SYNCHRONIZE)
        .expect("the same access duplicates");
    assert_eq!(alice.granted_access(again), Some(nt::SYNCHRONIZE));
    assert_eq!(alice.set_event(again), nt::STATUS_ACCESS_DENIED);
    unload_clean(&kernel, &[&alice]);
}
