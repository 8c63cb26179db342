//! File handles: inspection through the user's handle (referenced with FILE_READ_DATA and the
//! file type, then read through the driver's own OBJ_KERNEL_HANDLE), and opening a path on
//! the user's behalf with OBJ_FORCE_ACCESS_CHECK.
mod support;

use handleguard_protocol::{
    CHECKSUM_WINDOW, FileReport, IOCTL_HANDLEGUARD_INSPECT_FILE as INSPECT,
    IOCTL_HANDLEGUARD_OPEN_AS_CALLER as OPEN_AS_CALLER, InspectFileRequest, OpenAsCallerRequest,
    Refusal, checksum,
};
use support::*;

const SHARED: &str = r"\??\C:\data\shared.txt";
const SECRET: &str = r"\??\C:\data\secret.txt";
const BIG: &str = r"\??\C:\data\big.bin";

fn big_content() -> Vec<u8> {
    (0..10_000u32).map(|i| (i % 251) as u8).collect()
}

fn setup() -> (Kernel, Process, u64) {
    let kernel = boot_with(|k| {
        k.add_file(
            SHARED,
            b"hello, handles",
            &FileSecurity::readable_by(&["alice", "bob"]),
        );
        k.add_file(
            SECRET,
            b"root only",
            &FileSecurity::readable_by(&["root"]).owned_by("root"),
        );
        k.add_file(BIG, &big_content(), &FileSecurity::readable_by(&["alice"]));
    });
    let (alice, device) = client(&kernel, "alice");
    (kernel, alice, device)
}

fn inspect(process: &Process, device: u64, file: u64) -> Result<FileReport, nt::NTSTATUS> {
    call(process, device, INSPECT, &InspectFileRequest { file })
}

fn open_as_caller(process: &Process, device: u64, path: &str) -> Result<FileReport, nt::NTSTATUS> {
    call(
        process,
        device,
        OPEN_AS_CALLER,
        &OpenAsCallerRequest::new(path).expect("a short path"),
    )
}

#[test]
fn inspecting_a_readable_file_reports_its_size_and_checksum() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(
            SHARED,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    let before = kernel.object_counts(&alice, file);
    let report = inspect(&alice, device, file).expect("inspected");
    assert_eq!(
        report,
        FileReport {
            size: 14,
            checksum: checksum(b"hello, handles"),
            checksummed: 14
        }
    );
    assert_eq!(
        kernel.object_counts(&alice, file),
        before,
        "reference and private handle released"
    );
    assert!(
        kernel.system_handle_values().is_empty(),
        "no kernel handle left open"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn only_the_first_window_of_a_large_file_is_checksummed() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(
            BIG,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    let report = inspect(&alice, device, file).expect("inspected");
    let window = CHECKSUM_WINDOW as usize;
    assert_eq!(
        report,
        FileReport {
            size: 10_000,
            checksum: checksum(&big_content()[..window]),
            checksummed: CHECKSUM_WINDOW
        }
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_asynchronous_file_object_is_refused() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(SHARED, nt::FILE_READ_DATA, FileOpen::Asynchronous)
        .expect("open overlapped");
    assert_eq!(
        inspect(&alice, device, file),
        Err(nt::STATUS_INVALID_PARAMETER)
    );
    assert_eq!(refusals(&alice, device, Refusal::AsynchronousFile), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_output_buffer_is_checked_before_the_handle_is_touched() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(
            SHARED,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    let request = InspectFileRequest { file }.encode();
    assert_eq!(
        raw(&alice, device, INSPECT, &request, FileReport::SIZE - 1).status,
        nt::STATUS_BUFFER_TOO_SMALL
    );
    assert_eq!(
        raw(&alice, device, INSPECT, &request[..7], FileReport::SIZE).status,
        nt::STATUS_INVALID_PARAMETER
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn opening_on_the_callers_behalf_succeeds_where_the_caller_may_read() {
    let (kernel, alice, device) = setup();
    let report = open_as_caller(&alice, device, SHARED).expect("alice may read it");
    assert_eq!(
        report,
        FileReport {
            size: 14,
            checksum: checksum(b"hello, handles"),
            checksummed: 14
        }
    );
    assert!(
        kernel.system_handle_values().is_empty(),
        "the private handle was closed"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn nobody_reads_through_the_driver_what_they_cannot_read_themselves() {
    let (kernel, alice, device) = setup();
    // Alice herself cannot open it ...
    assert_eq!(
        alice.open_file(
            SECRET,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous
        ),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    // ... and the driver, opening with OBJ_FORCE_ACCESS_CHECK, does not do it for her.
    assert_eq!(
        open_as_caller(&alice, device, SECRET),
        Err(nt::STATUS_ACCESS_DENIED)
    );
    assert_eq!(refusals(&alice, device, Refusal::CallerAccessDenied), 1);
    // The file's owner may.
    let (root, root_device) = client(&kernel, "root");
    assert_eq!(
        open_as_caller(&root, root_device, SECRET).map(|r| r.size),
        Ok(9)
    );
    unload_clean(&kernel, &[&alice, &root]);
}

#[test]
fn a_missing_path_and_a_malformed_path_fail_cleanly() {
    let (kernel, alice, device) = setup();
    assert_eq!(
        open_as_caller(&alice, device, r"\??\C:\data\missing.txt"),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    let mut bad = OpenAsCallerRequest::new(SHARED).expect("path");
    bad.path_units = 0;
    assert_eq!(
        raw(
            &alice,
            device,
            OPEN_AS_CALLER,
            &bad.encode(),
            FileReport::SIZE
        )
        .status,
        nt::STATUS_INVALID_PARAMETER
    );
    let mut padded = OpenAsCallerRequest::new(SHARED).expect("path");
    padded.path[200] = 0x41;
    assert_eq!(
        raw(
            &alice,
            device,
            OPEN_AS_CALLER,
            &padded.encode(),
            FileReport::SIZE
        )
        .status,
        nt::STATUS_INVALID_PARAMETER
    );
    unload_clean(&kernel, &[&alice]);
}

/// `STATUS_NOT_SUPPORTED`: what the driver answers for a handle or path that is not a file
/// on a file-system volume.
#[allow(clippy::cast_possible_wrap)]
const STATUS_NOT_SUPPORTED: nt::NTSTATUS = 0xC000_00BB_u32 as nt::NTSTATUS;

#[test]
fn inspecting_a_file_does_not_move_the_callers_file_position() {
    let (kernel, alice, device) = setup();
    let file = alice
        .open_file(SHARED, nt::FILE_READ_DATA, FileOpen::Synchronous)
        .expect("open");
    assert_eq!(alice.read_file(file, 5), Ok(b"hello".to_vec()));
    let report = inspect(&alice, device, file).expect("inspected");
    assert_eq!(report.size, 14);
    assert_eq!(
        alice.read_file(file, 5),
        Ok(b", han".to_vec()),
        "the caller's position is where the caller left it"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_device_handle_the_request_came_on_is_refused_as_a_file_not_waited_on() {
    let (kernel, alice, device) = setup();
    assert_eq!(inspect(&alice, device, device), Err(STATUS_NOT_SUPPORTED));
    assert_eq!(refusals(&alice, device, Refusal::NotAFile), 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_named_pipe_is_refused_and_its_data_stays_unread() {
    let (kernel, alice, device) = setup();
    let server = alice.create_named_pipe("feed").expect("pipe");
    let client = alice
        .open(r"\\.\pipe\feed", nt::GENERIC_READ)
        .expect("client end");
    assert_eq!(alice.write_file(server, b"for the reader"), Ok(14));
    assert_eq!(inspect(&alice, device, client), Err(STATUS_NOT_SUPPORTED));
    assert_eq!(refusals(&alice, device, Refusal::NotAFile), 1);
    assert_eq!(alice.read_file(client, 64), Ok(b"for the reader".to_vec()));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_empty_named_pipe_is_refused_without_a_read_that_would_wait_forever() {
    let (kernel, alice, device) = setup();
    let _server = alice.create_named_pipe("quiet").expect("pipe");
    let client = alice
        .open(r"\\.\pipe\quiet", nt::GENERIC_READ)
        .expect("client end");
    assert_eq!(inspect(&alice, device, client), Err(STATUS_NOT_SUPPORTED));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_whole_volume_is_refused_as_a_file() {
    let (kernel, alice, device) = setup();
    let volume = alice.open(r"\\.\C:", nt::GENERIC_READ).expect("volume");
    assert_eq!(inspect(&alice, device, volume), Err(STATUS_NOT_SUPPORTED));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn opening_a_device_path_on_the_callers_behalf_is_refused() {
    let (kernel, alice, device) = setup();
    assert_eq!(
        open_as_caller(&alice, device, r"\Device\HandleGuard"),
        Err(STATUS_NOT_SUPPORTED)
    );
    assert_eq!(refusals(&alice, device, Refusal::NotAFile), 1);
    assert!(
        kernel.system_handle_values().is_empty(),
        "the driver's handle to its own device was closed"
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn opening_a_pipe_path_on_the_callers_behalf_is_refused_before_any_read() {
    let (kernel, alice, device) = setup();
    let server = alice.create_named_pipe("feed").expect("pipe");
    assert_eq!(alice.write_file(server, b"for the reader"), Ok(14));
    assert_eq!(
        open_as_caller(&alice, device, r"\??\pipe\feed"),
        Err(STATUS_NOT_SUPPORTED)
    );
    let client = alice
        .open(r"\\.\pipe\feed", nt::GENERIC_READ)
        .expect("client end");
    assert_eq!(alice.read_file(client, 64), Ok(b"for the reader".to_vec()));
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn opening_a_raw_volume_on_the_callers_behalf_is_refused() {
    let (kernel, alice, device) = setup();
    assert_eq!(
        open_as_caller(&alice, device, r"\??\C:"),
        Err(STATUS_NOT_SUPPORTED)
    );
    assert_eq!(
        open_as_caller(&alice, device, r"\Device\HarddiskVolume1"),
        Err(STATUS_NOT_SUPPORTED)
    );
    assert_eq!(refusals(&alice, device, Refusal::NotAFile), 2);
    unload_clean(&kernel, &[&alice]);
}
