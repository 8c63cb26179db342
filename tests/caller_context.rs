//! Handles mean something only in the process that sent them: a handle-carrying request
//! dispatched in another process's context (forwarded by a worker thread or another driver)
//! is refused before any handle value is interpreted.
mod support;

use handleguard_protocol::{
    self as protocol, FileReport, InfoReply, InspectFileRequest, KernelEventReply,
    KernelEventRequest, Message, OpenAsCallerRequest, Refusal, RegisterEventRequest,
};
use support::*;

const FILE: &str = r"\??\C:\data\a.txt";

fn forwarded(
    requestor: &Process,
    worker: &Process,
    device: u64,
    code: u32,
    input: &[u8],
    output_len: usize,
) -> nt::NTSTATUS {
    match requestor.ioctl_dispatched_in(worker, device, code, input, output_len) {
        IoOutcome::Done { status, .. } => status,
        IoOutcome::Pending(_) => panic!("a refused request must not pend"),
    }
}

fn bytes<M: Message>(message: &M) -> Vec<u8> {
    let mut out = vec![0; M::SIZE];
    message.write_to(&mut out).expect("fits");
    out
}

#[test]
fn handle_requests_dispatched_outside_the_requestors_process_are_refused() {
    let kernel = boot_with(|k| k.add_file(FILE, b"abc", &FileSecurity::readable_by(&["alice"])));
    let (alice, device) = client(&kernel, "alice");
    let worker = kernel.system();
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let file = alice
        .open_file(
            FILE,
            nt::FILE_READ_DATA | nt::SYNCHRONIZE,
            FileOpen::Synchronous,
        )
        .expect("open");
    let before = kernel.object_counts(&alice, event);
    let file_before = kernel.object_counts(&alice, file);

    let cases: [(u32, Vec<u8>, usize); 4] = [
        (
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            bytes(&RegisterEventRequest {
                event,
                due_ms: 10,
                mode: 0,
            }),
            8,
        ),
        (
            protocol::IOCTL_HANDLEGUARD_INSPECT_FILE,
            bytes(&InspectFileRequest { file }),
            FileReport::SIZE,
        ),
        (
            protocol::IOCTL_HANDLEGUARD_OPEN_AS_CALLER,
            bytes(&OpenAsCallerRequest::new(FILE).expect("path")),
            FileReport::SIZE,
        ),
        (
            protocol::IOCTL_HANDLEGUARD_CREATE_KERNEL_EVENT,
            bytes(&KernelEventRequest {
                due_ms: 0,
                reserved: 0,
            }),
            KernelEventReply::SIZE,
        ),
    ];
    for (code, input, output_len) in &cases {
        assert_eq!(
            forwarded(&alice, &worker, device, *code, input, *output_len),
            nt::STATUS_INVALID_DEVICE_REQUEST,
            "code {code:#x}"
        );
    }
    assert_eq!(refusals(&alice, device, Refusal::WrongContext), 4);
    assert_eq!(
        kernel.object_counts(&alice, event),
        before,
        "no reference taken"
    );
    assert_eq!(kernel.object_counts(&alice, file), file_before);
    assert_eq!(alice.handles().len(), 3, "no handle handed out");
    assert_eq!(info(&alice, device).registrations_active, 0);
    assert!(
        kernel.system_handle_values().is_empty(),
        "no private handle left behind"
    );

    // A request that carries no handle is fine in any context.
    assert_eq!(
        forwarded(
            &alice,
            &worker,
            device,
            protocol::IOCTL_HANDLEGUARD_GET_INFO,
            &[],
            InfoReply::SIZE
        ),
        nt::STATUS_SUCCESS
    );
    unload_clean(&kernel, &[&alice]);
}

#[test]
fn a_request_forwarded_into_another_user_process_is_refused_too() {
    let kernel = boot();
    let (alice, device) = client(&kernel, "alice");
    let mallory = kernel.create_process("other.exe", User::new("mallory"));
    let event = alice.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let request = bytes(&RegisterEventRequest {
        event,
        due_ms: 10,
        mode: 0,
    });
    assert_eq!(
        forwarded(
            &alice,
            &mallory,
            device,
            protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
            &request,
            8
        ),
        nt::STATUS_INVALID_DEVICE_REQUEST
    );
    unload_clean(&kernel, &[&alice, &mallory]);
}
