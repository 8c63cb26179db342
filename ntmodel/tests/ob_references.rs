//! The routines around `ObReferenceObjectByHandle`: by-pointer references, dereference and
//! deletion, `ObOpenObjectByPointer` and the private handles it makes.
mod common;

use common::zw_create_file;
use nt_bindings as nt;
use ntmodel::constants::KERNEL_HANDLE_FLAG;
use ntmodel::{EventKind, FileSecurity, Kernel, PreviousMode, Process, User, codes};

const USER: i8 = 1;
const KERNEL: i8 = 0;

fn event_type() -> nt::POBJECT_TYPE {
    ntmodel::ExEventObjectType.get()
}

fn file_type() -> nt::POBJECT_TYPE {
    ntmodel::IoFileObjectType.get()
}

fn setup() -> (Kernel, Process, u64, usize) {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let event = alice.create_event(
        nt::EVENT_MODIFY_STATE | nt::SYNCHRONIZE,
        EventKind::Notification,
        false,
    );
    let object = k.object_of(&alice, event).expect("object");
    (k, alice, event, object)
}

fn by_pointer(object: usize, object_type: nt::POBJECT_TYPE, mode: i8) -> nt::NTSTATUS {
    // SAFETY: `object` is a live object (or a deliberate bad pointer the model recognises).
    unsafe {
        ntmodel::ObReferenceObjectByPointer(object as nt::PVOID, nt::GENERIC_ALL, object_type, mode)
    }
}

fn open_by_pointer(
    object: usize,
    attributes: u32,
    access: u32,
    object_type: nt::POBJECT_TYPE,
    mode: i8,
) -> (nt::NTSTATUS, u64) {
    let mut handle: nt::HANDLE = 0x55 as nt::HANDLE;
    // SAFETY: valid out pointer.
    let status = unsafe {
        ntmodel::ObOpenObjectByPointer(
            object as nt::PVOID,
            attributes,
            std::ptr::null_mut(),
            access,
            object_type,
            mode,
            &raw mut handle,
        )
    };
    (status, handle as u64)
}

fn zw_close(handle: u64) -> nt::NTSTATUS {
    // SAFETY: any value is accepted.
    unsafe { ntmodel::ZwClose(handle as nt::HANDLE) }
}

fn dereference(object: usize) -> isize {
    // SAFETY: a reference the test holds (or a deliberate bad dereference).
    let count = unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
    isize::try_from(count).unwrap_or(isize::MAX)
}

#[test]
fn by_pointer_from_kernel_mode_takes_a_reference_with_any_or_no_type_and_never_checks_access() {
    let (k, alice, _, object) = setup();
    k.run_in(&alice, PreviousMode::KernelMode, || {
        assert_eq!(
            by_pointer(object, std::ptr::null_mut(), KERNEL),
            nt::STATUS_SUCCESS
        );
        assert_eq!(
            by_pointer(object, file_type(), KERNEL),
            nt::STATUS_SUCCESS,
            "no type check from kernel mode"
        );
        assert_eq!(by_pointer(object, event_type(), KERNEL), nt::STATUS_SUCCESS);
    });
    assert_eq!(k.object_counts_at(object), Some((3, 1)));
    k.check_no_stop();
}

#[test]
fn by_pointer_from_user_mode_checks_the_type_and_needs_one() {
    let (k, alice, _, object) = setup();
    k.run_in(&alice, PreviousMode::UserMode, || {
        assert_eq!(
            by_pointer(object, file_type(), USER),
            nt::STATUS_OBJECT_TYPE_MISMATCH
        );
        assert_eq!(
            by_pointer(object, std::ptr::null_mut(), USER),
            nt::STATUS_OBJECT_TYPE_MISMATCH
        );
        assert_eq!(by_pointer(object, event_type(), USER), nt::STATUS_SUCCESS);
    });
    assert_eq!(k.object_counts_at(object), Some((1, 1)));
    k.check_no_stop();
}

#[test]
fn an_object_lives_until_its_last_reference_and_last_handle_are_gone() {
    let (k, alice, event, object) = setup();
    k.run_in(&alice, PreviousMode::KernelMode, || {
        assert_eq!(by_pointer(object, event_type(), KERNEL), nt::STATUS_SUCCESS);
    });
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    assert!(!k.is_deleted(object), "the driver's reference keeps it");
    // SAFETY: the body of a live event object is a KEVENT.
    let previous = k.run_in(&alice, PreviousMode::KernelMode, || unsafe {
        ntmodel::KeSetEvent(object as nt::PRKEVENT, 0, 0)
    });
    assert_eq!(previous, 0);
    assert_eq!(
        k.run_in(&alice, PreviousMode::KernelMode, || dereference(object)),
        0
    );
    assert!(k.is_deleted(object));
    k.check_no_stop();
}

#[test]
fn a_dereference_without_a_reference_is_a_verifier_stop_and_does_nothing() {
    let (k, alice, event, object) = setup();
    k.run_in(&alice, PreviousMode::KernelMode, || dereference(object));
    let stops = k.take_verifier_stops();
    assert!(
        stops[0].is(
            codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
            codes::C4_BAD_REFERENCE_COUNT
        ),
        "{}",
        stops[0]
    );
    assert_eq!(
        k.object_counts(&alice, event),
        Some((0, 1)),
        "the handle still holds the object"
    );
}

#[test]
fn using_a_deleted_object_is_a_verifier_stop() {
    let (k, alice, event, object) = setup();
    assert_eq!(alice.close(event), nt::STATUS_SUCCESS);
    assert!(k.is_deleted(object));
    k.run_in(&alice, PreviousMode::KernelMode, || {
        // SAFETY: a stale pointer on purpose; the model keeps deleted bodies allocated.
        unsafe { ntmodel::ObfReferenceObject(object as nt::PVOID) };
        // SAFETY: as above.
        unsafe { ntmodel::KeSetEvent(object as nt::PRKEVENT, 0, 0) };
    });
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 2);
    assert!(stops.iter().all(|stop| stop.is(
        codes::DRIVER_VERIFIER_DETECTED_VIOLATION,
        codes::C4_BAD_REFERENCE_COUNT
    )));
}

#[test]
fn open_by_pointer_with_obj_kernel_handle_from_kernel_mode_makes_a_kernel_handle() {
    let (k, alice, _, object) = setup();
    let (status, handle) = k.run_in(&alice, PreviousMode::KernelMode, || {
        open_by_pointer(
            object,
            nt::OBJ_KERNEL_HANDLE,
            nt::SYNCHRONIZE,
            event_type(),
            KERNEL,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(handle & KERNEL_HANDLE_FLAG, KERNEL_HANDLE_FLAG);
    assert!(k.system_handle_values().contains(&handle));
    assert!(
        alice.granted_access(handle).is_none(),
        "not in alice's table"
    );
    assert_eq!(k.object_counts_at(object), Some((0, 2)));
    let closed = k.run_in(&alice, PreviousMode::KernelMode, || {
        // SAFETY: any value is accepted.
        unsafe { ntmodel::ZwClose(handle as nt::HANDLE) }
    });
    assert_eq!(closed, nt::STATUS_SUCCESS);
    k.check_no_stop();
}

#[test]
fn open_by_pointer_from_user_mode_drops_obj_kernel_handle_and_hands_the_handle_to_the_process() {
    let (k, alice, _, object) = setup();
    let (status, handle) = k.run_in(&alice, PreviousMode::UserMode, || {
        open_by_pointer(
            object,
            nt::OBJ_KERNEL_HANDLE,
            nt::SYNCHRONIZE,
            event_type(),
            USER,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert_eq!(handle & KERNEL_HANDLE_FLAG, 0, "a user handle");
    assert_eq!(alice.granted_access(handle), Some(nt::SYNCHRONIZE));
    assert_eq!(alice.wait(handle), Ok(false));
    k.check_no_stop();
}

#[test]
fn open_by_pointer_with_the_wrong_type_is_a_mismatch() {
    let (k, alice, _, object) = setup();
    let (status, handle) = k.run_in(&alice, PreviousMode::KernelMode, || {
        open_by_pointer(object, nt::OBJ_KERNEL_HANDLE, 0, file_type(), KERNEL)
    });
    assert_eq!((status, handle), (nt::STATUS_OBJECT_TYPE_MISMATCH, 0));
    k.check_no_stop();
}

#[test]
fn open_by_pointer_checks_the_users_access_from_user_mode_or_with_force_access_check() {
    let k = Kernel::new();
    k.add_file(
        "\\??\\C:\\secret.txt",
        b"s",
        &FileSecurity::private().owned_by("bob"),
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    let system = k.system();
    let (status, handle) = k.run_in(&system, PreviousMode::KernelMode, || {
        let mut attributes = nt::OBJECT_ATTRIBUTES::default();
        let name: Vec<u16> = "\\??\\C:\\secret.txt".encode_utf16().collect();
        let mut string = nt::UNICODE_STRING {
            Length: u16::try_from(name.len() * 2).unwrap_or(0),
            MaximumLength: 0,
            Buffer: name.as_ptr().cast_mut(),
        };
        attributes.ObjectName = &raw mut string;
        attributes.Attributes = nt::OBJ_KERNEL_HANDLE;
        zw_create_file(
            &mut attributes,
            nt::FILE_READ_DATA,
            nt::FILE_SYNCHRONOUS_IO_NONALERT,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS, "the System process may open it");
    let file = k.object_of(&system, handle).expect("file object");
    k.run_in(&alice, PreviousMode::KernelMode, || {
        assert_eq!(
            open_by_pointer(file, 0, nt::FILE_READ_DATA, file_type(), USER).0,
            nt::STATUS_ACCESS_DENIED
        );
        assert_eq!(
            open_by_pointer(
                file,
                nt::OBJ_KERNEL_HANDLE | nt::OBJ_FORCE_ACCESS_CHECK,
                nt::FILE_READ_DATA,
                file_type(),
                KERNEL
            )
            .0,
            nt::STATUS_ACCESS_DENIED
        );
        let (status, kernel_handle) = open_by_pointer(
            file,
            nt::OBJ_KERNEL_HANDLE,
            nt::FILE_READ_DATA,
            file_type(),
            KERNEL,
        );
        assert_eq!(
            status,
            nt::STATUS_SUCCESS,
            "kernel mode without the flag bypasses the check"
        );
        assert_eq!(zw_close(kernel_handle), nt::STATUS_SUCCESS);
        assert_eq!(zw_close(handle), nt::STATUS_SUCCESS);
    });
    k.check_no_stop();
}

#[test]
fn a_private_handle_created_in_a_user_process_without_obj_kernel_handle_is_a_stop() {
    let (k, alice, _, object) = setup();
    let (status, handle) = k.run_in(&alice, PreviousMode::KernelMode, || {
        open_by_pointer(object, 0, nt::SYNCHRONIZE, event_type(), KERNEL)
    });
    assert_eq!((status, handle), (nt::STATUS_ACCESS_DENIED, 0));
    let stops = k.take_verifier_stops();
    assert!(
        stops[0].is(
            codes::NTMODEL_CHECK,
            codes::MODEL_PRIVATE_HANDLE_IN_USER_PROCESS
        ),
        "{}",
        stops[0]
    );
}
