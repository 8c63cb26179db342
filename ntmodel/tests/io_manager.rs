//! The I/O manager with the test driver: create / cleanup / close, METHOD_BUFFERED device
//! control, pending and cancellation, timers and DPCs, unload.
mod common;

use common::test_driver::*;
use common::{done, kernel_with_driver};
use nt_bindings as nt;
use ntmodel::{EventKind, User};

fn counts(alice: &ntmodel::Process, device: u64) -> [u32; 4] {
    let (status, _, output) = done(alice.ioctl(device, IOCTL_COUNTS, &[], 16));
    assert_eq!(status, nt::STATUS_SUCCESS);
    let mut counts = [0u32; 4];
    for (index, chunk) in output.chunks_exact(4).enumerate() {
        counts[index] = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    counts
}

#[test]
fn the_device_opens_through_its_symbolic_link_and_echoes_buffered_input() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("open");
    let (status, information, output) = done(alice.ioctl(device, IOCTL_ECHO, b"hello", 16));
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(information, 5);
    assert_eq!(output, b"hello");
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    k.check_no_stop();
}

#[test]
fn closing_the_last_handle_sends_cleanup_then_close() {
    let (k, alice) = kernel_with_driver();
    let first = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let second = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    assert_eq!(counts(&alice, first), [2, 0, 0, 0]);
    assert_eq!(alice.close(second), nt::STATUS_SUCCESS);
    assert_eq!(counts(&alice, first), [2, 1, 1, 0]);
    let duplicate = alice.duplicate_same_access(first).expect("duplicate");
    assert_eq!(alice.close(first), nt::STATUS_SUCCESS);
    assert_eq!(
        counts(&alice, duplicate),
        [2, 1, 1, 0],
        "a duplicate keeps the file object open"
    );
    assert_eq!(alice.close(duplicate), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn a_pending_request_completes_when_the_driver_completes_it() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let pending = alice
        .ioctl(device, IOCTL_PEND, &[], 8)
        .pending()
        .expect("pending");
    assert_eq!(pending.result(), None);
    assert_eq!(k.pending_irps(), 1);
    let (status, _, _) = done(alice.ioctl(device, IOCTL_COMPLETE_PENDED, &[], 0));
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_SUCCESS, b"done".to_vec()))
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn cancelling_a_pending_request_calls_the_cancel_routine() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let pending = alice
        .ioctl(device, IOCTL_PEND, &[], 8)
        .pending()
        .expect("pending");
    assert!(alice.cancel(&pending));
    assert_eq!(pending.result(), Some((nt::STATUS_CANCELLED, Vec::new())));
    assert!(
        !alice.cancel(&pending),
        "a completed request has nothing to cancel"
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn a_timer_dpc_completes_the_pending_request_when_the_clock_passes_its_due_time() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let pending = alice
        .ioctl(device, IOCTL_PEND_UNTIL_TIMER, &[], 4)
        .pending()
        .expect("pending");
    k.advance_ms(9);
    assert!(pending.is_pending());
    k.advance_ms(1);
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_SUCCESS, b"tick".to_vec()))
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn a_referenced_event_survives_the_user_closing_its_handle_and_is_signaled_by_the_dpc() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let event = alice.create_event(
        nt::EVENT_MODIFY_STATE | nt::SYNCHRONIZE,
        EventKind::Notification,
        false,
    );
    let (status, _, _) =
        done(alice.ioctl(device, IOCTL_SIGNAL_EVENT_LATER, &event.to_le_bytes(), 0));
    assert_eq!(status, nt::STATUS_SUCCESS);
    let object = k.object_of(&alice, event).expect("event object");
    assert_eq!(k.object_counts_at(object), Some((1, 1)));
    let duplicate = alice.duplicate_same_access(event).expect("dup");
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    k.advance_ms(10);
    assert_eq!(alice.is_signaled(duplicate), Ok(true));
    assert_eq!(k.object_counts_at(object), Some((0, 1)));
    assert_eq!(alice.close(duplicate), nt::STATUS_SUCCESS);
    assert!(k.is_deleted(object));
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn a_user_with_only_a_sync_handle_cannot_have_the_driver_modify_the_event() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let event = alice.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    let (status, _, _) =
        done(alice.ioctl(device, IOCTL_SIGNAL_EVENT_LATER, &event.to_le_bytes(), 0));
    assert_eq!(status, nt::STATUS_ACCESS_DENIED);
    let bob = k.create_process("other.exe", User::new("bob"));
    let bob_device = bob
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let (status, _, _) = done(bob.ioctl(
        bob_device,
        IOCTL_SIGNAL_EVENT_LATER,
        &event.to_le_bytes(),
        0,
    ));
    assert_eq!(
        status,
        nt::STATUS_INVALID_HANDLE,
        "alice's handle value means nothing in bob's table"
    );
    let bob_second = bob
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    assert_eq!(
        bob_second, event,
        "bob's second handle has the value of alice's event handle"
    );
    let (status, _, _) = done(bob.ioctl(
        bob_device,
        IOCTL_SIGNAL_EVENT_LATER,
        &event.to_le_bytes(),
        0,
    ));
    assert_eq!(
        status,
        nt::STATUS_OBJECT_TYPE_MISMATCH,
        "in bob's process the value names his device handle"
    );
    k.check_no_stop();
}

#[test]
fn a_namespace_open_carries_the_rest_of_the_path_as_the_file_name() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let (_, _, name) = done(alice.ioctl(device, IOCTL_LAST_NAME, &[], 64));
    assert!(name.is_empty(), "the device itself: empty FileName");
    let sub = alice
        .open("\\\\.\\ModelTest\\sub\\dir", nt::GENERIC_READ)
        .expect("open");
    let (_, _, name) = done(alice.ioctl(device, IOCTL_LAST_NAME, &[], 64));
    let units: Vec<u16> = name
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    assert_eq!(String::from_utf16_lossy(&units), "\\sub\\dir");
    assert_eq!(alice.close(sub), nt::STATUS_SUCCESS);
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    k.check_no_stop();
}

#[test]
fn a_failed_create_gets_no_handle_and_no_cleanup_or_close() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\??\\ModelTest", nt::GENERIC_READ)
        .expect("the \\?? form resolves too");
    assert_eq!(
        alice.open("\\\\.\\ModelTest\\deny", nt::GENERIC_READ),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(alice.handles(), vec![device]);
    assert_eq!(counts(&alice, device), [1, 0, 0, 0]);
    assert_eq!(
        alice.open("\\\\.\\NoSuchDevice", nt::GENERIC_READ),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn the_driver_sees_the_requestors_bitness_and_runs_in_its_context() {
    let (k, alice) = kernel_with_driver();
    let old = k.create_process_32bit("old.exe", User::new("carol"));
    for (process, bits) in [(&alice, 0u8), (&old, 1u8)] {
        let device = process
            .open("\\\\.\\ModelTest", nt::GENERIC_READ)
            .expect("open");
        let (status, _, output) = done(process.ioctl(device, IOCTL_OPEN_INFO, &[], 2));
        assert_eq!(status, nt::STATUS_SUCCESS);
        assert_eq!(
            output,
            vec![bits, 1],
            "IoIs32bitProcess, and IoGetRequestorProcess == IoGetCurrentProcess"
        );
        assert_eq!(process.close(device), nt::STATUS_SUCCESS);
    }
    k.check_no_stop();
}

#[test]
fn a_request_dispatched_in_another_context_still_names_its_requestor() {
    let (k, alice) = kernel_with_driver();
    let worker = k.create_process("worker.exe", User::new("bob"));
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    // The device handle is alice's: the request is hers, only the dispatch runs elsewhere.
    let (status, _, output) =
        done(alice.ioctl_dispatched_in(&worker, device, IOCTL_OPEN_INFO, &[], 2));
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(
        output,
        vec![0, 0],
        "IoGetRequestorProcess is alice, IoGetCurrentProcess the worker"
    );
    let system = k.system();
    let (_, _, output) = done(alice.ioctl_dispatched_in(&system, device, IOCTL_OPEN_INFO, &[], 2));
    assert_eq!(
        output,
        vec![0, 0],
        "the System process is another context too"
    );
    let (_, _, output) = done(alice.ioctl_dispatched_in(&alice, device, IOCTL_OPEN_INFO, &[], 2));
    assert_eq!(output, vec![0, 1], "dispatched in the requestor itself");
    assert_eq!(
        done(worker.ioctl_dispatched_in(&alice, device, IOCTL_OPEN_INFO, &[], 2)).0,
        nt::STATUS_INVALID_HANDLE,
        "the handle is looked up in the requestor's table, not the dispatch context's"
    );

    // A forwarded request that pends belongs to the requestor's thread: its exit cancels it.
    let pending = alice
        .ioctl_dispatched_in(&worker, device, IOCTL_PEND, &[], 8)
        .pending()
        .expect("pending");
    assert!(pending.is_pending());
    alice.exit();
    assert_eq!(pending.result(), Some((nt::STATUS_CANCELLED, Vec::new())));
    assert!(worker.handles().is_empty());
    k.check_no_stop();
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn an_ioctl_requiring_write_access_needs_a_handle_with_write_access() {
    let (k, alice) = kernel_with_driver();
    let reader = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    assert_eq!(
        done(alice.ioctl(reader, IOCTL_ECHO_NEEDS_WRITE, b"x", 1)).0,
        nt::STATUS_ACCESS_DENIED
    );
    let writer = alice
        .open("\\\\.\\ModelTest", nt::FILE_WRITE_DATA)
        .expect("open");
    assert_eq!(
        done(alice.ioctl(writer, IOCTL_ECHO_NEEDS_WRITE, b"x", 1)).0,
        nt::STATUS_SUCCESS
    );
    let event = alice.create_event(nt::EVENT_MODIFY_STATE, EventKind::Notification, false);
    assert_eq!(
        done(alice.ioctl(event, IOCTL_ECHO, b"x", 1)).0,
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    assert_eq!(
        done(alice.ioctl(0x7F0, IOCTL_ECHO, b"x", 1)).0,
        nt::STATUS_INVALID_HANDLE
    );
    k.check_no_stop();
}

#[test]
fn closing_the_handle_of_a_pending_request_sends_cleanup_and_the_close_waits_for_the_irp() {
    let (k, alice) = kernel_with_driver();
    let watcher = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let file = k.object_of(&alice, device).expect("file object");
    let pending = alice
        .ioctl(device, IOCTL_PEND, &[], 8)
        .pending()
        .expect("pending");
    assert_eq!(
        k.object_counts_at(file),
        Some((1, 1)),
        "the IRP holds a reference"
    );
    assert_eq!(alice.close(device), nt::STATUS_SUCCESS);
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_CANCELLED, Vec::new())),
        "the driver's cleanup cancelled it"
    );
    assert_eq!(counts(&alice, watcher), [2, 1, 1, 0]);
    assert!(k.is_deleted(file));
    assert_eq!(alice.close(watcher), nt::STATUS_SUCCESS);
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn process_exit_cancels_its_pending_io_and_closes_its_handles() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open("\\\\.\\ModelTest", nt::GENERIC_READ)
        .expect("open");
    let pending = alice
        .ioctl(device, IOCTL_PEND, &[], 8)
        .pending()
        .expect("pending");
    alice.exit();
    assert_eq!(
        pending.result().map(|(status, _)| status),
        Some(nt::STATUS_CANCELLED)
    );
    assert!(alice.handles().is_empty());
    assert_eq!(k.unload_driver(), Ok(()));
}
