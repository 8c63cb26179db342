//! Several OS threads at once, one simulated process each, against one kernel: the state is
//! per kernel instance, contexts are per thread, and spin locks really exclude each other.
mod common;

use common::test_driver::*;
use common::{done, kernel_with_driver};
use nt_bindings as nt;
use ntmodel::{EventKind, Kernel, User};
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn processes_on_their_own_threads_use_the_driver_at_the_same_time() {
    let (k, _alice) = kernel_with_driver();
    let workers: Vec<_> = (0..6)
        .map(|index| {
            let k = k.clone();
            std::thread::spawn(move || {
                let process = k.create_process("worker.exe", User::new(&format!("user{index}")));
                let device = process
                    .open("\\\\.\\ModelTest", nt::GENERIC_READ)
                    .expect("open");
                for round in 0..200u32 {
                    let input = round.to_le_bytes();
                    let (status, information, output) =
                        done(process.ioctl(device, IOCTL_ECHO, &input, 4));
                    assert_eq!((status, information), (nt::STATUS_SUCCESS, 4));
                    assert_eq!(output, input);
                    let event = process.create_event(
                        nt::EVENT_MODIFY_STATE,
                        EventKind::Notification,
                        false,
                    );
                    assert_eq!(process.close(event), nt::STATUS_SUCCESS);
                }
                assert_eq!(process.close(device), nt::STATUS_SUCCESS);
            })
        })
        .collect();
    let clock = {
        let k = k.clone();
        std::thread::spawn(move || {
            for _ in 0..100 {
                k.advance_ms(1);
            }
        })
    };
    for worker in workers {
        worker.join().expect("worker");
    }
    clock.join().expect("clock");
    k.check_no_stop();
    assert_eq!(k.unload_driver(), Ok(()));
}

#[test]
fn each_test_kernel_is_its_own_machine() {
    let first = Kernel::new();
    let second = Kernel::new();
    let a = first.create_process("a.exe", User::new("alice"));
    let b = second.create_process("b.exe", User::new("bob"));
    let event = a.create_event(nt::SYNCHRONIZE, EventKind::Notification, false);
    assert_eq!(
        b.is_signaled(event),
        Err(nt::STATUS_INVALID_HANDLE),
        "bob's kernel never saw alice's event"
    );
    assert_eq!(a.is_signaled(event), Ok(false));
}

#[test]
fn a_spin_lock_excludes_other_threads() {
    let k = Kernel::new();
    let lock = Box::new(AtomicUsize::new(0));
    let lock_address = std::ptr::from_ref(&*lock) as usize;
    let counter = std::sync::Arc::new(std::sync::Mutex::new(0u64));
    let inside = std::sync::Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let k = k.clone();
            let counter = std::sync::Arc::clone(&counter);
            let inside = std::sync::Arc::clone(&inside);
            std::thread::spawn(move || {
                k.run_in_system(|| {
                    for _ in 0..2000 {
                        // SAFETY: a KSPIN_LOCK-sized atomic word alive for the whole test.
                        let old = unsafe {
                            ntmodel::KeAcquireSpinLockRaiseToDpc(lock_address as nt::PKSPIN_LOCK)
                        };
                        assert_eq!(
                            inside.fetch_add(1, Ordering::SeqCst),
                            0,
                            "two threads inside the lock"
                        );
                        *counter.lock().expect("counter") += 1;
                        inside.fetch_sub(1, Ordering::SeqCst);
                        // SAFETY: held by this thread.
                        unsafe { ntmodel::KeReleaseSpinLock(lock_address as nt::PKSPIN_LOCK, old) };
                    }
                });
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    assert_eq!(*counter.lock().expect("counter"), 8000);
    assert_eq!(lock.load(Ordering::SeqCst), 0);
    k.check_no_stop();
}

#[test]
fn acquiring_a_spin_lock_twice_on_one_thread_is_a_stop_not_a_hang() {
    let k = Kernel::new();
    let mut lock: nt::KSPIN_LOCK = 0;
    let pointer = &raw mut lock;
    k.run_in_system(|| {
        // SAFETY: a local KSPIN_LOCK.
        let old = unsafe { ntmodel::KeAcquireSpinLockRaiseToDpc(pointer) };
        // SAFETY: as above; the bug is the recursive acquire.
        let _ = unsafe { ntmodel::KeAcquireSpinLockRaiseToDpc(pointer) };
        // SAFETY: held by this thread.
        unsafe { ntmodel::KeReleaseSpinLock(pointer, old) };
    });
    assert!(k.take_verifier_stops()[0].is(
        ntmodel::codes::NTMODEL_CHECK,
        ntmodel::codes::MODEL_SPIN_LOCK
    ));
}
