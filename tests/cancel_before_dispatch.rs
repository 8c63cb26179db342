//! A pended registration whose IRP is already cancelled when the dispatch routine sees it
//! (`CancelIoEx` from another thread, or the thread's exit, won the race): the driver
//! completes it with STATUS_CANCELLED at once, and it takes no slot of the open's quota.
mod support;

use handleguard_protocol::Message;
use handleguard_protocol::{
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, NotifyMode, RegisterEventRequest,
};
use support::*;

fn pended_registration(due_ms: u32) -> Vec<u8> {
    let request = RegisterEventRequest {
        event: 0,
        due_ms,
        mode: NotifyMode::CompleteIrp as u32,
    };
    let mut input = vec![0u8; RegisterEventRequest::SIZE];
    request.write_to(&mut input).expect("fits");
    input
}

#[test]
fn a_pended_registration_cancelled_before_dispatch_completes_cancelled() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let outcome =
        alice.ioctl_cancelled_before_dispatch(device, REGISTER, &pended_registration(100), 0);
    assert_eq!(outcome.status(), nt::STATUS_CANCELLED);
    let counters = info(&alice, device);
    assert_eq!(
        (
            counters.registrations_active,
            counters.registrations_cancelled
        ),
        (0, 1)
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn cancellations_before_dispatch_never_use_up_the_quota() {
    let kernel =
        boot_with(|kernel| kernel.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 2));
    let (alice, device) = client(&kernel, "alice");
    for _ in 0..5 {
        let outcome =
            alice.ioctl_cancelled_before_dispatch(device, REGISTER, &pended_registration(100), 0);
        assert_eq!(outcome.status(), nt::STATUS_CANCELLED);
    }
    let first = alice.ioctl(device, REGISTER, &pended_registration(100), 0);
    let second = alice.ioctl(device, REGISTER, &pended_registration(100), 0);
    let (Some(first), Some(second)) = (first.pending(), second.pending()) else {
        panic!("a registration was refused: the cancellations used up the quota");
    };
    kernel.advance_ms(100);
    assert_eq!(
        first.result().map(|(status, _)| status),
        Some(nt::STATUS_SUCCESS)
    );
    assert_eq!(
        second.result().map(|(status, _)| status),
        Some(nt::STATUS_SUCCESS)
    );
    unload_clean(&kernel, &[&alice]);
}
