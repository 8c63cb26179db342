//! The driver's cost, measured by the model's pool accounting and kept by budget.
//!
//! Budgets: an open that never registers costs one small allocation; its first registration
//! adds its table (two allocations, kept until close); each registration costs exactly one
//! non-paged allocation of at most the size of the record Microsoft's C event sample keeps
//! (LIST_ENTRY, event/IRP pointer, KDPC, KTIMER, file object pointer); all of it is charged
//! to the process that asked (tests/pool_quota.rs); signalling, GET_INFO and every refusal
//! allocate nothing; pool grows linearly with registrations and an open's cleanup touches
//! only its own records.
mod support;

use handleguard_protocol::{
    IOCTL_HANDLEGUARD_INSPECT_FILE as INSPECT, IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER,
    InspectFileRequest, RegisterEventReply, RegisterEventRequest,
};
use std::mem::size_of;
use support::*;
use wdm_safe::notify::RECORD_SIZE;

/// Microsoft's sample record, from the same bindings the driver uses.
const C_SAMPLE_RECORD: usize = size_of::<nt::LIST_ENTRY>()
    + size_of::<nt::PVOID>()
    + size_of::<nt::KDPC>()
    + size_of::<nt::KTIMER>()
    + size_of::<nt::PVOID>();

/// (allocations ever, bytes ever) of every tag.
fn pool_totals(kernel: &Kernel) -> (u64, u64) {
    kernel
        .pool_stats()
        .iter()
        .fold((0, 0), |(count, bytes), (_, stats)| {
            (count + stats.allocations, bytes + stats.bytes)
        })
}

fn register(process: &Process, device: u64, event: u64, due_ms: u32) -> Result<u64, nt::NTSTATUS> {
    call::<_, RegisterEventReply>(
        process,
        device,
        REGISTER,
        &RegisterEventRequest {
            event,
            due_ms,
            mode: 0,
        },
    )
    .map(|r| r.id)
}

#[test]
fn a_registration_is_one_allocation_no_larger_than_the_c_samples_record() {
    const { assert!(C_SAMPLE_RECORD == 160) };
    const { assert!(RECORD_SIZE <= C_SAMPLE_RECORD) };
    let kernel = boot();
    let alice = kernel.create_process("hgctl.exe", User::new("alice"));
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let start = pool_totals(&kernel);
    let device = alice
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the device opens");
    let opened = pool_totals(&kernel);
    assert_eq!(opened.0 - start.0, 1, "an open is one allocation");
    register(&alice, device, event, 10).expect("registered");
    let first = pool_totals(&kernel);
    assert_eq!(
        first.0 - opened.0,
        3,
        "the first registration adds the table"
    );
    register(&alice, device, event, 10).expect("registered");
    let second = pool_totals(&kernel);
    assert_eq!(
        (second.0 - first.0, second.1 - first.1),
        (1, RECORD_SIZE as u64)
    );
    println!(
        "an open: 1 allocation of {} bytes; its table: 2 allocations of {} bytes, at the first \
         registration; one registration: 1 allocation of {RECORD_SIZE} bytes (C sample record: \
         {C_SAMPLE_RECORD} bytes)",
        opened.1 - start.1,
        first.1 - opened.1 - RECORD_SIZE as u64
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn signalling_get_info_and_refusals_allocate_nothing() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let weak = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    register(&alice, device, event, 10).expect("registered");

    let before = pool_totals(&kernel);
    kernel.advance_ms(10);
    assert_eq!(alice.is_signaled(event), Ok(true));
    info(&alice, device);
    assert_eq!(
        register(&alice, device, weak, 10),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(
        register(&alice, device, 0xDEAD_BEE0, 10),
        Err(nt::STATUS_INVALID_HANDLE)
    );
    assert_eq!(
        call::<_, handleguard_protocol::FileReport>(
            &alice,
            device,
            INSPECT,
            &InspectFileRequest { file: event }
        ),
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    );
    assert_eq!(
        raw(&alice, device, 0x0022_3FFC, &[0; 64], 64).status,
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    assert_eq!(
        pool_totals(&kernel).0,
        before.0,
        "no allocation on the signal, GET_INFO or refusal paths"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn pool_grows_linearly_and_cleanup_of_one_open_touches_only_its_own_records() {
    const OPENS: usize = 20;
    const PER_OPEN: u32 = 250;
    let kernel = boot_with(|k| {
        k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", PER_OPEN);
        // The device-wide cap (4096 by default) above the 20 x 250 of this test.
        k.set_registry_dword(PARAMETERS, "MaxRegistrations", 5_000);
    });
    let alice = kernel.create_process("hgctl.exe", User::new("alice"));
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let devices: Vec<u64> = (0..OPENS)
        .map(|_| {
            alice
                .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
                .expect("open")
        })
        .collect();
    let base = kernel.pool_outstanding();
    for &device in &devices {
        for _ in 0..PER_OPEN {
            register(&alice, device, event, 60_000).expect("registered");
        }
    }
    assert_eq!(
        kernel.pool_outstanding() - base,
        OPENS * PER_OPEN as usize + 2 * OPENS,
        "one allocation per registration, and each open's table"
    );
    assert_eq!(
        info(&alice, devices[0]).registrations_active,
        (OPENS * PER_OPEN as usize) as u64
    );

    let (first, rest) = devices.split_first().expect("opens");
    assert_eq!(alice.close(*first), nt::STATUS_SUCCESS);
    let counters = info(&alice, rest[0]);
    assert_eq!(
        counters.registrations_cancelled,
        u64::from(PER_OPEN),
        "cleanup cancelled exactly its own"
    );
    assert_eq!(
        counters.registrations_active,
        ((OPENS - 1) * PER_OPEN as usize) as u64
    );
    assert_eq!(kernel.armed_timers(), (OPENS - 1) * PER_OPEN as usize);
    unload_clean(&kernel, &[&alice]);
}
