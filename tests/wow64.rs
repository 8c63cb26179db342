//! 32-bit callers send the same wire structs: handles travel as u64, and the driver widens a
//! 32-bit process's value the way WOW64 does (low half, sign-extended).
mod support;

use handleguard_protocol::{
    FileReport, IOCTL_HANDLEGUARD_INSPECT_FILE as INSPECT,
    IOCTL_HANDLEGUARD_REGISTER_EVENT as REGISTER, InspectFileRequest, Refusal, RegisterEventReply,
    RegisterEventRequest, checksum,
};
use support::*;

const FILE: &str = r"\??\C:\data\a.txt";

fn client32(kernel: &Kernel) -> (Process, u64) {
    let process = kernel.create_process_32bit("hgctl32.exe", User::new("alice"));
    let device = process
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the device opens");
    (process, device)
}

fn register(process: &Process, device: u64, event: u64) -> Result<u64, nt::NTSTATUS> {
    call::<_, RegisterEventReply>(
        process,
        device,
        REGISTER,
        &RegisterEventRequest {
            event,
            due_ms: 5,
            mode: 0,
        },
    )
    .map(|r| r.id)
}

#[test]
fn a_32bit_caller_registers_an_event_with_the_same_wire_struct() {
    let kernel = boot();
    let (app32, device) = client32(&kernel);
    let event = app32.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    register(&app32, device, event).expect("registered");
    kernel.advance_ms(5);
    assert_eq!(app32.is_signaled(event), Ok(true));
    unload_clean(&kernel, &[&app32]);
}

#[test]
fn a_32bit_callers_file_handle_is_inspected() {
    let kernel =
        boot_with(|k| k.add_file(FILE, b"thirty-two", &FileSecurity::readable_by(&["alice"])));
    let (app32, device) = client32(&kernel);
    let file = app32
        .open_file(
            FILE,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    let report: FileReport =
        call(&app32, device, INSPECT, &InspectFileRequest { file }).expect("inspected");
    assert_eq!(report.checksum, checksum(b"thirty-two"));
    unload_clean(&kernel, &[&app32]);
}

#[test]
fn a_32bit_minus_one_is_the_current_process_pseudo_handle_and_a_64bit_one_is_garbage() {
    let kernel = boot();
    let (app32, device32) = client32(&kernel);
    let (app64, device64) = client(&kernel, "alice");
    // (HANDLE)-1 from a 32-bit process is 0xFFFFFFFF: widened to NtCurrentProcess().
    assert_eq!(
        register(&app32, device32, 0xFFFF_FFFF),
        Err(nt::STATUS_OBJECT_TYPE_MISMATCH)
    );
    // The same bits from a 64-bit process name no handle at all.
    assert_eq!(
        register(&app64, device64, 0xFFFF_FFFF),
        Err(nt::STATUS_INVALID_HANDLE)
    );
    unload_clean(&kernel, &[&app32, &app64]);
}

#[test]
fn a_32bit_callers_handle_with_a_nonzero_upper_half_is_refused() {
    // A 32-bit process's handles are 32 bits: a wire value with bits above them set is not a
    // handle it can have, and is refused rather than silently cut to its low half.
    let kernel = boot();
    let (app32, device) = client32(&kernel);
    let event = app32.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    assert_eq!(
        register(&app32, device, 0xABCD_0000_0000_0000 | event),
        Err(nt::STATUS_INVALID_HANDLE)
    );
    assert_eq!(
        info(&app32, device).refusals[Refusal::InvalidHandle.index()],
        1
    );
    kernel.advance_ms(5);
    assert_eq!(
        app32.is_signaled(event),
        Ok(false),
        "nothing was registered"
    );
    assert_eq!(
        register(&app32, device, event).map(|_| ()),
        Ok(()),
        "the low half alone is fine"
    );
    unload_clean(&kernel, &[&app32]);
}
