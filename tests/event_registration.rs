//! Event registration: the event sample's pattern, done right. The user's event handle is
//! referenced with the IRP's RequestorMode, SYNCHRONIZE | EVENT_MODIFY_STATE and the event
//! type; the driver keeps the reference, not the handle, until its timer DPC signals it.
mod support;

use handleguard_protocol::{
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, IOCTL_HANDLEGUARD_UNREGISTER as UNREGISTER,
    IdRequest, NotifyMode, Refusal, RegisterEventReply, RegisterEventRequest,
};
use support::*;

fn register(process: &Process, device: u64, event: u64, due_ms: u32) -> Result<u64, nt::NTSTATUS> {
    let request = RegisterEventRequest {
        event,
        due_ms,
        mode: NotifyMode::SignalEvent as u32,
    };
    call::<_, RegisterEventReply>(process, device, REGISTER, &request).map(|reply| reply.id)
}

fn new_event(process: &Process) -> u64 {
    process.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    )
}

#[test]
fn a_registered_event_is_signalled_when_due_and_the_reference_released() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let before = kernel.object_counts(&alice, event).expect("live event");

    let id = register(&alice, device, event, 100).expect("registered");
    assert_ne!(id, 0);
    assert_eq!(
        kernel.object_counts(&alice, event).map(|c| c.0),
        Some(before.0 + 1),
        "the driver holds one reference"
    );
    assert_eq!(info(&alice, device).registrations_active, 1);

    kernel.advance_ms(99);
    assert_eq!(alice.is_signaled(event), Ok(false));
    kernel.advance_ms(1);
    assert_eq!(alice.is_signaled(event), Ok(true));
    assert_eq!(
        kernel.object_counts(&alice, event),
        Some(before),
        "the DPC released its reference"
    );
    let counters = info(&alice, device);
    assert_eq!(
        (counters.registrations_active, counters.registrations_fired),
        (0, 1)
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_user_closing_its_handle_does_not_free_the_event_under_the_driver() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let watcher = alice
        .duplicate(event, nt::SYNCHRONIZE)
        .expect("a second handle to watch with");
    register(&alice, device, event, 50).expect("registered");
    let object = kernel.object_of(&alice, event).expect("an object");

    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    assert_eq!(alice.close(watcher), nt::STATUS_SUCCESS);
    assert!(
        !kernel.is_deleted(object),
        "the driver's reference keeps the event alive"
    );
    assert_eq!(kernel.object_counts_at(object), Some((1, 0)));

    kernel.advance_ms(50);
    assert!(
        kernel.is_deleted(object),
        "the last reference went with the DPC"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn unregister_releases_the_event_without_signalling_it() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let before = kernel.object_counts(&alice, event).expect("live event");
    let id = register(&alice, device, event, 100).expect("registered");

    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id }),
        nt::STATUS_SUCCESS
    );
    assert_eq!(kernel.object_counts(&alice, event), Some(before));
    kernel.advance_ms(1_000);
    assert_eq!(alice.is_signaled(event), Ok(false));
    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id }),
        nt::STATUS_NOT_FOUND,
        "ids are not reused"
    );
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
fn an_id_from_another_open_is_not_found() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let other = alice
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("second open");
    let id = register(&alice, device, new_event(&alice), 100).expect("registered");
    assert_eq!(
        send(&alice, other, UNREGISTER, &IdRequest { id }),
        nt::STATUS_NOT_FOUND
    );
    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id: 0 }),
        nt::STATUS_NOT_FOUND
    );
    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id: u64::MAX }),
        nt::STATUS_NOT_FOUND
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn cleanup_cancels_every_registration_of_the_open() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let before = kernel.object_counts(&alice, event).expect("live event");
    for due in [10, 20, 30] {
        register(&alice, device, event, due).expect("registered");
    }
    assert_eq!(kernel.armed_timers(), 3);
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(kernel.armed_timers(), 0);
    assert_eq!(kernel.object_counts(&alice, event), Some(before));
    kernel.advance_ms(100);
    assert_eq!(alice.is_signaled(event), Ok(false));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_quota_refuses_registrations_beyond_it_and_frees_a_slot_on_unregister() {
    let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 2));
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let before = kernel.object_counts(&alice, event).expect("live event");
    let first = register(&alice, device, event, 100).expect("first");
    register(&alice, device, event, 100).expect("second");
    assert_eq!(
        register(&alice, device, event, 100),
        Err(nt::STATUS_QUOTA_EXCEEDED)
    );
    assert_eq!(
        kernel.object_counts(&alice, event).map(|c| c.0),
        Some(before.0 + 2),
        "the refused one took no reference"
    );
    assert_eq!(refusals(&alice, device, Refusal::Quota), 1);

    assert_eq!(
        send(&alice, device, UNREGISTER, &IdRequest { id: first }),
        nt::STATUS_SUCCESS
    );
    register(&alice, device, event, 100).expect("room again");
    // Another open has its own quota.
    let other = alice
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("second open");
    register(&alice, other, event, 100).expect("the other open's first");
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_reply_buffer_is_checked_before_anything_is_registered() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let before = kernel.object_counts(&alice, event).expect("live event");
    let request = RegisterEventRequest {
        event,
        due_ms: 10,
        mode: 0,
    }
    .encode();
    assert_eq!(
        raw(&alice, device, REGISTER, &request, 7).status,
        nt::STATUS_BUFFER_TOO_SMALL
    );
    assert_eq!(kernel.object_counts(&alice, event), Some(before));
    assert_eq!(info(&alice, device).registrations_active, 0);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn malformed_requests_are_invalid_parameters() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let event = new_event(&alice);
    let request = RegisterEventRequest {
        event,
        due_ms: 10,
        mode: 0,
    }
    .encode();
    assert_eq!(
        raw(&alice, device, REGISTER, &request[..15], 8).status,
        nt::STATUS_INVALID_PARAMETER
    );
    let mut long = request.to_vec();
    long.push(0);
    assert_eq!(
        raw(&alice, device, REGISTER, &long, 8).status,
        nt::STATUS_INVALID_PARAMETER
    );
    let bad_mode = RegisterEventRequest {
        event,
        due_ms: 10,
        mode: 7,
    }
    .encode();
    assert_eq!(
        raw(&alice, device, REGISTER, &bad_mode, 8).status,
        nt::STATUS_INVALID_PARAMETER
    );
    assert_eq!(
        raw(&alice, device, REGISTER, &[], 8).status,
        nt::STATUS_INVALID_PARAMETER
    );
    assert_eq!(refusals(&alice, device, Refusal::BadBuffer), 4);
    unload_clean(&kernel, &[&alice]);
}

mod pended {
    use super::*;

    fn pend(process: &Process, device: u64, due_ms: u32) -> ntmodel::PendingIrp {
        let request = RegisterEventRequest {
            event: 0,
            due_ms,
            mode: NotifyMode::CompleteIrp as u32,
        }
        .encode();
        process
            .ioctl(device, REGISTER, &request, 0)
            .pending()
            .expect("the IRP is pended")
    }

    #[test]
    fn a_pended_request_completes_when_due() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        let pending = pend(&alice, device, 30);
        assert_eq!(pending.result(), None);
        kernel.advance_ms(30);
        assert_eq!(pending.result().map(|r| r.0), Some(nt::STATUS_SUCCESS));
        assert_eq!(info(&alice, device).registrations_fired, 1);
        unload_clean(&kernel, &[&alice]);
    }

    #[test]
    fn a_pended_request_can_be_cancelled() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        let pending = pend(&alice, device, 30);
        assert!(alice.cancel(&pending));
        assert_eq!(pending.result().map(|r| r.0), Some(nt::STATUS_CANCELLED));
        assert_eq!(kernel.armed_timers(), 0);
        kernel.advance_ms(100);
        assert_eq!(info(&alice, device).registrations_cancelled, 1);
        unload_clean(&kernel, &[&alice]);
    }

    #[test]
    fn closing_the_device_cancels_pended_requests() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        let pending = [pend(&alice, device, 30), pend(&alice, device, 60)];
        assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
        for irp in &pending {
            assert_eq!(irp.result().map(|r| r.0), Some(nt::STATUS_CANCELLED));
        }
        assert_eq!(kernel.pending_irps(), 0);
        unload_clean(&kernel, &[&alice]);
    }

    #[test]
    fn the_quota_counts_pended_requests_too() {
        let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 1));
        let (alice, device) = client(&kernel, "alice");
        let _first = pend(&alice, device, 30);
        let request = RegisterEventRequest {
            event: 0,
            due_ms: 30,
            mode: NotifyMode::CompleteIrp as u32,
        }
        .encode();
        assert_eq!(
            raw(&alice, device, REGISTER, &request, 0).status,
            nt::STATUS_QUOTA_EXCEEDED
        );
        kernel.advance_ms(30);
        unload_clean(&kernel, &[&alice]);
    }

    #[test]
    fn a_request_cancelled_after_its_timer_fired_completes_once() {
        let kernel = boot();
        let (alice, device) = client(&kernel, "alice");
        let pending = pend(&alice, device, 10);
        kernel.advance_ms(10);
        assert!(
            !alice.cancel(&pending),
            "already completed: nothing to cancel"
        );
        assert_eq!(pending.result().map(|r| r.0), Some(nt::STATUS_SUCCESS));
        unload_clean(&kernel, &[&alice]);
    }
}
