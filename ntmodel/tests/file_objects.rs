//! File objects as the I/O manager and the file systems make them: the position a synchronous
//! read moves (the ZwReadFile page), the file-object lock held for a request sent on a
//! synchronous handle (ReactOS `IopLockFileObject`), named pipes (Microsoft's
//! FILE_STANDARD_INFORMATION page: a pipe's EndOfFile is the bytes available; a read with no
//! data waits for a writer), the device a file object names (a file on a mounted volume has
//! the volume's device and a `Vpb`: Microsoft's FILE_OBJECT page), the volume opened whole
//! (`FO_VOLUME_OPEN`), and relative opens with an empty name (what `ReOpenFile` does): a new
//! file object on the same file, with its own position and lock.
mod common;

use common::test_driver::*;
use common::{kernel_with_driver, reference_by_handle};
use nt_bindings as nt;
use ntmodel::{FileOpen, FileSecurity, Kernel, PreviousMode, User, codes};

const NOTES: &str = r"\??\C:\data\notes.txt";
#[allow(clippy::cast_possible_wrap)]
const STATUS_PIPE_EMPTY: nt::NTSTATUS = 0xC000_00D9_u32 as nt::NTSTATUS;
#[allow(clippy::cast_possible_wrap)]
const STATUS_ACCESS_VIOLATION: nt::NTSTATUS = 0xC000_0005_u32 as nt::NTSTATUS;

fn kernel_with_notes() -> Kernel {
    let k = Kernel::new();
    k.add_file(
        NOTES,
        b"hello, handles",
        &FileSecurity::readable_by(&["alice"]),
    );
    k
}

/// `ObReferenceObjectByHandle(UserMode)` then `ObOpenObjectByPointer(OBJ_KERNEL_HANDLE, no
/// access, KernelMode)` on the result: a kernel handle naming the user's file object.
fn kernel_handle_to(handle: u64) -> (usize, u64) {
    let (status, object, _) = reference_by_handle(handle, 0, ntmodel::IoFileObjectType.get(), 1);
    assert_eq!(status, nt::STATUS_SUCCESS);
    let mut kernel_handle: nt::HANDLE = std::ptr::null_mut();
    // SAFETY: a referenced file object; valid out pointer.
    let status = unsafe {
        ntmodel::ObOpenObjectByPointer(
            object as nt::PVOID,
            nt::OBJ_KERNEL_HANDLE,
            std::ptr::null_mut(),
            0,
            ntmodel::IoFileObjectType.get(),
            0,
            &raw mut kernel_handle,
        )
    };
    assert_eq!(status, nt::STATUS_SUCCESS);
    // SAFETY: the reference taken above.
    unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
    (object, kernel_handle as u64)
}

/// `IoCreateFile(FILE_READ_DATA | SYNCHRONIZE, RootDirectory = root, empty name,
/// synchronous)` with `options`: (status, handle).
fn reopen(root: u64, options: u32) -> (nt::NTSTATUS, u64) {
    let mut empty = nt::UNICODE_STRING::default();
    let mut attributes = nt::OBJECT_ATTRIBUTES {
        Length: u32::try_from(size_of::<nt::OBJECT_ATTRIBUTES>()).unwrap_or(0),
        RootDirectory: root as nt::HANDLE,
        ObjectName: &raw mut empty,
        Attributes: nt::OBJ_KERNEL_HANDLE | nt::OBJ_FORCE_ACCESS_CHECK,
        ..Default::default()
    };
    let mut handle: nt::HANDLE = std::ptr::null_mut();
    let mut iosb = nt::IO_STATUS_BLOCK::default();
    // SAFETY: valid pointers, all kernel memory (IO_NO_PARAMETER_CHECKING).
    let status = unsafe {
        ntmodel::IoCreateFile(
            &raw mut handle,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            &raw mut attributes,
            &raw mut iosb,
            std::ptr::null_mut(),
            0,
            nt::FILE_SHARE_READ | nt::FILE_SHARE_WRITE | nt::FILE_SHARE_DELETE,
            nt::FILE_OPEN,
            nt::FILE_NON_DIRECTORY_FILE | nt::FILE_SYNCHRONOUS_IO_NONALERT,
            std::ptr::null_mut(),
            0,
            nt::_CREATE_FILE_TYPE::CreateFileTypeNone,
            std::ptr::null_mut(),
            options,
        )
    };
    (status, handle as u64)
}

/// `ZwReadFile` of `length` bytes at `offset`: (status, bytes).
fn zw_read_at(handle: u64, offset: i64, length: usize) -> (nt::NTSTATUS, Vec<u8>) {
    let mut iosb = nt::IO_STATUS_BLOCK::default();
    let mut buffer = vec![0u8; length];
    let mut at = nt::LARGE_INTEGER { QuadPart: offset };
    // SAFETY: valid pointers; `buffer` has `length` bytes.
    let status = unsafe {
        ntmodel::ZwReadFile(
            handle as nt::HANDLE,
            std::ptr::null_mut(),
            None,
            std::ptr::null_mut(),
            &raw mut iosb,
            buffer.as_mut_ptr().cast(),
            u32::try_from(length).unwrap_or(0),
            &raw mut at,
            std::ptr::null_mut(),
        )
    };
    buffer.truncate(usize::try_from(iosb.Information).unwrap_or(0));
    (status, buffer)
}

/// `ZwQueryInformationFile(FileStandardInformation)`: (status, EndOfFile).
fn zw_end_of_file(handle: u64) -> (nt::NTSTATUS, i64) {
    let mut iosb = nt::IO_STATUS_BLOCK::default();
    let mut standard = nt::FILE_STANDARD_INFORMATION::default();
    // SAFETY: valid pointers.
    let status = unsafe {
        ntmodel::ZwQueryInformationFile(
            handle as nt::HANDLE,
            &raw mut iosb,
            (&raw mut standard).cast(),
            u32::try_from(size_of::<nt::FILE_STANDARD_INFORMATION>()).unwrap_or(0),
            nt::_FILE_INFORMATION_CLASS::FileStandardInformation,
        )
    };
    // SAFETY: every bit pattern is a valid LONGLONG.
    (status, unsafe { standard.EndOfFile.QuadPart })
}

fn close(handle: u64) {
    // SAFETY: a kernel handle of the test's, closed once.
    let status = unsafe { ntmodel::ZwClose(handle as nt::HANDLE) };
    assert_eq!(status, nt::STATUS_SUCCESS);
}

/// `FileObject->DeviceObject->DeviceType`, whether `Vpb` is set, and `Flags`.
fn device_of(object: usize) -> (u32, bool, u32) {
    let file = object as *const nt::FILE_OBJECT;
    // SAFETY: a live file object of the test's.
    let file = unsafe { &*file };
    let (device, vpb, flags) = (file.DeviceObject, file.Vpb, file.Flags);
    assert!(!device.is_null());
    // SAFETY: a file object's device lives at least as long as the file object.
    (unsafe { (*device).DeviceType }, !vpb.is_null(), flags)
}

#[test]
fn a_second_handle_made_from_the_pointer_shares_the_position_a_read_moves() {
    let k = kernel_with_notes();
    let alice = k.create_process("app.exe", User::new("alice"));
    let file = alice
        .open_file(NOTES, nt::FILE_READ_DATA, FileOpen::Synchronous)
        .expect("open");
    k.run_in(&alice, PreviousMode::UserMode, || {
        let (_, second) = kernel_handle_to(file);
        // A read at an explicit offset still moves a synchronous file object's position.
        assert_eq!(
            zw_read_at(second, 0, 14),
            (nt::STATUS_SUCCESS, b"hello, handles".to_vec())
        );
        close(second);
    });
    assert_eq!(alice.read_file(file, 5), Err(nt::STATUS_END_OF_FILE));
    k.check_no_stop();
}

#[test]
fn a_relative_open_with_an_empty_name_is_a_new_file_object_with_its_own_position() {
    let k = kernel_with_notes();
    let alice = k.create_process("app.exe", User::new("alice"));
    let file = alice
        .open_file(NOTES, nt::FILE_READ_DATA, FileOpen::Synchronous)
        .expect("open");
    k.run_in(&alice, PreviousMode::UserMode, || {
        let (users, root) = kernel_handle_to(file);
        let options = nt::IO_NO_PARAMETER_CHECKING | nt::IO_FORCE_ACCESS_CHECK;
        let (status, own) = reopen(root, options);
        assert_eq!(status, nt::STATUS_SUCCESS);
        let (status, object, _) = reference_by_handle(own, 0, ntmodel::IoFileObjectType.get(), 0);
        assert_eq!(status, nt::STATUS_SUCCESS);
        assert_ne!(object, users, "a file object of its own");
        // A file of a mounted file system: the volume's device (a disk) and its VPB.
        assert_eq!(
            device_of(object),
            (nt::FILE_DEVICE_DISK, true, nt::FO_SYNCHRONOUS_IO)
        );
        // SAFETY: the reference taken above.
        unsafe { ntmodel::ObfDereferenceObject(object as nt::PVOID) };
        assert_eq!(zw_end_of_file(own), (nt::STATUS_SUCCESS, 14));
        assert_eq!(
            zw_read_at(own, 0, 14),
            (nt::STATUS_SUCCESS, b"hello, handles".to_vec())
        );
        close(own);
        close(root);
    });
    assert_eq!(alice.read_file(file, 5), Ok(b"hello".to_vec()));
    k.check_no_stop();
}

#[test]
fn a_forced_access_check_on_a_relative_open_is_made_against_the_callers_token() {
    let k = kernel_with_notes();
    let alice = k.create_process("app.exe", User::new("alice"));
    let bob = k.create_process("app.exe", User::new("bob"));
    let file = alice
        .open_file(NOTES, nt::FILE_READ_DATA, FileOpen::Synchronous)
        .expect("open");
    let root = k.run_in(&alice, PreviousMode::UserMode, || kernel_handle_to(file).1);
    k.run_in(&bob, PreviousMode::UserMode, || {
        let forced = nt::IO_NO_PARAMETER_CHECKING | nt::IO_FORCE_ACCESS_CHECK;
        assert_eq!(reopen(root, forced).0, nt::STATUS_ACCESS_DENIED);
        // Without IO_NO_PARAMETER_CHECKING the access mode is bob's UserMode: the kernel
        // buffers fail the probe.
        assert_eq!(
            reopen(root, nt::IO_FORCE_ACCESS_CHECK).0,
            STATUS_ACCESS_VIOLATION
        );
        close(root);
    });
    k.check_no_stop();
}

#[test]
fn the_volume_opened_whole_is_a_volume_open_and_a_pipe_is_the_named_pipe_file_systems() {
    let k = kernel_with_notes();
    let alice = k.create_process("app.exe", User::new("alice"));
    let server = alice.create_named_pipe("feed").expect("pipe");
    let client = alice
        .open(r"\\.\pipe\feed", nt::GENERIC_READ)
        .expect("client end");
    let volume = alice.open(r"\\.\C:", nt::GENERIC_READ).expect("volume");
    let file = alice.open(NOTES, nt::GENERIC_READ).expect("file");
    let object = |handle| k.object_of(&alice, handle).expect("an object");
    assert_eq!(
        device_of(object(volume)),
        (
            nt::FILE_DEVICE_DISK,
            true,
            nt::FO_SYNCHRONOUS_IO | nt::FO_VOLUME_OPEN
        )
    );
    assert_eq!(
        device_of(object(file)),
        (nt::FILE_DEVICE_DISK, true, nt::FO_SYNCHRONOUS_IO)
    );
    assert_eq!(
        device_of(object(client)),
        (nt::FILE_DEVICE_NAMED_PIPE, false, nt::FO_SYNCHRONOUS_IO)
    );
    assert_eq!(
        device_of(object(server)),
        (
            nt::FILE_DEVICE_NAMED_PIPE,
            false,
            nt::FO_SYNCHRONOUS_IO | nt::FO_NAMED_PIPE
        )
    );
    assert_eq!(
        alice.open(r"\\.\pipe\none", nt::GENERIC_READ),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    k.check_no_stop();
}

#[test]
fn a_pipes_end_of_file_is_the_bytes_available_and_a_read_consumes_them() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let server = alice.create_named_pipe("feed").expect("pipe");
    let client = alice
        .open(r"\\.\pipe\feed", nt::GENERIC_READ)
        .expect("client end");
    assert_eq!(alice.write_file(server, b"ping"), Ok(4));
    k.run_in(&alice, PreviousMode::UserMode, || {
        let (_, second) = kernel_handle_to(client);
        assert_eq!(zw_end_of_file(second), (nt::STATUS_SUCCESS, 4));
        assert_eq!(
            zw_read_at(second, 0, 2),
            (nt::STATUS_SUCCESS, b"pi".to_vec())
        );
        assert_eq!(zw_end_of_file(second), (nt::STATUS_SUCCESS, 2));
        close(second);
    });
    assert_eq!(alice.read_file(client, 10), Ok(b"ng".to_vec()));
    assert_eq!(alice.read_file(client, 10), Err(STATUS_PIPE_EMPTY));
    k.check_no_stop();
}

#[test]
fn a_synchronous_read_of_an_empty_pipe_is_a_wait_that_never_ends() {
    let k = Kernel::new();
    let alice = k.create_process("app.exe", User::new("alice"));
    let _server = alice.create_named_pipe("feed").expect("pipe");
    let client = alice
        .open(r"\\.\pipe\feed", nt::GENERIC_READ)
        .expect("client end");
    k.run_in(&alice, PreviousMode::UserMode, || {
        let (_, second) = kernel_handle_to(client);
        assert_eq!(zw_read_at(second, 0, 4).0, STATUS_PIPE_EMPTY);
        close(second);
    });
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].is(codes::NTMODEL_CHECK, codes::MODEL_WAIT_NEVER_ENDS));
}

#[test]
fn a_driver_querying_the_synchronous_file_object_its_request_came_on_deadlocks() {
    let (k, alice) = kernel_with_driver();
    let device = alice
        .open(r"\\.\ModelTest", nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("open");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        alice.ioctl(device, IOCTL_BUG_QUERY_OWN_FILE_OBJECT, &[], 0)
    }));
    assert!(outcome.is_err(), "the user-side call panics");
    let stops = k.take_verifier_stops();
    assert_eq!(stops.len(), 1);
    assert!(stops[0].is(codes::NTMODEL_CHECK, codes::MODEL_FILE_LOCK_DEADLOCK));
    // An overlapped handle has no file-object lock: the query reaches the (unmodelled)
    // device and fails without a stop.
    let overlapped = alice
        .open_file(r"\\.\ModelTest", nt::GENERIC_READ, FileOpen::Asynchronous)
        .expect("open overlapped");
    let (status, _, _) =
        common::done(alice.ioctl(overlapped, IOCTL_BUG_QUERY_OWN_FILE_OBJECT, &[], 0));
    assert_eq!(status, nt::STATUS_INVALID_DEVICE_REQUEST);
    k.check_no_stop();
}
