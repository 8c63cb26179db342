//! Constant memory: a finished IRP's memory is kept only in a bounded quarantine, and its
//! result only while someone holds the pending request it belongs to, so millions of requests
//! run in constant memory.
mod common;

use common::test_driver::{IOCTL_COMPLETE_PENDED, IOCTL_ECHO, IOCTL_PEND};
use common::{done, kernel_with_driver};
use nt_bindings as nt;

/// More than the quarantine keeps.
const REQUESTS: u32 = 10_000;
/// What the model keeps at most of finished IRPs.
const QUARANTINE: usize = 4096;

#[test]
fn many_finished_requests_leave_the_irp_bookkeeping_at_a_bounded_size() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    for round in 0..REQUESTS {
        let input = round.to_le_bytes();
        assert_eq!(
            done(alice.ioctl(device, IOCTL_ECHO, &input, 4)),
            (nt::STATUS_SUCCESS, 4, input.to_vec())
        );
    }
    let books = k.irp_bookkeeping();
    assert_eq!(books.live, 0, "{books:?}");
    assert_eq!(
        books.results, 0,
        "no result is kept for a request that completed at once"
    );
    assert!(books.quarantined <= QUARANTINE, "{books:?}");
    k.check_no_stop();
}

#[test]
fn a_pending_requests_result_is_kept_while_it_is_held_and_freed_when_dropped() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ)
        .expect("opens");
    let pending = alice
        .ioctl(device, IOCTL_PEND, &[], 4)
        .pending()
        .expect("pends");
    let copy = pending.clone();
    assert_eq!(
        done(alice.ioctl(device, IOCTL_COMPLETE_PENDED, &[], 0)).0,
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_SUCCESS, b"done".to_vec()))
    );
    assert_eq!(
        pending.result(),
        Some((nt::STATUS_SUCCESS, b"done".to_vec())),
        "taken twice"
    );
    assert_eq!(k.irp_bookkeeping().results, 1);
    drop(pending);
    assert_eq!(
        copy.result(),
        Some((nt::STATUS_SUCCESS, b"done".to_vec())),
        "a clone still holds it"
    );
    drop(copy);
    assert_eq!(k.irp_bookkeeping().results, 0);
    // A pending request nobody holds keeps no result once it completes.
    let _ = alice.ioctl(device, IOCTL_PEND, &[], 4);
    assert_eq!(
        done(alice.ioctl(device, IOCTL_COMPLETE_PENDED, &[], 0)).0,
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        k.irp_bookkeeping(),
        ntmodel::IrpBookkeeping {
            live: 0,
            results: 0,
            quarantined: k.irp_bookkeeping().quarantined
        }
    );
    k.check_no_stop();
}
