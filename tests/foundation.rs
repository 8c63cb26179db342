//! The driver skeleton on the model kernel: load, the device and its link, opens, GET_INFO,
//! malformed requests, unload with nothing left behind.
mod support;

use handleguard_protocol::{self as protocol, InfoReply, PROTOCOL_VERSION, REFUSAL_KINDS, Refusal};
use support::*;

#[test]
fn driver_entry_creates_the_device_and_its_link() {
    let kernel = boot();
    assert!(kernel.device_object(r"\Device\HandleGuard").is_some());
    assert_eq!(
        kernel.symbolic_link(r"\DosDevices\HandleGuard").as_deref(),
        Some(r"\Device\HandleGuard")
    );
    unload_clean(&kernel, &[]);
    assert!(kernel.device_object(r"\Device\HandleGuard").is_none());
    assert!(kernel.symbolic_link(r"\DosDevices\HandleGuard").is_none());
}

#[test]
fn get_info_reports_the_protocol_version_and_counters() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let first = info(&alice, device);
    assert_eq!(first.version, PROTOCOL_VERSION);
    assert_eq!(first.refusal_kinds as usize, REFUSAL_KINDS);
    assert_eq!(first.opens, 1);
    assert_eq!(first.requests, 1);
    assert_eq!(first.refusals, [0; REFUSAL_KINDS]);
    assert_eq!(info(&alice, device).requests, 2);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn opens_are_counted_until_closed() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let second = alice.open(DEVICE, nt::GENERIC_READ).expect("a second open");
    assert_eq!(info(&alice, device).opens, 2);
    assert_eq!(alice.close(second), nt::STATUS_SUCCESS);
    assert_eq!(info(&alice, device).opens, 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_name_under_the_device_is_refused() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    assert_eq!(
        alice.open(r"\\.\HandleGuard\anything", nt::GENERIC_READ),
        Err(nt::STATUS_OBJECT_NAME_NOT_FOUND)
    );
    assert_eq!(refusals(&alice, device, Refusal::NamespaceOpen), 1);
    assert_eq!(info(&alice, device).opens, 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn every_win32_spelling_of_a_name_under_the_device_is_refused() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    // Win32 normalizes `\\.\` paths: these reach the driver with a FileName of `\` or more.
    let under = [
        r"\\.\HandleGuard\",
        r"\\.\HandleGuard\\",
        r"\\.\HandleGuard\\x",
        r"\\.\HandleGuard\ ",
        r"\\.\HandleGuard/x",
        r"\\?\HandleGuard\.",
        r"\??\HandleGuard\",
        r"\Device\HandleGuard\",
    ];
    for path in under {
        assert_eq!(
            alice.open(path, nt::GENERIC_READ | nt::GENERIC_WRITE),
            Err(nt::STATUS_OBJECT_NAME_NOT_FOUND),
            "{path}"
        );
    }
    assert_eq!(
        refusals(&alice, device, Refusal::NamespaceOpen),
        under.len() as u64
    );
    assert_eq!(info(&alice, device).opens, 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn win32_spellings_that_normalize_to_the_device_open_the_device_itself() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    for path in [
        r"\\.\HandleGuard\.",
        r"\\.\HandleGuard.",
        r"\\.\HandleGuard\x\..",
        r"//./HandleGuard",
    ] {
        let other = alice
            .open(path, nt::GENERIC_READ | nt::GENERIC_WRITE)
            .unwrap_or_else(|status| panic!("{path}: {status:#x}"));
        assert_eq!(alice.close(other), nt::STATUS_SUCCESS);
    }
    assert_eq!(refusals(&alice, device, Refusal::NamespaceOpen), 0);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn an_unknown_code_is_an_invalid_device_request() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let unknown = protocol::ctl_code(
        protocol::FILE_DEVICE_UNKNOWN,
        0x8FF,
        protocol::METHOD_BUFFERED,
        0,
    );
    assert_eq!(
        raw(&alice, device, unknown, &[1, 2, 3], 16).status,
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    // METHOD_NEITHER: the buffers are user addresses; refused without touching them.
    let neither = protocol::ctl_code(protocol::FILE_DEVICE_UNKNOWN, 0x800, 3, 0);
    assert_eq!(
        raw(&alice, device, neither, &[0; 8], 8).status,
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    assert_eq!(refusals(&alice, device, Refusal::UnknownCode), 2);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn get_info_refuses_input_and_short_output() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let code = protocol::IOCTL_HANDLEGUARD_GET_INFO;
    assert_eq!(
        raw(&alice, device, code, &[0], InfoReply::SIZE).status,
        nt::STATUS_INVALID_PARAMETER
    );
    assert_eq!(
        raw(&alice, device, code, &[], InfoReply::SIZE - 1).status,
        nt::STATUS_BUFFER_TOO_SMALL
    );
    assert_eq!(
        raw(&alice, device, code, &[], 0).status,
        nt::STATUS_BUFFER_TOO_SMALL
    );
    // A larger output buffer is fine: exactly the reply's bytes come back.
    let big = raw(&alice, device, code, &[], InfoReply::SIZE + 64);
    assert_eq!(big.status, nt::STATUS_SUCCESS);
    assert_eq!(big.output.len(), InfoReply::SIZE);
    assert_eq!(refusals(&alice, device, Refusal::BadBuffer), 3);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn the_quota_comes_from_the_parameters_key() {
    let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 3));
    assert!(
        kernel
            .debug_log()
            .iter()
            .any(|line| line.contains("loaded: 3 registrations per open"))
    );
    unload_clean(&kernel, &[]);
}

#[test]
fn a_quota_above_255_is_read_whole() {
    // The DWORD's bytes run past KEY_VALUE_PARTIAL_INFORMATION's one-byte Data array.
    let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 0x0E03));
    assert!(
        kernel
            .debug_log()
            .iter()
            .any(|line| line.contains("loaded: 3587 registrations per open"))
    );
    unload_clean(&kernel, &[]);
}

#[test]
fn an_out_of_range_quota_falls_back_to_the_default() {
    let kernel = boot_with(|k| k.set_registry_dword(PARAMETERS, "MaxRegistrationsPerOpen", 0));
    let log = kernel.debug_log();
    assert!(
        log.iter().any(|line| line.contains("out of range")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|line| line.contains("loaded: 64 registrations per open")),
        "{log:?}"
    );
    unload_clean(&kernel, &[]);
}

#[test]
fn without_exallocatepool2_the_driver_falls_back_to_exallocatepoolwithtag() {
    let kernel = Kernel::new();
    kernel.hide_routine("ExAllocatePool2");
    assert_eq!(
        kernel.load_driver(handleguard::DriverEntry),
        nt::STATUS_SUCCESS
    );
    assert!(
        kernel
            .debug_log()
            .iter()
            .any(|line| line.contains("ExAllocatePool2 missing"))
    );
    let (alice, device) = client(&kernel, "alice");
    assert_eq!(info(&alice, device).opens, 1);
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn unload_logs_that_it_finished() {
    let kernel = boot();
    unload_clean(&kernel, &[]);
    assert!(
        kernel
            .debug_log()
            .iter()
            .any(|line| line.contains("handleguard: unloaded"))
    );
}
