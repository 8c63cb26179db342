//! Pool the caller pays for. Every allocation a request makes is charged to the requesting
//! process's nonpaged pool quota (`POOL_FLAG_USE_QUOTA`), so a process that opens the device
//! many times, or registers as much as it may, spends its own quota, not the system's; an open
//! that never registers costs one small allocation; and a device-wide cap bounds the
//! registrations of every process together.
mod support;

use handleguard_protocol::{
    IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT as CREATE_KERNEL_EVENT,
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER,
    IdRequest, KernelEventReply, KernelEventRequest, NotifyMode, Refusal, RegisterEventReply,
    RegisterEventRequest,
};
use support::*;

const OPEN_TAG: u32 = u32::from_le_bytes(*b"HgOp");
const TABLE_TAG: u32 = u32::from_le_bytes(*b"HgNt");
const RECORD_TAG: u32 = u32::from_le_bytes(*b"HgNr");

fn bytes(kernel: &Kernel, tag: u32) -> usize {
    usize::try_from(kernel.pool_stats_by_tag(tag).outstanding_bytes).expect("a small count")
}

fn outstanding(kernel: &Kernel, tag: u32) -> u64 {
    kernel.pool_stats_by_tag(tag).outstanding
}

#[test]
fn an_open_that_never_registers_costs_one_small_allocation_charged_to_the_opener() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    assert_eq!(process.pool_charged(), 0);

    let device = process
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the device opens");
    let _ = info(&process, device);

    assert_eq!(outstanding(&kernel, OPEN_TAG), 1, "the open's state");
    assert_eq!(
        outstanding(&kernel, TABLE_TAG),
        0,
        "no table until a registration"
    );
    let open_bytes = kernel.pool_stats_by_tag(OPEN_TAG).outstanding_bytes;
    assert!(open_bytes <= 128, "the open costs {open_bytes} bytes");
    assert_eq!(
        process.pool_charged() as u64,
        open_bytes,
        "charged to the opener"
    );

    assert_eq!(process.close(device), nt::STATUS_SUCCESS);
    assert_eq!(process.pool_charged(), 0, "the charge is returned at close");
    unload_clean(&kernel, &[&process]);
}

#[test]
fn registrations_are_charged_to_the_registering_process_and_returned_when_they_end() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let (bob, _bob_device) = client(&kernel, "bob");
    let alice_open = alice.pool_charged();
    let bob_before = bob.pool_charged();

    let id = register_new_event(&alice, device, 1_000).expect("registered");
    let record = bytes(&kernel, RECORD_TAG);
    let table = bytes(&kernel, TABLE_TAG);
    assert!(record > 0 && table > 0);
    assert_eq!(alice.pool_charged(), alice_open + table + record);
    assert_eq!(
        bob.pool_charged(),
        bob_before,
        "nothing charged to another process"
    );

    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id }),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        alice.pool_charged(),
        alice_open + table,
        "the record's charge is back"
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(alice.pool_charged(), 0);
    unload_clean(&kernel, &[&alice, &bob]);
}

#[test]
fn a_process_out_of_pool_quota_is_refused_and_nothing_it_passed_is_kept() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    register_new_event(&alice, device, 1_000).expect("the first registration fits");
    alice.set_pool_quota(Some(alice.pool_charged()));
    let charged = alice.pool_charged();

    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let before = kernel.object_counts(&alice, event).expect("live event");
    let request = RegisterEventRequest {
        event,
        due_ms: 1_000,
        mode: NotifyMode::SignalEvent as u32,
    };
    assert_eq!(
        call::<_, RegisterEventReply>(&alice, device, REGISTER, &request).map(|r| r.id),
        Err(nt::STATUS_INSUFFICIENT_RESOURCES)
    );
    assert_eq!(
        kernel.object_counts(&alice, event),
        Some(before),
        "no reference kept"
    );
    assert_eq!(alice.pool_charged(), charged);
    assert_eq!(info(&alice, device).registrations_active, 1);

    let (bob, bob_device) = client(&kernel, "bob");
    register_new_event(&bob, bob_device, 1_000).expect("another process still registers");
    unload_clean(&kernel, &[&alice, &bob]);
}

#[test]
fn a_process_out_of_pool_quota_cannot_open_the_device() {
    let kernel = boot();
    let process = kernel.create_process("hgctl.exe", User::new("alice"));
    process.set_pool_quota(Some(0));
    assert_eq!(
        process.open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE),
        Err(nt::STATUS_INSUFFICIENT_RESOURCES)
    );
    let (bob, device) = client(&kernel, "bob");
    assert_eq!(
        info(&bob, device).opens,
        1,
        "the failed open is not counted"
    );
    unload_clean(&kernel, &[&process, &bob]);
}

#[test]
fn the_device_caps_registrations_of_every_open_together() {
    let kernel = boot_with(|kernel| kernel.set_registry_dword(PARAMETERS, "MaxRegistrations", 3));
    let (alice, first) = client(&kernel, "alice");
    let second = alice
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("a second open");
    let (bob, third) = client(&kernel, "bob");

    register_new_event(&alice, first, 1_000).expect("1 of 3");
    register_new_event(&alice, second, 1_000).expect("2 of 3");
    let kernel_event = call::<_, KernelEventReply>(
        &bob,
        third,
        CREATE_KERNEL_EVENT,
        &KernelEventRequest {
            due_ms: 0,
            reserved: 0,
        },
    )
    .expect("3 of 3: a kernel event counts too");
    assert_eq!(
        register_new_event(&bob, third, 1_000),
        Err(nt::STATUS_INSUFFICIENT_RESOURCES)
    );
    assert_eq!(
        register_new_event(&alice, first, 1_000),
        Err(nt::STATUS_INSUFFICIENT_RESOURCES)
    );
    assert_eq!(refusals(&bob, third, Refusal::Quota), 2);
    assert_eq!(info(&bob, third).registrations_active, 3);

    assert_eq!(
        send(
            &bob,
            third,
            UNREGISTER,
            &IdRequest {
                id: kernel_event.id
            }
        ),
        nt::STATUS_SUCCESS
    );
    register_new_event(&alice, first, 1_000).expect("a slot came back");
    unload_clean(&kernel, &[&alice, &bob]);
}

#[test]
fn the_device_cap_is_read_from_parameters_with_a_sane_default() {
    let kernel = boot_with(|kernel| kernel.set_registry_dword(PARAMETERS, "MaxRegistrations", 0));
    assert!(
        kernel
            .debug_log()
            .iter()
            .any(|line| line.contains("MaxRegistrations = 0 is out of range")),
        "{:?}",
        kernel.debug_log()
    );
    let (alice, device) = client(&kernel, "alice");
    register_new_event(&alice, device, 1_000).expect("the default cap applies");
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_open_whose_state_cannot_be_allocated_fails_and_is_not_counted() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    kernel.fail_pool_allocations(OPEN_TAG, 1);
    assert_eq!(
        alice.open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE),
        Err(nt::STATUS_INSUFFICIENT_RESOURCES)
    );
    assert_eq!(
        info(&alice, device).opens,
        1,
        "only the open that succeeded"
    );
    unload_clean(&kernel, &[&alice]);
}
