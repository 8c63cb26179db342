//! Closing handles with each previous mode (`NtClose`, `ZwClose`, `ObCloseHandle`), Nt vs
//! Zw, and the access check a `Zw` open skips unless `OBJ_FORCE_ACCESS_CHECK` is set.
mod common;

use common::zw_create_file;
use nt_bindings as nt;
use ntmodel::constants::KERNEL_HANDLE_FLAG;
use ntmodel::{EventKind, FileOpen, FileSecurity, Kernel, PreviousMode, Process, User, codes};

const USER: i8 = 1;
const KERNEL: i8 = 0;

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

fn zw_close(handle: u64) -> nt::NTSTATUS {
    // SAFETY: any value is accepted.
    unsafe { ntmodel::ZwClose(handle as nt::HANDLE) }
}

#[test]
fn a_kernel_handle_closed_from_user_mode_is_invalid_and_survives() {
    let (k, alice, _, _) = setup();
    let kernel_handle = k.kernel_handle_of_some_object();
    let status = k.run_in(&alice, PreviousMode::UserMode, || {
        // SAFETY: any value is accepted.
        unsafe { ntmodel::ObCloseHandle(kernel_handle as nt::HANDLE, USER) }
    });
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    assert!(k.system_handle_values().contains(&kernel_handle));
    assert_eq!(
        alice.close(kernel_handle),
        nt::STATUS_INVALID_HANDLE,
        "NtClose from user mode alike"
    );
    assert!(k.system_handle_values().contains(&kernel_handle));
    let status = k.run_in(&alice, PreviousMode::KernelMode, || {
        // SAFETY: any value is accepted.
        unsafe { ntmodel::ObCloseHandle(kernel_handle as nt::HANDLE, KERNEL) }
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    assert!(!k.system_handle_values().contains(&kernel_handle));
    k.check_no_stop();
}

#[test]
fn zw_close_of_null_is_invalid_without_a_bug_check() {
    let (k, alice, _, _) = setup();
    // SAFETY: any value is accepted.
    let status = k.run_in(&alice, PreviousMode::UserMode, || unsafe {
        ntmodel::ZwClose(std::ptr::null_mut())
    });
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    k.check_no_stop();
}

#[test]
fn zw_close_of_an_invalid_handle_is_bug_check_0x93() {
    let (k, _, _, _) = setup();
    let bogus = KERNEL_HANDLE_FLAG | 0x7F0;
    // SAFETY: any value is accepted.
    let status = k.run_in_system(|| unsafe { ntmodel::ZwClose(bogus as nt::HANDLE) });
    assert_eq!(status, nt::STATUS_INVALID_HANDLE);
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert_eq!(stops[0].code, codes::INVALID_KERNEL_HANDLE);
    assert_eq!(stops[0].params[0], bogus);
}

#[test]
fn nt_close_keeps_the_previous_mode_while_zw_close_sets_kernel_mode() {
    let (k, alice, _, _) = setup();
    let kernel_handle = k.kernel_handle_of_some_object();
    // SAFETY: any value is accepted.
    let status = k.run_in(&alice, PreviousMode::UserMode, || unsafe {
        ntmodel::NtClose(kernel_handle as nt::HANDLE)
    });
    assert_eq!(
        status,
        nt::STATUS_INVALID_HANDLE,
        "a user-mode previous mode cannot reach the kernel table"
    );
    k.check_no_stop();
    // SAFETY: any value is accepted.
    let status = k.run_in(&alice, PreviousMode::UserMode, || unsafe {
        ntmodel::ZwClose(kernel_handle as nt::HANDLE)
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    k.check_no_stop();
}

#[test]
fn a_zw_open_from_the_driver_skips_the_access_check_unless_force_access_check_is_set() {
    let k = Kernel::new();
    k.add_file(
        "\\??\\C:\\data\\bob.txt",
        b"bob's",
        &FileSecurity::readable_by(&["bob"]).owned_by("bob"),
    );
    let alice = k.create_process("app.exe", User::new("alice"));
    let name: Vec<u16> = "\\??\\C:\\data\\bob.txt".encode_utf16().collect();
    let mut string = nt::UNICODE_STRING {
        Length: u16::try_from(name.len() * 2).unwrap_or(0),
        MaximumLength: 0,
        Buffer: name.as_ptr().cast_mut(),
    };
    let mut attributes = nt::OBJECT_ATTRIBUTES {
        ObjectName: &raw mut string,
        Attributes: nt::OBJ_KERNEL_HANDLE,
        ..Default::default()
    };
    let (status, handle) = k.run_in(&alice, PreviousMode::UserMode, || {
        zw_create_file(
            &mut attributes,
            nt::FILE_READ_DATA,
            nt::FILE_SYNCHRONOUS_IO_NONALERT,
        )
    });
    assert_eq!(
        status,
        nt::STATUS_SUCCESS,
        "Zw: previous mode KernelMode, no check"
    );
    attributes.Attributes = nt::OBJ_KERNEL_HANDLE | nt::OBJ_FORCE_ACCESS_CHECK;
    let (status, denied) = k.run_in(&alice, PreviousMode::UserMode, || {
        zw_create_file(
            &mut attributes,
            nt::FILE_READ_DATA,
            nt::FILE_SYNCHRONOUS_IO_NONALERT,
        )
    });
    assert_eq!(
        (status, denied),
        (nt::STATUS_ACCESS_DENIED, 0),
        "checked against alice's token"
    );
    assert_eq!(
        alice.open_file(
            "\\??\\C:\\data\\bob.txt",
            nt::FILE_READ_DATA,
            FileOpen::Synchronous
        ),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    let bob = k.create_process("bob.exe", User::new("bob"));
    let (status, bobs) = k.run_in(&bob, PreviousMode::UserMode, || {
        zw_create_file(
            &mut attributes,
            nt::FILE_READ_DATA,
            nt::FILE_SYNCHRONOUS_IO_NONALERT,
        )
    });
    assert_eq!(status, nt::STATUS_SUCCESS);
    k.run_in_system(|| {
        for handle in [handle, bobs] {
            assert_eq!(zw_close(handle), nt::STATUS_SUCCESS);
        }
    });
    k.check_no_stop();
}
