//! Scenario helpers: the real driver loaded into a model kernel, driven from a user process
//! the way hgctl does.
#![allow(dead_code, unused_imports)]

use handleguard_protocol::{self as protocol, InfoReply, Message};
pub use nt_bindings as nt;
pub use ntmodel::{EventKind, FileOpen, FileSecurity, IoOutcome, Kernel, Process, User};

/// The service key the model loads the driver under.
pub const PARAMETERS: &str =
    r"\Registry\Machine\System\CurrentControlSet\Services\handleguard\Parameters";
/// What a program opens.
pub const DEVICE: &str = r"\\.\HandleGuard";

/// A kernel with handleguard loaded.
pub fn boot() -> Kernel {
    boot_with(|_| {})
}

/// A kernel prepared by `prepare` (registry, files), then handleguard loaded.
pub fn boot_with(prepare: impl FnOnce(&Kernel)) -> Kernel {
    let kernel = Kernel::new();
    prepare(&kernel);
    assert_eq!(
        kernel.load_driver(handleguard::DriverEntry),
        nt::STATUS_SUCCESS,
        "DriverEntry failed"
    );
    kernel
}

/// A user process with the device open.
pub fn client(kernel: &Kernel, user: &str) -> (Process, u64) {
    let process = kernel.create_process("hgctl.exe", User::new(user));
    let device = process
        .open(DEVICE, nt::GENERIC_READ | nt::GENERIC_WRITE)
        .expect("the device opens");
    (process, device)
}

/// A completed request: its status and output.
#[derive(Debug)]
pub struct Reply {
    pub status: nt::NTSTATUS,
    pub output: Vec<u8>,
}

/// Sends `input` bytes with room for `output_len` bytes; the request must complete at once.
pub fn raw(process: &Process, device: u64, code: u32, input: &[u8], output_len: usize) -> Reply {
    match process.ioctl(device, code, input, output_len) {
        IoOutcome::Done { status, output, .. } => Reply { status, output },
        IoOutcome::Pending(_) => panic!("IOCTL {code:#x} unexpectedly pended"),
    }
}

/// Sends a request struct with room for a reply of type `R`.
pub fn call<Q: Message, R: Message>(
    process: &Process,
    device: u64,
    code: u32,
    request: &Q,
) -> Result<R, nt::NTSTATUS> {
    let mut input = vec![0u8; Q::SIZE];
    request.write_to(&mut input).expect("request fits");
    let reply = raw(process, device, code, &input, R::SIZE);
    if reply.status == nt::STATUS_SUCCESS {
        Ok(R::decode(&reply.output).expect("a well-formed reply"))
    } else {
        Err(reply.status)
    }
}

/// Sends a request struct that has no reply; returns the status.
pub fn send<Q: Message>(process: &Process, device: u64, code: u32, request: &Q) -> nt::NTSTATUS {
    let mut input = vec![0u8; Q::SIZE];
    request.write_to(&mut input).expect("request fits");
    raw(process, device, code, &input, 0).status
}

/// `IOCTL_HANDLEGUARD_GET_INFO`.
pub fn info(process: &Process, device: u64) -> InfoReply {
    let reply = raw(
        process,
        device,
        protocol::IOCTL_HANDLEGUARD_GET_INFO,
        &[],
        InfoReply::SIZE,
    );
    assert_eq!(reply.status, nt::STATUS_SUCCESS);
    InfoReply::decode(&reply.output).expect("a well-formed info reply")
}

/// `REGISTER_EVENT` (signal mode) with a new event of `process`'s (`SYNCHRONIZE |
/// EVENT_MODIFY_STATE`) due in `due_ms`: the registration id.
pub fn register_new_event(
    process: &Process,
    device: u64,
    due_ms: u32,
) -> Result<u64, nt::NTSTATUS> {
    let event = process.create_event(
        nt::SYNCHRONIZE | nt::EVENT_MODIFY_STATE,
        EventKind::Notification,
        false,
    );
    let request = protocol::RegisterEventRequest {
        event,
        due_ms,
        mode: protocol::NotifyMode::SignalEvent as u32,
    };
    call::<_, protocol::RegisterEventReply>(
        process,
        device,
        protocol::IOCTL_HANDLEGUARD_REGISTER_EVENT,
        &request,
    )
    .map(|reply| reply.id)
}

/// Refusals counted for `reason`.
pub fn refusals(process: &Process, device: u64, reason: protocol::Refusal) -> u64 {
    info(process, device).refusals[reason.index()]
}

/// Closes the client's handles, unloads the driver and asserts nothing leaked and the
/// verifier never stopped.
pub fn unload_clean(kernel: &Kernel, processes: &[&Process]) {
    for process in processes {
        process.exit();
    }
    if let Err(report) = kernel.unload_driver() {
        panic!("unload was not clean: {report:?}");
    }
    kernel.check_no_stop();
    assert_eq!(kernel.pool_outstanding(), 0, "pool left after unload");
}
