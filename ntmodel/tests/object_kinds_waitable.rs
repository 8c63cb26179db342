//! Conformance of the waitable object kinds a hostile caller can pass where a driver expects
//! an event: events, semaphores, mutants, timers, processes and threads. Each test is named
//! for the NT rule it checks: the type object a handle is referenced as, the generic mapping of
//! the type, and what waiting on and releasing the object do.
mod common;

use common::reference_as_user;
use nt_bindings as nt;
use ntmodel::constants::{
    EVENT_ALL_ACCESS, MUTANT_ALL_ACCESS, SEMAPHORE_ALL_ACCESS, SEMAPHORE_MODIFY_STATE,
    STATUS_INVALID_CID, STATUS_MUTANT_NOT_OWNED, STATUS_SEMAPHORE_LIMIT_EXCEEDED, TIMER_ALL_ACCESS,
    TIMER_MODIFY_STATE,
};
use ntmodel::{EventKind, Kernel, TimerKind, User};

const READ_CONTROL: u32 = nt::READ_CONTROL;

#[test]
fn generic_rights_on_an_event_map_to_read_control_query_state_modify_state_and_synchronize() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    for (generic, specific) in [
        (nt::GENERIC_READ, READ_CONTROL | nt::EVENT_QUERY_STATE),
        (nt::GENERIC_WRITE, READ_CONTROL | nt::EVENT_MODIFY_STATE),
        (nt::GENERIC_EXECUTE, READ_CONTROL | nt::SYNCHRONIZE),
        (nt::GENERIC_ALL, EVENT_ALL_ACCESS),
    ] {
        let event = alice.create_event(generic, EventKind::Notification, false);
        assert_eq!(alice.granted_access(event), Some(specific), "{generic:#x}");
    }
    k.check_no_stop();
}

#[test]
fn a_semaphore_handle_passed_where_an_event_is_expected_is_an_object_type_mismatch() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let semaphore = alice
        .create_semaphore(SEMAPHORE_ALL_ACCESS, 0, 1)
        .expect("created");
    assert_eq!(k.object_type_of(&alice, semaphore), Some("Semaphore"));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            semaphore,
            nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
            ntmodel::ExEventObjectType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            semaphore,
            nt::SYNCHRONIZE | SEMAPHORE_MODIFY_STATE,
            ntmodel::ExSemaphoreObjectType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(k.object_counts(&alice, semaphore), Some((0, 1)));
    let read = alice
        .create_semaphore(nt::GENERIC_READ, 0, 1)
        .expect("created");
    assert_eq!(alice.granted_access(read), Some(READ_CONTROL | 0x1));
    k.check_no_stop();
}

#[test]
fn each_satisfied_wait_takes_one_count_and_a_release_beyond_the_maximum_is_refused() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    assert_eq!(
        alice.create_semaphore(SEMAPHORE_ALL_ACCESS, 3, 2),
        Err(nt::STATUS_INVALID_PARAMETER)
    );
    let semaphore = alice
        .create_semaphore(SEMAPHORE_ALL_ACCESS, 1, 2)
        .expect("created");
    assert_eq!(alice.wait(semaphore), Ok(true));
    assert_eq!(alice.wait(semaphore), Ok(false));
    assert_eq!(alice.release_semaphore(semaphore, 1), Ok(0));
    assert_eq!(
        alice.release_semaphore(semaphore, 2),
        Err(STATUS_SEMAPHORE_LIMIT_EXCEEDED)
    );
    assert_eq!(alice.release_semaphore(semaphore, 1), Ok(1));
    let wait_only = alice
        .duplicate(semaphore, nt::SYNCHRONIZE)
        .expect("duplicated");
    assert_eq!(
        alice.release_semaphore(wait_only, 1),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(alice.wait(wait_only), Ok(true));
    k.check_no_stop();
}

#[test]
fn a_mutant_is_released_only_by_the_thread_that_owns_it() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let other_thread = alice.new_thread();
    let mutant = alice.create_mutant(MUTANT_ALL_ACCESS, true);
    assert_eq!(k.object_type_of(&alice, mutant), Some("Mutant"));
    assert_eq!(other_thread.wait(mutant), Ok(false));
    assert_eq!(
        other_thread.release_mutant(mutant),
        Err(STATUS_MUTANT_NOT_OWNED)
    );
    // The owner may wait again (recursive ownership) and must release as often.
    assert_eq!(alice.wait(mutant), Ok(true));
    assert_eq!(alice.release_mutant(mutant), Ok(-1));
    assert_eq!(alice.release_mutant(mutant), Ok(0));
    assert_eq!(alice.release_mutant(mutant), Err(STATUS_MUTANT_NOT_OWNED));
    assert_eq!(other_thread.wait(mutant), Ok(true));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            mutant,
            nt::SYNCHRONIZE,
            ntmodel::ExEventObjectType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    for (generic, specific) in [
        (nt::GENERIC_READ, READ_CONTROL | 0x1),
        (nt::GENERIC_WRITE, READ_CONTROL),
        (nt::GENERIC_EXECUTE, READ_CONTROL | nt::SYNCHRONIZE),
        (nt::GENERIC_ALL, MUTANT_ALL_ACCESS),
    ] {
        let handle = alice.create_mutant(generic, false);
        assert_eq!(alice.granted_access(handle), Some(specific), "{generic:#x}");
    }
    k.check_no_stop();
}

#[test]
fn a_timer_is_no_event_and_is_signaled_once_its_due_time_has_passed() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let timer = alice.create_timer(TIMER_ALL_ACCESS, TimerKind::Notification);
    assert_eq!(k.object_type_of(&alice, timer), Some("Timer"));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            timer,
            nt::SYNCHRONIZE,
            ntmodel::ExEventObjectType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    assert_eq!(alice.set_timer(timer, 10), Ok(false));
    k.advance_ms(9);
    assert_eq!(alice.wait(timer), Ok(false));
    k.advance_ms(1);
    assert_eq!(alice.wait(timer), Ok(true));
    assert_eq!(
        alice.wait(timer),
        Ok(true),
        "a notification timer stays signaled"
    );
    let synchronization = alice.create_timer(TIMER_ALL_ACCESS, TimerKind::Synchronization);
    assert_eq!(alice.set_timer(synchronization, 0), Ok(false));
    assert_eq!(alice.wait(synchronization), Ok(true));
    assert_eq!(
        alice.wait(synchronization),
        Ok(false),
        "reset by the satisfied wait"
    );
    let wait_only = alice.create_timer(nt::SYNCHRONIZE, TimerKind::Notification);
    assert_eq!(alice.set_timer(wait_only, 1), Err(nt::STATUS_ACCESS_DENIED));
    let write = alice.create_timer(nt::GENERIC_WRITE, TimerKind::Notification);
    assert_eq!(
        alice.granted_access(write),
        Some(READ_CONTROL | TIMER_MODIFY_STATE)
    );
    // A program's armed timer is not the driver's: closing it disarms it.
    assert_eq!(alice.set_timer(timer, 1_000), Ok(false));
    assert_eq!(k.armed_timers(), 1);
    assert_eq!(alice.close(timer), nt::STATUS_SUCCESS);
    assert_eq!(k.armed_timers(), 0);
    k.check_no_stop();
}

#[test]
fn a_process_of_another_user_cannot_be_opened_and_generic_read_maps_to_vm_read_and_query() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let bob = k.create_process("bob.exe", User::new("bob"));
    assert_eq!(
        alice.open_process(nt::GENERIC_READ, bob.pid()),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(
        alice.open_process(nt::SYNCHRONIZE, 0x7FF0),
        Err(STATUS_INVALID_CID)
    );
    let sibling = k.create_process("second.exe", User::new("alice"));
    let handle = sibling
        .open_process(nt::GENERIC_READ | nt::SYNCHRONIZE, alice.pid())
        .expect("her own user's process");
    assert_eq!(
        sibling.granted_access(handle),
        Some(READ_CONTROL | 0x10 | 0x400 | nt::SYNCHRONIZE)
    );
    assert_eq!(k.object_type_of(&sibling, handle), Some("Process"));
    assert_eq!(
        reference_as_user(
            &k,
            &sibling,
            handle,
            nt::SYNCHRONIZE,
            ntmodel::PsProcessType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        reference_as_user(
            &k,
            &sibling,
            handle,
            nt::SYNCHRONIZE,
            ntmodel::ExEventObjectType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    // A process is signaled when it exits.
    assert_eq!(sibling.wait(handle), Ok(false));
    alice.exit();
    assert_eq!(sibling.wait(handle), Ok(true));
    k.check_no_stop();
}

#[test]
fn a_thread_handle_maps_generic_execute_to_synchronize_and_is_no_process() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let thread = alice
        .open_thread(nt::GENERIC_EXECUTE, alice.tid())
        .expect("her own thread");
    assert_eq!(
        alice.granted_access(thread),
        Some(READ_CONTROL | nt::SYNCHRONIZE | 0x800 | 0x1000)
    );
    assert_eq!(k.object_type_of(&alice, thread), Some("Thread"));
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            thread,
            nt::SYNCHRONIZE,
            ntmodel::PsThreadType.get()
        ),
        nt::STATUS_SUCCESS
    );
    assert_eq!(
        reference_as_user(
            &k,
            &alice,
            thread,
            nt::SYNCHRONIZE,
            ntmodel::PsProcessType.get()
        ),
        nt::STATUS_OBJECT_TYPE_MISMATCH
    );
    let bob = k.create_process("bob.exe", User::new("bob"));
    assert_eq!(
        bob.open_thread(nt::SYNCHRONIZE, alice.tid()),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    k.check_no_stop();
}
