//! Smoke: a kernel, a process, an event handle referenced from kernel mode.
use nt_bindings as nt;
use ntmodel::{EventKind, Kernel, PreviousMode, User};

#[test]
fn an_event_handle_is_referenced_and_released() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let event = alice.create_event(
        nt::EVENT_MODIFY_STATE | nt::SYNCHRONIZE,
        EventKind::Notification,
        false,
    );
    assert_eq!(event, 4);
    let mut object: nt::PVOID = std::ptr::null_mut();
    let status = k.run_in(&alice, PreviousMode::UserMode, || {
        // SAFETY: valid out pointer.
        unsafe {
            ntmodel::ObReferenceObjectByHandle(
                event as nt::HANDLE,
                nt::EVENT_MODIFY_STATE,
                ntmodel::ExEventObjectType.get(),
                1,
                &raw mut object,
                std::ptr::null_mut(),
            )
        }
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(k.object_counts(&alice, event), Some((1, 1)));
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    assert_eq!(k.object_counts_at(object as usize), Some((1, 0)));
    // SAFETY: the reference taken above.
    k.run_in(&alice, PreviousMode::KernelMode, || unsafe {
        ntmodel::ObfDereferenceObject(object)
    });
    assert!(k.is_deleted(object as usize));
    k.check_no_stop();
}
